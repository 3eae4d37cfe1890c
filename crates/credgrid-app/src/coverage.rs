//! Grid coverage (R-GRID-4) per cell, outlet and branch: households, files
//! complete, households rated, households with a credit line, lines in use
//! and households reached by a digital channel; and its trend, one snapshot
//! per business date (taken on request or by the end of day).
//!
//! Ratings and lines are read from the rating area's tables (`rating`,
//! `credit_line`) when they exist; otherwise those figures are 0 and the
//! report says so.

use crate::access::{Staff, authorize};
use crate::error::AppError;
use crate::institution::{Institution, business_date};
use crate::model::Actor;
use chrono::NaiveDate;
use credgrid_core::authz::Permission;
use credgrid_core::grid::coverage::{CoverageChange, coverage_by};
use credgrid_core::grid::{CellId, Coverage, CoverageLevel, HouseholdCoverageRecord, HouseholdId, LineUse};
use credgrid_store::{CoverageRow, ReadTx, WriteTx};
use std::collections::{HashMap, HashSet};

/// Snapshots shown in a trend at most.
pub const TREND_POINTS_MAX: u32 = 400;

/// The six figures of one unit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CoverageFigures {
    pub households: u64,
    pub files_complete: u64,
    pub rated: u64,
    pub with_line: u64,
    pub lines_in_use: u64,
    pub digital_reached: u64,
}

impl From<Coverage> for CoverageFigures {
    fn from(c: Coverage) -> Self {
        CoverageFigures {
            households: c.households,
            files_complete: c.files_complete,
            rated: c.rated,
            with_line: c.with_line,
            lines_in_use: c.lines_in_use,
            digital_reached: c.digital_reached,
        }
    }
}

impl CoverageFigures {
    fn core(self) -> Coverage {
        Coverage {
            households: self.households,
            files_complete: self.files_complete,
            rated: self.rated,
            with_line: self.with_line,
            lines_in_use: self.lines_in_use,
            digital_reached: self.digital_reached,
        }
    }

    /// `part` as a share of the households in basis points (rounded down).
    pub fn share_bps(&self, part: u64) -> u32 {
        self.core().share_bps(part)
    }
}

/// One unit's coverage now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoverageUnit {
    pub unit_id: i64,
    pub name: String,
    pub figures: CoverageFigures,
}

/// Coverage of every unit at one level that the actor can see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoverageReport {
    /// `cell`, `outlet` or `branch`.
    pub level: String,
    pub as_of: NaiveDate,
    pub units: Vec<CoverageUnit>,
    /// False when the rating area's tables are absent: `rated` is then 0.
    pub ratings_available: bool,
    /// False when the credit-line tables are absent: line figures are then 0.
    pub lines_available: bool,
}

/// One snapshot of a trend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CoveragePoint {
    pub taken_on: NaiveDate,
    pub figures: CoverageFigures,
    /// Change since the previous snapshot (zero for the first).
    pub change: CoverageChange,
}

pub(crate) fn parse_level(level: &str) -> Result<CoverageLevel, AppError> {
    match level {
        "cell" => Ok(CoverageLevel::Cell),
        "outlet" => Ok(CoverageLevel::Outlet),
        "branch" => Ok(CoverageLevel::Branch),
        _ => Err(AppError::invalid("level", "must be cell, outlet or branch")),
    }
}

fn level_name(level: CoverageLevel) -> &'static str {
    match level {
        CoverageLevel::Cell => "cell",
        CoverageLevel::Outlet => "outlet",
        CoverageLevel::Branch => "branch",
    }
}

/// One record per household now in a cell, with rating and line facts.
fn records(r: &ReadTx<'_>, date: NaiveDate) -> Result<(Vec<HouseholdCoverageRecord>, bool, bool), AppError> {
    let ratings_available = r.table_exists("rating")?;
    let lines_available = r.table_exists("credit_line")?;
    let rated: HashSet<i64> = if ratings_available {
        r.grid_rated_households()?.into_iter().collect()
    } else {
        HashSet::new()
    };
    let lines: HashMap<i64, bool> = if lines_available {
        r.grid_households_with_line(date)?.into_iter().collect()
    } else {
        HashMap::new()
    };
    let records = r
        .grid_coverage_facts()?
        .into_iter()
        .map(|f| HouseholdCoverageRecord {
            household: HouseholdId(f.household_id),
            cell: CellId(f.cell_id),
            outlet: f.outlet_id,
            branch: f.branch_id,
            file_complete: f.file_complete,
            rated: rated.contains(&f.household_id),
            line: match lines.get(&f.household_id) {
                None => LineUse::NoLine,
                Some(false) => LineUse::Granted,
                Some(true) => LineUse::InUse,
            },
            digital: f.digital,
        })
        .collect();
    Ok((records, ratings_available, lines_available))
}

/// The node a unit belongs to, for scope (a cell's outlet; the node itself).
fn unit_node(r: &ReadTx<'_>, level: CoverageLevel, unit: i64) -> Result<i64, AppError> {
    match level {
        CoverageLevel::Cell => Ok(r
            .grid_cell(unit)
            .map_err(|_| AppError::not_found("cell", unit))?
            .outlet_id),
        _ => Ok(unit),
    }
}

fn unit_name(r: &ReadTx<'_>, level: CoverageLevel, unit: i64) -> String {
    match level {
        CoverageLevel::Cell => r.grid_cell(unit).map(|c| c.name).unwrap_or_default(),
        _ => r.org_node(unit).map(|n| n.name).unwrap_or_default(),
    }
}

fn visible(r: &ReadTx<'_>, staff: &Staff, level: CoverageLevel, unit: i64) -> Result<bool, AppError> {
    staff.sees_node(r, unit_node(r, level, unit)?)
}

/// Stores today's coverage of every cell, outlet and branch (a re-take on
/// the same business date replaces it). Returns the number of units.
pub(crate) fn snapshot_coverage(tx: &mut WriteTx<'_>) -> Result<usize, AppError> {
    let date = business_date(tx)?;
    let (records, _, _) = records(tx, date)?;
    let mut rows = Vec::new();
    for level in [CoverageLevel::Cell, CoverageLevel::Outlet, CoverageLevel::Branch] {
        for (unit, c) in coverage_by(&records, level) {
            let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
            rows.push(CoverageRow {
                taken_on: date,
                level: level_name(level).to_string(),
                unit_id: unit,
                households: count(c.households),
                files_complete: count(c.files_complete),
                rated: count(c.rated),
                with_line: count(c.with_line),
                lines_in_use: count(c.lines_in_use),
                digital_reached: count(c.digital_reached),
            });
        }
    }
    tx.put_grid_coverage(&rows)?;
    Ok(rows.len())
}

impl Institution {
    /// Coverage now of every unit at `level` (`cell`, `outlet`, `branch`)
    /// within the actor's part of the tree.
    pub fn coverage(&self, actor: Actor, level: &str) -> Result<CoverageReport, AppError> {
        let level = parse_level(level)?;
        self.read(|r| {
            let staff = authorize(r, actor, Permission::ClientRead)?;
            let as_of = business_date(r)?;
            let (records, ratings_available, lines_available) = records(r, as_of)?;
            let mut units = Vec::new();
            for (unit, c) in coverage_by(&records, level) {
                if visible(r, &staff, level, unit)? {
                    units.push(CoverageUnit {
                        unit_id: unit,
                        name: unit_name(r, level, unit),
                        figures: c.into(),
                    });
                }
            }
            Ok(CoverageReport {
                level: level_name(level).to_string(),
                as_of,
                units,
                ratings_available,
                lines_available,
            })
        })
    }

    /// The stored snapshots of one unit, oldest first, with the change
    /// between consecutive snapshots.
    pub fn coverage_trend(
        &self,
        actor: Actor,
        level: &str,
        unit_id: i64,
    ) -> Result<Vec<CoveragePoint>, AppError> {
        let level = parse_level(level)?;
        self.read(|r| {
            let staff = authorize(r, actor, Permission::ClientRead)?;
            staff.require_node(r, unit_node(r, level, unit_id)?)?;
            let rows = r.grid_coverage_series(level_name(level), unit_id, TREND_POINTS_MAX)?;
            let mut points: Vec<CoveragePoint> = Vec::with_capacity(rows.len());
            for row in rows {
                let count = |n: i64| u64::try_from(n).unwrap_or(0);
                let figures = CoverageFigures {
                    households: count(row.households),
                    files_complete: count(row.files_complete),
                    rated: count(row.rated),
                    with_line: count(row.with_line),
                    lines_in_use: count(row.lines_in_use),
                    digital_reached: count(row.digital_reached),
                };
                let change = points
                    .last()
                    .map(|p| figures.core().change_since(&p.figures.core()))
                    .unwrap_or_default();
                points.push(CoveragePoint {
                    taken_on: row.taken_on,
                    figures,
                    change,
                });
            }
            Ok(points)
        })
    }

    /// Takes today's coverage snapshot of every unit (also done by the end
    /// of day). Returns the number of units stored.
    pub fn take_coverage_snapshot(&self, actor: Actor) -> Result<usize, AppError> {
        self.write(move |tx, _| {
            authorize(tx, actor, Permission::GridManage)?;
            let units = snapshot_coverage(tx)?;
            let date = business_date(tx)?;
            crate::audit::record(
                tx,
                actor,
                "grid.coverage.snapshot",
                "coverage",
                date,
                Some(format!("units={units}")),
                None,
            )?;
            Ok(units)
        })
    }
}
