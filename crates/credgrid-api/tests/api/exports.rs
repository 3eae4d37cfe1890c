//! Reports and the journal as downloads (issue 5: "every table downloadable as
//! CSV and XLSX"; SPEC R-LEDGER-3): the XLSX files open and read back with the
//! exact amounts, the currency's number format and the CSV's header row, and
//! the HTTP API serves `?format=csv|xlsx` as attachments.

use crate::helpers::TestApp;
use crate::xlsx_read::{self, reference};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::NaiveDate;
use credgrid_api::report_doc;
use credgrid_api::xlsx::{Cell, EXACT_MAGNITUDE_MAX, XlsxError, table_xlsx};
use credgrid_app::{PortfolioLine, PortfolioReport};
use credgrid_core::money::{Currency, Money};
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use tower::ServiceExt;

/// The number format with exactly `digits` decimals (ECMA-376 §18.8.31 codes:
/// `#,##0` thousands separator, one `0` per decimal shown).
fn expected_format(digits: u32) -> String {
    let decimals = "0".repeat(digits as usize);
    if digits == 0 {
        "#,##0".to_string()
    } else {
        format!("#,##0.{decimals}")
    }
}

/// A deterministic pseudo-random sequence (64-bit LCG, Knuth MMIX constants).
struct Lcg(u64);

impl Lcg {
    fn next_below(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % bound
    }
}

/// A small generated portfolio: `outlets` outlets × two products, in CNY (2 digits) and JPY (0 digits).
fn generated_portfolio(outlets: i64, seed: u64) -> PortfolioReport {
    let mut rng = Lcg(seed);
    let jpy = Currency::new("JPY", 0).unwrap();
    let mut lines = Vec::new();
    for outlet in 1..=outlets {
        for (product, currency) in [("AGRI12", Currency::CNY), ("HOME24", jpy)] {
            let mut money =
                || Money::from_minor(i64::try_from(rng.next_below(900_000_000)).unwrap(), currency);
            lines.push(PortfolioLine {
                outlet_id: outlet,
                outlet_code: format!("OUT-{outlet}"),
                product_code: product.to_string(),
                currency: currency.code().to_string(),
                loans_active: outlet.unsigned_abs() * 7,
                principal_outstanding: money(),
                principal_overdue: money(),
                par30: money(),
                par90: money(),
                by_class: [money(), money(), money(), money(), money()],
                provision: money(),
            });
        }
    }
    PortfolioReport {
        as_of: NaiveDate::from_ymd_opt(2026, 3, 31).unwrap(),
        lines,
    }
}

fn major(money: Money) -> Decimal {
    Decimal::new(money.minor(), u32::from(money.currency().digits()))
}

#[test]
fn a_portfolio_spreadsheet_reads_back_with_exact_amounts_and_the_currency_format() {
    let report = generated_portfolio(3, 42);
    let sheet = xlsx_read::read(&report_doc::portfolio_xlsx(&report).unwrap());
    assert_eq!(sheet.name, "Portfolio");
    // The header row is the CSV's header row.
    let csv = report_doc::portfolio_csv(&report);
    let csv_header: Vec<String> = csv.lines().next().unwrap().split(',').map(String::from).collect();
    assert_eq!(sheet.row(1, csv_header.len()), csv_header);
    assert_eq!(sheet.cell("A1").format, "General");
    for (i, line) in report.lines.iter().enumerate() {
        let row = i + 2;
        assert_eq!(sheet.text(&reference(row, 0)), line.outlet_code);
        assert_eq!(sheet.text(&reference(row, 2)), line.currency);
        assert_eq!(sheet.number(&reference(row, 3)), Decimal::from(line.loans_active));
        let amounts = [
            line.principal_outstanding,
            line.principal_overdue,
            line.par30,
            line.par90,
        ]
        .into_iter()
        .chain(line.by_class)
        .chain([line.provision]);
        for (col, money) in (4..).zip(amounts) {
            let at = reference(row, col);
            assert_eq!(sheet.number(&at), major(money), "{at}");
            let digits = u32::from(money.currency().digits());
            assert_eq!(sheet.cell(&at).format, expected_format(digits), "{at}");
        }
    }
}

#[test]
fn a_journal_spreadsheet_has_one_row_per_line_and_real_dates() {
    use credgrid_app::{JournalEntryView, JournalLineView};
    let line = |code: &str, debit: i64, credit: i64| JournalLineView {
        account_code: code.to_string(),
        account_name_key: format!("account.{code}"),
        account_kind: "asset".to_string(),
        debit: Money::from_minor(debit, Currency::CNY),
        credit: Money::from_minor(credit, Currency::CNY),
    };
    let date = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
    let entry = JournalEntryView {
        id: 9,
        business_date: date,
        event: "disbursement".into(),
        loan_id: None,
        outlet_id: 3,
        description: "loan 1, \"north\"".into(),
        reverses_id: None,
        lines: vec![line("1100", 500_000, 0), line("1000", 0, 500_000)],
    };
    let sheet = xlsx_read::read(&report_doc::journal_xlsx(std::slice::from_ref(&entry)).unwrap());
    assert_eq!(sheet.row(1, 2), ["entry_id", "date"]);
    assert!(
        sheet.cells.contains_key("A3") && !sheet.cells.contains_key("A4"),
        "two lines, two rows"
    );
    // A date is the serial day count from 1899-12-30 (ECMA-376 §18.17.4.1, 1900 date system).
    let serial = (date - NaiveDate::from_ymd_opt(1899, 12, 30).unwrap()).num_days();
    assert_eq!(sheet.number("B2"), Decimal::from(serial));
    assert_eq!(sheet.cell("B2").format, "yyyy-mm-dd");
    assert!(!sheet.cells.contains_key("D2"), "no loan: an empty cell");
    assert_eq!(sheet.text("F2"), entry.description);
    assert_eq!(sheet.number("I2"), Decimal::new(500_000, 2));
    assert_eq!(sheet.number("J3"), Decimal::new(500_000, 2));
}

#[test]
fn a_row_of_the_wrong_width_is_refused_not_written() {
    let headers = vec!["a".to_string(), "b".to_string()];
    let rows = vec![vec![Cell::Text("x".into())]];
    assert!(matches!(
        table_xlsx("Sheet", &headers, &rows),
        Err(XlsxError::RowWidth {
            row: 1,
            cells: 1,
            headers: 2
        })
    ));
    let bad_name = table_xlsx("no/slashes[]", &headers, &[]);
    assert!(matches!(bad_name, Err(XlsxError::Workbook(_))), "{bad_name:?}");
    let digits = table_xlsx(
        "Sheet",
        &headers[..1],
        &[vec![Cell::Amount { minor: 1, digits: 7 }]],
    );
    assert!(matches!(digits, Err(XlsxError::Digits { digits: 7 })));
}

proptest! {
    /// A double keeps every decimal of at most 15 significant digits (DBL_DIG,
    /// C11 §5.2.4.2.2); past that the amount is text, digit for digit.
    #[test]
    fn amounts_read_back_exactly_as_numbers_or_as_text(
        amounts in proptest::collection::vec((any::<i64>(), 0u32..=6), 1..20),
        small in proptest::collection::vec((-EXACT_MAGNITUDE_MAX..=EXACT_MAGNITUDE_MAX, 0u32..=6), 1..20),
    ) {
        let all: Vec<(i64, u32)> = amounts.into_iter().chain(small).collect();
        let rows: Vec<Vec<Cell>> = all.iter().map(|(minor, digits)| vec![Cell::Amount { minor: *minor, digits: *digits }]).collect();
        let sheet = xlsx_read::read(&table_xlsx("Amounts", &["amount".to_string()], &rows).unwrap());
        for (i, (minor, digits)) in all.iter().enumerate() {
            let at = reference(i + 2, 0);
            let exact = Decimal::new(*minor, *digits);
            if minor.unsigned_abs() <= EXACT_MAGNITUDE_MAX.unsigned_abs() {
                prop_assert_eq!(sheet.number(&at), exact);
                prop_assert_eq!(&sheet.cell(&at).format, &expected_format(*digits));
            } else {
                prop_assert_eq!(sheet.text(&at), exact.to_string());
            }
        }
    }
}

/// The raw answer of a GET: status, content type, disposition, body bytes.
async fn download(app: &TestApp, path: &str) -> (StatusCode, String, String, Vec<u8>) {
    let request = Request::get(path)
        .header("Authorization", format!("Bearer {}", app.token))
        .body(Body::empty())
        .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let (content_type, disposition) = (header("content-type"), header("content-disposition"));
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, content_type, disposition, bytes.to_vec())
}

/// Splits one CSV record (RFC 4180 quoting).
fn csv_record(line: &str) -> Vec<String> {
    let (mut fields, mut field, mut quoted, mut chars) =
        (Vec::new(), String::new(), false, line.chars().peekable());
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// The rows of the JSON answer that the CSV and XLSX tables list, and the amount member to compare.
fn json_rows(body: &Value) -> Vec<Value> {
    if let Some(lines) = body["lines"].as_array() {
        return lines.clone();
    }
    if let Some(items) = body["items"].as_array() {
        return items
            .iter()
            .flat_map(|e| e["lines"].as_array().cloned().unwrap_or_default())
            .collect();
    }
    let sections = ["assets", "liabilities", "equity", "income", "expenses"];
    body["statements"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| {
            sections
                .iter()
                .flat_map(|k| s[*k].as_array().cloned().unwrap_or_default())
                .collect::<Vec<_>>()
        })
        .collect()
}

#[tokio::test]
async fn every_report_downloads_as_csv_and_xlsx_and_refuses_other_formats() {
    let app = TestApp::new("exports");
    let world = app.build_world().await;
    assert!(world.loan_id > 0);
    app.post("/api/v1/eod", &json!({})).await.ok("eod");
    // (path, member compared with the amount column, its column in the table)
    let reports = [
        ("/api/v1/reports/trial-balance", "debit", "debit"),
        (
            "/api/v1/reports/portfolio",
            "principal_outstanding",
            "principal_outstanding",
        ),
        ("/api/v1/reports/balance-sheet", "amount", "amount"),
        ("/api/v1/reports/income-statement", "amount", "amount"),
        ("/api/v1/journal?limit=200", "debit", "debit"),
    ];
    for (path, member, column) in reports {
        let json = app.get(path).await;
        let rows = json_rows(json.ok(path));
        assert!(!rows.is_empty(), "{path}: nothing to export");
        let sep = if path.contains('?') { '&' } else { '?' };

        let (status, content_type, disposition, body) =
            download(&app, &format!("{path}{sep}format=csv")).await;
        assert_eq!(status, StatusCode::OK, "{path} csv");
        assert_eq!(content_type, "text/csv; charset=utf-8", "{path}");
        assert!(
            disposition.starts_with("attachment; filename=\"") && disposition.ends_with(".csv\""),
            "{disposition}"
        );
        let text = String::from_utf8(body).unwrap();
        let records: Vec<Vec<String>> = text.lines().map(csv_record).collect();
        let header = records[0].clone();
        assert_eq!(records.len(), rows.len() + 1, "{path}: one CSV row per JSON line");
        let col = header.iter().position(|h| h == column).unwrap();
        for (record, row) in records[1..].iter().zip(&rows) {
            assert_eq!(record.len(), header.len(), "{path}: {record:?}");
            assert_eq!(Some(record[col].as_str()), row[member].as_str(), "{path}");
        }

        let (status, content_type, disposition, body) =
            download(&app, &format!("{path}{sep}format=xlsx")).await;
        assert_eq!(status, StatusCode::OK, "{path} xlsx");
        assert_eq!(
            content_type,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        assert!(disposition.ends_with(".xlsx\""), "{disposition}");
        let sheet = xlsx_read::read(&body);
        assert_eq!(sheet.row(1, header.len()), header, "{path}: the CSV's header row");
        for (i, row) in rows.iter().enumerate() {
            let expected: Decimal = row[member].as_str().unwrap().parse().unwrap();
            assert_eq!(sheet.number(&reference(i + 2, col)), expected, "{path} row {i}");
        }

        let refused = app.get(&format!("{path}{sep}format=pdf")).await;
        assert_eq!(refused.problem(422, path)["field"], "format");
    }
}
