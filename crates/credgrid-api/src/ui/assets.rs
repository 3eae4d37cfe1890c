//! The vendored static files (stylesheet, htmx), compiled into the binary so
//! the application works without a network.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

const CSS: &str = include_str!("../../static/app.css");
/// htmx 2 from the npm registry (`npm pack htmx.org@2`, `dist/htmx.min.js`).
const HTMX: &str = include_str!("../../static/htmx.min.js");

pub(crate) async fn file(Path(name): Path<String>) -> Response {
    let (body, mime) = match name.as_str() {
        "app.css" => (CSS, "text/css; charset=utf-8"),
        "htmx.min.js" => (HTMX, "text/javascript; charset=utf-8"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let headers = [
        (header::CONTENT_TYPE, mime),
        (header::CACHE_CONTROL, "public, max-age=3600"),
    ];
    (headers, body).into_response()
}
