//! The ledger page: the trial balance for a date and a node of the organisation.

use super::form::FormData;
use super::{Chrome, Ctx, UiState, blocking, failure, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use credgrid_app::{NodeView, TrialBalance};

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
        Ok((date, i.list_nodes()?, i.trial_balance(as_of, node)?))
    })
    .await;
    let (date, nodes, balance) = match found {
        Ok(found) => found,
        Err(error) => return failure(&ctx, "ledger", &error),
    };
    let mut form = form;
    if form.opt_text("date").is_none() {
        form = FormData::with(&[("date", &balance.as_of.to_string()), ("node", form.v("node"))]);
    }
    let page = LedgerPage {
        c: ctx.chrome("ledger", Some(date)),
        as_of: tr.date(balance.as_of),
        balanced: balance.total_debit == balance.total_credit,
        form,
        nodes,
        balance,
    };
    render(StatusCode::OK, &page)
}
