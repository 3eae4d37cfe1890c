//! Deposit balances fed in from the cooperative's core deposit system and
//! the deposit-fall early warning (R-SVC-5, issue 7 item 6).
//!
//! Each feed stores the observed balances (one per client and date; a later
//! feed for the same date corrects it) and, in the same write job, checks
//! every fed client's disbursed loans: the average of the balances observed
//! in the current period (the `warnings.deposit_period_days` days ending on
//! the business date) against the previous period of the same length. The
//! core's `early_warnings` decides (default: a fall of 30% from an average
//! of at least 1,000.00); a fall raises one `deposit_fall` warning and its
//! visit through the shared `raise_warning` path, and no second one while a
//! warning of the same kind is less than one period old.

use super::settings::CollectionSettings;
use super::{raise_warning, settings};
use crate::access::authorize;
use crate::error::AppError;
use crate::institution::{Institution, business_date};
use crate::model::Actor;
use chrono::{Days, NaiveDate};
use credgrid_core::Money;
use credgrid_core::authz::Permission;
use credgrid_core::collection::post_loan::{WarningInput, WarningKind, early_warnings};
use credgrid_store::{DepositBalanceRow, WriteTx};
use std::collections::{BTreeSet, HashSet};

/// The most balances one feed may carry.
pub const DEPOSIT_BALANCES_MAX: usize = 5_000;

/// One observed deposit balance: the client's total deposits on `as_of`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DepositBalance {
    pub client_id: i64,
    pub as_of: NaiveDate,
    pub balance: Money,
}

/// What a feed stored and raised.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DepositFeedReport {
    pub balances: u64,
    pub clients: u64,
    /// Loans that got a new deposit-fall warning (and visit).
    pub warnings: u64,
}

/// The two periods compared: previous `(from, through)` and current `(from, through)`.
type Periods = ((NaiveDate, NaiveDate), (NaiveDate, NaiveDate));

impl Institution {
    /// Stores a feed of deposit balances (one write job, audited) and raises
    /// the deposit-fall warnings it reveals. Every client must be in the
    /// actor's scope; no date may be after the business date; a client and
    /// date appear at most once per feed.
    pub fn record_deposit_balances(
        &self,
        actor: Actor,
        balances: Vec<DepositBalance>,
    ) -> Result<DepositFeedReport, AppError> {
        check_feed(&balances)?;
        self.write(move |tx, _| {
            let staff = authorize(tx, actor, Permission::CollectionWork)?;
            let date = business_date(tx)?;
            let mut clients = BTreeSet::new();
            for (i, b) in balances.iter().enumerate() {
                if b.as_of > date {
                    return Err(AppError::invalid(
                        format!("balances[{i}].as_of"),
                        "is after the business date",
                    ));
                }
                let client = tx
                    .client(b.client_id)
                    .map_err(|_| AppError::not_found("client", b.client_id))?;
                staff.require_node(tx, client.outlet_id)?;
                tx.put_deposit_balance(&DepositBalanceRow {
                    client_id: b.client_id,
                    as_of: b.as_of,
                    currency: b.balance.currency().code().to_string(),
                    balance_minor: b.balance.minor(),
                    recorded_by: actor.user_id,
                })?;
                clients.insert(b.client_id);
            }
            let s = settings(tx)?;
            let mut report = DepositFeedReport {
                balances: balances.len() as u64,
                clients: clients.len() as u64,
                warnings: 0,
            };
            for client_id in clients {
                report.warnings += check_client(tx, &s, client_id, date, actor)?;
            }
            let summary = format!(
                "balances={} clients={} warnings={}",
                report.balances, report.clients, report.warnings
            );
            crate::audit::record(
                tx,
                actor,
                "collection.deposit_balances",
                "deposit_balance",
                "feed",
                Some(summary),
                None,
            )?;
            Ok(report)
        })
    }
}

/// Refuses an empty or oversized feed, negative balances and repeats.
fn check_feed(balances: &[DepositBalance]) -> Result<(), AppError> {
    if balances.is_empty() || balances.len() > DEPOSIT_BALANCES_MAX {
        return Err(AppError::invalid(
            "balances",
            format!("must hold 1 to {DEPOSIT_BALANCES_MAX} balances"),
        ));
    }
    let mut seen = HashSet::with_capacity(balances.len());
    for (i, b) in balances.iter().enumerate() {
        if b.balance.is_negative() {
            return Err(AppError::invalid(
                format!("balances[{i}].balance"),
                "must not be negative",
            ));
        }
        if !seen.insert((b.client_id, b.as_of)) {
            return Err(AppError::invalid(
                format!("balances[{i}]"),
                format!("client {} on {} is listed twice", b.client_id, b.as_of),
            ));
        }
    }
    Ok(())
}

/// The previous and the current period of `days` days ending on `date`.
fn periods(date: NaiveDate, days: u32) -> Option<Periods> {
    let days = u64::from(days);
    let current_from = date.checked_sub_days(Days::new(days - 1))?;
    let previous_through = current_from.checked_sub_days(Days::new(1))?;
    let previous_from = previous_through.checked_sub_days(Days::new(days - 1))?;
    Some(((previous_from, previous_through), (current_from, date)))
}

/// The mean of the balances observed, rounded down; `None` without any.
fn average_minor(rows: &[DepositBalanceRow]) -> Option<i64> {
    let count = i128::try_from(rows.len()).ok().filter(|n| *n > 0)?;
    let sum: i128 = rows.iter().map(|r| i128::from(r.balance_minor)).sum();
    i64::try_from(sum / count).ok()
}

/// Checks each disbursed loan of `client_id`; returns the warnings raised.
fn check_client(
    tx: &mut WriteTx<'_>,
    s: &CollectionSettings,
    client_id: i64,
    date: NaiveDate,
    actor: Actor,
) -> Result<u64, AppError> {
    let Some(((prev_from, prev_through), (cur_from, cur_through))) = periods(date, s.deposit_period_days)
    else {
        return Ok(0);
    };
    let kind = WarningKind::DepositFall;
    let mut raised = 0;
    for loan_id in tx.client_disbursed_loans(client_id)? {
        if tx
            .last_warning_on(loan_id, kind.code())?
            .is_some_and(|d| d >= cur_from)
        {
            continue;
        }
        let loan = tx.loan(loan_id)?;
        let previous = tx.deposit_balances(client_id, &loan.currency, prev_from, prev_through)?;
        let current = tx.deposit_balances(client_id, &loan.currency, cur_from, cur_through)?;
        let (Some(previous_minor), Some(current_minor)) = (average_minor(&previous), average_minor(&current))
        else {
            continue;
        };
        let input = WarningInput {
            business_date: date,
            days_past_due: 0,
            missed_installments_before: 0,
            deposit_average_previous_minor: previous_minor,
            deposit_average_current_minor: current_minor,
            news: &[],
            funds_checks: &[],
        };
        let kinds = early_warnings(&s.warnings, &input).map_err(|e| AppError::Internal(e.to_string()))?;
        if !kinds.contains(&kind) {
            continue;
        }
        let fall_bps = credgrid_core::collection::post_loan::deposit_fall_bps(&input).unwrap_or(0);
        let note = format!(
            "average deposit balance ({} minor units) {previous_minor} over {prev_from}..{prev_through}, \
             {current_minor} over {cur_from}..{cur_through}: a fall of {fall_bps} bps",
            loan.currency
        );
        raise_warning(tx, loan_id, kind, date, actor, &note)?;
        raised += 1;
    }
    Ok(raised)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn periods_are_adjacent_and_of_equal_length() {
        let ((pf, pt), (cf, ct)) = periods(day("2026-03-31"), 30).unwrap();
        assert_eq!((pf, pt), (day("2026-01-31"), day("2026-03-01")));
        assert_eq!((cf, ct), (day("2026-03-02"), day("2026-03-31")));
        assert_eq!(
            ((pt - pf).num_days(), (ct - cf).num_days()),
            (29, 29),
            "30 days each, both ends included"
        );
    }

    #[test]
    fn average_is_the_mean_rounded_down_and_none_without_observations() {
        let row = |balance_minor| DepositBalanceRow {
            client_id: 1,
            as_of: day("2026-03-01"),
            currency: "CNY".into(),
            balance_minor,
            recorded_by: 1,
        };
        assert_eq!(average_minor(&[]), None);
        assert_eq!(average_minor(&[row(100), row(101)]), Some(100));
        assert_eq!(average_minor(&[row(i64::MAX), row(i64::MAX)]), Some(i64::MAX));
    }
}
