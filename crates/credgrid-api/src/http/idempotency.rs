//! The `Idempotency-Key` header of requests that move money, and the request hash.
//!
//! The hash covers the method, the path, the acting user and the body as a
//! canonical JSON text (members sorted, no whitespace), so a retry whose JSON
//! differs only in spacing or member order is the same request, and the same
//! key with another amount, loan or user is refused by the use case.

use super::error::ApiError;
use axum::http::HeaderMap;
use credgrid_app::IdempotencyKey;
use serde_json::Value;
use sha2::{Digest, Sha256};

pub const HEADER: &str = "Idempotency-Key";
/// The longest key accepted.
pub const KEY_LEN_MAX: usize = 128;

/// The key sent in the headers, checked: 1–128 printable ASCII characters.
pub fn key_from_headers(headers: &HeaderMap) -> Result<String, ApiError> {
    let value = headers
        .get(HEADER)
        .ok_or_else(|| ApiError::missing_header(HEADER))?;
    let text = value
        .to_str()
        .map_err(|_| ApiError::invalid_header(HEADER, "must be printable ASCII"))?;
    if text.is_empty() || text.len() > KEY_LEN_MAX {
        return Err(ApiError::invalid_header(
            HEADER,
            format!("must be 1 to {KEY_LEN_MAX} characters"),
        ));
    }
    if !text.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
        return Err(ApiError::invalid_header(HEADER, "must be printable ASCII"));
    }
    Ok(text.to_string())
}

/// The key with the SHA-256 (hex) of the request it was sent with.
pub fn idempotency_key(key: String, method: &str, path: &str, user_id: i64, body: &Value) -> IdempotencyKey {
    let mut canonical = String::new();
    write_canonical(&mut canonical, body);
    let mut hasher = Sha256::new();
    for part in [method, path, &user_id.to_string(), &canonical] {
        hasher.update(part.as_bytes());
        hasher.update(b"\n");
    }
    let request_hash = credgrid_core::audit::hex(&hasher.finalize());
    IdempotencyKey { key, request_hash }
}

/// JSON text with object members sorted by name and no insignificant whitespace.
fn write_canonical(out: &mut String, value: &Value) {
    match value {
        Value::Object(members) => {
            let mut names: Vec<&String> = members.keys().collect();
            names.sort();
            out.push('{');
            for (i, name) in names.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(name.clone()).to_string());
                out.push(':');
                write_canonical(out, &members[name]);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(out, item);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use serde_json::json;

    fn hash(method: &str, path: &str, user: i64, body: Value) -> String {
        idempotency_key("k".into(), method, path, user, &body).request_hash
    }

    #[test]
    fn the_same_request_written_differently_hashes_the_same() {
        let a: Value = serde_json::from_str(r#"{"amount":"10.00","value_date":"2026-01-05"}"#).unwrap();
        let b: Value =
            serde_json::from_str(r#"{ "value_date" : "2026-01-05",  "amount" : "10.00" }"#).unwrap();
        let p = "/api/v1/loans/1/repayments";
        assert_eq!(hash("POST", p, 1, a.clone()), hash("POST", p, 1, b));
        assert_eq!(hash("POST", p, 1, a.clone()).len(), 64);
        // Another amount, loan or user is another request.
        assert_ne!(
            hash("POST", p, 1, a.clone()),
            hash("POST", p, 1, json!({"amount": "10.01"}))
        );
        assert_ne!(
            hash("POST", p, 1, a.clone()),
            hash("POST", "/api/v1/loans/2/repayments", 1, a.clone())
        );
        assert_ne!(hash("POST", p, 1, a.clone()), hash("POST", p, 2, a));
    }

    #[test]
    fn keys_are_bounded_printable_ascii() {
        let mut headers = HeaderMap::new();
        assert_eq!(key_from_headers(&headers).unwrap_err().status.as_u16(), 400);
        headers.insert(HEADER, HeaderValue::from_static("abc-123"));
        assert_eq!(key_from_headers(&headers).unwrap(), "abc-123");
        headers.insert(
            HEADER,
            HeaderValue::from_str(&"x".repeat(KEY_LEN_MAX + 1)).unwrap(),
        );
        assert_eq!(
            key_from_headers(&headers).unwrap_err().field.as_deref(),
            Some(HEADER)
        );
        headers.insert(HEADER, HeaderValue::from_static(""));
        assert!(key_from_headers(&headers).is_err());
    }
}
