//! End of day: close the business date — accrual, days past due,
//! classification and provisions for every active loan — and open the next.
//!
//! A day is processed in chunks of loans, each chunk one durable write that
//! also moves the run's restart cursor, so a run killed half-way resumes
//! where it stopped and no loan is processed twice (its summary is already
//! as of the next day, and the detail row's primary key refuses a second
//! insert). The GL posting of the day is made last, from the per-loan detail
//! rows aggregated per outlet, product and account, in the same write that
//! marks the day done and opens the next one.

use crate::codec::{decode_position, decode_summary, encode_position, encode_summary};
use crate::error::AppError;
use crate::institution::{Inner, Institution, ProgressFn, business_date, require_user};
use crate::model::{Actor, EodSummary};
use crate::terms::ProductRules;
use crate::views::class_code;
use chrono::NaiveDate;
use credgrid_core::Money;
use credgrid_core::classification::ClassificationInput;
use credgrid_core::ledger::{Funds, JournalEntry, JournalLine, PostingEvent};
use credgrid_core::servicing::{AccrualPosting, Step};
use credgrid_store::{DailyLoanRow, DailyTotalsRow, DailyUpdate, NewJournalEntry, WriteTx};
use std::collections::HashMap;

/// The most loans per durable write during the end of day: each write
/// commits (one fsync of the WAL, then a checkpoint), so bigger chunks mean
/// fewer of them; 50,000 loans dirty about 60 MB of pages, which stays inside
/// the writer's page cache (measured in docs/benchmarks.md, "End of day").
pub(crate) const EOD_CHUNK_LOANS_MAX: u32 = 50_000;
/// The fewest loans per durable write (below it the commits dominate).
pub(crate) const EOD_CHUNK_LOANS_MIN: u32 = 1_000;
/// A day is cut into at least this many chunks when the portfolio allows it,
/// so the progress bar moves and a killed run loses little work.
const EOD_CHUNKS_PER_DAY: u64 = 20;
/// The most business dates one run may close (a guard against a typo'd date).
pub(crate) const EOD_DAYS_MAX: i64 = 3_660;

impl Institution {
    /// Closes business dates up to and including `through` (default: the
    /// current one) and opens the next. Idempotent and restartable.
    pub fn run_eod(
        &self,
        actor: Actor,
        through: Option<NaiveDate>,
        progress: ProgressFn<'_>,
    ) -> Result<EodSummary, AppError> {
        self.read(|r| require_user(r, actor))?;
        let first = self.business_date()?;
        let through = through.unwrap_or(first);
        let mut summary = EodSummary::default();
        if through < first {
            summary.already_closed.push(through);
            return Ok(summary);
        }
        if (through - first).num_days() >= EOD_DAYS_MAX {
            return Err(AppError::invalid(
                "through",
                format!("closes more than {EOD_DAYS_MAX} days at once"),
            ));
        }
        let mut date = first;
        while date <= through {
            self.close_day(actor, date, progress, &mut summary)?;
            summary.dates_closed.push(date);
            date = self.business_date()?;
        }
        Ok(summary)
    }

    fn close_day(
        &self,
        actor: Actor,
        date: NaiveDate,
        progress: ProgressFn<'_>,
        summary: &mut EodSummary,
    ) -> Result<(), AppError> {
        let (mut cursor, mut done, total) = self.write(move |tx, _| {
            if business_date(tx)? != date {
                return Err(AppError::Concurrent {
                    entity: "business date",
                    id: date.to_string(),
                });
            }
            let run = match tx.eod_run(date)? {
                Some(run) => run,
                None => tx.start_eod_run(date)?,
            };
            let before = u64::try_from(run.loans_processed).unwrap_or(0);
            Ok((run.last_loan_id, before, tx.active_loan_count()?))
        })?;
        let chunk_loans = chunk_loans(total);
        progress(done, total);
        loop {
            let before = done;
            let (next, count) =
                self.write(move |tx, inner| process_chunk(tx, inner, date, cursor, before, chunk_loans))?;
            let Some(next) = next else { break };
            cursor = next;
            done += count;
            progress(done.min(total), total);
        }
        let day = self.write(move |tx, _| finish_day(tx, date, actor))?;
        progress(total, total);
        summary.loans_processed += day.loans;
        summary.loans_overdue += day.overdue;
        summary.interest_accrued_minor += day.interest;
        summary.penalty_accrued_minor += day.penalty;
        summary.provision_charged_minor += day.charged;
        summary.provision_released_minor += day.released;
        Ok(())
    }
}

/// Loans per durable write for a day with `active` loans: a
/// `EOD_CHUNKS_PER_DAY`th of the portfolio, within the bounds.
fn chunk_loans(active: u64) -> u32 {
    let share = u32::try_from(active / EOD_CHUNKS_PER_DAY).unwrap_or(u32::MAX);
    share.clamp(EOD_CHUNK_LOANS_MIN, EOD_CHUNK_LOANS_MAX)
}

/// Processes the next chunk of up to `chunk_loans` active loans after
/// `cursor`; returns the new cursor (`None` when no loan was left) and how
/// many loans it processed.
fn process_chunk(
    tx: &mut WriteTx<'_>,
    inner: &Inner,
    date: NaiveDate,
    cursor: i64,
    done_before: u64,
    chunk_loans: u32,
) -> Result<(Option<i64>, u64), AppError> {
    let loans = tx.daily_loans(cursor, chunk_loans)?;
    let Some(last) = loans.last().map(|l| l.id) else {
        return Ok((None, 0));
    };
    let mut products: HashMap<i64, ProductRules> = HashMap::new();
    let mut processed = 0;
    for loan in &loans {
        if close_loan_day(tx, inner, &mut products, date, loan)? {
            processed += 1;
        }
    }
    let done = i64::try_from(done_before + processed).unwrap_or(i64::MAX);
    tx.advance_eod_run(date, done, last)?;
    Ok((Some(last), processed))
}

/// Closes `date` for one loan. `false` when the loan was already past it
/// (a resumed run).
fn close_loan_day(
    tx: &mut WriteTx<'_>,
    inner: &Inner,
    products: &mut HashMap<i64, ProductRules>,
    date: NaiveDate,
    loan: &DailyLoanRow,
) -> Result<bool, AppError> {
    let mut summary = decode_summary(&loan.summary)?;
    if summary.as_of > date {
        return Ok(false);
    }
    if summary.as_of < date {
        return Err(AppError::Internal(format!(
            "loan {} is behind: as of {}, closing {date}",
            loan.id, summary.as_of
        )));
    }
    let mut position_blob = None;
    let posting: AccrualPosting = match summary
        .step_day()
        .map_err(|e| AppError::Internal(e.to_string()))?
    {
        Step::Posted(posting) => posting,
        Step::NeedsInstallments => {
            if let std::collections::hash_map::Entry::Vacant(slot) = products.entry(loan.product_id) {
                slot.insert(ProductRules::from_row(&tx.product(loan.product_id)?)?);
            }
            let rules = &products[&loan.product_id];
            let row = tx.loan(loan.id)?;
            let blob = row
                .position
                .as_deref()
                .ok_or_else(|| AppError::Internal(format!("loan {} has no position", loan.id)))?;
            let mut position = decode_position(blob, rules.loan_terms(&row)?, &summary)?;
            let posting = position
                .accrue_day_full()
                .map_err(|e| AppError::Internal(e.to_string()))?;
            summary = position.summary();
            position_blob = Some(encode_position(&position));
            posting
        }
    };
    let dpd = summary.days_past_due();
    let classifier = &inner.classifier;
    let class = classifier
        .classify(ClassificationInput {
            days_past_due: dpd,
            restructured_observation: false,
            manual: None,
        })
        .class;
    let balance = Money::from_minor(summary.principal_outstanding_minor, summary.currency);
    let provision = classifier
        .provision(balance, class)
        .map_err(|e| AppError::Internal(e.to_string()))?
        .minor();
    let update = DailyUpdate {
        id: loan.id,
        summary: encode_summary(&summary),
        position: position_blob,
        principal_outstanding_minor: summary.principal_outstanding_minor,
        interest_accrued_minor: summary.interest_receivable_minor,
        interest_overdue_minor: summary.interest_overdue_minor,
        principal_overdue_minor: summary.principal_overdue_minor,
        penalty_accrued_minor: summary.penalty_unpaid_minor(),
        fees_due_minor: summary.fee_unpaid_minor,
        days_past_due: dpd,
        class: class_code(class),
        provision_minor: provision,
        next_due_on: (summary.next_due_date != NaiveDate::MAX).then_some(summary.next_due_date),
        accrued_through: date,
    };
    tx.update_loan_daily(&update)?;
    let penalty = posting.penalty.minor() + posting.compound.minor();
    let change = provision - loan.provision_minor;
    tx.insert_daily_detail(
        date,
        loan.id,
        posting.interest.minor(),
        penalty,
        dpd,
        update.class,
        provision,
        change,
    )?;
    Ok(true)
}

/// The day's totals, as the summary reports them.
#[derive(Default)]
struct DayTotals {
    loans: u64,
    overdue: u64,
    interest: i64,
    penalty: i64,
    charged: i64,
    released: i64,
}

/// Posts the day's GL entries from the detail rows, marks the day done and
/// opens the next business date — one durable write.
fn finish_day(tx: &mut WriteTx<'_>, date: NaiveDate, actor: Actor) -> Result<DayTotals, AppError> {
    let mut day = DayTotals::default();
    let mut products: HashMap<i64, ProductRules> = HashMap::new();
    for totals in tx.daily_totals(date)? {
        if let std::collections::hash_map::Entry::Vacant(slot) = products.entry(totals.product_id) {
            slot.insert(ProductRules::from_row(&tx.product(totals.product_id)?)?);
        }
        let rules = &products[&totals.product_id];
        if let Some(entry) = day_entry(rules, &totals)? {
            let meta = NewJournalEntry {
                business_date: date,
                event: "end_of_day".into(),
                loan_id: None,
                outlet_id: totals.outlet_id,
                product_id: Some(totals.product_id),
                description: format!(
                    "end of day {date}: accrual and provisions, product {}",
                    rules.code
                ),
                reverses_id: None,
            };
            tx.insert_journal_entry(&meta, &entry)?;
        }
        day.loans += u64::try_from(totals.loans).unwrap_or(0);
        day.overdue += u64::try_from(totals.loans_overdue).unwrap_or(0);
        day.interest += totals.interest_minor;
        day.penalty += totals.penalty_minor;
        day.charged += totals.provision_charge_minor;
        day.released += totals.provision_release_minor;
    }
    let text = format!(
        "loans={} overdue={} interest_minor={} penalty_minor={} provision_charged_minor={} provision_released_minor={}",
        day.loans, day.overdue, day.interest, day.penalty, day.charged, day.released
    );
    tx.finish_eod_run(date, &text)?;
    crate::audit::record(
        tx,
        actor,
        "eod.close",
        "business_date",
        date,
        Some(text.clone()),
        None,
    )?;
    let next = date
        .succ_opt()
        .ok_or_else(|| AppError::invalid("through", "is at the end of the calendar"))?;
    tx.set_business_date(next, None)?;
    Ok(day)
}

/// One entry per outlet and product with the day's accrual and provision
/// lines; a negative amount (a correction) posts the other way round.
fn day_entry(rules: &ProductRules, t: &DailyTotalsRow) -> Result<Option<JournalEntry>, AppError> {
    let currency = rules.currency;
    let parts = [
        (PostingEvent::InterestAccrual, t.interest_minor),
        (PostingEvent::PenaltyAccrual, t.penalty_minor),
        (PostingEvent::ProvisionCharge, t.provision_charge_minor),
        (PostingEvent::ProvisionRelease, t.provision_release_minor),
    ];
    let mut lines = Vec::new();
    for (event, minor) in parts.into_iter().filter(|(_, m)| *m != 0) {
        let (debit, credit) = rules
            .gl
            .accounts(event, Funds::Cash)
            .ok_or_else(|| AppError::Internal(format!("no accounts for {}", event.code())))?;
        let (debit, credit) = if minor < 0 {
            (credit, debit)
        } else {
            (debit, credit)
        };
        let amount = Money::from_minor(minor.abs(), currency);
        lines.push(JournalLine::debit(debit, amount));
        lines.push(JournalLine::credit(credit, amount));
    }
    if lines.is_empty() {
        return Ok(None);
    }
    JournalEntry::new(lines)
        .map(Some)
        .map_err(|e| AppError::Internal(format!("end-of-day posting: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A day is cut into at least `EOD_CHUNKS_PER_DAY` durable writes when
    /// the bounds allow it, never smaller than the minimum chunk nor larger
    /// than the maximum.
    #[test]
    fn chunks_split_the_day_within_bounds() {
        assert_eq!(chunk_loans(0), EOD_CHUNK_LOANS_MIN);
        assert_eq!(chunk_loans(20_000), EOD_CHUNK_LOANS_MIN);
        assert_eq!(chunk_loans(100_000), 5_000);
        assert_eq!(chunk_loans(1_000_000), EOD_CHUNK_LOANS_MAX);
        assert_eq!(chunk_loans(u64::MAX), EOD_CHUNK_LOANS_MAX);
        for active in [1_u64, 999, 20_000, 64_123, 999_999, 1_000_000, 5_000_000] {
            let chunk = u64::from(chunk_loans(active));
            assert!((1_000..=50_000).contains(&chunk), "{active}: {chunk}");
            let writes = active.div_ceil(chunk);
            if (20_000..=1_000_000).contains(&active) {
                assert!(writes >= EOD_CHUNKS_PER_DAY, "{active}: {writes} writes");
            }
        }
    }
}
