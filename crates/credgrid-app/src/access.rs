//! Who may do what, enforced: every use case resolves its actor to a staff
//! user's roles and node, checks one permission, and checks that the thing
//! it touches lies within the user's node of the organisation tree.
//!
//! Call [`authorize`] first in every use case (inside its read or write
//! job), then [`Staff::require_node`] with the node the target belongs to
//! (a client's or loan's outlet). Refusals are `AppError::Forbidden` naming
//! the permission, or `AppError::Forbidden` naming `scope` for something
//! outside the user's part of the tree. Users and node paths are cached per
//! institution: nodes never move, and a user's roles change only through
//! an approved configuration change (`config.rs`), which calls
//! [`forget_staff`].

use crate::error::AppError;
use crate::institution::{CURRENT, Inner};
use crate::model::Actor;
use credgrid_core::authz::{Permission, PermissionMatrix, Role, within_scope};
use credgrid_store::ReadTx;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// A signed-in staff user as the use cases see one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Staff {
    pub user_id: i64,
    pub roles: Vec<Role>,
    pub node_id: i64,
    /// Node ids from the root down to the user's node.
    pub node_path: Vec<i64>,
}

impl Staff {
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.user_id,
        }
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Whether the user's roles grant `permission` (default matrix).
    pub fn may(&self, permission: Permission) -> bool {
        matrix().allows(&self.roles, permission)
    }

    /// Whether `node_id` lies at or below the user's node.
    pub fn sees_node(&self, r: &ReadTx<'_>, node_id: i64) -> Result<bool, AppError> {
        Ok(within_scope(&self.node_path, &node_path(r, node_id)?))
    }

    /// Refuses (403, `scope`) when `node_id` lies outside the user's node.
    pub fn require_node(&self, r: &ReadTx<'_>, node_id: i64) -> Result<(), AppError> {
        if self.sees_node(r, node_id)? {
            return Ok(());
        }
        Err(AppError::Forbidden {
            permission: "scope".into(),
        })
    }

    /// Refuses (403) unless the user's roles grant `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), AppError> {
        if self.may(permission) {
            return Ok(());
        }
        Err(AppError::Forbidden {
            permission: permission.name(),
        })
    }
}

/// The caches of who is who: staff by user id, node paths by node id.
#[derive(Default)]
pub(crate) struct AccessCache {
    staff: RwLock<HashMap<i64, Arc<Staff>>>,
    paths: RwLock<HashMap<i64, Arc<Vec<i64>>>>,
}

/// The role→permission matrix in force (approved `roles` configuration, else the defaults).
fn matrix() -> Arc<PermissionMatrix> {
    crate::config::matrix_in_force()
}

fn with_cache<T>(f: impl FnOnce(Option<&AccessCache>) -> T) -> T {
    CURRENT.with(|current| {
        let inner: Option<Arc<Inner>> = current.borrow().clone();
        f(inner.as_deref().map(|i| &i.access))
    })
}

/// The actor as a staff user; refuses (401) a user that does not exist.
pub fn staff(r: &ReadTx<'_>, actor: Actor) -> Result<Arc<Staff>, AppError> {
    let cached = with_cache(|c| c.and_then(|c| c.staff.read().ok()?.get(&actor.user_id).cloned()));
    if let Some(s) = cached {
        return Ok(s);
    }
    let row = r.app_user(actor.user_id).map_err(|_| AppError::Unauthenticated {
        reason: "the acting user does not exist",
    })?;
    let roles =
        Role::parse_list(&row.roles).map_err(|e| AppError::Internal(format!("user {}: {e}", row.id)))?;
    let node_path = node_path(r, row.node_id)?.to_vec();
    let s = Arc::new(Staff {
        user_id: row.id,
        roles,
        node_id: row.node_id,
        node_path,
    });
    with_cache(|c| {
        if let Some(mut map) = c.and_then(|c| c.staff.write().ok()) {
            map.insert(s.user_id, Arc::clone(&s));
        }
    });
    Ok(s)
}

/// The acting staff user, refused (403) unless their roles grant `permission`.
pub fn authorize(r: &ReadTx<'_>, actor: Actor, permission: Permission) -> Result<Arc<Staff>, AppError> {
    let s = staff(r, actor)?;
    s.require(permission)?;
    Ok(s)
}

/// Node ids from the root down to `node_id`.
pub fn node_path(r: &ReadTx<'_>, node_id: i64) -> Result<Arc<Vec<i64>>, AppError> {
    let cached = with_cache(|c| c.and_then(|c| c.paths.read().ok()?.get(&node_id).cloned()));
    if let Some(p) = cached {
        return Ok(p);
    }
    let mut path = Vec::new();
    let mut next = Some(node_id);
    while let Some(id) = next {
        if path.contains(&id) || path.len() > 64 {
            return Err(AppError::Internal(format!(
                "organisation tree loops at node {id}"
            )));
        }
        let node = r.org_node(id).map_err(|_| AppError::not_found("node", id))?;
        path.push(id);
        next = node.parent_id;
    }
    path.reverse();
    let path = Arc::new(path);
    with_cache(|c| {
        if let Some(mut map) = c.and_then(|c| c.paths.write().ok()) {
            map.insert(node_id, Arc::clone(&path));
        }
    });
    Ok(path)
}

/// Drops a user from the cache (after their roles or node changed).
pub(crate) fn forget_staff(user_id: i64) {
    with_cache(|c| {
        if let Some(mut map) = c.and_then(|c| c.staff.write().ok()) {
            map.remove(&user_id);
        }
    });
}
