//! Extractors that turn every malformed request into a problem, never a plain-text rejection.
//!
//! `ActingUser` (a session's `Authorization: Bearer` token, required), `Ids` (path ids),
//! `Query` (query parameters), `Body` (a JSON object) and `MoneyRequest`
//! (a body plus the required `Idempotency-Key`).

use super::error::{ApiError, code};
use super::fields::{Fields, Params, parse_int_text};
use super::idempotency;
use super::{AppState, app, blocking};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use credgrid_app::{Actor, AppError, IdempotencyKey};
use serde_json::Value;

/// The acting user.
#[derive(Clone, Copy, Debug)]
pub struct ActingUser(pub Actor);

/// A session token sent as `Authorization: Bearer <token>`, if any.
fn bearer_token(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let refused = || {
        let mut e = ApiError::from(AppError::Unauthenticated {
            reason: "Authorization: send `Bearer <session token>`",
        });
        e.field = Some("Authorization".into());
        e
    };
    let text = value.to_str().map_err(|_| refused())?;
    let (scheme, token) = text.split_once(' ').ok_or_else(refused)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(refused());
    }
    Ok(Some(token.to_string()))
}

/// The user of the session token (`Authorization: Bearer <token>`, from
/// `POST /api/v1/sessions`); a call without one is refused (401).
pub(crate) async fn acting_user(headers: &HeaderMap, state: &AppState) -> Result<Actor, ApiError> {
    let Some(token) = bearer_token(headers)? else {
        let mut e = ApiError::from(AppError::Unauthenticated {
            reason: "sign in first: POST /api/v1/sessions, then send `Authorization: Bearer <token>`",
        });
        e.field = Some("Authorization".into());
        return Err(e);
    };
    // The hot path: a session checked moments ago needs no blocking thread
    // and no read of the store (see `credgrid_app::auth::SESSION_CACHE_SECONDS`).
    if let Some(principal) = state.institution.cached_session(&token) {
        return Ok(principal.actor());
    }
    blocking(state, move |i| Ok(app(i.authenticate(&token))?.actor())).await
}

impl FromRequestParts<AppState> for ActingUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        acting_user(&parts.headers, state).await.map(ActingUser)
    }
}

/// The session token of a request that must carry one (`DELETE /sessions/current`).
#[derive(Debug)]
pub struct SessionToken(pub String);

impl<S: Send + Sync> FromRequestParts<S> for SessionToken {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        match bearer_token(&parts.headers)? {
            Some(token) => Ok(SessionToken(token)),
            None => Err(ApiError::from(AppError::Unauthenticated {
                reason: "Authorization: sign in first",
            })),
        }
    }
}

/// The path parameters, read by name as ids.
#[derive(Debug)]
pub struct Ids(Vec<(String, String)>);

impl Ids {
    /// The id in path parameter `name`: a whole number of at least 1.
    pub fn id(&self, name: &str) -> Result<i64, ApiError> {
        let text = self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
        let text = text.ok_or_else(|| ApiError::internal(format!("route has no path parameter {name}")))?;
        parse_int_text(name, text, 1, i64::MAX)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ids {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let raw = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, code::MALFORMED_PATH, e.body_text()))?;
        Ok(Ids(raw
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()))
    }
}

/// The query parameters.
#[derive(Debug)]
pub struct Query(pub Params);

impl<S: Send + Sync> FromRequestParts<S> for Query {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let axum::extract::Query(pairs) =
            axum::extract::Query::<Vec<(String, String)>>::from_request_parts(parts, state)
                .await
                .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, code::MALFORMED_QUERY, e.body_text()))?;
        Params::new(pairs).map(Query)
    }
}

/// A JSON object body. An empty body reads as `{}` (for requests whose
/// fields are all optional); a non-empty one must be `application/json`.
#[derive(Debug)]
pub struct Body {
    pub fields: Fields,
    /// The body as parsed, for the idempotency hash.
    pub value: Value,
}

fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let json = is_json(req.headers());
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| match e.status() {
                StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
                    e.status(),
                    code::BODY_TOO_LARGE,
                    format!("body: larger than {} bytes", super::BODY_LEN_MAX),
                ),
                status => ApiError::new(status, code::MALFORMED_BODY, format!("body: {}", e.body_text())),
            })?;
        if bytes.is_empty() {
            return Ok(Body {
                fields: Fields::default(),
                value: Value::Object(Default::default()),
            });
        }
        if !json {
            let detail = "Content-Type: a request body must be sent as application/json";
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                code::UNSUPPORTED_MEDIA_TYPE,
                detail,
            ));
        }
        let value: Value =
            serde_json::from_slice(&bytes).map_err(|e| ApiError::malformed(format!("not JSON: {e}")))?;
        let fields = Fields::from_value(value.clone())?;
        Ok(Body { fields, value })
    }
}

/// A request that moves money: the acting user, the required idempotency key
/// (with the request hash) and the body.
#[derive(Debug)]
pub struct MoneyRequest {
    pub actor: Actor,
    pub key: IdempotencyKey,
    pub fields: Fields,
}

impl FromRequest<AppState> for MoneyRequest {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let (parts, body) = req.into_parts();
        let actor = acting_user(&parts.headers, state).await?;
        let key = idempotency::key_from_headers(&parts.headers)?;
        let method = parts.method.as_str().to_string();
        let path = parts.uri.path().to_string();
        let req = Request::from_parts(parts, body);
        let body = Body::from_request(req, state).await?;
        let key = idempotency::idempotency_key(key, &method, &path, actor.user_id, &body.value);
        Ok(MoneyRequest {
            actor,
            key,
            fields: body.fields,
        })
    }
}
