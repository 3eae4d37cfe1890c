//! Maker-checker configuration in SQL: proposed changes with their decision,
//! the versions of the configuration in force per kind, and the one write
//! an approved role change makes to a user (their role list).

use crate::error::{Refine, StoreError};
use crate::store::{ReadTx, WriteTx};
use rusqlite::{OptionalExtension, Row, params};

/// A proposed configuration change and its decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigChangeRow {
    pub id: i64,
    /// `product`, `tier_rules`, `limits`, `roles` or `chart`.
    pub kind: String,
    /// The change in canonical text (one item per line).
    pub payload: String,
    /// The configuration in force when proposed (`None`: the defaults).
    pub base: Option<String>,
    pub note: Option<String>,
    /// `pending`, `approved` or `rejected`.
    pub state: String,
    pub proposed_by: i64,
    /// RFC 3339 UTC.
    pub proposed_at: String,
    pub checker_id: Option<i64>,
    pub decided_at: Option<String>,
    pub decision_reason: Option<String>,
    /// What the approval produced (`product:12`, `version:3`).
    pub outcome: Option<String>,
}

/// A change to propose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewConfigChange<'a> {
    pub kind: &'a str,
    pub payload: &'a str,
    pub base: Option<&'a str>,
    pub note: Option<&'a str>,
    pub proposed_by: i64,
    pub proposed_at: &'a str,
}

/// The decision on a pending change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigDecision<'a> {
    /// `approved` or `rejected`.
    pub state: &'a str,
    pub checker_id: i64,
    pub decided_at: &'a str,
    pub reason: Option<&'a str>,
    pub outcome: Option<&'a str>,
}

/// One version of the configuration of a kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigVersionRow {
    pub kind: String,
    pub version: i64,
    pub payload: String,
    pub change_id: i64,
    pub effective_at: String,
}

const CHANGE_COLUMNS: &str = "id, kind, payload, base, note, state, proposed_by, proposed_at, checker_id, \
                              decided_at, decision_reason, outcome";
const VERSION_COLUMNS: &str = "kind, version, payload, change_id, effective_at";

fn change(row: &Row<'_>) -> rusqlite::Result<ConfigChangeRow> {
    Ok(ConfigChangeRow {
        id: row.get(0)?,
        kind: row.get(1)?,
        payload: row.get(2)?,
        base: row.get(3)?,
        note: row.get(4)?,
        state: row.get(5)?,
        proposed_by: row.get(6)?,
        proposed_at: row.get(7)?,
        checker_id: row.get(8)?,
        decided_at: row.get(9)?,
        decision_reason: row.get(10)?,
        outcome: row.get(11)?,
    })
}

fn version(row: &Row<'_>) -> rusqlite::Result<ConfigVersionRow> {
    Ok(ConfigVersionRow {
        kind: row.get(0)?,
        version: row.get(1)?,
        payload: row.get(2)?,
        change_id: row.get(3)?,
        effective_at: row.get(4)?,
    })
}

impl ReadTx<'_> {
    pub fn config_change(&self, id: i64) -> Result<ConfigChangeRow, StoreError> {
        let sql = format!("SELECT {CHANGE_COLUMNS} FROM config_change WHERE id = ?1");
        let found = self
            .conn
            .prepare_cached(&sql)
            .refine()?
            .query_row([id], change)
            .optional()
            .refine()?;
        found.ok_or(StoreError::NotFound {
            table: "config_change",
            id,
        })
    }

    /// Changes with an id greater than `after_id`, oldest first, at most
    /// `limit`; with `state`, only those in it.
    pub fn config_changes(
        &self,
        state: Option<&str>,
        after_id: i64,
        limit: u32,
    ) -> Result<Vec<ConfigChangeRow>, StoreError> {
        let sql = format!(
            "SELECT {CHANGE_COLUMNS} FROM config_change
             WHERE id > ?1 AND (?3 IS NULL OR state = ?3) ORDER BY id LIMIT ?2"
        );
        let mut stmt = self.conn.prepare_cached(&sql).refine()?;
        let rows = stmt.query_map(params![after_id, limit, state], change).refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// The version of `kind` in force (the highest), if any was approved.
    pub fn config_in_force(&self, kind: &str) -> Result<Option<ConfigVersionRow>, StoreError> {
        let sql = format!(
            "SELECT {VERSION_COLUMNS} FROM config_version WHERE kind = ?1 ORDER BY version DESC LIMIT 1"
        );
        self.conn
            .prepare_cached(&sql)
            .refine()?
            .query_row([kind], version)
            .optional()
            .refine()
    }

    /// Every version of `kind`, oldest first.
    pub fn config_versions(&self, kind: &str) -> Result<Vec<ConfigVersionRow>, StoreError> {
        let sql = format!("SELECT {VERSION_COLUMNS} FROM config_version WHERE kind = ?1 ORDER BY version");
        let mut stmt = self.conn.prepare_cached(&sql).refine()?;
        let rows = stmt.query_map([kind], version).refine()?;
        rows.collect::<Result<_, _>>().refine()
    }
}

impl WriteTx<'_> {
    /// Records a pending change; returns its id.
    pub fn insert_config_change(&mut self, c: &NewConfigChange<'_>) -> Result<i64, StoreError> {
        self.conn()
            .prepare_cached(
                "INSERT INTO config_change (kind, payload, base, note, proposed_by, proposed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .refine()?
            .execute(params![
                c.kind,
                c.payload,
                c.base,
                c.note,
                c.proposed_by,
                c.proposed_at
            ])
            .refine()?;
        Ok(self.conn().last_insert_rowid())
    }

    /// Decides a pending change. `Ok(false)` when it was no longer pending
    /// (another checker decided first).
    pub fn decide_config_change(&mut self, id: i64, d: &ConfigDecision<'_>) -> Result<bool, StoreError> {
        let changed = self
            .conn()
            .prepare_cached(
                "UPDATE config_change SET state = ?2, checker_id = ?3, decided_at = ?4, decision_reason = ?5,
                        outcome = ?6
                 WHERE id = ?1 AND state = 'pending'",
            )
            .refine()?
            .execute(params![
                id,
                d.state,
                d.checker_id,
                d.decided_at,
                d.reason,
                d.outcome
            ])
            .refine()?;
        Ok(changed == 1)
    }

    /// Puts `payload` in force as the next version of `kind`; returns the version.
    pub fn insert_config_version(
        &mut self,
        kind: &str,
        payload: &str,
        change_id: i64,
        effective_at: &str,
    ) -> Result<i64, StoreError> {
        let next: i64 = self
            .conn()
            .prepare_cached("SELECT COALESCE(MAX(version), 0) + 1 FROM config_version WHERE kind = ?1")
            .refine()?
            .query_row([kind], |r| r.get(0))
            .refine()?;
        self.conn()
            .prepare_cached(
                "INSERT INTO config_version (kind, version, payload, change_id, effective_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .refine()?
            .execute(params![kind, next, payload, change_id, effective_at])
            .refine()?;
        Ok(next)
    }

    /// Replaces a user's roles (comma-separated stable names).
    pub fn set_app_user_roles(&mut self, user_id: i64, roles: &str) -> Result<(), StoreError> {
        let changed = self
            .conn()
            .prepare_cached("UPDATE app_user SET roles = ?2 WHERE id = ?1")
            .refine()?
            .execute(params![user_id, roles])
            .refine()?;
        if changed == 0 {
            return Err(StoreError::NotFound {
                table: "app_user",
                id: user_id,
            });
        }
        Ok(())
    }
}
