//! The end of day's GL posting is built from `daily_totals`: the day's
//! per-loan detail summed per outlet, product and currency. Checked against
//! a plain fold of the same detail rows, for random portfolios across two
//! outlets and two products, with other days' rows that must not count.

mod common;

use common::*;
use credgrid_store::{DailyTotalsRow, Store, StoreError, WriteTx};
use proptest::prelude::*;
use std::collections::BTreeMap;

type R<T> = Result<T, StoreError>;

/// One loan's detail for the day: (outlet b?, product 2?, interest, penalty,
/// days past due, provision change).
type Detail = (bool, bool, i64, i64, u32, i64);

fn expected(outlets: [i64; 2], products: [i64; 2], details: &[Detail]) -> Vec<DailyTotalsRow> {
    let mut sums: BTreeMap<(i64, i64), DailyTotalsRow> = BTreeMap::new();
    for &(b, p2, interest, penalty, dpd, change) in details {
        let (outlet_id, product_id) = (outlets[usize::from(b)], products[usize::from(p2)]);
        let row = sums.entry((outlet_id, product_id)).or_insert(DailyTotalsRow {
            outlet_id,
            product_id,
            currency: "CNY".into(),
            loans: 0,
            loans_overdue: 0,
            interest_minor: 0,
            penalty_minor: 0,
            provision_charge_minor: 0,
            provision_release_minor: 0,
        });
        row.loans += 1;
        row.loans_overdue += i64::from(dpd > 0);
        row.interest_minor += interest;
        row.penalty_minor += penalty;
        row.provision_charge_minor += change.max(0);
        row.provision_release_minor += (-change).max(0);
    }
    sums.into_values().collect()
}

fn detail() -> impl Strategy<Value = Detail> {
    (
        any::<bool>(),
        any::<bool>(),
        0..1_000_000_i64,
        0..50_000_i64,
        // Most loans are current; some are overdue.
        prop_oneof![3 => Just(0_u32), 1 => 1..400_u32],
        -5_000_000..5_000_000_i64,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn daily_totals_sum_the_days_detail_per_outlet_and_product(
        details in prop::collection::vec(detail(), 1..60)
    ) {
        let db = temp_db("daily-totals");
        let store = Store::open(&db).unwrap();
        let seed = seed(&store);
        let day = date(2026, 3, 2);
        let rows = details.clone();
        let (outlets, products) = store
            .write(move |tx: &mut WriteTx<'_>| -> R<_> {
                let second = tx.insert_product(&product_row("FARM24"))?;
                let (outlets, products) = ([seed.outlet_a, seed.outlet_b], [seed.product, second]);
                for (n, &(b, p2, interest, penalty, dpd, change)) in rows.iter().enumerate() {
                    let outlet = outlets[usize::from(b)];
                    let client = tx.insert_client(&new_client(outlet, "Li Wei", &format!("L{n}")))?;
                    let mut loan = loan_row(&seed, client, outlet, 1_000_000);
                    loan.product_id = products[usize::from(p2)];
                    let loan_id = tx.insert_loan(&loan)?;
                    tx.insert_daily_detail(day, loan_id, interest, penalty, dpd, 1, 0, change)?;
                    // The next day's row of the same loan is not part of this day.
                    tx.insert_daily_detail(day.succ_opt().unwrap(), loan_id, 7, 7, 1, 1, 0, 7)?;
                }
                Ok((outlets, products))
            })
            .unwrap();
        let got = store.read(|r| r.daily_totals(day)).unwrap();
        prop_assert_eq!(got, expected(outlets, products, &details));
    }
}
