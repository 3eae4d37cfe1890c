//! The institution handle: every use case of the lending core, one method each.

use crate::error::AppError;
use crate::model::*;
use chrono::NaiveDate;
use std::path::Path;

/// An open institution: its store and settings. Cheap to clone and share
/// between threads (the API holds one).
#[derive(Clone)]
pub struct Institution {
    _private: (),
}

/// Progress of a long job (end of day, generation): `(done, total)`.
pub type ProgressFn<'a> = &'a (dyn Fn(u64, u64) + Sync);

fn pending<T>() -> Result<T, AppError> {
    Err(AppError::Internal("not built yet".into()))
}

impl Institution {
    /// Opens (creating and migrating if needed) the institution at `path`.
    /// A new database gets a root node, the default chart of accounts, an
    /// administrator user (id 1) and a business date of `initial_date`.
    pub fn open(_path: &Path, _initial_date: NaiveDate) -> Result<Institution, AppError> {
        pending()
    }

    pub fn business_date(&self) -> Result<NaiveDate, AppError> {
        pending()
    }

    // Organisation.
    pub fn create_node(
        &self,
        _actor: Actor,
        _parent_id: i64,
        _kind: &str,
        _code: &str,
        _name: &str,
    ) -> Result<NodeView, AppError> {
        pending()
    }
    pub fn list_nodes(&self) -> Result<Vec<NodeView>, AppError> {
        pending()
    }

    // Clients.
    pub fn create_client(&self, _actor: Actor, _client: NewClient) -> Result<ClientView, AppError> {
        pending()
    }
    pub fn client(&self, _id: i64) -> Result<ClientView, AppError> {
        pending()
    }
    pub fn list_clients(&self, _query: Option<&str>, _page: PageRequest) -> Result<Page<ClientView>, AppError> {
        pending()
    }

    // Products.
    pub fn create_product(&self, _actor: Actor, _product: NewProduct) -> Result<ProductView, AppError> {
        pending()
    }
    pub fn product(&self, _id: i64) -> Result<ProductView, AppError> {
        pending()
    }
    pub fn list_products(&self, _page: PageRequest) -> Result<Page<ProductView>, AppError> {
        pending()
    }

    // Loans: lifecycle.
    pub fn apply(&self, _actor: Actor, _application: LoanApplication) -> Result<LoanView, AppError> {
        pending()
    }
    pub fn approve(&self, _actor: Actor, _loan_id: i64, _reason: Option<String>) -> Result<LoanView, AppError> {
        pending()
    }
    pub fn reject(&self, _actor: Actor, _loan_id: i64, _reason: String) -> Result<LoanView, AppError> {
        pending()
    }
    pub fn withdraw(&self, _actor: Actor, _loan_id: i64, _reason: String) -> Result<LoanView, AppError> {
        pending()
    }
    /// Disburses on the business date: generates the schedule and posts the
    /// disbursement (and any disbursement fee) to the ledger.
    pub fn disburse(
        &self,
        _actor: Actor,
        _loan_id: i64,
        _key: Option<IdempotencyKey>,
    ) -> Result<LoanView, AppError> {
        pending()
    }
    pub fn loan(&self, _id: i64) -> Result<LoanView, AppError> {
        pending()
    }
    pub fn list_loans(&self, _status: Option<&str>, _page: PageRequest) -> Result<Page<LoanView>, AppError> {
        pending()
    }
    pub fn loan_transactions(&self, _loan_id: i64) -> Result<Vec<TransactionView>, AppError> {
        pending()
    }
    pub fn loan_events(&self, _loan_id: i64) -> Result<Vec<LoanEventView>, AppError> {
        pending()
    }

    // Loans: money.
    /// Records a repayment. With a key, a retry returns the first result and
    /// the same key with another request is refused.
    pub fn repay(
        &self,
        _actor: Actor,
        _loan_id: i64,
        _repayment: Repayment,
        _key: Option<IdempotencyKey>,
    ) -> Result<TransactionView, AppError> {
        pending()
    }
    /// Reverses a repayment: reversing entries, everything after it recomputed.
    pub fn reverse(
        &self,
        _actor: Actor,
        _loan_id: i64,
        _transaction_id: i64,
        _reason: String,
        _key: Option<IdempotencyKey>,
    ) -> Result<TransactionView, AppError> {
        pending()
    }
    pub fn charge_fee(
        &self,
        _actor: Actor,
        _loan_id: i64,
        _amount: credgrid_core::Money,
        _reason: String,
        _key: Option<IdempotencyKey>,
    ) -> Result<TransactionView, AppError> {
        pending()
    }
    pub fn write_off(
        &self,
        _actor: Actor,
        _loan_id: i64,
        _reason: String,
        _key: Option<IdempotencyKey>,
    ) -> Result<TransactionView, AppError> {
        pending()
    }
    pub fn recover(
        &self,
        _actor: Actor,
        _loan_id: i64,
        _amount: credgrid_core::Money,
        _key: Option<IdempotencyKey>,
    ) -> Result<TransactionView, AppError> {
        pending()
    }

    // Books.
    pub fn trial_balance(&self, _as_of: NaiveDate, _node_id: Option<i64>) -> Result<TrialBalance, AppError> {
        pending()
    }

    /// The chart of accounts.
    pub fn accounts(&self) -> Result<Vec<AccountView>, AppError> {
        pending()
    }
    /// Journal entries with an id greater than `after_id`, oldest first.
    pub fn journal(&self, _after_id: i64, _limit: u32) -> Result<Vec<JournalEntryView>, AppError> {
        pending()
    }
    /// The journal entries of one loan.
    pub fn loan_journal(&self, _loan_id: i64) -> Result<Vec<JournalEntryView>, AppError> {
        pending()
    }
    /// Outstanding, overdue, PAR and classification per outlet and product,
    /// as of the last closed business date.
    pub fn portfolio(&self, _node_id: Option<i64>) -> Result<PortfolioReport, AppError> {
        pending()
    }

    // End of day.
    /// Closes business dates up to and including `through` (default: the
    /// current one) and opens the next. Idempotent and restartable.
    pub fn run_eod(&self, _actor: Actor, _through: Option<NaiveDate>, _progress: ProgressFn<'_>) -> Result<EodSummary, AppError> {
        pending()
    }

    /// Builds a synthetic portfolio of `spec.loans` disbursed loans in bulk
    /// (for benchmarks): clients, loans, schedules, the disbursement
    /// postings (aggregated per outlet and product). The books stay
    /// consistent: `check` passes afterwards.
    pub fn generate_portfolio(
        &self,
        _actor: Actor,
        _spec: PortfolioSpec,
        _progress: ProgressFn<'_>,
    ) -> Result<GenerateSummary, AppError> {
        pending()
    }

    /// Verifies the invariants; the first violation as an error.
    pub fn check(&self) -> Result<CheckReport, AppError> {
        pending()
    }
}

/// What `check` verified.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct CheckReport {
    pub entries_checked: u64,
    pub loans_checked: u64,
    /// Empty when every invariant holds; otherwise the violations, first first.
    pub violations: Vec<String>,
}
