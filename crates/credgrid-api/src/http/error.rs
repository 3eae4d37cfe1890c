//! Every failure of the HTTP API as an RFC 9457 `application/problem+json` document.
//!
//! The `type` of a problem is a stable URI per error (`PROBLEM_BASE` + code);
//! use-case errors take their code from `AppError::code()`. Internal failures
//! are logged on stderr and answered without any detail.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use credgrid_app::AppError;
use serde_json::{Map, Value};

/// The prefix of every problem `type`.
pub const PROBLEM_BASE: &str = "https://credgrid.dev/problems/";
/// The media type of every error response.
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// Problem codes of the HTTP layer itself (the use-case codes come from `AppError::code()`).
pub mod code {
    pub const MALFORMED_BODY: &str = "malformed-body";
    pub const MALFORMED_QUERY: &str = "malformed-query";
    pub const MALFORMED_PATH: &str = "malformed-path";
    pub const UNSUPPORTED_MEDIA_TYPE: &str = "unsupported-media-type";
    pub const BODY_TOO_LARGE: &str = "body-too-large";
    pub const MISSING_HEADER: &str = "missing-header";
    pub const INVALID_HEADER: &str = "invalid-header";
    pub const INVALID_FIELD: &str = "invalid-field";
    pub const UNKNOWN_ROUTE: &str = "unknown-route";
    pub const METHOD_NOT_ALLOWED: &str = "method-not-allowed";
    pub const INTERNAL: &str = "internal";
}

/// A problem to answer with.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    /// The tail of the `type` URI.
    pub code: &'static str,
    pub detail: Option<String>,
    /// The request field, query parameter, path parameter or header at fault.
    pub field: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            detail: Some(detail.into()),
            field: None,
        }
    }

    /// A field (body member, query or path parameter) with a wrong value: 422.
    pub fn invalid(field: &str, reason: impl std::fmt::Display) -> ApiError {
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: code::INVALID_FIELD,
            detail: Some(format!("{field}: {reason}")),
            field: Some(field.to_string()),
        }
    }

    /// The body cannot be read as a JSON object: 400.
    pub fn malformed(reason: impl std::fmt::Display) -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            code::MALFORMED_BODY,
            format!("body: {reason}"),
        )
    }

    pub fn missing_header(name: &str) -> ApiError {
        let mut e = ApiError::new(
            StatusCode::BAD_REQUEST,
            code::MISSING_HEADER,
            format!("{name}: the header is required for this request"),
        );
        e.field = Some(name.to_string());
        e
    }

    pub fn invalid_header(name: &str, reason: impl std::fmt::Display) -> ApiError {
        let mut e = ApiError::new(
            StatusCode::BAD_REQUEST,
            code::INVALID_HEADER,
            format!("{name}: {reason}"),
        );
        e.field = Some(name.to_string());
        e
    }

    /// A failure that is not the caller's fault: logged, answered without detail.
    pub fn internal(detail: impl std::fmt::Display) -> ApiError {
        eprintln!("credgrid: internal error: {detail}");
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: code::INTERNAL,
            detail: None,
            field: None,
        }
    }

    /// The problem document.
    pub fn to_value(&self) -> Value {
        let mut doc = Map::new();
        doc.insert(
            "type".into(),
            Value::String(format!("{PROBLEM_BASE}{}", self.code)),
        );
        doc.insert("title".into(), Value::String(title(self.code).to_string()));
        doc.insert("status".into(), Value::from(self.status.as_u16()));
        if let Some(detail) = &self.detail {
            doc.insert("detail".into(), Value::String(detail.clone()));
        }
        if let Some(field) = &self.field {
            doc.insert("field".into(), Value::String(field.clone()));
        }
        Value::Object(doc)
    }
}

/// The short human-readable summary of a problem type (RFC 9457 `title`).
pub fn title(code: &str) -> &'static str {
    match code {
        code::MALFORMED_BODY => "The request body is not a JSON object",
        code::MALFORMED_QUERY => "The query string cannot be read",
        code::MALFORMED_PATH => "The path cannot be read",
        code::UNSUPPORTED_MEDIA_TYPE => "The request body must be application/json",
        code::BODY_TOO_LARGE => "The request body is too large",
        code::MISSING_HEADER => "A required header is missing",
        code::INVALID_HEADER => "A header has an invalid value",
        code::INVALID_FIELD => "A field of the request is invalid",
        code::UNKNOWN_ROUTE => "No such route",
        code::METHOD_NOT_ALLOWED => "The method is not allowed on this route",
        code::INTERNAL => "Internal error",
        "not-found" => "The resource does not exist",
        "invalid-state" => "The resource is not in a state that allows the action",
        "duplicate-identity" => "Another active client has this identity number",
        "idempotency-mismatch" => "The idempotency key was used with a different request",
        "concurrent-change" => "The resource was changed concurrently; retry",
        "unauthenticated" => "Sign in first: the session is missing, expired or ended",
        "forbidden" => "Your roles do not allow this",
        "unavailable" => "The store cannot take writes now; retry with the same Idempotency-Key",
        _ => "A business rule refused the action",
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> ApiError {
        let code = error.code();
        match error {
            AppError::Invalid { field, reason } => {
                let mut e = ApiError::invalid(&field, reason);
                e.code = code;
                e
            }
            AppError::NotFound { .. } => ApiError::new(StatusCode::NOT_FOUND, code, error.to_string()),
            AppError::IdempotencyMismatch => {
                let mut e = ApiError::new(StatusCode::CONFLICT, code, error.to_string());
                e.field = Some("Idempotency-Key".into());
                e
            }
            AppError::DuplicateIdentity => {
                let mut e = ApiError::new(StatusCode::CONFLICT, code, error.to_string());
                e.field = Some("id_number".into());
                e
            }
            AppError::InvalidState { .. } | AppError::Concurrent { .. } | AppError::Refused { .. } => {
                ApiError::new(StatusCode::CONFLICT, code, error.to_string())
            }
            AppError::Unauthenticated { .. } => {
                ApiError::new(StatusCode::UNAUTHORIZED, code, error.to_string())
            }
            AppError::Forbidden { .. } => ApiError::new(StatusCode::FORBIDDEN, code, error.to_string()),
            AppError::Unavailable { reason } => {
                // What the disk said stays in the server's log, as for an internal error.
                eprintln!("credgrid: write unavailable: {reason}");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    code,
                    "The store could not record or confirm this write. Retry with the same \
                     Idempotency-Key: the retry answers the first result if it was recorded."
                        .to_string(),
                )
            }
            AppError::Internal(detail) => ApiError::internal(detail),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = self.to_value().to_string();
        let mut response = (self.status, body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(PROBLEM_CONTENT_TYPE),
        );
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            // RFC 9110 §10.2.3: when to try again.
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            // RFC 9110 §11.6.1: a 401 names the scheme to authenticate with.
            let bearer = HeaderValue::from_static("Bearer");
            response.headers_mut().insert(header::WWW_AUTHENTICATE, bearer);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn use_case_errors_map_to_status_and_stable_type() {
        // RFC 9457 §3.1: type, title, status, detail; `field` is our extension member.
        let cases = [
            (
                AppError::invalid("principal", "must be positive"),
                422,
                "invalid-field",
                Some("principal"),
            ),
            (AppError::not_found("loan", 7), 404, "not-found", None),
            (
                AppError::IdempotencyMismatch,
                409,
                "idempotency-mismatch",
                Some("Idempotency-Key"),
            ),
            (
                AppError::DuplicateIdentity,
                409,
                "duplicate-identity",
                Some("id_number"),
            ),
            (
                AppError::Refused {
                    rule: "principal-above-maximum",
                    detail: "x".into(),
                },
                409,
                "principal-above-maximum",
                None,
            ),
        ];
        for (error, status, code, field) in cases {
            let doc = ApiError::from(error).to_value();
            assert_eq!(doc["status"], status);
            assert_eq!(doc["type"], format!("{PROBLEM_BASE}{code}"));
            assert_eq!(doc["field"].as_str(), field);
            assert!(doc["title"].as_str().is_some_and(|t| !t.is_empty()));
        }
    }

    #[test]
    fn a_401_names_the_bearer_scheme() {
        let response = ApiError::from(AppError::Unauthenticated { reason: "no session" }).into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer");
        let forbidden = ApiError::from(AppError::Forbidden {
            permission: "loan.approve".into(),
        })
        .to_value();
        assert_eq!(
            (forbidden["status"].as_u64(), forbidden["title"].as_str()),
            (Some(403), Some(title("forbidden")))
        );
    }

    #[test]
    fn internal_errors_leak_no_detail() {
        let doc = ApiError::from(AppError::Internal("disk I/O error at /secret/path".into())).to_value();
        assert_eq!(doc["status"], 500);
        assert!(doc.get("detail").is_none());
        assert!(!doc.to_string().contains("secret"));
    }

    #[test]
    fn a_write_the_store_could_not_record_is_a_503_to_retry_with_the_same_key() {
        let unavailable = || AppError::Unavailable {
            reason: "disk I/O error at /secret/path".into(),
        };
        let doc = ApiError::from(unavailable()).to_value();
        assert_eq!(doc["status"], 503);
        assert!(doc["type"].as_str().unwrap().ends_with("/unavailable"), "{doc}");
        assert!(
            doc["detail"].as_str().unwrap().contains("Idempotency-Key"),
            "{doc}"
        );
        assert!(!doc.to_string().contains("secret"));
        let response = ApiError::from(unavailable()).into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
    }
}
