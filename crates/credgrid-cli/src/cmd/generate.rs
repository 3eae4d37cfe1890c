//! `credgrid generate`: a synthetic portfolio of N disbursed loans, for benchmarks.
//!
//! Writes into `--db`, creating it if needed. A database that already holds
//! loans is refused unless `--append`, so a benchmark never silently mixes
//! into (or grows) a real institution's books.

use super::{Failure, Outcome, app_failure, progress_bar};
use credgrid_app::{Actor, Institution, PageRequest, PortfolioSpec};
use credgrid_core::i18n::{Locale, t};
use std::path::Path;
use std::time::Instant;

/// The administrator every new database starts with.
const ADMIN: Actor = Actor {
    user_id: credgrid_app::ADMIN_USER_ID,
};

/// The most loans one run generates.
const LOANS_MAX: u64 = 100_000_000;
/// The most outlets a generated portfolio spreads over.
const OUTLETS_MAX: u32 = 10_000;

#[derive(clap::Args)]
pub(crate) struct Args {
    /// How many disbursed loans to create.
    #[arg(long)]
    loans: u64,
    /// Seed of the generator: the same seed builds the same portfolio.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Outlets to spread the loans over (created if the institution has fewer).
    #[arg(long, default_value_t = 20)]
    outlets: u32,
    /// Add to a database that already has loans.
    #[arg(long)]
    append: bool,
}

pub(crate) fn run(args: Args, db: &Path, locale: Locale) -> Outcome {
    if args.loans == 0 || args.loans > LOANS_MAX {
        let reason = t(locale, "generate.loans_range", &[("max", &LOANS_MAX.to_string())]);
        return Err(usage("--loans", &reason, locale));
    }
    if args.outlets == 0 || args.outlets > OUTLETS_MAX {
        let reason = t(
            locale,
            "generate.outlets_range",
            &[("max", &OUTLETS_MAX.to_string())],
        );
        return Err(usage("--outlets", &reason, locale));
    }
    let existed = db.exists();
    let today = chrono::Local::now().date_naive();
    let institution = Institution::open(db, today).map_err(|e| app_failure(e, locale))?;
    // A database this command creates is its own: it acts as its
    // administrator and creates the demonstration staff (docs/demo.md).
    // An existing one is somebody's: sign in as an administrator.
    let signed = if existed {
        Some(super::signin::sign_in(&institution, locale)?)
    } else {
        institution
            .create_demo_staff(ADMIN, 1, |role| format!("Demo {}", t(locale, &role.key(), &[])))
            .map_err(|e| app_failure(e, locale))?;
        None
    };
    let actor = signed.as_ref().map_or(ADMIN, |s| s.actor());
    if existed && !args.append && has_loans(&institution, actor, locale)? {
        return Err(Failure::Usage(t(
            locale,
            "generate.refuse_loans",
            &[("path", &db.display().to_string())],
        )));
    }
    let bar = progress_bar(&t(locale, "generate.progress", &[]));
    let progress = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    let spec = PortfolioSpec {
        loans: args.loans,
        seed: args.seed,
        outlets: args.outlets,
    };
    let started = Instant::now();
    let summary = institution
        .generate_portfolio(actor, spec, &progress)
        .map_err(|e| app_failure(e, locale))?;
    let elapsed = started.elapsed();
    bar.finish_and_clear();
    let principal = credgrid_core::money::format_minor(summary.principal_minor, 2);
    let seconds = format!("{}.{:03}", elapsed.as_secs(), elapsed.subsec_millis());
    let args = [
        ("loans", summary.loans.to_string()),
        ("clients", summary.clients.to_string()),
        ("principal", principal),
        ("path", db.display().to_string()),
        ("seconds", seconds),
    ];
    let args: Vec<(&str, &str)> = args.iter().map(|(name, value)| (*name, value.as_str())).collect();
    say!("{}", t(locale, "generate.summary", &args));
    Ok(())
}

fn usage(field: &str, reason: &str, locale: Locale) -> Failure {
    Failure::Usage(t(
        locale,
        "error.field_invalid",
        &[("field", field), ("reason", reason)],
    ))
}

fn has_loans(institution: &Institution, actor: Actor, locale: Locale) -> Result<bool, Failure> {
    let first = institution
        .list_loans(
            actor,
            None,
            PageRequest {
                after_id: 0,
                limit: 1,
            },
        )
        .map_err(|e| app_failure(e, locale))?;
    Ok(!first.items.is_empty())
}
