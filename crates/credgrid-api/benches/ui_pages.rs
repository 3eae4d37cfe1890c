//! Server time of the staff web application's pages on a portfolio of a few
//! thousand loans (issue 5 goal: the dashboard under 300 ms server time).
//!
//! Builds a portfolio with `generate_portfolio` (default 5,000 loans), closes
//! one business date so the portfolio and the days past due are filled, then
//! renders each page through the real router (no socket: the time is the
//! server's) and prints min / median / max per page.
//!
//! `cargo bench -p credgrid-api --bench ui_pages` (env: CREDGRID_BENCH_LOANS,
//! CREDGRID_BENCH_ROUNDS).

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use credgrid_api::ui::ui_router;
use credgrid_app::{ADMIN_USER_ID, Actor, Institution, PortfolioSpec};
use std::hint::black_box;
use std::time::{Duration, Instant};
use tower::ServiceExt;

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

const PAGES: [&str; 6] = ["/", "/loans", "/loans/1", "/clients/1", "/portfolio", "/ledger"];

fn main() {
    let loans = setting("CREDGRID_BENCH_LOANS", 5_000);
    let rounds = setting("CREDGRID_BENCH_ROUNDS", 20).max(1);
    let dir = std::env::temp_dir().join(format!("credgrid-ui-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temporary directory");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 6, 1).expect("a date");
    let institution = Institution::open(&dir.join("bench.db"), today).expect("open");
    let actor = Actor {
        user_id: ADMIN_USER_ID,
    };
    let spec = PortfolioSpec {
        loans,
        seed: 1,
        outlets: 20,
    };
    institution
        .generate_portfolio(actor, spec, &|_, _| {})
        .expect("generate");
    institution.run_eod(actor, None, &|_, _| {}).expect("end of day");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let app = ui_router(institution);
    println!("ui_pages: {loans} loans, {rounds} rounds per page (server time, no socket)");
    for page in PAGES {
        let mut times: Vec<Duration> = (0..rounds)
            .map(|_| {
                let request = Request::get(page)
                    .header(header::COOKIE, "credgrid_user=1; lang=zh")
                    .body(Body::empty())
                    .expect("request");
                let started = Instant::now();
                let response = runtime.block_on(async {
                    let response = app.clone().oneshot(request).await.expect("response");
                    assert_eq!(response.status(), StatusCode::OK, "{page}");
                    axum::body::to_bytes(response.into_body(), 16 << 20)
                        .await
                        .expect("body")
                });
                let elapsed = started.elapsed();
                black_box(response);
                elapsed
            })
            .collect();
        times.sort();
        let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
        println!(
            "  {page:<12} min {:>9}  median {:>9}  max {:>9}",
            ms(times[0]),
            ms(times[times.len() / 2]),
            ms(times[times.len() - 1])
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
