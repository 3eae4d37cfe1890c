//! Staff users and their sessions: argon2id password hashes, opaque random
//! session tokens stored only as their SHA-256, expiry, logout, and login
//! throttling whose answers never reveal whether a user exists.

use crate::error::AppError;
use crate::institution::{Institution, require_user};
use crate::model::Actor;
use argon2::Argon2;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use credgrid_core::authz::Role;
use credgrid_store::SessionRow;
use sha2::{Digest, Sha256};

/// How long a session lasts without logging in again.
pub const SESSION_HOURS: i64 = 10;
/// Failed logins for one username within the window before it is locked.
pub const LOGIN_FAILURES_MAX: u32 = 5;
/// The throttling window.
pub const LOGIN_WINDOW_MINUTES: i64 = 15;
/// The shortest password accepted.
pub const PASSWORD_LEN_MIN: usize = 10;

/// A signed-in staff user, as every use case sees the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub node_id: i64,
    pub roles: Vec<Role>,
}

impl Principal {
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.user_id,
        }
    }
}

/// A new session: the token to present (shown once) and when it expires.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionGrant {
    pub token: String,
    pub expires_at: String,
    pub principal: Principal,
}

/// A staff user to create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewUser {
    pub node_id: i64,
    pub username: String,
    pub display_name: String,
    /// Role names (`account_manager`, `risk_officer`, …).
    pub roles: Vec<String>,
    pub password: String,
}

fn now_text(now: DateTime<Utc>) -> String {
    now.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The argon2id hash (PHC string) of a password.
pub(crate) fn hash_password(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("password hashing: {e}")))
}

fn password_matches(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// A hash of nothing anyone knows, verified when the user does not exist so
/// that both answers take the same time.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password(&new_token()).unwrap_or_default())
}

fn check_password_policy(password: &str) -> Result<(), AppError> {
    if password.chars().count() < PASSWORD_LEN_MIN {
        return Err(AppError::invalid(
            "password",
            format!("must be at least {PASSWORD_LEN_MIN} characters"),
        ));
    }
    if password.chars().count() > 256 {
        return Err(AppError::invalid("password", "must be at most 256 characters"));
    }
    Ok(())
}

fn parse_roles(names: &[String]) -> Result<Vec<Role>, AppError> {
    if names.is_empty() {
        return Err(AppError::invalid("roles", "a user needs at least one role"));
    }
    names
        .iter()
        .map(|n| Role::parse(n.trim()).map_err(|e| AppError::invalid("roles", e)))
        .collect()
}

fn principal(row: credgrid_store::AppUserRow) -> Result<Principal, AppError> {
    let roles =
        Role::parse_list(&row.roles).map_err(|e| AppError::Internal(format!("user {}: {e}", row.id)))?;
    Ok(Principal {
        user_id: row.id,
        username: row.username,
        display_name: row.display_name,
        node_id: row.node_id,
        roles,
    })
}

/// The one answer to every failed login, whatever the reason.
fn login_refused() -> AppError {
    AppError::Unauthenticated {
        reason: "the username or password is wrong, or the account is locked for a while",
    }
}

impl Institution {
    /// Creates a staff user with a password (argon2id).
    pub fn create_user(&self, actor: Actor, user: NewUser) -> Result<Principal, AppError> {
        crate::terms::check_name("display_name", &user.display_name)?;
        let ok_name = !user.username.is_empty()
            && user.username.len() <= 64
            && user
                .username
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
        if !ok_name {
            return Err(AppError::invalid(
                "username",
                "must be 1 to 64 letters, digits, '.', '_' or '-'",
            ));
        }
        let roles = parse_roles(&user.roles)?;
        check_password_policy(&user.password)?;
        let hash = hash_password(&user.password)?;
        let role_text = roles.iter().map(|r| r.name()).collect::<Vec<_>>().join(",");
        self.write(move |tx, _| {
            require_user(tx, actor)?;
            tx.org_node(user.node_id)
                .map_err(|_| AppError::invalid("node_id", format!("node {} does not exist", user.node_id)))?;
            let id =
                tx.insert_app_user(user.node_id, &user.username, user.display_name.trim(), &role_text)?;
            tx.set_password_hash(id, &hash, &now_text(Utc::now()))?;
            crate::audit::record(
                tx,
                actor,
                "user.create",
                "user",
                id,
                Some(format!("roles={role_text}")),
                None,
            )?;
            principal(tx.app_user(id)?)
        })
    }

    /// Sets a user's password (the administrator, or the user themself).
    pub fn set_password(&self, actor: Actor, user_id: i64, password: String) -> Result<(), AppError> {
        check_password_policy(&password)?;
        let hash = hash_password(&password)?;
        self.write(move |tx, _| {
            require_user(tx, actor)?;
            tx.app_user(user_id)
                .map_err(|_| AppError::not_found("user", user_id))?;
            tx.set_password_hash(user_id, &hash, &now_text(Utc::now()))?;
            crate::audit::record(tx, actor, "user.set_password", "user", user_id, None, None)?;
            Ok(())
        })
    }

    /// Records that a client is a relative of a staff user (separation of duties).
    pub fn record_relative(
        &self,
        actor: Actor,
        user_id: i64,
        client_id: i64,
        relation: &str,
    ) -> Result<(), AppError> {
        crate::terms::check_name("relation", relation)?;
        let relation = relation.trim().to_string();
        self.write(move |tx, _| {
            require_user(tx, actor)?;
            tx.app_user(user_id)
                .map_err(|_| AppError::not_found("user", user_id))?;
            tx.client(client_id)
                .map_err(|_| AppError::not_found("client", client_id))?;
            tx.insert_relative(user_id, client_id, &relation)?;
            crate::audit::record(
                tx,
                actor,
                "user.relative",
                "user",
                user_id,
                Some(format!("client={client_id}")),
                Some(&relation),
            )?;
            Ok(())
        })
    }

    /// Signs a user in. Too many failures lock the username for a while;
    /// every failure gets the same answer, so it never tells whether the
    /// user exists.
    pub fn login(&self, username: &str, password: &str) -> Result<SessionGrant, AppError> {
        let now = Utc::now();
        let since = now_text(now - Duration::minutes(LOGIN_WINDOW_MINUTES));
        let name = username.trim().to_string();
        let (user, hash, failures) = self.read(|r| {
            let failures = r.login_failures_since(&name, &since)?;
            let user = r.user_by_username(&name)?;
            let hash = match &user {
                Some(u) => r.password_hash(u.id)?,
                None => None,
            };
            Ok((user, hash, failures))
        })?;
        let matches = password_matches(password, hash.as_deref().unwrap_or_else(|| decoy_hash()));
        let accepted = matches && hash.is_some() && failures < LOGIN_FAILURES_MAX;
        let token = new_token();
        let expires = now + Duration::hours(SESSION_HOURS);
        let (at, expires_at) = (now_text(now), now_text(expires));
        // A refusal is itself recorded (for the throttle), so the job
        // succeeds with the refusal as its answer.
        self.write(move |tx, _| {
            let Some(user) = user.filter(|_| accepted) else {
                tx.record_login_failure(&name, &at)?;
                return Ok(Err(login_refused()));
            };
            tx.clear_login_failures(&name)?;
            let session = SessionRow {
                token_hash: token_hash(&token),
                user_id: user.id,
                created_at: at.clone(),
                expires_at: expires_at.clone(),
                revoked_at: None,
            };
            tx.insert_session(&session)?;
            crate::audit::record(
                tx,
                Actor { user_id: user.id },
                "session.login",
                "user",
                user.id,
                None,
                None,
            )?;
            Ok(Ok(SessionGrant {
                token,
                expires_at,
                principal: principal(user)?,
            }))
        })?
    }

    /// The user a session token belongs to; expired, revoked and unknown
    /// tokens are all refused alike.
    pub fn authenticate(&self, token: &str) -> Result<Principal, AppError> {
        let refused = AppError::Unauthenticated {
            reason: "the session is missing, expired or ended",
        };
        if token.is_empty() || token.len() > 128 {
            return Err(refused);
        }
        let now = now_text(Utc::now());
        let hash = token_hash(token);
        self.read(|r| {
            let Some(session) = r.session(&hash)? else {
                return Err(refused);
            };
            if session.revoked_at.is_some() || session.expires_at <= now {
                return Err(refused);
            }
            principal(r.app_user(session.user_id)?)
        })
    }

    /// Ends a session.
    pub fn logout(&self, token: &str) -> Result<(), AppError> {
        let principal = self.authenticate(token)?;
        let hash = token_hash(token);
        self.write(move |tx, _| {
            tx.revoke_session(&hash, &now_text(Utc::now()))?;
            crate::audit::record(
                tx,
                principal.actor(),
                "session.logout",
                "user",
                principal.user_id,
                None,
                None,
            )?;
            Ok(())
        })
    }

    /// Every staff user.
    pub fn users(&self) -> Result<Vec<Principal>, AppError> {
        self.read(|r| r.app_users()?.into_iter().map(principal).collect())
    }
}
