//! Who may do what: staff roles, permissions, the default role→permission
//! matrix and the organisation-tree scope of a user (R-SEC-1).
//!
//! A user holds one or more [`Role`]s and belongs to one node of the
//! organisation tree. A permission is granted when any of the user's roles
//! grants it ([`PermissionMatrix::allows`]); a user sees and acts on their
//! node and everything below it ([`within_scope`]). The origination
//! workflow adds its own rules on top (separation of duties), and the
//! maker-checker rule for configuration lives in [`maker_checker`].

pub mod maker_checker;

use crate::origination::Step;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The id of a staff user (`app_user.id`).
pub type UserId = i64;
/// The id of a node of the organisation tree (`org_node.id`).
pub type NodeId = i64;

/// Why an authorisation value was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuthzError {
    #[error("unknown role {0:?}")]
    UnknownRole(String),
    #[error("unknown permission {0:?}")]
    UnknownPermission(String),
}

/// A staff role (issue 4, R-SEC-1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    AccountManager,
    GridWorker,
    RiskOfficer,
    Reviewer,
    Approver,
    CommitteeMember,
    ContractOfficer,
    Teller,
    LobbyManager,
    Collector,
    BranchManager,
    Auditor,
    /// The supervisor: read-only.
    Regulator,
    Administrator,
}

impl Role {
    pub const ALL: [Role; 14] = [
        Role::AccountManager,
        Role::GridWorker,
        Role::RiskOfficer,
        Role::Reviewer,
        Role::Approver,
        Role::CommitteeMember,
        Role::ContractOfficer,
        Role::Teller,
        Role::LobbyManager,
        Role::Collector,
        Role::BranchManager,
        Role::Auditor,
        Role::Regulator,
        Role::Administrator,
    ];

    /// The stable name stored in `app_user.roles` (`account_manager`, …).
    pub fn name(self) -> &'static str {
        match self {
            Role::AccountManager => "account_manager",
            Role::GridWorker => "grid_worker",
            Role::RiskOfficer => "risk_officer",
            Role::Reviewer => "reviewer",
            Role::Approver => "approver",
            Role::CommitteeMember => "committee_member",
            Role::ContractOfficer => "contract_officer",
            Role::Teller => "teller",
            Role::LobbyManager => "lobby_manager",
            Role::Collector => "collector",
            Role::BranchManager => "branch_manager",
            Role::Auditor => "auditor",
            Role::Regulator => "regulator",
            Role::Administrator => "administrator",
        }
    }

    /// Parses a stable name (surrounding spaces are ignored).
    pub fn parse(name: &str) -> Result<Role, AuthzError> {
        let name = name.trim();
        Role::ALL
            .into_iter()
            .find(|r| r.name() == name)
            .ok_or_else(|| AuthzError::UnknownRole(name.to_string()))
    }

    /// Parses a comma-separated list (`"teller,collector"`), as stored in
    /// `app_user.roles`. Empty items are skipped; duplicates are kept once.
    pub fn parse_list(names: &str) -> Result<Vec<Role>, AuthzError> {
        let mut roles = BTreeSet::new();
        for name in names.split(',').filter(|n| !n.trim().is_empty()) {
            roles.insert(Role::parse(name)?);
        }
        Ok(roles.into_iter().collect())
    }

    /// The translation key of the role's display name (`authz.role.teller`).
    pub fn key(self) -> String {
        format!("authz.role.{}", self.name())
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One capability. `Step(s)` is the right to act on workflow step `s`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Permission {
    ClientRead,
    ClientWrite,
    /// See ID numbers, phones and addresses unmasked (each view is logged).
    ClientReadUnmasked,
    ProductWrite,
    LoanApply,
    LoanRead,
    Step(Step),
    /// Cast a credit-committee vote (gate 5).
    CommitteeVote,
    LoanDisburse,
    RepaymentPost,
    RepaymentReverse,
    LoanWriteOff,
    /// Charge a fee to a loan.
    FeeCharge,
    EodRun,
    ReportRead,
    LedgerRead,
    AuditRead,
    AuditVerify,
    ConfigPropose,
    ConfigApprove,
    UserAdmin,
    /// Export data to a file (each export is logged).
    Export,
    /// Create a node of the organisation tree.
    OrgWrite,
    /// Record a staff member's relative (separation of duties).
    RelativeWrite,
    /// Record collateral and guarantees of an application or client.
    CollateralWrite,
    /// Draw grid cells, split, merge and redraw them, assign grid workers (issue 6).
    GridManage,
    /// Update household files and record grid activities (issue 6).
    HouseholdWrite,
    /// Run a rating and propose a line (issue 6).
    RatingRun,
    /// Publish ratings and lines in a village notice (issue 6).
    RatingPublish,
    /// Resolve an objection to a published rating (issue 6).
    ObjectionResolve,
    /// Freeze, cut or cancel a credit line (issue 6).
    LineManage,
    /// Import households and cells from a spreadsheet (issue 6).
    ImportRun,
    /// Work a collection worklist: record contacts, promises, messages (issue 7).
    CollectionWork,
    /// Override a collection conduct rule (a supervisor; logged) (issue 7).
    CollectionOverride,
    /// Escalate, hand over, configure collection strategies (issue 7).
    CollectionManage,
}

const PERMISSION_NAMES: [(Permission, &str); 34] = [
    (Permission::ClientRead, "client.read"),
    (Permission::ClientWrite, "client.write"),
    (Permission::ClientReadUnmasked, "client.read_unmasked"),
    (Permission::ProductWrite, "product.write"),
    (Permission::LoanApply, "loan.apply"),
    (Permission::LoanRead, "loan.read"),
    (Permission::CommitteeVote, "committee.vote"),
    (Permission::LoanDisburse, "loan.disburse"),
    (Permission::RepaymentPost, "repayment.post"),
    (Permission::RepaymentReverse, "repayment.reverse"),
    (Permission::LoanWriteOff, "loan.write_off"),
    (Permission::FeeCharge, "loan.fee"),
    (Permission::EodRun, "eod.run"),
    (Permission::ReportRead, "report.read"),
    (Permission::LedgerRead, "ledger.read"),
    (Permission::AuditRead, "audit.read"),
    (Permission::AuditVerify, "audit.verify"),
    (Permission::ConfigPropose, "config.propose"),
    (Permission::ConfigApprove, "config.approve"),
    (Permission::UserAdmin, "user.admin"),
    (Permission::Export, "export"),
    (Permission::OrgWrite, "org.write"),
    (Permission::RelativeWrite, "relative.write"),
    (Permission::CollateralWrite, "collateral.write"),
    (Permission::GridManage, "grid.manage"),
    (Permission::HouseholdWrite, "household.write"),
    (Permission::RatingRun, "rating.run"),
    (Permission::RatingPublish, "rating.publish"),
    (Permission::ObjectionResolve, "objection.resolve"),
    (Permission::LineManage, "line.manage"),
    (Permission::ImportRun, "import.run"),
    (Permission::CollectionWork, "collection.work"),
    (Permission::CollectionOverride, "collection.override"),
    (Permission::CollectionManage, "collection.manage"),
];

impl Permission {
    /// Every permission: the fixed ones, then one per workflow step.
    pub fn all() -> Vec<Permission> {
        let fixed = PERMISSION_NAMES.iter().map(|(p, _)| *p);
        fixed.chain(Step::ALL.into_iter().map(Permission::Step)).collect()
    }

    /// The stable name (`loan.disburse`, `step.credit_review`, …).
    pub fn name(self) -> String {
        if let Permission::Step(step) = self {
            return format!("step.{}", step.name());
        }
        let found = PERMISSION_NAMES.iter().find(|(p, _)| *p == self);
        found.map(|(_, n)| (*n).to_string()).unwrap_or_default()
    }

    /// Parses a stable name.
    pub fn parse(name: &str) -> Result<Permission, AuthzError> {
        let name = name.trim();
        if let Some(step) = name.strip_prefix("step.").and_then(Step::parse) {
            return Ok(Permission::Step(step));
        }
        PERMISSION_NAMES
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(p, _)| *p)
            .ok_or_else(|| AuthzError::UnknownPermission(name.to_string()))
    }

    /// Whether the permission only reads (changes no state). The auditor's
    /// and the regulator's grants must all be read-only.
    pub fn is_read_only(self) -> bool {
        matches!(
            self,
            Permission::ClientRead
                | Permission::ClientReadUnmasked
                | Permission::LoanRead
                | Permission::ReportRead
                | Permission::LedgerRead
                | Permission::AuditRead
                | Permission::AuditVerify
                | Permission::Export
        )
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

use Permission as P;

const READ_BASE: [Permission; 3] = [P::ClientRead, P::LoanRead, P::ReportRead];

/// The default grants of one role (before any configuration).
pub fn default_permissions(role: Role) -> Vec<Permission> {
    let specific: &[Permission] = match role {
        Role::AccountManager => &[
            P::ClientWrite,
            P::ClientReadUnmasked,
            P::LoanApply,
            P::CollateralWrite,
            P::HouseholdWrite,
            P::RatingRun,
            P::CollectionWork,
            P::Step(Step::Application),
            P::Step(Step::CreditGrant),
            P::Step(Step::PreLoanInvestigation),
            // Fast track only: direct approval within delegated authority.
            P::Step(Step::Approval),
            P::Step(Step::UseOfFundsMonitoring),
        ],
        Role::GridWorker => &[
            P::ClientWrite,
            P::LoanApply,
            P::HouseholdWrite,
            P::CollectionWork,
            P::Step(Step::Application),
            P::Step(Step::UseOfFundsMonitoring),
        ],
        Role::RiskOfficer => &[
            P::LedgerRead,
            P::CollateralWrite,
            P::ObjectionResolve,
            P::Step(Step::Review),
            P::Step(Step::CreditReview),
            P::Step(Step::ContractReview),
            P::Step(Step::DisbursementConditionsReview),
        ],
        Role::Reviewer => &[
            P::Step(Step::Review),
            P::Step(Step::AcceptanceReview),
            P::Step(Step::CreditReview),
            P::Step(Step::DisbursementConditionsReview),
        ],
        Role::Approver => &[P::Step(Step::Approval), P::Step(Step::LoanApproval)],
        Role::CommitteeMember => &[
            P::CommitteeVote,
            P::Step(Step::LoanApproval),
            P::Step(Step::Approval),
        ],
        Role::ContractOfficer => &[P::ClientReadUnmasked, P::Step(Step::ContractReview)],
        Role::Teller => &[
            P::ClientReadUnmasked,
            P::Step(Step::Disbursement),
            P::LoanDisburse,
            P::RepaymentPost,
            P::FeeCharge,
        ],
        Role::LobbyManager => &[P::LoanApply, P::Step(Step::Application)],
        Role::Collector => &[P::Step(Step::UseOfFundsMonitoring), P::CollectionWork],
        Role::BranchManager => &[
            P::Step(Step::Approval),
            P::Step(Step::LoanApproval),
            P::RepaymentReverse,
            P::LoanWriteOff,
            P::FeeCharge,
            P::EodRun,
            P::LedgerRead,
            P::ConfigPropose,
            P::ConfigApprove,
            P::Export,
            P::GridManage,
            P::RatingPublish,
            P::ObjectionResolve,
            P::LineManage,
            P::ImportRun,
            P::CollectionWork,
            P::CollectionOverride,
            P::CollectionManage,
            P::RelativeWrite,
        ],
        Role::Auditor => &[P::LedgerRead, P::AuditRead, P::AuditVerify, P::Export],
        Role::Regulator => &[P::LedgerRead, P::AuditRead, P::AuditVerify],
        Role::Administrator => &[
            P::UserAdmin,
            P::ConfigPropose,
            P::ConfigApprove,
            P::AuditRead,
            P::OrgWrite,
            P::ProductWrite,
            P::RelativeWrite,
            P::GridManage,
            P::ImportRun,
            P::EodRun,
            P::LedgerRead,
        ],
    };
    READ_BASE.iter().chain(specific).copied().collect()
}

/// The role→permission matrix in force: the defaults, then configuration
/// (itself a maker-checker change of kind `roles`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PermissionMatrix {
    grants: BTreeMap<Role, BTreeSet<Permission>>,
}

impl Default for PermissionMatrix {
    fn default() -> Self {
        let grants = Role::ALL
            .into_iter()
            .map(|r| (r, default_permissions(r).into_iter().collect()))
            .collect();
        PermissionMatrix { grants }
    }
}

impl PermissionMatrix {
    /// A matrix granting nothing to anyone.
    pub fn empty() -> Self {
        PermissionMatrix {
            grants: BTreeMap::new(),
        }
    }

    pub fn grant(&mut self, role: Role, permission: Permission) {
        self.grants.entry(role).or_default().insert(permission);
    }

    pub fn revoke(&mut self, role: Role, permission: Permission) {
        if let Some(set) = self.grants.get_mut(&role) {
            set.remove(&permission);
        }
    }

    /// The permissions of one role, in a stable order.
    pub fn permissions(&self, role: Role) -> Vec<Permission> {
        self.grants
            .get(&role)
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default()
    }

    /// Whether any of `roles` grants `permission`.
    pub fn allows(&self, roles: &[Role], permission: Permission) -> bool {
        roles
            .iter()
            .any(|r| self.grants.get(r).is_some_and(|set| set.contains(&permission)))
    }
}

/// Whether any of `roles` grants `permission` under the default matrix.
pub fn allows(roles: &[Role], permission: Permission) -> bool {
    roles
        .iter()
        .any(|r| default_permissions(*r).contains(&permission))
}

/// Whether a user at `user_node_path` may see or act on something at
/// `target_node_path`. A path lists node ids from the root down to the node
/// (`[institution, branch, outlet]`); a user sees their node and below, so
/// the user's path must be a prefix of the target's. An empty user path
/// (a user without a node) sees nothing.
pub fn within_scope(user_node_path: &[NodeId], target_node_path: &[NodeId]) -> bool {
    !user_node_path.is_empty() && target_node_path.starts_with(user_node_path)
}

/// A staff user as the domain sees one: id, roles and node path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub user_id: UserId,
    pub roles: Vec<Role>,
    /// Node ids from the root to the user's node.
    pub node_path: Vec<NodeId>,
}

impl Actor {
    pub fn new(user_id: UserId, roles: &[Role], node_path: &[NodeId]) -> Actor {
        Actor {
            user_id,
            roles: roles.to_vec(),
            node_path: node_path.to_vec(),
        }
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// The node the user belongs to (the last of the path).
    pub fn node_id(&self) -> Option<NodeId> {
        self.node_path.last().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_and_permission_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.name()), Ok(role));
        }
        for permission in Permission::all() {
            assert_eq!(
                Permission::parse(&permission.name()),
                Ok(permission),
                "{permission}"
            );
        }
        assert_eq!(
            Permission::parse("step.credit_review"),
            Ok(Permission::Step(Step::CreditReview))
        );
        assert!(Permission::parse("step.nap").is_err());
        assert_eq!(Role::parse("boss"), Err(AuthzError::UnknownRole("boss".into())));
        assert_eq!(
            Role::parse_list(" teller,,collector,teller"),
            Ok(vec![Role::Teller, Role::Collector])
        );
    }

    #[test]
    fn auditor_and_regulator_are_read_only() {
        for role in [Role::Auditor, Role::Regulator] {
            for p in default_permissions(role) {
                assert!(p.is_read_only(), "{role} holds {p}");
            }
        }
        assert!(!allows(&[Role::Regulator], Permission::Export));
        assert!(allows(&[Role::Auditor], Permission::AuditVerify));
    }

    #[test]
    fn allows_any_role_and_configuration_changes_it() {
        assert!(!allows(&[Role::Teller], Permission::LoanWriteOff));
        assert!(allows(
            &[Role::Teller, Role::BranchManager],
            Permission::LoanWriteOff
        ));
        assert!(!allows(&[], Permission::ClientRead));
        let mut m = PermissionMatrix::default();
        assert!(m.allows(&[Role::Teller], Permission::LoanDisburse));
        m.revoke(Role::Teller, Permission::LoanDisburse);
        assert!(!m.allows(&[Role::Teller], Permission::LoanDisburse));
        m.grant(Role::Collector, Permission::RepaymentPost);
        assert!(m.allows(&[Role::Collector], Permission::RepaymentPost));
        assert!(!PermissionMatrix::empty().allows(&[Role::Administrator], Permission::UserAdmin));
    }

    #[test]
    fn a_user_sees_their_node_and_below() {
        assert!(within_scope(&[1, 2], &[1, 2]));
        assert!(within_scope(&[1, 2], &[1, 2, 7]));
        assert!(within_scope(&[1], &[1, 3, 9]));
        assert!(!within_scope(&[1, 2], &[1, 3]));
        assert!(!within_scope(&[1, 2, 7], &[1, 2]));
        assert!(!within_scope(&[], &[1]));
    }
}
