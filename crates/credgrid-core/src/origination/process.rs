//! The ordered steps of each tier's process, the capacities (signature
//! slots) of each step, the roles each slot needs and the documents each
//! step must have seen (R-ORIG-1, R-ORIG-2, R-ORIG-4).

use super::step::Step;
use super::tier::Tier;
use crate::authz::Role;
use std::fmt;

/// The capacity in which someone acts on a step: the signature slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Capacity {
    /// The one signature of a single-signature step.
    Sole,
    /// Gate 1: the lead (A) account manager of the investigation.
    Lead,
    /// Gate 1: the assisting (B) account manager of the investigation.
    Assist,
    /// Gate 3: the contract officer who signs the contract.
    ContractSigning,
    /// Gate 3: the risk officer's check of the legal procedure.
    LegalCheck,
    /// Gate 4: the risk officer's check of the disbursement notice.
    NoticeCheck,
    /// Gate 4: the reviewer's re-check of the disbursement notice.
    NoticeRecheck,
    /// Gate 5: a credit-committee member's vote.
    Member,
}

impl Capacity {
    pub const ALL: [Capacity; 8] = [
        Capacity::Sole,
        Capacity::Lead,
        Capacity::Assist,
        Capacity::ContractSigning,
        Capacity::LegalCheck,
        Capacity::NoticeCheck,
        Capacity::NoticeRecheck,
        Capacity::Member,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Capacity::Sole => "sole",
            Capacity::Lead => "lead",
            Capacity::Assist => "assist",
            Capacity::ContractSigning => "contract_signing",
            Capacity::LegalCheck => "legal_check",
            Capacity::NoticeCheck => "notice_check",
            Capacity::NoticeRecheck => "notice_recheck",
            Capacity::Member => "member",
        }
    }

    pub fn parse(name: &str) -> Option<Capacity> {
        Capacity::ALL.into_iter().find(|c| c.name() == name)
    }
}

impl fmt::Display for Capacity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One signature slot of a step and the roles that may fill it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slot {
    pub capacity: Capacity,
    pub roles: Vec<Role>,
}

/// One step of a process. A step with several slots completes when every
/// slot has approved; a committee step completes when the vote is closed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepSpec {
    pub step: Step,
    pub slots: Vec<Slot>,
    /// Decided by a credit-committee vote (gate 5).
    pub committee: bool,
    /// Document codes an approving actor must have seen.
    pub documents_required: Vec<String>,
}

impl StepSpec {
    /// The slot of `capacity`, if the step has one.
    pub fn slot(&self, capacity: Capacity) -> Option<&Slot> {
        self.slots.iter().find(|s| s.capacity == capacity)
    }
}

/// The ordered steps of one tier's process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Process {
    pub tier: Tier,
    /// R-ORIG-4: the fast track for high-quality clients (fewer documents,
    /// direct approval by an account manager within delegated authority).
    pub fast_track: bool,
    pub steps: Vec<StepSpec>,
}

impl Process {
    /// The position of `step` in the process.
    pub fn position(&self, step: Step) -> Option<usize> {
        self.steps.iter().position(|s| s.step == step)
    }

    /// The step names in order.
    pub fn step_names(&self) -> Vec<Step> {
        self.steps.iter().map(|s| s.step).collect()
    }

    /// The documents' default process of `tier`. `committee_tiers` lists the
    /// tiers whose approval is a committee vote (by default only `High`).
    /// The fast track applies to the low tier only; asked for another tier
    /// it is ignored (the process is the ordinary one).
    pub fn default_for(tier: Tier, fast_track: bool, committee_tiers: &[Tier]) -> Process {
        let fast_track = fast_track && tier == Tier::Low;
        let committee = committee_tiers.contains(&tier);
        let steps: Vec<StepSpec> = match tier {
            Tier::Low => vec![
                application(fast_track),
                sole(Step::CreditGrant, &[Role::AccountManager], &["credit_rating"]),
                approval(Step::Approval, committee, fast_track),
                sole(Step::Disbursement, &[Role::Teller], &["disbursement_notice"]),
            ],
            Tier::Medium => vec![
                application(false),
                sole(
                    Step::Review,
                    &[Role::Reviewer, Role::RiskOfficer],
                    &["review_opinion"],
                ),
                sole(Step::CreditGrant, &[Role::AccountManager], &["credit_rating"]),
                approval(Step::Approval, committee, false),
                sole(Step::Disbursement, &[Role::Teller], &["disbursement_notice"]),
            ],
            Tier::High => high_steps(committee),
        };
        Process {
            tier,
            fast_track,
            steps,
        }
    }
}

fn high_steps(committee: bool) -> Vec<StepSpec> {
    let ro = Role::RiskOfficer;
    vec![
        application(false),
        sole(Step::AcceptanceReview, &[Role::Reviewer], &[]),
        two(
            Step::PreLoanInvestigation,
            [
                (Capacity::Lead, Role::AccountManager),
                (Capacity::Assist, Role::AccountManager),
            ],
            &["investigation_report"],
        ),
        sole(
            Step::CreditReview,
            &[ro, Role::Reviewer],
            &["investigation_report", "review_opinion"],
        ),
        approval(Step::LoanApproval, committee, false),
        two(
            Step::ContractReview,
            [
                (Capacity::ContractSigning, Role::ContractOfficer),
                (Capacity::LegalCheck, ro),
            ],
            &["loan_contract"],
        ),
        two(
            Step::DisbursementConditionsReview,
            [
                (Capacity::NoticeCheck, ro),
                (Capacity::NoticeRecheck, Role::Reviewer),
            ],
            &["disbursement_notice"],
        ),
        sole(Step::Disbursement, &[Role::Teller], &["disbursement_notice"]),
        sole(
            Step::UseOfFundsMonitoring,
            &[Role::AccountManager, Role::GridWorker, Role::Collector],
            &["use_of_funds_report"],
        ),
    ]
}

fn docs(codes: &[&str]) -> Vec<String> {
    codes.iter().map(|c| (*c).to_string()).collect()
}

fn sole(step: Step, roles: &[Role], documents: &[&str]) -> StepSpec {
    StepSpec {
        step,
        slots: vec![Slot {
            capacity: Capacity::Sole,
            roles: roles.to_vec(),
        }],
        committee: false,
        documents_required: docs(documents),
    }
}

fn two(step: Step, slots: [(Capacity, Role); 2], documents: &[&str]) -> StepSpec {
    StepSpec {
        step,
        slots: slots
            .iter()
            .map(|(capacity, role)| Slot {
                capacity: *capacity,
                roles: vec![*role],
            })
            .collect(),
        committee: false,
        documents_required: docs(documents),
    }
}

fn application(fast_track: bool) -> StepSpec {
    let roles = [Role::AccountManager, Role::GridWorker, Role::LobbyManager];
    if fast_track {
        sole(Step::Application, &roles, &["application_form", "id_document"])
    } else {
        let all = [
            "application_form",
            "id_document",
            "household_register",
            "income_proof",
        ];
        sole(Step::Application, &roles, &all)
    }
}

fn approval(step: Step, committee: bool, fast_track: bool) -> StepSpec {
    if committee {
        return StepSpec {
            step,
            slots: vec![Slot {
                capacity: Capacity::Member,
                roles: vec![Role::CommitteeMember],
            }],
            committee: true,
            documents_required: docs(&["review_opinion"]),
        };
    }
    let mut roles = vec![Role::Approver, Role::BranchManager];
    if fast_track {
        roles.push(Role::AccountManager);
    }
    sole(step, &roles, &[])
}
