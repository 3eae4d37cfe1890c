//! Approval authority: the amount ceiling of an approver by role and node
//! (R-ORIG-3, the delegated authority of R-ORIG-4).

use crate::authz::{Actor, NodeId, Role};
use crate::money::{Currency, Money};

/// One delegated ceiling: `role` at `node` (and below) may approve up to
/// `ceiling`. `node: None` is the institution-wide default of the role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CeilingEntry {
    pub role: Role,
    pub node: Option<NodeId>,
    pub ceiling: Money,
}

/// The table of delegated ceilings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ceilings {
    pub entries: Vec<CeilingEntry>,
}

impl Ceilings {
    /// Default ceilings in `currency` (major units): an account manager's
    /// delegated authority on the fast track 10,000 (the top pure-credit
    /// line of R-RATE-2), an approver 100,000, a branch manager 1,000,000
    /// (the top of R-LINE-2's tiers). Committee votes have no ceiling.
    pub fn defaults(currency: Currency) -> Ceilings {
        let major = |n: i64| Money::from_minor(n * currency.minor_per_major(), currency);
        let entry = |role, n| CeilingEntry {
            role,
            node: None,
            ceiling: major(n),
        };
        Ceilings {
            entries: vec![
                entry(Role::AccountManager, 10_000),
                entry(Role::Approver, 100_000),
                entry(Role::BranchManager, 1_000_000),
            ],
        }
    }

    /// The ceiling of `actor` when acting through one of `roles`: for each
    /// such role the entry of the deepest node on the actor's path (a node
    /// entry overrides the institution default), and the highest over the
    /// roles. `None` when no entry applies: the actor has no authority.
    pub fn ceiling_for(&self, actor: &Actor, roles: &[Role]) -> Option<Money> {
        let depth = |node: Option<NodeId>| match node {
            None => Some(0),
            Some(id) => actor.node_path.iter().position(|n| *n == id).map(|p| p + 1),
        };
        let mut best: Option<Money> = None;
        for role in actor.roles.iter().filter(|r| roles.contains(r)) {
            let deepest = self
                .entries
                .iter()
                .filter(|e| e.role == *role)
                .filter_map(|e| depth(e.node).map(|d| (d, e.ceiling)))
                .max_by_key(|(d, _)| *d);
            if let Some((_, ceiling)) = deepest {
                best = match best {
                    Some(b) if b.minor() >= ceiling.minor() => Some(b),
                    _ => Some(ceiling),
                };
            }
        }
        best
    }
}
