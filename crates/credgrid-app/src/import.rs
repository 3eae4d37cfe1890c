//! Import of grid cells and households from a spreadsheet (issue 6, item 8):
//! the core validates every row, the use case adds the checks only records
//! can answer (outlets, users, scope), then writes every accepted row in ONE
//! write job. All or nothing: any rejected row rejects the file. Valid rows:
//! the accepted rows are written and the rejects reported. A row is always
//! written whole or not at all.

use crate::access::{Staff, authorize, staff};
use crate::error::AppError;
use crate::institution::{Institution, business_date};
use crate::model::Actor;
use chrono::NaiveDate;
use credgrid_core::Currency;
use credgrid_core::authz::{Permission, Role};
use credgrid_core::grid::household::{IncomeKind, IncomeSource, Land, LandKind, Member, Relation};
use credgrid_core::grid::{CellId, CompletenessRule, HouseholdFile, HouseholdId};
use credgrid_core::identity::validator_for;
use credgrid_core::import::{
    ImportIssue, ImportMode, ImportReason, ImportReport, validate_cells, validate_households,
};
use credgrid_store::{
    CellRow, IncomeRow, LandRow, MemberRow, NewGridEventRow, NewGridHouseholdRow, ReadTx, WriteTx,
};
use std::collections::{BTreeMap, BTreeSet};

/// How a household sheet is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HouseholdImportOptions {
    pub mode: ImportMode,
    /// The currency of the `annual_income` column.
    pub currency: Currency,
    /// Whose identity rules check `identity_number` (ISO 3166 alpha-2).
    pub id_country: &'static str,
}

/// One problem of the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportIssueView {
    /// Spreadsheet row (the header is row 1).
    pub row: usize,
    pub column: String,
    /// The reason's stable code (`unknown_cell`).
    pub reason: String,
    /// The translation key of the reason.
    pub key: String,
    /// A detail in English (`first seen on row 4`), possibly empty.
    pub detail: String,
}

/// What an import did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportOutcome {
    /// `cells` or `households`.
    pub sheet: String,
    pub mode: ImportMode,
    pub rows_total: usize,
    /// Rows written.
    pub imported: usize,
    /// Spreadsheet rows refused, ascending.
    pub rejected_rows: Vec<usize>,
    pub issues: Vec<ImportIssueView>,
}

impl ImportOutcome {
    /// Whether nothing was written because of rejects (all-or-nothing).
    pub fn refused_whole(&self) -> bool {
        self.mode == ImportMode::AllOrNothing && !self.rejected_rows.is_empty()
    }
}

/// The stable name of a mode (`all-or-nothing`, `valid-rows`).
pub fn mode_name(mode: ImportMode) -> &'static str {
    match mode {
        ImportMode::AllOrNothing => "all-or-nothing",
        ImportMode::ValidOnly => "valid-rows",
    }
}

/// Parses a mode name.
pub fn parse_mode(text: &str) -> Result<ImportMode, AppError> {
    match text.trim() {
        "all-or-nothing" => Ok(ImportMode::AllOrNothing),
        "valid-rows" => Ok(ImportMode::ValidOnly),
        _ => Err(AppError::invalid("mode", "must be all-or-nothing or valid-rows")),
    }
}

fn detail(reason: &ImportReason) -> String {
    match reason {
        ImportReason::TooLong { max } => format!("at most {max} characters"),
        ImportReason::DuplicateId { first_row } => format!("first seen on row {first_row}"),
        ImportReason::InvalidIdentity { detail } => detail.clone(),
        _ => String::new(),
    }
}

fn outcome<T>(sheet: &str, report: &ImportReport<T>) -> ImportOutcome {
    ImportOutcome {
        sheet: sheet.to_string(),
        mode: report.mode,
        rows_total: report.rows_total,
        imported: report.accepted.len(),
        rejected_rows: report.rejected.iter().map(|r| r.row).collect(),
        issues: report
            .issues()
            .map(|i| ImportIssueView {
                row: i.row,
                column: i.column.to_string(),
                reason: i.reason.code().to_string(),
                key: i.reason.key(),
                detail: detail(&i.reason),
            })
            .collect(),
    }
}

fn sheet_refused(e: credgrid_core::import::ImportError) -> AppError {
    AppError::Refused {
        rule: e.code(),
        detail: e.to_string(),
    }
}

fn issue(row: usize, column: &'static str, reason: ImportReason) -> ImportIssue {
    ImportIssue { row, column, reason }
}

/// Whether `user_id` is staff with `role`.
fn has_role(r: &ReadTx<'_>, user_id: i64, role: Role) -> bool {
    staff(r, Actor { user_id }).is_ok_and(|s| s.has_role(role))
}

/// Open cells the actor may import into.
fn visible_open_cells(r: &ReadTx<'_>, staff: &Staff) -> Result<BTreeMap<i64, CellRow>, AppError> {
    let mut cells = BTreeMap::new();
    let mut after = 0;
    loop {
        let rows = r.grid_cells(None, false, after, 1_000)?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        for row in rows {
            if staff.sees_node(r, row.outlet_id)? {
                cells.insert(row.id, row);
            }
        }
    }
    Ok(cells)
}

/// The file an imported row makes, and its completeness.
fn imported_file(row: &credgrid_core::import::HouseholdRow) -> (u32, bool) {
    let file = HouseholdFile {
        household: Some(row.household),
        identity_number: row.identity_number.clone(),
        members: vec![Member {
            name: row.head_name.clone(),
            relation: Relation::Head,
            birth_year: None,
            works: false,
        }],
        land: (row.land_centimu > 0).then(|| {
            vec![Land {
                kind: LandKind::Other,
                area_centimu: row.land_centimu,
                contracted: false,
            }]
        }),
        income_sources: row.annual_income.map(|annual| {
            vec![IncomeSource {
                kind: IncomeKind::Other,
                annual,
                years: 0,
            }]
        }),
        ..HouseholdFile::default()
    };
    let completeness = file.completeness(&CompletenessRule::default());
    (completeness.percent, completeness.is_complete())
}

fn write_households(
    tx: &mut WriteTx<'_>,
    accepted: &[(usize, credgrid_core::import::HouseholdRow)],
    cells: &BTreeMap<i64, CellRow>,
    date: NaiveDate,
    actor: Actor,
) -> Result<(), AppError> {
    let mut per_cell: BTreeMap<i64, u32> = BTreeMap::new();
    for (_, row) in accepted {
        let cell = &cells[&row.cell.0];
        let new = NewGridHouseholdRow {
            id: Some(row.household.0),
            outlet_id: cell.outlet_id,
            cell_id: cell.id,
            client_id: None,
            head_name: row.head_name.clone(),
            identity_number: row.identity_number.clone(),
            member_count: row.members,
            created_on: date,
        };
        let head = MemberRow {
            name: row.head_name.clone(),
            relation: Relation::Head.name().to_string(),
            birth_year: None,
            works: false,
        };
        let land = (row.land_centimu > 0).then(|| LandRow {
            kind: LandKind::Other.name().to_string(),
            area_centimu: row.land_centimu,
            contracted: false,
        });
        let income = row.annual_income.map(|m| IncomeRow {
            kind: "other".to_string(),
            currency: m.currency().code().to_string(),
            annual_minor: m.minor(),
            years: 0,
        });
        let (percent, complete) = imported_file(row);
        tx.import_grid_household(&new, &head, land.as_ref(), income.as_ref(), percent, complete)?;
        *per_cell.entry(cell.id).or_default() += 1;
    }
    for (cell_id, households) in per_cell {
        tx.insert_grid_event(&NewGridEventRow {
            outlet_id: cells[&cell_id].outlet_id,
            cell_id,
            other_cell_id: None,
            household_id: None,
            user_id: None,
            kind: "import".to_string(),
            households,
            effective_on: date,
            recorded_by: actor.user_id,
        })?;
    }
    Ok(())
}

impl Institution {
    /// Imports households (columns of `credgrid_core::import::HOUSEHOLD_COLUMNS`)
    /// into open cells the actor can see, in one transaction.
    pub fn import_households(
        &self,
        actor: Actor,
        sheet: Vec<Vec<String>>,
        options: HouseholdImportOptions,
    ) -> Result<ImportOutcome, AppError> {
        self.write(move |tx, _| {
            let staff = authorize(tx, actor, Permission::ImportRun)?;
            let cells = visible_open_cells(tx, &staff)?;
            let known: BTreeSet<CellId> = cells.keys().map(|c| CellId(*c)).collect();
            let existing: BTreeSet<HouseholdId> =
                tx.grid_household_ids()?.into_iter().map(HouseholdId).collect();
            let validator = validator_for(options.id_country);
            let report = validate_households(
                &sheet,
                &known,
                &existing,
                options.currency,
                validator,
                options.mode,
            )
            .map_err(sheet_refused)?;
            let date = business_date(tx)?;
            write_households(tx, &report.accepted, &cells, date, actor)?;
            let result = outcome("households", &report);
            let after = Some(format!(
                "mode={} rows={} imported={} rejected={}",
                mode_name(options.mode),
                result.rows_total,
                result.imported,
                result.rejected_rows.len()
            ));
            crate::audit::record(tx, actor, "grid.import.households", "import", date, after, None)?;
            Ok(result)
        })
    }

    /// Imports cells (columns of `credgrid_core::import::CELL_COLUMNS`) at
    /// outlets the actor can see, in one transaction.
    pub fn import_cells(
        &self,
        actor: Actor,
        sheet: Vec<Vec<String>>,
        mode: ImportMode,
    ) -> Result<ImportOutcome, AppError> {
        self.write(move |tx, _| {
            let staff = authorize(tx, actor, Permission::ImportRun)?;
            let existing: BTreeSet<CellId> = tx.grid_cell_ids()?.into_iter().map(CellId).collect();
            let mut report = validate_cells(&sheet, &existing, mode).map_err(sheet_refused)?;
            let mut failures: Vec<Result<(), AppError>> = Vec::new();
            report.check_further(|row, spec| {
                let mut issues = Vec::new();
                match tx.org_node(spec.outlet) {
                    Ok(node) if node.kind == "outlet" => match staff.sees_node(tx, spec.outlet) {
                        Ok(true) => {}
                        Ok(false) => issues.push(issue(row, "outlet_id", ImportReason::OutOfScope)),
                        Err(e) => failures.push(Err(e)),
                    },
                    _ => issues.push(issue(row, "outlet_id", ImportReason::UnknownOutlet)),
                }
                if !spec
                    .full_time
                    .is_some_and(|u| has_role(tx, u, Role::AccountManager))
                {
                    issues.push(issue(row, "full_time_worker", ImportReason::UnknownUser));
                }
                if !spec.part_time.iter().all(|u| has_role(tx, *u, Role::GridWorker)) {
                    issues.push(issue(row, "part_time_workers", ImportReason::UnknownUser));
                }
                issues
            });
            failures.into_iter().collect::<Result<(), AppError>>()?;
            let date = business_date(tx)?;
            for (_, spec) in &report.accepted {
                let row = CellRow {
                    id: spec.id.0,
                    outlet_id: spec.outlet,
                    kind: spec.kind.name().to_string(),
                    name: spec.name.clone(),
                    full_time_worker_id: spec.full_time.expect("checked: a full-time worker is present"),
                    opened_on: date,
                    closed_on: None,
                };
                tx.insert_grid_cell(Some(spec.id.0), &row)?;
                for worker in &spec.part_time {
                    tx.open_grid_worker_span(spec.id.0, *worker, "part_time", date)?;
                }
                tx.insert_grid_event(&NewGridEventRow {
                    outlet_id: spec.outlet,
                    cell_id: spec.id.0,
                    other_cell_id: None,
                    household_id: None,
                    user_id: None,
                    kind: "import".to_string(),
                    households: 0,
                    effective_on: date,
                    recorded_by: actor.user_id,
                })?;
            }
            let result = outcome("cells", &report);
            let after = Some(format!(
                "mode={} rows={} imported={} rejected={}",
                mode_name(mode),
                result.rows_total,
                result.imported,
                result.rejected_rows.len()
            ));
            crate::audit::record(tx, actor, "grid.import.cells", "import", date, after, None)?;
            Ok(result)
        })
    }
}

impl Institution {
    /// Refuses (403) a user who may not import, before a file is even read.
    pub fn require_import_permission(&self, actor: Actor) -> Result<(), AppError> {
        self.read(|r| authorize(r, actor, Permission::ImportRun).map(|_| ()))
    }
}
