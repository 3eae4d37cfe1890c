//! Calendars for repayment schedules: day-count conventions and period stepping.
//!
//! Conventions are explicit inputs, never accidents of the code:
//! - [`DaysInYear`] is the divisor of a day rate (`360`, `364`, `365` or the
//!   actual 365/366 of each calendar year, the period split at 1 January).
//! - [`DaysInMonth`] counts the days of a span: actual calendar days, or the
//!   30/360 count (each month 30 days; the last day of a month counts as the
//!   30th, so every whole month is exactly 30 days). As in Apache Fineract,
//!   the 30-day count applies to monthly repayment; weekly and daily
//!   repayment always count calendar days.
//! - [`Frequency`] steps due dates from an anchor: the n-th date is the anchor
//!   plus n periods, so a series anchored on 31 January runs 28/29 February,
//!   31 March, 30 April, 31 May (Fineract's behaviour, and chrono's
//!   month-end clamping).

use chrono::{Datelike, Days, Months, NaiveDate};
use rust_decimal::Decimal;

/// The number of days in a year used to turn an annual rate into a day rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DaysInYear {
    D360,
    D364,
    D365,
    /// 365 or 366 by calendar year; a span crossing 1 January is split there.
    Actual,
}

impl DaysInYear {
    /// The fixed divisor, `None` for [`DaysInYear::Actual`].
    pub fn fixed_days(self) -> Option<u32> {
        match self {
            Self::D360 => Some(360),
            Self::D364 => Some(364),
            Self::D365 => Some(365),
            Self::Actual => None,
        }
    }

    /// The divisor for a nominal periodic rate of a daily frequency
    /// (`days_in_year / every`); `Actual` uses 365 there.
    pub fn days_for_periodic_rate(self) -> u32 {
        self.fixed_days().unwrap_or(365)
    }
}

/// How the days of a span are counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DaysInMonth {
    /// Calendar days.
    Actual,
    /// The 30/360 count: every month has 30 days (applies to monthly repayment).
    Thirty,
}

/// The unit of a repayment frequency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PeriodUnit {
    Days,
    Weeks,
    Months,
}

/// Repayment every `every` units (every 1 month, every 2 weeks, every 10 days).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Frequency {
    pub every: u32,
    pub unit: PeriodUnit,
}

impl Frequency {
    pub const MONTHLY: Frequency = Frequency {
        every: 1,
        unit: PeriodUnit::Months,
    };

    /// `anchor` plus `periods` periods; month-end aware (31 Jan + 1 month =
    /// 28/29 Feb) and anchored (31 Jan + 2 months = 31 Mar). `None` when the
    /// date leaves the calendar or the count overflows.
    pub fn add_periods(self, anchor: NaiveDate, periods: u32) -> Option<NaiveDate> {
        let units = self.every.checked_mul(periods)?;
        add_units(self.unit, anchor, units)
    }

    /// The units of a year used for the nominal periodic rate: 12 months,
    /// 52 weeks, or `days_in_year` days.
    pub fn units_per_year(self, days_in_year: DaysInYear) -> u32 {
        match self.unit {
            PeriodUnit::Months => 12,
            PeriodUnit::Weeks => 52,
            PeriodUnit::Days => days_in_year.days_for_periodic_rate(),
        }
    }

    /// Periods per year as an exact decimal (`12/every` for months).
    pub fn periods_per_year(self, days_in_year: DaysInYear) -> Decimal {
        Decimal::from(self.units_per_year(days_in_year)) / Decimal::from(self.every.max(1))
    }

    /// The nominal periodic rate: `annual × every / units_per_year`.
    pub fn periodic_rate(self, annual_rate: Decimal, days_in_year: DaysInYear) -> Option<Decimal> {
        annual_rate
            .checked_mul(Decimal::from(self.every))?
            .checked_div(Decimal::from(self.units_per_year(days_in_year)))
    }

    /// The length of `[start, end)` in this frequency's unit, with the
    /// remainder as a fraction of the next unit: whole units stepped forward
    /// from `start`, then the leftover days over the days of the following
    /// unit (Apache Fineract `LoanApplicationTerms.calculatePeriodsBetweenDates`).
    pub fn units_between(self, start: NaiveDate, end: NaiveDate) -> Option<Decimal> {
        self.units_between_exact(start, end)?.to_decimal()
    }

    /// [`Frequency::units_between`] as an exact fraction.
    pub fn units_between_exact(self, start: NaiveDate, end: NaiveDate) -> Option<Ratio> {
        if end <= start {
            return Some(Ratio::ZERO);
        }
        let total_days = i128::from((end - start).num_days());
        match self.unit {
            PeriodUnit::Days => Some(Ratio::new(total_days, 1)),
            PeriodUnit::Weeks => Some(Ratio::new(total_days, 7)),
            PeriodUnit::Months => {
                let (whole, unit_days) = whole_months(start, end)?;
                let stepped = start.checked_add_months(Months::new(u32::try_from(whole).ok()?))?;
                let leftover = (end - stepped).num_days();
                debug_assert!((0..unit_days).contains(&leftover));
                let numerator = i128::from(whole) * i128::from(unit_days) + i128::from(leftover);
                Some(Ratio::new(numerator, i128::from(unit_days)))
            }
        }
    }
}

/// An exact non-negative fraction of integers (a share of a year, of a
/// period); schedules compute interest from it without intermediate rounding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ratio {
    pub numerator: i128,
    /// Always positive.
    pub denominator: i128,
}

impl Ratio {
    pub const ZERO: Ratio = Ratio {
        numerator: 0,
        denominator: 1,
    };

    pub fn new(numerator: i128, denominator: i128) -> Ratio {
        assert!(denominator > 0, "a ratio's denominator is positive");
        Ratio {
            numerator,
            denominator,
        }
    }

    /// The nearest decimal (28 significant digits); `None` if out of range.
    pub fn to_decimal(self) -> Option<Decimal> {
        let numerator = Decimal::try_from_i128_with_scale(self.numerator, 0).ok()?;
        let denominator = Decimal::try_from_i128_with_scale(self.denominator, 0).ok()?;
        numerator.checked_div(denominator)
    }
}

fn add_units(unit: PeriodUnit, anchor: NaiveDate, units: u32) -> Option<NaiveDate> {
    match unit {
        PeriodUnit::Days => anchor.checked_add_days(Days::new(u64::from(units))),
        PeriodUnit::Weeks => anchor.checked_add_days(Days::new(u64::from(units) * 7)),
        PeriodUnit::Months => anchor.checked_add_months(Months::new(units)),
    }
}

/// Whole months from `start` not passing `end`, and the days of the month
/// that follows them.
fn whole_months(start: NaiveDate, end: NaiveDate) -> Option<(i64, i64)> {
    let span = (end.year() - start.year()) * 12 + end.month() as i32 - start.month() as i32;
    let mut whole = u32::try_from(span.max(0)).ok()?;
    while whole > 0 && start.checked_add_months(Months::new(whole))? > end {
        whole -= 1;
    }
    let from = start.checked_add_months(Months::new(whole))?;
    let to = start.checked_add_months(Months::new(whole + 1))?;
    Some((i64::from(whole), (to - from).num_days()))
}

/// Days in `[start, end)` counted by `days_in_month` (negative if reversed).
pub fn day_count(start: NaiveDate, end: NaiveDate, days_in_month: DaysInMonth) -> i64 {
    match days_in_month {
        DaysInMonth::Actual => (end - start).num_days(),
        DaysInMonth::Thirty => {
            let day = |d: NaiveDate| i64::from(if is_month_end(d) { 30 } else { d.day().min(30) });
            let years = i64::from(end.year() - start.year());
            let months = i64::from(end.month()) - i64::from(start.month());
            years * 360 + months * 30 + day(end) - day(start)
        }
    }
}

fn is_month_end(date: NaiveDate) -> bool {
    date.succ_opt().is_none_or(|next| next.month() != date.month())
}

/// The fraction of a year in `[start, end)`: days by `days_in_month` over
/// `days_in_year`; under `Actual` each calendar year's days are divided by
/// that year's length (365 or 366), the span split at 1 January.
pub fn year_fraction(
    start: NaiveDate,
    end: NaiveDate,
    days_in_month: DaysInMonth,
    days_in_year: DaysInYear,
) -> Option<Decimal> {
    year_fraction_exact(start, end, days_in_month, days_in_year)?.to_decimal()
}

/// 365 × 366: the common denominator of actual/actual year fractions.
const ACTUAL_YEARS_DENOMINATOR: i128 = 365 * 366;

/// [`year_fraction`] as an exact fraction.
pub fn year_fraction_exact(
    start: NaiveDate,
    end: NaiveDate,
    days_in_month: DaysInMonth,
    days_in_year: DaysInYear,
) -> Option<Ratio> {
    if end <= start {
        return Some(Ratio::ZERO);
    }
    if let Some(divisor) = days_in_year.fixed_days() {
        let days = i128::from(day_count(start, end, days_in_month));
        return Some(Ratio::new(days, i128::from(divisor)));
    }
    let mut numerator: i128 = 0;
    let mut from = start;
    while from < end {
        let next_year = NaiveDate::from_ymd_opt(from.year().checked_add(1)?, 1, 1)?;
        let to = next_year.min(end);
        // d/366 = d·365/(365·366) in a leap year, d/365 = d·366/(365·366) otherwise.
        let weight = if from.leap_year() { 365 } else { 366 };
        numerator = numerator.checked_add(i128::from(day_count(from, to, days_in_month)) * weight)?;
        from = to;
    }
    Some(Ratio::new(numerator, ACTUAL_YEARS_DENOMINATOR))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn month_series_keeps_the_anchor_day() {
        let f = Frequency::MONTHLY;
        let anchor = date(2024, 1, 31);
        let series: Vec<_> = (0..5).map(|k| f.add_periods(anchor, k).unwrap()).collect();
        assert_eq!(
            series,
            [
                date(2024, 1, 31),
                date(2024, 2, 29),
                date(2024, 3, 31),
                date(2024, 4, 30),
                date(2024, 5, 31)
            ]
        );
        assert_eq!(f.add_periods(date(2023, 1, 31), 1), Some(date(2023, 2, 28)));
        let fortnight = Frequency {
            every: 2,
            unit: PeriodUnit::Weeks,
        };
        assert_eq!(
            fortnight.add_periods(date(2024, 1, 1), 2),
            Some(date(2024, 1, 29))
        );
        assert_eq!(f.add_periods(NaiveDate::MAX, 1), None);
    }

    #[test]
    fn thirty_day_count_makes_every_month_thirty_days() {
        let thirty = DaysInMonth::Thirty;
        assert_eq!(day_count(date(2023, 1, 31), date(2023, 2, 28), thirty), 30);
        assert_eq!(day_count(date(2023, 2, 28), date(2023, 3, 31), thirty), 30);
        assert_eq!(day_count(date(2023, 1, 1), date(2024, 1, 1), thirty), 360);
        assert_eq!(day_count(date(2023, 1, 15), date(2023, 3, 1), thirty), 46);
        assert_eq!(
            day_count(date(2023, 2, 1), date(2023, 3, 1), DaysInMonth::Actual),
            28
        );
    }

    #[test]
    fn actual_year_splits_at_new_year() {
        // 2023-12-01 .. 2024-01-31: 31 days of 2023 over 365, 30 days of 2024 over 366.
        let f = year_fraction(
            date(2023, 12, 1),
            date(2024, 1, 31),
            DaysInMonth::Actual,
            DaysInYear::Actual,
        );
        let want = Decimal::from(31) / Decimal::from(365) + Decimal::from(30) / Decimal::from(366);
        assert_eq!(f, Some(want));
        let fixed = year_fraction(
            date(2024, 1, 1),
            date(2024, 3, 1),
            DaysInMonth::Actual,
            DaysInYear::D360,
        );
        assert_eq!(fixed, Some(Decimal::from(60) / Decimal::from(360)));
    }

    #[test]
    fn units_between_counts_whole_months_then_a_fraction() {
        let f = Frequency::MONTHLY;
        assert_eq!(
            f.units_between(date(2022, 11, 1), date(2022, 12, 1)),
            Some(Decimal::ONE)
        );
        // 1 Nov .. 15 Dec: one month, then 14 days of December's 31.
        let want = Decimal::ONE + Decimal::from(14) / Decimal::from(31);
        assert_eq!(f.units_between(date(2022, 11, 1), date(2022, 12, 15)), Some(want));
        let short = f.units_between(date(2022, 11, 16), date(2022, 12, 1)).unwrap();
        assert_eq!(short, Decimal::from(15) / Decimal::from(30));
        let weeks = Frequency {
            every: 1,
            unit: PeriodUnit::Weeks,
        };
        assert_eq!(
            weeks.units_between_exact(date(2024, 1, 1), date(2024, 1, 19)),
            Some(Ratio::new(18, 7))
        );
        assert_eq!(
            f.units_between(date(2024, 1, 31), date(2024, 2, 29)),
            Some(Decimal::ONE)
        );
    }
}
