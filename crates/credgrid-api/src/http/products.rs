//! Loan products: propose (maker-checker), look up and list.

use super::error::ApiError;
use super::extract::{ActingUser, Body, Ids, Query};
use super::pagination::{page_json, page_request};
use super::{AppState, Routes, app, blocking, ok};
use crate::dto;
use axum::extract::State;
use axum::response::Response;

pub(super) fn routes(routes: Routes) -> Routes {
    routes
        .post("/products", create)
        .get("/products", list)
        .get("/products/{id}", get_one)
}

/// A product is maker-checker configuration: the answer is 202 Accepted
/// with the pending change (`Location`: the change); the product exists
/// once a second authorised user approves it (`POST /config/changes/{id}/approve`,
/// whose answer names the new `product_id`).
async fn create(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    body: Body,
) -> Result<Response, ApiError> {
    let product = dto::new_product(body.fields)?;
    let change = blocking(&state, move |i| app(i.propose_product(actor, &product, None))).await?;
    Ok(super::config::accepted(&change))
}

async fn list(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    Query(mut q): Query,
) -> Result<Response, ApiError> {
    let page = page_request(&mut q)?;
    q.finish()?;
    let found = blocking(&state, move |i| app(i.list_products(actor, page))).await?;
    Ok(ok(page_json(&found, dto::product_json)))
}

async fn get_one(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let view = blocking(&state, move |i| app(i.product(actor, id))).await?;
    Ok(ok(dto::product_json(&view)))
}
