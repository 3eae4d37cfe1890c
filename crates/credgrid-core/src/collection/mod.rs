//! Collections and post-loan management (R-COL-1..4, R-SVC-5): the pure domain.
//!
//! The craft the documents describe — prepare, prioritise by amount, cost,
//! ability to pay and the relationship, stay polite, keep several contacts —
//! is expressed here as values and functions over values. Nothing here reads
//! a clock or a database: instants, dates and local times are passed in.
//!
//! - [`priority`]: the configurable priority formula and the end-of-day worklists.
//! - [`action`]: channels, contacts (several per debtor) and the action record.
//! - [`conduct`]: the conduct rules, their refusals and the supervisor override.
//! - [`promise`]: promise-to-pay checking at end of day.
//! - [`strategy`]: segments, escalation, restructuring offers, hand-over packages.
//! - [`message`]: SMS and letter templates in en, es and zh.
//! - [`post_loan`]: scheduled visits, use-of-funds checks and early warnings.
//! - [`results`]: cure rate, promises kept, recoveries, roll rates.

pub mod action;
pub mod conduct;
pub mod message;
pub mod post_loan;
pub mod priority;
pub mod promise;
pub mod results;
pub mod strategy;

/// The id of a loan (`loan.id`).
pub type LoanId = i64;

pub use action::{Action, Channel, Contact, ContactBook, ContactId, Outcome, PromiseToPay};
pub use conduct::{ConductRefusal, ConductRule, ConductRules, OverrideRecord};
pub use priority::{Factor, Priority, PriorityConfig, PriorityFormula, PriorityInput, Worklists};
pub use promise::{Promise, PromiseStatus};
pub use strategy::{Segment, StrategyConfig};
