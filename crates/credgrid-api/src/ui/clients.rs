//! Clients: search (results swapped in place by htmx), registration with the
//! refusal shown next to its field, and the client page with its loans.

use super::form::FormData;
use super::{Chrome, Ctx, Notice, UiState, blocking, failure, render, see_other};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use credgrid_app::{
    Actor, AppError, ClientView, Institution, LoanView, NewClient, NodeView, PAGE_LIMIT_MAX, PageRequest,
};

/// Clients shown per page of the search.
const CLIENTS_PER_PAGE: u32 = 50;
const CLIENT_KINDS: [&str; 3] = ["individual", "household", "business"];

#[derive(Template)]
#[template(path = "clients.html")]
struct ClientsPage {
    c: Chrome,
    q: String,
    clients: Vec<ClientView>,
    next: Option<i64>,
}

/// Only the results table, for htmx.
#[derive(Template)]
#[template(path = "clients_results.html")]
struct ClientsResults {
    c: Chrome,
    q: String,
    clients: Vec<ClientView>,
    next: Option<i64>,
}

fn param<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

pub(crate) async fn list(
    ctx: Ctx,
    State(state): State<UiState>,
    headers: HeaderMap,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    let actor = match ctx.require_actor() {
        Ok(actor) => actor,
        Err(redirect) => return redirect.into_response(),
    };
    let q = param(&query, "q").unwrap_or("").trim().to_string();
    let after_id = param(&query, "after").and_then(|a| a.parse().ok()).unwrap_or(0);
    let search = q.clone();
    let found = blocking(&state, move |i| {
        let page = PageRequest {
            after_id,
            limit: CLIENTS_PER_PAGE,
        };
        Ok((i.business_date()?, i.list_clients(actor, Some(&search), page)?))
    })
    .await;
    let (date, page) = match found {
        Ok(found) => found,
        Err(error) => return failure(&ctx, "clients", &error),
    };
    let c = ctx
        .chrome("clients", Some(date))
        .with_notice(Notice::done(ctx.tr, param(&query, "done")));
    if headers.contains_key("hx-request") {
        let results = ClientsResults {
            c,
            q,
            clients: page.items,
            next: page.next_after_id,
        };
        return render(StatusCode::OK, &results);
    }
    let page = ClientsPage {
        c,
        q,
        clients: page.items,
        next: page.next_after_id,
    };
    render(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "client_new.html")]
struct NewClientPage {
    c: Chrome,
    form: FormData,
    outlets: Vec<NodeView>,
    kinds: [&'static str; 3],
    inputs: Vec<InputField>,
}

/// A text input of a form: name, input type, whether required, its label.
pub(crate) struct InputField {
    pub(crate) name: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) required: bool,
    pub(crate) label: String,
}

fn client_inputs(tr: super::locale::Tr) -> Vec<InputField> {
    [
        ("name", "text", true),
        ("id_country", "text", true),
        ("id_number", "text", true),
        ("phone", "tel", false),
        ("address", "text", false),
    ]
    .into_iter()
    .map(|(name, kind, required)| InputField {
        name,
        kind,
        required,
        label: tr.t(&format!("ui.field.{name}")),
    })
    .collect()
}

fn outlets(institution: &Institution, actor: Actor) -> Result<Vec<NodeView>, AppError> {
    Ok(institution
        .list_nodes(actor)?
        .into_iter()
        .filter(|n| n.kind == "outlet")
        .collect())
}

pub(crate) async fn new_form(ctx: Ctx, State(state): State<UiState>) -> Response {
    let actor = match ctx.require_actor() {
        Ok(actor) => actor,
        Err(redirect) => return redirect.into_response(),
    };
    let found = blocking(&state, move |i| Ok((i.business_date()?, outlets(i, actor)?))).await;
    let (date, outlets) = match found {
        Ok(found) => found,
        Err(error) => return failure(&ctx, "clients", &error),
    };
    let page = NewClientPage {
        c: ctx.chrome("clients", Some(date)),
        form: FormData::with(&[("id_country", "CN"), ("kind", "individual")]),
        outlets,
        kinds: CLIENT_KINDS,
        inputs: client_inputs(ctx.tr),
    };
    render(StatusCode::OK, &page)
}

pub(crate) async fn register(ctx: Ctx, State(state): State<UiState>, body: String) -> Response {
    let actor = match ctx.require_actor() {
        Ok(actor) => actor,
        Err(redirect) => return redirect.into_response(),
    };
    let mut form = FormData::parse(&body);
    let tr = ctx.tr;
    let request = form.id(tr, "outlet_id").map(|outlet_id| NewClient {
        outlet_id,
        kind: form.v("kind").to_string(),
        name: form.v("name").to_string(),
        id_country: form.v("id_country").to_string(),
        id_number: form.v("id_number").to_string(),
        phone: form.opt_text("phone"),
        address: form.opt_text("address"),
    });
    let outcome = match request {
        Ok(client) => blocking(&state, move |i| i.create_client(actor, client)).await,
        Err(error) => Err(error),
    };
    let error = match outcome {
        Ok(client) => return see_other(&format!("/clients/{}?done=client", client.id)),
        Err(error) => error,
    };
    let notice = Notice::of_error(tr, &error);
    form.add_error(notice.field.as_deref(), notice.detail.clone());
    let found = blocking(&state, move |i| Ok((i.business_date()?, outlets(i, actor)?))).await;
    let (date, outlets) = match found {
        Ok(found) => found,
        Err(error) => return failure(&ctx, "clients", &error),
    };
    let page = NewClientPage {
        c: ctx.chrome("clients", Some(date)).with_notice(Some(notice)),
        form,
        outlets,
        kinds: CLIENT_KINDS,
        inputs: client_inputs(ctx.tr),
    };
    render(super::notice::status_of(&error), &page)
}

/// A loan of the client, formatted.
pub(crate) struct ClientLoan {
    id: i64,
    status: String,
    principal: String,
    outstanding: String,
    days_past_due: u32,
}

#[derive(Template)]
#[template(path = "client.html")]
struct ClientPage {
    c: Chrome,
    client: ClientView,
    kind: String,
    status: String,
    created_on: String,
    /// Principal outstanding over the client's loans, per currency.
    exposure: String,
    loans: Vec<ClientLoan>,
    /// The client's household file in the grid, if one is kept.
    household_id: Option<i64>,
    lines: Vec<ClientLine>,
    collateral: Vec<ClientCollateral>,
}

/// A credit line of the client, as the client page lists it.
struct ClientLine {
    id: i64,
    state: String,
    limit: String,
    available: String,
    valid_until: String,
}

/// Collateral or a guarantee recorded on one of the client's loans.
struct ClientCollateral {
    loan_id: i64,
    kind: String,
    value: String,
    counted: String,
}

/// What the client page shows besides the client and their loans: the
/// household file, the credit lines and the collateral. A part the user's
/// roles may not read is left out rather than failing the page.
struct Around {
    household_id: Option<i64>,
    lines: Vec<credgrid_app::credit_line::LineView>,
    collateral: Vec<credgrid_app::collateral::CollateralView>,
}

fn around(i: &Institution, actor: Actor, client_id: i64, loans: &[LoanView]) -> Around {
    let collateral = loans
        .iter()
        .filter(|l| !matches!(l.status.as_str(), "closed" | "rejected" | "withdrawn"))
        .flat_map(|l| i.collateral(actor, l.id).unwrap_or_default())
        .collect();
    Around {
        household_id: i.household_id_of_client(actor, client_id).ok().flatten(),
        lines: i.credit_lines_of_client(actor, client_id).unwrap_or_default(),
        collateral,
    }
}

/// The principal the client owes over all their loans, per currency
/// (`12,000.00 CNY`), or a dash.
fn exposure(tr: super::locale::Tr, loans: &[LoanView]) -> String {
    let mut totals: Vec<credgrid_core::Money> = Vec::new();
    for loan in loans {
        let owed = loan.balances.principal_outstanding;
        match totals.iter_mut().find(|t| t.currency() == owed.currency()) {
            // Saturates instead of failing the page: a client's loans cannot
            // exceed i64 minor units because the ledger refuses it first.
            Some(total) => *total = total.checked_add(owed).unwrap_or(*total),
            None => totals.push(owed),
        }
    }
    let shown: Vec<String> = totals
        .iter()
        .filter(|t| !t.is_zero())
        .map(|t| tr.money(*t))
        .collect();
    if shown.is_empty() {
        "—".to_string()
    } else {
        shown.join(" + ")
    }
}

/// The loans of one client (the use cases list loans by status only, so this
/// reads them page by page).
fn loans_of(institution: &Institution, actor: Actor, client_id: i64) -> Result<Vec<LoanView>, AppError> {
    let mut page = PageRequest {
        after_id: 0,
        limit: PAGE_LIMIT_MAX,
    };
    let mut loans = Vec::new();
    loop {
        let found = institution.list_loans(actor, None, page)?;
        loans.extend(found.items.into_iter().filter(|l| l.client_id == client_id));
        match found.next_after_id {
            Some(after_id) => page.after_id = after_id,
            None => return Ok(loans),
        }
    }
}

pub(crate) async fn show(
    ctx: Ctx,
    State(state): State<UiState>,
    Path(id): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    let actor = match ctx.require_actor() {
        Ok(actor) => actor,
        Err(redirect) => return redirect.into_response(),
    };
    let Ok(id) = id.parse::<i64>() else {
        return failure(&ctx, "clients", &AppError::not_found("client", id));
    };
    let found = blocking(&state, move |i| {
        let loans = loans_of(i, actor, id)?;
        let around = around(i, actor, id, &loans);
        Ok((i.business_date()?, i.client(actor, id)?, loans, around))
    })
    .await;
    let (date, client, loans, around) = match found {
        Ok(found) => found,
        Err(error) => return failure(&ctx, "clients", &error),
    };
    let tr = ctx.tr;
    let page = ClientPage {
        c: ctx
            .chrome("clients", Some(date))
            .with_notice(Notice::done(tr, param(&query, "done"))),
        kind: tr.term("ui.client_kind", &client.kind),
        status: tr.term("ui.status", &client.status),
        created_on: tr.date(client.created_on),
        exposure: exposure(tr, &loans),
        client,
        loans: loans
            .iter()
            .map(|l| ClientLoan {
                id: l.id,
                status: tr.term("ui.status", &l.status),
                principal: tr.money(l.principal),
                outstanding: tr.amount(l.balances.principal_outstanding),
                days_past_due: l.balances.days_past_due,
            })
            .collect(),
        household_id: around.household_id,
        lines: around
            .lines
            .iter()
            .map(|l| ClientLine {
                id: l.id,
                state: tr.t(&format!("line.state.{}", l.state)),
                limit: tr.money(l.limit),
                available: tr.money(l.available),
                valid_until: tr.date(l.valid_until),
            })
            .collect(),
        collateral: around
            .collateral
            .iter()
            .map(|c| ClientCollateral {
                loan_id: c.loan_id,
                kind: tr.t(&format!("ui.workflow.kind.{}", c.kind)),
                value: tr.money(c.value),
                counted: tr.money(c.counted_value),
            })
            .collect(),
    };
    render(StatusCode::OK, &page)
}
