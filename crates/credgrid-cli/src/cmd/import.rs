//! `credgrid import households|cells --file F.csv|F.xlsx`: import a grid
//! sheet in one transaction, print the validation report (row, column,
//! reason) and, in valid-rows mode, write the rejected rows to a file.
//!
//! All or nothing (the default): any rejected row and nothing is written
//! (exit 2). Valid rows: every valid row is written whole, the rejects go to
//! `--rejects` with an `errors` column.

use super::{Failure, Outcome, app_failure, emit, open_institution};
use credgrid_api::sheet::{read_sheet, rejects_csv, report_csv};
use credgrid_app::import::{HouseholdImportOptions, ImportOutcome, mode_name, parse_mode};
use credgrid_core::Currency;
use credgrid_core::i18n::{Locale, t};
use std::path::PathBuf;

/// The largest file accepted.
const FILE_BYTES_MAX: u64 = 256 * 1024 * 1024;
/// Problems printed on the terminal at most (the full list: `--report`).
const ISSUES_SHOWN: usize = 50;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sheet {
    Households,
    Cells,
}

#[derive(clap::Args)]
pub(crate) struct Args {
    /// What the sheet holds.
    #[arg(value_enum)]
    sheet: Sheet,
    /// The CSV or XLSX file (the format is recognised from its bytes).
    #[arg(long)]
    file: PathBuf,
    /// all-or-nothing (default) or valid-rows.
    #[arg(long, default_value = "all-or-nothing")]
    mode: String,
    /// Where to write the rejected rows with their problems (CSV).
    #[arg(long)]
    rejects: Option<PathBuf>,
    /// Where to write the whole validation report (CSV: row, column, reason, detail).
    #[arg(long)]
    report: Option<PathBuf>,
    /// Currency of the annual_income column (households).
    #[arg(long, default_value = "CNY")]
    currency: String,
    /// Country whose identity-number rules apply (households): CN or another ISO code.
    #[arg(long, default_value = "CN")]
    id_country: String,
}

fn usage(locale: Locale, field: &str, reason: &str) -> Failure {
    Failure::Usage(t(
        locale,
        "error.field_invalid",
        &[("field", field), ("reason", reason)],
    ))
}

fn read_file(args: &Args, locale: Locale) -> Result<Vec<Vec<String>>, Failure> {
    let size = std::fs::metadata(&args.file)
        .map_err(|e| usage(locale, "--file", &e.to_string()))?
        .len();
    if size > FILE_BYTES_MAX {
        return Err(usage(
            locale,
            "--file",
            &format!("larger than {FILE_BYTES_MAX} bytes"),
        ));
    }
    let bytes = std::fs::read(&args.file).map_err(|e| usage(locale, "--file", &e.to_string()))?;
    read_sheet(&bytes).map_err(|e| usage(locale, "--file", &e.to_string()))
}

/// `id_country` as a static string: the identity rules are chosen by code.
fn country(code: &str) -> &'static str {
    if code.trim().eq_ignore_ascii_case("CN") {
        "CN"
    } else {
        "XX"
    }
}

fn print_report(outcome: &ImportOutcome, locale: Locale) -> Outcome {
    emit(&t(
        locale,
        "import.summary",
        &[
            ("sheet", &outcome.sheet),
            ("rows", &outcome.rows_total.to_string()),
            ("imported", &outcome.imported.to_string()),
            ("rejected", &outcome.rejected_rows.len().to_string()),
            ("mode", mode_name(outcome.mode)),
        ],
    ))?;
    if !outcome.issues.is_empty() {
        emit(&format!(
            "{:>6}  {:<20}  {}",
            t(locale, "import.report.row", &[]),
            t(locale, "import.report.column", &[]),
            t(locale, "import.report.reason", &[])
        ))?;
    }
    for issue in outcome.issues.iter().take(ISSUES_SHOWN) {
        let mut reason = t(locale, &issue.key, &[]);
        if !issue.detail.is_empty() {
            reason = format!("{reason} ({})", issue.detail);
        }
        emit(&format!("{:>6}  {:<20}  {reason}", issue.row, issue.column))?;
    }
    if outcome.issues.len() > ISSUES_SHOWN {
        let more = (outcome.issues.len() - ISSUES_SHOWN).to_string();
        emit(&t(locale, "import.more_issues", &[("count", &more)]))?;
    }
    Ok(())
}

pub(crate) fn run(args: Args, db: &std::path::Path, locale: Locale) -> Outcome {
    let mode = parse_mode(&args.mode).map_err(|e| app_failure(e, locale))?;
    let sheet = read_file(&args, locale)?;
    let institution = open_institution(db)?;
    let signed = super::signin::sign_in(&institution, locale)?;
    let outcome = match args.sheet {
        Sheet::Households => {
            let currency = Currency::new(args.currency.trim(), 2)
                .map_err(|e| usage(locale, "--currency", &e.to_string()))?;
            let options = HouseholdImportOptions {
                mode,
                currency,
                id_country: country(&args.id_country),
            };
            institution.import_households(signed.actor(), sheet.clone(), options)
        }
        Sheet::Cells => institution.import_cells(signed.actor(), sheet.clone(), mode),
    }
    .map_err(|e| app_failure(e, locale))?;
    print_report(&outcome, locale)?;
    if let Some(path) = &args.report {
        std::fs::write(path, report_csv(&outcome)).map_err(|e| usage(locale, "--report", &e.to_string()))?;
    }
    if let Some(path) = &args.rejects {
        std::fs::write(path, rejects_csv(&sheet, &outcome))
            .map_err(|e| usage(locale, "--rejects", &e.to_string()))?;
    }
    if outcome.refused_whole() {
        return Err(Failure::Usage(t(
            locale,
            "import.refused_whole",
            &[("rejected", &outcome.rejected_rows.len().to_string())],
        )));
    }
    Ok(())
}
