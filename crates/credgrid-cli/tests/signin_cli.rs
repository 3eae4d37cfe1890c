//! The command line signs in: a command that changes data or takes data out
//! refuses to run without a user, with a wrong password, or for a role that
//! may not do it (exit 2 and a message naming why); the first password of a
//! new database's administrator is set without signing in, once.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A scratch directory removed when the test ends (pass or fail).
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn credgrid(db: &Path, args: &[&str], user: Option<(&str, &str)>, stdin: &str) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_credgrid"));
    cmd.args(args)
        .arg("--db")
        .arg(db)
        .env("CI", "true")
        .env("CREDGRID_LANG", "en")
        .env_remove("CREDGRID_USER")
        .env_remove("CREDGRID_PASSWORD")
        .env_remove("CREDGRID_NEW_PASSWORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some((name, password)) = user {
        cmd.env("CREDGRID_USER", name).env("CREDGRID_PASSWORD", password);
    }
    let mut child = cmd.spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn commands_that_change_data_act_as_a_signed_in_user() {
    let dir = std::env::temp_dir().join(format!("credgrid-signin-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let _scratch = Scratch(dir.clone());
    let db = dir.join("signin.db");
    let made = credgrid(&db, &["generate", "--loans", "20", "--outlets", "1"], None, "");
    assert!(made.status.success(), "{}", stderr(&made));

    let anonymous = credgrid(&db, &["eod"], None, "");
    assert_eq!(anonymous.status.code(), Some(2));
    assert!(stderr(&anonymous).contains("--user"), "{}", stderr(&anonymous));

    let wrong = credgrid(
        &db,
        &["eod"],
        Some(("demo.branch_manager", "not the password")),
        "",
    );
    assert_eq!(wrong.status.code(), Some(2));
    assert!(
        stderr(&wrong).contains("username or password"),
        "{}",
        stderr(&wrong)
    );

    let teller = credgrid(&db, &["eod"], Some(("demo.teller", "demo-teller-2026")), "");
    assert_eq!(teller.status.code(), Some(2));
    assert!(stderr(&teller).contains("eod.run"), "{}", stderr(&teller));

    // The password may come on standard input instead of the environment.
    let mut cmd_user = Command::new(env!("CARGO_BIN_EXE_credgrid"));
    let piped = cmd_user
        .args(["eod", "--user", "demo.branch_manager", "--db"])
        .arg(&db)
        .env("CI", "true")
        .env_remove("CREDGRID_USER")
        .env_remove("CREDGRID_PASSWORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = piped;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"demo-branch-manager-2026\n")
        .unwrap();
    let closed = child.wait_with_output().unwrap();
    assert!(closed.status.success(), "{}", stderr(&closed));

    let export = credgrid(&db, &["export", "journal"], None, "");
    assert_eq!(
        export.status.code(),
        Some(2),
        "an export names who takes the data"
    );

    // A new database's administrator has no password: it is set once without signing in.
    let fresh = dir.join("fresh.db");
    let serve_less = credgrid(&fresh, &["generate", "--loans", "1", "--outlets", "1"], None, "");
    assert!(serve_less.status.success());
    let first = credgrid(
        &fresh,
        &["user", "password", "--username", "admin"],
        None,
        "first secret 123\n",
    );
    assert!(first.status.success(), "{}", stderr(&first));
    let again = credgrid(
        &fresh,
        &["user", "password", "--username", "admin"],
        None,
        "second secret 123\n",
    );
    assert_eq!(again.status.code(), Some(2), "a second change needs a sign-in");
    let signed = credgrid(
        &fresh,
        &["user", "password", "--username", "admin"],
        Some(("admin", "first secret 123")),
        "second secret 123\n",
    );
    assert!(signed.status.success(), "{}", stderr(&signed));
}
