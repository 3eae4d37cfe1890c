//! Staff users and their sessions: argon2id password hashes, opaque random
//! session tokens stored only as their SHA-256, expiry, logout, and login
//! throttling whose answers never reveal whether a user exists.

use crate::access::{authorize, staff};
use crate::error::AppError;
use crate::institution::Institution;
use crate::model::Actor;
use argon2::Argon2;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use credgrid_core::authz::{Permission, Role};
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

/// How long a session checked against the store is trusted without looking
/// again (the API's hot path authenticates every request). A logout through
/// this process takes effect at once; a revocation made elsewhere (another
/// process on the same database) within this time.
pub const SESSION_CACHE_SECONDS: u64 = 5;
/// The most sessions remembered; the cache starts over beyond it.
const SESSION_CACHE_MAX: usize = 10_000;

/// Recently checked sessions by token hash (see `SESSION_CACHE_SECONDS`),
/// and the hashes of sessions ended through this process, never cached again.
#[derive(Default)]
pub(crate) struct SessionCache(std::sync::Mutex<Sessions>);

#[derive(Default)]
struct Sessions {
    live: std::collections::HashMap<String, CachedSession>,
    ended: std::collections::HashSet<String>,
}

struct CachedSession {
    principal: Principal,
    expires_at: DateTime<Utc>,
    checked_at: std::time::Instant,
}

impl SessionCache {
    fn get(&self, hash: &str, now: DateTime<Utc>) -> Option<Principal> {
        let mut sessions = self.0.lock().ok()?;
        let cached = sessions.live.get(hash)?;
        if cached.checked_at.elapsed().as_secs() < SESSION_CACHE_SECONDS && now < cached.expires_at {
            return Some(cached.principal.clone());
        }
        sessions.live.remove(hash);
        None
    }

    fn put(&self, hash: String, principal: &Principal, expires_at: &str) {
        let Ok(expires_at) = DateTime::parse_from_rfc3339(expires_at) else {
            return;
        };
        let Ok(mut sessions) = self.0.lock() else { return };
        if sessions.ended.contains(&hash) {
            return;
        }
        if sessions.live.len() >= SESSION_CACHE_MAX {
            sessions.live.clear();
        }
        let cached = CachedSession {
            principal: principal.clone(),
            expires_at: expires_at.with_timezone(&Utc),
            checked_at: std::time::Instant::now(),
        };
        sessions.live.insert(hash, cached);
    }

    fn forget(&self, hash: &str) {
        let Ok(mut sessions) = self.0.lock() else { return };
        sessions.live.remove(hash);
        if sessions.ended.len() >= SESSION_CACHE_MAX {
            // The store refuses them anyway; this set only closes the race.
            sessions.ended.clear();
        }
        sessions.ended.insert(hash.to_string());
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
    credgrid_core::audit::hex(&Sha256::digest(token.as_bytes()))
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    credgrid_core::audit::hex(&bytes)
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

/// The username and password of the `n`th demonstration user of `role`.
pub fn demo_credentials(role: Role, n: u32) -> (String, String) {
    let dashed = role.name().replace('_', "-");
    if n <= 1 {
        (format!("demo.{}", role.name()), format!("demo-{dashed}-2026"))
    } else {
        (
            format!("demo.{}.{n}", role.name()),
            format!("demo-{dashed}-{n}-2026"),
        )
    }
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
            let admin = authorize(tx, actor, Permission::UserAdmin)?;
            tx.org_node(user.node_id)
                .map_err(|_| AppError::invalid("node_id", format!("node {} does not exist", user.node_id)))?;
            admin.require_node(tx, user.node_id)?;
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
            let me = staff(tx, actor)?;
            let target = tx
                .app_user(user_id)
                .map_err(|_| AppError::not_found("user", user_id))?;
            if me.user_id != user_id {
                me.require(Permission::UserAdmin)?;
                me.require_node(tx, target.node_id)?;
            }
            tx.set_password_hash(user_id, &hash, &now_text(Utc::now()))?;
            crate::audit::record(tx, actor, "user.set_password", "user", user_id, None, None)?;
            Ok(())
        })
    }

    /// Sets the first password of a user who has none yet (the
    /// administrator of a new database): whoever holds the database file
    /// may do this once; afterwards only [`Institution::set_password`].
    pub fn set_first_password(&self, user_id: i64, password: String) -> Result<(), AppError> {
        check_password_policy(&password)?;
        let hash = hash_password(&password)?;
        self.write(move |tx, _| {
            tx.app_user(user_id)
                .map_err(|_| AppError::not_found("user", user_id))?;
            if tx.password_hash(user_id)?.is_some() {
                return Err(AppError::Refused {
                    rule: "password-already-set",
                    detail: "the user already has a password: sign in to change it".into(),
                });
            }
            tx.set_password_hash(user_id, &hash, &now_text(Utc::now()))?;
            let actor = Actor { user_id };
            crate::audit::record(tx, actor, "user.first_password", "user", user_id, None, None)?;
            Ok(())
        })
    }

    /// Creates the demonstration staff of a new institution at `node_id`:
    /// per role `demo.<role>` and `demo.<role>.2` (three committee members),
    /// passwords `demo-<role-with-dashes>-2026` / `demo-<role-with-dashes>-2-2026`.
    /// Returns `(username, password)` pairs. The passwords are public: for
    /// demonstrations and tests only.
    pub fn create_demo_staff(
        &self,
        actor: Actor,
        node_id: i64,
        display: impl Fn(Role) -> String,
    ) -> Result<Vec<(String, String)>, AppError> {
        let mut created = Vec::new();
        for role in Role::ALL {
            let copies = if role == Role::CommitteeMember { 3 } else { 2 };
            for n in 1..=copies {
                let (username, password) = demo_credentials(role, n);
                let suffix = if n == 1 { String::new() } else { format!(" {n}") };
                self.create_user(
                    actor,
                    NewUser {
                        node_id,
                        username: username.clone(),
                        display_name: format!("{}{suffix}", display(role)),
                        roles: vec![role.name().to_string()],
                        password: password.clone(),
                    },
                )?;
                created.push((username, password));
            }
        }
        Ok(created)
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
            let me = authorize(tx, actor, Permission::RelativeWrite)?;
            let user = tx
                .app_user(user_id)
                .map_err(|_| AppError::not_found("user", user_id))?;
            me.require_node(tx, user.node_id)?;
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
        if let Some(principal) = self.cached_session(token) {
            return Ok(principal);
        }
        let now = now_text(Utc::now());
        let hash = token_hash(token);
        let (principal, expires_at) = self.read(|r| {
            let Some(session) = r.session(&hash)? else {
                return Err(refused);
            };
            if session.revoked_at.is_some() || session.expires_at <= now {
                return Err(refused);
            }
            Ok((principal(r.app_user(session.user_id)?)?, session.expires_at))
        })?;
        self.inner.sessions.put(hash, &principal, &expires_at);
        Ok(principal)
    }

    /// The user of a session checked within the last `SESSION_CACHE_SECONDS`
    /// and not expired, without touching the store (`None`: call
    /// `authenticate`, which looks it up and remembers it).
    pub fn cached_session(&self, token: &str) -> Option<Principal> {
        if token.is_empty() || token.len() > 128 {
            return None;
        }
        self.inner.sessions.get(&token_hash(token), Utc::now())
    }

    /// Ends a session.
    pub fn logout(&self, token: &str) -> Result<(), AppError> {
        let principal = self.authenticate(token)?;
        let hash = token_hash(token);
        // Refused from now on, even by a request that read the session
        // before this logout committed.
        self.inner.sessions.forget(&hash);
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

    /// The staff users at or below the actor's node (user administrators and auditors).
    pub fn users(&self, actor: Actor) -> Result<Vec<Principal>, AppError> {
        self.read(|r| {
            let me = staff(r, actor)?;
            if !me.may(Permission::UserAdmin) {
                me.require(Permission::AuditRead)?;
            }
            let mut seen = Vec::new();
            for row in r.app_users()? {
                if me.sees_node(r, row.node_id)? {
                    seen.push(principal(row)?);
                }
            }
            Ok(seen)
        })
    }

    /// Whether the user has a password yet (a new database's administrator has none).
    pub fn has_password(&self, user_id: i64) -> Result<bool, AppError> {
        self.read(|r| Ok(r.password_hash(user_id)?.is_some()))
    }

    /// The user a username names, for signing in from the command line.
    pub fn user_named(&self, username: &str) -> Result<Option<Principal>, AppError> {
        self.read(|r| r.user_by_username(username.trim())?.map(principal).transpose())
    }
}
