//! Collections over HTTP (issue 7): the worklist with its parts, a contact,
//! actions refused with the conduct rule named (409) and recorded (201), a
//! Spanish SMS in the outbox, the collection file, the hand-over package as
//! CSV, the results, and bad input answered with a problem naming the field.

use crate::helpers::{TestApp, assert_problem};
use axum::http::Method;
use credgrid_app::PortfolioSpec;
use serde_json::json;

async fn app_with_overdue_loans() -> (TestApp, Vec<i64>) {
    let app = TestApp::new("collection");
    let tester = app.institution.user_named("tester").unwrap().unwrap().actor();
    let spec = PortfolioSpec {
        loans: 200,
        seed: 3,
        outlets: 1,
    };
    app.institution
        .generate_portfolio(tester, spec, &|_, _| {})
        .unwrap();
    app.post("/api/v1/eod", &json!({})).await.ok("eod");
    let list = app.get("/api/v1/collection/worklist?limit=200").await;
    let body = list.ok("worklist").clone();
    app.conforms("CollectionWorklist", &body);
    let ids: Vec<i64> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["loan_id"].as_i64().unwrap())
        .collect();
    assert!(!ids.is_empty());
    (app, ids)
}

/// The worklist's parts add up; a call at 22:30 is refused naming the hours
/// rule; a call at 10:00 and a Spanish SMS are recorded; the file shows them.
#[tokio::test]
async fn actions_over_http_name_the_rule_they_break() {
    let (app, ids) = app_with_overdue_loans().await;
    let list = app.get("/api/v1/collection/worklist?limit=200").await;
    for item in list.body["items"].as_array().unwrap() {
        let sum: i64 = item["parts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["points"].as_i64().unwrap())
            .sum();
        assert_eq!(sum, item["priority"].as_i64().unwrap());
    }
    let loan = ids[0];
    let contact = json!({"kind": "mobile", "relation": "borrower", "holder_name": "Li", "value": "13800138000",
        "given_by": "the borrower"});
    let created = app
        .post(&format!("/api/v1/collection/loans/{loan}/contacts"), &contact)
        .await;
    assert_eq!(created.status.as_u16(), 201, "{}", created.body);
    let contact_id = created.body["id"].as_i64().unwrap();
    let late = json!({"channel": "phone", "outcome": "no_answer", "at": "2026-01-05T22:30", "contact_id": contact_id});
    let refused = app
        .post(&format!("/api/v1/collection/loans/{loan}/actions"), &late)
        .await;
    let problem = refused.problem(409, "late call");
    assert!(
        problem["type"]
            .as_str()
            .unwrap()
            .ends_with("/collection-outside-hours"),
        "{problem}"
    );
    let call = json!({"channel": "phone", "outcome": "reached", "at": "2026-01-05T10:00", "contact_id": contact_id,
        "notes": "will pay after the harvest"});
    let done = app
        .post(&format!("/api/v1/collection/loans/{loan}/actions"), &call)
        .await;
    assert_eq!(done.status.as_u16(), 201, "{}", done.body);
    app.conforms("CollectionActionRecorded", &done.body);
    let sms = json!({"channel": "sms", "outcome": "sent", "at": "2026-01-05T11:00", "contact_id": contact_id,
        "template": "sms_reminder", "locale": "es"});
    let sent = app
        .post(&format!("/api/v1/collection/loans/{loan}/actions"), &sms)
        .await;
    assert_eq!(sent.status.as_u16(), 201, "{}", sent.body);
    let text = sent.body["message"].as_str().unwrap();
    assert!(text.starts_with("Estimado/a") && text.contains(" CNY"), "{text}");
    let queued = app.get("/api/v1/collection/outbox?delivery_status=queued").await;
    assert_eq!(queued.ok("outbox")["items"].as_array().unwrap().len(), 1);
    let case = app.get(&format!("/api/v1/collection/loans/{loan}")).await;
    app.conforms("CollectionCase", case.ok("case"));
    assert_eq!(case.body["actions"].as_array().unwrap().len(), 2);
    let package = app
        .send(
            Method::POST,
            &format!("/api/v1/collection/loans/{loan}/handover?package_format=csv"),
            &[],
            Some(r#"{"channel": "legal_court"}"#),
        )
        .await;
    assert_eq!(package.status.as_u16(), 200);
    assert!(package.content_type().starts_with("text/csv"));
    let results = app.get("/api/v1/collection/results").await;
    app.conforms("CollectionResults", results.ok("results"));
}

/// Bad input is a 4xx problem naming the field, never a 500.
#[tokio::test]
async fn bad_collection_input_is_a_problem() {
    let (app, ids) = app_with_overdue_loans().await;
    let loan = ids[0];
    let cases = [
        (
            format!("/api/v1/collection/loans/{loan}/actions"),
            json!({"channel": "fax", "outcome": "reached"}),
        ),
        (
            format!("/api/v1/collection/loans/{loan}/actions"),
            json!({"channel": "phone", "outcome": "reached", "at": "yesterday"}),
        ),
        (
            format!("/api/v1/collection/loans/{loan}/actions"),
            json!({"channel": "phone", "outcome": "reached", "shout": true}),
        ),
        (
            format!("/api/v1/collection/loans/{loan}/actions"),
            json!({"channel": "phone", "outcome": "promised", "promise_amount": "abc", "promise_date": "2026-02-01"}),
        ),
        (
            format!("/api/v1/collection/loans/{loan}/overrides"),
            json!({"collector_id": 1, "channel": "phone", "rules": ["templates-only"], "reason": "x"}),
        ),
        (
            format!("/api/v1/collection/loans/{loan}/debtor"),
            json!({"income_monthly": "-5", "other_debt_monthly": "0"}),
        ),
        (
            "/api/v1/collection/settings".to_string(),
            json!({"name": "conduct.hours_start", "value": "25:00"}),
        ),
        (
            "/api/v1/collection/loans/999999/actions".to_string(),
            json!({"channel": "phone", "outcome": "reached"}),
        ),
    ];
    for (path, body) in cases {
        let reply = app.post(&path, &body).await;
        assert_problem(&reply, &format!("{path} {body}"));
    }
    for path in [
        "/api/v1/collection/outbox?delivery_status=lost",
        "/api/v1/collection/worklist?limit=0",
        "/api/v1/collection/results?from=2026-02-01&to=2026-01-01",
    ] {
        assert_problem(&app.get(path).await, path);
    }
    let reply = app
        .send(
            Method::POST,
            &format!("/api/v1/collection/loans/{loan}/handover?package_format=xml"),
            &[],
            Some(r#"{"channel": "legal_court"}"#),
        )
        .await;
    assert_problem(&reply, "package_format");
}

/// R-SVC-5 over HTTP: a deposit feed whose current average fell 40% from
/// the previous 30 days' average raises one deposit-fall warning, shown in
/// the loan's collection file; a bad item is a 422 on `balances` naming it.
#[tokio::test]
async fn deposit_feed_raises_a_deposit_fall_warning() {
    let (app, ids) = app_with_overdue_loans().await;
    let loan = ids[0];
    let case = app.get(&format!("/api/v1/collection/loans/{loan}")).await;
    let client_id = case.ok("case")["client_id"].as_i64().unwrap();
    let today = app.get("/api/v1/business-date").await.body["business_date"]
        .as_str()
        .unwrap()
        .parse::<chrono::NaiveDate>()
        .unwrap();
    let on = |days_ago: u64| (today - chrono::Days::new(days_ago)).to_string();
    let feed = json!({"currency": "CNY", "balances": [
        {"client_id": client_id, "as_of": on(45), "balance": "20000.00"},
        {"client_id": client_id, "as_of": on(5), "balance": "12000.00"},
    ]});
    let reply = app.post("/api/v1/collection/deposit-balances", &feed).await;
    let body = reply.ok("deposit feed").clone();
    app.conforms("CollectionDepositFeed", &body);
    assert_eq!(
        (&body["balances"], &body["clients"], &body["warnings"]),
        (&json!(2), &json!(1), &json!(1))
    );
    let case = app.get(&format!("/api/v1/collection/loans/{loan}")).await;
    let kinds: Vec<&str> = case.body["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w["kind"].as_str())
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "deposit_fall").count(),
        1,
        "{kinds:?}"
    );
    let bad = json!({"currency": "CNY", "balances": [
        {"client_id": client_id, "as_of": on(1), "balance": "1.00"},
        {"client_id": client_id, "as_of": on(2), "balance": "-1.00"},
    ]});
    let reply = app.post("/api/v1/collection/deposit-balances", &bad).await;
    let problem = reply.problem(422, "negative balance");
    assert_eq!(problem["field"], "balances");
    assert!(
        problem["detail"].as_str().unwrap().contains("[1].balance"),
        "{problem}"
    );
}
