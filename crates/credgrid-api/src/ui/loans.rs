//! Loans: the list by status, the application form, and the loan page with
//! its balances, schedule, transactions, lifecycle events, journal entries
//! and the forms of the actions its status allows.

use super::export::{Format, Table, amount, logged_download};
use super::form::{FormData, new_idempotency_key};
use super::products::all_products;
use super::{Chrome, Ctx, Notice, UiState, blocking, failure, render, see_other};
use crate::xlsx::Cell;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use credgrid_app::{
    Actor, AppError, Institution, JournalEntryView, LoanApplication, LoanEventView, LoanView, PageRequest,
    ProductView, TransactionView,
};
use credgrid_core::Money;

/// The statuses a loan list can be filtered by, in lifecycle order.
pub(crate) const STATUSES: [&str; 7] = [
    "application",
    "approved",
    "disbursed",
    "closed",
    "written_off",
    "rejected",
    "withdrawn",
];
/// Loans per page of the list.
const LOANS_PER_PAGE: u32 = 50;
/// The list filter for disbursed loans past due (most overdue first).
const OVERDUE: &str = "overdue";
/// The most past-due loans listed at once.
const OVERDUE_LISTED: usize = 200;

fn param<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

#[derive(Template)]
#[template(path = "loans.html")]
struct LoansPage {
    c: Chrome,
    status: String,
    statuses: Vec<(&'static str, String)>,
    loans: Vec<LoanView>,
    next: Option<i64>,
}

pub(crate) async fn list(
    ctx: Ctx,
    State(state): State<UiState>,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    let actor = match ctx.require_actor() {
        Ok(actor) => actor,
        Err(redirect) => return redirect.into_response(),
    };
    let status = param(&query, "status")
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let after_id = param(&query, "after").and_then(|a| a.parse().ok()).unwrap_or(0);
    let wanted = status.clone();
    let found = blocking(&state, move |i| {
        let page = PageRequest {
            after_id,
            limit: LOANS_PER_PAGE,
        };
        let date = i.business_date()?;
        if wanted.as_deref() == Some(OVERDUE) {
            let (items, _) = super::dashboard::most_overdue(i, actor, OVERDUE_LISTED)?;
            return Ok((
                date,
                credgrid_app::Page {
                    items,
                    next_after_id: None,
                },
            ));
        }
        Ok((date, i.list_loans(actor, wanted.as_deref(), page)?))
    })
    .await;
    let (date, page) = match found {
        Ok(found) => found,
        Err(error) => return failure(&ctx, "loans", &error),
    };
    let tr = ctx.tr;
    let page = LoansPage {
        c: ctx.chrome("loans", Some(date)),
        status: status.unwrap_or_default(),
        statuses: STATUSES
            .iter()
            .map(|s| (*s, tr.term("ui.status", s)))
            .chain([(OVERDUE, tr.t("ui.loans.past_due"))])
            .collect(),
        loans: page.items,
        next: page.next_after_id,
    };
    render(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "loan_new.html")]
struct NewLoanPage {
    c: Chrome,
    form: FormData,
    products: Vec<ProductView>,
}

async fn application_form(ctx: &Ctx, state: &UiState, form: FormData, notice: Option<Notice>) -> Response {
    let Some(actor) = ctx.actor else {
        return axum::response::Redirect::to("/login").into_response();
    };
    let found = blocking(state, move |i| Ok((i.business_date()?, all_products(i, actor)?))).await;
    let (date, products) = match found {
        Ok(found) => found,
        Err(error) => return failure(ctx, "loans", &error),
    };
    let status = if notice.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = NewLoanPage {
        c: ctx.chrome("loans", Some(date)).with_notice(notice),
        form,
        products: products.into_iter().filter(|p| p.active).collect(),
    };
    render(status, &page)
}

pub(crate) async fn new_form(
    ctx: Ctx,
    State(state): State<UiState>,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    if let Err(redirect) = ctx.require_actor() {
        return redirect.into_response();
    }
    let client_id = param(&query, "client_id").unwrap_or("");
    let form = FormData::with(&[("client_id", client_id)]);
    application_form(&ctx, &state, form, None).await
}

/// The application from the form; amounts in the chosen product's currency.
fn application(
    i: &Institution,
    actor: Actor,
    tr: super::locale::Tr,
    form: &FormData,
) -> Result<LoanApplication, AppError> {
    let client_id = form.id(tr, "client_id")?;
    let product_id = form.id(tr, "product_id")?;
    let product = i
        .product(actor, product_id)
        .map_err(|_| AppError::invalid("product_id", tr.t("ui.reason.unknown_product")))?;
    Ok(LoanApplication {
        client_id,
        product_id,
        principal: form.amount(tr, "principal", product.spec.currency)?,
        annual_rate: form.opt_percent(tr, "annual_rate")?,
        installments: form.opt_u32(tr, "installments")?,
        first_repayment_date: form.opt_date(tr, "first_repayment_date")?,
        account_manager_id: None,
        purpose: form.opt_text("purpose"),
    })
}

pub(crate) async fn apply(ctx: Ctx, State(state): State<UiState>, body: String) -> Response {
    let actor = match ctx.require_actor() {
        Ok(actor) => actor,
        Err(redirect) => return redirect.into_response(),
    };
    let mut form = FormData::parse(&body);
    let (tr, submitted) = (ctx.tr, form.clone());
    let outcome = blocking(&state, move |i| {
        i.apply(actor, application(i, actor, tr, &submitted)?)
    })
    .await;
    match outcome {
        Ok(loan) => see_other(&format!("/loans/{}?done=applied", loan.id)),
        Err(error) => {
            let notice = Notice::of_error(tr, &error);
            form.add_error(notice.field.as_deref(), notice.detail.clone());
            application_form(&ctx, &state, form, Some(notice)).await
        }
    }
}

/// A schedule row with its amounts formatted.
pub(crate) struct ScheduleRow {
    n: u32,
    due: String,
    principal: String,
    interest: String,
    penalty_fee: String,
    paid: String,
    outstanding: String,
}

fn schedule_rows(c: &Chrome, loan: &LoanView) -> Vec<ScheduleRow> {
    let tr = c.tr;
    let sum = |parts: &[Money]| -> String {
        let total = parts
            .iter()
            .skip(1)
            .try_fold(parts[0], |acc, m| acc.checked_add(*m));
        total.map_or_else(|_| "—".to_string(), |m| tr.amount(m))
    };
    loan.schedule
        .iter()
        .map(|r| ScheduleRow {
            n: r.n,
            due: tr.date(r.due_date),
            principal: tr.amount(r.principal),
            interest: tr.amount(r.interest),
            penalty_fee: sum(&[r.penalty, r.fee]),
            paid: sum(&[r.principal_paid, r.interest_paid, r.penalty_paid, r.fee_paid]),
            outstanding: tr.amount(r.outstanding),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "loan.html")]
struct LoanPage {
    c: Chrome,
    loan: LoanView,
    schedule: Vec<ScheduleRow>,
    transactions: Vec<TransactionView>,
    events: Vec<LoanEventView>,
    journal: Vec<JournalEntryView>,
    /// The base of the idempotency keys of this page's forms.
    key: String,
    /// The repayment form as submitted, when it was refused.
    form: FormData,
}

impl LoanPage {
    fn can(&self, status: &str) -> bool {
        self.loan.status == status
    }
}

/// Draws the loan page, with `notice` at the top (a refusal or a done action).
pub(crate) async fn loan_page(
    ctx: &Ctx,
    state: &UiState,
    id: i64,
    notice: Option<Notice>,
    form: FormData,
) -> Response {
    let Some(actor) = ctx.actor else {
        return axum::response::Redirect::to("/login").into_response();
    };
    let found = blocking(state, move |i| {
        Ok((
            i.business_date()?,
            i.loan(actor, id)?,
            i.loan_transactions(actor, id)?,
            i.loan_events(actor, id)?,
            i.loan_journal(actor, id)?,
        ))
    })
    .await;
    let (date, loan, transactions, events, journal) = match found {
        Ok(found) => found,
        Err(error) => return failure(ctx, "loans", &error),
    };
    let status = match &notice {
        Some(n) if n.is_error() => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    };
    let c = ctx.chrome("loans", Some(date)).with_notice(notice);
    let page = LoanPage {
        schedule: schedule_rows(&c, &loan),
        c,
        loan,
        transactions,
        events,
        journal,
        key: new_idempotency_key(),
        form,
    };
    render(status, &page)
}

pub(crate) async fn show(
    ctx: Ctx,
    State(state): State<UiState>,
    Path(id): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    if let Err(redirect) = ctx.require_actor() {
        return redirect.into_response();
    }
    let Ok(id) = id.parse::<i64>() else {
        return failure(&ctx, "loans", &AppError::not_found("loan", id));
    };
    let notice = Notice::done(ctx.tr, param(&query, "done"));
    loan_page(&ctx, &state, id, notice, FormData::default()).await
}

/// `GET /loans/{id}/schedule.csv`: the repayment schedule with plain amounts.
pub(crate) async fn schedule_csv(ctx: Ctx, state: State<UiState>, id: Path<String>) -> Response {
    schedule_download(ctx, state, id, Format::Csv).await
}

/// `GET /loans/{id}/schedule.xlsx`: the repayment schedule as a workbook.
pub(crate) async fn schedule_xlsx(ctx: Ctx, state: State<UiState>, id: Path<String>) -> Response {
    schedule_download(ctx, state, id, Format::Xlsx).await
}

async fn schedule_download(
    ctx: Ctx,
    State(state): State<UiState>,
    Path(id): Path<String>,
    format: Format,
) -> Response {
    let actor = match ctx.require_actor() {
        Ok(actor) => actor,
        Err(redirect) => return redirect.into_response(),
    };
    let Ok(id) = id.parse::<i64>() else {
        return failure(&ctx, "loans", &AppError::not_found("loan", id));
    };
    let loan = match blocking(&state, move |i| i.loan(actor, id)).await {
        Ok(loan) => loan,
        Err(error) => return failure(&ctx, "loans", &error),
    };
    let tr = ctx.tr;
    let headers = [
        "ui.schedule.n",
        "ui.schedule.due_date",
        "ui.schedule.principal",
        "ui.schedule.interest",
        "ui.tx.penalty",
        "ui.tx.fee",
        "ui.schedule.principal_paid",
        "ui.schedule.interest_paid",
        "ui.schedule.penalty_paid",
        "ui.schedule.fee_paid",
        "ui.schedule.outstanding",
    ]
    .iter()
    .map(|k| tr.t(k))
    .collect();
    let rows = loan
        .schedule
        .iter()
        .map(|r| {
            vec![
                Cell::Integer(i64::from(r.n)),
                Cell::Date(r.due_date),
                amount(r.principal),
                amount(r.interest),
                amount(r.penalty),
                amount(r.fee),
                amount(r.principal_paid),
                amount(r.interest_paid),
                amount(r.penalty_paid),
                amount(r.fee_paid),
                amount(r.outstanding),
            ]
        })
        .collect();
    let table = Table {
        file_stem: format!("loan-{}-schedule", loan.id),
        headers,
        rows,
    };
    let record = credgrid_app::ExportRecord::loan_document("loan_schedule", format.name(), 0, loan.id);
    logged_download(&ctx, &state, "loans", record, &table, format).await
}
