//! Idempotency records: the first response to a keyed request, replayed on
//! a retry; the same key with another request body is told apart by its hash.

use crate::error::{Refine, StoreError};
use crate::store::{ReadTx, WriteTx};
use chrono::Utc;
use rusqlite::{OptionalExtension, params};

/// A stored response to a keyed request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyRow {
    /// Whose key it is (e.g. `user:7`): keys of different users never collide.
    pub scope: String,
    pub key: String,
    pub request_hash: String,
    pub status_code: u16,
    pub response_body: String,
    /// Stamped by the store on insert.
    pub created_at: String,
}

impl ReadTx<'_> {
    pub fn idempotency(&self, scope: &str, key: &str) -> Result<Option<IdempotencyRow>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT scope, key, request_hash, status_code, response_body, created_at FROM idempotency
                 WHERE scope = ?1 AND key = ?2",
            )
            .refine()?
            .query_row([scope, key], |r| {
                Ok(IdempotencyRow {
                    scope: r.get(0)?,
                    key: r.get(1)?,
                    request_hash: r.get(2)?,
                    status_code: r.get(3)?,
                    response_body: r.get(4)?,
                    created_at: r.get(5)?,
                })
            })
            .optional()
            .refine()
    }
}

impl WriteTx<'_> {
    /// Stores the first response for `(scope, key)`; a stored key is
    /// `DuplicateIdempotencyKey`. Do it in the same write job as the work,
    /// so the record and the money movement commit (or vanish) together.
    pub fn put_idempotency(&mut self, row: &IdempotencyRow) -> Result<(), StoreError> {
        let inserted = self
            .conn()
            .prepare_cached(
                "INSERT INTO idempotency (scope, key, request_hash, status_code, response_body, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .refine()?
            .execute(params![
                row.scope,
                row.key,
                row.request_hash,
                row.status_code,
                row.response_body,
                Utc::now().to_rfc3339()
            ]);
        match inserted {
            Ok(_) => Ok(()),
            Err(e) if StoreError::is_unique_violation(&e) => Err(StoreError::DuplicateIdempotencyKey {
                scope: row.scope.clone(),
                key: row.key.clone(),
            }),
            Err(e) => Err(StoreError::refine(e)),
        }
    }
}
