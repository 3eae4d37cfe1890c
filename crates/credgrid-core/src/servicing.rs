//! The per-loan sub-ledger: what a loan owes day by day, as pure transitions over its schedule.
//!
//! A [`LoanPosition`] is the schedule's installments with what was paid and
//! charged against each, plus a compact `Copy` [`LoanSummary`] of balances
//! and running accruals. The position is always "as of the start of" a date
//! `as_of`: interest and penalty have accrued over the days before it.
//! Closing a business date `D` is `accrue_to(D + 1)`.
//!
//! Conventions (documented in `docs/servicing.md`):
//! - Contractual interest is the schedule's interest, recognised day by day
//!   over each installment's period with cumulative rounding, so the daily
//!   postings of a period sum to its scheduled interest exactly.
//! - An installment is *due* on its due date and *overdue* from the next day;
//!   days past due count from the oldest overdue due date.
//! - Penalty interest (罚息) accrues for every day on principal unpaid at the
//!   end of a day on or after its due date, at the contract rate × (1 +
//!   uplift); compound interest (复利), when switched on, on interest unpaid
//!   likewise. Both are loan-level running accruals rounded cumulatively.
//! - The end-of-day batch can advance a [`LoanSummary`] alone on every day
//!   that is not a due date ([`LoanSummary::step_day`]); on a due date it
//!   needs the installments ([`LoanPosition::accrue_to`]). Both paths give
//!   the same balances (tested).
//! - A back-dated transaction or a reversal is handled by [`replay`]: the
//!   whole position is recomputed from the schedule and the dated events.

use crate::accrual::{
    AccrualError, DayCount, PenaltyRule, RunningAccrual, accrue_units, contractual_posted_to,
};
use crate::allocation::{
    Allocation, AllocationBucket, AllocationError, AllocationOrder, Claim, InstallmentOwed, allocate,
    claims_as_of,
};
use crate::money::{Currency, Money, MoneyError};
use crate::rounding::RoundingMode;
use crate::schedule::{CustomPrincipal, RepaymentMethod, Schedule, ScheduleError, ScheduleTerms, generate};
use chrono::{Datelike, Days, NaiveDate};
use rust_decimal::Decimal;

/// Why a servicing transition was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ServicingError {
    #[error("schedule: a loan needs at least one installment")]
    EmptySchedule,
    #[error("date: {date} is after the position date {as_of}; accrue to it first")]
    NotAccruedTo { as_of: NaiveDate, date: NaiveDate },
    #[error("date: {date} is before the position date {as_of}; back-dated transactions are replayed")]
    DatedBeforePosition { as_of: NaiveDate, date: NaiveDate },
    #[error("amount: must be greater than zero")]
    NonPositiveAmount,
    #[error("amount: the currency differs from the loan's")]
    CurrencyMismatch,
    #[error("loan: the loan is closed")]
    LoanClosed,
    #[error("loan: the loan is written off")]
    LoanWrittenOff,
    #[error("loan: only a written-off loan takes recoveries")]
    NotWrittenOff,
    #[error("amount: a recovery of {amount_minor} exceeds the {remaining_minor} still written off")]
    RecoveryExceedsWrittenOff { amount_minor: i64, remaining_minor: i64 },
    #[error("accrual: {0}")]
    Accrual(#[from] AccrualError),
    #[error("allocation: {0}")]
    Allocation(#[from] AllocationError),
    #[error("prepayment schedule: {0}")]
    Schedule(#[from] ScheduleError),
    #[error("amount: {0}")]
    Money(#[from] MoneyError),
}

/// Where a loan stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LoanStatus {
    Active,
    /// Nothing owed: every installment, penalty and fee paid.
    Closed,
    /// Balances moved to written-off; only recoveries follow.
    WrittenOff,
}

/// What to do with money beyond everything due.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Prepayment {
    /// Keep it as an overpayment (to refund or hold); the schedule is unchanged.
    NotAllowed,
    /// Re-amortise keeping the installment: fewer periods.
    ShortenTerm,
    /// Re-amortise keeping the number of periods: a lower installment.
    LowerInstallment,
}

/// The product rules servicing needs beyond the schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoanTerms {
    /// The terms the schedule was generated from; prepayments re-amortise with them.
    pub schedule: ScheduleTerms,
    pub penalty: PenaltyRule,
    /// The rounding of accrual postings (interest spreading, penalty).
    pub accrual_rounding: RoundingMode,
}

impl LoanTerms {
    pub fn day_count(&self) -> DayCount {
        DayCount {
            days_in_year: self.schedule.days_in_year,
            days_in_month: self.schedule.days_in_month,
        }
    }
}

/// One installment with what was charged and paid against it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InstallmentPosition {
    pub n: u32,
    pub period_start: NaiveDate,
    pub due_date: NaiveDate,
    /// Calendar days of the period (interest is recognised over them).
    pub days: i64,
    pub principal: Money,
    pub interest: Money,
    pub fee: Money,
    pub principal_paid: Money,
    pub interest_paid: Money,
    pub fee_paid: Money,
}

impl InstallmentPosition {
    fn from_row(row: &crate::schedule::Installment) -> InstallmentPosition {
        let zero = Money::zero(row.principal.currency());
        InstallmentPosition {
            n: row.n,
            period_start: row.period_start,
            due_date: row.due_date,
            days: row.days,
            principal: row.principal,
            interest: row.interest,
            fee: zero,
            principal_paid: zero,
            interest_paid: zero,
            fee_paid: zero,
        }
    }

    pub fn principal_unpaid(&self) -> i64 {
        self.principal.minor() - self.principal_paid.minor()
    }

    pub fn interest_unpaid(&self) -> i64 {
        self.interest.minor() - self.interest_paid.minor()
    }

    pub fn fee_unpaid(&self) -> i64 {
        self.fee.minor() - self.fee_paid.minor()
    }

    /// The interest recognised (accrued) by the start of `as_of`.
    pub fn interest_recognised(&self, as_of: NaiveDate, mode: RoundingMode) -> Result<i64, AccrualError> {
        if self.due_date <= as_of {
            return Ok(self.interest.minor());
        }
        let elapsed = (as_of - self.period_start).num_days();
        Ok(contractual_posted_to(self.interest, elapsed, self.days, mode)?.minor())
    }

    fn is_settled(&self) -> bool {
        self.principal_unpaid() == 0 && self.interest_unpaid() == 0 && self.fee_unpaid() == 0
    }
}

/// The compact per-loan state the end-of-day batch advances: balances, the
/// current period and the running accruals. `Copy`, no heap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoanSummary {
    pub currency: Currency,
    pub status: LoanStatus,
    pub day_count: DayCount,
    pub accrual_rounding: RoundingMode,
    pub penalty_rate: Decimal,
    /// Zero when compound interest is off.
    pub compound_rate: Decimal,
    /// The position is as of the start of this date.
    pub as_of: NaiveDate,
    /// The earliest due date on or after `as_of` (`NaiveDate::MAX` after maturity).
    pub next_due_date: NaiveDate,
    /// The period ending on `next_due_date`.
    pub period_start: NaiveDate,
    pub period_days: i64,
    pub period_interest_minor: i64,
    /// All unpaid principal, overdue or not.
    pub principal_outstanding_minor: i64,
    /// Unpaid principal of installments due before `as_of`.
    pub principal_overdue_minor: i64,
    /// Unpaid interest of installments due before `as_of`.
    pub interest_overdue_minor: i64,
    /// Interest recognised and unpaid (overdue, due and accrued not yet due).
    pub interest_receivable_minor: i64,
    pub fee_unpaid_minor: i64,
    /// The earliest due date before `as_of` with principal or interest unpaid.
    pub oldest_overdue_date: Option<NaiveDate>,
    pub penalty: RunningAccrual,
    pub compound: RunningAccrual,
    /// Penalty and compound interest paid.
    pub penalty_paid_minor: i64,
}

/// What one or more days of accrual post to the ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccrualPosting {
    /// Contractual interest recognised.
    pub interest: Money,
    /// Penalty interest on overdue principal.
    pub penalty: Money,
    /// Compound interest on overdue interest.
    pub compound: Money,
}

impl AccrualPosting {
    pub fn zero(currency: Currency) -> AccrualPosting {
        let zero = Money::zero(currency);
        AccrualPosting {
            interest: zero,
            penalty: zero,
            compound: zero,
        }
    }

    pub fn checked_add(self, other: AccrualPosting) -> Result<AccrualPosting, MoneyError> {
        Ok(AccrualPosting {
            interest: self.interest.checked_add(other.interest)?,
            penalty: self.penalty.checked_add(other.penalty)?,
            compound: self.compound.checked_add(other.compound)?,
        })
    }
}

/// The outcome of one batch step of a summary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The day was closed; post these amounts.
    Posted(AccrualPosting),
    /// The day is a due date: load the installments and use [`LoanPosition::accrue_to`].
    NeedsInstallments,
}

impl LoanSummary {
    /// Unpaid penalty and compound interest.
    pub fn penalty_unpaid_minor(&self) -> i64 {
        if self.status == LoanStatus::WrittenOff {
            return 0;
        }
        self.penalty.posted_minor + self.compound.posted_minor - self.penalty_paid_minor
    }

    /// Days past due at `as_of` (0 when nothing is overdue).
    pub fn days_past_due(&self) -> u32 {
        // Day numbers rather than a duration: this runs for every loan every day.
        self.oldest_overdue_date.map_or(0, |d| {
            let days = i64::from(self.as_of.num_days_from_ce()) - i64::from(d.num_days_from_ce());
            u32::try_from(days).unwrap_or(0)
        })
    }

    /// Closes the day `as_of` without the installments, when no installment
    /// falls due on it; otherwise asks for them and changes nothing.
    pub fn step_day(&mut self) -> Result<Step, ServicingError> {
        if self.status != LoanStatus::Active {
            self.as_of = next_day(self.as_of)?;
            return Ok(Step::Posted(AccrualPosting::zero(self.currency)));
        }
        if self.as_of >= self.next_due_date {
            return Ok(Step::NeedsInstallments);
        }
        let day = self.as_of;
        let interest = Money::from_minor(self.period_interest_minor, self.currency);
        let posting = if self.period_interest_minor == 0 {
            interest
        } else {
            let elapsed = (next_day(day)? - self.period_start).num_days();
            crate::accrual::contractual_posting(interest, elapsed, self.period_days, self.accrual_rounding)?
        };
        let (penalty, compound) =
            self.accrue_penalty(day, self.principal_overdue_minor, self.interest_overdue_minor)?;
        self.interest_receivable_minor += posting.minor();
        self.as_of = next_day(day)?;
        Ok(Step::Posted(AccrualPosting {
            interest: posting,
            penalty,
            compound,
        }))
    }

    /// Accrues one day of penalty on `principal_minor` and compound interest
    /// on `interest_minor`; returns the postings.
    fn accrue_penalty(
        &mut self,
        day: NaiveDate,
        principal_minor: i64,
        interest_minor: i64,
    ) -> Result<(Money, Money), ServicingError> {
        let zero = Money::zero(self.currency);
        if principal_minor == 0 && (interest_minor == 0 || self.compound_rate.is_zero()) {
            return Ok((zero, zero));
        }
        let units = self.day_count.year_units(day, next_day(day)?)?;
        let mode = self.accrual_rounding;
        let mut postings = (zero, zero);
        if principal_minor != 0 {
            let exact = accrue_units(
                Money::from_minor(principal_minor, self.currency),
                self.penalty_rate,
                units,
            )?;
            postings.0 = self.penalty.add(exact, self.currency, mode)?;
        }
        if interest_minor != 0 && !self.compound_rate.is_zero() {
            let exact = accrue_units(
                Money::from_minor(interest_minor, self.currency),
                self.compound_rate,
                units,
            )?;
            postings.1 = self.compound.add(exact, self.currency, mode)?;
        }
        Ok(postings)
    }
}

fn next_day(date: NaiveDate) -> Result<NaiveDate, ServicingError> {
    date.checked_add_days(Days::new(1))
        .ok_or(ServicingError::Accrual(AccrualError::DateOutOfRange))
}

/// What a repayment did: the allocation over what was due, then any
/// prepayment of accrued interest and principal, then what was left over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepaymentOutcome {
    pub allocation: Allocation,
    /// Interest accrued but not yet due, paid by the prepayment.
    pub prepaid_interest: Money,
    /// Principal not yet due, paid by the prepayment.
    pub prepaid_principal: Money,
    /// Money beyond everything the loan owes (or refused as prepayment).
    pub overpayment: Money,
    /// Whether the remaining installments were re-amortised.
    pub rescheduled: bool,
}

impl RepaymentOutcome {
    /// Principal paid in total (allocated plus prepaid).
    pub fn principal(&self) -> Money {
        Money::from_minor(
            self.allocation.principal().minor() + self.prepaid_principal.minor(),
            self.currency(),
        )
    }

    /// Interest paid in total (allocated plus prepaid).
    pub fn interest(&self) -> Money {
        Money::from_minor(
            self.allocation.interest().minor() + self.prepaid_interest.minor(),
            self.currency(),
        )
    }

    fn currency(&self) -> Currency {
        self.allocation.amount.currency()
    }
}

/// The balances moved off the books by a write-off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriteOff {
    pub date: NaiveDate,
    pub principal: Money,
    pub interest: Money,
    pub penalty: Money,
    pub fee: Money,
}

impl WriteOff {
    pub fn total_minor(&self) -> i64 {
        self.principal.minor() + self.interest.minor() + self.penalty.minor() + self.fee.minor()
    }
}

/// A loan's sub-ledger: installments, the summary, and any write-off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoanPosition {
    terms: LoanTerms,
    installments: Vec<InstallmentPosition>,
    summary: LoanSummary,
    write_off: Option<WriteOff>,
    recovered: Money,
}

impl LoanPosition {
    /// A freshly disbursed loan, as of its disbursement date.
    pub fn new(terms: LoanTerms, schedule: &Schedule) -> Result<LoanPosition, ServicingError> {
        let installments: Vec<InstallmentPosition> = schedule
            .installments
            .iter()
            .map(InstallmentPosition::from_row)
            .collect();
        let as_of = terms.schedule.disbursement_date;
        LoanPosition::restore(
            terms,
            installments,
            as_of,
            RunningAccrual::default(),
            RunningAccrual::default(),
            0,
        )
    }

    /// A position rebuilt from stored parts (the batch loads these on a due date).
    pub fn restore(
        terms: LoanTerms,
        installments: Vec<InstallmentPosition>,
        as_of: NaiveDate,
        penalty: RunningAccrual,
        compound: RunningAccrual,
        penalty_paid_minor: i64,
    ) -> Result<LoanPosition, ServicingError> {
        let first = installments.first().ok_or(ServicingError::EmptySchedule)?;
        let currency = first.principal.currency();
        if currency != terms.schedule.principal.currency() {
            return Err(ServicingError::CurrencyMismatch);
        }
        let contract = terms.schedule.annual_rate;
        let summary = LoanSummary {
            currency,
            status: LoanStatus::Active,
            day_count: terms.day_count(),
            accrual_rounding: terms.accrual_rounding,
            penalty_rate: terms.penalty.penalty_rate(contract)?,
            compound_rate: terms.penalty.compound_rate(contract)?.unwrap_or(Decimal::ZERO),
            as_of,
            next_due_date: NaiveDate::MAX,
            period_start: NaiveDate::MAX,
            period_days: 0,
            period_interest_minor: 0,
            principal_outstanding_minor: 0,
            principal_overdue_minor: 0,
            interest_overdue_minor: 0,
            interest_receivable_minor: 0,
            fee_unpaid_minor: 0,
            oldest_overdue_date: None,
            penalty,
            compound,
            penalty_paid_minor,
        };
        let mut position = LoanPosition {
            terms,
            installments,
            summary,
            write_off: None,
            recovered: Money::zero(currency),
        };
        position.summary = position.derived_summary()?;
        position.close_if_settled()?;
        Ok(position)
    }

    /// Marks a restored position as written off with its record and what was recovered since.
    pub fn with_write_off(
        mut self,
        record: WriteOff,
        recovered: Money,
    ) -> Result<LoanPosition, ServicingError> {
        self.write_off = Some(record);
        self.recovered = recovered;
        self.summary.status = LoanStatus::WrittenOff;
        self.refresh()?;
        Ok(self)
    }

    pub fn terms(&self) -> &LoanTerms {
        &self.terms
    }

    pub fn installments(&self) -> &[InstallmentPosition] {
        &self.installments
    }

    /// The compact balances (what the batch stores per loan).
    pub fn summary(&self) -> LoanSummary {
        self.summary
    }

    pub fn as_of(&self) -> NaiveDate {
        self.summary.as_of
    }

    pub fn status(&self) -> LoanStatus {
        self.summary.status
    }

    pub fn write_off_record(&self) -> Option<WriteOff> {
        self.write_off
    }

    pub fn recovered(&self) -> Money {
        self.recovered
    }

    fn money(&self, minor: i64) -> Money {
        Money::from_minor(minor, self.summary.currency)
    }

    /// Interest recognised but not yet due (the current period's accrual, unpaid).
    pub fn interest_accrued_not_due(&self) -> Result<Money, ServicingError> {
        let mode = self.summary.accrual_rounding;
        let mut minor = 0;
        for inst in self
            .installments
            .iter()
            .filter(|i| i.due_date > self.summary.as_of)
        {
            minor += inst.interest_recognised(self.summary.as_of, mode)? - inst.interest_paid.minor();
        }
        Ok(self.money(minor.max(0)))
    }

    /// The summary recomputed from the installments at the current date,
    /// keeping the running accruals, the status and the penalty paid.
    pub fn derived_summary(&self) -> Result<LoanSummary, ServicingError> {
        let kept = self.summary;
        let mut s = LoanSummary {
            next_due_date: NaiveDate::MAX,
            period_start: NaiveDate::MAX,
            period_days: 0,
            period_interest_minor: 0,
            principal_outstanding_minor: 0,
            principal_overdue_minor: 0,
            interest_overdue_minor: 0,
            interest_receivable_minor: 0,
            fee_unpaid_minor: 0,
            oldest_overdue_date: None,
            ..kept
        };
        if s.status != LoanStatus::Active {
            // Closed or written off: nothing is on the books any more.
            return Ok(s);
        }
        let (as_of, mode) = (s.as_of, s.accrual_rounding);
        for inst in &self.installments {
            s.principal_outstanding_minor += inst.principal_unpaid();
            s.fee_unpaid_minor += inst.fee_unpaid();
            s.interest_receivable_minor +=
                inst.interest_recognised(as_of, mode)? - inst.interest_paid.minor();
            let unpaid = inst.principal_unpaid() > 0 || inst.interest_unpaid() > 0;
            if inst.due_date < as_of {
                s.principal_overdue_minor += inst.principal_unpaid();
                s.interest_overdue_minor += inst.interest_unpaid();
                if unpaid && s.oldest_overdue_date.is_none() {
                    s.oldest_overdue_date = Some(inst.due_date);
                }
            } else if inst.due_date < s.next_due_date {
                s.next_due_date = inst.due_date;
                s.period_start = inst.period_start;
                s.period_days = inst.days;
                s.period_interest_minor = inst.interest.minor();
            }
        }
        Ok(s)
    }

    fn refresh(&mut self) -> Result<(), ServicingError> {
        self.summary = self.derived_summary()?;
        Ok(())
    }

    /// Accrues every day from `as_of` up to (not including) `date`, returning
    /// the total to post. Days that are not due dates go through the
    /// summary's cheap step.
    pub fn accrue_to(&mut self, date: NaiveDate) -> Result<AccrualPosting, ServicingError> {
        if date < self.summary.as_of {
            return Err(ServicingError::DatedBeforePosition {
                as_of: self.summary.as_of,
                date,
            });
        }
        let mut total = AccrualPosting::zero(self.summary.currency);
        while self.summary.as_of < date {
            let posting = match self.summary.step_day()? {
                Step::Posted(posting) => posting,
                Step::NeedsInstallments => self.accrue_day_full()?,
            };
            total = total.checked_add(posting)?;
        }
        Ok(total)
    }

    /// Closes the day `as_of` from the installments (any day; needed on due dates).
    pub fn accrue_day_full(&mut self) -> Result<AccrualPosting, ServicingError> {
        if self.summary.status != LoanStatus::Active {
            self.summary.as_of = next_day(self.summary.as_of)?;
            return Ok(AccrualPosting::zero(self.summary.currency));
        }
        let day = self.summary.as_of;
        let tomorrow = next_day(day)?;
        let mode = self.summary.accrual_rounding;
        let (mut interest, mut principal_late, mut interest_late) = (0, 0, 0);
        for inst in &self.installments {
            interest += inst.interest_recognised(tomorrow, mode)? - inst.interest_recognised(day, mode)?;
            if inst.due_date <= day {
                principal_late += inst.principal_unpaid();
                interest_late += inst.interest_unpaid();
            }
        }
        let (penalty, compound) = self.summary.accrue_penalty(day, principal_late, interest_late)?;
        self.summary.as_of = tomorrow;
        self.refresh()?;
        Ok(AccrualPosting {
            interest: self.money(interest),
            penalty,
            compound,
        })
    }

    fn require_active_on(&self, date: NaiveDate) -> Result<(), ServicingError> {
        match self.summary.status {
            LoanStatus::Closed => return Err(ServicingError::LoanClosed),
            LoanStatus::WrittenOff => return Err(ServicingError::LoanWrittenOff),
            LoanStatus::Active => {}
        }
        self.require_date(date)
    }

    fn require_date(&self, date: NaiveDate) -> Result<(), ServicingError> {
        let as_of = self.summary.as_of;
        if date > as_of {
            return Err(ServicingError::NotAccruedTo { as_of, date });
        }
        if date < as_of {
            return Err(ServicingError::DatedBeforePosition { as_of, date });
        }
        Ok(())
    }

    fn require_amount(&self, amount: Money) -> Result<(), ServicingError> {
        if amount.currency() != self.summary.currency {
            return Err(ServicingError::CurrencyMismatch);
        }
        if !amount.is_positive() {
            return Err(ServicingError::NonPositiveAmount);
        }
        Ok(())
    }

    /// What the loan owes on its position date, as allocation claims.
    pub fn claims(&self) -> Vec<Claim> {
        let owed: Vec<InstallmentOwed> = self
            .installments
            .iter()
            .map(|i| InstallmentOwed {
                n: i.n,
                due_date: i.due_date,
                interest: self.money(i.interest_unpaid()),
                principal: self.money(i.principal_unpaid()),
                fee: self.money(i.fee_unpaid()),
            })
            .collect();
        let since = self.summary.oldest_overdue_date.unwrap_or(self.summary.as_of);
        let penalty = self.money(self.summary.penalty_unpaid_minor());
        claims_as_of(self.summary.as_of, &owed, penalty, since, self.summary.currency)
    }

    /// Records a repayment on the position date: allocates it over what is
    /// due in `order`, then applies any rest as `prepayment`.
    pub fn repay(
        &mut self,
        date: NaiveDate,
        amount: Money,
        order: &AllocationOrder,
        prepayment: Prepayment,
    ) -> Result<RepaymentOutcome, ServicingError> {
        self.require_active_on(date)?;
        self.require_amount(amount)?;
        let allocation = allocate(amount, &self.claims(), order)?;
        self.apply_allocation(&allocation);
        let zero = Money::zero(self.summary.currency);
        let mut outcome = RepaymentOutcome {
            overpayment: allocation.remainder,
            allocation,
            prepaid_interest: zero,
            prepaid_principal: zero,
            rescheduled: false,
        };
        if outcome.overpayment.is_positive() && prepayment != Prepayment::NotAllowed {
            self.prepay(&mut outcome, prepayment)?;
        }
        self.refresh()?;
        self.close_if_settled()?;
        let accounted = outcome.allocation.allocated().minor()
            + outcome.prepaid_interest.minor()
            + outcome.prepaid_principal.minor()
            + outcome.overpayment.minor();
        assert_eq!(
            accounted,
            amount.minor(),
            "a repayment must be accounted for to the minor unit"
        );
        Ok(outcome)
    }

    fn apply_allocation(&mut self, allocation: &Allocation) {
        for part in &allocation.parts {
            let minor = part.amount.minor();
            if part.bucket == AllocationBucket::Penalty {
                self.summary.penalty_paid_minor += minor;
                continue;
            }
            let Some(inst) = self.installments.iter_mut().find(|i| i.n == part.n) else {
                unreachable!("claims are built from the installments");
            };
            let paid = match part.bucket {
                AllocationBucket::Fee => &mut inst.fee_paid,
                AllocationBucket::OverdueInterest | AllocationBucket::DueInterest => &mut inst.interest_paid,
                _ => &mut inst.principal_paid,
            };
            *paid = Money::from_minor(paid.minor() + minor, paid.currency());
        }
    }

    /// Pays the current period's accrued interest, then principal not yet
    /// due, and re-amortises what remains from the position date.
    fn prepay(&mut self, outcome: &mut RepaymentOutcome, kind: Prepayment) -> Result<(), ServicingError> {
        let as_of = self.summary.as_of;
        let mode = self.summary.accrual_rounding;
        let Some(k) = self.installments.iter().position(|i| i.due_date > as_of) else {
            return Ok(());
        };
        let current = self.installments[k];
        let accrued = current.interest_recognised(as_of, mode)?;
        let interest_now = (accrued - current.interest_paid.minor()).clamp(0, outcome.overpayment.minor());
        let future_principal: i64 = self.installments[k..].iter().map(|i| i.principal_unpaid()).sum();
        let principal_now = (outcome.overpayment.minor() - interest_now).min(future_principal);
        outcome.prepaid_interest = self.money(interest_now);
        outcome.prepaid_principal = self.money(principal_now);
        outcome.overpayment = self.money(outcome.overpayment.minor() - interest_now - principal_now);
        if principal_now == 0 {
            self.installments[k].interest_paid = self.money(current.interest_paid.minor() + interest_now);
            return Ok(());
        }
        // The current installment closes today with what was accrued and prepaid.
        // Fees of the replaced installments are all paid (allocation claims every fee before
        // a remainder exists); they move onto the closed installment so no record is lost.
        let later_fees: i64 = self.installments[k + 1..].iter().map(|i| i.fee.minor()).sum();
        let later_fees_paid: i64 = self.installments[k + 1..]
            .iter()
            .map(|i| i.fee_paid.minor())
            .sum();
        debug_assert_eq!(later_fees, later_fees_paid);
        let principal_closed = current.principal_paid.minor() + principal_now;
        let closed = InstallmentPosition {
            due_date: as_of,
            days: (as_of - current.period_start).num_days(),
            principal: self.money(principal_closed),
            interest: self.money(accrued),
            fee: self.money(current.fee.minor() + later_fees),
            principal_paid: self.money(principal_closed),
            interest_paid: self.money(accrued),
            fee_paid: self.money(current.fee_paid.minor() + later_fees_paid),
            ..current
        };
        let remaining = future_principal - principal_now;
        let later = self.reamortise(k, remaining, kind)?;
        self.installments.truncate(k);
        self.installments.push(closed);
        self.installments.extend(later);
        outcome.rescheduled = true;
        Ok(())
    }

    /// New installments repaying `remaining` from the position date, numbered
    /// after installment `k`, by shortening the term or lowering the installment.
    fn reamortise(
        &self,
        k: usize,
        remaining: i64,
        kind: Prepayment,
    ) -> Result<Vec<InstallmentPosition>, ServicingError> {
        if remaining == 0 {
            return Ok(Vec::new());
        }
        let old = &self.installments[k..];
        let as_of = self.summary.as_of;
        let mut terms = self.terms.schedule.clone();
        terms.principal = self.money(remaining);
        terms.disbursement_date = as_of;
        terms.interest_from_date = None;
        terms.first_repayment_date = Some(old[0].due_date);
        terms.grace = Default::default();
        terms.installments = u32::try_from(old.len()).unwrap_or(u32::MAX);
        let schedule = match (&self.terms.schedule.method, kind) {
            (RepaymentMethod::Custom(_), _) => {
                terms.method =
                    RepaymentMethod::Custom(custom_parts(old, remaining, kind, self.summary.currency));
                terms.installments = custom_count(&terms.method);
                generate(&terms)?
            }
            (RepaymentMethod::InterestOnly | RepaymentMethod::Bullet, _)
            | (_, Prepayment::LowerInstallment) => {
                if self.terms.schedule.method == RepaymentMethod::Bullet {
                    terms.installments = 1;
                }
                generate(&terms)?
            }
            _ => shortest_schedule(&terms, &old[0])?,
        };
        let first_n = self.installments[k].n;
        Ok(schedule
            .installments
            .iter()
            .map(|row| {
                let mut inst = InstallmentPosition::from_row(row);
                inst.n = first_n + row.n;
                inst
            })
            .collect())
    }

    fn close_if_settled(&mut self) -> Result<(), ServicingError> {
        let settled = self.installments.iter().all(InstallmentPosition::is_settled);
        if self.summary.status == LoanStatus::Active && settled && self.summary.penalty_unpaid_minor() == 0 {
            self.summary.status = LoanStatus::Closed;
            self.refresh()?;
        }
        Ok(())
    }

    /// Charges a fee on the position date; it is attached to the first
    /// installment due on or after the date (the last one after maturity).
    pub fn charge_fee(&mut self, date: NaiveDate, amount: Money) -> Result<u32, ServicingError> {
        self.require_active_on(date)?;
        self.require_amount(amount)?;
        let last = self.installments.len() - 1;
        let index = self
            .installments
            .iter()
            .position(|i| i.due_date >= date)
            .unwrap_or(last);
        let inst = &mut self.installments[index];
        inst.fee = inst.fee.checked_add(amount)?;
        let n = inst.n;
        self.refresh()?;
        Ok(n)
    }

    /// Writes the loan off on the position date: every recognised unpaid
    /// balance moves to written-off; accrual stops.
    pub fn write_off(&mut self, date: NaiveDate) -> Result<WriteOff, ServicingError> {
        self.require_active_on(date)?;
        let s = &self.summary;
        let record = WriteOff {
            date,
            principal: self.money(s.principal_outstanding_minor),
            interest: self.money(s.interest_receivable_minor),
            penalty: self.money(s.penalty_unpaid_minor()),
            fee: self.money(s.fee_unpaid_minor),
        };
        self.write_off = Some(record);
        self.summary.status = LoanStatus::WrittenOff;
        self.refresh()?;
        Ok(record)
    }

    /// Records money recovered after a write-off (核销后收回).
    pub fn recover(&mut self, date: NaiveDate, amount: Money) -> Result<Money, ServicingError> {
        let record = self.write_off.ok_or(ServicingError::NotWrittenOff)?;
        self.require_date(date)?;
        self.require_amount(amount)?;
        let remaining_minor = record.total_minor() - self.recovered.minor();
        if amount.minor() > remaining_minor {
            return Err(ServicingError::RecoveryExceedsWrittenOff {
                amount_minor: amount.minor(),
                remaining_minor,
            });
        }
        self.recovered = self.recovered.checked_add(amount)?;
        Ok(self.money(remaining_minor - amount.minor()))
    }
}

/// Custom principal parts for the remaining installments: shortening takes
/// the prepayment from the last parts; lowering scales every part.
fn custom_parts(
    old: &[InstallmentPosition],
    remaining: i64,
    kind: Prepayment,
    currency: Currency,
) -> Vec<CustomPrincipal> {
    let unpaid: Vec<i64> = old.iter().map(InstallmentPosition::principal_unpaid).collect();
    let total: i64 = unpaid.iter().sum();
    let mut parts = Vec::with_capacity(old.len());
    let mut left = remaining;
    for (i, inst) in old.iter().enumerate() {
        let share = match kind {
            Prepayment::LowerInstallment if i + 1 < old.len() => {
                i64::try_from(i128::from(unpaid[i]) * i128::from(remaining) / i128::from(total.max(1)))
                    .unwrap_or(0)
            }
            Prepayment::LowerInstallment => left,
            _ => unpaid[i].min(left),
        };
        let share = share.min(left);
        left -= share;
        parts.push(CustomPrincipal {
            due_date: inst.due_date,
            principal: Money::from_minor(share, currency),
        });
    }
    while parts.len() > 1 && parts.last().is_some_and(|p| p.principal.is_zero()) {
        parts.pop();
    }
    debug_assert_eq!(left, 0);
    parts
}

fn custom_count(method: &RepaymentMethod) -> u32 {
    match method {
        RepaymentMethod::Custom(parts) => u32::try_from(parts.len()).unwrap_or(u32::MAX),
        _ => 1,
    }
}

/// The schedule with the fewest installments whose regular installment is
/// no larger than the current one (the total for annuities, the principal
/// part for equal-principal and flat loans). Binary search over the count.
fn shortest_schedule(
    terms: &ScheduleTerms,
    current: &InstallmentPosition,
) -> Result<Schedule, ServicingError> {
    let by_principal = matches!(
        terms.method,
        RepaymentMethod::EqualPrincipal | RepaymentMethod::Flat
    );
    let target = if by_principal {
        current.principal.minor()
    } else {
        current.principal.minor() + current.interest.minor()
    };
    let fits = |schedule: &Schedule| {
        let rows = &schedule.installments;
        let regular = if rows.len() > 1 {
            &rows[..rows.len() - 1]
        } else {
            &rows[..]
        };
        regular.iter().all(|r| if by_principal { r.principal.minor() } else { r.total.minor() } <= target)
    };
    let (mut low, mut high) = (1, terms.installments);
    let mut best = {
        let mut t = terms.clone();
        t.installments = high;
        generate(&t)?
    };
    while low < high {
        let mid = low + (high - low) / 2;
        let mut t = terms.clone();
        t.installments = mid;
        let candidate = generate(&t)?;
        if fits(&candidate) {
            high = mid;
            best = candidate;
        } else {
            low = mid + 1;
        }
    }
    Ok(best)
}

/// A dated transaction of a loan, for [`replay`]. Reversed transactions are
/// left out of the list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoanEvent {
    Repayment {
        date: NaiveDate,
        amount: Money,
        prepayment: Prepayment,
    },
    Fee {
        date: NaiveDate,
        amount: Money,
    },
    WriteOff {
        date: NaiveDate,
    },
    Recovery {
        date: NaiveDate,
        amount: Money,
    },
}

impl LoanEvent {
    pub fn date(&self) -> NaiveDate {
        match *self {
            Self::Repayment { date, .. }
            | Self::Fee { date, .. }
            | Self::WriteOff { date }
            | Self::Recovery { date, .. } => date,
        }
    }
}

/// What one replayed event did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventOutcome {
    Repayment(RepaymentOutcome),
    /// The installment the fee was attached to.
    Fee(u32),
    WriteOff(WriteOff),
    /// What remains written off after the recovery.
    Recovery(Money),
    /// The event no longer applies: a fee or write-off on a loan that an
    /// earlier (back-dated) repayment has closed.
    Refused(ServicingError),
}

/// The position as of `as_of` recomputed from the schedule and every event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replay {
    pub position: LoanPosition,
    /// One outcome per event, in the order applied (by date, stable).
    pub outcomes: Vec<(LoanEvent, EventOutcome)>,
    /// Every accrual posting from disbursement to `as_of`.
    pub accrued: AccrualPosting,
}

/// Recomputes a loan from its schedule and dated events (sorted by date,
/// same-date events in the order given) up to the start of `as_of`. A
/// back-dated repayment or a reversal is applied by replaying the corrected
/// list; the caller posts the differences against what it posted before.
pub fn replay(
    terms: LoanTerms,
    schedule: &Schedule,
    order: &AllocationOrder,
    events: &[LoanEvent],
    as_of: NaiveDate,
) -> Result<Replay, ServicingError> {
    let mut position = LoanPosition::new(terms, schedule)?;
    let mut sorted: Vec<LoanEvent> = events.to_vec();
    sorted.sort_by_key(LoanEvent::date);
    let mut accrued = AccrualPosting::zero(position.summary.currency);
    let mut outcomes = Vec::with_capacity(sorted.len());
    for event in sorted {
        if event.date() > as_of {
            break;
        }
        accrued = accrued.checked_add(position.accrue_to(event.date())?)?;
        let outcome = match event {
            LoanEvent::Repayment {
                date,
                amount,
                prepayment,
            } => EventOutcome::Repayment(replay_repayment(&mut position, date, amount, order, prepayment)?),
            LoanEvent::Fee { date, amount } => match position.charge_fee(date, amount) {
                Err(e @ (ServicingError::LoanClosed | ServicingError::LoanWrittenOff)) => {
                    EventOutcome::Refused(e)
                }
                other => EventOutcome::Fee(other?),
            },
            LoanEvent::WriteOff { date } => match position.write_off(date) {
                Err(e @ ServicingError::LoanClosed) => EventOutcome::Refused(e),
                other => EventOutcome::WriteOff(other?),
            },
            LoanEvent::Recovery { date, amount } => EventOutcome::Recovery(position.recover(date, amount)?),
        };
        outcomes.push((event, outcome));
    }
    accrued = accrued.checked_add(position.accrue_to(as_of)?)?;
    Ok(Replay {
        position,
        outcomes,
        accrued,
    })
}

/// A repayment during replay: one that now lands on a loan an earlier
/// (back-dated) repayment has closed becomes an overpayment to refund or hold,
/// rather than stopping the recomputation.
fn replay_repayment(
    position: &mut LoanPosition,
    date: NaiveDate,
    amount: Money,
    order: &AllocationOrder,
    prepayment: Prepayment,
) -> Result<RepaymentOutcome, ServicingError> {
    match position.repay(date, amount, order, prepayment) {
        Err(ServicingError::LoanClosed) => {
            position.require_date(date)?;
            position.require_amount(amount)?;
            let zero = Money::zero(amount.currency());
            Ok(RepaymentOutcome {
                allocation: Allocation::empty(amount),
                prepaid_interest: zero,
                prepaid_principal: zero,
                overpayment: amount,
                rescheduled: false,
            })
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{DaysInMonth, DaysInYear, Frequency};
    use crate::schedule::{EmiBasis, Grace, InterestPeriod, ScheduleRounding};

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn cny(minor: i64) -> Money {
        Money::from_minor(minor, Currency::CNY)
    }

    fn terms(method: RepaymentMethod, installments: u32) -> LoanTerms {
        let schedule = ScheduleTerms {
            principal: cny(600_000),
            annual_rate: Decimal::new(12, 2),
            installments,
            frequency: Frequency::MONTHLY,
            disbursement_date: date(2024, 1, 1),
            first_repayment_date: None,
            interest_from_date: None,
            method,
            interest_period: InterestPeriod::Daily,
            days_in_year: DaysInYear::D360,
            days_in_month: DaysInMonth::Actual,
            emi: EmiBasis::Nominal,
            rounding: ScheduleRounding {
                digits: 2,
                mode: RoundingMode::HalfEven,
                installment_multiple: None,
            },
            grace: Grace::default(),
        };
        LoanTerms {
            schedule,
            penalty: PenaltyRule::default(),
            accrual_rounding: RoundingMode::HalfEven,
        }
    }

    fn position(terms: LoanTerms) -> LoanPosition {
        let schedule = generate(&terms.schedule).unwrap();
        LoanPosition::new(terms, &schedule).unwrap()
    }

    #[test]
    fn custom_schedule_prepayment_shortens_from_the_last_parts() {
        // A harvest-timed loan: 1,000 in April, 2,000 in July, 3,000 in October.
        let parts = [(4, 100_000), (7, 200_000), (10, 300_000)].map(|(m, p)| CustomPrincipal {
            due_date: date(2024, m, 1),
            principal: cny(p),
        });
        let mut p = position(terms(RepaymentMethod::Custom(parts.to_vec()), 3));
        let day = date(2024, 4, 1);
        p.accrue_to(day).unwrap();
        let due = p.claims().iter().map(|c| c.amount.minor()).sum::<i64>();
        let amount = cny(due + 350_000);
        let outcome = p
            .repay(day, amount, &AllocationOrder::default(), Prepayment::ShortenTerm)
            .unwrap();
        assert_eq!(outcome.prepaid_principal, cny(350_000));
        let future: Vec<(NaiveDate, i64)> = p
            .installments()
            .iter()
            .filter(|i| i.due_date > day)
            .map(|i| (i.due_date, i.principal.minor()))
            .collect();
        // 5,000 left less 3,500 prepaid: July's 2,000 becomes 1,500 and October's part goes.
        assert_eq!(future, vec![(date(2024, 7, 1), 150_000)]);
        assert_eq!(p.summary().principal_outstanding_minor, 150_000);
    }

    #[test]
    fn bullet_prepayment_keeps_the_maturity() {
        let mut p = position(terms(RepaymentMethod::Bullet, 6));
        let maturity = p.installments()[0].due_date;
        let day = date(2024, 2, 1);
        p.accrue_to(day).unwrap();
        let outcome = p
            .repay(
                day,
                cny(200_000),
                &AllocationOrder::default(),
                Prepayment::ShortenTerm,
            )
            .unwrap();
        assert!(outcome.rescheduled);
        let last = p.installments().last().copied().unwrap();
        assert_eq!(last.due_date, maturity);
        assert_eq!(
            last.principal.minor() + outcome.prepaid_principal.minor(),
            600_000
        );
        // Interest for January was paid with the prepayment: 6,000 × 12 % × 31/360.
        assert_eq!(outcome.prepaid_interest, cny(6_200));
    }

    #[test]
    fn after_maturity_only_penalty_accrues_and_no_installments_are_needed() {
        let mut p = position(terms(RepaymentMethod::Annuity, 2));
        let maturity = p.installments()[1].due_date;
        p.accrue_to(maturity.checked_add_days(Days::new(1)).unwrap())
            .unwrap();
        let mut summary = p.summary();
        assert_eq!(summary.next_due_date, NaiveDate::MAX);
        for _ in 0..30 {
            let Step::Posted(posting) = summary.step_day().unwrap() else {
                panic!("no installment falls due after maturity");
            };
            assert!(posting.interest.is_zero());
            assert!(posting.penalty.minor() >= 0);
        }
        assert!(summary.penalty.posted_minor > 0);
        assert_eq!(summary.days_past_due(), p.summary().days_past_due() + 30);
    }

    #[test]
    fn restore_from_stored_parts_gives_the_same_position() {
        let mut p = position(terms(RepaymentMethod::EqualPrincipal, 6));
        p.accrue_to(date(2024, 3, 10)).unwrap();
        p.repay(
            date(2024, 3, 10),
            cny(50_000),
            &AllocationOrder::default(),
            Prepayment::NotAllowed,
        )
        .unwrap();
        let s = p.summary();
        let restored = LoanPosition::restore(
            p.terms().clone(),
            p.installments().to_vec(),
            s.as_of,
            s.penalty,
            s.compound,
            s.penalty_paid_minor,
        )
        .unwrap();
        assert_eq!(restored, p);
    }

    #[test]
    fn replay_turns_a_repayment_on_a_closed_loan_into_an_overpayment() {
        let t = terms(RepaymentMethod::Annuity, 3);
        let schedule = generate(&t.schedule).unwrap();
        let payoff = LoanEvent::Repayment {
            date: date(2024, 1, 20),
            amount: cny(700_000),
            prepayment: Prepayment::ShortenTerm,
        };
        let later = LoanEvent::Repayment {
            date: date(2024, 2, 1),
            amount: cny(10_000),
            prepayment: Prepayment::ShortenTerm,
        };
        let fee = LoanEvent::Fee {
            date: date(2024, 2, 2),
            amount: cny(500),
        };
        let r = replay(
            t,
            &schedule,
            &AllocationOrder::default(),
            &[later, fee, payoff],
            date(2024, 3, 1),
        )
        .unwrap();
        assert_eq!(r.position.status(), LoanStatus::Closed);
        let EventOutcome::Repayment(second) = &r.outcomes[1].1 else {
            panic!("a repayment")
        };
        assert_eq!(second.overpayment, cny(10_000));
        assert_eq!(r.outcomes[2].1, EventOutcome::Refused(ServicingError::LoanClosed));
    }
}
