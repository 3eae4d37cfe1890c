//! Coverage figures (R-GRID-4) per cell, outlet and branch: households, files
//! complete, households rated, households with a line, lines in use and
//! customers reached by a digital channel, plus their trend over periods.
//!
//! A pure aggregation: the caller hands in one record per household as of the
//! end of each period (the store builds them); nothing here looks anything up.

use super::{CellId, HouseholdId, Period};
use crate::authz::NodeId;
use std::collections::BTreeMap;

/// Whether a household has a credit line and uses it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LineUse {
    NoLine,
    /// A line is granted and nothing is drawn.
    Granted,
    /// A line is granted and some of it is drawn.
    InUse,
}

/// One household's facts as of a date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HouseholdCoverageRecord {
    pub household: HouseholdId,
    pub cell: CellId,
    pub outlet: NodeId,
    pub branch: NodeId,
    pub file_complete: bool,
    pub rated: bool,
    pub line: LineUse,
    /// Reached through mobile or online banking.
    pub digital: bool,
}

/// The level figures are grouped at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CoverageLevel {
    Cell,
    Outlet,
    Branch,
}

impl CoverageLevel {
    /// The id of the unit `record` belongs to at this level.
    pub fn unit_of(self, record: &HouseholdCoverageRecord) -> i64 {
        match self {
            CoverageLevel::Cell => record.cell.0,
            CoverageLevel::Outlet => record.outlet,
            CoverageLevel::Branch => record.branch,
        }
    }
}

/// The coverage counts of one unit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    pub households: u64,
    pub files_complete: u64,
    pub rated: u64,
    pub with_line: u64,
    pub lines_in_use: u64,
    pub digital_reached: u64,
}

impl Coverage {
    fn add(&mut self, record: &HouseholdCoverageRecord) {
        self.households += 1;
        self.files_complete += u64::from(record.file_complete);
        self.rated += u64::from(record.rated);
        self.with_line += u64::from(record.line != LineUse::NoLine);
        self.lines_in_use += u64::from(record.line == LineUse::InUse);
        self.digital_reached += u64::from(record.digital);
        debug_assert!(self.lines_in_use <= self.with_line && self.with_line <= self.households);
    }

    /// `part` as a share of the households in basis points (1/100 of a
    /// percent), rounded down; 0 when there are no households.
    pub fn share_bps(&self, part: u64) -> u32 {
        if self.households == 0 {
            return 0;
        }
        let bps = u128::from(part) * 10_000 / u128::from(self.households);
        u32::try_from(bps).unwrap_or(u32::MAX)
    }

    /// The change from `earlier` to `self`, per figure.
    pub fn change_since(&self, earlier: &Coverage) -> CoverageChange {
        let delta =
            |now: u64, then: u64| i64::try_from(i128::from(now) - i128::from(then)).unwrap_or(i64::MAX);
        CoverageChange {
            households: delta(self.households, earlier.households),
            files_complete: delta(self.files_complete, earlier.files_complete),
            rated: delta(self.rated, earlier.rated),
            with_line: delta(self.with_line, earlier.with_line),
            lines_in_use: delta(self.lines_in_use, earlier.lines_in_use),
            digital_reached: delta(self.digital_reached, earlier.digital_reached),
        }
    }
}

/// The signed change of every figure between two periods.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CoverageChange {
    pub households: i64,
    pub files_complete: i64,
    pub rated: i64,
    pub with_line: i64,
    pub lines_in_use: i64,
    pub digital_reached: i64,
}

/// The counts of every unit at `level`, keyed by unit id.
pub fn coverage_by(records: &[HouseholdCoverageRecord], level: CoverageLevel) -> BTreeMap<i64, Coverage> {
    let mut units: BTreeMap<i64, Coverage> = BTreeMap::new();
    for record in records {
        units.entry(level.unit_of(record)).or_default().add(record);
    }
    units
}

/// The counts over all records.
pub fn coverage_total(records: &[HouseholdCoverageRecord]) -> Coverage {
    let mut total = Coverage::default();
    for record in records {
        total.add(record);
    }
    total
}

/// One period of a trend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrendPoint {
    pub period: Period,
    pub coverage: Coverage,
    /// Change since the previous period (zero for the first).
    pub change: CoverageChange,
}

/// The coverage of one unit (`unit` at `level`) period by period, in period
/// order, from one set of records per period.
pub fn trend(
    snapshots: &[(Period, &[HouseholdCoverageRecord])],
    level: CoverageLevel,
    unit: i64,
) -> Vec<TrendPoint> {
    let mut ordered: Vec<&(Period, &[HouseholdCoverageRecord])> = snapshots.iter().collect();
    ordered.sort_by_key(|(period, _)| *period);
    let mut points: Vec<TrendPoint> = Vec::with_capacity(ordered.len());
    for (period, records) in ordered {
        let mut coverage = Coverage::default();
        for record in records.iter().filter(|r| level.unit_of(r) == unit) {
            coverage.add(record);
        }
        let change = points
            .last()
            .map(|p| coverage.change_since(&p.coverage))
            .unwrap_or_default();
        points.push(TrendPoint {
            period: *period,
            coverage,
            change,
        });
    }
    points
}
