//! SIGKILL `credgrid serve` in the middle of concurrent repayments spread
//! over many loans, restart it on the same database, and account for every
//! request (issue 3, "Reliability"):
//! - each repayment answered 2xx is stored exactly once, with its journal
//!   entry, and its key still answers the same transaction;
//! - each repayment without an answer (or refused) is either absent or fully
//!   there: its transaction, its journal entry and its idempotency key
//!   committed together — no stored repayment is left without its key;
//! - `credgrid check` passes right after the crash and after the retries.
//!
//! Companion of `serve_crash.rs` (one loan, SIGKILL from a poller); this one
//! loads a generated portfolio, kills from the thread that owns the server
//! and audits the database itself after the restart.

use rusqlite::{Connection, OpenFlags};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Loans of the generated portfolio the repayments are spread over.
const LOANS: i64 = 30;
/// Client threads posting repayments concurrently.
const CLIENTS: usize = 4;
/// SIGKILL once this many repayments were acknowledged.
const KILL_AFTER: u64 = 200;
/// Each repayment, in major units: small enough never to close a loan.
const AMOUNT: &str = "0.37";

/// A scratch directory removed at the end of the test.
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
    /// Kept open so the server never writes to a closed pipe.
    _stdout: BufReader<ChildStdout>,
}

impl Server {
    fn start(db: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_credgrid"))
            .env("CREDGRID_USER", "demo.administrator")
            .env("CREDGRID_PASSWORD", "demo-administrator-2026")
            .args(["serve", "--quiet", "--addr", "127.0.0.1:0", "--db"])
            .arg(db)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start credgrid serve");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("the server announces its URL");
        let start = line
            .find("http://")
            .unwrap_or_else(|| panic!("no URL in {line:?}"))
            + "http://".len();
        let addr = line[start..].split('/').next().unwrap_or_default().to_string();
        Server {
            child,
            addr,
            _stdout: stdout,
        }
    }

    /// SIGKILL (what `Child::kill` sends on Unix): no graceful shutdown at all.
    fn kill(&mut self) {
        self.child.kill().expect("SIGKILL the server");
        self.child.wait().expect("reap the server");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request on its own connection: `Err` when the server is
/// gone or the answer is cut off.
fn http(
    addr: &str,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: &str,
) -> std::io::Result<(u16, Value)> {
    let token = token(addr);
    http_as(addr, Some(&token), method, path, key, body)
}

/// The teller's session token on the server at `addr` (sessions outlive a restart).
fn token(addr: &str) -> String {
    static TOKEN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TOKEN
        .get_or_init(|| {
            let login = r#"{"username": "demo.teller", "password": "demo-teller-2026"}"#;
            let (status, reply) = http_as(addr, None, "POST", "/api/v1/sessions", None, login).unwrap();
            assert_eq!(status, 201, "login: {reply}");
            reply["token"].as_str().unwrap().to_string()
        })
        .clone()
}

/// One request as the holder of `token` (`None`: anonymous).
fn http_as(
    addr: &str,
    token: Option<&str>,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: &str,
) -> std::io::Result<(u16, Value)> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut key = key
        .map(|k| format!("Idempotency-Key: {k}\r\n"))
        .unwrap_or_default();
    if let Some(token) = token {
        key.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n{key}\r\n{body}",
        body.len()
    )?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply)?;
    let (head, json) = reply
        .split_once("\r\n\r\n")
        .ok_or_else(|| std::io::Error::other(format!("cut-off answer {reply:?}")))?;
    let status = head.get(9..12).and_then(|s| s.parse().ok());
    let status = status.ok_or_else(|| std::io::Error::other(format!("no status in {head:?}")))?;
    let json = serde_json::from_str(json).map_err(|e| std::io::Error::other(format!("{e}: {json:?}")))?;
    Ok((status, json))
}

fn repayment_path(loan_id: i64) -> String {
    format!("/api/v1/loans/{loan_id}/repayments")
}

fn repayment_body() -> String {
    format!(r#"{{"amount": "{AMOUNT}"}}"#)
}

/// What happened to one request sent before the kill.
#[derive(Debug)]
enum Outcome {
    /// 2xx with this transaction id.
    Acknowledged(i64),
    /// An answer other than 2xx.
    Refused(u16, Value),
    /// No (complete) answer: the server died first.
    Unanswered,
}

/// Every request of the stream: (key, loan id, outcome).
type Sent = Vec<(String, i64, Outcome)>;

/// Posts repayments from `CLIENTS` threads until the server stops answering.
fn stream_repayments(addr: &str, acknowledged: &Arc<AtomicU64>) -> Vec<std::thread::JoinHandle<Sent>> {
    (0..CLIENTS)
        .map(|c| {
            let (addr, acknowledged) = (addr.to_string(), Arc::clone(acknowledged));
            std::thread::spawn(move || {
                let mut sent = Sent::new();
                for n in 0_i64.. {
                    let loan_id = 1 + (n * CLIENTS as i64 + c as i64) % LOANS;
                    let key = format!("kill-{c}-{n}");
                    let answer = http(
                        &addr,
                        "POST",
                        &repayment_path(loan_id),
                        Some(&key),
                        &repayment_body(),
                    );
                    let outcome = match answer {
                        Ok((status, tx)) if (200..300).contains(&status) => {
                            acknowledged.fetch_add(1, Ordering::SeqCst);
                            Outcome::Acknowledged(tx["id"].as_i64().expect("a transaction id"))
                        }
                        Ok((status, problem)) => Outcome::Refused(status, problem),
                        Err(_) => Outcome::Unanswered,
                    };
                    let stop = matches!(outcome, Outcome::Unanswered);
                    sent.push((key, loan_id, outcome));
                    if stop {
                        return sent;
                    }
                }
                sent
            })
        })
        .collect()
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
        .expect("run credgrid check");
    let stderr = String::from_utf8_lossy(&check.stderr);
    assert!(check.status.success(), "credgrid check {when}: {stderr}");
}

/// A stored repayment: its loan, whether its journal entry exists with
/// balanced lines, and the idempotency key that points at it (if any).
#[derive(Debug)]
struct Stored {
    loan_id: i64,
    posted: bool,
    key: Option<String>,
}

/// Every repayment transaction in the database, by id.
fn stored_repayments(db: &Path) -> BTreeMap<i64, Stored> {
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open the db");
    let mut stmt = conn
        .prepare(
            "SELECT t.id, t.loan_id,
                    EXISTS (SELECT 1 FROM journal_entry e WHERE e.id = t.journal_entry_id)
                    AND (SELECT sum(debit_minor) = sum(credit_minor) AND sum(debit_minor) = t.amount_minor
                         FROM journal_line l WHERE l.entry_id = t.journal_entry_id),
                    (SELECT i.key FROM idempotency i WHERE i.response_body = 'transaction:' || t.id)
             FROM loan_transaction t WHERE t.kind = 'repayment'",
        )
        .expect("prepare");
    let rows = stmt
        .query_map([], |r| {
            let stored = Stored {
                loan_id: r.get(1)?,
                posted: r.get::<_, Option<bool>>(2)?.unwrap_or(false),
                key: r.get(3)?,
            };
            Ok((r.get(0)?, stored))
        })
        .expect("query");
    rows.collect::<Result<_, _>>().expect("read the repayments")
}

fn generate(db: &Path) {
    let out = Command::new(env!("CARGO_BIN_EXE_credgrid"))
        .env("CREDGRID_USER", "demo.administrator")
        .env("CREDGRID_PASSWORD", "demo-administrator-2026")
        .args([
            "generate",
            "--loans",
            &LOANS.to_string(),
            "--outlets",
            "3",
            "--db",
        ])
        .arg(db)
        .output()
        .expect("run credgrid generate");
    assert!(
        out.status.success(),
        "generate: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_killed_server_keeps_every_acknowledged_repayment_and_no_half_one() {
    let dir = std::env::temp_dir().join(format!("credgrid-kill-server-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let scratch = Scratch(dir);
    let db = scratch.0.join("kill.db");
    generate(&db);
    assert!(
        stored_repayments(&db).is_empty(),
        "a generated portfolio starts without repayments"
    );

    let mut server = Server::start(&db);
    let acknowledged = Arc::new(AtomicU64::new(0));
    let clients = stream_repayments(&server.addr, &acknowledged);
    let started = Instant::now();
    while acknowledged.load(Ordering::SeqCst) < KILL_AFTER {
        assert!(started.elapsed() < Duration::from_secs(40), "the server stalled");
        std::thread::sleep(Duration::from_millis(2));
    }
    server.kill();
    let sent: Sent = clients
        .into_iter()
        .flat_map(|c| c.join().expect("client thread"))
        .collect();
    assert_checks(&db, "right after the crash");

    // The database after the crash, before anything is retried.
    let stored = stored_repayments(&db);
    let by_key: BTreeMap<&str, i64> = stored
        .iter()
        .filter_map(|(id, s)| s.key.as_deref().map(|k| (k, *id)))
        .collect();
    for (id, s) in &stored {
        assert!(s.posted, "repayment {id} has no balanced journal entry: {s:?}");
        assert!(
            s.key.is_some(),
            "repayment {id} is stored without its idempotency key (half there)"
        );
    }
    let mut accounted = BTreeSet::new();
    let mut unanswered = 0;
    for (key, loan_id, outcome) in &sent {
        match outcome {
            Outcome::Acknowledged(id) => {
                let s = stored
                    .get(id)
                    .unwrap_or_else(|| panic!("acknowledged repayment {id} ({key}) is lost"));
                assert_eq!(
                    s.loan_id, *loan_id,
                    "repayment {id} is on the loan it was sent for"
                );
                assert_eq!(
                    by_key.get(key.as_str()),
                    Some(id),
                    "key {key} points at its transaction"
                );
                assert!(accounted.insert(*id), "transaction {id} answered twice");
            }
            Outcome::Refused(status, problem) => {
                panic!("repayment {key} refused before the kill: {status} {problem}")
            }
            Outcome::Unanswered => {
                unanswered += 1;
                // Committed without its answer arriving, or not at all: both are whole.
                if let Some(id) = by_key.get(key.as_str()) {
                    assert!(accounted.insert(*id), "transaction {id} claimed twice");
                }
            }
        }
    }
    assert_eq!(unanswered, CLIENTS, "every client saw the server die once");
    let stored_ids: BTreeSet<i64> = stored.keys().copied().collect();
    assert_eq!(
        stored_ids, accounted,
        "every stored repayment belongs to a request that was sent"
    );

    // Restarted: every key answers what it committed; the unanswered land once.
    let server = Server::start(&db);
    let body = repayment_body();
    for (key, loan_id, outcome) in &sent {
        let (status, tx) = http(&server.addr, "POST", &repayment_path(*loan_id), Some(key), &body)
            .unwrap_or_else(|e| panic!("retry {key}: {e}"));
        assert!((200..300).contains(&status), "retry {key}: {status} {tx}");
        let id = tx["id"].as_i64().expect("a transaction id");
        match (outcome, by_key.get(key.as_str())) {
            (Outcome::Acknowledged(first), _) => {
                assert_eq!(id, *first, "retry of {key} answers its first transaction")
            }
            (_, Some(first)) => assert_eq!(id, *first, "retry of the committed {key} answers it"),
            (_, None) => assert!(!stored.contains_key(&id), "retry of {key} is a new transaction"),
        }
    }
    drop(server);
    let after = stored_repayments(&db);
    assert_eq!(after.len(), sent.len(), "each key landed exactly once");
    assert!(
        after.values().all(|s| s.posted && s.key.is_some()),
        "every repayment is whole"
    );
    assert_checks(&db, "after the retries");
}
