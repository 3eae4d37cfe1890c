//! Why a use case refused: one variant per rejection, each with a stable code.
//!
//! The API maps each code to a problem+json `type`; the CLI prints the
//! translated message. Store failures that are not the caller's fault are
//! `Internal` and never shown in detail.

use std::fmt;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A field of the request is wrong; `reason` is a sentence naming why.
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    #[error("{entity} {id} does not exist")]
    NotFound { entity: &'static str, id: String },
    /// The entity exists but is not in a state that allows the action.
    #[error("{entity} {id} is {state}: {action} is not allowed")]
    InvalidState {
        entity: &'static str,
        id: String,
        state: String,
        action: &'static str,
    },
    /// Another active client already holds this identity number.
    #[error("id_number: another active client already has this identity number")]
    DuplicateIdentity,
    /// The idempotency key was used before with a different request.
    #[error("Idempotency-Key: the key was already used with a different request")]
    IdempotencyMismatch,
    /// Someone else changed the entity at the same time; retry.
    #[error("{entity} {id} was changed concurrently; retry")]
    Concurrent { entity: &'static str, id: String },
    /// A business rule refused the action; `rule` names it.
    #[error("{rule}: {detail}")]
    Refused { rule: &'static str, detail: String },
    /// No valid session: a login failed, or a token is missing, expired or ended.
    #[error("{reason}")]
    Unauthenticated { reason: &'static str },
    /// The user is signed in but may not do this; `permission` names what is missing.
    #[error("{permission}: your roles do not allow this")]
    Forbidden { permission: String },
    /// The store could not record or confirm a write (a failed commit or
    /// fsync, a stopped writer): not the request's fault. A retry with the
    /// same idempotency key answers the first result if it was recorded.
    #[error("the store cannot take writes now ({reason}); retry with the same Idempotency-Key")]
    Unavailable { reason: String },
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// The stable machine-readable code (the tail of the problem `type`).
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Invalid { .. } => "invalid-field",
            AppError::NotFound { .. } => "not-found",
            AppError::InvalidState { .. } => "invalid-state",
            AppError::DuplicateIdentity => "duplicate-identity",
            AppError::IdempotencyMismatch => "idempotency-mismatch",
            AppError::Concurrent { .. } => "concurrent-change",
            AppError::Refused { rule, .. } => rule,
            AppError::Unauthenticated { .. } => "unauthenticated",
            AppError::Forbidden { .. } => "forbidden",
            AppError::Unavailable { .. } => "unavailable",
            AppError::Internal(_) => "internal",
        }
    }

    pub fn invalid(field: impl fmt::Display, reason: impl fmt::Display) -> AppError {
        AppError::Invalid {
            field: field.to_string(),
            reason: reason.to_string(),
        }
    }

    pub fn not_found(entity: &'static str, id: impl fmt::Display) -> AppError {
        AppError::NotFound {
            entity,
            id: id.to_string(),
        }
    }
}
