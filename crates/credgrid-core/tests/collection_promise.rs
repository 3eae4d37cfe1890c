//! Promise-to-pay checking at end of day (R-COL-2, issue 7 item 4): a promise
//! is kept when the repayments from the day it was made to its date reach
//! the promised amount, broken at the end of its date otherwise, pending
//! before. Broken promises feed the priority.

use chrono::NaiveDate;
use credgrid_core::collection::Channel;
use credgrid_core::collection::priority::{PriorityConfig, PriorityFormula, PriorityInput};
use credgrid_core::collection::promise::{
    Promise, PromiseError, PromiseStatus, Repayment, broken_count, check,
};
use credgrid_core::money::{Currency, Money};

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
}

fn yuan(minor: i64) -> Money {
    Money::from_minor(minor, Currency::CNY)
}

/// 500.00 promised on the 10th for the 15th.
fn promise() -> Promise {
    Promise {
        loan_id: 1,
        amount: yuan(50_000),
        made_on: day(10),
        due_on: day(15),
    }
}

fn paid(date: u32, minor: i64) -> Repayment {
    Repayment {
        date: day(date),
        amount: yuan(minor),
    }
}

#[test]
fn promise_status_at_each_end_of_day() {
    // (case, repayments, end of day, expected status, amount counted)
    let cases: [(&str, Vec<Repayment>, u32, PromiseStatus, i64); 8] = [
        (
            "nothing yet, before the date",
            vec![],
            12,
            PromiseStatus::Pending,
            0,
        ),
        (
            "part paid, before the date",
            vec![paid(11, 20_000)],
            14,
            PromiseStatus::Pending,
            20_000,
        ),
        (
            "paid in full early",
            vec![paid(11, 50_000)],
            11,
            PromiseStatus::Kept,
            50_000,
        ),
        (
            "two parts reach it on the date",
            vec![paid(11, 20_000), paid(15, 30_000)],
            15,
            PromiseStatus::Kept,
            50_000,
        ),
        (
            "overpaid",
            vec![paid(14, 80_000)],
            16,
            PromiseStatus::Kept,
            80_000,
        ),
        (
            "short at the end of the date",
            vec![paid(15, 49_999)],
            15,
            PromiseStatus::Broken,
            49_999,
        ),
        (
            "paid only after the date",
            vec![paid(16, 50_000)],
            16,
            PromiseStatus::Broken,
            0,
        ),
        (
            "paid before the promise was made",
            vec![paid(9, 50_000)],
            15,
            PromiseStatus::Broken,
            0,
        ),
    ];
    for (case, repayments, eod, status, counted) in cases {
        let result = check(&promise(), &repayments, day(eod)).unwrap();
        assert_eq!(result.status, status, "{case}");
        assert_eq!(result.paid.minor(), counted, "{case}");
    }
}

#[test]
fn a_repayment_of_the_end_of_day_is_counted_only_up_to_that_day() {
    // Judged at the end of the 12th, a repayment dated the 14th is not known yet.
    let result = check(&promise(), &[paid(14, 50_000)], day(12)).unwrap();
    assert_eq!(result.status, PromiseStatus::Pending);
}

#[test]
fn malformed_promises_and_repayments_are_refused() {
    let mut zero = promise();
    zero.amount = yuan(0);
    assert_eq!(check(&zero, &[], day(12)), Err(PromiseError::AmountNotPositive));
    let mut backwards = promise();
    backwards.due_on = day(9);
    assert!(matches!(
        check(&backwards, &[], day(12)),
        Err(PromiseError::DueBeforeMade { .. })
    ));
    assert_eq!(
        check(&promise(), &[paid(11, -5)], day(12)),
        Err(PromiseError::RepaymentNotPositive { date: day(11) })
    );
    let dollars = Repayment {
        date: day(11),
        amount: Money::from_minor(10, Currency::USD),
    };
    assert!(matches!(
        check(&promise(), &[dollars], day(12)),
        Err(PromiseError::Money(_))
    ));
}

#[test]
fn broken_promises_raise_the_priority() {
    let statuses = [
        PromiseStatus::Kept,
        PromiseStatus::Broken,
        PromiseStatus::Pending,
        PromiseStatus::Broken,
    ];
    assert_eq!(broken_count(&statuses), 2);
    let formula = PriorityFormula::new(PriorityConfig::default()).unwrap();
    let mut input = PriorityInput {
        amount_overdue_minor: 100_000,
        days_past_due: 10,
        next_channel: Channel::Phone,
        ability: Default::default(),
        broken_promises: 0,
        relationship: Default::default(),
    };
    let before = formula.score(&input).unwrap().total;
    input.broken_promises = broken_count(&statuses);
    let after = formula.score(&input).unwrap().total;
    assert_eq!(
        after - before,
        2 * PriorityConfig::default().broken_promise_points
    );
}

use proptest::prelude::*;

proptest! {
    #[test]
    fn a_judged_promise_never_changes_its_mind(
        repayments in proptest::collection::vec((1_u32..28, 1_i64..40_000), 0..6),
        first in 1_u32..28,
        later in 0_u32..10,
    ) {
        let repayments: Vec<Repayment> = repayments.into_iter().map(|(d, m)| paid(d, m)).collect();
        let earlier = check(&promise(), &repayments, day(first)).unwrap();
        let then = check(&promise(), &repayments, day((first + later).min(28))).unwrap();
        if earlier.status != PromiseStatus::Pending {
            prop_assert_eq!(then.status, earlier.status);
        }
        if first >= 15 {
            prop_assert_ne!(earlier.status, PromiseStatus::Pending);
        }
        let total: i64 = repayments.iter().map(|r| r.amount.minor()).sum();
        prop_assert!(earlier.paid.minor() <= total);
    }
}
