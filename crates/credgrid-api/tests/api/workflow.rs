//! The origination workflow over HTTP (issue 4): an application taken
//! through the medium tier by five different staff members with their own
//! sessions, the collateral recorded, the inbox, a separation-of-duties
//! refusal answered as a 409 problem whose `type` names the rule, the old
//! one-button approval and disbursement going through the same rules, and
//! the relatives endpoint.

use super::helpers::TestApp;
use axum::http::Method;
use credgrid_app::{Actor, NewClient, PageRequest};
use credgrid_core::{Currency, Money};
use serde_json::{Value, json};

const ADMIN: Actor = Actor { user_id: 1 };

fn cny(major: i64) -> Money {
    Money::from_minor(major * 100, Currency::CNY)
}

/// Branch, outlet, product (maker-checker) and one household client, made
/// through the use cases; returns (client id, product id).
fn setup(app: &TestApp, am: Actor) -> (i64, i64) {
    let i = &app.institution;
    let branch = i.create_node(ADMIN, 1, "branch", "B1", "North").unwrap();
    let outlet = i
        .create_node(ADMIN, branch.id, "outlet", "O1", "Xiaoshan")
        .unwrap();
    let product = credgrid_app::NewProduct {
        code: "FARM".into(),
        name: "Farm loan".into(),
        currency: Currency::CNY,
        amount_min: cny(1_000),
        amount_max: cny(100_000),
        installments_min: 1,
        installments_max: 24,
        installments_default: 12,
        annual_rate_min: rust_decimal::Decimal::new(4, 2),
        annual_rate_max: rust_decimal::Decimal::new(24, 2),
        annual_rate_default: rust_decimal::Decimal::new(12, 2),
        method: "annuity".into(),
        every: 1,
        unit: "months".into(),
        interest_period: "installment".into(),
        days_in_year: "365".into(),
        days_in_month: "actual".into(),
        rounding_mode: "half_even".into(),
        installment_multiple: None,
        grace_principal_periods: 0,
        grace_interest_periods: 0,
        penalty_uplift: rust_decimal::Decimal::new(5, 1),
        compound_interest: false,
        allocation_order: vec![],
        disbursement_fee_flat: Money::zero(Currency::CNY),
        disbursement_fee_rate: rust_decimal::Decimal::ZERO,
    };
    let change = i.propose_product(ADMIN, &product, None).unwrap();
    app.token_for("checker", "administrator", 1);
    let checker = actor(app, "checker");
    i.approve_config(checker, change.id).unwrap();
    let page = PageRequest {
        after_id: 0,
        limit: 10,
    };
    let product_id = i.list_products(ADMIN, page).unwrap().items[0].id;
    let client = NewClient {
        outlet_id: outlet.id,
        kind: "household".into(),
        name: "Wang Fang".into(),
        id_country: "CN".into(),
        id_number: "11010519491231002X".into(),
        phone: None,
        address: None,
    };
    (i.create_client(am, client).unwrap().id, product_id)
}

fn actor(app: &TestApp, username: &str) -> Actor {
    let user = app.institution.user_named(username).unwrap().unwrap();
    Actor {
        user_id: user.user_id,
    }
}

async fn post_as(app: &TestApp, token: &str, path: &str, body: &Value) -> super::helpers::Reply {
    let text = body.to_string();
    app.send_as(Some(token), Method::POST, path, &[], Some(&text))
        .await
}

async fn get_as(app: &TestApp, token: &str, path: &str) -> super::helpers::Reply {
    app.send_as(Some(token), Method::GET, path, &[], None).await
}

fn step(name: &str, documents: &[&str]) -> Value {
    json!({"step": name, "decision": "approve", "reasons": "checked\nseen in person", "documents": documents})
}

#[tokio::test]
async fn an_application_goes_through_its_steps_over_http() {
    let app = TestApp::new("workflow");
    let am = app.token_for("am.one", "account_manager", 1);
    let am2 = app.token_for("am.two", "account_manager", 1);
    let reviewer = app.token_for("rev.one", "reviewer", 1);
    let approver = app.token_for("appr.one", "approver", 1);
    let teller = app.token_for("teller.one", "teller", 1);
    let (client_id, product_id) = setup(&app, actor(&app, "am.one"));

    let application = json!({"client_id": client_id, "product_id": product_id, "principal": "5000.00"});
    let loan = post_as(&app, &am, "/api/v1/loans", &application).await;
    let loan_id = loan.ok("apply")["id"].as_i64().unwrap();
    let base = format!("/api/v1/loans/{loan_id}");

    // A deposit pledge makes it a secured (guaranteed) medium-tier application.
    let pledge = json!({"kind": "deposit_pledge", "value": "5000.00", "description": "deposit 0012"});
    let item = post_as(&app, &am, &format!("{base}/collateral"), &pledge).await;
    assert_eq!(item.status.as_u16(), 201, "{}", item.body);
    app.conforms("Collateral", &item.body);
    assert_eq!(item.body["counted_value"], "5000.00");
    let wf = get_as(&app, &am, &format!("{base}/workflow")).await;
    app.conforms("Workflow", wf.ok("workflow"));
    assert_eq!(wf.body["tier"], "medium");
    assert_eq!(wf.body["current_step"], "application");

    let inbox = get_as(&app, &am, "/api/v1/applications/inbox").await;
    app.conforms("Inbox", inbox.ok("inbox"));
    assert_eq!(inbox.body["items"][0]["loan_id"], loan_id);
    assert_eq!(inbox.body["items"][0]["step"], "application");

    let docs = [
        "application_form",
        "id_document",
        "household_register",
        "income_proof",
    ];
    post_as(&app, &am, &format!("{base}/steps"), &step("application", &docs))
        .await
        .ok("application");
    let review = step("review", &["review_opinion"]);
    let forbidden = post_as(&app, &am, &format!("{base}/steps"), &review).await;
    forbidden.problem(403, "an account manager may not review");
    post_as(&app, &reviewer, &format!("{base}/steps"), &review)
        .await
        .ok("review");

    // The account manager who took the application may not grant the credit.
    let grant = step("credit_grant", &["credit_rating"]);
    let refused = post_as(&app, &am, &format!("{base}/steps"), &grant).await;
    let problem = refused.problem(409, "same person on two steps");
    assert!(
        problem["type"]
            .as_str()
            .unwrap()
            .ends_with("/sod-same-actor-two-steps"),
        "{problem}"
    );
    post_as(&app, &am2, &format!("{base}/steps"), &grant)
        .await
        .ok("credit grant");

    // The one-button approval and the disbursement apply the same rules.
    let approved = post_as(&app, &approver, &format!("{base}/approve"), &json!({})).await;
    assert_eq!(approved.ok("approve")["status"], "approved");
    let key = [("Idempotency-Key", "wf-disburse-1")];
    let disbursed = app
        .send_as(
            Some(&teller),
            Method::POST,
            &format!("{base}/disburse"),
            &key,
            Some("{}"),
        )
        .await;
    assert_eq!(disbursed.ok("disburse")["status"], "disbursed");

    let wf = get_as(&app, &approver, &format!("{base}/workflow")).await;
    let body = wf.ok("workflow");
    assert_eq!(body["status"], "finished");
    let acts: Vec<(&str, &str)> = body["acts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["step"].as_str().unwrap(), a["username"].as_str().unwrap()))
        .collect();
    assert_eq!(
        acts,
        [
            ("application", "am.one"),
            ("review", "rev.one"),
            ("credit_grant", "am.two"),
            ("approval", "appr.one"),
            ("disbursement", "teller.one"),
        ]
    );
    assert_eq!(body["acts"][0]["reasons"], json!(["checked", "seen in person"]));
    let listed = get_as(&app, &am, &format!("{base}/collateral")).await;
    assert_eq!(listed.ok("collateral")["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_walker_takes_an_application_to_disbursement() {
    let app = TestApp::new("workflow-walk");
    let am = app.token_for("am.one", "account_manager", 1);
    let teller = app.token_for("teller.one", "teller", 1);
    let (client_id, product_id) = setup(&app, actor(&app, "am.one"));
    let application = json!({"client_id": client_id, "product_id": product_id, "principal": "5000.00"});
    let loan_id = post_as(&app, &am, "/api/v1/loans", &application)
        .await
        .ok("apply")["id"]
        .as_i64()
        .unwrap();
    walk_to_disbursement(&app, loan_id).await;
    let key = [("Idempotency-Key", "wf-walk-1")];
    let path = format!("/api/v1/loans/{loan_id}/disburse");
    let disbursed = app
        .send_as(Some(&teller), Method::POST, &path, &key, Some("{}"))
        .await;
    assert_eq!(disbursed.ok("disburse")["status"], "disbursed");
}

#[tokio::test]
async fn workflow_requests_are_checked_field_by_field() {
    let app = TestApp::new("workflow-input");
    let am = app.token_for("am.one", "account_manager", 1);
    let (client_id, product_id) = setup(&app, actor(&app, "am.one"));
    let application = json!({"client_id": client_id, "product_id": product_id, "principal": "5000.00"});
    let loan_id = post_as(&app, &am, "/api/v1/loans", &application)
        .await
        .ok("apply")["id"]
        .as_i64()
        .unwrap();
    let base = format!("/api/v1/loans/{loan_id}");
    let bad_step = post_as(
        &app,
        &am,
        &format!("{base}/steps"),
        &json!({"step": "nap", "decision": "approve"}),
    )
    .await;
    assert_eq!(bad_step.problem(422, "unknown step")["field"], "step");
    let bad_doc = json!({"step": "application", "decision": "approve", "documents": ["selfie"]});
    let reply = post_as(&app, &am, &format!("{base}/steps"), &bad_doc).await;
    assert_eq!(reply.problem(422, "unknown document")["field"], "documents");
    let bad_kind = json!({"kind": "goodwill", "value": "1.00", "description": "x"});
    let reply = post_as(&app, &am, &format!("{base}/collateral"), &bad_kind).await;
    assert_eq!(reply.problem(422, "unknown collateral kind")["field"], "kind");
    let anonymous = app
        .send_as(None, Method::GET, "/api/v1/applications/inbox", &[], None)
        .await;
    anonymous.problem(401, "anonymous inbox");
    // A relative recorded through the API keeps the user off the application.
    let am_id = actor(&app, "am.one").user_id;
    let relative = json!({"client_id": client_id, "relation": "cousin"});
    let recorded = app
        .post(&format!("/api/v1/staff/{am_id}/relatives"), &relative)
        .await;
    assert_eq!(recorded.status.as_u16(), 201, "{}", recorded.body);
    let docs = [
        "application_form",
        "id_document",
        "household_register",
        "income_proof",
    ];
    let refused = post_as(&app, &am, &format!("{base}/steps"), &step("application", &docs)).await;
    let problem = refused.problem(409, "relative's application");
    assert!(
        problem["type"]
            .as_str()
            .unwrap()
            .ends_with("/sod-relative-application"),
        "{problem}"
    );
}

/// Takes application `loan_id` over HTTP through every step of its workflow
/// up to (not including) disbursement, each step approved by a different
/// staff user (`wf.<role>.<n>`, created on first use), after pledging a
/// deposit of the principal when the exposure check asks for security.
/// For tests that need an approved loan: apply, call this, then disburse
/// as a teller (a user holding every role may act on one step only).
pub(crate) async fn walk_to_disbursement(app: &TestApp, loan_id: i64) {
    let staff = [
        ("lobby_manager", 1),
        ("reviewer", 2),
        ("account_manager", 3),
        ("risk_officer", 3),
        ("approver", 1),
        ("contract_officer", 1),
        ("committee_member", 3),
    ];
    let mut tokens = Vec::new();
    for (role, copies) in staff {
        for n in 1..=copies {
            let username = format!("wf.{role}.{n}");
            let token = match app.institution.user_named(&username).unwrap() {
                Some(_) => {
                    app.institution
                        .login(&username, super::helpers::TEST_PASSWORD)
                        .unwrap()
                        .token
                }
                None => app.token_for(&username, role, 1),
            };
            tokens.push(token);
        }
    }
    let base = format!("/api/v1/loans/{loan_id}");
    for _ in 0..30 {
        let wf = app.get(&format!("{base}/workflow")).await.ok("workflow").clone();
        let step = wf["current_step"].as_str().unwrap_or("disbursement").to_string();
        if step == "disbursement" {
            return;
        }
        if wf["collateral"].as_array().is_some_and(|c| c.is_empty()) && !wf["exposure"]["breach"].is_null() {
            let pledge = json!({"kind": "deposit_pledge", "value": wf["amount"], "description": "deposit"});
            app.post(&format!("{base}/collateral"), &pledge)
                .await
                .ok("pledge");
        }
        let mut moved = false;
        for token in &tokens {
            let reply = post_as(
                app,
                token,
                &format!("{base}/approve"),
                &json!({"reason": "checked"}),
            )
            .await;
            if reply.status.is_success() {
                moved = true;
                break;
            }
        }
        assert!(moved, "nobody could approve step {step} of loan {loan_id}");
    }
    panic!("loan {loan_id} did not reach disbursement");
}
