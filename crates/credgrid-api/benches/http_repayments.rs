//! Durable repayments through the HTTP API on loopback: throughput and latency.
//!
//! Issue 3 goal: ≥ 10,000 durable repayments per second with p99 ≤ 20 ms on
//! the 2-core machine. The server runs in this process (the real router on a
//! real socket, the real SQLite store); the load is `CONNECTIONS` keep-alive
//! HTTP/1.1 connections, each sending repayments of 0.01 with its own
//! idempotency keys, spread over `LOANS` loans. At the end the stored
//! repayments are counted: every 2xx must be there.
//!
//! `cargo bench -p credgrid-api --bench http_repayments`
//! (env: CREDGRID_BENCH_CONNECTIONS, CREDGRID_BENCH_REQUESTS, CREDGRID_BENCH_LOANS).

use credgrid_api::http::{ServeOptions, serve};
use credgrid_app::*;
use credgrid_core::{Currency, Money};
use rust_decimal::Decimal;
use std::hint::black_box;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn product() -> NewProduct {
    let cny = |minor| Money::from_minor(minor, Currency::CNY);
    NewProduct {
        code: "BENCH".into(),
        name: "Bench".into(),
        currency: Currency::CNY,
        amount_min: cny(100),
        amount_max: cny(100_000_000),
        installments_min: 1,
        installments_max: 36,
        installments_default: 12,
        annual_rate_min: Decimal::ZERO,
        annual_rate_max: Decimal::new(24, 2),
        annual_rate_default: Decimal::new(12, 2),
        method: "annuity".into(),
        every: 1,
        unit: "months".into(),
        interest_period: "installment".into(),
        days_in_year: "365".into(),
        days_in_month: "actual".into(),
        rounding_mode: "half_even".into(),
        installment_multiple: None,
        grace_principal_periods: 0,
        grace_interest_periods: 0,
        penalty_uplift: Decimal::new(5, 1),
        compound_interest: false,
        allocation_order: vec![],
        disbursement_fee_flat: cny(0),
        disbursement_fee_rate: Decimal::ZERO,
    }
}

/// An institution with `loans` disbursed loans of 1,000,000.00 each; their ids.
fn portfolio(institution: &Institution, loans: u64) -> Vec<i64> {
    let actor = Actor { user_id: 1 };
    let root = institution
        .list_nodes()
        .unwrap()
        .into_iter()
        .find(|n| n.parent_id.is_none())
        .unwrap();
    let branch = institution
        .create_node(actor, root.id, "branch", "B", "Branch")
        .unwrap();
    let outlet = institution
        .create_node(actor, branch.id, "outlet", "O", "Outlet")
        .unwrap();
    let client = institution
        .create_client(
            actor,
            NewClient {
                outlet_id: outlet.id,
                kind: "individual".into(),
                name: "Li Wei".into(),
                id_country: "CN".into(),
                id_number: "11010519491231002X".into(),
                phone: None,
                address: None,
            },
        )
        .unwrap();
    let product = institution.create_product(actor, product()).unwrap();
    (0..loans)
        .map(|_| {
            let application = LoanApplication {
                client_id: client.id,
                product_id: product.id,
                principal: Money::from_minor(100_000_000, Currency::CNY),
                annual_rate: None,
                installments: None,
                first_repayment_date: None,
                account_manager_id: None,
                purpose: None,
            };
            let loan = institution.apply(actor, application).unwrap();
            institution.approve(actor, loan.id, None).unwrap();
            institution.disburse(actor, loan.id, None).unwrap().id
        })
        .collect()
}

/// One keep-alive connection sending `count` repayments; latencies in microseconds and failures.
fn client(addr: SocketAddr, connection: u64, count: u64, loans: &[i64]) -> (Vec<u64>, u64) {
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_nodelay(true).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    let body = r#"{"amount":"0.01"}"#;
    let mut latencies_us = Vec::with_capacity(usize::try_from(count).unwrap());
    let mut failures = 0;
    for n in 0..count {
        let loan = loans[usize::try_from((connection + n * 7) % loans.len() as u64).unwrap()];
        let request = format!(
            "POST /api/v1/loans/{loan}/repayments HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n\
             Idempotency-Key: c{connection}-n{n}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let started = Instant::now();
        writer.write_all(request.as_bytes()).unwrap();
        let status = read_response(&mut reader);
        latencies_us.push(u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX));
        if !(200..300).contains(&status) {
            failures += 1;
        }
    }
    (latencies_us, failures)
}

/// Reads one response; returns its status.
fn read_response(reader: &mut BufReader<TcpStream>) -> u16 {
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let status = line.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut length = 0;
    loop {
        line.clear();
        reader.read_line(&mut line).unwrap();
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    black_box(body);
    status
}

fn percentile(sorted_us: &[u64], per_mille: usize) -> u64 {
    sorted_us[(sorted_us.len() * per_mille / 1000).min(sorted_us.len() - 1)]
}

fn main() {
    let connections = setting("CREDGRID_BENCH_CONNECTIONS", 32);
    let requests = setting("CREDGRID_BENCH_REQUESTS", 20_000);
    let loan_count = setting("CREDGRID_BENCH_LOANS", 200);
    let dir = std::env::temp_dir().join(format!("credgrid-bench-http-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let date = chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
    let institution = Institution::open(&dir.join("bench.db"), date).unwrap();
    let loans = portfolio(&institution, loan_count);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let server = institution.clone();
    runtime.spawn(async move { serve(server, listener, ServeOptions::default()).await });

    let per_connection = requests / connections;
    let started = Instant::now();
    let workers: Vec<_> = (0..connections)
        .map(|c| {
            let loans = loans.clone();
            std::thread::spawn(move || client(addr, c, per_connection, &loans))
        })
        .collect();
    let mut latencies_us = Vec::new();
    let mut failures = 0;
    for worker in workers {
        let (l, f) = worker.join().unwrap();
        latencies_us.extend(l);
        failures += f;
    }
    let elapsed = started.elapsed();
    latencies_us.sort_unstable();
    let sent = latencies_us.len() as u64;
    let stored: usize = loans
        .iter()
        .map(|id| {
            institution
                .loan_transactions(*id)
                .unwrap()
                .iter()
                .filter(|t| t.kind == "repayment")
                .count()
        })
        .sum();
    let per_second = sent * 1_000_000 / u64::try_from(elapsed.as_micros()).unwrap().max(1);
    println!(
        "http_repayments: {sent} requests over {connections} connections, {loan_count} loans, in {} ms: \
         {per_second} repayments/s; latency p50 {} µs, p99 {} µs, max {} µs; {failures} non-2xx; {stored} stored",
        elapsed.as_millis(),
        percentile(&latencies_us, 500),
        percentile(&latencies_us, 990),
        latencies_us.last().copied().unwrap_or(0),
    );
    assert_eq!(
        stored as u64,
        sent - failures,
        "every acknowledged repayment is stored"
    );
    drop(runtime);
    std::thread::sleep(Duration::from_millis(10));
    let _ = std::fs::remove_dir_all(&dir);
}
