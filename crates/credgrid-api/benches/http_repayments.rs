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

/// An institution with `loans` generated disbursed loans (3,000.00 CNY or
/// more each) and a teller; their ids and the teller's session token.
fn portfolio(institution: &Institution, loans: u64) -> (Vec<i64>, String) {
    let admin = Actor {
        user_id: ADMIN_USER_ID,
    };
    let spec = PortfolioSpec {
        loans,
        seed: 1,
        outlets: 1,
    };
    institution.generate_portfolio(admin, spec, &|_, _| {}).unwrap();
    let teller = NewUser {
        node_id: 1,
        username: "bench.teller".into(),
        display_name: "Bench teller".into(),
        roles: vec!["teller".into()],
        password: "bench teller password".into(),
    };
    institution.create_user(admin, teller).unwrap();
    let token = institution
        .login("bench.teller", "bench teller password")
        .unwrap()
        .token;
    // A new database's generated loans are numbered from 1.
    let ids = (1..=i64::try_from(loans).unwrap()).collect();
    (ids, token)
}

/// One keep-alive connection sending `count` repayments; latencies in microseconds and failures.
fn client(addr: SocketAddr, token: &str, connection: u64, count: u64, loans: &[i64]) -> (Vec<u64>, u64) {
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
             Authorization: Bearer {token}\r\nIdempotency-Key: c{connection}-n{n}\r\nContent-Length: {}\r\n\r\n{body}",
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
    let (loans, token) = portfolio(&institution, loan_count);

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
            let (loans, token) = (loans.clone(), token.clone());
            std::thread::spawn(move || client(addr, &token, c, per_connection, &loans))
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
                .loan_transactions(
                    Actor {
                        user_id: ADMIN_USER_ID,
                    },
                    *id,
                )
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
