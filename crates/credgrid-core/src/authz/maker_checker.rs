//! Maker-checker for configuration: a change proposed by one user takes
//! effect only when a second, authorised user approves it (issue 4 §7).
//!
//! The payload is opaque text (the API decides its format); this module only
//! decides who may propose, approve or reject, and in which state.

use super::{Actor, Permission, PermissionMatrix, UserId};

/// What a configuration change touches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConfigKind {
    Product,
    TierRules,
    Limits,
    Roles,
    Chart,
}

impl ConfigKind {
    pub const ALL: [ConfigKind; 5] = [
        ConfigKind::Product,
        ConfigKind::TierRules,
        ConfigKind::Limits,
        ConfigKind::Roles,
        ConfigKind::Chart,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ConfigKind::Product => "product",
            ConfigKind::TierRules => "tier_rules",
            ConfigKind::Limits => "limits",
            ConfigKind::Roles => "roles",
            ConfigKind::Chart => "chart",
        }
    }

    pub fn parse(name: &str) -> Option<ConfigKind> {
        ConfigKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// Where a change stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChangeStatus {
    Pending,
    Approved { by: UserId },
    Rejected { by: UserId, reason: String },
}

impl ChangeStatus {
    pub fn name(&self) -> &'static str {
        match self {
            ChangeStatus::Pending => "pending",
            ChangeStatus::Approved { .. } => "approved",
            ChangeStatus::Rejected { .. } => "rejected",
        }
    }
}

/// A proposed configuration change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigChange {
    pub id: i64,
    pub kind: ConfigKind,
    pub proposed_by: UserId,
    pub payload: String,
    pub status: ChangeStatus,
}

/// Why a maker-checker action was refused. One variant per rule.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MakerCheckerError {
    #[error("the maker of a change cannot also be its checker")]
    MakerIsChecker,
    #[error("the user lacks the permission {permission}")]
    NotPermitted { permission: Permission },
    #[error("the change is already {status}")]
    NotPending { status: &'static str },
    #[error("a rejection needs a reason")]
    ReasonRequired,
}

impl MakerCheckerError {
    /// The stable code for problem+json.
    pub fn code(&self) -> &'static str {
        match self {
            MakerCheckerError::MakerIsChecker => "sod-maker-is-checker",
            MakerCheckerError::NotPermitted { .. } => "not-permitted",
            MakerCheckerError::NotPending { .. } => "change-not-pending",
            MakerCheckerError::ReasonRequired => "reason-required",
        }
    }

    /// The translation key (`refusal.sod-maker-is-checker`).
    pub fn key(&self) -> String {
        format!("refusal.{}", self.code())
    }
}

/// Proposes a change; the maker needs `config.propose`.
pub fn propose(
    matrix: &PermissionMatrix,
    id: i64,
    kind: ConfigKind,
    maker: &Actor,
    payload: &str,
) -> Result<ConfigChange, MakerCheckerError> {
    require(matrix, maker, Permission::ConfigPropose)?;
    Ok(ConfigChange {
        id,
        kind,
        proposed_by: maker.user_id,
        payload: payload.to_string(),
        status: ChangeStatus::Pending,
    })
}

/// Approves a pending change. Refuses the maker (`MakerIsChecker`) and a
/// checker without `config.approve`.
pub fn approve(
    matrix: &PermissionMatrix,
    change: &ConfigChange,
    checker: &Actor,
) -> Result<ConfigChange, MakerCheckerError> {
    check_decidable(matrix, change, checker)?;
    Ok(ConfigChange {
        status: ChangeStatus::Approved { by: checker.user_id },
        ..change.clone()
    })
}

/// Rejects a pending change, with a reason; same rules as [`approve`].
pub fn reject(
    matrix: &PermissionMatrix,
    change: &ConfigChange,
    checker: &Actor,
    reason: &str,
) -> Result<ConfigChange, MakerCheckerError> {
    check_decidable(matrix, change, checker)?;
    if reason.trim().is_empty() {
        return Err(MakerCheckerError::ReasonRequired);
    }
    let status = ChangeStatus::Rejected {
        by: checker.user_id,
        reason: reason.trim().to_string(),
    };
    Ok(ConfigChange {
        status,
        ..change.clone()
    })
}

fn check_decidable(
    matrix: &PermissionMatrix,
    change: &ConfigChange,
    checker: &Actor,
) -> Result<(), MakerCheckerError> {
    if change.status != ChangeStatus::Pending {
        return Err(MakerCheckerError::NotPending {
            status: change.status.name(),
        });
    }
    if checker.user_id == change.proposed_by {
        return Err(MakerCheckerError::MakerIsChecker);
    }
    require(matrix, checker, Permission::ConfigApprove)
}

fn require(
    matrix: &PermissionMatrix,
    actor: &Actor,
    permission: Permission,
) -> Result<(), MakerCheckerError> {
    if matrix.allows(&actor.roles, permission) {
        Ok(())
    } else {
        Err(MakerCheckerError::NotPermitted { permission })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authz::Role;

    fn admin(id: UserId) -> Actor {
        Actor::new(id, &[Role::Administrator], &[1])
    }

    #[test]
    fn a_second_authorised_user_approves() {
        let m = PermissionMatrix::default();
        let change = propose(&m, 1, ConfigKind::TierRules, &admin(10), "{}").unwrap();
        assert_eq!(
            approve(&m, &change, &admin(10)),
            Err(MakerCheckerError::MakerIsChecker)
        );
        let teller = Actor::new(11, &[Role::Teller], &[1]);
        assert_eq!(
            approve(&m, &change, &teller),
            Err(MakerCheckerError::NotPermitted {
                permission: Permission::ConfigApprove
            })
        );
        let done = approve(&m, &change, &admin(12)).unwrap();
        assert_eq!(done.status, ChangeStatus::Approved { by: 12 });
        assert_eq!(
            approve(&m, &done, &admin(13)),
            Err(MakerCheckerError::NotPending { status: "approved" })
        );
    }

    #[test]
    fn rejection_needs_a_reason_and_proposal_a_permission() {
        let m = PermissionMatrix::default();
        let change = propose(&m, 2, ConfigKind::Limits, &admin(10), "x").unwrap();
        assert_eq!(
            reject(&m, &change, &admin(12), " "),
            Err(MakerCheckerError::ReasonRequired)
        );
        let r = reject(&m, &change, &admin(12), "too high").unwrap();
        assert_eq!(r.status.name(), "rejected");
        let teller = Actor::new(11, &[Role::Teller], &[1]);
        assert!(propose(&m, 3, ConfigKind::Chart, &teller, "x").is_err());
        assert_eq!(ConfigKind::parse("tier_rules"), Some(ConfigKind::TierRules));
    }
}
