//! The business date and the end of day.

use super::error::ApiError;
use super::extract::{ActingUser, Body};
use super::{AppState, Routes, app, blocking, ok};
use crate::dto;
use axum::extract::State;
use axum::response::Response;
use serde_json::json;

pub(super) fn routes(routes: Routes) -> Routes {
    routes.get("/business-date", business_date).post("/eod", run_eod)
}

async fn business_date(
    State(state): State<AppState>,
    ActingUser(_): ActingUser,
) -> Result<Response, ApiError> {
    let date = blocking(&state, |i| app(i.business_date())).await?;
    Ok(ok(json!({"business_date": date.to_string()})))
}

/// Closes business dates through `through` (default: the current one).
/// Idempotent: a date already closed is reported in `already_closed`.
async fn run_eod(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    body: Body,
) -> Result<Response, ApiError> {
    let through = dto::eod_request(body.fields)?;
    let summary = blocking(&state, move |i| app(i.run_eod(actor, through, &|_, _| {}))).await?;
    Ok(ok(dto::eod_json(&summary)))
}
