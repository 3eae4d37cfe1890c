//! Maker-checker configuration over HTTP (issue 4 §7): propose a change to
//! products, tier rules, limits, roles or the chart of accounts; list and
//! read changes with their diff; a second authorised user approves (the
//! change takes effect) or rejects it with a reason. The proposer's own
//! approval or rejection is a 409 naming the rule `sod-maker-is-checker`.

use super::error::ApiError;
use super::extract::{ActingUser, Body, Ids, Query};
use super::fields::TEXT_LEN_MAX;
use super::pagination::{page_json, page_request};
use super::{AppState, PREFIX, Routes, app, blocking, created, ok};
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use credgrid_app::{ConfigChangeView, ConfigInForce};
use credgrid_core::Currency;
use serde_json::{Value, json};

/// The kinds of configuration a change may touch.
pub(crate) const KINDS: &[&str] = &["product", "tier_rules", "limits", "roles", "chart"];
/// The states of a change.
pub(crate) const STATES: &[&str] = &["pending", "approved", "rejected"];
/// The longest payload, in characters.
pub(crate) const PAYLOAD_LEN_MAX: usize = 32 * 1024;
/// The longest note or rejection reason.
pub(crate) const NOTE_LEN_MAX: usize = 500;

pub(super) fn routes(routes: Routes) -> Routes {
    routes
        .post("/config/changes", propose)
        .get("/config/changes", list)
        .get("/config/changes/{id}", get_one)
        .post("/config/changes/{id}/approve", approve)
        .post("/config/changes/{id}/reject", reject)
        .get("/config/current", current)
}

pub(crate) fn change_json(c: &ConfigChangeView) -> Value {
    let diff: Vec<Value> = c
        .diff
        .iter()
        .map(|l| json!({"op": l.op.to_string(), "text": l.text}))
        .collect();
    json!({
        "id": c.id, "kind": c.kind, "payload": c.payload, "base": c.base, "note": c.note,
        "state": c.state, "proposed_by": c.proposed_by, "proposed_at": c.proposed_at,
        "checker_id": c.checker_id, "decided_at": c.decided_at, "decision_reason": c.decision_reason,
        "outcome": c.outcome, "product_id": c.product_id(), "diff": diff,
    })
}

fn in_force_json(c: &ConfigInForce) -> Value {
    json!({"kind": c.kind, "version": c.version, "payload": c.payload})
}

/// 202 Accepted: the change is recorded and waits for a second user.
pub(crate) fn accepted(view: &ConfigChangeView) -> Response {
    let mut response = (StatusCode::ACCEPTED, axum::Json(change_json(view))).into_response();
    let location = format!("{PREFIX}/config/changes/{}", view.id);
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

async fn propose(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    body: Body,
) -> Result<Response, ApiError> {
    let mut fields = body.fields;
    let kind = fields.req_enum("kind", KINDS)?;
    let payload = fields.req_str("payload", PAYLOAD_LEN_MAX)?;
    let note = fields.opt_str("note", NOTE_LEN_MAX)?;
    fields.finish()?;
    let view = blocking(&state, move |i| {
        app(i.propose_config(actor, &kind, &payload, note.as_deref()))
    })
    .await?;
    Ok(created(
        format!("{PREFIX}/config/changes/{}", view.id),
        change_json(&view),
    ))
}

async fn list(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    Query(mut q): Query,
) -> Result<Response, ApiError> {
    let wanted = q.opt_text("state", TEXT_LEN_MAX)?;
    if let Some(s) = &wanted
        && !STATES.contains(&s.as_str())
    {
        return Err(ApiError::invalid(
            "state",
            "must be pending, approved or rejected",
        ));
    }
    let page = page_request(&mut q)?;
    q.finish()?;
    let found = blocking(&state, move |i| {
        app(i.config_changes(actor, wanted.as_deref(), page))
    })
    .await?;
    Ok(ok(page_json(&found, change_json)))
}

async fn get_one(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let view = blocking(&state, move |i| app(i.config_change(actor, id))).await?;
    Ok(ok(change_json(&view)))
}

async fn approve(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
    body: Body,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    body.fields.finish()?;
    let view = blocking(&state, move |i| app(i.approve_config(actor, id))).await?;
    Ok(ok(change_json(&view)))
}

async fn reject(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
    body: Body,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let mut fields = body.fields;
    let reason = fields.req_str("reason", NOTE_LEN_MAX)?;
    fields.finish()?;
    let view = blocking(&state, move |i| app(i.reject_config(actor, id, &reason))).await?;
    Ok(ok(change_json(&view)))
}

async fn current(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    Query(mut q): Query,
) -> Result<Response, ApiError> {
    let kind = q
        .opt_text("kind", TEXT_LEN_MAX)?
        .ok_or_else(|| ApiError::invalid("kind", "is required"))?;
    if !KINDS.contains(&kind.as_str()) {
        return Err(ApiError::invalid(
            "kind",
            "must be product, tier_rules, limits, roles or chart",
        ));
    }
    let currency = match q.opt_text("currency", TEXT_LEN_MAX)? {
        None => Currency::CNY,
        Some(code) => known_currency(&code)?,
    };
    q.finish()?;
    let view = blocking(&state, move |i| app(i.config_in_force(actor, &kind, currency))).await?;
    Ok(ok(in_force_json(&view)))
}

/// A currency named by code, with its digits from the products that use it
/// or the usual ones (CNY, USD, EUR, MXN: 2; JPY: 0).
fn known_currency(code: &str) -> Result<Currency, ApiError> {
    let digits = match code {
        "JPY" | "KRW" | "VND" => 0,
        _ => 2,
    };
    Currency::new(code, digits).map_err(|e| ApiError::invalid("currency", e))
}

/// Schemas for the OpenAPI document.
pub(crate) fn openapi_schemas() -> Vec<(&'static str, Value)> {
    let text = |max: usize| json!({"type": "string", "minLength": 1, "maxLength": max});
    let nullable_text = json!({"type": ["string", "null"]});
    let nullable_int = json!({"type": ["integer", "null"], "format": "int64"});
    let diff_line = json!({"type": "object", "required": ["op", "text"], "properties": {
        "op": {"type": "string", "enum": ["+", "-", " "]}, "text": {"type": "string"}}});
    let change_props = json!({
        "id": {"type": "integer", "format": "int64", "minimum": 1},
        "kind": {"type": "string", "enum": KINDS},
        "payload": {"type": "string", "description": "The change in canonical text (docs/security.md)."},
        "base": {"type": ["string", "null"], "description": "What was in force when proposed."},
        "note": nullable_text,
        "state": {"type": "string", "enum": STATES},
        "proposed_by": {"type": "integer", "format": "int64"},
        "proposed_at": {"type": "string"},
        "checker_id": nullable_int,
        "decided_at": nullable_text,
        "decision_reason": nullable_text,
        "outcome": {"type": ["string", "null"], "description": "product:12, version:3, users:7, accounts:1399"},
        "product_id": {"type": ["integer", "null"], "format": "int64",
            "description": "The product an approved product change created."},
        "diff": {"type": "array", "items": diff_line},
    });
    let required: Vec<&String> = change_props.as_object().map_or(vec![], |m| m.keys().collect());
    let change = json!({"type": "object", "required": required, "properties": change_props});
    vec![
        (
            "NewConfigChange",
            json!({"type": "object", "required": ["kind", "payload"], "additionalProperties": false,
                "properties": {"kind": {"type": "string", "enum": KINDS}, "payload": text(PAYLOAD_LEN_MAX),
                    "note": text(NOTE_LEN_MAX)}}),
        ),
        (
            "ConfigDecision",
            json!({"type": "object", "required": [], "additionalProperties": false, "properties": {}}),
        ),
        (
            "ConfigRejection",
            json!({"type": "object", "required": ["reason"], "additionalProperties": false,
                "properties": {"reason": text(NOTE_LEN_MAX)}}),
        ),
        ("ConfigChange", change),
        (
            "ConfigChangePage",
            json!({"type": "object", "required": ["items", "next_after_id"], "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/ConfigChange"}},
                "next_after_id": {"type": ["integer", "null"], "format": "int64"}}}),
        ),
        (
            "ConfigInForce",
            json!({"type": "object", "required": ["kind", "version", "payload"], "properties": {
                "kind": {"type": "string", "enum": KINDS}, "version": nullable_int,
                "payload": {"type": "string"}}}),
        ),
    ]
}

/// Request examples for the OpenAPI document.
pub(crate) fn example(schema: &str) -> Option<Value> {
    match schema {
        "NewConfigChange" => Some(json!({"kind": "limits",
            "payload": "currency=CNY digits=2\nrole=account_manager ceiling=10000.00\nrole=approver ceiling=150000.00\nrole=branch_manager ceiling=1000000.00",
            "note": "approvers' ceiling raised by the board"})),
        "ConfigRejection" => Some(json!({"reason": "above the board's mandate"})),
        _ => None,
    }
}
