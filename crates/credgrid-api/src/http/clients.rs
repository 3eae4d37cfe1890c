//! Clients: register, look up, list and search.

use super::error::ApiError;
use super::extract::{ActingUser, Body, Ids, Query};
use super::fields::TEXT_LEN_MAX;
use super::pagination::{page_json, page_request};
use super::{AppState, PREFIX, Routes, app, blocking, created, ok};
use crate::dto;
use axum::extract::State;
use axum::response::Response;

pub(super) fn routes(routes: Routes) -> Routes {
    routes
        .post("/clients", create)
        .get("/clients", list)
        .get("/clients/{id}", get_one)
}

async fn create(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    body: Body,
) -> Result<Response, ApiError> {
    let client = dto::new_client(body.fields)?;
    let view = blocking(&state, move |i| app(i.create_client(actor, client))).await?;
    Ok(created(
        format!("{PREFIX}/clients/{}", view.id),
        dto::client_json(&view),
    ))
}

async fn list(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    Query(mut q): Query,
) -> Result<Response, ApiError> {
    let search = q.opt_text("q", TEXT_LEN_MAX)?;
    let page = page_request(&mut q)?;
    q.finish()?;
    let found = blocking(&state, move |i| {
        app(i.list_clients(actor, search.as_deref(), page))
    })
    .await?;
    Ok(ok(page_json(&found, dto::client_json)))
}

async fn get_one(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let view = blocking(&state, move |i| app(i.client(actor, id))).await?;
    Ok(ok(dto::client_json(&view)))
}
