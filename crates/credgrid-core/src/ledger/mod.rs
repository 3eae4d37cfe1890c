//! The double-entry general ledger: chart of accounts, journal entries that
//! balance per currency by construction, and one posting rule per business event.
//!
//! Entries are values: this module never stores them. The store appends them
//! to an append-only journal; a correction is a new entry (`reversal`), never
//! an edit.

pub mod account;
pub mod entry;
pub mod posting;

pub use account::{Account, AccountCode, AccountKind, ChartOfAccounts, Side, default_chart};
pub use entry::{JournalEntry, JournalLine};
pub use posting::{Funds, GlMapping, PostingEvent, RepaymentParts, WriteOffParts};

use crate::money::Currency;

/// Why a ledger value was refused. One variant per rejection.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error("an account code must be 1 to 8 ASCII digits")]
    InvalidAccountCode,
    #[error("account {0} appears twice in the chart")]
    DuplicateAccount(AccountCode),
    #[error("account {0} names a parent that is not in the chart")]
    UnknownParent(AccountCode),
    #[error("unknown account kind `{0}`")]
    UnknownAccountKind(String),
    #[error("a journal entry needs at least one line")]
    EmptyEntry,
    #[error("line {line_no}: the amount is zero")]
    ZeroLine { line_no: usize },
    #[error("line {line_no}: the amount is negative (use the other side)")]
    NegativeLine { line_no: usize },
    #[error(
        "the entry does not balance in {currency}: debits exceed credits by {difference_minor} minor units"
    )]
    Unbalanced {
        currency: Currency,
        difference_minor: i64,
    },
    #[error("the entry's totals in {currency} are too large to represent")]
    Overflow { currency: Currency },
    #[error("the parts of one entry must share one currency")]
    CurrencyMismatch,
    #[error("`{event}` needs its parts (use the event's own function)")]
    CompositeEvent { event: &'static str },
    #[error("unknown posting event `{0}`")]
    UnknownEvent(String),
    #[error("GL mapping: unknown role `{0}`")]
    UnknownRole(String),
    #[error("GL mapping: the role `{0}` is missing")]
    MissingRole(&'static str),
    #[error("GL mapping: malformed item `{0}` (expected role=code)")]
    MalformedMapping(String),
    #[error("GL mapping: account {code} (role `{role}`) is not in the chart")]
    AccountNotInChart { role: &'static str, code: AccountCode },
}
