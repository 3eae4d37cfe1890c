//! The origination workflow in the web application (issue 4): the inbox of
//! applications waiting for the signed-in user, and an application's
//! workflow page — its tier and steps, the form of the current step (the
//! documents seen, reasons, approve or reject, send back), the committee's
//! vote, the history of every act, the collateral and the exposure check.
//! A refused act redraws the page with the rule named on top.

use super::form::FormData;
use super::locale::Tr;
use super::{Chrome, Ctx, Notice, UiState, blocking, failure, render, see_other};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use credgrid_app::{
    AppError, InboxItem, Institution, NewCollateral, PageRequest, StepAct, StepDecision, VoteDecision,
    WorkflowView,
};
use credgrid_core::collateral::CollateralKind;
use credgrid_core::origination::{Capacity, Step};

/// The document codes the forms offer.
const DOCUMENTS: [&str; 10] = [
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
/// The actions posted to `/loans/{id}/workflow/{action}`.
const ACTIONS: [&str; 5] = ["step", "send-back", "vote", "close-vote", "collateral"];

/// A table row of formatted cells.
pub(crate) struct Row {
    id: i64,
    cells: Vec<String>,
}

/// One step of the process as shown: name, state, who may act, documents.
pub(crate) struct StepLine {
    name: String,
    state: &'static str,
    roles: String,
    documents: String,
}

#[derive(Template)]
#[template(path = "applications.html")]
struct InboxPage {
    c: Chrome,
    rows: Vec<Row>,
}

#[derive(Template)]
#[template(path = "workflow.html")]
struct WorkflowPage {
    c: Chrome,
    id: i64,
    title: String,
    facts: Vec<(String, String)>,
    steps: Vec<StepLine>,
    /// The current step's code and name, while an act is possible.
    current: Option<(&'static str, String)>,
    committee: bool,
    /// Signature slots of the current step (code, label), when it has several.
    capacities: Vec<(&'static str, String)>,
    /// Every document (code, label, required by the current step).
    documents: Vec<(&'static str, String, bool)>,
    /// Earlier steps to send the application back to.
    earlier: Vec<(&'static str, String)>,
    tally: Vec<(String, String)>,
    acts: Vec<Row>,
    collateral: Vec<Row>,
    exposure: Vec<(String, String)>,
    kinds: Vec<(&'static str, String)>,
    /// Collateral can still be recorded (before disbursement).
    can_secure: bool,
    form: FormData,
}

fn inbox_row(tr: Tr, i: &InboxItem) -> Row {
    let capacities: Vec<String> = i
        .capacities
        .iter()
        .map(|c| tr.t(&format!("origination.capacity.{}", c.name())))
        .collect();
    Row {
        id: i.loan_id,
        cells: vec![
            i.loan_id.to_string(),
            i.client_name.clone(),
            tr.money(i.amount),
            tr.t(&format!("origination.tier.{}", i.tier)),
            tr.t(&i.step.key()),
            capacities.join(", "),
        ],
    }
}

/// `GET /applications`: the applications waiting for the signed-in user.
pub(crate) async fn inbox(ctx: Ctx, State(state): State<UiState>) -> Response {
    let actor = match ctx.require_actor() {
        Ok(a) => a,
        Err(redirect) => return redirect.into_response(),
    };
    let page = PageRequest {
        after_id: 0,
        limit: credgrid_app::PAGE_LIMIT_MAX,
    };
    let outcome = blocking(&state, move |i| Ok((i.business_date()?, i.inbox(actor, page)?))).await;
    let (today, items) = match outcome {
        Ok(v) => v,
        Err(e) => return failure(&ctx, "applications", &e),
    };
    let page = InboxPage {
        c: ctx.chrome("applications", Some(today)),
        rows: items.items.iter().map(|i| inbox_row(ctx.tr, i)).collect(),
    };
    render(StatusCode::OK, &page)
}

/// `GET /loans/{id}/workflow`: an application's workflow page.
pub(crate) async fn show(ctx: Ctx, State(state): State<UiState>, Path(id): Path<i64>) -> Response {
    if let Err(redirect) = ctx.require_actor() {
        return redirect.into_response();
    }
    draw(&ctx, &state, id, FormData::default(), None).await
}

fn step_name(tr: Tr, code: &str) -> String {
    Step::parse(code).map_or_else(|| code.to_string(), |s| tr.t(&s.key()))
}

fn act_row(tr: Tr, a: &credgrid_app::ActView) -> Row {
    let decision = match a.decision.as_deref() {
        Some(d) => tr.t(&format!("ui.workflow.decision.{d}")),
        None => tr.t("ui.workflow.vote_closed"),
    };
    let capacity = a
        .capacity
        .as_deref()
        .map_or(String::new(), |c| tr.t(&format!("origination.capacity.{c}")));
    let coverage = match (&a.exposure, &a.coverage_ratio) {
        (Some(e), Some(r)) => format!("{} / {}", tr.money(e), r),
        _ => a.tally.clone().unwrap_or_default(),
    };
    Row {
        id: i64::from(a.seq),
        cells: vec![
            a.seq.to_string(),
            step_name(tr, &a.step),
            a.username.clone(),
            capacity,
            decision,
            a.reasons.join("; "),
            a.documents.join(", "),
            a.outcome.clone(),
            coverage,
            tr.date(a.business_date),
        ],
    }
}

fn collateral_row(tr: Tr, c: &credgrid_app::CollateralView) -> Row {
    Row {
        id: c.id,
        cells: vec![
            tr.t(&format!("ui.workflow.kind.{}", c.kind)),
            tr.money(c.value),
            tr.percent(c.haircut),
            tr.money(c.counted_value),
            c.guarantor_client_id.map_or(String::new(), |g| g.to_string()),
            c.description.clone(),
        ],
    }
}

fn exposure_facts(tr: Tr, w: &WorkflowView) -> Vec<(String, String)> {
    let e = &w.exposure;
    let mut facts = vec![
        (
            tr.t("ui.workflow.loans_outstanding"),
            tr.money(e.loans_outstanding),
        ),
        (tr.t("ui.workflow.undrawn_lines"), tr.money(e.undrawn_lines)),
        (tr.t("ui.workflow.guarantees_given"), tr.money(e.guarantees_given)),
        (
            tr.t("ui.workflow.total_exposure"),
            tr.money(e.total_with_application),
        ),
        (
            tr.t("ui.workflow.counted_collateral"),
            tr.money(e.counted_collateral),
        ),
        (
            tr.t("ui.workflow.coverage"),
            e.coverage_ratio.map_or("—".into(), |r| tr.percent(r)),
        ),
    ];
    if let Some(line) = e.line_available {
        facts.push((tr.t("ui.workflow.line_available"), tr.money(line)));
    }
    let check = match &e.breach {
        None => tr.t("ui.workflow.limits_pass"),
        Some((code, _)) => format!("{} ({code})", tr.t(&format!("refusal.{code}"))),
    };
    facts.push((tr.t("ui.workflow.limit_check"), check));
    facts
}

fn step_lines(tr: Tr, w: &WorkflowView) -> Vec<StepLine> {
    w.steps
        .iter()
        .map(|s| {
            let roles: Vec<String> = s
                .slots
                .iter()
                .map(|(c, roles)| {
                    let names: Vec<String> = roles.iter().map(|r| tr.t(&r.key())).collect();
                    format!(
                        "{}: {}",
                        tr.t(&format!("origination.capacity.{}", c.name())),
                        names.join(" / ")
                    )
                })
                .collect();
            StepLine {
                name: tr.t(&s.step.key()),
                state: s.state,
                roles: roles.join("; "),
                documents: s.documents_required.join(", "),
            }
        })
        .collect()
}

fn page_of(ctx: &Ctx, today: chrono::NaiveDate, w: &WorkflowView, form: FormData) -> WorkflowPage {
    let tr = ctx.tr;
    let spec = w.current_step.and_then(|s| w.steps.iter().find(|x| x.step == s));
    let required: Vec<String> = spec.map(|s| s.documents_required.clone()).unwrap_or_default();
    let capacities = spec
        .filter(|s| s.slots.len() > 1)
        .map(|s| {
            s.slots
                .iter()
                .map(|(c, _)| (c.name(), tr.t(&format!("origination.capacity.{}", c.name()))))
                .collect()
        })
        .unwrap_or_default();
    let earlier = w
        .steps
        .iter()
        .take_while(|s| Some(s.step) != w.current_step)
        .map(|s| (s.step.name(), tr.t(&s.step.key())))
        .collect();
    let tally = w.committee.as_ref().map_or(Vec::new(), |c| {
        vec![
            (tr.t("ui.workflow.committee_size"), c.size.to_string()),
            (tr.t("ui.workflow.quorum"), c.quorum_required.to_string()),
            (tr.t("ui.workflow.decision.approve"), c.approve.to_string()),
            (tr.t("ui.workflow.decision.reject"), c.reject.to_string()),
            (tr.t("ui.workflow.decision.abstain"), c.abstain.to_string()),
        ]
    });
    let facts = vec![
        (
            tr.t("ui.workflow.tier"),
            format!(
                "{} ({})",
                tr.t(&format!("origination.tier.{}", w.tier)),
                w.tier_rule
            ),
        ),
        (tr.t("ui.workflow.amount"), tr.money(w.amount)),
        (
            tr.t("ui.workflow.loan_status"),
            tr.term("ui.status", &w.loan_status),
        ),
        (
            tr.t("ui.workflow.status"),
            tr.t(&format!("ui.workflow.state.{}", w.status)),
        ),
        (
            tr.t("ui.workflow.current_step"),
            w.current_step.map_or("—".into(), |s| tr.t(&s.key())),
        ),
    ];
    WorkflowPage {
        c: ctx.chrome("applications", Some(today)),
        id: w.loan_id,
        title: tr.ta("ui.workflow.title", &[("id", &w.loan_id.to_string())]),
        facts,
        steps: step_lines(tr, w),
        current: w.current_step.map(|s| (s.name(), tr.t(&s.key()))),
        committee: spec.is_some_and(|s| s.committee),
        capacities,
        documents: DOCUMENTS
            .iter()
            .map(|d| {
                (
                    *d,
                    tr.t(&format!("ui.workflow.document.{d}")),
                    required.iter().any(|r| r == d),
                )
            })
            .collect(),
        earlier,
        tally,
        acts: w.acts.iter().map(|a| act_row(tr, a)).collect(),
        collateral: w.collateral.iter().map(|c| collateral_row(tr, c)).collect(),
        exposure: exposure_facts(tr, w),
        kinds: CollateralKind::ALL
            .iter()
            .filter(|k| **k != CollateralKind::None)
            .map(|k| (k.name(), tr.t(&format!("ui.workflow.kind.{}", k.name()))))
            .collect(),
        can_secure: w.loan_status == "application" || w.loan_status == "approved",
        form,
    }
}

async fn draw(ctx: &Ctx, state: &UiState, id: i64, form: FormData, notice: Option<Notice>) -> Response {
    let actor = match ctx.require_actor() {
        Ok(a) => a,
        Err(redirect) => return redirect.into_response(),
    };
    let status = if notice.as_ref().is_some_and(Notice::is_error) {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    let outcome = blocking(state, move |i| Ok((i.business_date()?, i.workflow(actor, id)?))).await;
    match outcome {
        Ok((today, w)) => {
            let mut page = page_of(ctx, today, &w, form);
            page.c = page.c.with_notice(notice);
            render(status, &page)
        }
        Err(e) => failure(ctx, "applications", &e),
    }
}

/// The values of a repeated field (`documents=a&documents=b`); document
/// codes are plain ASCII, so no decoding is needed beyond the form's own.
fn all_values(body: &str, name: &str) -> Vec<String> {
    body.split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .filter(|v| DOCUMENTS.contains(&v.as_str()))
        .collect()
}

fn reasons(form: &FormData) -> Vec<String> {
    form.opt_text("reasons")
        .map(|t| t.lines().map(str::to_string).collect())
        .unwrap_or_default()
}

fn parse_step(tr: Tr, form: &FormData, name: &str) -> Result<Step, AppError> {
    let text = form.text(tr, name)?;
    Step::parse(&text).ok_or_else(|| AppError::invalid(name, tr.t("ui.workflow.unknown_step")))
}

fn perform(
    i: &Institution,
    tr: Tr,
    actor: credgrid_app::Actor,
    id: i64,
    action: &str,
    form: &FormData,
    documents: Vec<String>,
) -> Result<(), AppError> {
    match action {
        "step" => {
            let decision = match form.v("decision") {
                "reject" => StepDecision::Reject,
                _ => StepDecision::Approve,
            };
            let act = StepAct {
                step: parse_step(tr, form, "step")?,
                capacity: form.opt_text("capacity").as_deref().and_then(Capacity::parse),
                decision,
                reasons: reasons(form),
                documents,
            };
            i.act_on_step(actor, id, act).map(drop)
        }
        "send-back" => {
            let (from, to) = (parse_step(tr, form, "step")?, parse_step(tr, form, "to")?);
            i.send_back(actor, id, from, to, form.text(tr, "reason")?)
                .map(drop)
        }
        "vote" => {
            let choice = VoteDecision::parse(form.v("choice")).unwrap_or(VoteDecision::Abstain);
            i.vote(actor, id, choice, reasons(form), documents).map(drop)
        }
        "close-vote" => i.close_vote(actor, id).map(drop),
        _ => {
            let currency = i.loan_currency(id)?;
            let new = NewCollateral {
                kind: form.text(tr, "kind")?,
                value: form.amount(tr, "value", currency)?,
                haircut: form.opt_percent(tr, "haircut")?,
                guarantor_client_id: match form.opt_text("guarantor_client_id") {
                    Some(_) => Some(form.id(tr, "guarantor_client_id")?),
                    None => None,
                },
                description: form.text(tr, "description")?,
            };
            i.record_collateral(actor, id, new).map(drop)
        }
    }
}

/// Splits a refusal's detail into its sentence and the named values the
/// app appends in brackets (`… [step=application | roles=teller]`).
fn refusal_args(detail: &str) -> (&str, Vec<(&str, &str)>) {
    let Some((sentence, rest)) = detail.rsplit_once(" [") else {
        return (detail, Vec::new());
    };
    let Some(inner) = rest.strip_suffix(']') else {
        return (detail, Vec::new());
    };
    let args = inner
        .split(" | ")
        .filter_map(|pair| pair.split_once('='))
        .collect();
    (sentence, args)
}

/// The notice of a refused act: the rule's translated text with its values,
/// and the rule's code named.
fn refusal(tr: Tr, error: &AppError) -> Notice {
    let mut notice = Notice::of_error(tr, error);
    if let AppError::Refused { rule, detail } = error {
        let (sentence, args) = refusal_args(detail);
        let key = format!("refusal.{rule}");
        let title = tr.ta(&key, &args);
        if title != key {
            notice.title = title;
        }
        notice.detail = tr.ta("ui.workflow.rule_named", &[("rule", rule), ("detail", sentence)]);
    }
    notice
}

/// `POST /loans/{id}/workflow/{action}`: an act, a vote, a send-back or a
/// piece of collateral; back to the page (303), or the page again with the
/// refusal naming its rule.
pub(crate) async fn act(
    ctx: Ctx,
    State(state): State<UiState>,
    Path((id, action)): Path<(i64, String)>,
    body: String,
) -> Response {
    let actor = match ctx.require_actor() {
        Ok(a) => a,
        Err(redirect) => return redirect.into_response(),
    };
    let Some(action) = ACTIONS.iter().find(|a| **a == action).copied() else {
        let error = AppError::invalid("action", ctx.tr.t("ui.reason.unknown_action"));
        return failure(&ctx, "applications", &error);
    };
    let form = FormData::parse(&body);
    let documents = all_values(&body, "documents");
    let (tr, submitted) = (ctx.tr, form.clone());
    let outcome = blocking(&state, move |i| {
        perform(i, tr, actor, id, action, &submitted, documents)
    })
    .await;
    match outcome {
        Ok(()) => see_other(&format!("/loans/{id}/workflow")),
        Err(error) => {
            let notice = refusal(tr, &error);
            let mut form = form;
            form.add_error(notice.field.as_deref(), notice.detail.clone());
            draw(&ctx, &state, id, form, Some(notice)).await
        }
    }
}
