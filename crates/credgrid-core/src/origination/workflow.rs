//! The origination workflow: a state machine over one application's process
//! that records every act and enforces the five gates and the separation of
//! duties (R-ORIG-2, R-ORIG-3).
//!
//! [`Workflow::act`] checks an act against the rules in a fixed order (the
//! order of [`Refusal`]'s variants) and either refuses it, changing nothing,
//! or records it in the history and moves the application on. A committee
//! step collects votes until [`Workflow::close_committee`] counts them.

use super::authority::Ceilings;
use super::committee::{CommitteeRule, Tally, Vote, VoteChoice};
use super::process::{Capacity, Process, Slot, StepSpec};
use super::refusal::Refusal;
use super::step::Step;
use crate::authz::{Actor, NodeId, UserId, within_scope};
use crate::collateral::{Collateral, Coverage, Exposure, HaircutTable, LimitCheck, Limits, check_limits};
use crate::money::Money;
use chrono::{DateTime, Utc};

/// What the workflow must know about the application.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplicationFacts {
    pub application_id: i64,
    pub amount: Money,
    /// Node ids from the root to the application's outlet.
    pub node_path: Vec<NodeId>,
    /// The staff user who is the applicant (a client linked to a staff user).
    pub applicant_staff_user: Option<UserId>,
    /// Staff users recorded as relatives of the applicant.
    pub relatives: Vec<UserId>,
}

/// What the actor decides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject,
    /// Only in a committee vote.
    Abstain,
    /// Back to an earlier step, with a reason (not in a committee vote).
    SendBack {
        to: Step,
        reason: String,
    },
}

impl Decision {
    pub fn name(&self) -> &'static str {
        match self {
            Decision::Approve => "approve",
            Decision::Reject => "reject",
            Decision::Abstain => "abstain",
            Decision::SendBack { .. } => "send_back",
        }
    }
}

/// The client's exposure and collateral as the actor saw them, for the
/// R-ORIG-5 check before approval and before disbursement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExposureFacts {
    pub exposure: Exposure,
    pub collateral: Vec<Collateral>,
    /// The available part of the published pure-credit line.
    pub pure_credit_line_available: Option<Money>,
}

/// One act on the current step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Act {
    pub step: Step,
    /// The signature slot; may be left out when the step has only one.
    pub capacity: Option<Capacity>,
    pub decision: Decision,
    pub reasons: Vec<String>,
    /// Codes of the documents the actor saw.
    pub documents_seen: Vec<String>,
    /// Required on approving a step that needs the exposure check, when the
    /// workflow has limits ([`Workflow::with_limits`]).
    pub exposure: Option<ExposureFacts>,
    pub at: DateTime<Utc>,
}

impl Act {
    pub fn new(step: Step, decision: Decision, at: DateTime<Utc>) -> Act {
        Act {
            step,
            capacity: None,
            decision,
            reasons: Vec::new(),
            documents_seen: Vec::new(),
            exposure: None,
            at,
        }
    }

    pub fn exposure(mut self, exposure: ExposureFacts) -> Act {
        self.exposure = Some(exposure);
        self
    }

    pub fn capacity(mut self, capacity: Capacity) -> Act {
        self.capacity = Some(capacity);
        self
    }

    pub fn reasons(mut self, reasons: &[&str]) -> Act {
        self.reasons = reasons.iter().map(|r| (*r).to_string()).collect();
        self
    }

    pub fn documents(mut self, documents: &[&str]) -> Act {
        self.documents_seen = documents.iter().map(|d| (*d).to_string()).collect();
        self
    }
}

/// Where the application stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    InProgress,
    Rejected { step: Step },
    Finished,
}

impl Status {
    pub fn name(&self) -> &'static str {
        match self {
            Status::InProgress => "in_progress",
            Status::Rejected { .. } => "rejected",
            Status::Finished => "finished",
        }
    }
}

/// What an accepted act (or a closed vote) did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// One signature given; the step waits for the others.
    Signed {
        awaiting: Vec<Capacity>,
    },
    /// A committee vote recorded.
    Voted,
    /// The step completed; the application moved to `to`.
    Advanced {
        to: Step,
    },
    /// The last step completed.
    Finished,
    SentBack {
        to: Step,
    },
    Rejected,
}

/// One entry of the history: who, when, on which step, what they decided,
/// their reasons, the documents they saw and what followed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// 1, 2, 3, … within the application.
    pub seq: u32,
    pub at: DateTime<Utc>,
    pub step: Step,
    /// `None` for the closing of a committee vote.
    pub actor: Option<UserId>,
    pub capacity: Option<Capacity>,
    pub decision: Option<Decision>,
    pub reasons: Vec<String>,
    pub documents_seen: Vec<String>,
    pub outcome: Outcome,
    /// The count, on the closing of a committee vote.
    pub tally: Option<Tally>,
    /// The exposure the actor saw and the coverage computed from it, when the
    /// step was checked against the limits.
    pub exposure: Option<ExposureFacts>,
    pub coverage: Option<Coverage>,
}

impl Event {
    /// The act this event records, to replay it ([`Workflow::replay`]);
    /// `None` for the closing of a committee vote.
    pub fn act(&self) -> Option<Act> {
        let decision = self.decision.clone()?;
        Some(Act {
            step: self.step,
            capacity: self.capacity,
            decision,
            reasons: self.reasons.clone(),
            documents_seen: self.documents_seen.clone(),
            exposure: self.exposure.clone(),
            at: self.at,
        })
    }
}

/// One stored entry to replay: an act with the actor as they were when they
/// acted (roles and node at the time), or the closing of a committee vote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Replay {
    Act { actor: Actor, act: Box<Act> },
    CloseCommittee { at: DateTime<Utc> },
}

/// The state of one application's process.
#[derive(Clone, Debug)]
pub struct Workflow {
    facts: ApplicationFacts,
    process: Process,
    committee: CommitteeRule,
    ceilings: Ceilings,
    /// The haircuts and limits of the R-ORIG-5 check, when configured.
    limits: Option<(HaircutTable, Limits)>,
    position: usize,
    status: Status,
    /// Signatures given on the current step since it was (re)entered.
    signatures: Vec<(Capacity, UserId)>,
    /// Votes cast on the current committee step since it was (re)entered.
    votes: Vec<Vote>,
    history: Vec<Event>,
}

impl Workflow {
    /// A workflow at the first step of `process`. An empty process is
    /// finished at once.
    pub fn new(
        facts: ApplicationFacts,
        process: Process,
        committee: CommitteeRule,
        ceilings: Ceilings,
    ) -> Workflow {
        let status = if process.steps.is_empty() {
            Status::Finished
        } else {
            Status::InProgress
        };
        Workflow {
            facts,
            process,
            committee,
            ceilings,
            limits: None,
            position: 0,
            status,
            signatures: Vec::new(),
            votes: Vec::new(),
            history: Vec::new(),
        }
    }

    /// Turns on the exposure and coverage check of R-ORIG-5: approving a
    /// step for which [`Step::needs_exposure_check`] holds then needs the
    /// act's [`ExposureFacts`] and passes only within `limits`.
    pub fn with_limits(mut self, haircuts: HaircutTable, limits: Limits) -> Workflow {
        self.limits = Some((haircuts, limits));
        self
    }

    /// Replays a stored history onto this (new) workflow. Every entry is
    /// checked again; the first that is refused is returned with its
    /// position, which means the stored history does not follow the rules
    /// in force (or was edited).
    pub fn replay(mut self, entries: &[Replay]) -> Result<Workflow, (usize, Refusal)> {
        for (position, entry) in entries.iter().enumerate() {
            let applied = match entry {
                Replay::Act { actor, act } => self.act(actor, (**act).clone()),
                Replay::CloseCommittee { at } => self.close_committee(*at),
            };
            applied.map_err(|refusal| (position, refusal))?;
        }
        Ok(self)
    }

    pub fn facts(&self) -> &ApplicationFacts {
        &self.facts
    }

    pub fn process(&self) -> &Process {
        &self.process
    }

    pub fn status(&self) -> &Status {
        &self.status
    }

    /// The step waiting for an act, while the application is in progress.
    pub fn current_step(&self) -> Option<Step> {
        match self.status {
            Status::InProgress => self.process.steps.get(self.position).map(|s| s.step),
            _ => None,
        }
    }

    /// Every accepted act and closed vote, in order.
    pub fn history(&self) -> &[Event] {
        &self.history
    }

    /// The votes cast so far on the current committee step.
    pub fn votes(&self) -> &[Vote] {
        &self.votes
    }

    /// Acts on the current step, or refuses with the rule broken.
    pub fn act(&mut self, actor: &Actor, act: Act) -> Result<Event, Refusal> {
        let (capacity, coverage) = self.check(actor, &act)?;
        let spec = self.process.steps[self.position].clone();
        // `check` admitted only: votes on a committee step; approve, reject
        // and send-back elsewhere.
        let outcome = match &act.decision {
            decision if spec.committee => self.vote(actor.user_id, decision, &act.reasons),
            Decision::SendBack { to, .. } => self.send_back(*to),
            Decision::Reject => self.reject(spec.step),
            Decision::Approve | Decision::Abstain => self.sign(&spec, capacity, actor.user_id),
        };
        let summary = Summary {
            tally: None,
            coverage,
        };
        Ok(self.record(
            act.at,
            spec.step,
            Some((actor.user_id, capacity, act)),
            outcome,
            summary,
        ))
    }

    /// Closes the vote of the current committee step: refuses without a
    /// quorum; otherwise the application advances (passed) or is rejected.
    pub fn close_committee(&mut self, at: DateTime<Utc>) -> Result<Event, Refusal> {
        let spec = self.current_spec()?;
        if !spec.committee {
            return Err(Refusal::NotCommitteeStep);
        }
        let step = spec.step;
        let tally = self.committee.tally(&self.votes);
        if !tally.quorate {
            let votes = tally.approve + tally.reject + tally.abstain;
            return Err(Refusal::NoQuorum {
                votes,
                required: tally.quorum_required,
            });
        }
        let outcome = if tally.passed {
            self.advance()
        } else {
            self.reject(step)
        };
        let summary = Summary {
            tally: Some(tally),
            coverage: None,
        };
        Ok(self.record(at, step, None, outcome, summary))
    }

    fn current_spec(&self) -> Result<&StepSpec, Refusal> {
        if self.status != Status::InProgress {
            return Err(Refusal::WorkflowClosed {
                status: self.status.name(),
            });
        }
        Ok(&self.process.steps[self.position])
    }

    /// Every rule, in the order of [`Refusal`]; returns the resolved
    /// capacity and, when the limits were checked, the coverage.
    fn check(&self, actor: &Actor, act: &Act) -> Result<(Capacity, Option<Coverage>), Refusal> {
        let spec = self.current_spec()?;
        if act.step != spec.step {
            return Err(Refusal::NotCurrentStep {
                current: spec.step,
                requested: act.step,
            });
        }
        let slot = resolve_slot(spec, act.capacity)?;
        if !actor.roles.iter().any(|r| slot.roles.contains(r)) {
            let (step, capacity, allowed) = (spec.step, slot.capacity, slot.roles.clone());
            return Err(Refusal::RoleNotAllowed {
                step,
                capacity,
                allowed,
            });
        }
        self.check_person(actor, spec, slot.capacity)?;
        check_decision(spec, act)?;
        if let Decision::SendBack { to, .. } = act.decision
            && self.process.position(to).is_none_or(|p| p >= self.position)
        {
            return Err(Refusal::InvalidSendBack { to });
        }
        if act.decision != Decision::Approve {
            return Ok((slot.capacity, None));
        }
        check_documents(spec, &act.documents_seen)?;
        if spec.step.is_approval() && !spec.committee {
            self.check_ceiling(actor, slot)?;
        }
        Ok((slot.capacity, self.check_exposure(spec.step, act)?))
    }

    /// R-ORIG-5: exposure, pure-credit line and coverage, when configured.
    fn check_exposure(&self, step: Step, act: &Act) -> Result<Option<Coverage>, Refusal> {
        let Some((haircuts, limits)) = &self.limits else {
            return Ok(None);
        };
        if !step.needs_exposure_check() {
            return Ok(None);
        }
        let facts = act.exposure.as_ref().ok_or(Refusal::ExposureNotChecked)?;
        let check = LimitCheck {
            amount: self.facts.amount,
            exposure: facts.exposure,
            collateral: &facts.collateral,
            pure_credit_line_available: facts.pure_credit_line_available,
        };
        check_limits(&check, haircuts, limits)
            .map(Some)
            .map_err(Refusal::LimitBreached)
    }

    /// Scope and the separation-of-duties rules about the person.
    fn check_person(&self, actor: &Actor, spec: &StepSpec, capacity: Capacity) -> Result<(), Refusal> {
        let id = actor.user_id;
        if !within_scope(&actor.node_path, &self.facts.node_path) {
            return Err(Refusal::OutOfScope);
        }
        if self.facts.applicant_staff_user == Some(id) {
            return Err(Refusal::OwnApplication);
        }
        if self.facts.relatives.contains(&id) {
            return Err(Refusal::RelativeApplication);
        }
        let earlier = self
            .history
            .iter()
            .find(|e| e.actor == Some(id) && e.step != spec.step);
        if let Some(e) = earlier {
            return Err(Refusal::SameActorTwoSteps { earlier: e.step });
        }
        if spec.committee {
            return match self.votes.iter().any(|v| v.member == id) {
                true => Err(Refusal::AlreadyVoted),
                false => Ok(()),
            };
        }
        let other_slot = self.signatures.iter().any(|(c, u)| *u == id && *c != capacity);
        if other_slot && spec.step == Step::PreLoanInvestigation {
            return Err(Refusal::SameLeadAndAssist);
        }
        if other_slot {
            return Err(Refusal::SameSignerTwice { step: spec.step });
        }
        if self.signatures.iter().any(|(c, _)| *c == capacity) {
            return Err(Refusal::AlreadySigned { capacity });
        }
        Ok(())
    }

    fn check_ceiling(&self, actor: &Actor, slot: &Slot) -> Result<(), Refusal> {
        let amount = self.facts.amount;
        let ceiling = self
            .ceilings
            .ceiling_for(actor, &slot.roles)
            .ok_or(Refusal::NoAuthority)?;
        if ceiling.currency() != amount.currency() {
            return Err(Refusal::NoAuthority);
        }
        if amount.minor() > ceiling.minor() {
            return Err(Refusal::OverCeiling { ceiling, amount });
        }
        Ok(())
    }

    fn sign(&mut self, spec: &StepSpec, capacity: Capacity, user: UserId) -> Outcome {
        self.signatures.push((capacity, user));
        let awaiting: Vec<Capacity> = spec
            .slots
            .iter()
            .map(|s| s.capacity)
            .filter(|c| !self.signatures.iter().any(|(signed, _)| signed == c))
            .collect();
        if awaiting.is_empty() {
            self.advance()
        } else {
            Outcome::Signed { awaiting }
        }
    }

    fn vote(&mut self, member: UserId, decision: &Decision, reasons: &[String]) -> Outcome {
        let choice = match decision {
            Decision::Approve => VoteChoice::Approve,
            Decision::Reject => VoteChoice::Reject,
            _ => VoteChoice::Abstain,
        };
        self.votes.push(Vote {
            member,
            choice,
            reasons: reasons.to_vec(),
        });
        Outcome::Voted
    }

    fn advance(&mut self) -> Outcome {
        self.signatures.clear();
        self.votes.clear();
        self.position += 1;
        match self.process.steps.get(self.position) {
            Some(next) => Outcome::Advanced { to: next.step },
            None => {
                self.status = Status::Finished;
                Outcome::Finished
            }
        }
    }

    fn send_back(&mut self, to: Step) -> Outcome {
        self.signatures.clear();
        self.votes.clear();
        self.position = self.process.position(to).unwrap_or(0);
        Outcome::SentBack { to }
    }

    fn reject(&mut self, step: Step) -> Outcome {
        self.signatures.clear();
        self.votes.clear();
        self.status = Status::Rejected { step };
        Outcome::Rejected
    }

    fn record(
        &mut self,
        at: DateTime<Utc>,
        step: Step,
        act: Option<(UserId, Capacity, Act)>,
        outcome: Outcome,
        summary: Summary,
    ) -> Event {
        let seq = u32::try_from(self.history.len() + 1).unwrap_or(u32::MAX);
        let (actor, capacity, decision, reasons, documents_seen, exposure) = match act {
            Some((user, capacity, act)) => (
                Some(user),
                Some(capacity),
                Some(act.decision),
                act.reasons,
                act.documents_seen,
                act.exposure,
            ),
            None => (None, None, None, Vec::new(), Vec::new(), None),
        };
        let event = Event {
            seq,
            at,
            step,
            actor,
            capacity,
            decision,
            reasons,
            documents_seen,
            outcome,
            tally: summary.tally,
            exposure,
            coverage: summary.coverage,
        };
        self.history.push(event.clone());
        event
    }
}

/// What an event carries besides the act: a committee count or a coverage.
struct Summary {
    tally: Option<Tally>,
    coverage: Option<Coverage>,
}

fn resolve_slot(spec: &StepSpec, capacity: Option<Capacity>) -> Result<&Slot, Refusal> {
    let found = match capacity {
        Some(c) => spec.slot(c),
        None if spec.slots.len() == 1 => spec.slots.first(),
        None => None,
    };
    found.ok_or(Refusal::WrongCapacity {
        step: spec.step,
        capacity,
    })
}

fn has_reason(reasons: &[String]) -> bool {
    reasons.iter().any(|r| !r.trim().is_empty())
}

fn check_decision(spec: &StepSpec, act: &Act) -> Result<(), Refusal> {
    let allowed = match act.decision {
        Decision::Abstain => spec.committee,
        Decision::SendBack { .. } => !spec.committee,
        Decision::Approve | Decision::Reject => true,
    };
    if !allowed {
        return Err(Refusal::DecisionNotAllowed {
            decision: act.decision.name(),
        });
    }
    let needs_reason = spec.committee || act.decision == Decision::Reject;
    let reason_given = match &act.decision {
        Decision::SendBack { reason, .. } => !reason.trim().is_empty(),
        _ => !needs_reason || has_reason(&act.reasons),
    };
    if reason_given {
        Ok(())
    } else {
        Err(Refusal::ReasonRequired)
    }
}

fn check_documents(spec: &StepSpec, seen: &[String]) -> Result<(), Refusal> {
    let missing: Vec<String> = spec
        .documents_required
        .iter()
        .filter(|d| !seen.contains(d))
        .cloned()
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Refusal::MissingDocuments { missing })
    }
}
