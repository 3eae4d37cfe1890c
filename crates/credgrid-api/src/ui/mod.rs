//! The staff web application: server-rendered pages (askama) over the use
//! cases, in Chinese, Spanish and English, with htmx for partial updates.
//!
//! Every page works without JavaScript; htmx only swaps search results in
//! place. Every label goes through the translation catalogue (`ui.*` keys),
//! every amount and date through [`locale::Tr`]. A refused action shows the
//! translated title of its `AppError::code()` and a detail naming the field,
//! never a stack trace. Who is acting comes from [`session`] (sign-in with a
//! password; the session token in an HttpOnly cookie).

mod applications;
mod assets;
mod chart;
mod clients;
mod collection;
mod config;
mod dashboard;
mod eod;
mod export;
mod form;
mod grid;
mod home;
mod ledger;
mod loan_actions;
mod loans;
pub(crate) mod locale;
mod notice;
mod portfolio;
mod products;
mod rating;
pub use rating::notice_document;
pub mod session;
#[cfg(test)]
mod tests;

use askama::Template;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use credgrid_app::{Actor, AppError, Institution};
use locale::{LANG_COOKIE, Tr, negotiate};
pub(crate) use notice::Notice;

/// What every page handler shares.
#[derive(Clone)]
pub(crate) struct UiState {
    pub(crate) institution: Institution,
}

/// The web application's routes, to be merged at `/` next to the API.
/// It has no fallback, so it merges with a router that has one.
pub fn ui_router(institution: Institution) -> Router {
    Router::new()
        .route("/", get(home::page))
        .route("/dashboard", get(dashboard::page))
        .route("/dashboard/{file}", get(dashboard::download_table))
        .route("/static/{file}", get(assets::file))
        .route("/lang", get(session::switch_language))
        .route("/login", get(session::login_page).post(session::login))
        .route("/logout", post(session::logout))
        .route("/clients", get(clients::list).post(clients::register))
        .route("/clients/new", get(clients::new_form))
        .route("/clients/{id}", get(clients::show))
        .route("/products", get(products::list))
        .route("/config", get(config::page))
        .route("/config/changes", post(config::propose))
        .route("/config/changes/{id}/{action}", post(config::decide))
        .route("/products/{id}", get(products::show))
        .route("/loans", get(loans::list).post(loans::apply))
        .route("/loans/new", get(loans::new_form))
        .route("/loans/{id}", get(loans::show))
        .route("/loans/{id}/{action}", post(loan_actions::act))
        .route("/applications", get(applications::inbox))
        .route("/loans/{id}/workflow", get(applications::show))
        .route("/loans/{id}/workflow/{action}", post(applications::act))
        .route("/loans/{id}/schedule.csv", get(loans::schedule_csv))
        .route("/loans/{id}/schedule.xlsx", get(loans::schedule_xlsx))
        .route("/ledger", get(ledger::trial_balance))
        .route("/ledger.csv", get(ledger::trial_balance_csv))
        .route("/ledger.xlsx", get(ledger::trial_balance_xlsx))
        .route("/eod", get(eod::status).post(eod::run))
        .route("/portfolio", get(portfolio::page))
        .route("/ratings", get(rating::overview))
        .route("/rating/{action}", post(rating::overview_act))
        .route("/ratings/{id}", get(rating::show_rating))
        .route("/notices/{id}", get(rating::show_notice))
        .route("/notices/{id}/{action}", post(rating::notice_act))
        .route("/lines/{id}", get(rating::show_line))
        .route("/lines/{id}/draw", post(rating::draw))
        .route("/lines/{id}/act", post(rating::line_act))
        .route("/collection", get(collection::worklist))
        .route("/collection/outbox", get(collection::outbox))
        .route("/collection/results", get(collection::results))
        .route("/collection/loans/{id}", get(collection::case))
        .route("/collection/loans/{id}/actions", post(collection::record_action))
        .route("/collection/loans/{id}/contacts", post(collection::add_contact))
        .route("/grid", get(grid::cells))
        .route("/grid/cells", post(grid::open_cell))
        .route("/grid/cells/{id}", get(grid::show_cell))
        .route("/grid/cells/{id}/{action}", post(grid::cell_act))
        .route("/grid/households/{id}", get(grid::show_household))
        .route("/grid/households/{id}/{action}", post(grid::household_act))
        .route("/grid/coverage", get(grid::coverage))
        .route("/grid/coverage/snapshot", post(grid::snapshot))
        .route(
            "/grid/import",
            get(grid::import_form)
                .post(grid::import)
                .layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024)),
        )
        .route("/portfolio.csv", get(portfolio::csv))
        .route("/portfolio.xlsx", get(portfolio::xlsx))
        .with_state(UiState { institution })
}

/// The request as a page sees it: language, acting user, path.
#[derive(Clone, Debug)]
pub(crate) struct Ctx {
    pub(crate) tr: Tr,
    pub(crate) actor: Option<Actor>,
    /// The signed-in staff user (name, roles, node), if any.
    pub(crate) principal: Option<credgrid_app::Principal>,
    /// Path and query of the request, for the language switch to come back to.
    pub(crate) path: String,
}

impl FromRequestParts<UiState> for Ctx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &UiState) -> Result<Self, Self::Rejection> {
        let headers = &parts.headers;
        let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
        let locale = negotiate(cookie(headers, LANG_COOKIE).as_deref(), accept);
        let path = match parts.method {
            axum::http::Method::GET => page_address(&parts.uri),
            _ => page_of_action(parts.uri.path()),
        };
        let principal = session::principal(headers, state).await;
        Ok(Ctx {
            tr: Tr { locale },
            actor: principal.as_ref().map(|p| p.actor()),
            principal,
            path,
        })
    }
}

impl Ctx {
    /// The acting user, or a redirect to the page that chooses one.
    pub(crate) fn require_actor(&self) -> Result<Actor, Redirect> {
        self.actor.ok_or_else(|| Redirect::to("/login"))
    }

    /// The frame of a page: navigation, language switch, user, notice.
    pub(crate) fn chrome(&self, nav: &'static str, business_date: Option<chrono::NaiveDate>) -> Chrome {
        Chrome {
            tr: self.tr,
            user: self.principal.as_ref().map(|p| p.display_name.clone()),
            nav,
            back: self.path.clone(),
            business_date: business_date.map(|d| self.tr.date(d)).unwrap_or_default(),
            notice: None,
        }
    }
}

/// Where the language switch returns to after a GET: the same address
/// without the one-time `done=` confirmation.
fn page_address(uri: &axum::http::Uri) -> String {
    let query: Vec<&str> = uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.starts_with("done="))
        .collect();
    if query.is_empty() {
        uri.path().to_string()
    } else {
        format!("{}?{}", uri.path(), query.join("&"))
    }
}

/// Where the language switch returns to after a POST: the page that holds
/// the form (`/loans/7/repay` → `/loans/7`, `/clients` → `/clients/new`).
fn page_of_action(path: &str) -> String {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segments.as_slice() {
        ["loans", id, _action] => format!("/loans/{id}"),
        ["clients"] => "/clients/new".to_string(),
        ["loans"] => "/loans/new".to_string(),
        _ => path.to_string(),
    }
}

/// A cookie's value from the request headers.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The frame every page template extends (`base.html`).
#[derive(Clone, Debug)]
pub(crate) struct Chrome {
    pub(crate) tr: Tr,
    /// The signed-in user's display name.
    pub(crate) user: Option<String>,
    /// The navigation entry that is current.
    pub(crate) nav: &'static str,
    /// Where the language switch returns to.
    pub(crate) back: String,
    pub(crate) business_date: String,
    pub(crate) notice: Option<Notice>,
}

impl Chrome {
    pub(crate) fn t(&self, key: &str) -> String {
        self.tr.t(key)
    }

    /// `aria-current="page"` for the current navigation entry.
    pub(crate) fn current(&self, nav: &str) -> &'static str {
        if self.nav == nav { "page" } else { "false" }
    }

    /// "Signed in as Wang Fang".
    pub(crate) fn acting_as(&self) -> String {
        let user = self.user.clone().unwrap_or_default();
        self.tr.ta("ui.acting_as", &[("user", &user)])
    }

    pub(crate) fn with_notice(mut self, notice: Option<Notice>) -> Chrome {
        self.notice = notice;
        self
    }
}

/// Runs a use case on the blocking pool (each command waits for a durable commit).
pub(crate) async fn blocking<T, F>(state: &UiState, job: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&Institution) -> Result<T, AppError> + Send + 'static,
{
    let institution = state.institution.clone();
    tokio::task::spawn_blocking(move || job(&institution))
        .await
        .unwrap_or_else(|join| Err(AppError::Internal(format!("use case failed: {join}"))))
}

/// Renders a template as an HTML page with `status`.
pub(crate) fn render<T: Template>(status: StatusCode, page: &T) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(error) => {
            eprintln!("ui: template failed: {error}");
            (StatusCode::INTERNAL_SERVER_ERROR, "The page could not be drawn.").into_response()
        }
    }
}

/// A page that only says why an action or a lookup was refused.
#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    c: Chrome,
}

/// The page for a refusal: the translated title and the detail naming the field.
pub(crate) fn failure(ctx: &Ctx, nav: &'static str, error: &AppError) -> Response {
    let notice = Notice::of_error(ctx.tr, error);
    let status = notice::status_of(error);
    let page = ErrorPage {
        c: ctx.chrome(nav, None).with_notice(Some(notice)),
    };
    render(status, &page)
}

/// The page for an address the web application does not have, in the
/// browser's language (the API's fallback answers with it when the request
/// is not for `/api/` and a browser asks for HTML).
pub(crate) fn page_not_found(headers: &HeaderMap, path: &str) -> Response {
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    let locale = negotiate(cookie(headers, LANG_COOKIE).as_deref(), accept);
    let ctx = Ctx {
        tr: Tr { locale },
        actor: None,
        principal: None,
        path: "/".into(),
    };
    failure(&ctx, "home", &AppError::not_found("page", path))
}

/// Whether a request that matched no route comes from a browser reading
/// pages (not from an API client): outside `/api/` and asking for HTML.
pub(crate) fn wants_page(headers: &HeaderMap, path: &str) -> bool {
    let html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    html && !path.starts_with("/api/")
}

/// 303 to `location` (after a POST, so a reload does not repeat it).
pub(crate) fn see_other(location: &str) -> Response {
    Redirect::to(location).into_response()
}
