//! `credgrid schedule` as a user runs it: the built binary, JSON and table
//! output, and exit status 2 with nothing on stdout for bad input.

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// The request document of issue 2 (5000 at 12%, 18 months, whole yuan).
const ISSUE_REQUEST: &str = r#"{ "principal": "5000.00", "annual_rate": "12", "installments": 18, "every": 1,
  "unit": "months", "disbursement_date": "2022-11-01", "first_repayment_date": "2022-12-01",
  "interest_from_date": "2022-11-01", "method": "annuity", "interest_period": "installment",
  "days_in_year": "365", "days_in_month": "actual", "emi": "nominal",
  "rounding": { "digits": 2, "mode": "half_even", "installment_multiple": "1" },
  "grace": { "principal_periods": 0, "interest_payment_periods": 0 } }"#;

/// A scratch file removed when the test ends (pass or fail).
struct ScratchFile(std::path::PathBuf);

impl Drop for ScratchFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn credgrid(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_credgrid"))
        .env("CREDGRID_USER", "demo.administrator")
        .env("CREDGRID_PASSWORD", "demo-administrator-2026")
        .args(args)
        .env_remove("CREDGRID_LANG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the credgrid binary runs");
    // A refusal may exit before reading stdin; a broken pipe is fine then.
    let _ = child.stdin.take().expect("stdin").write_all(stdin.as_bytes());
    child.wait_with_output().expect("credgrid finishes")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

#[test]
fn json_output_from_stdin_reproduces_the_issue_example() {
    let out = credgrid(&["schedule"], ISSUE_REQUEST);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(r#""n": 1, "period_start": "2022-11-01", "due_date": "2022-12-01""#),
        "{stdout}"
    );
    assert!(stdout.contains(
        r#""principal": "255.00", "interest": "50.00", "total": "305.00", "outstanding": "4745.00""#
    ));
    assert!(
        stdout.contains(r#""totals": { "principal": "5000.00", "interest": "488.22", "total": "5488.22" }"#)
    );
    assert!(out.stderr.is_empty());
}

#[test]
fn file_input_and_table_output() {
    let path = std::env::temp_dir().join(format!("credgrid-schedule-{}.json", std::process::id()));
    std::fs::write(&path, ISSUE_REQUEST).unwrap();
    let _scratch = ScratchFile(path.clone());
    let out = credgrid(
        &["schedule", "--format", "table", "--file", path.to_str().unwrap()],
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 20, "{stdout}");
    assert!(
        lines[0].contains("due date") && lines[0].contains("principal") && lines[0].contains("outstanding")
    );
    assert!(lines[1].contains("2022-12-01") && lines[1].contains("255.00") && lines[1].ends_with("4745.00"));
    assert!(lines[18].contains("2024-05-01") && lines[18].contains("303.22") && lines[18].ends_with("0.00"));
    assert!(lines[19].starts_with("total") && lines[19].ends_with("5488.22"));
}

#[test]
fn bad_input_exits_2_naming_the_field_with_nothing_on_stdout() {
    let cases = [
        (
            ISSUE_REQUEST.replace(r#""principal": "5000.00""#, r#""principal": "-5000.00""#),
            "principal:",
        ),
        (
            ISSUE_REQUEST.replace(r#""installments": 18"#, r#""installments": 0"#),
            "installments:",
        ),
        (
            ISSUE_REQUEST.replace(r#""method": "annuity""#, r#""method": "balloon""#),
            "method:",
        ),
        (
            ISSUE_REQUEST.replace("2022-11-01\", \"first", "2023-02-30\", \"first"),
            "disbursement_date:",
        ),
        (
            ISSUE_REQUEST.replace(r#""annual_rate": "12""#, r#""annual_rate": "1200""#),
            "annual_rate:",
        ),
        (
            ISSUE_REQUEST.replace(r#""5000.00""#, r#""99999999999999999999""#),
            "principal:",
        ),
        ("{ not json".to_string(), "document:"),
        (String::new(), "document:"),
    ];
    for (input, field) in cases {
        let out = credgrid(&["schedule"], &input);
        assert_eq!(out.status.code(), Some(2), "{field} {}", text(&out.stderr));
        assert!(out.stdout.is_empty(), "{field}: stdout must stay empty");
        let stderr = text(&out.stderr);
        assert!(stderr.contains(field), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn unreadable_file_and_unknown_format_exit_2() {
    let out = credgrid(&["schedule", "--file", "/nonexistent/credgrid/loan.json"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(
        text(&out.stderr).contains("/nonexistent/credgrid/loan.json"),
        "{}",
        text(&out.stderr)
    );
    let out = credgrid(&["schedule", "--format", "xml"], ISSUE_REQUEST);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty() && text(&out.stderr).contains("--format"));
}

#[test]
fn messages_follow_the_language() {
    let input = ISSUE_REQUEST.replace(r#""principal": "5000.00""#, r#""principal": "0""#);
    let out = credgrid(&["--lang", "zh", "schedule"], &input);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("principal") && stderr.contains("必须大于零"),
        "{stderr}"
    );
}
