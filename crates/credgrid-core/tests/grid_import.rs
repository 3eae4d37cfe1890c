//! Import validation of cells and households (issue 6, item 8): a report with
//! row, column and reason; all-or-nothing or valid-only; a row is accepted
//! whole or rejected whole, never half.

use credgrid_core::grid::{CellId, CellKind, HouseholdId};
use credgrid_core::i18n::{Locale, has_key};
use credgrid_core::identity::validator_for;
use credgrid_core::import::{
    CELL_COLUMNS, HOUSEHOLD_COLUMNS, ImportError, ImportIssue, ImportMode, ImportReason, validate_cells,
    validate_households,
};
use credgrid_core::money::{Currency, Money};
use std::collections::BTreeSet;

fn sheet(header: &[&str], rows: &[&[&str]]) -> Vec<Vec<String>> {
    let mut sheet = vec![header.iter().map(|s| s.to_string()).collect()];
    sheet.extend(rows.iter().map(|r| r.iter().map(|s| s.to_string()).collect()));
    sheet
}

fn issue(row: usize, column: &'static str, reason: ImportReason) -> ImportIssue {
    ImportIssue { row, column, reason }
}

fn cells_sheet() -> Vec<Vec<String>> {
    sheet(
        &CELL_COLUMNS,
        &[
            &["1", "10", "village_group", "East group", "101", "201;202"],
            &["2", "10", "orchard", "", "101", ""],
            &["3", "10", "school", "No. 3 school", "103", "103"],
            &["1", "10", "factory", "Brick works", "x", ""],
            &["4", "11", " factory ", "Brick works", "104", ""],
        ],
    )
}

#[test]
fn every_problem_of_a_cell_row_is_reported_with_row_column_and_reason() {
    let report = validate_cells(&cells_sheet(), &BTreeSet::new(), ImportMode::ValidOnly).unwrap();
    assert_eq!(report.rows_total, 5);
    let accepted: Vec<(usize, CellId)> = report.accepted.iter().map(|(row, c)| (*row, c.id)).collect();
    assert_eq!(accepted, vec![(2, CellId(1)), (6, CellId(4))]);
    assert_eq!(report.accepted[0].1.part_time, vec![201, 202]);
    assert_eq!(report.accepted[1].1.kind, CellKind::Factory);
    let issues: Vec<&ImportIssue> = report.issues().collect();
    let expected = [
        issue(3, "kind", ImportReason::UnknownCellKind),
        issue(3, "name", ImportReason::Missing),
        issue(4, "part_time_workers", ImportReason::FullTimeAlsoPartTime),
        issue(5, "cell_id", ImportReason::DuplicateId { first_row: 2 }),
        issue(5, "full_time_worker", ImportReason::NotAnInteger),
    ];
    assert_eq!(issues, expected.iter().collect::<Vec<_>>());
    for i in &expected {
        assert!(has_key(Locale::Zh, &i.reason.key()), "{}", i.reason.key());
    }
}

#[test]
fn all_or_nothing_imports_nothing_when_any_row_is_rejected() {
    let report = validate_cells(&cells_sheet(), &BTreeSet::new(), ImportMode::AllOrNothing).unwrap();
    assert!(!report.imports_anything());
    assert_eq!(report.rejected.len(), 3, "the rejects are still listed");

    let clean = sheet(&CELL_COLUMNS, &[&["1", "10", "village_group", "East", "101", ""]]);
    let report = validate_cells(&clean, &BTreeSet::new(), ImportMode::AllOrNothing).unwrap();
    assert_eq!(report.accepted.len(), 1);
    assert!(report.rejected.is_empty());
}

#[test]
fn a_cell_that_already_exists_is_refused() {
    let clean = sheet(&CELL_COLUMNS, &[&["1", "10", "village_group", "East", "101", ""]]);
    let report = validate_cells(&clean, &[CellId(1)].into(), ImportMode::ValidOnly).unwrap();
    assert_eq!(
        report.issues().next(),
        Some(&issue(2, "cell_id", ImportReason::AlreadyExists))
    );
}

#[test]
fn structural_problems_refuse_the_whole_sheet() {
    assert_eq!(
        validate_cells(&[], &BTreeSet::new(), ImportMode::ValidOnly),
        Err(ImportError::EmptySheet)
    );
    let missing = sheet(&CELL_COLUMNS[..5], &[]);
    assert_eq!(
        validate_cells(&missing, &BTreeSet::new(), ImportMode::ValidOnly),
        Err(ImportError::MissingColumn {
            column: "part_time_workers"
        })
    );
    let mut doubled: Vec<&str> = CELL_COLUMNS.to_vec();
    doubled.push("NAME");
    assert_eq!(
        validate_cells(&sheet(&doubled, &[]), &BTreeSet::new(), ImportMode::ValidOnly),
        Err(ImportError::DuplicateColumn { column: "name" })
    );
    assert!(has_key(Locale::Es, &ImportError::EmptySheet.key()));
}

#[test]
fn columns_may_come_in_any_order_and_short_rows_read_as_blank() {
    let header = [
        "name",
        "kind",
        "cell_id",
        "outlet_id",
        "part_time_workers",
        "full_time_worker",
        "remarks",
    ];
    let rows: &[&[&str]] = &[
        &["West", "school", "7", "10", "", "105", "ignored"],
        &["Short", "school", "8"],
    ];
    let report = validate_cells(&sheet(&header, rows), &BTreeSet::new(), ImportMode::ValidOnly).unwrap();
    assert_eq!(report.accepted.len(), 1);
    assert_eq!(report.accepted[0].1.full_time, Some(105));
    let short: Vec<&'static str> = report.issues().map(|i| i.column).collect();
    assert_eq!(short, vec!["outlet_id", "full_time_worker"]);
}

fn households_sheet() -> Vec<Vec<String>> {
    sheet(
        &HOUSEHOLD_COLUMNS,
        &[
            &[
                "1",
                "1",
                "Zhang San",
                "11010519491231002X",
                "4",
                "3.5",
                "30000.00",
            ],
            &["2", "9", "Li Si", "", "3", "", ""],
            &["3", "1", "Wang Wu", "110105194912310021", "0", "-2", "12.345"],
            &["4", "1", "Zhao Liu", "11010519491231002x", "2", "1", "8000"],
            &["1", "1", "Chen Qi", "", "2", "1.25", "5000"],
            &["5", "1", "", "", "two", "1.2.3", ""],
        ],
    )
}

#[test]
fn household_rows_are_checked_field_by_field() {
    let cells: BTreeSet<CellId> = [CellId(1)].into();
    let cn = validator_for("CN");
    let report = validate_households(
        &households_sheet(),
        &cells,
        &BTreeSet::new(),
        Currency::CNY,
        cn,
        ImportMode::ValidOnly,
    )
    .unwrap();
    assert_eq!(report.accepted.len(), 1);
    let (row, first) = &report.accepted[0];
    assert_eq!(*row, 2);
    assert_eq!(first.household, HouseholdId(1));
    assert_eq!(first.land_centimu, 350);
    assert_eq!(
        first.annual_income,
        Some(Money::from_minor(3_000_000, Currency::CNY))
    );
    assert_eq!(first.identity_number.as_deref(), Some("11010519491231002X"));

    let rejected_rows: Vec<usize> = report.rejected.iter().map(|r| r.row).collect();
    assert_eq!(rejected_rows, vec![3, 4, 5, 6, 7]);
    let reasons = |row: usize| -> Vec<(&'static str, String)> {
        report
            .issues()
            .filter(|i| i.row == row)
            .map(|i| (i.column, i.reason.code().to_string()))
            .collect()
    };
    assert_eq!(reasons(3), vec![("cell_id", "unknown_cell".into())]);
    assert_eq!(
        reasons(4),
        vec![
            ("identity_number", "invalid_identity".into()),
            ("members", "not_positive".into()),
            ("land_mu", "negative".into()),
            ("annual_income", "not_an_amount".into()),
        ]
    );
    // A lowercase check letter normalises to the same number as row 2.
    assert_eq!(reasons(5), vec![("identity_number", "duplicate_id".into())]);
    assert_eq!(reasons(6), vec![("household_id", "duplicate_id".into())]);
    assert_eq!(
        reasons(7),
        vec![
            ("head_name", "missing".into()),
            ("members", "not_an_integer".into()),
            ("land_mu", "not_an_amount".into())
        ]
    );
}

#[test]
fn a_rejected_row_does_not_claim_its_id_for_a_later_valid_row() {
    let rows: &[&[&str]] = &[
        &["1", "9", "Li", "", "3", "", ""],
        &["1", "1", "Li", "", "3", "", ""],
    ];
    let cells: BTreeSet<CellId> = [CellId(1)].into();
    let report = validate_households(
        &sheet(&HOUSEHOLD_COLUMNS, rows),
        &cells,
        &[HouseholdId(2)].into(),
        Currency::CNY,
        validator_for("MX"),
        ImportMode::ValidOnly,
    )
    .unwrap();
    assert_eq!(
        report.accepted.iter().map(|(row, _)| *row).collect::<Vec<_>>(),
        vec![3]
    );
}

#[test]
fn a_large_valid_sheet_is_accepted_whole_in_all_or_nothing_mode() {
    let rows: Vec<Vec<String>> = (1..=2_000)
        .map(|i| {
            let cell = (i % 20 + 1).to_string();
            [
                i.to_string(),
                cell,
                format!("Head {i}"),
                String::new(),
                "3".into(),
                "2.5".into(),
                "12000".into(),
            ]
            .to_vec()
        })
        .collect();
    let mut full = vec![
        HOUSEHOLD_COLUMNS
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>(),
    ];
    full.extend(rows);
    let cells: BTreeSet<CellId> = (1..=20).map(CellId).collect();
    let report = validate_households(
        &full,
        &cells,
        &BTreeSet::new(),
        Currency::CNY,
        validator_for("CN"),
        ImportMode::AllOrNothing,
    )
    .unwrap();
    assert_eq!(report.accepted.len(), 2_000);
    assert!(report.rejected.is_empty());
}

#[test]
fn a_rejected_cell_row_does_not_claim_its_id_either() {
    let rows: &[&[&str]] = &[
        &["1", "10", "orchard", "A", "101", ""],
        &["1", "10", "school", "B", "101", ""],
    ];
    let report = validate_cells(
        &sheet(&CELL_COLUMNS, rows),
        &BTreeSet::new(),
        ImportMode::ValidOnly,
    )
    .unwrap();
    assert_eq!(
        report.accepted.iter().map(|(row, _)| *row).collect::<Vec<_>>(),
        vec![3]
    );
    assert_eq!(
        report.rejected[0].issues,
        vec![issue(2, "kind", ImportReason::UnknownCellKind)]
    );
}
