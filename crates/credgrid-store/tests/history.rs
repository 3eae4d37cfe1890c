//! The portfolio history of a date (`record_portfolio_day`): the active loans
//! summed per outlet, account manager and currency, plus the day's flows —
//! checked against a plain fold of the same loans, for random portfolios;
//! rewriting a date replaces its rows; the series of a branch sums only its
//! outlets.

mod common;

use common::*;
use credgrid_store::{HistoryRow, LoanTransactionRow, Store, StoreError, WriteTx};
use proptest::prelude::*;
use std::collections::BTreeMap;

type R<T> = Result<T, StoreError>;

/// One loan: (outlet b?, second manager?, status index, outstanding, dpd,
/// class 1..=5, provision, disbursed today?, collected today).
type Loan = (bool, bool, usize, i64, u32, u8, i64, bool, i64);

const STATUSES: [&str; 3] = ["disbursed", "disbursed", "closed"];

fn loan() -> impl Strategy<Value = Loan> {
    (
        any::<bool>(),
        any::<bool>(),
        0..3_usize,
        0..5_000_000_i64,
        prop_oneof![3 => Just(0_u32), 1 => 1..400_u32],
        1..=5_u8,
        0..1_000_000_i64,
        any::<bool>(),
        prop_oneof![Just(0_i64), 1..300_000_i64],
    )
}

/// The expected rows: a plain fold over the loans.
fn expected(day: chrono::NaiveDate, keys: &[(i64, i64)], loans: &[Loan]) -> Vec<HistoryRow> {
    let mut sums: BTreeMap<(i64, i64), HistoryRow> = BTreeMap::new();
    for &(b, m2, status, outstanding, dpd, class, provision, disbursed, collected) in loans {
        let (outlet, manager) = keys[usize::from(b) * 2 + usize::from(m2)];
        let active = STATUSES[status] == "disbursed";
        if !active && !disbursed && collected == 0 {
            continue;
        }
        let row = sums.entry((outlet, manager)).or_insert_with(|| HistoryRow {
            business_date: day,
            outlet_id: outlet,
            account_manager_id: manager,
            currency: "CNY".into(),
            ..HistoryRow::default()
        });
        if disbursed {
            row.disbursed_minor += 1_000_000;
        }
        row.collected_minor += collected;
        if !active {
            continue;
        }
        let c = usize::from(class - 1);
        row.loans_active += 1;
        row.principal_outstanding_minor += outstanding;
        row.principal_overdue_minor += outstanding / 10;
        if dpd > 30 {
            row.par30_minor += outstanding;
            row.loans_par30 += 1;
        }
        if dpd > 90 {
            row.par90_minor += outstanding;
        }
        row.by_class_minor[c] += outstanding;
        row.loans_by_class[c] += 1;
        row.provision_minor += provision;
    }
    sums.into_values().collect()
}

fn transaction(
    loan_id: i64,
    kind: &str,
    day: chrono::NaiveDate,
    amount_minor: i64,
    user: i64,
) -> LoanTransactionRow {
    LoanTransactionRow {
        id: 0,
        loan_id,
        kind: kind.into(),
        business_date: day,
        value_date: day,
        amount_minor,
        principal_minor: amount_minor,
        interest_minor: 0,
        penalty_minor: 0,
        fee_minor: 0,
        reversed_by_id: None,
        reverses_id: None,
        user_id: user,
        journal_entry_id: None,
        created_at: String::new(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn a_dates_history_sums_the_active_loans_and_the_days_flows(
        loans in prop::collection::vec(loan(), 1..40)
    ) {
        let db = temp_db("history");
        let store = Store::open(&db).unwrap();
        let seed = seed(&store);
        let day = date(2026, 3, 2);
        let rows = loans.clone();
        let keys = store
            .write(move |tx: &mut WriteTx<'_>| -> R<_> {
                let second = tx.insert_app_user(seed.root, "am2", "Second manager", "account_manager")?;
                let keys = [
                    (seed.outlet_a, seed.user),
                    (seed.outlet_a, second),
                    (seed.outlet_b, seed.user),
                    (seed.outlet_b, second),
                ];
                for (n, &(b, m2, status, outstanding, dpd, class, provision, disbursed, collected))
                    in rows.iter().enumerate()
                {
                    let (outlet, manager) = keys[usize::from(b) * 2 + usize::from(m2)];
                    let client = tx.insert_client(&new_client(outlet, "Li Wei", &format!("H{n}")))?;
                    let mut loan = loan_row(&seed, client, outlet, 1_000_000);
                    loan.account_manager_id = manager;
                    loan.status = STATUSES[status].into();
                    loan.principal_outstanding_minor = outstanding;
                    loan.principal_overdue_minor = outstanding / 10;
                    loan.days_past_due = dpd;
                    loan.class = class;
                    loan.provision_minor = provision;
                    let id = tx.insert_loan(&loan)?;
                    let yesterday = day.pred_opt().unwrap();
                    let disbursed_on = if disbursed { day } else { yesterday };
                    tx.insert_loan_transaction(&transaction(id, "disbursement", disbursed_on, 1_000_000, seed.user))?;
                    if collected > 0 {
                        // Collected twice, one reversed the same day; and once
                        // the day before, which is not this day's flow.
                        tx.insert_loan_transaction(&transaction(id, "repayment", day, collected, seed.user))?;
                        tx.insert_loan_transaction(&transaction(id, "repayment", day, 5, seed.user))?;
                        tx.insert_loan_transaction(&transaction(id, "reversal", day, 5, seed.user))?;
                        tx.insert_loan_transaction(&transaction(id, "repayment", yesterday, 7, seed.user))?;
                    }
                }
                Ok(keys)
            })
            .unwrap();
        let want = expected(day, &keys, &loans);
        for _ in 0..2 {
            store.write(move |tx: &mut WriteTx<'_>| tx.record_portfolio_day(day)).unwrap();
            let found = store.read(|r| r.portfolio_day(seed.root, day)).unwrap();
            prop_assert_eq!(&found, &want, "recording a date again replaces its rows");
        }
        let branch_only: Vec<HistoryRow> = want.iter().filter(|r| r.outlet_id == seed.outlet_a).cloned().collect();
        let found = store.read(|r| r.portfolio_day(seed.branch, day)).unwrap();
        prop_assert_eq!(found, branch_only);
        let series = store.read(|r| r.portfolio_series(seed.root, None, day, day)).unwrap();
        let total_outstanding: i64 = want.iter().map(|r| r.principal_outstanding_minor).sum();
        let total_collected: i64 = want.iter().map(|r| r.collected_minor).sum();
        prop_assert_eq!(series.len(), usize::from(!want.is_empty()));
        if let Some(point) = series.first() {
            prop_assert_eq!(point.principal_outstanding_minor, total_outstanding);
            prop_assert_eq!(point.collected_minor, total_collected);
        }
        prop_assert_eq!(store.read(|r| r.last_history_date()).unwrap(), (!want.is_empty()).then_some(day));
    }
}
