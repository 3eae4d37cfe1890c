//! The institution handle: every use case of the lending core, one method each.
//!
//! Reads run on the store's reader pool; every change is one write job,
//! group-committed and acknowledged only once durable. Loan operations live
//! in `lending.rs`, the end of day in `eod.rs`, the books in `books.rs`.

use crate::error::AppError;
use crate::model::*;
use crate::terms::{ProductRules, check_name, product_view};
use crate::views::{client_view, node_view};
use chrono::NaiveDate;
use credgrid_core::authz::Permission;
use credgrid_core::classification::{ClassificationConfig, Classifier};
use credgrid_core::identity::validator_for;
use credgrid_store::{NewClientRow, ReadTx, Store, WriteTx};
use std::path::Path;
use std::sync::Arc;

/// An open institution: its store and settings. Cheap to clone and share
/// between threads (the API holds one).
#[derive(Clone)]
pub struct Institution {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) store: Store,
    pub(crate) classifier: Classifier,
    /// Parsed products by id. A product never changes once created (a new
    /// version is a new product), so the cache needs no invalidation.
    pub(crate) products: std::sync::RwLock<std::collections::HashMap<i64, Arc<ProductRules>>>,
    /// Staff users and node paths (`access.rs`).
    pub(crate) access: crate::access::AccessCache,
    /// The configuration in force (`config.rs`).
    pub(crate) config: crate::config::ConfigCache,
    /// Recently checked sessions (`auth.rs`).
    pub(crate) sessions: crate::auth::SessionCache,
}

/// Progress of a long job (end of day, generation): `(done, total)`.
pub type ProgressFn<'a> = &'a (dyn Fn(u64, u64) + Sync);

/// The user every new institution starts with (the administrator).
pub const ADMIN_USER_ID: i64 = 1;

const NODE_KINDS: [&str; 3] = ["institution", "branch", "outlet"];
const CLIENT_KINDS: [&str; 3] = ["individual", "household", "business"];
/// The longest phone number or address accepted.
const CONTACT_LEN_MAX: usize = 200;

impl Institution {
    /// Opens (creating and migrating if needed) the institution at `path`.
    /// A new database gets a root node, the default chart of accounts, an
    /// administrator user (id 1) and a business date of `initial_date`.
    pub fn open(path: &Path, initial_date: NaiveDate) -> Result<Institution, AppError> {
        let store = Store::open(path)?;
        let classifier = Classifier::new(ClassificationConfig::default())
            .map_err(|e| AppError::Internal(format!("classification defaults: {e}")))?;
        let institution = Institution {
            inner: Arc::new(Inner {
                store,
                classifier,
                products: Default::default(),
                access: Default::default(),
                config: Default::default(),
                sessions: Default::default(),
            }),
        };
        institution.bootstrap(initial_date)?;
        institution.reload_config()?;
        Ok(institution)
    }

    fn bootstrap(&self, initial_date: NaiveDate) -> Result<(), AppError> {
        self.inner.store.write(move |tx| -> Result<(), AppError> {
            if tx.business_date()?.is_some() {
                return Ok(());
            }
            let root = match tx.org_nodes()?.into_iter().find(|n| n.parent_id.is_none()) {
                Some(node) => node.id,
                None => tx.insert_org_node(None, "institution", "HQ", "Head office")?,
            };
            if tx.app_user(ADMIN_USER_ID).is_err() {
                tx.insert_app_user(root, "admin", "Administrator", "administrator")?;
            }
            tx.set_business_date(initial_date, Some(root))?;
            Ok(())
        })
    }

    pub(crate) fn read<T>(&self, f: impl FnOnce(&ReadTx<'_>) -> Result<T, AppError>) -> Result<T, AppError> {
        with_current(&self.inner, || self.inner.store.read(f))
    }

    /// `read` if a read connection is free now; else `Err(f)` at once.
    pub(crate) fn try_read<T, F>(&self, f: F) -> Result<Result<T, AppError>, F>
    where
        F: FnOnce(&ReadTx<'_>) -> Result<T, AppError>,
    {
        with_current(&self.inner, || self.inner.store.try_read(f))
    }

    pub(crate) fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut WriteTx<'_>, &Inner) -> Result<T, AppError> + Send + 'static,
    ) -> Result<T, AppError> {
        let inner = Arc::clone(&self.inner);
        self.inner
            .store
            .write(move |tx| with_current(&inner, || f(tx, &inner)))
    }

    /// Like `write`, without blocking: `done` gets the result once the job's
    /// batch committed and is on disk (see `Store::write_then`).
    pub(crate) fn write_then<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut WriteTx<'_>, &Inner) -> Result<T, AppError> + Send + 'static,
        done: impl FnOnce(Result<T, AppError>) + Send + 'static,
    ) {
        let inner = Arc::clone(&self.inner);
        self.inner
            .store
            .write_then(move |tx| with_current(&inner, || f(tx, &inner)), done);
    }

    /// The store writer's counts since this institution was opened.
    pub fn store_activity(&self) -> crate::model::StoreActivity {
        let stats = self.inner.store.writer_stats();
        crate::model::StoreActivity {
            batches_committed: stats.commits,
            jobs_committed: stats.jobs_committed,
            jobs_refused: stats.jobs_refused,
            batches_failed: stats.batches_failed,
            syncs: stats.syncs,
            sync_slowest_micros: stats.sync_slowest_micros,
            syncs_slow: stats.syncs_slow,
            writer_checkpoints: stats.writer_checkpoints,
            writer_checkpoint_micros: stats.writer_checkpoint_micros,
            wal_frames_longest: stats.wal_frames_longest,
        }
    }

    pub fn business_date(&self) -> Result<NaiveDate, AppError> {
        self.read(business_date)
    }

    // Organisation.
    pub fn create_node(
        &self,
        actor: Actor,
        parent_id: i64,
        kind: &str,
        code: &str,
        name: &str,
    ) -> Result<NodeView, AppError> {
        if !NODE_KINDS.contains(&kind) || kind == "institution" {
            return Err(AppError::invalid("kind", "must be branch or outlet"));
        }
        let code_ok = !code.is_empty()
            && code.len() <= 32
            && code
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !code_ok {
            return Err(AppError::invalid(
                "code",
                "must be 1 to 32 letters, digits, '-' or '_'",
            ));
        }
        check_name("name", name)?;
        let (kind, code, name) = (kind.to_string(), code.to_string(), name.trim().to_string());
        self.write(move |tx, _| {
            let staff = crate::access::authorize(tx, actor, Permission::OrgWrite)?;
            let parent = tx
                .org_node(parent_id)
                .map_err(|_| AppError::not_found("node", parent_id))?;
            staff.require_node(tx, parent_id)?;
            if parent.kind == "outlet" {
                return Err(AppError::invalid(
                    "parent_id",
                    "an outlet cannot have nodes below it",
                ));
            }
            if kind == "branch" && parent.kind != "institution" {
                return Err(AppError::invalid(
                    "parent_id",
                    "a branch belongs to the institution",
                ));
            }
            let id = tx.insert_org_node(Some(parent_id), &kind, &code, &name)?;
            crate::audit::record(
                tx,
                actor,
                "node.create",
                "node",
                id,
                Some(format!("kind={kind} code={code}")),
                None,
            )?;
            Ok(node_view(tx.org_node(id)?))
        })
    }

    /// The organisation tree (every staff user may see its shape).
    pub fn list_nodes(&self, actor: Actor) -> Result<Vec<NodeView>, AppError> {
        self.read(|r| {
            crate::access::staff(r, actor)?;
            Ok(r.org_nodes()?.into_iter().map(node_view).collect())
        })
    }

    // Clients.
    pub fn create_client(&self, actor: Actor, client: NewClient) -> Result<ClientView, AppError> {
        let new = validate_client(client)?;
        self.write(move |tx, _| {
            let staff = crate::access::authorize(tx, actor, Permission::ClientWrite)?;
            require_outlet(tx, new.outlet_id, "outlet_id")?;
            if !staff.sees_node(tx, new.outlet_id)? {
                return Err(AppError::invalid(
                    "outlet_id",
                    "the outlet is outside your part of the organisation",
                ));
            }
            let created_on = business_date(tx)?;
            let id = tx.insert_client(&NewClientRow { created_on, ..new })?;
            crate::audit::record(tx, actor, "client.create", "client", id, None, None)?;
            Ok(client_view(tx.client(id)?, &staff))
        })
    }

    /// One client, within the user's part of the organisation, with its
    /// personal data masked for the user's roles; a view that shows any of
    /// it in full is recorded in the audit trail before it is returned.
    pub fn client(&self, actor: Actor, id: i64) -> Result<ClientView, AppError> {
        let view = self.read(|r| {
            let staff = crate::access::authorize(r, actor, Permission::ClientRead)?;
            let row = r.client(id).map_err(|_| AppError::not_found("client", id))?;
            staff.require_node(r, row.outlet_id)?;
            Ok(client_view(row, &staff))
        })?;
        if !view.unmasked.is_empty() {
            let fields = view.unmasked.join(",");
            self.write(move |tx, _| {
                let after = Some(format!("fields={fields}"));
                crate::audit::record(tx, actor, "client.view_unmasked", "client", id, after, None)
            })?;
        }
        Ok(view)
    }

    /// Clients of the outlets at or below the user's node, oldest first;
    /// `query` matches the start of a name, or of an identity number for
    /// users who see identity numbers in full. Personal data is masked as
    /// in [`Institution::client`]; a page showing any in full is audited.
    pub fn list_clients(
        &self,
        actor: Actor,
        query: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<ClientView>, AppError> {
        let limit = page_limit(page)?;
        let query = query.map(str::trim).filter(|q| !q.is_empty());
        let found = self.read(|r| {
            let staff = crate::access::authorize(r, actor, Permission::ClientRead)?;
            let by_id = crate::views::sees_id_numbers(&staff);
            let rows = r.clients_within(staff.node_id, page.after_id, limit + 1, query, by_id)?;
            let views = rows.into_iter().map(|row| client_view(row, &staff)).collect();
            Ok(paginate(views, limit, |c: &ClientView| c.id))
        })?;
        let shown: Vec<&ClientView> = found.items.iter().filter(|c| !c.unmasked.is_empty()).collect();
        if !shown.is_empty() {
            let ids: Vec<String> = shown.iter().map(|c| c.id.to_string()).collect();
            let after = Some(format!("ids={}", ids.join(",")));
            self.write(move |tx, _| {
                crate::audit::record(tx, actor, "client.list_unmasked", "client", "page", after, None)
            })?;
        }
        Ok(found)
    }

    // Products.
    // A product is created only through a maker-checker proposal:
    // `Institution::propose_product` then `approve_config` by a second user
    // (`config.rs`).

    /// One product (every staff user may read the catalogue of products).
    pub fn product(&self, actor: Actor, id: i64) -> Result<ProductView, AppError> {
        self.read(|r| {
            crate::access::staff(r, actor)?;
            product_view(&r.product(id).map_err(|_| AppError::not_found("product", id))?)
        })
    }

    pub fn list_products(&self, actor: Actor, page: PageRequest) -> Result<Page<ProductView>, AppError> {
        let limit = page_limit(page)?;
        self.read(|r| {
            crate::access::staff(r, actor)?;
            let rows = r.products(page.after_id, limit + 1)?;
            let views = rows.iter().map(product_view).collect::<Result<Vec<_>, _>>()?;
            Ok(paginate(views, limit, |p| p.id))
        })
    }
}

/// The current business date of the institution.
pub(crate) fn business_date(r: &ReadTx<'_>) -> Result<NaiveDate, AppError> {
    r.business_date()?
        .ok_or_else(|| AppError::Internal("the institution has no business date".into()))
}

/// The acting user must exist (login and roles come with issue 4).
pub(crate) fn require_outlet(r: &ReadTx<'_>, id: i64, field: &str) -> Result<(), AppError> {
    match r.org_node(id) {
        Ok(node) if node.kind == "outlet" => Ok(()),
        Ok(_) => Err(AppError::invalid(field, "must be an outlet")),
        Err(_) => Err(AppError::invalid(field, format!("outlet {id} does not exist"))),
    }
}

pub(crate) fn page_limit(page: PageRequest) -> Result<u32, AppError> {
    if page.limit == 0 || page.limit > PAGE_LIMIT_MAX {
        return Err(AppError::invalid(
            "limit",
            format!("must be 1 to {PAGE_LIMIT_MAX}"),
        ));
    }
    if page.after_id < 0 {
        return Err(AppError::invalid("after_id", "must not be negative"));
    }
    Ok(page.limit)
}

/// Cuts a list fetched with `limit + 1` rows into a page and its cursor.
pub(crate) fn paginate<T>(mut items: Vec<T>, limit: u32, id: impl Fn(&T) -> i64) -> Page<T> {
    let more = items.len() > limit as usize;
    items.truncate(limit as usize);
    let next_after_id = if more { items.last().map(id) } else { None };
    Page { items, next_after_id }
}

fn optional_contact(field: &str, value: Option<String>) -> Result<Option<String>, AppError> {
    let Some(value) = value.map(|v| v.trim().to_string()).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if value.chars().count() > CONTACT_LEN_MAX || value.chars().any(char::is_control) {
        return Err(AppError::invalid(
            field,
            format!("must be at most {CONTACT_LEN_MAX} printable characters"),
        ));
    }
    Ok(Some(value))
}

fn validate_client(c: NewClient) -> Result<NewClientRow, AppError> {
    if !CLIENT_KINDS.contains(&c.kind.as_str()) {
        return Err(AppError::invalid(
            "kind",
            "must be individual, household or business",
        ));
    }
    check_name("name", &c.name)?;
    let country = c.id_country.trim().to_ascii_uppercase();
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(AppError::invalid(
            "id_country",
            "must be a two-letter country code (CN, MX, …)",
        ));
    }
    let normalized = validator_for(&country)
        .validate(&c.id_number)
        .map_err(|e| AppError::invalid("id_number", e))?;
    Ok(NewClientRow {
        outlet_id: c.outlet_id,
        kind: c.kind,
        name: c.name.trim().to_string(),
        id_country: country,
        id_number: normalized.number,
        phone: optional_contact("phone", c.phone)?,
        address: optional_contact("address", c.address)?,
        created_on: NaiveDate::MIN,
    })
}

/// Loads and parses a loan's product (once per process and product).
pub(crate) fn product_rules(r: &ReadTx<'_>, product_id: i64) -> Result<Arc<ProductRules>, AppError> {
    CURRENT.with(|current| {
        let cache = current.borrow();
        let Some(inner) = cache.as_ref() else {
            return Ok(Arc::new(ProductRules::from_row(&r.product(product_id)?)?));
        };
        if let Some(rules) = inner
            .products
            .read()
            .ok()
            .and_then(|m| m.get(&product_id).cloned())
        {
            return Ok(rules);
        }
        let rules = Arc::new(ProductRules::from_row(&r.product(product_id)?)?);
        if let Ok(mut map) = inner.products.write() {
            map.insert(product_id, Arc::clone(&rules));
        }
        Ok(rules)
    })
}

thread_local! {
    /// The institution whose job runs on this thread (set around each read
    /// and write job), so deep helpers reach its caches without threading
    /// a parameter through every call.
    pub(crate) static CURRENT: std::cell::RefCell<Option<Arc<Inner>>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` with `inner` as this thread's current institution.
fn with_current<T>(inner: &Arc<Inner>, f: impl FnOnce() -> T) -> T {
    let previous = CURRENT.with(|c| c.replace(Some(Arc::clone(inner))));
    let out = f();
    CURRENT.with(|c| *c.borrow_mut() = previous);
    out
}
