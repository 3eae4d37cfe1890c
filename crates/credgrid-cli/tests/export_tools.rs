//! The journal export opens in the tools accountants use: hledger reads the
//! `ledger` format and agrees with the trial balance, and `bean-check`
//! accepts the `beancount` format (R-LEDGER-3). CI installs both tools; on
//! a developer machine without them the test says so and stops.

use std::path::Path;
use std::process::Command;

mod common;

use common::ScratchDb;

fn credgrid(db: &Path, args: &[&str]) -> std::process::Output {
    let out = Command::new(env!("CARGO_BIN_EXE_credgrid"))
        // Exports need the `export` permission (R-SEC-4): the branch manager
        // holds it (and end of day); the administrator does not.
        .env("CREDGRID_USER", "demo.branch_manager")
        .env("CREDGRID_PASSWORD", "demo-branch-manager-2026")
        .args(args)
        .arg("--db")
        .arg(db)
        .env("CI", "true")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn tool_present(name: &str) -> bool {
    let present = Command::new(name)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !present {
        assert!(
            std::env::var_os("CI").is_none(),
            "{name} must be installed in CI (.ci/run installs it)"
        );
        eprintln!("skipping: {name} is not installed here");
    }
    present
}

fn books(name: &str) -> ScratchDb {
    let dir = std::env::temp_dir().join(format!("credgrid-export-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = ScratchDb(dir.join("books.db"));
    credgrid(&db, &["generate", "--loans", "400", "--outlets", "3"]);
    credgrid(&db, &["eod"]);
    credgrid(&db, &["eod"]);
    db
}

#[test]
fn hledger_reads_the_ledger_export_and_agrees_with_the_trial_balance() {
    if !tool_present("hledger") {
        return;
    }
    let db = books("hledger");
    let journal = db.with_extension("ledger");
    std::fs::write(
        &journal,
        credgrid(&db, &["export", "journal", "--format", "ledger"]).stdout,
    )
    .unwrap();
    let out = Command::new("hledger")
        .arg("-f")
        .arg(&journal)
        .args(["balance", "Assets:1301", "-N"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let hledger = String::from_utf8_lossy(&out.stdout).into_owned();
    let csv =
        String::from_utf8(credgrid(&db, &["report", "trial-balance", "--format", "csv"]).stdout).unwrap();
    let loans = csv.lines().find(|l| l.starts_with("1301,")).expect("a 1301 line");
    let balance = loans.rsplit(',').next().unwrap();
    assert!(
        hledger.contains(balance),
        "hledger says {hledger:?}, the trial balance says {balance}"
    );
    let all = Command::new("hledger")
        .arg("-f")
        .arg(&journal)
        .args(["balance", "-N"])
        .output()
        .unwrap();
    assert!(all.status.success());
}

#[test]
fn bean_check_accepts_the_beancount_export() {
    if !tool_present("bean-check") {
        return;
    }
    let db = books("beancount");
    let journal = db.with_extension("beancount");
    std::fs::write(
        &journal,
        credgrid(&db, &["export", "journal", "--format", "beancount"]).stdout,
    )
    .unwrap();
    let out = Command::new("bean-check").arg(&journal).output().unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
