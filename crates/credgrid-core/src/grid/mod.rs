//! Grid service (R-GRID-1..4): cells and their workers with history, household
//! information files, the part-time grid workers' duties and coverage figures.
//!
//! "By area, to a person": every household lies in exactly one cell and every
//! cell has exactly one full-time grid worker (an account manager), so every
//! household has a responsible account manager on every date. Everything here
//! is pure: dates are passed in, nothing reads a clock or a database.

pub mod cells;
pub mod coverage;
pub mod duties;
pub mod household;

use chrono::NaiveDate;
use std::fmt;

pub use cells::{CellKind, CellSnapshot, CellSpec, GridError, GridEvent, GridHistory};
pub use coverage::{Coverage, CoverageLevel, HouseholdCoverageRecord, LineUse};
pub use duties::{Activity, ActivityKind, Duty, DutyError, WorkerTally};
pub use household::{Completeness, CompletenessRule, FilePart, FinancialNeed, HouseholdFile};

/// The id of a grid cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CellId(pub i64);

/// The id of a household or small business (a customer of the grid).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HouseholdId(pub i64);

impl fmt::Display for CellId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cell {}", self.0)
    }
}

impl fmt::Display for HouseholdId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "household {}", self.0)
    }
}

/// A closed range of dates, both ends included (a month, a quarter, a year).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Period {
    first: NaiveDate,
    last: NaiveDate,
}

impl Period {
    /// A period from `first` to `last` inclusive; `None` when `last < first`.
    pub fn new(first: NaiveDate, last: NaiveDate) -> Option<Period> {
        (first <= last).then_some(Period { first, last })
    }

    pub fn first(&self) -> NaiveDate {
        self.first
    }

    pub fn last(&self) -> NaiveDate {
        self.last
    }

    /// Whether `date` lies in the period (both ends included).
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.first <= date && date <= self.last
    }
}
