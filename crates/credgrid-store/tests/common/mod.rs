//! Shared fixtures for the store's tests: temporary databases and a seeded
//! institution (root, branch, two outlets, a user, a product).

#![allow(dead_code, unreachable_pub)]

use chrono::NaiveDate;
use credgrid_core::ledger::{Funds, GlMapping, RepaymentParts};
use credgrid_core::{Currency, Money};
use credgrid_store::{
    LoanRow, LoanTransactionRow, NewClientRow, NewJournalEntry, ProductRow, Store, StoreError, WriteTx,
};
use rust_decimal::Decimal;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// A fresh database path under the temp dir, removed (with WAL files) first
/// and again when dropped.
pub(crate) fn temp_db(name: &str) -> TempDb {
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let db =
        TempDb(std::env::temp_dir().join(format!("credgrid-store-{name}-{}-{n}.db", std::process::id())));
    db.remove();
    db
}

/// A database file under the temp dir, removed with its `-wal` and `-shm`
/// files on drop. Declare it before the store that opens it, so the store
/// (and its threads) closes first.
pub(crate) struct TempDb(PathBuf);

impl TempDb {
    fn remove(&self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        self.remove();
    }
}

impl std::ops::Deref for TempDb {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for TempDb {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<OsStr> for TempDb {
    fn as_ref(&self) -> &OsStr {
        self.0.as_os_str()
    }
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Ids of the seeded institution.
#[derive(Clone, Copy, Debug)]
pub struct Seed {
    pub root: i64,
    pub branch: i64,
    pub outlet_a: i64,
    pub outlet_b: i64,
    pub user: i64,
    pub product: i64,
}

pub fn product_row(code: &str) -> ProductRow {
    ProductRow {
        id: 0,
        code: code.into(),
        name: "Farm input loan".into(),
        currency: "CNY".into(),
        digits: 2,
        amount_min_minor: 100_000,
        amount_max_minor: 50_000_000,
        term_min: 3,
        term_max: 36,
        term_default: 12,
        rate_min: Decimal::new(4, 2),
        rate_max: Decimal::new(24, 2),
        rate_default: Decimal::new(865, 4),
        method: "equal_installments".into(),
        frequency_every: 1,
        frequency_unit: "month".into(),
        interest_period: "daily".into(),
        days_in_year: "365".into(),
        days_in_month: "actual".into(),
        rounding: "half_even".into(),
        installment_multiple_minor: 1,
        grace_principal: 0,
        grace_interest: 0,
        grace_arrears_days: 3,
        penalty_uplift: Decimal::new(5, 1),
        compound_interest: false,
        allocation_order: "penalty,fee,interest,principal".into(),
        fee_flat_minor: 0,
        fee_rate: Decimal::new(5, 3),
        gl_mapping: GlMapping::default().to_codes(),
        created_on: date(2026, 1, 5),
        active: true,
    }
}

pub fn seed(store: &Store) -> Seed {
    store
        .write(|tx: &mut WriteTx<'_>| -> Result<Seed, StoreError> {
            let root = tx.insert_org_node(None, "institution", "RCC", "Rural Credit Cooperative")?;
            let branch = tx.insert_org_node(Some(root), "branch", "B01", "East branch")?;
            let outlet_a = tx.insert_org_node(Some(branch), "outlet", "O01", "Village A")?;
            let outlet_b = tx.insert_org_node(Some(root), "outlet", "O02", "Village B")?;
            let user = tx.insert_app_user(root, "admin", "Administrator", "admin")?;
            let product = tx.insert_product(&product_row("FARM12"))?;
            tx.set_business_date(date(2026, 3, 2), Some(root))?;
            Ok(Seed {
                root,
                branch,
                outlet_a,
                outlet_b,
                user,
                product,
            })
        })
        .unwrap()
}

pub fn new_client(outlet_id: i64, name: &str, id_number: &str) -> NewClientRow {
    NewClientRow {
        outlet_id,
        kind: "individual".into(),
        name: name.into(),
        id_country: "CN".into(),
        id_number: id_number.into(),
        phone: Some("13800000000".into()),
        address: None,
        created_on: date(2026, 3, 2),
    }
}

pub fn loan_row(seed: &Seed, client_id: i64, outlet_id: i64, principal_minor: i64) -> LoanRow {
    LoanRow {
        id: 0,
        client_id,
        product_id: seed.product,
        outlet_id,
        account_manager_id: seed.user,
        status: "disbursed".into(),
        currency: "CNY".into(),
        principal_minor,
        annual_rate: Decimal::new(865, 4),
        installments: 12,
        first_repayment_on: None,
        purpose: Some("seed and fertiliser".into()),
        applied_on: date(2026, 3, 1),
        approved_on: Some(date(2026, 3, 1)),
        disbursed_on: Some(date(2026, 3, 2)),
        maturity_on: Some(date(2027, 3, 2)),
        closed_on: None,
        principal_outstanding_minor: principal_minor,
        interest_accrued_minor: 0,
        interest_overdue_minor: 0,
        principal_overdue_minor: 0,
        penalty_accrued_minor: 0,
        fees_due_minor: 0,
        written_off_minor: 0,
        days_past_due: 0,
        class: 1,
        provision_minor: 0,
        next_due_on: Some(date(2026, 4, 2)),
        accrued_through: None,
        version: 0,
        position: Some(vec![1, 2, 3]),
        summary: None,
    }
}

/// A repayment of `principal` and `interest` CNY minor units on 2026-04-02:
/// its three-line journal entry, tagged with `entry_loan`, and a repayment
/// transaction of `transaction_loan` that refers to the entry (the same loan
/// but for tests of a mislinked entry). Returns the transaction's id.
pub fn repayment(
    tx: &mut WriteTx<'_>,
    seed: Seed,
    entry_loan: i64,
    transaction_loan: i64,
    principal: i64,
    interest: i64,
) -> Result<i64, StoreError> {
    let cny = |m| Money::from_minor(m, Currency::CNY);
    let parts = RepaymentParts {
        principal: cny(principal),
        interest: cny(interest),
        penalty: cny(0),
        fee: cny(0),
    };
    let entry = GlMapping::default()
        .repayment(parts, Funds::Cash)
        .expect("balanced");
    let meta = NewJournalEntry {
        business_date: date(2026, 4, 2),
        event: "repayment".into(),
        loan_id: Some(entry_loan),
        outlet_id: seed.outlet_a,
        product_id: Some(seed.product),
        description: String::new(),
        reverses_id: None,
    };
    let entry_id = tx.insert_journal_entry(&meta, &entry)?;
    tx.insert_loan_transaction(&LoanTransactionRow {
        id: 0,
        loan_id: transaction_loan,
        kind: "repayment".into(),
        business_date: date(2026, 4, 2),
        value_date: date(2026, 4, 2),
        amount_minor: principal + interest,
        principal_minor: principal,
        interest_minor: interest,
        penalty_minor: 0,
        fee_minor: 0,
        reversed_by_id: None,
        reverses_id: None,
        user_id: seed.user,
        journal_entry_id: Some(entry_id),
        created_at: String::new(),
    })
}
