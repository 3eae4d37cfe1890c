//! A loan's journal: its repayment entries are found through its
//! transactions (the loan index leaves them out, migration 018), its other
//! entries through the index; together, in the order they were written.
//! The check query names any repayment entry no transaction of its loan
//! refers to.

mod common;

use common::*;
use credgrid_core::ledger::{Funds, GlMapping, PostingEvent};
use credgrid_core::{Currency, Money};
use credgrid_store::{NewJournalEntry, Store, StoreError, WriteTx};

type R<T> = Result<T, StoreError>;

fn cny(minor: i64) -> Money {
    Money::from_minor(minor, Currency::CNY)
}

/// A journal entry of `loan_id` for `event`, without a transaction.
fn entry(tx: &mut WriteTx<'_>, seed: Seed, loan_id: i64, event: &str) -> R<i64> {
    let lines = GlMapping::default()
        .post(PostingEvent::Disbursement, cny(1_000), Funds::Cash)
        .expect("balanced");
    let meta = NewJournalEntry {
        business_date: date(2026, 4, 2),
        event: event.into(),
        loan_id: Some(loan_id),
        outlet_id: seed.outlet_a,
        product_id: Some(seed.product),
        description: String::new(),
        reverses_id: None,
    };
    tx.insert_journal_entry(&meta, &lines)
}

/// A repayment entry of `entry_loan` with a transaction of
/// `transaction_loan`; returns the entry's id.
fn repayment_entry(tx: &mut WriteTx<'_>, seed: Seed, entry_loan: i64, transaction_loan: i64) -> R<i64> {
    let transaction = repayment(tx, seed, entry_loan, transaction_loan, 100, 10)?;
    Ok(tx
        .loan_transaction(transaction)?
        .journal_entry_id
        .expect("linked"))
}

#[test]
fn a_loans_journal_holds_its_repayments_and_its_other_entries_in_order() {
    let db = temp_db("loan-journal");
    let store = Store::open(&db).unwrap();
    let seed = seed(&store);
    let (a, b) = store
        .write(move |tx: &mut WriteTx<'_>| -> R<(i64, i64)> {
            let client = tx.insert_client(&new_client(seed.outlet_a, "Sun Li", "S1"))?;
            let a = tx.insert_loan(&loan_row(&seed, client, seed.outlet_a, 100_000))?;
            let b = tx.insert_loan(&loan_row(&seed, client, seed.outlet_a, 200_000))?;
            Ok((a, b))
        })
        .unwrap();
    let (expected_a, expected_b, stray) = store
        .write(move |tx: &mut WriteTx<'_>| -> R<(Vec<i64>, Vec<i64>, i64)> {
            let a1 = entry(tx, seed, a, "disbursement")?;
            let b1 = entry(tx, seed, b, "disbursement")?;
            let a2 = repayment_entry(tx, seed, a, a)?;
            let b2 = repayment_entry(tx, seed, b, b)?;
            let a3 = entry(tx, seed, a, "fee_charge")?;
            // A repayment entry of loan a whose transaction belongs to loan b:
            // neither loan's journal shows it, and the check names it.
            let stray = repayment_entry(tx, seed, a, b)?;
            let a4 = repayment_entry(tx, seed, a, a)?;
            Ok((vec![a1, a2, a3, a4], vec![b1, b2], stray))
        })
        .unwrap();
    let ids = |loan| -> Vec<i64> {
        store
            .read(|r| r.loan_journal(loan))
            .unwrap()
            .iter()
            .map(|e| e.id)
            .collect()
    };
    assert_eq!(ids(a), expected_a);
    assert_eq!(ids(b), expected_b);
    let journal = store.read(|r| r.loan_journal(a)).unwrap();
    assert!(
        journal.iter().all(|e| !e.lines.is_empty()),
        "each entry comes with its lines"
    );
    assert_eq!(
        store.read(|r| r.unlinked_repayment_entries(10)).unwrap(),
        [(stray, a)]
    );
}
