//! The origination workflow over HTTP (issue 4, R-ORIG-1..5): the inbox of
//! applications waiting for the caller, an application's workflow (tier,
//! steps, acts, votes, collateral, exposure), acts on the current step,
//! send-backs, committee votes, collateral and guarantees, and the staff's
//! recorded relatives. A refused act is a 409 problem whose `type` names
//! the rule (`…/sod-same-actor-two-steps`).

use super::error::ApiError;
use super::extract::{ActingUser, Body, Ids, Query};
use super::fields::{Fields, TEXT_LEN_MAX, Zero};
use super::{AppState, Routes, app, blocking, created, ok};
use axum::extract::State;
use axum::response::Response;
use credgrid_app::{
    ActView, CollateralView, InboxItem, NewCollateral, PageRequest, StepAct, StepDecision, VoteDecision,
    WorkflowView,
};
use credgrid_core::collateral::CollateralKind;
use credgrid_core::origination::{Capacity, Step};
use serde_json::{Value, json};

pub(super) fn routes(routes: Routes) -> Routes {
    routes
        .get("/applications/inbox", inbox)
        .get("/loans/{id}/workflow", workflow)
        .post("/loans/{id}/steps", act_on_step)
        .post("/loans/{id}/send-back", send_back)
        .post("/loans/{id}/votes", vote)
        .post("/loans/{id}/votes/close", close_vote)
        .get("/loans/{id}/collateral", list_collateral)
        .post("/loans/{id}/collateral", record_collateral)
        .post("/staff/{id}/relatives", record_relative)
}

/// The document codes a step may ask for.
pub(crate) const DOCUMENTS: &[&str] = &[
    "application_form",
    "id_document",
    "household_register",
    "income_proof",
    "credit_rating",
    "review_opinion",
    "investigation_report",
    "loan_contract",
    "disbursement_notice",
    "use_of_funds_report",
];
pub(crate) const DECISIONS: &[&str] = &["approve", "reject"];
pub(crate) const CHOICES: &[&str] = &["approve", "reject", "abstain"];

pub(crate) fn step_names() -> Vec<&'static str> {
    Step::ALL.iter().map(|s| s.name()).collect()
}

pub(crate) fn capacity_names() -> Vec<&'static str> {
    Capacity::ALL.iter().map(|c| c.name()).collect()
}

pub(crate) fn kind_names() -> Vec<&'static str> {
    CollateralKind::ALL.iter().map(|k| k.name()).collect()
}

fn act_json(a: &ActView) -> Value {
    let money = |m: &Option<credgrid_core::Money>| m.map(|m| m.to_major_string());
    json!({
        "seq": a.seq, "step": a.step, "user_id": a.user_id, "username": a.username,
        "capacity": a.capacity, "decision": a.decision, "send_back_to": a.send_back_to,
        "reasons": a.reasons, "documents": a.documents, "outcome": a.outcome,
        "exposure": money(&a.exposure), "counted_collateral": money(&a.counted_collateral),
        "coverage_ratio": a.coverage_ratio, "tally": a.tally, "at": a.at,
        "business_date": a.business_date.to_string(),
    })
}

pub(crate) fn collateral_json(c: &CollateralView) -> Value {
    json!({
        "id": c.id, "loan_id": c.loan_id, "kind": c.kind, "value": c.value.to_major_string(),
        "currency": c.value.currency().code(), "haircut": c.haircut.normalize().to_string(),
        "counted_value": c.counted_value.to_major_string(), "guarantor_client_id": c.guarantor_client_id,
        "description": c.description, "recorded_by": c.recorded_by, "recorded_on": c.recorded_on.to_string(),
    })
}

fn workflow_json(w: &WorkflowView) -> Value {
    let steps: Vec<Value> = w
        .steps
        .iter()
        .map(|s| {
            let slots: Vec<Value> = s
                .slots
                .iter()
                .map(|(c, roles)| json!({"capacity": c.name(), "roles": roles.iter().map(|r| r.name()).collect::<Vec<_>>()}))
                .collect();
            json!({"step": s.step.name(), "state": s.state, "committee": s.committee, "slots": slots,
                   "documents_required": s.documents_required})
        })
        .collect();
    let committee = w.committee.as_ref().map(|c| {
        let votes: Vec<Value> = c
            .votes
            .iter()
            .map(|(member, choice, reasons)| json!({"member": member, "choice": choice, "reasons": reasons}))
            .collect();
        json!({"size": c.size, "quorum_required": c.quorum_required, "approve": c.approve,
               "reject": c.reject, "abstain": c.abstain, "votes": votes})
    });
    let e = &w.exposure;
    let exposure = json!({
        "loans_outstanding": e.loans_outstanding.to_major_string(),
        "undrawn_lines": e.undrawn_lines.to_major_string(),
        "guarantees_given": e.guarantees_given.to_major_string(),
        "amount": e.amount.to_major_string(),
        "total_with_application": e.total_with_application.to_major_string(),
        "counted_collateral": e.counted_collateral.to_major_string(),
        "coverage_ratio": e.coverage_ratio.map(|r| r.to_string()),
        "coverage_min": e.coverage_min.map(|r| r.to_string()),
        "pure_credit": e.pure_credit,
        "line_available": e.line_available.map(|m| m.to_major_string()),
        "breach": e.breach.as_ref().map(|(code, detail)| json!({"rule": code, "detail": detail})),
    });
    json!({
        "loan_id": w.loan_id, "client_id": w.client_id, "loan_status": w.loan_status,
        "amount": w.amount.to_major_string(), "currency": w.amount.currency().code(),
        "tier": w.tier, "tier_rule": w.tier_rule, "fast_track": w.fast_track, "status": w.status,
        "current_step": w.current_step.map(|s| s.name()), "steps": steps,
        "acts": w.acts.iter().map(act_json).collect::<Vec<_>>(), "committee": committee,
        "collateral": w.collateral.iter().map(collateral_json).collect::<Vec<_>>(), "exposure": exposure,
    })
}

fn inbox_json(i: &InboxItem) -> Value {
    json!({
        "loan_id": i.loan_id, "client_id": i.client_id, "client_name": i.client_name,
        "amount": i.amount.to_major_string(), "currency": i.amount.currency().code(), "tier": i.tier,
        "step": i.step.name(), "capacities": i.capacities.iter().map(|c| c.name()).collect::<Vec<_>>(),
        "committee": i.committee, "loan_status": i.loan_status,
    })
}

async fn inbox(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    Query(mut q): Query,
) -> Result<Response, ApiError> {
    let after_id = q.opt_int("after_id", 0, i64::MAX)?.unwrap_or(0);
    let limit = q
        .opt_int("limit", 1, i64::from(credgrid_app::PAGE_LIMIT_MAX))?
        .unwrap_or(50) as u32;
    q.finish()?;
    let page = blocking(&state, move |i| {
        app(i.inbox(actor, PageRequest { after_id, limit }))
    })
    .await?;
    Ok(ok(json!({
        "items": page.items.iter().map(inbox_json).collect::<Vec<_>>(),
        "next_after_id": page.next_after_id,
    })))
}

async fn workflow(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let view = blocking(&state, move |i| app(i.workflow(actor, id))).await?;
    Ok(ok(workflow_json(&view)))
}

/// One reason per line of `reasons` (a string), as the web form sends it.
fn reasons(f: &mut Fields) -> Result<Vec<String>, ApiError> {
    Ok(f.opt_str("reasons", TEXT_LEN_MAX)?
        .map(|text| text.lines().map(str::to_string).collect())
        .unwrap_or_default())
}

fn documents(f: &mut Fields) -> Result<Vec<String>, ApiError> {
    Ok(f.opt_enum_list("documents", DOCUMENTS)?.unwrap_or_default())
}

fn step(f: &mut Fields, name: &'static str) -> Result<Step, ApiError> {
    let text = f.req_enum(name, &step_names())?;
    Step::parse(&text).ok_or_else(|| ApiError::invalid(name, "is not a step"))
}

/// Reads a step act (also used by the web form).
pub(crate) fn read_step_act(f: &mut Fields) -> Result<StepAct, ApiError> {
    let step = step(f, "step")?;
    let decision = match f.req_enum("decision", DECISIONS)?.as_str() {
        "reject" => StepDecision::Reject,
        _ => StepDecision::Approve,
    };
    let capacity = f
        .opt_enum("capacity", &capacity_names())?
        .as_deref()
        .and_then(Capacity::parse);
    Ok(StepAct {
        step,
        capacity,
        decision,
        reasons: reasons(f)?,
        documents: documents(f)?,
    })
}

async fn act_on_step(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
    body: Body,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let mut f = body.fields;
    let act = read_step_act(&mut f)?;
    f.finish()?;
    let view = blocking(&state, move |i| app(i.act_on_step(actor, id, act))).await?;
    Ok(ok(workflow_json(&view)))
}

async fn send_back(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
    body: Body,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let mut f = body.fields;
    let from = step(&mut f, "from")?;
    let to = step(&mut f, "to")?;
    let reason = f.req_str("reason", TEXT_LEN_MAX)?;
    f.finish()?;
    let view = blocking(&state, move |i| app(i.send_back(actor, id, from, to, reason))).await?;
    Ok(ok(workflow_json(&view)))
}

/// Reads a committee vote (also used by the web form).
pub(crate) fn read_vote(f: &mut Fields) -> Result<(VoteDecision, Vec<String>, Vec<String>), ApiError> {
    let choice = f.req_enum("choice", CHOICES)?;
    let choice = VoteDecision::parse(&choice).ok_or_else(|| ApiError::invalid("choice", "is not a vote"))?;
    Ok((choice, reasons(f)?, documents(f)?))
}

async fn vote(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
    body: Body,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let mut f = body.fields;
    let (choice, reasons, documents) = read_vote(&mut f)?;
    f.finish()?;
    let view = blocking(
        &state,
        move |i| app(i.vote(actor, id, choice, reasons, documents)),
    )
    .await?;
    Ok(ok(workflow_json(&view)))
}

async fn close_vote(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
    body: Body,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    body.fields.finish()?;
    let view = blocking(&state, move |i| app(i.close_vote(actor, id))).await?;
    Ok(ok(workflow_json(&view)))
}

async fn list_collateral(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let items = blocking(&state, move |i| app(i.collateral(actor, id))).await?;
    Ok(ok(
        json!({"items": items.iter().map(collateral_json).collect::<Vec<_>>()}),
    ))
}

/// The fields of a piece of collateral before its value is read in the
/// loan's currency (also used by the web form).
pub(crate) struct CollateralFields {
    pub(crate) kind: String,
    pub(crate) value: super::fields::Amount,
    pub(crate) haircut: Option<rust_decimal::Decimal>,
    pub(crate) guarantor_client_id: Option<i64>,
    pub(crate) description: String,
}

pub(crate) fn read_collateral(f: &mut Fields) -> Result<CollateralFields, ApiError> {
    Ok(CollateralFields {
        kind: f.req_enum("kind", &kind_names())?,
        value: f.req_amount("value", Zero::Allowed)?,
        haircut: f.opt_percent("haircut")?,
        guarantor_client_id: f.opt_id("guarantor_client_id")?,
        description: f.req_str("description", 200)?,
    })
}

impl CollateralFields {
    /// Records it on loan `id` as `actor` (inside a blocking job).
    pub(crate) fn record(
        self,
        i: &credgrid_app::Institution,
        actor: credgrid_app::Actor,
        id: i64,
    ) -> Result<CollateralView, ApiError> {
        let currency = app(i.loan_currency(id))?;
        let new = NewCollateral {
            kind: self.kind,
            value: self.value.money(currency)?,
            haircut: self.haircut,
            guarantor_client_id: self.guarantor_client_id,
            description: self.description,
        };
        app(i.record_collateral(actor, id, new))
    }
}

async fn record_collateral(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
    body: Body,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let mut f = body.fields;
    let fields = read_collateral(&mut f)?;
    f.finish()?;
    let item = blocking(&state, move |i| fields.record(i, actor, id)).await?;
    let location = format!("{}/loans/{id}/collateral", super::PREFIX);
    Ok(created(location, collateral_json(&item)))
}

async fn record_relative(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
    body: Body,
) -> Result<Response, ApiError> {
    let user_id = ids.id("id")?;
    let mut f = body.fields;
    let client_id = f.req_id("client_id")?;
    let relation = f.req_str("relation", 120)?;
    f.finish()?;
    let recorded = relation.clone();
    blocking(&state, move |i| {
        app(i.record_relative(actor, user_id, client_id, &recorded))
    })
    .await?;
    let location = format!("{}/staff/{user_id}/relatives", super::PREFIX);
    Ok(created(
        location,
        json!({"user_id": user_id, "client_id": client_id, "relation": relation}),
    ))
}

/// Request and response schemas for the OpenAPI document.
pub(super) fn openapi_schemas() -> Vec<(&'static str, Value)> {
    let id = json!({"type": "integer", "format": "int64", "minimum": 1});
    let text = |max: usize| json!({"type": "string", "minLength": 1, "maxLength": max});
    let one_of = |values: &[&str]| json!({"type": "string", "enum": values});
    let amount = json!({"type": "string", "format": "decimal", "pattern": "^[0-9]+(\\.[0-9]+)?$", "example": "5000.00"});
    let percent = json!({"type": "string", "format": "percent", "pattern": "^[0-9]+(\\.[0-9]+)?$",
        "description": "A haircut in percent (\"30\" = 30 %), replacing the kind's default."});
    let docs = json!({"type": "array", "uniqueItems": true, "items": one_of(DOCUMENTS),
        "description": "Codes of the documents seen."});
    let reasons = json!({"type": "string", "minLength": 1, "maxLength": TEXT_LEN_MAX,
        "description": "Reasons, one per line (required for a rejection and a committee vote)."});
    let closed = |required: &[&str], props: Value| json!({"type": "object", "required": required, "properties": props, "additionalProperties": false});
    let open = |props: &[&str]| {
        let map: serde_json::Map<String, Value> = props.iter().map(|p| (p.to_string(), json!({}))).collect();
        json!({"type": "object", "required": props, "properties": map})
    };
    let steps = step_names();
    vec![
        (
            "StepAct",
            closed(
                &["step", "decision"],
                json!({"step": one_of(&steps), "decision": one_of(DECISIONS),
                       "capacity": one_of(&capacity_names()), "reasons": reasons, "documents": docs}),
            ),
        ),
        (
            "SendBack",
            closed(
                &["from", "to", "reason"],
                json!({"from": one_of(&steps), "to": one_of(&steps), "reason": text(TEXT_LEN_MAX)}),
            ),
        ),
        (
            "CommitteeVote",
            closed(
                &["choice"],
                json!({"choice": one_of(CHOICES), "reasons": reasons, "documents": docs}),
            ),
        ),
        ("CloseVote", closed(&[], json!({}))),
        (
            "NewCollateral",
            closed(
                &["kind", "value", "description"],
                json!({"kind": one_of(&kind_names()), "value": amount, "haircut": percent,
                       "guarantor_client_id": id, "description": text(200)}),
            ),
        ),
        (
            "NewRelative",
            closed(
                &["client_id", "relation"],
                json!({"client_id": id, "relation": text(120)}),
            ),
        ),
        (
            "Workflow",
            open(&[
                "loan_id",
                "client_id",
                "loan_status",
                "amount",
                "currency",
                "tier",
                "tier_rule",
                "fast_track",
                "status",
                "current_step",
                "steps",
                "acts",
                "committee",
                "collateral",
                "exposure",
            ]),
        ),
        ("Inbox", open(&["items", "next_after_id"])),
        (
            "Collateral",
            open(&[
                "id",
                "loan_id",
                "kind",
                "value",
                "currency",
                "haircut",
                "counted_value",
                "guarantor_client_id",
                "description",
                "recorded_by",
                "recorded_on",
            ]),
        ),
        ("CollateralList", open(&["items"])),
        ("Relative", open(&["user_id", "client_id", "relation"])),
    ]
}

/// A valid example of each request body.
pub(crate) fn example(schema: &str) -> Option<Value> {
    match schema {
        "StepAct" => Some(json!({"step": "application", "decision": "approve",
            "reasons": "household visited", "documents": ["application_form", "id_document",
            "household_register", "income_proof"]})),
        "SendBack" => Some(json!({"from": "approval", "to": "credit_grant", "reason": "rate too low"})),
        "CommitteeVote" => Some(json!({"choice": "approve", "reasons": "sound cash flow",
            "documents": ["review_opinion"]})),
        "CloseVote" => Some(json!({})),
        "NewCollateral" => Some(json!({"kind": "deposit_pledge", "value": "5000.00",
            "description": "deposit certificate 0012"})),
        "NewRelative" => Some(json!({"client_id": 1, "relation": "brother"})),
        _ => None,
    }
}
