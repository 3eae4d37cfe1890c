//! Exports are logged and need the `export` permission (R-SEC-4): a report
//! written to a file by a user without it is refused (exit 2, naming the
//! permission) and no file appears; with it the file is written and the
//! audit trail, with its export record, still verifies.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A scratch directory removed when the test ends (pass or fail).
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn credgrid(db: &Path, user: &str, password: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_credgrid"))
        .env("CREDGRID_USER", user)
        .env("CREDGRID_PASSWORD", password)
        .args(args)
        .arg("--db")
        .arg(db)
        .output()
        .unwrap()
}

#[test]
fn an_export_without_the_permission_is_refused_and_writes_nothing() {
    let dir = std::env::temp_dir().join(format!("credgrid-export-log-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let _scratch = Scratch(dir.clone());
    let db = dir.join("books.db");
    let (admin, admin_password) = ("demo.administrator", "demo-administrator-2026");
    let (manager, manager_password) = ("demo.branch_manager", "demo-branch-manager-2026");
    let made = credgrid(
        &db,
        admin,
        admin_password,
        &["generate", "--loans", "20", "--outlets", "2"],
    );
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));

    let file = dir.join("portfolio.csv");
    let path = file.to_str().unwrap();
    let args = ["report", "portfolio", "--format", "csv", "--output", path];
    let refused = credgrid(&db, admin, admin_password, &args);
    assert_eq!(refused.status.code(), Some(2), "a refusal is the user's error");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("export"));
    assert!(!file.exists(), "a refused export writes no file");

    let written = credgrid(&db, manager, manager_password, &args);
    assert!(
        written.status.success(),
        "{}",
        String::from_utf8_lossy(&written.stderr)
    );
    assert!(std::fs::read_to_string(&file).unwrap().lines().count() > 1);
    let verified = credgrid(&db, manager, manager_password, &["audit", "verify"]);
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stdout)
    );
}
