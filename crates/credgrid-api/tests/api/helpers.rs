//! A test institution behind the router, requests without a socket, and a
//! small checker that a JSON value conforms to a schema of the OpenAPI document.

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use chrono::NaiveDate;
use credgrid_api::http::{openapi, router};
use credgrid_app::Institution;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use tower::ServiceExt;

/// The business date every test institution starts on.
pub(crate) fn opening_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 5).unwrap()
}

/// A temporary directory removed on drop.
pub(crate) struct TempDir(pub(crate) PathBuf);

impl TempDir {
    pub(crate) fn new(label: &str) -> TempDir {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("credgrid-api-{label}-{}-{n}", std::process::id()));
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

/// A response: status, headers and the body as JSON (`Value::Null` if it is not JSON).
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Value,
}

impl Reply {
    pub(crate) fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Asserts a problem+json with this status; returns the problem.
    pub(crate) fn problem(&self, status: u16, context: &str) -> &Value {
        assert_eq!(self.status.as_u16(), status, "{context}: {}", self.body);
        assert_problem(self, context);
        &self.body
    }

    /// Asserts success; returns the body.
    pub(crate) fn ok(&self, context: &str) -> &Value {
        assert!(
            self.status.is_success(),
            "{context}: {} {}",
            self.status,
            self.body
        );
        &self.body
    }
}

/// A 4xx problem+json document (RFC 9457) agreeing with the status: never a 500, never plain text.
pub(crate) fn assert_problem(reply: &Reply, context: &str) {
    assert!(
        reply.status.is_client_error(),
        "{context}: expected 4xx, got {} {}",
        reply.status,
        reply.body
    );
    assert_eq!(reply.content_type(), "application/problem+json", "{context}");
    let doc = &reply.body;
    assert_eq!(doc["status"], reply.status.as_u16(), "{context}: {doc}");
    let kind = doc["type"].as_str().unwrap_or("");
    assert!(
        kind.starts_with("https://credgrid.dev/problems/"),
        "{context}: {doc}"
    );
    assert!(
        doc["title"].as_str().is_some_and(|t| !t.is_empty()),
        "{context}: {doc}"
    );
    assert!(
        doc["detail"].as_str().is_some_and(|t| !t.is_empty()),
        "{context}: {doc}"
    );
}

/// An institution in a fresh database and the API router over it.
pub(crate) struct TestApp {
    pub(crate) router: axum::Router,
    pub(crate) institution: Institution,
    pub(crate) doc: Value,
    /// The session every request sends unless told otherwise: user
    /// `tester`, who holds every role (these tests are about HTTP, not
    /// about separation of duties — see `tests/api/access.rs` for that).
    pub(crate) token: String,
    _dir: TempDir,
}

/// Every role: the test user may call every endpoint.
pub(crate) const ALL_ROLES: &str = "account_manager,grid_worker,risk_officer,reviewer,approver,committee_member,contract_officer,teller,lobby_manager,collector,branch_manager,auditor,administrator";
/// The password of the users tests create.
pub(crate) const TEST_PASSWORD: &str = "correct horse battery";

impl TestApp {
    pub(crate) fn new(label: &str) -> TestApp {
        let dir = TempDir::new(label);
        let institution =
            Institution::open(&dir.0.join("credgrid.db"), opening_date()).expect("open institution");
        let token = user_token(&institution, "tester", ALL_ROLES, 1);
        TestApp {
            router: router(institution.clone()),
            institution,
            doc: openapi::document(),
            token,
            _dir: dir,
        }
    }

    /// Creates a user with these roles at `node_id` and returns a session token of theirs.
    pub(crate) fn token_for(&self, username: &str, roles: &str, node_id: i64) -> String {
        user_token(&self.institution, username, roles, node_id)
    }

    /// Sends a request as the holder of `token` (`None`: anonymous).
    pub(crate) async fn send_as(
        &self,
        token: Option<&str>,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Reply {
        let bearer = token.map(|t| format!("Bearer {t}"));
        let mut all: Vec<(&str, &str)> = headers.to_vec();
        if let Some(b) = &bearer {
            all.push(("Authorization", b));
        }
        self.send_raw(method, path, &all, body).await
    }

    /// Sends a request; `body` is sent verbatim with `content-type: application/json`
    /// unless a content-type is among `headers`.
    /// Sends a request as the test user (unless `headers` has its own `Authorization`).
    pub(crate) async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Reply {
        if headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        {
            return self.send_raw(method, path, headers, body).await;
        }
        self.send_as(Some(&self.token), method, path, headers, body).await
    }

    /// Sends exactly these headers.
    pub(crate) async fn send_raw(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Reply {
        let mut request = Request::builder().method(method).uri(path);
        let has_type = headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
        if body.is_some() && !has_type {
            request = request.header("content-type", "application/json");
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(Body::from(body.unwrap_or("").to_string())).unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
        }
    }

    pub(crate) async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, &[], None).await
    }

    pub(crate) async fn post(&self, path: &str, body: &Value) -> Reply {
        self.send(Method::POST, path, &[], Some(&body.to_string())).await
    }

    /// A POST that moves money, with an idempotency key.
    pub(crate) async fn post_money(&self, path: &str, key: &str, body: &Value) -> Reply {
        self.send(
            Method::POST,
            path,
            &[("Idempotency-Key", key)],
            Some(&body.to_string()),
        )
        .await
    }

    /// Asserts that `value` conforms to the response schema `name` of the document.
    pub(crate) fn conforms(&self, name: &str, value: &Value) {
        conforms(
            &self.doc,
            &json!({"$ref": format!("#/components/schemas/{name}")}),
            value,
            name,
        );
    }
}

/// Creates a staff user and signs them in.
pub(crate) fn user_token(institution: &Institution, username: &str, roles: &str, node_id: i64) -> String {
    let user = credgrid_app::NewUser {
        node_id,
        username: username.into(),
        display_name: username.into(),
        roles: roles.split(',').map(str::to_string).collect(),
        password: TEST_PASSWORD.into(),
    };
    institution
        .create_user(credgrid_app::Actor { user_id: 1 }, user)
        .expect("create user");
    institution.login(username, TEST_PASSWORD).expect("login").token
}

/// The schema a `$ref` points to.
pub(crate) fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => &doc["components"]["schemas"][r.trim_start_matches("#/components/schemas/")],
        None => schema,
    }
}

fn type_matches(kind: &str, value: &Value) -> bool {
    match kind {
        "null" => value.is_null(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => false,
    }
}

/// A small JSON-schema check: types (with nullable type arrays), required members, enums, items.
pub(crate) fn conforms(doc: &Value, schema: &Value, value: &Value, at: &str) {
    let schema = resolve(doc, schema);
    let kinds: Vec<&str> = match &schema["type"] {
        Value::String(k) => vec![k.as_str()],
        Value::Array(ks) => ks.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    assert!(
        kinds.is_empty() || kinds.iter().any(|k| type_matches(k, value)),
        "{at}: {value} is not {kinds:?}"
    );
    if let (Some(allowed), false) = (schema["enum"].as_array(), value.is_null()) {
        assert!(allowed.contains(value), "{at}: {value} not in {allowed:?}");
    }
    if let Value::Object(members) = value {
        for name in schema["required"].as_array().into_iter().flatten() {
            assert!(
                members.contains_key(name.as_str().unwrap()),
                "{at}: missing {name} in {value}"
            );
        }
        for (name, sub) in schema["properties"].as_object().into_iter().flatten() {
            if let Some(member) = members.get(name) {
                conforms(doc, sub, member, &format!("{at}.{name}"));
            }
        }
        if !schema["properties"].is_null() {
            for name in members.keys() {
                assert!(
                    schema["properties"].get(name).is_some(),
                    "{at}: undocumented member {name}"
                );
            }
        }
    }
    if let (Value::Array(items), Some(item_schema)) = (value, schema.get("items")) {
        for (i, item) in items.iter().enumerate() {
            conforms(doc, item_schema, item, &format!("{at}[{i}]"));
        }
    }
}

/// Ids of a small institution built through the API: a branch, an outlet, a
/// client, a product and a disbursed loan with one repayment.
#[derive(Clone, Debug, Default)]
pub(crate) struct World {
    pub(crate) root_id: i64,
    pub(crate) branch_id: i64,
    pub(crate) outlet_id: i64,
    pub(crate) client_id: i64,
    pub(crate) product_id: i64,
    pub(crate) loan_id: i64,
    pub(crate) repayment_id: i64,
}

fn id_of(reply: &Reply, context: &str) -> i64 {
    reply.ok(context)["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("{context}: no id in {}", reply.body))
}

impl TestApp {
    pub(crate) async fn build_world(&self) -> World {
        let nodes = self.get("/api/v1/nodes").await;
        let root = nodes.ok("list nodes")["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["parent_id"].is_null())
            .cloned();
        let root_id = root.expect("a root node")["id"].as_i64().unwrap();
        let branch = self
            .post(
                "/api/v1/nodes",
                &json!({"parent_id": root_id, "kind": "branch", "code": "BR1", "name": "North"}),
            )
            .await;
        let branch_id = id_of(&branch, "create branch");
        let outlet = self
            .post(
                "/api/v1/nodes",
                &json!({"parent_id": branch_id, "kind": "outlet", "code": "OUT1", "name": "Xiaoshan"}),
            )
            .await;
        let outlet_id = id_of(&outlet, "create outlet");
        let mut client = openapi::example("NewClient");
        client["outlet_id"] = json!(outlet_id);
        let client_id = id_of(&self.post("/api/v1/clients", &client).await, "create client");
        // A product is maker-checker configuration: proposed (202), then
        // approved by a second user, whose answer names the new product.
        let proposed = self
            .post("/api/v1/products", &openapi::example("NewProduct"))
            .await;
        assert_eq!(
            proposed.status,
            StatusCode::ACCEPTED,
            "propose product: {}",
            proposed.body
        );
        let checker = self.token_for("config.checker", "administrator", root_id);
        let approve = format!("/api/v1/config/changes/{}/approve", proposed.body["id"]);
        let approved = self
            .send_as(Some(&checker), Method::POST, &approve, &[], None)
            .await;
        let product_id = approved.ok("approve product")["product_id"]
            .as_i64()
            .unwrap_or_else(|| panic!("approve product: no product_id in {}", approved.body));
        let loan_id = self.disbursed_loan(client_id, product_id, "5000.00").await;
        let path = format!("/api/v1/loans/{loan_id}/repayments");
        let repayment = self
            .post_money(&path, "world-repay-1", &json!({"amount": "100.00"}))
            .await;
        let repayment_id = id_of(&repayment, "repay");
        World {
            root_id,
            branch_id,
            outlet_id,
            client_id,
            product_id,
            loan_id,
            repayment_id,
        }
    }

    /// Applies for, approves and disburses a loan; returns its id.
    pub(crate) async fn disbursed_loan(&self, client_id: i64, product_id: i64, principal: &str) -> i64 {
        let loan_id = self.application(client_id, product_id, principal).await;
        // Every step of the origination workflow, each by a different user (workflow.rs).
        super::workflow::walk_to_disbursement(self, loan_id).await;
        let key = format!("disburse-{loan_id}");
        self.post_money(&format!("/api/v1/loans/{loan_id}/disburse"), &key, &json!({}))
            .await
            .ok("disburse");
        loan_id
    }

    /// A loan application; returns its id.
    pub(crate) async fn application(&self, client_id: i64, product_id: i64, principal: &str) -> i64 {
        let mut application = openapi::example("LoanApplication");
        application["client_id"] = json!(client_id);
        application["product_id"] = json!(product_id);
        application["principal"] = json!(principal);
        id_of(&self.post("/api/v1/loans", &application).await, "apply")
    }
}
