//! Collections and post-loan management over HTTP (issue 7): worklists with
//! their score parts, a loan's collection file, actions under the conduct
//! rules (a refusal is a 409 problem naming the rule), contacts, supervisor
//! overrides, strategy and hand-over packages (JSON or CSV), the outbox and
//! its delivery, visits, grid news, settings and results.
//!
//! Delivery uses `CREDGRID_SMS_GATEWAY_URL` (an `http://` gateway, see
//! `crate::sms_gateway`) when set, else appends to `CREDGRID_OUTBOX_FILE`
//! (else standard error).

use super::error::ApiError;
use super::extract::{ActingUser, Body, Ids, Query};
use super::fields::{Fields, TEXT_LEN_MAX, Zero};
use super::{AppState, Routes, app, blocking, created, ok};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDateTime;
use credgrid_app::collection::{
    ActionRecorded, BUCKET_LABELS, CollectionCase, CollectionResults, DEPOSIT_BALANCES_MAX, DebtorProfile,
    DepositBalance, FileSender, MessageSender, NewAction, NewContact, NewOverride, OutboxRow, VisitRow,
    WorklistItem, WorklistView,
};
use credgrid_core::Currency;
use credgrid_core::collection::action::Channel;
use credgrid_core::collection::strategy::{Decision, HandoverPackage};
use serde_json::{Value, json};

pub(super) fn routes(routes: Routes) -> Routes {
    routes
        .get("/collection/worklist", worklist)
        .post("/collection/worklists/rebuild", rebuild)
        .get("/collection/loans/{id}", case)
        .post("/collection/loans/{id}/actions", record_action)
        .post("/collection/loans/{id}/contacts", add_contact)
        .post("/collection/loans/{id}/overrides", grant_override)
        .post("/collection/loans/{id}/debtor", set_debtor)
        .post("/collection/loans/{id}/assignment", assign)
        .post("/collection/loans/{id}/strategy", apply_strategy)
        .post("/collection/loans/{id}/handover", handover)
        .post("/collection/loans/{id}/news", news)
        .post("/collection/deposit-balances", deposit_balances)
        .get("/collection/outbox", outbox)
        .post("/collection/outbox/deliver", deliver)
        .get("/collection/visits", visits)
        .post("/collection/visits/{id}/complete", complete_visit)
        .get("/collection/settings", settings)
        .post("/collection/settings", set_setting)
        .get("/collection/results", results)
}

/// Channel codes, for the OpenAPI document.
pub(crate) const CHANNELS: &[&str] = &[
    "sms",
    "phone",
    "letter",
    "visit",
    "third_party",
    "legal_court",
    "legal_police",
];
pub(crate) const OUTCOMES: &[&str] = &[
    "reached",
    "no_answer",
    "wrong_contact",
    "refused",
    "promised",
    "sent",
    "handed_over",
];
pub(crate) const RELATIONS: &[&str] = &[
    "borrower",
    "spouse",
    "relative",
    "guarantor",
    "group_member",
    "employer",
    "neighbour",
    "village_cadre",
];
pub(crate) const CONTACT_KINDS: &[&str] = &["mobile", "landline", "home_address", "work_address"];
pub(crate) const SEGMENTS: &[&str] = &[
    "willing_and_able",
    "willing_but_unable",
    "unwilling",
    "unreachable",
];
pub(crate) const RULES: &[&str] = &["contact-hours", "daily-contact-limit"];
pub(crate) const FINDINGS: &[&str] = &["as_declared", "partly_diverted", "diverted"];
pub(crate) const OUTBOX_STATUSES: &[&str] = &["queued", "sent", "failed"];

fn item_json(i: &WorklistItem) -> Value {
    json!({
        "rank": i.rank,
        "loan_id": i.loan_id,
        "client_id": i.client_id,
        "client_name": i.client_name,
        "outlet_id": i.outlet_id,
        "priority": i.priority,
        "parts": i.parts.iter().map(|(f, p)| json!({"factor": f.code(), "points": p})).collect::<Vec<_>>(),
        "days_past_due": i.days_past_due,
        "amount_overdue": i.amount_overdue.to_major_string(),
        "currency": i.amount_overdue.currency().code(),
        "next_channel": i.next_channel.code(),
        "segment": i.segment.code(),
    })
}

fn worklist_json(w: &WorklistView) -> Value {
    json!({
        "business_date": w.business_date.map(|d| d.to_string()),
        "assignee_id": w.assignee_id,
        "items": w.items.iter().map(item_json).collect::<Vec<_>>(),
        "next_after_rank": w.next_after_rank,
    })
}

fn decision_json(d: &Decision) -> Value {
    match d {
        Decision::Remind { channel } => json!({"kind": "remind", "channel": channel.code()}),
        Decision::Escalate { channel } => json!({"kind": "escalate", "channel": channel.code()}),
        Decision::HandOver { channel } => json!({"kind": "hand_over", "channel": channel.code()}),
        Decision::OfferRestructuring(o) => json!({
            "kind": "offer_restructuring",
            "channel": Channel::Visit.code(),
            "affordable_installment": o.affordable_installment.to_major_string(),
            "extension_months_max": o.extension_months_max,
        }),
    }
}

fn outbox_json(m: &OutboxRow) -> Value {
    json!({
        "id": m.id, "loan_id": m.loan_id, "action_id": m.action_id, "channel": m.channel,
        "template": m.template, "locale": m.locale, "recipient": m.recipient, "body": m.body,
        "status": m.status, "attempts": m.attempts, "last_error": m.last_error,
        "created_at": m.created_at, "sent_at": m.sent_at,
    })
}

fn visit_json(v: &VisitRow) -> Value {
    json!({
        "id": v.id, "loan_id": v.loan_id, "assignee_id": v.assignee_id, "due_on": v.due_on.to_string(),
        "reason": v.reason, "use_of_funds_check": v.use_of_funds_check, "warnings": v.warnings,
        "status": v.status, "done_on": v.done_on.map(|d| d.to_string()), "funds_finding": v.funds_finding,
        "notes": v.notes,
    })
}

fn case_json(c: &CollectionCase) -> Value {
    let contacts: Vec<Value> = c
        .contacts
        .iter()
        .map(|v| {
            let x = &v.contact;
            json!({"id": x.id, "kind": x.kind, "relation": x.relation, "holder_name": x.holder_name,
                   "value": x.value, "given_by": x.given_by, "recorded_by": x.recorded_by,
                   "given_at": x.given_at.format("%Y-%m-%dT%H:%M").to_string(), "corrects_id": x.corrects_id,
                   "active": v.active})
        })
        .collect();
    let actions: Vec<Value> = c
        .actions
        .iter()
        .map(|a| {
            json!({"id": a.id, "channel": a.channel, "at": a.at_local.format("%Y-%m-%dT%H:%M").to_string(),
                   "business_date": a.business_date.to_string(), "person_id": a.person_id,
                   "contact_id": a.contact_id, "outcome": a.outcome, "notes": a.notes, "template": a.template,
                   "override_id": a.override_id})
        })
        .collect();
    let promises: Vec<Value> = c
        .promises
        .iter()
        .map(|p| {
            json!({"id": p.id, "amount": credgrid_core::Money::from_minor(p.amount_minor, c.currency).to_major_string(),
                   "made_on": p.made_on.to_string(), "due_on": p.due_on.to_string(), "status": p.status,
                   "paid": credgrid_core::Money::from_minor(p.paid_minor, c.currency).to_major_string()})
        })
        .collect();
    let escalations: Vec<Value> = c
        .escalations
        .iter()
        .map(|e| json!({"id": e.id, "kind": e.kind, "channel": e.channel, "business_date": e.business_date.to_string(),
                        "days_past_due": e.days_past_due, "decided_by": e.decided_by, "note": e.note}))
        .collect();
    let warnings: Vec<Value> = c
        .warnings
        .iter()
        .map(|w| json!({"id": w.id, "kind": w.kind, "business_date": w.business_date.to_string(), "note": w.note}))
        .collect();
    json!({
        "loan_id": c.loan_id, "client_id": c.client_id, "client_name": c.client_name, "outlet_id": c.outlet_id,
        "currency": c.currency.code(), "days_past_due": c.days_past_due,
        "amount_overdue": c.amount_overdue.to_major_string(),
        "principal_outstanding": c.principal_outstanding.to_major_string(),
        "worklist": c.worklist.as_ref().map(item_json),
        "contacts": contacts, "actions": actions, "promises": promises,
        "outbox": c.outbox.iter().map(outbox_json).collect::<Vec<_>>(),
        "escalations": escalations, "visits": c.visits.iter().map(visit_json).collect::<Vec<_>>(),
        "warnings": warnings,
        "templates": c.templates.iter().map(|(id, ch)| json!({"id": id, "channel": ch.code()})).collect::<Vec<_>>(),
        "decision": decision_json(&c.decision),
    })
}

async fn worklist(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    Query(mut q): Query,
) -> Result<Response, ApiError> {
    let assignee = q.opt_int("assignee_id", 1, i64::MAX)?;
    let after = q.opt_int("after_rank", 0, i64::MAX)?.unwrap_or(0);
    let limit = q.opt_int("limit", 1, 200)?.unwrap_or(50) as u32;
    q.finish()?;
    let view = blocking(&state, move |i| app(i.worklist(actor, assignee, after, limit))).await?;
    Ok(ok(worklist_json(&view)))
}

async fn rebuild(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    body: Body,
) -> Result<Response, ApiError> {
    let mut f = body.fields;
    let date = f.opt_date("date")?;
    f.finish()?;
    let day = blocking(&state, move |i| {
        let date = match date {
            Some(d) => d,
            None => app(i.business_date())?,
        };
        app(i.rebuild_worklists(actor, date))
    })
    .await?;
    Ok(ok(json!({
        "business_date": day.business_date.map(|d| d.to_string()), "worklist_loans": day.worklist_loans,
        "worklists": day.worklists, "rejected": day.rejected, "promises_kept": day.promises_kept,
        "promises_broken": day.promises_broken, "legal_due": day.legal_due, "warnings": day.warnings,
        "visits_scheduled": day.visits_scheduled,
    })))
}

async fn case(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let c = blocking(&state, move |i| app(i.collection_case(actor, id))).await?;
    Ok(ok(case_json(&c)))
}

fn local_time(f: &mut Fields) -> Result<NaiveDateTime, ApiError> {
    match f.opt_str("at", 32)? {
        None => Ok(chrono::Local::now().naive_local()),
        Some(text) => NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M")
            .or_else(|_| NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M:%S"))
            .map_err(|_| ApiError::invalid("at", "must be a local time written YYYY-MM-DDTHH:MM")),
    }
}

/// Reads an action request (also used by the web form).
pub(crate) fn new_action(loan_id: i64, mut f: Fields) -> Result<NewAction, ApiError> {
    let a = NewAction {
        loan_id,
        channel: f.req_enum("channel", CHANNELS)?,
        at_local: local_time(&mut f)?,
        contact_id: f.opt_id("contact_id")?,
        outcome: f.req_enum("outcome", OUTCOMES)?,
        notes: f.opt_str("notes", 2_000)?.unwrap_or_default(),
        template: f.opt_str("template", 64)?,
        free_text: f.opt_str("free_text", 2_000)?,
        promise_amount: f.opt_str("promise_amount", 32)?,
        promise_date: f.opt_date("promise_date")?,
        new_contacts: vec![],
        override_id: f.opt_id("override_id")?,
        locale: f.opt_enum("locale", &["en", "es", "zh"])?,
    };
    f.finish()?;
    Ok(a)
}

fn recorded_json(r: &ActionRecorded) -> Value {
    json!({"action_id": r.action_id, "promise_id": r.promise_id, "outbox_id": r.outbox_id,
           "message": r.message, "override_id": r.override_id, "contact_ids": r.contact_ids})
}

async fn record_action(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
    body: Body,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let a = new_action(id, body.fields)?;
    let r = blocking(&state, move |i| app(i.record_collection_action(actor, a))).await?;
    Ok(created(
        format!("{}/collection/loans/{id}", super::PREFIX),
        recorded_json(&r),
    ))
}

async fn add_contact(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
    body: Body,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let mut f = body.fields;
    let c = NewContact {
        kind: f.req_enum("kind", CONTACT_KINDS)?,
        relation: f.req_enum("relation", RELATIONS)?,
        holder_name: f.req_str("holder_name", 300)?,
        value: f.req_str("value", 300)?,
        given_by: f.req_str("given_by", 300)?,
        given_at: None,
        corrects: f.opt_id("corrects")?,
    };
    f.finish()?;
    let contact = blocking(&state, move |i| app(i.add_collection_contact(actor, id, c))).await?;
    Ok(created(
        format!("{}/collection/loans/{id}", super::PREFIX),
        json!({"id": contact}),
    ))
}

async fn grant_override(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
    body: Body,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let mut f = body.fields;
    let o = NewOverride {
        loan_id: id,
        collector_id: f.req_id("collector_id")?,
        channel: f.req_enum("channel", CHANNELS)?,
        rules: f.opt_enum_list("rules", RULES)?.unwrap_or_default(),
        reason: f.req_str("reason", 500)?,
    };
    f.finish()?;
    let oid = blocking(&state, move |i| app(i.grant_collection_override(actor, o))).await?;
    Ok(created(
        format!("{}/collection/loans/{id}", super::PREFIX),
        json!({"id": oid}),
    ))
}

async fn set_debtor(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
    body: Body,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let mut f = body.fields;
    let p = DebtorProfile {
        loan_id: id,
        income_monthly: f.req_str("income_monthly", 32)?,
        other_debt_monthly: f.req_str("other_debt_monthly", 32)?,
        assessed_segment: f.opt_enum("assessed_segment", SEGMENTS)?,
    };
    f.finish()?;
    blocking(&state, move |i| app(i.set_debtor_profile(actor, p))).await?;
    Ok(ok(json!({"loan_id": id})))
}

async fn assign(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
    body: Body,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let mut f = body.fields;
    let collector = f.req_id("collector_id")?;
    f.finish()?;
    blocking(&state, move |i| app(i.assign_collector(actor, id, collector))).await?;
    Ok(ok(json!({"loan_id": id, "collector_id": collector})))
}

async fn apply_strategy(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
    body: Body,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let mut f = body.fields;
    let note = f.opt_str("note", 2_000)?.unwrap_or_default();
    f.finish()?;
    let (d, escalation) = blocking(
        &state,
        move |i| app(i.apply_collection_strategy(actor, id, &note)),
    )
    .await?;
    Ok(ok(
        json!({"decision": decision_json(&d), "escalation_id": escalation}),
    ))
}

/// The hand-over package as JSON.
pub(crate) fn package_json(p: &HandoverPackage) -> Value {
    let l = &p.loan;
    json!({
        "channel": p.channel.code(), "prepared_on": p.prepared_on.to_string(), "prepared_by": p.prepared_by,
        "loan": {"loan_id": l.loan_id, "borrower_name": l.borrower_name, "product": l.product,
                 "disbursed_on": l.disbursed_on.to_string(), "currency": l.principal_disbursed.currency().code(),
                 "principal_disbursed": l.principal_disbursed.to_major_string(),
                 "principal_outstanding": l.principal_outstanding.to_major_string(),
                 "amount_overdue": l.amount_overdue.to_major_string(), "days_past_due": l.days_past_due},
        "contacts": p.contacts.iter().map(|c| json!({"id": c.id, "kind": c.kind.code(), "relation": c.relation.code(),
            "holder_name": c.holder_name, "value": c.value, "given_by": c.given_by, "recorded_by": c.recorded_by,
            "given_at": c.given_at.format("%Y-%m-%dT%H:%M").to_string(), "corrects": c.corrects})).collect::<Vec<_>>(),
        "history": p.history.iter().map(|a| json!({"channel": a.channel.code(),
            "at": a.at.format("%Y-%m-%dT%H:%M").to_string(), "person": a.person, "contact": a.contact,
            "outcome": a.outcome.code(), "notes": a.notes})).collect::<Vec<_>>(),
        "promises": p.promises.iter().map(|(pr, s)| json!({"amount": pr.amount.to_major_string(),
            "made_on": pr.made_on.to_string(), "due_on": pr.due_on.to_string(), "status": s.code()})).collect::<Vec<_>>(),
    })
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// The hand-over package as CSV (RFC 4180): one section per part, each row
/// starting with its section name.
pub(crate) fn package_csv(p: &HandoverPackage) -> String {
    let l = &p.loan;
    let mut rows: Vec<Vec<String>> = vec![
        vec!["section".into(), "field".into(), "value".into()],
        vec!["loan".into(), "loan_id".into(), l.loan_id.to_string()],
        vec!["loan".into(), "borrower_name".into(), l.borrower_name.clone()],
        vec!["loan".into(), "product".into(), l.product.clone()],
        vec!["loan".into(), "disbursed_on".into(), l.disbursed_on.to_string()],
        vec![
            "loan".into(),
            "principal_disbursed".into(),
            l.principal_disbursed.to_major_string(),
        ],
        vec![
            "loan".into(),
            "principal_outstanding".into(),
            l.principal_outstanding.to_major_string(),
        ],
        vec![
            "loan".into(),
            "amount_overdue".into(),
            l.amount_overdue.to_major_string(),
        ],
        vec!["loan".into(), "days_past_due".into(), l.days_past_due.to_string()],
        vec!["loan".into(), "handed_to".into(), p.channel.code().into()],
    ];
    for c in &p.contacts {
        let text = format!(
            "{} {} {} (given by {} at {})",
            c.relation.code(),
            c.kind.code(),
            c.value,
            c.given_by,
            c.given_at
        );
        rows.push(vec!["contact".into(), c.holder_name.clone(), text]);
    }
    for a in &p.history {
        let text = format!("{} {} {}", a.channel.code(), a.outcome.code(), a.notes);
        rows.push(vec![
            "history".into(),
            a.at.format("%Y-%m-%dT%H:%M").to_string(),
            text,
        ]);
    }
    for (pr, s) in &p.promises {
        let text = format!("{} by {} ({})", pr.amount.to_major_string(), pr.due_on, s.code());
        rows.push(vec!["promise".into(), pr.made_on.to_string(), text]);
    }
    rows.iter()
        .map(|r| r.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(",") + "\r\n")
        .collect()
}

async fn handover(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
    Query(mut q): Query,
    body: Body,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let format = q.opt_text("package_format", 8)?.unwrap_or_else(|| "json".into());
    q.finish()?;
    if !matches!(format.as_str(), "json" | "csv") {
        return Err(ApiError::invalid("package_format", "must be json or csv"));
    }
    let mut f = body.fields;
    let channel = f.req_enum("channel", &["third_party", "legal_court", "legal_police"])?;
    f.finish()?;
    let p = blocking(&state, move |i| app(i.handover_package(actor, id, &channel))).await?;
    if format == "csv" {
        let headers = [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"handover-{id}.csv\""),
            ),
        ];
        return Ok((StatusCode::OK, headers, package_csv(&p)).into_response());
    }
    Ok(ok(package_json(&p)))
}

async fn news(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
    body: Body,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let mut f = body.fields;
    let note = f.req_str("note", 2_000)?;
    f.finish()?;
    blocking(&state, move |i| app(i.record_grid_news(actor, id, &note))).await?;
    Ok(created(
        format!("{}/collection/loans/{id}", super::PREFIX),
        json!({"loan_id": id}),
    ))
}

/// The currencies a deposit feed may name.
const DEPOSIT_CURRENCIES: &[&str] = &["CNY", "USD", "MXN", "EUR"];

/// One `{client_id, as_of, balance}` of a feed; a fault is reported on the
/// field `balances` with the item and member named in the detail.
fn deposit_balance(i: usize, item: Value, currency: Currency) -> Result<DepositBalance, ApiError> {
    let locate = |mut e: ApiError| {
        let member = e.field.take().unwrap_or_default();
        let reason = e.detail.take().unwrap_or_default();
        let reason = reason
            .strip_prefix(&format!("{member}: "))
            .unwrap_or(&reason)
            .to_string();
        ApiError::invalid("balances", format!("[{i}].{member}: {reason}"))
    };
    let mut f = match item {
        Value::Object(_) => Fields::from_value(item).map_err(locate)?,
        _ => {
            return Err(ApiError::invalid(
                "balances",
                format!("[{i}] must be an object {{client_id, as_of, balance}}"),
            ));
        }
    };
    let client_id = f.req_id("client_id").map_err(locate)?;
    let as_of = f
        .opt_date("as_of")
        .and_then(|d| d.ok_or_else(|| ApiError::invalid("as_of", "is required")))
        .map_err(locate)?;
    let balance = f
        .req_amount("balance", Zero::Allowed)
        .and_then(|a| a.money(currency))
        .map_err(locate)?;
    f.finish().map_err(locate)?;
    Ok(DepositBalance {
        client_id,
        as_of,
        balance,
    })
}

/// A feed of deposit balances from the core deposit system: stores them and
/// raises the deposit-fall warnings they reveal.
async fn deposit_balances(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    body: Body,
) -> Result<Response, ApiError> {
    let mut f = body.fields;
    let code = f.req_enum("currency", DEPOSIT_CURRENCIES)?;
    let currency = credgrid_app::rating_config::parse_currency(&code)
        .map_err(|_| ApiError::invalid("currency", "is not a known currency"))?;
    let items = match f.opt_raw("balances")? {
        Some(Value::Array(items)) => items,
        Some(_) => return Err(ApiError::invalid("balances", "must be an array")),
        None => return Err(ApiError::invalid("balances", "is required")),
    };
    if items.is_empty() || items.len() > DEPOSIT_BALANCES_MAX {
        return Err(ApiError::invalid(
            "balances",
            format!("must hold 1 to {DEPOSIT_BALANCES_MAX} balances"),
        ));
    }
    let balances = items
        .into_iter()
        .enumerate()
        .map(|(i, item)| deposit_balance(i, item, currency))
        .collect::<Result<Vec<_>, _>>()?;
    f.finish()?;
    let r = blocking(&state, move |i| app(i.record_deposit_balances(actor, balances))).await?;
    Ok(ok(json!({
        "balances": r.balances, "clients": r.clients, "warnings": r.warnings,
    })))
}

async fn outbox(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    Query(mut q): Query,
) -> Result<Response, ApiError> {
    let status = q.opt_text("delivery_status", 16)?;
    if let Some(s) = status.as_deref()
        && !OUTBOX_STATUSES.contains(&s)
    {
        return Err(ApiError::invalid(
            "delivery_status",
            "must be queued, sent or failed",
        ));
    }
    let after = q.opt_int("after_id", 0, i64::MAX)?.unwrap_or(0);
    let limit = q.opt_int("limit", 1, 200)?.unwrap_or(50) as u32;
    q.finish()?;
    let rows = blocking(&state, move |i| {
        app(i.collection_outbox(actor, status.as_deref(), after, limit))
    })
    .await?;
    let next = (rows.len() == limit as usize)
        .then(|| rows.last().map(|m| m.id))
        .flatten();
    Ok(ok(
        json!({"items": rows.iter().map(outbox_json).collect::<Vec<_>>(), "next_after_id": next}),
    ))
}

/// The configured sender: the HTTP gateway when `CREDGRID_SMS_GATEWAY_URL`
/// is set, else the file sender.
pub(crate) fn configured_sender() -> Result<Box<dyn MessageSender>, ApiError> {
    match std::env::var("CREDGRID_SMS_GATEWAY_URL") {
        Ok(url) if !url.trim().is_empty() => crate::sms_gateway::HttpGatewaySender::new(url.trim())
            .map(|s| Box::new(s) as Box<dyn MessageSender>)
            .map_err(|e| ApiError::internal(format!("CREDGRID_SMS_GATEWAY_URL: {e}"))),
        _ => Ok(Box::new(FileSender::new(
            std::env::var_os("CREDGRID_OUTBOX_FILE").map(Into::into),
        ))),
    }
}

async fn deliver(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    body: Body,
) -> Result<Response, ApiError> {
    let mut f = body.fields;
    let limit = f.opt_u32("limit", 1, 200)?.unwrap_or(50);
    f.finish()?;
    let report = blocking(&state, move |i| {
        let sender = configured_sender()?;
        app(i.deliver_outbox(actor, sender.as_ref(), limit))
    })
    .await?;
    Ok(ok(
        json!({"sender": report.sender, "sent": report.sent, "failed": report.failed}),
    ))
}

async fn visits(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    Query(mut q): Query,
) -> Result<Response, ApiError> {
    let through = q.opt_date("date")?;
    q.finish()?;
    let rows = blocking(&state, move |i| app(i.my_visits(actor, through))).await?;
    Ok(ok(
        json!({"items": rows.iter().map(visit_json).collect::<Vec<_>>()}),
    ))
}

async fn complete_visit(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
    body: Body,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let mut f = body.fields;
    let finding = f.opt_enum("funds_finding", FINDINGS)?;
    let notes = f.opt_str("notes", 2_000)?.unwrap_or_default();
    f.finish()?;
    blocking(&state, move |i| app(i.complete_visit(actor, id, finding, notes))).await?;
    Ok(ok(json!({"id": id, "status": "done"})))
}

async fn settings(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
) -> Result<Response, ApiError> {
    let pairs = blocking(&state, move |i| app(i.collection_settings(actor))).await?;
    let items: Vec<Value> = pairs
        .iter()
        .map(|(n, v)| json!({"name": n, "value": v}))
        .collect();
    Ok(ok(json!({"items": items})))
}

async fn set_setting(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    body: Body,
) -> Result<Response, ApiError> {
    let mut f = body.fields;
    let name = f.req_str("name", 64)?;
    let value = f.req_str("value", TEXT_LEN_MAX)?;
    f.finish()?;
    let (n, v) = (name.clone(), value.clone());
    blocking(&state, move |i| app(i.set_collection_setting(actor, &n, &v))).await?;
    Ok(ok(json!({"name": name, "value": value})))
}

fn ratio_json(r: &credgrid_core::collection::results::Ratio) -> Value {
    json!({"numerator": r.numerator, "denominator": r.denominator, "rate": r.rate.map(|d| d.to_string())})
}

/// The results as JSON (also used by the web page).
pub(crate) fn results_json(r: &CollectionResults) -> Value {
    let rolls = &r.roll_rates;
    let mut roll = Vec::new();
    for (from, label) in BUCKET_LABELS.iter().enumerate().take(rolls.buckets()) {
        let mut to: Vec<Value> = BUCKET_LABELS
            .iter()
            .enumerate()
            .take(rolls.buckets())
            .map(|(t, to_label)| json!({"to": to_label, "loans": rolls.count(from, Some(t))}))
            .collect();
        to.push(json!({"to": "closed", "loans": rolls.count(from, None)}));
        roll.push(json!({"from": label, "loans": rolls.from_total(from), "to": to}));
    }
    let recoveries: Vec<Value> = r
        .recoveries
        .iter()
        .map(|c| {
            let t = &c.totals;
            json!({"currency": c.currency, "total": t.total.to_major_string(),
                "by_channel": t.by_channel.iter().map(|(k, v)| json!({"channel": k.code(), "amount": v.to_major_string()})).collect::<Vec<_>>(),
                "by_collector": t.by_collector.iter().map(|(k, v)| json!({"user_id": k, "amount": v.to_major_string()})).collect::<Vec<_>>(),
                "by_segment": t.by_segment.iter().map(|(k, v)| json!({"segment": k.code(), "amount": v.to_major_string()})).collect::<Vec<_>>()})
        })
        .collect();
    json!({"from": r.from.to_string(), "to": r.to.to_string(), "cure_rate": ratio_json(&r.cure_rate),
           "promises_kept": ratio_json(&r.promises_kept), "roll_rates": roll, "recoveries": recoveries})
}

async fn results(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    Query(mut q): Query,
) -> Result<Response, ApiError> {
    let from = q.opt_date("from")?;
    let to = q.opt_date("to")?;
    q.finish()?;
    let r = blocking(&state, move |i| {
        let today = app(i.business_date())?;
        let to = to.unwrap_or_else(|| today.pred_opt().unwrap_or(today));
        let from = from.unwrap_or_else(|| to - chrono::Days::new(30));
        app(i.collection_results(actor, from, to))
    })
    .await?;
    Ok(ok(results_json(&r)))
}

/// A valid example body of each request schema of this module.
pub(super) fn example(schema: &str) -> Option<Value> {
    let value = match schema {
        "CollectionAction" => json!({"channel": "phone", "outcome": "promised", "at": "2026-01-06T10:00",
            "contact_id": 1, "promise_amount": "500.00", "promise_date": "2026-01-13",
            "notes": "will pay after the harvest"}),
        "CollectionContact" => json!({"kind": "mobile", "relation": "spouse", "holder_name": "Zhang Li",
            "value": "13800138000", "given_by": "the borrower"}),
        "CollectionOverride" => json!({"collector_id": 2, "channel": "phone", "rules": ["contact-hours"],
            "reason": "the debtor asked to be called after work"}),
        "CollectionDebtor" => json!({"income_monthly": "4000.00", "other_debt_monthly": "500.00",
            "assessed_segment": "willing_but_unable"}),
        "CollectionAssignment" => json!({"collector_id": 2}),
        "CollectionStrategy" => json!({"note": "refuses to pay"}),
        "CollectionHandover" => json!({"channel": "legal_court"}),
        "CollectionNews" => json!({"note": "sold his tractor"}),
        "CollectionDepositBalances" => json!({"currency": "CNY", "balances": [
            {"client_id": 1, "as_of": "2026-01-05", "balance": "12000.00"}]}),
        "CollectionDeliver" => json!({"limit": 50}),
        "CollectionVisitDone" => json!({"funds_finding": "as_declared", "notes": "seed bought"}),
        "CollectionSetting" => json!({"name": "conduct.contacts_per_day_max", "value": "3"}),
        "CollectionRebuild" => json!({"date": "2026-01-05"}),
        _ => return None,
    };
    Some(value)
}

/// The request and response schemas of this module, for the OpenAPI document.
pub(super) fn openapi_schemas() -> Vec<(&'static str, Value)> {
    let id = json!({"type": "integer", "format": "int64", "minimum": 1});
    let text = |max: usize| json!({"type": "string", "minLength": 1, "maxLength": max});
    let one_of = |values: &[&str]| json!({"type": "string", "enum": values});
    let amount = json!({"type": "string", "format": "decimal", "pattern": "^[0-9]+(\\.[0-9]+)?$", "example": "500.00"});
    let date = json!({"type": "string", "format": "date", "example": "2026-01-15"});
    let closed = |required: &[&str], props: Value| json!({"type": "object", "required": required, "properties": props, "additionalProperties": false});
    let open = |props: &[&str]| {
        let map: serde_json::Map<String, Value> = props.iter().map(|p| (p.to_string(), json!({}))).collect();
        json!({"type": "object", "required": props, "properties": map})
    };
    vec![
        (
            "CollectionAction",
            closed(
                &["channel", "outcome"],
                json!({
                    "channel": one_of(CHANNELS), "outcome": one_of(OUTCOMES),
                    "at": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?$",
                           "description": "Local time at the debtor's place (default: now)."},
                    "contact_id": id, "notes": text(2_000), "template": text(64), "free_text": text(2_000),
                    "promise_amount": amount, "promise_date": date, "override_id": id, "locale": one_of(&["en", "es", "zh"]),
                }),
            ),
        ),
        (
            "CollectionContact",
            closed(
                &["kind", "relation", "holder_name", "value", "given_by"],
                json!({
                    "kind": one_of(CONTACT_KINDS), "relation": one_of(RELATIONS), "holder_name": text(300),
                    "value": text(300), "given_by": text(300), "corrects": id,
                }),
            ),
        ),
        (
            "CollectionOverride",
            closed(
                &["collector_id", "channel", "rules", "reason"],
                json!({
                    "collector_id": id, "channel": one_of(CHANNELS),
                    "rules": {"type": "array", "items": one_of(RULES), "minItems": 1, "uniqueItems": true},
                    "reason": text(500),
                }),
            ),
        ),
        (
            "CollectionDebtor",
            closed(
                &["income_monthly", "other_debt_monthly"],
                json!({
                    "income_monthly": amount, "other_debt_monthly": amount, "assessed_segment": one_of(SEGMENTS),
                }),
            ),
        ),
        (
            "CollectionAssignment",
            closed(&["collector_id"], json!({"collector_id": id})),
        ),
        ("CollectionStrategy", closed(&[], json!({"note": text(2_000)}))),
        (
            "CollectionHandover",
            closed(
                &["channel"],
                json!({"channel": one_of(&["third_party", "legal_court", "legal_police"])}),
            ),
        ),
        ("CollectionNews", closed(&["note"], json!({"note": text(2_000)}))),
        (
            "CollectionDepositBalances",
            closed(
                &["currency", "balances"],
                json!({
                    "currency": one_of(DEPOSIT_CURRENCIES),
                    "balances": {
                        "type": "array", "minItems": 1, "maxItems": DEPOSIT_BALANCES_MAX,
                        "description": "Each client's total deposit balance on a date (a later feed for the same client and date corrects it).",
                        "items": closed(&["client_id", "as_of", "balance"],
                            json!({"client_id": id, "as_of": date, "balance": amount})),
                    },
                }),
            ),
        ),
        (
            "CollectionDepositFeed",
            open(&["balances", "clients", "warnings"]),
        ),
        (
            "CollectionDeliver",
            closed(
                &[],
                json!({"limit": {"type": "integer", "minimum": 1, "maximum": 200}}),
            ),
        ),
        (
            "CollectionVisitDone",
            closed(
                &[],
                json!({"funds_finding": one_of(FINDINGS), "notes": text(2_000)}),
            ),
        ),
        (
            "CollectionSetting",
            closed(
                &["name", "value"],
                json!({"name": text(64), "value": text(TEXT_LEN_MAX)}),
            ),
        ),
        ("CollectionRebuild", closed(&[], json!({"date": date}))),
        (
            "CollectionWorklist",
            open(&["business_date", "assignee_id", "items", "next_after_rank"]),
        ),
        (
            "CollectionCase",
            open(&[
                "loan_id",
                "client_id",
                "client_name",
                "outlet_id",
                "currency",
                "days_past_due",
                "amount_overdue",
                "principal_outstanding",
                "worklist",
                "contacts",
                "actions",
                "promises",
                "outbox",
                "escalations",
                "visits",
                "warnings",
                "templates",
                "decision",
            ]),
        ),
        (
            "CollectionActionRecorded",
            open(&[
                "action_id",
                "promise_id",
                "outbox_id",
                "message",
                "override_id",
                "contact_ids",
            ]),
        ),
        ("CollectionCreated", json!({"type": "object"})),
        ("CollectionDone", json!({"type": "object"})),
        ("CollectionStrategyResult", open(&["decision", "escalation_id"])),
        (
            "CollectionHandoverPackage",
            open(&[
                "channel",
                "prepared_on",
                "prepared_by",
                "loan",
                "contacts",
                "history",
                "promises",
            ]),
        ),
        ("CollectionOutboxPage", open(&["items", "next_after_id"])),
        ("CollectionDelivery", open(&["sender", "sent", "failed"])),
        ("CollectionVisits", open(&["items"])),
        ("CollectionSettings", open(&["items"])),
        (
            "CollectionResults",
            open(&[
                "from",
                "to",
                "cure_rate",
                "promises_kept",
                "roll_rates",
                "recoveries",
            ]),
        ),
        (
            "CollectionDay",
            open(&[
                "business_date",
                "worklist_loans",
                "worklists",
                "rejected",
                "promises_kept",
                "promises_broken",
                "legal_due",
                "warnings",
                "visits_scheduled",
            ]),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use credgrid_core::collection::action::{ContactKind, ContactRelation, Outcome};
    use credgrid_core::collection::strategy::Segment;

    /// The lists the API validates against are exactly the core's codes.
    #[test]
    fn code_lists_match_the_core() {
        assert!(Channel::ALL.iter().map(|c| c.code()).eq(CHANNELS.iter().copied()));
        assert!(Outcome::ALL.iter().map(|c| c.code()).eq(OUTCOMES.iter().copied()));
        assert!(
            ContactRelation::ALL
                .iter()
                .map(|c| c.code())
                .eq(RELATIONS.iter().copied())
        );
        assert!(
            ContactKind::ALL
                .iter()
                .map(|c| c.code())
                .eq(CONTACT_KINDS.iter().copied())
        );
        assert!(Segment::ALL.iter().map(|c| c.code()).eq(SEGMENTS.iter().copied()));
    }
}
