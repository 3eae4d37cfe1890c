//! The ledger page for a date and a node of the organisation: the trial
//! balance, the balance sheet, and the income statement from a start date
//! (default: the first day of the month) to that date.

use super::export::{Format, Table, amount, logged_download};
use super::form::FormData;
use super::{Chrome, Ctx, UiState, blocking, failure, render};
use crate::xlsx::Cell;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use credgrid_app::{BalanceSheet, IncomeStatement, NodeView, TrialBalance};

#[derive(Template)]
#[template(path = "ledger.html")]
struct LedgerPage {
    c: Chrome,
    /// The date as typed (`YYYY-MM-DD`) and the node id chosen.
    form: FormData,
    nodes: Vec<NodeView>,
    balance: TrialBalance,
    as_of: String,
    balanced: bool,
    sheets: Vec<BalanceSheet>,
    statements: Vec<IncomeStatement>,
    from: String,
}

pub(crate) async fn trial_balance(
    ctx: Ctx,
    State(state): State<UiState>,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    let actor = match ctx.require_actor() {
        Ok(actor) => actor,
        Err(redirect) => return redirect.into_response(),
    };
    let form = FormData::with(
        &query
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect::<Vec<_>>(),
    );
    let tr = ctx.tr;
    let asked = form.clone();
    let found = blocking(&state, move |i| {
        let date = i.business_date()?;
        let as_of = asked.opt_date(tr, "date")?.unwrap_or(date);
        let node = match asked.opt_text("node") {
            Some(_) => Some(asked.id(tr, "node")?),
            None => None,
        };
        let from = asked
            .opt_date(tr, "from")?
            .unwrap_or(as_of.with_day(1).unwrap_or(as_of));
        let books = (
            i.trial_balance(actor, as_of, node)?,
            i.balance_sheet(actor, as_of, node)?,
            i.income_statement(actor, from, as_of, node)?,
        );
        Ok((date, i.list_nodes(actor)?, books, from))
    })
    .await;
    let (date, nodes, (balance, sheets, statements), from) = match found {
        Ok(found) => found,
        Err(error) => return failure(&ctx, "ledger", &error),
    };
    let mut form = form;
    if form.opt_text("date").is_none() || form.opt_text("from").is_none() {
        let (as_of, from_text) = (balance.as_of.to_string(), from.to_string());
        form = FormData::with(&[("date", &as_of), ("from", &from_text), ("node", form.v("node"))]);
    }
    let page = LedgerPage {
        c: ctx.chrome("ledger", Some(date)),
        as_of: tr.date(balance.as_of),
        balanced: balance.total_debit == balance.total_credit,
        from: tr.date(from),
        form,
        nodes,
        balance,
        sheets,
        statements,
    };
    render(StatusCode::OK, &page)
}

/// `GET /ledger.csv?date=&node=`: the trial balance with plain amounts.
pub(crate) async fn trial_balance_csv(
    ctx: Ctx,
    state: State<UiState>,
    query: Query<Vec<(String, String)>>,
) -> Response {
    trial_balance_download(ctx, state, query, Format::Csv).await
}

/// `GET /ledger.xlsx?date=&node=`: the trial balance as a workbook.
pub(crate) async fn trial_balance_xlsx(
    ctx: Ctx,
    state: State<UiState>,
    query: Query<Vec<(String, String)>>,
) -> Response {
    trial_balance_download(ctx, state, query, Format::Xlsx).await
}

async fn trial_balance_download(
    ctx: Ctx,
    State(state): State<UiState>,
    Query(query): Query<Vec<(String, String)>>,
    format: Format,
) -> Response {
    let actor = match ctx.require_actor() {
        Ok(actor) => actor,
        Err(redirect) => return redirect.into_response(),
    };
    let pairs: Vec<(&str, &str)> = query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (tr, asked) = (ctx.tr, FormData::with(&pairs));
    let found = blocking(&state, move |i| {
        let as_of = asked.opt_date(tr, "date")?.unwrap_or(i.business_date()?);
        let node = match asked.opt_text("node") {
            Some(_) => Some(asked.id(tr, "node")?),
            None => None,
        };
        Ok((i.trial_balance(actor, as_of, node)?, node))
    })
    .await;
    let (balance, node) = match found {
        Ok(found) => found,
        Err(error) => return failure(&ctx, "ledger", &error),
    };
    let headers = [
        "ui.journal.account",
        "ui.ledger.account_name",
        "ui.ledger.kind",
        "ui.portfolio.currency",
        "ui.journal.debit",
        "ui.journal.credit",
        "ui.ledger.balance",
    ]
    .iter()
    .map(|k| tr.t(k))
    .collect();
    let rows = balance
        .lines
        .iter()
        .map(|l| {
            vec![
                Cell::Text(l.account_code.clone()),
                Cell::Text(tr.t(&l.account_name_key)),
                Cell::Text(tr.term("ui.account_kind", &l.kind)),
                Cell::Text(l.balance.currency().code().to_string()),
                amount(l.debit),
                amount(l.credit),
                amount(l.balance),
            ]
        })
        .collect();
    let table = Table {
        file_stem: format!("trial-balance-{}", balance.as_of),
        headers,
        rows,
    };
    let record = credgrid_app::ExportRecord::bulk("trial_balance", format.name(), 0, node);
    logged_download(&ctx, &state, "ledger", record, &table, format).await
}
