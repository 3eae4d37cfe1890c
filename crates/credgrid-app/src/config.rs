//! Maker-checker for configuration (issue 4 §7): a change to products, tier
//! rules, limits (approval ceilings), roles or the chart of accounts is
//! proposed by one user and takes effect only when a second authorised user
//! approves it; a rejection needs a reason; every proposal and decision is
//! kept and written to the audit trail.
//!
//! The rules of who may decide are `credgrid_core::authz::maker_checker`;
//! the payload formats are `config_text`. Configuration is institution-wide,
//! so proposing and deciding need a user at the root of the organisation
//! tree. The origination workflow reads the rules in force through
//! [`tier_rules`] and [`ceilings`]; `access.rs` reads the role→permission
//! matrix in force through [`matrix_in_force`].

use crate::access::{Staff, authorize, forget_staff, staff};
use crate::config_text::{self as text, DiffLine, RolesChange};
use crate::error::AppError;
use crate::institution::{CURRENT, Inner, Institution, business_date, page_limit, paginate};
use crate::model::{Actor, NewProduct, Page, PageRequest};
use crate::terms::product_row;
use credgrid_core::Currency;
use credgrid_core::authz::maker_checker::{self, ChangeStatus, ConfigChange, ConfigKind, MakerCheckerError};
use credgrid_core::authz::{self, Permission, PermissionMatrix};
use credgrid_core::origination::{Ceilings, TierRules};
use credgrid_store::{ConfigChangeRow, ConfigDecision, NewConfigChange, ReadTx, WriteTx};
use std::sync::{Arc, OnceLock, RwLock};

/// The longest note or rejection reason.
const NOTE_LEN_MAX: usize = 500;

/// A configuration change as the API and the UI show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigChangeView {
    pub id: i64,
    /// `product`, `tier_rules`, `limits`, `roles` or `chart`.
    pub kind: String,
    /// The change in canonical text (see `docs/security.md`).
    pub payload: String,
    /// What was in force when it was proposed (`None`: nothing to compare).
    pub base: Option<String>,
    pub note: Option<String>,
    /// `pending`, `approved` or `rejected`.
    pub state: String,
    pub proposed_by: i64,
    pub proposed_at: String,
    pub checker_id: Option<i64>,
    pub decided_at: Option<String>,
    pub decision_reason: Option<String>,
    /// What the approval produced: `product:12`, `version:3`, `users:7`, `accounts:1399`.
    pub outcome: Option<String>,
    /// The line diff from `base` to `payload`.
    pub diff: Vec<DiffLine>,
}

impl ConfigChangeView {
    /// The product an approved product change created.
    pub fn product_id(&self) -> Option<i64> {
        self.outcome.as_deref()?.strip_prefix("product:")?.parse().ok()
    }
}

/// The configuration of one kind in force.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigInForce {
    pub kind: String,
    /// `None`: the built-in defaults are in force.
    pub version: Option<i64>,
    pub payload: String,
}

/// The role→permission matrix in force, cached per institution.
#[derive(Default)]
pub(crate) struct ConfigCache {
    matrix: RwLock<Option<Arc<PermissionMatrix>>>,
}

fn default_matrix() -> Arc<PermissionMatrix> {
    static MATRIX: OnceLock<Arc<PermissionMatrix>> = OnceLock::new();
    Arc::clone(MATRIX.get_or_init(|| Arc::new(PermissionMatrix::default())))
}

/// The role→permission matrix in force: the approved `roles` version, or the
/// defaults of `credgrid_core::authz`.
pub(crate) fn matrix_in_force() -> Arc<PermissionMatrix> {
    let cached = CURRENT.with(|c| {
        let inner: Option<Arc<Inner>> = c.borrow().clone();
        inner.and_then(|i| i.config.matrix.read().ok()?.clone())
    });
    cached.unwrap_or_else(default_matrix)
}

fn stored_matrix(r: &ReadTx<'_>) -> Result<Option<PermissionMatrix>, AppError> {
    let Some(version) = r.config_in_force(ConfigKind::Roles.name())? else {
        return Ok(None);
    };
    text::decode_matrix(&version.payload)
        .map(Some)
        .map_err(|e| AppError::Internal(format!("roles version {}: {e}", version.version)))
}

/// The tier rules in force for applications in `currency`: the approved
/// `tier_rules` version when it is in that currency, else the defaults.
pub(crate) fn tier_rules(r: &ReadTx<'_>, currency: Currency) -> Result<TierRules, AppError> {
    if let Some(version) = r.config_in_force(ConfigKind::TierRules.name())? {
        let (c, rules) = text::decode_tier_rules(&version.payload)
            .map_err(|e| AppError::Internal(format!("tier rules version {}: {e}", version.version)))?;
        if c == currency {
            return Ok(rules);
        }
    }
    Ok(TierRules::defaults(currency))
}

/// The approval ceilings in force for `currency`: the approved `limits`
/// version when it is in that currency, else the defaults.
pub(crate) fn ceilings(r: &ReadTx<'_>, currency: Currency) -> Result<Ceilings, AppError> {
    if let Some(version) = r.config_in_force(ConfigKind::Limits.name())? {
        let (c, table) = text::decode_ceilings(&version.payload)
            .map_err(|e| AppError::Internal(format!("limits version {}: {e}", version.version)))?;
        if c == currency {
            return Ok(table);
        }
    }
    Ok(Ceilings::defaults(currency))
}

fn parse_kind(kind: &str) -> Result<ConfigKind, AppError> {
    ConfigKind::parse(kind.trim())
        .ok_or_else(|| AppError::invalid("kind", "must be product, tier_rules, limits, roles or chart"))
}

fn optional_text(field: &str, value: Option<&str>) -> Result<Option<String>, AppError> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if value.chars().count() > NOTE_LEN_MAX || value.chars().any(char::is_control) {
        return Err(AppError::invalid(
            field,
            format!("must be at most {NOTE_LEN_MAX} printable characters"),
        ));
    }
    Ok(Some(value.to_string()))
}

/// Configuration is institution-wide: only a user at the root may touch it.
fn require_root(r: &ReadTx<'_>, staff: &Staff) -> Result<(), AppError> {
    let root = staff
        .node_path
        .first()
        .copied()
        .ok_or_else(|| AppError::Internal("a user without a node".into()))?;
    staff.require_node(r, root)?;
    if staff.node_id != root {
        return Err(AppError::Forbidden {
            permission: "scope".into(),
        });
    }
    Ok(())
}

fn core_actor(staff: &Staff) -> authz::Actor {
    authz::Actor::new(staff.user_id, &staff.roles, &staff.node_path)
}

fn refusal(error: MakerCheckerError, id: i64) -> AppError {
    match error {
        MakerCheckerError::MakerIsChecker => AppError::Refused {
            rule: "sod-maker-is-checker",
            detail: "the user who proposed a change cannot approve or reject it".into(),
        },
        MakerCheckerError::NotPermitted { permission } => AppError::Forbidden {
            permission: permission.name(),
        },
        MakerCheckerError::NotPending { status } => AppError::InvalidState {
            entity: "config_change",
            id: id.to_string(),
            state: status.to_string(),
            action: "decision",
        },
        MakerCheckerError::ReasonRequired => AppError::invalid("reason", "a rejection needs a reason"),
    }
}

fn core_change(row: &ConfigChangeRow) -> Result<ConfigChange, AppError> {
    let kind = ConfigKind::parse(&row.kind)
        .ok_or_else(|| AppError::Internal(format!("config change {}: kind {}", row.id, row.kind)))?;
    let status = match (row.state.as_str(), row.checker_id) {
        ("approved", Some(by)) => ChangeStatus::Approved { by },
        ("rejected", Some(by)) => ChangeStatus::Rejected {
            by,
            reason: row.decision_reason.clone().unwrap_or_default(),
        },
        _ => ChangeStatus::Pending,
    };
    Ok(ConfigChange {
        id: row.id,
        kind,
        proposed_by: row.proposed_by,
        payload: row.payload.clone(),
        status,
    })
}

fn view(row: ConfigChangeRow) -> ConfigChangeView {
    let diff = text::diff(row.base.as_deref().unwrap_or(""), &row.payload);
    ConfigChangeView {
        id: row.id,
        kind: row.kind,
        payload: row.payload,
        base: row.base,
        note: row.note,
        state: row.state,
        proposed_by: row.proposed_by,
        proposed_at: row.proposed_at,
        checker_id: row.checker_id,
        decided_at: row.decided_at,
        decision_reason: row.decision_reason,
        outcome: row.outcome,
        diff,
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The payload in canonical text and what it is compared with.
fn canonical(r: &ReadTx<'_>, kind: ConfigKind, payload: &str) -> Result<(String, Option<String>), AppError> {
    match kind {
        ConfigKind::Product => {
            let product = text::decode_product(payload)?;
            product_row(&product, business_date(r)?)?;
            Ok((text::encode_product(&product), None))
        }
        ConfigKind::TierRules => {
            let (currency, rules) = text::decode_tier_rules(payload)?;
            let base = text::encode_tier_rules(&tier_rules(r, currency)?, currency);
            Ok((text::encode_tier_rules(&rules, currency), Some(base)))
        }
        ConfigKind::Limits => {
            let (currency, table) = text::decode_ceilings(payload)?;
            let base = text::encode_ceilings(&ceilings(r, currency)?, currency);
            Ok((text::encode_ceilings(&table, currency), Some(base)))
        }
        ConfigKind::Roles => {
            let change = text::decode_roles(payload)?;
            let base = roles_base(r, &change)?;
            Ok((text::encode_roles(&change), Some(base)))
        }
        ConfigKind::Chart => {
            let accounts = text::decode_chart(payload)?;
            Ok((text::encode_chart(&accounts), None))
        }
    }
}

/// The current grants of the roles and the current roles of the users a
/// roles change names (what the checker compares it with).
fn roles_base(r: &ReadTx<'_>, change: &RolesChange) -> Result<String, AppError> {
    let matrix = stored_matrix(r)?.unwrap_or_default();
    let mut current = RolesChange::default();
    for (role, _) in &change.grants {
        current.grants.push((*role, matrix.permissions(*role)));
    }
    for (user_id, _) in &change.users {
        let user = r
            .app_user(*user_id)
            .map_err(|_| AppError::invalid("payload", format!("user {user_id} does not exist")))?;
        let roles = authz::Role::parse_list(&user.roles)
            .map_err(|e| AppError::Internal(format!("user {user_id}: {e}")))?;
        current.users.push((*user_id, roles));
    }
    Ok(text::encode_roles(&current))
}

impl Institution {
    /// Proposes a configuration change of `kind` (`product`, `tier_rules`,
    /// `limits`, `roles`, `chart`); it takes effect only once a second user
    /// approves it. Needs `config.propose` at the root node.
    pub fn propose_config(
        &self,
        actor: Actor,
        kind: &str,
        payload: &str,
        note: Option<&str>,
    ) -> Result<ConfigChangeView, AppError> {
        let kind = parse_kind(kind)?;
        let note = optional_text("note", note)?;
        let payload = payload.to_string();
        self.write(move |tx, _| {
            let staff = authorize(tx, actor, Permission::ConfigPropose)?;
            if kind == ConfigKind::Product {
                staff.require(Permission::ProductWrite)?;
            }
            require_root(tx, &staff)?;
            let (payload, base) = canonical(tx, kind, &payload)?;
            maker_checker::propose(&matrix_in_force(), 0, kind, &core_actor(&staff), &payload)
                .map_err(|e| refusal(e, 0))?;
            let at = now();
            let id = tx.insert_config_change(&NewConfigChange {
                kind: kind.name(),
                payload: &payload,
                base: base.as_deref(),
                note: note.as_deref(),
                proposed_by: actor.user_id,
                proposed_at: &at,
            })?;
            crate::audit::record(
                tx,
                actor,
                "config.propose",
                "config_change",
                id,
                Some(format!("kind={}", kind.name())),
                note.as_deref(),
            )?;
            Ok(view(tx.config_change(id)?))
        })
    }

    /// Proposes a new loan product (a `product` change).
    pub fn propose_product(
        &self,
        actor: Actor,
        product: &NewProduct,
        note: Option<&str>,
    ) -> Result<ConfigChangeView, AppError> {
        self.propose_config(actor, "product", &text::encode_product(product), note)
    }

    /// Approves a pending change and puts it in force, in one write job.
    /// Refused to its proposer (`sod-maker-is-checker`), to a user without
    /// `config.approve`, and for a change already decided.
    pub fn approve_config(&self, actor: Actor, change_id: i64) -> Result<ConfigChangeView, AppError> {
        let decided = self.write(move |tx, _| {
            let (staff, row) = decidable(tx, actor, change_id)?;
            let change = core_change(&row)?;
            maker_checker::approve(&matrix_in_force(), &change, &core_actor(&staff))
                .map_err(|e| refusal(e, change_id))?;
            let at = now();
            let outcome = apply(tx, actor, &row, change.kind, &at)?;
            let decision = ConfigDecision {
                state: "approved",
                checker_id: actor.user_id,
                decided_at: &at,
                reason: None,
                outcome: Some(&outcome),
            };
            if !tx.decide_config_change(change_id, &decision)? {
                return Err(AppError::Concurrent {
                    entity: "config_change",
                    id: change_id.to_string(),
                });
            }
            crate::audit::record(
                tx,
                actor,
                "config.approve",
                "config_change",
                change_id,
                Some(format!("kind={} outcome={outcome}", row.kind)),
                None,
            )?;
            Ok(view(tx.config_change(change_id)?))
        })?;
        if decided.kind == ConfigKind::Roles.name() {
            self.reload_config()?;
            // Forgotten again after the commit: a lookup between the job's
            // own `forget_staff` and the commit may have cached the old roles.
            let users: Vec<i64> = text::decode_roles(&decided.payload)
                .map(|c| c.users.iter().map(|(u, _)| *u).collect())
                .unwrap_or_default();
            self.read(|_| {
                users.iter().for_each(|u| forget_staff(*u));
                Ok(())
            })?;
        }
        Ok(decided)
    }

    /// Rejects a pending change with a reason (kept in its history).
    pub fn reject_config(
        &self,
        actor: Actor,
        change_id: i64,
        reason: &str,
    ) -> Result<ConfigChangeView, AppError> {
        let reason = optional_text("reason", Some(reason))?.unwrap_or_default();
        self.write(move |tx, _| {
            let (staff, row) = decidable(tx, actor, change_id)?;
            let change = core_change(&row)?;
            maker_checker::reject(&matrix_in_force(), &change, &core_actor(&staff), &reason)
                .map_err(|e| refusal(e, change_id))?;
            let decision = ConfigDecision {
                state: "rejected",
                checker_id: actor.user_id,
                decided_at: &now(),
                reason: Some(&reason),
                outcome: None,
            };
            if !tx.decide_config_change(change_id, &decision)? {
                return Err(AppError::Concurrent {
                    entity: "config_change",
                    id: change_id.to_string(),
                });
            }
            crate::audit::record(
                tx,
                actor,
                "config.reject",
                "config_change",
                change_id,
                Some(format!("kind={}", row.kind)),
                Some(&reason),
            )?;
            Ok(view(tx.config_change(change_id)?))
        })
    }

    /// One change with its diff.
    pub fn config_change(&self, actor: Actor, change_id: i64) -> Result<ConfigChangeView, AppError> {
        self.read(|r| {
            require_config_reader(r, actor)?;
            let row = r
                .config_change(change_id)
                .map_err(|_| AppError::not_found("config_change", change_id))?;
            Ok(view(row))
        })
    }

    /// Changes oldest first; with `state`, only `pending`, `approved` or `rejected` ones.
    pub fn config_changes(
        &self,
        actor: Actor,
        state: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<ConfigChangeView>, AppError> {
        let limit = page_limit(page)?;
        if let Some(s) = state
            && !["pending", "approved", "rejected"].contains(&s)
        {
            return Err(AppError::invalid(
                "state",
                "must be pending, approved or rejected",
            ));
        }
        self.read(|r| {
            require_config_reader(r, actor)?;
            let rows = r.config_changes(state, page.after_id, limit + 1)?;
            Ok(paginate(rows.into_iter().map(view).collect(), limit, |c| c.id))
        })
    }

    /// The configuration of `kind` in force, as canonical text (the
    /// starting point of a proposal). Tier rules and limits are shown in
    /// `currency` when nothing was approved yet; products and the chart
    /// are kept in their own tables (`payload` lists nothing).
    pub fn config_in_force(
        &self,
        actor: Actor,
        kind: &str,
        currency: Currency,
    ) -> Result<ConfigInForce, AppError> {
        let kind = parse_kind(kind)?;
        self.read(|r| {
            require_config_reader(r, actor)?;
            let stored = r.config_in_force(kind.name())?;
            let version = stored.as_ref().map(|v| v.version);
            let payload = match (kind, stored) {
                (ConfigKind::Product | ConfigKind::Chart, _) => String::new(),
                (_, Some(v)) => v.payload,
                (ConfigKind::TierRules, None) => {
                    text::encode_tier_rules(&TierRules::defaults(currency), currency)
                }
                (ConfigKind::Limits, None) => text::encode_ceilings(&Ceilings::defaults(currency), currency),
                (ConfigKind::Roles, None) => text::encode_matrix(&PermissionMatrix::default()),
            };
            Ok(ConfigInForce {
                kind: kind.name().to_string(),
                version,
                payload,
            })
        })
    }

    /// Loads the configuration the access checks use (the role→permission
    /// matrix in force) into the cache. Runs when the institution opens and
    /// after a roles change is approved.
    pub(crate) fn reload_config(&self) -> Result<(), AppError> {
        let matrix = self.read(stored_matrix)?;
        if let Ok(mut slot) = self.inner.config.matrix.write() {
            *slot = matrix.map(Arc::new);
        }
        Ok(())
    }
}

/// Reading the configuration: proposers, checkers and auditors.
fn require_config_reader(r: &ReadTx<'_>, actor: Actor) -> Result<(), AppError> {
    let s = staff(r, actor)?;
    let readers = [
        Permission::ConfigPropose,
        Permission::ConfigApprove,
        Permission::AuditRead,
    ];
    if readers.iter().any(|p| s.may(*p)) {
        return Ok(());
    }
    Err(AppError::Forbidden {
        permission: Permission::ConfigApprove.name(),
    })
}

/// The checker (with `config.approve`, at the root) and the change.
fn decidable(
    tx: &WriteTx<'_>,
    actor: Actor,
    change_id: i64,
) -> Result<(Arc<Staff>, ConfigChangeRow), AppError> {
    let staff = authorize(tx, actor, Permission::ConfigApprove)?;
    require_root(tx, &staff)?;
    let row = tx
        .config_change(change_id)
        .map_err(|_| AppError::not_found("config_change", change_id))?;
    Ok((staff, row))
}

/// Puts an approved change in force; returns what it produced.
fn apply(
    tx: &mut WriteTx<'_>,
    actor: Actor,
    row: &ConfigChangeRow,
    kind: ConfigKind,
    at: &str,
) -> Result<String, AppError> {
    match kind {
        ConfigKind::Product => {
            let product = text::decode_product(&row.payload)?;
            let product = product_row(&product, business_date(tx)?)?;
            let id = tx.insert_product(&product)?;
            let detail = format!(
                "code={} change={} proposed_by={}",
                product.code, row.id, row.proposed_by
            );
            crate::audit::record(tx, actor, "product.create", "product", id, Some(detail), None)?;
            Ok(format!("product:{id}"))
        }
        ConfigKind::TierRules | ConfigKind::Limits => {
            let version = tx.insert_config_version(kind.name(), &row.payload, row.id, at)?;
            Ok(format!("version:{version}"))
        }
        ConfigKind::Roles => apply_roles(tx, actor, row, at),
        ConfigKind::Chart => {
            let accounts = text::decode_chart(&row.payload)?;
            let known: Vec<String> = tx.accounts()?.into_iter().map(|a| a.code).collect();
            for a in &accounts {
                let parent_known = a.parent.is_none_or(|p| {
                    known.iter().any(|k| k == p.as_str()) || accounts.iter().any(|o| o.code == p)
                });
                if !parent_known {
                    return Err(AppError::invalid(
                        "payload",
                        format!("account {}: parent does not exist", a.code),
                    ));
                }
            }
            // Parents first: an account may hang below one added in the same change.
            let mut ordered = accounts.clone();
            ordered.sort_by_key(|a| a.code.as_str().len());
            for a in &ordered {
                tx.insert_account(a.code, a.kind, a.parent)?;
            }
            let previous = tx.config_in_force(kind.name())?.map(|v| v.payload);
            let all = match previous {
                Some(p) => format!("{p}\n{}", row.payload),
                None => row.payload.clone(),
            };
            tx.insert_config_version(kind.name(), &all, row.id, at)?;
            let codes: Vec<String> = accounts.iter().map(|a| a.code.to_string()).collect();
            Ok(format!("accounts:{}", codes.join(",")))
        }
    }
}

/// A roles change: the new matrix becomes a version; users get their roles.
/// Refused when the checker's own roles are changed (`sod-own-roles`) and
/// when no role could approve configuration afterwards (`config-lockout`).
fn apply_roles(
    tx: &mut WriteTx<'_>,
    actor: Actor,
    row: &ConfigChangeRow,
    at: &str,
) -> Result<String, AppError> {
    let change = text::decode_roles(&row.payload)?;
    if change.users.iter().any(|(u, _)| *u == actor.user_id) {
        return Err(AppError::Refused {
            rule: "sod-own-roles",
            detail: "a checker cannot approve a change of their own roles".into(),
        });
    }
    let mut outcome = Vec::new();
    if !change.grants.is_empty() {
        let mut matrix = stored_matrix(tx)?.unwrap_or_default();
        for (role, permissions) in &change.grants {
            for p in matrix.permissions(*role) {
                matrix.revoke(*role, p);
            }
            for p in permissions {
                matrix.grant(*role, *p);
            }
        }
        let all = authz::Role::ALL;
        if !all
            .iter()
            .any(|r| matrix.allows(&[*r], Permission::ConfigApprove))
            || !all
                .iter()
                .any(|r| matrix.allows(&[*r], Permission::ConfigPropose))
        {
            return Err(AppError::Refused {
                rule: "config-lockout",
                detail: "after this change no role could propose or approve configuration".into(),
            });
        }
        let version = tx.insert_config_version(
            ConfigKind::Roles.name(),
            &text::encode_matrix(&matrix),
            row.id,
            at,
        )?;
        outcome.push(format!("version:{version}"));
    }
    let mut users = Vec::new();
    for (user_id, roles) in &change.users {
        tx.app_user(*user_id)
            .map_err(|_| AppError::invalid("payload", format!("user {user_id} does not exist")))?;
        let names: Vec<&str> = roles.iter().map(|r| r.name()).collect();
        tx.set_app_user_roles(*user_id, &names.join(","))?;
        forget_staff(*user_id);
        users.push(user_id.to_string());
    }
    if !users.is_empty() {
        outcome.push(format!("users:{}", users.join(",")));
    }
    Ok(outcome.join(" "))
}
