//! Collection results (R-COL-4, issue 7 item 8): roll rates between
//! delinquency buckets from two snapshots, cure rate, promises kept, amounts
//! recovered by channel, collector and segment — exact, with named rounding.
//!
//! Roll rate as the OCC Comptroller's Handbook (Retail Lending, roll and flow
//! models) and the usual transition matrix define it: of the loans in bucket
//! A at the first snapshot, the share in bucket B at the second (e.g. 200 of
//! 1,000 loans 30–59 days past due rolling to 60–89 gives 20%).

use credgrid_core::collection::Channel;
use credgrid_core::collection::promise::PromiseStatus;
use credgrid_core::collection::results::{
    BucketOf, RateRounding, Recovery, ResultsError, promises_kept_rate, ratio, recoveries, roll_rates,
};
use credgrid_core::collection::strategy::Segment;
use credgrid_core::money::{Currency, Money, MoneyError};
use credgrid_core::rounding::RoundingMode;
use proptest::prelude::*;
use rust_decimal::Decimal;

fn rate(text: &str) -> Option<Decimal> {
    Some(text.parse().unwrap())
}

/// Four buckets: 0 current, 1 = 1–30, 2 = 31–60, 3 = 61+.
fn snapshots() -> (Vec<BucketOf>, Vec<BucketOf>) {
    let start = vec![
        (1, 0),
        (2, 0),
        (3, 1),
        (4, 1),
        (5, 1),
        (6, 1),
        (7, 2),
        (8, 2),
        (9, 2),
        (10, 3),
    ];
    // Given in another order than `start`, as two queries would return them.
    let end = vec![
        (10, 3),
        (9, 0),
        (8, 3),
        (6, 2),
        (5, 2),
        (4, 1),
        (3, 0),
        (2, 1),
        (1, 0),
        (11, 1), // a new loan: not in the start snapshot, ignored
                 // loan 7 was written off: it left the book
    ];
    (start, end)
}

#[test]
fn roll_rates_count_every_transition() {
    let (start, end) = snapshots();
    let rolls = roll_rates(&start, &end, 4).unwrap();
    let r = RateRounding::default();
    // Bucket 1 (four loans): 3 → current, 4 stays, 5 and 6 roll forward.
    assert_eq!(rolls.from_total(1), 4);
    assert_eq!(rolls.count(1, Some(0)), 1);
    assert_eq!(rolls.count(1, Some(1)), 1);
    assert_eq!(rolls.count(1, Some(2)), 2);
    assert_eq!(rolls.rate(1, Some(2), r).unwrap().rate, rate("0.5000"));
    assert_eq!(rolls.rate(1, Some(0), r).unwrap().rate, rate("0.2500"));
    // Bucket 2 (three loans): 7 exited, 8 rolled to 61+, 9 cured. 1/3 rounds to 0.3333.
    assert_eq!(rolls.count(2, None), 1);
    assert_eq!(rolls.rate(2, Some(3), r).unwrap().rate, rate("0.3333"));
    assert_eq!(rolls.rate(2, None, r).unwrap().rate, rate("0.3333"));
    // Current loans: one of two rolled into bucket 1.
    assert_eq!(rolls.rate(0, Some(1), r).unwrap().rate, rate("0.5000"));
    // Cure rate: of 8 overdue loans at the start, 3 and 9 are current at the end.
    let cure = rolls.cure_rate(r).unwrap();
    assert_eq!((cure.numerator, cure.denominator), (2, 8));
    assert_eq!(cure.rate, rate("0.2500"));
}

#[test]
fn an_empty_bucket_has_no_rate() {
    let rolls = roll_rates(&[(1, 0)], &[(1, 0)], 3).unwrap();
    assert_eq!(
        rolls.rate(2, Some(0), RateRounding::default()).unwrap().rate,
        None
    );
}

#[test]
fn bad_snapshots_are_refused() {
    assert_eq!(
        roll_rates(&[(1, 0), (1, 2)], &[], 4),
        Err(ResultsError::DuplicateLoan {
            loan_id: 1,
            snapshot: "start"
        })
    );
    assert_eq!(
        roll_rates(&[(1, 0)], &[(1, 4)], 4),
        Err(ResultsError::BucketOutOfRange {
            loan_id: 1,
            bucket: 4,
            buckets: 4
        })
    );
    assert!(matches!(
        roll_rates(&[], &[], 1),
        Err(ResultsError::BucketCount { .. })
    ));
}

#[test]
fn rates_round_once_by_the_named_mode() {
    // (numerator, denominator, digits, mode, expected): 2/3 and the halfway 1/8.
    let cases = [
        (2, 3, 4, RoundingMode::HalfEven, "0.6667"),
        (2, 3, 4, RoundingMode::Down, "0.6666"),
        (1, 8, 2, RoundingMode::HalfEven, "0.12"),
        (1, 8, 2, RoundingMode::HalfUp, "0.13"),
        (3, 8, 2, RoundingMode::HalfEven, "0.38"),
        (1, 3, 0, RoundingMode::Up, "1"),
    ];
    for (numerator, denominator, digits, mode, expected) in cases {
        let r = ratio(numerator, denominator, RateRounding { digits, mode }).unwrap();
        assert_eq!(r.rate, rate(expected), "{numerator}/{denominator} {mode:?}");
    }
    assert!(matches!(
        ratio(
            1,
            2,
            RateRounding {
                digits: 11,
                mode: RoundingMode::HalfEven
            }
        ),
        Err(ResultsError::TooManyDigits { .. })
    ));
}

#[test]
fn promises_kept_rate_leaves_pending_promises_out() {
    let statuses = [
        PromiseStatus::Kept,
        PromiseStatus::Broken,
        PromiseStatus::Kept,
        PromiseStatus::Pending,
        PromiseStatus::Pending,
    ];
    let kept = promises_kept_rate(&statuses, RateRounding::default()).unwrap();
    assert_eq!((kept.numerator, kept.denominator), (2, 3));
    assert_eq!(kept.rate, rate("0.6667"));
}

fn yuan(minor: i64) -> Money {
    Money::from_minor(minor, Currency::CNY)
}

#[test]
fn recoveries_are_summed_by_channel_collector_and_segment() {
    let recovery = |minor, channel, collector, segment| Recovery {
        amount: yuan(minor),
        channel,
        collector,
        segment,
    };
    let items = [
        recovery(10_000, Channel::Sms, 1, Segment::WillingAndAble),
        recovery(25_050, Channel::Phone, 1, Segment::WillingAndAble),
        recovery(99_999, Channel::Visit, 2, Segment::Unwilling),
        recovery(1, Channel::Phone, 2, Segment::WillingButUnable),
    ];
    let totals = recoveries(Currency::CNY, &items).unwrap();
    assert_eq!(totals.total, yuan(135_050));
    assert_eq!(totals.by_channel[&Channel::Phone], yuan(25_051));
    assert_eq!(totals.by_channel[&Channel::Visit], yuan(99_999));
    assert_eq!(totals.by_collector[&1], yuan(35_050));
    assert_eq!(totals.by_collector[&2], yuan(100_000));
    assert_eq!(totals.by_segment[&Segment::WillingAndAble], yuan(35_050));
    assert!(!totals.by_channel.contains_key(&Channel::Letter));

    let dollars = Recovery {
        amount: Money::from_minor(5, Currency::USD),
        ..items[0]
    };
    assert_eq!(
        recoveries(Currency::CNY, &[dollars]),
        Err(ResultsError::Money(MoneyError::CurrencyMismatch))
    );
    let huge = Recovery {
        amount: yuan(i64::MAX),
        ..items[0]
    };
    assert_eq!(
        recoveries(Currency::CNY, &[huge, huge]),
        Err(ResultsError::Money(MoneyError::Overflow))
    );
    let refund = Recovery {
        amount: yuan(-1),
        ..items[0]
    };
    assert_eq!(
        recoveries(Currency::CNY, &[refund]),
        Err(ResultsError::RecoveryNotPositive)
    );
}

proptest! {
    #[test]
    fn every_start_loan_is_counted_once_and_rates_of_a_row_stay_within_one(
        start in proptest::collection::btree_map(0_i64..500, 0_usize..5, 0..200),
        end in proptest::collection::btree_map(0_i64..500, 0_usize..5, 0..200),
    ) {
        let start: Vec<(i64, usize)> = start.into_iter().collect();
        let end: Vec<(i64, usize)> = end.into_iter().rev().collect();
        let rolls = roll_rates(&start, &end, 5).unwrap();
        let total: u64 = (0..5).map(|from| rolls.from_total(from)).sum();
        prop_assert_eq!(total, u64::try_from(start.len()).unwrap());
        let down = RateRounding { digits: 6, mode: RoundingMode::Down };
        for from in 0..5 {
            let mut sum = Decimal::ZERO;
            for to in (0..5).map(Some).chain([None]) {
                if let Some(r) = rolls.rate(from, to, down).unwrap().rate {
                    sum += r;
                }
            }
            prop_assert!(sum <= Decimal::ONE);
        }
    }
}
