//! Durability of acknowledged writes: a child process streams concurrent
//! repayments and prints each one the store acknowledged; the parent kills
//! it with SIGKILL mid-stream, reopens the database and finds every
//! acknowledged repayment exactly once, and the books still balanced.
//!
//! (SIGKILL loses the process, not the OS page cache; power loss is what
//! `synchronous=FULL` covers, by fsyncing the WAL before COMMIT returns.)

mod common;

use common::*;
use credgrid_store::{Store, StoreError, WriteTx};
use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

type R<T> = Result<T, StoreError>;

const CHILD_ENV: &str = "CREDGRID_STORE_CRASH_CHILD";

/// The child: writes until killed, printing `ack <marker>` after each commit.
fn child(path: &str) {
    let store = Store::open(path).unwrap();
    let seed = seed(&store);
    let loan_id = store
        .write(move |tx: &mut WriteTx<'_>| -> R<i64> {
            let client = tx.insert_client(&new_client(seed.outlet_a, "Crash", "K1"))?;
            tx.insert_loan(&loan_row(&seed, client, seed.outlet_a, 100_000_000))
        })
        .unwrap();
    println!("loan {loan_id}");
    let threads: Vec<_> = (0..8_i64)
        .map(|t| {
            let store = store.clone();
            std::thread::spawn(move || {
                for i in 0.. {
                    let marker = t * 10_000_000 + i + 1;
                    store
                        .write(move |tx: &mut WriteTx<'_>| repayment(tx, seed, loan_id, loan_id, 100, marker))
                        .unwrap();
                    let mut out = std::io::stdout().lock();
                    writeln!(out, "ack {marker}").unwrap();
                    out.flush().unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        let _ = t.join();
    }
}

#[test]
fn every_acknowledged_write_survives_sigkill_exactly_once() {
    if let Ok(path) = std::env::var(CHILD_ENV) {
        child(&path);
        return;
    }
    let path = temp_db("crash");
    let mut process = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "every_acknowledged_write_survives_sigkill_exactly_once",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, &path)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = process.stdout.take().unwrap();
    let mut acknowledged = HashSet::new();
    let mut loan_id = None;
    let start = Instant::now();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        // The harness may print "test <name> ... " before the child's first line.
        if let Some((_, id)) = line.split_once("loan ") {
            loan_id = Some(id.parse::<i64>().unwrap());
        }
        if let Some((_, marker)) = line.split_once("ack ") {
            acknowledged.insert(marker.parse::<i64>().unwrap());
        }
        if acknowledged.len() >= 3_000 || start.elapsed() > Duration::from_secs(20) {
            break;
        }
    }
    process.kill().unwrap();
    process.wait().unwrap();
    assert!(
        acknowledged.len() >= 100,
        "the child wrote too little to test: {}",
        acknowledged.len()
    );

    let store = Store::open(&path).unwrap();
    let stored = store.read(|r| r.loan_transactions(loan_id.unwrap())).unwrap();
    let mut seen = HashSet::new();
    for t in &stored {
        assert!(
            seen.insert(t.interest_minor),
            "marker {} stored twice",
            t.interest_minor
        );
    }
    let lost: Vec<_> = acknowledged.difference(&seen).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    assert_eq!(store.read(|r| r.unbalanced_entries(5)).unwrap(), []);
    assert_eq!(
        store.read(|r| r.entries_without_lines(5)).unwrap(),
        Vec::<i64>::new()
    );
    assert!(
        store
            .read(|r| r.trial_balance_net())
            .unwrap()
            .iter()
            .all(|(_, net)| *net == 0)
    );
}
