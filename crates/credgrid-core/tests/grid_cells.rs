//! Grid cells with history (R-GRID-1, R-GRID-4): splitting, merging and
//! redrawing cells and changing their workers, then asking who was
//! responsible for a household on dates before and after each change.

use chrono::NaiveDate;
use credgrid_core::grid::{CellId, CellKind, CellSpec, GridError, GridEvent, GridHistory, HouseholdId};

const OUTLET: i64 = 10;
const WANG: i64 = 101; // full-time grid worker (account manager)
const LI: i64 = 102;
const ZHAO: i64 = 103;
const VILLAGE_HEAD: i64 = 201; // part-time grid worker

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, day).expect("valid date")
}

fn spec(id: i64, full_time: Option<i64>, part_time: &[i64]) -> CellSpec {
    CellSpec {
        id: CellId(id),
        outlet: OUTLET,
        kind: CellKind::VillageGroup,
        name: format!("group {id}"),
        full_time,
        part_time: part_time.to_vec(),
    }
}

fn h(id: i64) -> HouseholdId {
    HouseholdId(id)
}

/// Cell 1 (Wang) with households 1..=4 placed on 1 January.
fn village() -> GridHistory {
    let mut grid = GridHistory::new();
    grid.apply(d(1, 1), GridEvent::OpenCell(spec(1, Some(WANG), &[VILLAGE_HEAD])))
        .unwrap();
    for id in 1..=4 {
        grid.apply(
            d(1, 1),
            GridEvent::PlaceHousehold {
                household: h(id),
                cell: CellId(1),
            },
        )
        .unwrap();
    }
    grid
}

#[test]
fn split_moves_the_listed_households_and_keeps_who_was_responsible_before() {
    let mut grid = village();
    let split = GridEvent::SplitCell {
        from: CellId(1),
        new_cell: spec(2, Some(LI), &[]),
        households: vec![h(3), h(4)],
    };
    grid.apply(d(3, 1), split).unwrap();

    assert_eq!(
        grid.responsible_on(h(3), d(2, 28)),
        Some(WANG),
        "before the split"
    );
    assert_eq!(
        grid.responsible_on(h(3), d(3, 1)),
        Some(LI),
        "on the effective date"
    );
    assert_eq!(grid.cell_of_on(h(4), d(6, 1)), Some(CellId(2)));
    assert_eq!(
        grid.responsible_on(h(1), d(6, 1)),
        Some(WANG),
        "households not listed stay"
    );
    assert_eq!(grid.households_in(CellId(1)), vec![h(1), h(2)]);
    assert_eq!(
        grid.households_in_on(CellId(1), d(2, 1)),
        vec![h(1), h(2), h(3), h(4)]
    );
    assert_eq!(
        grid.cell_on(CellId(2), d(2, 28)),
        None,
        "the new cell did not exist yet"
    );
}

#[test]
fn merge_moves_every_household_and_closes_the_absorbed_cell() {
    let mut grid = village();
    grid.apply(d(2, 1), GridEvent::OpenCell(spec(2, Some(LI), &[])))
        .unwrap();
    grid.apply(
        d(2, 1),
        GridEvent::PlaceHousehold {
            household: h(9),
            cell: CellId(2),
        },
    )
    .unwrap();
    grid.apply(
        d(5, 1),
        GridEvent::MergeCells {
            absorbed: CellId(1),
            into: CellId(2),
        },
    )
    .unwrap();

    assert_eq!(grid.responsible_on(h(1), d(4, 30)), Some(WANG));
    assert_eq!(grid.responsible_on(h(1), d(5, 1)), Some(LI));
    assert_eq!(grid.households_in(CellId(2)), vec![h(1), h(2), h(3), h(4), h(9)]);
    assert_eq!(grid.cell_on(CellId(1), d(5, 1)), None, "closed on the merge date");
    assert!(grid.cell_on(CellId(1), d(4, 30)).is_some());
    assert_eq!(grid.open_cells(), vec![CellId(2)]);
}

#[test]
fn moving_a_household_and_changing_the_worker_are_both_dated() {
    let mut grid = village();
    grid.apply(d(2, 1), GridEvent::OpenCell(spec(2, Some(LI), &[])))
        .unwrap();
    grid.apply(
        d(3, 15),
        GridEvent::MoveHousehold {
            household: h(2),
            to: CellId(2),
        },
    )
    .unwrap();
    grid.apply(
        d(4, 1),
        GridEvent::ChangeFullTimeWorker {
            cell: CellId(2),
            worker: Some(ZHAO),
        },
    )
    .unwrap();

    // (date, expected account manager of household 2)
    let table = [
        (d(1, 1), Some(WANG)),
        (d(3, 14), Some(WANG)),
        (d(3, 15), Some(LI)),
        (d(3, 31), Some(LI)),
        (d(4, 1), Some(ZHAO)),
        (d(12, 31), Some(ZHAO)),
    ];
    for (date, expected) in table {
        assert_eq!(grid.responsible_on(h(2), date), expected, "on {date}");
    }
    assert_eq!(
        grid.responsible_on(h(2), d(1, 1).pred_opt().unwrap()),
        None,
        "before placement"
    );
}

#[test]
fn a_household_removed_from_the_grid_has_no_cell_afterwards() {
    let mut grid = village();
    grid.apply(d(7, 1), GridEvent::RemoveHousehold { household: h(1) })
        .unwrap();
    assert_eq!(grid.cell_of_on(h(1), d(6, 30)), Some(CellId(1)));
    assert_eq!(grid.cell_of_on(h(1), d(7, 1)), None);
    // It may come back later, into exactly one cell.
    grid.apply(
        d(8, 1),
        GridEvent::PlaceHousehold {
            household: h(1),
            cell: CellId(1),
        },
    )
    .unwrap();
    assert_eq!(grid.responsible_on(h(1), d(8, 1)), Some(WANG));
}

#[test]
fn the_later_of_two_events_on_one_date_wins_for_that_date() {
    let mut grid = village();
    grid.apply(d(2, 1), GridEvent::OpenCell(spec(2, Some(LI), &[])))
        .unwrap();
    grid.apply(d(2, 1), GridEvent::OpenCell(spec(3, Some(ZHAO), &[])))
        .unwrap();
    grid.apply(
        d(3, 1),
        GridEvent::MoveHousehold {
            household: h(1),
            to: CellId(2),
        },
    )
    .unwrap();
    grid.apply(
        d(3, 1),
        GridEvent::MoveHousehold {
            household: h(1),
            to: CellId(3),
        },
    )
    .unwrap();
    assert_eq!(grid.cell_of_on(h(1), d(3, 1)), Some(CellId(3)));
    assert_eq!(grid.cell_of_on(h(1), d(2, 28)), Some(CellId(1)));
}

#[test]
fn part_time_workers_are_tracked_over_time() {
    let mut grid = village();
    grid.apply(
        d(2, 1),
        GridEvent::AddPartTimeWorker {
            cell: CellId(1),
            worker: 202,
        },
    )
    .unwrap();
    grid.apply(
        d(3, 1),
        GridEvent::RemovePartTimeWorker {
            cell: CellId(1),
            worker: VILLAGE_HEAD,
        },
    )
    .unwrap();
    let on = |date| {
        grid.cell_on(CellId(1), date)
            .unwrap()
            .part_time
            .iter()
            .copied()
            .collect::<Vec<_>>()
    };
    assert_eq!(on(d(1, 15)), vec![VILLAGE_HEAD]);
    assert_eq!(on(d(2, 15)), vec![VILLAGE_HEAD, 202]);
    assert_eq!(on(d(3, 15)), vec![202]);
}

/// Every refusal, each from the same starting grid; a refused event changes nothing.
#[test]
fn refusals_are_precise_and_change_nothing() {
    let table: Vec<(NaiveDate, GridEvent, GridError)> = vec![
        (
            d(1, 1).pred_opt().unwrap(),
            GridEvent::CloseCell { cell: CellId(1) },
            GridError::DateBeforeLastEvent {
                last: d(1, 1),
                effective: d(1, 1).pred_opt().unwrap(),
            },
        ),
        (
            d(2, 1),
            GridEvent::OpenCell(spec(1, Some(LI), &[])),
            GridError::CellAlreadyExists { cell: CellId(1) },
        ),
        (
            d(2, 1),
            GridEvent::OpenCell(spec(2, None, &[])),
            GridError::CellWithoutFullTimeWorker { cell: CellId(2) },
        ),
        (
            d(2, 1),
            GridEvent::OpenCell(spec(2, Some(LI), &[LI])),
            GridError::FullTimeWorkerAlsoPartTime {
                cell: CellId(2),
                worker: LI,
            },
        ),
        (
            d(2, 1),
            GridEvent::ChangeFullTimeWorker {
                cell: CellId(1),
                worker: None,
            },
            GridError::CellWithoutFullTimeWorker { cell: CellId(1) },
        ),
        (
            d(2, 1),
            GridEvent::PlaceHousehold {
                household: h(1),
                cell: CellId(1),
            },
            GridError::HouseholdInAnotherCell {
                household: h(1),
                cell: CellId(1),
            },
        ),
        (
            d(2, 1),
            GridEvent::MoveHousehold {
                household: h(1),
                to: CellId(1),
            },
            GridError::MoveToSameCell {
                household: h(1),
                cell: CellId(1),
            },
        ),
        (
            d(2, 1),
            GridEvent::MoveHousehold {
                household: h(1),
                to: CellId(7),
            },
            GridError::UnknownCell { cell: CellId(7) },
        ),
        (
            d(2, 1),
            GridEvent::RemoveHousehold { household: h(99) },
            GridError::HouseholdNotPlaced { household: h(99) },
        ),
        (
            d(2, 1),
            GridEvent::SplitCell {
                from: CellId(1),
                new_cell: spec(2, Some(LI), &[]),
                households: vec![],
            },
            GridError::EmptySplit { cell: CellId(1) },
        ),
        (
            d(2, 1),
            GridEvent::SplitCell {
                from: CellId(1),
                new_cell: spec(2, Some(LI), &[]),
                households: vec![h(1), h(1)],
            },
            GridError::DuplicateHouseholdInSplit { household: h(1) },
        ),
        (
            d(2, 1),
            GridEvent::SplitCell {
                from: CellId(1),
                new_cell: spec(2, Some(LI), &[]),
                households: vec![h(1), h(50)],
            },
            GridError::HouseholdNotInCell {
                household: h(50),
                cell: CellId(1),
            },
        ),
        (
            d(2, 1),
            GridEvent::MergeCells {
                absorbed: CellId(1),
                into: CellId(1),
            },
            GridError::MergeIntoItself { cell: CellId(1) },
        ),
        (
            d(2, 1),
            GridEvent::CloseCell { cell: CellId(1) },
            GridError::CellNotEmpty {
                cell: CellId(1),
                households: 4,
            },
        ),
        (
            d(2, 1),
            GridEvent::AddPartTimeWorker {
                cell: CellId(1),
                worker: WANG,
            },
            GridError::FullTimeWorkerAlsoPartTime {
                cell: CellId(1),
                worker: WANG,
            },
        ),
        (
            d(2, 1),
            GridEvent::AddPartTimeWorker {
                cell: CellId(1),
                worker: VILLAGE_HEAD,
            },
            GridError::PartTimeWorkerAlreadyInCell {
                cell: CellId(1),
                worker: VILLAGE_HEAD,
            },
        ),
        (
            d(2, 1),
            GridEvent::RemovePartTimeWorker {
                cell: CellId(1),
                worker: 999,
            },
            GridError::PartTimeWorkerNotInCell {
                cell: CellId(1),
                worker: 999,
            },
        ),
    ];
    for (date, event, expected) in table {
        let mut grid = village();
        let before = grid.events().len();
        assert_eq!(
            grid.apply(date, event.clone()),
            Err(expected.clone()),
            "{event:?}"
        );
        assert_eq!(grid.events().len(), before);
        assert_eq!(grid.households_in(CellId(1)).len(), 4);
        assert!(expected.key().starts_with("grid.refusal.grid-"));
    }
}

#[test]
fn cells_of_different_outlets_cannot_merge_and_closed_cells_refuse_households() {
    let mut grid = village();
    let mut other = spec(2, Some(LI), &[]);
    other.outlet = OUTLET + 1;
    grid.apply(d(2, 1), GridEvent::OpenCell(other)).unwrap();
    assert_eq!(
        grid.apply(
            d(2, 2),
            GridEvent::MergeCells {
                absorbed: CellId(1),
                into: CellId(2)
            }
        ),
        Err(GridError::DifferentOutlets {
            absorbed: CellId(1),
            into: CellId(2)
        })
    );
    let mut elsewhere = spec(3, Some(LI), &[]);
    elsewhere.outlet = OUTLET + 1;
    let split = GridEvent::SplitCell {
        from: CellId(1),
        new_cell: elsewhere,
        households: vec![h(1)],
    };
    let refused = GridError::DifferentOutlets {
        absorbed: CellId(1),
        into: CellId(3),
    };
    assert_eq!(grid.apply(d(2, 2), split), Err(refused));
    grid.apply(d(2, 3), GridEvent::CloseCell { cell: CellId(2) })
        .unwrap();
    assert_eq!(
        grid.apply(
            d(2, 4),
            GridEvent::PlaceHousehold {
                household: h(8),
                cell: CellId(2)
            }
        ),
        Err(GridError::CellClosed { cell: CellId(2) })
    );
}

#[test]
fn every_placed_household_lies_in_exactly_one_open_cell_after_any_sequence() {
    let mut grid = village();
    grid.apply(d(2, 1), GridEvent::OpenCell(spec(2, Some(LI), &[])))
        .unwrap();
    grid.apply(
        d(3, 1),
        GridEvent::SplitCell {
            from: CellId(1),
            new_cell: spec(3, Some(ZHAO), &[]),
            households: vec![h(1)],
        },
    )
    .unwrap();
    grid.apply(
        d(4, 1),
        GridEvent::MoveHousehold {
            household: h(2),
            to: CellId(2),
        },
    )
    .unwrap();
    grid.apply(
        d(5, 1),
        GridEvent::MergeCells {
            absorbed: CellId(3),
            into: CellId(2),
        },
    )
    .unwrap();
    for id in 1..=4 {
        let holding: Vec<CellId> = grid
            .open_cells()
            .into_iter()
            .filter(|c| grid.households_in(*c).contains(&h(id)))
            .collect();
        assert_eq!(holding.len(), 1, "household {id} in {holding:?}");
        assert_eq!(grid.current_cell(h(id)), Some(holding[0]));
    }
}

mod model {
    //! An independent reference model (TigerBeetle's auditor idea): random
    //! event sequences are applied to the history and, when accepted, to a
    //! plain map per date; `cell_of_on` and `responsible_on` must agree with
    //! the model on every date.

    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    #[derive(Clone, Debug, Default)]
    struct Model {
        cells: BTreeMap<HouseholdId, CellId>,
        workers: BTreeMap<CellId, i64>,
    }

    impl Model {
        fn apply(&mut self, event: &GridEvent) {
            match event {
                GridEvent::OpenCell(spec) => {
                    self.workers.insert(spec.id, spec.full_time.unwrap());
                }
                GridEvent::PlaceHousehold { household, cell } => {
                    self.cells.insert(*household, *cell);
                }
                GridEvent::MoveHousehold { household, to } => {
                    self.cells.insert(*household, *to);
                }
                GridEvent::RemoveHousehold { household } => {
                    self.cells.remove(household);
                }
                GridEvent::SplitCell {
                    new_cell, households, ..
                } => {
                    self.workers.insert(new_cell.id, new_cell.full_time.unwrap());
                    for h in households {
                        self.cells.insert(*h, new_cell.id);
                    }
                }
                GridEvent::MergeCells { absorbed, into } => {
                    for cell in self.cells.values_mut().filter(|c| **c == *absorbed) {
                        *cell = *into;
                    }
                    self.workers.remove(absorbed);
                }
                GridEvent::ChangeFullTimeWorker { cell, worker } => {
                    self.workers.insert(*cell, worker.unwrap());
                }
                GridEvent::CloseCell { cell } => {
                    self.workers.remove(cell);
                }
                GridEvent::AddPartTimeWorker { .. } | GridEvent::RemovePartTimeWorker { .. } => {}
            }
        }
    }

    fn event() -> impl Strategy<Value = GridEvent> {
        let household = (1_i64..=8).prop_map(HouseholdId);
        let cell = (1_i64..=5).prop_map(CellId);
        let worker = prop::option::weighted(0.9, 100_i64..=103);
        prop_oneof![
            2 => (1_i64..=5, worker.clone()).prop_map(|(id, w)| GridEvent::OpenCell(spec(id, w, &[]))),
            4 => (household.clone(), cell.clone()).prop_map(|(household, cell)| GridEvent::PlaceHousehold { household, cell }),
            4 => (household.clone(), cell.clone()).prop_map(|(household, to)| GridEvent::MoveHousehold { household, to }),
            1 => household.clone().prop_map(|household| GridEvent::RemoveHousehold { household }),
            2 => (cell.clone(), 1_i64..=5, worker.clone(), prop::collection::vec(household, 0..4)).prop_map(
                |(from, id, w, households)| GridEvent::SplitCell { from, new_cell: spec(id, w, &[]), households }
            ),
            1 => (cell.clone(), cell.clone()).prop_map(|(absorbed, into)| GridEvent::MergeCells { absorbed, into }),
            2 => (cell.clone(), worker).prop_map(|(cell, worker)| GridEvent::ChangeFullTimeWorker { cell, worker }),
            1 => cell.prop_map(|cell| GridEvent::CloseCell { cell }),
        ]
    }

    proptest! {
        #[test]
        fn history_answers_agree_with_the_model_on_every_date(
            events in prop::collection::vec((event(), 0_u64..3), 1..60),
        ) {
            let start = d(1, 1);
            let mut grid = GridHistory::new();
            let mut model = Model::default();
            let mut snapshots: Vec<(NaiveDate, Model)> = Vec::new();
            let mut date = start;
            // A populated start so that most random events have something to act on.
            let mut opening = vec![GridEvent::OpenCell(spec(1, Some(100), &[])), GridEvent::OpenCell(spec(2, Some(101), &[]))];
            opening.extend((1..=6).map(|id| GridEvent::PlaceHousehold { household: h(id), cell: CellId(id % 2 + 1) }));
            for (event, step) in opening.into_iter().map(|e| (e, 0)).chain(events) {
                date = date.checked_add_days(chrono::Days::new(step)).unwrap();
                if grid.apply(date, event.clone()).is_ok() {
                    model.apply(&event);
                    if snapshots.last().is_some_and(|(d, _)| *d == date) {
                        snapshots.pop();
                    }
                    snapshots.push((date, model.clone()));
                }
            }
            let mut day = start.pred_opt().unwrap();
            while day <= date {
                let expected = snapshots.iter().rev().find(|(d, _)| *d <= day).map(|(_, m)| m);
                for id in 1..=8 {
                    let cell = expected.and_then(|m| m.cells.get(&h(id)).copied());
                    let responsible = cell.and_then(|c| expected.and_then(|m| m.workers.get(&c).copied()));
                    prop_assert_eq!(grid.cell_of_on(h(id), day), cell, "household {} on {}", id, day);
                    prop_assert_eq!(grid.responsible_on(h(id), day), responsible);
                    prop_assert_eq!(cell.is_some(), responsible.is_some(), "a placed household always has a manager");
                }
                day = day.succ_opt().unwrap();
            }
        }
    }
}
