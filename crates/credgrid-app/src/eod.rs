//! End of day: close the business date — accrual, days past due,
//! classification and provisions for every active loan — and open the next.
//!
//! A day is processed in chunks of loans, each chunk one durable write that
//! also moves the run's restart cursor, so a run killed half-way resumes
//! where it stopped and no loan is processed twice (its summary is already
//! as of the next day, and the detail row's primary key refuses a second
//! insert). Each chunk also adds its sums per outlet, product and currency
//! to the day's running totals; the GL posting of the day is made last, from
//! those totals, in the same write that marks the day done and opens the
//! next one. While the writer writes a chunk, the next one is read and
//! computed on a read connection; its write re-reads any loan that changed
//! in between, so the outcome is the one of reading in the write.

use crate::codec::{decode_position, decode_summary, encode_position, encode_summary};
use crate::error::AppError;
use crate::institution::{Inner, Institution, ProgressFn, business_date};
use crate::model::{Actor, EodSummary};
use crate::terms::ProductRules;
use crate::views::class_code;
use chrono::NaiveDate;
use credgrid_core::classification::ClassificationInput;
use credgrid_core::ledger::{Funds, JournalEntry, JournalLine, PostingEvent};
use credgrid_core::servicing::{AccrualPosting, LoanSummary, Step};
use credgrid_core::{Currency, Money};
use credgrid_store::{
    DailyDetail, DailyLoanRow, DailyTotalsRow, DailyUpdate, DailyWriter, HistoryRow, NewJournalEntry, ReadTx,
    WriteTx,
};
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
        self.read(|r| crate::access::authorize(r, actor, credgrid_core::authz::Permission::EodRun))?;
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
            // For the chunk size and the progress bar: the run counted the
            // active loans when it started.
            let total = match run.loans_at_start {
                Some(n) => u64::try_from(n).unwrap_or(0),
                None => tx.active_loan_count()?,
            };
            Ok((run.last_loan_id, before, total))
        })?;
        let chunk_loans = chunk_loans(total);
        progress(done, total);
        // The next chunk is read and computed on a read connection while
        // the writer writes this one (the two cores work at once); a chunk
        // that cannot be read ahead is read in its write.
        let mut ahead = self.prepare_chunk(date, cursor, chunk_loans).ok();
        loop {
            let before = done;
            let (next, count, read_ahead) = match ahead.take() {
                Some(chunk) if !chunk.loans.is_empty() => {
                    let after = chunk.last;
                    std::thread::scope(|scope| {
                        let reader = scope.spawn(|| self.prepare_chunk(date, after, chunk_loans));
                        let written = self
                            .write(move |tx, inner| apply_chunk(tx, inner, date, chunk, before, chunk_loans));
                        let read_ahead = reader.join().ok().and_then(Result::ok);
                        written.map(|(next, count)| (next, count, read_ahead))
                    })?
                }
                _ => {
                    let (next, count) = self.write(move |tx, inner| {
                        process_chunk(tx, inner, date, cursor, before, chunk_loans)
                    })?;
                    (next, count, None)
                }
            };
            let Some(next) = next else { break };
            cursor = next;
            done += count;
            progress(done.min(total), total);
            ahead = read_ahead.filter(|chunk| chunk.after == cursor);
        }
        // Collections (issue 7): promises judged, worklists rebuilt for the
        // date (idempotent); meanwhile the day's flows for the portfolio
        // history are read on the other core.
        let flows = std::thread::scope(|scope| {
            let reader = scope.spawn(|| self.read(|r| Ok(r.portfolio_flows(date)?)));
            let closed = self.close_collection_day(actor, date);
            let flows = reader.join().ok().and_then(Result::ok);
            closed.map(|_| flows)
        })?;
        let day = self.write(move |tx, _| finish_day(tx, date, actor, flows))?;
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
/// `cursor`, reading them in the write; returns the new cursor (`None` when
/// no loan was left) and how many loans it processed. The chunk's loan
/// updates, detail rows, its share of the day's totals and the moved cursor
/// are one write.
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
    let mut totals = ChunkTotals::default();
    let processed = tx.with_daily_writer(date, |writer| {
        let mut processed = 0;
        for loan in &loans {
            if let Some(day) = compute_loan_day(writer.tx(), inner, &mut products, date, loan)? {
                write_loan_day(writer, &mut totals, &day)?;
                processed += 1;
            }
        }
        Ok::<u64, AppError>(processed)
    })?;
    finish_chunk(tx, date, totals, done_before + processed, last)?;
    Ok((Some(last), processed))
}

/// A chunk of active loans read and computed ahead, on a read connection,
/// while the previous chunk is written.
struct PreparedChunk {
    /// The chunk covers the active loans with `after < id <= last`.
    after: i64,
    last: i64,
    /// Every active loan of the range at the read, with its computed day
    /// (`None`: it was past the date already).
    loans: Vec<(i64, Option<LoanDay>)>,
}

impl Institution {
    /// Reads and computes the next chunk after `after` without writing.
    fn prepare_chunk(
        &self,
        date: NaiveDate,
        after: i64,
        chunk_loans: u32,
    ) -> Result<PreparedChunk, AppError> {
        let inner = &self.inner;
        self.read(|r| {
            let rows = r.daily_loans(after, chunk_loans)?;
            let mut products: HashMap<i64, ProductRules> = HashMap::new();
            let mut loans = Vec::with_capacity(rows.len());
            for row in &rows {
                loans.push((row.id, compute_loan_day(r, inner, &mut products, date, row)?));
            }
            let last = rows.last().map_or(after, |l| l.id);
            Ok(PreparedChunk { after, last, loans })
        })
    }
}

/// Writes a chunk computed ahead. The write first checks that the range
/// still holds exactly the loans that were read (else the chunk is read and
/// processed in the write instead), and each update finds its loan at the
/// version it was read at (else that loan is read again and processed in
/// the write): the outcome is the one [`process_chunk`] would give.
fn apply_chunk(
    tx: &mut WriteTx<'_>,
    inner: &Inner,
    date: NaiveDate,
    chunk: PreparedChunk,
    done_before: u64,
    chunk_loans: u32,
) -> Result<(Option<i64>, u64), AppError> {
    let now = tx.daily_loan_ids(chunk.after, chunk.last)?;
    if chunk.loans.is_empty() || !now.iter().copied().eq(chunk.loans.iter().map(|(id, _)| *id)) {
        return process_chunk(tx, inner, date, chunk.after, done_before, chunk_loans);
    }
    let mut products: HashMap<i64, ProductRules> = HashMap::new();
    let mut totals = ChunkTotals::default();
    let processed = tx.with_daily_writer(date, |writer| {
        let mut processed = 0;
        for (id, computed) in &chunk.loans {
            let written = match computed {
                Some(day) if writer.update_loan(&day.update)? => {
                    writer.insert_detail(day.detail)?;
                    totals.add(day)?;
                    true
                }
                _ => close_loan_again(writer, inner, &mut products, &mut totals, date, *id)?,
            };
            processed += u64::from(written);
        }
        Ok::<u64, AppError>(processed)
    })?;
    finish_chunk(tx, date, totals, done_before + processed, chunk.last)?;
    Ok((Some(chunk.last), processed))
}

/// Reads a loan in the write and closes its day (a loan that changed since
/// it was read ahead). `false` when it is no longer active or already past
/// the date.
fn close_loan_again(
    writer: &mut DailyWriter<'_, '_>,
    inner: &Inner,
    products: &mut HashMap<i64, ProductRules>,
    totals: &mut ChunkTotals,
    date: NaiveDate,
    id: i64,
) -> Result<bool, AppError> {
    let Some(row) = writer.tx().daily_loan(id)? else {
        return Ok(false);
    };
    let Some(day) = compute_loan_day(writer.tx(), inner, products, date, &row)? else {
        return Ok(false);
    };
    write_loan_day(writer, totals, &day)?;
    Ok(true)
}

/// Writes a loan's day read in the same write (its version cannot have moved).
fn write_loan_day(
    writer: &mut DailyWriter<'_, '_>,
    totals: &mut ChunkTotals,
    day: &LoanDay,
) -> Result<(), AppError> {
    if !writer.update_loan(&day.update)? {
        return Err(AppError::Internal(format!(
            "loan {} changed while its end of day was written",
            day.update.id
        )));
    }
    writer.insert_detail(day.detail)?;
    totals.add(day)
}

/// Adds a chunk's totals and moves the restart cursor, in the chunk's write.
fn finish_chunk(
    tx: &mut WriteTx<'_>,
    date: NaiveDate,
    totals: ChunkTotals,
    done: u64,
    last: i64,
) -> Result<(), AppError> {
    let (posting, portfolio) = totals.into_rows();
    tx.add_eod_totals(date, &posting)?;
    tx.add_eod_portfolio(date, &portfolio)?;
    tx.advance_eod_run(date, i64::try_from(done).unwrap_or(i64::MAX), last)?;
    Ok(())
}

/// One loan's day as computed from a read of it: what to write back.
struct LoanDay {
    outlet_id: i64,
    product_id: i64,
    account_manager_id: i64,
    currency: Currency,
    update: DailyUpdate,
    detail: DailyDetail,
}

/// A chunk's sums, added to the day's running totals in the chunk's write:
/// the day's amounts per outlet, product and currency (for the GL posting)
/// and the loans as they close the day per outlet, account manager and
/// currency (for the portfolio history).
#[derive(Default)]
struct ChunkTotals {
    posting: HashMap<(i64, i64, Currency), DailyTotalsRow>,
    portfolio: HashMap<(i64, i64, Currency), HistoryRow>,
}

impl ChunkTotals {
    fn add(&mut self, day: &LoanDay) -> Result<(), AppError> {
        let detail = &day.detail;
        let row = self
            .posting
            .entry((day.outlet_id, day.product_id, day.currency))
            .or_insert_with(|| DailyTotalsRow::zero(day.outlet_id, day.product_id, day.currency.code()));
        row.add(
            detail.days_past_due > 0,
            detail.interest_minor,
            detail.penalty_minor,
            detail.provision_change_minor,
        )?;
        let update = &day.update;
        self.portfolio
            .entry((day.outlet_id, day.account_manager_id, day.currency))
            .or_insert_with(|| HistoryRow {
                outlet_id: day.outlet_id,
                account_manager_id: day.account_manager_id,
                currency: day.currency.code().to_string(),
                ..HistoryRow::default()
            })
            .add_loan([
                update.principal_outstanding_minor,
                update.principal_overdue_minor,
                i64::from(update.days_past_due),
                i64::from(update.class),
                update.provision_minor,
            ])?;
        Ok(())
    }

    /// The posting sums and the portfolio sums, each in key order.
    fn into_rows(self) -> (Vec<DailyTotalsRow>, Vec<HistoryRow>) {
        let mut posting: Vec<DailyTotalsRow> = self.posting.into_values().collect();
        posting.sort_by(|a, b| {
            (a.outlet_id, a.product_id, &a.currency).cmp(&(b.outlet_id, b.product_id, &b.currency))
        });
        let mut portfolio: Vec<HistoryRow> = self.portfolio.into_values().collect();
        portfolio.sort_by(|a, b| {
            (a.outlet_id, a.account_manager_id, &a.currency).cmp(&(
                b.outlet_id,
                b.account_manager_id,
                &b.currency,
            ))
        });
        (posting, portfolio)
    }
}

/// Computes `date` for one loan from a read of it (nothing is written).
/// `None` when the loan was already past it (a resumed run).
fn compute_loan_day(
    r: &ReadTx<'_>,
    inner: &Inner,
    products: &mut HashMap<i64, ProductRules>,
    date: NaiveDate,
    loan: &DailyLoanRow,
) -> Result<Option<LoanDay>, AppError> {
    let mut summary = decode_summary(&loan.summary)?;
    if summary.as_of > date {
        return Ok(None);
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
            let (posting, stepped, blob) = step_with_installments(r, products, loan, &summary)?;
            summary = stepped;
            position_blob = Some(blob);
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
        version: loan.version,
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
    let detail = DailyDetail {
        loan_id: loan.id,
        interest_minor: posting.interest.minor(),
        penalty_minor: posting.penalty.minor() + posting.compound.minor(),
        days_past_due: dpd,
        class: update.class,
        provision_minor: provision,
        provision_change_minor: provision - loan.provision_minor,
    };
    Ok(Some(LoanDay {
        outlet_id: loan.outlet_id,
        product_id: loan.product_id,
        account_manager_id: loan.account_manager_id,
        currency: summary.currency,
        update,
        detail,
    }))
}

/// A due date passed: steps the day with the loan's installments (read with
/// its product's rules) and returns the posting, the new summary and the new
/// position blob.
fn step_with_installments(
    tx: &ReadTx<'_>,
    products: &mut HashMap<i64, ProductRules>,
    loan: &DailyLoanRow,
    summary: &LoanSummary,
) -> Result<(AccrualPosting, LoanSummary, Vec<u8>), AppError> {
    if let std::collections::hash_map::Entry::Vacant(slot) = products.entry(loan.product_id) {
        slot.insert(ProductRules::from_row(&tx.product(loan.product_id)?)?);
    }
    let rules = &products[&loan.product_id];
    let row = tx.loan(loan.id)?;
    let blob = row
        .position
        .as_deref()
        .ok_or_else(|| AppError::Internal(format!("loan {} has no position", loan.id)))?;
    let mut position = decode_position(blob, rules.loan_terms(&row)?, summary)?;
    let posting = position
        .accrue_day_full()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((posting, position.summary(), encode_position(&position)))
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
fn finish_day(
    tx: &mut WriteTx<'_>,
    date: NaiveDate,
    actor: Actor,
    flows: Option<Vec<HistoryRow>>,
) -> Result<DayTotals, AppError> {
    let mut day = DayTotals::default();
    let mut products: HashMap<i64, ProductRules> = HashMap::new();
    for totals in day_totals(tx, date)? {
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
    crate::history::record_day(tx, date, flows.as_deref())?;
    crate::coverage::snapshot_coverage(tx)?;
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
    crate::rating::end_of_day(tx, actor, next)?;
    Ok(day)
}

/// The day's sums per outlet, product and currency: the running totals the
/// chunks added, or — when they do not account for every detail row of the
/// day (a day begun by a build without them) — the sums of the detail rows.
fn day_totals(tx: &WriteTx<'_>, date: NaiveDate) -> Result<Vec<DailyTotalsRow>, AppError> {
    let totals = tx.eod_totals(date)?;
    let loans = totals.iter().try_fold(0_i64, |sum, t| sum.checked_add(t.loans));
    if loans == Some(tx.accrual_detail_count(date)?) {
        return Ok(totals);
    }
    Ok(tx.daily_totals(date)?)
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
    use crate::institution::ADMIN_USER_ID;
    use crate::model::PortfolioSpec;

    /// An institution with `loans` generated loans in a temp file (removed on drop).
    struct Scratch {
        institution: Option<Institution>,
        path: std::path::PathBuf,
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            drop(self.institution.take());
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", self.path.display()));
            }
        }
    }

    fn scratch(name: &str, loans: u64) -> Scratch {
        let path = std::env::temp_dir().join(format!("credgrid-eod-{name}-{}.db", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let institution = Institution::open(&path, today).unwrap();
        let actor = Actor {
            user_id: ADMIN_USER_ID,
        };
        let spec = PortfolioSpec {
            loans,
            seed: 7,
            outlets: 2,
        };
        institution.generate_portfolio(actor, spec, &|_, _| {}).unwrap();
        Scratch {
            institution: Some(institution),
            path,
        }
    }

    /// Reads a chunk ahead for the current date with its run started.
    fn read_ahead(institution: &Institution) -> (NaiveDate, PreparedChunk) {
        let date = institution.business_date().unwrap();
        institution
            .write(move |tx, _| Ok(tx.start_eod_run(date)?))
            .unwrap();
        (date, institution.prepare_chunk(date, 0, 1_000).unwrap())
    }

    /// Every loan got one detail row for `date`, and the running totals
    /// count each of them once and agree with the detail rows.
    fn assert_every_loan_closed_once(institution: &Institution, date: NaiveDate, loans: usize) {
        let (details, totals, from_detail) = institution
            .read(|r| {
                Ok((
                    r.accrual_details(date, 0, 10_000)?,
                    r.eod_totals(date)?,
                    r.daily_totals(date)?,
                ))
            })
            .unwrap();
        assert_eq!(details.len(), loans);
        assert_eq!(totals.iter().map(|t| t.loans).sum::<i64>(), loans as i64);
        assert_eq!(totals, from_detail);
    }

    /// A loan that changed between the read ahead and the write (another
    /// write moved its version) is read again in the write and closed from
    /// what it is now: nothing computed from the stale read is written.
    #[test]
    fn a_loan_changed_after_the_read_ahead_is_closed_from_a_fresh_read() {
        let scratch = scratch("changed", 40);
        let institution = scratch.institution.as_ref().unwrap();
        let (date, chunk) = read_ahead(institution);
        assert_eq!(chunk.loans.len(), 40);
        let changed = chunk.loans[3].0;
        let version = institution
            .write(move |tx, _| {
                let mut row = tx.loan(changed)?;
                row.provision_minor += 1_000;
                Ok(tx.update_loan(&row)?)
            })
            .unwrap();
        let (next, processed) = institution
            .write(move |tx, inner| apply_chunk(tx, inner, date, chunk, 0, 1_000))
            .unwrap();
        assert_eq!((next.is_some(), processed), (true, 40));
        let after = institution.read(move |r| Ok(r.loan(changed)?)).unwrap();
        assert_eq!(after.version, version + 1, "closed once, on top of the change");
        assert_every_loan_closed_once(institution, date, 40);
    }

    /// When the loans of the range are no longer those read ahead (here one
    /// the read did not see), the whole chunk is read and closed in the write.
    #[test]
    fn a_range_that_changed_after_the_read_ahead_is_read_in_the_write() {
        let scratch = scratch("range", 40);
        let institution = scratch.institution.as_ref().unwrap();
        let (date, mut chunk) = read_ahead(institution);
        let (unseen, _) = chunk.loans.remove(5);
        let (_, processed) = institution
            .write(move |tx, inner| apply_chunk(tx, inner, date, chunk, 0, 1_000))
            .unwrap();
        assert_eq!(processed, 40);
        let detail = institution
            .read(move |r| Ok(r.accrual_details(date, unseen - 1, 1)?))
            .unwrap();
        assert_eq!(detail.first().map(|d| d.loan_id), Some(unseen));
        assert_every_loan_closed_once(institution, date, 40);
    }

    /// The root of the organisation tree (every outlet is below it).
    fn root(r: &ReadTx<'_>) -> Result<i64, AppError> {
        Ok(r.org_nodes()?
            .into_iter()
            .find(|n| n.parent_id.is_none())
            .map(|n| n.id)
            .unwrap())
    }

    /// Processes every chunk of the current date (its run started) in writes.
    fn process_all_chunks(institution: &Institution) -> NaiveDate {
        let date = institution.business_date().unwrap();
        institution
            .write(move |tx, _| Ok(tx.start_eod_run(date)?))
            .unwrap();
        let mut cursor = 0;
        loop {
            let (next, _) = institution
                .write(move |tx, inner| process_chunk(tx, inner, date, cursor, 0, 1_000))
                .unwrap();
            match next {
                Some(next) => cursor = next,
                None => return date,
            }
        }
    }

    /// The portfolio history the chunks summed as they closed the loans is
    /// the one a read of the book gives, row for row, flows included.
    #[test]
    fn the_history_summed_by_the_chunks_is_the_book_reread() {
        let scratch = scratch("history-run", 2_500);
        let institution = scratch.institution.as_ref().unwrap();
        let date = process_all_chunks(institution);
        let flows = institution.read(move |r| Ok(r.portfolio_flows(date)?)).unwrap();
        assert!(flows.iter().any(|f| f.disbursed_minor > 0), "the date has flows");
        let (from_run, reread) = institution
            .write(move |tx, _| {
                assert!(tx.record_portfolio_day_from_run(date, &flows)?, "nothing moved");
                let from_run = tx.portfolio_day(root(tx)?, date)?;
                tx.record_portfolio_day(date)?;
                Ok((from_run, tx.portfolio_day(root(tx)?, date)?))
            })
            .unwrap();
        assert!(from_run.iter().map(|r| r.loans_active).sum::<i64>() == 2_500);
        assert!(
            from_run
                .iter()
                .any(|r| r.par90_minor > 0 && r.loans_by_class[4] + r.loans_by_class[3] > 0)
        );
        assert_eq!(from_run, reread);
    }

    /// A loan posted to during the run (its chunk already closed) makes the
    /// running sums stale: the close refuses them and rereads the book,
    /// which shows the posting.
    #[test]
    fn a_posting_during_the_run_makes_the_close_reread_the_book() {
        let scratch = scratch("history-moved", 300);
        let institution = scratch.institution.as_ref().unwrap();
        let date = process_all_chunks(institution);
        let flows = institution.read(move |r| Ok(r.portfolio_flows(date)?)).unwrap();
        let (used, history, outstanding) = institution
            .write(move |tx, _| {
                let mut loan = tx.loan(1)?;
                loan.principal_outstanding_minor -= 100;
                tx.update_loan(&loan)?;
                tx.insert_loan_transaction(&credgrid_store::LoanTransactionRow {
                    id: 0,
                    loan_id: 1,
                    kind: "repayment".into(),
                    business_date: date,
                    value_date: date,
                    amount_minor: 100,
                    principal_minor: 100,
                    interest_minor: 0,
                    penalty_minor: 0,
                    fee_minor: 0,
                    reversed_by_id: None,
                    reverses_id: None,
                    user_id: ADMIN_USER_ID,
                    journal_entry_id: None,
                    created_at: String::new(),
                })?;
                let used = tx.record_portfolio_day_from_run(date, &flows)?;
                crate::history::record_day(tx, date, Some(&flows))?;
                let outstanding: i64 = tx
                    .daily_loans(0, 1_000)?
                    .iter()
                    .map(|l| tx.loan(l.id).map(|l| l.principal_outstanding_minor))
                    .sum::<Result<i64, _>>()?;
                Ok((used, tx.portfolio_day(root(tx)?, date)?, outstanding))
            })
            .unwrap();
        assert!(!used, "the sums no longer stand for the book");
        let summed: i64 = history.iter().map(|r| r.principal_outstanding_minor).sum();
        assert_eq!(summed, outstanding);
        let collected: i64 = history.iter().map(|r| r.collected_minor).sum();
        assert_eq!(collected, 100);
    }

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
