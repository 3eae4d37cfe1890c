//! The risk-tiered origination workflow, wired to the store (R-ORIG-1..5):
//! an application is placed in a tier when it is submitted, every act on a
//! step goes through `credgrid_core::origination::Workflow` (the five gates
//! and the separation of duties), and completing the approval, disbursement
//! and rejection steps moves the loan's own status.
//!
//! The workflow is rebuilt for every act by replaying the stored acts (each
//! with the actor's roles and node when they acted), so the rules in
//! `credgrid-core` are the only rules. The exposure and coverage check of
//! R-ORIG-5 runs inside the workflow (`Workflow::with_limits`) on approval,
//! on each approving committee vote and on disbursement, with the figures
//! read from the store at that moment (`collateral.rs`).

use crate::access::{Staff, authorize, node_path};
use crate::collateral::{exposure_facts, limits};
use crate::error::AppError;
use crate::institution::{Institution, business_date, paginate, product_rules};
use crate::model::{Actor, Page, PageRequest};
use chrono::{DateTime, NaiveDate, Utc};
use credgrid_core::authz::{Actor as CoreActor, Permission, Role};
use credgrid_core::collateral::{CollateralKind, HaircutTable};
use credgrid_core::money::Money;
use credgrid_core::origination::{
    Act, ApplicationFacts, BorrowerKind, Capacity, CommitteeRule, Decision, Event, Outcome, Process, Refusal,
    Replay, Status, Step, Tier, TierInput, Workflow,
};
use credgrid_store::{LoanRow, ReadTx, WorkflowActRow, WorkflowRow, WriteTx};

/// The tiers whose approval is a credit-committee vote (gate 5).
pub const COMMITTEE_TIERS: [Tier; 1] = [Tier::High];
/// The default least number of committee votes for a quorum, capped at the
/// committee's size (`CommitteeRule::default()` asks for 5 of 7).
pub const QUORUM_MEMBERS_MIN: u32 = 5;
/// The longest reason or document code accepted, in characters.
const TEXT_LEN_MAX: usize = 500;
/// The most reasons or documents on one act.
const ITEMS_MAX: usize = 20;

/// What an actor decides on a step (a committee vote is [`Institution::vote`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepDecision {
    Approve,
    Reject,
    /// Back to an earlier step; the reasons are the send-back reason.
    SendBack {
        to: Step,
    },
}

/// One act on the current step of an application.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepAct {
    pub step: Step,
    /// The signature slot (`lead`, `assist`, …); may be left out on a
    /// one-slot step.
    pub capacity: Option<Capacity>,
    pub decision: StepDecision,
    pub reasons: Vec<String>,
    /// Codes of the documents the actor saw (`investigation_report`, …).
    pub documents: Vec<String>,
}

/// How an application is placed in a tier. The default decides by the
/// tier rules; a draw on a published credit line forces the low tier.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Placement {
    pub forced_tier: Option<Tier>,
    /// The available part of the client's published pure-credit line.
    pub line_available: Option<Money>,
    /// The client's grade code (`general`, `good`, `excellent`), if rated.
    pub client_grade: Option<String>,
}

/// The tier an application was placed in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TierPlaced {
    pub tier: Tier,
    pub rule: String,
    pub fast_track: bool,
}

/// One step of an application's process, as shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepView {
    pub step: Step,
    /// Each signature slot and the roles that may fill it.
    pub slots: Vec<(Capacity, Vec<Role>)>,
    pub committee: bool,
    pub documents_required: Vec<String>,
    /// `done`, `current` or `pending`.
    pub state: &'static str,
}

/// One recorded act (or the closing of a committee vote).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActView {
    pub seq: u32,
    pub step: String,
    pub user_id: i64,
    pub username: String,
    pub capacity: Option<String>,
    /// `approve`, `reject`, `abstain`, `send_back`; `None` for a closed vote.
    pub decision: Option<String>,
    pub send_back_to: Option<String>,
    pub reasons: Vec<String>,
    pub documents: Vec<String>,
    pub outcome: String,
    pub exposure: Option<Money>,
    pub counted_collateral: Option<Money>,
    pub coverage_ratio: Option<String>,
    pub tally: Option<String>,
    pub at: String,
    pub business_date: NaiveDate,
}

/// The committee's count on the current committee step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitteeView {
    pub size: u32,
    pub quorum_required: u32,
    pub approve: u32,
    pub reject: u32,
    pub abstain: u32,
    /// (member, choice, reasons) of each vote cast so far.
    pub votes: Vec<(i64, String, Vec<String>)>,
}

/// An application's workflow: tier, process, history, votes, collateral
/// and the exposure check as it stands now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkflowView {
    pub loan_id: i64,
    pub client_id: i64,
    pub loan_status: String,
    pub amount: Money,
    pub tier: String,
    pub tier_rule: String,
    pub fast_track: bool,
    /// `in_progress`, `rejected`, `finished`.
    pub status: String,
    pub current_step: Option<Step>,
    pub steps: Vec<StepView>,
    pub acts: Vec<ActView>,
    pub committee: Option<CommitteeView>,
    pub collateral: Vec<crate::collateral::CollateralView>,
    pub exposure: crate::collateral::ExposureView,
}

/// An application waiting for a step this user may act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InboxItem {
    pub loan_id: i64,
    pub client_id: i64,
    pub client_name: String,
    pub amount: Money,
    pub tier: String,
    pub step: Step,
    /// The slots this user may fill (`sole`, `lead`, `member`, …).
    pub capacities: Vec<Capacity>,
    pub committee: bool,
    pub loan_status: String,
}

/// Everything needed to act on one application.
struct Loaded {
    loan: LoanRow,
    row: WorkflowRow,
    workflow: Workflow,
}

/// A refusal as an `AppError`: the rule's code, and its sentence followed
/// by its named values in brackets (`… [step=application]`) so a page can
/// translate the rule's text with them (`refusal.<code>` in the catalogue).
fn refused(refusal: Refusal) -> AppError {
    let args: Vec<String> = refusal.args().iter().map(|(k, v)| format!("{k}={v}")).collect();
    let detail = match args.is_empty() {
        true => refusal.to_string(),
        false => format!("{refusal} [{}]", args.join(" | ")),
    };
    AppError::Refused {
        rule: refusal.code(),
        detail,
    }
}

fn parse_tier(row: &WorkflowRow) -> Result<Tier, AppError> {
    Tier::parse(&row.tier).ok_or_else(|| AppError::Internal(format!("workflow {}: tier", row.loan_id)))
}

fn process_of(row: &WorkflowRow) -> Result<Process, AppError> {
    Ok(Process::default_for(
        parse_tier(row)?,
        row.fast_track,
        &COMMITTEE_TIERS,
    ))
}

/// The committee rule for a committee of `size`: 2/3 quorum and majority
/// as the core default, the minimum of 5 votes capped at the size (a
/// committee of 3 needs all three), and never fewer than one vote.
pub fn committee_rule(size: u32) -> CommitteeRule {
    CommitteeRule {
        members_total: size,
        quorum_members_min: QUORUM_MEMBERS_MIN.min(size).max(1),
        ..CommitteeRule::default()
    }
}

/// The core's view of a staff user.
fn core_actor(staff: &Staff) -> CoreActor {
    CoreActor::new(staff.user_id, &staff.roles, &staff.node_path)
}

/// The staff users the rules keep off this application: the applicant
/// (relation `self`) and the recorded relatives.
fn application_facts(r: &ReadTx<'_>, loan: &LoanRow) -> Result<ApplicationFacts, AppError> {
    let currency = product_rules(r, loan.product_id)?.currency;
    let related = r.staff_related_to(loan.client_id)?;
    let applicant_staff_user = related.iter().find(|(_, rel)| rel == "self").map(|(u, _)| *u);
    let relatives = related
        .iter()
        .filter(|(_, rel)| rel != "self")
        .map(|(u, _)| *u)
        .collect();
    Ok(ApplicationFacts {
        application_id: loan.id,
        amount: Money::from_minor(loan.principal_minor, currency),
        node_path: node_path(r, loan.outlet_id)?.to_vec(),
        applicant_staff_user,
        relatives,
    })
}

fn parse_at(text: &str) -> Result<DateTime<Utc>, AppError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| AppError::Internal(format!("workflow act time {text:?}: {e}")))
}

fn split_list(text: &str, separator: char) -> Vec<String> {
    text.split(separator)
        .filter(|s| !s.trim().is_empty())
        .map(str::to_string)
        .collect()
}

/// A stored act turned back into what the core replays.
fn replay_entry(r: &ReadTx<'_>, a: &WorkflowActRow) -> Result<Replay, AppError> {
    let bad = |what: &str| AppError::Internal(format!("workflow act {}: {what}", a.id));
    let at = parse_at(&a.at)?;
    let Some(decision) = &a.decision else {
        return Ok(Replay::CloseCommittee { at });
    };
    let step = Step::parse(&a.step).ok_or_else(|| bad("step"))?;
    let decision = match decision.as_str() {
        "approve" => Decision::Approve,
        "reject" => Decision::Reject,
        "abstain" => Decision::Abstain,
        "send_back" => Decision::SendBack {
            to: a
                .send_back_to
                .as_deref()
                .and_then(Step::parse)
                .ok_or_else(|| bad("send_back_to"))?,
            reason: a.reasons.clone(),
        },
        _ => return Err(bad("decision")),
    };
    let capacity = match &a.capacity {
        Some(c) => Some(Capacity::parse(c).ok_or_else(|| bad("capacity"))?),
        None => None,
    };
    let roles = Role::parse_list(&a.roles).map_err(|_| bad("roles"))?;
    let actor = CoreActor::new(a.user_id, &roles, &node_path(r, a.node_id)?);
    let act = Act {
        step,
        capacity,
        decision,
        reasons: split_list(&a.reasons, '\n'),
        documents_seen: split_list(&a.documents, ','),
        exposure: None,
        at,
    };
    Ok(Replay::Act {
        actor,
        act: Box::new(act),
    })
}

/// Rebuilds an application's workflow from its stored acts. The replay
/// checks every act again without the exposure figures (they were checked
/// when the act was made); the limits apply to the acts to come.
fn load(r: &ReadTx<'_>, loan_id: i64) -> Result<Loaded, AppError> {
    let loan = r.loan(loan_id)?;
    let row = r
        .workflow(loan_id)?
        .ok_or_else(|| AppError::not_found("workflow", loan_id))?;
    let currency = product_rules(r, loan.product_id)?.currency;
    let entries = r
        .workflow_acts(loan_id)?
        .iter()
        .map(|a| replay_entry(r, a))
        .collect::<Result<Vec<_>, _>>()?;
    let fresh = Workflow::new(
        application_facts(r, &loan)?,
        process_of(&row)?,
        committee_rule(row.committee_size),
        crate::config::ceilings(r, currency)?,
    );
    let workflow = fresh
        .replay(&entries)
        .map_err(|(position, refusal)| AppError::Refused {
            rule: refusal.code(),
            detail: format!(
                "recorded act {} no longer passes the rules (a relative or role recorded since?): {refusal}",
                position + 1
            ),
        })?;
    let workflow = workflow.with_limits(HaircutTable::default(), limits());
    Ok(Loaded { loan, row, workflow })
}

/// Places application `loan_id` in a tier and starts its process at the
/// application step; or places it again while nobody has acted on it yet
/// (after its collateral changed, or for a draw on a credit line with the
/// low tier forced). Call inside the write job that creates or changes the
/// application; the caller has authorised the actor.
pub fn start_workflow(
    tx: &mut WriteTx<'_>,
    actor: Actor,
    loan_id: i64,
    placement: Placement,
) -> Result<TierPlaced, AppError> {
    let loan = tx.loan(loan_id)?;
    if loan.status != "application" {
        return Err(AppError::InvalidState {
            entity: "loan",
            id: loan_id.to_string(),
            state: loan.status,
            action: "placement in a tier",
        });
    }
    if !tx.workflow_acts(loan_id)?.is_empty() {
        return Err(refused(Refusal::WorkflowClosed { status: "under way" }));
    }
    // The client's grade in force (a published rating) places the
    // application too, and opens the fast track to an excellent client.
    let mut placement = placement;
    if placement.client_grade.is_none() {
        placement.client_grade = crate::credit_line::effective_grade(tx, loan.client_id)?
            .map(|(grade, _)| grade.name().to_string());
    }
    let placed = decide_tier(tx, &loan, &placement)?;
    let process = Process::default_for(placed.tier, placed.fast_track, &COMMITTEE_TIERS);
    let path = node_path(tx, loan.outlet_id)?;
    let committee_size = tx.users_with_role_at(Role::CommitteeMember.name(), &path)?;
    let date = business_date(tx)?;
    tx.put_workflow(&WorkflowRow {
        loan_id,
        tier: placed.tier.name().to_string(),
        tier_rule: placed.rule.clone(),
        fast_track: placed.fast_track,
        line_available_minor: placement.line_available.map(|m| m.minor()),
        committee_size,
        status: "in_progress".into(),
        current_step: process.steps.first().map(|s| s.step.name().to_string()),
        placed_by: actor.user_id,
        placed_on: date,
    })?;
    let after = format!(
        "tier={} rule={} fast_track={}",
        placed.tier, placed.rule, placed.fast_track
    );
    crate::audit::record(tx, actor, "workflow.place", "loan", loan_id, Some(after), None)?;
    Ok(placed)
}

fn decide_tier(r: &ReadTx<'_>, loan: &LoanRow, placement: &Placement) -> Result<TierPlaced, AppError> {
    let rules = product_rules(r, loan.product_id)?;
    let currency = rules.currency;
    let amount = Money::from_minor(loan.principal_minor, currency);
    let (tier, rule) = match placement.forced_tier {
        Some(tier) => (tier, "forced".to_string()),
        None => {
            let client = r.client(loan.client_id)?;
            let exposure = crate::collateral::exposure_of(r, loan)?;
            let input = TierInput {
                amount,
                product_code: rules.code.clone(),
                collateral: r
                    .loan_collateral(loan.id)?
                    .iter()
                    .filter_map(|c| CollateralKind::parse(&c.kind))
                    .collect(),
                client_grade: placement.client_grade.clone(),
                exposure: exposure.total().map_err(|e| AppError::invalid("exposure", e))?,
                borrower: match client.kind.as_str() {
                    "business" => BorrowerKind::Business,
                    _ => BorrowerKind::Household,
                },
                line_available: placement.line_available,
            };
            let decision = crate::config::tier_rules(r, currency)?
                .decide(&input)
                .map_err(|e| AppError::invalid("principal", e))?;
            (
                decision.tier,
                decision.rule.unwrap_or_else(|| "high-default".into()),
            )
        }
    };
    let fast_track = tier == Tier::Low && placement.client_grade.as_deref() == Some("excellent");
    Ok(TierPlaced {
        tier,
        rule,
        fast_track,
    })
}

fn outcome_name(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Signed { .. } => "signed".into(),
        Outcome::Voted => "voted".into(),
        Outcome::Advanced { to } => format!("advanced:{to}"),
        Outcome::Finished => "finished".into(),
        Outcome::SentBack { to } => format!("sent_back:{to}"),
        Outcome::Rejected => "rejected".into(),
    }
}

/// Appends an accepted event, made by `staff`, to the stored history.
fn persist(tx: &mut WriteTx<'_>, staff: &Staff, loan_id: i64, event: &Event) -> Result<(), AppError> {
    let roles: Vec<&str> = staff.roles.iter().map(|r| r.name()).collect();
    let send_back_to = match &event.decision {
        Some(Decision::SendBack { to, .. }) => Some(to.name().to_string()),
        _ => None,
    };
    let reasons = match &event.decision {
        Some(Decision::SendBack { reason, .. }) => reason.clone(),
        _ => event.reasons.join("\n"),
    };
    let tally = event.tally.as_ref().map(|t| {
        format!(
            "approve={} reject={} abstain={} quorum={} passed={}",
            t.approve, t.reject, t.abstain, t.quorum_required, t.passed
        )
    });
    tx.insert_workflow_act(&WorkflowActRow {
        id: 0,
        loan_id,
        seq: event.seq,
        step: event.step.name().to_string(),
        user_id: staff.user_id,
        roles: roles.join(","),
        node_id: staff.node_id,
        capacity: event.capacity.map(|c| c.name().to_string()),
        decision: event.decision.as_ref().map(|d| d.name().to_string()),
        send_back_to,
        reasons,
        documents: event.documents_seen.join(","),
        outcome: outcome_name(&event.outcome),
        exposure_minor: event.coverage.map(|c| c.exposure.minor()),
        counted_minor: event.coverage.map(|c| c.counted_value.minor()),
        coverage_ratio: event.coverage.and_then(|c| c.ratio).map(|r| r.to_string()),
        tally,
        at: event.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        business_date: business_date(tx)?,
    })?;
    Ok(())
}

/// The loan's own status the workflow expects for a step: the steps up to
/// approval work on an application, disbursement on an approved loan, the
/// monitoring of the use of funds on a disbursed one.
fn loan_status_for(process: &Process, step: Step) -> &'static str {
    let approval = process.steps.iter().position(|s| s.step.is_approval());
    let disbursement = process.position(Step::Disbursement);
    let at = process.position(step);
    match (at, approval, disbursement) {
        (Some(a), _, Some(d)) if a > d => "disbursed",
        (Some(a), Some(p), _) if a > p => "approved",
        _ => "application",
    }
}

fn require_loan_status(loaded: &Loaded, step: Step) -> Result<(), AppError> {
    let wanted = loan_status_for(loaded.workflow.process(), step);
    if loaded.loan.status == wanted {
        return Ok(());
    }
    Err(AppError::InvalidState {
        entity: "loan",
        id: loaded.loan.id.to_string(),
        state: loaded.loan.status.clone(),
        action: "an act on this workflow step",
    })
}

/// After an accepted event: stores where the process stands and moves the
/// loan to `approved` or `rejected` when the event decided it. The caller
/// disburses when the disbursement step completed.
fn settle(tx: &mut WriteTx<'_>, actor: Actor, loaded: &mut Loaded, event: &Event) -> Result<(), AppError> {
    let w = &loaded.workflow;
    let current = w.current_step().map(|s| s.name());
    tx.set_workflow_state(loaded.loan.id, w.status().name(), current)?;
    let date = business_date(tx)?;
    let loan = &mut loaded.loan;
    let completed = matches!(event.outcome, Outcome::Advanced { .. } | Outcome::Finished);
    let to = match (&event.outcome, loan.status.as_str()) {
        (Outcome::Rejected, "application" | "approved") => "rejected",
        _ if completed && event.step.is_approval() && loan.status == "application" => "approved",
        _ => return Ok(()),
    };
    if to == "approved" {
        loan.approved_on = Some(date);
    }
    let reason = event.reasons.first().map(String::as_str);
    let from = std::mem::replace(&mut loan.status, to.to_string());
    tx.insert_loan_event(loan.id, to, Some(&from), to, actor.user_id, date, reason)?;
    tx.update_loan(loan)?;
    loan.version += 1;
    let action = if to == "approved" {
        "loan.approve"
    } else {
        "loan.reject"
    };
    crate::audit::record(
        tx,
        actor,
        action,
        "loan",
        loan.id,
        Some(format!("status={to}")),
        reason,
    )
}

fn check_text_list(field: &str, items: &[String]) -> Result<Vec<String>, AppError> {
    if items.len() > ITEMS_MAX {
        return Err(AppError::invalid(field, format!("at most {ITEMS_MAX} items")));
    }
    let mut out = Vec::new();
    for item in items.iter().map(|i| i.trim()).filter(|i| !i.is_empty()) {
        if item.chars().count() > TEXT_LEN_MAX || item.chars().any(char::is_control) {
            return Err(AppError::invalid(
                field,
                format!("each item must be at most {TEXT_LEN_MAX} characters without control characters"),
            ));
        }
        if field == "documents" && item.contains(',') {
            return Err(AppError::invalid(
                field,
                "a document code must not contain a comma",
            ));
        }
        out.push(item.to_string());
    }
    Ok(out)
}

/// One act through the core workflow, persisted and settled, inside a write
/// job. `staff` was authorised by the caller. Returns the event.
fn act_in_tx(
    tx: &mut WriteTx<'_>,
    staff: &Staff,
    loan_id: i64,
    act: Act,
) -> Result<(Loaded, Event), AppError> {
    let mut loaded = load(tx, loan_id)?;
    staff.require_node(tx, loaded.loan.outlet_id)?;
    let approving = matches!(act.decision, Decision::Approve);
    let act = if approving && act.step.needs_exposure_check() {
        let line = loaded.row.line_available_minor;
        act.exposure(exposure_facts(tx, &loaded.loan, line)?)
    } else {
        act
    };
    let step = act.step;
    // The rules first (they name the step the application is at), then the
    // loan's own state; nothing is stored before both passed.
    let event = loaded.workflow.act(&core_actor(staff), act).map_err(refused)?;
    require_loan_status(&loaded, step)?;
    persist(tx, staff, loan_id, &event)?;
    settle(tx, staff.actor(), &mut loaded, &event)?;
    let detail = format!(
        "step={} capacity={} decision={} outcome={}",
        event.step,
        event.capacity.map_or("-", |c| c.name()),
        event.decision.as_ref().map_or("-", |d| d.name()),
        outcome_name(&event.outcome)
    );
    let reason = event.reasons.first().cloned();
    crate::audit::record(
        tx,
        staff.actor(),
        "workflow.act",
        "loan",
        loan_id,
        Some(detail),
        reason.as_deref(),
    )?;
    Ok((loaded, event))
}

/// Disburses when `event` completed the disbursement step.
fn disburse_if_done(
    tx: &mut WriteTx<'_>,
    actor: Actor,
    loaded: Loaded,
    event: &Event,
) -> Result<(), AppError> {
    let done = matches!(event.outcome, Outcome::Advanced { .. } | Outcome::Finished);
    if event.step != Step::Disbursement || !done {
        return Ok(());
    }
    let loan_id = loaded.loan.id;
    crate::lending::disburse_row(tx, tx.loan(loan_id)?, actor)?;
    crate::audit::record(
        tx,
        actor,
        "loan.disburse",
        "loan",
        loan_id,
        Some("status=disbursed".into()),
        None,
    )
}

/// The disbursement step, acted on by whoever disburses through the loan's
/// own `disburse` use case: refused unless the workflow reached
/// disbursement (so every earlier gate, gate 4 included, is done) and the
/// exposure and coverage check passes again. The act records the
/// disbursement notice as the document seen. Called inside `disburse`'s
/// write job, before the money moves.
pub(crate) fn before_disbursement(tx: &mut WriteTx<'_>, actor: Actor, loan_id: i64) -> Result<(), AppError> {
    let staff = authorize(tx, actor, Permission::Step(Step::Disbursement))?;
    if tx.workflow(loan_id)?.is_none() {
        return Err(AppError::Refused {
            rule: "workflow-missing",
            detail: format!("loan {loan_id} has no origination workflow; it cannot be disbursed"),
        });
    }
    let at = Utc::now();
    let act = Act::new(Step::Disbursement, Decision::Approve, at).documents(&["disbursement_notice"]);
    act_in_tx(tx, &staff, loan_id, act)?;
    Ok(())
}

/// The act's decision in core terms; a send-back carries its reasons.
fn core_decision(decision: &StepDecision, reasons: &[String]) -> Decision {
    match decision {
        StepDecision::Approve => Decision::Approve,
        StepDecision::Reject => Decision::Reject,
        StepDecision::SendBack { to } => Decision::SendBack {
            to: *to,
            reason: reasons.join("; "),
        },
    }
}

/// Places an application nobody placed yet (made before the workflow
/// existed) when someone first acts on it.
fn ensure_placed(tx: &mut WriteTx<'_>, actor: Actor, loan_id: i64) -> Result<(), AppError> {
    let loan = tx.loan(loan_id)?;
    if tx.workflow(loan_id)?.is_none() && loan.status == "application" {
        start_workflow(tx, actor, loan_id, Placement::default())?;
    }
    Ok(())
}

impl Institution {
    /// Acts on the current step of application `loan_id` as `actor`:
    /// approve, reject or send back, with reasons and the documents seen.
    /// Refused with the rule named (`AppError::Refused { rule }`, the core
    /// `Refusal` code). Completing the approval step approves the loan;
    /// completing the disbursement step disburses it.
    pub fn act_on_step(&self, actor: Actor, loan_id: i64, act: StepAct) -> Result<WorkflowView, AppError> {
        let reasons = check_text_list("reasons", &act.reasons)?;
        let documents = check_text_list("documents", &act.documents)?;
        self.write(move |tx, _| {
            let staff = authorize(tx, actor, Permission::Step(act.step))?;
            ensure_placed(tx, actor, loan_id)?;
            let core = Act {
                step: act.step,
                capacity: act.capacity,
                decision: core_decision(&act.decision, &reasons),
                reasons,
                documents_seen: documents,
                exposure: None,
                at: Utc::now(),
            };
            let (loaded, event) = act_in_tx(tx, &staff, loan_id, core)?;
            if matches!(event.outcome, Outcome::Voted) {
                return close_if_all_voted(tx, &staff, &loaded);
            }
            disburse_if_done(tx, actor, loaded, &event)
        })?;
        self.workflow(actor, loan_id)
    }

    /// Sends application `loan_id` back from its current step `from` to the
    /// earlier step `to`, with a reason.
    pub fn send_back(
        &self,
        actor: Actor,
        loan_id: i64,
        from: Step,
        to: Step,
        reason: String,
    ) -> Result<WorkflowView, AppError> {
        let act = StepAct {
            step: from,
            capacity: None,
            decision: StepDecision::SendBack { to },
            reasons: vec![reason],
            documents: Vec::new(),
        };
        self.act_on_step(actor, loan_id, act)
    }

    /// The one-button approval of the loan API: approves the current step
    /// as `actor` in the first signature slot their roles fit, attesting
    /// the step's required documents; every rule applies. On a committee
    /// step it is an approving vote (which needs a reason).
    pub fn approve_current_step(
        &self,
        actor: Actor,
        loan_id: i64,
        reason: Option<String>,
    ) -> Result<WorkflowView, AppError> {
        let reasons: Vec<String> = reason.into_iter().collect();
        let (step, capacity, committee, documents) = self.read(|r| {
            let staff = crate::access::staff(r, actor)?;
            let loaded = load(r, loan_id)?;
            pick_slot(&loaded, &staff)
        })?;
        if committee {
            return self.vote(actor, loan_id, VoteDecision::Approve, reasons, documents);
        }
        let act = StepAct {
            step,
            capacity,
            decision: StepDecision::Approve,
            reasons,
            documents,
        };
        self.act_on_step(actor, loan_id, act)
    }

    /// Rejects application `loan_id` at its current step as `actor`.
    pub fn reject_current_step(
        &self,
        actor: Actor,
        loan_id: i64,
        reason: String,
    ) -> Result<WorkflowView, AppError> {
        let (step, capacity, committee, _) = self.read(|r| {
            let staff = crate::access::staff(r, actor)?;
            pick_slot(&load(r, loan_id)?, &staff)
        })?;
        if committee {
            return self.vote(actor, loan_id, VoteDecision::Reject, vec![reason], Vec::new());
        }
        let act = StepAct {
            step,
            capacity,
            decision: StepDecision::Reject,
            reasons: vec![reason],
            documents: Vec::new(),
        };
        self.act_on_step(actor, loan_id, act)
    }

    /// A credit-committee member's vote on the current committee step
    /// (gate 5), with reasons (a vote against is the recorded dissent).
    /// Once every member has voted, the vote is closed and counted.
    pub fn vote(
        &self,
        actor: Actor,
        loan_id: i64,
        choice: VoteDecision,
        reasons: Vec<String>,
        documents: Vec<String>,
    ) -> Result<WorkflowView, AppError> {
        let reasons = check_text_list("reasons", &reasons)?;
        let documents = check_text_list("documents", &documents)?;
        self.write(move |tx, _| {
            let staff = authorize(tx, actor, Permission::CommitteeVote)?;
            ensure_placed(tx, actor, loan_id)?;
            let step = load(tx, loan_id)?
                .workflow
                .current_step()
                .ok_or_else(|| refused(Refusal::NotCommitteeStep))?;
            let decision = match choice {
                VoteDecision::Approve => Decision::Approve,
                VoteDecision::Reject => Decision::Reject,
                VoteDecision::Abstain => Decision::Abstain,
            };
            let act = Act {
                step,
                capacity: Some(Capacity::Member),
                decision,
                reasons,
                documents_seen: documents,
                exposure: None,
                at: Utc::now(),
            };
            let (loaded, _) = act_in_tx(tx, &staff, loan_id, act)?;
            close_if_all_voted(tx, &staff, &loaded)
        })?;
        self.workflow(actor, loan_id)
    }

    /// Closes and counts the vote of the current committee step: refused
    /// without a quorum (`committee-no-quorum`); otherwise the application
    /// moves on (passed) or is rejected.
    pub fn close_vote(&self, actor: Actor, loan_id: i64) -> Result<WorkflowView, AppError> {
        self.write(move |tx, _| {
            let staff = authorize(tx, actor, Permission::CommitteeVote)?;
            close_in_tx(tx, &staff, loan_id)
        })?;
        self.workflow(actor, loan_id)
    }

    /// The workflow of application `loan_id`: tier, steps, acts, votes,
    /// collateral and the exposure check as it stands now.
    pub fn workflow(&self, actor: Actor, loan_id: i64) -> Result<WorkflowView, AppError> {
        self.read(|r| {
            let staff = authorize(r, actor, Permission::LoanRead)?;
            let loaded = load(r, loan_id)?;
            staff.require_node(r, loaded.loan.outlet_id)?;
            workflow_view(r, &loaded)
        })
    }

    /// Applications waiting for a step `actor` may act on now: their roles
    /// fit a free slot of the current step and no rule about the person
    /// (own or relative's application, another step already acted on, a
    /// slot or vote already given) keeps them off.
    pub fn inbox(&self, actor: Actor, page: PageRequest) -> Result<Page<InboxItem>, AppError> {
        let limit = crate::institution::page_limit(page)?;
        self.read(|r| {
            let staff = authorize(r, actor, Permission::LoanRead)?;
            let outlets: Vec<i64> = r
                .descendant_outlets(staff.node_id)?
                .iter()
                .map(|n| n.id)
                .collect();
            let mut items = Vec::new();
            let mut after = page.after_id;
            // Read in chunks until the page is full: most waiting
            // applications are for other people.
            loop {
                let chunk = r.waiting_workflows(after, 500, &outlets)?;
                let Some(last) = chunk.last() else { break };
                after = last.workflow.loan_id;
                for waiting in chunk {
                    if let Some(item) = inbox_item(r, &staff, waiting)? {
                        items.push(item);
                    }
                }
                if items.len() > limit as usize {
                    break;
                }
            }
            Ok(paginate(items, limit, |i| i.loan_id))
        })
    }
}

/// A committee member's choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VoteDecision {
    Approve,
    Reject,
    Abstain,
}

impl VoteDecision {
    pub fn parse(name: &str) -> Option<VoteDecision> {
        match name {
            "approve" => Some(VoteDecision::Approve),
            "reject" => Some(VoteDecision::Reject),
            "abstain" => Some(VoteDecision::Abstain),
            _ => None,
        }
    }
}

/// Closes the count once every member of the committee has voted.
fn close_if_all_voted(tx: &mut WriteTx<'_>, staff: &Staff, loaded: &Loaded) -> Result<(), AppError> {
    let cast = u32::try_from(loaded.workflow.votes().len()).unwrap_or(u32::MAX);
    if cast >= loaded.row.committee_size {
        close_in_tx(tx, staff, loaded.loan.id)?;
    }
    Ok(())
}

fn close_in_tx(tx: &mut WriteTx<'_>, staff: &Staff, loan_id: i64) -> Result<(), AppError> {
    let mut loaded = load(tx, loan_id)?;
    staff.require_node(tx, loaded.loan.outlet_id)?;
    let event = loaded.workflow.close_committee(Utc::now()).map_err(refused)?;
    persist(tx, staff, loan_id, &event)?;
    settle(tx, staff.actor(), &mut loaded, &event)?;
    let detail = format!("step={} outcome={}", event.step, outcome_name(&event.outcome));
    crate::audit::record(
        tx,
        staff.actor(),
        "workflow.close_vote",
        "loan",
        loan_id,
        Some(detail),
        None,
    )
}

/// The current step, the first slot `staff`'s roles fit that is still free
/// (by trying the act on a copy), whether it is a committee vote, and the
/// step's required documents.
fn pick_slot(
    loaded: &Loaded,
    staff: &Staff,
) -> Result<(Step, Option<Capacity>, bool, Vec<String>), AppError> {
    let w = &loaded.workflow;
    let step = w.current_step().ok_or_else(|| {
        refused(Refusal::WorkflowClosed {
            status: w.status().name(),
        })
    })?;
    let spec = w
        .process()
        .steps
        .iter()
        .find(|s| s.step == step)
        .ok_or_else(|| AppError::Internal(format!("step {step} not in the process")))?;
    let documents = spec.documents_required.clone();
    if spec.committee || spec.slots.len() == 1 {
        return Ok((step, None, spec.committee, documents));
    }
    let actor = core_actor(staff);
    let mut first_refusal = None;
    for slot in &spec.slots {
        let mut trial = w.clone();
        let act = Act::new(step, Decision::Approve, Utc::now())
            .capacity(slot.capacity)
            .documents(&documents.iter().map(String::as_str).collect::<Vec<_>>());
        match trial.act(&actor, act) {
            Ok(_) => return Ok((step, Some(slot.capacity), false, documents)),
            Err(refusal) => {
                first_refusal.get_or_insert(refusal);
            }
        }
    }
    Err(refused(
        first_refusal.unwrap_or(Refusal::WrongCapacity { step, capacity: None }),
    ))
}

/// Whether a refusal is about the person (then the application is not in
/// their inbox) rather than about the act they would make.
fn keeps_person_off(refusal: &Refusal) -> bool {
    matches!(
        refusal,
        Refusal::RoleNotAllowed { .. }
            | Refusal::OutOfScope
            | Refusal::OwnApplication
            | Refusal::RelativeApplication
            | Refusal::SameActorTwoSteps { .. }
            | Refusal::SameLeadAndAssist
            | Refusal::SameSignerTwice { .. }
            | Refusal::AlreadySigned { .. }
            | Refusal::AlreadyVoted
            | Refusal::WrongCapacity { .. }
            | Refusal::WorkflowClosed { .. }
            | Refusal::NotCurrentStep { .. }
    )
}

fn inbox_item(
    r: &ReadTx<'_>,
    staff: &Staff,
    waiting: credgrid_store::WaitingRow,
) -> Result<Option<InboxItem>, AppError> {
    let Some(step) = waiting.workflow.current_step.as_deref().and_then(Step::parse) else {
        return Ok(None);
    };
    let process = process_of(&waiting.workflow)?;
    let Some(spec) = process.steps.iter().find(|s| s.step == step) else {
        return Ok(None);
    };
    let permission = if spec.committee {
        Permission::CommitteeVote
    } else {
        Permission::Step(step)
    };
    let fits = spec
        .slots
        .iter()
        .any(|s| s.roles.iter().any(|role| staff.has_role(*role)));
    if !staff.may(permission) || !fits || loan_status_for(&process, step) != waiting.loan_status {
        return Ok(None);
    }
    let loaded = load(r, waiting.workflow.loan_id)?;
    let actor = core_actor(staff);
    let mut capacities = Vec::new();
    for slot in &spec.slots {
        let mut trial = loaded.workflow.clone();
        let act = Act::new(step, Decision::Approve, Utc::now())
            .capacity(slot.capacity)
            .reasons(&["inbox"])
            .documents(
                &spec
                    .documents_required
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>(),
            );
        match trial.act(&actor, act) {
            Err(refusal) if keeps_person_off(&refusal) => {}
            _ => capacities.push(slot.capacity),
        }
    }
    if capacities.is_empty() {
        return Ok(None);
    }
    let currency = product_rules(r, loaded.loan.product_id)?.currency;
    Ok(Some(InboxItem {
        loan_id: waiting.workflow.loan_id,
        client_id: waiting.client_id,
        client_name: waiting.client_name,
        amount: Money::from_minor(waiting.principal_minor, currency),
        tier: waiting.workflow.tier,
        step,
        capacities,
        committee: spec.committee,
        loan_status: waiting.loan_status,
    }))
}

fn act_view(
    r: &ReadTx<'_>,
    a: WorkflowActRow,
    currency: credgrid_core::money::Currency,
) -> Result<ActView, AppError> {
    let username = r.app_user(a.user_id).map(|u| u.username).unwrap_or_default();
    let money = |m: Option<i64>| m.map(|m| Money::from_minor(m, currency));
    let reasons = match a.decision.as_deref() {
        Some("send_back") => vec![a.reasons.clone()],
        _ => split_list(&a.reasons, '\n'),
    };
    Ok(ActView {
        seq: a.seq,
        step: a.step,
        user_id: a.user_id,
        username,
        capacity: a.capacity,
        decision: a.decision,
        send_back_to: a.send_back_to,
        reasons,
        documents: split_list(&a.documents, ','),
        outcome: a.outcome,
        exposure: money(a.exposure_minor),
        counted_collateral: money(a.counted_minor),
        coverage_ratio: a.coverage_ratio,
        tally: a.tally,
        at: a.at,
        business_date: a.business_date,
    })
}

fn workflow_view(r: &ReadTx<'_>, loaded: &Loaded) -> Result<WorkflowView, AppError> {
    let w = &loaded.workflow;
    let currency = product_rules(r, loaded.loan.product_id)?.currency;
    let current = w.current_step();
    let position = current.and_then(|s| w.process().position(s));
    let finished = matches!(w.status(), Status::Finished);
    let steps = w
        .process()
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| StepView {
            step: s.step,
            slots: s
                .slots
                .iter()
                .map(|slot| (slot.capacity, slot.roles.clone()))
                .collect(),
            committee: s.committee,
            documents_required: s.documents_required.clone(),
            state: match position {
                _ if finished => "done",
                Some(p) if i < p => "done",
                Some(p) if i == p => "current",
                _ => "pending",
            },
        })
        .collect();
    let committee = current
        .and_then(|s| w.process().steps.iter().find(|x| x.step == s))
        .filter(|spec| spec.committee)
        .map(|_| {
            let tally = committee_rule(loaded.row.committee_size).tally(w.votes());
            CommitteeView {
                size: loaded.row.committee_size,
                quorum_required: tally.quorum_required,
                approve: tally.approve,
                reject: tally.reject,
                abstain: tally.abstain,
                votes: w
                    .votes()
                    .iter()
                    .map(|v| (v.member, v.choice.name().to_string(), v.reasons.clone()))
                    .collect(),
            }
        });
    let acts = r
        .workflow_acts(loaded.loan.id)?
        .into_iter()
        .map(|a| act_view(r, a, currency))
        .collect::<Result<_, _>>()?;
    Ok(WorkflowView {
        loan_id: loaded.loan.id,
        client_id: loaded.loan.client_id,
        loan_status: loaded.loan.status.clone(),
        amount: Money::from_minor(loaded.loan.principal_minor, currency),
        tier: loaded.row.tier.clone(),
        tier_rule: loaded.row.tier_rule.clone(),
        fast_track: loaded.row.fast_track,
        status: w.status().name().to_string(),
        current_step: current,
        steps,
        acts,
        committee,
        collateral: crate::collateral::collateral_views(r, loaded.loan.id)?,
        exposure: crate::collateral::exposure_view(r, &loaded.loan, loaded.row.line_available_minor)?,
    })
}
