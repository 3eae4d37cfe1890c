//! Ratings, village notices and credit lines in the web application: the
//! overview of ratings, notices and lines; a rating with the contribution
//! of every factor; the village notice as a printable A4 page (with the
//! objection and resolution forms on screen only); a line with its
//! movements and a draw form.

use super::form::FormData;
use super::{Chrome, Ctx, Notice, UiState, blocking, failure, render, see_other};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use credgrid_app::credit_line::LineAct;
use credgrid_app::credit_line::{DrawRequest, LineView};
use credgrid_app::rating::{NoticeView, RateRequest, RatingView, ResolutionRequest};
use credgrid_app::{Actor, AppError, Institution, PageRequest};
use credgrid_core::i18n::Locale;
use credgrid_core::rating::{Factor, Grade, NoticeStatus};

/// A row of the overview or of a notice, formatted.
pub(crate) struct Row {
    id: i64,
    cells: Vec<String>,
}

#[derive(Template)]
#[template(path = "rating_overview.html")]
struct OverviewPage {
    c: Chrome,
    ratings: Vec<Row>,
    notices: Vec<Row>,
    lines: Vec<Row>,
    outlets: Vec<(i64, String)>,
    factors: Vec<(&'static str, String)>,
    form: FormData,
}

#[derive(Template)]
#[template(path = "rating.html")]
struct RatingPage {
    c: Chrome,
    r: Row,
    facts: Vec<(String, String)>,
    contributions: Vec<Row>,
}

#[derive(Template)]
#[template(path = "rating_notice.html")]
struct NoticePage {
    c: Chrome,
    id: i64,
    title: String,
    facts: Vec<(String, String)>,
    entries: Vec<Row>,
    objections: Vec<Row>,
    open_objections: Vec<(i64, String)>,
    ratings: Vec<(i64, String)>,
    form: FormData,
    /// For print (and PDF): without the screen-only parts.
    printable: bool,
}

#[derive(Template)]
#[template(path = "credit_line.html")]
struct LinePage {
    c: Chrome,
    id: i64,
    title: String,
    facts: Vec<(String, String)>,
    events: Vec<Row>,
    draws: Vec<Row>,
    products: Vec<(i64, String)>,
    form: FormData,
}

/// The notice of a refusal, titled by the rule when it is one of this area's
/// (`rating.refusal.*`, `line.refusal.*`).
fn refusal(tr: super::locale::Tr, error: &AppError) -> Notice {
    let mut notice = Notice::of_error(tr, error);
    if let AppError::Refused { rule, .. } = error {
        for area in ["rating", "line"] {
            let key = format!("{area}.refusal.{rule}");
            let text = tr.t(&key);
            if text != key {
                notice.title = text;
            }
        }
    }
    notice
}

fn grade_label(c: &Chrome, grade: Grade) -> String {
    c.t(&grade.key())
}

fn standing(c: &Chrome, s: &NoticeStatus) -> String {
    let name = match s {
        NoticeStatus::NotPublished => "not_published",
        NoticeStatus::InNotice { .. } => "in_notice",
        NoticeStatus::AwaitingResolution { .. } => "awaiting_resolution",
        NoticeStatus::Effective { .. } => "effective",
        NoticeStatus::Withdrawn { .. } => "withdrawn",
    };
    c.t(&format!("rating.standing.{name}"))
}

fn rating_row(c: &Chrome, r: &RatingView) -> Row {
    Row {
        id: r.id,
        cells: vec![
            r.client_name.clone(),
            r.village.clone(),
            grade_label(c, r.grade),
            r.total_points(),
            r.line.map_or("—".into(), |l| c.tr.money(l)),
            c.t(&format!("rating.status.{}", r.status)),
        ],
    }
}

fn notice_row(c: &Chrome, n: &NoticeView) -> Row {
    Row {
        id: n.id,
        cells: vec![
            n.village.clone(),
            c.tr.date(n.published_on),
            c.tr.date(n.period_last),
            n.entries.len().to_string(),
            c.t(&format!("rating.notice_status.{}", n.status)),
        ],
    }
}

fn line_row(c: &Chrome, l: &LineView) -> Row {
    Row {
        id: l.id,
        cells: vec![
            l.client_name.clone(),
            c.t(&l.tier.key()),
            c.tr.money(l.limit),
            c.tr.money(l.available),
            c.t(&format!("line.state.{}", l.state)),
            c.tr.date(l.valid_until),
        ],
    }
}

fn page() -> PageRequest {
    PageRequest {
        after_id: 0,
        limit: 200,
    }
}

pub(crate) async fn overview(ctx: Ctx, State(state): State<UiState>) -> Response {
    overview_page(&ctx, &state, None, FormData::default()).await
}

/// The factors a rater types in (the others are measured).
const GIVEN_FACTORS: [Factor; 5] = [
    Factor::IncomeStability,
    Factor::DebtToAssets,
    Factor::FamilySituation,
    Factor::VillageReputation,
    Factor::FileCompleteness,
];

async fn overview_page(ctx: &Ctx, state: &UiState, notice: Option<Notice>, form: FormData) -> Response {
    let actor = match ctx.require_actor() {
        Ok(actor) => actor,
        Err(redirect) => return redirect.into_response(),
    };
    let found = blocking(state, move |i| {
        Ok((
            i.business_date()?,
            i.ratings(actor, page(), None)?.items,
            i.notices(actor, page())?.items,
            i.credit_lines(actor, page())?.items,
            i.list_nodes(actor)?,
        ))
    })
    .await;
    let (date, ratings, notices, lines, nodes) = match found {
        Ok(found) => found,
        Err(error) => return failure(ctx, "rating", &error),
    };
    let status = if notice.as_ref().is_some_and(Notice::is_error) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let c = ctx.chrome("rating", Some(date)).with_notice(notice);
    let ratings = ratings.iter().rev().map(|r| rating_row(&c, r)).collect();
    let notices = notices.iter().map(|n| notice_row(&c, n)).collect();
    let lines = lines.iter().rev().map(|l| line_row(&c, l)).collect();
    let outlets = nodes
        .into_iter()
        .filter(|n| n.kind == "outlet")
        .map(|n| (n.id, format!("{} {}", n.code, n.name)))
        .collect();
    let factors = GIVEN_FACTORS.iter().map(|f| (f.name(), c.t(&f.key()))).collect();
    let page = OverviewPage {
        c,
        ratings,
        notices,
        lines,
        outlets,
        factors,
        form,
    };
    render(status, &page)
}

/// `POST /ratings` (rate a client) and `POST /notices` (publish a village's drafts).
pub(crate) async fn overview_act(
    ctx: Ctx,
    State(state): State<UiState>,
    Path(action): Path<String>,
    body: String,
) -> Response {
    let actor = match ctx.require_actor() {
        Ok(actor) => actor,
        Err(redirect) => return redirect.into_response(),
    };
    let form = FormData::parse(&body);
    let (tr, submitted) = (ctx.tr, form.clone());
    let outcome = blocking(&state, move |i| {
        let f = &submitted;
        match action.as_str() {
            "rate" => {
                let mut inputs = Vec::new();
                for factor in GIVEN_FACTORS {
                    if let Some(text) = f.opt_text(factor.name()) {
                        let value = text.parse::<i64>().map_err(|_| {
                            AppError::invalid(factor.name(), tr.t("ui.reason.positive_number"))
                        })?;
                        inputs.push((factor, value));
                    }
                }
                let line = match f.opt_text("line") {
                    Some(_) => Some(f.amount(tr, "line", i.line_currency(actor)?)?),
                    None => None,
                };
                let request = RateRequest {
                    client_id: f.id(tr, "client_id")?,
                    village: f.opt_text("village"),
                    inputs,
                    line,
                    reason: None,
                };
                i.rate(actor, request).map(|r| format!("/ratings/{}", r.id))
            }
            "publish" => {
                let days = f.opt_u32(tr, "notice_days")?;
                i.publish_notice(actor, f.id(tr, "outlet_id")?, f.text(tr, "village")?, days)
                    .map(|n| format!("/notices/{}", n.id))
            }
            _ => Err(AppError::invalid("action", tr.t("ui.reason.unknown_action"))),
        }
    })
    .await;
    match outcome {
        Ok(location) => see_other(&location),
        Err(error) => {
            let mut form = form;
            let notice = refusal(tr, &error);
            form.add_error(notice.field.as_deref(), notice.detail.clone());
            overview_page(&ctx, &state, Some(notice), form).await
        }
    }
}

fn parse_id(entity: &'static str, id: &str) -> Result<i64, AppError> {
    id.parse::<i64>().map_err(|_| AppError::not_found(entity, id))
}

pub(crate) async fn show_rating(ctx: Ctx, State(state): State<UiState>, Path(id): Path<String>) -> Response {
    let actor = match ctx.require_actor() {
        Ok(actor) => actor,
        Err(redirect) => return redirect.into_response(),
    };
    let id = match parse_id("rating", &id) {
        Ok(id) => id,
        Err(error) => return failure(&ctx, "rating", &error),
    };
    let found = blocking(&state, move |i| Ok((i.business_date()?, i.rating(actor, id)?))).await;
    let (date, r) = match found {
        Ok(found) => found,
        Err(error) => return failure(&ctx, "rating", &error),
    };
    let c = ctx.chrome("rating", Some(date));
    let explanations = r.explanations(c.tr.locale);
    let contributions = r
        .contributions
        .iter()
        .zip(explanations)
        .map(|(x, text)| Row {
            id: 0,
            cells: vec![
                c.t(&x.factor.key()),
                x.value.to_string(),
                x.bin.range_text(),
                x.points.to_string(),
                format!("{}%", x.weight_percent),
                credgrid_core::rating::scorecard::format_centipoints(x.weighted_centipoints),
                text,
            ],
        })
        .collect();
    let facts = vec![
        (c.t("rating.ui.rated_on"), c.tr.date(r.rated_on)),
        (
            c.t("rating.ui.reason"),
            c.t(&format!("rating.reason.{}", r.reason)),
        ),
        (
            c.t("rating.ui.grade_range"),
            r.grade_line.map_or("—".into(), |(low, high)| {
                format!("{} – {}", c.tr.money(low), c.tr.money(high))
            }),
        ),
        (
            c.t("rating.ui.notice"),
            r.notice_id.map_or("—".into(), |n| format!("#{n}")),
        ),
        (c.t("rating.ui.effective_on"), c.tr.opt_date(r.effective_on)),
    ];
    let row = rating_row(&c, &r);
    render(
        StatusCode::OK,
        &RatingPage {
            c,
            r: row,
            facts,
            contributions,
        },
    )
}

async fn notice_page(
    ctx: &Ctx,
    state: &UiState,
    id: i64,
    notice: Option<Notice>,
    form: FormData,
) -> Response {
    let actor = match ctx.require_actor() {
        Ok(actor) => actor,
        Err(redirect) => return redirect.into_response(),
    };
    let found = blocking(state, move |i| Ok((i.business_date()?, i.notice(actor, id)?))).await;
    let (date, n) = match found {
        Ok(found) => found,
        Err(error) => return failure(ctx, "rating", &error),
    };
    let status = if notice.as_ref().is_some_and(Notice::is_error) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let c = ctx.chrome("rating", Some(date)).with_notice(notice);
    let page = notice_sheet(c, &n, id, form, false);
    render(status, &page)
}

/// The notice page's content; `printable` leaves out the forms.
fn notice_sheet(c: Chrome, n: &NoticeView, id: i64, form: FormData, printable: bool) -> NoticePage {
    let title = c.tr.ta(
        "rating.ui.notice_title",
        &[("village", &n.village), ("outlet", &n.outlet_name)],
    );
    let facts = vec![
        (c.t("rating.ui.published_on"), c.tr.date(n.published_on)),
        (c.t("rating.ui.period_last"), c.tr.date(n.period_last)),
        (c.t("rating.ui.takes_effect_on"), c.tr.date(n.takes_effect_on)),
        (c.t("rating.ui.notice_days"), n.notice_days.to_string()),
    ];
    let entries = n
        .entries
        .iter()
        .map(|e| Row {
            id: e.rating_id,
            cells: vec![
                e.client_name.clone(),
                grade_label(&c, e.grade),
                credgrid_core::rating::scorecard::format_centipoints(e.total_centipoints),
                e.line.map_or("—".into(), |l| c.tr.money(l)),
                standing(&c, &e.standing),
            ],
        })
        .collect();
    let name_of = |rating_id: i64| {
        n.entries
            .iter()
            .find(|e| e.rating_id == rating_id)
            .map_or(String::new(), |e| e.client_name.clone())
    };
    let objections = n
        .objections
        .iter()
        .map(|o| Row {
            id: o.id,
            cells: vec![
                name_of(o.rating_id),
                c.tr.date(o.raised_on),
                o.raised_by.clone(),
                o.reason.clone(),
                o.resolution
                    .as_deref()
                    .map_or(c.t("rating.ui.open"), |r| c.t(&format!("rating.resolution.{r}"))),
                o.resolution_reason.clone().unwrap_or_default(),
            ],
        })
        .collect();
    let open_objections = n
        .objections
        .iter()
        .filter(|o| o.resolution.is_none())
        .map(|o| (o.id, format!("#{} {}", o.id, name_of(o.rating_id))))
        .collect();
    let ratings = n
        .entries
        .iter()
        .map(|e| (e.rating_id, e.client_name.clone()))
        .collect();
    NoticePage {
        c,
        id,
        title,
        facts,
        entries,
        objections,
        open_objections,
        ratings,
        form,
        printable,
    }
}

/// The village notice as a standalone printable HTML document (A4) in
/// `locale`, for `credgrid notice` (which may print it to PDF).
pub fn notice_document(
    institution: &Institution,
    actor: Actor,
    notice_id: i64,
    locale: Locale,
) -> Result<String, AppError> {
    let n = institution.notice(actor, notice_id)?;
    let tr = super::locale::Tr { locale };
    let c = Chrome {
        tr,
        user: None,
        nav: "rating",
        back: format!("/notices/{notice_id}"),
        business_date: tr.date(n.as_of),
        notice: None,
    };
    let page = notice_sheet(c, &n, notice_id, FormData::default(), true);
    page.render()
        .map_err(|e| AppError::Internal(format!("notice template: {e}")))
}

pub(crate) async fn show_notice(ctx: Ctx, State(state): State<UiState>, Path(id): Path<String>) -> Response {
    match parse_id("notice", &id) {
        Ok(id) => notice_page(&ctx, &state, id, None, FormData::default()).await,
        Err(error) => failure(&ctx, "rating", &error),
    }
}

/// `POST /notices/{id}/object` and `POST /notices/{id}/resolve`.
pub(crate) async fn notice_act(
    ctx: Ctx,
    State(state): State<UiState>,
    Path((id, action)): Path<(String, String)>,
    body: String,
) -> Response {
    let actor = match ctx.require_actor() {
        Ok(actor) => actor,
        Err(redirect) => return redirect.into_response(),
    };
    let notice_id = match parse_id("notice", &id) {
        Ok(id) => id,
        Err(error) => return failure(&ctx, "rating", &error),
    };
    let form = FormData::parse(&body);
    let (tr, submitted) = (ctx.tr, form.clone());
    let outcome = blocking(&state, move |i| {
        let f = &submitted;
        match action.as_str() {
            "object" => i
                .object_to_rating(
                    actor,
                    notice_id,
                    f.id(tr, "rating_id")?,
                    f.text(tr, "raised_by")?,
                    f.text(tr, "reason")?,
                )
                .map(drop),
            "resolve" => {
                let resolution = match f.v("resolution") {
                    "kept" => ResolutionRequest::Kept,
                    "withdrawn" => ResolutionRequest::Withdrawn,
                    _ => {
                        let grade = credgrid_app::rating_config::parse_grade(f.v("grade"))
                            .ok_or_else(|| AppError::invalid("grade", tr.t("rating.ui.grade_required")))?;
                        let line = match f.opt_text("line") {
                            Some(_) => Some(f.amount(tr, "line", i.line_currency(actor)?)?),
                            None => None,
                        };
                        ResolutionRequest::Changed { grade, line }
                    }
                };
                i.resolve_objection(
                    actor,
                    f.id(tr, "objection_id")?,
                    resolution,
                    f.text(tr, "reason")?,
                )
                .map(drop)
            }
            _ => Err(AppError::invalid("action", tr.t("ui.reason.unknown_action"))),
        }
    })
    .await;
    match outcome {
        Ok(()) => see_other(&format!("/notices/{notice_id}")),
        Err(error) => {
            let mut form = form;
            let notice = refusal(tr, &error);
            form.add_error(notice.field.as_deref(), notice.detail.clone());
            notice_page(&ctx, &state, notice_id, Some(notice), form).await
        }
    }
}

async fn line_page(ctx: &Ctx, state: &UiState, id: i64, notice: Option<Notice>, form: FormData) -> Response {
    let actor = match ctx.require_actor() {
        Ok(actor) => actor,
        Err(redirect) => return redirect.into_response(),
    };
    let found = blocking(state, move |i| {
        let products = super::products::all_products(i, actor)?;
        Ok((i.business_date()?, i.credit_line(actor, id)?, products))
    })
    .await;
    let (date, l, products) = match found {
        Ok(found) => found,
        Err(error) => return failure(ctx, "rating", &error),
    };
    let status = if notice.as_ref().is_some_and(Notice::is_error) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let c = ctx.chrome("rating", Some(date)).with_notice(notice);
    let title = c.tr.ta(
        "line.ui.title",
        &[("client", &l.client_name), ("id", &l.id.to_string())],
    );
    let facts = vec![
        (c.t("line.ui.tier"), c.t(&l.tier.key())),
        (c.t("line.ui.limit"), c.tr.money(l.limit)),
        (c.t("line.ui.drawn"), c.tr.money(l.drawn)),
        (c.t("line.ui.available"), c.tr.money(l.available)),
        (
            c.t("line.ui.valid"),
            format!("{} – {}", c.tr.date(l.valid_from), c.tr.date(l.valid_until)),
        ),
        (c.t("line.ui.state"), c.t(&format!("line.state.{}", l.state))),
        (
            c.t("line.ui.state_reason"),
            l.state_reason.clone().unwrap_or_default(),
        ),
    ];
    let events = l
        .events
        .iter()
        .map(|e| Row {
            id: e.id,
            cells: vec![
                c.tr.date(e.on),
                c.t(&format!("line.event.{}", e.kind)),
                e.amount.map_or(String::new(), |a| c.tr.money(a)),
                e.loan_id.map_or(String::new(), |x| format!("#{x}")),
                e.reason.clone().unwrap_or_default(),
                c.tr.money(e.drawn_after),
            ],
        })
        .collect();
    let draws = l
        .draws
        .iter()
        .map(|d| Row {
            id: d.loan_id,
            cells: vec![
                format!("#{}", d.loan_id),
                c.tr.term("ui.status", &d.loan_status),
                c.tr.money(d.principal),
                c.tr.money(d.held),
            ],
        })
        .collect();
    let currency = l.limit.currency();
    let products = products
        .iter()
        .filter(|p| p.active && p.spec.currency == currency)
        .map(|p| (p.id, format!("{} {}", p.spec.code, p.spec.name)))
        .collect();
    render(
        status,
        &LinePage {
            c,
            id,
            title,
            facts,
            events,
            draws,
            products,
            form,
        },
    )
}

pub(crate) async fn show_line(ctx: Ctx, State(state): State<UiState>, Path(id): Path<String>) -> Response {
    match parse_id("credit line", &id) {
        Ok(id) => line_page(&ctx, &state, id, None, FormData::default()).await,
        Err(error) => failure(&ctx, "rating", &error),
    }
}

/// `POST /lines/{id}/draw`: the draw becomes a loan application; the browser goes to it.
pub(crate) async fn draw(
    ctx: Ctx,
    State(state): State<UiState>,
    Path(id): Path<String>,
    body: String,
) -> Response {
    let actor = match ctx.require_actor() {
        Ok(actor) => actor,
        Err(redirect) => return redirect.into_response(),
    };
    let line_id = match parse_id("credit line", &id) {
        Ok(id) => id,
        Err(error) => return failure(&ctx, "rating", &error),
    };
    let form = FormData::parse(&body);
    let (tr, submitted) = (ctx.tr, form.clone());
    let outcome = blocking(&state, move |i| {
        let f = &submitted;
        let request = DrawRequest {
            amount: f.amount(tr, "amount", i.line_currency(actor)?)?,
            product_id: f.id(tr, "product_id")?,
            installments: f.opt_u32(tr, "installments")?,
            purpose: f.opt_text("purpose"),
        };
        i.draw_on_line(actor, line_id, request)
    })
    .await;
    match outcome {
        Ok(loan) => see_other(&format!("/loans/{}?done=applied", loan.id)),
        Err(error) => {
            let mut form = form;
            let notice = refusal(tr, &error);
            form.add_error(notice.field.as_deref(), notice.detail.clone());
            line_page(&ctx, &state, line_id, Some(notice), form).await
        }
    }
}

/// `POST /lines/{id}/act`: freeze, unfreeze, cut or cancel with a reason.
pub(crate) async fn line_act(
    ctx: Ctx,
    State(state): State<UiState>,
    Path(id): Path<String>,
    body: String,
) -> Response {
    let actor = match ctx.require_actor() {
        Ok(actor) => actor,
        Err(redirect) => return redirect.into_response(),
    };
    let line_id = match parse_id("credit line", &id) {
        Ok(id) => id,
        Err(error) => return failure(&ctx, "rating", &error),
    };
    let form = FormData::parse(&body);
    let (tr, submitted) = (ctx.tr, form.clone());
    let outcome = blocking(&state, move |i| {
        let f = &submitted;
        let reason = f.opt_text("reason").unwrap_or_default();
        let act = match f.v("act") {
            "freeze" => LineAct::Freeze { reason },
            "unfreeze" => LineAct::Unfreeze { reason },
            "cancel" => LineAct::Cancel { reason },
            "cut" => LineAct::Cut {
                new_limit: f.amount(tr, "new_limit", i.line_currency(actor)?)?,
                reason,
            },
            _ => return Err(AppError::invalid("act", tr.t("ui.reason.unknown_action"))),
        };
        i.act_on_credit_line(actor, line_id, act)
    })
    .await;
    match outcome {
        Ok(_) => see_other(&format!("/lines/{line_id}")),
        Err(error) => {
            let mut form = form;
            let notice = refusal(tr, &error);
            form.add_error(notice.field.as_deref(), notice.detail.clone());
            line_page(&ctx, &state, line_id, Some(notice), form).await
        }
    }
}
