//! Collection results (R-COL-4): cure rate, promises kept, amount recovered
//! by channel, by collector and by segment, and roll rates between
//! delinquency buckets from two snapshots.
//!
//! Pure aggregations with exact arithmetic: counts are integers, amounts are
//! checked minor units, and a rate is an exact fraction rounded once to a
//! named number of digits with a named [`RoundingMode`]. The roll rate from
//! bucket *i* to bucket *j* is the share of the loans in *i* at the first
//! snapshot that are in *j* at the second (the usual flow-rate or transition
//! matrix of consumer-credit analytics); a loan missing from the second
//! snapshot (written off, transferred) is counted in the `exited` column.

use super::LoanId;
use super::action::Channel;
use super::promise::PromiseStatus;
use super::strategy::Segment;
use crate::authz::UserId;
use crate::classification::div_round;
use crate::money::{Currency, Money, MoneyError};
use crate::rounding::RoundingMode;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// The most decimal places a rate may be rounded to.
pub const RATE_DIGITS_MAX: u32 = 10;
/// The most buckets a roll-rate matrix may have.
pub const BUCKETS_MAX: usize = 32;

/// How rates are rounded: digits after the point and the mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateRounding {
    pub digits: u32,
    pub mode: RoundingMode,
}

impl Default for RateRounding {
    /// Four places (0.1234 = 12.34%), half-even.
    fn default() -> Self {
        RateRounding {
            digits: 4,
            mode: RoundingMode::HalfEven,
        }
    }
}

/// Why a result could not be computed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ResultsError {
    #[error("a rate is rounded to at most {max} digits")]
    TooManyDigits { max: u32 },
    #[error("loan {loan_id} appears twice in the {snapshot} snapshot")]
    DuplicateLoan { loan_id: LoanId, snapshot: &'static str },
    #[error("loan {loan_id} is in bucket {bucket}, beyond the {buckets} buckets")]
    BucketOutOfRange {
        loan_id: LoanId,
        bucket: usize,
        buckets: usize,
    },
    #[error("between 2 and {max} buckets are needed")]
    BucketCount { max: usize },
    #[error("a recovery must be positive")]
    RecoveryNotPositive,
    #[error("{0}")]
    Money(#[from] MoneyError),
}

/// A rate as an exact fraction and its rounded value (`None` when the
/// denominator is zero: no loans, no rate).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ratio {
    pub numerator: u64,
    pub denominator: u64,
    pub rate: Option<Decimal>,
}

/// `numerator / denominator` rounded by `rounding`, exactly (integer division).
pub fn ratio(numerator: u64, denominator: u64, rounding: RateRounding) -> Result<Ratio, ResultsError> {
    if rounding.digits > RATE_DIGITS_MAX {
        return Err(ResultsError::TooManyDigits { max: RATE_DIGITS_MAX });
    }
    let rate = match denominator {
        0 => None,
        d => {
            // numerator < 2^64 and 10^10 < 2^34, so the product fits an i128.
            let scaled = i128::from(numerator) * 10_i128.pow(rounding.digits);
            let units = div_round(scaled, i128::from(d), rounding.mode);
            let value = Decimal::try_from_i128_with_scale(units, rounding.digits)
                .map_err(|_| MoneyError::Overflow)?;
            Some(value)
        }
    };
    Ok(Ratio {
        numerator,
        denominator,
        rate,
    })
}

/// The share of promises kept among those judged (kept or broken; pending
/// promises are not yet judged).
pub fn promises_kept_rate(statuses: &[PromiseStatus], rounding: RateRounding) -> Result<Ratio, ResultsError> {
    let kept = statuses.iter().filter(|s| **s == PromiseStatus::Kept).count();
    let broken = statuses.iter().filter(|s| **s == PromiseStatus::Broken).count();
    ratio(count(kept), count(kept + broken), rounding)
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// A loan's delinquency bucket in a snapshot (0 = current; see
/// [`crate::classification::DelinquencyBuckets::bucket`]).
pub type BucketOf = (LoanId, usize);

/// The transition counts between two snapshots: `counts[from][to]`, with a
/// last column for loans that left the book.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RollRates {
    buckets: usize,
    counts: Vec<u64>,
}

impl RollRates {
    /// How many buckets (current included).
    pub fn buckets(&self) -> usize {
        self.buckets
    }

    /// Loans in `from` at the start and in `to` at the end (`None`: exited).
    pub fn count(&self, from: usize, to: Option<usize>) -> u64 {
        let column = to.unwrap_or(self.buckets);
        if from >= self.buckets || column > self.buckets {
            return 0;
        }
        self.counts[from * (self.buckets + 1) + column]
    }

    /// Loans in `from` at the start.
    pub fn from_total(&self, from: usize) -> u64 {
        (0..self.buckets)
            .map(|to| self.count(from, Some(to)))
            .sum::<u64>()
            + self.count(from, None)
    }

    /// The roll rate from `from` to `to` (`None`: exited).
    pub fn rate(
        &self,
        from: usize,
        to: Option<usize>,
        rounding: RateRounding,
    ) -> Result<Ratio, ResultsError> {
        ratio(self.count(from, to), self.from_total(from), rounding)
    }

    /// The cure rate: of the loans overdue at the start (bucket ≥ 1), the
    /// share current (bucket 0) at the end. A loan repaid in full should be
    /// passed in the end snapshot as bucket 0 to count as cured.
    pub fn cure_rate(&self, rounding: RateRounding) -> Result<Ratio, ResultsError> {
        let cured: u64 = (1..self.buckets).map(|from| self.count(from, Some(0))).sum();
        let overdue: u64 = (1..self.buckets).map(|from| self.from_total(from)).sum();
        ratio(cured, overdue, rounding)
    }
}

/// The roll-rate matrix between `start` and `end` over `buckets` buckets.
/// Loans only in `end` (new loans) are ignored.
pub fn roll_rates(start: &[BucketOf], end: &[BucketOf], buckets: usize) -> Result<RollRates, ResultsError> {
    if !(2..=BUCKETS_MAX).contains(&buckets) {
        return Err(ResultsError::BucketCount { max: BUCKETS_MAX });
    }
    let start = sorted_snapshot(start, buckets, "start")?;
    let end = sorted_snapshot(end, buckets, "end")?;
    let mut counts = vec![0_u64; buckets * (buckets + 1)];
    let mut j = 0;
    for (loan_id, from) in start {
        while j < end.len() && end[j].0 < loan_id {
            j += 1;
        }
        let to = match end.get(j) {
            Some((id, bucket)) if *id == loan_id => *bucket,
            _ => buckets,
        };
        counts[from * (buckets + 1) + to] += 1;
    }
    Ok(RollRates { buckets, counts })
}

fn sorted_snapshot(
    snapshot: &[BucketOf],
    buckets: usize,
    name: &'static str,
) -> Result<Vec<BucketOf>, ResultsError> {
    if let Some((loan_id, bucket)) = snapshot.iter().find(|(_, b)| *b >= buckets) {
        return Err(ResultsError::BucketOutOfRange {
            loan_id: *loan_id,
            bucket: *bucket,
            buckets,
        });
    }
    let mut sorted = snapshot.to_vec();
    sorted.sort_unstable_by_key(|(id, _)| *id);
    if let Some(pair) = sorted.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(ResultsError::DuplicateLoan {
            loan_id: pair[0].0,
            snapshot: name,
        });
    }
    Ok(sorted)
}

/// A repayment attributed to collection work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recovery {
    pub amount: Money,
    pub channel: Channel,
    pub collector: UserId,
    pub segment: Segment,
}

/// Amounts recovered, in one currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecoveryTotals {
    pub total: Money,
    pub by_channel: BTreeMap<Channel, Money>,
    pub by_collector: BTreeMap<UserId, Money>,
    pub by_segment: BTreeMap<Segment, Money>,
}

/// Sums `recoveries` by channel, by collector and by segment, with checked
/// arithmetic; every recovery must be positive and in `currency`.
pub fn recoveries(currency: Currency, recoveries: &[Recovery]) -> Result<RecoveryTotals, ResultsError> {
    let zero = Money::zero(currency);
    let mut totals = RecoveryTotals {
        total: zero,
        by_channel: BTreeMap::new(),
        by_collector: BTreeMap::new(),
        by_segment: BTreeMap::new(),
    };
    for r in recoveries {
        if r.amount.currency() != currency {
            return Err(MoneyError::CurrencyMismatch.into());
        }
        if !r.amount.is_positive() {
            return Err(ResultsError::RecoveryNotPositive);
        }
        totals.total = totals.total.checked_add(r.amount)?;
        add_to(&mut totals.by_channel, r.channel, r.amount, zero)?;
        add_to(&mut totals.by_collector, r.collector, r.amount, zero)?;
        add_to(&mut totals.by_segment, r.segment, r.amount, zero)?;
    }
    Ok(totals)
}

fn add_to<K: Ord>(
    map: &mut BTreeMap<K, Money>,
    key: K,
    amount: Money,
    zero: Money,
) -> Result<(), MoneyError> {
    let slot = map.entry(key).or_insert(zero);
    *slot = slot.checked_add(amount)?;
    Ok(())
}
