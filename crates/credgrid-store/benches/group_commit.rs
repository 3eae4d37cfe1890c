//! Group-commit benchmark: N threads each doing tiny durable write jobs (one
//! loan transaction + one three-line journal entry, `synchronous=FULL`),
//! then a pipelined submitter (`write_then`) as an async server would use.
//! Prints jobs/second and commits/second (fsyncs) for each configuration.
//!
//! Run: `cargo bench -p credgrid-store --bench group_commit`

use chrono::NaiveDate;
use credgrid_core::ledger::{Funds, GlMapping, RepaymentParts};
use credgrid_core::{Currency, Money};
use credgrid_store::{
    LoanRow, LoanTransactionRow, NewClientRow, NewJournalEntry, ProductRow, Store, StoreError, WriteTx,
};
use rust_decimal::Decimal;
use std::hint::black_box;
use std::sync::mpsc;
use std::time::{Duration, Instant};

type R<T> = Result<T, StoreError>;

#[derive(Clone, Copy)]
struct Ids {
    outlet: i64,
    user: i64,
    product: i64,
    loan: i64,
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 4, 2).unwrap_or_default()
}

fn setup(store: &Store) -> Ids {
    store
        .write(|tx: &mut WriteTx<'_>| -> R<Ids> {
            let outlet = tx.insert_org_node(None, "outlet", "O1", "Outlet")?;
            let user = tx.insert_app_user(outlet, "bench", "Bench", "")?;
            let product = tx.insert_product(&ProductRow {
                id: 0,
                code: "P".into(),
                name: "P".into(),
                currency: "CNY".into(),
                digits: 2,
                amount_min_minor: 1,
                amount_max_minor: i64::MAX,
                term_min: 1,
                term_max: 360,
                term_default: 12,
                rate_min: Decimal::ZERO,
                rate_max: Decimal::ONE,
                rate_default: Decimal::new(1, 1),
                method: "equal_installments".into(),
                frequency_every: 1,
                frequency_unit: "month".into(),
                interest_period: "daily".into(),
                days_in_year: "365".into(),
                days_in_month: "actual".into(),
                rounding: "half_even".into(),
                installment_multiple_minor: 1,
                grace_principal: 0,
                grace_interest: 0,
                grace_arrears_days: 0,
                penalty_uplift: Decimal::ZERO,
                compound_interest: false,
                allocation_order: "interest,principal".into(),
                fee_flat_minor: 0,
                fee_rate: Decimal::ZERO,
                gl_mapping: GlMapping::default().to_codes(),
                created_on: day(),
                active: true,
            })?;
            let client = tx.insert_client(&NewClientRow {
                outlet_id: outlet,
                kind: "individual".into(),
                name: "C".into(),
                id_country: "CN".into(),
                id_number: "1".into(),
                phone: None,
                address: None,
                created_on: day(),
            })?;
            let loan = tx.insert_loan(&LoanRow {
                id: 0,
                client_id: client,
                product_id: product,
                outlet_id: outlet,
                account_manager_id: user,
                status: "disbursed".into(),
                currency: "CNY".into(),
                principal_minor: 1_000_000_000,
                annual_rate: Decimal::new(1, 1),
                installments: 12,
                first_repayment_on: None,
                purpose: None,
                applied_on: day(),
                approved_on: Some(day()),
                disbursed_on: Some(day()),
                maturity_on: None,
                closed_on: None,
                principal_outstanding_minor: 1_000_000_000,
                interest_accrued_minor: 0,
                interest_overdue_minor: 0,
                principal_overdue_minor: 0,
                penalty_accrued_minor: 0,
                fees_due_minor: 0,
                written_off_minor: 0,
                days_past_due: 0,
                class: 1,
                provision_minor: 0,
                next_due_on: None,
                accrued_through: None,
                version: 0,
                position: None,
                summary: None,
            })?;
            Ok(Ids {
                outlet,
                user,
                product,
                loan,
            })
        })
        .unwrap_or_else(|e| panic!("setup: {e}"))
}

/// The job measured: a repayment's transaction row and its journal entry
/// (one debit, two credits).
fn repayment_job(ids: Ids) -> impl FnOnce(&mut WriteTx<'_>) -> R<i64> + Send + 'static {
    move |tx| {
        let cny = |m| Money::from_minor(m, Currency::CNY);
        let parts = RepaymentParts {
            principal: cny(8_000),
            interest: cny(1_500),
            penalty: cny(0),
            fee: cny(0),
        };
        let entry = GlMapping::default()
            .repayment(parts, Funds::Cash)
            .map_err(|e| StoreError::Constraint(e.to_string()))?;
        let meta = NewJournalEntry {
            business_date: day(),
            event: "repayment".into(),
            loan_id: Some(ids.loan),
            outlet_id: ids.outlet,
            product_id: Some(ids.product),
            description: String::new(),
            reverses_id: None,
        };
        let entry_id = tx.insert_journal_entry(&meta, &entry)?;
        tx.insert_loan_transaction(&LoanTransactionRow {
            id: 0,
            loan_id: ids.loan,
            kind: "repayment".into(),
            business_date: day(),
            value_date: day(),
            amount_minor: 9_500,
            principal_minor: 8_000,
            interest_minor: 1_500,
            penalty_minor: 0,
            fee_minor: 0,
            reversed_by_id: None,
            reverses_id: None,
            user_id: ids.user,
            journal_entry_id: Some(entry_id),
            created_at: String::new(),
        })
    }
}

fn fresh_store(name: &str) -> Store {
    let path = std::env::temp_dir().join(format!("credgrid-bench-{name}-{}.db", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    Store::open(&path).unwrap_or_else(|e| panic!("open: {e}"))
}

fn report(label: &str, store: &Store, before: credgrid_store::WriterStats, elapsed: Duration) {
    let after = store.writer_stats();
    let jobs = after.jobs_committed - before.jobs_committed;
    let commits = after.commits - before.commits;
    let secs = elapsed.as_secs_f64();
    println!(
        "{label:<32} {jobs:>8} jobs {:>10.0} jobs/s {:>8.0} commits/s {:>7.1} jobs/commit",
        jobs as f64 / secs,
        commits as f64 / secs,
        jobs as f64 / commits.max(1) as f64
    );
}

fn blocking_threads(threads: usize, jobs_per_thread: usize) {
    let store = fresh_store(&format!("threads{threads}"));
    let ids = setup(&store);
    let before = store.writer_stats();
    let start = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let store = store.clone();
            std::thread::spawn(move || {
                for _ in 0..jobs_per_thread {
                    black_box(
                        store
                            .write(repayment_job(ids))
                            .unwrap_or_else(|e| panic!("write: {e}")),
                    );
                }
            })
        })
        .collect();
    for handle in handles {
        handle
            .join()
            .unwrap_or_else(|_| panic!("a bench thread panicked"));
    }
    report(
        &format!("blocking write, {threads} threads"),
        &store,
        before,
        start.elapsed(),
    );
}

/// One submitter keeping up to `window` jobs in flight, as an async server
/// with many open connections does.
fn pipelined(window: usize, jobs: usize) {
    let store = fresh_store(&format!("pipelined{window}"));
    let ids = setup(&store);
    let before = store.writer_stats();
    let (done, acks) = mpsc::channel::<R<i64>>();
    let start = Instant::now();
    let mut in_flight = 0;
    for _ in 0..jobs {
        if in_flight == window {
            black_box(
                acks.recv()
                    .unwrap_or_else(|e| panic!("ack: {e}"))
                    .unwrap_or_else(|e| panic!("write: {e}")),
            );
            in_flight -= 1;
        }
        let done = done.clone();
        store.write_then(repayment_job(ids), move |r| {
            let _ = done.send(r);
        });
        in_flight += 1;
    }
    for _ in 0..in_flight {
        black_box(
            acks.recv()
                .unwrap_or_else(|e| panic!("ack: {e}"))
                .unwrap_or_else(|e| panic!("write: {e}")),
        );
    }
    report(
        &format!("write_then, {window} in flight"),
        &store,
        before,
        start.elapsed(),
    );
}

/// The writer's CPU ceiling: `jobs` repayment jobs inside one write job
/// (one transaction, no per-job savepoint, one commit).
fn one_transaction(jobs: usize) {
    let store = fresh_store("one-transaction");
    let ids = setup(&store);
    let start = Instant::now();
    store
        .write(move |tx: &mut WriteTx<'_>| -> R<()> {
            for _ in 0..jobs {
                black_box(repayment_job(ids)(tx)?);
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("write: {e}"));
    let elapsed = start.elapsed();
    println!(
        "{:<32} {jobs:>8} jobs {:>10.0} jobs/s ({:.1} us per job, CPU ceiling of the writer)",
        "one transaction, no savepoints",
        jobs as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1e6 / jobs as f64
    );
}

/// The writer's per-job overhead: jobs that write nothing (savepoint,
/// hand-off and answer only).
fn empty_jobs(jobs: usize) {
    let store = fresh_store("empty");
    let before = store.writer_stats();
    let (done, acks) = mpsc::channel::<R<()>>();
    let start = Instant::now();
    for _ in 0..jobs {
        let done = done.clone();
        store.write_then(
            |_tx: &mut WriteTx<'_>| -> R<()> { Ok(()) },
            move |r| {
                let _ = done.send(r);
            },
        );
    }
    for _ in 0..jobs {
        acks.recv()
            .unwrap_or_else(|e| panic!("ack: {e}"))
            .unwrap_or_else(|e| panic!("write: {e}"));
    }
    report("empty jobs, all in flight", &store, before, start.elapsed());
}

fn main() {
    println!(
        "group commit, synchronous=FULL, WAL; each job = 1 loan_transaction + 1 journal entry of 3 lines"
    );
    one_transaction(100_000);
    empty_jobs(100_000);
    blocking_threads(1, 2_000);
    for threads in [8, 64, 256] {
        blocking_threads(threads, 40_000 / threads);
    }
    for window in [256, 1024] {
        pipelined(window, 100_000);
    }
}
