//! Health and the organisation tree (institution → branches → outlets).

use super::error::ApiError;
use super::extract::{ActingUser, Body, Query};
use super::pagination::{page_json, page_of, page_request};
use super::{AppState, Routes, app, blocking, created, ok};
use crate::dto;
use axum::extract::State;
use axum::response::Response;
use serde_json::json;

pub(super) fn routes(routes: Routes) -> Routes {
    routes
        .get("/health", health)
        .get("/nodes", list_nodes)
        .post("/nodes", create_node)
}

/// Answers when the store can be read.
async fn health(State(state): State<AppState>) -> Result<Response, ApiError> {
    let date = blocking(&state, |i| app(i.business_date())).await?;
    Ok(ok(json!({"status": "ok", "business_date": date.to_string()})))
}

async fn list_nodes(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    Query(mut q): Query,
) -> Result<Response, ApiError> {
    let page = page_request(&mut q)?;
    q.finish()?;
    let nodes = blocking(&state, move |i| app(i.list_nodes(actor))).await?;
    Ok(ok(page_json(&page_of(nodes, |n| n.id, page), dto::node_json)))
}

async fn create_node(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    body: Body,
) -> Result<Response, ApiError> {
    let (parent_id, kind, code, name) = dto::new_node(body.fields)?;
    let node = blocking(&state, move |i| {
        app(i.create_node(actor, parent_id, &kind, &code, &name))
    })
    .await?;
    Ok(created(format!("{}/nodes", super::PREFIX), dto::node_json(&node)))
}
