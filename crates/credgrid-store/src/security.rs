//! Staff authentication in SQL: credentials, sessions, failed logins, and
//! the relatives recorded for separation of duties.

use crate::error::{Refine, StoreError};
use crate::org::AppUserRow;
use crate::store::{ReadTx, WriteTx};
use rusqlite::{OptionalExtension, params};

/// A session as stored (the token itself is never stored, only its hash).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRow {
    pub token_hash: String,
    pub user_id: i64,
    pub created_at: String,
    pub expires_at: String,
    pub revoked_at: Option<String>,
}

impl ReadTx<'_> {
    pub fn user_by_username(&self, username: &str) -> Result<Option<AppUserRow>, StoreError> {
        let id: Option<i64> = self
            .conn
            .prepare_cached("SELECT id FROM app_user WHERE username = ?1")
            .refine()?
            .query_row([username], |r| r.get(0))
            .optional()
            .refine()?;
        id.map(|id| self.app_user(id)).transpose()
    }

    pub fn app_users(&self) -> Result<Vec<AppUserRow>, StoreError> {
        let ids: Vec<i64> = {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT id FROM app_user ORDER BY id")
                .refine()?;
            let rows = stmt.query_map([], |r| r.get(0)).refine()?;
            rows.collect::<Result<_, _>>().refine()?
        };
        ids.into_iter().map(|id| self.app_user(id)).collect()
    }

    pub fn password_hash(&self, user_id: i64) -> Result<Option<String>, StoreError> {
        self.conn
            .prepare_cached("SELECT password_hash FROM credential WHERE user_id = ?1")
            .refine()?
            .query_row([user_id], |r| r.get(0))
            .optional()
            .refine()
    }

    pub fn session(&self, token_hash: &str) -> Result<Option<SessionRow>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT token_hash, user_id, created_at, expires_at, revoked_at FROM session WHERE token_hash = ?1",
            )
            .refine()?
            .query_row([token_hash], |r| {
                Ok(SessionRow {
                    token_hash: r.get(0)?,
                    user_id: r.get(1)?,
                    created_at: r.get(2)?,
                    expires_at: r.get(3)?,
                    revoked_at: r.get(4)?,
                })
            })
            .optional()
            .refine()
    }

    /// Failed logins for `username` at or after `since` (RFC 3339 text).
    pub fn login_failures_since(&self, username: &str, since: &str) -> Result<u32, StoreError> {
        self.conn
            .prepare_cached("SELECT COUNT(*) FROM login_failure WHERE username = ?1 AND at >= ?2")
            .refine()?
            .query_row(params![username, since], |r| r.get(0))
            .refine()
    }

    /// The clients recorded as relatives of a staff user.
    pub fn relatives_of(&self, user_id: i64) -> Result<Vec<(i64, String)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT client_id, relation FROM staff_relative WHERE user_id = ?1 ORDER BY client_id",
            )
            .refine()?;
        let rows = stmt
            .query_map([user_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .refine()?;
        rows.collect::<Result<_, _>>().refine()
    }
}

impl WriteTx<'_> {
    pub fn set_password_hash(&mut self, user_id: i64, hash: &str, at: &str) -> Result<(), StoreError> {
        self.conn()
            .prepare_cached(
                "INSERT INTO credential (user_id, password_hash, changed_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(user_id) DO UPDATE SET password_hash = excluded.password_hash,
                   changed_at = excluded.changed_at",
            )
            .refine()?
            .execute(params![user_id, hash, at])
            .refine()?;
        Ok(())
    }

    pub fn insert_session(&mut self, s: &SessionRow) -> Result<(), StoreError> {
        self.conn()
            .prepare_cached(
                "INSERT INTO session (token_hash, user_id, created_at, expires_at, revoked_at)
                 VALUES (?1, ?2, ?3, ?4, NULL)",
            )
            .refine()?
            .execute(params![s.token_hash, s.user_id, s.created_at, s.expires_at])
            .refine()?;
        Ok(())
    }

    pub fn revoke_session(&mut self, token_hash: &str, at: &str) -> Result<bool, StoreError> {
        let changed = self
            .conn()
            .prepare_cached("UPDATE session SET revoked_at = ?2 WHERE token_hash = ?1 AND revoked_at IS NULL")
            .refine()?
            .execute(params![token_hash, at])
            .refine()?;
        Ok(changed > 0)
    }

    pub fn record_login_failure(&mut self, username: &str, at: &str) -> Result<(), StoreError> {
        self.conn()
            .prepare_cached("INSERT INTO login_failure (username, at) VALUES (?1, ?2)")
            .refine()?
            .execute(params![username, at])
            .refine()?;
        Ok(())
    }

    pub fn clear_login_failures(&mut self, username: &str) -> Result<(), StoreError> {
        self.conn()
            .prepare_cached("DELETE FROM login_failure WHERE username = ?1")
            .refine()?
            .execute([username])
            .refine()?;
        Ok(())
    }

    pub fn insert_relative(
        &mut self,
        user_id: i64,
        client_id: i64,
        relation: &str,
    ) -> Result<(), StoreError> {
        self.conn()
            .prepare_cached(
                "INSERT INTO staff_relative (user_id, client_id, relation) VALUES (?1, ?2, ?3)
                 ON CONFLICT(user_id, client_id) DO UPDATE SET relation = excluded.relation",
            )
            .refine()?
            .execute(params![user_id, client_id, relation])
            .refine()?;
        Ok(())
    }
}
