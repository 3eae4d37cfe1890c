//! The store's errors: one variant per rejection the callers act upon, and
//! the SQLite error for everything else.

use rusqlite::ErrorCode;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("migration {version} was edited after it was applied (its checksum changed)")]
    MigrationEdited { version: u32 },
    #[error("the database has schema version {found}; this build knows up to {known}")]
    SchemaTooNew { found: u32, known: u32 },
    #[error("{table} {id} does not exist")]
    NotFound { table: &'static str, id: i64 },
    #[error("an active client ({existing_client_id}) already has the identity {id_country} {id_number}")]
    DuplicateIdentity {
        id_country: String,
        id_number: String,
        existing_client_id: i64,
    },
    #[error("{table}: the code `{code}` is already taken")]
    DuplicateCode { table: &'static str, code: String },
    #[error("the idempotency key `{key}` is already stored")]
    DuplicateIdempotencyKey { scope: String, key: String },
    #[error("loan {loan_id} was changed meanwhile (expected version {expected_version})")]
    VersionConflict { loan_id: i64, expected_version: i64 },
    #[error("transaction {id} is already reversed")]
    AlreadyReversed { id: i64 },
    #[error("{table}.{column} holds an invalid value: {reason}")]
    InvalidData {
        table: &'static str,
        column: &'static str,
        reason: String,
    },
    #[error("refused by the database: {0}")]
    Constraint(String),
    #[error("the write could not be committed: {reason}")]
    CommitFailed { reason: String },
    #[error("the write job panicked or the writer stopped before answering")]
    JobAborted,
    #[error("the writer thread has stopped")]
    WriterGone,
    #[error("Store::write was called inside a write job (it would wait for itself)")]
    NestedWrite,
}

impl StoreError {
    /// A constraint or trigger refusal becomes `Constraint` with SQLite's
    /// message (e.g. "journal_entry is append-only"); other errors stay as they are.
    pub(crate) fn refine(error: rusqlite::Error) -> StoreError {
        match &error {
            rusqlite::Error::SqliteFailure(e, message) if e.code == ErrorCode::ConstraintViolation => {
                StoreError::Constraint(message.clone().unwrap_or_else(|| e.to_string()))
            }
            _ => StoreError::Sqlite(error),
        }
    }

    /// Whether this is a UNIQUE constraint failure.
    pub(crate) fn is_unique_violation(error: &rusqlite::Error) -> bool {
        matches!(error, rusqlite::Error::SqliteFailure(e, _)
            if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
    }
}

/// `?` on rusqlite results inside this crate goes through `refine`.
pub(crate) trait Refine<T> {
    fn refine(self) -> Result<T, StoreError>;
}

impl<T> Refine<T> for Result<T, rusqlite::Error> {
    fn refine(self) -> Result<T, StoreError> {
        self.map_err(StoreError::refine)
    }
}
