//! The grid service end to end (issue 6 items 1–4 and 8): cells redrawn with
//! history of who was responsible on which date, household files that say
//! what is missing, part-time workers' activities credited only within their
//! cell and dates, coverage counts and trends, and spreadsheet imports in
//! both modes.

use chrono::NaiveDate;
use credgrid_app::coverage::CoverageFigures;
use credgrid_app::grid::{CellChange, NewCell};
use credgrid_app::household::{
    FileUpdate, HoldingEntry, IncomeEntry, LandEntry, MemberEntry, NewActivity, NewHousehold,
};
use credgrid_app::import::HouseholdImportOptions;
use credgrid_app::*;
use credgrid_core::grid::Period;
use credgrid_core::import::ImportMode;
use credgrid_core::{Currency, Money};

mod common;
use common::ScratchDir;

const ADMIN: Actor = Actor { user_id: 1 };

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
}

struct Grid {
    inst: Institution,
    outlet: i64,
    other_outlet: i64,
    managers: [i64; 3],
    part_timer: i64,
    /// Last: removed after the institution closes.
    _dir: ScratchDir,
}

fn user(inst: &Institution, node: i64, name: &str, role: &str) -> i64 {
    let user = NewUser {
        node_id: node,
        username: name.into(),
        display_name: name.into(),
        roles: vec![role.into()],
        password: "correct horse battery".into(),
    };
    inst.create_user(ADMIN, user).unwrap().user_id
}

fn grid(name: &str) -> Grid {
    let dir = ScratchDir::new(&format!("grid-{name}"));
    let inst = Institution::open(&dir.join("grid.db"), day(31)).unwrap();
    let branch = inst
        .create_node(ADMIN, 1, "branch", "B1", "North branch")
        .unwrap()
        .id;
    let outlet = inst
        .create_node(ADMIN, branch, "outlet", "O1", "Willow outlet")
        .unwrap()
        .id;
    let other_outlet = inst
        .create_node(ADMIN, branch, "outlet", "O2", "Pine outlet")
        .unwrap()
        .id;
    let managers = [
        user(&inst, outlet, "am.one", "account_manager"),
        user(&inst, outlet, "am.two", "account_manager"),
        user(&inst, outlet, "am.three", "account_manager"),
    ];
    let part_timer = user(&inst, outlet, "gw.one", "grid_worker");
    Grid {
        inst,
        outlet,
        other_outlet,
        managers,
        part_timer,
        _dir: dir,
    }
}

impl Grid {
    /// An account manager of the outlet: household files are theirs to write.
    fn writer(&self) -> Actor {
        Actor {
            user_id: self.managers[0],
        }
    }
}

fn new_cell(outlet: i64, name: &str, manager: i64, part_time: Vec<i64>) -> NewCell {
    NewCell {
        outlet_id: outlet,
        kind: "village_group".into(),
        name: name.into(),
        full_time_worker_id: manager,
        part_time_worker_ids: part_time,
    }
}

fn household(g: &Grid, cell: i64, name: &str, on: NaiveDate) -> i64 {
    let new = NewHousehold {
        cell_id: cell,
        head_name: name.into(),
        identity_number: None,
        id_country: "CN".into(),
        member_count: 3,
        client_id: None,
        digital: false,
        placed_on: Some(on),
    };
    g.inst.create_household(g.writer(), new).unwrap().id
}

fn responsible(g: &Grid, household: i64, on: NaiveDate) -> (i64, i64) {
    let r = g.inst.responsible_on(ADMIN, household, on).unwrap().unwrap();
    (r.cell_id, r.account_manager_id)
}

fn refusal(e: AppError) -> &'static str {
    e.code()
}

#[test]
fn redrawing_keeps_who_was_responsible_on_each_date() {
    let g = grid("redraw");
    let [am1, am2, am3] = g.managers;
    let a = g
        .inst
        .open_cell(ADMIN, new_cell(g.outlet, "Group 1", am1, vec![]), Some(day(1)))
        .unwrap();
    let h1 = household(&g, a.id, "Wang Wei", day(1));
    let h2 = household(&g, a.id, "Zhang Min", day(1));
    let change = CellChange::ChangeFullTimeWorker { user_id: am2 };
    g.inst.change_cell(ADMIN, a.id, change, Some(day(10))).unwrap();
    let b = g
        .inst
        .split_cell(
            ADMIN,
            a.id,
            new_cell(g.outlet, "Group 1 east", am3, vec![]),
            vec![h2],
            Some(day(15)),
        )
        .unwrap();
    assert_eq!(b.households, 1);
    g.inst
        .move_household(ADMIN, h1, Some(b.id), Some(day(20)))
        .unwrap();
    let merged = g.inst.merge_cells(ADMIN, b.id, a.id, Some(day(25))).unwrap();
    assert_eq!(merged.households, 2, "the merge moved both households back");

    assert_eq!(responsible(&g, h1, day(5)), (a.id, am1));
    assert_eq!(responsible(&g, h1, day(12)), (a.id, am2));
    assert_eq!(responsible(&g, h1, day(22)), (b.id, am3));
    assert_eq!(responsible(&g, h1, day(26)), (a.id, am2));
    assert_eq!(responsible(&g, h2, day(14)), (a.id, am2));
    assert_eq!(responsible(&g, h2, day(16)), (b.id, am3));
    assert!(
        g.inst
            .responsible_on(ADMIN, h1, NaiveDate::from_ymd_opt(2026, 2, 28).unwrap())
            .unwrap()
            .is_none()
    );

    let closed = g.inst.cell(ADMIN, b.id).unwrap();
    assert_eq!(closed.cell.closed_on, Some(day(25)));
    let span = &closed.workers[0];
    assert_eq!(
        (span.user_id, span.from_on, span.until_on),
        (am3, day(15), Some(day(25)))
    );
    let kinds: Vec<&str> = closed.events.iter().map(|e| e.kind.as_str()).collect();
    assert!(kinds.contains(&"merge") && kinds.contains(&"split"), "{kinds:?}");

    let late = g
        .inst
        .move_household(ADMIN, h1, Some(b.id), Some(day(30)))
        .unwrap_err();
    assert_eq!(refusal(late), "grid-cell-closed");
    let back_dated = CellChange::ChangeFullTimeWorker { user_id: am1 };
    let e = g
        .inst
        .change_cell(ADMIN, a.id, back_dated, Some(day(24)))
        .unwrap_err();
    assert_eq!(refusal(e), "grid-date-before-last-event");
    let e = g.inst.merge_cells(ADMIN, a.id, a.id, None).unwrap_err();
    assert_eq!(refusal(e), "grid-merge-into-itself");
    let e = g
        .inst
        .change_cell(ADMIN, a.id, CellChange::Close, None)
        .unwrap_err();
    assert_eq!(refusal(e), "grid-cell-not-empty");
}

#[test]
fn cells_need_an_account_manager_and_stay_within_the_users_outlet() {
    let g = grid("scope");
    let e = g
        .inst
        .open_cell(ADMIN, new_cell(g.outlet, "Group 2", g.part_timer, vec![]), None)
        .unwrap_err();
    assert!(
        matches!(e, AppError::Invalid { ref field, .. } if field == "full_time_worker_id"),
        "{e}"
    );
    let elsewhere = user(&g.inst, g.other_outlet, "bm.pine", "branch_manager");
    let e = g
        .inst
        .open_cell(
            Actor { user_id: elsewhere },
            new_cell(g.outlet, "Group 3", g.managers[0], vec![]),
            None,
        )
        .unwrap_err();
    assert!(
        matches!(e, AppError::Forbidden { ref permission } if permission == "scope"),
        "{e}"
    );
    let worker = Actor {
        user_id: g.part_timer,
    };
    let e = g
        .inst
        .open_cell(worker, new_cell(g.outlet, "Group 4", g.managers[0], vec![]), None)
        .unwrap_err();
    assert!(
        matches!(e, AppError::Forbidden { ref permission } if permission == "grid.manage"),
        "{e}"
    );
}

#[test]
fn an_activity_is_credited_only_where_and_when_the_worker_served() {
    let g = grid("duties");
    let cell = g
        .inst
        .open_cell(
            ADMIN,
            new_cell(g.outlet, "Group 5", g.managers[0], vec![g.part_timer]),
            Some(day(1)),
        )
        .unwrap();
    let h = household(&g, cell.id, "Li Hua", day(1));
    let remove = CellChange::RemovePartTimeWorker {
        user_id: g.part_timer,
    };
    g.inst.change_cell(ADMIN, cell.id, remove, Some(day(10))).unwrap();
    let activity = |duty: &str, kind: &str, on: NaiveDate, household: Option<i64>| NewActivity {
        worker_id: g.part_timer,
        cell_id: cell.id,
        household_id: household,
        done_on: Some(on),
        duty: duty.into(),
        kind: kind.into(),
        note: String::new(),
    };
    g.inst
        .record_activity(
            g.writer(),
            activity("collector", "collection_contact", day(5), Some(h)),
        )
        .unwrap();
    g.inst
        .record_activity(g.writer(), activity("publicist", "referral", day(6), None))
        .unwrap();
    let e = g
        .inst
        .record_activity(
            g.writer(),
            activity("collector", "collection_contact", day(12), Some(h)),
        )
        .unwrap_err();
    assert_eq!(e.code(), "grid-duty-not-part-time-worker");
    let e = g
        .inst
        .record_activity(
            g.writer(),
            activity("publicist", "collection_contact", day(5), Some(h)),
        )
        .unwrap_err();
    assert_eq!(e.code(), "grid-duty-kind-not-in-duty");
    let e = g
        .inst
        .record_activity(
            g.writer(),
            activity("collector", "collection_contact", day(5), None),
        )
        .unwrap_err();
    assert_eq!(e.code(), "grid-duty-household-required");

    let march = Period::new(day(1), day(31)).unwrap();
    let tallies = g.inst.worker_tallies(ADMIN, Some(cell.id), march).unwrap();
    assert_eq!(tallies.len(), 1);
    assert_eq!(tallies[0].worker_id, g.part_timer);
    assert_eq!(tallies[0].total, 2);
    assert!(tallies[0].by_duty.contains(&("collector".to_string(), 1)));
}

fn complete_the_file(g: &Grid, h: i64) {
    let cny = |major: &str| Money::parse_major(major, Currency::CNY).unwrap();
    let parts = vec![
        FileUpdate::Identity {
            head_name: "Wang Wei".into(),
            identity_number: Some("11010519491231002X".into()),
            id_country: "CN".into(),
            member_count: 2,
            digital: true,
            client_id: None,
        },
        FileUpdate::Members(vec![MemberEntry {
            name: "Wang Wei".into(),
            relation: "head".into(),
            birth_year: Some(1975),
            works: true,
        }]),
        FileUpdate::Land(vec![LandEntry {
            kind: "farmland".into(),
            area_centimu: 850,
            contracted: true,
        }]),
        FileUpdate::Livestock(vec![]),
        FileUpdate::IncomeSources(vec![IncomeEntry {
            kind: "crops".into(),
            annual: cny("36000.00"),
            years: 12,
        }]),
        FileUpdate::Assets(vec![HoldingEntry {
            description: "Tractor".into(),
            amount: cny("18000.00"),
        }]),
        FileUpdate::Debts(vec![]),
        FileUpdate::Needs(vec!["credit".into(), "insurance".into()]),
    ];
    for part in parts {
        g.inst.update_household_file(g.writer(), h, part).unwrap();
    }
    g.inst
        .add_visit_note(g.writer(), h, None, "Spring visit: wheat planted")
        .unwrap();
}

#[test]
fn a_household_file_says_what_is_missing_until_complete() {
    let g = grid("file");
    let cell = g
        .inst
        .open_cell(ADMIN, new_cell(g.outlet, "Group 6", g.managers[0], vec![]), None)
        .unwrap();
    let h = household(&g, cell.id, "Wang Wei", day(31));
    let file = g.inst.household_file(ADMIN, h).unwrap();
    assert!(!file.complete);
    assert_eq!(
        file.missing,
        [
            "identity",
            "land",
            "livestock",
            "income_sources",
            "assets",
            "debts",
            "visits",
            "needs"
        ]
    );
    complete_the_file(&g, h);
    let file = g.inst.household_file(ADMIN, h).unwrap();
    assert!(file.complete, "missing {:?}", file.missing);
    assert_eq!(file.percent, 100);
    assert_eq!(file.livestock, Some(vec![]), "asked; none kept");
    assert_eq!(file.responsible.unwrap().account_manager_id, g.managers[0]);
    let e = g
        .inst
        .update_household_file(g.writer(), h, FileUpdate::Needs(vec!["lottery".into()]))
        .unwrap_err();
    assert!(
        matches!(e, AppError::Invalid { ref field, .. } if field == "needs"),
        "{e}"
    );
}

#[test]
fn coverage_counts_households_files_and_digital_reach_with_a_trend() {
    let g = grid("coverage");
    let a = g
        .inst
        .open_cell(ADMIN, new_cell(g.outlet, "Group 7", g.managers[0], vec![]), None)
        .unwrap();
    let b = g
        .inst
        .open_cell(ADMIN, new_cell(g.outlet, "Group 8", g.managers[1], vec![]), None)
        .unwrap();
    let h1 = household(&g, a.id, "Wang Wei", day(31));
    household(&g, a.id, "Zhang Min", day(31));
    household(&g, b.id, "Li Hua", day(31));
    g.inst.take_coverage_snapshot(ADMIN).unwrap();
    complete_the_file(&g, h1);
    let cells = g.inst.coverage(ADMIN, "cell").unwrap();
    let of = |id: i64| cells.units.iter().find(|u| u.unit_id == id).unwrap().figures;
    assert_eq!(
        of(a.id),
        CoverageFigures {
            households: 2,
            files_complete: 1,
            digital_reached: 1,
            ..CoverageFigures::default()
        }
    );
    assert_eq!(of(b.id).households, 1);
    assert_eq!(of(a.id).share_bps(of(a.id).files_complete), 5_000);
    let outlets = g.inst.coverage(ADMIN, "outlet").unwrap();
    assert_eq!(outlets.units.len(), 1);
    assert_eq!(outlets.units[0].figures.households, 3);
    assert_eq!(outlets.units[0].figures.files_complete, 1);

    g.inst.take_coverage_snapshot(ADMIN).unwrap();
    let trend = g.inst.coverage_trend(ADMIN, "cell", a.id).unwrap();
    assert_eq!(
        trend.len(),
        1,
        "one snapshot per business date: a re-take replaces it"
    );
    assert_eq!(trend[0].figures.files_complete, 1);
    let e = g.inst.coverage(ADMIN, "village").unwrap_err();
    assert!(matches!(e, AppError::Invalid { ref field, .. } if field == "level"));
}

fn sheet(rows: &[&str]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| r.split(',').map(str::to_string).collect())
        .collect()
}

fn options(mode: ImportMode) -> HouseholdImportOptions {
    HouseholdImportOptions {
        mode,
        currency: Currency::CNY,
        id_country: "CN",
    }
}

#[test]
fn an_all_or_nothing_import_with_one_bad_row_writes_nothing() {
    let g = grid("import-all");
    let cell = g
        .inst
        .open_cell(ADMIN, new_cell(g.outlet, "Group 9", g.managers[0], vec![]), None)
        .unwrap();
    let c = cell.id;
    let rows = sheet(&[
        "household_id,cell_id,head_name,identity_number,members,land_mu,annual_income",
        &format!("501,{c},Wang Wei,,4,3.5,12000.00"),
        "502,999,Zhang Min,,3,,-5",
        &format!("503,{c},Li Hua,,2,1,"),
    ]);
    let outcome = g
        .inst
        .import_households(ADMIN, rows, options(ImportMode::AllOrNothing))
        .unwrap();
    assert!(outcome.refused_whole());
    assert_eq!((outcome.rows_total, outcome.imported), (3, 0));
    assert_eq!(outcome.rejected_rows, [3]);
    let reasons: Vec<(usize, &str, &str)> = outcome
        .issues
        .iter()
        .map(|i| (i.row, i.column.as_str(), i.reason.as_str()))
        .collect();
    assert_eq!(
        reasons,
        [(3, "cell_id", "unknown_cell"), (3, "annual_income", "negative")]
    );
    assert!(g.inst.household_file(ADMIN, 501).is_err(), "nothing was written");
}

#[test]
fn a_valid_rows_import_writes_every_good_row_whole_and_reports_the_rest() {
    let g = grid("import-valid");
    let cell = g
        .inst
        .open_cell(ADMIN, new_cell(g.outlet, "Group 10", g.managers[0], vec![]), None)
        .unwrap();
    let c = cell.id;
    let rows = sheet(&[
        "household_id,cell_id,head_name,identity_number,members,land_mu,annual_income",
        &format!("501,{c},Wang Wei,,4,3.5,12000.00"),
        &format!("502,{c},Zhang Min,not-an-id,3,,"),
        &format!("501,{c},Li Hua,,2,1,"),
    ]);
    let outcome = g
        .inst
        .import_households(ADMIN, rows.clone(), options(ImportMode::ValidOnly))
        .unwrap();
    assert_eq!(outcome.imported, 1);
    assert_eq!(outcome.rejected_rows, [3, 4]);
    assert_eq!(outcome.issues[1].detail, "first seen on row 2");
    let file = g.inst.household_file(ADMIN, 501).unwrap();
    assert_eq!(file.cell_id, Some(c));
    assert_eq!(file.member_count, 4);
    assert_eq!(file.land.as_ref().unwrap()[0].area_centimu, 350);
    assert_eq!(file.income_sources[0].annual.minor(), 1_200_000);
    assert!(file.missing.contains(&"visits".to_string()));
    assert!(
        g.inst.household_file(ADMIN, 502).is_err(),
        "a rejected row is not half-written"
    );
    let again = g
        .inst
        .import_households(ADMIN, rows, options(ImportMode::ValidOnly))
        .unwrap();
    assert_eq!(again.imported, 0);
    assert_eq!(again.issues[0].reason, "already_exists");
}

#[test]
fn a_cell_import_checks_outlets_and_workers_against_the_records() {
    let g = grid("import-cells");
    let [am1, ..] = g.managers;
    let rows = sheet(&[
        "cell_id,outlet_id,kind,name,full_time_worker,part_time_workers",
        &format!("70,{},village_group,Group 70,{am1},{}", g.outlet, g.part_timer),
        &format!("71,9999,school,School 71,{am1},"),
        &format!("72,{},factory,Factory 72,{},", g.outlet, g.part_timer),
    ]);
    let outcome = g.inst.import_cells(ADMIN, rows, ImportMode::ValidOnly).unwrap();
    assert_eq!(outcome.imported, 1);
    assert_eq!(outcome.rejected_rows, [3, 4]);
    let reasons: Vec<&str> = outcome.issues.iter().map(|i| i.reason.as_str()).collect();
    assert_eq!(reasons, ["unknown_outlet", "unknown_user"]);
    let cell = g.inst.cell(ADMIN, 70).unwrap();
    assert_eq!(cell.cell.part_time_worker_ids, [g.part_timer]);
}

#[test]
fn two_changes_on_the_same_date_leave_the_later_one() {
    // As the core's GridHistory: several events may share a date; the later wins for that date.
    let g = grid("same-date");
    let [am1, am2, am3] = g.managers;
    let cell = g
        .inst
        .open_cell(ADMIN, new_cell(g.outlet, "Group 11", am1, vec![]), Some(day(1)))
        .unwrap();
    let h = household(&g, cell.id, "Wang Wei", day(1));
    for manager in [am2, am3] {
        let change = CellChange::ChangeFullTimeWorker { user_id: manager };
        g.inst.change_cell(ADMIN, cell.id, change, Some(day(10))).unwrap();
    }
    assert_eq!(responsible(&g, h, day(9)), (cell.id, am1));
    assert_eq!(responsible(&g, h, day(10)), (cell.id, am3));
    let spans: Vec<(i64, NaiveDate, Option<NaiveDate>)> = g
        .inst
        .cell(ADMIN, cell.id)
        .unwrap()
        .workers
        .iter()
        .map(|w| (w.user_id, w.from_on, w.until_on))
        .collect();
    assert_eq!(spans, [(am1, day(1), Some(day(10))), (am3, day(10), None)]);
}
