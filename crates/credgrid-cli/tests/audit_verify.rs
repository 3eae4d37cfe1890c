//! `credgrid audit verify` against someone who edits the database file
//! directly: an edited, a deleted and an inserted audit row are each caught,
//! and the first broken record is named (issue 4, tamper-evident trail).

use std::path::Path;
use std::process::Command;

mod common;

use common::ScratchDb;

fn credgrid(db: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_credgrid"))
        .env("CREDGRID_USER", "demo.administrator")
        .env("CREDGRID_PASSWORD", "demo-administrator-2026")
        .args(args)
        .arg("--db")
        .arg(db)
        .env("CI", "true")
        .output()
        .expect("credgrid runs")
}

/// A database with some audit history (five records): a small generated
/// portfolio and four days of end of day.
fn audited_db(name: &str) -> ScratchDb {
    let dir = std::env::temp_dir().join(format!("credgrid-audit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = ScratchDb(dir.join("audit.db"));
    assert!(
        credgrid(&db, &["generate", "--loans", "500", "--outlets", "2"])
            .status
            .success()
    );
    for _ in 0..4 {
        assert!(credgrid(&db, &["eod"]).status.success());
    }
    let ok = credgrid(&db, &["audit", "verify"]);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("intact"));
    db
}

fn tamper(db: &Path, sql: &str) {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.execute_batch(sql).unwrap();
}

fn broken_at(db: &Path) -> String {
    let out = credgrid(db, &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(3), "a broken trail exits with status 3");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn an_edited_row_is_named() {
    let db = audited_db("edit");
    tamper(&db, "UPDATE audit_log SET actor = 'user:99' WHERE seq = 2");
    let message = broken_at(&db);
    assert!(
        message.contains("record 2") && message.contains("audit-edited"),
        "{message}"
    );
}

#[test]
fn a_deleted_row_is_named() {
    let db = audited_db("delete");
    tamper(&db, "DELETE FROM audit_log WHERE seq = 3");
    let message = broken_at(&db);
    assert!(
        message.contains("record 3") && message.contains("audit-deleted"),
        "{message}"
    );
}

#[test]
fn an_inserted_row_is_named() {
    let db = audited_db("insert");
    // A forged row appended with a plausible next seq but no valid hash …
    tamper(
        &db,
        "INSERT INTO audit_log (seq, at, actor, action, entity, entity_id, prev_hash, hash)
         SELECT MAX(seq) + 1, '2026-01-01T00:00:00Z', 'user:1', 'loan.approve', 'loan', '1', 'x', 'y' FROM audit_log",
    );
    let message = broken_at(&db);
    assert!(message.contains("audit-"), "{message}");
    // … and one that copies an existing row's content and hash (a replay).
    let db = audited_db("replay");
    tamper(
        &db,
        "INSERT INTO audit_log (seq, at, actor, action, entity, entity_id, before, after, reason, prev_hash, hash)
         SELECT seq, at, actor, action, entity, entity_id, before, after, reason, prev_hash, hash
         FROM audit_log WHERE seq = 1",
    );
    let message = broken_at(&db);
    assert!(
        message.contains("inserted-out-of-order") || message.contains("out-of-order"),
        "{message}"
    );
}
