//! The ledger page for a date and a node of the organisation: the trial
//! balance, the balance sheet, and the income statement from a start date
//! (default: the first day of the month) to that date.

use super::form::FormData;
use super::{Chrome, Ctx, UiState, blocking, failure, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
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
    if let Err(redirect) = ctx.require_actor() {
        return redirect.into_response();
    }
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
            i.trial_balance(as_of, node)?,
            i.balance_sheet(as_of, node)?,
            i.income_statement(from, as_of, node)?,
        );
        Ok((date, i.list_nodes()?, books, from))
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

/// `GET /ledger.csv?date=&node=`: the trial balance with plain amounts (`1234.50`).
pub(crate) async fn trial_balance_csv(
    ctx: Ctx,
    State(state): State<UiState>,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    if let Err(redirect) = ctx.require_actor() {
        return redirect.into_response();
    }
    let pairs: Vec<(&str, &str)> = query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (tr, asked) = (ctx.tr, FormData::with(&pairs));
    let found = blocking(&state, move |i| {
        let as_of = asked.opt_date(tr, "date")?.unwrap_or(i.business_date()?);
        let node = match asked.opt_text("node") {
            Some(_) => Some(asked.id(tr, "node")?),
            None => None,
        };
        i.trial_balance(as_of, node)
    })
    .await;
    let balance = match found {
        Ok(balance) => balance,
        Err(error) => return failure(&ctx, "ledger", &error),
    };
    let mut lines = vec![
        [
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
        .collect::<Vec<_>>(),
    ];
    for l in &balance.lines {
        lines.push(vec![
            l.account_code.clone(),
            tr.t(&l.account_name_key),
            tr.term("ui.account_kind", &l.kind),
            l.balance.currency().code().to_string(),
            l.debit.to_major_string(),
            l.credit.to_major_string(),
            l.balance.to_major_string(),
        ]);
    }
    let body: String = lines
        .iter()
        .map(|fields| super::portfolio::csv_line(fields))
        .collect();
    let disposition = format!("attachment; filename=\"trial-balance-{}.csv\"", balance.as_of);
    let headers = [
        (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
        (header::CONTENT_DISPOSITION, disposition),
    ];
    (headers, body).into_response()
}
