//! `credgrid eod` killed with SIGKILL half-way through a day, then run again:
//! the day completes exactly once — the business date moves one day, every
//! active loan has one detail row, one end-of-day posting per outlet and
//! product — with the same books as a run that was never interrupted, and
//! `credgrid check` passes. (Issue 3, "Reliability".)

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Enough loans for the end of day to cut the day into many durable writes.
const LOANS: &str = "20000";
/// The longest the test waits for the first chunk to commit.
const START_TIMEOUT: Duration = Duration::from_secs(40);

struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn credgrid(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_credgrid"))
        .env("CREDGRID_USER", "demo.administrator")
        .env("CREDGRID_PASSWORD", "demo-administrator-2026")
        .arg("--db")
        .arg(db)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run credgrid")
}

fn assert_success(output: &Output, what: &str) {
    assert!(
        output.status.success(),
        "{what}: {:?}\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn read_only(db: &Path) -> Connection {
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open read-only");
    conn.busy_timeout(Duration::from_secs(10)).expect("busy timeout");
    conn
}

fn business_date(conn: &Connection) -> String {
    conn.query_row("SELECT current_on FROM business_date WHERE id = 1", [], |r| {
        r.get(0)
    })
    .expect("business date")
}

/// The run of `date`: (status, last_loan_id), if it started.
fn eod_run(conn: &Connection, date: &str) -> Option<(String, i64)> {
    conn.query_row(
        "SELECT status, last_loan_id FROM eod_run WHERE business_date = ?1",
        [date],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
    .expect("eod_run")
}

/// Starts `credgrid eod`, waits until its first chunk is durable (the
/// restart cursor moved) and kills it with SIGKILL; the cursor it left.
fn kill_half_way(db: &Path, date: &str) -> i64 {
    let mut child = Command::new(env!("CARGO_BIN_EXE_credgrid"))
        .env("CREDGRID_USER", "demo.administrator")
        .env("CREDGRID_PASSWORD", "demo-administrator-2026")
        .arg("--db")
        .arg(db)
        .arg("eod")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start credgrid eod");
    let started = Instant::now();
    loop {
        let conn = read_only(db);
        if eod_run(&conn, date).is_some_and(|(_, cursor)| cursor > 0) {
            break;
        }
        if let Some(status) = child.try_wait().expect("poll eod") {
            panic!("credgrid eod ended ({status}) before the test saw a chunk committed");
        }
        assert!(
            started.elapsed() < START_TIMEOUT,
            "no chunk committed in {START_TIMEOUT:?}"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    // Child::kill sends SIGKILL on Unix: no destructor, no clean shutdown.
    child.kill().expect("SIGKILL credgrid eod");
    child.wait().expect("reap credgrid eod");
    let (status, cursor) = eod_run(&read_only(db), date).expect("the run started");
    assert_eq!(
        status, "running",
        "the kill came after the day was done: no restart tested"
    );
    cursor
}

/// One end-of-day GL line: outlet, product, account, debit, credit.
type GlLine = (i64, i64, String, i64, i64);

/// What the day wrote: the per-loan detail and the end-of-day GL lines, in
/// a stable order, for comparing two runs.
fn day_books(conn: &Connection, date: &str) -> (Vec<Vec<i64>>, Vec<GlLine>) {
    let mut details = conn
        .prepare(
            "SELECT loan_id, interest_minor, penalty_minor, days_past_due, class, provision_minor,
                    provision_change_minor
             FROM accrual_detail WHERE business_date = ?1 ORDER BY loan_id",
        )
        .expect("details query");
    let details: Vec<Vec<i64>> = details
        .query_map([date], |r| (0..7).map(|i| r.get(i)).collect())
        .expect("details")
        .collect::<Result<_, _>>()
        .expect("detail rows");
    let mut lines = conn
        .prepare(
            "SELECT e.outlet_id, e.product_id, l.account_code, l.debit_minor, l.credit_minor
             FROM journal_entry e JOIN journal_line l ON l.entry_id = e.id
             WHERE e.business_date = ?1 AND e.event = 'end_of_day'
             ORDER BY e.outlet_id, e.product_id, l.line_no",
        )
        .expect("lines query");
    let lines = lines
        .query_map([date], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .expect("lines")
        .collect::<Result<_, _>>()
        .expect("line rows");
    (details, lines)
}

fn count(conn: &Connection, sql: &str, date: &str) -> i64 {
    conn.query_row(sql, [date], |r| r.get(0)).expect(sql)
}

#[test]
fn killed_end_of_day_completes_the_day_once_on_rerun() {
    let dir = std::env::temp_dir().join(format!("credgrid-eod-kill-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let _scratch = Scratch(dir.clone());
    let db = dir.join("killed.db");
    assert_success(&credgrid(&db, &["generate", "--loans", LOANS]), "generate");
    // The same portfolio, closed without interruption, is the expected result.
    let reference = dir.join("reference.db");
    std::fs::copy(&db, &reference).expect("copy the portfolio");
    let date = business_date(&read_only(&db));
    let active = read_only(&db)
        .query_row("SELECT COUNT(*) FROM loan WHERE status = 'disbursed'", [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap();
    assert_eq!(active.to_string(), LOANS);

    let cursor = kill_half_way(&db, &date);
    let conn = read_only(&db);
    let max_id: i64 = conn
        .query_row("SELECT MAX(id) FROM loan", [], |r| r.get(0))
        .unwrap();
    assert!(
        cursor < max_id,
        "killed at cursor {cursor}, after the last loan {max_id}"
    );
    assert_eq!(
        business_date(&conn),
        date,
        "the date moved before the day was done"
    );
    let half = count(
        &conn,
        "SELECT COUNT(*) FROM accrual_detail WHERE business_date = ?1",
        &date,
    );
    assert!(
        half > 0 && half < active,
        "{half} of {active} loans done at the kill"
    );
    drop(conn);
    let check = credgrid(&db, &["check"]);
    assert_eq!(check.status.code(), Some(3), "check names the unfinished day");

    assert_success(&credgrid(&db, &["eod"]), "eod after the kill");
    assert_success(&credgrid(&reference, &["eod"]), "eod without a kill");
    let conn = read_only(&db);
    let next = chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d")
        .unwrap()
        .succ_opt()
        .unwrap();
    assert_eq!(
        business_date(&conn),
        next.to_string(),
        "the date advanced exactly one day"
    );
    assert_eq!(
        eod_run(&conn, &date).map(|(status, _)| status).as_deref(),
        Some("done")
    );
    let details = count(
        &conn,
        "SELECT COUNT(*) FROM accrual_detail WHERE business_date = ?1",
        &date,
    );
    assert_eq!(details, active, "each active loan processed once");
    let behind = count(
        &conn,
        "SELECT COUNT(*) FROM loan WHERE status = 'disbursed' AND accrued_through IS NOT ?1",
        &date,
    );
    assert_eq!(behind, 0, "every active loan accrued through the closed day");
    let duplicates = count(
        &conn,
        "SELECT COUNT(*) FROM (SELECT outlet_id, product_id FROM journal_entry
           WHERE business_date = ?1 AND event = 'end_of_day'
           GROUP BY outlet_id, product_id HAVING COUNT(*) > 1)",
        &date,
    );
    assert_eq!(duplicates, 0, "one end-of-day posting per outlet and product");
    let expected = day_books(&read_only(&reference), &date);
    let got = day_books(&conn, &date);
    assert!(!got.1.is_empty(), "the day posted to the GL");
    assert!(
        got == expected,
        "the killed and re-run day differs from an uninterrupted one"
    );
    assert_success(&credgrid(&db, &["check"]), "check after the re-run");
    // Idempotent: asking to close the closed day again changes nothing.
    drop(conn);
    assert_success(&credgrid(&db, &["eod", "--to", &date]), "eod of a closed day");
    let conn = read_only(&db);
    assert_eq!(
        business_date(&conn),
        next.to_string(),
        "a closed day is not closed again"
    );
    assert!(
        day_books(&conn, &date) == expected,
        "a closed day's books changed"
    );
}
