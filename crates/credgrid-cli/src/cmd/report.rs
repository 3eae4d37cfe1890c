//! `credgrid report`: trial balance and portfolio, as a table, JSON or CSV.

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
    /// table, json or csv.
    #[arg(long, default_value = "table")]
    format: String,
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
    /// table, json or csv.
    #[arg(long, default_value = "table")]
    format: String,
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
}

fn parse_format(text: &str, locale: Locale) -> Result<Format, Failure> {
    match text {
        "table" => Ok(Format::Table),
        "json" => Ok(Format::Json),
        "csv" => Ok(Format::Csv),
        _ => Err(Failure::Usage(t(
            locale,
            "error.field_invalid",
            &[
                ("field", "--format"),
                ("reason", &t(locale, "report.format_choices", &[])),
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
    let date = options.date.as_deref().map(|s| parse_date("--date", s, locale)).transpose()?;
    let institution = open_institution(db)?;
    let as_of = match date {
        Some(d) => d,
        None => institution.business_date().map_err(|e| app_failure(e, locale))?,
    };
    let text = match which {
        0 => {
            let tb = institution.trial_balance(as_of, options.node).map_err(|e| app_failure(e, locale))?;
            match format {
                Format::Table => report_doc::trial_balance_table(&tb, locale),
                Format::Json => report_doc::trial_balance_json(&tb),
                Format::Csv => report_doc::trial_balance_csv(&tb),
            }
        }
        1 => {
            let report = institution.portfolio(options.node).map_err(|e| app_failure(e, locale))?;
            match format {
                Format::Table => report_doc::portfolio_table(&report, locale),
                Format::Json => report_doc::portfolio_json(&report),
                Format::Csv => report_doc::portfolio_csv(&report),
            }
        }
        _ => {
            let sheets = institution.balance_sheet(as_of, options.node).map_err(|e| app_failure(e, locale))?;
            match format {
                Format::Table => report_doc::balance_sheet_table(&sheets, locale),
                Format::Json => report_doc::balance_sheet_json(&sheets),
                Format::Csv => report_doc::balance_sheet_csv(&sheets),
            }
        }
    };
    super::emit(text.trim_end_matches('\n'))
}

fn income_statement(o: &PeriodOptions, db: &std::path::Path, locale: Locale) -> Outcome {
    let format = parse_format(&o.format, locale)?;
    let to = o.to.as_deref().map(|s| parse_date("--to", s, locale)).transpose()?;
    let from = o.from.as_deref().map(|s| parse_date("--from", s, locale)).transpose()?;
    let institution = open_institution(db)?;
    let to = match to {
        Some(d) => d,
        None => institution.business_date().map_err(|e| app_failure(e, locale))?,
    };
    let from = from.unwrap_or_else(|| chrono::NaiveDate::from_ymd_opt(chrono::Datelike::year(&to), 1, 1).unwrap_or(to));
    let statements = institution.income_statement(from, to, o.node).map_err(|e| app_failure(e, locale))?;
    let text = match format {
        Format::Table => report_doc::income_statement_table(&statements, locale),
        Format::Json => report_doc::income_statement_json(&statements),
        Format::Csv => report_doc::income_statement_csv(&statements),
    };
    super::emit(text.trim_end_matches('\n'))
}
