//! The router answers exactly what the OpenAPI document describes, and
//! everything else is a problem+json (unknown route 404, wrong method 405).

use crate::helpers::TestApp;
use axum::http::Method;
use credgrid_api::http::{openapi, route_table};

/// A concrete path for a route template (`{id}` → 1): enough to reach the handler.
fn concrete(path: &str) -> String {
    path.replace("{id}", "1").replace("{tx_id}", "1")
}

#[tokio::test]
async fn every_documented_route_reaches_a_handler() {
    let app = TestApp::new("routes");
    for (method, path) in route_table() {
        let reply = app
            .send(
                method.clone(),
                &concrete(&path),
                &[("Idempotency-Key", "k")],
                Some("{}"),
            )
            .await;
        let kind = reply.body["type"].as_str().unwrap_or("");
        assert!(
            !kind.ends_with("/unknown-route") && !kind.ends_with("/method-not-allowed"),
            "{method} {path} is documented but not routed: {}",
            reply.body
        );
        assert_ne!(reply.status.as_u16(), 500, "{method} {path}: {}", reply.body);
    }
}

#[tokio::test]
async fn the_served_document_is_the_openapi_document() {
    let app = TestApp::new("openapi");
    let reply = app.get("/api/v1/openapi.json").await;
    assert_eq!(reply.ok("openapi").clone(), openapi::document());
    assert_eq!(reply.body["openapi"], "3.1.0");
}

#[tokio::test]
async fn unknown_routes_and_methods_are_problems() {
    let app = TestApp::new("unknown");
    for path in [
        "/",
        "/api/v1",
        "/api/v1/nope",
        "/api/v2/clients",
        "/api/v1/clients/1/nope",
        "/api/v1/clients/",
    ] {
        let reply = app.get(path).await;
        assert_eq!(
            reply.problem(404, path)["type"],
            "https://credgrid.dev/problems/unknown-route"
        );
    }
    for (method, path) in [
        (Method::DELETE, "/api/v1/clients/1"),
        (Method::PUT, "/api/v1/loans"),
        (Method::GET, "/api/v1/eod"),
    ] {
        let reply = app.send(method.clone(), path, &[], None).await;
        assert!(reply.headers.contains_key("allow"), "405 without Allow on {path}");
        assert_eq!(
            reply.problem(405, path)["type"],
            "https://credgrid.dev/problems/method-not-allowed",
            "{method}"
        );
    }
}

#[tokio::test]
async fn the_allow_header_lists_the_methods_of_the_route() {
    let app = TestApp::new("allow");
    let reply = app.send(Method::DELETE, "/api/v1/loans", &[], None).await;
    reply.problem(405, "DELETE /loans");
    assert_eq!(reply.headers["allow"], "POST, GET");
}

#[tokio::test]
async fn a_call_without_a_session_is_refused() {
    let app = TestApp::new("user");
    let body = serde_json::json!({"parent_id": 1, "kind": "branch", "code": "B", "name": "B"}).to_string();
    let reply = app
        .send_as(None, Method::POST, "/api/v1/nodes", &[], Some(&body))
        .await;
    assert_eq!(reply.problem(401, "anonymous")["field"], "Authorization");
    let nodes = app.send_as(None, Method::GET, "/api/v1/nodes", &[], None).await;
    nodes.problem(401, "anonymous read");
    // The probe and the document stay public.
    assert!(
        app.send_as(None, Method::GET, "/api/v1/health", &[], None)
            .await
            .status
            .is_success()
    );
    assert!(
        app.send_as(None, Method::GET, "/api/v1/openapi.json", &[], None)
            .await
            .status
            .is_success()
    );
}

#[test]
fn the_api_guide_mentions_every_route() {
    let guide = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/api.md")).unwrap();
    for (method, path) in route_table() {
        let line = format!("{method} {path}");
        assert!(guide.contains(&line), "docs/api.md does not mention `{line}`");
    }
}
