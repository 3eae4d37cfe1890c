//! Clients (individuals, households, businesses) with their identity
//! documents; never two active clients with the same document.

use crate::error::{Refine, StoreError};
use crate::store::{ReadTx, WriteTx};
use chrono::NaiveDate;
use rusqlite::{OptionalExtension, Row, params};

/// A client as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientRow {
    pub id: i64,
    pub outlet_id: i64,
    /// `individual`, `household` or `business`.
    pub kind: String,
    pub name: String,
    pub id_country: String,
    /// Canonical form (as the core's identity validator normalised it).
    pub id_number: String,
    pub phone: Option<String>,
    pub address: Option<String>,
    /// `active` or `closed`.
    pub status: String,
    pub created_on: NaiveDate,
}

/// A client to register.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewClientRow {
    pub outlet_id: i64,
    pub kind: String,
    pub name: String,
    pub id_country: String,
    pub id_number: String,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub created_on: NaiveDate,
}

const COLUMNS: &str = "id, outlet_id, kind, name, id_country, id_number, phone, address, status, created_on";

fn client(row: &Row<'_>) -> rusqlite::Result<ClientRow> {
    Ok(ClientRow {
        id: row.get(0)?,
        outlet_id: row.get(1)?,
        kind: row.get(2)?,
        name: row.get(3)?,
        id_country: row.get(4)?,
        id_number: row.get(5)?,
        phone: row.get(6)?,
        address: row.get(7)?,
        status: row.get(8)?,
        created_on: row.get(9)?,
    })
}

/// `text` with LIKE's wildcards escaped (escape character `\`).
fn like_prefix(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 1);
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

impl ReadTx<'_> {
    pub fn client(&self, id: i64) -> Result<ClientRow, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM client WHERE id = ?1");
        let found = self
            .conn
            .prepare_cached(&sql)
            .refine()?
            .query_row([id], client)
            .optional()
            .refine()?;
        found.ok_or(StoreError::NotFound { table: "client", id })
    }

    /// The active client holding an identity document, if any.
    pub fn active_client_by_identity(
        &self,
        id_country: &str,
        id_number: &str,
    ) -> Result<Option<ClientRow>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM client WHERE id_country = ?1 AND id_number = ?2 AND status = 'active'"
        );
        self.conn
            .prepare_cached(&sql)
            .refine()?
            .query_row([id_country, id_number], client)
            .optional()
            .refine()
    }

    /// Clients with an id greater than `after_id`, oldest first, at most
    /// `limit`; with `search`, only those whose name or identity number
    /// starts with it (case-insensitive).
    pub fn clients(
        &self,
        after_id: i64,
        limit: u32,
        search: Option<&str>,
    ) -> Result<Vec<ClientRow>, StoreError> {
        let pattern = search.map(like_prefix);
        let sql = format!(
            "SELECT {COLUMNS} FROM client WHERE id > ?1
               AND (?3 IS NULL OR name LIKE ?3 ESCAPE '\\' OR id_number LIKE ?3 ESCAPE '\\')
             ORDER BY id LIMIT ?2"
        );
        let mut stmt = self.conn.prepare_cached(&sql).refine()?;
        let rows = stmt
            .query_map(params![after_id, limit, pattern], client)
            .refine()?;
        rows.collect::<Result<_, _>>().refine()
    }
}

impl WriteTx<'_> {
    /// Registers a client. Another active client with the same identity
    /// document is `DuplicateIdentity` naming that client.
    pub fn insert_client(&mut self, new: &NewClientRow) -> Result<i64, StoreError> {
        let mut stmt = self
            .conn()
            .prepare_cached(
                "INSERT INTO client (outlet_id, kind, name, id_country, id_number, phone, address, status, created_on)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'active', ?8)",
            )
            .refine()?;
        let inserted = stmt.execute(params![
            new.outlet_id,
            new.kind,
            new.name,
            new.id_country,
            new.id_number,
            new.phone,
            new.address,
            new.created_on
        ]);
        match inserted {
            Ok(_) => Ok(self.conn().last_insert_rowid()),
            Err(e) if StoreError::is_unique_violation(&e) => {
                let existing = self.active_client_by_identity(&new.id_country, &new.id_number)?;
                Err(StoreError::DuplicateIdentity {
                    id_country: new.id_country.clone(),
                    id_number: new.id_number.clone(),
                    existing_client_id: existing.map_or(0, |c| c.id),
                })
            }
            Err(e) => Err(StoreError::refine(e)),
        }
    }

    /// Sets a client's status (`active` or `closed`). Re-activating a client
    /// whose document another active client now holds is `DuplicateIdentity`.
    pub fn set_client_status(&mut self, id: i64, status: &str) -> Result<(), StoreError> {
        let mut stmt = self
            .conn()
            .prepare_cached("UPDATE client SET status = ?2 WHERE id = ?1")
            .refine()?;
        match stmt.execute(params![id, status]) {
            Ok(0) => Err(StoreError::NotFound { table: "client", id }),
            Ok(_) => Ok(()),
            Err(e) if StoreError::is_unique_violation(&e) => {
                let row = self.client(id)?;
                let existing = self.active_client_by_identity(&row.id_country, &row.id_number)?;
                Err(StoreError::DuplicateIdentity {
                    id_country: row.id_country,
                    id_number: row.id_number,
                    existing_client_id: existing.map_or(0, |c| c.id),
                })
            }
            Err(e) => Err(StoreError::refine(e)),
        }
    }
}

impl ReadTx<'_> {
    /// Like [`ReadTx::clients`], only for clients of outlets at or below
    /// `node_id`; `search_id_number: false` searches names only (for users
    /// who see identity numbers masked, so a prefix search cannot probe them).
    pub fn clients_within(
        &self,
        node_id: i64,
        after_id: i64,
        limit: u32,
        search: Option<&str>,
        search_id_number: bool,
    ) -> Result<Vec<ClientRow>, StoreError> {
        let pattern = search.map(like_prefix);
        let sql = format!(
            "WITH RECURSIVE sub(id) AS (SELECT id FROM org_node WHERE id = ?4
               UNION ALL SELECT n.id FROM org_node n JOIN sub ON n.parent_id = sub.id)
             SELECT {COLUMNS} FROM client WHERE id > ?1 AND outlet_id IN (SELECT id FROM sub)
               AND (?3 IS NULL OR name LIKE ?3 ESCAPE '\\' OR (?5 AND id_number LIKE ?3 ESCAPE '\\'))
             ORDER BY id LIMIT ?2"
        );
        let mut stmt = self.conn.prepare_cached(&sql).refine()?;
        let rows = stmt
            .query_map(
                params![after_id, limit, pattern, node_id, search_id_number],
                client,
            )
            .refine()?;
        rows.collect::<Result<_, _>>().refine()
    }
}
