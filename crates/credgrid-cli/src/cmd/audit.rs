//! `credgrid audit verify`: walk the hash-chained audit trail and name the
//! first record that was edited, deleted or inserted out of order.

use super::{Failure, Outcome, app_failure, open_institution};
use credgrid_core::i18n::{Locale, t};

#[derive(clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(clap::Subcommand)]
enum What {
    /// Verify the whole trail; exit status 3 names the first broken record.
    Verify,
}

pub(crate) fn run(args: Args, db: &std::path::Path, locale: Locale) -> Outcome {
    let What::Verify = args.what;
    let institution = open_institution(db)?;
    let v = institution.verify_audit().map_err(|e| app_failure(e, locale))?;
    match (v.break_seq, v.break_code) {
        (Some(seq), Some(code)) => Err(Failure::Violation(t(
            locale,
            "audit.broken",
            &[
                ("seq", &seq.to_string()),
                ("kind", &t(locale, &format!("refusal.{code}"), &[])),
                ("code", &code),
            ],
        ))),
        _ => super::emit(&t(
            locale,
            "audit.intact",
            &[
                ("records", &v.records.to_string()),
                ("seq", &v.head_seq.to_string()),
                ("hash", &v.head_hash),
            ],
        )),
    }
}
