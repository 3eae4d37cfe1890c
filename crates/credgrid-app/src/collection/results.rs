//! Collection results over a period: cure rate and roll rates between
//! days-past-due buckets (from the end-of-day detail of the first and last
//! dates), promises kept, and the amount recovered by channel, collector and
//! segment (a repayment counts for the last collection action before it).

use super::day::loan_currency;
use super::parse_segment;
use crate::access::authorize;
use crate::error::AppError;
use crate::institution::Institution;
use crate::model::Actor;
use chrono::NaiveDate;
use credgrid_core::Money;
use credgrid_core::authz::Permission;
use credgrid_core::collection::action::Channel;
use credgrid_core::collection::promise::PromiseStatus;
use credgrid_core::collection::results::{
    RateRounding, Ratio, Recovery, RecoveryTotals, RollRates, promises_kept_rate, recoveries, roll_rates,
};
use credgrid_core::collection::strategy::Segment;
use std::collections::HashMap;

/// The days-past-due buckets of the roll rates: current, 1–30, 31–60, 61–90, over 90.
pub const BUCKET_LABELS: [&str; 5] = ["current", "1-30", "31-60", "61-90", "90+"];

/// The longest period the results cover, in days.
const PERIOD_DAYS_MAX: i64 = 3_660;

fn bucket(days_past_due: u32) -> usize {
    match days_past_due {
        0 => 0,
        1..=30 => 1,
        31..=60 => 2,
        61..=90 => 3,
        _ => 4,
    }
}

/// Recoveries in one currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecoveriesInCurrency {
    pub currency: String,
    pub totals: RecoveryTotals,
}

/// The results of a period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CollectionResults {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub cure_rate: Ratio,
    pub promises_kept: Ratio,
    pub roll_rates: RollRates,
    pub recoveries: Vec<RecoveriesInCurrency>,
}

impl Institution {
    /// Results from the end of day of `from` to the end of day of `to` (closed dates).
    pub fn collection_results(
        &self,
        actor: Actor,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<CollectionResults, AppError> {
        if to < from || (to - from).num_days() > PERIOD_DAYS_MAX {
            return Err(AppError::invalid(
                "to",
                format!("must be from `from` to {PERIOD_DAYS_MAX} days after it"),
            ));
        }
        self.read(|r| {
            authorize(r, actor, Permission::CollectionManage)?;
            let start: Vec<(i64, usize)> = r
                .days_past_due_on(from)?
                .into_iter()
                .map(|(l, d)| (l, bucket(d)))
                .collect();
            let end: Vec<(i64, usize)> = r
                .days_past_due_on(to)?
                .into_iter()
                .map(|(l, d)| (l, bucket(d)))
                .collect();
            let internal =
                |e: credgrid_core::collection::results::ResultsError| AppError::Internal(e.to_string());
            let rolls = roll_rates(&start, &end, BUCKET_LABELS.len()).map_err(internal)?;
            let rounding = RateRounding::default();
            let mut statuses = Vec::new();
            for (status, count) in r.promise_statuses(from, to)? {
                let s = match status.as_str() {
                    "kept" => PromiseStatus::Kept,
                    "broken" => PromiseStatus::Broken,
                    _ => PromiseStatus::Pending,
                };
                statuses.extend(std::iter::repeat_n(s, usize::try_from(count).unwrap_or(0)));
            }
            let segments: HashMap<i64, Segment> = r
                .worklist_segments(to)?
                .into_iter()
                .filter_map(|(l, s)| parse_segment(&s).map(|s| (l, s)))
                .collect();
            let mut by_currency: Vec<(credgrid_core::Currency, Vec<Recovery>)> = Vec::new();
            for row in r.collection_recoveries(from, to)? {
                let currency = loan_currency(r, row.loan_id)?;
                let Some(channel) = Channel::parse(&row.channel) else {
                    continue;
                };
                let recovery = Recovery {
                    amount: Money::from_minor(row.amount_minor, currency),
                    channel,
                    collector: row.person_id,
                    segment: segments
                        .get(&row.loan_id)
                        .copied()
                        .unwrap_or(Segment::WillingAndAble),
                };
                match by_currency.iter_mut().find(|(c, _)| *c == currency) {
                    Some((_, list)) => list.push(recovery),
                    None => by_currency.push((currency, vec![recovery])),
                }
            }
            let mut recovered = Vec::new();
            for (currency, list) in by_currency {
                let totals = recoveries(currency, &list).map_err(internal)?;
                recovered.push(RecoveriesInCurrency {
                    currency: currency.code().to_string(),
                    totals,
                });
            }
            Ok(CollectionResults {
                from,
                to,
                cure_rate: rolls.cure_rate(rounding).map_err(internal)?,
                promises_kept: promises_kept_rate(&statuses, rounding).map_err(internal)?,
                roll_rates: rolls,
                recoveries: recovered,
            })
        })
    }
}
