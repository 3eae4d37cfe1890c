//! Benchmark: validate a 100,000-household sheet (issue 6 asks for the whole
//! import of 100,000 households in under 10 s; this is the pure validation
//! part, the store's insert comes on top), place the accepted households in a
//! grid history, and answer `responsible_on` for each of them.
//!
//! Median of 5 runs, release profile. Run: `cargo bench -p credgrid-core --bench grid_import`.

use chrono::NaiveDate;
use credgrid_core::grid::{CellId, CellKind, CellSpec, GridEvent, GridHistory};
use credgrid_core::identity::validator_for;
use credgrid_core::import::{HOUSEHOLD_COLUMNS, ImportMode, validate_households};
use credgrid_core::money::Currency;
use std::collections::BTreeSet;
use std::hint::black_box;
use std::time::{Duration, Instant};

const HOUSEHOLDS: usize = 100_000;
const CELLS: i64 = 500;
const RUNS: usize = 5;

fn sheet() -> Vec<Vec<String>> {
    let mut sheet = vec![
        HOUSEHOLD_COLUMNS
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>(),
    ];
    for i in 1..=HOUSEHOLDS {
        let cell = (i as i64 % CELLS + 1).to_string();
        sheet.push(vec![
            i.to_string(),
            cell,
            format!("Head of household {i}"),
            String::new(),
            (i % 6 + 1).to_string(),
            format!("{}.{}", i % 20, i % 10),
            format!("{}.00", 10_000 + i % 50_000),
        ]);
    }
    sheet
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn main() {
    let sheet = sheet();
    let cells: BTreeSet<CellId> = (1..=CELLS).map(CellId).collect();
    let existing = BTreeSet::new();
    let day = NaiveDate::from_ymd_opt(2026, 1, 1).expect("valid date");
    let (mut validate, mut place, mut query) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let started = Instant::now();
        let report = validate_households(
            black_box(&sheet),
            &cells,
            &existing,
            Currency::CNY,
            validator_for("CN"),
            ImportMode::AllOrNothing,
        )
        .expect("valid header");
        validate.push(started.elapsed());
        assert_eq!(report.accepted.len(), HOUSEHOLDS);

        let started = Instant::now();
        let mut grid = GridHistory::new();
        for id in 1..=CELLS {
            let spec = CellSpec {
                id: CellId(id),
                outlet: 1,
                kind: CellKind::VillageGroup,
                name: format!("cell {id}"),
                full_time: Some(id % 40 + 1),
                part_time: vec![],
            };
            grid.apply(day, GridEvent::OpenCell(spec)).expect("new cell");
        }
        for (_, row) in &report.accepted {
            grid.apply(
                day,
                GridEvent::PlaceHousehold {
                    household: row.household,
                    cell: row.cell,
                },
            )
            .expect("placed");
        }
        place.push(started.elapsed());

        let started = Instant::now();
        let answered = report
            .accepted
            .iter()
            .filter(|(_, r)| grid.responsible_on(r.household, day).is_some())
            .count();
        query.push(started.elapsed());
        assert_eq!(black_box(answered), HOUSEHOLDS);
    }
    println!(
        "validate {HOUSEHOLDS} household rows: median {:?}",
        median(validate)
    );
    println!(
        "place {HOUSEHOLDS} households in {CELLS} cells: median {:?}",
        median(place)
    );
    println!(
        "responsible_on for {HOUSEHOLDS} households: median {:?}",
        median(query)
    );
}
