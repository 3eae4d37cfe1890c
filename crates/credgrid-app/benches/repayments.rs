//! Durable repayments per second through the use-case layer (no HTTP):
//! many threads post small repayments concurrently; each is acknowledged
//! only after its group commit. `cargo bench -p credgrid-app --bench repayments`.

use credgrid_app::{Actor, IdempotencyKey, Institution, PortfolioSpec, Repayment};
use credgrid_core::{Currency, Money};
use std::time::Instant;

fn main() {
    let loans: u64 = std::env::var("CREDGRID_BENCH_LOANS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let threads: u64 = std::env::var("CREDGRID_BENCH_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    let per_thread: u64 = 300;
    let dir = std::env::temp_dir().join(format!("credgrid-bench-repay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 15).unwrap();
    let inst = Institution::open(&dir.join("bench.db"), today).unwrap();
    let admin = Actor { user_id: 1 };
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
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..threads {
            let inst = inst.clone();
            s.spawn(move || {
                for i in 0..per_thread {
                    let loan = 1 + (t * per_thread + i) % loans;
                    let key = IdempotencyKey {
                        key: format!("{t}-{i}"),
                        request_hash: "h".into(),
                    };
                    let r = Repayment {
                        amount: Money::from_minor(100, Currency::CNY),
                        value_date: None,
                        prepayment: None,
                    };
                    inst.repay(admin, loan as i64, r, Some(key)).unwrap();
                }
            });
        }
    });
    let elapsed = start.elapsed();
    let n = threads * per_thread;
    let ms = elapsed.as_millis().max(1);
    println!(
        "repayments: {n} durable in {ms} ms = {}/s ({threads} threads, {loans} loans)",
        u128::from(n) * 1000 / ms
    );
    let _ = std::fs::remove_dir_all(&dir);
}
