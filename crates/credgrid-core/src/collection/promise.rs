//! Promise-to-pay checking at end of day (R-COL-2): a promise is kept when
//! the repayments from the day it was made up to its date reach the promised
//! amount, broken when its date has ended without that, and pending before.
//!
//! A promise is judged at the end of a business day, once that day's
//! repayments are known: on the end of day of the promised date a short
//! promise is broken. Repayments after the promised date do not keep it.
//! Every repayment of the loan counts, whatever the channel. Broken promises
//! feed the priority ([`super::priority::PriorityInput::broken_promises`]).

use super::LoanId;
use super::action::Action;
use crate::money::{Money, MoneyError};
use chrono::NaiveDate;

/// A promise to pay, as recorded from an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Promise {
    pub loan_id: LoanId,
    pub amount: Money,
    /// The local date the promise was made.
    pub made_on: NaiveDate,
    /// The date by which the amount is promised.
    pub due_on: NaiveDate,
}

impl Promise {
    /// The promise an action recorded, if any (made on the action's local date).
    pub fn from_action(action: &Action) -> Option<Promise> {
        action.promise.map(|p| Promise {
            loan_id: action.loan_id,
            amount: p.amount,
            made_on: action.at.date(),
            due_on: p.date,
        })
    }
}

/// A repayment received on the loan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Repayment {
    pub date: NaiveDate,
    pub amount: Money,
}

/// Where a promise stands at the end of a business day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PromiseStatus {
    Pending,
    Kept,
    Broken,
}

impl PromiseStatus {
    /// Every status.
    pub const ALL: [PromiseStatus; 3] = [PromiseStatus::Pending, PromiseStatus::Kept, PromiseStatus::Broken];

    /// The stable code (`pending`, `kept`, `broken`).
    pub fn code(self) -> &'static str {
        match self {
            PromiseStatus::Pending => "pending",
            PromiseStatus::Kept => "kept",
            PromiseStatus::Broken => "broken",
        }
    }

    /// The translation key (`collection.promise.kept`).
    pub fn key(self) -> String {
        format!("collection.promise.{}", self.code())
    }
}

/// Why a promise could not be judged.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PromiseError {
    #[error("the promised amount must be positive")]
    AmountNotPositive,
    #[error("the promised date {due_on} is before the day the promise was made {made_on}")]
    DueBeforeMade { made_on: NaiveDate, due_on: NaiveDate },
    #[error("a repayment on {date} is not positive")]
    RepaymentNotPositive { date: NaiveDate },
    #[error("{0}")]
    Money(#[from] MoneyError),
}

/// The judgement of one promise: its status and the amount that counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PromiseCheck {
    pub status: PromiseStatus,
    /// Repayments from `made_on` to `min(due_on, business_date)`.
    pub paid: Money,
}

/// Judges `promise` at the end of `business_date` from the loan's repayments.
pub fn check(
    promise: &Promise,
    repayments: &[Repayment],
    business_date: NaiveDate,
) -> Result<PromiseCheck, PromiseError> {
    if !promise.amount.is_positive() {
        return Err(PromiseError::AmountNotPositive);
    }
    if promise.due_on < promise.made_on {
        return Err(PromiseError::DueBeforeMade {
            made_on: promise.made_on,
            due_on: promise.due_on,
        });
    }
    let window_end = promise.due_on.min(business_date);
    let mut paid = Money::zero(promise.amount.currency());
    for repayment in repayments {
        if !repayment.amount.is_positive() {
            return Err(PromiseError::RepaymentNotPositive { date: repayment.date });
        }
        if repayment.date >= promise.made_on && repayment.date <= window_end {
            paid = paid.checked_add(repayment.amount)?;
        }
    }
    let status = if paid.minor() >= promise.amount.minor() {
        PromiseStatus::Kept
    } else if business_date >= promise.due_on {
        PromiseStatus::Broken
    } else {
        PromiseStatus::Pending
    };
    Ok(PromiseCheck { status, paid })
}

/// How many of `statuses` are broken (the priority input).
pub fn broken_count(statuses: &[PromiseStatus]) -> u32 {
    let count = statuses.iter().filter(|s| **s == PromiseStatus::Broken).count();
    u32::try_from(count).unwrap_or(u32::MAX)
}
