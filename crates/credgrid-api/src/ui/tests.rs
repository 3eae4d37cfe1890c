//! The web application through its router, without a socket: every page in
//! every language, the login stand-in, the language switch, refusals.

use super::ui_router;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::NaiveDate;
use credgrid_app::{ADMIN_USER_ID, Actor, Institution, PortfolioSpec};
use credgrid_core::i18n::{Locale, t};
use std::path::PathBuf;
use tower::ServiceExt;

/// A temporary directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(label: &str) -> TempDir {
        use std::sync::atomic::{AtomicU32, Ordering};
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("credgrid-ui-{label}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// An institution with a small generated portfolio (outlets, products, loans).
fn institution(dir: &TempDir) -> Institution {
    let opening = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    let institution = Institution::open(&dir.0.join("ui.db"), opening).unwrap();
    let spec = PortfolioSpec {
        loans: 12,
        seed: 7,
        outlets: 2,
    };
    let actor = Actor {
        user_id: ADMIN_USER_ID,
    };
    institution.generate_portfolio(actor, spec, &|_, _| {}).unwrap();
    let clerk = credgrid_app::NewUser {
        node_id: 1,
        username: "clerk".into(),
        display_name: "Clerk".into(),
        roles: CLERK_ROLES.iter().map(|r| r.to_string()).collect(),
        password: CLERK_PASSWORD.into(),
    };
    institution.create_user(actor, clerk).unwrap();
    let token = institution.login("clerk", CLERK_PASSWORD).unwrap().token;
    SESSION.with(|s| *s.borrow_mut() = token);
    institution
}

/// The roles of the test clerk: every page and action is open to them.
const CLERK_ROLES: [&str; 5] = [
    "account_manager",
    "approver",
    "teller",
    "branch_manager",
    "auditor",
];
const CLERK_PASSWORD: &str = "correct horse battery";

thread_local! {
    /// The clerk's session token for this test (each test runs on its own thread).
    static SESSION: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

fn session_cookie() -> String {
    SESSION.with(|s| format!("credgrid_session={}", s.borrow()))
}

struct Page {
    status: StatusCode,
    location: String,
    set_cookie: String,
    html: String,
}

async fn send(app: &Router, request: Request<Body>) -> Page {
    let response = app.clone().oneshot(request).await.unwrap();
    let header_text = |name| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let (status, location, set_cookie) = (
        response.status(),
        header_text(header::LOCATION),
        header_text(header::SET_COOKIE),
    );
    let bytes = axum::body::to_bytes(response.into_body(), 4 << 20).await.unwrap();
    Page {
        status,
        location,
        set_cookie,
        html: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

fn get(path: &str, lang: &str) -> Request<Body> {
    Request::get(path)
        .header(header::COOKIE, format!("{}; lang={lang}", session_cookie()))
        .body(Body::empty())
        .unwrap()
}

fn post(path: &str, body: &str) -> Request<Body> {
    Request::post(path)
        .header(header::COOKIE, format!("{}; lang=en", session_cookie()))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.to_string()))
        .unwrap()
}

#[tokio::test]
async fn every_page_renders_in_every_language_without_an_untranslated_key() {
    let dir = TempDir::new("pages");
    let app = ui_router(institution(&dir));
    let paths = [
        "/",
        "/clients",
        "/clients?q=Client",
        "/clients/1",
        "/clients/new",
        "/products",
        "/products/1",
        "/loans",
        "/loans?status=disbursed",
        "/loans/new",
        "/loans/1",
        "/ledger",
        "/eod",
        "/portfolio",
    ];
    for locale in Locale::ALL {
        for path in paths {
            let page = send(&app, get(path, locale.tag())).await;
            assert_eq!(page.status, StatusCode::OK, "{path} in {locale:?}");
            assert!(
                page.html.contains(&format!("<html lang=\"{}\">", locale.tag())),
                "{path}"
            );
            assert!(
                !page.html.contains("ui."),
                "{path} in {locale:?} shows a catalogue key"
            );
        }
    }
}

#[tokio::test]
async fn the_web_application_merges_with_the_api_router() {
    let dir = TempDir::new("merge");
    let institution = institution(&dir);
    let app = crate::http::router(institution.clone()).merge(ui_router(institution));
    assert_eq!(send(&app, get("/", "en")).await.status, StatusCode::OK);
    let bearer = SESSION.with(|s| format!("Bearer {}", s.borrow()));
    let api = send(
        &app,
        Request::get("/api/v1/products")
            .header(header::AUTHORIZATION, bearer)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(api.status, StatusCode::OK);
    assert!(api.html.starts_with('{'), "the API still answers JSON");
}

#[tokio::test]
async fn pages_ask_to_sign_in_first() {
    let dir = TempDir::new("login");
    let app = ui_router(institution(&dir));
    let anonymous = send(&app, Request::get("/loans").body(Body::empty()).unwrap()).await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert_eq!(anonymous.location, "/login");
    let form = |body: &str| {
        Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let signed = send(&app, form("username=clerk&password=correct+horse+battery")).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER);
    assert!(
        signed.set_cookie.starts_with("credgrid_session="),
        "{}",
        signed.set_cookie
    );
    assert!(signed.set_cookie.contains("HttpOnly"));
    let token = signed.set_cookie["credgrid_session=".len()..]
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let mine = Request::get("/loans")
        .header(header::COOKIE, format!("credgrid_session={token}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, mine).await.status, StatusCode::OK);
    for wrong in [
        "username=clerk&password=nope",
        "username=nobody&password=correct+horse+battery",
    ] {
        let refused = send(&app, form(wrong)).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
        assert!(refused.set_cookie.is_empty(), "no session for a refused sign-in");
        assert!(
            refused
                .html
                .contains(&t(Locale::En, "ui.error.unauthenticated", &[]))
        );
    }
    // Signing out ends the session on the server, not only in the browser.
    let out = Request::post("/logout")
        .header(header::COOKIE, format!("credgrid_session={token}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, out).await.status, StatusCode::SEE_OTHER);
    let after = Request::get("/loans")
        .header(header::COOKIE, format!("credgrid_session={token}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, after).await.location, "/login");
}

#[tokio::test]
async fn the_language_switch_remembers_the_choice_and_goes_back() {
    let dir = TempDir::new("lang");
    let app = ui_router(institution(&dir));
    let switched = send(&app, get("/lang?to=es&back=%2Floans%3Fstatus%3Ddisbursed", "en")).await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER);
    assert_eq!(switched.location, "/loans?status=disbursed");
    assert!(switched.set_cookie.starts_with("lang=es;"));
    let browser = Request::get("/loans")
        .header(header::COOKIE, session_cookie())
        .header(header::ACCEPT_LANGUAGE, "zh-CN,zh;q=0.9,en;q=0.8")
        .body(Body::empty())
        .unwrap();
    let page = send(&app, browser).await;
    assert!(page.html.contains(&t(Locale::Zh, "ui.loans.title", &[])));
}

#[test]
fn the_language_switch_returns_to_the_page_not_to_the_action() {
    let uri = |text: &str| text.parse::<axum::http::Uri>().unwrap();
    assert_eq!(super::page_address(&uri("/loans/3?done=repay")), "/loans/3");
    assert_eq!(
        super::page_address(&uri("/loans?status=approved&done=x&after=5")),
        "/loans?status=approved&after=5"
    );
    assert_eq!(super::page_of_action("/loans/3/repay"), "/loans/3");
    assert_eq!(super::page_of_action("/clients"), "/clients/new");
    assert_eq!(super::page_of_action("/eod"), "/eod");
}

#[tokio::test]
async fn a_refusal_is_a_translated_message_never_a_bare_error() {
    let dir = TempDir::new("refusal");
    let app = ui_router(institution(&dir));
    let missing = send(&app, get("/loans/999999", "zh")).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.html.contains(&t(Locale::Zh, "ui.error.not-found", &[])));
    assert!(missing.html.contains("role=\"alert\""));
    let negative = send(&app, post("/loans/1/repay", "amount=-5")).await;
    assert_eq!(negative.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        negative
            .html
            .contains(&t(Locale::En, "ui.error.invalid-field", &[]))
    );
    assert!(
        negative.html.contains("id=\"amount-error\""),
        "the error sits next to the field"
    );
    let unknown = send(&app, post("/loans/1/explode", "")).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_double_submitted_repayment_form_pays_once() {
    let dir = TempDir::new("idempotent");
    let institution = institution(&dir);
    let app = ui_router(institution.clone());
    let before = institution
        .loan_transactions(actor_clerk(&institution), 1)
        .unwrap()
        .len();
    let form = "idempotency_key=ui-test-key-1&amount=10.00&value_date=&prepayment=shorten_term";
    for _ in 0..2 {
        let page = send(&app, post("/loans/1/repay", form)).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
    }
    assert_eq!(
        institution
            .loan_transactions(actor_clerk(&institution), 1)
            .unwrap()
            .len(),
        before + 1
    );
    let changed = "idempotency_key=ui-test-key-1&amount=20.00&value_date=&prepayment=shorten_term";
    let refused = send(&app, post("/loans/1/repay", changed)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .html
            .contains(&t(Locale::En, "ui.error.idempotency-mismatch", &[]))
    );
}

#[tokio::test]
async fn the_portfolio_drills_down_to_one_outlet() {
    let dir = TempDir::new("drill");
    let institution = institution(&dir);
    let outlets: Vec<_> = institution
        .list_nodes(actor_clerk(&institution))
        .unwrap()
        .into_iter()
        .filter(|n| n.kind == "outlet")
        .collect();
    assert_eq!(outlets.len(), 2);
    let app = ui_router(institution);
    for outlet in &outlets {
        let csv = send(&app, get(&format!("/portfolio.csv?node={}", outlet.id), "en")).await;
        let rows: Vec<&str> = csv.html.lines().skip(1).collect();
        assert!(!rows.is_empty(), "{} has loans", outlet.code);
        assert!(
            rows.iter().all(|r| r.starts_with(&format!("{},", outlet.code))),
            "{rows:?}"
        );
    }
}

#[tokio::test]
async fn the_portfolio_downloads_as_csv() {
    let dir = TempDir::new("csv");
    let app = ui_router(institution(&dir));
    let csv = send(&app, get("/portfolio.csv", "es")).await;
    assert_eq!(csv.status, StatusCode::OK);
    let header_line = csv.html.lines().next().unwrap();
    assert!(header_line.starts_with(&t(Locale::Es, "ui.portfolio.outlet", &[])));
    assert!(csv.html.lines().count() > 1, "one line per outlet and product");
    let ledger = send(&app, get("/ledger.csv?date=2026-03-02&node=", "zh")).await;
    assert_eq!(ledger.status, StatusCode::OK);
    assert!(ledger.html.starts_with(&t(Locale::Zh, "ui.journal.account", &[])));
    assert!(
        ledger.html.contains("\r\n1301,"),
        "the loans account has a line: {}",
        ledger.html
    );
}

fn actor_clerk(institution: &Institution) -> Actor {
    institution.user_named("clerk").unwrap().unwrap().actor()
}

#[tokio::test]
async fn an_unknown_page_is_a_page_not_a_json_problem() {
    let dir = TempDir::new("unknown");
    let institution = institution(&dir);
    let app = crate::http::router(institution.clone()).merge(ui_router(institution));
    let browser = Request::get("/no/such/page")
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .header(header::ACCEPT_LANGUAGE, "es")
        .body(Body::empty())
        .unwrap();
    let page = send(&app, browser).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.html.contains("<html lang=\"es\">"), "{}", page.html);
    assert!(page.html.contains(&t(Locale::Es, "ui.error.not-found", &[])));
    let api = Request::get("/api/v1/no-such-route")
        .header(header::ACCEPT, "text/html")
        .body(Body::empty())
        .unwrap();
    let problem = send(&app, api).await;
    assert_eq!(problem.status, StatusCode::NOT_FOUND);
    assert!(
        problem.html.contains("unknown-route"),
        "the API keeps its problem+json"
    );
}
