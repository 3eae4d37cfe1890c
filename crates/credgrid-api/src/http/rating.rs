//! Ratings, village notices, objections and revolving credit lines over HTTP
//! (issue 6, R-RATE-1..3, R-LINE-1..2). A refusal by a rule (the rater
//! resolving their own objection, a draw over the available amount) is a
//! 409 problem naming the rule.

use super::error::ApiError;
use super::extract::{ActingUser, Body, Ids, Query};
use super::fields::{Fields, TEXT_LEN_MAX, Zero};
use super::pagination::page_request;
use super::{AppState, Routes, app, blocking, created, ok};
use crate::dto;
use axum::extract::State;
use axum::response::Response;
use credgrid_app::credit_line::{DrawRequest, LineAct, LineView, OpenLine};
use credgrid_app::rating::{NoticeView, RateRequest, RatingView, ResolutionRequest};
use credgrid_app::rating_config::{RatingConfig, direction_name};
use credgrid_core::collateral::CollateralKind;
use credgrid_core::credit_line::Security;
use credgrid_core::i18n::{Locale, t};
use credgrid_core::rating::{Factor, Grade, NoticeStatus};
use credgrid_core::{Currency, Money};
use serde_json::{Value, json};

pub(super) fn routes(routes: Routes) -> Routes {
    routes
        .get("/rating/config", config)
        .post("/ratings", rate)
        .get("/ratings", list_ratings)
        .get("/ratings/{id}", rating)
        .post("/rating/notices", publish)
        .get("/rating/notices", list_notices)
        .get("/rating/notices/{id}", notice)
        .post("/rating/notices/{id}/objections", object)
        .post("/rating/objections/{id}/resolution", resolve)
        .post("/credit-lines", open_line)
        .get("/credit-lines", list_lines)
        .get("/credit-lines/{id}", line)
        .post("/credit-lines/{id}/acts", act)
        .post("/credit-lines/{id}/draws", draw)
}

pub(crate) const GRADES: &[&str] = &["excellent", "good", "general", "below_general"];
pub(crate) const RATING_STATUSES: &[&str] = &["draft", "in_notice", "effective", "withdrawn", "superseded"];
pub(crate) const REASONS: &[&str] = &["initial", "schedule", "default", "file_changed", "request"];
pub(crate) const RESOLUTIONS: &[&str] = &["kept", "changed", "withdrawn"];
pub(crate) const LINE_ACTS: &[&str] = &["freeze", "unfreeze", "cut", "cancel"];
pub(crate) const LOCALES: &[&str] = &["en", "es", "zh"];
/// The factors a request may give (the others are measured).
pub(crate) const GIVEN_FACTORS: [Factor; 5] = [
    Factor::IncomeStability,
    Factor::DebtToAssets,
    Factor::FamilySituation,
    Factor::VillageReputation,
    Factor::FileCompleteness,
];

fn money_json(m: Money) -> Value {
    json!(m.to_major_string())
}

fn opt_money(m: Option<Money>) -> Value {
    m.map_or(Value::Null, money_json)
}

fn grade_of(name: &str) -> Grade {
    credgrid_app::rating_config::parse_grade(name).unwrap_or(Grade::BelowGeneral)
}

pub(crate) fn locale_of(code: Option<&str>) -> Locale {
    match code {
        Some("es") => Locale::Es,
        Some("zh") => Locale::Zh,
        _ => Locale::En,
    }
}

fn config_json(c: &RatingConfig) -> Value {
    let factors: Vec<Value> = c
        .scorecard
        .factors()
        .iter()
        .map(|f| {
            json!({
                "factor": f.factor.name(),
                "weight_percent": f.weight_percent,
                "direction": direction_name(f.direction),
                "bins": f.bins.iter().map(|b| json!({"range": b.range_text(), "points": b.points})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let grades: Vec<Value> = c
        .scorecard
        .grades()
        .iter()
        .map(|g| {
            json!({
                "grade": g.grade.name(),
                "min_points": credgrid_core::rating::scorecard::format_centipoints(g.min_centipoints),
                "line_min": opt_money(g.line.map(|l| l.0)),
                "line_max": opt_money(g.line.map(|l| l.1)),
            })
        })
        .collect();
    let tiers: Vec<Value> = c
        .tiers
        .tiers()
        .iter()
        .map(|t| {
            json!({
                "tier": t.kind.name(),
                "min": money_json(t.min),
                "max": money_json(t.max),
                "validity_months": t.validity_months,
                "accepted_security": t.accepted_security.iter().map(|k| k.name()).collect::<Vec<_>>(),
                "maximum_amount_contract": t.maximum_amount_contract,
            })
        })
        .collect();
    json!({
        "id": c.id,
        "currency": c.currency.code(),
        "factors": factors,
        "grades": grades,
        "tiers": tiers,
        "notice_days": c.notice_days,
        "rerating_months": c.rerating.interval_months,
        "rerate_on_file_change": c.rerating.on_file_change,
    })
}

pub(crate) fn rating_json(r: &RatingView, locale: Locale) -> Value {
    let explanations = r.explanations(locale);
    let contributions: Vec<Value> = r
        .contributions
        .iter()
        .zip(explanations)
        .map(|(c, text)| {
            json!({
                "factor": c.factor.name(),
                "value": c.value,
                "bin": c.bin.range_text(),
                "points": c.points,
                "weight_percent": c.weight_percent,
                "weighted_points": credgrid_core::rating::scorecard::format_centipoints(c.weighted_centipoints),
                "explanation": text,
            })
        })
        .collect();
    json!({
        "id": r.id,
        "client_id": r.client_id,
        "client_name": r.client_name,
        "household_id": r.household_id,
        "outlet_id": r.outlet_id,
        "village": r.village,
        "rated_on": r.rated_on.to_string(),
        "rated_by": r.rated_by,
        "reason": r.reason,
        "grade": r.grade.name(),
        "grade_label": t(locale, &r.grade.key(), &[]),
        "total_points": r.total_points(),
        "line": opt_money(r.line),
        "currency": r.line.or(r.grade_line.map(|l| l.0)).map(|m| m.currency().code().to_string()),
        "grade_line_min": opt_money(r.grade_line.map(|l| l.0)),
        "grade_line_max": opt_money(r.grade_line.map(|l| l.1)),
        "notice_id": r.notice_id,
        "status": r.status,
        "effective_on": r.effective_on.map(|d| d.to_string()),
        "contributions": contributions,
    })
}

pub(crate) fn standing_name(s: &NoticeStatus) -> &'static str {
    match s {
        NoticeStatus::NotPublished => "not_published",
        NoticeStatus::InNotice { .. } => "in_notice",
        NoticeStatus::AwaitingResolution { .. } => "awaiting_resolution",
        NoticeStatus::Effective { .. } => "effective",
        NoticeStatus::Withdrawn { .. } => "withdrawn",
    }
}

fn notice_json(n: &NoticeView) -> Value {
    let entries: Vec<Value> = n
        .entries
        .iter()
        .map(|e| {
            json!({
                "rating_id": e.rating_id,
                "client_id": e.client_id,
                "client_name": e.client_name,
                "grade": e.grade.name(),
                "total_points": credgrid_core::rating::scorecard::format_centipoints(e.total_centipoints),
                "line": opt_money(e.line),
                "rated_by": e.rated_by,
                "standing": standing_name(&e.standing),
            })
        })
        .collect();
    let objections: Vec<Value> = n
        .objections
        .iter()
        .map(|o| {
            json!({
                "id": o.id,
                "rating_id": o.rating_id,
                "raised_on": o.raised_on.to_string(),
                "raised_by": o.raised_by,
                "reason": o.reason,
                "recorded_by": o.recorded_by,
                "resolution": o.resolution,
                "resolved_grade": o.resolved_grade.map(|g| g.name()),
                "resolved_line": opt_money(o.resolved_line),
                "resolved_by": o.resolved_by,
                "resolved_on": o.resolved_on.map(|d| d.to_string()),
                "resolution_reason": o.resolution_reason,
            })
        })
        .collect();
    json!({
        "id": n.id,
        "outlet_id": n.outlet_id,
        "outlet_name": n.outlet_name,
        "village": n.village,
        "published_on": n.published_on.to_string(),
        "notice_days": n.notice_days,
        "period_last": n.period_last.to_string(),
        "takes_effect_on": n.takes_effect_on.to_string(),
        "published_by": n.published_by,
        "status": n.status,
        "as_of": n.as_of.to_string(),
        "entries": entries,
        "objections": objections,
    })
}

fn line_json(l: &LineView) -> Value {
    json!({
        "id": l.id,
        "client_id": l.client_id,
        "client_name": l.client_name,
        "outlet_id": l.outlet_id,
        "rating_id": l.rating_id,
        "tier": l.tier.name(),
        "currency": l.limit.currency().code(),
        "limit": money_json(l.limit),
        "opened_limit": money_json(l.opened_limit),
        "drawn": money_json(l.drawn),
        "available": money_json(l.available),
        "valid_from": l.valid_from.to_string(),
        "valid_until": l.valid_until.to_string(),
        "state": l.state,
        "state_on": l.state_on.map(|d| d.to_string()),
        "state_reason": l.state_reason,
        "security": l.security.iter().map(|s| json!({"kind": s.kind.name(), "maximum_amount_contract": s.under_maximum_amount_contract})).collect::<Vec<_>>(),
        "as_of": l.as_of.to_string(),
        "events": l.events.iter().map(|e| json!({
            "id": e.id, "on": e.on.to_string(), "kind": e.kind, "amount": opt_money(e.amount),
            "loan_id": e.loan_id, "reason": e.reason, "user_id": e.user_id, "drawn_after": money_json(e.drawn_after),
        })).collect::<Vec<_>>(),
        "draws": l.draws.iter().map(|d| json!({
            "loan_id": d.loan_id, "loan_status": d.loan_status, "principal": money_json(d.principal), "held": money_json(d.held),
        })).collect::<Vec<_>>(),
    })
}

fn page_json<T>(items: &[T], next: Option<i64>, f: impl Fn(&T) -> Value) -> Value {
    json!({"items": items.iter().map(f).collect::<Vec<_>>(), "next_after_id": next})
}

async fn currency(state: &AppState, actor: credgrid_app::Actor) -> Result<Currency, ApiError> {
    blocking(state, move |i| app(i.line_currency(actor))).await
}

async fn config(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    Query(q): Query,
) -> Result<Response, ApiError> {
    q.finish()?;
    let c = blocking(&state, move |i| app(i.rating_config(actor))).await?;
    Ok(ok(config_json(&c)))
}

fn given_inputs(f: &mut Fields) -> Result<Vec<(Factor, i64)>, ApiError> {
    let mut inputs = Vec::new();
    for factor in GIVEN_FACTORS {
        if let Some(value) = f.opt_int(factor.name(), 0, 1_000_000)? {
            inputs.push((factor, value));
        }
    }
    Ok(inputs)
}

async fn rate(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    body: Body,
) -> Result<Response, ApiError> {
    let cur = currency(&state, actor).await?;
    let mut f = body.fields;
    let client_id = f.req_id("client_id")?;
    let village = f.opt_str("village", 120)?;
    let inputs = given_inputs(&mut f)?;
    let line = f
        .opt_amount("line", Zero::Allowed)?
        .map(|a| a.money(cur))
        .transpose()?;
    let reason = f.opt_enum("reason", REASONS)?;
    let locale = locale_of(f.opt_enum("locale", LOCALES)?.as_deref());
    f.finish()?;
    let request = RateRequest {
        client_id,
        village,
        inputs,
        line,
        reason,
    };
    let rating = blocking(&state, move |i| app(i.rate(actor, request))).await?;
    Ok(created(
        format!("{}/ratings/{}", super::PREFIX, rating.id),
        rating_json(&rating, locale),
    ))
}

async fn list_ratings(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    Query(mut q): Query,
) -> Result<Response, ApiError> {
    let page = page_request(&mut q)?;
    let status = q.opt_text("status", 20)?;
    if let Some(s) = &status
        && !RATING_STATUSES.contains(&s.as_str())
    {
        return Err(ApiError::invalid(
            "status",
            format!("must be one of {}", RATING_STATUSES.join(", ")),
        ));
    }
    let locale = locale_of(q.opt_text("locale", 2)?.as_deref());
    q.finish()?;
    let found = blocking(&state, move |i| app(i.ratings(actor, page, status))).await?;
    Ok(ok(page_json(&found.items, found.next_after_id, |r| {
        rating_json(r, locale)
    })))
}

async fn rating(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
    Query(mut q): Query,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let locale = locale_of(q.opt_text("locale", 2)?.as_deref());
    q.finish()?;
    let r = blocking(&state, move |i| app(i.rating(actor, id))).await?;
    Ok(ok(rating_json(&r, locale)))
}

async fn publish(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    body: Body,
) -> Result<Response, ApiError> {
    let mut f = body.fields;
    let outlet_id = f.req_id("outlet_id")?;
    let village = f.req_str("village", 120)?;
    let notice_days = f.opt_u32("notice_days", 1, 90)?;
    f.finish()?;
    let n = blocking(&state, move |i| {
        app(i.publish_notice(actor, outlet_id, village, notice_days))
    })
    .await?;
    Ok(created(
        format!("{}/rating/notices/{}", super::PREFIX, n.id),
        notice_json(&n),
    ))
}

async fn list_notices(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    Query(mut q): Query,
) -> Result<Response, ApiError> {
    let page = page_request(&mut q)?;
    q.finish()?;
    let found = blocking(&state, move |i| app(i.notices(actor, page))).await?;
    Ok(ok(page_json(&found.items, found.next_after_id, notice_json)))
}

async fn notice(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
    Query(q): Query,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    q.finish()?;
    let n = blocking(&state, move |i| app(i.notice(actor, id))).await?;
    Ok(ok(notice_json(&n)))
}

async fn object(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
    body: Body,
) -> Result<Response, ApiError> {
    let notice_id = ids.id("id")?;
    let mut f = body.fields;
    let rating_id = f.req_id("rating_id")?;
    let raised_by = f.req_str("raised_by", 120)?;
    let reason = f.req_str("reason", TEXT_LEN_MAX)?;
    f.finish()?;
    let n = blocking(&state, move |i| {
        app(i.object_to_rating(actor, notice_id, rating_id, raised_by, reason))
    })
    .await?;
    Ok(created(
        format!("{}/rating/notices/{}", super::PREFIX, n.id),
        notice_json(&n),
    ))
}

async fn resolve(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
    body: Body,
) -> Result<Response, ApiError> {
    let objection_id = ids.id("id")?;
    let cur = currency(&state, actor).await?;
    let mut f = body.fields;
    let resolution = f.req_enum("resolution", RESOLUTIONS)?;
    let grade = f.opt_enum("grade", GRADES)?;
    let line = f
        .opt_amount("line", Zero::Allowed)?
        .map(|a| a.money(cur))
        .transpose()?;
    let reason = f.req_str("reason", TEXT_LEN_MAX)?;
    f.finish()?;
    let request = match resolution.as_str() {
        "kept" => ResolutionRequest::Kept,
        "withdrawn" => ResolutionRequest::Withdrawn,
        _ => ResolutionRequest::Changed {
            grade: grade_of(&grade.ok_or_else(|| ApiError::invalid("grade", "is required for a change"))?),
            line,
        },
    };
    let n = blocking(&state, move |i| {
        app(i.resolve_objection(actor, objection_id, request, reason))
    })
    .await?;
    Ok(ok(notice_json(&n)))
}

async fn open_line(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    body: Body,
) -> Result<Response, ApiError> {
    let cur = currency(&state, actor).await?;
    let mut f = body.fields;
    let client_id = f.req_id("client_id")?;
    let limit = f.req_amount("limit", Zero::Refused)?.money(cur)?;
    let kinds: Vec<&str> = CollateralKind::ALL.iter().map(|k| k.name()).collect();
    let security = f.opt_enum_list("security", &kinds)?.unwrap_or_default();
    let contract = f.opt_bool("maximum_amount_contract")?.unwrap_or(false);
    let validity_months = f.opt_u32("validity_months", 1, 120)?;
    f.finish()?;
    let security = security
        .iter()
        .filter_map(|k| CollateralKind::parse(k))
        .map(|kind| Security {
            kind,
            under_maximum_amount_contract: contract,
        })
        .collect();
    let open = OpenLine {
        client_id,
        limit,
        security,
        validity_months,
    };
    let l = blocking(&state, move |i| app(i.open_credit_line(actor, open))).await?;
    Ok(created(
        format!("{}/credit-lines/{}", super::PREFIX, l.id),
        line_json(&l),
    ))
}

async fn list_lines(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    Query(mut q): Query,
) -> Result<Response, ApiError> {
    let page = page_request(&mut q)?;
    q.finish()?;
    let found = blocking(&state, move |i| app(i.credit_lines(actor, page))).await?;
    Ok(ok(page_json(&found.items, found.next_after_id, line_json)))
}

async fn line(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
    Query(q): Query,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    q.finish()?;
    let l = blocking(&state, move |i| app(i.credit_line(actor, id))).await?;
    Ok(ok(line_json(&l)))
}

async fn act(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
    body: Body,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let cur = currency(&state, actor).await?;
    let mut f = body.fields;
    let kind = f.req_enum("act", LINE_ACTS)?;
    let reason = f.req_str("reason", TEXT_LEN_MAX)?;
    let new_limit = f
        .opt_amount("new_limit", Zero::Refused)?
        .map(|a| a.money(cur))
        .transpose()?;
    f.finish()?;
    let act = match kind.as_str() {
        "freeze" => LineAct::Freeze { reason },
        "unfreeze" => LineAct::Unfreeze { reason },
        "cancel" => LineAct::Cancel { reason },
        _ => LineAct::Cut {
            new_limit: new_limit.ok_or_else(|| ApiError::invalid("new_limit", "is required for a cut"))?,
            reason,
        },
    };
    let l = blocking(&state, move |i| app(i.act_on_credit_line(actor, id, act))).await?;
    Ok(ok(line_json(&l)))
}

async fn draw(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
    body: Body,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let cur = currency(&state, actor).await?;
    let mut f = body.fields;
    let amount = f.req_amount("amount", Zero::Refused)?.money(cur)?;
    let product_id = f.req_id("product_id")?;
    let installments = f.opt_u32("installments", 1, 600)?;
    let purpose = f.opt_str("purpose", TEXT_LEN_MAX)?;
    f.finish()?;
    let request = DrawRequest {
        amount,
        product_id,
        installments,
        purpose,
    };
    let loan = blocking(&state, move |i| app(i.draw_on_line(actor, id, request))).await?;
    Ok(created(
        format!("{}/loans/{}", super::PREFIX, loan.id),
        dto::loan_json(&loan, false),
    ))
}

/// A valid example body of each request schema of this module.
pub(super) fn example(schema: &str) -> Option<Value> {
    let value = match schema {
        "RatingRequest" => json!({"client_id": 1, "village": "Baisha", "income_stability": 6,
            "debt_to_assets": 25, "family_situation": 3, "village_reputation": 5, "file_completeness": 100}),
        "NoticeRequest" => json!({"outlet_id": 3, "village": "Baisha", "notice_days": 7}),
        "ObjectionRequest" => {
            json!({"rating_id": 1, "raised_by": "Wang Jianguo", "reason": "owes the village co-op"})
        }
        "ResolutionRequest" => json!({"resolution": "changed", "grade": "good", "line": "5000.00",
            "reason": "a debt of 3,000 confirmed"}),
        "CreditLineRequest" => json!({"client_id": 1, "limit": "50000.00", "security": ["guarantor"],
            "maximum_amount_contract": true}),
        "CreditLineAct" => json!({"act": "freeze", "reason": "under review"}),
        "CreditLineDraw" => json!({"amount": "3000.00", "product_id": 1, "purpose": "seed and fertiliser"}),
        _ => return None,
    };
    Some(value)
}

/// The request and view schemas of this area, for the OpenAPI document.
pub(super) fn openapi_schemas() -> Vec<(&'static str, Value)> {
    let id = json!({"type": "integer", "format": "int64", "minimum": 1});
    let text = |max: usize| json!({"type": "string", "minLength": 1, "maxLength": max});
    let one_of = |values: &[&str]| json!({"type": "string", "enum": values});
    let amount = json!({"type": "string", "format": "decimal", "pattern": "^[0-9]+(\\.[0-9]+)?$", "example": "5000.00"});
    let int = |max: i64| json!({"type": "integer", "minimum": 0, "maximum": max});
    let closed = |required: &[&str], props: Value| json!({"type": "object", "required": required, "properties": props, "additionalProperties": false});
    let open = |props: &[&str]| {
        let map: serde_json::Map<String, Value> = props.iter().map(|p| (p.to_string(), json!({}))).collect();
        json!({"type": "object", "required": props, "properties": map})
    };
    let kinds: Vec<&str> = CollateralKind::ALL.iter().map(|k| k.name()).collect();
    vec![
        (
            "RatingRequest",
            closed(
                &["client_id"],
                json!({
                    "client_id": id, "village": text(120),
                    "income_stability": int(1_000_000), "debt_to_assets": int(1_000_000),
                    "family_situation": int(1_000_000), "village_reputation": int(1_000_000),
                    "file_completeness": int(1_000_000),
                    "line": amount, "reason": one_of(REASONS), "locale": one_of(LOCALES),
                }),
            ),
        ),
        (
            "NoticeRequest",
            closed(
                &["outlet_id", "village"],
                json!({"outlet_id": id, "village": text(120), "notice_days": {"type": "integer", "minimum": 1, "maximum": 90}}),
            ),
        ),
        (
            "ObjectionRequest",
            closed(
                &["rating_id", "raised_by", "reason"],
                json!({"rating_id": id, "raised_by": text(120), "reason": text(TEXT_LEN_MAX)}),
            ),
        ),
        (
            "ResolutionRequest",
            closed(
                &["resolution", "reason"],
                json!({"resolution": one_of(RESOLUTIONS), "grade": one_of(GRADES), "line": amount, "reason": text(TEXT_LEN_MAX)}),
            ),
        ),
        (
            "CreditLineRequest",
            closed(
                &["client_id", "limit"],
                json!({
                    "client_id": id, "limit": amount,
                    "security": {"type": "array", "items": one_of(&kinds), "uniqueItems": true},
                    "maximum_amount_contract": {"type": "boolean"},
                    "validity_months": {"type": "integer", "minimum": 1, "maximum": 120},
                }),
            ),
        ),
        (
            "CreditLineAct",
            closed(
                &["act", "reason"],
                json!({"act": one_of(LINE_ACTS), "reason": text(TEXT_LEN_MAX), "new_limit": amount}),
            ),
        ),
        (
            "CreditLineDraw",
            closed(
                &["amount", "product_id"],
                json!({"amount": amount, "product_id": id, "installments": {"type": "integer", "minimum": 1, "maximum": 600}, "purpose": text(TEXT_LEN_MAX)}),
            ),
        ),
        (
            "RatingConfig",
            open(&["currency", "factors", "grades", "tiers", "notice_days"]),
        ),
        (
            "Rating",
            open(&[
                "id",
                "client_id",
                "grade",
                "total_points",
                "contributions",
                "status",
            ]),
        ),
        ("RatingPage", open(&["items", "next_after_id"])),
        (
            "Notice",
            open(&[
                "id",
                "village",
                "published_on",
                "period_last",
                "entries",
                "objections",
            ]),
        ),
        ("NoticePage", open(&["items", "next_after_id"])),
        (
            "CreditLine",
            open(&[
                "id",
                "client_id",
                "tier",
                "limit",
                "drawn",
                "available",
                "state",
                "events",
            ]),
        ),
        ("CreditLinePage", open(&["items", "next_after_id"])),
    ]
}
