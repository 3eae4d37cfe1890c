//! Loan products as data: every calculation parameter plus ranges, fees,
//! penalty rule, allocation order and GL mapping.

use crate::error::{Refine, StoreError};
use crate::store::{ReadTx, WriteTx};
use chrono::NaiveDate;
use rusqlite::types::Type;
use rusqlite::{OptionalExtension, Row, params};
use rust_decimal::Decimal;
use std::str::FromStr;

/// A loan product. Rates are annual fractions (`0.12` = 12 %), kept exact as
/// decimal text in the database. Enumerated settings (`method`,
/// `frequency_unit`, `rounding`, …) are the core's stable codes, which the
/// application layer parses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductRow {
    /// Ignored by `insert_product`.
    pub id: i64,
    pub code: String,
    pub name: String,
    pub currency: String,
    pub digits: u8,
    pub amount_min_minor: i64,
    pub amount_max_minor: i64,
    pub term_min: u32,
    pub term_max: u32,
    pub term_default: u32,
    pub rate_min: Decimal,
    pub rate_max: Decimal,
    pub rate_default: Decimal,
    pub method: String,
    pub frequency_every: u32,
    pub frequency_unit: String,
    pub interest_period: String,
    /// `365`, `360` or `actual`.
    pub days_in_year: String,
    /// `30` or `actual`.
    pub days_in_month: String,
    pub rounding: String,
    pub installment_multiple_minor: i64,
    pub grace_principal: u32,
    pub grace_interest: u32,
    pub grace_arrears_days: u32,
    /// Penalty rate uplift over the contract rate (`0.5` = +50 %).
    pub penalty_uplift: Decimal,
    pub compound_interest: bool,
    pub allocation_order: String,
    pub fee_flat_minor: i64,
    pub fee_rate: Decimal,
    /// `GlMapping::to_codes()` text.
    pub gl_mapping: String,
    pub created_on: NaiveDate,
    pub active: bool,
}

/// Reads a decimal stored as text; a malformed one is a conversion error.
pub(crate) fn decimal(row: &Row<'_>, index: usize) -> rusqlite::Result<Decimal> {
    let text: String = row.get(index)?;
    Decimal::from_str(&text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(index, Type::Text, Box::new(e)))
}

const COLUMNS: &str = "id, code, name, currency, digits, amount_min_minor, amount_max_minor, term_min, term_max,
    term_default, rate_min, rate_max, rate_default, method, frequency_every, frequency_unit, interest_period,
    days_in_year, days_in_month, rounding, installment_multiple_minor, grace_principal, grace_interest,
    grace_arrears_days, penalty_uplift, compound_interest, allocation_order, fee_flat_minor, fee_rate, gl_mapping,
    created_on, active";

fn product(row: &Row<'_>) -> rusqlite::Result<ProductRow> {
    Ok(ProductRow {
        id: row.get(0)?,
        code: row.get(1)?,
        name: row.get(2)?,
        currency: row.get(3)?,
        digits: row.get(4)?,
        amount_min_minor: row.get(5)?,
        amount_max_minor: row.get(6)?,
        term_min: row.get(7)?,
        term_max: row.get(8)?,
        term_default: row.get(9)?,
        rate_min: decimal(row, 10)?,
        rate_max: decimal(row, 11)?,
        rate_default: decimal(row, 12)?,
        method: row.get(13)?,
        frequency_every: row.get(14)?,
        frequency_unit: row.get(15)?,
        interest_period: row.get(16)?,
        days_in_year: row.get(17)?,
        days_in_month: row.get(18)?,
        rounding: row.get(19)?,
        installment_multiple_minor: row.get(20)?,
        grace_principal: row.get(21)?,
        grace_interest: row.get(22)?,
        grace_arrears_days: row.get(23)?,
        penalty_uplift: decimal(row, 24)?,
        compound_interest: row.get(25)?,
        allocation_order: row.get(26)?,
        fee_flat_minor: row.get(27)?,
        fee_rate: decimal(row, 28)?,
        gl_mapping: row.get(29)?,
        created_on: row.get(30)?,
        active: row.get(31)?,
    })
}

impl ReadTx<'_> {
    pub fn product(&self, id: i64) -> Result<ProductRow, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM product WHERE id = ?1");
        let found = self
            .conn
            .prepare_cached(&sql)
            .refine()?
            .query_row([id], product)
            .optional()
            .refine()?;
        found.ok_or(StoreError::NotFound { table: "product", id })
    }

    /// Products with an id greater than `after_id`, oldest first.
    pub fn products(&self, after_id: i64, limit: u32) -> Result<Vec<ProductRow>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM product WHERE id > ?1 ORDER BY id LIMIT ?2");
        let mut stmt = self.conn.prepare_cached(&sql).refine()?;
        let rows = stmt.query_map(params![after_id, limit], product).refine()?;
        rows.collect::<Result<_, _>>().refine()
    }
}

impl WriteTx<'_> {
    /// Inserts a product (its `id` is ignored); a taken code is `DuplicateCode`.
    pub fn insert_product(&mut self, p: &ProductRow) -> Result<i64, StoreError> {
        let sql = format!(
            "INSERT INTO product ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,
             ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31)",
            COLUMNS.trim_start_matches("id, ")
        );
        let mut stmt = self.conn().prepare_cached(&sql).refine()?;
        let inserted = stmt.execute(params![
            p.code,
            p.name,
            p.currency,
            p.digits,
            p.amount_min_minor,
            p.amount_max_minor,
            p.term_min,
            p.term_max,
            p.term_default,
            p.rate_min.to_string(),
            p.rate_max.to_string(),
            p.rate_default.to_string(),
            p.method,
            p.frequency_every,
            p.frequency_unit,
            p.interest_period,
            p.days_in_year,
            p.days_in_month,
            p.rounding,
            p.installment_multiple_minor,
            p.grace_principal,
            p.grace_interest,
            p.grace_arrears_days,
            p.penalty_uplift.to_string(),
            p.compound_interest,
            p.allocation_order,
            p.fee_flat_minor,
            p.fee_rate.to_string(),
            p.gl_mapping,
            p.created_on,
            p.active
        ]);
        match inserted {
            Ok(_) => Ok(self.conn().last_insert_rowid()),
            Err(e) if StoreError::is_unique_violation(&e) => Err(StoreError::DuplicateCode {
                table: "product",
                code: p.code.clone(),
            }),
            Err(e) => Err(StoreError::refine(e)),
        }
    }

    /// Activates or retires a product (products are never deleted).
    pub fn set_product_active(&mut self, id: i64, active: bool) -> Result<(), StoreError> {
        let changed = self
            .conn()
            .prepare_cached("UPDATE product SET active = ?2 WHERE id = ?1")
            .refine()?
            .execute(params![id, active])
            .refine()?;
        if changed == 0 {
            return Err(StoreError::NotFound { table: "product", id });
        }
        Ok(())
    }
}
