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
    let (options, trial) = match &args.report {
        Report::TrialBalance(o) => (o, true),
        Report::Portfolio(o) => (o, false),
    };
    let format = parse_format(&options.format, locale)?;
    let date = options
        .date
        .as_deref()
        .map(|s| parse_date("--date", s, locale))
        .transpose()?;
    let institution = open_institution(db)?;
    let text = if trial {
        let as_of = match date {
            Some(d) => d,
            None => institution.business_date().map_err(|e| app_failure(e, locale))?,
        };
        let tb = institution
            .trial_balance(as_of, options.node)
            .map_err(|e| app_failure(e, locale))?;
        match format {
            Format::Table => report_doc::trial_balance_table(&tb, locale),
            Format::Json => report_doc::trial_balance_json(&tb),
            Format::Csv => report_doc::trial_balance_csv(&tb),
        }
    } else {
        let report = institution
            .portfolio(options.node)
            .map_err(|e| app_failure(e, locale))?;
        match format {
            Format::Table => report_doc::portfolio_table(&report, locale),
            Format::Json => report_doc::portfolio_json(&report),
            Format::Csv => report_doc::portfolio_csv(&report),
        }
    };
    super::emit(text.trim_end_matches('\n'))
}
