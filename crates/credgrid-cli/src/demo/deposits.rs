//! The demo's deposit feed (issue 7, "a fall in deposits"): every Wednesday,
//! and on the last business date, the core deposit system sends that day's
//! balance of the borrowers on the worklists of the account manager and the
//! collector (recorded by the branch manager). A borrower
//! keeps a steady balance for the first month overdue and then draws it
//! down by 0% to 50% (by client), so once a month of each has been fed the
//! larger falls raise the deposit-fall warning and a visit.

use super::simulation::Cast;
use chrono::{Datelike, NaiveDate};
use credgrid_app::collection::DepositBalance;
use credgrid_app::{AppError, Institution};
use credgrid_core::Money;

/// Borrowers fed per feed.
const CLIENTS_PER_FEED: usize = 60;
/// Days past due after which a borrower starts drawing on the deposits.
const DRAWN_AFTER_DAYS_PAST_DUE: u32 = 30;

/// Called by the simulation on every business date before its end of day.
pub(crate) fn on_day(
    institution: &Institution,
    cast: Cast,
    today: NaiveDate,
    end: NaiveDate,
) -> Result<(), AppError> {
    let last = end.pred_opt().is_some_and(|d| d == today);
    if today.weekday() != chrono::Weekday::Wed && !last {
        return Ok(());
    }
    let manager = cast.branch_manager;
    let mut list = institution.worklist(cast.account_manager, None, 0, 200)?.items;
    if let Some(collector) = institution.user_named("demo.collector")? {
        let theirs = institution.worklist(manager, Some(collector.actor().user_id), 0, 200)?;
        list.extend(theirs.items);
    }
    let mut balances: Vec<DepositBalance> = Vec::new();
    for item in &list {
        if balances.len() == CLIENTS_PER_FEED || balances.iter().any(|b| b.client_id == item.client_id) {
            continue;
        }
        let currency = item.amount_overdue.currency();
        let base_major = 3_000 + item.client_id.rem_euclid(40) * 1_000;
        let Some(base_minor) = base_major.checked_mul(currency.minor_per_major()) else {
            continue;
        };
        let fall_pct = item.client_id.rem_euclid(6) * 10;
        let minor = if item.days_past_due > DRAWN_AFTER_DAYS_PAST_DUE {
            base_minor / 100 * (100 - fall_pct)
        } else {
            base_minor
        };
        balances.push(DepositBalance {
            client_id: item.client_id,
            as_of: today,
            balance: Money::from_minor(minor, currency),
        });
    }
    if balances.is_empty() {
        return Ok(());
    }
    institution.record_deposit_balances(manager, balances)?;
    Ok(())
}
