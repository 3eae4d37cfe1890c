//! Loan products: define, look up and list.

use super::error::ApiError;
use super::extract::{ActingUser, Body, Ids, Query};
use super::pagination::{page_json, page_request};
use super::{AppState, PREFIX, Routes, app, blocking, created, ok};
use crate::dto;
use axum::extract::State;
use axum::response::Response;

pub(super) fn routes(routes: Routes) -> Routes {
    routes
        .post("/products", create)
        .get("/products", list)
        .get("/products/{id}", get_one)
}

async fn create(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    body: Body,
) -> Result<Response, ApiError> {
    let product = dto::new_product(body.fields)?;
    let view = blocking(&state, move |i| app(i.create_product(actor, product))).await?;
    Ok(created(
        format!("{PREFIX}/products/{}", view.id),
        dto::product_json(&view),
    ))
}

async fn list(State(state): State<AppState>, Query(mut q): Query) -> Result<Response, ApiError> {
    let page = page_request(&mut q)?;
    q.finish()?;
    let found = blocking(&state, move |i| app(i.list_products(page))).await?;
    Ok(ok(page_json(&found, dto::product_json)))
}

async fn get_one(State(state): State<AppState>, ids: Ids) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let view = blocking(&state, move |i| app(i.product(id))).await?;
    Ok(ok(dto::product_json(&view)))
}
