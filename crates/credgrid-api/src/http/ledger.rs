//! The books: the trial balance of a date and a node.

use super::error::ApiError;
use super::extract::Query;
use super::{AppState, Routes, app, blocking, ok};
use crate::report_doc::trial_balance_value;
use axum::extract::State;
use axum::response::Response;

pub(super) fn routes(routes: Routes) -> Routes {
    routes.get("/reports/trial-balance", trial_balance)
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
