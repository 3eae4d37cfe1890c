//! The portfolio history written by the end of day, the drill-down by
//! branch → outlet → account manager, and each role's home page, on a real
//! SQLite file: the snapshot of a date must equal the portfolio report of
//! that date, and a user sees only their part of the organisation.

use chrono::NaiveDate;
use credgrid_app::*;
use credgrid_core::{Currency, Money};
use std::collections::BTreeMap;

mod common;
use common::ScratchDb;

const ADMIN: Actor = Actor { user_id: 1 };
const ROOT: i64 = 1;

/// A database in its own scratch directory, removed when dropped.
fn temp_db(name: &str) -> ScratchDb {
    ScratchDb::new(&format!("history-{name}"), "test.db")
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn cny(major: i64) -> Money {
    Money::from_minor(major * 100, Currency::CNY)
}

/// A generated portfolio (a branch `GEN-BRANCH` with three outlets, loans
/// of the administrator, one in twenty long past due) next to an empty West
/// branch; a branch manager of GEN-BRANCH, an account manager at its first
/// outlet and one at West, a teller, a collector and an auditor.
struct World {
    inst: Institution,
    branch: i64,
    outlets: Vec<i64>,
    west: i64,
    w1: i64,
    users: BTreeMap<&'static str, Actor>,
    principal_minor: i64,
    /// Last: removed after the institution closes.
    _db: ScratchDb,
}

fn user(inst: &Institution, node_id: i64, username: &'static str, role: &str) -> Actor {
    let p = inst
        .create_user(
            ADMIN,
            NewUser {
                node_id,
                username: username.into(),
                display_name: format!("User {username}"),
                roles: vec![role.into()],
                password: format!("a long passphrase for {username}"),
            },
        )
        .unwrap();
    Actor { user_id: p.user_id }
}

fn world(name: &str) -> World {
    let db = temp_db(name);
    let inst = Institution::open(&db, date("2026-01-05")).unwrap();
    let spec = PortfolioSpec {
        loans: 120,
        seed: 11,
        outlets: 3,
    };
    let summary = inst.generate_portfolio(ADMIN, spec, &|_, _| {}).unwrap();
    let nodes = inst.list_nodes(ADMIN).unwrap();
    let branch = nodes.iter().find(|n| n.code == "GEN-BRANCH").unwrap().id;
    let outlets: Vec<i64> = nodes
        .iter()
        .filter(|n| n.parent_id == Some(branch))
        .map(|n| n.id)
        .collect();
    let west = inst
        .create_node(ADMIN, ROOT, "branch", "WEST", "West branch")
        .unwrap()
        .id;
    let w1 = inst
        .create_node(ADMIN, west, "outlet", "W1", "Heping")
        .unwrap()
        .id;
    let mut users = BTreeMap::new();
    users.insert("bm", user(&inst, branch, "bm", "branch_manager"));
    users.insert("am", user(&inst, outlets[0], "am", "account_manager"));
    users.insert("am_west", user(&inst, w1, "am_west", "account_manager"));
    users.insert("teller", user(&inst, ROOT, "teller", "teller"));
    users.insert("collector", user(&inst, ROOT, "collector", "collector"));
    users.insert("auditor", user(&inst, ROOT, "auditor", "auditor"));
    World {
        inst,
        branch,
        outlets,
        west,
        w1,
        users,
        principal_minor: summary.principal_minor,
        _db: db,
    }
}

impl World {
    fn actor(&self, name: &str) -> Actor {
        self.users[name]
    }

    fn close_day(&self) {
        self.inst.run_eod(ADMIN, None, &|_, _| {}).unwrap();
    }

    /// A loan of the portfolio that is not past due.
    fn current_loan(&self) -> i64 {
        let page = PageRequest::default();
        let loans = self.inst.list_loans(ADMIN, Some("disbursed"), page).unwrap();
        loans
            .items
            .iter()
            .find(|l| l.balances.days_past_due == 0)
            .unwrap()
            .id
    }

    fn repay(&self, loan: i64, major: i64) {
        let repayment = Repayment {
            amount: cny(major),
            value_date: None,
            prepayment: None,
        };
        self.inst
            .repay(self.actor("teller"), loan, repayment, None)
            .unwrap();
    }

    /// An application by the account manager for a new client at the first outlet.
    fn apply(&self) -> i64 {
        let am = self.actor("am");
        let client = self
            .inst
            .create_client(
                am,
                NewClient {
                    outlet_id: self.outlets[0],
                    kind: "household".into(),
                    name: "Wang Fang".into(),
                    id_country: "CN".into(),
                    id_number: "11010519491231002X".into(),
                    phone: None,
                    address: None,
                },
            )
            .unwrap();
        let products = self.inst.list_products(ADMIN, PageRequest::default()).unwrap();
        let app = LoanApplication {
            client_id: client.id,
            product_id: products.items[0].id,
            principal: cny(3_000),
            annual_rate: None,
            installments: None,
            first_repayment_date: None,
            account_manager_id: None,
            purpose: Some("seed and fertiliser".into()),
        };
        self.inst.apply(am, app).unwrap().id
    }
}

/// The report's lines summed per outlet: (loans, outstanding, overdue,
/// par30, par90, classes, provision) in minor units.
type OutletSums = BTreeMap<i64, (u64, i64, i64, i64, i64, [i64; 5], i64)>;

fn report_by_outlet(report: &PortfolioReport) -> OutletSums {
    let mut sums = OutletSums::new();
    for l in &report.lines {
        let s = sums.entry(l.outlet_id).or_default();
        s.0 += l.loans_active;
        s.1 += l.principal_outstanding.minor();
        s.2 += l.principal_overdue.minor();
        s.3 += l.par30.minor();
        s.4 += l.par90.minor();
        for i in 0..5 {
            s.5[i] += l.by_class[i].minor();
        }
        s.6 += l.provision.minor();
    }
    sums
}

fn drill_by_outlet(w: &World, branch: i64) -> OutletSums {
    let drill = w
        .inst
        .portfolio_drill(
            ADMIN,
            PortfolioScope {
                node_id: Some(branch),
                account_manager_id: None,
            },
        )
        .unwrap();
    let mut sums = OutletSums::new();
    for row in drill.rows {
        let DrillKey::Node(node) = row.key else {
            panic!("a branch drills down to outlets")
        };
        let f = row.figures;
        if f.loans_active == 0 {
            continue;
        }
        sums.insert(
            node.id,
            (
                f.loans_active,
                f.principal_outstanding.minor(),
                f.principal_overdue.minor(),
                f.par30.minor(),
                f.par90.minor(),
                f.by_class.map(|m| m.minor()),
                f.provision.minor(),
            ),
        );
    }
    sums
}

/// After every end of day, the snapshot of the date just closed equals the
/// portfolio report (the book as that end of day left it), per outlet, as
/// loans fall further past due, move between classes and are repaid.
#[test]
fn each_dates_snapshot_equals_the_portfolio_report_of_that_date() {
    let w = world("equals-report");
    let repaid = w.current_loan();
    for day in 0..45 {
        if day == 20 {
            w.repay(repaid, 2_000);
        }
        w.close_day();
        let report = w.inst.portfolio(ADMIN, None).unwrap();
        let mut expected = report_by_outlet(&report);
        expected.retain(|_, s| s.0 > 0);
        assert_eq!(
            drill_by_outlet(&w, w.branch),
            expected,
            "day {day} ({})",
            report.as_of
        );
    }
    let report = w.inst.portfolio(ADMIN, None).unwrap();
    assert!(
        report.lines.iter().any(|l| l.par30.minor() > 0),
        "the sample has loans past due"
    );
    assert!(
        report.lines.iter().any(|l| l.by_class[2].minor() > 0),
        "and loans classified substandard"
    );
}

/// The history has one point per closed date, and the flows of a date are
/// what was disbursed and collected on it.
#[test]
fn history_has_a_point_per_closed_date_with_that_days_flows() {
    let w = world("flows");
    let first = w.inst.business_date().unwrap();
    w.close_day();
    w.close_day();
    w.repay(w.current_loan(), 1_500);
    w.close_day();
    let last = first + chrono::Days::new(2);
    let history = w
        .inst
        .portfolio_history(ADMIN, PortfolioScope::default(), first, last)
        .unwrap();
    let dates: Vec<NaiveDate> = history.points.iter().map(|p| p.date).collect();
    assert_eq!(dates, vec![first, first + chrono::Days::new(1), last]);
    let flows: Vec<(i64, i64)> = history
        .points
        .iter()
        .map(|p| (p.figures.disbursed.minor(), p.figures.collected.minor()))
        .collect();
    // A generated loan is booked on the date it was disbursed.
    let mut disbursed_first = 0;
    let mut after_id = 0;
    loop {
        let page = w
            .inst
            .list_loans(ADMIN, Some("disbursed"), PageRequest { after_id, limit: 200 })
            .unwrap();
        for loan in &page.items {
            if loan.disbursed_on == Some(first) {
                disbursed_first += loan.principal.minor();
            }
        }
        match page.next_after_id {
            Some(next) => after_id = next,
            None => break,
        }
    }
    assert!(disbursed_first > 0 && disbursed_first < w.principal_minor);
    assert_eq!(
        flows,
        vec![(disbursed_first, 0), (0, 0), (0, 150_000)],
        "the loans disbursed on the first date are its flow"
    );
    let loans: Vec<u64> = history.points.iter().map(|p| p.figures.loans_active).collect();
    assert_eq!(loans, vec![120, 120, 120]);
    let by_class: u64 = history.points[2].figures.loans_by_class.iter().sum();
    assert_eq!(by_class, 120, "every active loan is in one class");
    let west = w
        .inst
        .portfolio_history(
            ADMIN,
            PortfolioScope {
                node_id: Some(w.west),
                account_manager_id: None,
            },
            first,
            last,
        )
        .unwrap();
    assert!(west.points.is_empty(), "the West branch has no loans");
    let refused = w
        .inst
        .portfolio_history(ADMIN, PortfolioScope::default(), last, first);
    assert!(matches!(refused, Err(AppError::Invalid { .. })), "{refused:?}");
}

/// Drill-down: the institution by branch, a branch by outlet, an outlet by
/// account manager; a branch manager sees their branch and nothing above.
#[test]
fn drill_down_goes_branch_outlet_manager_within_the_users_node() {
    let w = world("drill");
    w.close_day();
    let scope = |node_id| PortfolioScope {
        node_id,
        account_manager_id: None,
    };
    let top = w.inst.portfolio_drill(ADMIN, scope(None)).unwrap();
    assert_eq!(top.level, "branch");
    let names: Vec<String> = top
        .rows
        .iter()
        .map(|r| match &r.key {
            DrillKey::Node(n) => n.code.clone(),
            DrillKey::AccountManager { .. } => panic!("branches first"),
        })
        .collect();
    assert_eq!(names, vec!["GEN-BRANCH"], "a branch without loans has no row");
    let outstanding = top.totals[0].principal_outstanding.minor();
    assert!(outstanding > 0 && outstanding <= w.principal_minor);

    let branch = w.inst.portfolio_drill(ADMIN, scope(Some(w.branch))).unwrap();
    assert_eq!(branch.level, "outlet");
    assert_eq!(branch.rows.len(), 3);
    let sum: i64 = branch
        .rows
        .iter()
        .map(|r| r.figures.principal_outstanding.minor())
        .sum();
    assert_eq!(sum, outstanding, "the outlets add up to the branch");

    let outlet = w.inst.portfolio_drill(ADMIN, scope(Some(w.outlets[0]))).unwrap();
    assert_eq!(outlet.level, "account_manager");
    assert!(matches!(
        &outlet.rows[0].key,
        DrillKey::AccountManager { user_id: 1, name } if name == "Administrator"
    ));
    let path: Vec<i64> = outlet.path.iter().map(|n| n.id).collect();
    assert_eq!(path, vec![ROOT, w.branch, w.outlets[0]]);
    let manager = w
        .inst
        .portfolio_drill(
            ADMIN,
            PortfolioScope {
                node_id: Some(w.outlets[0]),
                account_manager_id: Some(w.actor("am").user_id),
            },
        )
        .unwrap();
    assert!(manager.rows.is_empty(), "the account manager has no loans yet");

    let bm = w.actor("bm");
    let own = w.inst.portfolio_drill(bm, scope(None)).unwrap();
    assert_eq!(own.node.id, w.branch);
    assert_eq!(own.path.len(), 1, "the way up stops at the user's own node");
    assert_eq!(own.totals, branch.totals);
    for node in [w.west, ROOT] {
        let refused = w.inst.portfolio_drill(bm, scope(Some(node)));
        assert!(matches!(refused, Err(AppError::Forbidden { .. })), "{refused:?}");
    }
    let first = w.inst.business_date().unwrap().pred_opt().unwrap();
    let refused = w.inst.portfolio_history(bm, scope(Some(w.w1)), first, first);
    assert!(matches!(refused, Err(AppError::Forbidden { .. })), "{refused:?}");
}

/// Each role's home lists its own work: the account manager the workflow
/// inbox, the teller the loans to pay out, the collector their collection
/// worklist, the branch manager the loans past due in the branch; the alerts name the end of day not run and the loans
/// 90+ days past due, within the user's node only.
#[test]
fn each_roles_home_lists_its_work_and_the_alerts() {
    let w = world("home");
    let applied = w.apply();
    w.close_day();
    let today = w.inst.business_date().unwrap();
    let ids = |list: &Option<Worklist>| -> Vec<i64> {
        let list = list.as_ref().expect("the role works on this list");
        list.items.iter().map(|l| l.id).collect()
    };

    let am = w.actor("am");
    let home = w.inst.home(am, today).unwrap();
    let inbox: Vec<i64> = w
        .inst
        .inbox(am, PageRequest::default())
        .unwrap()
        .items
        .iter()
        .filter(|i| !i.committee)
        .map(|i| i.loan_id)
        .collect();
    assert_eq!(ids(&home.applications), inbox, "the panel is the workflow inbox");
    assert_eq!(home.to_disburse, None, "an account manager does not pay out");
    assert_eq!(home.committee, None);
    assert_eq!(
        ids(&home.overdue),
        Vec::<i64>::new(),
        "the account manager's own loans"
    );

    let teller = w.inst.home(w.actor("teller"), today).unwrap();
    assert_eq!(teller.to_disburse.map(|l| l.total), Some(0));
    assert_eq!(teller.applications, None);

    let report = w.inst.portfolio(ADMIN, None).unwrap();
    let loans = w
        .inst
        .list_loans(
            ADMIN,
            Some("disbursed"),
            PageRequest {
                after_id: 0,
                limit: 200,
            },
        )
        .unwrap();
    let past_due: Vec<&LoanView> = loans
        .items
        .iter()
        .filter(|l| l.balances.days_past_due > 0)
        .collect();
    let past_90 = past_due.iter().filter(|l| l.balances.days_past_due >= 91).count() as u64;
    assert!(past_90 > 0 && report.lines.iter().any(|l| l.par90.minor() > 0));

    let tomorrow = today + chrono::Days::new(1);
    let collector_actor = w.actor("collector");
    let collector = w.inst.home(collector_actor, tomorrow).unwrap();
    let worklist: Vec<i64> = w
        .inst
        .worklist(collector_actor, None, 0, 10)
        .unwrap()
        .items
        .iter()
        .map(|i| i.loan_id)
        .collect();
    assert_eq!(
        ids(&collector.overdue),
        worklist,
        "a collector's list is their worklist"
    );
    let bm = w.inst.home(w.actor("bm"), today).unwrap();
    let overdue = bm.overdue.as_ref().unwrap();
    assert_eq!(
        overdue.total,
        past_due.len() as u64,
        "a branch manager follows the whole branch"
    );
    let days: Vec<u32> = overdue.items.iter().map(|l| l.days_past_due).collect();
    assert!(
        days.windows(2).all(|d| d[0] >= d[1]),
        "most overdue first: {days:?}"
    );
    assert_eq!(
        collector.alerts,
        vec![
            Alert::EodNotRun {
                business_date: today,
                today: tomorrow,
            },
            Alert::PastDue90 { loans: past_90 },
        ]
    );
    let west = w.inst.home(w.actor("am_west"), today).unwrap();
    assert!(
        west.alerts.is_empty(),
        "nothing is past due in the West branch: {:?}",
        west.alerts
    );
    let auditor = w.inst.home(w.actor("auditor"), today).unwrap();
    assert_eq!(
        (auditor.applications, auditor.overdue, auditor.to_disburse),
        (None, None, None),
        "an auditor works on no list"
    );
    assert!(applied > 0);
}
