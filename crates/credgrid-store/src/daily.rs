//! The end-of-day hot path in SQL: a narrow read of each active loan's
//! summary, a narrow update back, the per-loan detail row, and the day's
//! totals per outlet and product for the aggregated GL posting.

use crate::error::{Refine, StoreError};
use crate::store::{ReadTx, WriteTx};
use chrono::{Datelike, NaiveDate};
use rusqlite::{CachedStatement, OptionalExtension, params};
use std::collections::BTreeMap;

/// Detail rows written per multi-row `INSERT` by [`DailyWriter`]: one
/// statement execution (bind, step, reset) for this many rows instead of one
/// each; 7 parameters a row stays far below SQLite's limit of 32,766.
const DETAIL_ROWS_PER_INSERT: usize = 128;

/// What the end of day reads of an active loan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DailyLoanRow {
    pub id: i64,
    pub outlet_id: i64,
    pub product_id: i64,
    pub account_manager_id: i64,
    pub class: u8,
    pub provision_minor: i64,
    /// The row's version when read: the update back must find it unchanged.
    pub version: i64,
    pub summary: Vec<u8>,
}

/// What the end of day writes back for one loan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DailyUpdate {
    pub id: i64,
    /// The version the loan had when it was read.
    pub version: i64,
    pub summary: Vec<u8>,
    /// Only on the days the installments changed (due dates).
    pub position: Option<Vec<u8>>,
    pub principal_outstanding_minor: i64,
    pub interest_accrued_minor: i64,
    pub interest_overdue_minor: i64,
    pub principal_overdue_minor: i64,
    pub penalty_accrued_minor: i64,
    pub fees_due_minor: i64,
    pub days_past_due: u32,
    pub class: u8,
    pub provision_minor: i64,
    pub next_due_on: Option<NaiveDate>,
    pub accrued_through: NaiveDate,
}

/// The day's per-loan results summed per outlet, product and currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DailyTotalsRow {
    pub outlet_id: i64,
    pub product_id: i64,
    pub currency: String,
    pub loans: i64,
    pub loans_overdue: i64,
    pub interest_minor: i64,
    pub penalty_minor: i64,
    pub provision_charge_minor: i64,
    /// Positive: the amount released.
    pub provision_release_minor: i64,
}

impl DailyTotalsRow {
    /// Zero loans for an outlet, product and currency.
    pub fn zero(outlet_id: i64, product_id: i64, currency: &str) -> DailyTotalsRow {
        DailyTotalsRow {
            outlet_id,
            product_id,
            currency: currency.to_owned(),
            loans: 0,
            loans_overdue: 0,
            interest_minor: 0,
            penalty_minor: 0,
            provision_charge_minor: 0,
            provision_release_minor: 0,
        }
    }

    /// Adds another partial sum of the same outlet, product and currency;
    /// an overflowing sum is refused.
    pub fn merge(&mut self, other: &DailyTotalsRow) -> Result<(), StoreError> {
        debug_assert_eq!(
            (self.outlet_id, self.product_id, &self.currency),
            (other.outlet_id, other.product_id, &other.currency),
            "merged totals share their key"
        );
        self.sum_in([
            other.loans,
            other.loans_overdue,
            other.interest_minor,
            other.penalty_minor,
            other.provision_charge_minor,
            other.provision_release_minor,
        ])
    }

    /// Adds loans, overdue loans, interest, penalty, charge and release, all
    /// or nothing.
    fn sum_in(&mut self, add: [i64; 6]) -> Result<(), StoreError> {
        let now = [
            self.loans,
            self.loans_overdue,
            self.interest_minor,
            self.penalty_minor,
            self.provision_charge_minor,
            self.provision_release_minor,
        ];
        let mut sums = [0_i64; 6];
        for (sum, (a, b)) in sums.iter_mut().zip(now.into_iter().zip(add)) {
            *sum = a.checked_add(b).ok_or_else(|| self.overflow())?;
        }
        [
            self.loans,
            self.loans_overdue,
            self.interest_minor,
            self.penalty_minor,
            self.provision_charge_minor,
            self.provision_release_minor,
        ] = sums;
        Ok(())
    }

    fn overflow(&self) -> StoreError {
        StoreError::InvalidData {
            table: "accrual_detail",
            column: "interest_minor",
            reason: format!(
                "the day's sum for outlet {} and product {} overflows",
                self.outlet_id, self.product_id
            ),
        }
    }

    /// Adds one loan's detail; an overflowing sum is refused, as SQLite's
    /// `SUM` refuses it.
    pub fn add(
        &mut self,
        overdue: bool,
        interest_minor: i64,
        penalty_minor: i64,
        provision_change_minor: i64,
    ) -> Result<(), StoreError> {
        let (charge, release) = if provision_change_minor > 0 {
            (provision_change_minor, 0)
        } else {
            let release = provision_change_minor
                .checked_neg()
                .ok_or_else(|| self.overflow())?;
            (0, release)
        };
        self.sum_in([
            1,
            i64::from(overdue),
            interest_minor,
            penalty_minor,
            charge,
            release,
        ])
    }
}

/// A date as it is stored (`YYYY-MM-DD`, what chrono's `%F` gives) without
/// chrono's format-string interpreter: the end of day binds three dates per
/// loan, and that interpreter showed in its profile.
fn iso_date(date: NaiveDate) -> String {
    match IsoDate::new(date) {
        Some(text) => text.as_str().to_owned(),
        None => date.format("%F").to_string(),
    }
}

/// A date's `YYYY-MM-DD` text on the stack (years 0 to 9999), bound per loan
/// without an allocation.
struct IsoDate([u8; 10]);

impl IsoDate {
    fn new(date: NaiveDate) -> Option<IsoDate> {
        let year = u32::try_from(date.year()).ok().filter(|y| *y <= 9999)?;
        let digit = |v: u32| b'0' + u8::try_from(v % 10).unwrap_or(0);
        let (month, day) = (date.month(), date.day());
        Some(IsoDate([
            digit(year / 1000),
            digit(year / 100),
            digit(year / 10),
            digit(year),
            b'-',
            digit(month / 10),
            digit(month),
            b'-',
            digit(day / 10),
            digit(day),
        ]))
    }

    fn as_str(&self) -> &str {
        // Only ASCII digits and dashes are ever written.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

fn daily_loan(r: &rusqlite::Row<'_>) -> rusqlite::Result<DailyLoanRow> {
    Ok(DailyLoanRow {
        id: r.get(0)?,
        outlet_id: r.get(1)?,
        product_id: r.get(2)?,
        class: r.get(3)?,
        provision_minor: r.get(4)?,
        version: r.get(5)?,
        summary: r.get::<_, Option<Vec<u8>>>(6)?.unwrap_or_default(),
        account_manager_id: r.get(7)?,
    })
}

impl ReadTx<'_> {
    /// The next `limit` active loans after `after_id`, by id, narrow.
    ///
    /// A range scan of the table itself (`NOT INDEXED`): going through the
    /// `loan_status` index costs an index page walk plus a table seek per
    /// loan, and the table pages are read in full either way.
    pub fn daily_loans(&self, after_id: i64, limit: u32) -> Result<Vec<DailyLoanRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, outlet_id, product_id, class, provision_minor, version, summary, account_manager_id FROM loan NOT INDEXED
                 WHERE id > ?1 AND status = 'disbursed' ORDER BY id LIMIT ?2",
            )
            .refine()?;
        let rows = stmt.query_map(params![after_id, limit], daily_loan).refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// One active loan as [`ReadTx::daily_loans`] reads it; `None` unless
    /// it is disbursed.
    pub fn daily_loan(&self, id: i64) -> Result<Option<DailyLoanRow>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT id, outlet_id, product_id, class, provision_minor, version, summary, account_manager_id FROM loan
                 WHERE id = ?1 AND status = 'disbursed'",
            )
            .refine()?
            .query_row([id], daily_loan)
            .optional()
            .refine()
    }

    /// The ids of the active loans with `after_id < id <= through_id`, in
    /// order — from the `loan_status` index, without reading the loans.
    pub fn daily_loan_ids(&self, after_id: i64, through_id: i64) -> Result<Vec<i64>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id FROM loan INDEXED BY loan_status
                 WHERE status = 'disbursed' AND id > ?1 AND id <= ?2 ORDER BY id",
            )
            .refine()?;
        let rows = stmt
            .query_map(params![after_id, through_id], |r| r.get(0))
            .refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// The stored position blob of a loan.
    pub fn loan_position(&self, id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        let found: Option<Option<Vec<u8>>> = self
            .conn
            .prepare_cached(
                "SELECT (SELECT position FROM loan_position WHERE loan_id = loan.id) FROM loan WHERE id = ?1",
            )
            .refine()?
            .query_row([id], |r| r.get(0))
            .optional()
            .refine()?;
        found.ok_or(StoreError::NotFound { table: "loan", id })
    }

    /// The day's detail rows summed per outlet, product and currency,
    /// ordered by them.
    ///
    /// Summed here rather than with `GROUP BY`: SQLite would sort every
    /// detail row of the day (a million at a time) to group a few hundred.
    pub fn daily_totals(&self, date: NaiveDate) -> Result<Vec<DailyTotalsRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT l.outlet_id, l.product_id, l.currency, d.days_past_due, d.interest_minor,
                        d.penalty_minor, d.provision_change_minor
                 FROM accrual_detail d JOIN loan l ON l.id = d.loan_id
                 WHERE d.business_date = ?1",
            )
            .refine()?;
        let mut rows = stmt.query([iso_date(date)]).refine()?;
        let mut totals: BTreeMap<(i64, i64, String), DailyTotalsRow> = BTreeMap::new();
        while let Some(r) = rows.next().refine()? {
            let key: (i64, i64, String) = (r.get(0).refine()?, r.get(1).refine()?, r.get(2).refine()?);
            let sum = totals
                .entry(key)
                .or_insert_with_key(|(outlet, product, currency)| {
                    DailyTotalsRow::zero(*outlet, *product, currency)
                });
            let days_past_due: i64 = r.get(3).refine()?;
            sum.add(
                days_past_due > 0,
                r.get(4).refine()?,
                r.get(5).refine()?,
                r.get(6).refine()?,
            )?;
        }
        Ok(totals.into_values().collect())
    }

    /// Per loan, the balance of `account_code` in the journal lines posted
    /// with that loan's id (debits minus credits), for loans where it differs
    /// from `expected` column of the loan table. Used by `check`.
    pub fn loans_disagreeing_with_journal(
        &self,
        account_code: &str,
        limit: u32,
    ) -> Result<Vec<(i64, i64, i64)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "WITH gl AS (
                    SELECT e.loan_id AS loan_id, SUM(l.debit_minor - l.credit_minor) AS balance
                    FROM journal_line l JOIN journal_entry e ON e.id = l.entry_id
                    WHERE e.loan_id IS NOT NULL AND l.account_code = ?1
                    GROUP BY e.loan_id)
                 SELECT loan.id, loan.principal_outstanding_minor, COALESCE(gl.balance, 0)
                 FROM loan LEFT JOIN gl ON gl.loan_id = loan.id
                 WHERE loan.status IN ('disbursed', 'closed', 'written_off')
                   AND loan.principal_outstanding_minor <> COALESCE(gl.balance, 0)
                 ORDER BY loan.id LIMIT ?2",
            )
            .refine()?;
        let rows = stmt
            .query_map(params![account_code, limit], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .refine()?;
        rows.collect::<Result<_, _>>().refine()
    }
}

impl WriteTx<'_> {
    /// The end-of-day detail of one loan for one date; a second insert for
    /// the same (date, loan) is refused by the primary key.
    #[allow(clippy::too_many_arguments)]
    pub fn insert_daily_detail(
        &mut self,
        date: NaiveDate,
        loan_id: i64,
        interest_minor: i64,
        penalty_minor: i64,
        days_past_due: u32,
        class: u8,
        provision_minor: i64,
        provision_change_minor: i64,
    ) -> Result<(), StoreError> {
        self.conn()
            .prepare_cached(
                "INSERT INTO accrual_detail (business_date, loan_id, interest_minor, penalty_minor, days_past_due,
                   class, provision_minor, provision_change_minor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .refine()?
            .execute(params![
                iso_date(date),
                loan_id,
                interest_minor,
                penalty_minor,
                days_past_due,
                class,
                provision_minor,
                provision_change_minor
            ])
            .refine()?;
        Ok(())
    }
}

/// One loan's end-of-day detail for the writer's business date (a row of
/// `accrual_detail`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DailyDetail {
    pub loan_id: i64,
    pub interest_minor: i64,
    pub penalty_minor: i64,
    pub days_past_due: u32,
    pub class: u8,
    pub provision_minor: i64,
    pub provision_change_minor: i64,
}

/// The end of day's writes for one chunk of loans of one business date: the
/// loan updates and their detail rows. Its statements are prepared once for
/// the chunk, the dates are bound as text made without allocating, and the
/// detail rows are written [`DETAIL_ROWS_PER_INSERT`] per statement. Made by
/// [`WriteTx::with_daily_writer`], which writes the last buffered rows.
pub struct DailyWriter<'a, 'c> {
    tx: &'a WriteTx<'c>,
    update: CachedStatement<'a>,
    detail_many: CachedStatement<'a>,
    date: String,
    pending: Vec<DailyDetail>,
}

/// The multi-row detail insert: `?1` is the business date, then seven
/// parameters per row.
fn detail_insert_sql(rows: usize) -> String {
    let mut sql = String::from(
        "INSERT INTO accrual_detail (business_date, loan_id, interest_minor, penalty_minor, days_past_due,
           class, provision_minor, provision_change_minor) VALUES ",
    );
    for row in 0..rows {
        let p = 2 + row * 7;
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!(
            "(?1, ?{}, ?{}, ?{}, ?{}, ?{}, ?{}, ?{})",
            p,
            p + 1,
            p + 2,
            p + 3,
            p + 4,
            p + 5,
            p + 6
        ));
    }
    sql
}

impl<'a, 'c> DailyWriter<'a, 'c> {
    fn new(tx: &'a WriteTx<'c>, date: NaiveDate) -> Result<DailyWriter<'a, 'c>, StoreError> {
        let conn = tx.conn();
        let update = conn
            .prepare_cached(
                "UPDATE loan SET summary = ?2,
                   principal_outstanding_minor = ?3, interest_accrued_minor = ?4, interest_overdue_minor = ?5,
                   principal_overdue_minor = ?6, penalty_accrued_minor = ?7, fees_due_minor = ?8,
                   days_past_due = ?9, class = ?10, provision_minor = ?11, next_due_on = ?12,
                   accrued_through = ?13, version = version + 1
                 WHERE id = ?1 AND status = 'disbursed' AND version = ?14",
            )
            .refine()?;
        let mut detail_many = conn
            .prepare_cached(&detail_insert_sql(DETAIL_ROWS_PER_INSERT))
            .refine()?;
        let date = iso_date(date);
        detail_many.raw_bind_parameter(1, date.as_str()).refine()?;
        Ok(DailyWriter {
            tx,
            update,
            detail_many,
            date,
            pending: Vec::with_capacity(DETAIL_ROWS_PER_INSERT),
        })
    }

    /// Writes back what the end of day computed for one loan (and its
    /// position, on the days it changed). `false` (and nothing written)
    /// unless the loan is still disbursed and at the version it was read at.
    pub fn update_loan(&mut self, u: &DailyUpdate) -> Result<bool, StoreError> {
        let next_due = u.next_due_on.map(|d| (IsoDate::new(d), d));
        let accrued = IsoDate::new(u.accrued_through);
        let stmt = &mut self.update;
        stmt.raw_bind_parameter(1, u.id).refine()?;
        stmt.raw_bind_parameter(2, u.summary.as_slice()).refine()?;
        stmt.raw_bind_parameter(3, u.principal_outstanding_minor)
            .refine()?;
        stmt.raw_bind_parameter(4, u.interest_accrued_minor).refine()?;
        stmt.raw_bind_parameter(5, u.interest_overdue_minor).refine()?;
        stmt.raw_bind_parameter(6, u.principal_overdue_minor).refine()?;
        stmt.raw_bind_parameter(7, u.penalty_accrued_minor).refine()?;
        stmt.raw_bind_parameter(8, u.fees_due_minor).refine()?;
        stmt.raw_bind_parameter(9, u.days_past_due).refine()?;
        stmt.raw_bind_parameter(10, u.class).refine()?;
        stmt.raw_bind_parameter(11, u.provision_minor).refine()?;
        match next_due {
            None => stmt.raw_bind_parameter(12, None::<&str>),
            Some((Some(text), _)) => stmt.raw_bind_parameter(12, text.as_str()),
            Some((None, date)) => stmt.raw_bind_parameter(12, iso_date(date)),
        }
        .refine()?;
        match accrued {
            Some(text) => stmt.raw_bind_parameter(13, text.as_str()),
            None => stmt.raw_bind_parameter(13, iso_date(u.accrued_through)),
        }
        .refine()?;
        stmt.raw_bind_parameter(14, u.version).refine()?;
        if stmt.raw_execute().refine()? == 0 {
            return Ok(false);
        }
        self.tx.put_loan_position(u.id, u.position.as_deref())?;
        Ok(true)
    }

    /// Records one loan's detail (written with the next full batch of rows,
    /// or when the writer finishes). A second detail for the same date and
    /// loan is refused by the primary key when it is written.
    pub fn insert_detail(&mut self, detail: DailyDetail) -> Result<(), StoreError> {
        self.pending.push(detail);
        if self.pending.len() == DETAIL_ROWS_PER_INSERT {
            self.write_many()?;
        }
        Ok(())
    }

    /// The transaction the writer writes in (for reads during the chunk).
    pub fn tx(&self) -> &'a WriteTx<'c> {
        self.tx
    }

    fn write_many(&mut self) -> Result<(), StoreError> {
        assert_eq!(self.pending.len(), DETAIL_ROWS_PER_INSERT, "a full batch of rows");
        let stmt = &mut self.detail_many;
        for (row, d) in self.pending.iter().enumerate() {
            let p = 2 + row * 7;
            stmt.raw_bind_parameter(p, d.loan_id).refine()?;
            stmt.raw_bind_parameter(p + 1, d.interest_minor).refine()?;
            stmt.raw_bind_parameter(p + 2, d.penalty_minor).refine()?;
            stmt.raw_bind_parameter(p + 3, d.days_past_due).refine()?;
            stmt.raw_bind_parameter(p + 4, d.class).refine()?;
            stmt.raw_bind_parameter(p + 5, d.provision_minor).refine()?;
            stmt.raw_bind_parameter(p + 6, d.provision_change_minor)
                .refine()?;
        }
        stmt.raw_execute().refine()?;
        self.pending.clear();
        Ok(())
    }

    /// Writes the rows still buffered, one statement each.
    fn finish(mut self) -> Result<(), StoreError> {
        let mut one = self.tx.conn().prepare_cached(&detail_insert_sql(1)).refine()?;
        for d in self.pending.drain(..) {
            one.execute(params![
                self.date,
                d.loan_id,
                d.interest_minor,
                d.penalty_minor,
                d.days_past_due,
                d.class,
                d.provision_minor,
                d.provision_change_minor
            ])
            .refine()?;
        }
        Ok(())
    }
}

impl<'c> WriteTx<'c> {
    /// Runs `write` with a [`DailyWriter`] for `date`, then writes the detail
    /// rows it still buffers. Nothing is written when `write` fails (the
    /// job's error rolls its writes back).
    pub fn with_daily_writer<'a, T, E>(
        &'a self,
        date: NaiveDate,
        write: impl FnOnce(&mut DailyWriter<'a, 'c>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let mut writer = DailyWriter::new(self, date)?;
        let out = write(&mut writer)?;
        writer.finish()?;
        Ok(out)
    }
}

/// Active loans summed per outlet, product and currency, for the portfolio report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortfolioRow {
    pub outlet_id: i64,
    pub product_code: String,
    pub currency: String,
    pub digits: u8,
    pub loans: i64,
    pub principal_outstanding_minor: i64,
    pub principal_overdue_minor: i64,
    pub par30_minor: i64,
    pub par90_minor: i64,
    /// Outstanding principal per class 1 (pass) … 5 (loss).
    pub by_class_minor: [i64; 5],
    pub provision_minor: i64,
}

impl ReadTx<'_> {
    pub fn journal_entry_count(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn
            .prepare_cached("SELECT COUNT(*) FROM journal_entry")
            .refine()?
            .query_row([], |r| r.get(0))
            .refine()?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    pub fn portfolio_rows(&self) -> Result<Vec<PortfolioRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT l.outlet_id, p.code, l.currency, p.digits, COUNT(*),
                        SUM(l.principal_outstanding_minor), SUM(l.principal_overdue_minor),
                        SUM(CASE WHEN l.days_past_due > 30 THEN l.principal_outstanding_minor ELSE 0 END),
                        SUM(CASE WHEN l.days_past_due > 90 THEN l.principal_outstanding_minor ELSE 0 END),
                        SUM(CASE WHEN l.class <= 1 THEN l.principal_outstanding_minor ELSE 0 END),
                        SUM(CASE WHEN l.class = 2 THEN l.principal_outstanding_minor ELSE 0 END),
                        SUM(CASE WHEN l.class = 3 THEN l.principal_outstanding_minor ELSE 0 END),
                        SUM(CASE WHEN l.class = 4 THEN l.principal_outstanding_minor ELSE 0 END),
                        SUM(CASE WHEN l.class = 5 THEN l.principal_outstanding_minor ELSE 0 END),
                        SUM(l.provision_minor)
                 FROM loan l JOIN product p ON p.id = l.product_id
                 WHERE l.status = 'disbursed'
                 GROUP BY l.outlet_id, p.code, l.currency ORDER BY l.outlet_id, p.code",
            )
            .refine()?;
        let rows = stmt
            .query_map([], |r| {
                Ok(PortfolioRow {
                    outlet_id: r.get(0)?,
                    product_code: r.get(1)?,
                    currency: r.get(2)?,
                    digits: r.get(3)?,
                    loans: r.get(4)?,
                    principal_outstanding_minor: r.get(5)?,
                    principal_overdue_minor: r.get(6)?,
                    par30_minor: r.get(7)?,
                    par90_minor: r.get(8)?,
                    by_class_minor: [r.get(9)?, r.get(10)?, r.get(11)?, r.get(12)?, r.get(13)?],
                    provision_minor: r.get(14)?,
                })
            })
            .refine()?;
        rows.collect::<Result<_, _>>().refine()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast date text is exactly what rusqlite's chrono binding writes
    /// (`%F`), so rows written either way compare and sort alike.
    #[test]
    fn iso_date_matches_the_chrono_binding() {
        let dates = [
            (1, 1, 1),
            (999, 12, 31),
            (2024, 2, 29),
            (2026, 11, 23),
            (9999, 12, 31),
        ];
        for (y, m, d) in dates {
            let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            assert_eq!(iso_date(date), date.format("%F").to_string());
        }
        let far = NaiveDate::from_ymd_opt(-44, 3, 15).unwrap();
        assert_eq!(iso_date(far), far.format("%F").to_string());
    }

    /// Provision changes split into charges and releases; a sum that would
    /// overflow is refused rather than wrapped.
    #[test]
    fn daily_totals_add_splits_provisions_and_refuses_overflow() {
        let mut row = DailyTotalsRow::zero(7, 3, "CNY");
        row.add(false, 120, 0, 500).unwrap();
        row.add(true, 80, 15, -200).unwrap();
        row.add(true, 0, 5, 0).unwrap();
        assert_eq!((row.loans, row.loans_overdue), (3, 2));
        assert_eq!((row.interest_minor, row.penalty_minor), (200, 20));
        assert_eq!(
            (row.provision_charge_minor, row.provision_release_minor),
            (500, 200)
        );
        assert!(row.add(false, i64::MAX, 0, 0).is_err());
        assert!(
            DailyTotalsRow::zero(1, 1, "CNY")
                .add(false, 0, 0, i64::MIN)
                .is_err()
        );
    }
}
