//! Group commit: concurrent writers share commits, every acknowledged job is
//! durable exactly once, a refused or panicking job leaves nothing behind
//! while its batch neighbours commit, and long end-of-day jobs work.

mod common;

use common::*;
use credgrid_core::ledger::{Funds, GlMapping, PostingEvent};
use credgrid_core::{Currency, Money};
use credgrid_store::{NewJournalEntry, Store, StoreError, WriteTx};
use std::sync::mpsc;
use std::sync::{Arc, Barrier};

type R<T> = Result<T, StoreError>;

/// One repayment: a loan transaction and its three-line journal entry.
fn repay(tx: &mut WriteTx<'_>, seed: Seed, loan_id: i64, principal: i64, interest: i64) -> R<i64> {
    repayment(tx, seed, loan_id, loan_id, principal, interest)
}

fn one_loan(store: &Store, seed: Seed) -> i64 {
    store
        .write(move |tx: &mut WriteTx<'_>| -> R<i64> {
            let client = tx.insert_client(&new_client(seed.outlet_a, "Sun Li", "S1"))?;
            tx.insert_loan(&loan_row(&seed, client, seed.outlet_a, 100_000_000))
        })
        .unwrap()
}

#[test]
fn eight_threads_of_two_thousand_writes_are_all_durable_exactly_once() {
    let path = temp_db("eight-threads");
    let store = Store::open(&path).unwrap();
    let seed = seed(&store);
    let loan_id = one_loan(&store, seed);
    let threads = 8_i64;
    let per_thread = 2_000_i64;
    let barrier = Arc::new(Barrier::new(8));
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let (store, barrier) = (store.clone(), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                let mut acknowledged = Vec::new();
                for i in 0..per_thread {
                    // The interest part encodes (thread, i) so each write is identifiable.
                    let marker = t * per_thread + i + 1;
                    let id = store
                        .write(move |tx: &mut WriteTx<'_>| repay(tx, seed, loan_id, 100, marker))
                        .unwrap();
                    acknowledged.push((id, marker));
                }
                acknowledged
            })
        })
        .collect();
    let acknowledged: Vec<(i64, i64)> = handles.into_iter().flat_map(|h| h.join().unwrap()).collect();
    let stats = store.writer_stats();
    assert_eq!(stats.jobs_committed, 2 + 16_000, "seed, loan and every repayment");
    assert!(
        stats.commits < stats.jobs_committed,
        "writes shared commits: {stats:?}"
    );
    assert!(
        stats.syncs >= 1 && stats.syncs <= stats.commits,
        "every answer waited for an fsync of the log, one fsync covering one or more commits: {stats:?}"
    );
    drop(store);

    let store = Store::open(&path).unwrap();
    let stored = store.read(|r| r.loan_transactions(loan_id)).unwrap();
    assert_eq!(stored.len(), 16_000);
    let mut markers: Vec<i64> = stored.iter().map(|t| t.interest_minor).collect();
    markers.sort_unstable();
    assert_eq!(
        markers,
        (1..=16_000).collect::<Vec<_>>(),
        "each write is there exactly once"
    );
    for (id, marker) in acknowledged {
        let row = store.read(|r| r.loan_transaction(id)).unwrap();
        assert_eq!(row.interest_minor, marker);
    }
    assert_eq!(store.read(|r| r.unbalanced_entries(10)).unwrap(), []);
}

/// Holds the writer inside a job until released, so the jobs queued
/// meanwhile are drained into one batch.
fn hold_writer(store: &Store) -> mpsc::Sender<()> {
    let (release, wait) = mpsc::channel::<()>();
    let (started, running) = mpsc::channel::<()>();
    store.write_then(
        move |_tx: &mut WriteTx<'_>| -> R<()> {
            started.send(()).ok();
            wait.recv().ok();
            Ok(())
        },
        |_: R<()>| {},
    );
    running.recv().unwrap();
    release
}

#[test]
fn a_refused_job_leaves_nothing_while_its_batch_neighbours_commit() {
    let db = temp_db("refused");
    let store = Store::open(&db).unwrap();
    let seed = seed(&store);
    let loan_id = one_loan(&store, seed);
    let release = hold_writer(&store);
    let before = store.writer_stats();
    let (answers, results) = mpsc::channel::<(char, R<i64>)>();
    for (name, fail) in [('a', false), ('x', true), ('b', false)] {
        let answers = answers.clone();
        store.write_then(
            move |tx: &mut WriteTx<'_>| -> R<i64> {
                let id = repay(tx, seed, loan_id, 100, if fail { 666 } else { 1 })?;
                if fail {
                    return Err(StoreError::Constraint("refused after writing".into()));
                }
                Ok(id)
            },
            move |r| answers.send((name, r)).unwrap(),
        );
    }
    drop(answers);
    release.send(()).unwrap();
    let mut got: Vec<(char, R<i64>)> = results.iter().collect();
    got.sort_by_key(|(n, _)| *n);
    assert!(
        got[0].1.is_ok() && got[1].1.is_ok() && got[2].1.is_err(),
        "{got:?}"
    );
    let after = store.writer_stats();
    // The holder's batch, then one batch for the three queued jobs.
    assert_eq!(after.commits - before.commits, 2, "{before:?} {after:?}");
    assert_eq!(after.jobs_refused - before.jobs_refused, 1);
    let stored = store.read(|r| r.loan_transactions(loan_id)).unwrap();
    assert_eq!(
        stored.iter().map(|t| t.interest_minor).collect::<Vec<_>>(),
        [1, 1]
    );
    let journal = store.read(|r| r.loan_journal(loan_id)).unwrap();
    assert_eq!(
        journal.len(),
        2,
        "the refused job's journal entry was rolled back too"
    );
}

#[test]
fn a_panicking_job_is_aborted_and_the_writer_carries_on() {
    let db = temp_db("panic");
    let store = Store::open(&db).unwrap();
    let seed = seed(&store);
    let loan_id = one_loan(&store, seed);
    let panicked = store.write(move |tx: &mut WriteTx<'_>| -> R<i64> {
        repay(tx, seed, loan_id, 100, 5)?;
        panic!("a bug in a use case");
    });
    assert!(matches!(panicked, Err(StoreError::JobAborted)));
    let ok = store.write(move |tx: &mut WriteTx<'_>| repay(tx, seed, loan_id, 100, 7));
    assert!(ok.is_ok());
    let stored = store.read(|r| r.loan_transactions(loan_id)).unwrap();
    assert_eq!(stored.iter().map(|t| t.interest_minor).collect::<Vec<_>>(), [7]);
}

#[test]
fn a_write_inside_a_write_is_refused_instead_of_deadlocking() {
    let db = temp_db("nested");
    let store = Store::open(&db).unwrap();
    let inner = store.clone();
    let nested = store.write(move |_tx: &mut WriteTx<'_>| -> R<R<()>> {
        Ok(inner.write(|_tx: &mut WriteTx<'_>| -> R<()> { Ok(()) }))
    });
    assert!(matches!(nested, Ok(Err(StoreError::NestedWrite))));
}

/// The last handle of a store may be dropped by a job (on the writer) or
/// by an answer (on the syncer): the store closes without waiting for the
/// thread that drops it.
#[test]
fn the_last_handle_dropped_on_the_writer_or_the_syncer_closes_the_store() {
    let db = temp_db("last-handle");
    let (sent, received) = std::sync::mpsc::channel();
    {
        let store = Store::open(&db).unwrap();
        let held = store.clone();
        let answered = sent.clone();
        store.write_then(
            move |_tx: &mut WriteTx<'_>| -> R<()> {
                drop(held);
                Ok(())
            },
            move |r: R<()>| answered.send(r.is_ok()).unwrap(),
        );
    }
    assert!(received.recv().unwrap(), "the job's batch committed");
    {
        let store = Store::open(&db).unwrap();
        let held = store.clone();
        store.write_then(
            |_tx: &mut WriteTx<'_>| -> R<()> { Ok(()) },
            move |r: R<()>| {
                drop(held);
                sent.send(r.is_ok()).unwrap();
            },
        );
    }
    assert!(received.recv().unwrap(), "the answer came after its fsync");
}

/// An answer runs on the syncer, once its batch is on disk: a blocking
/// write from it would wait for the syncer itself, so it is refused too.
#[test]
fn a_write_from_an_answer_is_refused_instead_of_deadlocking() {
    let db = temp_db("nested-answer");
    let store = Store::open(&db).unwrap();
    let inner = store.clone();
    let (sent, received) = std::sync::mpsc::channel();
    store.write_then(
        |_tx: &mut WriteTx<'_>| -> R<()> { Ok(()) },
        move |first: R<()>| {
            let nested = inner.write(|_tx: &mut WriteTx<'_>| -> R<()> { Ok(()) });
            sent.send((first, nested)).unwrap();
        },
    );
    let (first, nested) = received.recv().unwrap();
    assert!(first.is_ok());
    assert!(matches!(nested, Err(StoreError::NestedWrite)));
    assert!(store.writer_stats().syncs >= 1, "answered after an fsync");
}

/// The end of day's shape: walk the active book in chunks of 10,000 with
/// the cursor, rewriting each loan inside one write job per chunk.
#[test]
fn long_end_of_day_jobs_walk_the_book_in_chunks() {
    let db = temp_db("eod-chunks");
    let store = Store::open(&db).unwrap();
    let seed = seed(&store);
    let loans = 30_000_u32;
    store
        .write(move |tx: &mut WriteTx<'_>| -> R<()> {
            let client = tx.insert_client(&new_client(seed.outlet_a, "Bulk", "B1"))?;
            for i in 0..loans {
                tx.insert_loan(&loan_row(&seed, client, seed.outlet_a, 100_000 + i64::from(i)))?;
            }
            Ok(())
        })
        .unwrap();
    let mut cursor = 0_i64;
    let mut chunks = 0;
    loop {
        let (done, last) = store
            .write(move |tx: &mut WriteTx<'_>| -> R<(usize, i64)> {
                let chunk = tx.active_loans(cursor, 10_000)?;
                for mut loan in chunk.clone() {
                    loan.interest_accrued_minor += 23;
                    loan.accrued_through = Some(date(2026, 3, 2));
                    tx.update_loan(&loan)?;
                }
                Ok((chunk.len(), chunk.last().map_or(cursor, |l| l.id)))
            })
            .unwrap();
        if done == 0 {
            break;
        }
        chunks += 1;
        cursor = last;
    }
    assert_eq!(chunks, 3);
    let totals = store.read(|r| r.loan_totals(None)).unwrap();
    assert_eq!(totals[0].loans, i64::from(loans));
    assert_eq!(totals[0].interest_accrued_minor, 23 * i64::from(loans));
}

#[test]
fn each_posting_rule_is_stored_and_read_back_as_the_same_entry() {
    let db = temp_db("roundtrip");
    let store = Store::open(&db).unwrap();
    let seed = seed(&store);
    let mapping = GlMapping::default();
    let amount = Money::from_minor(12_345, Currency::CNY);
    let entries: Vec<_> = PostingEvent::ALL
        .into_iter()
        .filter_map(|e| {
            mapping
                .post(e, amount, Funds::Settlement)
                .ok()
                .map(|entry| (e, entry))
        })
        .collect();
    assert_eq!(entries.len(), 11);
    let originals = entries.clone();
    let ids = store
        .write(move |tx: &mut WriteTx<'_>| -> R<Vec<i64>> {
            let mut ids = Vec::new();
            for (event, entry) in &entries {
                let meta = NewJournalEntry {
                    business_date: date(2026, 3, 2),
                    event: event.code().into(),
                    loan_id: None,
                    outlet_id: seed.outlet_b,
                    product_id: None,
                    description: String::new(),
                    reverses_id: None,
                };
                ids.push(tx.insert_journal_entry(&meta, entry)?);
            }
            Ok(ids)
        })
        .unwrap();
    for (id, (event, entry)) in ids.into_iter().zip(originals) {
        let row = store.read(|r| r.journal_entry(id)).unwrap();
        assert_eq!(row.event, event.code());
        assert_eq!(row.to_core(|_| 2).unwrap(), entry);
    }
}

/// A job alone in its batch runs without a savepoint (the end of day's big
/// chunks): when it is refused after writing, the whole transaction is
/// rolled back, so nothing of it stays, and the writer carries on.
#[test]
fn a_refused_job_alone_in_its_batch_leaves_nothing() {
    let db = temp_db("refused-solo");
    let store = Store::open(&db).unwrap();
    let seed = seed(&store);
    let loan_id = one_loan(&store, seed);
    let before = store.writer_stats();
    let refused: R<i64> = store.write(move |tx: &mut WriteTx<'_>| -> R<i64> {
        repay(tx, seed, loan_id, 100, 666)?;
        Err(StoreError::Constraint("refused after writing".into()))
    });
    assert!(refused.is_err());
    let after = store.writer_stats();
    assert_eq!(after.jobs_refused - before.jobs_refused, 1);
    assert_eq!(
        after.commits, before.commits,
        "a refused solo job commits nothing"
    );
    assert!(store.read(|r| r.loan_transactions(loan_id)).unwrap().is_empty());
    assert!(store.read(|r| r.loan_journal(loan_id)).unwrap().is_empty());
    let kept: R<i64> = store.write(move |tx: &mut WriteTx<'_>| repay(tx, seed, loan_id, 100, 1));
    assert!(kept.is_ok(), "the writer goes on after the rollback");
}

/// A write job as the tests hand it to the store.
type TestJob = Box<dyn FnOnce(&mut WriteTx<'_>) -> R<i64> + Send>;

/// What a batch of three left: the answers by name, the interest of every
/// stored transaction, and the writer's counters over the batch.
type BatchOutcome = (Vec<(char, R<i64>)>, Vec<i64>, credgrid_store::WriterStats);

/// Runs three jobs in one batch: `a` and `b` write and succeed, the middle
/// one (`x`) is built by `middle`. Returns the answers by name and the
/// interest of every stored transaction of the loan.
fn batch_of_three(
    middle: impl FnOnce(&mut WriteTx<'_>, Seed, i64) -> R<i64> + Send + 'static,
) -> BatchOutcome {
    let db = temp_db("final-writes");
    let store = Store::open(&db).unwrap();
    let seed = seed(&store);
    let loan_id = one_loan(&store, seed);
    let release = hold_writer(&store);
    let before = store.writer_stats();
    let (answers, results) = mpsc::channel::<(char, R<i64>)>();
    let mut middle = Some(middle);
    for name in ['a', 'x', 'b'] {
        let answers = answers.clone();
        let job: TestJob = match name {
            'x' => {
                let middle = middle.take().unwrap();
                Box::new(move |tx: &mut WriteTx<'_>| middle(tx, seed, loan_id))
            }
            _ => Box::new(move |tx: &mut WriteTx<'_>| {
                tx.final_writes();
                repay(tx, seed, loan_id, 100, 1)
            }),
        };
        store.write_then(job, move |r| answers.send((name, r)).unwrap());
    }
    drop(answers);
    release.send(()).unwrap();
    let mut got: Vec<(char, R<i64>)> = results.iter().collect();
    got.sort_by_key(|(n, _)| *n);
    let after = store.writer_stats();
    let stats = credgrid_store::WriterStats {
        commits: after.commits - before.commits,
        jobs_committed: after.jobs_committed - before.jobs_committed,
        jobs_refused: after.jobs_refused - before.jobs_refused,
        batches_failed: after.batches_failed - before.batches_failed,
        syncs: after.syncs - before.syncs,
        ..after
    };
    let stored = store.read(|r| r.loan_transactions(loan_id)).unwrap();
    (got, stored.iter().map(|t| t.interest_minor).collect(), stats)
}

/// The repayment hot path declares its writes final and runs without a
/// savepoint; a job refused *before* writing (a bad amount, an unknown
/// loan) is answered alone while its neighbours commit.
#[test]
fn a_job_refused_before_its_final_writes_leaves_its_neighbours_committed() {
    let (got, stored, stats) = batch_of_three(|tx, _, _| {
        tx.final_writes();
        Err(StoreError::Constraint("refused before writing".into()))
    });
    assert!(got[0].1.is_ok() && got[1].1.is_ok(), "{got:?}");
    assert!(matches!(got[2].1, Err(StoreError::Constraint(_))), "{got:?}");
    assert_eq!(stored, [1, 1]);
    assert_eq!((stats.jobs_refused, stats.batches_failed), (1, 0), "{stats:?}");
}

/// Should a job without a savepoint be refused after writing all the same,
/// nothing of its batch is committed and every job of it gets an error: no
/// caller is told a write succeeded that is not durable, and nothing
/// half-done stays.
#[test]
fn a_job_refused_after_its_final_writes_fails_its_whole_batch() {
    let (got, stored, stats) = batch_of_three(|tx, seed, loan_id| {
        tx.final_writes();
        repay(tx, seed, loan_id, 100, 666)?;
        Err(StoreError::Constraint("refused after writing".into()))
    });
    assert!(got.iter().all(|(_, r)| r.is_err()), "{got:?}");
    assert_eq!(stored, Vec::<i64>::new());
    // Only the job that held the writer (a batch of its own) committed.
    assert_eq!((stats.batches_failed, stats.jobs_committed), (1, 1), "{stats:?}");
}

/// Without `final_writes`, the savepoint opens at the first write: a job
/// refused after writing rolls back alone, as before.
#[test]
fn a_job_that_keeps_its_savepoint_rolls_back_alone() {
    let (got, stored, stats) = batch_of_three(|tx, seed, loan_id| {
        repay(tx, seed, loan_id, 100, 666)?;
        Err(StoreError::Constraint("refused after writing".into()))
    });
    assert!(
        got[0].1.is_ok() && got[1].1.is_ok() && got[2].1.is_err(),
        "{got:?}"
    );
    assert_eq!(stored, [1, 1]);
    assert_eq!((stats.jobs_refused, stats.batches_failed), (1, 0), "{stats:?}");
}

#[test]
#[cfg(target_os = "linux")]
fn the_checkpointer_copies_the_log_back_in_paced_groups() {
    let path = temp_db("paced-checkpoints");
    let store = Store::open(&path).unwrap();
    let seed = seed(&store);
    let loan_id = one_loan(&store, seed);
    let before = credgrid_vfs::paced_writebacks();
    // Enough pages for several groups of `credgrid_vfs::PACE_PAGES`.
    for round in 0..40_i64 {
        store
            .write(move |tx: &mut WriteTx<'_>| -> R<()> {
                for i in 0..100 {
                    repay(tx, seed, loan_id, 100, round * 100 + i + 1)?;
                }
                Ok(())
            })
            .unwrap();
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while credgrid_vfs::paced_writebacks() == before && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(
        credgrid_vfs::paced_writebacks() > before,
        "the checkpointer's connection writes the database file through the pacing shim"
    );
    drop(store);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.read(|r| r.loan_transactions(loan_id)).unwrap().len(), 4_000);
}
