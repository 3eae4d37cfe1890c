//! Benchmark: import of 100,000 households from a CSV and from an XLSX file
//! (read the sheet, validate every row, write every row in one transaction).
//! Target (issue 6): under 10 s. Run: `cargo bench -p credgrid-api --bench grid_import`.

use chrono::NaiveDate;
use credgrid_api::sheet::read_sheet;
use credgrid_app::grid::NewCell;
use credgrid_app::import::HouseholdImportOptions;
use credgrid_app::{Actor, Institution, NewUser};
use credgrid_core::Currency;
use credgrid_core::import::ImportMode;
use std::hint::black_box;
use std::time::Instant;

const HOUSEHOLDS: usize = 100_000;
const CELLS: usize = 200;
const ADMIN: Actor = Actor { user_id: 1 };

fn institution(tag: &str) -> (Institution, Vec<i64>) {
    let dir = std::env::temp_dir().join(format!("credgrid-bench-import-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let inst = Institution::open(
        &dir.join("bench.db"),
        NaiveDate::from_ymd_opt(2026, 3, 31).unwrap(),
    )
    .unwrap();
    let branch = inst.create_node(ADMIN, 1, "branch", "B1", "Branch").unwrap().id;
    let outlet = inst
        .create_node(ADMIN, branch, "outlet", "O1", "Outlet")
        .unwrap()
        .id;
    let manager = inst
        .create_user(
            ADMIN,
            NewUser {
                node_id: outlet,
                username: "am.bench".into(),
                display_name: "AM".into(),
                roles: vec!["account_manager".into()],
                password: "correct horse battery".into(),
            },
        )
        .unwrap()
        .user_id;
    let cells = (0..CELLS)
        .map(|i| {
            let new = NewCell {
                outlet_id: outlet,
                kind: "village_group".into(),
                name: format!("Group {i}"),
                full_time_worker_id: manager,
                part_time_worker_ids: vec![],
            };
            inst.open_cell(ADMIN, new, None).unwrap().id
        })
        .collect();
    (inst, cells)
}

fn rows(cells: &[i64]) -> Vec<[String; 7]> {
    (0..HOUSEHOLDS)
        .map(|i| {
            [
                (i + 1).to_string(),
                cells[i % cells.len()].to_string(),
                format!("Head {i}"),
                String::new(),
                (1 + i % 6).to_string(),
                format!("{}.{}", i % 20, i % 10),
                format!("{}.00", 8_000 + i % 40_000),
            ]
        })
        .collect()
}

const HEADER: [&str; 7] = [
    "household_id",
    "cell_id",
    "head_name",
    "identity_number",
    "members",
    "land_mu",
    "annual_income",
];

fn csv(rows: &[[String; 7]]) -> Vec<u8> {
    let mut out = HEADER.join(",");
    out.push('\n');
    for r in rows {
        out.push_str(&r.join(","));
        out.push('\n');
    }
    out.into_bytes()
}

fn xlsx(rows: &[[String; 7]]) -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (c, h) in HEADER.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            sheet.write_string(r as u32 + 1, c as u16, text).unwrap();
        }
    }
    workbook.save_to_buffer().unwrap()
}

fn run(tag: &str, make: fn(&[[String; 7]]) -> Vec<u8>) {
    let (inst, cells) = institution(tag);
    let bytes = make(&rows(&cells));
    let options = HouseholdImportOptions {
        mode: ImportMode::AllOrNothing,
        currency: Currency::CNY,
        id_country: "CN",
    };
    let start = Instant::now();
    let sheet = read_sheet(&bytes).unwrap();
    let read = start.elapsed();
    let outcome = inst.import_households(ADMIN, black_box(sheet), options).unwrap();
    let total = start.elapsed();
    assert_eq!(outcome.imported, HOUSEHOLDS);
    println!(
        "grid_import {tag}: {HOUSEHOLDS} households ({} bytes): read {:?}, validate+write {:?}, total {:?}",
        bytes.len(),
        read,
        total - read,
        total
    );
}

fn main() {
    run("csv", csv);
    run("xlsx", xlsx);
}
