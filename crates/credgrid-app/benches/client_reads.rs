//! What masking and the audit of unmasked views cost a client lookup
//! (R-SEC-4): `Institution::client` for a role that sees masked data (a
//! read only) and for one that sees it in full (the read plus one durable,
//! group-committed audit record), one caller and many concurrent callers.
//! `cargo bench -p credgrid-app --bench client_reads`.

use credgrid_app::{Actor, Institution, NewUser, PortfolioSpec};
use std::hint::black_box;
use std::time::{Duration, Instant};

fn user(inst: &Institution, username: &str, role: &str) -> Actor {
    let new = NewUser {
        node_id: 1,
        username: username.into(),
        display_name: username.into(),
        roles: vec![role.into()],
        password: "bench password 2026".into(),
    };
    inst.create_user(Actor { user_id: 1 }, new).unwrap().actor()
}

/// Lookups per second and the mean time of one, over `threads` callers.
fn measure(
    inst: &Institution,
    actor: Actor,
    clients: i64,
    threads: i64,
    per_thread: i64,
) -> (u128, Duration) {
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..threads {
            let inst = inst.clone();
            s.spawn(move || {
                for i in 0..per_thread {
                    let id = 1 + (t * per_thread + i) % clients;
                    black_box(inst.client(actor, id).unwrap());
                }
            });
        }
    });
    let elapsed = start.elapsed();
    let calls = u128::try_from(threads * per_thread).unwrap_or(1);
    let per_second = calls * 1_000_000 / elapsed.as_micros().max(1);
    (
        per_second,
        elapsed / u32::try_from(threads * per_thread).unwrap_or(1),
    )
}

fn main() {
    let dir = std::env::temp_dir().join(format!("credgrid-bench-clients-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 15).unwrap();
    let inst = Institution::open(&dir.join("bench.db"), today).unwrap();
    let spec = PortfolioSpec {
        loans: 2_000,
        seed: 1,
        outlets: 4,
    };
    inst.generate_portfolio(Actor { user_id: 1 }, spec, &|_, _| {})
        .unwrap();
    let clients = 2_000;
    let manager = user(&inst, "bench.manager", "account_manager");
    let auditor = user(&inst, "bench.auditor", "auditor");
    println!("client lookups, {clients} clients");
    for (threads, per_thread) in [(1, 2_000), (16, 250)] {
        let (masked_rate, masked_mean) = measure(&inst, auditor, clients, threads, per_thread);
        let (full_rate, full_mean) = measure(&inst, manager, clients, threads, per_thread);
        println!(
            "  {threads:>2} callers: masked (auditor) {masked_rate}/s, {masked_mean:?} each; \
             unmasked + audit record (account manager) {full_rate}/s, {full_mean:?} each"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
