//! The organisation tree (institution → branches → outlets) and staff users.

use crate::error::{Refine, StoreError};
use crate::store::{ReadTx, WriteTx};
use chrono::Utc;
use rusqlite::{OptionalExtension, Row, params};

/// A node of the organisation tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgNodeRow {
    pub id: i64,
    pub parent_id: Option<i64>,
    /// `institution`, `branch` or `outlet`.
    pub kind: String,
    pub code: String,
    pub name: String,
}

/// A staff user (login and roles arrive later).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppUserRow {
    pub id: i64,
    pub node_id: i64,
    pub username: String,
    pub display_name: String,
    /// Comma-separated role codes.
    pub roles: String,
    /// RFC 3339 UTC, stamped by the store.
    pub created_at: String,
}

fn node(row: &Row<'_>) -> rusqlite::Result<OrgNodeRow> {
    Ok(OrgNodeRow {
        id: row.get(0)?,
        parent_id: row.get(1)?,
        kind: row.get(2)?,
        code: row.get(3)?,
        name: row.get(4)?,
    })
}

fn user(row: &Row<'_>) -> rusqlite::Result<AppUserRow> {
    Ok(AppUserRow {
        id: row.get(0)?,
        node_id: row.get(1)?,
        username: row.get(2)?,
        display_name: row.get(3)?,
        roles: row.get(4)?,
        created_at: row.get(5)?,
    })
}

const NODE_COLUMNS: &str = "id, parent_id, kind, code, name";

impl ReadTx<'_> {
    pub fn org_node(&self, id: i64) -> Result<OrgNodeRow, StoreError> {
        let sql = format!("SELECT {NODE_COLUMNS} FROM org_node WHERE id = ?1");
        let found = self
            .conn
            .prepare_cached(&sql)
            .refine()?
            .query_row([id], node)
            .optional()
            .refine()?;
        found.ok_or(StoreError::NotFound {
            table: "org_node",
            id,
        })
    }

    /// Every node, ordered by id (the tree is small: hundreds of outlets).
    pub fn org_nodes(&self) -> Result<Vec<OrgNodeRow>, StoreError> {
        let sql = format!("SELECT {NODE_COLUMNS} FROM org_node ORDER BY id");
        let mut stmt = self.conn.prepare_cached(&sql).refine()?;
        let rows = stmt.query_map([], node).refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// The ids of `node_id` and every node below it (recursive), ordered.
    pub fn subtree_ids(&self, node_id: i64) -> Result<Vec<i64>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "WITH RECURSIVE sub(id) AS (SELECT id FROM org_node WHERE id = ?1
                   UNION ALL SELECT n.id FROM org_node n JOIN sub ON n.parent_id = sub.id)
                 SELECT id FROM sub ORDER BY id",
            )
            .refine()?;
        let rows = stmt.query_map([node_id], |r| r.get(0)).refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// The outlets at or below `node_id`.
    pub fn descendant_outlets(&self, node_id: i64) -> Result<Vec<OrgNodeRow>, StoreError> {
        let sql = format!(
            "WITH RECURSIVE sub(id) AS (SELECT id FROM org_node WHERE id = ?1
               UNION ALL SELECT n.id FROM org_node n JOIN sub ON n.parent_id = sub.id)
             SELECT {NODE_COLUMNS} FROM org_node WHERE kind = 'outlet' AND id IN (SELECT id FROM sub) ORDER BY id"
        );
        let mut stmt = self.conn.prepare_cached(&sql).refine()?;
        let rows = stmt.query_map([node_id], node).refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    pub fn app_user(&self, id: i64) -> Result<AppUserRow, StoreError> {
        let found = self
            .conn
            .prepare_cached(
                "SELECT id, node_id, username, display_name, roles, created_at FROM app_user WHERE id = ?1",
            )
            .refine()?
            .query_row([id], user)
            .optional()
            .refine()?;
        found.ok_or(StoreError::NotFound {
            table: "app_user",
            id,
        })
    }
}

impl WriteTx<'_> {
    /// Inserts a node; a taken code is `DuplicateCode`. Returns the new id.
    pub fn insert_org_node(
        &mut self,
        parent_id: Option<i64>,
        kind: &str,
        code: &str,
        name: &str,
    ) -> Result<i64, StoreError> {
        let mut stmt = self
            .conn()
            .prepare_cached("INSERT INTO org_node (parent_id, kind, code, name) VALUES (?1, ?2, ?3, ?4)")
            .refine()?;
        match stmt.execute(params![parent_id, kind, code, name]) {
            Ok(_) => Ok(self.conn().last_insert_rowid()),
            Err(e) if StoreError::is_unique_violation(&e) => Err(StoreError::DuplicateCode {
                table: "org_node",
                code: code.to_string(),
            }),
            Err(e) => Err(StoreError::refine(e)),
        }
    }

    /// Inserts a user; a taken username is `DuplicateCode`. Returns the new id.
    pub fn insert_app_user(
        &mut self,
        node_id: i64,
        username: &str,
        display_name: &str,
        roles: &str,
    ) -> Result<i64, StoreError> {
        let mut stmt = self
            .conn()
            .prepare_cached(
                "INSERT INTO app_user (node_id, username, display_name, roles, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .refine()?;
        match stmt.execute(params![
            node_id,
            username,
            display_name,
            roles,
            Utc::now().to_rfc3339()
        ]) {
            Ok(_) => Ok(self.conn().last_insert_rowid()),
            Err(e) if StoreError::is_unique_violation(&e) => Err(StoreError::DuplicateCode {
                table: "app_user",
                code: username.to_string(),
            }),
            Err(e) => Err(StoreError::refine(e)),
        }
    }
}
