//! credgrid-core: the pure domain of a rural lending institution.
//!
//! Everything here is deterministic calculation over values: money, rates,
//! calendars, repayment schedules, accrual, repayment allocation, asset
//! classification and balanced journal entries. Nothing here performs I/O,
//! reads a clock or allocates a database handle, so nothing here can fail for
//! I/O reasons. Errors are precise enums, one variant per rejection.

pub mod accrual;
pub mod allocation;
pub mod audit;
pub mod authz;
pub mod calendar;
pub mod classification;
pub mod collateral;
pub mod collection;
pub mod conventions;
pub mod credit_line;
pub mod grid;
pub mod i18n;
pub mod identity;
pub mod import;
pub mod ledger;
pub mod masking;
pub mod money;
pub mod origination;
pub mod rating;
pub mod rounding;
pub mod schedule;
pub mod servicing;

pub use money::{Currency, Money, MoneyError};
pub use rounding::{RoundingMode, round_decimal};
