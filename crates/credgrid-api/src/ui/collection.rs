//! Collections in the web application (issue 7): my worklist with every
//! score part, a loan's collection page (contacts, history, promises,
//! outbox, escalations, visits, warnings) with the action and contact forms
//! — a refused action names the conduct rule it breaks —, the outbox and
//! the results of the last thirty days.

use super::form::FormData;
use super::locale::Tr;
use super::{Chrome, Ctx, Notice, UiState, blocking, failure, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDateTime;
use credgrid_app::AppError;
use credgrid_app::collection::{BUCKET_LABELS, CollectionCase, NewAction, NewContact, WorklistItem};
use credgrid_core::Money;

/// A table row: an id to link and formatted cells.
pub(crate) struct Row {
    id: i64,
    cells: Vec<String>,
}

#[derive(Template)]
#[template(path = "collection_worklist.html")]
struct WorklistPage {
    c: Chrome,
    date: String,
    factors: Vec<String>,
    rows: Vec<Row>,
}

#[derive(Template)]
#[template(path = "collection_case.html")]
struct CasePage {
    c: Chrome,
    id: i64,
    title: String,
    facts: Vec<(String, String)>,
    parts: Vec<(String, String)>,
    contacts: Vec<Row>,
    actions: Vec<Row>,
    promises: Vec<Row>,
    outbox: Vec<Row>,
    escalations: Vec<Row>,
    visits: Vec<Row>,
    warnings: Vec<Row>,
    contact_choices: Vec<(i64, String)>,
    channels: Vec<(&'static str, String)>,
    outcomes: Vec<(&'static str, String)>,
    templates: Vec<(&'static str, String)>,
    relations: Vec<(&'static str, String)>,
    kinds: Vec<(&'static str, String)>,
    now: String,
    form: FormData,
}

#[derive(Template)]
#[template(path = "collection_outbox.html")]
struct OutboxPage {
    c: Chrome,
    rows: Vec<Row>,
}

#[derive(Template)]
#[template(path = "collection_results.html")]
struct ResultsPage {
    c: Chrome,
    period: String,
    facts: Vec<(String, String)>,
    buckets: Vec<String>,
    rolls: Vec<Row>,
    recoveries: Vec<Row>,
}

fn factor_names(tr: Tr) -> Vec<String> {
    credgrid_core::collection::priority::Factor::ALL
        .iter()
        .map(|f| tr.t(&f.key()))
        .collect()
}

fn worklist_row(tr: Tr, i: &WorklistItem) -> Row {
    let mut cells = vec![
        i.rank.to_string(),
        i.client_name.clone(),
        i.days_past_due.to_string(),
        tr.money(i.amount_overdue),
        i.priority.to_string(),
    ];
    cells.extend(i.parts.iter().map(|(_, p)| p.to_string()));
    cells.push(tr.t(&i.next_channel.key()));
    cells.push(tr.t(&i.segment.key()));
    Row { id: i.loan_id, cells }
}

/// `GET /collection`: the signed-in user's worklist.
pub(crate) async fn worklist(ctx: Ctx, State(state): State<UiState>) -> Response {
    let actor = match ctx.require_actor() {
        Ok(a) => a,
        Err(redirect) => return redirect.into_response(),
    };
    let outcome = blocking(&state, move |i| {
        Ok((i.business_date()?, i.worklist(actor, None, 0, 200)?))
    })
    .await;
    let (today, view) = match outcome {
        Ok(v) => v,
        Err(e) => return failure(&ctx, "collection", &e),
    };
    let page = WorklistPage {
        c: ctx.chrome("collection", Some(today)),
        date: view.business_date.map_or("—".into(), |d| ctx.tr.date(d)),
        factors: factor_names(ctx.tr),
        rows: view.items.iter().map(|i| worklist_row(ctx.tr, i)).collect(),
    };
    render(StatusCode::OK, &page)
}

fn code_choices(tr: Tr, prefix: &str, codes: &[&'static str]) -> Vec<(&'static str, String)> {
    codes
        .iter()
        .map(|c| (*c, tr.t(&format!("{prefix}.{c}"))))
        .collect()
}

fn case_rows(tr: Tr, c: &CollectionCase) -> (Vec<Row>, Vec<Row>, Vec<Row>, Vec<Row>) {
    let contacts = c
        .contacts
        .iter()
        .map(|v| {
            let x = &v.contact;
            Row {
                id: x.id,
                cells: vec![
                    x.id.to_string(),
                    tr.term("collection.relation", &x.relation),
                    tr.term("collection.contact_kind", &x.kind),
                    x.holder_name.clone(),
                    x.value.clone(),
                    format!("{} · {}", x.given_by, x.given_at.format("%Y-%m-%d %H:%M")),
                    tr.t(if v.active {
                        "ui.collection.active"
                    } else {
                        "ui.collection.corrected"
                    }),
                ],
            }
        })
        .collect();
    let actions = c
        .actions
        .iter()
        .map(|a| Row {
            id: a.id,
            cells: vec![
                a.at_local.format("%Y-%m-%d %H:%M").to_string(),
                tr.term("collection.channel", &a.channel),
                a.contact_id.map_or("—".into(), |x| x.to_string()),
                tr.term("collection.outcome", &a.outcome),
                a.person_id.to_string(),
                a.notes.clone(),
                a.override_id.map_or(String::new(), |o| {
                    tr.ta("ui.collection.override_used", &[("id", &o.to_string())])
                }),
            ],
        })
        .collect();
    let promises = c
        .promises
        .iter()
        .map(|p| Row {
            id: p.id,
            cells: vec![
                tr.money(Money::from_minor(p.amount_minor, c.currency)),
                tr.date(p.made_on),
                tr.date(p.due_on),
                tr.term("collection.promise", &p.status),
                tr.money(Money::from_minor(p.paid_minor, c.currency)),
            ],
        })
        .collect();
    let outbox = c
        .outbox
        .iter()
        .map(|m| Row {
            id: m.id,
            cells: vec![
                tr.term("collection.channel", &m.channel),
                m.recipient.clone(),
                m.locale.clone(),
                m.body.clone(),
                tr.term("ui.collection.status", &m.status),
            ],
        })
        .collect();
    (contacts, actions, promises, outbox)
}

fn case_page(
    ctx: &Ctx,
    today: chrono::NaiveDate,
    c: &CollectionCase,
    form: FormData,
    notice: Option<Notice>,
) -> CasePage {
    let tr = ctx.tr;
    let (contacts, actions, promises, outbox) = case_rows(tr, c);
    let mut facts = vec![
        (tr.t("ui.collection.client"), c.client_name.clone()),
        (
            tr.t("collection.factor.days_past_due"),
            c.days_past_due.to_string(),
        ),
        (
            tr.t("collection.factor.amount_overdue"),
            tr.money(c.amount_overdue),
        ),
        (
            tr.t("ui.collection.outstanding"),
            tr.money(c.principal_outstanding),
        ),
    ];
    if let Some(w) = &c.worklist {
        facts.push((tr.t("ui.collection.priority"), w.priority.to_string()));
        facts.push((tr.t("ui.collection.segment"), tr.t(&w.segment.key())));
    }
    facts.push((tr.t("ui.collection.proposal"), decision_text(tr, &c.decision)));
    let parts = c
        .worklist
        .as_ref()
        .map(|w| {
            w.parts
                .iter()
                .map(|(f, p)| (tr.t(&f.key()), p.to_string()))
                .collect()
        })
        .unwrap_or_default();
    CasePage {
        c: ctx.chrome("collection", Some(today)).with_notice(notice),
        id: c.loan_id,
        title: tr.ta("ui.collection.case_title", &[("id", &c.loan_id.to_string())]),
        facts,
        parts,
        contacts,
        actions,
        promises,
        outbox,
        escalations: c
            .escalations
            .iter()
            .map(|e| Row {
                id: e.id,
                cells: vec![
                    tr.date(e.business_date),
                    tr.term("ui.collection.escalation", &e.kind),
                    tr.term("collection.channel", &e.channel),
                    e.days_past_due.to_string(),
                ],
            })
            .collect(),
        visits: c
            .visits
            .iter()
            .map(|v| Row {
                id: v.id,
                cells: vec![
                    tr.date(v.due_on),
                    tr.term("ui.collection.visit", &v.reason),
                    v.warnings.clone(),
                    tr.term("ui.collection.status", &v.status),
                ],
            })
            .collect(),
        warnings: c
            .warnings
            .iter()
            .map(|w| Row {
                id: w.id,
                cells: vec![
                    tr.date(w.business_date),
                    tr.term("collection.warning", &w.kind),
                    w.note.clone(),
                ],
            })
            .collect(),
        contact_choices: c
            .contacts
            .iter()
            .filter(|v| v.active)
            .map(|v| {
                (
                    v.contact.id,
                    format!(
                        "{} — {}",
                        tr.term("collection.relation", &v.contact.relation),
                        v.contact.value
                    ),
                )
            })
            .collect(),
        channels: code_choices(
            tr,
            "collection.channel",
            &["phone", "sms", "letter", "visit", "third_party"],
        ),
        outcomes: code_choices(
            tr,
            "collection.outcome",
            &[
                "reached",
                "no_answer",
                "wrong_contact",
                "refused",
                "promised",
                "sent",
            ],
        ),
        templates: c
            .templates
            .iter()
            .map(|(id, ch)| (*id, format!("{id} ({})", tr.t(&ch.key()))))
            .collect(),
        relations: code_choices(
            tr,
            "collection.relation",
            &[
                "borrower",
                "spouse",
                "relative",
                "guarantor",
                "group_member",
                "employer",
                "neighbour",
                "village_cadre",
            ],
        ),
        kinds: code_choices(
            tr,
            "collection.contact_kind",
            &["mobile", "landline", "home_address", "work_address"],
        ),
        now: chrono::Local::now()
            .naive_local()
            .format("%Y-%m-%dT%H:%M")
            .to_string(),
        form,
    }
}

fn decision_text(tr: Tr, d: &credgrid_core::collection::strategy::Decision) -> String {
    use credgrid_core::collection::strategy::Decision;
    match d {
        Decision::Remind { channel } => tr.ta(
            "ui.collection.decision.remind",
            &[("channel", &tr.t(&channel.key()))],
        ),
        Decision::Escalate { channel } => tr.ta(
            "ui.collection.decision.escalate",
            &[("channel", &tr.t(&channel.key()))],
        ),
        Decision::HandOver { channel } => tr.ta(
            "ui.collection.decision.hand_over",
            &[("channel", &tr.t(&channel.key()))],
        ),
        Decision::OfferRestructuring(o) => tr.ta(
            "ui.collection.decision.restructure",
            &[("amount", &tr.money(o.affordable_installment))],
        ),
    }
}

async fn draw_case(ctx: &Ctx, state: &UiState, id: i64, form: FormData, notice: Option<Notice>) -> Response {
    let Some(actor) = ctx.actor else {
        return axum::response::Redirect::to("/login").into_response();
    };
    let status = match &notice {
        Some(n) if n.is_error() => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    };
    match blocking(state, move |i| {
        Ok((i.business_date()?, i.collection_case(actor, id)?))
    })
    .await
    {
        Ok((today, case)) => render(status, &case_page(ctx, today, &case, form, notice)),
        Err(e) => failure(ctx, "collection", &e),
    }
}

/// `GET /collection/loans/{id}`.
pub(crate) async fn case(ctx: Ctx, State(state): State<UiState>, Path(id): Path<i64>) -> Response {
    if let Err(redirect) = ctx.require_actor() {
        return redirect.into_response();
    }
    draw_case(&ctx, &state, id, FormData::default(), None).await
}

/// The notice of a refused action, titled by the conduct rule it breaks.
fn refusal(tr: Tr, error: &AppError) -> Notice {
    let mut notice = Notice::of_error(tr, error);
    if let AppError::Refused { rule, .. } = error {
        let key = format!("ui.collection.rule.{rule}");
        let text = tr.t(&key);
        if text != key {
            notice.title = text;
        }
    }
    notice
}

fn action_from(form: &FormData, tr: Tr, id: i64) -> Result<NewAction, AppError> {
    let at = form.text(tr, "at")?;
    let at_local = NaiveDateTime::parse_from_str(at.trim(), "%Y-%m-%dT%H:%M")
        .map_err(|_| AppError::invalid("at", tr.t("ui.collection.bad_time")))?;
    let contact_id = match form.opt_text("contact_id") {
        Some(_) => Some(form.id(tr, "contact_id")?),
        None => None,
    };
    Ok(NewAction {
        loan_id: id,
        channel: form.text(tr, "channel")?,
        at_local,
        contact_id,
        outcome: form.text(tr, "outcome")?,
        notes: form.opt_text("notes").unwrap_or_default(),
        template: form.opt_text("template"),
        free_text: form.opt_text("free_text"),
        promise_amount: form.opt_text("promise_amount"),
        promise_date: form.opt_date(tr, "promise_date")?,
        new_contacts: vec![],
        override_id: match form.opt_text("override_id") {
            Some(_) => Some(form.id(tr, "override_id")?),
            None => None,
        },
        locale: Some(tr.tag().to_string()),
    })
}

/// `POST /collection/loans/{id}/actions`: records an action; a refusal
/// redraws the page with the rule named and the form kept.
pub(crate) async fn record_action(
    ctx: Ctx,
    State(state): State<UiState>,
    Path(id): Path<i64>,
    body: String,
) -> Response {
    let actor = match ctx.require_actor() {
        Ok(a) => a,
        Err(redirect) => return redirect.into_response(),
    };
    let form = FormData::parse(&body);
    let (tr, submitted) = (ctx.tr, form.clone());
    let outcome = blocking(&state, move |i| {
        let action = action_from(&submitted, tr, id)?;
        i.record_collection_action(actor, action)
    })
    .await;
    match outcome {
        Ok(_) => {
            let notice = Notice {
                kind: "ok",
                title: ctx.tr.t("ui.collection.recorded"),
                detail: String::new(),
                field: None,
            };
            draw_case(&ctx, &state, id, FormData::default(), Some(notice)).await
        }
        Err(error) => {
            let mut form = form;
            let notice = refusal(ctx.tr, &error);
            form.add_error(notice.field.as_deref(), notice.detail.clone());
            draw_case(&ctx, &state, id, form, Some(notice)).await
        }
    }
}

/// `POST /collection/loans/{id}/contacts`: registers a contact of the debtor.
pub(crate) async fn add_contact(
    ctx: Ctx,
    State(state): State<UiState>,
    Path(id): Path<i64>,
    body: String,
) -> Response {
    let actor = match ctx.require_actor() {
        Ok(a) => a,
        Err(redirect) => return redirect.into_response(),
    };
    let form = FormData::parse(&body);
    let (tr, submitted) = (ctx.tr, form.clone());
    let outcome = blocking(&state, move |i| {
        let contact = NewContact {
            kind: submitted.text(tr, "kind")?,
            relation: submitted.text(tr, "relation")?,
            holder_name: submitted.text(tr, "holder_name")?,
            value: submitted.text(tr, "value")?,
            given_by: submitted.text(tr, "given_by")?,
            given_at: None,
            corrects: None,
        };
        i.add_collection_contact(actor, id, contact)
    })
    .await;
    match outcome {
        Ok(_) => {
            let notice = Notice {
                kind: "ok",
                title: ctx.tr.t("ui.collection.contact_added"),
                detail: String::new(),
                field: None,
            };
            draw_case(&ctx, &state, id, FormData::default(), Some(notice)).await
        }
        Err(error) => {
            let mut form = form;
            let notice = refusal(ctx.tr, &error);
            form.add_error(notice.field.as_deref(), notice.detail.clone());
            draw_case(&ctx, &state, id, form, Some(notice)).await
        }
    }
}

/// `GET /collection/outbox`: written messages and their delivery status.
pub(crate) async fn outbox(ctx: Ctx, State(state): State<UiState>) -> Response {
    let actor = match ctx.require_actor() {
        Ok(a) => a,
        Err(redirect) => return redirect.into_response(),
    };
    let outcome = blocking(&state, move |i| {
        Ok((i.business_date()?, i.collection_outbox(actor, None, 0, 200)?))
    })
    .await;
    let (today, rows) = match outcome {
        Ok(v) => v,
        Err(e) => return failure(&ctx, "collection", &e),
    };
    let tr = ctx.tr;
    let page = OutboxPage {
        c: ctx.chrome("collection", Some(today)),
        rows: rows
            .iter()
            .map(|m| Row {
                id: m.loan_id,
                cells: vec![
                    m.loan_id.to_string(),
                    tr.term("collection.channel", &m.channel),
                    m.recipient.clone(),
                    m.body.clone(),
                    tr.term("ui.collection.status", &m.status),
                    m.attempts.to_string(),
                ],
            })
            .collect(),
    };
    render(StatusCode::OK, &page)
}

fn rate(tr: Tr, r: &credgrid_core::collection::results::Ratio) -> String {
    match r.rate {
        Some(rate) => format!("{} ({}/{})", tr.percent(rate), r.numerator, r.denominator),
        None => "—".into(),
    }
}

/// `GET /collection/results`: the last thirty closed days.
pub(crate) async fn results(ctx: Ctx, State(state): State<UiState>) -> Response {
    let actor = match ctx.require_actor() {
        Ok(a) => a,
        Err(redirect) => return redirect.into_response(),
    };
    let outcome = blocking(&state, move |i| {
        let today = i.business_date()?;
        let to = today.pred_opt().unwrap_or(today);
        let from = to - chrono::Days::new(30);
        Ok((today, i.collection_results(actor, from, to)?))
    })
    .await;
    let (today, r) = match outcome {
        Ok(v) => v,
        Err(e) => return failure(&ctx, "collection", &e),
    };
    let tr = ctx.tr;
    let rolls = &r.roll_rates;
    let page = ResultsPage {
        c: ctx.chrome("collection", Some(today)),
        period: format!("{} – {}", tr.date(r.from), tr.date(r.to)),
        facts: vec![
            (tr.t("ui.collection.cure_rate"), rate(tr, &r.cure_rate)),
            (tr.t("ui.collection.promises_kept"), rate(tr, &r.promises_kept)),
        ],
        buckets: BUCKET_LABELS.iter().map(|b| b.to_string()).collect(),
        rolls: (0..rolls.buckets())
            .map(|from| {
                let mut cells = vec![
                    BUCKET_LABELS[from].to_string(),
                    rolls.from_total(from).to_string(),
                ];
                cells.extend((0..rolls.buckets()).map(|to| rolls.count(from, Some(to)).to_string()));
                cells.push(rolls.count(from, None).to_string());
                Row {
                    id: from as i64,
                    cells,
                }
            })
            .collect(),
        recoveries: r
            .recoveries
            .iter()
            .flat_map(|c| {
                let t = &c.totals;
                let mut rows = vec![Row {
                    id: 0,
                    cells: vec![tr.t("ui.collection.total"), tr.money(t.total)],
                }];
                rows.extend(t.by_channel.iter().map(|(k, v)| Row {
                    id: 0,
                    cells: vec![tr.t(&k.key()), tr.money(*v)],
                }));
                rows.extend(t.by_segment.iter().map(|(k, v)| Row {
                    id: 0,
                    cells: vec![tr.t(&k.key()), tr.money(*v)],
                }));
                rows.extend(t.by_collector.iter().map(|(k, v)| Row {
                    id: 0,
                    cells: vec![
                        tr.ta("ui.collection.collector", &[("id", &k.to_string())]),
                        tr.money(*v),
                    ],
                }));
                rows
            })
            .collect(),
    };
    render(StatusCode::OK, &page)
}
