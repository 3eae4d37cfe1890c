//! The schema's promises: migrations apply once and are never silently
//! edited, the journal is append-only in the database itself, two active
//! clients never share an identity document, loans change only from the
//! version they were read at, and the end of day's detail cannot be posted twice.

mod common;

use common::*;
use credgrid_core::Currency;
use credgrid_core::Money;
use credgrid_core::ledger::{Funds, GlMapping, PostingEvent};
use credgrid_store::{
    AccrualDetailRow, IdempotencyRow, LoanTransactionRow, NewJournalEntry, Store, StoreError, WriteTx,
};
use rusqlite::Connection;

type R<T> = Result<T, StoreError>;

#[test]
fn migrations_apply_once_and_reopen_is_idempotent() {
    let path = temp_db("migrate");
    let store = Store::open(&path).unwrap();
    let seed = seed(&store);
    drop(store);
    let store = Store::open(&path).unwrap();
    // The data survived and the chart was not seeded twice.
    let (node, accounts) = store
        .read(|r| -> R<_> { Ok((r.org_node(seed.outlet_a)?, r.accounts()?)) })
        .unwrap();
    assert_eq!(node.code, "O01");
    assert_eq!(
        accounts.len(),
        credgrid_core::ledger::default_chart().accounts().len()
    );
    drop(store);
    let raw = Connection::open(&path).unwrap();
    let applied: i64 = raw
        .query_row("SELECT COUNT(*) FROM schema_migrations", [], |r| r.get(0))
        .unwrap();
    // One row per migration file: every file is registered, none applied twice.
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .unwrap()
        .filter(|f| f.as_ref().unwrap().path().extension().is_some_and(|e| e == "sql"))
        .count();
    assert_eq!(usize::try_from(applied).unwrap(), files);
    let mode: String = raw.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn an_edited_migration_is_refused_at_open() {
    let path = temp_db("edited");
    drop(Store::open(&path).unwrap());
    let raw = Connection::open(&path).unwrap();
    raw.execute(
        "UPDATE schema_migrations SET checksum = checksum + 1 WHERE version = 1",
        [],
    )
    .unwrap();
    drop(raw);
    assert!(matches!(
        Store::open(&path),
        Err(StoreError::MigrationEdited { version: 1 })
    ));
}

fn post_one(store: &Store, seed: Seed) -> i64 {
    let entry = GlMapping::default()
        .post(
            PostingEvent::Disbursement,
            Money::from_minor(500_000, Currency::CNY),
            Funds::Cash,
        )
        .unwrap();
    store
        .write(move |tx: &mut WriteTx<'_>| {
            let meta = NewJournalEntry {
                business_date: date(2026, 3, 2),
                event: "disbursement".into(),
                loan_id: None,
                outlet_id: seed.outlet_a,
                product_id: Some(seed.product),
                description: "test".into(),
                reverses_id: None,
            };
            tx.insert_journal_entry(&meta, &entry)
        })
        .unwrap()
}

#[test]
fn the_journal_refuses_update_and_delete_in_the_database() {
    let path = temp_db("append-only");
    let store = Store::open(&path).unwrap();
    let seed = seed(&store);
    let entry_id = post_one(&store, seed);
    drop(store);
    let raw = Connection::open(&path).unwrap();
    let statements = [
        format!("UPDATE journal_entry SET description = 'edited' WHERE id = {entry_id}"),
        format!("DELETE FROM journal_entry WHERE id = {entry_id}"),
        format!("UPDATE journal_line SET debit_minor = 1 WHERE entry_id = {entry_id} AND line_no = 1"),
        format!("DELETE FROM journal_line WHERE entry_id = {entry_id}"),
    ];
    for sql in &statements {
        let error = raw.execute(sql, []).unwrap_err().to_string();
        assert!(error.contains("append-only"), "{sql}: {error}");
    }
    let lines: i64 = raw
        .query_row("SELECT COUNT(*) FROM journal_line", [], |r| r.get(0))
        .unwrap();
    assert_eq!(lines, 2);
}

#[test]
fn a_loan_transaction_is_reversed_once_and_never_edited() {
    let db = temp_db("reversal");
    let store = Store::open(&db).unwrap();
    let seed = seed(&store);
    let outcome = store
        .write(move |tx: &mut WriteTx<'_>| -> R<_> {
            let client = tx.insert_client(&new_client(seed.outlet_a, "Li Wei", "11010519491231002X"))?;
            let loan_id = tx.insert_loan(&loan_row(&seed, client, seed.outlet_a, 1_000_000))?;
            let row = LoanTransactionRow {
                id: 0,
                loan_id,
                kind: "repayment".into(),
                business_date: date(2026, 4, 2),
                value_date: date(2026, 4, 2),
                amount_minor: 90_000,
                principal_minor: 80_000,
                interest_minor: 10_000,
                penalty_minor: 0,
                fee_minor: 0,
                reversed_by_id: None,
                reverses_id: None,
                user_id: seed.user,
                journal_entry_id: None,
                created_at: String::new(),
            };
            let original = tx.insert_loan_transaction(&row)?;
            let reversal = tx.insert_loan_transaction(&LoanTransactionRow {
                kind: "reversal".into(),
                reverses_id: Some(original),
                ..row
            })?;
            tx.set_transaction_reversed(original, reversal)?;
            let again = tx.set_transaction_reversed(original, reversal);
            Ok((original, reversal, again))
        })
        .unwrap();
    let (original, reversal, again) = outcome;
    assert!(matches!(again, Err(StoreError::AlreadyReversed { id }) if id == original));
    let stored = store.read(|r| r.loan_transaction(original)).unwrap();
    assert_eq!(stored.reversed_by_id, Some(reversal));
    let path = store.path().to_path_buf();
    drop(store);
    let raw = Connection::open(path).unwrap();
    let edit = raw.execute(
        &format!("UPDATE loan_transaction SET amount_minor = 1 WHERE id = {original}"),
        [],
    );
    assert!(edit.unwrap_err().to_string().contains("append-only"));
    let delete = raw.execute(&format!("DELETE FROM loan_transaction WHERE id = {reversal}"), []);
    assert!(delete.unwrap_err().to_string().contains("append-only"));
}

#[test]
fn two_active_clients_never_share_an_identity() {
    let db = temp_db("identity");
    let store = Store::open(&db).unwrap();
    let seed = seed(&store);
    let first = store
        .write(move |tx: &mut WriteTx<'_>| {
            tx.insert_client(&new_client(seed.outlet_a, "Li Wei", "440524198001010013"))
        })
        .unwrap();
    let second = store.write(move |tx: &mut WriteTx<'_>| {
        tx.insert_client(&new_client(seed.outlet_b, "Li W.", "440524198001010013"))
    });
    match second {
        Err(StoreError::DuplicateIdentity {
            id_country,
            id_number,
            existing_client_id,
        }) => {
            assert_eq!(
                (id_country.as_str(), id_number.as_str(), existing_client_id),
                ("CN", "440524198001010013", first)
            );
        }
        other => panic!("expected DuplicateIdentity, got {other:?}"),
    }
    // A closed client's document may be registered again (a re-opened relationship).
    let again = store
        .write(move |tx: &mut WriteTx<'_>| -> R<i64> {
            tx.set_client_status(first, "closed")?;
            tx.insert_client(&new_client(seed.outlet_b, "Li Wei", "440524198001010013"))
        })
        .unwrap();
    assert!(again > first);
    // And re-activating the closed one would make two: refused precisely.
    let reactivate = store.write(move |tx: &mut WriteTx<'_>| tx.set_client_status(first, "active"));
    assert!(
        matches!(reactivate, Err(StoreError::DuplicateIdentity { existing_client_id, .. }) if existing_client_id == again)
    );
}

#[test]
fn clients_page_by_id_and_search_by_prefix() {
    let db = temp_db("clients");
    let store = Store::open(&db).unwrap();
    let seed = seed(&store);
    let names = ["Wang Fang", "Li Na", "Wang Lei", "Zhang Wei", "wang_x"];
    store
        .write(move |tx: &mut WriteTx<'_>| -> R<()> {
            for (i, name) in names.iter().enumerate() {
                tx.insert_client(&new_client(seed.outlet_a, name, &format!("P{i:04}")))?;
            }
            Ok(())
        })
        .unwrap();
    let first = store.read(|r| r.clients(0, 2, None)).unwrap();
    let second = store.read(|r| r.clients(first[1].id, 2, None)).unwrap();
    let third = store.read(|r| r.clients(second[1].id, 2, None)).unwrap();
    let all: Vec<&str> = first
        .iter()
        .chain(&second)
        .chain(&third)
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(all, names);
    let wang: Vec<String> = store
        .read(|r| r.clients(0, 10, Some("wang")))
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(wang, ["Wang Fang", "Wang Lei", "wang_x"]);
    // LIKE wildcards in the search are literal characters.
    let literal = store.read(|r| r.clients(0, 10, Some("wang_"))).unwrap();
    assert_eq!(literal.len(), 1);
    let by_id = store.read(|r| r.clients(0, 10, Some("p0003"))).unwrap();
    assert_eq!(by_id[0].name, "Zhang Wei");
}

#[test]
fn the_org_tree_answers_descendant_outlets() {
    let db = temp_db("tree");
    let store = Store::open(&db).unwrap();
    let seed = seed(&store);
    let outlets = |node| {
        store
            .read(|r| r.descendant_outlets(node))
            .unwrap()
            .into_iter()
            .map(|n| n.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(outlets(seed.root), [seed.outlet_a, seed.outlet_b]);
    assert_eq!(outlets(seed.branch), [seed.outlet_a]);
    assert_eq!(outlets(seed.outlet_b), [seed.outlet_b]);
    let dup = store.write(|tx: &mut WriteTx<'_>| tx.insert_org_node(None, "institution", "RCC", "Again"));
    assert!(matches!(
        dup,
        Err(StoreError::DuplicateCode {
            table: "org_node",
            ..
        })
    ));
}

#[test]
fn a_loan_updates_only_from_the_version_it_was_read_at() {
    let db = temp_db("version");
    let store = Store::open(&db).unwrap();
    let seed = seed(&store);
    let loan_id = store
        .write(move |tx: &mut WriteTx<'_>| -> R<i64> {
            let client = tx.insert_client(&new_client(seed.outlet_a, "Chen Jie", "C1"))?;
            tx.insert_loan(&loan_row(&seed, client, seed.outlet_a, 2_000_000))
        })
        .unwrap();
    let read = store.read(|r| r.loan(loan_id)).unwrap();
    assert_eq!(
        (read.version, read.annual_rate, read.position.as_deref()),
        (0, rust_decimal::Decimal::new(865, 4), Some(&[1_u8, 2, 3][..]))
    );
    let mut paid = read.clone();
    paid.principal_outstanding_minor -= 150_000;
    let version = store
        .write(move |tx: &mut WriteTx<'_>| tx.update_loan(&paid))
        .unwrap();
    assert_eq!(version, 1);
    let mut stale = read;
    stale.days_past_due = 9;
    let conflict = store.write(move |tx: &mut WriteTx<'_>| tx.update_loan(&stale));
    assert!(matches!(
        conflict,
        Err(StoreError::VersionConflict {
            expected_version: 0,
            ..
        })
    ));
    let now = store.read(|r| r.loan(loan_id)).unwrap();
    assert_eq!(
        (now.principal_outstanding_minor, now.days_past_due, now.version),
        (1_850_000, 0, 1)
    );
}

#[test]
fn a_days_detail_is_recorded_once_and_the_run_resumes_from_its_cursor() {
    let db = temp_db("eod");
    let store = Store::open(&db).unwrap();
    let seed = seed(&store);
    let day = date(2026, 3, 2);
    let (first, second, run) = store
        .write(move |tx: &mut WriteTx<'_>| -> R<_> {
            let client = tx.insert_client(&new_client(seed.outlet_a, "Zhao Min", "Z1"))?;
            let loan_id = tx.insert_loan(&loan_row(&seed, client, seed.outlet_a, 1_000_000))?;
            tx.start_eod_run(day)?;
            let detail = AccrualDetailRow {
                business_date: day,
                loan_id,
                interest_minor: 237,
                penalty_minor: 0,
                days_past_due: 0,
                class: 1,
                provision_minor: 10_000,
            };
            let first = tx.insert_accrual_detail(&detail)?;
            let second = tx.insert_accrual_detail(&AccrualDetailRow {
                interest_minor: 999,
                ..detail
            })?;
            tx.advance_eod_run(day, 1, loan_id)?;
            // A restarted run gets the same row back, cursor included.
            Ok((first, second, tx.start_eod_run(day)?))
        })
        .unwrap();
    assert!(first && !second);
    assert_eq!((run.status.as_str(), run.loans_processed), ("running", 1));
    let details = store.read(|r| r.accrual_details(day, 0, 10)).unwrap();
    assert_eq!(
        details.iter().map(|d| d.interest_minor).collect::<Vec<_>>(),
        [237]
    );
    store
        .write(move |tx: &mut WriteTx<'_>| tx.finish_eod_run(day, "{}"))
        .unwrap();
    let twice = store.write(move |tx: &mut WriteTx<'_>| tx.finish_eod_run(day, "{}"));
    assert!(matches!(twice, Err(StoreError::Constraint(_))));
    assert_eq!(store.read(|r| r.last_closed_date()).unwrap(), Some(day));
    assert_eq!(store.read(|r| r.business_date()).unwrap(), Some(day));
}

#[test]
fn an_idempotency_key_is_stored_once_per_scope() {
    let db = temp_db("idem");
    let store = Store::open(&db).unwrap();
    let row = IdempotencyRow {
        scope: "user:1".into(),
        key: "k-1".into(),
        request_hash: "abc".into(),
        status_code: 201,
        response_body: "{\"id\":7}".into(),
        created_at: String::new(),
    };
    let put = row.clone();
    store
        .write(move |tx: &mut WriteTx<'_>| tx.put_idempotency(&put))
        .unwrap();
    let again = row.clone();
    let duplicate = store.write(move |tx: &mut WriteTx<'_>| tx.put_idempotency(&again));
    assert!(matches!(
        duplicate,
        Err(StoreError::DuplicateIdempotencyKey { .. })
    ));
    let other_scope = IdempotencyRow {
        scope: "user:2".into(),
        ..row.clone()
    };
    store
        .write(move |tx: &mut WriteTx<'_>| tx.put_idempotency(&other_scope))
        .unwrap();
    let found = store.read(|r| r.idempotency("user:1", "k-1")).unwrap().unwrap();
    assert_eq!(
        (found.status_code, found.response_body.as_str()),
        (201, "{\"id\":7}")
    );
    assert_eq!(store.read(|r| r.idempotency("user:3", "k-1")).unwrap(), None);
}
