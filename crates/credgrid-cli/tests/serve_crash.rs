//! `credgrid serve` killed with SIGKILL in the middle of a stream of
//! concurrent repayments, then restarted on the same database: every
//! repayment that got a 2xx is there exactly once (its key still answers the
//! same transaction), a retry of the unanswered ones lands exactly once, and
//! `credgrid check` passes. (Issue 3, "Reliability".)

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const CLIENTS: usize = 6;
/// SIGKILL after this many acknowledged repayments.
const KILL_AFTER: u64 = 150;

struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running `credgrid serve` and the address it printed.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(db: &Path) -> Server {
        Server::start_with(db, Stdio::inherit())
    }

    /// `start`, with the server's stderr going to `stderr`.
    fn start_with(db: &Path, stderr: Stdio) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_credgrid"))
            .env("CREDGRID_USER", "demo.administrator")
            .env("CREDGRID_PASSWORD", "demo-administrator-2026")
            .args(["serve", "--quiet", "--addr", "127.0.0.1:0", "--db"])
            .arg(db)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("start credgrid serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let start = line
            .find("http://")
            .unwrap_or_else(|| panic!("no URL in {line:?}"))
            + "http://".len();
        let addr = line[start..].split('/').next().unwrap().to_string();
        Server { child, addr }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request on its own connection; `Err` when the server is gone.
fn http(
    addr: &str,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: &Value,
) -> std::io::Result<(u16, Value)> {
    let token = token(addr);
    http_as(addr, Some(&token), method, path, key, body)
}

/// One request as the holder of `token` (`None`: anonymous).
fn http_as(
    addr: &str,
    token: Option<&str>,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: &Value,
) -> std::io::Result<(u16, Value)> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let body = if body.is_null() {
        String::new()
    } else {
        body.to_string()
    };
    let mut key = key
        .map(|k| format!("Idempotency-Key: {k}\r\n"))
        .unwrap_or_default();
    if let Some(token) = token {
        key.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n{key}\r\n{body}",
        body.len()
    )?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply)?;
    let status = reply.get(9..12).and_then(|s| s.parse().ok());
    let status = status.ok_or_else(|| std::io::Error::other(format!("no status in {reply:?}")))?;
    let json = reply
        .split_once("\r\n\r\n")
        .and_then(|(_, b)| serde_json::from_str(b).ok())
        .unwrap_or(Value::Null);
    Ok((status, json))
}

fn ok(addr: &str, method: &str, path: &str, key: Option<&str>, body: Value) -> Value {
    let (status, reply) = http(addr, method, path, key, &body).unwrap();
    assert!((200..300).contains(&status), "{method} {path}: {status} {reply}");
    reply
}

/// A database with one disbursed loan (3,000 CNY or more: enough for every
/// repayment of the test) and the demonstration staff.
fn generated_db(db: &Path) -> i64 {
    let out = Command::new(env!("CARGO_BIN_EXE_credgrid"))
        .args(["generate", "--loans", "1", "--outlets", "1", "--db"])
        .arg(db)
        .env("CI", "true")
        .output()
        .expect("run credgrid generate");
    assert!(
        out.status.success(),
        "generate: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    1
}

/// The teller's session token on the server at `addr` (sessions outlive a restart).
fn token(addr: &str) -> String {
    static TOKEN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TOKEN
        .get_or_init(|| {
            let login = json!({"username": "demo.teller", "password": "demo-teller-2026"});
            let (status, reply) = http_as(addr, None, "POST", "/api/v1/sessions", None, &login).unwrap();
            assert_eq!(status, 201, "login: {reply}");
            reply["token"].as_str().unwrap().to_string()
        })
        .clone()
}

/// What each client saw: keys answered 2xx (with the transaction id) and keys without an answer.
#[derive(Default)]
struct Outcomes {
    acknowledged: Vec<(String, i64)>,
    unanswered: Vec<String>,
}

fn stream_repayments(addr: &str, loan_id: i64) -> Outcomes {
    let outcomes = Arc::new(Mutex::new(Outcomes::default()));
    let mut threads = Vec::new();
    for c in 0..CLIENTS {
        let (addr, outcomes) = (addr.to_string(), outcomes.clone());
        threads.push(std::thread::spawn(move || {
            for n in 0.. {
                let key = format!("c{c}-r{n}");
                let path = format!("/api/v1/loans/{loan_id}/repayments");
                match http(&addr, "POST", &path, Some(&key), &json!({"amount": "1.00"})) {
                    Ok((status, tx)) if (200..300).contains(&status) => {
                        outcomes
                            .lock()
                            .unwrap()
                            .acknowledged
                            .push((key, tx["id"].as_i64().unwrap()));
                    }
                    Ok((status, reply)) => panic!("repayment refused: {status} {reply}"),
                    Err(_) => {
                        outcomes.lock().unwrap().unanswered.push(key);
                        return;
                    }
                }
            }
        }));
    }
    for thread in threads {
        thread.join().unwrap();
    }
    std::mem::take(&mut *outcomes.lock().unwrap())
}

#[test]
fn acknowledged_repayments_survive_sigkill_exactly_once() {
    let scratch = Scratch(std::env::temp_dir().join(format!("credgrid-serve-crash-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&scratch.0);
    std::fs::create_dir_all(&scratch.0).unwrap();
    let db = scratch.0.join("crash.db");

    let loan_id = generated_db(&db);
    let mut server = Server::start(&db);
    let addr = server.addr.clone();
    let killer = {
        let pid = server.child.id();
        let addr = addr.clone();
        std::thread::spawn(move || wait_for_repayments(&addr, loan_id, KILL_AFTER, pid))
    };
    let outcomes = stream_repayments(&addr, loan_id);
    killer.join().unwrap();
    let _ = server.child.kill();
    let _ = server.child.wait();
    // Some of the last requests may have committed without their answer arriving.
    let acknowledged = outcomes.acknowledged.len() as u64;
    assert!(
        acknowledged + CLIENTS as u64 >= KILL_AFTER,
        "killed after {acknowledged} repayments"
    );
    assert_eq!(
        outcomes.unanswered.len(),
        CLIENTS,
        "every client saw the server die"
    );
    assert_checks(&db, "right after the crash");

    let server = Server::start(&db);
    let path = format!("/api/v1/loans/{loan_id}/repayments");
    for (key, tx_id) in &outcomes.acknowledged {
        let again = ok(&server.addr, "POST", &path, Some(key), json!({"amount": "1.00"}));
        assert_eq!(
            again["id"], *tx_id,
            "key {key} answers its first transaction after the restart"
        );
    }
    for key in &outcomes.unanswered {
        ok(&server.addr, "POST", &path, Some(key), json!({"amount": "1.00"}));
    }
    let repayments = repayment_ids(&server.addr, loan_id);
    let mut unique = repayments.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), repayments.len());
    assert_eq!(
        repayments.len(),
        outcomes.acknowledged.len() + outcomes.unanswered.len(),
        "each key landed once"
    );
    for (_, tx_id) in &outcomes.acknowledged {
        assert!(
            repayments.contains(tx_id),
            "acknowledged transaction {tx_id} is missing"
        );
    }
    drop(server);
    assert_checks(&db, "after the retries");
}

/// `credgrid check` passes on `db`.
fn assert_checks(db: &Path, when: &str) {
    let check = Command::new(env!("CARGO_BIN_EXE_credgrid"))
        .env("CREDGRID_USER", "demo.administrator")
        .env("CREDGRID_PASSWORD", "demo-administrator-2026")
        .arg("check")
        .arg("--db")
        .arg(db)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&check.stderr);
    assert!(check.status.success(), "check {when}: {stderr}");
}

/// Polls (via a fresh connection) until `count` repayments are acknowledged, then SIGKILLs `pid`.
fn wait_for_repayments(addr: &str, loan_id: i64, count: u64, pid: u32) {
    loop {
        if repayment_ids(addr, loan_id).len() as u64 >= count {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let status = Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Ids of the loan's repayments, all pages.
fn repayment_ids(addr: &str, loan_id: i64) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut after = 0;
    loop {
        let path = format!("/api/v1/loans/{loan_id}/transactions?limit=200&after_id={after}");
        let page = ok(addr, "GET", &path, None, Value::Null);
        let items = page["items"].as_array().unwrap();
        ids.extend(
            items
                .iter()
                .filter(|t| t["kind"] == "repayment")
                .map(|t| t["id"].as_i64().unwrap()),
        );
        match page["next_after_id"].as_i64() {
            Some(next) => after = next,
            None => return ids,
        }
    }
}

/// Stopped with SIGTERM, `serve` finishes and says on stderr what the group
/// commit did: writes committed, batches and fsyncs.
#[test]
fn a_graceful_stop_reports_the_writes_and_fsyncs() {
    let scratch = Scratch(std::env::temp_dir().join(format!("credgrid-serve-stop-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&scratch.0);
    std::fs::create_dir_all(&scratch.0).unwrap();
    let db = scratch.0.join("stop.db");
    let loan_id = generated_db(&db);
    let mut server = Server::start_with(&db, Stdio::piped());
    let addr = server.addr.clone();
    let login = json!({"username": "demo.teller", "password": "demo-teller-2026"});
    let (status, reply) = http_as(&addr, None, "POST", "/api/v1/sessions", None, &login).unwrap();
    assert_eq!(status, 201, "login: {reply}");
    let bearer = reply["token"].as_str().unwrap().to_string();
    for n in 0..3 {
        let path = format!("/api/v1/loans/{loan_id}/repayments");
        let (status, reply) = http_as(
            &addr,
            Some(&bearer),
            "POST",
            &path,
            Some(&format!("stop-{n}")),
            &json!({"amount": "1.00"}),
        )
        .unwrap();
        assert_eq!(status, 201, "{reply}");
    }
    let term = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let exit = server.child.wait().unwrap();
    assert!(exit.success(), "a graceful stop exits 0: {exit:?}");
    let mut stderr = String::new();
    server
        .child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let report = stderr
        .lines()
        .find(|l| l.starts_with("stopped:"))
        .unwrap_or_else(|| panic!("{stderr}"));
    let writes: u64 = report
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{report}"));
    assert!(
        writes >= 3,
        "the three repayments (and the sign-in) were writes: {report}"
    );
    assert!(report.contains("fsyncs"), "{report}");
}
