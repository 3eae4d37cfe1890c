//! credgrid-app: the use cases of the lending institution, over the store.
//!
//! One method per command on [`Institution`]. Each command is one store
//! transaction (group-committed: acknowledged only once durable). Commands are
//! dated by the institution's business date, never the wall clock.

pub mod access;
mod audit;
pub mod auth;
mod books;
mod codec;
pub mod collateral;
pub mod collection;
pub mod config;
mod config_text;
pub mod coverage;
pub mod credit_line;
mod eod;
pub mod error;
pub mod exports;
mod generate;
pub mod grid;
pub mod history;
pub mod household;
pub mod import;
pub mod institution;
pub(crate) mod lending;
pub mod model;
pub mod origination;
pub mod rating;
pub mod rating_config;
mod terms;
mod views;

pub use access::Staff;
pub use auth::{NewUser, Principal, SessionGrant};
pub use collateral::{CollateralView, ExposureView, NewCollateral};
pub use config::{ConfigChangeView, ConfigInForce};
pub use config_text::DiffLine;
pub use error::AppError;
pub use exports::ExportRecord;
pub use history::{
    Alert, DrillKey, DrillRow, HistoryPoint, HomeView, LoanBrief, PortfolioDrill, PortfolioFigures,
    PortfolioHistory, PortfolioScope, Worklist,
};
pub use institution::{ADMIN_USER_ID, Institution, ProgressFn};
pub use model::*;
pub use origination::{
    ActView, CommitteeView, InboxItem, Placement, StepAct, StepDecision, StepView, TierPlaced, VoteDecision,
    WorkflowView, start_workflow,
};
