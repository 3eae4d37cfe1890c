//! The end-of-day hot path in SQL: a narrow read of each active loan's
//! summary, a narrow update back, the per-loan detail row, and the day's
//! totals per outlet and product for the aggregated GL posting.

use crate::error::{Refine, StoreError};
use crate::store::{ReadTx, WriteTx};
use chrono::{Datelike, NaiveDate};
use rusqlite::{OptionalExtension, params};
use std::collections::BTreeMap;

/// What the end of day reads of an active loan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DailyLoanRow {
    pub id: i64,
    pub outlet_id: i64,
    pub product_id: i64,
    pub class: u8,
    pub provision_minor: i64,
    pub summary: Vec<u8>,
}

/// What the end of day writes back for one loan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DailyUpdate {
    pub id: i64,
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
    fn zero(outlet_id: i64, product_id: i64, currency: &str) -> DailyTotalsRow {
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

    /// Adds one loan's detail; an overflowing sum is refused, as SQLite's
    /// `SUM` refuses it.
    fn add(
        &mut self,
        overdue: bool,
        interest_minor: i64,
        penalty_minor: i64,
        provision_change_minor: i64,
    ) -> Result<(), StoreError> {
        let overflow = || StoreError::InvalidData {
            table: "accrual_detail",
            column: "interest_minor",
            reason: format!(
                "the day's sum for outlet {} and product {} overflows",
                self.outlet_id, self.product_id
            ),
        };
        let (charge, release) = if provision_change_minor > 0 {
            (provision_change_minor, 0)
        } else {
            (0, provision_change_minor.checked_neg().ok_or_else(overflow)?)
        };
        let sum = |a: i64, b: i64| a.checked_add(b).ok_or_else(overflow);
        self.loans = sum(self.loans, 1)?;
        self.loans_overdue = sum(self.loans_overdue, i64::from(overdue))?;
        self.interest_minor = sum(self.interest_minor, interest_minor)?;
        self.penalty_minor = sum(self.penalty_minor, penalty_minor)?;
        self.provision_charge_minor = sum(self.provision_charge_minor, charge)?;
        self.provision_release_minor = sum(self.provision_release_minor, release)?;
        Ok(())
    }
}

/// A date as it is stored (`YYYY-MM-DD`, what chrono's `%F` gives) without
/// chrono's format-string interpreter: the end of day binds three dates per
/// loan, and that interpreter showed in its profile.
fn iso_date(date: NaiveDate) -> String {
    let year = date.year();
    if !(0..=9999).contains(&year) {
        return date.format("%F").to_string();
    }
    format!("{year:04}-{:02}-{:02}", date.month(), date.day())
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
                "SELECT id, outlet_id, product_id, class, provision_minor, summary FROM loan NOT INDEXED
                 WHERE id > ?1 AND status = 'disbursed' ORDER BY id LIMIT ?2",
            )
            .refine()?;
        let rows = stmt
            .query_map(params![after_id, limit], |r| {
                Ok(DailyLoanRow {
                    id: r.get(0)?,
                    outlet_id: r.get(1)?,
                    product_id: r.get(2)?,
                    class: r.get(3)?,
                    provision_minor: r.get(4)?,
                    summary: r.get::<_, Option<Vec<u8>>>(5)?.unwrap_or_default(),
                })
            })
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
    /// Writes back what the end of day computed for one loan.
    pub fn update_loan_daily(&mut self, u: &DailyUpdate) -> Result<(), StoreError> {
        let mut stmt = self
            .conn()
            .prepare_cached(
                "UPDATE loan SET summary = ?2,
                   principal_outstanding_minor = ?3, interest_accrued_minor = ?4, interest_overdue_minor = ?5,
                   principal_overdue_minor = ?6, penalty_accrued_minor = ?7, fees_due_minor = ?8,
                   days_past_due = ?9, class = ?10, provision_minor = ?11, next_due_on = ?12,
                   accrued_through = ?13, version = version + 1
                 WHERE id = ?1 AND status = 'disbursed'",
            )
            .refine()?;
        let changed = stmt
            .execute(params![
                u.id,
                u.summary,
                u.principal_outstanding_minor,
                u.interest_accrued_minor,
                u.interest_overdue_minor,
                u.principal_overdue_minor,
                u.penalty_accrued_minor,
                u.fees_due_minor,
                u.days_past_due,
                u.class,
                u.provision_minor,
                u.next_due_on.map(iso_date),
                iso_date(u.accrued_through)
            ])
            .refine()?;
        if changed == 0 {
            return Err(StoreError::NotFound {
                table: "loan",
                id: u.id,
            });
        }
        self.put_loan_position(u.id, u.position.as_deref())?;
        Ok(())
    }

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
