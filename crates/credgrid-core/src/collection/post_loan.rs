//! Post-loan management (R-SVC-5): scheduled visits after disbursement and
//! periodically, use-of-funds checks, and early-warning signals that raise a
//! visit task for the responsible manager or grid worker.
//!
//! Signals: the first missed installment, a fall in the household's deposits,
//! news recorded by a grid worker, and a use-of-funds check that found the
//! money diverted. Each end of day the caller passes that day's figures; the
//! functions are pure and return tasks for the workflow to store.

use super::LoanId;
use crate::authz::UserId;
use crate::money::Money;
use chrono::{Days, NaiveDate};

/// The most scheduled visits one loan can get (a bound on the schedule).
pub const VISITS_MAX: usize = 500;
/// The longest grid-worker note or declared purpose, in characters.
pub const NOTE_CHARS_MAX: usize = 2_000;

/// A periodic-visit rule: loans of `product` (or any product when `None`)
/// from `amount_from_minor` of principal are visited every `interval_days`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeriodicRule {
    pub product: Option<String>,
    pub amount_from_minor: i64,
    pub interval_days: u32,
}

/// The visit plan of an institution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VisitPlan {
    /// The first visit is due this many days after disbursement.
    pub first_visit_within_days: u32,
    pub rules: Vec<PeriodicRule>,
}

impl Default for VisitPlan {
    /// First visit within 30 days; then every 180 days, every 90 days from
    /// 50,000.00 and every 30 days from 200,000.00 of principal (two-digit
    /// currency).
    fn default() -> Self {
        let rule = |amount_from_minor, interval_days| PeriodicRule {
            product: None,
            amount_from_minor,
            interval_days,
        };
        VisitPlan {
            first_visit_within_days: 30,
            rules: vec![rule(0, 180), rule(5_000_000, 90), rule(20_000_000, 30)],
        }
    }
}

/// Why a plan, a check or a signal was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PostLoanError {
    #[error("interval_days of a periodic rule must be at least 1")]
    ZeroInterval,
    #[error("the maturity date {maturity_on} is before the disbursement date {disbursed_on}")]
    MaturityBeforeDisbursement {
        disbursed_on: NaiveDate,
        maturity_on: NaiveDate,
    },
    #[error("{field} must not be negative")]
    Negative { field: &'static str },
    #[error("{field} must not be empty")]
    Empty { field: &'static str },
    #[error("{field} is longer than {max} characters")]
    TooLong { field: &'static str, max: usize },
}

/// The loan a visit schedule is built for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VisitLoan<'a> {
    pub loan_id: LoanId,
    pub product: &'a str,
    pub principal: Money,
    pub disbursed_on: NaiveDate,
    pub maturity_on: NaiveDate,
    /// The account manager or grid worker who visits.
    pub responsible: UserId,
}

/// Why a visit is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VisitReason {
    AfterDisbursement,
    Periodic,
    EarlyWarning,
}

/// A visit to make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VisitTask {
    pub loan_id: LoanId,
    pub assignee: UserId,
    pub due_on: NaiveDate,
    pub reason: VisitReason,
    /// The visit includes a check of the use of funds.
    pub use_of_funds_check: bool,
    /// The signals that raised the visit (empty for scheduled visits).
    pub warnings: Vec<WarningKind>,
}

impl VisitPlan {
    /// The periodic interval for a loan: the rule of its product with the
    /// highest threshold at or below its principal; else the generic rule
    /// likewise; `None` when no rule applies.
    pub fn interval_days(&self, product: &str, principal_minor: i64) -> Option<u32> {
        let best = |product_rules: &mut dyn Iterator<Item = &PeriodicRule>| {
            product_rules
                .filter(|r| r.amount_from_minor <= principal_minor)
                .max_by_key(|r| r.amount_from_minor)
                .map(|r| r.interval_days)
        };
        best(
            &mut self
                .rules
                .iter()
                .filter(|r| r.product.as_deref() == Some(product)),
        )
        .or_else(|| best(&mut self.rules.iter().filter(|r| r.product.is_none())))
    }

    /// The scheduled visits of a loan: the first after disbursement (with a
    /// use-of-funds check), then one every interval up to maturity.
    pub fn scheduled_visits(&self, loan: &VisitLoan<'_>) -> Result<Vec<VisitTask>, PostLoanError> {
        if loan.maturity_on < loan.disbursed_on {
            return Err(PostLoanError::MaturityBeforeDisbursement {
                disbursed_on: loan.disbursed_on,
                maturity_on: loan.maturity_on,
            });
        }
        if self.rules.iter().any(|r| r.interval_days == 0) {
            return Err(PostLoanError::ZeroInterval);
        }
        let task = |due_on, reason, use_of_funds_check| VisitTask {
            loan_id: loan.loan_id,
            assignee: loan.responsible,
            due_on,
            reason,
            use_of_funds_check,
            warnings: Vec::new(),
        };
        let first = add_days(loan.disbursed_on, self.first_visit_within_days).min(loan.maturity_on);
        let mut visits = vec![task(first, VisitReason::AfterDisbursement, true)];
        let Some(interval) = self.interval_days(loan.product, loan.principal.minor()) else {
            return Ok(visits);
        };
        let mut due_on = add_days(first, interval);
        while due_on <= loan.maturity_on && visits.len() < VISITS_MAX {
            visits.push(task(due_on, VisitReason::Periodic, false));
            due_on = add_days(due_on, interval);
        }
        Ok(visits)
    }
}

fn add_days(date: NaiveDate, days: u32) -> NaiveDate {
    date.checked_add_days(Days::new(u64::from(days)))
        .unwrap_or(NaiveDate::MAX)
}

/// What a use-of-funds check found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FundsUse {
    AsDeclared,
    PartlyDiverted,
    Diverted,
}

/// A check of the use of funds, made on a visit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UseOfFundsCheck {
    pub loan_id: LoanId,
    pub checked_on: NaiveDate,
    pub checked_by: UserId,
    pub declared_purpose: String,
    pub finding: FundsUse,
    pub notes: String,
}

/// News about a household recorded by a grid worker (illness, a failed
/// harvest, a move away…).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GridNews {
    pub recorded_by: UserId,
    pub recorded_on: NaiveDate,
    pub note: String,
}

/// The kind of an early-warning signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WarningKind {
    FirstMissedInstallment,
    DepositFall,
    GridNews,
    FundsDiverted,
}

impl WarningKind {
    /// Every kind of signal.
    pub const ALL: [WarningKind; 4] = [
        WarningKind::FirstMissedInstallment,
        WarningKind::DepositFall,
        WarningKind::GridNews,
        WarningKind::FundsDiverted,
    ];

    /// The stable code (`first_missed_installment`, …).
    pub fn code(self) -> &'static str {
        match self {
            WarningKind::FirstMissedInstallment => "first_missed_installment",
            WarningKind::DepositFall => "deposit_fall",
            WarningKind::GridNews => "grid_news",
            WarningKind::FundsDiverted => "funds_diverted",
        }
    }

    /// The translation key (`collection.warning.deposit_fall`).
    pub fn key(self) -> String {
        format!("collection.warning.{}", self.code())
    }
}

/// The early-warning thresholds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WarningConfig {
    /// A fall of at least this many basis points of the previous average balance.
    pub deposit_fall_bps_min: i64,
    /// Balances below this are too small to judge a fall.
    pub deposit_previous_min_minor: i64,
    /// The warning visit is due within this many days.
    pub visit_within_days: u32,
}

impl Default for WarningConfig {
    /// A fall of 30% from an average of at least 1,000.00; visit within 7 days.
    fn default() -> Self {
        WarningConfig {
            deposit_fall_bps_min: 3_000,
            deposit_previous_min_minor: 100_000,
            visit_within_days: 7,
        }
    }
}

/// One end of day's figures for a loan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WarningInput<'a> {
    pub business_date: NaiveDate,
    pub days_past_due: u32,
    /// Installments missed before the current delinquency.
    pub missed_installments_before: u32,
    /// Average deposit balance over the previous and the current period.
    pub deposit_average_previous_minor: i64,
    pub deposit_average_current_minor: i64,
    pub news: &'a [GridNews],
    pub funds_checks: &'a [UseOfFundsCheck],
}

/// The signals raised at the end of `input.business_date`: the first day
/// past due of a borrower who never missed before; a deposit fall over the
/// threshold; news and diverted funds recorded that day.
pub fn early_warnings(
    config: &WarningConfig,
    input: &WarningInput<'_>,
) -> Result<Vec<WarningKind>, PostLoanError> {
    if input.deposit_average_previous_minor < 0 || input.deposit_average_current_minor < 0 {
        return Err(PostLoanError::Negative {
            field: "deposit_average_minor",
        });
    }
    let mut warnings = Vec::new();
    if input.days_past_due == 1 && input.missed_installments_before == 0 {
        warnings.push(WarningKind::FirstMissedInstallment);
    }
    if deposit_fall_bps(input).is_some_and(|bps| bps >= config.deposit_fall_bps_min)
        && input.deposit_average_previous_minor >= config.deposit_previous_min_minor
    {
        warnings.push(WarningKind::DepositFall);
    }
    for news in input.news.iter().filter(|n| n.recorded_on == input.business_date) {
        check_note("news.note", &news.note)?;
        if !warnings.contains(&WarningKind::GridNews) {
            warnings.push(WarningKind::GridNews);
        }
    }
    let diverted = input
        .funds_checks
        .iter()
        .any(|c| c.checked_on == input.business_date && c.finding != FundsUse::AsDeclared);
    if diverted {
        warnings.push(WarningKind::FundsDiverted);
    }
    Ok(warnings)
}

/// The fall of the average deposit balance in basis points of the previous
/// average, rounded down; `None` without a previous balance or a fall.
pub fn deposit_fall_bps(input: &WarningInput<'_>) -> Option<i64> {
    let previous = i128::from(input.deposit_average_previous_minor);
    let current = i128::from(input.deposit_average_current_minor);
    if previous <= 0 || current >= previous {
        return None;
    }
    i64::try_from((previous - current) * 10_000 / previous).ok()
}

fn check_note(field: &'static str, note: &str) -> Result<(), PostLoanError> {
    if note.trim().is_empty() {
        return Err(PostLoanError::Empty { field });
    }
    if note.chars().count() > NOTE_CHARS_MAX {
        return Err(PostLoanError::TooLong {
            field,
            max: NOTE_CHARS_MAX,
        });
    }
    Ok(())
}

/// The visit raised by `warnings` (one visit for all of a day's signals,
/// with a use-of-funds check when funds were diverted), or `None`.
pub fn warning_visit(
    config: &WarningConfig,
    loan_id: LoanId,
    assignee: UserId,
    business_date: NaiveDate,
    warnings: &[WarningKind],
) -> Option<VisitTask> {
    if warnings.is_empty() {
        return None;
    }
    Some(VisitTask {
        loan_id,
        assignee,
        due_on: add_days(business_date, config.visit_within_days),
        reason: VisitReason::EarlyWarning,
        use_of_funds_check: warnings.contains(&WarningKind::FundsDiverted),
        warnings: warnings.to_vec(),
    })
}

impl UseOfFundsCheck {
    /// Checks the fields a person typed.
    pub fn validate(&self) -> Result<(), PostLoanError> {
        check_note("declared_purpose", &self.declared_purpose)?;
        if self.notes.chars().count() > NOTE_CHARS_MAX {
            return Err(PostLoanError::TooLong {
                field: "notes",
                max: NOTE_CHARS_MAX,
            });
        }
        Ok(())
    }
}
