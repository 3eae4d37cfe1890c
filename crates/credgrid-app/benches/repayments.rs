//! Durable repayments per second through the use-case layer (no HTTP):
//! many threads post small repayments concurrently; each is acknowledged
//! only after its group commit, on loans drawn at random from the portfolio
//! (as the HTTP benchmark does). Prints the throughput and the CPU time per
//! repayment of the store's threads (the writer's is the serial part: it
//! bounds the throughput; it varies less than the throughput with what else
//! the machine runs). `cargo bench -p credgrid-app --bench repayments`
//! (env: CREDGRID_BENCH_LOANS=100000 CREDGRID_BENCH_THREADS=64
//! CREDGRID_BENCH_PER_THREAD=500 CREDGRID_BENCH_DB=a portfolio to copy).

use credgrid_app::{Actor, IdempotencyKey, Institution, PortfolioSpec, Repayment};
use credgrid_core::Money;
use std::time::Instant;

fn main() {
    let loans: u64 = std::env::var("CREDGRID_BENCH_LOANS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let threads: u64 = std::env::var("CREDGRID_BENCH_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    let per_thread: u64 = std::env::var("CREDGRID_BENCH_PER_THREAD")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let dir = std::env::temp_dir().join(format!("credgrid-bench-repay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 15).unwrap();
    let db = dir.join("bench.db");
    // CREDGRID_BENCH_DB: a copy of that portfolio instead of a new one (say,
    // one `credgrid generate` made), e.g. to run only the repayments under
    // `valgrind --tool=callgrind`.
    let given = std::env::var_os("CREDGRID_BENCH_DB");
    if let Some(source) = &given {
        std::fs::copy(source, &db).unwrap();
    }
    let inst = Institution::open(&db, today).unwrap();
    let admin = Actor { user_id: 1 };
    if given.is_none() {
        inst.generate_portfolio(
            admin,
            PortfolioSpec {
                loans,
                seed: 1,
                outlets: 8,
            },
            &|_, _| {},
        )
        .unwrap();
    }
    // Repayments are a teller's (the administrator may not post them).
    if inst.user_named("demo.teller").unwrap().is_none() {
        inst.create_demo_staff(admin, 1, |role| format!("Bench {role}"))
            .unwrap();
    }
    let teller = Actor {
        user_id: inst
            .user_named("demo.teller")
            .unwrap()
            .expect("demo.teller")
            .user_id,
    };
    let before = thread_cpu_us();
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..threads {
            let inst = inst.clone();
            s.spawn(move || {
                // A small LCG per thread: loans spread over the portfolio.
                let mut draw = t.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
                for i in 0..per_thread {
                    draw = draw
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    let loan = 1 + (draw >> 33) % loans;
                    let key = IdempotencyKey {
                        key: format!("{t}-{i}"),
                        request_hash: "h".into(),
                    };
                    // As the API posts them: `repay_then`, the amount read in the loan's currency.
                    let repayment = |currency| {
                        Ok(Repayment {
                            amount: Money::from_minor(100, currency),
                            value_date: None,
                            prepayment: None,
                        })
                    };
                    let (answer, answered) = std::sync::mpsc::channel();
                    inst.repay_then(teller, loan as i64, repayment, Some(key), move |result| {
                        let _ = answer.send(result);
                    });
                    answered.recv().unwrap().unwrap();
                }
            });
        }
    });
    let elapsed = start.elapsed();
    let after = thread_cpu_us();
    let n = threads * per_thread;
    let ms = elapsed.as_millis().max(1);
    println!(
        "repayments: {n} durable in {ms} ms = {}/s ({threads} threads, {loans} loans)",
        u128::from(n) * 1000 / ms
    );
    let per: Vec<String> = after
        .iter()
        .map(|(name, us)| {
            let spent = us - before.get(name).copied().unwrap_or(0);
            // Tenths of a microsecond, in integers.
            let tenths = spent * 10 / n.max(1);
            format!("{name}={}.{}us", tenths / 10, tenths % 10)
        })
        .collect();
    println!("store CPU per repayment: {}", per.join(" "));
    let _ = std::fs::remove_dir_all(&dir);
}

/// User + system CPU time of this process's store threads, by thread name
/// (Linux: /proc/self/task/*/stat; elsewhere nothing).
fn thread_cpu_us() -> std::collections::BTreeMap<String, u64> {
    let mut by_name = std::collections::BTreeMap::new();
    let tick_us = 10_000; // USER_HZ is 100 on Linux
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return by_name;
    };
    for task in tasks.flatten() {
        let name = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        let name = name.trim();
        if !name.starts_with("credgrid-") {
            continue;
        }
        let stat = std::fs::read_to_string(task.path().join("stat")).unwrap_or_default();
        // Fields after the parenthesised name: utime and stime are the 12th and 13th.
        let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let field = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
        let ticks = field(11) + field(12);
        *by_name.entry(name.to_string()).or_insert(0) += ticks * tick_us;
    }
    by_name
}
