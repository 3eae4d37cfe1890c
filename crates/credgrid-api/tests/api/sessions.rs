//! Signing in through the API: a bearer token acts as its user, a bad or
//! ended token is a 401 naming the Bearer scheme, and a refused login looks
//! the same whether the user exists or not. (Issue 4, item 1.)

use crate::helpers::TestApp;
use axum::http::Method;
use credgrid_app::{ADMIN_USER_ID, Actor};
use serde_json::json;

const PASSWORD: &str = "correct horse battery";

async fn signed_in(app: &TestApp) -> (String, String) {
    let admin = Actor {
        user_id: ADMIN_USER_ID,
    };
    app.institution
        .set_password(admin, ADMIN_USER_ID, PASSWORD.into())
        .unwrap();
    let username = app
        .institution
        .users(admin)
        .unwrap()
        .into_iter()
        .find(|u| u.user_id == ADMIN_USER_ID)
        .unwrap()
        .username;
    let session = app
        .post(
            "/api/v1/sessions",
            &json!({"username": username, "password": PASSWORD}),
        )
        .await;
    app.conforms("Session", session.ok("login"));
    assert_eq!(session.body["user"]["id"], ADMIN_USER_ID);
    (session.body["token"].as_str().unwrap().to_string(), username)
}

#[tokio::test]
async fn a_session_token_acts_until_logout() {
    let app = TestApp::new("session");
    let (token, _) = signed_in(&app).await;
    let bearer = format!("Bearer {token}");
    let node = json!({"parent_id": 1, "kind": "branch", "code": "B1", "name": "North"}).to_string();
    let created = app
        .send(
            Method::POST,
            "/api/v1/nodes",
            &[("Authorization", &bearer)],
            Some(&node),
        )
        .await;
    created.ok("create with a token");

    let out = app
        .send(
            Method::DELETE,
            "/api/v1/sessions/current",
            &[("Authorization", &bearer)],
            None,
        )
        .await;
    assert_eq!(out.status.as_u16(), 204);
    let node = json!({"parent_id": 1, "kind": "branch", "code": "B2", "name": "South"}).to_string();
    let after = app
        .send(
            Method::POST,
            "/api/v1/nodes",
            &[("Authorization", &bearer)],
            Some(&node),
        )
        .await;
    after.problem(401, "an ended session");
    assert_eq!(after.headers["www-authenticate"], "Bearer");
}

#[tokio::test]
async fn bad_tokens_and_refused_logins_are_401() {
    let app = TestApp::new("session-bad");
    let (_, username) = signed_in(&app).await;
    let node = json!({"parent_id": 1, "kind": "branch", "code": "B1", "name": "North"}).to_string();
    for auth in ["Bearer not-a-token", "Basic YWRtaW46eA==", "Bearer ", "token"] {
        let reply = app
            .send(
                Method::POST,
                "/api/v1/nodes",
                &[("Authorization", auth)],
                Some(&node),
            )
            .await;
        reply.problem(401, auth);
    }
    let wrong = app
        .post(
            "/api/v1/sessions",
            &json!({"username": username, "password": "wrong password!"}),
        )
        .await;
    let nobody = app
        .post(
            "/api/v1/sessions",
            &json!({"username": "nobody", "password": "wrong password!"}),
        )
        .await;
    let (wrong, nobody) = (
        wrong.problem(401, "wrong password").clone(),
        nobody.problem(401, "unknown user").clone(),
    );
    assert_eq!(wrong, nobody, "a refusal does not tell whether the user exists");
    let anonymous = app
        .send_as(None, Method::DELETE, "/api/v1/sessions/current", &[], None)
        .await;
    anonymous.problem(401, "logout without a session");
}
