//! The part-time grid workers' five duties (R-GRID-2) and the activities that
//! credit them: a check that an activity may be credited to its worker on its
//! date, and a tally per worker and period.
//!
//! The duties, from the documents: publicist (spreads the word about credit),
//! information collector (keeps files up to date), quasi-credit officer (helps
//! with the pre-loan investigation), supervisor (post-loan monitoring) and
//! collector. Each duty is carried out through a few kinds of activity.

use super::{CellId, GridHistory, HouseholdId, Period};
use crate::authz::UserId;
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// A duty of a part-time grid worker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Duty {
    Publicist,
    InformationCollector,
    QuasiCreditOfficer,
    Supervisor,
    Collector,
}

/// What a worker did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ActivityKind {
    Visit,
    FileUpdate,
    Referral,
    InvestigationAssistance,
    CollectionContact,
}

impl Duty {
    pub const ALL: [Duty; 5] = [
        Duty::Publicist,
        Duty::InformationCollector,
        Duty::QuasiCreditOfficer,
        Duty::Supervisor,
        Duty::Collector,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Duty::Publicist => "publicist",
            Duty::InformationCollector => "information_collector",
            Duty::QuasiCreditOfficer => "quasi_credit_officer",
            Duty::Supervisor => "supervisor",
            Duty::Collector => "collector",
        }
    }

    /// The translation key (`grid.duty.collector`).
    pub fn key(self) -> String {
        format!("grid.duty.{}", self.name())
    }

    /// The kinds of activity through which this duty is carried out. Every
    /// duty includes visits; each has its own characteristic activity.
    pub fn activity_kinds(self) -> &'static [ActivityKind] {
        match self {
            Duty::Publicist => &[ActivityKind::Visit, ActivityKind::Referral],
            Duty::InformationCollector => &[ActivityKind::Visit, ActivityKind::FileUpdate],
            Duty::QuasiCreditOfficer => &[ActivityKind::Visit, ActivityKind::InvestigationAssistance],
            Duty::Supervisor => &[ActivityKind::Visit, ActivityKind::FileUpdate],
            Duty::Collector => &[ActivityKind::Visit, ActivityKind::CollectionContact],
        }
    }
}

impl ActivityKind {
    pub const ALL: [ActivityKind; 5] = [
        ActivityKind::Visit,
        ActivityKind::FileUpdate,
        ActivityKind::Referral,
        ActivityKind::InvestigationAssistance,
        ActivityKind::CollectionContact,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ActivityKind::Visit => "visit",
            ActivityKind::FileUpdate => "file_update",
            ActivityKind::Referral => "referral",
            ActivityKind::InvestigationAssistance => "investigation_assistance",
            ActivityKind::CollectionContact => "collection_contact",
        }
    }

    /// The translation key (`grid.activity.visit`).
    pub fn key(self) -> String {
        format!("grid.activity.{}", self.name())
    }

    /// Whether the activity is about one household already in the grid (a
    /// referral may bring in someone not yet placed).
    pub fn needs_household(self) -> bool {
        matches!(
            self,
            ActivityKind::FileUpdate
                | ActivityKind::InvestigationAssistance
                | ActivityKind::CollectionContact
        )
    }
}

/// One recorded activity of a part-time grid worker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Activity {
    pub worker: UserId,
    pub cell: CellId,
    pub household: Option<HouseholdId>,
    pub date: NaiveDate,
    pub duty: Duty,
    pub kind: ActivityKind,
}

/// Why an activity cannot be credited.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DutyError {
    #[error("a {kind:?} is not part of the duty {duty:?}")]
    KindNotInDuty { duty: Duty, kind: ActivityKind },
    #[error("a {kind:?} must name the household it concerns")]
    HouseholdRequired { kind: ActivityKind },
    #[error("{cell} was not open on {date}")]
    CellNotOpen { cell: CellId, date: NaiveDate },
    #[error("user {worker} was not a part-time worker of {cell} on {date}")]
    NotPartTimeWorker {
        worker: UserId,
        cell: CellId,
        date: NaiveDate,
    },
    #[error("{household} did not lie in {cell} on {date}")]
    HouseholdNotInCell {
        household: HouseholdId,
        cell: CellId,
        date: NaiveDate,
    },
}

impl DutyError {
    /// The stable code (`grid-duty-kind-not-in-duty`).
    pub fn code(&self) -> &'static str {
        match self {
            DutyError::KindNotInDuty { .. } => "grid-duty-kind-not-in-duty",
            DutyError::HouseholdRequired { .. } => "grid-duty-household-required",
            DutyError::CellNotOpen { .. } => "grid-duty-cell-not-open",
            DutyError::NotPartTimeWorker { .. } => "grid-duty-not-part-time-worker",
            DutyError::HouseholdNotInCell { .. } => "grid-duty-household-not-in-cell",
        }
    }

    /// The translation key (`grid.refusal.grid-duty-not-part-time-worker`).
    pub fn key(&self) -> String {
        format!("grid.refusal.{}", self.code())
    }
}

/// Checks that `activity` may be credited to its worker: the kind belongs to
/// the duty, and on the activity's date the worker was a part-time worker of
/// the cell and the household (if any) lay in that cell.
pub fn check_activity(history: &GridHistory, activity: &Activity) -> Result<(), DutyError> {
    let Activity {
        worker,
        cell,
        household,
        date,
        duty,
        kind,
    } = *activity;
    if !duty.activity_kinds().contains(&kind) {
        return Err(DutyError::KindNotInDuty { duty, kind });
    }
    if kind.needs_household() && household.is_none() {
        return Err(DutyError::HouseholdRequired { kind });
    }
    let snapshot = history
        .cell_on(cell, date)
        .ok_or(DutyError::CellNotOpen { cell, date })?;
    if !snapshot.part_time.contains(&worker) {
        return Err(DutyError::NotPartTimeWorker { worker, cell, date });
    }
    if let Some(household) = household
        && history.cell_of_on(household, date) != Some(cell)
    {
        return Err(DutyError::HouseholdNotInCell {
            household,
            cell,
            date,
        });
    }
    Ok(())
}

/// What one worker was credited with in a period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkerTally {
    pub worker: UserId,
    pub by_duty: BTreeMap<Duty, u32>,
    pub by_kind: BTreeMap<ActivityKind, u32>,
    pub total: u32,
}

/// Counts the activities dated in `period`, per worker (in worker-id order).
/// Activities are expected to have passed [`check_activity`] when recorded.
pub fn tally(activities: &[Activity], period: Period) -> Vec<WorkerTally> {
    let mut tallies: BTreeMap<UserId, WorkerTally> = BTreeMap::new();
    for activity in activities.iter().filter(|a| period.contains(a.date)) {
        let entry = tallies.entry(activity.worker).or_insert_with(|| WorkerTally {
            worker: activity.worker,
            by_duty: BTreeMap::new(),
            by_kind: BTreeMap::new(),
            total: 0,
        });
        *entry.by_duty.entry(activity.duty).or_default() += 1;
        *entry.by_kind.entry(activity.kind).or_default() += 1;
        entry.total += 1;
    }
    let result: Vec<WorkerTally> = tallies.into_values().collect();
    debug_assert!(result.iter().all(|t| t.by_duty.values().sum::<u32>() == t.total));
    result
}
