//! `credgrid report`: trial balance, portfolio and statements, as a table, JSON, CSV or XLSX.

use super::{Failure, Outcome, app_failure, open_institution, parse_date};
use credgrid_api::report_doc;
use credgrid_core::i18n::{Locale, t};

#[derive(clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    report: Report,
}

#[derive(clap::Subcommand)]
enum Report {
    /// Debits, credits and balances per account.
    TrialBalance(Options),
    /// Outstanding, overdue, PAR and classification per outlet and product.
    Portfolio(Options),
    /// Assets, liabilities and equity at the end of a business date.
    BalanceSheet(Options),
    /// Income and expenses over a period (`--from`, `--to`; default: the year so far).
    IncomeStatement(PeriodOptions),
}

#[derive(clap::Args)]
struct PeriodOptions {
    /// table, json, csv or xlsx (xlsx needs --output).
    #[arg(long, default_value = "table")]
    format: String,
    /// Write the report to this file instead of standard output.
    #[arg(long)]
    output: Option<std::path::PathBuf>,
    /// First business date of the period (default: 1 January of `--to`'s year).
    #[arg(long)]
    from: Option<String>,
    /// Last business date of the period (default: the business date).
    #[arg(long)]
    to: Option<String>,
    /// Only this node of the organisation tree (and below it).
    #[arg(long)]
    node: Option<i64>,
}

#[derive(clap::Args)]
struct Options {
    /// table, json, csv or xlsx (xlsx needs --output).
    #[arg(long, default_value = "table")]
    format: String,
    /// Write the report to this file instead of standard output.
    #[arg(long)]
    output: Option<std::path::PathBuf>,
    /// As of this business date (default: the last closed one).
    #[arg(long)]
    date: Option<String>,
    /// Only this node of the organisation tree (and below it).
    #[arg(long)]
    node: Option<i64>,
}

#[derive(Clone, Copy)]
enum Format {
    Table,
    Json,
    Csv,
    Xlsx,
}

/// A rendered report: text for a terminal or a file, or spreadsheet bytes.
enum Rendered {
    Text(String),
    Bytes(Vec<u8>),
}

/// The rendered report, or the spreadsheet's failure.
fn rendered<T: ?Sized>(
    format: Format,
    report: &T,
    locale: Locale,
    table: fn(&T, Locale) -> String,
    json: fn(&T) -> String,
    csv: fn(&T) -> String,
    xlsx: fn(&T) -> Result<Vec<u8>, credgrid_api::xlsx::XlsxError>,
) -> Result<Rendered, Failure> {
    Ok(match format {
        Format::Table => Rendered::Text(table(report, locale)),
        Format::Json => Rendered::Text(json(report)),
        Format::Csv => Rendered::Text(csv(report)),
        Format::Xlsx => Rendered::Bytes(xlsx(report).map_err(|e| Failure::Internal(e.into()))?),
    })
}

/// Refuses `--format xlsx` without `--output` before any work is done.
fn check_output(format: Format, output: Option<&std::path::Path>, locale: Locale) -> Outcome {
    if matches!(format, Format::Xlsx) && output.is_none() {
        return Err(Failure::Usage(t(locale, "report.xlsx_needs_output", &[])));
    }
    Ok(())
}

/// Writes `bytes` to the `--output` file; a path that cannot be written names `--output`.
pub(super) fn write_output(path: &std::path::Path, bytes: &[u8], locale: Locale) -> Outcome {
    std::fs::write(path, bytes).map_err(|e| output_failure(path, &e, locale))
}

/// `--output: <path>: <why>` (exit 2).
pub(super) fn output_failure(path: &std::path::Path, e: &std::io::Error, locale: Locale) -> Failure {
    let reason = format!("{}: {e}", path.display());
    Failure::Usage(t(
        locale,
        "error.field_invalid",
        &[("field", "--output"), ("reason", &reason)],
    ))
}

/// Prints text on standard output, or writes the report to `--output`.
fn deliver(report: Rendered, output: Option<&std::path::Path>, locale: Locale) -> Outcome {
    match (report, output) {
        (Rendered::Text(text), None) => super::emit(text.trim_end_matches('\n')),
        (Rendered::Text(text), Some(path)) => write_output(path, text.as_bytes(), locale),
        (Rendered::Bytes(bytes), Some(path)) => write_output(path, &bytes, locale),
        (Rendered::Bytes(_), None) => Err(Failure::Usage(t(locale, "report.xlsx_needs_output", &[]))),
    }
}

fn parse_format(text: &str, locale: Locale) -> Result<Format, Failure> {
    match text {
        "table" => Ok(Format::Table),
        "json" => Ok(Format::Json),
        "csv" => Ok(Format::Csv),
        "xlsx" => Ok(Format::Xlsx),
        _ => Err(Failure::Usage(t(
            locale,
            "error.field_invalid",
            &[
                ("field", "--format"),
                ("reason", &t(locale, "report.format_options", &[])),
            ],
        ))),
    }
}

pub(crate) fn run(args: Args, db: &std::path::Path, locale: Locale) -> Outcome {
    let (options, which) = match &args.report {
        Report::TrialBalance(o) => (o, 0),
        Report::Portfolio(o) => (o, 1),
        Report::BalanceSheet(o) => (o, 2),
        Report::IncomeStatement(o) => return income_statement(o, db, locale),
    };
    let format = parse_format(&options.format, locale)?;
    let output = options.output.as_deref();
    check_output(format, output, locale)?;
    let date = options
        .date
        .as_deref()
        .map(|s| parse_date("--date", s, locale))
        .transpose()?;
    let institution = open_institution(db)?;
    let signed = super::signin::sign_in(&institution, locale)?;
    let actor = signed.actor();
    let as_of = match date {
        Some(d) => d,
        None => institution.business_date().map_err(|e| app_failure(e, locale))?,
    };
    let rows;
    let report = match which {
        0 => {
            let tb = institution
                .trial_balance(actor, as_of, options.node)
                .map_err(|e| app_failure(e, locale))?;
            rows = tb.lines.len();
            use report_doc::{
                trial_balance_csv, trial_balance_json, trial_balance_table, trial_balance_xlsx,
            };
            rendered(
                format,
                &tb,
                locale,
                trial_balance_table,
                trial_balance_json,
                trial_balance_csv,
                trial_balance_xlsx,
            )?
        }
        1 => {
            let report = institution
                .portfolio(actor, options.node)
                .map_err(|e| app_failure(e, locale))?;
            rows = report.lines.len();
            use report_doc::{portfolio_csv, portfolio_json, portfolio_table, portfolio_xlsx};
            rendered(
                format,
                &report,
                locale,
                portfolio_table,
                portfolio_json,
                portfolio_csv,
                portfolio_xlsx,
            )?
        }
        _ => {
            let sheets = institution
                .balance_sheet(actor, as_of, options.node)
                .map_err(|e| app_failure(e, locale))?;
            use report_doc::{
                balance_sheet_csv, balance_sheet_json, balance_sheet_table, balance_sheet_xlsx,
            };
            let sheets = sheets.as_slice();
            rows = sheets
                .iter()
                .map(|b| b.assets.len() + b.liabilities.len() + b.equity.len())
                .sum();
            rendered(
                format,
                sheets,
                locale,
                balance_sheet_table,
                balance_sheet_json,
                balance_sheet_csv,
                balance_sheet_xlsx,
            )?
        }
    };
    if output.is_some() {
        let what = ["trial_balance", "portfolio", "balance_sheet"][which];
        log_export(
            &institution,
            actor,
            what,
            &options.format,
            rows,
            options.node,
            locale,
        )?;
    }
    deliver(report, output, locale)
}

/// Records a report written to a file in the audit trail (R-SEC-4) before
/// writing it; a user without the `export` permission is refused (exit 2).
pub(super) fn log_export(
    institution: &credgrid_app::Institution,
    actor: credgrid_app::Actor,
    what: &str,
    format: &str,
    rows: usize,
    node: Option<i64>,
    locale: Locale,
) -> Outcome {
    let rows = u64::try_from(rows).unwrap_or(u64::MAX);
    let record = credgrid_app::ExportRecord::bulk(what, format, rows, node);
    institution
        .record_export(actor, record)
        .map_err(|e| app_failure(e, locale))
}

fn income_statement(o: &PeriodOptions, db: &std::path::Path, locale: Locale) -> Outcome {
    let format = parse_format(&o.format, locale)?;
    let output = o.output.as_deref();
    check_output(format, output, locale)?;
    let to =
        o.to.as_deref()
            .map(|s| parse_date("--to", s, locale))
            .transpose()?;
    let from = o
        .from
        .as_deref()
        .map(|s| parse_date("--from", s, locale))
        .transpose()?;
    let institution = open_institution(db)?;
    let signed = super::signin::sign_in(&institution, locale)?;
    let actor = signed.actor();
    let to = match to {
        Some(d) => d,
        None => institution.business_date().map_err(|e| app_failure(e, locale))?,
    };
    let from = from
        .unwrap_or_else(|| chrono::NaiveDate::from_ymd_opt(chrono::Datelike::year(&to), 1, 1).unwrap_or(to));
    let statements = institution
        .income_statement(actor, from, to, o.node)
        .map_err(|e| app_failure(e, locale))?;
    use report_doc::{
        income_statement_csv, income_statement_json, income_statement_table, income_statement_xlsx,
    };
    let statements = statements.as_slice();
    if output.is_some() {
        let rows = statements.iter().map(|s| s.income.len() + s.expenses.len()).sum();
        log_export(
            &institution,
            actor,
            "income_statement",
            &o.format,
            rows,
            o.node,
            locale,
        )?;
    }
    let report = rendered(
        format,
        statements,
        locale,
        income_statement_table,
        income_statement_json,
        income_statement_csv,
        income_statement_xlsx,
    )?;
    deliver(report, output, locale)
}
