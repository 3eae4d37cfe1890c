//! Origination: the risk-tiered process with separated duties (R-ORIG-1..5).
//!
//! - [`tier`]: the configurable rules that place an application in a tier;
//! - [`process`]: each tier's ordered steps, signature slots, roles and
//!   required documents (the documents' three processes by default);
//! - [`workflow`]: the state machine that records every act and enforces
//!   the five gates and the separation of duties, refusing with a precise
//!   [`Refusal`];
//! - [`committee`]: quorum and majority of the credit committee (gate 5);
//! - [`authority`]: approvers' amount ceilings by role and node.
//!
//! The exposure and coverage checks of R-ORIG-5 are in
//! [`crate::collateral::check_limits`]; a workflow built
//! [`Workflow::with_limits`] runs them itself before approving a step for
//! which [`Step::needs_exposure_check`] is true.

pub mod authority;
pub mod committee;
pub mod process;
pub mod refusal;
pub mod step;
pub mod tier;
pub mod workflow;

pub use authority::{CeilingEntry, Ceilings};
pub use committee::{CommitteeRule, Fraction, Tally, Vote, VoteChoice};
pub use process::{Capacity, Process, Slot, StepSpec};
pub use refusal::Refusal;
pub use step::Step;
pub use tier::{BorrowerKind, Tier, TierConditions, TierDecision, TierError, TierInput, TierRule, TierRules};
pub use workflow::{
    Act, ApplicationFacts, Decision, Event, ExposureFacts, Outcome, Replay, Status, Workflow,
};
