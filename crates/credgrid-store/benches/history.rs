//! The end of day's portfolio snapshot (`record_portfolio_day`) over a large
//! book: times recording one date on a copy of a generated database.
//!
//! ```text
//! credgrid generate --loans 1000000 --db /tmp/t1m.db --outlets 20
//! CREDGRID_BENCH_DB=/tmp/t1m.db cargo bench -p credgrid-store --bench history
//! ```
//! Without `CREDGRID_BENCH_DB` it says so and exits (nothing to measure).

use chrono::NaiveDate;
use credgrid_store::{Store, StoreError, WriteTx};
use std::hint::black_box;
use std::time::Instant;

fn main() {
    let Ok(template) = std::env::var("CREDGRID_BENCH_DB") else {
        println!("history bench: set CREDGRID_BENCH_DB to a generated database (see the module comment)");
        return;
    };
    let copy = std::env::temp_dir().join(format!("credgrid-bench-history-{}.db", std::process::id()));
    std::fs::copy(&template, &copy).expect("copy the template database");
    let store = Store::open(&copy).expect("open (and migrate) the copy");
    let date = store
        .read(|r| r.business_date())
        .expect("business date")
        .unwrap_or(NaiveDate::MIN);
    // The generation date has a million disbursements (the worst case for
    // the day's flows); the next date has none (a quiet day).
    let next = date.succ_opt().unwrap_or(date);
    for (run, date) in [(1, date), (2, date), (3, next), (4, next)] {
        let cpu = cpu_time();
        let started = Instant::now();
        let rows = store
            .write(move |tx: &mut WriteTx<'_>| -> Result<u64, StoreError> { tx.record_portfolio_day(date) })
            .expect("record the date");
        let wall = started.elapsed();
        let cpu = cpu_time().saturating_sub(cpu);
        println!(
            "history run {run}: {} rows for {date} in {wall:?} wall, {cpu:?} CPU",
            black_box(rows)
        );
    }
    drop(store);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", copy.display()));
    }
}

/// The process's user + system CPU time (`/proc/self/stat`, Linux), or zero.
fn cpu_time() -> std::time::Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    // Fields after the command: state is 0, utime 11, stime 12; 100 ticks a second.
    std::time::Duration::from_millis((ticks(11) + ticks(12)) * 10)
}
