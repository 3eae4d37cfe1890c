//! Benchmark of the collection step of the end of day (issue 7): building
//! the worklists — every overdue loan scored with its parts, ordered per
//! assignee and stored — plus the promise check, legal escalations, early
//! warnings and visits, on a portfolio made by `credgrid generate` (about one
//! loan in twenty is overdue). Goal: under 2 s for 1,000,000 loans.
//!
//!   credgrid generate --loans 1000000 --db /tmp/t1m.db
//!   CREDGRID_BENCH_TEMPLATE=/tmp/t1m.db cargo bench -p credgrid-app --bench worklists
//!
//! The template is copied to a temp file first; the first run (cold: the
//! migration is applied and the page cache is empty) and two more are timed.

use credgrid_app::{ADMIN_USER_ID, Actor, Institution, NewUser};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const RUNS: usize = 3;

fn main() {
    let template = std::env::var_os("CREDGRID_BENCH_TEMPLATE")
        .map(PathBuf::from)
        .expect("set CREDGRID_BENCH_TEMPLATE to a database made by `credgrid generate`");
    let dir = std::env::temp_dir().join(format!("credgrid-bench-worklists-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let db = dir.join("bench.db");
    let result = std::panic::catch_unwind(|| run(&template, &db));
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

fn run(template: &Path, db: &Path) {
    std::fs::copy(template, db).expect("copy the template");
    let today = chrono::Local::now().date_naive();
    let institution = Institution::open(db, today).expect("open");
    let admin = Actor {
        user_id: ADMIN_USER_ID,
    };
    let manager = institution
        .create_user(
            admin,
            NewUser {
                node_id: 1,
                username: format!("bench.manager.{}", std::process::id()),
                display_name: "Bench branch manager".into(),
                roles: vec!["branch_manager".into()],
                password: "a long passphrase for the bench".into(),
            },
        )
        .expect("create the manager");
    let manager = Actor {
        user_id: manager.user_id,
    };
    let date = institution.business_date().expect("business date");
    let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
    for run in 0..RUNS {
        let start = Instant::now();
        let day = institution.rebuild_worklists(manager, date).expect("worklists");
        let took = start.elapsed();
        black_box(&day);
        println!(
            "run {}: {} overdue loans in {} worklists, {} rejected, {} legal due, {} visits: {:?}",
            run + 1,
            day.worklist_loans,
            day.worklists,
            day.rejected,
            day.legal_due,
            day.visits_scheduled,
            took
        );
        times.push(took);
    }
    times.sort();
    println!(
        "worklists: best {:?}, median {:?}, worst {:?} (goal < 2 s)",
        times[0],
        times[RUNS / 2],
        times[RUNS - 1]
    );
}
