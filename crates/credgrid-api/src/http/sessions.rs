//! Sessions: sign in with a username and password for a bearer token; sign out.
//!
//! Every refusal of a login looks the same (401), whether the user exists or
//! not; repeated failures lock the username for a while (the use case decides).

use super::error::ApiError;
use super::extract::{Body, SessionToken};
use super::{AppState, PREFIX, Routes, app, blocking, created};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// The longest password accepted at login.
const PASSWORD_LEN_MAX: usize = 1024;

pub(super) fn routes(routes: Routes) -> Routes {
    routes
        .post("/sessions", login)
        .delete("/sessions/current", logout)
}

async fn login(State(state): State<AppState>, body: Body) -> Result<Response, ApiError> {
    let mut f = body.fields;
    let username = f.req_str("username", 64)?;
    let password = f.req_str("password", PASSWORD_LEN_MAX)?;
    f.finish()?;
    let grant = blocking(&state, move |i| app(i.login(&username, &password))).await?;
    let p = &grant.principal;
    let roles: Vec<&str> = p.roles.iter().map(|r| r.name()).collect();
    let doc = json!({
        "token": grant.token, "expires_at": grant.expires_at,
        "user": {"id": p.user_id, "username": p.username, "display_name": p.display_name,
                 "node_id": p.node_id, "roles": roles},
    });
    Ok(created(format!("{PREFIX}/sessions/current"), doc))
}

async fn logout(
    State(state): State<AppState>,
    SessionToken(token): SessionToken,
) -> Result<Response, ApiError> {
    blocking(&state, move |i| app(i.logout(&token))).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
