//! `credgrid demo`: builds a rural credit cooperative with a year of business, then serves it.
//!
//! The database is `credgrid-demo.db` unless `--db` names another file. The
//! default file is replaced on every run; a file named by `--db` is replaced
//! only with `--fresh` (or when it is called `credgrid-demo.db`): the demo
//! never deletes a file it did not make without being told to.

use super::{Failure, Outcome, app_failure, progress_bar};
use crate::demo::places::TOWNSHIPS;
use crate::demo::simulation::{Cast, Scenario, Simulation, Tally};
use chrono::{Days, NaiveDate};
use credgrid_app::{Institution, PAGE_LIMIT_MAX, PageRequest};
use credgrid_core::i18n::{Locale, has_key, t};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The demo's database file when `--db` names none.
pub(crate) const DEMO_DB: &str = "credgrid-demo.db";
/// The seed of the published demo (docs/demo.md describes what it builds).
pub(crate) const DEMO_SEED: u64 = 20_261_123;
/// The most clients a demo registers (a larger portfolio is `credgrid generate`'s job).
const CLIENTS_MAX: u32 = 200_000;
/// How far back the demo's first business date lies.
const DEMO_DAYS: u64 = 365;

#[derive(clap::Args)]
pub(crate) struct Args {
    /// Only build the database; do not serve it.
    #[arg(long)]
    no_serve: bool,
    /// The address to serve on, HOST:PORT.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: String,
    /// How many clients to register (about nine in ten apply for a loan).
    #[arg(long, default_value_t = 3000)]
    clients: u32,
    /// Seed of the scenario: the same seed on the same day builds the same books.
    #[arg(long, default_value_t = DEMO_SEED)]
    seed: u64,
    /// Replace the file named by --db (and its -wal and -shm files) if it exists.
    #[arg(long)]
    fresh: bool,
}

pub(crate) fn run(args: Args, db: Option<&Path>, locale: Locale) -> Outcome {
    if args.clients == 0 || args.clients > CLIENTS_MAX {
        let reason = t(locale, "demo.clients_range", &[("max", &CLIENTS_MAX.to_string())]);
        return Err(usage("--clients", &reason, locale));
    }
    if !args.no_serve && std::net::ToSocketAddrs::to_socket_addrs(args.addr.as_str()).is_err() {
        return Err(usage("--addr", &t(locale, "demo.addr_invalid", &[]), locale));
    }
    let path = db.map_or_else(|| PathBuf::from(DEMO_DB), Path::to_path_buf);
    let replaceable = args.fresh || db.is_none() || path.file_name().is_some_and(|n| n == DEMO_DB);
    prepare_file(&path, replaceable, locale)?;
    let today = chrono::Local::now().date_naive();
    let start = today.checked_sub_days(Days::new(DEMO_DAYS)).unwrap_or(today);
    let scenario = Scenario {
        clients: args.clients,
        seed: args.seed,
        start,
        end: today,
    };
    let started = Instant::now();
    let (institution, tally) = build(&path, scenario, locale)?;
    let loans = LoanCounts::read(&institution).map_err(|e| app_failure(e, locale))?;
    let business_date = institution.business_date().map_err(|e| app_failure(e, locale))?;
    print_summary(&tally, &loans, business_date, started.elapsed(), locale);
    say!(
        "{}",
        t(locale, "demo.ready", &[("path", &path.display().to_string())])
    );
    if args.no_serve {
        return Ok(());
    }
    serve(institution, &args.addr, locale)
}

fn usage(field: &str, reason: &str, locale: Locale) -> Failure {
    Failure::Usage(t(
        locale,
        "error.field_invalid",
        &[("field", field), ("reason", reason)],
    ))
}

/// Makes way for a new demo database: nothing to do if the file does not
/// exist; removes it and its WAL files if it may be replaced; refuses otherwise.
fn prepare_file(path: &Path, replaceable: bool, locale: Locale) -> Result<(), Failure> {
    if !path.exists() {
        return Ok(());
    }
    if !replaceable {
        return Err(Failure::Usage(t(
            locale,
            "demo.refuse_existing",
            &[("path", &path.display().to_string())],
        )));
    }
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        match std::fs::remove_file(&name) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                let detail = format!("{}: {e}", PathBuf::from(name).display());
                return Err(Failure::Internal(anyhow::anyhow!(detail)));
            }
        }
    }
    Ok(())
}

/// The demonstration staff (`demo.<role>`, `demo.<role>.2`, …) at the head
/// office; their public passwords are in docs/demo.md.
fn create_staff(institution: &Institution, locale: Locale) -> Result<(), Failure> {
    institution
        .create_demo_staff(credgrid_app::Actor { user_id: 1 }, 1, |role| {
            format!("Demo {}", t(locale, &role.key(), &[]))
        })
        .map_err(|e| app_failure(e, locale))?;
    say!(
        "{}",
        t(
            locale,
            "demo.staff",
            &[("example", "demo.teller / demo-teller-2026")]
        )
    );
    Ok(())
}

/// Opens a new institution at `path` dated `scenario.start` and runs the year.
fn build(path: &Path, scenario: Scenario, locale: Locale) -> Result<(Institution, Tally), Failure> {
    let institution = Institution::open(path, scenario.start).map_err(|e| app_failure(e, locale))?;
    say!(
        "{}",
        t(
            locale,
            "demo.building",
            &[
                ("clients", &scenario.clients.to_string()),
                ("seed", &scenario.seed.to_string()),
                ("start", &scenario.start.to_string()),
                ("end", &scenario.end.to_string()),
            ],
        )
    );
    let bar = progress_bar(&t(locale, "demo.progress", &[]));
    let progress = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    create_staff(&institution, locale)?;
    let cast = Cast::of(&institution).map_err(|e| app_failure(e, locale))?;
    let tally = Simulation::new(&institution, scenario, cast)
        .run(&progress)
        .map_err(|e| app_failure(e, locale))?;
    bar.finish_and_clear();
    Ok((institution, tally))
}

/// The loans as the institution reports them at the end of the demo.
#[derive(Debug, Default)]
struct LoanCounts {
    by_status: BTreeMap<String, u64>,
    /// Loans not closed or written off with days past due.
    overdue: u64,
}

impl LoanCounts {
    fn read(institution: &Institution) -> Result<LoanCounts, credgrid_app::AppError> {
        let mut counts = LoanCounts::default();
        let mut page = PageRequest {
            after_id: 0,
            limit: PAGE_LIMIT_MAX,
        };
        loop {
            let loans = institution.list_loans(credgrid_app::Actor { user_id: 1 }, None, page)?;
            for loan in &loans.items {
                *counts.by_status.entry(loan.status.clone()).or_default() += 1;
                let open = loan.closed_on.is_none() && !loan.balances.written_off.is_positive();
                if open && loan.balances.days_past_due > 0 {
                    counts.overdue += 1;
                }
            }
            match loans.next_after_id {
                Some(after_id) if !loans.items.is_empty() => page.after_id = after_id,
                _ => return Ok(counts),
            }
        }
    }
}

fn print_summary(
    tally: &Tally,
    loans: &LoanCounts,
    business_date: NaiveDate,
    elapsed: Duration,
    locale: Locale,
) {
    let branches = TOWNSHIPS.len();
    let outlets: usize = TOWNSHIPS.iter().map(|township| township.outlets.len()).sum();
    let line = |key: &str, args: &[(&str, String)]| {
        let args: Vec<(&str, &str)> = args.iter().map(|(name, value)| (*name, value.as_str())).collect();
        say!("{}", t(locale, key, &args));
    };
    line(
        "demo.summary_organisation",
        &[
            ("branches", branches.to_string()),
            ("outlets", outlets.to_string()),
            ("clients", tally.clients.to_string()),
        ],
    );
    line(
        "demo.summary_applications",
        &[
            ("applications", tally.applications.to_string()),
            ("approved", tally.approved.to_string()),
            ("rejected", tally.rejected.to_string()),
            ("withdrawn", tally.withdrawn.to_string()),
            ("disbursed", tally.disbursed.to_string()),
        ],
    );
    line(
        "demo.summary_repayments",
        &[
            ("repayments", tally.repayments.to_string()),
            ("late", tally.repayments_late.to_string()),
            ("early", tally.repayments_early.to_string()),
            ("partial", tally.repayments_partial.to_string()),
            ("paid_off", tally.paid_off_early.to_string()),
            ("reversals", tally.reversals.to_string()),
        ],
    );
    line(
        "demo.summary_arrears",
        &[
            ("defaulted", tally.defaulted.to_string()),
            ("written_off", tally.written_off.to_string()),
            ("recoveries", tally.recoveries.to_string()),
            ("overdue", loans.overdue.to_string()),
        ],
    );
    for (status, count) in &loans.by_status {
        let key = format!("demo.status_{status}");
        let label = if has_key(locale, &key) {
            t(locale, &key, &[])
        } else {
            status.clone()
        };
        line(
            "demo.summary_status",
            &[("status", label), ("loans", count.to_string())],
        );
    }
    if let Some(first) = &tally.first_refusal {
        line(
            "demo.summary_refused",
            &[("count", tally.refused.to_string()), ("first", first.clone())],
        );
    }
    line(
        "demo.summary_time",
        &[
            ("days", tally.business_days.to_string()),
            ("date", business_date.to_string()),
            (
                "seconds",
                format!("{}.{}", elapsed.as_secs(), elapsed.subsec_millis() / 100),
            ),
        ],
    );
}

/// Serves the demo over the HTTP API until Ctrl-C or SIGTERM, printing the URL once listening.
fn serve(institution: Institution, addr: &str, locale: Locale) -> Outcome {
    let options = credgrid_api::http::ServeOptions { log_requests: true };
    let announce = |bound: std::net::SocketAddr| {
        say!(
            "{}",
            t(locale, "demo.url", &[("url", &format!("http://{bound}/api/v1"))])
        );
    };
    credgrid_api::http::serve_blocking(institution, addr, options, announce).map_err(|e| {
        let reason = t(locale, "serve.cannot_listen", &[("error", &e.to_string())]);
        usage("--addr", &reason, locale)
    })
}
