//! `credgrid check`: verify the books' invariants; non-zero exit on the first violation.

use super::{Failure, Outcome, app_failure, open_institution};
use credgrid_core::i18n::{Locale, t};

#[derive(clap::Args)]
pub(crate) struct Args {}

pub(crate) fn run(_args: Args, db: &std::path::Path, locale: Locale) -> Outcome {
    let institution = open_institution(db)?;
    let report = institution.check().map_err(|e| app_failure(e, locale))?;
    if let Some(first) = report.violations.first() {
        for v in &report.violations {
            eprintln!("{}", t(locale, "check.violation", &[("violation", v)]));
        }
        return Err(Failure::Violation(first.clone()));
    }
    super::emit(&t(
        locale,
        "check.ok",
        &[
            ("entries", &report.entries_checked.to_string()),
            ("loans", &report.loans_checked.to_string()),
        ],
    ))
}
