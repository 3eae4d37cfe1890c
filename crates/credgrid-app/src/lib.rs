//! credgrid-app: the use cases of the lending institution, over the store.
//!
//! One method per command on [`Institution`]. Each command is one store
//! transaction (group-committed: acknowledged only once durable). Commands are
//! dated by the institution's business date, never the wall clock.

mod audit;
pub mod auth;
mod books;
mod codec;
mod eod;
pub mod error;
mod generate;
pub mod institution;
mod lending;
pub mod model;
mod terms;
mod views;

pub use auth::{NewUser, Principal, SessionGrant};
pub use error::AppError;
pub use institution::{ADMIN_USER_ID, Institution, ProgressFn};
pub use model::*;
