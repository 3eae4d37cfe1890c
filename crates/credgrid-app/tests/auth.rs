//! Staff login: argon2id passwords, opaque session tokens with expiry and
//! logout, throttling after repeated failures, and answers that do not tell
//! whether a user exists (issue 4 §1).

mod common;
use chrono::NaiveDate;
use common::ScratchInstitution;
use credgrid_app::*;

const ADMIN: Actor = Actor { user_id: 1 };

/// An institution in a scratch directory, removed when it is dropped.
fn institution(name: &str) -> ScratchInstitution {
    ScratchInstitution::open(
        &format!("auth-{name}"),
        "auth.db",
        NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(),
    )
}

fn teller(inst: &Institution) -> Principal {
    let user = NewUser {
        node_id: 1,
        username: "li.teller".into(),
        display_name: "Li Na".into(),
        roles: vec!["teller".into()],
        password: "correct horse battery".into(),
    };
    inst.create_user(ADMIN, user).unwrap()
}

#[test]
fn a_user_logs_in_uses_the_session_and_logs_out() {
    let inst = institution("login");
    let created = teller(&inst);
    let grant = inst.login("li.teller", "correct horse battery").unwrap();
    assert_eq!(grant.token.len(), 64, "256 random bits, hex");
    let principal = inst.authenticate(&grant.token).unwrap();
    assert_eq!(principal.user_id, created.user_id);
    assert_eq!(principal.roles.len(), 1);
    inst.logout(&grant.token).unwrap();
    assert!(matches!(
        inst.authenticate(&grant.token),
        Err(AppError::Unauthenticated { .. })
    ));
    assert!(matches!(
        inst.authenticate("not-a-token"),
        Err(AppError::Unauthenticated { .. })
    ));
}

#[test]
fn failures_look_alike_and_lock_the_username_for_a_while() {
    let inst = institution("throttle");
    teller(&inst);
    let wrong_password = inst
        .login("li.teller", "wrong password!")
        .unwrap_err()
        .to_string();
    let no_such_user = inst
        .login("nobody.here", "wrong password!")
        .unwrap_err()
        .to_string();
    assert_eq!(
        wrong_password, no_such_user,
        "the answer does not reveal whether the user exists"
    );
    for _ in 0..5 {
        assert!(inst.login("li.teller", "wrong password!").is_err());
    }
    let locked = inst.login("li.teller", "correct horse battery").unwrap_err();
    assert!(
        matches!(locked, AppError::Unauthenticated { .. }),
        "even the right password waits out the lock"
    );
}

#[test]
fn weak_passwords_and_unknown_roles_are_refused_with_the_field_named() {
    let inst = institution("policy");
    let mut user = NewUser {
        node_id: 1,
        username: "wang".into(),
        display_name: "Wang".into(),
        roles: vec!["teller".into()],
        password: "short".into(),
    };
    assert!(
        matches!(inst.create_user(ADMIN, user.clone()), Err(AppError::Invalid { field, .. }) if field == "password")
    );
    user.password = "long enough password".into();
    user.roles = vec!["emperor".into()];
    assert!(
        matches!(inst.create_user(ADMIN, user), Err(AppError::Invalid { field, .. }) if field == "roles")
    );
}

/// The API authenticates every request: a session checked moments ago is
/// answered from memory (`cached_session`), and a logout ends it at once,
/// in memory as in the store.
#[test]
fn a_checked_session_is_remembered_until_it_is_logged_out() {
    let inst = institution("session-cache");
    let created = teller(&inst);
    let grant = inst.login("li.teller", "correct horse battery").unwrap();
    assert_eq!(inst.cached_session(&grant.token), None, "not checked yet");
    inst.authenticate(&grant.token).unwrap();
    let cached = inst
        .cached_session(&grant.token)
        .expect("remembered after a check");
    assert_eq!(cached.user_id, created.user_id);
    assert_eq!(inst.cached_session("not-a-token"), None);
    inst.logout(&grant.token).unwrap();
    assert_eq!(inst.cached_session(&grant.token), None);
    assert!(matches!(
        inst.authenticate(&grant.token),
        Err(AppError::Unauthenticated { .. })
    ));
    assert_eq!(
        inst.cached_session(&grant.token),
        None,
        "a refused session is not remembered"
    );
}
