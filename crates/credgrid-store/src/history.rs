//! The portfolio over time: one aggregate row per business date, outlet,
//! account manager and currency (`portfolio_history`, migration 011), written
//! by the end of day from the loan book and the day's transactions; plus the
//! narrow reads the staff home page needs (overdue loans and loans waiting,
//! within a part of the organisation tree).

use crate::error::{Refine, StoreError};
use crate::store::{ReadTx, WriteTx};
use chrono::NaiveDate;
use rusqlite::{OptionalExtension, Row, params};
use std::collections::BTreeMap;

/// The portfolio of one outlet, account manager and currency at the close of
/// a business date (or a sum of such rows, see [`ReadTx::portfolio_series`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HistoryRow {
    pub business_date: NaiveDate,
    pub outlet_id: i64,
    pub account_manager_id: i64,
    pub currency: String,
    pub loans_active: i64,
    pub principal_outstanding_minor: i64,
    pub principal_overdue_minor: i64,
    pub par30_minor: i64,
    pub par90_minor: i64,
    pub loans_par30: i64,
    /// Outstanding principal per class 1 (pass) … 5 (loss).
    pub by_class_minor: [i64; 5],
    /// Loans per class 1 (pass) … 5 (loss).
    pub loans_by_class: [i64; 5],
    pub provision_minor: i64,
    /// Principal disbursed that day.
    pub disbursed_minor: i64,
    /// Repayments, prepayments and recoveries received that day, net of the
    /// reversals made that day.
    pub collected_minor: i64,
}

/// The measures of a history row, in column order after the key.
const MEASURES: &str = "loans_active, principal_outstanding_minor, principal_overdue_minor, par30_minor,
    par90_minor, loans_par30, class1_minor, class2_minor, class3_minor, class4_minor, class5_minor,
    class1_loans, class2_loans, class3_loans, class4_loans, class5_loans, provision_minor,
    disbursed_minor, collected_minor";

/// The measures summed (for series and breakdowns over several rows).
const SUMMED: &str = "SUM(loans_active), SUM(principal_outstanding_minor), SUM(principal_overdue_minor),
    SUM(par30_minor), SUM(par90_minor), SUM(loans_par30), SUM(class1_minor), SUM(class2_minor),
    SUM(class3_minor), SUM(class4_minor), SUM(class5_minor), SUM(class1_loans), SUM(class2_loans),
    SUM(class3_loans), SUM(class4_loans), SUM(class5_loans), SUM(provision_minor),
    SUM(disbursed_minor), SUM(collected_minor)";

/// The outlets at or below node `?1`, as a subquery.
const OUTLETS_UNDER: &str = "(WITH RECURSIVE sub(id) AS (SELECT id FROM org_node WHERE id = ?1
       UNION ALL SELECT n.id FROM org_node n JOIN sub ON n.parent_id = sub.id)
     SELECT id FROM sub)";

/// A history row from columns: date, outlet, manager, currency, measures.
fn history(r: &Row<'_>) -> rusqlite::Result<HistoryRow> {
    let m = |i: usize| r.get::<_, i64>(i + 4);
    Ok(HistoryRow {
        business_date: r.get(0)?,
        outlet_id: r.get(1)?,
        account_manager_id: r.get(2)?,
        currency: r.get(3)?,
        loans_active: m(0)?,
        principal_outstanding_minor: m(1)?,
        principal_overdue_minor: m(2)?,
        par30_minor: m(3)?,
        par90_minor: m(4)?,
        loans_par30: m(5)?,
        by_class_minor: [m(6)?, m(7)?, m(8)?, m(9)?, m(10)?],
        loans_by_class: [m(11)?, m(12)?, m(13)?, m(14)?, m(15)?],
        provision_minor: m(16)?,
        disbursed_minor: m(17)?,
        collected_minor: m(18)?,
    })
}

/// A loan as a worklist shows it (narrow: no blobs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoanBriefRow {
    pub id: i64,
    pub client_id: i64,
    pub client_name: String,
    pub outlet_id: i64,
    pub account_manager_id: i64,
    pub status: String,
    pub currency: String,
    pub principal_minor: i64,
    pub principal_outstanding_minor: i64,
    pub principal_overdue_minor: i64,
    pub days_past_due: u32,
    pub class: u8,
    /// The date the loan entered its status (applied, approved or disbursed on).
    pub since: Option<NaiveDate>,
}

const BRIEF_COLUMNS: &str = "l.id, l.client_id, c.name, l.outlet_id, l.account_manager_id, l.status,
    l.currency, l.principal_minor, l.principal_outstanding_minor, l.principal_overdue_minor,
    l.days_past_due, l.class, CASE l.status WHEN 'application' THEN l.applied_on
    WHEN 'approved' THEN l.approved_on ELSE l.disbursed_on END";

fn brief(r: &Row<'_>) -> rusqlite::Result<LoanBriefRow> {
    Ok(LoanBriefRow {
        id: r.get(0)?,
        client_id: r.get(1)?,
        client_name: r.get(2)?,
        outlet_id: r.get(3)?,
        account_manager_id: r.get(4)?,
        status: r.get(5)?,
        currency: r.get(6)?,
        principal_minor: r.get(7)?,
        principal_outstanding_minor: r.get(8)?,
        principal_overdue_minor: r.get(9)?,
        days_past_due: r.get(10)?,
        class: r.get(11)?,
        since: r.get(12)?,
    })
}

impl HistoryRow {
    /// Adds one active loan: outstanding, overdue, days past due, class
    /// (1..=5; 0 counts as pass, as the portfolio report counts it) and
    /// provision. An overflowing sum is refused, as SQLite's `SUM` refuses it.
    pub fn add_loan(&mut self, loan: [i64; 5]) -> Result<(), StoreError> {
        let [outstanding, overdue, days_past_due, class, provision] = loan;
        let overflow = || StoreError::InvalidData {
            table: "portfolio_history",
            column: "principal_outstanding_minor",
            reason: format!("the sum for outlet {} overflows", self.outlet_id),
        };
        let add = |a: &mut i64, b: i64| -> Result<(), StoreError> {
            *a = a.checked_add(b).ok_or_else(overflow)?;
            Ok(())
        };
        let c = usize::try_from(class.clamp(1, 5) - 1).unwrap_or(0);
        add(&mut self.loans_active, 1)?;
        add(&mut self.principal_outstanding_minor, outstanding)?;
        add(&mut self.principal_overdue_minor, overdue)?;
        if days_past_due > 30 {
            add(&mut self.par30_minor, outstanding)?;
            add(&mut self.loans_par30, 1)?;
        }
        if days_past_due > 90 {
            add(&mut self.par90_minor, outstanding)?;
        }
        add(&mut self.by_class_minor[c], outstanding)?;
        add(&mut self.loans_by_class[c], 1)?;
        add(&mut self.provision_minor, provision)
    }

    /// Adds another row's loan measures (not the flows), checked as
    /// [`HistoryRow::add_loan`] checks.
    fn merge_loans(&mut self, other: &HistoryRow) -> Result<(), StoreError> {
        let outlet = self.outlet_id;
        let add = |a: &mut i64, b: i64| -> Result<(), StoreError> {
            *a = a.checked_add(b).ok_or_else(|| StoreError::InvalidData {
                table: "eod_portfolio_total",
                column: "principal_outstanding_minor",
                reason: format!("the running sum for outlet {outlet} overflows"),
            })?;
            Ok(())
        };
        add(&mut self.loans_active, other.loans_active)?;
        add(
            &mut self.principal_outstanding_minor,
            other.principal_outstanding_minor,
        )?;
        add(&mut self.principal_overdue_minor, other.principal_overdue_minor)?;
        add(&mut self.par30_minor, other.par30_minor)?;
        add(&mut self.par90_minor, other.par90_minor)?;
        add(&mut self.loans_par30, other.loans_par30)?;
        for c in 0..5 {
            add(&mut self.by_class_minor[c], other.by_class_minor[c])?;
            add(&mut self.loans_by_class[c], other.loans_by_class[c])?;
        }
        add(&mut self.provision_minor, other.provision_minor)
    }
}

/// The loan measures of `eod_portfolio_total`, in column order after the key.
const LOAN_MEASURES: &str = "loans_active, principal_outstanding_minor, principal_overdue_minor, par30_minor,
    par90_minor, loans_par30, class1_minor, class2_minor, class3_minor, class4_minor, class5_minor,
    class1_loans, class2_loans, class3_loans, class4_loans, class5_loans, provision_minor";

impl WriteTx<'_> {
    /// Adds a chunk's loans, summed per outlet, account manager and currency
    /// (`rows`; their flows are ignored), to the running portfolio sums of
    /// `date` — in the chunk's write, beside its restart cursor.
    pub fn add_eod_portfolio(&mut self, date: NaiveDate, rows: &[HistoryRow]) -> Result<(), StoreError> {
        let read = format!(
            "SELECT business_date, outlet_id, account_manager_id, currency, {LOAN_MEASURES}, 0, 0
             FROM eod_portfolio_total
             WHERE business_date = ?1 AND outlet_id = ?2 AND account_manager_id = ?3 AND currency = ?4"
        );
        let write = format!(
            "INSERT OR REPLACE INTO eod_portfolio_total
               (business_date, outlet_id, account_manager_id, currency, {LOAN_MEASURES})
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,
                     ?20, ?21)"
        );
        for add in rows {
            let key = params![date, add.outlet_id, add.account_manager_id, add.currency];
            let found = self
                .conn()
                .prepare_cached(&read)
                .refine()?
                .query_row(key, history)
                .optional()
                .refine()?;
            let mut total = found.unwrap_or_else(|| HistoryRow {
                business_date: date,
                outlet_id: add.outlet_id,
                account_manager_id: add.account_manager_id,
                currency: add.currency.clone(),
                ..HistoryRow::default()
            });
            total.merge_loans(add)?;
            let (c, n) = (&total.by_class_minor, &total.loans_by_class);
            self.conn()
                .prepare_cached(&write)
                .refine()?
                .execute(params![
                    date,
                    total.outlet_id,
                    total.account_manager_id,
                    total.currency,
                    total.loans_active,
                    total.principal_outstanding_minor,
                    total.principal_overdue_minor,
                    total.par30_minor,
                    total.par90_minor,
                    total.loans_par30,
                    c[0],
                    c[1],
                    c[2],
                    c[3],
                    c[4],
                    n[0],
                    n[1],
                    n[2],
                    n[3],
                    n[4],
                    total.provision_minor
                ])
                .refine()?;
        }
        Ok(())
    }

    /// Writes the portfolio history of `date` from the running sums its end
    /// of day's chunks added, when they stand for the book as it is now:
    /// the run recorded its start, nothing was posted to a loan nor audited
    /// since, and the sums count every loan that was active then. Returns
    /// `false` (and writes nothing) otherwise; the caller then rereads the
    /// book with [`WriteTx::record_portfolio_day`].
    ///
    /// `flows` are the day's flows as [`ReadTx::portfolio_flows`] read them
    /// on another connection after the run started: when nothing was posted
    /// since, they are the flows now.
    pub fn record_portfolio_day_from_run(
        &mut self,
        date: NaiveDate,
        flows: &[HistoryRow],
    ) -> Result<bool, StoreError> {
        let conn = self.conn();
        let current: bool = conn
            .prepare_cached(
                "SELECT r.loans_at_start IS NOT NULL
                   AND r.transaction_mark = (SELECT COALESCE(MAX(id), 0) FROM loan_transaction)
                   AND r.audit_mark = (SELECT COALESCE(MAX(id), 0) FROM audit_log)
                   AND r.loans_at_start = (SELECT COALESCE(SUM(loans_active), 0) FROM eod_portfolio_total
                                           WHERE business_date = ?1)
                 FROM eod_run r WHERE r.business_date = ?1",
            )
            .refine()?
            .query_row([date], |r| r.get(0))
            .optional()
            .refine()?
            .unwrap_or(false);
        if !current {
            return Ok(false);
        }
        conn.prepare_cached("DELETE FROM portfolio_history WHERE business_date = ?1")
            .refine()?
            .execute([date])
            .refine()?;
        let copy = format!(
            "INSERT INTO portfolio_history (business_date, outlet_id, account_manager_id, currency, {MEASURES})
             SELECT business_date, outlet_id, account_manager_id, currency, {LOAN_MEASURES}, 0, 0
             FROM eod_portfolio_total WHERE business_date = ?1"
        );
        conn.prepare_cached(&copy).refine()?.execute([date]).refine()?;
        let add = format!(
            "INSERT INTO portfolio_history (business_date, outlet_id, account_manager_id, currency, {MEASURES})
             VALUES (?1, ?2, ?3, ?4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ?5, ?6)
             {FLOWS_UPSERT}"
        );
        for f in flows {
            conn.prepare_cached(&add)
                .refine()?
                .execute(params![
                    date,
                    f.outlet_id,
                    f.account_manager_id,
                    f.currency,
                    f.disbursed_minor,
                    f.collected_minor
                ])
                .refine()?;
        }
        forget_eod_portfolio(conn, date)?;
        Ok(true)
    }

    /// Rewrites the portfolio history of `date` from the loan book as it
    /// stands (the end of day calls it once the date's loans are processed)
    /// and the date's transactions. Idempotent: a second call for the same
    /// date replaces the first one's rows. Returns the rows written.
    ///
    /// The active loans are read in one range scan of the loan table and
    /// summed here: a `GROUP BY` would sort every active loan (a million at
    /// a time) through a temporary B-tree to group a few hundred (1.1 s of
    /// CPU against 0.2 s for the scan, docs/benchmarks.md).
    pub fn record_portfolio_day(&mut self, date: NaiveDate) -> Result<u64, StoreError> {
        let conn = self.conn();
        conn.prepare_cached("DELETE FROM portfolio_history WHERE business_date = ?1")
            .refine()?
            .execute([date])
            .refine()?;
        // Keyed by outlet, manager and the currency's index in `currencies`
        // (a handful), so no row allocates.
        let mut currencies: Vec<String> = Vec::new();
        let mut sums: BTreeMap<(i64, i64, usize), HistoryRow> = BTreeMap::new();
        let mut stmt = conn
            .prepare_cached(
                "SELECT outlet_id, account_manager_id, currency, principal_outstanding_minor,
                        principal_overdue_minor, days_past_due, class, provision_minor
                 FROM loan NOT INDEXED WHERE status = 'disbursed'",
            )
            .refine()?;
        let mut rows = stmt.query([]).refine()?;
        while let Some(r) = rows.next().refine()? {
            let code = r
                .get_ref(2)
                .refine()?
                .as_str()
                .map_err(|e| StoreError::InvalidData {
                    table: "loan",
                    column: "currency",
                    reason: e.to_string(),
                })?;
            let currency = match currencies.iter().position(|c| c == code) {
                Some(i) => i,
                None => {
                    currencies.push(code.to_owned());
                    currencies.len() - 1
                }
            };
            let key: (i64, i64, usize) = (r.get(0).refine()?, r.get(1).refine()?, currency);
            let loan = [
                r.get(3).refine()?,
                r.get(4).refine()?,
                r.get(5).refine()?,
                r.get(6).refine()?,
                r.get(7).refine()?,
            ];
            let sum = sums.entry(key).or_insert_with(|| HistoryRow {
                business_date: date,
                outlet_id: key.0,
                account_manager_id: key.1,
                currency: currencies[currency].clone(),
                ..HistoryRow::default()
            });
            sum.add_loan(loan)?;
        }
        let mut written = 0;
        for row in sums.values() {
            insert_history(conn, row)?;
            written += 1;
        }
        written += record_flows(conn, date)?;
        forget_eod_portfolio(conn, date)?;
        Ok(u64::try_from(written).unwrap_or(0))
    }
}

/// The running sums of `date` are no longer needed once its history is written.
fn forget_eod_portfolio(conn: &rusqlite::Connection, date: NaiveDate) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM eod_portfolio_total WHERE business_date = ?1")
        .refine()?
        .execute([date])
        .refine()?;
    Ok(())
}

/// The day's flows per outlet, account manager and currency, from the
/// date's transactions: principal disbursed; repayments, prepayments and
/// recoveries net of the reversals.
const FLOWS: &str = "SELECT l.outlet_id AS outlet_id, l.account_manager_id AS account_manager_id,
        l.currency AS currency,
        SUM(CASE WHEN t.kind = 'disbursement' THEN t.amount_minor ELSE 0 END) AS disbursed,
        SUM(CASE WHEN t.kind IN ('repayment', 'prepayment', 'recovery') THEN t.amount_minor
                 WHEN t.kind = 'reversal' THEN -t.amount_minor ELSE 0 END) AS collected
     FROM loan_transaction t JOIN loan l ON l.id = t.loan_id
     WHERE t.business_date = ?1
     GROUP BY l.outlet_id, l.account_manager_id, l.currency";

/// A history row meeting its date's row: only the flows are set.
const FLOWS_UPSERT: &str =
    "ON CONFLICT (business_date, outlet_id, account_manager_id, currency) DO UPDATE SET
    disbursed_minor = excluded.disbursed_minor, collected_minor = excluded.collected_minor";

/// Adds the day's flows (disbursed, collected) from the date's transactions
/// to the history rows of `date`; returns the rows it created.
fn record_flows(conn: &rusqlite::Connection, date: NaiveDate) -> Result<usize, StoreError> {
    let sql = format!(
        "INSERT INTO portfolio_history (business_date, outlet_id, account_manager_id, currency, {MEASURES})
         SELECT ?1, outlet_id, account_manager_id, currency, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, disbursed, collected
         FROM ({FLOWS}) WHERE true {FLOWS_UPSERT}"
    );
    conn.prepare_cached(&sql).refine()?.execute([date]).refine()
}

fn insert_history(conn: &rusqlite::Connection, h: &HistoryRow) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO portfolio_history (business_date, outlet_id, account_manager_id, currency, {MEASURES})
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,
                 ?20, ?21, ?22, ?23)"
    );
    let (c, n) = (&h.by_class_minor, &h.loans_by_class);
    conn.prepare_cached(&sql)
        .refine()?
        .execute(params![
            h.business_date,
            h.outlet_id,
            h.account_manager_id,
            h.currency,
            h.loans_active,
            h.principal_outstanding_minor,
            h.principal_overdue_minor,
            h.par30_minor,
            h.par90_minor,
            h.loans_par30,
            c[0],
            c[1],
            c[2],
            c[3],
            c[4],
            n[0],
            n[1],
            n[2],
            n[3],
            n[4],
            h.provision_minor,
            h.disbursed_minor,
            h.collected_minor
        ])
        .refine()?;
    Ok(())
}

impl ReadTx<'_> {
    /// The day's flows of `date` per outlet, account manager and currency,
    /// as history rows whose loan measures are zero.
    pub fn portfolio_flows(&self, date: NaiveDate) -> Result<Vec<HistoryRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(FLOWS).refine()?;
        let rows = stmt
            .query_map([date], |r| {
                Ok(HistoryRow {
                    business_date: date,
                    outlet_id: r.get(0)?,
                    account_manager_id: r.get(1)?,
                    currency: r.get(2)?,
                    disbursed_minor: r.get(3)?,
                    collected_minor: r.get(4)?,
                    ..HistoryRow::default()
                })
            })
            .refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// The latest business date with a history, if any.
    pub fn last_history_date(&self) -> Result<Option<NaiveDate>, StoreError> {
        self.conn
            .prepare_cached("SELECT MAX(business_date) FROM portfolio_history")
            .refine()?
            .query_row([], |r| r.get(0))
            .refine()
    }

    /// The history of the outlets at or below `node_id` (optionally of one
    /// account manager) from `from` to `to`, summed per date and currency,
    /// ordered by currency then date. `outlet_id` and `account_manager_id`
    /// of the rows are 0 (they are sums).
    pub fn portfolio_series(
        &self,
        node_id: i64,
        account_manager_id: Option<i64>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<HistoryRow>, StoreError> {
        let sql = format!(
            "SELECT business_date, 0, 0, currency, {SUMMED} FROM portfolio_history
             WHERE business_date BETWEEN ?2 AND ?3 AND outlet_id IN {OUTLETS_UNDER}
               AND (?4 IS NULL OR account_manager_id = ?4)
             GROUP BY currency, business_date ORDER BY currency, business_date"
        );
        let mut stmt = self.conn.prepare_cached(&sql).refine()?;
        let rows = stmt
            .query_map(params![node_id, from, to, account_manager_id], history)
            .refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// The history rows of one date for the outlets at or below `node_id`,
    /// by outlet, account manager and currency.
    pub fn portfolio_day(&self, node_id: i64, date: NaiveDate) -> Result<Vec<HistoryRow>, StoreError> {
        let sql = format!(
            "SELECT business_date, outlet_id, account_manager_id, currency, {MEASURES}
             FROM portfolio_history WHERE business_date = ?2 AND outlet_id IN {OUTLETS_UNDER}
             ORDER BY outlet_id, account_manager_id, currency"
        );
        let mut stmt = self.conn.prepare_cached(&sql).refine()?;
        let rows = stmt.query_map(params![node_id, date], history).refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// The digits of each currency the products use.
    pub fn currency_digits(&self) -> Result<Vec<(String, u8)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT currency, MAX(digits) FROM product GROUP BY currency ORDER BY currency")
            .refine()?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// Loans in `status` at outlets at or below `node_id` (optionally of one
    /// account manager), the most overdue first, then the oldest; at most
    /// `limit`, with how many there are in all. `min_days_past_due` keeps
    /// only loans at least that far past due (0: all).
    pub fn loan_briefs(
        &self,
        node_id: i64,
        status: &str,
        account_manager_id: Option<i64>,
        min_days_past_due: u32,
        limit: u32,
    ) -> Result<(Vec<LoanBriefRow>, u64), StoreError> {
        let filter = format!(
            "FROM loan l JOIN client c ON c.id = l.client_id
             WHERE l.status = ?2 AND l.outlet_id IN {OUTLETS_UNDER}
               AND (?3 IS NULL OR l.account_manager_id = ?3) AND l.days_past_due >= ?4"
        );
        let sql = format!("SELECT {BRIEF_COLUMNS} {filter} ORDER BY l.days_past_due DESC, l.id LIMIT ?5");
        let mut stmt = self.conn.prepare_cached(&sql).refine()?;
        let rows = stmt
            .query_map(
                params![node_id, status, account_manager_id, min_days_past_due, limit],
                brief,
            )
            .refine()?;
        let found: Vec<LoanBriefRow> = rows.collect::<Result<_, _>>().refine()?;
        let count_sql = format!("SELECT COUNT(*) {filter}");
        let total: i64 = self
            .conn
            .prepare_cached(&count_sql)
            .refine()?
            .query_row(
                params![node_id, status, account_manager_id, min_days_past_due],
                |r| r.get(0),
            )
            .refine()?;
        Ok((found, u64::try_from(total).unwrap_or(0)))
    }
    /// Promises to pay on loans at outlets at or below `node_id` (optionally
    /// of one account manager) found broken on or after `since`
    /// (`collection_promise`, migration 010).
    pub fn broken_promises(
        &self,
        node_id: i64,
        account_manager_id: Option<i64>,
        since: NaiveDate,
    ) -> Result<u64, StoreError> {
        let sql = format!(
            "SELECT COUNT(*) FROM collection_promise p JOIN loan l ON l.id = p.loan_id
             WHERE p.status = 'broken' AND p.checked_on >= ?2 AND l.outlet_id IN {OUTLETS_UNDER}
               AND (?3 IS NULL OR l.account_manager_id = ?3)"
        );
        let n: i64 = self
            .conn
            .prepare_cached(&sql)
            .refine()?
            .query_row(params![node_id, since, account_manager_id], |r| r.get(0))
            .refine()?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}
