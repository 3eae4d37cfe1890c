//! The trial balance in SQL: after any sequence of balanced postings (and
//! reversals) it nets to zero per currency, for the whole institution and
//! for every node's subtree, and each entry balances on its own.

mod common;

use common::*;
use credgrid_core::ledger::{Funds, GlMapping, JournalEntry, PostingEvent, WriteOffParts};
use credgrid_core::{Currency, Money};
use credgrid_store::{NewJournalEntry, Store, StoreError, TrialBalanceRow, WriteTx};
use proptest::prelude::*;

type R<T> = Result<T, StoreError>;

fn net(rows: &[TrialBalanceRow], currency: &str) -> i64 {
    rows.iter()
        .filter(|r| r.currency == currency)
        .map(|r| r.debit_minor - r.credit_minor)
        .sum()
}

fn entry_for(event: usize, minor: i64, usd: bool) -> Option<JournalEntry> {
    let currency = if usd { Currency::USD } else { Currency::CNY };
    let amount = Money::from_minor(minor, currency);
    let mapping = GlMapping::default();
    if PostingEvent::ALL[event] == PostingEvent::WriteOff {
        let parts = WriteOffParts {
            principal: amount,
            interest_receivable: Money::from_minor(minor / 10, currency),
            penalty_receivable: Money::zero(currency),
            fee_receivable: Money::zero(currency),
            provision_available: Money::from_minor(minor / 2, currency),
        };
        return mapping.write_off(parts).ok();
    }
    mapping.post(PostingEvent::ALL[event], amount, Funds::Cash).ok()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn trial_balance_nets_to_zero_after_random_postings(
        postings in proptest::collection::vec((0..12_usize, 1..5_000_000_i64, any::<bool>(), any::<bool>(), 0..3_u8, any::<bool>()), 1..40)
    ) {
        let db = temp_db("tb");
        let store = Store::open(&db).unwrap();
        let seed = seed(&store);
        store.write(move |tx: &mut WriteTx<'_>| -> R<()> {
            let outlets = [seed.outlet_a, seed.outlet_b, seed.outlet_a];
            let mut last: Option<(i64, JournalEntry)> = None;
            for (event, minor, usd, reverse, outlet, later) in postings {
                let Some(entry) = entry_for(event, minor, usd) else { continue };
                let business_date = if later { date(2026, 3, 3) } else { date(2026, 3, 2) };
                let meta = NewJournalEntry {
                    business_date, event: PostingEvent::ALL[event].code().into(), loan_id: None,
                    outlet_id: outlets[usize::from(outlet)], product_id: None, description: String::new(), reverses_id: None,
                };
                let id = tx.insert_journal_entry(&meta, &entry)?;
                if let (true, Some((prev_id, prev))) = (reverse, &last) {
                    let meta = NewJournalEntry { event: "reversal".into(), reverses_id: Some(*prev_id), ..meta };
                    tx.insert_journal_entry(&meta, &prev.reversal())?;
                }
                last = Some((id, entry));
            }
            Ok(())
        }).unwrap();
        for node in [None, Some(seed.root), Some(seed.branch), Some(seed.outlet_b)] {
            for as_of in [date(2026, 3, 2), date(2026, 3, 3)] {
                let rows = store.read(|r| r.trial_balance(as_of, node)).unwrap();
                prop_assert_eq!(net(&rows, "CNY"), 0);
                prop_assert_eq!(net(&rows, "USD"), 0);
                // The per-day rollup agrees with the journal lines themselves.
                let raw = store.read(|r| r.trial_balance_from_journal(as_of, node)).unwrap();
                prop_assert_eq!(rows, raw);
            }
        }
        prop_assert_eq!(store.read(|r| r.unbalanced_entries(5)).unwrap(), vec![]);
        prop_assert_eq!(store.read(|r| r.gl_rollup_mismatches(5)).unwrap(), Vec::<String>::new());
        prop_assert_eq!(store.read(|r| r.entries_without_lines(5)).unwrap(), Vec::<i64>::new());
        prop_assert!(store.read(|r| r.trial_balance_net()).unwrap().iter().all(|(_, n)| *n == 0));
    }
}

#[test]
fn the_trial_balance_covers_a_nodes_subtree_up_to_a_date() {
    let db = temp_db("tb-node");
    let store = Store::open(&db).unwrap();
    let seed = seed(&store);
    let cny = |m| Money::from_minor(m, Currency::CNY);
    let mapping = GlMapping::default();
    let disburse = |m| {
        mapping
            .post(PostingEvent::Disbursement, cny(m), Funds::Cash)
            .unwrap()
    };
    // Outlet A (under the branch) lends 1,000.00 on the 2nd and 300.00 on
    // the 3rd; outlet B (under the root) lends 50.00 on the 2nd.
    let postings = [
        (seed.outlet_a, 2, disburse(100_000)),
        (seed.outlet_a, 3, disburse(30_000)),
        (seed.outlet_b, 2, disburse(5_000)),
    ];
    store
        .write(move |tx: &mut WriteTx<'_>| -> R<()> {
            for (outlet_id, day, entry) in &postings {
                let meta = NewJournalEntry {
                    business_date: date(2026, 3, *day),
                    event: "disbursement".into(),
                    loan_id: None,
                    outlet_id: *outlet_id,
                    product_id: None,
                    description: String::new(),
                    reverses_id: None,
                };
                tx.insert_journal_entry(&meta, entry)?;
            }
            Ok(())
        })
        .unwrap();
    let loans = |as_of, node| {
        let rows = store.read(|r| r.trial_balance(as_of, node)).unwrap();
        let row = rows.into_iter().find(|r| r.account_code == "1301").unwrap();
        (row.debit_minor, row.balance_minor().unwrap())
    };
    assert_eq!(loans(date(2026, 3, 2), None), (105_000, 105_000));
    assert_eq!(loans(date(2026, 3, 3), None), (135_000, 135_000));
    assert_eq!(loans(date(2026, 3, 3), Some(seed.branch)), (130_000, 130_000));
    assert_eq!(loans(date(2026, 3, 2), Some(seed.outlet_b)), (5_000, 5_000));
    let cash = store
        .read(|r| r.trial_balance(date(2026, 3, 3), Some(seed.root)))
        .unwrap();
    let cash = cash.into_iter().find(|r| r.account_code == "1001").unwrap();
    assert_eq!(
        (cash.credit_minor, cash.balance_minor().unwrap()),
        (135_000, -135_000)
    );
}
