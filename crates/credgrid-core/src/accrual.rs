//! Interest accrual: exact interest between two dates, contractual daily spreading, penalty rates.
//!
//! Interest over `[start, end)` is `balance × annual rate × days / days_in_year`,
//! days counted by the product's [`DaysInMonth`] and divided by its
//! [`DaysInYear`] (a span crossing 1 January under `Actual` is split there).
//! It is kept exact as an [`ExactInterest`]: minor units multiplied by
//! [`YEAR_LCM`], the least common multiple of 360, 364, 365 and 366, so every
//! day weight is an integer and accrual over `[a, c]` equals accrual over
//! `[a, b]` plus `[b, c]` exactly. Amounts become [`Money`] only when posted,
//! with a named [`RoundingMode`], and postings round the running total
//! (cumulative rounding), so the sum of daily postings never drifts from the
//! rounded total.
//!
//! Penalty interest (罚息) on overdue principal runs at the contract rate ×
//! (1 + uplift); the PBoC rule (银发〔2003〕251号) sets the uplift at 30–50 %
//! and charges compound interest (复利) on interest not paid on time at the
//! penalty rate. Compound interest is a product switch here.

use crate::calendar::{DaysInMonth, DaysInYear, day_count};
use crate::classification::div_round;
use crate::money::{Currency, Money, MoneyError};
use crate::rounding::RoundingMode;
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

/// lcm(360, 364, 365, 366): one day is an integer number of these units under
/// every year length.
pub const YEAR_LCM: i64 = 145_880_280;

/// Why an accrual was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AccrualError {
    #[error("annual_rate: must not be negative")]
    NegativeRate,
    #[error("penalty_uplift: must be between 0 and 1 (0.3 to 0.5 under PBoC rules)")]
    UpliftOutOfRange,
    #[error("date: the end of an accrual is before its start")]
    EndBeforeStart,
    #[error("date: outside the supported calendar")]
    DateOutOfRange,
    #[error("amount: the interest is too large to represent")]
    Overflow,
    #[error("amount: {0}")]
    Money(#[from] MoneyError),
}

/// The product's day-count convention.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DayCount {
    pub days_in_year: DaysInYear,
    pub days_in_month: DaysInMonth,
}

impl DayCount {
    /// Actual days over 365 (the common Chinese bank convention: 日利率 = 年利率 / 365 … or 360 by contract).
    pub const ACTUAL_365: DayCount = DayCount {
        days_in_year: DaysInYear::D365,
        days_in_month: DaysInMonth::Actual,
    };

    /// The year fraction of `[start, end)` times [`YEAR_LCM`], an exact integer.
    pub fn year_units(&self, start: NaiveDate, end: NaiveDate) -> Result<i64, AccrualError> {
        if end < start {
            return Err(AccrualError::EndBeforeStart);
        }
        if let Some(divisor) = self.days_in_year.fixed_days() {
            return self.weighted(start, end, divisor);
        }
        let mut units = 0_i64;
        let mut from = start;
        while from < end {
            let next_year = from.year().checked_add(1).ok_or(AccrualError::DateOutOfRange)?;
            let new_year = NaiveDate::from_ymd_opt(next_year, 1, 1).ok_or(AccrualError::DateOutOfRange)?;
            let to = new_year.min(end);
            let length = if from.leap_year() { 366 } else { 365 };
            units = units
                .checked_add(self.weighted(from, to, length)?)
                .ok_or(AccrualError::Overflow)?;
            from = to;
        }
        Ok(units)
    }

    fn weighted(&self, start: NaiveDate, end: NaiveDate, days_in_year: u32) -> Result<i64, AccrualError> {
        let days = day_count(start, end, self.days_in_month);
        days.checked_mul(YEAR_LCM / i64::from(days_in_year))
            .ok_or(AccrualError::Overflow)
    }
}

/// Interest kept exact: minor units × [`YEAR_LCM`], unrounded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ExactInterest {
    scaled: Decimal,
}

impl ExactInterest {
    pub const ZERO: ExactInterest = ExactInterest {
        scaled: Decimal::ZERO,
    };

    pub fn checked_add(self, other: ExactInterest) -> Result<ExactInterest, AccrualError> {
        let scaled = self
            .scaled
            .checked_add(other.scaled)
            .ok_or(AccrualError::Overflow)?;
        Ok(ExactInterest { scaled })
    }

    /// The interest in minor units, rounded to a whole minor unit by `mode`.
    pub fn round(self, currency: Currency, mode: RoundingMode) -> Result<Money, AccrualError> {
        let mantissa = self.scaled.mantissa();
        let scale = 10_i128
            .checked_pow(self.scaled.scale())
            .ok_or(AccrualError::Overflow)?;
        let denominator = i128::from(YEAR_LCM)
            .checked_mul(scale)
            .ok_or(AccrualError::Overflow)?;
        let minor = div_round(mantissa, denominator, mode);
        let minor = i64::try_from(minor).map_err(|_| AccrualError::Overflow)?;
        Ok(Money::from_minor(minor, currency))
    }

    /// The exact value in minor units × [`YEAR_LCM`] (for storage).
    pub fn scaled(self) -> Decimal {
        self.scaled
    }

    /// The value [`ExactInterest::scaled`] returned (for storage).
    pub const fn from_scaled(scaled: Decimal) -> ExactInterest {
        ExactInterest { scaled }
    }

    /// The interest in minor units as a decimal (for display; may be inexact
    /// in its last significant digit).
    pub fn minor_decimal(self) -> Decimal {
        self.scaled / Decimal::from(YEAR_LCM)
    }
}

/// Interest on `balance` at `annual_rate` (a fraction: 0.12 = 12 %) over
/// `[start, end)` by `day_count`, exact.
pub fn accrue(
    balance: Money,
    annual_rate: Decimal,
    start: NaiveDate,
    end: NaiveDate,
    day_count: DayCount,
) -> Result<ExactInterest, AccrualError> {
    if annual_rate.is_sign_negative() && !annual_rate.is_zero() {
        return Err(AccrualError::NegativeRate);
    }
    let units = day_count.year_units(start, end)?;
    accrue_units(balance, annual_rate, units)
}

/// Interest on `balance` at `annual_rate` over `year_units` (a year fraction × [`YEAR_LCM`]).
pub fn accrue_units(
    balance: Money,
    annual_rate: Decimal,
    year_units: i64,
) -> Result<ExactInterest, AccrualError> {
    let scaled = Decimal::from(balance.minor())
        .checked_mul(annual_rate)
        .and_then(|v| v.checked_mul(Decimal::from(year_units)))
        .ok_or(AccrualError::Overflow)?;
    Ok(ExactInterest { scaled })
}

/// An accrual posted day by day with cumulative rounding: each posting is
/// `round(total exact) − round(total exact before)`, so the postings always
/// sum to the rounded exact total.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct RunningAccrual {
    pub exact: ExactInterest,
    pub posted_minor: i64,
}

impl RunningAccrual {
    /// Adds `delta` and returns the amount to post now.
    pub fn add(
        &mut self,
        delta: ExactInterest,
        currency: Currency,
        mode: RoundingMode,
    ) -> Result<Money, AccrualError> {
        let exact = self.exact.checked_add(delta)?;
        let posted = exact.round(currency, mode)?.minor();
        let posting = posted
            .checked_sub(self.posted_minor)
            .ok_or(AccrualError::Overflow)?;
        self.exact = exact;
        self.posted_minor = posted;
        Ok(Money::from_minor(posting, currency))
    }
}

/// The part of a scheduled installment's interest recognised after
/// `elapsed_days` of a `period_days` period: `round(interest × elapsed / period)`.
/// Elapsed days are clamped to the period; an empty period recognises all.
pub fn contractual_posted_to(
    interest: Money,
    elapsed_days: i64,
    period_days: i64,
    mode: RoundingMode,
) -> Result<Money, AccrualError> {
    if period_days <= 0 {
        return Ok(interest);
    }
    let elapsed = elapsed_days.clamp(0, period_days);
    let minor = div_round(
        i128::from(interest.minor()) * i128::from(elapsed),
        i128::from(period_days),
        mode,
    );
    let minor = i64::try_from(minor).map_err(|_| AccrualError::Overflow)?;
    Ok(Money::from_minor(minor, interest.currency()))
}

/// The contractual posting for the day that brings elapsed days from
/// `elapsed_days − 1` to `elapsed_days`. The postings of days 1..=period sum
/// to the scheduled interest exactly.
pub fn contractual_posting(
    interest: Money,
    elapsed_days: i64,
    period_days: i64,
    mode: RoundingMode,
) -> Result<Money, AccrualError> {
    let to = contractual_posted_to(interest, elapsed_days, period_days, mode)?;
    let before = contractual_posted_to(interest, elapsed_days - 1, period_days, mode)?;
    Ok(to.checked_sub(before)?)
}

/// Whether and at which rate unpaid interest bears compound interest (复利).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum CompoundInterest {
    #[default]
    Off,
    /// At the penalty rate, as PBoC 银发〔2003〕251号 prescribes for overdue loans.
    AtPenaltyRate,
    /// At the contract rate (《人民币利率管理规定》 for interest unpaid within the term).
    AtContractRate,
}

/// Penalty interest on overdue principal and compound interest on overdue interest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PenaltyRule {
    uplift: Decimal,
    pub compound: CompoundInterest,
}

impl Default for PenaltyRule {
    /// Contract rate + 50 %, no compound interest.
    fn default() -> Self {
        PenaltyRule {
            uplift: Decimal::new(5, 1),
            compound: CompoundInterest::Off,
        }
    }
}

impl PenaltyRule {
    /// A rule with `uplift` (0.3 = contract rate + 30 %) between 0 and 1.
    pub fn new(uplift: Decimal, compound: CompoundInterest) -> Result<PenaltyRule, AccrualError> {
        if uplift < Decimal::ZERO || uplift > Decimal::ONE {
            return Err(AccrualError::UpliftOutOfRange);
        }
        Ok(PenaltyRule { uplift, compound })
    }

    pub fn uplift(&self) -> Decimal {
        self.uplift
    }

    /// The penalty rate: contract rate × (1 + uplift).
    pub fn penalty_rate(&self, contract_rate: Decimal) -> Result<Decimal, AccrualError> {
        contract_rate
            .checked_mul(Decimal::ONE + self.uplift)
            .ok_or(AccrualError::Overflow)
    }

    /// The compound rate on overdue interest, `None` when switched off.
    pub fn compound_rate(&self, contract_rate: Decimal) -> Result<Option<Decimal>, AccrualError> {
        match self.compound {
            CompoundInterest::Off => Ok(None),
            CompoundInterest::AtPenaltyRate => self.penalty_rate(contract_rate).map(Some),
            CompoundInterest::AtContractRate => Ok(Some(contract_rate)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn cny(minor: i64) -> Money {
        Money::from_minor(minor, Currency::CNY)
    }

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn interest_between_dates_by_convention() {
        // 10,000.00 at 12 % for January 2024 (31 days): 31/365 → 101.92; 31/360 → 103.33;
        // Actual (leap 2024) 31/366 → 101.64; 30/360 → 100.00.
        let cases = [
            (DaysInYear::D365, DaysInMonth::Actual, 10_192),
            (DaysInYear::D360, DaysInMonth::Actual, 10_333),
            (DaysInYear::Actual, DaysInMonth::Actual, 10_164),
            (DaysInYear::D360, DaysInMonth::Thirty, 10_000),
        ];
        for (days_in_year, days_in_month, want) in cases {
            let dc = DayCount {
                days_in_year,
                days_in_month,
            };
            let exact = accrue(
                cny(1_000_000),
                dec("0.12"),
                date(2024, 1, 1),
                date(2024, 2, 1),
                dc,
            )
            .unwrap();
            assert_eq!(
                exact.round(Currency::CNY, RoundingMode::HalfEven).unwrap(),
                cny(want),
                "{dc:?}"
            );
        }
    }

    #[test]
    fn penalty_interest_example() {
        // Source: PBoC 银发〔2003〕251号 (penalty = contract rate + 30–50 %) and the formula Chinese
        // bank FAQs publish: 逾期罚息 = 逾期本金 × 日利率 × (1 + 50%) × 逾期天数. Worked by hand for
        // 100,000 overdue at 5.4 % a year, 30 days, 360-day year: 100000 × 0.054 / 360 × 1.5 × 30 = 675.00.
        let rule = PenaltyRule::default();
        let rate = rule.penalty_rate(dec("0.054")).unwrap();
        let dc = DayCount {
            days_in_year: DaysInYear::D360,
            days_in_month: DaysInMonth::Actual,
        };
        let exact = accrue(cny(10_000_000), rate, date(2024, 3, 1), date(2024, 3, 31), dc).unwrap();
        assert_eq!(
            exact.round(Currency::CNY, RoundingMode::HalfUp).unwrap(),
            cny(67_500)
        );
        let thirty = PenaltyRule::new(dec("0.3"), CompoundInterest::AtPenaltyRate).unwrap();
        assert_eq!(thirty.penalty_rate(dec("0.1")).unwrap(), dec("0.13"));
        assert_eq!(thirty.compound_rate(dec("0.1")).unwrap(), Some(dec("0.13")));
        assert_eq!(PenaltyRule::default().compound_rate(dec("0.1")).unwrap(), None);
        assert_eq!(
            PenaltyRule::new(dec("1.5"), CompoundInterest::Off),
            Err(AccrualError::UpliftOutOfRange)
        );
    }

    #[test]
    fn actual_year_splits_at_new_year() {
        let dc = DayCount {
            days_in_year: DaysInYear::Actual,
            days_in_month: DaysInMonth::Actual,
        };
        let units = dc.year_units(date(2023, 12, 1), date(2024, 1, 31)).unwrap();
        assert_eq!(units, 31 * (YEAR_LCM / 365) + 30 * (YEAR_LCM / 366));
        assert_eq!(
            dc.year_units(date(2024, 1, 2), date(2024, 1, 1)),
            Err(AccrualError::EndBeforeStart)
        );
    }

    #[test]
    fn contractual_daily_postings_sum_to_the_scheduled_interest() {
        // 50.00 over a 30-day period: 1.67, 1.66, 1.67, … sums to 50.00 exactly.
        let interest = cny(5000);
        let postings: Vec<i64> = (1..=30)
            .map(|d| {
                contractual_posting(interest, d, 30, RoundingMode::HalfEven)
                    .unwrap()
                    .minor()
            })
            .collect();
        assert_eq!(postings.iter().sum::<i64>(), 5000);
        assert_eq!(&postings[..3], &[167, 166, 167]);
        assert_eq!(
            contractual_posted_to(interest, 45, 30, RoundingMode::HalfEven).unwrap(),
            interest
        );
        assert_eq!(
            contractual_posted_to(interest, 0, 0, RoundingMode::HalfEven).unwrap(),
            interest
        );
    }

    #[test]
    fn running_accrual_posts_without_drift() {
        // 0.333… fen a day for 3 days posts 0, 1, 0 (half_even of 0.33, 0.67, 1.00).
        let mut running = RunningAccrual::default();
        let third = ExactInterest {
            scaled: Decimal::from(YEAR_LCM / 3),
        };
        let posted: Vec<i64> = (0..3)
            .map(|_| {
                running
                    .add(third, Currency::CNY, RoundingMode::HalfEven)
                    .unwrap()
                    .minor()
            })
            .collect();
        assert_eq!(posted, vec![0, 1, 0]);
        assert_eq!(running.posted_minor, 1);
    }

    fn any_day_count() -> impl Strategy<Value = DayCount> {
        let years = [
            DaysInYear::D360,
            DaysInYear::D364,
            DaysInYear::D365,
            DaysInYear::Actual,
        ];
        (0..4_usize, any::<bool>()).prop_map(move |(y, thirty)| DayCount {
            days_in_year: years[y],
            days_in_month: if thirty {
                DaysInMonth::Thirty
            } else {
                DaysInMonth::Actual
            },
        })
    }

    proptest! {
        #[test]
        fn accrual_is_additive_before_rounding(
            balance in 0_i64..100_000_000_000,
            rate_bps in 0_i64..5000,
            start in 0_i64..3000, ab in 0_i64..800, bc in 0_i64..800,
            dc in any_day_count(),
        ) {
            let origin = date(2020, 1, 1);
            let a = origin + chrono::Duration::days(start);
            let b = a + chrono::Duration::days(ab);
            let c = b + chrono::Duration::days(bc);
            let rate = Decimal::new(rate_bps, 4);
            let whole = accrue(cny(balance), rate, a, c, dc).unwrap();
            let parts = accrue(cny(balance), rate, a, b, dc).unwrap()
                .checked_add(accrue(cny(balance), rate, b, c, dc).unwrap()).unwrap();
            prop_assert_eq!(whole, parts);
        }

        #[test]
        fn contractual_postings_telescope(interest in 0_i64..10_000_000, period in 1_i64..400, mode_i in 0_usize..4) {
            let mode = RoundingMode::ALL[mode_i];
            let mut total = 0;
            for d in 1..=period {
                let p = contractual_posting(cny(interest), d, period, mode).unwrap().minor();
                prop_assert!(p >= 0);
                total += p;
            }
            prop_assert_eq!(total, interest);
        }
    }
}
