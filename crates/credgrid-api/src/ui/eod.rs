//! The end-of-day page: the business date, running the end of day through a
//! date, and the summary of the run.

use super::form::FormData;
use super::products::all_products;
use super::{Chrome, Ctx, Notice, UiState, blocking, render};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use credgrid_app::{AppError, EodSummary};
use credgrid_core::Money;

/// A finished run, formatted.
pub(crate) struct SummaryView {
    dates_closed: String,
    already_closed: String,
    loans_processed: String,
    loans_overdue: String,
    interest: String,
    penalty: String,
    provision_charged: String,
    provision_released: String,
}

#[derive(Template)]
#[template(path = "eod.html")]
struct EodPage {
    c: Chrome,
    /// The business date to close, `YYYY-MM-DD`.
    date: String,
    form: FormData,
    summary: Option<SummaryView>,
}

pub(crate) async fn status(ctx: Ctx, State(state): State<UiState>) -> Response {
    if let Err(redirect) = ctx.require_actor() {
        return redirect.into_response();
    }
    draw(&ctx, &state, FormData::default(), None, None).await
}

async fn draw(
    ctx: &Ctx,
    state: &UiState,
    form: FormData,
    notice: Option<Notice>,
    summary: Option<SummaryView>,
) -> Response {
    let date = match blocking(state, |i| i.business_date()).await {
        Ok(date) => date,
        Err(error) => return super::failure(ctx, "eod", &error),
    };
    let status = match &notice {
        Some(n) if n.is_error() => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    };
    let page = EodPage {
        c: ctx.chrome("eod", Some(date)).with_notice(notice),
        date: date.to_string(),
        form,
        summary,
    };
    render(status, &page)
}

/// `POST /eod`: closes the business dates up to `through` (default: the date
/// shown when the form was drawn, so a resubmitted form closes nothing twice).
pub(crate) async fn run(ctx: Ctx, State(state): State<UiState>, body: String) -> Response {
    let actor = match ctx.require_actor() {
        Ok(actor) => actor,
        Err(redirect) => return redirect.into_response(),
    };
    let form = FormData::parse(&body);
    let (tr, submitted) = (ctx.tr, form.clone());
    let outcome = blocking(&state, move |i| {
        let shown = submitted.opt_date(tr, "date")?;
        let through = submitted.opt_date(tr, "through")?.or(shown);
        let through = through.ok_or_else(|| AppError::invalid("through", tr.t("ui.reason.required")))?;
        let summary = i.run_eod(actor, Some(through), &|_, _| {})?;
        let currency = all_products(i, actor)?.first().map(|p| p.spec.currency);
        Ok((summary, currency))
    })
    .await;
    match outcome {
        Ok((summary, currency)) => {
            let view = summary_view(ctx.tr, &summary, currency);
            let notice = Notice::done(ctx.tr, Some("eod"));
            draw(&ctx, &state, FormData::default(), notice, Some(view)).await
        }
        Err(error) => {
            let mut form = form;
            let notice = Notice::of_error(ctx.tr, &error);
            form.add_error(notice.field.as_deref(), notice.detail.clone());
            draw(&ctx, &state, form, Some(notice), None).await
        }
    }
}

fn summary_view(
    tr: super::locale::Tr,
    s: &EodSummary,
    currency: Option<credgrid_core::Currency>,
) -> SummaryView {
    let currency = currency.unwrap_or(credgrid_core::Currency::CNY);
    let m = |minor| tr.money(Money::from_minor(minor, currency));
    let dates = |dates: &[chrono::NaiveDate]| {
        if dates.is_empty() {
            "—".to_string()
        } else {
            dates.iter().map(|d| tr.date(*d)).collect::<Vec<_>>().join(", ")
        }
    };
    SummaryView {
        dates_closed: dates(&s.dates_closed),
        already_closed: dates(&s.already_closed),
        loans_processed: tr.count(s.loans_processed),
        loans_overdue: tr.count(s.loans_overdue),
        interest: m(s.interest_accrued_minor),
        penalty: m(s.penalty_accrued_minor),
        provision_charged: m(s.provision_charged_minor),
        provision_released: m(s.provision_released_minor),
    }
}
