//! credgrid-store: the persistence interface and its SQLite implementation.
//!
//! `Store::open` creates and migrates the database (WAL, `synchronous=FULL`,
//! foreign keys on). Writes go through `Store::write`: a single writer thread
//! groups concurrent jobs into one commit and acknowledges each job only
//! after that commit returned. Reads go through `Store::read` on a small pool
//! of read connections. Typed methods on `ReadTx` / `WriteTx` take and return
//! the plain row structs of this crate (amounts in integer minor units) and
//! core values; no SQL leaves this crate. See `docs/store.md`.

mod audit;
mod client;
mod collection;
mod config;
mod daily;
mod day;
mod deposit;
mod eod;
mod error;
mod grid;
mod history;
mod idempotency;
mod journal;
mod loan;
mod migrate;
mod org;
mod product;
mod rating;
mod security;
mod store;
mod workflow;

pub use client::{ClientRow, NewClientRow};
pub use collection::{
    ActionRow, ContactRow, DebtorRow, EscalationRow, NewActionRow, OutboxRow, OverdueLoanRow, OverrideRow,
    PromiseRow, RecoveryRow, VisitRow, WarningRow, WorklistRow,
};
pub use config::{ConfigChangeRow, ConfigDecision, ConfigVersionRow, NewConfigChange};
pub use daily::{DailyDetail, DailyLoanRow, DailyTotalsRow, DailyUpdate, DailyWriter, PortfolioRow};
pub use deposit::DepositBalanceRow;
pub use eod::{AccrualDetailRow, EodRunRow};
pub use error::StoreError;
pub use grid::{
    ActivityRow, CellRow, CellWorkerSpanRow, CollectedFlag, CoverageFactRow, CoverageRow, GridEventRow,
    GridHouseholdRow, HoldingRow, IncomeRow, LandRow, LivestockRow, MemberRow, MembershipSpanRow,
    NewGridEventRow, NewGridHouseholdRow, RepaymentHistoryRow, VisitNoteRow,
};
pub use history::{HistoryRow, LoanBriefRow};
pub use idempotency::IdempotencyRow;
pub use journal::{
    AccountRow, JournalEntryRow, JournalLineRow, LoanTotalsRow, NewJournalEntry, TrialBalanceRow,
    UnbalancedEntry,
};
pub use loan::{LoanEventRow, LoanRow, LoanTransactionRow};
pub use org::{AppUserRow, OrgNodeRow};
pub use product::ProductRow;
pub use rating::{
    ContributionRow, CreditLineRow, LineDrawRow, LineEventRow, NoticeRow, ObjectionRow, RatingConfigRow,
    RatingRow, StoredContributionRow,
};
pub use security::SessionRow;
pub use store::{BATCH_JOBS_MAX, BUSY_TIMEOUT, QUEUE_JOBS_MAX, READERS, ReadTx, Store, WriteTx, WriterStats};
pub use workflow::{CollateralRow, WaitingRow, WorkflowActRow, WorkflowRow};
