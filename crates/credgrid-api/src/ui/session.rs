//! Who is acting: the sign-in page (username and password), the session
//! cookie and the sign-out.
//!
//! A successful sign-in stores the session token (from
//! `Institution::login`) in an HttpOnly, SameSite=Lax cookie; every request
//! resolves it with `Institution::authenticate`, so an expired or ended
//! session is refused like a missing one. Failed sign-ins get one answer
//! that never tells whether the user exists (and are throttled by the app).

use super::form::FormData;
use super::{Chrome, Ctx, Notice, UiState, blocking, cookie, locale::LANG_COOKIE, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use credgrid_app::Principal;
use credgrid_core::i18n::Locale;

/// The cookie holding the session token.
pub const SESSION_COOKIE: &str = "credgrid_session";

/// The session token the request carries, if any.
fn session_token(headers: &HeaderMap) -> Option<String> {
    cookie(headers, SESSION_COOKIE).filter(|t| !t.is_empty() && t.len() <= 128)
}

/// The signed-in staff user of the request, if its session is valid.
pub(crate) async fn principal(headers: &HeaderMap, state: &UiState) -> Option<Principal> {
    let token = session_token(headers)?;
    blocking(state, move |i| i.authenticate(&token)).await.ok()
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Chrome,
    username: String,
}

pub(crate) async fn login_page(ctx: Ctx) -> Response {
    let page = LoginPage {
        c: ctx.chrome("login", None),
        username: String::new(),
    };
    render(StatusCode::OK, &page)
}

pub(crate) async fn login(ctx: Ctx, State(state): State<UiState>, body: String) -> Response {
    let form = FormData::parse(&body);
    let username = form.v("username").trim().to_string();
    let password = form.v("password").to_string();
    let name = username.clone();
    match blocking(&state, move |i| i.login(&name, &password)).await {
        Ok(grant) => {
            let cookie = format!("{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax", grant.token);
            ([(header::SET_COOKIE, cookie)], Redirect::to("/?done=login")).into_response()
        }
        Err(error) => {
            let notice = Notice::of_error(ctx.tr, &error);
            let page = LoginPage {
                c: ctx.chrome("login", None).with_notice(Some(notice)),
                username,
            };
            render(StatusCode::UNAUTHORIZED, &page)
        }
    }
}

/// Ends the session (on the server, not only the cookie) and forgets it.
pub(crate) async fn logout(State(state): State<UiState>, headers: HeaderMap) -> Response {
    if let Some(token) = session_token(&headers) {
        // An already-ended session is fine: the user is signed out either way.
        let _ = blocking(&state, move |i| i.logout(&token)).await;
    }
    let cookie = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    ([(header::SET_COOKIE, cookie)], Redirect::to("/login")).into_response()
}

/// `GET /lang?to=zh&back=/loans/1`: remembers the language and goes back.
pub(crate) async fn switch_language(Query(query): Query<Vec<(String, String)>>) -> Response {
    let value = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let Some(locale) = value("to").and_then(Locale::parse) else {
        return Redirect::to("/").into_response();
    };
    let back = value("back").filter(|b| is_local_path(b)).unwrap_or("/");
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
        locale.tag()
    );
    ([(header::SET_COOKIE, cookie)], Redirect::to(back)).into_response()
}

/// Only paths of this site are followed back (no open redirect).
fn is_local_path(path: &str) -> bool {
    path.starts_with('/') && !path.starts_with("//") && !path.contains('\\')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_switch_only_returns_to_this_site() {
        assert!(is_local_path("/loans/3?done=repay"));
        assert!(!is_local_path("//evil.example/"));
        assert!(!is_local_path("https://evil.example/"));
        assert!(!is_local_path("/\\evil.example"));
    }
}
