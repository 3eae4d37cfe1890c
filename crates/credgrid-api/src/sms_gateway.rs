//! An HTTP gateway sender for collection messages: each message is POSTed
//! as JSON (`{"id", "channel", "to", "locale", "text"}`) to a configured
//! `http://host:port/path` URL over a plain HTTP/1.1 connection (std's TCP,
//! no new dependency; a gateway reached over TLS sits behind a local relay).
//! Any 2xx answer is a delivery; anything else is a failure the outbox keeps.

use credgrid_app::collection::{MessageSender, OutboxMessage};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// How long a connection, a write or a read may take.
const TIMEOUT: Duration = Duration::from_secs(10);
/// The most bytes of an answer read (the status line is all that matters).
const ANSWER_BYTES_MAX: usize = 4096;

/// Sends to one gateway URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpGatewaySender {
    host: String,
    port: u16,
    path: String,
}

impl HttpGatewaySender {
    /// Parses `http://host[:port][/path]`.
    pub fn new(url: &str) -> Result<HttpGatewaySender, String> {
        let rest = url.strip_prefix("http://").ok_or("must start with http://")?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (h, p.parse::<u16>().map_err(|_| "the port must be a number")?),
            None => (authority, 80),
        };
        if host.is_empty() || host.contains(['@', ' ']) || path.contains([' ', '\r', '\n']) {
            return Err("must be http://host[:port][/path]".into());
        }
        Ok(HttpGatewaySender {
            host: host.to_string(),
            port,
            path: path.to_string(),
        })
    }

    fn post(&self, body: &str) -> Result<u16, String> {
        let addr = std::net::ToSocketAddrs::to_socket_addrs(&(self.host.as_str(), self.port))
            .map_err(|e| format!("{}: {e}", self.host))?
            .next()
            .ok_or_else(|| format!("{}: no address", self.host))?;
        let mut stream = TcpStream::connect_timeout(&addr, TIMEOUT).map_err(|e| e.to_string())?;
        stream
            .set_read_timeout(Some(TIMEOUT))
            .map_err(|e| e.to_string())?;
        stream
            .set_write_timeout(Some(TIMEOUT))
            .map_err(|e| e.to_string())?;
        let request = format!(
            "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.path,
            self.host,
            body.len()
        );
        stream.write_all(request.as_bytes()).map_err(|e| e.to_string())?;
        let mut answer = Vec::new();
        stream
            .take(ANSWER_BYTES_MAX as u64)
            .read_to_end(&mut answer)
            .map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&answer);
        let status = text
            .strip_prefix("HTTP/1.")
            .and_then(|r| r.get(2..5))
            .and_then(|s| s.parse::<u16>().ok())
            .ok_or("the gateway did not answer HTTP")?;
        Ok(status)
    }
}

impl MessageSender for HttpGatewaySender {
    fn name(&self) -> &str {
        "http"
    }

    fn send(&self, m: &OutboxMessage) -> Result<(), String> {
        let body = serde_json::json!({
            "id": m.id, "channel": m.channel, "to": m.recipient, "locale": m.locale, "text": m.body,
        })
        .to_string();
        match self.post(&body)? {
            200..=299 => Ok(()),
            status => Err(format!("the gateway answered {status}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// The URL is parsed into host, port and path; anything else is refused.
    #[test]
    fn gateway_urls_are_parsed_or_refused() {
        let s = HttpGatewaySender::new("http://127.0.0.1:9000/sms/send").unwrap();
        assert_eq!(
            (s.host.as_str(), s.port, s.path.as_str()),
            ("127.0.0.1", 9000, "/sms/send")
        );
        assert_eq!(HttpGatewaySender::new("http://gw").unwrap().port, 80);
        for bad in ["https://gw", "gw:80", "http://:80/", "http://gw:x/"] {
            assert!(HttpGatewaySender::new(bad).is_err(), "{bad}");
        }
    }

    /// A message is POSTed as JSON; 2xx is sent, 5xx a failure naming the status.
    #[test]
    fn messages_are_posted_to_a_local_gateway() {
        for (status, expect_ok) in [(202, true), (503, false)] {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let port = listener.local_addr().unwrap().port();
            let server = std::thread::spawn(move || {
                let (mut conn, _) = listener.accept().unwrap();
                let mut buf = vec![0_u8; 8192];
                let n = conn.read(&mut buf).unwrap();
                let request = String::from_utf8_lossy(&buf[..n]).to_string();
                write!(conn, "HTTP/1.1 {status} X\r\nContent-Length: 0\r\n\r\n").unwrap();
                request
            });
            let sender = HttpGatewaySender::new(&format!("http://127.0.0.1:{port}/send")).unwrap();
            let m = OutboxMessage {
                id: 7,
                channel: "sms".into(),
                recipient: "13800000000".into(),
                locale: "zh".into(),
                body: "您好".into(),
            };
            let result = sender.send(&m);
            let request = server.join().unwrap();
            assert!(request.starts_with("POST /send HTTP/1.1\r\n"), "{request}");
            assert!(request.contains("\"to\":\"13800000000\""), "{request}");
            assert_eq!(result.is_ok(), expect_ok, "{result:?}");
            if !expect_ok {
                assert!(result.unwrap_err().contains("503"));
            }
        }
    }
}
