//! `update_loan` writes the indexed columns (status, days past due,
//! disbursement date) by a separate statement only when they change: every
//! column must still read back as written, and the indexes must follow.

mod common;

use common::*;
use credgrid_store::{Store, StoreError, WriteTx};

type R<T> = Result<T, StoreError>;

#[test]
fn every_column_of_an_updated_loan_reads_back_and_the_status_index_follows() {
    let path = temp_db("loan-update");
    let store = Store::open(&path).unwrap();
    let seed = seed(&store);
    let loan_id = store
        .write(move |tx: &mut WriteTx<'_>| -> R<i64> {
            let client = tx.insert_client(&new_client(seed.outlet_a, "Wang Fang", "W1"))?;
            tx.insert_loan(&loan_row(&seed, client, seed.outlet_a, 3_000_000))
        })
        .unwrap();
    let mut loan = store.read(|r| r.loan(loan_id)).unwrap();
    // A repayment: balances change, the indexed columns do not.
    loan.principal_outstanding_minor -= 100_000;
    loan.summary = Some(vec![9, 9]);
    let written = loan.clone();
    loan.version = store
        .write(move |tx: &mut WriteTx<'_>| tx.update_loan(&written))
        .unwrap();
    let read = store.read(|r| r.loan(loan_id)).unwrap();
    assert_eq!(read, loan);
    // Disbursed, then overdue, then closed: each change of an indexed column is kept.
    for (status, days_past_due, disbursed_on) in [
        ("disbursed", 0, Some(date(2026, 3, 2))),
        ("disbursed", 12, Some(date(2026, 3, 2))),
        ("closed", 0, Some(date(2026, 3, 2))),
    ] {
        loan.status = status.to_string();
        loan.days_past_due = days_past_due;
        loan.disbursed_on = disbursed_on;
        let written = loan.clone();
        loan.version = store
            .write(move |tx: &mut WriteTx<'_>| tx.update_loan(&written))
            .unwrap();
        assert_eq!(
            store.read(|r| r.loan(loan_id)).unwrap(),
            loan,
            "{status} {days_past_due}"
        );
        let listed = store.read(|r| r.loans(0, 10, Some(status), None)).unwrap();
        assert_eq!(
            listed.iter().map(|l| l.id).collect::<Vec<_>>(),
            [loan_id],
            "{status}"
        );
    }
    assert!(
        store
            .read(|r| r.loans(0, 10, Some("disbursed"), None))
            .unwrap()
            .is_empty()
    );
    // Every index agrees with its table.
    let conn = rusqlite::Connection::open(&path).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
}
