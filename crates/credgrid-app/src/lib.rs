//! credgrid-app: the use cases of the lending institution, over the store.
//!
//! One method per command on [`Institution`]. Each command is one store
//! transaction (group-committed: acknowledged only once durable). Commands are
//! dated by the institution's business date, never the wall clock.

pub mod error;
pub mod institution;
pub mod model;

pub use error::AppError;
pub use institution::{CheckReport, Institution, ProgressFn};
pub use model::*;
