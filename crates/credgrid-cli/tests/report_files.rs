//! `--output FILE` for `credgrid report` and `credgrid export journal`, and
//! `--format xlsx`, which is refused on standard output (a binary spreadsheet
//! is no text for a terminal) with exit status 2. The spreadsheet's content
//! is checked in credgrid-api's tests (tests/api/exports.rs).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A scratch directory removed when the test ends (pass or fail).
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

fn credgrid(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_credgrid"))
        // Exports need the `export` permission (R-SEC-4): the branch manager
        // holds it (and end of day); the administrator does not.
        .env("CREDGRID_USER", "demo.branch_manager")
        .env("CREDGRID_PASSWORD", "demo-branch-manager-2026")
        .args(args)
        .arg("--db")
        .arg(db)
        .output()
        .unwrap()
}

fn succeeded(db: &Path, args: &[&str]) -> Output {
    let out = credgrid(db, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A small generated portfolio after one end of day, in its own directory
/// (removed when the returned `Scratch` is dropped).
fn books(name: &str) -> (Scratch, PathBuf) {
    let dir = std::env::temp_dir().join(format!("credgrid-report-files-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let dir = Scratch(dir);
    let db = dir.join("books.db");
    succeeded(&db, &["generate", "--loans", "30", "--outlets", "2"]);
    succeeded(&db, &["eod"]);
    (dir, db)
}

/// An XLSX file is a zip archive (ECMA-376 Part 2, Open Packaging Conventions): it starts `PK\x03\x04`.
fn is_zip(path: &Path) -> bool {
    std::fs::read(path).unwrap().starts_with(b"PK\x03\x04")
}

#[test]
fn xlsx_needs_an_output_file_and_is_written_to_it() {
    let (dir, db) = books("xlsx");
    let reports: [&[&str]; 5] = [
        &["report", "trial-balance"],
        &["report", "portfolio"],
        &["report", "balance-sheet"],
        &["report", "income-statement"],
        &["export", "journal"],
    ];
    for command in reports {
        let refused = credgrid(&db, &[command, &["--format", "xlsx"]].concat());
        assert_eq!(refused.status.code(), Some(2), "{command:?}");
        assert!(
            refused.stdout.is_empty(),
            "{command:?}: nothing on standard output"
        );
        let message = String::from_utf8_lossy(&refused.stderr);
        assert!(message.contains("--output"), "{command:?}: {message}");

        let file = dir.join(format!("{}.xlsx", command[1]));
        let path = file.to_str().unwrap();
        let written = succeeded(&db, &[command, &["--format", "xlsx", "--output", path]].concat());
        assert!(written.stdout.is_empty(), "{command:?}");
        assert!(is_zip(&file), "{command:?}: {path} is not an XLSX (zip) file");
    }
}

#[test]
fn output_writes_the_same_text_the_terminal_gets() {
    let (dir, db) = books("text");
    let cases: [(&[&str], &str); 3] = [
        (&["report", "portfolio", "--format", "csv"], "portfolio.csv"),
        (&["report", "trial-balance", "--format", "json"], "tb.json"),
        (&["export", "journal", "--format", "csv"], "journal.csv"),
    ];
    for (command, name) in cases {
        let printed = String::from_utf8(succeeded(&db, command).stdout).unwrap();
        let file = dir.join(name);
        succeeded(&db, &[command, &["--output", file.to_str().unwrap()]].concat());
        let saved = std::fs::read_to_string(&file).unwrap();
        assert!(!saved.is_empty(), "{command:?}");
        assert_eq!(saved.trim_end(), printed.trim_end(), "{command:?}");
    }
    let unwritable = dir.join("no-such-dir").join("tb.csv");
    let refused = credgrid(
        &db,
        &[
            "report",
            "trial-balance",
            "--format",
            "csv",
            "--output",
            unwritable.to_str().unwrap(),
        ],
    );
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--output"));
}
