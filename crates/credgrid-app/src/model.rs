//! The commands the institution accepts and the views it answers with.
//!
//! These are plain values: the API crate turns JSON into commands and views
//! into JSON; the CLI prints views as tables. Amounts are `Money` (integer
//! minor units), rates are annual fractions as `Decimal` (0.12 = 12 %),
//! dates are business dates (`NaiveDate`).

use chrono::NaiveDate;
use credgrid_core::Money;
use rust_decimal::Decimal;

/// Who performs an action. Login and roles arrive with issue 4; until then
/// every action names a user id that must exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
}

/// A page request for list endpoints: keyset pagination by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageRequest {
    /// Return items with an id greater than this.
    pub after_id: i64,
    /// At most this many items; bounded by `PAGE_LIMIT_MAX`.
    pub limit: u32,
}

/// The largest page any list returns.
pub const PAGE_LIMIT_MAX: u32 = 200;
/// The page size when none is asked for.
pub const PAGE_LIMIT_DEFAULT: u32 = 50;

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest {
            after_id: 0,
            limit: PAGE_LIMIT_DEFAULT,
        }
    }
}

/// One page of results and the cursor for the next one.
#[derive(Clone, Debug, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// `Some(id)` when more items may follow: pass it as `after_id`.
    pub next_after_id: Option<i64>,
}

/// A client-supplied idempotency key for a command that moves money.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyKey {
    /// The key as sent (`Idempotency-Key` header).
    pub key: String,
    /// A digest of the request body: the same key with another body is refused.
    pub request_hash: String,
}

/// An organisation node: institution, branch or outlet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeView {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub kind: String,
    pub code: String,
    pub name: String,
}

/// Registering a client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewClient {
    pub outlet_id: i64,
    /// `individual`, `household` or `business`.
    pub kind: String,
    pub name: String,
    /// ISO 3166 alpha-2 country of the identity document (`CN`, `MX`, …).
    pub id_country: String,
    pub id_number: String,
    pub phone: Option<String>,
    pub address: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientView {
    pub id: i64,
    pub outlet_id: i64,
    pub kind: String,
    pub name: String,
    pub id_country: String,
    pub id_number: String,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub status: String,
    pub created_on: NaiveDate,
    /// The personal data shown in full (`id_number`, `phone`, `address`);
    /// the others are masked for the viewer's roles (R-SEC-4), and each
    /// view that shows one in full is in the audit trail.
    pub unmasked: Vec<&'static str>,
}

/// Applying for a loan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoanApplication {
    pub client_id: i64,
    pub product_id: i64,
    pub principal: Money,
    /// Annual rate as a fraction; `None` takes the product's default rate.
    pub annual_rate: Option<Decimal>,
    /// Number of installments; `None` takes the product's default term.
    pub installments: Option<u32>,
    /// `None`: one period after disbursement.
    pub first_repayment_date: Option<NaiveDate>,
    /// The responsible account manager; `None`: the acting user.
    pub account_manager_id: Option<i64>,
    pub purpose: Option<String>,
}

/// A repayment of any amount.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repayment {
    pub amount: Money,
    /// The date the money was received; `None`: the business date. A past
    /// date recomputes everything after it.
    pub value_date: Option<NaiveDate>,
    /// What to do with money beyond what is due: `shorten_term` (default) or
    /// `lower_installment`.
    pub prepayment: Option<String>,
}

/// A row of a loan's schedule with what has been paid of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstallmentView {
    pub n: u32,
    pub due_date: NaiveDate,
    pub principal: Money,
    pub interest: Money,
    pub penalty: Money,
    pub fee: Money,
    pub principal_paid: Money,
    pub interest_paid: Money,
    pub penalty_paid: Money,
    pub fee_paid: Money,
    pub outstanding: Money,
}

/// What a loan owes now, as the sub-ledger holds it (it agrees with the GL).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoanBalances {
    pub principal_outstanding: Money,
    pub principal_overdue: Money,
    pub interest_receivable: Money,
    pub interest_overdue: Money,
    pub penalty_receivable: Money,
    pub fee_receivable: Money,
    pub written_off: Money,
    pub provision: Money,
    pub total_due_now: Money,
    pub days_past_due: u32,
    pub bucket: String,
    pub classification: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LoanView {
    pub id: i64,
    pub client_id: i64,
    pub product_id: i64,
    pub outlet_id: i64,
    pub account_manager_id: i64,
    pub status: String,
    pub currency: String,
    pub principal: Money,
    pub annual_rate: Decimal,
    pub installments: u32,
    pub applied_on: NaiveDate,
    pub approved_on: Option<NaiveDate>,
    pub disbursed_on: Option<NaiveDate>,
    pub maturity_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    pub balances: LoanBalances,
    /// Empty until disbursement.
    pub schedule: Vec<InstallmentView>,
}

/// One money movement of a loan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransactionView {
    pub id: i64,
    pub loan_id: i64,
    pub kind: String,
    pub business_date: NaiveDate,
    pub value_date: NaiveDate,
    pub amount: Money,
    pub principal: Money,
    pub interest: Money,
    pub penalty: Money,
    pub fee: Money,
    pub reversed_by_id: Option<i64>,
    pub reverses_id: Option<i64>,
    pub journal_entry_id: Option<i64>,
}

/// A lifecycle transition of a loan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoanEventView {
    pub kind: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub user_id: i64,
    pub business_date: NaiveDate,
    pub reason: Option<String>,
}

/// A line of the trial balance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrialBalanceLine {
    pub account_code: String,
    pub account_name_key: String,
    pub kind: String,
    pub debit: Money,
    pub credit: Money,
    /// Debit minus credit.
    pub balance: Money,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrialBalance {
    pub as_of: NaiveDate,
    pub node_id: i64,
    pub lines: Vec<TrialBalanceLine>,
    pub total_debit: Money,
    pub total_credit: Money,
}

/// What an end-of-day run did.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct EodSummary {
    pub dates_closed: Vec<NaiveDate>,
    pub loans_processed: u64,
    pub interest_accrued_minor: i64,
    pub penalty_accrued_minor: i64,
    pub provision_charged_minor: i64,
    pub provision_released_minor: i64,
    pub loans_overdue: u64,
    pub already_closed: Vec<NaiveDate>,
}

/// Defining a loan product. Convention fields use the same names as the
/// `credgrid schedule` document (`annuity`, `months`, `half_even`, …).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewProduct {
    pub code: String,
    pub name: String,
    pub currency: credgrid_core::Currency,
    pub amount_min: Money,
    pub amount_max: Money,
    pub installments_min: u32,
    pub installments_max: u32,
    pub installments_default: u32,
    pub annual_rate_min: Decimal,
    pub annual_rate_max: Decimal,
    pub annual_rate_default: Decimal,
    /// annuity | equal_principal | flat | interest_only | bullet
    pub method: String,
    pub every: u32,
    /// days | weeks | months
    pub unit: String,
    /// installment | daily
    pub interest_period: String,
    /// 360 | 364 | 365 | actual
    pub days_in_year: String,
    /// actual | 30
    pub days_in_month: String,
    /// half_even | half_up | down | up
    pub rounding_mode: String,
    pub installment_multiple: Option<Money>,
    pub grace_principal_periods: u32,
    pub grace_interest_periods: u32,
    /// Penalty rate = contract rate × (1 + uplift); 0.5 by default.
    pub penalty_uplift: Decimal,
    /// Whether overdue interest bears compound interest.
    pub compound_interest: bool,
    /// Allocation buckets in order; empty = the default order.
    pub allocation_order: Vec<String>,
    /// A fee charged at disbursement: flat amount plus a rate of the principal.
    pub disbursement_fee_flat: Money,
    pub disbursement_fee_rate: Decimal,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductView {
    pub id: i64,
    pub spec: NewProduct,
    pub active: bool,
}

/// A journal entry with its lines, for the journal view and exports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalEntryView {
    pub id: i64,
    pub business_date: NaiveDate,
    /// The posting rule that produced it (`disbursement`, `interest_accrual`, …).
    pub event: String,
    pub loan_id: Option<i64>,
    pub outlet_id: i64,
    pub description: String,
    pub reverses_id: Option<i64>,
    pub lines: Vec<JournalLineView>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalLineView {
    pub account_code: String,
    pub account_name_key: String,
    /// asset | contra_asset | liability | equity | income | expense
    pub account_kind: String,
    pub debit: Money,
    pub credit: Money,
}

/// One line of the portfolio report: the loans of one outlet and product.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortfolioLine {
    pub outlet_id: i64,
    pub outlet_code: String,
    pub product_code: String,
    pub currency: String,
    pub loans_active: u64,
    pub principal_outstanding: Money,
    pub principal_overdue: Money,
    /// Outstanding principal of loans more than 30 days past due.
    pub par30: Money,
    pub par90: Money,
    /// Outstanding principal per class: pass, special mention, substandard,
    /// doubtful, loss.
    pub by_class: [Money; 5],
    pub provision: Money,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortfolioReport {
    pub as_of: NaiveDate,
    pub lines: Vec<PortfolioLine>,
}

/// An account of the chart of accounts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountView {
    pub code: String,
    /// Translation key of its name (`account.1301`).
    pub name_key: String,
    /// asset | contra_asset | liability | equity | income | expense
    pub kind: String,
}

/// What `generate_portfolio` should build.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortfolioSpec {
    pub loans: u64,
    /// Seed of the deterministic pseudo-random generator.
    pub seed: u64,
    /// Outlets to spread the loans over (created if the institution has fewer).
    pub outlets: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct GenerateSummary {
    pub clients: u64,
    pub loans: u64,
    pub principal_minor: i64,
}

/// What `check` verified.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct CheckReport {
    pub entries_checked: u64,
    pub loans_checked: u64,
    /// Empty when every invariant holds; otherwise the violations, first first.
    pub violations: Vec<String>,
}

/// What `verify_audit` found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditVerification {
    /// Records that verified before the first break (all of them if none).
    pub records: u64,
    /// The last verified record's seq and hash (keep it elsewhere to detect
    /// a removed or rewritten tail later).
    pub head_seq: u64,
    pub head_hash: String,
    /// The first broken record, described; `None` when the chain holds.
    pub first_break: Option<String>,
    pub break_seq: Option<u64>,
    /// `audit-edited`, `audit-deleted`, … (stable).
    pub break_code: Option<String>,
}

/// One account on a financial statement, in its natural sign (an asset,
/// liability, equity or income account with its usual balance is positive;
/// a contra-asset such as the loan-loss provision is negative).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementLine {
    pub account_code: String,
    pub account_name_key: String,
    pub kind: String,
    pub amount: Money,
}

/// The balance sheet of one currency at the end of a business date.
/// `assets = liabilities + equity + earnings` always holds: earnings are the
/// income less expenses not yet closed into equity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BalanceSheet {
    pub as_of: NaiveDate,
    pub node_id: i64,
    pub currency: String,
    pub assets: Vec<StatementLine>,
    pub liabilities: Vec<StatementLine>,
    pub equity: Vec<StatementLine>,
    pub earnings: Money,
    pub total_assets: Money,
    pub total_liabilities: Money,
    pub total_equity: Money,
}

/// The income statement of one currency over business dates `from..=to`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IncomeStatement {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub node_id: i64,
    pub currency: String,
    pub income: Vec<StatementLine>,
    pub expenses: Vec<StatementLine>,
    pub total_income: Money,
    pub total_expenses: Money,
    pub net_income: Money,
}

/// What the store's writer has done since the institution was opened: how
/// well writes share their commits and fsyncs (group commit).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StoreActivity {
    /// Batches of write jobs committed (one transaction each).
    pub batches_committed: u64,
    /// Write jobs committed in them.
    pub jobs_committed: u64,
    /// Write jobs refused (rolled back alone).
    pub jobs_refused: u64,
    /// Batches whose commit failed.
    pub batches_failed: u64,
    /// fsyncs of the write-ahead log (each makes one or more batches durable).
    pub syncs: u64,
    /// The slowest of them (µs).
    pub sync_slowest_micros: u64,
    /// Those slower than the store's `SLOW_SYNC` (10 ms).
    pub syncs_slow: u64,
    /// Checkpoints the writer had to run itself (commits wait meanwhile) …
    pub writer_checkpoints: u64,
    /// … and their time in all (µs).
    pub writer_checkpoint_micros: u64,
    /// The longest the write-ahead log has been (frames).
    pub wal_frames_longest: i64,
}
