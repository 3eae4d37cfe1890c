//! Grid cells and their history (R-GRID-1, R-GRID-4): who was responsible for
//! which cell, and which household lay in which cell, on every date.
//!
//! The history is an append-only list of dated events (open, place, move,
//! split, merge, change of workers, close). Each event takes effect on its
//! date, inclusive; several events may share a date and the later one wins
//! for that date. An event is checked completely before anything changes, so
//! a refused event leaves the history exactly as it was.

use super::{CellId, HouseholdId};
use crate::authz::{NodeId, UserId};
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What kind of area a cell covers (R-GRID-1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CellKind {
    VillageGroup,
    ResidentialBlock,
    CommercialStreet,
    School,
    Factory,
    Other,
}

impl CellKind {
    pub const ALL: [CellKind; 6] = [
        CellKind::VillageGroup,
        CellKind::ResidentialBlock,
        CellKind::CommercialStreet,
        CellKind::School,
        CellKind::Factory,
        CellKind::Other,
    ];

    /// The stable name (`village_group`, …), also the translation key suffix.
    pub fn name(self) -> &'static str {
        match self {
            CellKind::VillageGroup => "village_group",
            CellKind::ResidentialBlock => "residential_block",
            CellKind::CommercialStreet => "commercial_street",
            CellKind::School => "school",
            CellKind::Factory => "factory",
            CellKind::Other => "other",
        }
    }

    /// Parses a stable name.
    pub fn parse(name: &str) -> Option<CellKind> {
        CellKind::ALL.into_iter().find(|k| k.name() == name.trim())
    }

    /// The translation key (`grid.kind.village_group`).
    pub fn key(self) -> String {
        format!("grid.kind.{}", self.name())
    }
}

/// A cell as proposed by a person or an import: the full-time worker may be
/// missing here, and is refused when the cell is opened without one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CellSpec {
    pub id: CellId,
    pub outlet: NodeId,
    pub kind: CellKind,
    pub name: String,
    pub full_time: Option<UserId>,
    pub part_time: Vec<UserId>,
}

/// A cell as it stood on a date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CellSnapshot {
    pub outlet: NodeId,
    pub kind: CellKind,
    pub name: String,
    /// The full-time grid worker: the responsible account manager.
    pub full_time: UserId,
    pub part_time: BTreeSet<UserId>,
}

/// One change to the grid; it takes effect on the date it is applied with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GridEvent {
    OpenCell(CellSpec),
    /// A household enters the grid (first placement).
    PlaceHousehold {
        household: HouseholdId,
        cell: CellId,
    },
    /// Redrawing: a household moves to another open cell.
    MoveHousehold {
        household: HouseholdId,
        to: CellId,
    },
    /// A household leaves the grid (moved away, business closed).
    RemoveHousehold {
        household: HouseholdId,
    },
    /// A new cell is cut out of `from` and takes the listed households.
    SplitCell {
        from: CellId,
        new_cell: CellSpec,
        households: Vec<HouseholdId>,
    },
    /// All households of `absorbed` move into `into`; `absorbed` closes.
    MergeCells {
        absorbed: CellId,
        into: CellId,
    },
    ChangeFullTimeWorker {
        cell: CellId,
        worker: Option<UserId>,
    },
    AddPartTimeWorker {
        cell: CellId,
        worker: UserId,
    },
    RemovePartTimeWorker {
        cell: CellId,
        worker: UserId,
    },
    /// Closes an empty cell.
    CloseCell {
        cell: CellId,
    },
}

/// Why a grid event was refused; listed in the order they are checked.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GridError {
    #[error("the event is dated {effective}, before the last recorded event of {last}")]
    DateBeforeLastEvent { last: NaiveDate, effective: NaiveDate },
    #[error("{cell} already exists")]
    CellAlreadyExists { cell: CellId },
    #[error("{cell} does not exist")]
    UnknownCell { cell: CellId },
    #[error("{cell} is closed")]
    CellClosed { cell: CellId },
    #[error("{cell} needs exactly one full-time grid worker")]
    CellWithoutFullTimeWorker { cell: CellId },
    #[error("user {worker} is the full-time worker of {cell} and cannot also be part-time there")]
    FullTimeWorkerAlsoPartTime { cell: CellId, worker: UserId },
    #[error("user {worker} is already a part-time worker of {cell}")]
    PartTimeWorkerAlreadyInCell { cell: CellId, worker: UserId },
    #[error("user {worker} is not a part-time worker of {cell}")]
    PartTimeWorkerNotInCell { cell: CellId, worker: UserId },
    #[error("{household} already lies in {cell}; a household lies in exactly one cell")]
    HouseholdInAnotherCell { household: HouseholdId, cell: CellId },
    #[error("{household} is not placed in any cell")]
    HouseholdNotPlaced { household: HouseholdId },
    #[error("{household} does not lie in {cell}")]
    HouseholdNotInCell { household: HouseholdId, cell: CellId },
    #[error("{household} already lies in {cell}")]
    MoveToSameCell { household: HouseholdId, cell: CellId },
    #[error("a split of {cell} must move at least one household")]
    EmptySplit { cell: CellId },
    #[error("{household} is listed twice in the split")]
    DuplicateHouseholdInSplit { household: HouseholdId },
    #[error("{cell} cannot be merged into itself")]
    MergeIntoItself { cell: CellId },
    /// A merge or a split across outlets (every customer belongs to one outlet).
    #[error("{absorbed} and {into} belong to different outlets")]
    DifferentOutlets { absorbed: CellId, into: CellId },
    #[error("{cell} still holds {households} households")]
    CellNotEmpty { cell: CellId, households: usize },
}

impl GridError {
    /// The stable code (`grid-cell-without-full-time-worker`).
    pub fn code(&self) -> &'static str {
        match self {
            GridError::DateBeforeLastEvent { .. } => "grid-date-before-last-event",
            GridError::CellAlreadyExists { .. } => "grid-cell-already-exists",
            GridError::UnknownCell { .. } => "grid-unknown-cell",
            GridError::CellClosed { .. } => "grid-cell-closed",
            GridError::CellWithoutFullTimeWorker { .. } => "grid-cell-without-full-time-worker",
            GridError::FullTimeWorkerAlsoPartTime { .. } => "grid-full-time-worker-also-part-time",
            GridError::PartTimeWorkerAlreadyInCell { .. } => "grid-part-time-worker-already-in-cell",
            GridError::PartTimeWorkerNotInCell { .. } => "grid-part-time-worker-not-in-cell",
            GridError::HouseholdInAnotherCell { .. } => "grid-household-in-another-cell",
            GridError::HouseholdNotPlaced { .. } => "grid-household-not-placed",
            GridError::HouseholdNotInCell { .. } => "grid-household-not-in-cell",
            GridError::MoveToSameCell { .. } => "grid-move-to-same-cell",
            GridError::EmptySplit { .. } => "grid-empty-split",
            GridError::DuplicateHouseholdInSplit { .. } => "grid-duplicate-household-in-split",
            GridError::MergeIntoItself { .. } => "grid-merge-into-itself",
            GridError::DifferentOutlets { .. } => "grid-different-outlets",
            GridError::CellNotEmpty { .. } => "grid-cell-not-empty",
        }
    }

    /// The translation key (`grid.refusal.grid-unknown-cell`).
    pub fn key(&self) -> String {
        format!("grid.refusal.{}", self.code())
    }
}

#[derive(Clone, Debug)]
struct CellState {
    snapshot: CellSnapshot,
    open: bool,
    households: BTreeSet<HouseholdId>,
}

/// A dated value list: the value holds from its date until the next entry.
type Spans<T> = Vec<(NaiveDate, Option<T>)>;

/// The grid over time: the current state plus, for every household and cell,
/// the dated values needed to answer "on date D" questions.
#[derive(Clone, Debug, Default)]
pub struct GridHistory {
    events: Vec<(NaiveDate, GridEvent)>,
    cells: BTreeMap<CellId, CellState>,
    household_cell: HashMap<HouseholdId, CellId>,
    household_spans: HashMap<HouseholdId, Spans<CellId>>,
    cell_spans: HashMap<CellId, Spans<CellSnapshot>>,
}

impl GridHistory {
    pub fn new() -> GridHistory {
        GridHistory::default()
    }

    /// Applies `event` effective on `effective`, or refuses it and changes nothing.
    pub fn apply(&mut self, effective: NaiveDate, event: GridEvent) -> Result<(), GridError> {
        if let Some((last, _)) = self.events.last()
            && effective < *last
        {
            return Err(GridError::DateBeforeLastEvent {
                last: *last,
                effective,
            });
        }
        self.check(&event)?;
        self.execute(effective, &event);
        self.events.push((effective, event));
        Ok(())
    }

    /// Every accepted event with its effective date, in the order applied.
    pub fn events(&self) -> &[(NaiveDate, GridEvent)] {
        &self.events
    }

    /// The cell `household` lay in on `date`.
    pub fn cell_of_on(&self, household: HouseholdId, date: NaiveDate) -> Option<CellId> {
        value_on(self.household_spans.get(&household)?, date).copied()
    }

    /// The cell as it stood on `date` (`None` before it opened or after it closed).
    pub fn cell_on(&self, cell: CellId, date: NaiveDate) -> Option<&CellSnapshot> {
        value_on(self.cell_spans.get(&cell)?, date)
    }

    /// The account manager responsible for `household` on `date`: the
    /// full-time worker of the cell it lay in that day.
    pub fn responsible_on(&self, household: HouseholdId, date: NaiveDate) -> Option<UserId> {
        let cell = self.cell_of_on(household, date)?;
        self.cell_on(cell, date).map(|c| c.full_time)
    }

    /// The cell `household` lies in now (after the last event).
    pub fn current_cell(&self, household: HouseholdId) -> Option<CellId> {
        self.household_cell.get(&household).copied()
    }

    /// The cell as it stands now, if it is open.
    pub fn current_snapshot(&self, cell: CellId) -> Option<&CellSnapshot> {
        self.cells.get(&cell).filter(|c| c.open).map(|c| &c.snapshot)
    }

    /// The households in `cell` now, in id order.
    pub fn households_in(&self, cell: CellId) -> Vec<HouseholdId> {
        self.cells
            .get(&cell)
            .map(|c| c.households.iter().copied().collect())
            .unwrap_or_default()
    }

    /// The households that lay in `cell` on `date`, in id order.
    pub fn households_in_on(&self, cell: CellId, date: NaiveDate) -> Vec<HouseholdId> {
        let mut found: Vec<HouseholdId> = self
            .household_spans
            .iter()
            .filter(|(_, spans)| value_on(spans, date) == Some(&cell))
            .map(|(h, _)| *h)
            .collect();
        found.sort_unstable();
        found
    }

    /// The open cells now, in id order.
    pub fn open_cells(&self) -> Vec<CellId> {
        self.cells
            .iter()
            .filter(|(_, c)| c.open)
            .map(|(id, _)| *id)
            .collect()
    }

    fn open_cell(&self, cell: CellId) -> Result<&CellState, GridError> {
        let state = self.cells.get(&cell).ok_or(GridError::UnknownCell { cell })?;
        if !state.open {
            return Err(GridError::CellClosed { cell });
        }
        Ok(state)
    }

    fn placed_cell(&self, household: HouseholdId) -> Result<CellId, GridError> {
        self.current_cell(household)
            .ok_or(GridError::HouseholdNotPlaced { household })
    }

    fn check(&self, event: &GridEvent) -> Result<(), GridError> {
        match event {
            GridEvent::OpenCell(spec) => self.check_new_cell(spec),
            GridEvent::PlaceHousehold { household, cell } => {
                self.open_cell(*cell)?;
                match self.current_cell(*household) {
                    Some(now) => Err(GridError::HouseholdInAnotherCell {
                        household: *household,
                        cell: now,
                    }),
                    None => Ok(()),
                }
            }
            GridEvent::MoveHousehold { household, to } => {
                self.open_cell(*to)?;
                let now = self.placed_cell(*household)?;
                if now == *to {
                    return Err(GridError::MoveToSameCell {
                        household: *household,
                        cell: now,
                    });
                }
                Ok(())
            }
            GridEvent::RemoveHousehold { household } => self.placed_cell(*household).map(|_| ()),
            GridEvent::SplitCell {
                from,
                new_cell,
                households,
            } => self.check_split(*from, new_cell, households),
            GridEvent::MergeCells { absorbed, into } => self.check_merge(*absorbed, *into),
            GridEvent::CloseCell { cell } => {
                let state = self.open_cell(*cell)?;
                if !state.households.is_empty() {
                    let households = state.households.len();
                    return Err(GridError::CellNotEmpty {
                        cell: *cell,
                        households,
                    });
                }
                Ok(())
            }
            GridEvent::ChangeFullTimeWorker { .. }
            | GridEvent::AddPartTimeWorker { .. }
            | GridEvent::RemovePartTimeWorker { .. } => self.check_workers(event),
        }
    }

    fn check_workers(&self, event: &GridEvent) -> Result<(), GridError> {
        match *event {
            GridEvent::ChangeFullTimeWorker { cell, worker } => {
                let state = self.open_cell(cell)?;
                let worker = worker.ok_or(GridError::CellWithoutFullTimeWorker { cell })?;
                if state.snapshot.part_time.contains(&worker) {
                    return Err(GridError::FullTimeWorkerAlsoPartTime { cell, worker });
                }
            }
            GridEvent::AddPartTimeWorker { cell, worker } => {
                let state = self.open_cell(cell)?;
                if state.snapshot.full_time == worker {
                    return Err(GridError::FullTimeWorkerAlsoPartTime { cell, worker });
                }
                if state.snapshot.part_time.contains(&worker) {
                    return Err(GridError::PartTimeWorkerAlreadyInCell { cell, worker });
                }
            }
            GridEvent::RemovePartTimeWorker { cell, worker } => {
                let state = self.open_cell(cell)?;
                if !state.snapshot.part_time.contains(&worker) {
                    return Err(GridError::PartTimeWorkerNotInCell { cell, worker });
                }
            }
            _ => unreachable!("check_workers is called for worker events only"),
        }
        Ok(())
    }

    fn check_new_cell(&self, spec: &CellSpec) -> Result<(), GridError> {
        let cell = spec.id;
        if self.cells.contains_key(&cell) {
            return Err(GridError::CellAlreadyExists { cell });
        }
        let full_time = spec
            .full_time
            .ok_or(GridError::CellWithoutFullTimeWorker { cell })?;
        if spec.part_time.contains(&full_time) {
            return Err(GridError::FullTimeWorkerAlsoPartTime {
                cell,
                worker: full_time,
            });
        }
        let mut seen = BTreeSet::new();
        for worker in &spec.part_time {
            if !seen.insert(*worker) {
                return Err(GridError::PartTimeWorkerAlreadyInCell {
                    cell,
                    worker: *worker,
                });
            }
        }
        Ok(())
    }

    fn check_split(
        &self,
        from: CellId,
        new_cell: &CellSpec,
        households: &[HouseholdId],
    ) -> Result<(), GridError> {
        let source = self.open_cell(from)?;
        self.check_new_cell(new_cell)?;
        if new_cell.outlet != source.snapshot.outlet {
            return Err(GridError::DifferentOutlets {
                absorbed: from,
                into: new_cell.id,
            });
        }
        if households.is_empty() {
            return Err(GridError::EmptySplit { cell: from });
        }
        let mut seen = BTreeSet::new();
        for household in households {
            if !seen.insert(*household) {
                return Err(GridError::DuplicateHouseholdInSplit {
                    household: *household,
                });
            }
            if !source.households.contains(household) {
                return Err(GridError::HouseholdNotInCell {
                    household: *household,
                    cell: from,
                });
            }
        }
        Ok(())
    }

    fn check_merge(&self, absorbed: CellId, into: CellId) -> Result<(), GridError> {
        if absorbed == into {
            return Err(GridError::MergeIntoItself { cell: absorbed });
        }
        let a = self.open_cell(absorbed)?;
        let b = self.open_cell(into)?;
        if a.snapshot.outlet != b.snapshot.outlet {
            return Err(GridError::DifferentOutlets { absorbed, into });
        }
        Ok(())
    }

    /// Carries out a checked event; it cannot fail.
    fn execute(&mut self, date: NaiveDate, event: &GridEvent) {
        match event {
            GridEvent::OpenCell(spec) => self.insert_cell(date, spec),
            GridEvent::PlaceHousehold { household, cell } => self.put(date, *household, Some(*cell)),
            GridEvent::MoveHousehold { household, to } => self.put(date, *household, Some(*to)),
            GridEvent::RemoveHousehold { household } => self.put(date, *household, None),
            GridEvent::SplitCell {
                new_cell, households, ..
            } => {
                self.insert_cell(date, new_cell);
                for household in households {
                    self.put(date, *household, Some(new_cell.id));
                }
            }
            GridEvent::MergeCells { absorbed, into } => {
                for household in self.households_in(*absorbed) {
                    self.put(date, household, Some(*into));
                }
                self.close(date, *absorbed);
            }
            GridEvent::ChangeFullTimeWorker { cell, worker } => {
                let worker = worker.expect("checked: a full-time worker is present");
                self.update_snapshot(date, *cell, |s| s.full_time = worker);
            }
            GridEvent::AddPartTimeWorker { cell, worker } => {
                self.update_snapshot(date, *cell, |s| {
                    s.part_time.insert(*worker);
                });
            }
            GridEvent::RemovePartTimeWorker { cell, worker } => {
                self.update_snapshot(date, *cell, |s| {
                    s.part_time.remove(worker);
                });
            }
            GridEvent::CloseCell { cell } => self.close(date, *cell),
        }
    }

    fn insert_cell(&mut self, date: NaiveDate, spec: &CellSpec) {
        let snapshot = CellSnapshot {
            outlet: spec.outlet,
            kind: spec.kind,
            name: spec.name.clone(),
            full_time: spec.full_time.expect("checked: a full-time worker is present"),
            part_time: spec.part_time.iter().copied().collect(),
        };
        push_span(
            self.cell_spans.entry(spec.id).or_default(),
            date,
            Some(snapshot.clone()),
        );
        let state = CellState {
            snapshot,
            open: true,
            households: BTreeSet::new(),
        };
        self.cells.insert(spec.id, state);
    }

    fn update_snapshot(&mut self, date: NaiveDate, cell: CellId, change: impl FnOnce(&mut CellSnapshot)) {
        let state = self.cells.get_mut(&cell).expect("checked: the cell exists");
        change(&mut state.snapshot);
        let snapshot = state.snapshot.clone();
        push_span(self.cell_spans.entry(cell).or_default(), date, Some(snapshot));
    }

    fn close(&mut self, date: NaiveDate, cell: CellId) {
        let state = self.cells.get_mut(&cell).expect("checked: the cell exists");
        assert!(state.households.is_empty(), "a cell closes only when empty");
        state.open = false;
        push_span(self.cell_spans.entry(cell).or_default(), date, None);
    }

    /// Puts `household` in `cell` (or out of the grid), keeping the
    /// one-cell-per-household invariant in the current state.
    fn put(&mut self, date: NaiveDate, household: HouseholdId, cell: Option<CellId>) {
        if let Some(old) = self.household_cell.remove(&household)
            && let Some(state) = self.cells.get_mut(&old)
        {
            state.households.remove(&household);
        }
        if let Some(new) = cell {
            let state = self.cells.get_mut(&new).expect("checked: the cell exists");
            state.households.insert(household);
            self.household_cell.insert(household, new);
        }
        push_span(self.household_spans.entry(household).or_default(), date, cell);
    }
}

/// Records `value` from `date` on; a later event on the same date replaces
/// the earlier one for that date.
fn push_span<T>(spans: &mut Spans<T>, date: NaiveDate, value: Option<T>) {
    match spans.last_mut() {
        Some(last) if last.0 == date => last.1 = value,
        _ => {
            debug_assert!(
                spans.last().is_none_or(|last| last.0 < date),
                "spans are dated forward"
            );
            spans.push((date, value));
        }
    }
}

fn value_on<T>(spans: &Spans<T>, date: NaiveDate) -> Option<&T> {
    let after = spans.partition_point(|(from, _)| *from <= date);
    spans.get(after.checked_sub(1)?)?.1.as_ref()
}
