//! The HTTP API under `/api/v1`: the router, the server and what every handler shares.
//!
//! Handlers read the request with the extractors of `extract` (so every bad
//! request is a problem+json), run the use case on the blocking pool (each
//! command waits for a durable group commit) and answer JSON from `dto`.

pub mod error;
pub mod extract;
pub mod fields;
pub mod idempotency;
pub mod openapi;
pub mod pagination;
pub mod permissions;

mod applications;
mod clients;
mod collection;
mod config;
mod eod;
mod grid;
mod ledger;
mod loans;
mod org;
mod products;
mod rating;
mod schedule;
mod sessions;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::handler::Handler;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use credgrid_app::{AppError, Institution};
use error::{ApiError, code};
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

/// The prefix of every route.
pub const PREFIX: &str = "/api/v1";
/// The largest request body accepted, in bytes.
pub const BODY_LEN_MAX: usize = 64 * 1024;

/// What every handler shares: the institution and the loan currency cache.
#[derive(Clone)]
pub(crate) struct AppState {
    institution: Institution,
    currencies: Arc<loans::CurrencyCache>,
}

/// Runs a use case on the blocking pool; a panic inside it is an internal error.
pub(crate) async fn blocking<T, F>(state: &AppState, job: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&Institution) -> Result<T, ApiError> + Send + 'static,
{
    let institution = state.institution.clone();
    match tokio::task::spawn_blocking(move || job(&institution)).await {
        Ok(outcome) => outcome,
        Err(join) => Err(ApiError::internal(format!("use case failed: {join}"))),
    }
}

/// Converts a use-case result (`?` on an `AppError` inside a blocking job).
pub(crate) fn app<T>(result: Result<T, AppError>) -> Result<T, ApiError> {
    result.map_err(ApiError::from)
}

/// 200 with a JSON body.
pub(crate) fn ok(body: Value) -> Response {
    axum::Json(body).into_response()
}

/// 201 with a JSON body and the new resource's location.
pub(crate) fn created(location: String, body: impl serde::Serialize) -> Response {
    let mut response = (StatusCode::CREATED, axum::Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// The routes and the list of `(method, path)` they answer, built together so
/// the list (checked against the OpenAPI document) cannot drift from the router.
struct Routes {
    router: Router<AppState>,
    table: Vec<(Method, String)>,
}

impl Routes {
    fn get<H: Handler<T, AppState>, T: 'static>(mut self, path: &str, handler: H) -> Routes {
        let path = format!("{PREFIX}{path}");
        self.router = self.router.route(&path, axum::routing::get(handler));
        self.table.push((Method::GET, path));
        self
    }

    fn delete<H: Handler<T, AppState>, T: 'static>(mut self, path: &str, handler: H) -> Routes {
        let path = format!("{PREFIX}{path}");
        self.router = self.router.route(&path, axum::routing::delete(handler));
        self.table.push((Method::DELETE, path));
        self
    }

    /// A POST whose body may be larger than `BODY_LEN_MAX` (a file upload).
    fn post_upload<H: Handler<T, AppState>, T: 'static>(
        mut self,
        path: &str,
        handler: H,
        limit: usize,
    ) -> Routes {
        let path = format!("{PREFIX}{path}");
        let route = axum::routing::post(handler).layer(DefaultBodyLimit::max(limit));
        self.router = self.router.route(&path, route);
        self.table.push((Method::POST, path));
        self
    }

    fn post<H: Handler<T, AppState>, T: 'static>(mut self, path: &str, handler: H) -> Routes {
        let path = format!("{PREFIX}{path}");
        self.router = self.router.route(&path, axum::routing::post(handler));
        self.table.push((Method::POST, path));
        self
    }
}

fn routes() -> Routes {
    let routes = Routes {
        router: Router::new(),
        table: Vec::new(),
    };
    let routes = openapi::routes(routes);
    let routes = org::routes(routes);
    let routes = eod::routes(routes);
    let routes = clients::routes(routes);
    let routes = products::routes(routes);
    let routes = config::routes(routes);
    let routes = loans::routes(routes);
    let routes = applications::routes(routes);
    let routes = collection::routes(routes);
    let routes = rating::routes(routes);
    let routes = grid::routes(routes);
    let routes = schedule::routes(routes);
    let routes = sessions::routes(routes);
    ledger::routes(routes)
}

/// Every `(method, path)` the router answers, paths as in OpenAPI (`/api/v1/loans/{id}`).
pub fn route_table() -> Vec<(Method, String)> {
    routes().table
}

/// The API router over `institution`, without request logging.
pub fn router(institution: Institution) -> Router {
    routes()
        .router
        .fallback(unknown_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LEN_MAX))
        .layer(axum::middleware::from_fn(contain_panics))
        .with_state(AppState {
            institution,
            currencies: Arc::default(),
        })
}

async fn unknown_route(method: Method, uri: axum::http::Uri, headers: axum::http::HeaderMap) -> Response {
    if crate::ui::wants_page(&headers, uri.path()) {
        return crate::ui::page_not_found(&headers, uri.path());
    }
    ApiError::new(
        StatusCode::NOT_FOUND,
        code::UNKNOWN_ROUTE,
        format!("{method} {}: no such route", uri.path()),
    )
    .into_response()
}

/// 405 with the `Allow` header RFC 9110 §15.5.6 asks for.
async fn method_not_allowed(method: Method, uri: axum::http::Uri) -> Response {
    let allowed: Vec<String> = route_table()
        .into_iter()
        .filter(|(_, template)| template_matches(template, uri.path()))
        .map(|(m, _)| m.to_string())
        .collect();
    let detail = format!(
        "{method} is not allowed on {}; allowed: {}",
        uri.path(),
        allowed.join(", ")
    );
    let mut response =
        ApiError::new(StatusCode::METHOD_NOT_ALLOWED, code::METHOD_NOT_ALLOWED, detail).into_response();
    if let Ok(value) = HeaderValue::from_str(&allowed.join(", ")) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}

/// Whether `path` fits a route template (`{name}` matches any one non-empty segment).
fn template_matches(template: &str, path: &str) -> bool {
    let (template, path): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    template.len() == path.len()
        && template
            .iter()
            .zip(&path)
            .all(|(t, p)| t == p || (t.starts_with('{') && !p.is_empty()))
}

/// Runs the request in its own task so that a panic anywhere in it (a bug)
/// answers a 500 problem instead of dropping the connection.
async fn contain_panics(request: Request, next: Next) -> Response {
    match tokio::spawn(next.run(request)).await {
        Ok(response) => response,
        Err(failure) => ApiError::internal(format!("request handler failed: {failure}")).into_response(),
    }
}

/// How the server runs.
#[derive(Clone, Copy, Debug, Default)]
pub struct ServeOptions {
    /// Log one line per request (method, path, status, duration) on stderr.
    pub log_requests: bool,
}

/// One stderr line per request: `POST /api/v1/loans/1/repayments 201 3.2ms`.
async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    let elapsed_us = started.elapsed().as_micros();
    let ms = elapsed_us / 1000;
    let tenths = (elapsed_us % 1000) / 100;
    eprintln!("{method} {path} {} {ms}.{tenths}ms", response.status().as_u16());
    response
}

/// Serves the API and the staff web application (`ui`) on `listener` until
/// SIGTERM or Ctrl-C, then finishes the requests in flight (graceful shutdown).
pub async fn serve(
    institution: Institution,
    listener: tokio::net::TcpListener,
    options: ServeOptions,
) -> std::io::Result<()> {
    let mut app = router(institution.clone()).merge(crate::ui::ui_router(institution));
    if options.log_requests {
        app = app.layer(axum::middleware::from_fn(log_request));
    }
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
}

/// Binds `addr` (`HOST:PORT`), reports the bound address to `on_listening`
/// and serves on a multi-threaded runtime until SIGTERM or Ctrl-C.
pub fn serve_blocking(
    institution: Institution,
    addr: &str,
    options: ServeOptions,
    on_listening: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        on_listening(listener.local_addr()?);
        serve(institution, listener, options).await
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower::ServiceExt;

    #[tokio::test]
    async fn a_panicking_handler_answers_a_500_problem() {
        async fn boom() -> &'static str {
            panic!("a bug")
        }
        let app: Router = Router::new()
            .route("/boom", axum::routing::get(boom))
            .layer(axum::middleware::from_fn(contain_panics));
        let request = Request::get("/boom").body(axum::body::Body::empty()).unwrap();
        let response = app.oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            error::PROBLEM_CONTENT_TYPE
        );
    }

    #[test]
    fn route_templates_match_one_segment_per_parameter() {
        assert!(template_matches(
            "/api/v1/loans/{id}/fees",
            "/api/v1/loans/7/fees"
        ));
        assert!(!template_matches("/api/v1/loans/{id}", "/api/v1/loans/"));
        assert!(!template_matches("/api/v1/loans/{id}", "/api/v1/loans/7/fees"));
    }
}
