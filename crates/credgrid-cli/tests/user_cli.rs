//! `credgrid user`: staff users are added with a password read from the
//! environment or standard input (never the command line), listed with their
//! roles, and bad input exits 2 naming the field.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A scratch directory removed when the test ends (pass or fail).
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn credgrid(db: &Path, args: &[&str], stdin: &str, env: Option<&str>) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_credgrid"));
    cmd.env("CREDGRID_USER", "demo.administrator")
        .env("CREDGRID_PASSWORD", "demo-administrator-2026")
        .args(args)
        .arg("--db")
        .arg(db)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd.env_remove("CREDGRID_NEW_PASSWORD");
    if let Some(password) = env {
        cmd.env("CREDGRID_NEW_PASSWORD", password);
    }
    let mut child = cmd.spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn users_are_added_listed_and_refused_with_the_field_named() {
    let dir = std::env::temp_dir().join(format!("credgrid-user-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let _scratch = Scratch(dir.clone());
    let db = dir.join("users.db");
    assert!(
        credgrid(&db, &["generate", "--loans", "10", "--outlets", "1"], "", None)
            .status
            .success()
    );
    let add = [
        "user",
        "add",
        "--username",
        "wang.fang",
        "--name",
        "Wang Fang",
        "--roles",
        "risk_officer",
    ];
    let out = credgrid(&db, &add, "a long enough secret\n", None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let add2 = [
        "user",
        "add",
        "--username",
        "zhao",
        "--name",
        "Zhao",
        "--roles",
        "teller,collector",
    ];
    assert!(
        credgrid(&db, &add2, "", Some("another long secret"))
            .status
            .success()
    );
    let list = String::from_utf8(credgrid(&db, &["user", "list"], "", None).stdout).unwrap();
    assert!(
        list.contains("wang.fang") && list.contains("risk_officer"),
        "{list}"
    );
    assert!(list.contains("teller,collector"), "{list}");
    let weak = credgrid(
        &db,
        &[
            "user",
            "add",
            "--username",
            "x",
            "--name",
            "X",
            "--roles",
            "teller",
        ],
        "short\n",
        None,
    );
    assert_eq!(weak.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&weak.stderr).contains("password"));
    let role = credgrid(
        &db,
        &["user", "add", "--username", "y", "--name", "Y", "--roles", "king"],
        "long enough pw 1\n",
        None,
    );
    assert_eq!(role.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&role.stderr).contains("roles"));
    let again = credgrid(&db, &add, "a long enough secret\n", None);
    assert_eq!(
        again.status.code(),
        Some(2),
        "a taken username is the user's error"
    );
}
