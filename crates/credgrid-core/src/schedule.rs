//! Repayment schedules: annuity (等额本息), equal principal (等额本金), flat,
//! interest-only, bullet (利随本清) and custom principal on given dates.
//!
//! [`generate`] turns [`ScheduleTerms`] into a [`Schedule`]: one row per
//! installment with its principal, interest, total and the outstanding
//! principal after it. All amounts are integer minor units; rates are exact
//! decimals; every rounding uses the terms' [`RoundingMode`]; the last
//! installment absorbs every rounding difference, so the principal parts
//! always sum to the principal. The conventions are documented in
//! `docs/schedule.md`. The only heap allocation is the `Vec` of rows.

use crate::calendar::{DaysInMonth, DaysInYear, Frequency, PeriodUnit, Ratio, year_fraction_exact};
use crate::money::{Money, MoneyError};
use crate::rounding::RoundingMode;
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// The highest annual rate a schedule accepts: 100% (1.00 as a fraction).
pub const ANNUAL_RATE_MAX: Decimal = Decimal::ONE;
/// The most installments a schedule may have (ten years of daily repayment).
pub const INSTALLMENTS_MAX: u32 = 3660;
/// The longest repayment period in units (`every` at most this).
pub const EVERY_MAX: u32 = 366;

/// How principal is repaid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RepaymentMethod {
    /// Level installments (等额本息); the level amount is the EMI.
    Annuity,
    /// Equal principal parts, interest on the declining balance (等额本金).
    EqualPrincipal,
    /// Equal principal parts, interest on the original principal every period.
    Flat,
    /// Periodic interest, all principal in the last installment (按期付息到期还本).
    InterestOnly,
    /// One repayment of principal and all interest at maturity (利随本清);
    /// `installments` is the term in periods.
    Bullet,
    /// Principal amounts on given dates (harvest-timed loans); interest on
    /// the declining balance. The dates are the due dates.
    Custom(Vec<CustomPrincipal>),
}

/// One principal amount of a custom schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CustomPrincipal {
    pub due_date: NaiveDate,
    pub principal: Money,
}

/// How each period's interest is computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InterestPeriod {
    /// The nominal periodic rate (annual × every / units per year); an
    /// irregular period is pro-rated by its length in units.
    Installment,
    /// Balance × annual rate × days / days in year.
    Daily,
}

/// Which rate the level payment (EMI) of an annuity is computed with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmiBasis {
    /// The nominal periodic rate, whatever the interest period (bank calculators).
    Nominal,
    /// The payment that repays exactly under the actual per-period rates.
    Exact,
}

/// Rounding of a schedule's amounts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScheduleRounding {
    /// Decimal places of every amount; must equal the principal's currency digits.
    pub digits: u8,
    pub mode: RoundingMode,
    /// The level installment (or each installment of equal-principal and
    /// flat schedules) is rounded to a multiple of this amount (e.g. 1 yuan).
    pub installment_multiple: Option<Money>,
}

/// Grace periods at the start of a schedule.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Grace {
    /// The first N installments repay no principal (interest only).
    pub principal_periods: u32,
    /// The interest of the first N installments is charged but deferred to
    /// the first installment after them.
    pub interest_payment_periods: u32,
}

/// Everything a schedule depends on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScheduleTerms {
    pub principal: Money,
    /// Annual nominal rate as a fraction (0.12 for 12%).
    pub annual_rate: Decimal,
    pub installments: u32,
    pub frequency: Frequency,
    pub disbursement_date: NaiveDate,
    /// Default: one period after disbursement. Later due dates are this date
    /// plus whole periods.
    pub first_repayment_date: Option<NaiveDate>,
    /// Default: the disbursement date. No interest accrues before it.
    pub interest_from_date: Option<NaiveDate>,
    pub method: RepaymentMethod,
    pub interest_period: InterestPeriod,
    pub days_in_year: DaysInYear,
    pub days_in_month: DaysInMonth,
    pub emi: EmiBasis,
    pub rounding: ScheduleRounding,
    pub grace: Grace,
}

/// One row of a schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Installment {
    /// 1-based number.
    pub n: u32,
    pub period_start: NaiveDate,
    pub due_date: NaiveDate,
    /// Calendar days from `period_start` to `due_date`.
    pub days: i64,
    pub principal: Money,
    pub interest: Money,
    pub total: Money,
    /// Principal still owed after this installment.
    pub outstanding: Money,
}

/// Sums over all rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScheduleTotals {
    pub principal: Money,
    pub interest: Money,
    pub total: Money,
}

/// A repayment schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub installments: Vec<Installment>,
    pub totals: ScheduleTotals,
}

/// Why a schedule cannot be generated. Variants are in the order checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("the principal must be greater than zero")]
    NonPositivePrincipal,
    #[error("the schedule needs at least one installment")]
    NoInstallments,
    #[error("a schedule may have at most {INSTALLMENTS_MAX} installments")]
    TooManyInstallments,
    #[error("the annual rate must be between 0 and 100%")]
    RateOutOfRange,
    #[error("repayment must be every 1 to {EVERY_MAX} units")]
    EveryOutOfRange,
    #[error("the rounding digits differ from the currency's digits")]
    DigitsMismatch,
    #[error("the installment multiple must be a positive amount in the loan's currency")]
    InvalidInstallmentMultiple,
    #[error("the first repayment date must be after the disbursement date")]
    FirstRepaymentNotAfterDisbursement,
    #[error("interest cannot be charged from before the disbursement date")]
    InterestFromBeforeDisbursement,
    #[error("grace must leave at least one installment after it")]
    GraceTooLong,
    #[error("a bullet loan has a single repayment and takes no grace")]
    GraceWithBullet,
    #[error("the number of custom principals differs from the number of installments")]
    CustomCountMismatch,
    #[error("custom principal {index}: must not be negative and must be in the loan's currency")]
    CustomPrincipalInvalid { index: usize },
    #[error("custom principal {index}: the due date must be after the previous one and after disbursement")]
    CustomDatesOutOfOrder { index: usize },
    #[error("the custom principals do not sum to the principal")]
    CustomPrincipalsSumMismatch,
    #[error("interest cannot be charged from after the last due date")]
    InterestFromAfterMaturity,
    #[error("a due date falls outside the calendar")]
    DateOutOfRange,
    #[error("an amount is too large to represent")]
    Overflow,
}

impl From<MoneyError> for ScheduleError {
    fn from(_: MoneyError) -> Self {
        ScheduleError::Overflow
    }
}

/// Generates the repayment schedule of `terms`.
pub fn generate(terms: &ScheduleTerms) -> Result<Schedule, ScheduleError> {
    validate(terms)?;
    let plan = Plan::new(terms)?;
    let schedule = match &terms.method {
        RepaymentMethod::Bullet => plan.bullet()?,
        _ => plan.rows()?,
    };
    assert_invariants(terms, &schedule);
    Ok(schedule)
}

fn validate(terms: &ScheduleTerms) -> Result<(), ScheduleError> {
    let currency = terms.principal.currency();
    if !terms.principal.is_positive() {
        return Err(ScheduleError::NonPositivePrincipal);
    }
    if terms.installments == 0 {
        return Err(ScheduleError::NoInstallments);
    }
    if terms.installments > INSTALLMENTS_MAX {
        return Err(ScheduleError::TooManyInstallments);
    }
    if terms.annual_rate < Decimal::ZERO || terms.annual_rate > ANNUAL_RATE_MAX {
        return Err(ScheduleError::RateOutOfRange);
    }
    if terms.frequency.every == 0 || terms.frequency.every > EVERY_MAX {
        return Err(ScheduleError::EveryOutOfRange);
    }
    if terms.rounding.digits != currency.digits() {
        return Err(ScheduleError::DigitsMismatch);
    }
    if terms
        .rounding
        .installment_multiple
        .is_some_and(|m| !m.is_positive() || m.currency() != currency)
    {
        return Err(ScheduleError::InvalidInstallmentMultiple);
    }
    if terms
        .first_repayment_date
        .is_some_and(|d| d <= terms.disbursement_date)
    {
        return Err(ScheduleError::FirstRepaymentNotAfterDisbursement);
    }
    if terms
        .interest_from_date
        .is_some_and(|d| d < terms.disbursement_date)
    {
        return Err(ScheduleError::InterestFromBeforeDisbursement);
    }
    let grace = terms.grace;
    if grace.principal_periods >= terms.installments || grace.interest_payment_periods >= terms.installments {
        return Err(ScheduleError::GraceTooLong);
    }
    match &terms.method {
        RepaymentMethod::Bullet if grace != Grace::default() => Err(ScheduleError::GraceWithBullet),
        RepaymentMethod::Custom(parts) => validate_custom(terms, parts),
        _ => Ok(()),
    }
}

fn validate_custom(terms: &ScheduleTerms, parts: &[CustomPrincipal]) -> Result<(), ScheduleError> {
    if parts.len() != terms.installments as usize {
        return Err(ScheduleError::CustomCountMismatch);
    }
    let mut previous = terms.disbursement_date;
    let mut sum = Money::zero(terms.principal.currency());
    for (index, part) in parts.iter().enumerate() {
        if part.principal.is_negative() || part.principal.currency() != sum.currency() {
            return Err(ScheduleError::CustomPrincipalInvalid { index });
        }
        if part.due_date <= previous {
            return Err(ScheduleError::CustomDatesOutOfOrder { index });
        }
        previous = part.due_date;
        sum = sum.checked_add(part.principal)?;
    }
    if sum != terms.principal {
        return Err(ScheduleError::CustomPrincipalsSumMismatch);
    }
    Ok(())
}

/// The validated terms with the derived dates and rates.
struct Plan<'a> {
    terms: &'a ScheduleTerms,
    /// Due dates are `anchor + (n - 1 + anchor_offset)` periods: anchored on
    /// the first repayment date when given, else on the disbursement date (so
    /// a loan disbursed on 31 January falls due 28 February, then 31 March).
    anchor: NaiveDate,
    anchor_offset: u32,
    interest_from: NaiveDate,
    maturity: NaiveDate,
    /// The interest factor of a regular period: annual × every / units per year.
    regular_factor: Ratio,
    /// The annual rate as an exact fraction (0.12 = 12/100).
    annual_rate: Ratio,
    /// Units of a year for pro-rating (12, 52 or days in year).
    units_per_year: i128,
}

impl<'a> Plan<'a> {
    fn new(terms: &'a ScheduleTerms) -> Result<Plan<'a>, ScheduleError> {
        let frequency = terms.frequency;
        let (anchor, anchor_offset) = match terms.first_repayment_date {
            Some(date) => (date, 0),
            None => (terms.disbursement_date, 1),
        };
        let mut plan = Plan {
            terms,
            anchor,
            anchor_offset,
            interest_from: terms.interest_from_date.unwrap_or(terms.disbursement_date),
            maturity: anchor,
            regular_factor: Ratio::ZERO,
            annual_rate: decimal_ratio(terms.annual_rate)?,
            units_per_year: i128::from(frequency.units_per_year(terms.days_in_year)),
        };
        plan.regular_factor =
            plan.scaled_rate(Ratio::new(i128::from(frequency.every), 1), plan.units_per_year)?;
        plan.maturity = plan.due_date(terms.installments)?;
        if plan.interest_from > plan.maturity {
            return Err(ScheduleError::InterestFromAfterMaturity);
        }
        Ok(plan)
    }

    /// The due date of installment `n` (1-based).
    fn due_date(&self, n: u32) -> Result<NaiveDate, ScheduleError> {
        debug_assert!(n >= 1);
        match &self.terms.method {
            RepaymentMethod::Custom(parts) => Ok(parts[n as usize - 1].due_date),
            _ => self
                .terms
                .frequency
                .add_periods(self.anchor, n - 1 + self.anchor_offset)
                .ok_or(ScheduleError::DateOutOfRange),
        }
    }

    /// The fraction of the balance charged as interest over `[start, end)`
    /// of installment `n`, exact (no rounding before the interest amount).
    fn interest_factor(&self, n: u32, start: NaiveDate, end: NaiveDate) -> Result<Ratio, ScheduleError> {
        let from = start.max(self.interest_from);
        if from >= end || self.annual_rate.numerator == 0 {
            return Ok(Ratio::ZERO);
        }
        let terms = self.terms;
        let share = match terms.interest_period {
            InterestPeriod::Daily => year_fraction_exact(from, end, self.days_in_month(), terms.days_in_year),
            InterestPeriod::Installment if from == start && self.is_regular(n, start, end) => {
                return Ok(self.regular_factor);
            }
            InterestPeriod::Installment => terms.frequency.units_between_exact(from, end),
        };
        let share = share.ok_or(ScheduleError::DateOutOfRange)?;
        match terms.interest_period {
            InterestPeriod::Daily => self.scaled_rate(share, 1),
            InterestPeriod::Installment => self.scaled_rate(share, self.units_per_year),
        }
    }

    /// The day count of daily interest: the 30/360 count applies to monthly
    /// repayment only; weekly and daily repayment count calendar days (Fineract).
    fn days_in_month(&self) -> DaysInMonth {
        match self.terms.frequency.unit {
            PeriodUnit::Months => self.terms.days_in_month,
            PeriodUnit::Days | PeriodUnit::Weeks => DaysInMonth::Actual,
        }
    }

    /// annual rate × share / per: (a/b) × (c/d) / per = ac / (b·d·per).
    fn scaled_rate(&self, share: Ratio, per: i128) -> Result<Ratio, ScheduleError> {
        let rate = self.annual_rate;
        let numerator = rate.numerator.checked_mul(share.numerator);
        let denominator = rate
            .denominator
            .checked_mul(share.denominator)
            .and_then(|d| d.checked_mul(per));
        match (numerator, denominator) {
            (Some(numerator), Some(denominator)) => Ok(Ratio::new(numerator, denominator)),
            _ => Err(ScheduleError::Overflow),
        }
    }

    /// A period of exactly one frequency step (later periods are by construction).
    fn is_regular(&self, n: u32, start: NaiveDate, end: NaiveDate) -> bool {
        match self.terms.method {
            RepaymentMethod::Custom(_) => false,
            _ => n >= 2 || self.terms.frequency.add_periods(start, 1) == Some(end),
        }
    }

    /// The start of installment `n`: disbursement, or the previous due date.
    fn period_start(&self, n: u32) -> Result<NaiveDate, ScheduleError> {
        if n == 1 {
            Ok(self.terms.disbursement_date)
        } else {
            self.due_date(n - 1)
        }
    }

    fn money(&self, minor: i64) -> Money {
        Money::from_minor(minor, self.terms.principal.currency())
    }

    /// The level payment of an annuity, in minor units, after rounding.
    fn level_payment(&self) -> Result<i64, ScheduleError> {
        let terms = self.terms;
        let amortizing = terms.installments - terms.grace.principal_periods;
        let principal = Decimal::from(terms.principal.minor());
        let exact = match terms.emi {
            EmiBasis::Nominal => {
                let frequency = terms.frequency;
                let periodic_rate = frequency.periodic_rate(terms.annual_rate, terms.days_in_year);
                periodic_rate.and_then(|rate| annuity_payment(principal, rate, amortizing))
            }
            EmiBasis::Exact => self.exact_payment(principal)?,
        }
        .ok_or(ScheduleError::Overflow)?;
        let mut payment = round_minor(exact, terms.rounding.mode)?;
        if let Some(multiple) = terms.rounding.installment_multiple {
            payment = round_to_multiple(payment, multiple.minor(), terms.rounding.mode)?;
        }
        Ok(payment)
    }

    /// principal / Σ_k Π_{j≤k} 1/(1+f_j) over the amortizing periods.
    fn exact_payment(&self, principal: Decimal) -> Result<Option<Decimal>, ScheduleError> {
        let first = self.terms.grace.principal_periods + 1;
        let mut discount = Decimal::ONE;
        let mut sum = Decimal::ZERO;
        let mut start = self.period_start(first)?;
        for n in first..=self.terms.installments {
            let due = self.due_date(n)?;
            let factor = self
                .interest_factor(n, start, due)?
                .to_decimal()
                .ok_or(ScheduleError::Overflow)?;
            start = due;
            let growth = Decimal::ONE.checked_add(factor).ok_or(ScheduleError::Overflow)?;
            discount = discount.checked_div(growth).ok_or(ScheduleError::Overflow)?;
            sum = sum.checked_add(discount).ok_or(ScheduleError::Overflow)?;
        }
        Ok(principal.checked_div(sum))
    }

    /// Equal principal part per amortizing period, in minor units.
    fn equal_part(&self) -> Result<i64, ScheduleError> {
        let amortizing = self.terms.installments - self.terms.grace.principal_periods;
        let part = Decimal::from(self.terms.principal.minor()) / Decimal::from(amortizing);
        round_minor(part, self.terms.rounding.mode)
    }

    fn rows(&self) -> Result<Schedule, ScheduleError> {
        let terms = self.terms;
        let mode = terms.rounding.mode;
        let count = terms.installments;
        let level = match terms.method {
            RepaymentMethod::Annuity => self.level_payment()?,
            RepaymentMethod::EqualPrincipal | RepaymentMethod::Flat => self.equal_part()?,
            _ => 0,
        };
        let mut rows = Vec::with_capacity(count as usize);
        let mut balance = terms.principal.minor();
        let mut deferred: i64 = 0;
        let mut start = terms.disbursement_date;
        for n in 1..=count {
            let due = self.due_date(n)?;
            let factor = self.interest_factor(n, start, due)?;
            let flat = matches!(terms.method, RepaymentMethod::Flat);
            let base = if flat { terms.principal.minor() } else { balance };
            let charged = interest_minor(base, factor, mode)?;
            let principal = if n == count {
                balance
            } else if n <= terms.grace.principal_periods {
                0
            } else {
                self.principal_part(n, level, charged)?.clamp(0, balance)
            };
            let interest = if n <= terms.grace.interest_payment_periods && n < count {
                deferred = deferred.checked_add(charged).ok_or(ScheduleError::Overflow)?;
                0
            } else {
                let due_interest = charged.checked_add(deferred).ok_or(ScheduleError::Overflow)?;
                deferred = 0;
                due_interest
            };
            balance -= principal;
            rows.push(self.row(n, start, due, principal, interest, balance)?);
            start = due;
        }
        debug_assert_eq!(deferred, 0);
        finish(rows, terms.principal)
    }

    /// The principal part of installment `n` before clamping to the balance.
    fn principal_part(&self, n: u32, level: i64, charged: i64) -> Result<i64, ScheduleError> {
        let terms = self.terms;
        let overflow = ScheduleError::Overflow;
        match &terms.method {
            RepaymentMethod::Annuity => level.checked_sub(charged).ok_or(overflow),
            RepaymentMethod::EqualPrincipal | RepaymentMethod::Flat => {
                match terms.rounding.installment_multiple {
                    // Fineract: round the installment to the multiple, keep the interest.
                    Some(multiple) => {
                        let total = level.checked_add(charged).ok_or(overflow)?;
                        let rounded = round_to_multiple(total, multiple.minor(), terms.rounding.mode)?;
                        rounded.checked_sub(charged).ok_or(overflow)
                    }
                    None => Ok(level),
                }
            }
            RepaymentMethod::InterestOnly | RepaymentMethod::Bullet => Ok(0),
            RepaymentMethod::Custom(parts) => Ok(parts[n as usize - 1].principal.minor()),
        }
    }

    fn row(
        &self,
        n: u32,
        period_start: NaiveDate,
        due_date: NaiveDate,
        principal: i64,
        interest: i64,
        outstanding: i64,
    ) -> Result<Installment, ScheduleError> {
        let total = principal.checked_add(interest).ok_or(ScheduleError::Overflow)?;
        Ok(Installment {
            n,
            period_start,
            due_date,
            days: (due_date - period_start).num_days(),
            principal: self.money(principal),
            interest: self.money(interest),
            total: self.money(total),
            outstanding: self.money(outstanding),
        })
    }

    /// One installment at maturity: the principal and the interest of every
    /// period of the term on the full principal (simple interest).
    fn bullet(&self) -> Result<Schedule, ScheduleError> {
        // The interest of each period, exact, summed before one rounding.
        let principal = self.terms.principal.minor();
        let mut interest_exact = Decimal::ZERO;
        let mut start = self.terms.disbursement_date;
        for n in 1..=self.terms.installments {
            let due = self.due_date(n)?;
            let factor = self.interest_factor(n, start, due)?;
            let numerator = i128::from(principal).checked_mul(factor.numerator);
            let part = numerator.and_then(|n| Ratio::new(n, factor.denominator).to_decimal());
            let part = part.ok_or(ScheduleError::Overflow)?;
            interest_exact = interest_exact.checked_add(part).ok_or(ScheduleError::Overflow)?;
            start = due;
        }
        let interest = round_minor(interest_exact, self.terms.rounding.mode)?;
        let row = self.row(
            1,
            self.terms.disbursement_date,
            self.maturity,
            principal,
            interest,
            0,
        )?;
        finish(vec![row], self.terms.principal)
    }
}

fn finish(installments: Vec<Installment>, principal: Money) -> Result<Schedule, ScheduleError> {
    let zero = Money::zero(principal.currency());
    let mut totals = ScheduleTotals {
        principal: zero,
        interest: zero,
        total: zero,
    };
    for row in &installments {
        totals.principal = totals.principal.checked_add(row.principal)?;
        totals.interest = totals.interest.checked_add(row.interest)?;
        totals.total = totals.total.checked_add(row.total)?;
    }
    Ok(Schedule { installments, totals })
}

fn assert_invariants(terms: &ScheduleTerms, schedule: &Schedule) {
    assert_eq!(
        schedule.totals.principal, terms.principal,
        "principal parts must sum to the principal"
    );
    debug_assert!(schedule.installments.iter().all(|r| !r.outstanding.is_negative()));
    debug_assert!(
        schedule
            .installments
            .last()
            .is_some_and(|r| r.outstanding.is_zero())
    );
}

/// The level payment repaying `principal` over `periods` at `rate` per
/// period: P·r·(1+r)^n / ((1+r)^n − 1), or P/n at rate zero.
pub fn annuity_payment(principal: Decimal, rate: Decimal, periods: u32) -> Option<Decimal> {
    if periods == 0 {
        return None;
    }
    if rate.is_zero() {
        return principal.checked_div(Decimal::from(periods));
    }
    let interest = principal.checked_mul(rate)?;
    match pow(Decimal::ONE.checked_add(rate)?, periods) {
        Some(growth) => interest
            .checked_mul(growth)?
            .checked_div(growth.checked_sub(Decimal::ONE)?),
        // (1+r)^n beyond 10^28: g/(g−1) is 1 to 28 digits, the payment is the interest.
        None => Some(interest),
    }
}

/// `base^exponent` by squaring, checked.
fn pow(base: Decimal, mut exponent: u32) -> Option<Decimal> {
    let mut result = Decimal::ONE;
    let mut square = base;
    while exponent > 0 {
        if exponent & 1 == 1 {
            result = result.checked_mul(square)?;
        }
        exponent >>= 1;
        if exponent > 0 {
            square = square.checked_mul(square)?;
        }
    }
    Some(result)
}

/// Rounds a decimal count of minor units to a whole minor unit.
fn round_minor(value: Decimal, mode: RoundingMode) -> Result<i64, ScheduleError> {
    let rounded = crate::rounding::round_decimal(value, 0, mode);
    i64::try_from(rounded).map_err(|_| ScheduleError::Overflow)
}

/// Rounds `amount` to a multiple of `multiple` (both minor units, multiple > 0).
pub fn round_to_multiple(amount: i64, multiple: i64, mode: RoundingMode) -> Result<i64, ScheduleError> {
    assert!(multiple > 0, "the multiple is validated positive");
    let steps = round_div(i128::from(amount), i128::from(multiple), mode);
    i64::try_from(steps * i128::from(multiple)).map_err(|_| ScheduleError::Overflow)
}

/// `balance × factor` in whole minor units, rounded once with `mode`.
fn interest_minor(balance: i64, factor: Ratio, mode: RoundingMode) -> Result<i64, ScheduleError> {
    let product = i128::from(balance)
        .checked_mul(factor.numerator)
        .ok_or(ScheduleError::Overflow)?;
    i64::try_from(round_div(product, factor.denominator, mode)).map_err(|_| ScheduleError::Overflow)
}

/// `numerator / denominator` rounded to an integer with `mode` (denominator > 0).
fn round_div(numerator: i128, denominator: i128, mode: RoundingMode) -> i128 {
    debug_assert!(denominator > 0);
    if numerator < 0 {
        // The modes are symmetric around zero (down = towards zero).
        return -round_div(-numerator, denominator, mode);
    }
    let (quotient, remainder) = match (u64::try_from(numerator), u64::try_from(denominator)) {
        // The common case fits 64-bit division, much cheaper than 128-bit.
        (Ok(n), Ok(d)) => (i128::from(n / d), i128::from(n % d)),
        _ => (numerator / denominator, numerator % denominator),
    };
    if remainder == 0 {
        return quotient;
    }
    let above_half = remainder > denominator - remainder;
    let at_half = remainder == denominator - remainder;
    let up = match mode {
        RoundingMode::Down => false,
        RoundingMode::Up => true,
        RoundingMode::HalfUp => above_half || at_half,
        RoundingMode::HalfEven => above_half || (at_half && quotient % 2 == 1),
    };
    if up { quotient + 1 } else { quotient }
}

/// A decimal as an exact fraction `mantissa / 10^scale`.
fn decimal_ratio(value: Decimal) -> Result<Ratio, ScheduleError> {
    let value = value.normalize();
    let denominator = 10_i128
        .checked_pow(value.scale())
        .ok_or(ScheduleError::Overflow)?;
    Ok(Ratio::new(value.mantissa(), denominator))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn terms(method: RepaymentMethod) -> ScheduleTerms {
        ScheduleTerms {
            principal: Money::from_minor(500_000, Currency::CNY),
            annual_rate: Decimal::new(12, 2),
            installments: 18,
            frequency: Frequency::MONTHLY,
            disbursement_date: NaiveDate::from_ymd_opt(2022, 11, 1).unwrap(),
            first_repayment_date: None,
            interest_from_date: None,
            method,
            interest_period: InterestPeriod::Installment,
            days_in_year: DaysInYear::D365,
            days_in_month: DaysInMonth::Actual,
            emi: EmiBasis::Nominal,
            rounding: ScheduleRounding {
                digits: 2,
                mode: RoundingMode::HalfEven,
                installment_multiple: None,
            },
            grace: Grace::default(),
        }
    }

    #[test]
    fn rounds_to_multiples_by_mode() {
        assert_eq!(round_to_multiple(30_491, 100, RoundingMode::HalfEven), Ok(30_500));
        assert_eq!(round_to_multiple(30_450, 100, RoundingMode::HalfEven), Ok(30_400));
        assert_eq!(round_to_multiple(30_550, 100, RoundingMode::HalfEven), Ok(30_600));
        assert_eq!(round_to_multiple(30_450, 100, RoundingMode::HalfUp), Ok(30_500));
        assert_eq!(round_to_multiple(30_499, 100, RoundingMode::Down), Ok(30_400));
        assert_eq!(round_to_multiple(30_401, 100, RoundingMode::Up), Ok(30_500));
        assert_eq!(round_to_multiple(-30_401, 100, RoundingMode::Up), Ok(-30_500));
        assert_eq!(
            round_to_multiple(i64::MAX, 100, RoundingMode::Up),
            Err(ScheduleError::Overflow)
        );
    }

    #[test]
    fn rejections_come_in_order_of_precedence() {
        let mut t = terms(RepaymentMethod::Annuity);
        t.installments = 0;
        t.principal = Money::zero(Currency::CNY);
        assert_eq!(generate(&t), Err(ScheduleError::NonPositivePrincipal));
        t.principal = Money::from_minor(100, Currency::CNY);
        assert_eq!(generate(&t), Err(ScheduleError::NoInstallments));
        t.installments = 3;
        t.annual_rate = Decimal::new(-1, 2);
        assert_eq!(generate(&t), Err(ScheduleError::RateOutOfRange));
        t.annual_rate = Decimal::new(101, 2);
        assert_eq!(generate(&t), Err(ScheduleError::RateOutOfRange));
        t.annual_rate = Decimal::ONE;
        t.grace.principal_periods = 3;
        assert_eq!(generate(&t), Err(ScheduleError::GraceTooLong));
        t.grace.principal_periods = 0;
        t.first_repayment_date = Some(t.disbursement_date);
        assert_eq!(
            generate(&t),
            Err(ScheduleError::FirstRepaymentNotAfterDisbursement)
        );
        t.first_repayment_date = None;
        t.frequency = Frequency {
            every: 0,
            unit: PeriodUnit::Days,
        };
        assert_eq!(generate(&t), Err(ScheduleError::EveryOutOfRange));
    }

    #[test]
    fn custom_rejects_wrong_sums_and_dates() {
        let d = |m| NaiveDate::from_ymd_opt(2023, m, 1).unwrap();
        let cny = |minor| Money::from_minor(minor, Currency::CNY);
        let parts = vec![
            CustomPrincipal {
                due_date: d(3),
                principal: cny(200_000),
            },
            CustomPrincipal {
                due_date: d(9),
                principal: cny(300_000),
            },
        ];
        let mut t = terms(RepaymentMethod::Custom(parts.clone()));
        t.installments = 2;
        let schedule = generate(&t).unwrap();
        assert_eq!(schedule.installments[0].principal, cny(200_000));
        assert_eq!(schedule.installments[1].due_date, d(9));
        let mut swapped = parts.clone();
        swapped.swap(0, 1);
        t.method = RepaymentMethod::Custom(swapped);
        assert_eq!(
            generate(&t),
            Err(ScheduleError::CustomDatesOutOfOrder { index: 1 })
        );
        let mut short = parts;
        short[1].principal = cny(299_999);
        t.method = RepaymentMethod::Custom(short);
        assert_eq!(generate(&t), Err(ScheduleError::CustomPrincipalsSumMismatch));
    }

    #[test]
    fn longest_terms_at_the_highest_rate_still_amortize() {
        let mut t = terms(RepaymentMethod::Annuity);
        t.installments = INSTALLMENTS_MAX;
        t.annual_rate = ANNUAL_RATE_MAX;
        t.frequency.unit = crate::calendar::PeriodUnit::Weeks;
        for emi in [EmiBasis::Nominal, EmiBasis::Exact] {
            t.emi = emi;
            let schedule = generate(&t).unwrap();
            assert_eq!(schedule.totals.principal, t.principal);
            // (1+r)^n is beyond 10^28: the level payment is the interest alone.
            let rows = &schedule.installments;
            assert_eq!(rows[0].total, rows[0].interest, "{emi:?}");
            assert_eq!(rows[rows.len() - 1].outstanding, Money::zero(Currency::CNY));
        }
    }

    #[test]
    fn overflowing_principal_is_an_error_not_a_panic() {
        let mut t = terms(RepaymentMethod::Annuity);
        t.principal = Money::from_minor(i64::MAX, Currency::CNY);
        t.annual_rate = Decimal::ONE;
        assert_eq!(generate(&t), Err(ScheduleError::Overflow));
    }
}
