//! `credgrid eod`: close the business date (or several) with a progress bar.

use super::{Outcome, app_failure, open_institution, parse_date, progress_bar};
use credgrid_core::i18n::{Locale, t};

#[derive(clap::Args)]
pub(crate) struct Args {
    /// Close every business date up to and including this one (catch up).
    #[arg(long)]
    to: Option<String>,
}

pub(crate) fn run(args: Args, db: &std::path::Path, locale: Locale) -> Outcome {
    let through = args
        .to
        .as_deref()
        .map(|s| parse_date("--to", s, locale))
        .transpose()?;
    let institution = open_institution(db)?;
    let signed = super::signin::sign_in(&institution, locale)?;
    let bar = progress_bar(&t(locale, "eod.progress", &[]));
    let progress = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    let summary = institution
        .run_eod(signed.actor(), through, &progress)
        .map_err(|e| app_failure(e, locale))?;
    bar.finish_and_clear();
    for date in &summary.already_closed {
        super::emit(&t(locale, "eod.already_closed", &[("date", &date.to_string())]))?;
    }
    let dates: Vec<String> = summary.dates_closed.iter().map(ToString::to_string).collect();
    let next = institution.business_date().map_err(|e| app_failure(e, locale))?;
    super::emit(&t(
        locale,
        "eod.summary",
        &[
            ("dates", &dates.join(", ")),
            ("loans", &summary.loans_processed.to_string()),
            ("overdue", &summary.loans_overdue.to_string()),
            (
                "interest",
                &credgrid_core::money::format_minor(summary.interest_accrued_minor, 2),
            ),
            (
                "penalty",
                &credgrid_core::money::format_minor(summary.penalty_accrued_minor, 2),
            ),
            (
                "provision_charged",
                &credgrid_core::money::format_minor(summary.provision_charged_minor, 2),
            ),
            (
                "provision_released",
                &credgrid_core::money::format_minor(summary.provision_released_minor, 2),
            ),
            ("next", &next.to_string()),
        ],
    ))
}
