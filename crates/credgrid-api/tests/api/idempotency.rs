//! Idempotency of money movements: a retry returns the first result and moves
//! no money twice; the same key with another request is refused (409).
//! Pattern: IETF draft-ietf-httpapi-idempotency-key-header (the `Idempotency-Key` header).

use crate::helpers::TestApp;
use axum::http::Method;
use serde_json::json;

fn repayment_count(txs: &serde_json::Value) -> usize {
    txs["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["kind"] == "repayment")
        .count()
}

#[tokio::test]
async fn a_retried_repayment_returns_the_first_result_once() {
    let app = TestApp::new("idem");
    let world = app.build_world().await;
    let path = format!("/api/v1/loans/{}/repayments", world.loan_id);
    let first = app
        .post_money(
            &path,
            "retry-1",
            &json!({"amount": "50.00", "value_date": "2026-01-05"}),
        )
        .await;
    app.conforms("Transaction", first.ok("first"));
    // The same request, written with other spacing and member order.
    let text = r#"{ "value_date": "2026-01-05",   "amount": "50.00" }"#;
    let retry = app
        .send(Method::POST, &path, &[("Idempotency-Key", "retry-1")], Some(text))
        .await;
    assert_eq!(retry.status, first.status);
    assert_eq!(retry.body, first.body, "the retry answers the first result");
    let txs = app
        .get(&format!("/api/v1/loans/{}/transactions", world.loan_id))
        .await;
    assert_eq!(
        repayment_count(txs.ok("transactions")),
        2,
        "the world's repayment and this one, once"
    );

    let other = app
        .post_money(
            &path,
            "retry-1",
            &json!({"amount": "51.00", "value_date": "2026-01-05"}),
        )
        .await;
    let problem = other.problem(409, "same key, other amount");
    assert_eq!(
        problem["type"],
        "https://credgrid.dev/problems/idempotency-mismatch"
    );
    assert_eq!(problem["field"], "Idempotency-Key");
    let elsewhere = app
        .post_money(
            &format!("/api/v1/loans/{}/fees", world.loan_id),
            "retry-1",
            &json!({"amount": "50.00", "reason": "x"}),
        )
        .await;
    elsewhere.problem(409, "same key on another endpoint");
}

#[tokio::test]
async fn concurrent_retries_move_money_once() {
    let app = TestApp::new("idem-race");
    let world = app.build_world().await;
    let path = format!("/api/v1/loans/{}/repayments", world.loan_id);
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let router = app.router.clone();
        let path = path.clone();
        let bearer = format!("Bearer {}", app.token);
        tasks.push(tokio::spawn(async move {
            use tower::ServiceExt;
            let request = axum::http::Request::post(&path)
                .header("content-type", "application/json")
                .header("authorization", bearer)
                .header("Idempotency-Key", "race-1")
                .body(axum::body::Body::from(r#"{"amount":"30.00"}"#))
                .unwrap();
            let response = router.oneshot(request).await.unwrap();
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            (
                status,
                serde_json::from_slice::<serde_json::Value>(&bytes).unwrap(),
            )
        }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        let (status, body) = task.await.unwrap();
        assert!(status.is_success(), "{status} {body}");
        ids.push(body["id"].clone());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "every retry answers the same transaction");
    let txs = app
        .get(&format!("/api/v1/loans/{}/transactions", world.loan_id))
        .await;
    assert_eq!(repayment_count(txs.ok("transactions")), 2);
}

#[tokio::test]
async fn a_retried_disbursement_returns_the_loan_instead_of_refusing() {
    let app = TestApp::new("idem-disburse");
    let world = app.build_world().await;
    let key = format!("disburse-{}", world.loan_id);
    let path = format!("/api/v1/loans/{}/disburse", world.loan_id);
    let retry = app.post_money(&path, &key, &json!({})).await;
    assert_eq!(retry.ok("retry")["id"], world.loan_id);
    let fresh = app.post_money(&path, "another-key", &json!({})).await;
    fresh.problem(409, "a second disbursement under a new key");
}
