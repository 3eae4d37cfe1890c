//! Loans (with their summary balances and opaque servicing position), their
//! lifecycle events and their money transactions.

use crate::day::{self, Day};
use crate::error::{Refine, StoreError};
use crate::product::decimal;
use crate::store::{ReadTx, WriteTx};
use chrono::{NaiveDate, Utc};
use rusqlite::{OptionalExtension, Row, params};
use rust_decimal::Decimal;

/// A loan as stored: terms, dates, the summary balances the end of day and
/// the use cases keep current, and `position`, the servicing state encoded
/// by the application layer (opaque here).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoanRow {
    /// Ignored by `insert_loan`.
    pub id: i64,
    pub client_id: i64,
    pub product_id: i64,
    pub outlet_id: i64,
    pub account_manager_id: i64,
    /// `application`, `approved`, `rejected`, `withdrawn`, `disbursed`, `closed`, `written_off`.
    pub status: String,
    pub currency: String,
    pub principal_minor: i64,
    pub annual_rate: Decimal,
    pub installments: u32,
    pub first_repayment_on: Option<NaiveDate>,
    pub purpose: Option<String>,
    pub applied_on: NaiveDate,
    pub approved_on: Option<NaiveDate>,
    pub disbursed_on: Option<NaiveDate>,
    pub maturity_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    pub principal_outstanding_minor: i64,
    pub interest_accrued_minor: i64,
    pub interest_overdue_minor: i64,
    pub principal_overdue_minor: i64,
    pub penalty_accrued_minor: i64,
    pub fees_due_minor: i64,
    pub written_off_minor: i64,
    pub days_past_due: u32,
    /// Five-category class (0 = not classified yet, 1 pass … 5 loss).
    pub class: u8,
    pub provision_minor: i64,
    pub next_due_on: Option<NaiveDate>,
    pub accrued_through: Option<NaiveDate>,
    /// Optimistic concurrency: `update_loan` refuses a stale version.
    pub version: i64,
    pub position: Option<Vec<u8>>,
    /// The compact servicing summary the end of day advances daily, encoded
    /// by the application layer (opaque here).
    pub summary: Option<Vec<u8>>,
}

/// A lifecycle transition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoanEventRow {
    pub id: i64,
    pub loan_id: i64,
    pub kind: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub user_id: i64,
    pub business_date: NaiveDate,
    /// Wall clock, RFC 3339 UTC, stamped by the store.
    pub at: String,
    pub reason: Option<String>,
}

/// A money movement of a loan. Append-only; `reversed_by_id` is set once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoanTransactionRow {
    /// Ignored by `insert_loan_transaction`.
    pub id: i64,
    pub loan_id: i64,
    /// `disbursement`, `repayment`, `fee`, `reversal`, `write_off`, `recovery`, `prepayment`.
    pub kind: String,
    pub business_date: NaiveDate,
    pub value_date: NaiveDate,
    pub amount_minor: i64,
    pub principal_minor: i64,
    pub interest_minor: i64,
    pub penalty_minor: i64,
    pub fee_minor: i64,
    pub reversed_by_id: Option<i64>,
    pub reverses_id: Option<i64>,
    pub user_id: i64,
    pub journal_entry_id: Option<i64>,
    /// Stamped by the store on insert.
    pub created_at: String,
}

const LOAN_COLUMNS: &str = "id, client_id, product_id, outlet_id, account_manager_id, status, currency,
    principal_minor, annual_rate, installments, first_repayment_on, purpose, applied_on, approved_on,
    disbursed_on, maturity_on, closed_on, principal_outstanding_minor, interest_accrued_minor,
    interest_overdue_minor, principal_overdue_minor, penalty_accrued_minor, fees_due_minor, written_off_minor,
    days_past_due, class, provision_minor, next_due_on, accrued_through, version,
    (SELECT p.position FROM loan_position p WHERE p.loan_id = loan.id) AS position, summary";

/// The columns `insert_loan` writes, in its parameter order (the position
/// lives in `loan_position`).
const INSERT_COLUMNS: &str = "client_id, product_id, outlet_id, account_manager_id, status, currency,
    principal_minor, annual_rate, installments, first_repayment_on, purpose, applied_on, approved_on,
    disbursed_on, maturity_on, closed_on, principal_outstanding_minor, interest_accrued_minor,
    interest_overdue_minor, principal_overdue_minor, penalty_accrued_minor, fees_due_minor, written_off_minor,
    days_past_due, class, provision_minor, next_due_on, accrued_through, version, summary";

fn loan(r: &Row<'_>) -> rusqlite::Result<LoanRow> {
    Ok(LoanRow {
        id: r.get(0)?,
        client_id: r.get(1)?,
        product_id: r.get(2)?,
        outlet_id: r.get(3)?,
        account_manager_id: r.get(4)?,
        status: r.get(5)?,
        currency: r.get(6)?,
        principal_minor: r.get(7)?,
        annual_rate: decimal(r, 8)?,
        installments: r.get(9)?,
        first_repayment_on: day::get_opt(r, 10)?,
        purpose: r.get(11)?,
        applied_on: day::get(r, 12)?,
        approved_on: day::get_opt(r, 13)?,
        disbursed_on: day::get_opt(r, 14)?,
        maturity_on: day::get_opt(r, 15)?,
        closed_on: day::get_opt(r, 16)?,
        principal_outstanding_minor: r.get(17)?,
        interest_accrued_minor: r.get(18)?,
        interest_overdue_minor: r.get(19)?,
        principal_overdue_minor: r.get(20)?,
        penalty_accrued_minor: r.get(21)?,
        fees_due_minor: r.get(22)?,
        written_off_minor: r.get(23)?,
        days_past_due: r.get(24)?,
        class: r.get(25)?,
        provision_minor: r.get(26)?,
        next_due_on: day::get_opt(r, 27)?,
        accrued_through: day::get_opt(r, 28)?,
        version: r.get(29)?,
        position: r.get(30)?,
        summary: r.get(31)?,
    })
}

const EVENT_COLUMNS: &str = "id, loan_id, kind, from_status, to_status, user_id, business_date, at, reason";

fn event(r: &Row<'_>) -> rusqlite::Result<LoanEventRow> {
    Ok(LoanEventRow {
        id: r.get(0)?,
        loan_id: r.get(1)?,
        kind: r.get(2)?,
        from_status: r.get(3)?,
        to_status: r.get(4)?,
        user_id: r.get(5)?,
        business_date: r.get(6)?,
        at: r.get(7)?,
        reason: r.get(8)?,
    })
}

const TXN_COLUMNS: &str = "id, loan_id, kind, business_date, value_date, amount_minor, principal_minor,
    interest_minor, penalty_minor, fee_minor, reversed_by_id, reverses_id, user_id, journal_entry_id, created_at";

fn transaction(r: &Row<'_>) -> rusqlite::Result<LoanTransactionRow> {
    Ok(LoanTransactionRow {
        id: r.get(0)?,
        loan_id: r.get(1)?,
        kind: r.get(2)?,
        business_date: day::get(r, 3)?,
        value_date: day::get(r, 4)?,
        amount_minor: r.get(5)?,
        principal_minor: r.get(6)?,
        interest_minor: r.get(7)?,
        penalty_minor: r.get(8)?,
        fee_minor: r.get(9)?,
        reversed_by_id: r.get(10)?,
        reverses_id: r.get(11)?,
        user_id: r.get(12)?,
        journal_entry_id: r.get(13)?,
        created_at: r.get(14)?,
    })
}

impl ReadTx<'_> {
    pub fn loan(&self, id: i64) -> Result<LoanRow, StoreError> {
        // Built once: the repayment path reads a loan per request.
        static SQL: std::sync::LazyLock<String> =
            std::sync::LazyLock::new(|| format!("SELECT {LOAN_COLUMNS} FROM loan WHERE id = ?1"));
        let found = self
            .conn
            .prepare_cached(&SQL)
            .refine()?
            .query_row([id], loan)
            .optional()
            .refine()?;
        found.ok_or(StoreError::NotFound { table: "loan", id })
    }

    /// The version of loan `id` (every change of its row raises it), or
    /// `None` if there is no such loan.
    pub fn loan_version(&self, id: i64) -> Result<Option<i64>, StoreError> {
        self.conn
            .prepare_cached("SELECT version FROM loan WHERE id = ?1")
            .refine()?
            .query_row([id], |r| r.get(0))
            .optional()
            .refine()
    }

    /// The product of loan `id` (a loan's product never changes), without
    /// reading the rest of the row.
    pub fn loan_product_id(&self, id: i64) -> Result<i64, StoreError> {
        let found = self
            .conn
            .prepare_cached("SELECT product_id FROM loan WHERE id = ?1")
            .refine()?
            .query_row([id], |r| r.get(0))
            .optional()
            .refine()?;
        found.ok_or(StoreError::NotFound { table: "loan", id })
    }

    /// Loans with an id greater than `after_id`, oldest first, optionally
    /// of one status and within one outlet.
    pub fn loans(
        &self,
        after_id: i64,
        limit: u32,
        status: Option<&str>,
        outlet_id: Option<i64>,
    ) -> Result<Vec<LoanRow>, StoreError> {
        let sql = format!(
            "SELECT {LOAN_COLUMNS} FROM loan WHERE id > ?1 AND (?3 IS NULL OR status = ?3)
               AND (?4 IS NULL OR outlet_id = ?4) ORDER BY id LIMIT ?2"
        );
        let mut stmt = self.conn.prepare_cached(&sql).refine()?;
        let rows = stmt
            .query_map(params![after_id, limit, status, outlet_id], loan)
            .refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// Like [`ReadTx::loans`], limited to loans booked at one of `outlets`
    /// (a user's part of the organisation tree).
    pub fn loans_at_outlets(
        &self,
        after_id: i64,
        limit: u32,
        status: Option<&str>,
        outlets: &[i64],
    ) -> Result<Vec<LoanRow>, StoreError> {
        if outlets.is_empty() {
            return Ok(Vec::new());
        }
        let list = outlets
            .iter()
            .map(|o| o.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let sql = format!(
            "SELECT {LOAN_COLUMNS} FROM loan WHERE id > ?1 AND (?3 IS NULL OR status = ?3)
               AND outlet_id IN ({list}) ORDER BY id LIMIT ?2"
        );
        let mut stmt = self.conn.prepare(&sql).refine()?;
        let rows = stmt.query_map(params![after_id, limit, status], loan).refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// The next chunk of active (`disbursed`) loans after `after_id`, by id:
    /// the end of day walks the book with this cursor, `limit` at a time.
    pub fn active_loans(&self, after_id: i64, limit: u32) -> Result<Vec<LoanRow>, StoreError> {
        let sql = format!(
            "SELECT {LOAN_COLUMNS} FROM loan WHERE status = 'disbursed' AND id > ?1 ORDER BY id LIMIT ?2"
        );
        let mut stmt = self.conn.prepare_cached(&sql).refine()?;
        let rows = stmt.query_map(params![after_id, limit], loan).refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// How many loans are active (`disbursed`).
    pub fn active_loan_count(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn
            .prepare_cached("SELECT COUNT(*) FROM loan WHERE status = 'disbursed'")
            .refine()?
            .query_row([], |r| r.get(0))
            .refine()?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    pub fn loan_events(&self, loan_id: i64) -> Result<Vec<LoanEventRow>, StoreError> {
        let sql = format!("SELECT {EVENT_COLUMNS} FROM loan_event WHERE loan_id = ?1 ORDER BY id");
        let mut stmt = self.conn.prepare_cached(&sql).refine()?;
        let rows = stmt.query_map([loan_id], event).refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    pub fn loan_transaction(&self, id: i64) -> Result<LoanTransactionRow, StoreError> {
        let sql = format!("SELECT {TXN_COLUMNS} FROM loan_transaction WHERE id = ?1");
        let found = self
            .conn
            .prepare_cached(&sql)
            .refine()?
            .query_row([id], transaction)
            .optional()
            .refine()?;
        found.ok_or(StoreError::NotFound {
            table: "loan_transaction",
            id,
        })
    }

    /// A loan's transactions, oldest first.
    pub fn loan_transactions(&self, loan_id: i64) -> Result<Vec<LoanTransactionRow>, StoreError> {
        let sql = format!("SELECT {TXN_COLUMNS} FROM loan_transaction WHERE loan_id = ?1 ORDER BY id");
        let mut stmt = self.conn.prepare_cached(&sql).refine()?;
        let rows = stmt.query_map([loan_id], transaction).refine()?;
        rows.collect::<Result<_, _>>().refine()
    }
}

impl WriteTx<'_> {
    /// Inserts a loan (its `id` is ignored; `version` starts at 0).
    pub fn insert_loan(&mut self, l: &LoanRow) -> Result<i64, StoreError> {
        let sql = format!(
            "INSERT INTO loan ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
             ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, 0, ?29)",
            INSERT_COLUMNS
        );
        let mut stmt = self.conn().prepare_cached(&sql).refine()?;
        stmt.execute(params![
            l.client_id,
            l.product_id,
            l.outlet_id,
            l.account_manager_id,
            l.status,
            l.currency,
            l.principal_minor,
            l.annual_rate.to_string(),
            l.installments,
            l.first_repayment_on,
            l.purpose,
            l.applied_on,
            l.approved_on,
            l.disbursed_on,
            l.maturity_on,
            l.closed_on,
            l.principal_outstanding_minor,
            l.interest_accrued_minor,
            l.interest_overdue_minor,
            l.principal_overdue_minor,
            l.penalty_accrued_minor,
            l.fees_due_minor,
            l.written_off_minor,
            l.days_past_due,
            l.class,
            l.provision_minor,
            l.next_due_on,
            l.accrued_through,
            l.summary
        ])
        .refine()?;
        let id = self.conn().last_insert_rowid();
        self.put_loan_position(id, l.position.as_deref())?;
        Ok(id)
    }

    /// Writes every mutable column of `l` if the stored version is still
    /// `l.version`; returns the new version. A stale row is `VersionConflict`.
    ///
    /// The indexed columns (`status`, `days_past_due`, `disbursed_on`) are
    /// written by a second statement only when one of them changed: SQLite
    /// rewrites the entries of every index on a column named in SET
    /// (`loan_status`, `loan_outlet`, `loan_overdue`, `loan_disbursed_on`),
    /// even for an unchanged value, and a repayment rarely changes them.
    pub fn update_loan(&mut self, l: &LoanRow) -> Result<i64, StoreError> {
        let mut stmt = self
            .conn()
            .prepare_cached(
                "UPDATE loan SET annual_rate = ?4, installments = ?5, first_repayment_on = ?6,
                   approved_on = ?7, maturity_on = ?9, closed_on = ?10,
                   principal_outstanding_minor = ?11, interest_accrued_minor = ?12, interest_overdue_minor = ?13,
                   principal_overdue_minor = ?14, penalty_accrued_minor = ?15, fees_due_minor = ?16,
                   written_off_minor = ?17, class = ?19, provision_minor = ?20,
                   next_due_on = ?21, accrued_through = ?22, account_manager_id = ?23,
                   summary = ?24, version = version + 1
                 WHERE id = ?1 AND version = ?2",
            )
            .refine()?;
        // ?3 (status), ?8 (disbursed_on) and ?18 (days_past_due) are bound
        // but unused here: the second statement writes them.
        let changed = stmt
            .execute(params![
                l.id,
                l.version,
                l.status,
                l.annual_rate.to_string(),
                l.installments,
                day::opt(l.first_repayment_on),
                day::opt(l.approved_on),
                day::opt(l.disbursed_on),
                day::opt(l.maturity_on),
                day::opt(l.closed_on),
                l.principal_outstanding_minor,
                l.interest_accrued_minor,
                l.interest_overdue_minor,
                l.principal_overdue_minor,
                l.penalty_accrued_minor,
                l.fees_due_minor,
                l.written_off_minor,
                l.days_past_due,
                l.class,
                l.provision_minor,
                day::opt(l.next_due_on),
                day::opt(l.accrued_through),
                l.account_manager_id,
                l.summary
            ])
            .refine()?;
        drop(stmt);
        self.finish_loan_update(l, changed)
    }

    /// `update_loan` for a money movement: writes only what servicing
    /// changes — the balances, days past due, class and provision, the
    /// next due date, maturity, closing and accrual dates, the summary,
    /// the position and the status — and leaves the terms, the dates of
    /// origination and the account manager as stored. Same version check.
    pub fn update_loan_servicing(&mut self, l: &LoanRow) -> Result<i64, StoreError> {
        let changed = self
            .conn()
            .prepare_cached(
                "UPDATE loan SET maturity_on = ?3, closed_on = ?4,
                   principal_outstanding_minor = ?5, interest_accrued_minor = ?6, interest_overdue_minor = ?7,
                   principal_overdue_minor = ?8, penalty_accrued_minor = ?9, fees_due_minor = ?10,
                   written_off_minor = ?11, class = ?12, provision_minor = ?13,
                   next_due_on = ?14, accrued_through = ?15, summary = ?16, version = version + 1
                 WHERE id = ?1 AND version = ?2",
            )
            .refine()?
            .execute(params![
                l.id,
                l.version,
                day::opt(l.maturity_on),
                day::opt(l.closed_on),
                l.principal_outstanding_minor,
                l.interest_accrued_minor,
                l.interest_overdue_minor,
                l.principal_overdue_minor,
                l.penalty_accrued_minor,
                l.fees_due_minor,
                l.written_off_minor,
                l.class,
                l.provision_minor,
                day::opt(l.next_due_on),
                day::opt(l.accrued_through),
                l.summary
            ])
            .refine()?;
        self.finish_loan_update(l, changed)
    }

    /// After the first statement of an update (`changed` rows): the
    /// version check, the position, and the indexed columns if they moved.
    fn finish_loan_update(&mut self, l: &LoanRow, changed: usize) -> Result<i64, StoreError> {
        if changed == 0 {
            self.loan(l.id)?;
            return Err(StoreError::VersionConflict {
                loan_id: l.id,
                expected_version: l.version,
            });
        }
        self.put_loan_position(l.id, l.position.as_deref())?;
        // Only when they changed: writing `status` (in three indexes) makes
        // SQLite update in two passes through a temporary table, a tenth of
        // a repayment's writer time when it ran every time.
        let (status, days_past_due, disbursed_on): (String, u32, Option<NaiveDate>) = self
            .conn()
            .prepare_cached("SELECT status, days_past_due, disbursed_on FROM loan WHERE id = ?1")
            .refine()?
            .query_row([l.id], |r| Ok((r.get(0)?, r.get(1)?, day::get_opt(r, 2)?)))
            .refine()?;
        if status != l.status || days_past_due != l.days_past_due || disbursed_on != l.disbursed_on {
            self.conn()
                .prepare_cached(
                    "UPDATE loan SET status = ?2, days_past_due = ?3, disbursed_on = ?4 WHERE id = ?1",
                )
                .refine()?
                .execute(params![l.id, l.status, l.days_past_due, day::opt(l.disbursed_on)])
                .refine()?;
        }
        Ok(l.version + 1)
    }

    /// Records a lifecycle transition (stamped with the wall clock). Returns its id.
    #[allow(clippy::too_many_arguments)]
    pub fn insert_loan_event(
        &mut self,
        loan_id: i64,
        kind: &str,
        from_status: Option<&str>,
        to_status: &str,
        user_id: i64,
        business_date: NaiveDate,
        reason: Option<&str>,
    ) -> Result<i64, StoreError> {
        self.conn()
            .prepare_cached(
                "INSERT INTO loan_event (loan_id, kind, from_status, to_status, user_id, business_date, at, reason)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .refine()?
            .execute(params![
                loan_id,
                kind,
                from_status,
                to_status,
                user_id,
                business_date,
                Utc::now().to_rfc3339(),
                reason
            ])
            .refine()?;
        Ok(self.conn().last_insert_rowid())
    }

    /// Appends a transaction (its `id`, `reversed_by_id` and `created_at`
    /// are ignored). Returns its id.
    pub fn insert_loan_transaction(&mut self, t: &LoanTransactionRow) -> Result<i64, StoreError> {
        self.append_loan_transaction(t.clone()).map(|stored| stored.id)
    }

    /// Appends `t` and returns it as stored (its id and `created_at`
    /// filled in), so the caller need not read it back.
    pub fn append_loan_transaction(
        &mut self,
        mut t: LoanTransactionRow,
    ) -> Result<LoanTransactionRow, StoreError> {
        let created_at = Utc::now().to_rfc3339();
        self.conn()
            .prepare_cached(
                "INSERT INTO loan_transaction (loan_id, kind, business_date, value_date, amount_minor,
                   principal_minor, interest_minor, penalty_minor, fee_minor, reverses_id, user_id,
                   journal_entry_id, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )
            .refine()?
            .execute(params![
                t.loan_id,
                t.kind,
                Day(t.business_date),
                Day(t.value_date),
                t.amount_minor,
                t.principal_minor,
                t.interest_minor,
                t.penalty_minor,
                t.fee_minor,
                t.reverses_id,
                t.user_id,
                t.journal_entry_id,
                created_at
            ])
            .refine()?;
        t.id = self.conn().last_insert_rowid();
        t.created_at = created_at;
        t.reversed_by_id = None;
        Ok(t)
    }

    /// Marks transaction `id` as reversed by `reversed_by_id` — once.
    pub fn set_transaction_reversed(&mut self, id: i64, reversed_by_id: i64) -> Result<(), StoreError> {
        let changed = self
            .conn()
            .prepare_cached(
                "UPDATE loan_transaction SET reversed_by_id = ?2 WHERE id = ?1 AND reversed_by_id IS NULL",
            )
            .refine()?
            .execute(params![id, reversed_by_id])
            .refine()?;
        if changed == 0 {
            self.loan_transaction(id)?;
            return Err(StoreError::AlreadyReversed { id });
        }
        Ok(())
    }
}

impl WriteTx<'_> {
    /// Stores (or replaces) a loan's position; `None` leaves it as it is.
    pub fn put_loan_position(&self, loan_id: i64, position: Option<&[u8]>) -> Result<(), StoreError> {
        let Some(position) = position else { return Ok(()) };
        self.conn()
            .prepare_cached(
                "INSERT INTO loan_position (loan_id, position) VALUES (?1, ?2)
                 ON CONFLICT(loan_id) DO UPDATE SET position = excluded.position",
            )
            .refine()?
            .execute(params![loan_id, position])
            .refine()?;
        Ok(())
    }
}
