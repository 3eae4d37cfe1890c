//! The books: the chart of accounts, the journal, the trial balance and the portfolio report.

use super::error::ApiError;
use super::extract::Query;
use super::pagination::{page_json, page_request};
use super::{AppState, Routes, app, blocking, ok};
use crate::dto;
use crate::report_doc::{balance_sheet_value, income_statement_value, portfolio_value, trial_balance_value};
use axum::extract::State;
use axum::response::Response;
use credgrid_app::Page;
use serde_json::json;

pub(super) fn routes(routes: Routes) -> Routes {
    routes
        .get("/accounts", accounts)
        .get("/journal", journal)
        .get("/reports/trial-balance", trial_balance)
        .get("/reports/portfolio", portfolio)
        .get("/reports/balance-sheet", balance_sheet)
        .get("/reports/income-statement", income_statement)
}

/// `?date=` defaults to the business date; `?node_id=` to the whole institution.
async fn balance_sheet(State(state): State<AppState>, Query(mut q): Query) -> Result<Response, ApiError> {
    let date = q.opt_date("date")?;
    let node_id = q.opt_int("node_id", 1, i64::MAX)?;
    q.finish()?;
    let sheets = blocking(&state, move |i| {
        let as_of = match date {
            Some(d) => d,
            None => app(i.business_date())?,
        };
        app(i.balance_sheet(as_of, node_id))
    })
    .await?;
    Ok(ok(balance_sheet_value(&sheets)))
}

/// `?from=` defaults to 1 January of `?to=`'s year, `?to=` to the business date.
async fn income_statement(State(state): State<AppState>, Query(mut q): Query) -> Result<Response, ApiError> {
    let from = q.opt_date("from")?;
    let to = q.opt_date("to")?;
    let node_id = q.opt_int("node_id", 1, i64::MAX)?;
    q.finish()?;
    let statements = blocking(&state, move |i| {
        let to = match to {
            Some(d) => d,
            None => app(i.business_date())?,
        };
        let from = from.unwrap_or_else(|| {
            chrono::NaiveDate::from_ymd_opt(chrono::Datelike::year(&to), 1, 1).unwrap_or(to)
        });
        app(i.income_statement(from, to, node_id))
    })
    .await?;
    Ok(ok(income_statement_value(&statements)))
}

async fn accounts(State(state): State<AppState>) -> Result<Response, ApiError> {
    let chart = blocking(&state, |i| app(i.accounts())).await?;
    Ok(ok(
        json!({"items": chart.iter().map(dto::account_json).collect::<Vec<_>>()}),
    ))
}

/// Journal entries oldest first, paged by entry id.
async fn journal(State(state): State<AppState>, Query(mut q): Query) -> Result<Response, ApiError> {
    let page = page_request(&mut q)?;
    q.finish()?;
    // One entry more than asked tells whether another page follows.
    let mut entries = blocking(&state, move |i| {
        app(i.journal(page.after_id, page.limit.saturating_add(1)))
    })
    .await?;
    let limit = usize::try_from(page.limit).unwrap_or(usize::MAX);
    let more = entries.len() > limit;
    entries.truncate(limit);
    let next_after_id = if more { entries.last().map(|e| e.id) } else { None };
    Ok(ok(page_json(
        &Page {
            items: entries,
            next_after_id,
        },
        dto::journal_entry_json,
    )))
}

/// Outstanding, overdue, PAR and classification per outlet and product, as of
/// the last closed business date; `?node_id=` limits it to a node's outlets.
async fn portfolio(State(state): State<AppState>, Query(mut q): Query) -> Result<Response, ApiError> {
    let node_id = q.opt_int("node_id", 1, i64::MAX)?;
    q.finish()?;
    let report = blocking(&state, move |i| app(i.portfolio(node_id))).await?;
    Ok(ok(portfolio_value(&report)))
}

/// `?date=` defaults to the business date; `?node_id=` to the whole institution.
async fn trial_balance(State(state): State<AppState>, Query(mut q): Query) -> Result<Response, ApiError> {
    let date = q.opt_date("date")?;
    let node_id = q.opt_int("node_id", 1, i64::MAX)?;
    q.finish()?;
    let tb = blocking(&state, move |i| {
        let as_of = match date {
            Some(d) => d,
            None => app(i.business_date())?,
        };
        app(i.trial_balance(as_of, node_id))
    })
    .await?;
    Ok(ok(trial_balance_value(&tb)))
}
