//! Reports as documents: trial balance, portfolio and the journal in JSON,
//! CSV, a readable table, hledger/ledger and beancount text.

use chrono::NaiveDate;
use credgrid_app::{AccountView, JournalEntryView, PortfolioReport, TrialBalance};
use credgrid_core::i18n::{Locale, t};
use serde_json::{Value, json};
use std::fmt::Write;

/// Quotes a CSV field when it needs it (RFC 4180).
pub fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn csv_line(fields: &[String]) -> String {
    let mut line = fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(",");
    line.push('\n');
    line
}

pub fn trial_balance_value(tb: &TrialBalance) -> Value {
    json!({
        "as_of": tb.as_of.to_string(),
        "node_id": tb.node_id,
        "lines": tb.lines.iter().map(|l| json!({
            "account_code": l.account_code,
            "account_name": t(Locale::En, &l.account_name_key, &[]),
            "kind": l.kind,
            "currency": l.debit.currency().code(),
            "debit": l.debit.to_major_string(),
            "credit": l.credit.to_major_string(),
            "balance": l.balance.to_major_string(),
        })).collect::<Vec<_>>(),
        "total_debit": tb.total_debit.to_major_string(),
        "total_credit": tb.total_credit.to_major_string(),
        "balanced": tb.total_debit == tb.total_credit,
    })
}

pub fn trial_balance_json(tb: &TrialBalance) -> String {
    let mut s = serde_json::to_string_pretty(&trial_balance_value(tb)).unwrap_or_default();
    s.push('\n');
    s
}

const TRIAL_BALANCE_COLUMNS: [&str; 7] = [
    "account_code",
    "account_name",
    "kind",
    "currency",
    "debit",
    "credit",
    "balance",
];

pub fn trial_balance_csv(tb: &TrialBalance) -> String {
    let mut out = csv_line(&TRIAL_BALANCE_COLUMNS.map(String::from));
    for l in &tb.lines {
        out.push_str(&csv_line(&[
            l.account_code.clone(),
            t(Locale::En, &l.account_name_key, &[]),
            l.kind.clone(),
            l.debit.currency().code().to_string(),
            l.debit.to_major_string(),
            l.credit.to_major_string(),
            l.balance.to_major_string(),
        ]));
    }
    out
}

pub fn trial_balance_table(tb: &TrialBalance, locale: Locale) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        t(
            locale,
            "report.trial_balance_title",
            &[("date", &tb.as_of.to_string())]
        )
    );
    let _ = writeln!(
        out,
        "{:<8} {:<36} {:>18} {:>18} {:>18}",
        t(locale, "report.account", &[]),
        "",
        t(locale, "report.debit", &[]),
        t(locale, "report.credit", &[]),
        t(locale, "report.balance", &[])
    );
    for l in &tb.lines {
        let _ = writeln!(
            out,
            "{:<8} {:<36} {:>18} {:>18} {:>18}",
            l.account_code,
            t(locale, &l.account_name_key, &[]),
            l.debit.to_major_string(),
            l.credit.to_major_string(),
            l.balance.to_major_string()
        );
    }
    let _ = writeln!(
        out,
        "{:<45} {:>18} {:>18}",
        t(locale, "report.total", &[]),
        tb.total_debit.to_major_string(),
        tb.total_credit.to_major_string()
    );
    out
}

const CLASS_NAMES: [&str; 5] = ["pass", "special_mention", "substandard", "doubtful", "loss"];

pub fn portfolio_value(report: &PortfolioReport) -> Value {
    json!({
        "as_of": report.as_of.to_string(),
        "lines": report.lines.iter().map(|l| {
            let by_class: serde_json::Map<String, Value> = CLASS_NAMES.iter().zip(l.by_class.iter())
                .map(|(n, m)| (n.to_string(), Value::String(m.to_major_string()))).collect();
            json!({
                "outlet_id": l.outlet_id,
                "outlet_code": l.outlet_code,
                "product_code": l.product_code,
                "currency": l.currency,
                "loans_active": l.loans_active,
                "principal_outstanding": l.principal_outstanding.to_major_string(),
                "principal_overdue": l.principal_overdue.to_major_string(),
                "par30": l.par30.to_major_string(),
                "par90": l.par90.to_major_string(),
                "by_class": by_class,
                "provision": l.provision.to_major_string(),
            })
        }).collect::<Vec<_>>(),
    })
}

pub fn portfolio_json(report: &PortfolioReport) -> String {
    let mut s = serde_json::to_string_pretty(&portfolio_value(report)).unwrap_or_default();
    s.push('\n');
    s
}

fn portfolio_columns() -> Vec<String> {
    let mut header: Vec<String> = [
        "outlet_code",
        "product_code",
        "currency",
        "loans_active",
        "principal_outstanding",
        "principal_overdue",
        "par30",
        "par90",
    ]
    .map(String::from)
    .to_vec();
    header.extend(CLASS_NAMES.iter().map(|n| n.to_string()));
    header.push("provision".into());
    header
}

pub fn portfolio_csv(report: &PortfolioReport) -> String {
    let mut out = csv_line(&portfolio_columns());
    for l in &report.lines {
        let mut row = vec![
            l.outlet_code.clone(),
            l.product_code.clone(),
            l.currency.clone(),
            l.loans_active.to_string(),
            l.principal_outstanding.to_major_string(),
            l.principal_overdue.to_major_string(),
            l.par30.to_major_string(),
            l.par90.to_major_string(),
        ];
        row.extend(l.by_class.iter().map(|m| m.to_major_string()));
        row.push(l.provision.to_major_string());
        out.push_str(&csv_line(&row));
    }
    out
}

pub fn portfolio_table(report: &PortfolioReport, locale: Locale) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        t(
            locale,
            "report.portfolio_title",
            &[("date", &report.as_of.to_string())]
        )
    );
    let _ = writeln!(
        out,
        "{:<10} {:<12} {:>7} {:>16} {:>16} {:>16} {:>16}",
        t(locale, "report.outlet", &[]),
        t(locale, "report.product", &[]),
        t(locale, "report.loans", &[]),
        t(locale, "report.outstanding", &[]),
        t(locale, "report.overdue", &[]),
        "PAR30",
        t(locale, "report.provision", &[])
    );
    for l in &report.lines {
        let _ = writeln!(
            out,
            "{:<10} {:<12} {:>7} {:>16} {:>16} {:>16} {:>16}",
            l.outlet_code,
            l.product_code,
            l.loans_active,
            l.principal_outstanding.to_major_string(),
            l.principal_overdue.to_major_string(),
            l.par30.to_major_string(),
            l.provision.to_major_string()
        );
    }
    out
}

/// The plain-text journal formats accountants open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JournalFormat {
    /// hledger / ledger-cli.
    Ledger,
    Beancount,
    Csv,
}

impl JournalFormat {
    pub fn parse(text: &str) -> Option<JournalFormat> {
        match text {
            "ledger" | "hledger" => Some(JournalFormat::Ledger),
            "beancount" => Some(JournalFormat::Beancount),
            "csv" => Some(JournalFormat::Csv),
            _ => None,
        }
    }
}

/// The top-level beancount / ledger account type for an account kind.
fn root_for(kind: &str) -> &'static str {
    match kind {
        "asset" | "contra_asset" => "Assets",
        "liability" => "Liabilities",
        "equity" => "Equity",
        "income" => "Income",
        _ => "Expenses",
    }
}

fn account_name(kind: &str, code: &str) -> String {
    format!("{}:{}", root_for(kind), code)
}

const JOURNAL_COLUMNS: [&str; 10] = [
    "entry_id",
    "date",
    "event",
    "loan_id",
    "outlet_id",
    "description",
    "account_code",
    "currency",
    "debit",
    "credit",
];

/// What comes before the first entry: beancount's options and `open`
/// directives (dated `opened_on`: the journal's earliest business date), the
/// CSV header.
pub fn journal_header(
    format: JournalFormat,
    accounts: &[AccountView],
    opened_on: Option<NaiveDate>,
) -> String {
    match format {
        JournalFormat::Ledger => "; credgrid journal export (hledger / ledger-cli)\n\n".to_string(),
        JournalFormat::Csv => csv_line(&JOURNAL_COLUMNS.map(String::from)),
        JournalFormat::Beancount => {
            let mut out = String::from("; credgrid journal export (beancount)\n");
            let date = opened_on.map_or_else(|| "1970-01-01".into(), |d| d.to_string());
            for a in accounts {
                let _ = writeln!(out, "{date} open {}", account_name(&a.kind, &a.code));
            }
            out.push('\n');
            out
        }
    }
}

fn quote_beancount(text: &str) -> String {
    text.replace(['"', '\\', '\n'], " ")
}

/// One journal entry in `format`.
pub fn journal_entry_text(format: JournalFormat, entry: &JournalEntryView) -> String {
    let mut out = String::new();
    let narration = if entry.description.is_empty() {
        entry.event.clone()
    } else {
        entry.description.clone()
    };
    match format {
        JournalFormat::Ledger => {
            let _ = writeln!(
                out,
                "{} * ({}) {}",
                entry.business_date,
                entry.id,
                narration.replace('\n', " ")
            );
            for l in &entry.lines {
                let amount = l.debit.checked_sub(l.credit).unwrap_or(l.debit);
                let _ = writeln!(
                    out,
                    "    {}  {} {}",
                    account_name(&l.account_kind, &l.account_code),
                    amount.to_major_string(),
                    amount.currency().code()
                );
            }
            out.push('\n');
        }
        JournalFormat::Beancount => {
            let _ = writeln!(
                out,
                "{} * \"{}\" \"{}\"",
                entry.business_date,
                quote_beancount(&entry.event),
                quote_beancount(&narration)
            );
            let _ = writeln!(out, "  entry_id: \"{}\"", entry.id);
            for l in &entry.lines {
                let amount = l.debit.checked_sub(l.credit).unwrap_or(l.debit);
                let _ = writeln!(
                    out,
                    "  {}  {} {}",
                    account_name(&l.account_kind, &l.account_code),
                    amount.to_major_string(),
                    amount.currency().code()
                );
            }
            out.push('\n');
        }
        JournalFormat::Csv => {
            for l in &entry.lines {
                out.push_str(&csv_line(&[
                    entry.id.to_string(),
                    entry.business_date.to_string(),
                    entry.event.clone(),
                    entry.loan_id.map(|i| i.to_string()).unwrap_or_default(),
                    entry.outlet_id.to_string(),
                    narration.clone(),
                    l.account_code.clone(),
                    l.debit.currency().code().to_string(),
                    l.debit.to_major_string(),
                    l.credit.to_major_string(),
                ]));
            }
        }
    }
    out
}

use credgrid_app::{BalanceSheet, IncomeStatement, StatementLine};

fn lines_value(lines: &[StatementLine]) -> Vec<Value> {
    lines
        .iter()
        .map(|l| {
            json!({
                "account_code": l.account_code,
                "account_name": t(Locale::En, &l.account_name_key, &[]),
                "kind": l.kind,
                "amount": l.amount.to_major_string(),
            })
        })
        .collect()
}

pub fn balance_sheet_value(sheets: &[BalanceSheet]) -> Value {
    json!({
        "statements": sheets.iter().map(|s| json!({
            "as_of": s.as_of.to_string(),
            "node_id": s.node_id,
            "currency": s.currency,
            "assets": lines_value(&s.assets),
            "liabilities": lines_value(&s.liabilities),
            "equity": lines_value(&s.equity),
            "earnings": s.earnings.to_major_string(),
            "total_assets": s.total_assets.to_major_string(),
            "total_liabilities": s.total_liabilities.to_major_string(),
            "total_equity": s.total_equity.to_major_string(),
        })).collect::<Vec<_>>(),
    })
}

pub fn income_statement_value(statements: &[IncomeStatement]) -> Value {
    json!({
        "statements": statements.iter().map(|s| json!({
            "from": s.from.to_string(),
            "to": s.to.to_string(),
            "node_id": s.node_id,
            "currency": s.currency,
            "income": lines_value(&s.income),
            "expenses": lines_value(&s.expenses),
            "total_income": s.total_income.to_major_string(),
            "total_expenses": s.total_expenses.to_major_string(),
            "net_income": s.net_income.to_major_string(),
        })).collect::<Vec<_>>(),
    })
}

fn pretty(value: &Value) -> String {
    let mut s = serde_json::to_string_pretty(value).unwrap_or_default();
    s.push('\n');
    s
}

pub fn balance_sheet_json(sheets: &[BalanceSheet]) -> String {
    pretty(&balance_sheet_value(sheets))
}

pub fn income_statement_json(statements: &[IncomeStatement]) -> String {
    pretty(&income_statement_value(statements))
}

const STATEMENT_COLUMNS: [&str; 5] = ["currency", "section", "account_code", "account_name", "amount"];

/// Section, account, name, amount — one CSV for either statement.
fn statement_csv(sections: &[(&str, &str, &[StatementLine])]) -> String {
    let mut out = csv_line(&STATEMENT_COLUMNS.map(String::from));
    for (currency, section, lines) in sections {
        for l in *lines {
            out.push_str(&csv_line(&[
                currency.to_string(),
                section.to_string(),
                l.account_code.clone(),
                t(Locale::En, &l.account_name_key, &[]),
                l.amount.to_major_string(),
            ]));
        }
    }
    out
}

pub fn balance_sheet_csv(sheets: &[BalanceSheet]) -> String {
    let sections: Vec<(&str, &str, &[StatementLine])> = sheets
        .iter()
        .flat_map(|s| {
            [
                (s.currency.as_str(), "assets", s.assets.as_slice()),
                (s.currency.as_str(), "liabilities", s.liabilities.as_slice()),
                (s.currency.as_str(), "equity", s.equity.as_slice()),
            ]
        })
        .collect();
    statement_csv(&sections)
}

pub fn income_statement_csv(statements: &[IncomeStatement]) -> String {
    let sections: Vec<(&str, &str, &[StatementLine])> = statements
        .iter()
        .flat_map(|s| {
            [
                (s.currency.as_str(), "income", s.income.as_slice()),
                (s.currency.as_str(), "expenses", s.expenses.as_slice()),
            ]
        })
        .collect();
    statement_csv(&sections)
}

fn section_table(out: &mut String, title: &str, lines: &[StatementLine], total: &str, locale: Locale) {
    let _ = writeln!(out, "{title}");
    for l in lines {
        let _ = writeln!(
            out,
            "  {:<8} {:<40} {:>18}",
            l.account_code,
            t(locale, &l.account_name_key, &[]),
            l.amount.to_major_string()
        );
    }
    let _ = writeln!(out, "  {:<49} {:>18}", t(locale, "report.total", &[]), total);
}

pub fn balance_sheet_table(sheets: &[BalanceSheet], locale: Locale) -> String {
    let mut out = String::new();
    for s in sheets {
        let _ = writeln!(
            out,
            "{} ({})",
            t(
                locale,
                "report.balance_sheet_title",
                &[("date", &s.as_of.to_string())]
            ),
            s.currency
        );
        section_table(
            &mut out,
            &t(locale, "report.assets", &[]),
            &s.assets,
            &s.total_assets.to_major_string(),
            locale,
        );
        section_table(
            &mut out,
            &t(locale, "report.liabilities", &[]),
            &s.liabilities,
            &s.total_liabilities.to_major_string(),
            locale,
        );
        section_table(
            &mut out,
            &t(locale, "report.equity", &[]),
            &s.equity,
            &s.total_equity.to_major_string(),
            locale,
        );
        let _ = writeln!(
            out,
            "{:<51} {:>18}",
            t(locale, "report.earnings", &[]),
            s.earnings.to_major_string()
        );
    }
    out
}

pub fn income_statement_table(statements: &[IncomeStatement], locale: Locale) -> String {
    let mut out = String::new();
    for s in statements {
        let title = t(
            locale,
            "report.income_statement_title",
            &[("from", &s.from.to_string()), ("to", &s.to.to_string())],
        );
        let _ = writeln!(out, "{title} ({})", s.currency);
        section_table(
            &mut out,
            &t(locale, "report.income", &[]),
            &s.income,
            &s.total_income.to_major_string(),
            locale,
        );
        section_table(
            &mut out,
            &t(locale, "report.expenses", &[]),
            &s.expenses,
            &s.total_expenses.to_major_string(),
            locale,
        );
        let _ = writeln!(
            out,
            "{:<51} {:>18}",
            t(locale, "report.net_income", &[]),
            s.net_income.to_major_string()
        );
    }
    out
}

// Spreadsheets (XLSX): the same columns as the CSVs, amounts as numbers with
// the currency's digits (see `crate::xlsx`).

use crate::xlsx::{Cell, XlsxError, table_xlsx};
use credgrid_core::money::Money;

fn amount_cell(money: Money) -> Cell {
    Cell::Amount {
        minor: money.minor(),
        digits: u32::from(money.currency().digits()),
    }
}

fn headers(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

pub fn trial_balance_xlsx(tb: &TrialBalance) -> Result<Vec<u8>, XlsxError> {
    let rows: Vec<Vec<Cell>> = tb
        .lines
        .iter()
        .map(|l| {
            vec![
                Cell::Text(l.account_code.clone()),
                Cell::Text(t(Locale::En, &l.account_name_key, &[])),
                Cell::Text(l.kind.clone()),
                Cell::Text(l.debit.currency().code().to_string()),
                amount_cell(l.debit),
                amount_cell(l.credit),
                amount_cell(l.balance),
            ]
        })
        .collect();
    table_xlsx("Trial balance", &headers(&TRIAL_BALANCE_COLUMNS), &rows)
}

pub fn portfolio_xlsx(report: &PortfolioReport) -> Result<Vec<u8>, XlsxError> {
    let rows: Vec<Vec<Cell>> = report
        .lines
        .iter()
        .map(|l| {
            let mut row = vec![
                Cell::Text(l.outlet_code.clone()),
                Cell::Text(l.product_code.clone()),
                Cell::Text(l.currency.clone()),
                Cell::Integer(i64::try_from(l.loans_active).unwrap_or(i64::MAX)),
            ];
            row.extend([l.principal_outstanding, l.principal_overdue, l.par30, l.par90].map(amount_cell));
            row.extend(l.by_class.iter().map(|m| amount_cell(*m)));
            row.push(amount_cell(l.provision));
            row
        })
        .collect();
    table_xlsx("Portfolio", &portfolio_columns(), &rows)
}

/// Section, account, name, amount — one sheet for either statement.
fn statement_xlsx(
    sheet_name: &str,
    sections: &[(&str, &str, &[StatementLine])],
) -> Result<Vec<u8>, XlsxError> {
    let mut rows = Vec::new();
    for (currency, section, lines) in sections {
        rows.extend(lines.iter().map(|l| {
            vec![
                Cell::Text(currency.to_string()),
                Cell::Text(section.to_string()),
                Cell::Text(l.account_code.clone()),
                Cell::Text(t(Locale::En, &l.account_name_key, &[])),
                amount_cell(l.amount),
            ]
        }));
    }
    table_xlsx(sheet_name, &headers(&STATEMENT_COLUMNS), &rows)
}

pub fn balance_sheet_xlsx(sheets: &[BalanceSheet]) -> Result<Vec<u8>, XlsxError> {
    let sections: Vec<(&str, &str, &[StatementLine])> = sheets
        .iter()
        .flat_map(|s| {
            [
                (s.currency.as_str(), "assets", s.assets.as_slice()),
                (s.currency.as_str(), "liabilities", s.liabilities.as_slice()),
                (s.currency.as_str(), "equity", s.equity.as_slice()),
            ]
        })
        .collect();
    statement_xlsx("Balance sheet", &sections)
}

pub fn income_statement_xlsx(statements: &[IncomeStatement]) -> Result<Vec<u8>, XlsxError> {
    let sections: Vec<(&str, &str, &[StatementLine])> = statements
        .iter()
        .flat_map(|s| {
            [
                (s.currency.as_str(), "income", s.income.as_slice()),
                (s.currency.as_str(), "expenses", s.expenses.as_slice()),
            ]
        })
        .collect();
    statement_xlsx("Income statement", &sections)
}

/// The journal, one row per line (the columns of the CSV export).
pub fn journal_xlsx(entries: &[JournalEntryView]) -> Result<Vec<u8>, XlsxError> {
    let mut rows = Vec::new();
    for entry in entries {
        let narration = if entry.description.is_empty() {
            entry.event.clone()
        } else {
            entry.description.clone()
        };
        rows.extend(entry.lines.iter().map(|l| {
            vec![
                Cell::Integer(entry.id),
                Cell::Date(entry.business_date),
                Cell::Text(entry.event.clone()),
                entry.loan_id.map_or(Cell::Empty, Cell::Integer),
                Cell::Integer(entry.outlet_id),
                Cell::Text(narration.clone()),
                Cell::Text(l.account_code.clone()),
                Cell::Text(l.debit.currency().code().to_string()),
                amount_cell(l.debit),
                amount_cell(l.credit),
            ]
        }));
    }
    table_xlsx("Journal", &headers(&JOURNAL_COLUMNS), &rows)
}

/// The journal as CSV text, header included, one row per line.
pub fn journal_csv(entries: &[JournalEntryView]) -> String {
    let mut out = journal_header(JournalFormat::Csv, &[], None);
    for entry in entries {
        out.push_str(&journal_entry_text(JournalFormat::Csv, entry));
    }
    out
}
