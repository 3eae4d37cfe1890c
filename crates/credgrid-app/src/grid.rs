//! Grid cells and their workers (R-GRID-1, R-GRID-4): open, rename, split,
//! merge, close, change workers and move households, each dated and kept as
//! history so "who was responsible on which date" can always be answered.
//!
//! Every change is checked by the core's `GridHistory` (seeded with the
//! current state of the cells it touches) before anything is written, then
//! written as spans in one write job with a grid event and an audit record.

use crate::access::{Staff, authorize, staff};
use crate::error::AppError;
use crate::institution::{Institution, business_date, page_limit, paginate};
use crate::model::{Actor, Page, PageRequest};
use chrono::NaiveDate;
use credgrid_core::authz::{Permission, Role};
use credgrid_core::grid::{CellId, CellKind, CellSpec, GridError, GridEvent, GridHistory, HouseholdId};
use credgrid_store::{CellRow, NewGridEventRow, ReadTx, WriteTx};
use std::collections::BTreeSet;

/// The longest cell name accepted.
pub const CELL_NAME_LEN_MAX: usize = 100;
/// Events shown with a cell.
const CELL_EVENTS_SHOWN: u32 = 100;

/// A cell to open (or the new cell of a split).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCell {
    pub outlet_id: i64,
    /// `village_group`, `residential_block`, `commercial_street`, `school`, `factory`, `other`.
    pub kind: String,
    pub name: String,
    pub full_time_worker_id: i64,
    pub part_time_worker_ids: Vec<i64>,
}

/// A cell as it stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CellView {
    pub id: i64,
    pub outlet_id: i64,
    pub kind: String,
    pub name: String,
    pub full_time_worker_id: i64,
    pub part_time_worker_ids: Vec<i64>,
    pub opened_on: NaiveDate,
    pub closed_on: Option<NaiveDate>,
    pub households: u64,
}

/// One worker's time on a cell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkerSpanView {
    pub user_id: i64,
    pub username: String,
    /// `full_time` or `part_time`.
    pub role: String,
    pub from_on: NaiveDate,
    /// The first day no longer responsible; `None` while still.
    pub until_on: Option<NaiveDate>,
}

/// A recorded change to the grid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GridEventView {
    pub id: i64,
    pub kind: String,
    pub cell_id: i64,
    pub other_cell_id: Option<i64>,
    pub household_id: Option<i64>,
    pub user_id: Option<i64>,
    pub households: u32,
    pub effective_on: NaiveDate,
    pub recorded_by: i64,
}

/// A cell with its workers' history and its events (newest first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CellDetail {
    pub cell: CellView,
    pub workers: Vec<WorkerSpanView>,
    pub events: Vec<GridEventView>,
}

/// Who was responsible for a household on a date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Responsibility {
    pub household_id: i64,
    pub date: NaiveDate,
    pub cell_id: i64,
    /// The full-time grid worker (account manager) of that cell that day.
    pub account_manager_id: i64,
}

/// A change to the grid as a command (the effective date travels apart).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CellChange {
    Rename { name: String, kind: String },
    ChangeFullTimeWorker { user_id: i64 },
    AddPartTimeWorker { user_id: i64 },
    RemovePartTimeWorker { user_id: i64 },
    Close,
}

pub(crate) fn refused(e: GridError) -> AppError {
    AppError::Refused {
        rule: e.code(),
        detail: e.to_string(),
    }
}

pub(crate) fn parse_kind(kind: &str) -> Result<CellKind, AppError> {
    CellKind::parse(kind).ok_or_else(|| {
        let names: Vec<&str> = CellKind::ALL.iter().map(|k| k.name()).collect();
        AppError::invalid("kind", format!("must be one of {}", names.join(", ")))
    })
}

fn check_cell_name(name: &str) -> Result<String, AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > CELL_NAME_LEN_MAX || name.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "name",
            format!("must be 1 to {CELL_NAME_LEN_MAX} characters without control characters"),
        ));
    }
    Ok(name.to_string())
}

/// Checks that `user_id` exists and holds `role` (full-time workers are
/// account managers, part-time workers grid workers).
fn require_worker(r: &ReadTx<'_>, user_id: i64, role: Role, field: &str) -> Result<(), AppError> {
    let worker = staff(r, Actor { user_id })
        .map_err(|_| AppError::invalid(field, format!("user {user_id} does not exist")))?;
    if !worker.has_role(role) {
        return Err(AppError::invalid(
            field,
            format!("user {user_id} is not a {}", role.name()),
        ));
    }
    Ok(())
}

fn require_outlet_node(r: &ReadTx<'_>, outlet_id: i64) -> Result<(), AppError> {
    match r.org_node(outlet_id) {
        Ok(node) if node.kind == "outlet" => Ok(()),
        Ok(_) => Err(AppError::invalid("outlet_id", "must be an outlet")),
        Err(_) => Err(AppError::invalid(
            "outlet_id",
            format!("node {outlet_id} does not exist"),
        )),
    }
}

/// The date a change takes effect: the given one or the business date;
/// never after the business date.
pub(crate) fn effective_date(r: &ReadTx<'_>, given: Option<NaiveDate>) -> Result<NaiveDate, AppError> {
    let today = business_date(r)?;
    match given {
        Some(date) if date > today => Err(AppError::invalid(
            "effective_on",
            format!("must not be after the business date {today}"),
        )),
        Some(date) => Ok(date),
        None => Ok(today),
    }
}

/// Refuses a change dated before the outlet's last grid event.
pub(crate) fn require_after_last_event(
    r: &ReadTx<'_>,
    outlet_id: i64,
    date: NaiveDate,
) -> Result<(), AppError> {
    match r.grid_last_event_on(outlet_id)? {
        Some(last) if date < last => Err(refused(GridError::DateBeforeLastEvent {
            last,
            effective: date,
        })),
        _ => Ok(()),
    }
}

pub(crate) fn load_cell(r: &ReadTx<'_>, cell_id: i64) -> Result<CellRow, AppError> {
    r.grid_cell(cell_id)
        .map_err(|_| AppError::not_found("cell", cell_id))
}

/// The core's view of `cells` (and of the cells `households` lie in now),
/// as they stand on `date`, ready to check one more event dated `date`.
pub(crate) fn seed(
    r: &ReadTx<'_>,
    date: NaiveDate,
    cells: &[i64],
    households: &[i64],
) -> Result<GridHistory, AppError> {
    let mut ids: BTreeSet<i64> = cells.iter().copied().collect();
    for h in households {
        if let Ok(row) = r.grid_household(*h)
            && let Some(cell) = row.cell_id
        {
            ids.insert(cell);
        }
    }
    let mut history = GridHistory::new();
    for id in ids {
        let Ok(row) = r.grid_cell(id) else { continue };
        let (_, part_time) = r.grid_cell_workers_on(id, date)?;
        let spec = CellSpec {
            id: CellId(id),
            outlet: row.outlet_id,
            kind: CellKind::parse(&row.kind).unwrap_or(CellKind::Other),
            name: row.name.clone(),
            full_time: Some(row.full_time_worker_id),
            part_time,
        };
        let corrupt = |e: GridError| AppError::Internal(format!("grid cell {id} as stored: {e}"));
        history.apply(date, GridEvent::OpenCell(spec)).map_err(corrupt)?;
        if row.closed_on.is_some() {
            history
                .apply(date, GridEvent::CloseCell { cell: CellId(id) })
                .map_err(corrupt)?;
            continue;
        }
        for household in r.grid_household_ids_in_cell(id)? {
            let event = GridEvent::PlaceHousehold {
                household: HouseholdId(household),
                cell: CellId(id),
            };
            history.apply(date, event).map_err(corrupt)?;
        }
    }
    Ok(history)
}

fn cell_view(r: &ReadTx<'_>, row: CellRow) -> Result<CellView, AppError> {
    let part_time_worker_ids = match row.closed_on {
        Some(_) => Vec::new(),
        None => r.grid_cell_workers_on(row.id, business_date(r)?)?.1,
    };
    let households = r.grid_household_ids_in_cell(row.id)?.len() as u64;
    Ok(CellView {
        id: row.id,
        outlet_id: row.outlet_id,
        kind: row.kind,
        name: row.name,
        full_time_worker_id: row.full_time_worker_id,
        part_time_worker_ids,
        opened_on: row.opened_on,
        closed_on: row.closed_on,
        households,
    })
}

fn event_view(e: credgrid_store::GridEventRow) -> GridEventView {
    GridEventView {
        id: e.id,
        kind: e.kind,
        cell_id: e.cell_id,
        other_cell_id: e.other_cell_id,
        household_id: e.household_id,
        user_id: e.user_id,
        households: e.households,
        effective_on: e.effective_on,
        recorded_by: e.recorded_by,
    }
}

/// The grid event row for `kind` on `cell`.
fn grid_event(outlet_id: i64, cell_id: i64, kind: &str, date: NaiveDate, actor: Actor) -> NewGridEventRow {
    NewGridEventRow {
        outlet_id,
        cell_id,
        other_cell_id: None,
        household_id: None,
        user_id: None,
        kind: kind.to_string(),
        households: 0,
        effective_on: date,
        recorded_by: actor.user_id,
    }
}

/// Validates a new cell's fields and workers; returns the spec without an id.
fn check_new_cell(r: &ReadTx<'_>, staff: &Staff, new: &NewCell) -> Result<(CellKind, String), AppError> {
    let kind = parse_kind(&new.kind)?;
    let name = check_cell_name(&new.name)?;
    require_outlet_node(r, new.outlet_id)?;
    staff.require_node(r, new.outlet_id)?;
    require_worker(
        r,
        new.full_time_worker_id,
        Role::AccountManager,
        "full_time_worker_id",
    )?;
    for worker in &new.part_time_worker_ids {
        require_worker(r, *worker, Role::GridWorker, "part_time_worker_ids")?;
    }
    Ok((kind, name))
}

fn next_cell_id(r: &ReadTx<'_>) -> Result<i64, AppError> {
    Ok(r.grid_cell_ids()?.last().copied().unwrap_or(0) + 1)
}

/// Writes a cell the core accepted: its row, its workers' spans and its event.
fn insert_cell(
    tx: &mut WriteTx<'_>,
    spec: &CellSpec,
    date: NaiveDate,
    actor: Actor,
    kind_of_event: &str,
) -> Result<(), AppError> {
    let full_time = spec
        .full_time
        .expect("checked by the core: a full-time worker is present");
    let row = CellRow {
        id: spec.id.0,
        outlet_id: spec.outlet,
        kind: spec.kind.name().to_string(),
        name: spec.name.clone(),
        full_time_worker_id: full_time,
        opened_on: date,
        closed_on: None,
    };
    tx.insert_grid_cell(Some(spec.id.0), &row)?;
    for worker in &spec.part_time {
        tx.open_grid_worker_span(spec.id.0, *worker, "part_time", date)?;
    }
    tx.insert_grid_event(&grid_event(spec.outlet, spec.id.0, kind_of_event, date, actor))?;
    Ok(())
}

impl Institution {
    /// Opens a cell at an outlet with its full-time worker (an account
    /// manager) and any part-time workers (grid workers).
    pub fn open_cell(
        &self,
        actor: Actor,
        new: NewCell,
        effective_on: Option<NaiveDate>,
    ) -> Result<CellView, AppError> {
        self.write(move |tx, _| {
            let staff = authorize(tx, actor, Permission::GridManage)?;
            let (kind, name) = check_new_cell(tx, &staff, &new)?;
            let date = effective_date(tx, effective_on)?;
            require_after_last_event(tx, new.outlet_id, date)?;
            let spec = CellSpec {
                id: CellId(next_cell_id(tx)?),
                outlet: new.outlet_id,
                kind,
                name,
                full_time: Some(new.full_time_worker_id),
                part_time: new.part_time_worker_ids.clone(),
            };
            let mut history = seed(tx, date, &[], &[])?;
            history
                .apply(date, GridEvent::OpenCell(spec.clone()))
                .map_err(refused)?;
            insert_cell(tx, &spec, date, actor, "open")?;
            crate::audit::record(
                tx,
                actor,
                "grid.cell.open",
                "cell",
                spec.id.0,
                Some(format!("outlet={} name={}", spec.outlet, spec.name)),
                None,
            )?;
            cell_view(tx, load_cell(tx, spec.id.0)?)
        })
    }

    /// A cell with its workers' history and its latest events.
    pub fn cell(&self, actor: Actor, cell_id: i64) -> Result<CellDetail, AppError> {
        self.read(|r| {
            let staff = authorize(r, actor, Permission::ClientRead)?;
            let row = load_cell(r, cell_id)?;
            staff.require_node(r, row.outlet_id)?;
            let mut workers = Vec::new();
            for span in r.grid_cell_worker_spans(cell_id)? {
                let username = r.app_user(span.user_id).map(|u| u.username).unwrap_or_default();
                workers.push(WorkerSpanView {
                    user_id: span.user_id,
                    username,
                    role: span.role,
                    from_on: span.from_on,
                    until_on: span.until_on,
                });
            }
            let events = r
                .grid_events_of_cell(cell_id, CELL_EVENTS_SHOWN)?
                .into_iter()
                .map(event_view)
                .collect();
            Ok(CellDetail {
                cell: cell_view(r, row)?,
                workers,
                events,
            })
        })
    }

    /// Cells the actor can see (open ones, or closed too), by id.
    pub fn list_cells(
        &self,
        actor: Actor,
        outlet_id: Option<i64>,
        closed_too: bool,
        page: PageRequest,
    ) -> Result<Page<CellView>, AppError> {
        let limit = page_limit(page)?;
        self.read(|r| {
            let staff = authorize(r, actor, Permission::ClientRead)?;
            if let Some(outlet) = outlet_id {
                staff.require_node(r, outlet)?;
            }
            let outlets = outlet_id.map(|o| vec![o]);
            let mut views = Vec::new();
            let mut after = page.after_id;
            while views.len() <= limit as usize {
                let rows = r.grid_cells(outlets.as_deref(), closed_too, after, limit + 1)?;
                let Some(last) = rows.last() else { break };
                after = last.id;
                for row in rows {
                    if staff.sees_node(r, row.outlet_id)? {
                        views.push(cell_view(r, row)?);
                    }
                }
            }
            Ok(paginate(views, limit, |c| c.id))
        })
    }

    /// Renames a cell, changes its workers or closes it (when empty).
    pub fn change_cell(
        &self,
        actor: Actor,
        cell_id: i64,
        change: CellChange,
        effective_on: Option<NaiveDate>,
    ) -> Result<CellView, AppError> {
        self.write(move |tx, _| {
            let staff = authorize(tx, actor, Permission::GridManage)?;
            let row = load_cell(tx, cell_id)?;
            staff.require_node(tx, row.outlet_id)?;
            let date = effective_date(tx, effective_on)?;
            require_after_last_event(tx, row.outlet_id, date)?;
            let mut history = seed(tx, date, &[cell_id], &[])?;
            let cell = CellId(cell_id);
            let (event, kind, user) = match &change {
                CellChange::Rename { name, kind } => {
                    let kind = parse_kind(kind)?;
                    let name = check_cell_name(name)?;
                    if row.closed_on.is_some() {
                        return Err(refused(GridError::CellClosed { cell }));
                    }
                    tx.rename_grid_cell(cell_id, &name, kind.name())?;
                    (None, "rename", None)
                }
                CellChange::ChangeFullTimeWorker { user_id } => {
                    require_worker(tx, *user_id, Role::AccountManager, "user_id")?;
                    let event = GridEvent::ChangeFullTimeWorker {
                        cell,
                        worker: Some(*user_id),
                    };
                    (Some(event), "change_full_time_worker", Some(*user_id))
                }
                CellChange::AddPartTimeWorker { user_id } => {
                    require_worker(tx, *user_id, Role::GridWorker, "user_id")?;
                    let event = GridEvent::AddPartTimeWorker {
                        cell,
                        worker: *user_id,
                    };
                    (Some(event), "add_part_time_worker", Some(*user_id))
                }
                CellChange::RemovePartTimeWorker { user_id } => {
                    let event = GridEvent::RemovePartTimeWorker {
                        cell,
                        worker: *user_id,
                    };
                    (Some(event), "remove_part_time_worker", Some(*user_id))
                }
                CellChange::Close => (Some(GridEvent::CloseCell { cell }), "close", None),
            };
            if let Some(event) = event {
                history.apply(date, event).map_err(refused)?;
                write_cell_change(tx, cell_id, &change, date)?;
            }
            let mut row_event = grid_event(row.outlet_id, cell_id, kind, date, actor);
            row_event.user_id = user;
            tx.insert_grid_event(&row_event)?;
            let after = user.map(|u| format!("user={u} on={date}"));
            crate::audit::record(
                tx,
                actor,
                &format!("grid.cell.{kind}"),
                "cell",
                cell_id,
                after,
                None,
            )?;
            cell_view(tx, load_cell(tx, cell_id)?)
        })
    }

    /// Cuts a new cell out of `from_cell_id`, taking the listed households.
    pub fn split_cell(
        &self,
        actor: Actor,
        from_cell_id: i64,
        new: NewCell,
        household_ids: Vec<i64>,
        effective_on: Option<NaiveDate>,
    ) -> Result<CellView, AppError> {
        self.write(move |tx, _| {
            let staff = authorize(tx, actor, Permission::GridManage)?;
            let from = load_cell(tx, from_cell_id)?;
            staff.require_node(tx, from.outlet_id)?;
            let (kind, name) = check_new_cell(tx, &staff, &new)?;
            let date = effective_date(tx, effective_on)?;
            require_after_last_event(tx, from.outlet_id, date)?;
            let spec = CellSpec {
                id: CellId(next_cell_id(tx)?),
                outlet: new.outlet_id,
                kind,
                name,
                full_time: Some(new.full_time_worker_id),
                part_time: new.part_time_worker_ids.clone(),
            };
            let households: Vec<HouseholdId> = household_ids.iter().map(|h| HouseholdId(*h)).collect();
            let mut history = seed(tx, date, &[from_cell_id], &[])?;
            let event = GridEvent::SplitCell {
                from: CellId(from_cell_id),
                new_cell: spec.clone(),
                households,
            };
            history.apply(date, event).map_err(refused)?;
            insert_cell(tx, &spec, date, actor, "split_off")?;
            for household in &household_ids {
                tx.set_grid_household_cell(*household, Some(spec.id.0), date)?;
            }
            let mut row_event = grid_event(from.outlet_id, from_cell_id, "split", date, actor);
            row_event.other_cell_id = Some(spec.id.0);
            row_event.households = u32::try_from(household_ids.len()).unwrap_or(u32::MAX);
            tx.insert_grid_event(&row_event)?;
            let after = Some(format!(
                "new_cell={} households={}",
                spec.id.0,
                household_ids.len()
            ));
            crate::audit::record(tx, actor, "grid.cell.split", "cell", from_cell_id, after, None)?;
            cell_view(tx, load_cell(tx, spec.id.0)?)
        })
    }

    /// Moves every household of `absorbed_cell_id` into `into_cell_id` and
    /// closes the absorbed cell.
    pub fn merge_cells(
        &self,
        actor: Actor,
        absorbed_cell_id: i64,
        into_cell_id: i64,
        effective_on: Option<NaiveDate>,
    ) -> Result<CellView, AppError> {
        self.write(move |tx, _| {
            let staff = authorize(tx, actor, Permission::GridManage)?;
            let absorbed = load_cell(tx, absorbed_cell_id)?;
            let into = load_cell(tx, into_cell_id)?;
            staff.require_node(tx, absorbed.outlet_id)?;
            staff.require_node(tx, into.outlet_id)?;
            let date = effective_date(tx, effective_on)?;
            require_after_last_event(tx, absorbed.outlet_id, date)?;
            let mut history = seed(tx, date, &[absorbed_cell_id, into_cell_id], &[])?;
            let event = GridEvent::MergeCells {
                absorbed: CellId(absorbed_cell_id),
                into: CellId(into_cell_id),
            };
            history.apply(date, event).map_err(refused)?;
            let moved = tx.grid_household_ids_in_cell(absorbed_cell_id)?;
            for household in &moved {
                tx.set_grid_household_cell(*household, Some(into_cell_id), date)?;
            }
            tx.close_grid_cell(absorbed_cell_id, date)?;
            let mut row_event = grid_event(into.outlet_id, absorbed_cell_id, "merge", date, actor);
            row_event.other_cell_id = Some(into_cell_id);
            row_event.households = u32::try_from(moved.len()).unwrap_or(u32::MAX);
            tx.insert_grid_event(&row_event)?;
            let after = Some(format!("into={into_cell_id} households={}", moved.len()));
            crate::audit::record(
                tx,
                actor,
                "grid.cell.merge",
                "cell",
                absorbed_cell_id,
                after,
                None,
            )?;
            cell_view(tx, load_cell(tx, into_cell_id)?)
        })
    }

    /// Moves a household to another open cell (redrawing), or out of the
    /// grid when `to_cell_id` is `None`.
    pub fn move_household(
        &self,
        actor: Actor,
        household_id: i64,
        to_cell_id: Option<i64>,
        effective_on: Option<NaiveDate>,
    ) -> Result<Responsibility, AppError> {
        self.write(move |tx, _| {
            let staff = authorize(tx, actor, Permission::GridManage)?;
            let household = tx
                .grid_household(household_id)
                .map_err(|_| AppError::not_found("household", household_id))?;
            staff.require_node(tx, household.outlet_id)?;
            let date = effective_date(tx, effective_on)?;
            require_after_last_event(tx, household.outlet_id, date)?;
            let cells: Vec<i64> = to_cell_id.into_iter().collect();
            if let Some(to) = to_cell_id {
                let target = load_cell(tx, to)?;
                staff.require_node(tx, target.outlet_id)?;
                if target.outlet_id != household.outlet_id {
                    return Err(refused(GridError::DifferentOutlets {
                        absorbed: CellId(household.cell_id.unwrap_or(to)),
                        into: CellId(to),
                    }));
                }
            }
            let mut history = seed(tx, date, &cells, &[household_id])?;
            let event = match to_cell_id {
                Some(to) if household.cell_id.is_none() => GridEvent::PlaceHousehold {
                    household: HouseholdId(household_id),
                    cell: CellId(to),
                },
                Some(to) => GridEvent::MoveHousehold {
                    household: HouseholdId(household_id),
                    to: CellId(to),
                },
                None => GridEvent::RemoveHousehold {
                    household: HouseholdId(household_id),
                },
            };
            history.apply(date, event).map_err(refused)?;
            tx.set_grid_household_cell(household_id, to_cell_id, date)?;
            let subject = to_cell_id.or(household.cell_id).unwrap_or_default();
            let mut row_event = grid_event(household.outlet_id, subject, "move_household", date, actor);
            row_event.household_id = Some(household_id);
            row_event.other_cell_id = household.cell_id.filter(|c| Some(*c) != to_cell_id);
            row_event.households = 1;
            tx.insert_grid_event(&row_event)?;
            let after = Some(format!(
                "from={:?} to={to_cell_id:?} on={date}",
                household.cell_id
            ));
            crate::audit::record(
                tx,
                actor,
                "grid.household.move",
                "household",
                household_id,
                after,
                None,
            )?;
            responsible_on(tx, household_id, date)?
                .ok_or_else(|| AppError::invalid("to_cell_id", "the household left the grid"))
        })
    }

    /// The cell a household lay in on `date` and its full-time worker that day.
    pub fn responsible_on(
        &self,
        actor: Actor,
        household_id: i64,
        date: NaiveDate,
    ) -> Result<Option<Responsibility>, AppError> {
        self.read(|r| {
            let staff = authorize(r, actor, Permission::ClientRead)?;
            let household = r
                .grid_household(household_id)
                .map_err(|_| AppError::not_found("household", household_id))?;
            staff.require_node(r, household.outlet_id)?;
            responsible_on(r, household_id, date)
        })
    }
}

/// Carries out a worker change or a close the core accepted.
fn write_cell_change(
    tx: &mut WriteTx<'_>,
    cell_id: i64,
    change: &CellChange,
    date: NaiveDate,
) -> Result<(), AppError> {
    match change {
        CellChange::ChangeFullTimeWorker { user_id } => {
            tx.set_grid_full_time_worker(cell_id, *user_id, date)?
        }
        CellChange::AddPartTimeWorker { user_id } => {
            tx.open_grid_worker_span(cell_id, *user_id, "part_time", date)?
        }
        CellChange::RemovePartTimeWorker { user_id } => {
            tx.close_grid_worker_span(cell_id, *user_id, "part_time", date)?
        }
        CellChange::Close => tx.close_grid_cell(cell_id, date)?,
        CellChange::Rename { .. } => {}
    }
    Ok(())
}

/// The responsible account manager of a household on a date, from the spans.
pub(crate) fn responsible_on(
    r: &ReadTx<'_>,
    household_id: i64,
    date: NaiveDate,
) -> Result<Option<Responsibility>, AppError> {
    let Some(cell_id) = r.grid_household_cell_on(household_id, date)? else {
        return Ok(None);
    };
    let (full_time, _) = r.grid_cell_workers_on(cell_id, date)?;
    Ok(full_time.map(|account_manager_id| Responsibility {
        household_id,
        date,
        cell_id,
        account_manager_id,
    }))
}

/// A staff user who may work a cell: a full-time worker is an account
/// manager, a part-time worker a grid worker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GridStaff {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub account_manager: bool,
    pub grid_worker: bool,
}

impl Institution {
    /// The account managers and grid workers, by id (for choosing workers).
    pub fn grid_staff(&self, actor: Actor) -> Result<Vec<GridStaff>, AppError> {
        self.read(|r| {
            authorize(r, actor, Permission::ClientRead)?;
            let mut out = Vec::new();
            for row in r.app_users()? {
                let roles = Role::parse_list(&row.roles).unwrap_or_default();
                let account_manager = roles.contains(&Role::AccountManager);
                let grid_worker = roles.contains(&Role::GridWorker);
                if account_manager || grid_worker {
                    out.push(GridStaff {
                        user_id: row.id,
                        username: row.username,
                        display_name: row.display_name,
                        account_manager,
                        grid_worker,
                    });
                }
            }
            Ok(out)
        })
    }
}
