//! The audit trail in SQL: append a hash-chained record, read the chain in
//! storage order for verification.

use crate::error::{Refine, StoreError};
use crate::store::{ReadTx, WriteTx};
use credgrid_core::audit::{Anchor, AuditRecord};
use rusqlite::{OptionalExtension, params};

const COLUMNS: &str = "id, seq, at, actor, action, entity, entity_id, before, after, reason, prev_hash, hash";

impl ReadTx<'_> {
    /// The last record's seq and hash (by storage order); genesis when empty.
    pub fn audit_head(&self) -> Result<Anchor, StoreError> {
        let head: Option<(i64, String)> = self
            .conn
            .prepare_cached("SELECT seq, hash FROM audit_log ORDER BY id DESC LIMIT 1")
            .refine()?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .refine()?;
        Ok(match head {
            Some((seq, hash)) => Anchor {
                seq: u64::try_from(seq).unwrap_or(0),
                hash,
            },
            None => Anchor::genesis(),
        })
    }

    /// Up to `limit` records after storage position `after_id`, in storage
    /// order, each with its position.
    pub fn audit_records(&self, after_id: i64, limit: u32) -> Result<Vec<(i64, AuditRecord)>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM audit_log WHERE id > ?1 ORDER BY id LIMIT ?2");
        let mut stmt = self.conn.prepare_cached(&sql).refine()?;
        let rows = stmt
            .query_map(params![after_id, limit], |r| {
                let seq: i64 = r.get(1)?;
                Ok((
                    r.get(0)?,
                    AuditRecord {
                        seq: u64::try_from(seq).unwrap_or(0),
                        at: r.get(2)?,
                        actor: r.get(3)?,
                        action: r.get(4)?,
                        entity: r.get(5)?,
                        entity_id: r.get(6)?,
                        before: r.get(7)?,
                        after: r.get(8)?,
                        reason: r.get(9)?,
                        prev_hash: r.get(10)?,
                        hash: r.get(11)?,
                    },
                ))
            })
            .refine()?;
        rows.collect::<Result<_, _>>().refine()
    }
}

impl WriteTx<'_> {
    /// Appends a record (built by `AuditRecord::next` from `audit_head`).
    pub fn append_audit(&mut self, r: &AuditRecord) -> Result<(), StoreError> {
        self.conn()
            .prepare_cached(
                "INSERT INTO audit_log (seq, at, actor, action, entity, entity_id, before, after, reason, prev_hash, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )
            .refine()?
            .execute(params![
                i64::try_from(r.seq).unwrap_or(i64::MAX),
                r.at,
                r.actor,
                r.action,
                r.entity,
                r.entity_id,
                r.before,
                r.after,
                r.reason,
                r.prev_hash,
                r.hash
            ])
            .refine()?;
        Ok(())
    }
}
