//! Deposit balances fed in from the cooperative's core deposit system
//! (migration 014), read back per client and period for the deposit-fall
//! early warning of post-loan management.

use crate::error::{Refine, StoreError};
use crate::store::{ReadTx, WriteTx};
use chrono::{NaiveDate, Utc};
use rusqlite::{OptionalExtension, params};

/// One observed deposit balance of a client on a date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DepositBalanceRow {
    pub client_id: i64,
    pub as_of: NaiveDate,
    pub currency: String,
    pub balance_minor: i64,
    pub recorded_by: i64,
}

impl ReadTx<'_> {
    /// The balances of `client_id` in `currency` observed from `from` through
    /// `through` (both included), by date.
    pub fn deposit_balances(
        &self,
        client_id: i64,
        currency: &str,
        from: NaiveDate,
        through: NaiveDate,
    ) -> Result<Vec<DepositBalanceRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT client_id, as_of, currency, balance_minor, recorded_by FROM deposit_balance
                 WHERE client_id = ?1 AND currency = ?2 AND as_of BETWEEN ?3 AND ?4 ORDER BY as_of",
            )
            .refine()?;
        let rows = stmt
            .query_map(params![client_id, currency, from, through], |r| {
                Ok(DepositBalanceRow {
                    client_id: r.get(0)?,
                    as_of: r.get(1)?,
                    currency: r.get(2)?,
                    balance_minor: r.get(3)?,
                    recorded_by: r.get(4)?,
                })
            })
            .refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// The disbursed (active) loans of `client_id`, by id.
    pub fn client_disbursed_loans(&self, client_id: i64) -> Result<Vec<i64>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id FROM loan WHERE client_id = ?1 AND status = 'disbursed' ORDER BY id")
            .refine()?;
        let rows = stmt.query_map([client_id], |r| r.get(0)).refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// The latest business date a warning of `kind` was raised on `loan_id`.
    pub fn last_warning_on(&self, loan_id: i64, kind: &str) -> Result<Option<NaiveDate>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT MAX(business_date) FROM collection_warning WHERE loan_id = ?1 AND kind = ?2",
            )
            .refine()?
            .query_row(params![loan_id, kind], |r| r.get::<_, Option<NaiveDate>>(0))
            .optional()
            .refine()
            .map(Option::flatten)
    }
}

impl WriteTx<'_> {
    /// Stores one observed balance; a later feed for the same client and
    /// date replaces the earlier one.
    pub fn put_deposit_balance(&mut self, b: &DepositBalanceRow) -> Result<(), StoreError> {
        self.conn()
            .prepare_cached(
                "INSERT INTO deposit_balance (client_id, as_of, currency, balance_minor, recorded_by, recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (client_id, as_of) DO UPDATE SET currency = excluded.currency,
                   balance_minor = excluded.balance_minor, recorded_by = excluded.recorded_by,
                   recorded_at = excluded.recorded_at",
            )
            .refine()?
            .execute(params![
                b.client_id,
                b.as_of,
                b.currency,
                b.balance_minor,
                b.recorded_by,
                Utc::now().to_rfc3339()
            ])
            .refine()?;
        Ok(())
    }
}
