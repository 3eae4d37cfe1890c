//! Benchmark of the end of day: generates a synthetic portfolio of
//! `CREDGRID_BENCH_LOANS` disbursed loans (default 1,000,000) into a temp
//! file, then times one `run_eod` (one business day) and `check`, and prints
//! loans per second, wall times and the process's peak resident memory.
//!
//!   cargo bench -p credgrid-app --bench eod
//!   CREDGRID_BENCH_LOANS=100000 cargo bench -p credgrid-app --bench eod
//!
//! `CREDGRID_BENCH_TEMPLATE=path.db` skips the generation: the database
//! there (e.g. from `credgrid generate`) is copied to the temp file and
//! closed as it is, so repeated runs measure the end of day alone.
//!
//! `CREDGRID_BENCH_NO_CHECK=1` leaves out the timing of `check` (to profile
//! the end of day alone).
//!
//! Compare with `../shared/bench/sqlite_reference.sh 1000000` run just
//! before on the same machine (the floor: one insert and one update of a
//! million loan-sized rows). Results go to docs/benchmarks.md.

use chrono::NaiveDate;
use credgrid_app::{ADMIN_USER_ID, Actor, Institution, PortfolioSpec};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const LOANS_DEFAULT: u64 = 1_000_000;
const OUTLETS: u32 = 20;

fn main() {
    let loans = loans_from_env();
    let dir = std::env::temp_dir().join(format!("credgrid-bench-eod-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let db = dir.join("bench.db");
    let result = std::panic::catch_unwind(|| run(&db, loans));
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

fn loans_from_env() -> u64 {
    match std::env::var("CREDGRID_BENCH_LOANS") {
        Ok(text) => text
            .trim()
            .replace('_', "")
            .parse()
            .unwrap_or_else(|e| panic!("CREDGRID_BENCH_LOANS: not a whole number ({e}): {text:?}")),
        Err(_) => LOANS_DEFAULT,
    }
}

fn run(db: &Path, loans: u64) {
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).expect("valid date");
    let actor = Actor {
        user_id: ADMIN_USER_ID,
    };
    let quiet = |_: u64, _: u64| {};
    let loans = match std::env::var_os("CREDGRID_BENCH_TEMPLATE") {
        Some(template) => copy_template(Path::new(&template), db),
        None => {
            let institution = Institution::open(db, today).expect("open");
            let spec = PortfolioSpec {
                loans,
                seed: 1,
                outlets: OUTLETS,
            };
            let started = Instant::now();
            let generated = institution
                .generate_portfolio(actor, spec, &quiet)
                .expect("generate");
            report("generate", generated.loans, started.elapsed());
            generated.loans
        }
    };
    println!("  db size before eod: {} MiB", db_mib(db));
    let institution = Institution::open(db, today).expect("open");

    let date = institution.business_date().expect("business date");
    let started = Instant::now();
    // When the last chunk reported: the rest is the final write (GL posting).
    let chunks_done: Mutex<Option<Duration>> = Mutex::new(None);
    let progress = |done: u64, total: u64| {
        let mut at = chunks_done.lock().unwrap_or_else(|p| p.into_inner());
        if done == total && at.is_none() {
            *at = Some(started.elapsed());
        }
    };
    let cpu_before = cpu_ticks();
    let summary = institution.run_eod(actor, None, &progress).expect("end of day");
    let elapsed = started.elapsed();
    let cpu = cpu_ticks() - cpu_before;
    assert_eq!(summary.dates_closed, [date], "one business day closed");
    assert_eq!(summary.loans_processed, loans, "every active loan processed once");
    report("eod", summary.loans_processed, elapsed);
    let chunks = chunks_done
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .unwrap_or(elapsed);
    println!(
        "  loan chunks: {} ms, final write (GL posting, next date): {} ms; CPU (user+sys, all threads): {} ms",
        chunks.as_millis(),
        (elapsed - chunks).as_millis(),
        cpu * 10
    );
    println!(
        "  overdue loans: {}, interest accrued: {} minor, provision charged: {} minor",
        summary.loans_overdue, summary.interest_accrued_minor, summary.provision_charged_minor
    );
    println!("  db size after eod: {} MiB", db_mib(db));

    if std::env::var_os("CREDGRID_BENCH_NO_CHECK").is_some() {
        println!("peak RSS (VmHWM): {} MiB", peak_rss_kib() / 1024);
        return;
    }
    let started = Instant::now();
    let check = institution.check().expect("check");
    report("check", check.loans_checked, started.elapsed());
    assert!(check.violations.is_empty(), "check: {:?}", check.violations);
    black_box(check);
    println!("peak RSS (VmHWM): {} MiB", peak_rss_kib() / 1024);
}

/// Copies a closed database (no `-wal` left) to `db`; its active loan count.
fn copy_template(template: &Path, db: &Path) -> u64 {
    let wal = PathBuf::from(format!("{}-wal", template.display()));
    assert!(
        std::fs::metadata(&wal).map_or(true, |m| m.len() == 0),
        "{}: close it first (its -wal file is not empty)",
        template.display()
    );
    std::fs::copy(template, db).expect("copy the template");
    let institution = Institution::open(db, NaiveDate::MIN).expect("open the copy");
    let report = institution
        .portfolio(
            credgrid_app::Actor {
                user_id: credgrid_app::ADMIN_USER_ID,
            },
            None,
        )
        .expect("portfolio");
    report.lines.iter().map(|l| l.loans_active).sum()
}

fn report(what: &str, items: u64, elapsed: Duration) {
    let millis = elapsed.as_millis().max(1);
    let per_second = u128::from(items) * 1000 / millis;
    println!(
        "{what}: {items} loans in {}.{:03} s = {per_second} loans/s (peak RSS so far {} MiB)",
        elapsed.as_secs(),
        elapsed.subsec_millis(),
        peak_rss_kib() / 1024
    );
}

/// The process's peak resident set (`VmHWM` in /proc/self/status), in KiB.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// User plus system CPU time of the process so far, in clock ticks (1/100 s
/// on Linux), from /proc/self/stat.
fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name, which is in parentheses.
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    // utime and stime are fields 14 and 15 of stat; 12 and 13 after the name.
    field(11) + field(12)
}

fn db_mib(db: &Path) -> u64 {
    let wal = PathBuf::from(format!("{}-wal", db.display()));
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    (size(db) + size(&wal)) / (1024 * 1024)
}
