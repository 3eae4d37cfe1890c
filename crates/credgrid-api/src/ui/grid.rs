//! The grid service in the web application: the cells list (open a cell),
//! a cell's page (workers and their history, events, households; change a
//! worker, place a household), a household's information file showing what
//! is missing (add a visit note, record a part-time worker's activity), the
//! coverage table with its trend drawn as SVG, and the import upload with
//! its validation report.

use super::chart::{Frame, Series, lines};
use super::form::FormData;
use super::{Chrome, Ctx, Notice, UiState, blocking, failure, render, see_other};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use credgrid_app::grid::{CellChange, NewCell};
use credgrid_app::household::{FileUpdate, NewActivity, NewHousehold};
use credgrid_app::import::{HouseholdImportOptions, ImportOutcome, mode_name, parse_mode};
use credgrid_app::{AppError, PageRequest};
use credgrid_core::Currency;
use credgrid_core::grid::{ActivityKind, CellKind, Duty, FilePart, FinancialNeed};
use std::collections::HashMap;

/// A table row: the id it links to and its formatted cells.
pub(crate) struct Row {
    id: i64,
    cells: Vec<String>,
}

impl Row {
    /// Whether this row is the unit `unit` (the selected one).
    fn is_unit(&self, unit: &Option<i64>) -> bool {
        *unit == Some(self.id)
    }
}

#[derive(Template)]
#[template(path = "grid_cells.html")]
struct CellsPage {
    c: Chrome,
    cells: Vec<Row>,
    kinds: Vec<(String, String)>,
    form: FormData,
}

#[derive(Template)]
#[template(path = "grid_cell.html")]
struct CellPage {
    c: Chrome,
    id: i64,
    title: String,
    facts: Vec<(String, String)>,
    workers: Vec<Row>,
    events: Vec<Row>,
    households: Vec<Row>,
    open: bool,
    form: FormData,
}

#[derive(Template)]
#[template(path = "grid_household.html")]
struct HouseholdPage {
    c: Chrome,
    id: i64,
    title: String,
    facts: Vec<(String, String)>,
    /// Each part: label, present, its lines.
    parts: Vec<(String, bool, Vec<String>)>,
    missing: Vec<String>,
    visits: Vec<Row>,
    loans: Vec<Row>,
    needs: Vec<(String, String, bool)>,
    duties: Vec<(String, String)>,
    activity_kinds: Vec<(String, String)>,
    workers: Vec<(i64, String)>,
    form: FormData,
}

#[derive(Template)]
#[template(path = "grid_coverage.html")]
struct CoveragePage {
    c: Chrome,
    level: String,
    units: Vec<Row>,
    note: Option<String>,
    unit: Option<i64>,
    trend_svg: String,
    trend: Vec<Row>,
}

#[derive(Template)]
#[template(path = "grid_import.html")]
struct ImportPage {
    c: Chrome,
    summary: Option<String>,
    issues: Vec<Row>,
    form: FormData,
}

fn page() -> PageRequest {
    PageRequest {
        after_id: 0,
        limit: 200,
    }
}

/// The notice of a refusal, titled by the grid rule when it is one.
fn refusal(tr: super::locale::Tr, error: &AppError) -> Notice {
    let mut notice = Notice::of_error(tr, error);
    if let AppError::Refused { rule, .. } = error {
        let key = format!("grid.refusal.{rule}");
        let text = tr.t(&key);
        if text != key {
            notice.title = text;
        }
    }
    notice
}

fn kind_options(c: &Chrome) -> Vec<(String, String)> {
    CellKind::ALL
        .iter()
        .map(|k| (k.name().to_string(), c.t(&k.key())))
        .collect()
}

macro_rules! actor_or_login {
    ($ctx:expr) => {
        match $ctx.require_actor() {
            Ok(actor) => actor,
            Err(redirect) => return redirect.into_response(),
        }
    };
}

fn parse_id(id: &str) -> Option<i64> {
    id.parse::<i64>().ok().filter(|id| *id > 0)
}

async fn cells_page(ctx: &Ctx, state: &UiState, notice: Option<Notice>, form: FormData) -> Response {
    let actor = actor_or_login!(ctx);
    let found = blocking(state, move |i| {
        let users: HashMap<i64, String> = i
            .grid_staff(actor)?
            .into_iter()
            .map(|u| (u.user_id, u.username))
            .collect();
        let nodes: HashMap<i64, String> = i.list_nodes(actor)?.into_iter().map(|n| (n.id, n.name)).collect();
        Ok((
            i.business_date()?,
            i.list_cells(actor, None, false, page())?.items,
            users,
            nodes,
        ))
    })
    .await;
    let (date, cells, users, nodes) = match found {
        Ok(found) => found,
        Err(error) => return failure(ctx, "grid", &error),
    };
    let status = if notice.as_ref().is_some_and(Notice::is_error) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let c = ctx.chrome("grid", Some(date)).with_notice(notice);
    let rows = cells
        .iter()
        .map(|cell| Row {
            id: cell.id,
            cells: vec![
                cell.name.clone(),
                c.t(&format!("grid.kind.{}", cell.kind)),
                nodes.get(&cell.outlet_id).cloned().unwrap_or_default(),
                users.get(&cell.full_time_worker_id).cloned().unwrap_or_default(),
                cell.part_time_worker_ids.len().to_string(),
                cell.households.to_string(),
            ],
        })
        .collect();
    let kinds = kind_options(&c);
    render(
        status,
        &CellsPage {
            c,
            cells: rows,
            kinds,
            form,
        },
    )
}

/// `GET /grid`: the cells and a form to open one.
pub(crate) async fn cells(ctx: Ctx, State(state): State<UiState>) -> Response {
    cells_page(&ctx, &state, None, FormData::default()).await
}

/// `POST /grid/cells`: open a cell.
pub(crate) async fn open_cell(ctx: Ctx, State(state): State<UiState>, body: String) -> Response {
    let actor = actor_or_login!(ctx);
    let form = FormData::parse(&body);
    let tr = ctx.tr;
    let submitted = form.clone();
    let outcome = blocking(&state, move |i| {
        let new = NewCell {
            outlet_id: submitted.id(tr, "outlet_id")?,
            kind: submitted.text(tr, "kind")?,
            name: submitted.text(tr, "name")?,
            full_time_worker_id: submitted.id(tr, "full_time_worker_id")?,
            part_time_worker_ids: Vec::new(),
        };
        i.open_cell(actor, new, None)
    })
    .await;
    match outcome {
        Ok(cell) => see_other(&format!("/grid/cells/{}", cell.id)),
        Err(error) => cells_page(&ctx, &state, Some(refusal(tr, &error)), form).await,
    }
}

async fn cell_page(ctx: &Ctx, state: &UiState, id: i64, notice: Option<Notice>, form: FormData) -> Response {
    let actor = actor_or_login!(ctx);
    let found = blocking(state, move |i| {
        Ok((
            i.business_date()?,
            i.cell(actor, id)?,
            i.households_in_cell(actor, id, page())?.items,
        ))
    })
    .await;
    let (date, detail, households) = match found {
        Ok(found) => found,
        Err(error) => return failure(ctx, "grid", &error),
    };
    let status = if notice.as_ref().is_some_and(Notice::is_error) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let c = ctx.chrome("grid", Some(date)).with_notice(notice);
    let cell = &detail.cell;
    let title = format!("{} · {}", cell.name, c.t(&format!("grid.kind.{}", cell.kind)));
    let facts = vec![
        (c.t("grid.ui.opened_on"), c.tr.date(cell.opened_on)),
        (c.t("grid.ui.closed_on"), c.tr.opt_date(cell.closed_on)),
        (c.t("grid.ui.households"), cell.households.to_string()),
    ];
    let workers = detail
        .workers
        .iter()
        .map(|w| Row {
            id: w.user_id,
            cells: vec![
                w.username.clone(),
                c.t(&format!("grid.ui.role.{}", w.role)),
                c.tr.date(w.from_on),
                w.until_on.map_or(c.t("grid.ui.still"), |d| c.tr.date(d)),
            ],
        })
        .collect();
    let events = detail
        .events
        .iter()
        .map(|e| Row {
            id: e.id,
            cells: vec![
                c.tr.date(e.effective_on),
                c.t(&format!("grid.event.{}", e.kind)),
                e.other_cell_id.map_or(String::new(), |o| format!("#{o}")),
                e.household_id.map_or(String::new(), |h| format!("#{h}")),
                e.households.to_string(),
            ],
        })
        .collect();
    let households = households
        .iter()
        .map(|h| Row {
            id: h.id,
            cells: vec![
                h.head_name.clone(),
                format!("{}%", h.file_percent),
                if h.file_complete {
                    c.t("grid.ui.complete")
                } else {
                    c.t("grid.ui.incomplete")
                },
                if h.digital { c.t("ui.yes") } else { c.t("ui.no") },
            ],
        })
        .collect();
    let open = cell.closed_on.is_none();
    let title = title.clone();
    render(
        status,
        &CellPage {
            c,
            id,
            title,
            facts,
            workers,
            events,
            households,
            open,
            form,
        },
    )
}

/// `GET /grid/cells/{id}`.
pub(crate) async fn show_cell(ctx: Ctx, State(state): State<UiState>, Path(id): Path<String>) -> Response {
    match parse_id(&id) {
        Some(n) => cell_page(&ctx, &state, n, None, FormData::default()).await,
        None => failure(&ctx, "grid", &AppError::not_found("cell", id)),
    }
}

/// `POST /grid/cells/{id}/worker` (add or remove a part-time worker, change
/// the full-time one) and `POST /grid/cells/{id}/household` (place one).
pub(crate) async fn cell_act(
    ctx: Ctx,
    State(state): State<UiState>,
    Path((id, action)): Path<(String, String)>,
    body: String,
) -> Response {
    let actor = actor_or_login!(ctx);
    let Some(id) = parse_id(&id) else {
        return failure(&ctx, "grid", &AppError::not_found("cell", id));
    };
    let form = FormData::parse(&body);
    let (tr, submitted) = (ctx.tr, form.clone());
    let outcome = blocking(&state, move |i| match action.as_str() {
        "worker" => {
            let user_id = submitted.id(tr, "user_id")?;
            let change = match submitted.v("change") {
                "change_full_time_worker" => CellChange::ChangeFullTimeWorker { user_id },
                "remove_part_time_worker" => CellChange::RemovePartTimeWorker { user_id },
                _ => CellChange::AddPartTimeWorker { user_id },
            };
            i.change_cell(actor, id, change, None)
                .map(|_| format!("/grid/cells/{id}"))
        }
        "household" => {
            let new = NewHousehold {
                cell_id: id,
                head_name: submitted.text(tr, "head_name")?,
                identity_number: submitted.opt_text("identity_number"),
                id_country: "CN".into(),
                member_count: submitted.opt_u32(tr, "member_count")?.unwrap_or(1),
                client_id: None,
                digital: submitted.v("digital") == "on",
                placed_on: None,
            };
            i.create_household(actor, new)
                .map(|h| format!("/grid/households/{}", h.id))
        }
        _ => Err(AppError::not_found("action", &action)),
    })
    .await;
    match outcome {
        Ok(location) => see_other(&location),
        Err(error) => cell_page(&ctx, &state, id, Some(refusal(tr, &error)), form).await,
    }
}

fn part_lines(
    c: &Chrome,
    f: &credgrid_app::household::HouseholdFileView,
    part: FilePart,
) -> (bool, Vec<String>) {
    let none = || vec![c.t("grid.ui.none_held")];
    let or_none = |lines: Vec<String>| if lines.is_empty() { none() } else { lines };
    match part {
        FilePart::Identity => (
            f.identity_number.is_some(),
            f.identity_number.iter().cloned().collect(),
        ),
        FilePart::Members => (
            !f.members.is_empty(),
            f.members
                .iter()
                .map(|m| format!("{} · {}", m.name, c.t(&format!("grid.relation.{}", m.relation))))
                .collect(),
        ),
        FilePart::Land => match &f.land {
            None => (false, Vec::new()),
            Some(l) => (
                true,
                or_none(
                    l.iter()
                        .map(|l| {
                            let mu = credgrid_core::money::format_minor(i64::from(l.area_centimu), 2);
                            format!(
                                "{} · {mu} {}",
                                c.t(&format!("grid.land.{}", l.kind)),
                                c.t("grid.ui.mu")
                            )
                        })
                        .collect(),
                ),
            ),
        },
        FilePart::Livestock => match &f.livestock {
            None => (false, Vec::new()),
            Some(l) => (
                true,
                or_none(
                    l.iter()
                        .map(|l| {
                            format!(
                                "{} · {}",
                                c.t(&format!("grid.livestock.{}", l.kind)),
                                l.head_count
                            )
                        })
                        .collect(),
                ),
            ),
        },
        FilePart::IncomeSources => (
            !f.income_sources.is_empty(),
            f.income_sources
                .iter()
                .map(|i| {
                    format!(
                        "{} · {}",
                        c.t(&format!("grid.income.{}", i.kind)),
                        c.tr.money(i.annual)
                    )
                })
                .collect(),
        ),
        FilePart::Assets | FilePart::Debts => {
            let held = if part == FilePart::Assets {
                &f.assets
            } else {
                &f.debts
            };
            match held {
                None => (false, Vec::new()),
                Some(h) => (
                    true,
                    or_none(
                        h.iter()
                            .map(|h| format!("{} · {}", h.description, c.tr.money(h.amount)))
                            .collect(),
                    ),
                ),
            }
        }
        FilePart::Visits => (!f.visits.is_empty(), Vec::new()),
        FilePart::Needs => match &f.needs {
            None => (false, Vec::new()),
            Some(n) => (
                true,
                or_none(n.iter().map(|n| c.t(&format!("grid.need.{n}"))).collect()),
            ),
        },
    }
}

async fn household_page(
    ctx: &Ctx,
    state: &UiState,
    id: i64,
    notice: Option<Notice>,
    form: FormData,
) -> Response {
    let actor = actor_or_login!(ctx);
    let found = blocking(state, move |i| {
        let file = i.household_file(actor, id)?;
        let workers = match file.cell_id {
            Some(cell) => i.cell(actor, cell)?.cell.part_time_worker_ids,
            None => Vec::new(),
        };
        let names: HashMap<i64, String> = i
            .grid_staff(actor)?
            .into_iter()
            .map(|u| (u.user_id, u.username))
            .collect();
        let workers = workers
            .into_iter()
            .map(|w| (w, names.get(&w).cloned().unwrap_or_else(|| format!("#{w}"))))
            .collect::<Vec<_>>();
        Ok((i.business_date()?, file, workers))
    })
    .await;
    let (date, f, workers) = match found {
        Ok(found) => found,
        Err(error) => return failure(ctx, "grid", &error),
    };
    let status = if notice.as_ref().is_some_and(Notice::is_error) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let c = ctx.chrome("grid", Some(date)).with_notice(notice);
    let title = c.tr.ta("grid.ui.file_title", &[("name", &f.head_name)]);
    let facts = vec![
        (
            c.t("grid.ui.cell"),
            f.cell_name.clone().unwrap_or_else(|| "—".into()),
        ),
        (c.t("grid.ui.completeness"), format!("{}%", f.percent)),
        (c.t("grid.ui.member_count"), f.member_count.to_string()),
        (
            c.t("grid.ui.digital"),
            if f.digital { c.t("ui.yes") } else { c.t("ui.no") },
        ),
        (
            c.t("grid.ui.client"),
            f.client_id.map_or("—".into(), |id| format!("#{id}")),
        ),
        (c.t("grid.ui.file_updated_on"), c.tr.opt_date(f.file_updated_on)),
    ];
    let parts = FilePart::ALL
        .iter()
        .filter(|p| **p != FilePart::Visits)
        .map(|p| {
            let (present, lines) = part_lines(&c, &f, *p);
            (c.t(&p.key()), present, lines)
        })
        .collect();
    let missing = f.missing.iter().map(|m| c.t(&format!("grid.part.{m}"))).collect();
    let visits = f
        .visits
        .iter()
        .map(|v| Row {
            id: v.id,
            cells: vec![c.tr.date(v.visited_on), format!("#{}", v.user_id), v.note.clone()],
        })
        .collect();
    let loans = f
        .repayment_history
        .iter()
        .map(|l| Row {
            id: l.loan_id,
            cells: vec![
                format!("#{}", l.loan_id),
                c.tr.money(l.principal),
                c.tr.opt_date(l.disbursed_on),
                c.t(&format!("ui.status.{}", l.status)),
                l.days_past_due.to_string(),
            ],
        })
        .collect();
    let held: Vec<String> = f.needs.clone().unwrap_or_default();
    let needs = FinancialNeed::ALL
        .iter()
        .map(|n| {
            (
                n.name().to_string(),
                c.t(&n.key()),
                held.iter().any(|h| h == n.name()),
            )
        })
        .collect();
    let duties = Duty::ALL
        .iter()
        .map(|d| (d.name().to_string(), c.t(&d.key())))
        .collect();
    let activity_kinds = ActivityKind::ALL
        .iter()
        .map(|k| (k.name().to_string(), c.t(&k.key())))
        .collect();
    let page = HouseholdPage {
        c,
        id,
        title,
        facts,
        parts,
        missing,
        visits,
        loans,
        needs,
        duties,
        activity_kinds,
        workers,
        form,
    };
    render(status, &page)
}

/// `GET /grid/households/{id}`.
pub(crate) async fn show_household(
    ctx: Ctx,
    State(state): State<UiState>,
    Path(id): Path<String>,
) -> Response {
    match parse_id(&id) {
        Some(n) => household_page(&ctx, &state, n, None, FormData::default()).await,
        None => failure(&ctx, "grid", &AppError::not_found("household", id)),
    }
}

/// `POST /grid/households/{id}/visit|activity|needs`.
pub(crate) async fn household_act(
    ctx: Ctx,
    State(state): State<UiState>,
    Path((id, action)): Path<(String, String)>,
    body: String,
) -> Response {
    let actor = actor_or_login!(ctx);
    let Some(id) = parse_id(&id) else {
        return failure(&ctx, "grid", &AppError::not_found("household", id));
    };
    let form = FormData::parse(&body);
    let (tr, submitted) = (ctx.tr, form.clone());
    let needs: Vec<String> = body
        .split('&')
        .filter_map(|pair| pair.strip_prefix("need="))
        .map(str::to_string)
        .collect();
    let outcome = blocking(&state, move |i| match action.as_str() {
        "visit" => i
            .add_visit_note(actor, id, None, &submitted.text(tr, "note")?)
            .map(|_| ()),
        "needs" => i
            .update_household_file(actor, id, FileUpdate::Needs(needs))
            .map(|_| ()),
        "activity" => {
            let file = i.household_file(actor, id)?;
            let cell_id = file
                .cell_id
                .ok_or_else(|| AppError::invalid("cell_id", "the household is not in a cell"))?;
            let new = NewActivity {
                worker_id: submitted.id(tr, "worker_id")?,
                cell_id,
                household_id: Some(id),
                done_on: submitted.opt_date(tr, "done_on")?,
                duty: submitted.text(tr, "duty")?,
                kind: submitted.text(tr, "kind")?,
                note: submitted.opt_text("note").unwrap_or_default(),
            };
            i.record_activity(actor, new).map(|_| ())
        }
        _ => Err(AppError::not_found("action", &action)),
    })
    .await;
    match outcome {
        Ok(()) => see_other(&format!("/grid/households/{id}")),
        Err(error) => household_page(&ctx, &state, id, Some(refusal(tr, &error)), form).await,
    }
}

/// `GET /grid/coverage?level=cell|outlet|branch&unit=ID`.
pub(crate) async fn coverage(
    ctx: Ctx,
    State(state): State<UiState>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let actor = actor_or_login!(ctx);
    let level = query
        .get("level")
        .filter(|l| ["cell", "outlet", "branch"].contains(&l.as_str()))
        .cloned()
        .unwrap_or_else(|| "outlet".into());
    let unit = query.get("unit").and_then(|u| u.parse::<i64>().ok());
    let lvl = level.clone();
    let found = blocking(&state, move |i| {
        let report = i.coverage(actor, &lvl)?;
        let unit = unit.or_else(|| report.units.first().map(|u| u.unit_id));
        let trend = match unit {
            Some(u) => i.coverage_trend(actor, &lvl, u)?,
            None => Vec::new(),
        };
        Ok((i.business_date()?, report, unit, trend))
    })
    .await;
    let (date, report, unit, trend) = match found {
        Ok(found) => found,
        Err(error) => return failure(&ctx, "grid", &error),
    };
    let c = ctx.chrome("grid", Some(date));
    let count = |n: u64| c.tr.count(n);
    let units = report
        .units
        .iter()
        .map(|u| {
            let f = &u.figures;
            Row {
                id: u.unit_id,
                cells: vec![
                    u.name.clone(),
                    count(f.households),
                    count(f.files_complete),
                    count(f.rated),
                    count(f.with_line),
                    count(f.lines_in_use),
                    count(f.digital_reached),
                ],
            }
        })
        .collect();
    let note = (!report.ratings_available || !report.lines_available).then(|| c.t("grid.ui.no_ratings_note"));
    let labels: Vec<String> = trend.iter().map(|p| c.tr.date(p.taken_on)).collect();
    let series_of =
        |key: &str, colour: &'static str, pick: fn(&credgrid_app::coverage::CoverageFigures) -> u64| Series {
            label: c.t(key),
            colour,
            values: trend
                .iter()
                .map(|p| i64::try_from(pick(&p.figures)).unwrap_or(i64::MAX))
                .collect(),
        };
    let series = vec![
        series_of("grid.ui.households", "#0d47a1", |f| f.households),
        series_of("grid.ui.files_complete", "#1b5e20", |f| f.files_complete),
        series_of("grid.ui.rated", "#4a148c", |f| f.rated),
        series_of("grid.ui.digital_reached", "#b71c1c", |f| f.digital_reached),
    ];
    let title = c.t("grid.ui.trend");
    let y_label = |v: i64| v.to_string();
    let trend_svg = if trend.is_empty() {
        String::new()
    } else {
        lines(
            &Frame {
                title: &title,
                x_labels: &labels,
                y_label: &y_label,
            },
            &series,
        )
    };
    let trend_rows = trend
        .iter()
        .map(|p| Row {
            id: 0,
            cells: vec![
                c.tr.date(p.taken_on),
                count(p.figures.households),
                count(p.figures.files_complete),
                count(p.figures.rated),
                count(p.figures.with_line),
                count(p.figures.lines_in_use),
                count(p.figures.digital_reached),
            ],
        })
        .collect();
    let page = CoveragePage {
        c,
        level,
        units,
        note,
        unit,
        trend_svg,
        trend: trend_rows,
    };
    render(StatusCode::OK, &page)
}

/// `POST /grid/coverage/snapshot`: store today's coverage.
pub(crate) async fn snapshot(ctx: Ctx, State(state): State<UiState>) -> Response {
    let actor = actor_or_login!(ctx);
    match blocking(&state, move |i| i.take_coverage_snapshot(actor)).await {
        Ok(_) => see_other("/grid/coverage"),
        Err(error) => failure(&ctx, "grid", &error),
    }
}

fn import_page(
    ctx: &Ctx,
    date: Option<chrono::NaiveDate>,
    outcome: Option<&ImportOutcome>,
    notice: Option<Notice>,
    form: FormData,
) -> Response {
    let status = if notice.as_ref().is_some_and(Notice::is_error) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let c = ctx.chrome("grid", date).with_notice(notice);
    let summary = outcome.map(|o| {
        let key = if o.refused_whole() {
            "grid.ui.import_refused"
        } else {
            "grid.ui.import_done"
        };
        c.tr.ta(
            key,
            &[
                ("rows", &o.rows_total.to_string()),
                ("imported", &o.imported.to_string()),
                ("rejected", &o.rejected_rows.len().to_string()),
                ("mode", mode_name(o.mode)),
            ],
        )
    });
    let issues = outcome
        .map(|o| {
            o.issues
                .iter()
                .take(500)
                .map(|i| Row {
                    id: 0,
                    cells: vec![
                        i.row.to_string(),
                        i.column.clone(),
                        if i.detail.is_empty() {
                            c.t(&i.key)
                        } else {
                            format!("{} ({})", c.t(&i.key), i.detail)
                        },
                    ],
                })
                .collect()
        })
        .unwrap_or_default();
    render(
        status,
        &ImportPage {
            c,
            summary,
            issues,
            form,
        },
    )
}

fn content_type(headers: &HeaderMap) -> &str {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// `GET /grid/import`: the upload form.
pub(crate) async fn import_form(ctx: Ctx, State(state): State<UiState>) -> Response {
    let _ = actor_or_login!(ctx);
    let date = blocking(&state, |i| i.business_date()).await.ok();
    let form = FormData::with(&[("sheet", "households"), ("mode", "all-or-nothing")]);
    import_page(&ctx, date, None, None, form)
}

/// `POST /grid/import` (multipart/form-data: `sheet`, `mode`, `file`).
pub(crate) async fn import(
    ctx: Ctx,
    State(state): State<UiState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let actor = actor_or_login!(ctx);
    let tr = ctx.tr;
    let date = blocking(&state, |i| i.business_date()).await.ok();
    let (sheet, fields) = match crate::sheet::read_upload(content_type(&headers), &body) {
        Ok(found) => found,
        Err(detail) => {
            let error = AppError::invalid("file", detail);

            return import_page(&ctx, date, None, Some(refusal(tr, &error)), FormData::default());
        }
    };
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let form = FormData::with(&[("sheet", &field("sheet")), ("mode", &field("mode"))]);
    let mode = match parse_mode(&field("mode")) {
        Ok(mode) => mode,
        Err(error) => return import_page(&ctx, date, None, Some(refusal(tr, &error)), form),
    };
    let cells = field("sheet") == "cells";
    let outcome = blocking(&state, move |i| {
        if cells {
            i.import_cells(actor, sheet, mode)
        } else {
            let options = HouseholdImportOptions {
                mode,
                currency: Currency::CNY,
                id_country: "CN",
            };
            i.import_households(actor, sheet, options)
        }
    })
    .await;
    match outcome {
        Ok(o) => import_page(&ctx, date, Some(&o), None, form),
        Err(error) => import_page(&ctx, date, None, Some(refusal(tr, &error)), form),
    }
}
