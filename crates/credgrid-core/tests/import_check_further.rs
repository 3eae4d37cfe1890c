//! `ImportReport::check_further`: the caller's own checks (ids that must
//! exist in its records) move a row to the rejects whole, keep the rejects in
//! row order, and in all-or-nothing mode leave nothing to import.

use credgrid_core::grid::CellId;
use credgrid_core::import::{ImportIssue, ImportMode, ImportReason, validate_cells};
use std::collections::BTreeSet;

fn sheet(rows: &[&str]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| r.split(',').map(str::to_string).collect())
        .collect()
}

fn rows() -> Vec<Vec<String>> {
    sheet(&[
        "cell_id,outlet_id,kind,name,full_time_worker,part_time_workers",
        "1,3,village_group,Dongcun,7,",
        "2,3,nowhere,Xicun,7,",
        "3,9,school,Pine school,7,",
    ])
}

fn unknown_outlet(row: usize, outlet: i64) -> Vec<ImportIssue> {
    if outlet == 9 {
        vec![ImportIssue {
            row,
            column: "outlet_id",
            reason: ImportReason::UnknownOutlet,
        }]
    } else {
        Vec::new()
    }
}

#[test]
fn a_row_failing_the_callers_check_is_rejected_whole_in_row_order() {
    let mut report = validate_cells(&rows(), &BTreeSet::<CellId>::new(), ImportMode::ValidOnly).unwrap();
    assert_eq!(report.rejected.len(), 1, "row 3: unknown kind");
    report.check_further(|row, spec| unknown_outlet(row, spec.outlet));
    let accepted: Vec<usize> = report.accepted.iter().map(|(row, _)| *row).collect();
    assert_eq!(accepted, [2]);
    let rejected: Vec<usize> = report.rejected.iter().map(|r| r.row).collect();
    assert_eq!(rejected, [3, 4]);
    assert_eq!(report.rejected[1].issues[0].reason, ImportReason::UnknownOutlet);
}

#[test]
fn in_all_or_nothing_mode_a_further_reject_leaves_nothing_to_import() {
    let one_good = sheet(&[
        "cell_id,outlet_id,kind,name,full_time_worker,part_time_workers",
        "1,3,village_group,Dongcun,7,",
        "3,9,school,Pine school,7,",
    ]);
    let mut report = validate_cells(&one_good, &BTreeSet::new(), ImportMode::AllOrNothing).unwrap();
    assert_eq!(report.accepted.len(), 2, "both rows pass the sheet's own checks");
    report.check_further(|row, spec| unknown_outlet(row, spec.outlet));
    assert!(report.accepted.is_empty());
    assert_eq!(report.rejected.len(), 1);
}
