//! The grid service over HTTP (issue 6 items 1–4 and 8): cells with their
//! workers and history (open, change, split, merge), households and their
//! information files, part-time workers' activities, coverage with its
//! trend, and imports of household and cell sheets (CSV or XLSX, as the raw
//! body or a multipart/form-data upload). A refusal by a grid rule is a 409
//! problem naming the rule (`grid-cell-not-empty`).

use super::error::ApiError;
use super::extract::{ActingUser, Body, Ids, Query};
use super::fields::{Fields, Zero, parse_amount};
use super::pagination::{page_json, page_request};
use super::{AppState, PREFIX, Routes, app, blocking, created, ok};
use crate::sheet::rejects_csv;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use chrono::NaiveDate;
use credgrid_app::coverage::{CoverageFigures, CoveragePoint, CoverageReport};
use credgrid_app::grid::{CellChange, CellDetail, CellView, NewCell, Responsibility};
use credgrid_app::household::{
    ActivityView, FileUpdate, HoldingEntry, HouseholdFileView, IncomeEntry, LandEntry, LivestockEntry,
    MemberEntry, NewActivity, NewHousehold, WorkerTallyView,
};
use credgrid_app::import::{HouseholdImportOptions, ImportOutcome, mode_name, parse_mode};
use credgrid_core::grid::household::{IncomeKind, LandKind, LivestockKind, Relation};
use credgrid_core::grid::{ActivityKind, CellKind, Duty, FinancialNeed, Period};
use credgrid_core::{Currency, Money};
use serde_json::{Map, Value, json};

/// The largest sheet accepted by an import upload (100,000 households fit in about 6 MB of CSV).
pub(crate) const UPLOAD_LEN_MAX: usize = 64 * 1024 * 1024;
/// Grid names and notes.
const NAME_MAX: usize = 100;
const NOTE_MAX: usize = 2_000;

pub(super) fn routes(routes: Routes) -> Routes {
    routes
        .post("/grid/cells", open_cell)
        .get("/grid/cells", list_cells)
        .get("/grid/cells/{id}", cell)
        .post("/grid/cells/{id}/changes", change_cell)
        .post("/grid/cells/{id}/split", split_cell)
        .post("/grid/cells/{id}/merge", merge_cell)
        .get("/grid/cells/{id}/households", cell_households)
        .post("/grid/households", create_household)
        .get("/grid/households/{id}", household)
        .post("/grid/households/{id}/file", update_file)
        .post("/grid/households/{id}/visits", add_visit)
        .post("/grid/households/{id}/move", move_household)
        .get("/grid/households/{id}/responsible", responsible)
        .post("/grid/activities", record_activity)
        .get("/grid/activities", activities)
        .get("/grid/tallies", tallies)
        .get("/grid/coverage", coverage)
        .get("/grid/coverage/trend", coverage_trend)
        .post("/grid/coverage/snapshots", snapshot)
        .post_upload("/grid/imports/households", import_households, UPLOAD_LEN_MAX)
        .post_upload("/grid/imports/cells", import_cells, UPLOAD_LEN_MAX)
}

pub(crate) fn kinds() -> Vec<&'static str> {
    CellKind::ALL.iter().map(|k| k.name()).collect()
}

const CHANGES: &[&str] = &[
    "rename",
    "change_full_time_worker",
    "add_part_time_worker",
    "remove_part_time_worker",
    "close",
];
const PARTS: &[&str] = &[
    "identity",
    "members",
    "land",
    "livestock",
    "income_sources",
    "assets",
    "debts",
    "needs",
];
pub(crate) const LEVELS: &[&str] = &["cell", "outlet", "branch"];
pub(crate) const MODES: &[&str] = &["all-or-nothing", "valid-rows"];

fn money_json(m: Money) -> Value {
    json!({"amount": m.to_major_string(), "currency": m.currency().code()})
}

pub(crate) fn cell_json(c: &CellView) -> Value {
    json!({
        "id": c.id, "outlet_id": c.outlet_id, "kind": c.kind, "name": c.name,
        "full_time_worker_id": c.full_time_worker_id, "part_time_worker_ids": c.part_time_worker_ids,
        "opened_on": c.opened_on.to_string(), "closed_on": c.closed_on.map(|d| d.to_string()),
        "households": c.households,
    })
}

fn detail_json(d: &CellDetail) -> Value {
    let mut out = cell_json(&d.cell);
    out["workers"] = d
        .workers
        .iter()
        .map(|w| {
            json!({"user_id": w.user_id, "username": w.username, "role": w.role,
                   "from_on": w.from_on.to_string(), "until_on": w.until_on.map(|d| d.to_string())})
        })
        .collect();
    out["events"] = d
        .events
        .iter()
        .map(|e| {
            json!({"id": e.id, "kind": e.kind, "cell_id": e.cell_id, "other_cell_id": e.other_cell_id,
                   "household_id": e.household_id, "user_id": e.user_id, "households": e.households,
                   "effective_on": e.effective_on.to_string(), "recorded_by": e.recorded_by})
        })
        .collect();
    out
}

fn responsibility_json(r: &Responsibility) -> Value {
    json!({"household_id": r.household_id, "date": r.date.to_string(), "cell_id": r.cell_id,
           "account_manager_id": r.account_manager_id})
}

pub(crate) fn file_json(f: &HouseholdFileView) -> Value {
    let holdings = |h: &Option<Vec<HoldingEntry>>| -> Value {
        h.as_ref().map_or(Value::Null, |items| {
            items
                .iter()
                .map(|h| json!({"description": h.description, "amount": money_json(h.amount)}))
                .collect()
        })
    };
    json!({
        "id": f.id, "outlet_id": f.outlet_id, "cell_id": f.cell_id, "cell_name": f.cell_name,
        "client_id": f.client_id, "head_name": f.head_name, "identity_number": f.identity_number,
        "member_count": f.member_count, "digital": f.digital,
        "members": f.members.iter().map(|m| json!({"name": m.name, "relation": m.relation,
            "birth_year": m.birth_year, "works": m.works})).collect::<Vec<_>>(),
        "land": f.land.as_ref().map(|l| l.iter().map(|l| json!({"kind": l.kind,
            "area_centimu": l.area_centimu, "contracted": l.contracted})).collect::<Vec<_>>()),
        "livestock": f.livestock.as_ref().map(|l| l.iter().map(|l| json!({"kind": l.kind,
            "head_count": l.head_count})).collect::<Vec<_>>()),
        "income_sources": f.income_sources.iter().map(|i| json!({"kind": i.kind,
            "annual": money_json(i.annual), "years": i.years})).collect::<Vec<_>>(),
        "assets": holdings(&f.assets),
        "debts": holdings(&f.debts),
        "needs": f.needs,
        "visits": f.visits.iter().map(|v| json!({"id": v.id, "visited_on": v.visited_on.to_string(),
            "user_id": v.user_id, "note": v.note})).collect::<Vec<_>>(),
        "repayment_history": f.repayment_history.iter().map(|l| json!({"loan_id": l.loan_id,
            "status": l.status, "principal": money_json(l.principal),
            "disbursed_on": l.disbursed_on.map(|d| d.to_string()),
            "closed_on": l.closed_on.map(|d| d.to_string()), "days_past_due": l.days_past_due})).collect::<Vec<_>>(),
        "missing": f.missing, "percent": f.percent, "complete": f.complete,
        "file_updated_on": f.file_updated_on.map(|d| d.to_string()),
        "responsible": f.responsible.as_ref().map(responsibility_json),
    })
}

fn activity_json(a: &ActivityView) -> Value {
    json!({"id": a.id, "worker_id": a.worker_id, "cell_id": a.cell_id, "household_id": a.household_id,
           "done_on": a.done_on.to_string(), "duty": a.duty, "kind": a.kind, "note": a.note,
           "recorded_by": a.recorded_by})
}

fn tally_json(t: &WorkerTallyView) -> Value {
    let pairs = |p: &[(String, u32)]| -> Value {
        Value::Object(p.iter().map(|(k, n)| (k.clone(), json!(n))).collect())
    };
    json!({"worker_id": t.worker_id, "username": t.username, "by_duty": pairs(&t.by_duty),
           "by_kind": pairs(&t.by_kind), "total": t.total})
}

fn figures_json(f: &CoverageFigures) -> Value {
    json!({"households": f.households, "files_complete": f.files_complete, "rated": f.rated,
           "with_line": f.with_line, "lines_in_use": f.lines_in_use, "digital_reached": f.digital_reached})
}

fn coverage_json(c: &CoverageReport) -> Value {
    json!({"level": c.level, "as_of": c.as_of.to_string(), "ratings_available": c.ratings_available,
           "lines_available": c.lines_available,
           "units": c.units.iter().map(|u| json!({"unit_id": u.unit_id, "name": u.name,
               "figures": figures_json(&u.figures)})).collect::<Vec<_>>()})
}

fn point_json(p: &CoveragePoint) -> Value {
    let c = &p.change;
    json!({"taken_on": p.taken_on.to_string(), "figures": figures_json(&p.figures),
           "change": {"households": c.households, "files_complete": c.files_complete, "rated": c.rated,
                      "with_line": c.with_line, "lines_in_use": c.lines_in_use,
                      "digital_reached": c.digital_reached}})
}

pub(crate) fn outcome_json(o: &ImportOutcome) -> Value {
    json!({"sheet": o.sheet, "mode": mode_name(o.mode), "rows_total": o.rows_total, "imported": o.imported,
           "refused_whole": o.refused_whole(), "rejected_rows": o.rejected_rows,
           "issues": o.issues.iter().map(|i| json!({"row": i.row, "column": i.column, "reason": i.reason,
               "detail": i.detail})).collect::<Vec<_>>()})
}

fn new_cell(f: &mut Fields) -> Result<NewCell, ApiError> {
    let outlet_id = f.req_id("outlet_id")?;
    let kind = f.req_enum("kind", &kinds())?;
    let name = f.req_str("name", NAME_MAX)?;
    let full_time_worker_id = f.req_id("full_time_worker_id")?;
    let part_time_worker_ids = id_list(f, "part_time_worker_ids")?;
    Ok(NewCell {
        outlet_id,
        kind,
        name,
        full_time_worker_id,
        part_time_worker_ids,
    })
}

/// An optional array of ids (at most 1,000).
fn id_list(f: &mut Fields, name: &'static str) -> Result<Vec<i64>, ApiError> {
    let Some(items) = take_array(f, name)? else {
        return Ok(Vec::new());
    };
    if items.len() > 1_000 {
        return Err(ApiError::invalid(name, "at most 1000 ids"));
    }
    items
        .iter()
        .map(|v| {
            v.as_i64()
                .filter(|id| *id >= 1)
                .ok_or_else(|| ApiError::invalid(name, "must be an array of ids (whole numbers ≥ 1)"))
        })
        .collect()
}

/// Takes an array member out of `f` by reading it as a one-member object.
fn take_array(f: &mut Fields, name: &'static str) -> Result<Option<Vec<Value>>, ApiError> {
    f.opt_raw(name)?
        .map(|v| match v {
            Value::Array(items) => Ok(items),
            _ => Err(ApiError::invalid(name, "must be an array")),
        })
        .transpose()
}

async fn open_cell(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    mut body: Body,
) -> Result<Response, ApiError> {
    let new = new_cell(&mut body.fields)?;
    let on = body.fields.opt_date("effective_on")?;
    body.fields.finish()?;
    let view = blocking(&state, move |i| app(i.open_cell(actor, new, on))).await?;
    Ok(created(
        format!("{PREFIX}/grid/cells/{}", view.id),
        cell_json(&view),
    ))
}

async fn list_cells(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    Query(mut q): Query,
) -> Result<Response, ApiError> {
    let outlet = q.opt_int("outlet_id", 1, i64::MAX)?;
    let closed = match q.take("closed").as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(ApiError::invalid("closed", "must be true or false")),
    };
    let page = page_request(&mut q)?;
    q.finish()?;
    let found = blocking(&state, move |i| app(i.list_cells(actor, outlet, closed, page))).await?;
    Ok(ok(page_json(&found, cell_json)))
}

async fn cell(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let view = blocking(&state, move |i| app(i.cell(actor, id))).await?;
    Ok(ok(detail_json(&view)))
}

async fn change_cell(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
    mut body: Body,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let f = &mut body.fields;
    let change = match f.req_enum("change", CHANGES)?.as_str() {
        "rename" => CellChange::Rename {
            name: f.req_str("name", NAME_MAX)?,
            kind: f.req_enum("kind", &kinds())?,
        },
        "change_full_time_worker" => CellChange::ChangeFullTimeWorker {
            user_id: f.req_id("user_id")?,
        },
        "add_part_time_worker" => CellChange::AddPartTimeWorker {
            user_id: f.req_id("user_id")?,
        },
        "remove_part_time_worker" => CellChange::RemovePartTimeWorker {
            user_id: f.req_id("user_id")?,
        },
        _ => CellChange::Close,
    };
    let on = f.opt_date("effective_on")?;
    body.fields.finish()?;
    let view = blocking(&state, move |i| app(i.change_cell(actor, id, change, on))).await?;
    Ok(ok(cell_json(&view)))
}

async fn split_cell(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
    mut body: Body,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let new = new_cell(&mut body.fields)?;
    if body.value.get("household_ids").is_none_or(Value::is_null) {
        return Err(ApiError::invalid("household_ids", "is required"));
    }
    let households = id_list(&mut body.fields, "household_ids")?;
    let on = body.fields.opt_date("effective_on")?;
    body.fields.finish()?;
    let view = blocking(&state, move |i| app(i.split_cell(actor, id, new, households, on))).await?;
    Ok(created(
        format!("{PREFIX}/grid/cells/{}", view.id),
        cell_json(&view),
    ))
}

async fn merge_cell(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
    mut body: Body,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let into = body.fields.req_id("into_cell_id")?;
    let on = body.fields.opt_date("effective_on")?;
    body.fields.finish()?;
    let view = blocking(&state, move |i| app(i.merge_cells(actor, id, into, on))).await?;
    Ok(ok(cell_json(&view)))
}

async fn cell_households(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
    Query(mut q): Query,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let page = page_request(&mut q)?;
    q.finish()?;
    let found = blocking(&state, move |i| app(i.households_in_cell(actor, id, page))).await?;
    Ok(ok(page_json(&found, |h| {
        json!({"id": h.id, "head_name": h.head_name, "client_id": h.client_id, "file_percent": h.file_percent,
               "file_complete": h.file_complete, "digital": h.digital})
    })))
}

async fn create_household(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    mut body: Body,
) -> Result<Response, ApiError> {
    let f = &mut body.fields;
    let new = NewHousehold {
        cell_id: f.req_id("cell_id")?,
        head_name: f.req_str("head_name", NAME_MAX)?,
        identity_number: f.opt_str("identity_number", 64)?,
        id_country: f.opt_str("id_country", 2)?.unwrap_or_else(|| "CN".into()),
        member_count: f.opt_u32("member_count", 0, 100)?.unwrap_or(1),
        client_id: f.opt_id("client_id")?,
        digital: f.opt_bool("digital")?.unwrap_or(false),
        placed_on: f.opt_date("placed_on")?,
    };
    body.fields.finish()?;
    let view = blocking(&state, move |i| app(i.create_household(actor, new))).await?;
    Ok(created(
        format!("{PREFIX}/grid/households/{}", view.id),
        file_json(&view),
    ))
}

async fn household(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let view = blocking(&state, move |i| app(i.household_file(actor, id))).await?;
    Ok(ok(file_json(&view)))
}

fn names<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|k| name(*k)).collect()
}

/// The `items` of a file part, each read as an object with `read`.
fn items<T>(f: &mut Fields, read: impl Fn(&mut Fields) -> Result<T, ApiError>) -> Result<Vec<T>, ApiError> {
    let list = take_array(f, "items")?.ok_or_else(|| ApiError::invalid("items", "is required"))?;
    if list.len() > credgrid_app::household::PART_ITEMS_MAX {
        return Err(ApiError::invalid("items", "too many items"));
    }
    list.into_iter()
        .map(|v| {
            let mut item = Fields::from_value(v)
                .map_err(|_| ApiError::invalid("items", "each item must be an object"))?;
            let value = read(&mut item)?;
            item.finish()?;
            Ok(value)
        })
        .collect()
}

fn amount_of(f: &mut Fields, name: &'static str) -> Result<Money, ApiError> {
    let amount = f.req_str(name, 40)?;
    let currency = f.opt_str("currency", 3)?.unwrap_or_else(|| "CNY".into());
    let currency = Currency::new(&currency, 2).map_err(|e| ApiError::invalid("currency", e))?;
    parse_amount(name, &amount, Zero::Allowed)?.money(currency)
}

fn file_update(f: &mut Fields) -> Result<FileUpdate, ApiError> {
    Ok(match f.req_enum("part", PARTS)?.as_str() {
        "identity" => FileUpdate::Identity {
            head_name: f.req_str("head_name", NAME_MAX)?,
            identity_number: f.opt_str("identity_number", 64)?,
            id_country: f.opt_str("id_country", 2)?.unwrap_or_else(|| "CN".into()),
            member_count: f.opt_u32("member_count", 0, 100)?.unwrap_or(1),
            digital: f.opt_bool("digital")?.unwrap_or(false),
            client_id: f.opt_id("client_id")?,
        },
        "members" => FileUpdate::Members(items(f, |m| {
            Ok(MemberEntry {
                name: m.req_str("name", NAME_MAX)?,
                relation: m.req_enum("relation", &names(&Relation::ALL, Relation::name))?,
                birth_year: m
                    .opt_int("birth_year", 1900, 2100)?
                    .and_then(|y| i32::try_from(y).ok()),
                works: m.opt_bool("works")?.unwrap_or(false),
            })
        })?),
        "land" => FileUpdate::Land(items(f, |l| {
            Ok(LandEntry {
                kind: l.req_enum("kind", &names(&LandKind::ALL, LandKind::name))?,
                area_centimu: l.req_u32("area_centimu", 0, 100_000_000)?,
                contracted: l.opt_bool("contracted")?.unwrap_or(false),
            })
        })?),
        "livestock" => FileUpdate::Livestock(items(f, |l| {
            Ok(LivestockEntry {
                kind: l.req_enum("kind", &names(&LivestockKind::ALL, LivestockKind::name))?,
                head_count: l.req_u32("head_count", 0, 1_000_000)?,
            })
        })?),
        "income_sources" => FileUpdate::IncomeSources(items(f, |i| {
            Ok(IncomeEntry {
                kind: i.req_enum("kind", &names(&IncomeKind::ALL, IncomeKind::name))?,
                annual: amount_of(i, "annual")?,
                years: i.opt_u32("years", 0, 100)?.unwrap_or(0),
            })
        })?),
        part @ ("assets" | "debts") => {
            let list = items(f, |h| {
                Ok(HoldingEntry {
                    description: h.req_str("description", NAME_MAX)?,
                    amount: amount_of(h, "amount")?,
                })
            })?;
            if part == "assets" {
                FileUpdate::Assets(list)
            } else {
                FileUpdate::Debts(list)
            }
        }
        _ => {
            let allowed = names(&FinancialNeed::ALL, FinancialNeed::name);
            let list = take_array(f, "items")?.ok_or_else(|| ApiError::invalid("items", "is required"))?;
            let needs: Option<Vec<String>> = list
                .iter()
                .map(|v| v.as_str().filter(|s| allowed.contains(s)).map(str::to_string))
                .collect();
            let needs = needs.ok_or_else(|| {
                ApiError::invalid(
                    "items",
                    format!("each need must be one of {}", allowed.join(", ")),
                )
            })?;
            FileUpdate::Needs(needs)
        }
    })
}

async fn update_file(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
    mut body: Body,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let update = file_update(&mut body.fields)?;
    body.fields.finish()?;
    let view = blocking(&state, move |i| app(i.update_household_file(actor, id, update))).await?;
    Ok(ok(file_json(&view)))
}

async fn add_visit(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
    mut body: Body,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let note = body.fields.req_str("note", NOTE_MAX)?;
    let on = body.fields.opt_date("visited_on")?;
    body.fields.finish()?;
    let view = blocking(&state, move |i| app(i.add_visit_note(actor, id, on, &note))).await?;
    Ok(created(
        format!("{PREFIX}/grid/households/{id}"),
        file_json(&view),
    ))
}

async fn move_household(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
    mut body: Body,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let to = body.fields.req_id("to_cell_id")?;
    let on = body.fields.opt_date("effective_on")?;
    body.fields.finish()?;
    let view = blocking(&state, move |i| app(i.move_household(actor, id, Some(to), on))).await?;
    Ok(ok(responsibility_json(&view)))
}

async fn responsible(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
    Query(mut q): Query,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let date = q.opt_date("date")?;
    q.finish()?;
    let found = blocking(&state, move |i| {
        let date = match date {
            Some(d) => d,
            None => app(i.business_date())?,
        };
        app(i.responsible_on(actor, id, date))
    })
    .await?;
    Ok(ok(found.as_ref().map_or(Value::Null, responsibility_json)))
}

async fn record_activity(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    mut body: Body,
) -> Result<Response, ApiError> {
    let f = &mut body.fields;
    let new = NewActivity {
        worker_id: f.req_id("worker_id")?,
        cell_id: f.req_id("cell_id")?,
        household_id: f.opt_id("household_id")?,
        done_on: f.opt_date("done_on")?,
        duty: f.req_enum("duty", &names(&Duty::ALL, Duty::name))?,
        kind: f.req_enum("kind", &names(&ActivityKind::ALL, ActivityKind::name))?,
        note: f.opt_str("note", NOTE_MAX)?.unwrap_or_default(),
    };
    body.fields.finish()?;
    let view = blocking(&state, move |i| app(i.record_activity(actor, new))).await?;
    Ok(created(format!("{PREFIX}/grid/activities"), activity_json(&view)))
}

/// The period of `from`..`to` (default: the 30 days up to the business date).
async fn period(
    state: &AppState,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Period, ApiError> {
    let today = blocking(state, |i| app(i.business_date())).await?;
    let to = to.unwrap_or(today);
    let from = from.unwrap_or_else(|| to - chrono::Days::new(30));
    Period::new(from, to).ok_or_else(|| ApiError::invalid("from", "must not be after to"))
}

async fn activities(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    Query(mut q): Query,
) -> Result<Response, ApiError> {
    let worker = q.opt_int("worker_id", 1, i64::MAX)?;
    let cell = q.opt_int("cell_id", 1, i64::MAX)?;
    let (from, to) = (q.opt_date("from")?, q.opt_date("to")?);
    q.finish()?;
    let period = period(&state, from, to).await?;
    let found = blocking(&state, move |i| app(i.activities(actor, worker, cell, period))).await?;
    Ok(ok(
        json!({"items": found.iter().map(activity_json).collect::<Vec<_>>()}),
    ))
}

async fn tallies(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    Query(mut q): Query,
) -> Result<Response, ApiError> {
    let cell = q.opt_int("cell_id", 1, i64::MAX)?;
    let (from, to) = (q.opt_date("from")?, q.opt_date("to")?);
    q.finish()?;
    let period = period(&state, from, to).await?;
    let found = blocking(&state, move |i| app(i.worker_tallies(actor, cell, period))).await?;
    Ok(ok(
        json!({"from": period.first().to_string(), "to": period.last().to_string(),
                 "items": found.iter().map(tally_json).collect::<Vec<_>>()}),
    ))
}

fn level(q: &mut super::fields::Params) -> Result<String, ApiError> {
    match q.take("level") {
        None => Ok("outlet".into()),
        Some(l) if LEVELS.contains(&l.as_str()) => Ok(l),
        Some(_) => Err(ApiError::invalid("level", "must be cell, outlet or branch")),
    }
}

async fn coverage(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    Query(mut q): Query,
) -> Result<Response, ApiError> {
    let level = level(&mut q)?;
    q.finish()?;
    let report = blocking(&state, move |i| app(i.coverage(actor, &level))).await?;
    Ok(ok(coverage_json(&report)))
}

async fn coverage_trend(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    Query(mut q): Query,
) -> Result<Response, ApiError> {
    let level = level(&mut q)?;
    let unit = q.opt_int("unit_id", 1, i64::MAX)?;
    q.finish()?;
    let unit = unit.ok_or_else(|| ApiError::invalid("unit_id", "is required"))?;
    let points = blocking(&state, move |i| app(i.coverage_trend(actor, &level, unit))).await?;
    Ok(ok(
        json!({"items": points.iter().map(point_json).collect::<Vec<_>>()}),
    ))
}

async fn snapshot(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    body: Body,
) -> Result<Response, ApiError> {
    body.fields.finish()?;
    let units = blocking(&state, move |i| app(i.take_coverage_snapshot(actor))).await?;
    Ok(created(
        format!("{PREFIX}/grid/coverage/trend"),
        json!({"units": units}),
    ))
}

/// A sheet read from an upload and the form's fields.
type Upload = (Vec<Vec<String>>, Map<String, Value>);

fn upload(headers: &HeaderMap, body: &[u8]) -> Result<Upload, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let (sheet, fields) =
        crate::sheet::read_upload(content_type, body).map_err(|e| ApiError::invalid("file", e))?;
    Ok((sheet, fields.into_iter().map(|(k, v)| (k, json!(v))).collect()))
}

/// The mode asked for in the query (validated before the file is read).
fn query_mode(q: &mut super::fields::Params) -> Result<Option<credgrid_core::import::ImportMode>, ApiError> {
    q.take("mode")
        .map(|m| parse_mode(&m).map_err(ApiError::from))
        .transpose()
}

/// The mode: the query's, else the form's `mode` field, else all-or-nothing.
fn import_mode(
    query: Option<credgrid_core::import::ImportMode>,
    form: &Map<String, Value>,
) -> Result<credgrid_core::import::ImportMode, ApiError> {
    match (query, form.get("mode").and_then(Value::as_str)) {
        (Some(mode), _) => Ok(mode),
        (None, Some(text)) => parse_mode(text).map_err(ApiError::from),
        (None, None) => Ok(credgrid_core::import::ImportMode::AllOrNothing),
    }
}

fn import_response(sheet: &[Vec<String>], outcome: &ImportOutcome) -> Response {
    let mut body = outcome_json(outcome);
    if !outcome.rejected_rows.is_empty() {
        body["rejects_csv"] = json!(rejects_csv(sheet, outcome));
    }
    let status = if outcome.imported > 0 {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    axum::response::IntoResponse::into_response((status, axum::Json(body)))
}

async fn import_households(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    Query(mut q): Query,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let mode = query_mode(&mut q)?;
    let currency = q.take("currency").unwrap_or_else(|| "CNY".into());
    let currency = Currency::new(&currency, 2).map_err(|e| ApiError::invalid("currency", e))?;
    let id_country = match q.take("id_country").as_deref() {
        None | Some("CN") => "CN",
        Some(c) if c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()) => "XX",
        Some(_) => {
            return Err(ApiError::invalid(
                "id_country",
                "must be two capital letters (ISO 3166)",
            ));
        }
    };
    q.finish()?;
    blocking(&state, move |i| app(i.require_import_permission(actor))).await?;
    let (sheet, form) = upload(&headers, &body)?;
    let options = HouseholdImportOptions {
        mode: import_mode(mode, &form)?,
        currency,
        id_country,
    };
    let copy = sheet.clone();
    let outcome = blocking(&state, move |i| app(i.import_households(actor, copy, options))).await?;
    Ok(import_response(&sheet, &outcome))
}

async fn import_cells(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    Query(mut q): Query,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let mode = query_mode(&mut q)?;
    q.finish()?;
    blocking(&state, move |i| app(i.require_import_permission(actor))).await?;
    let (sheet, form) = upload(&headers, &body)?;
    let mode = import_mode(mode, &form)?;
    let copy = sheet.clone();
    let outcome = blocking(&state, move |i| app(i.import_cells(actor, copy, mode))).await?;
    Ok(import_response(&sheet, &outcome))
}

/// Valid example bodies of this module's requests.
pub(crate) fn example(schema: &str) -> Option<Value> {
    Some(match schema {
        "NewCell" => json!({"outlet_id": 3, "kind": "village_group", "name": "Xiaoshan group 2",
            "full_time_worker_id": 2, "part_time_worker_ids": [], "effective_on": null}),
        "CellChange" => json!({"change": "add_part_time_worker", "user_id": 5}),
        "CellSplit" => json!({"outlet_id": 3, "kind": "village_group", "name": "Xiaoshan group 2 east",
            "full_time_worker_id": 2, "household_ids": [1]}),
        "CellMerge" => json!({"into_cell_id": 1}),
        "NewHousehold" => json!({"cell_id": 1, "head_name": "Wang Wei", "member_count": 4, "digital": false}),
        "FilePart" => {
            json!({"part": "land", "items": [{"kind": "farmland", "area_centimu": 350, "contracted": true}]})
        }
        "VisitNote" => json!({"note": "Spring visit: wheat planted", "visited_on": null}),
        "HouseholdMove" => json!({"to_cell_id": 2}),
        "NewActivity" => json!({"worker_id": 5, "cell_id": 1, "household_id": 1, "duty": "collector",
            "kind": "collection_contact", "note": "reminded of the May instalment"}),
        "Empty" => json!({}),
        _ => return None,
    })
}

/// The schemas of this module's requests and views.
pub(crate) fn openapi_schemas() -> Vec<(&'static str, Value)> {
    let id = json!({"type": "integer", "format": "int64", "minimum": 1});
    // `["array"]`: an array of ids (the walker of tests/api/bad_input.rs
    // treats `"array"` as a list of names and sends `[1]` as a bad value).
    let ids = json!({"type": ["array"], "items": id, "maxItems": 1000});
    let text = |max: usize| json!({"type": "string", "minLength": 1, "maxLength": max});
    let date = json!({"type": ["string", "null"], "format": "date"});
    let one_of = |values: Vec<&str>| json!({"type": "string", "enum": values});
    let closed = |required: &[&str], props: Value| json!({"type": "object", "required": required, "properties": props, "additionalProperties": false});
    let open = |props: &[&str]| {
        let map: Map<String, Value> = props.iter().map(|p| (p.to_string(), json!({}))).collect();
        json!({"type": "object", "required": props, "properties": map})
    };
    let cell_props = || {
        json!({"outlet_id": id, "kind": one_of(kinds()), "name": text(NAME_MAX), "full_time_worker_id": id,
               "part_time_worker_ids": ids, "effective_on": date})
    };
    let mut split = cell_props();
    split["household_ids"] = ids.clone();
    let cell_view = [
        "id",
        "outlet_id",
        "kind",
        "name",
        "full_time_worker_id",
        "part_time_worker_ids",
        "opened_on",
        "closed_on",
        "households",
    ];
    let page = |item: &str| {
        json!({"type": "object", "required": ["items", "next_after_id"], "properties": {
            "items": {"type": "array", "items": {"$ref": format!("#/components/schemas/{item}")}},
            "next_after_id": {"type": ["integer", "null"]}}})
    };
    vec![
        (
            "NewCell",
            closed(
                &["outlet_id", "kind", "name", "full_time_worker_id"],
                cell_props(),
            ),
        ),
        (
            "CellChange",
            closed(
                &["change"],
                json!({"change": one_of(CHANGES.to_vec()), "user_id": id,
            "name": text(NAME_MAX), "kind": one_of(kinds()), "effective_on": date}),
            ),
        ),
        (
            "CellSplit",
            closed(
                &[
                    "outlet_id",
                    "kind",
                    "name",
                    "full_time_worker_id",
                    "household_ids",
                ],
                split,
            ),
        ),
        (
            "CellMerge",
            closed(
                &["into_cell_id"],
                json!({"into_cell_id": id, "effective_on": date}),
            ),
        ),
        (
            "NewHousehold",
            closed(
                &["cell_id", "head_name"],
                json!({"cell_id": id, "head_name": text(NAME_MAX),
            "identity_number": text(64), "id_country": text(2), "member_count": {"type": "integer", "minimum": 0,
            "maximum": 100}, "client_id": id, "digital": {"type": "boolean"}, "placed_on": date}),
            ),
        ),
        (
            "FilePart",
            json!({"type": "object", "required": ["part"], "description": "One part of the file, \
            replaced whole. `identity` takes head_name, identity_number, id_country, member_count, digital, \
            client_id; the other parts take `items` (an empty list: asked, there is none). Amounts are \
            decimal strings with an optional `currency` (default CNY).",
            "properties": {"part": one_of(PARTS.to_vec()), "items": {"type": "array", "maxItems": 100}}}),
        ),
        (
            "VisitNote",
            closed(&["note"], json!({"note": text(NOTE_MAX), "visited_on": date})),
        ),
        (
            "HouseholdMove",
            closed(&["to_cell_id"], json!({"to_cell_id": id, "effective_on": date})),
        ),
        (
            "NewActivity",
            closed(
                &["worker_id", "cell_id", "duty", "kind"],
                json!({"worker_id": id, "cell_id": id,
            "household_id": id, "done_on": date, "duty": one_of(names(&Duty::ALL, Duty::name)),
            "kind": one_of(names(&ActivityKind::ALL, ActivityKind::name)), "note": text(NOTE_MAX)}),
            ),
        ),
        ("Empty", closed(&[], json!({}))),
        ("Cell", open(&cell_view)),
        ("CellPage", page("Cell")),
        ("CellDetail", open(&["id", "workers", "events"])),
        (
            "HouseholdFile",
            open(&[
                "id",
                "cell_id",
                "head_name",
                "missing",
                "percent",
                "complete",
                "repayment_history",
                "responsible",
            ]),
        ),
        ("HouseholdPage", page("HouseholdSummary")),
        (
            "HouseholdSummary",
            open(&["id", "head_name", "file_percent", "file_complete"]),
        ),
        (
            "Responsibility",
            json!({"type": ["object", "null"], "properties": {"household_id": id, "date": date,
            "cell_id": id, "account_manager_id": id}}),
        ),
        (
            "Activity",
            open(&["id", "worker_id", "cell_id", "done_on", "duty", "kind"]),
        ),
        ("ActivityList", open(&["items"])),
        ("TallyList", open(&["from", "to", "items"])),
        (
            "Coverage",
            open(&["level", "as_of", "units", "ratings_available", "lines_available"]),
        ),
        ("CoverageTrend", open(&["items"])),
        ("CoverageSnapshot", open(&["units"])),
        (
            "ImportReport",
            open(&[
                "sheet",
                "mode",
                "rows_total",
                "imported",
                "refused_whole",
                "rejected_rows",
                "issues",
            ]),
        ),
    ]
}
