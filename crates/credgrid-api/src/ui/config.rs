//! Maker-checker configuration in the web application (issue 4 §7): the
//! pending changes with their line diff, approve and reject (with a reason)
//! for a second authorised user, the decided history, and a form to propose
//! a change starting from the configuration in force.

use super::locale::Tr;
use super::{Chrome, Ctx, Notice, UiState, blocking, render, see_other};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use credgrid_app::{AppError, ConfigChangeView, PageRequest};
use credgrid_core::Currency;

/// The kinds offered in the form, in the order shown.
const KINDS: [&str; 5] = ["tier_rules", "limits", "roles", "chart", "product"];
/// How many decided changes the history shows.
const HISTORY_LEN: u32 = 20;

/// One line of a diff, ready to draw.
pub(crate) struct DiffRow {
    /// `add`, `del` or `same` (a CSS class).
    class: &'static str,
    sign: &'static str,
    text: String,
}

/// A change, formatted.
pub(crate) struct ChangeRow {
    id: i64,
    kind: String,
    state: String,
    proposed_by: i64,
    proposed_at: String,
    note: String,
    checker: String,
    decision_reason: String,
    outcome: String,
    diff: Vec<DiffRow>,
}

#[derive(Template)]
#[template(path = "config.html")]
struct ConfigPage {
    c: Chrome,
    pending: Vec<ChangeRow>,
    history: Vec<ChangeRow>,
    /// The kinds for the form: (code, label, selected).
    kinds: Vec<(&'static str, String, bool)>,
    payload: String,
    note: String,
}

fn change_row(tr: Tr, c: &ConfigChangeView) -> ChangeRow {
    let diff = c
        .diff
        .iter()
        .map(|l| {
            let (class, sign) = match l.op {
                '+' => ("add", "+"),
                '-' => ("del", "−"),
                _ => ("same", " "),
            };
            DiffRow {
                class,
                sign,
                text: l.text.clone(),
            }
        })
        .collect();
    ChangeRow {
        id: c.id,
        kind: tr.t(&format!("ui.config.kind.{}", c.kind)),
        state: tr.t(&format!("ui.config.state.{}", c.state)),
        proposed_by: c.proposed_by,
        proposed_at: c.proposed_at.clone(),
        note: c.note.clone().unwrap_or_default(),
        checker: c.checker_id.map(|id| id.to_string()).unwrap_or_default(),
        decision_reason: c.decision_reason.clone().unwrap_or_default(),
        outcome: c.outcome.clone().unwrap_or_default(),
        diff,
    }
}

fn param<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// `GET /config?kind=`: pending changes, history, and the form (its text
/// starting from the configuration of `kind` in force).
pub(crate) async fn page(
    ctx: Ctx,
    State(state): State<UiState>,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    let wanted = param(&query, "kind");
    let kind = KINDS
        .iter()
        .find(|k| Some(**k) == wanted)
        .copied()
        .unwrap_or("tier_rules");
    let notice = param(&query, "done").and_then(|d| done_notice(ctx.tr, d));
    draw(&ctx, &state, kind, None, String::new(), notice, StatusCode::OK).await
}

fn done_notice(tr: Tr, done: &str) -> Option<Notice> {
    let known = ["proposed", "approved", "rejected"];
    let done = known.into_iter().find(|k| *k == done)?;
    Some(Notice {
        kind: "ok",
        title: tr.t(&format!("ui.config.done.{done}")),
        detail: String::new(),
        field: None,
    })
}

async fn draw(
    ctx: &Ctx,
    state: &UiState,
    kind: &'static str,
    payload: Option<String>,
    note: String,
    notice: Option<Notice>,
    status: StatusCode,
) -> Response {
    let actor = match ctx.require_actor() {
        Ok(actor) => actor,
        Err(redirect) => return redirect.into_response(),
    };
    let found = blocking(state, move |i| {
        let pending = i.config_changes(actor, Some("pending"), PageRequest::default())?;
        let mut decided = Vec::new();
        for state in ["approved", "rejected"] {
            let page = PageRequest {
                after_id: 0,
                limit: 200,
            };
            decided.extend(i.config_changes(actor, Some(state), page)?.items);
        }
        decided.sort_by_key(|c| std::cmp::Reverse(c.id));
        decided.truncate(HISTORY_LEN as usize);
        let current = match payload {
            Some(p) => p,
            None => i.config_in_force(actor, kind, Currency::CNY)?.payload,
        };
        Ok((i.business_date()?, pending.items, decided, current))
    })
    .await;
    let (date, pending, decided, payload) = match found {
        Ok(found) => found,
        Err(error) => return super::failure(ctx, "config", &error),
    };
    let tr = ctx.tr;
    let page = ConfigPage {
        c: ctx.chrome("config", Some(date)).with_notice(notice),
        pending: pending.iter().map(|c| change_row(tr, c)).collect(),
        history: decided.iter().map(|c| change_row(tr, c)).collect(),
        kinds: KINDS
            .iter()
            .map(|k| (*k, tr.t(&format!("ui.config.kind.{k}")), *k == kind))
            .collect(),
        payload,
        note,
    };
    render(status, &page)
}

/// `POST /config/changes`: proposes the change in the form.
pub(crate) async fn propose(ctx: Ctx, State(state): State<UiState>, body: String) -> Response {
    let actor = match ctx.require_actor() {
        Ok(actor) => actor,
        Err(redirect) => return redirect.into_response(),
    };
    let fields = decode_form(&body);
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let kind = KINDS
        .iter()
        .find(|k| **k == field("kind"))
        .copied()
        .unwrap_or("tier_rules");
    let (payload, note) = (field("payload"), field("note"));
    let (p, n) = (payload.clone(), note.clone());
    let outcome = blocking(&state, move |i| {
        let note = Some(n.as_str()).filter(|n| !n.trim().is_empty());
        i.propose_config(actor, kind, &p, note)
    })
    .await;
    match outcome {
        Ok(_) => see_other("/config?done=proposed"),
        Err(error) => {
            let notice = Notice::of_error(ctx.tr, &error);
            let status = super::notice::status_of(&error);
            draw(&ctx, &state, kind, Some(payload), note, Some(notice), status).await
        }
    }
}

/// `POST /config/changes/{id}/{approve|reject}`: the checker's decision.
pub(crate) async fn decide(
    ctx: Ctx,
    State(state): State<UiState>,
    Path((id, action)): Path<(String, String)>,
    body: String,
) -> Response {
    let actor = match ctx.require_actor() {
        Ok(actor) => actor,
        Err(redirect) => return redirect.into_response(),
    };
    let Ok(change_id) = id.parse::<i64>() else {
        return super::failure(&ctx, "config", &AppError::not_found("config_change", id));
    };
    let fields = decode_form(&body);
    let reason = fields
        .iter()
        .find(|(k, _)| k == "reason")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let outcome = match action.as_str() {
        "approve" => blocking(&state, move |i| i.approve_config(actor, change_id)).await,
        "reject" => blocking(&state, move |i| i.reject_config(actor, change_id, &reason)).await,
        _ => Err(AppError::invalid("action", ctx.tr.t("ui.reason.unknown_action"))),
    };
    match outcome {
        Ok(done) => see_other(&format!("/config?done={}", done.state)),
        Err(error) => {
            let notice = Notice::of_error(ctx.tr, &error);
            let status = super::notice::status_of(&error);
            draw(
                &ctx,
                &state,
                "tier_rules",
                None,
                String::new(),
                Some(notice),
                status,
            )
            .await
        }
    }
}

/// A urlencoded body, whole (a payload may be longer than the generic form
/// reader keeps); bad escapes are kept literally.
fn decode_form(body: &str) -> Vec<(String, String)> {
    body.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_body_decodes_whole_with_line_breaks_and_unicode() {
        let body =
            "kind=limits&payload=currency%3DCNY+digits%3D2%0D%0Arole%3Dapprover&note=%E8%91%A3%E4%BA%8B%ZZ";
        let fields = decode_form(body);
        assert_eq!(fields[0], ("kind".into(), "limits".into()));
        assert_eq!(fields[1].1, "currency=CNY digits=2\r\nrole=approver");
        assert_eq!(fields[2].1, "董事%ZZ");
    }
}
