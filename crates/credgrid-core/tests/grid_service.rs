//! The household information file's completeness (R-GRID-3), the part-time
//! grid workers' duties credited to them (R-GRID-2) and coverage figures with
//! their trend (R-GRID-4).

use chrono::NaiveDate;
use credgrid_core::grid::coverage::{Coverage, coverage_by, coverage_total, trend};
use credgrid_core::grid::duties::{check_activity, tally};
use credgrid_core::grid::household::{Asset, Debt, IncomeKind, IncomeSource, Member, Relation, VisitNote};
use credgrid_core::grid::{
    Activity, ActivityKind, CellId, CellKind, CellSpec, CompletenessRule, CoverageLevel, Duty, DutyError,
    FilePart, FinancialNeed, GridEvent, GridHistory, HouseholdCoverageRecord, HouseholdFile, HouseholdId,
    LineUse, Period,
};
use credgrid_core::money::{Currency, Money};

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, day).expect("valid date")
}

fn yuan(major: i64) -> Money {
    Money::from_minor(major * 100, Currency::CNY)
}

fn full_file() -> HouseholdFile {
    HouseholdFile {
        household: Some(HouseholdId(1)),
        identity_number: Some("11010519491231002X".into()),
        members: vec![Member {
            name: "Zhang San".into(),
            relation: Relation::Head,
            birth_year: Some(1975),
            works: true,
        }],
        land: Some(vec![]),
        livestock: Some(vec![]),
        income_sources: Some(vec![IncomeSource {
            kind: IncomeKind::Crops,
            annual: yuan(30_000),
            years: 8,
        }]),
        assets: Some(vec![Asset {
            description: "house".into(),
            value: yuan(200_000),
        }]),
        debts: Some(vec![Debt {
            creditor: "relative".into(),
            outstanding: yuan(50_000),
        }]),
        visits: vec![VisitNote {
            date: d(3, 1),
            by: 101,
            text: "first visit".into(),
        }],
        needs: Some([FinancialNeed::Credit, FinancialNeed::Insurance].into()),
    }
}

#[test]
fn a_full_file_is_complete_and_an_empty_file_misses_every_part() {
    let rule = CompletenessRule::default();
    let full = full_file().completeness(&rule);
    assert!(full.is_complete());
    assert_eq!(full.percent, 100);

    let empty = HouseholdFile::default().completeness(&rule);
    assert_eq!(empty.missing, FilePart::ALL.to_vec());
    assert_eq!(empty.percent, 0);
}

#[test]
fn completeness_names_the_missing_parts_and_rounds_the_percentage_down() {
    // (parts removed, expected missing, expected percent of 9 parts, floored)
    let table: [(&[FilePart], u32); 4] = [
        (&[FilePart::Visits], 88),                                       // 8/9 = 88.8…
        (&[FilePart::Land, FilePart::Needs], 77),                        // 7/9 = 77.7…
        (&[FilePart::Identity, FilePart::Members, FilePart::Debts], 66), // 6/9
        (&[], 100),
    ];
    for (removed, percent) in table {
        let mut file = full_file();
        for part in removed {
            match part {
                FilePart::Visits => file.visits.clear(),
                FilePart::Land => file.land = None,
                FilePart::Needs => file.needs = None,
                FilePart::Identity => file.identity_number = Some("  ".into()),
                FilePart::Members => file.members.clear(),
                FilePart::Debts => file.debts = None,
                _ => unreachable!("not in the table"),
            }
        }
        let result = file.completeness(&CompletenessRule::default());
        let mut expected = removed.to_vec();
        expected.sort();
        assert_eq!(result.missing, expected);
        assert_eq!(result.percent, percent, "{removed:?}");
    }
}

#[test]
fn a_configured_rule_only_counts_its_own_parts() {
    let rule = CompletenessRule::new(&[FilePart::Identity, FilePart::IncomeSources, FilePart::Identity]);
    assert_eq!(rule.required(), &[FilePart::Identity, FilePart::IncomeSources]);
    let file = HouseholdFile {
        identity_number: Some("X1".into()),
        ..HouseholdFile::default()
    };
    let result = file.completeness(&rule);
    assert_eq!(result.missing, vec![FilePart::IncomeSources]);
    assert_eq!(result.percent, 50);
    assert_eq!(
        HouseholdFile::default()
            .completeness(&CompletenessRule::new(&[]))
            .percent,
        100
    );
}

#[test]
fn asked_and_none_differs_from_not_asked() {
    let mut file = full_file();
    file.income_sources = Some(vec![]);
    assert!(
        !file.has(FilePart::IncomeSources),
        "a household lives on something: none is not an answer"
    );
    file.livestock = Some(vec![]);
    assert!(file.has(FilePart::Livestock), "no livestock is a valid answer");
}

#[test]
fn debt_to_assets_is_an_integer_percentage() {
    let file = full_file();
    assert_eq!(file.debt_to_assets_percent(Currency::CNY), Ok(Some(25)));
    let mut no_assets = full_file();
    no_assets.assets = Some(vec![]);
    assert_eq!(
        no_assets.debt_to_assets_percent(Currency::CNY),
        Ok(Some(u32::MAX))
    );
    let mut unknown = full_file();
    unknown.debts = None;
    assert_eq!(unknown.debt_to_assets_percent(Currency::CNY), Ok(None));
    let mut mixed = full_file();
    mixed.debts = Some(vec![Debt {
        creditor: "x".into(),
        outstanding: Money::from_minor(1, Currency::USD),
    }]);
    assert!(mixed.debt_to_assets_percent(Currency::CNY).is_err());
}

const HEAD: i64 = 201;

fn grid() -> GridHistory {
    let mut grid = GridHistory::new();
    let spec = CellSpec {
        id: CellId(1),
        outlet: 10,
        kind: CellKind::VillageGroup,
        name: "group 1".into(),
        full_time: Some(101),
        part_time: vec![HEAD],
    };
    grid.apply(d(1, 1), GridEvent::OpenCell(spec)).unwrap();
    grid.apply(
        d(1, 1),
        GridEvent::PlaceHousehold {
            household: HouseholdId(1),
            cell: CellId(1),
        },
    )
    .unwrap();
    grid.apply(
        d(6, 1),
        GridEvent::RemovePartTimeWorker {
            cell: CellId(1),
            worker: HEAD,
        },
    )
    .unwrap();
    grid
}

fn activity(date: NaiveDate, duty: Duty, kind: ActivityKind, household: Option<i64>) -> Activity {
    Activity {
        worker: HEAD,
        cell: CellId(1),
        household: household.map(HouseholdId),
        date,
        duty,
        kind,
    }
}

#[test]
fn an_activity_is_credited_only_within_its_duty_cell_and_dates() {
    let grid = grid();
    let table = [
        (
            activity(d(2, 1), Duty::Collector, ActivityKind::CollectionContact, Some(1)),
            Ok(()),
        ),
        (
            activity(d(2, 1), Duty::Publicist, ActivityKind::Referral, None),
            Ok(()),
        ),
        (
            activity(d(2, 1), Duty::Publicist, ActivityKind::CollectionContact, Some(1)),
            Err(DutyError::KindNotInDuty {
                duty: Duty::Publicist,
                kind: ActivityKind::CollectionContact,
            }),
        ),
        (
            activity(
                d(2, 1),
                Duty::InformationCollector,
                ActivityKind::FileUpdate,
                None,
            ),
            Err(DutyError::HouseholdRequired {
                kind: ActivityKind::FileUpdate,
            }),
        ),
        (
            activity(d(6, 1), Duty::Supervisor, ActivityKind::Visit, Some(1)),
            Err(DutyError::NotPartTimeWorker {
                worker: HEAD,
                cell: CellId(1),
                date: d(6, 1),
            }),
        ),
        (
            activity(
                d(2, 1),
                Duty::QuasiCreditOfficer,
                ActivityKind::InvestigationAssistance,
                Some(2),
            ),
            Err(DutyError::HouseholdNotInCell {
                household: HouseholdId(2),
                cell: CellId(1),
                date: d(2, 1),
            }),
        ),
        (
            activity(
                NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
                Duty::Supervisor,
                ActivityKind::Visit,
                None,
            ),
            Err(DutyError::CellNotOpen {
                cell: CellId(1),
                date: NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
            }),
        ),
    ];
    for (activity, expected) in table {
        assert_eq!(check_activity(&grid, &activity), expected, "{activity:?}");
    }
}

#[test]
fn the_tally_counts_each_worker_by_duty_and_kind_within_the_period() {
    let mut activities = vec![
        activity(d(2, 1), Duty::Collector, ActivityKind::CollectionContact, Some(1)),
        activity(d(2, 5), Duty::Collector, ActivityKind::Visit, Some(1)),
        activity(d(2, 28), Duty::Publicist, ActivityKind::Referral, None),
        activity(d(3, 1), Duty::Publicist, ActivityKind::Referral, None), // outside February
    ];
    let mut other = activity(d(2, 10), Duty::Supervisor, ActivityKind::Visit, Some(1));
    other.worker = 202;
    activities.push(other);
    let february = Period::new(d(2, 1), d(2, 28)).unwrap();
    let tallies = tally(&activities, february);
    assert_eq!(tallies.len(), 2);
    let head = &tallies[0];
    assert_eq!(head.worker, HEAD);
    assert_eq!(head.total, 3);
    assert_eq!(head.by_duty[&Duty::Collector], 2);
    assert_eq!(head.by_duty[&Duty::Publicist], 1);
    assert_eq!(head.by_kind[&ActivityKind::Visit], 1);
    assert_eq!(tallies[1].worker, 202);
    assert_eq!(tallies[1].total, 1);
}

fn record(
    id: i64,
    cell: i64,
    outlet: i64,
    complete: bool,
    rated: bool,
    line: LineUse,
    digital: bool,
) -> HouseholdCoverageRecord {
    HouseholdCoverageRecord {
        household: HouseholdId(id),
        cell: CellId(cell),
        outlet,
        branch: 1,
        file_complete: complete,
        rated,
        line,
        digital,
    }
}

#[test]
fn coverage_counts_per_cell_outlet_and_branch() {
    let records = [
        record(1, 1, 10, true, true, LineUse::InUse, true),
        record(2, 1, 10, true, true, LineUse::Granted, false),
        record(3, 1, 10, false, false, LineUse::NoLine, false),
        record(4, 2, 10, true, true, LineUse::NoLine, true),
        record(5, 3, 11, false, true, LineUse::InUse, false),
    ];
    let by_cell = coverage_by(&records, CoverageLevel::Cell);
    let cell1 = by_cell[&1];
    assert_eq!(
        cell1,
        Coverage {
            households: 3,
            files_complete: 2,
            rated: 2,
            with_line: 2,
            lines_in_use: 1,
            digital_reached: 1
        }
    );
    assert_eq!(cell1.share_bps(cell1.files_complete), 6_666, "2/3 rounded down");
    let by_outlet = coverage_by(&records, CoverageLevel::Outlet);
    assert_eq!(by_outlet[&10].households, 4);
    assert_eq!(by_outlet[&11].lines_in_use, 1);
    let branch = coverage_by(&records, CoverageLevel::Branch)[&1];
    assert_eq!(branch, coverage_total(&records));
    assert_eq!(Coverage::default().share_bps(0), 0);
}

#[test]
fn the_trend_is_in_period_order_with_changes_from_the_previous_period() {
    let q1 = Period::new(d(1, 1), d(3, 31)).unwrap();
    let q2 = Period::new(d(4, 1), d(6, 30)).unwrap();
    let end_q1 = [record(1, 1, 10, false, false, LineUse::NoLine, false)];
    let end_q2 = [
        record(1, 1, 10, true, true, LineUse::InUse, true),
        record(2, 1, 10, true, false, LineUse::NoLine, false),
        record(3, 2, 10, true, true, LineUse::InUse, true),
    ];
    let points = trend(&[(q2, &end_q2[..]), (q1, &end_q1[..])], CoverageLevel::Cell, 1);
    assert_eq!(points.len(), 2);
    assert_eq!(points[0].period, q1);
    assert_eq!(points[0].change.households, 0);
    assert_eq!(points[1].coverage.households, 2);
    assert_eq!(points[1].change.households, 1);
    assert_eq!(points[1].change.files_complete, 2);
    assert_eq!(points[1].change.lines_in_use, 1);
}
