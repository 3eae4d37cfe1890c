//! Why the workflow refused an act: one variant per rule, each with a stable
//! code (the problem+json `type` suffix) and a translation key.
//!
//! The variants are listed in the order the workflow checks them, so when an
//! act breaks several rules the first one listed is reported.

use super::process::Capacity;
use super::step::Step;
use crate::authz::Role;
use crate::collateral::CollateralError;
use crate::money::Money;

/// A refused act. `Sod*`-coded variants are separation-of-duties rules
/// (R-ORIG-3); the others are process rules.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the application is {status}; no further act is possible")]
    WorkflowClosed { status: &'static str },
    #[error("the application is at step {current}, not {requested}")]
    NotCurrentStep { current: Step, requested: Step },
    #[error("step {step} has no signature slot {capacity:?} (or needs one named)")]
    WrongCapacity { step: Step, capacity: Option<Capacity> },
    #[error("step {step} ({capacity}) needs one of the roles {allowed:?}")]
    RoleNotAllowed {
        step: Step,
        capacity: Capacity,
        allowed: Vec<Role>,
    },
    #[error("the application lies outside the user's part of the organisation")]
    OutOfScope,
    #[error("nobody may act on their own application or loan")]
    OwnApplication,
    #[error("nobody may act on a recorded relative's application or loan")]
    RelativeApplication,
    #[error("this user already acted on step {earlier} of this application")]
    SameActorTwoSteps { earlier: Step },
    #[error("the lead (A) and the assisting (B) account manager must be two different people")]
    SameLeadAndAssist,
    #[error("the two signatures of step {step} must come from two different people")]
    SameSignerTwice { step: Step },
    #[error("the {capacity} signature of this step is already given")]
    AlreadySigned { capacity: Capacity },
    #[error("this member has already voted")]
    AlreadyVoted,
    #[error("the decision {decision} is not possible on this step")]
    DecisionNotAllowed { decision: &'static str },
    #[error("a rejection, a send-back and a committee vote need a reason")]
    ReasonRequired,
    #[error("an application can only be sent back to an earlier step, not to {to}")]
    InvalidSendBack { to: Step },
    #[error("the documents {missing:?} were not seen")]
    MissingDocuments { missing: Vec<String> },
    #[error("this user has no approval authority for this application")]
    NoAuthority,
    #[error("the amount {amount} is over the approver's ceiling {ceiling}")]
    OverCeiling { ceiling: Money, amount: Money },
    #[error("the client's exposure and collateral must be checked before this step")]
    ExposureNotChecked,
    #[error("{0}")]
    LimitBreached(CollateralError),
    #[error("the current step is not a committee vote")]
    NotCommitteeStep,
    #[error("the committee has {votes} votes; a quorum needs {required}")]
    NoQuorum { votes: u32, required: u32 },
}

impl Refusal {
    /// The stable code (`sod-same-actor-two-steps`).
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::WorkflowClosed { .. } => "workflow-closed",
            Refusal::NotCurrentStep { .. } => "workflow-not-current-step",
            Refusal::WrongCapacity { .. } => "workflow-wrong-capacity",
            Refusal::RoleNotAllowed { .. } => "role-not-allowed",
            Refusal::OutOfScope => "out-of-scope",
            Refusal::OwnApplication => "sod-own-application",
            Refusal::RelativeApplication => "sod-relative-application",
            Refusal::SameActorTwoSteps { .. } => "sod-same-actor-two-steps",
            Refusal::SameLeadAndAssist => "sod-same-lead-and-assist",
            Refusal::SameSignerTwice { .. } => "sod-same-signer-twice",
            Refusal::AlreadySigned { .. } => "workflow-already-signed",
            Refusal::AlreadyVoted => "committee-already-voted",
            Refusal::DecisionNotAllowed { .. } => "workflow-decision-not-allowed",
            Refusal::ReasonRequired => "workflow-reason-required",
            Refusal::InvalidSendBack { .. } => "workflow-invalid-send-back",
            Refusal::MissingDocuments { .. } => "workflow-missing-documents",
            Refusal::NoAuthority => "sod-no-authority",
            Refusal::OverCeiling { .. } => "sod-over-ceiling",
            Refusal::ExposureNotChecked => "workflow-exposure-not-checked",
            Refusal::LimitBreached(inner) => inner.code(),
            Refusal::NotCommitteeStep => "committee-not-committee-step",
            Refusal::NoQuorum { .. } => "committee-no-quorum",
        }
    }

    /// The translation key (`refusal.sod-over-ceiling`).
    pub fn key(&self) -> String {
        format!("refusal.{}", self.code())
    }

    /// Whether the refusal is a separation-of-duties rule (the `sod-*` codes).
    pub fn is_separation_of_duties(&self) -> bool {
        self.code().starts_with("sod-")
    }

    /// The named values of the refusal, for the translation placeholders.
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            Refusal::WorkflowClosed { status } => vec![("status", (*status).to_string())],
            Refusal::NotCurrentStep { current, requested } => {
                vec![
                    ("current", current.to_string()),
                    ("requested", requested.to_string()),
                ]
            }
            Refusal::WrongCapacity { step, .. } | Refusal::SameSignerTwice { step } => {
                vec![("step", step.to_string())]
            }
            Refusal::RoleNotAllowed { step, allowed, .. } => {
                let roles: Vec<&str> = allowed.iter().map(|r| r.name()).collect();
                vec![("step", step.to_string()), ("roles", roles.join(", "))]
            }
            Refusal::SameActorTwoSteps { earlier } => vec![("step", earlier.to_string())],
            Refusal::AlreadySigned { capacity } => vec![("capacity", capacity.to_string())],
            Refusal::DecisionNotAllowed { decision } => vec![("decision", (*decision).to_string())],
            Refusal::InvalidSendBack { to } => vec![("step", to.to_string())],
            Refusal::MissingDocuments { missing } => vec![("documents", missing.join(", "))],
            Refusal::OverCeiling { ceiling, amount } => {
                vec![("ceiling", ceiling.to_string()), ("amount", amount.to_string())]
            }
            Refusal::NoQuorum { votes, required } => {
                vec![("votes", votes.to_string()), ("required", required.to_string())]
            }
            _ => Vec::new(),
        }
    }
}
