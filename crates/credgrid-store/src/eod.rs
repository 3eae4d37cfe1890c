//! The business date, end-of-day runs (with a restart cursor), the
//! per-loan end-of-day detail and the day's running totals.

use crate::daily::DailyTotalsRow;
use crate::error::{Refine, StoreError};
use crate::store::{ReadTx, WriteTx};
use chrono::{NaiveDate, Utc};
use rusqlite::{OptionalExtension, Row, params};

/// One end-of-day run: a business date closed once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EodRunRow {
    pub business_date: NaiveDate,
    /// `running` or `done`.
    pub status: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub loans_processed: i64,
    /// Restart cursor: every active loan with an id up to this one is done.
    pub last_loan_id: i64,
    pub summary: Option<String>,
    /// Active loans when the run started (`None`: begun by a build before migration 015).
    pub loans_at_start: Option<i64>,
}

/// What the end of day computed for one loan on one date. The primary key
/// (business_date, loan_id) makes a second posting of the same day impossible.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccrualDetailRow {
    pub business_date: NaiveDate,
    pub loan_id: i64,
    pub interest_minor: i64,
    pub penalty_minor: i64,
    pub days_past_due: u32,
    pub class: u8,
    pub provision_minor: i64,
}

fn eod_run(r: &Row<'_>) -> rusqlite::Result<EodRunRow> {
    Ok(EodRunRow {
        business_date: r.get(0)?,
        status: r.get(1)?,
        started_at: r.get(2)?,
        finished_at: r.get(3)?,
        loans_processed: r.get(4)?,
        last_loan_id: r.get(5)?,
        summary: r.get(6)?,
        loans_at_start: r.get(7)?,
    })
}

impl ReadTx<'_> {
    /// The institution's current business date; `None` before it is first set.
    pub fn business_date(&self) -> Result<Option<NaiveDate>, StoreError> {
        self.conn
            .prepare_cached("SELECT current_on FROM business_date WHERE id = 1")
            .refine()?
            .query_row([], |r| crate::day::get(r, 0))
            .optional()
            .refine()
    }

    /// The business date and whether the end of day is closing it (a
    /// `running` run), in one statement: money moves only on an open date.
    pub fn business_date_open(&self) -> Result<Option<(NaiveDate, bool)>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT b.current_on, EXISTS (SELECT 1 FROM eod_run e
                   WHERE e.business_date = b.current_on AND e.status = 'running')
                 FROM business_date b WHERE b.id = 1",
            )
            .refine()?
            .query_row([], |r| Ok((crate::day::get(r, 0)?, r.get(1)?)))
            .optional()
            .refine()
    }

    pub fn eod_run(&self, business_date: NaiveDate) -> Result<Option<EodRunRow>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT business_date, status, started_at, finished_at, loans_processed, last_loan_id, summary,
                   loans_at_start
                 FROM eod_run WHERE business_date = ?1",
            )
            .refine()?
            .query_row([crate::day::Day(business_date)], eod_run)
            .optional()
            .refine()
    }

    /// The latest closed (`done`) business date, if any.
    pub fn last_closed_date(&self) -> Result<Option<NaiveDate>, StoreError> {
        self.conn
            .prepare_cached("SELECT MAX(business_date) FROM eod_run WHERE status = 'done'")
            .refine()?
            .query_row([], |r| r.get(0))
            .refine()
    }

    /// The running totals of `business_date` per outlet, product and
    /// currency, as the chunks of the end of day added them (ordered by
    /// outlet, product and currency).
    pub fn eod_totals(&self, business_date: NaiveDate) -> Result<Vec<DailyTotalsRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT outlet_id, product_id, currency, loans, loans_overdue, interest_minor, penalty_minor,
                        provision_charge_minor, provision_release_minor
                 FROM eod_total WHERE business_date = ?1 ORDER BY outlet_id, product_id, currency",
            )
            .refine()?;
        let rows = stmt
            .query_map([business_date], |r| {
                Ok(DailyTotalsRow {
                    outlet_id: r.get(0)?,
                    product_id: r.get(1)?,
                    currency: r.get(2)?,
                    loans: r.get(3)?,
                    loans_overdue: r.get(4)?,
                    interest_minor: r.get(5)?,
                    penalty_minor: r.get(6)?,
                    provision_charge_minor: r.get(7)?,
                    provision_release_minor: r.get(8)?,
                })
            })
            .refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// How many loans have a detail row for `business_date`.
    pub fn accrual_detail_count(&self, business_date: NaiveDate) -> Result<i64, StoreError> {
        self.conn
            .prepare_cached("SELECT COUNT(*) FROM accrual_detail WHERE business_date = ?1")
            .refine()?
            .query_row([business_date], |r| r.get(0))
            .refine()
    }

    /// A date's per-loan detail for loans after `after_loan_id`, by loan id.
    pub fn accrual_details(
        &self,
        business_date: NaiveDate,
        after_loan_id: i64,
        limit: u32,
    ) -> Result<Vec<AccrualDetailRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT business_date, loan_id, interest_minor, penalty_minor, days_past_due, class, provision_minor
                 FROM accrual_detail WHERE business_date = ?1 AND loan_id > ?2 ORDER BY loan_id LIMIT ?3",
            )
            .refine()?;
        let rows = stmt
            .query_map(params![business_date, after_loan_id, limit], |r| {
                Ok(AccrualDetailRow {
                    business_date: r.get(0)?,
                    loan_id: r.get(1)?,
                    interest_minor: r.get(2)?,
                    penalty_minor: r.get(3)?,
                    days_past_due: r.get(4)?,
                    class: r.get(5)?,
                    provision_minor: r.get(6)?,
                })
            })
            .refine()?;
        rows.collect::<Result<_, _>>().refine()
    }
}

impl WriteTx<'_> {
    /// Sets the business date (the single row), creating it the first time.
    pub fn set_business_date(
        &mut self,
        date: NaiveDate,
        institution_id: Option<i64>,
    ) -> Result<(), StoreError> {
        self.conn()
            .prepare_cached(
                "INSERT INTO business_date (id, current_on, institution_id) VALUES (1, ?1, ?2)
                 ON CONFLICT (id) DO UPDATE SET current_on = excluded.current_on,
                   institution_id = COALESCE(excluded.institution_id, business_date.institution_id)",
            )
            .refine()?
            .execute(params![date, institution_id])
            .refine()?;
        Ok(())
    }

    /// The run of `business_date`, started now if there is none yet (a
    /// restarted run finds its cursor where the killed one left it). A new
    /// run records the active loans and the last loan transaction and audit
    /// record, which tell the close whether anything moved during the run.
    pub fn start_eod_run(&mut self, business_date: NaiveDate) -> Result<EodRunRow, StoreError> {
        self.conn()
            .prepare_cached(
                "INSERT INTO eod_run (business_date, status, started_at, loans_at_start, transaction_mark,
                   audit_mark)
                 VALUES (?1, 'running', ?2, (SELECT COUNT(*) FROM loan WHERE status = 'disbursed'),
                   (SELECT COALESCE(MAX(id), 0) FROM loan_transaction),
                   (SELECT COALESCE(MAX(id), 0) FROM audit_log))
                 ON CONFLICT (business_date) DO NOTHING",
            )
            .refine()?
            .execute(params![business_date, Utc::now().to_rfc3339()])
            .refine()?;
        let run = self.eod_run(business_date)?;
        run.ok_or(StoreError::NotFound {
            table: "eod_run",
            id: 0,
        })
    }

    /// Moves a running day's restart cursor forward.
    pub fn advance_eod_run(
        &mut self,
        business_date: NaiveDate,
        loans_processed: i64,
        last_loan_id: i64,
    ) -> Result<(), StoreError> {
        let changed = self
            .conn()
            .prepare_cached(
                "UPDATE eod_run SET loans_processed = ?2, last_loan_id = ?3
                 WHERE business_date = ?1 AND status = 'running' AND last_loan_id <= ?3",
            )
            .refine()?
            .execute(params![business_date, loans_processed, last_loan_id])
            .refine()?;
        if changed == 0 {
            return Err(StoreError::Constraint(format!(
                "eod_run {business_date} is not running or the cursor went back"
            )));
        }
        Ok(())
    }

    /// Marks a day done with its summary.
    pub fn finish_eod_run(&mut self, business_date: NaiveDate, summary: &str) -> Result<(), StoreError> {
        let changed = self
            .conn()
            .prepare_cached(
                "UPDATE eod_run SET status = 'done', finished_at = ?2, summary = ?3
                 WHERE business_date = ?1 AND status = 'running'",
            )
            .refine()?
            .execute(params![business_date, Utc::now().to_rfc3339(), summary])
            .refine()?;
        if changed == 0 {
            return Err(StoreError::Constraint(format!(
                "eod_run {business_date} is not running"
            )));
        }
        Ok(())
    }

    /// Adds a chunk's partial sums to the running totals of `business_date`
    /// (a row per outlet, product and currency). Sums are checked: an
    /// overflow is refused, never wrapped nor turned into a float.
    pub fn add_eod_totals(
        &mut self,
        business_date: NaiveDate,
        partial: &[DailyTotalsRow],
    ) -> Result<(), StoreError> {
        for add in partial {
            let found: Option<DailyTotalsRow> = self
                .conn()
                .prepare_cached(
                    "SELECT loans, loans_overdue, interest_minor, penalty_minor, provision_charge_minor,
                            provision_release_minor
                     FROM eod_total WHERE business_date = ?1 AND outlet_id = ?2 AND product_id = ?3
                       AND currency = ?4",
                )
                .refine()?
                .query_row(
                    params![business_date, add.outlet_id, add.product_id, add.currency],
                    |r| {
                        Ok(DailyTotalsRow {
                            loans: r.get(0)?,
                            loans_overdue: r.get(1)?,
                            interest_minor: r.get(2)?,
                            penalty_minor: r.get(3)?,
                            provision_charge_minor: r.get(4)?,
                            provision_release_minor: r.get(5)?,
                            ..add.clone()
                        })
                    },
                )
                .optional()
                .refine()?;
            let mut total = DailyTotalsRow::zero(add.outlet_id, add.product_id, &add.currency);
            if let Some(found) = found {
                total = found;
            }
            total.merge(add)?;
            self.conn()
                .prepare_cached(
                    "INSERT INTO eod_total (business_date, outlet_id, product_id, currency, loans, loans_overdue,
                       interest_minor, penalty_minor, provision_charge_minor, provision_release_minor)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                     ON CONFLICT (business_date, outlet_id, product_id, currency) DO UPDATE SET
                       loans = excluded.loans, loans_overdue = excluded.loans_overdue,
                       interest_minor = excluded.interest_minor, penalty_minor = excluded.penalty_minor,
                       provision_charge_minor = excluded.provision_charge_minor,
                       provision_release_minor = excluded.provision_release_minor",
                )
                .refine()?
                .execute(params![
                    business_date,
                    total.outlet_id,
                    total.product_id,
                    total.currency,
                    total.loans,
                    total.loans_overdue,
                    total.interest_minor,
                    total.penalty_minor,
                    total.provision_charge_minor,
                    total.provision_release_minor
                ])
                .refine()?;
        }
        Ok(())
    }

    /// Records a loan's detail for a day. `false` when that day already has
    /// it (a re-run): the caller must then not post the day's amounts again.
    pub fn insert_accrual_detail(&mut self, d: &AccrualDetailRow) -> Result<bool, StoreError> {
        let changed = self
            .conn()
            .prepare_cached(
                "INSERT INTO accrual_detail (business_date, loan_id, interest_minor, penalty_minor, days_past_due,
                   class, provision_minor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (business_date, loan_id) DO NOTHING",
            )
            .refine()?
            .execute(params![
                d.business_date,
                d.loan_id,
                d.interest_minor,
                d.penalty_minor,
                d.days_past_due,
                d.class,
                d.provision_minor
            ])
            .refine()?;
        Ok(changed == 1)
    }
}
