//! Maker-checker configuration and masked personal data over HTTP (issue 4
//! §2 and §7): a product is proposed (202) and exists only once a second
//! user approves it; the proposer's own approval is a 409 naming the rule;
//! a rejection needs a reason; a client's ID number, phone and address are
//! masked for roles that do not need them. Responses conform to the document.

use crate::helpers::TestApp;
use axum::http::{Method, StatusCode};
use credgrid_api::http::openapi;
use serde_json::json;

#[tokio::test]
async fn a_product_needs_a_second_user_and_the_maker_cannot_check() {
    let app = TestApp::new("config-product");
    let proposed = app
        .post("/api/v1/products", &openapi::example("NewProduct"))
        .await;
    assert_eq!(proposed.status, StatusCode::ACCEPTED, "{}", proposed.body);
    app.conforms("ConfigChange", &proposed.body);
    assert_eq!(proposed.body["state"], "pending");
    let location = proposed.headers["location"].to_str().unwrap().to_string();
    assert_eq!(
        location,
        format!("/api/v1/config/changes/{}", proposed.body["id"])
    );
    let products = app.get("/api/v1/products").await;
    assert_eq!(
        products.ok("products")["items"],
        json!([]),
        "nothing in force yet"
    );

    let approve = format!("{location}/approve");
    let own = app.send(Method::POST, &approve, &[], None).await;
    assert_eq!(own.status, StatusCode::CONFLICT, "{}", own.body);
    assert!(
        own.body["type"]
            .as_str()
            .unwrap()
            .ends_with("sod-maker-is-checker"),
        "{}",
        own.body
    );

    let teller = app.token_for("li.teller", "teller", 1);
    let refused = app
        .send_as(Some(&teller), Method::POST, &approve, &[], None)
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let checker = app.token_for("second.admin", "administrator", 1);
    let approved = app
        .send_as(Some(&checker), Method::POST, &approve, &[], None)
        .await;
    app.conforms("ConfigChange", approved.ok("approve"));
    let product_id = approved.body["product_id"].as_i64().expect("the product created");
    let product = app.get(&format!("/api/v1/products/{product_id}")).await;
    assert_eq!(product.ok("product")["code"], "AGRI12");
    let again = app
        .send_as(Some(&checker), Method::POST, &approve, &[], None)
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "a decided change is final");
}

#[tokio::test]
async fn a_limits_change_shows_its_diff_and_a_rejection_needs_a_reason() {
    let app = TestApp::new("config-limits");
    let current = app.get("/api/v1/config/current?kind=limits&currency=CNY").await;
    app.conforms("ConfigInForce", current.ok("current"));
    assert_eq!(current.body["version"], json!(null));
    let payload = current.body["payload"].as_str().unwrap().replace(
        "role=approver ceiling=100000.00",
        "role=approver ceiling=150000.00",
    );
    let change = app
        .post(
            "/api/v1/config/changes",
            &json!({"kind": "limits", "payload": payload}),
        )
        .await;
    app.conforms("ConfigChange", change.ok("propose"));
    let changed: Vec<String> = change.body["diff"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["op"] != " ")
        .map(|l| format!("{}{}", l["op"].as_str().unwrap(), l["text"].as_str().unwrap()))
        .collect();
    assert_eq!(
        changed,
        [
            "-role=approver ceiling=100000.00",
            "+role=approver ceiling=150000.00"
        ]
    );
    let bad = app
        .post(
            "/api/v1/config/changes",
            &json!({"kind": "limits", "payload": "currency=CNY digits=2\nrole=boss ceiling=1"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert_eq!(bad.body["field"], "payload");

    let checker = app.token_for("second.admin", "administrator", 1);
    let reject = format!("/api/v1/config/changes/{}/reject", change.body["id"]);
    let no_reason = app
        .send_as(Some(&checker), Method::POST, &reject, &[], Some("{}"))
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = json!({"reason": "above the board's mandate"}).to_string();
    let rejected = app
        .send_as(Some(&checker), Method::POST, &reject, &[], Some(&body))
        .await;
    assert_eq!(rejected.ok("reject")["state"], "rejected");
    let history = app.get("/api/v1/config/changes?state=rejected").await;
    app.conforms("ConfigChangePage", history.ok("history"));
    assert_eq!(history.body["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn personal_data_is_masked_for_roles_that_do_not_need_it() {
    let app = TestApp::new("masking");
    let branch = app
        .post(
            "/api/v1/nodes",
            &json!({"parent_id": 1, "kind": "branch", "code": "BR1", "name": "North"}),
        )
        .await;
    let outlet = app
        .post(
            "/api/v1/nodes",
            &json!({"parent_id": branch.ok("branch")["id"], "kind": "outlet", "code": "O1", "name": "Xiaoshan"}),
        )
        .await;
    let mut client = openapi::example("NewClient");
    client["outlet_id"] = outlet.ok("outlet")["id"].clone();
    let created = app.post("/api/v1/clients", &client).await;
    let path = format!("/api/v1/clients/{}", created.ok("client")["id"]);
    let manager = app.token_for("an.account.manager", "account_manager", 1);
    let full = app.send_as(Some(&manager), Method::GET, &path, &[], None).await;
    app.conforms("Client", full.ok("manager"));
    assert_eq!(full.body["id_number"], "11010519491231002X");
    assert_eq!(full.body["unmasked"], json!(["id_number", "phone", "address"]));
    let auditor = app.token_for("an.auditor", "auditor", 1);
    let masked = app.send_as(Some(&auditor), Method::GET, &path, &[], None).await;
    app.conforms("Client", masked.ok("auditor"));
    assert_eq!(masked.body["id_number"], "110105********002X");
    assert_eq!(masked.body["unmasked"], json!([]));
    assert!(
        !masked.body["phone"].as_str().unwrap().contains("0013"),
        "{}",
        masked.body
    );
}
