//! Who is acting — a STAND-IN for login until issue 4 (users, roles,
//! sessions) lands: a "choose user" page stores the user id in a cookie and
//! every action runs as `Actor { user_id }` from it.
//!
//! Everything about the acting user lives in this module, so the real login
//! replaces `actor`, `login_page`, `login` and `logout` and nothing else.
//! The cookie is HttpOnly and SameSite=Lax (no cross-site form posts); it is
//! not a credential: anyone may choose any user here.

use super::form::FormData;
use super::{Chrome, Ctx, Notice, UiState, blocking, cookie, locale::LANG_COOKIE, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use credgrid_app::{ADMIN_USER_ID, Actor, AppError};
use credgrid_core::i18n::Locale;

/// The cookie holding the acting user's id.
pub const USER_COOKIE: &str = "credgrid_user";

/// The acting user named by the cookie, if any.
pub(crate) fn actor(headers: &HeaderMap) -> Option<Actor> {
    let user_id = cookie(headers, USER_COOKIE)?.parse::<i64>().ok()?;
    (user_id > 0).then_some(Actor { user_id })
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Chrome,
    /// Users offered as one-click choices: (id, name, roles).
    known: Vec<(i64, String, String)>,
}

/// The staff users to choose from (the administrator when none can be read).
async fn known_users(ctx: &Ctx, state: &UiState) -> Vec<(i64, String, String)> {
    let tr = ctx.tr;
    let users = blocking(state, |i| i.users()).await.unwrap_or_default();
    if users.is_empty() {
        return vec![(ADMIN_USER_ID, tr.t("ui.login.administrator"), String::new())];
    }
    users
        .into_iter()
        .map(|u| {
            let roles: Vec<String> = u.roles.iter().map(|r| tr.term("ui.role", r.name())).collect();
            (
                u.user_id,
                format!("{} ({})", u.display_name, u.username),
                roles.join(", "),
            )
        })
        .collect()
}

pub(crate) async fn login_page(ctx: Ctx, State(state): State<UiState>) -> Response {
    let page = LoginPage {
        c: ctx.chrome("login", None),
        known: known_users(&ctx, &state).await,
    };
    render(StatusCode::OK, &page)
}

pub(crate) async fn login(ctx: Ctx, State(state): State<UiState>, body: String) -> Response {
    let form = FormData::parse(&body);
    let known = known_users(&ctx, &state).await;
    let chosen = form.id(ctx.tr, "user_id").and_then(|id| {
        if known.iter().any(|(known_id, _, _)| *known_id == id) {
            Ok(id)
        } else {
            Err(AppError::invalid("user_id", ctx.tr.t("ui.reason.unknown_user")))
        }
    });
    let user_id = match chosen {
        Ok(id) => id,
        Err(error) => {
            let notice = Notice::of_error(ctx.tr, &error);
            let page = LoginPage {
                c: ctx.chrome("login", None).with_notice(Some(notice)),
                known,
            };
            return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let cookie = format!("{USER_COOKIE}={user_id}; Path=/; HttpOnly; SameSite=Lax");
    ([(header::SET_COOKIE, cookie)], Redirect::to("/?done=login")).into_response()
}

pub(crate) async fn logout() -> Response {
    let cookie = format!("{USER_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
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
    use axum::http::HeaderValue;

    #[test]
    fn the_acting_user_comes_from_the_cookie() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("lang=zh; credgrid_user=7"),
        );
        assert_eq!(actor(&headers), Some(Actor { user_id: 7 }));
        headers.insert(header::COOKIE, HeaderValue::from_static("credgrid_user=-1"));
        assert_eq!(actor(&headers), None);
        headers.insert(header::COOKIE, HeaderValue::from_static("credgrid_user=x"));
        assert_eq!(actor(&headers), None);
    }

    #[test]
    fn the_language_switch_only_returns_to_this_site() {
        assert!(is_local_path("/loans/3?done=repay"));
        assert!(!is_local_path("//evil.example/"));
        assert!(!is_local_path("https://evil.example/"));
        assert!(!is_local_path("/\\evil.example"));
    }
}
