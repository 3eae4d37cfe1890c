//! `credgrid demo` and `credgrid generate` run as a user runs them: the built
//! binary, a fresh database file, then `check` and `report` over the result.
//!
//! These are the acceptance tests of issue 3, item 9: the demo builds books
//! that pass every invariant `check` verifies and a portfolio with active and
//! overdue loans; a generated portfolio passes `check` too; neither command
//! destroys or silently grows a database it was not meant to touch.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A scratch directory removed when the test ends (pass or fail).
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("credgrid-demo-cli-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the scratch directory");
        Scratch(dir)
    }

    fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn credgrid(args: &[&str], db: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_credgrid"))
        .env("CREDGRID_USER", "demo.administrator")
        .env("CREDGRID_PASSWORD", "demo-administrator-2026")
        .args(args)
        .arg("--db")
        .arg(db)
        .env_remove("CREDGRID_DB")
        .env("CREDGRID_LANG", "en")
        // The demo's outbox log goes to the temp dir: keep it in the scratch
        // directory, removed with it, not in the shared one.
        .env(
            "TMPDIR",
            db.parent().expect("the database is in a scratch directory"),
        )
        .output()
        .expect("run the credgrid binary")
}

fn describe(output: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The portfolio report as JSON (`report portfolio --format json`).
fn portfolio(db: &Path) -> serde_json::Value {
    let output = credgrid(&["report", "portfolio", "--format", "json"], db);
    assert!(
        output.status.success(),
        "report portfolio failed: {}",
        describe(&output)
    );
    serde_json::from_slice(&output.stdout).expect("the portfolio report is JSON")
}

/// Sums a field over the report's lines: counts as integers, amounts as
/// their minor units (the report writes amounts as "1234.56").
fn total(report: &serde_json::Value, field: &str) -> i64 {
    let lines = report["lines"].as_array().expect("the report has lines");
    lines
        .iter()
        .map(|line| match &line[field] {
            serde_json::Value::Number(n) => n.as_i64().expect("a count"),
            serde_json::Value::String(s) => s.replace('.', "").parse::<i64>().expect("an amount"),
            other => panic!("{field} is {other}"),
        })
        .sum()
}

#[test]
fn a_small_demo_builds_books_that_pass_check_with_active_and_overdue_loans() {
    let scratch = Scratch::new("small");
    let db = scratch.file("demo.db");
    let demo = credgrid(&["demo", "--no-serve", "--clients", "200", "--seed", "7"], &db);
    assert!(demo.status.success(), "demo failed: {}", describe(&demo));
    assert!(db.exists(), "the demo database was created at --db");

    let check = credgrid(&["check"], &db);
    assert_eq!(check.status.code(), Some(0), "check failed: {}", describe(&check));

    let report = portfolio(&db);
    assert!(total(&report, "loans_active") > 0, "no active loans: {report}");
    assert!(
        total(&report, "principal_outstanding") > 0,
        "nothing outstanding: {report}"
    );
    assert!(
        total(&report, "principal_overdue") > 0,
        "no loan overdue after a year: {report}"
    );
}

#[test]
fn the_same_seed_builds_the_same_portfolio() {
    let scratch = Scratch::new("seed");
    let (first, second) = (scratch.file("first.db"), scratch.file("second.db"));
    for db in [&first, &second] {
        let demo = credgrid(&["demo", "--no-serve", "--clients", "60", "--seed", "11"], db);
        assert!(demo.status.success(), "demo failed: {}", describe(&demo));
    }
    assert_eq!(portfolio(&first), portfolio(&second));
}

#[test]
fn demo_refuses_to_replace_a_file_it_did_not_make_unless_told() {
    let scratch = Scratch::new("refuse");
    let db = scratch.file("books.db");
    std::fs::write(&db, b"somebody's books").expect("write a file");
    let demo = credgrid(&["demo", "--no-serve", "--clients", "10"], &db);
    assert_eq!(demo.status.code(), Some(2), "{}", describe(&demo));
    assert!(
        String::from_utf8_lossy(&demo.stderr).contains("--fresh"),
        "{}",
        describe(&demo)
    );
    assert_eq!(
        std::fs::read(&db).expect("the file is still there"),
        b"somebody's books"
    );
}

#[test]
fn demo_with_fresh_replaces_the_file_and_its_wal() {
    let scratch = Scratch::new("fresh");
    let db = scratch.file("books.db");
    std::fs::write(&db, b"not a database").expect("write a file");
    std::fs::write(scratch.file("books.db-wal"), b"stale write-ahead log").expect("write a file");
    let demo = credgrid(&["demo", "--no-serve", "--fresh", "--clients", "20"], &db);
    assert!(demo.status.success(), "demo --fresh failed: {}", describe(&demo));
    let check = credgrid(&["check"], &db);
    assert_eq!(check.status.code(), Some(0), "check failed: {}", describe(&check));
}

#[test]
fn demo_rejects_a_client_count_out_of_range_naming_the_flag() {
    let scratch = Scratch::new("range");
    let db = scratch.file("demo.db");
    for clients in ["0", "200001"] {
        let demo = credgrid(&["demo", "--no-serve", "--clients", clients], &db);
        assert_eq!(demo.status.code(), Some(2), "{}", describe(&demo));
        assert!(
            String::from_utf8_lossy(&demo.stderr).contains("--clients"),
            "{}",
            describe(&demo)
        );
        assert!(!db.exists(), "nothing is created for a refused command");
    }
}

#[test]
fn a_generated_portfolio_passes_check_and_is_not_generated_twice_by_accident() {
    let scratch = Scratch::new("generate");
    let db = scratch.file("bench.db");
    let generate = credgrid(&["generate", "--loans", "2000", "--seed", "3"], &db);
    assert!(
        generate.status.success(),
        "generate failed: {}",
        describe(&generate)
    );
    assert!(
        String::from_utf8_lossy(&generate.stdout).contains("generated 2000 loans"),
        "{}",
        describe(&generate)
    );
    let check = credgrid(&["check"], &db);
    assert_eq!(check.status.code(), Some(0), "check failed: {}", describe(&check));
    assert!(
        String::from_utf8_lossy(&check.stdout).contains(" 2000 loans "),
        "{}",
        describe(&check)
    );

    let again = credgrid(&["generate", "--loans", "10"], &db);
    assert_eq!(again.status.code(), Some(2), "{}", describe(&again));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("--append"),
        "{}",
        describe(&again)
    );

    let appended = credgrid(&["generate", "--loans", "10", "--append", "--seed", "4"], &db);
    assert!(
        appended.status.success(),
        "generate --append failed: {}",
        describe(&appended)
    );
    let check = credgrid(&["check"], &db);
    assert_eq!(check.status.code(), Some(0), "check failed: {}", describe(&check));
    assert!(
        String::from_utf8_lossy(&check.stdout).contains(" 2010 loans "),
        "{}",
        describe(&check)
    );
}

#[test]
fn generate_rejects_zero_loans_naming_the_flag() {
    let scratch = Scratch::new("generate-zero");
    let db = scratch.file("bench.db");
    let generate = credgrid(&["generate", "--loans", "0"], &db);
    assert_eq!(generate.status.code(), Some(2), "{}", describe(&generate));
    assert!(
        String::from_utf8_lossy(&generate.stderr).contains("--loans"),
        "{}",
        describe(&generate)
    );
    assert!(!db.exists(), "nothing is created for a refused command");
}

#[test]
fn demo_rejects_an_address_it_cannot_serve_on_before_building_anything() {
    let scratch = Scratch::new("addr");
    let db = scratch.file("demo.db");
    let demo = credgrid(&["demo", "--clients", "10", "--addr", "not-an-address"], &db);
    assert_eq!(demo.status.code(), Some(2), "{}", describe(&demo));
    assert!(
        String::from_utf8_lossy(&demo.stderr).contains("--addr"),
        "{}",
        describe(&demo)
    );
    assert!(
        !db.exists(),
        "nothing is built for an address that cannot be served"
    );
}
