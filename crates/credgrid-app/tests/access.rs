//! Who may do what, enforced by the use cases: a role without the
//! permission is refused naming it, a user sees and acts only within their
//! node of the organisation tree, and an unknown user is not signed in.

mod common;
use chrono::NaiveDate;
use common::*;
use credgrid_app::*;
use credgrid_core::{Currency, Money};

/// A database in its own scratch directory, removed when dropped.
fn temp_db(name: &str) -> ScratchDb {
    ScratchDb::new(&format!("access-{name}"), "test.db")
}

/// An institution with two branches of one outlet each, a disbursed loan in
/// each, the head-office staff, and an account manager and a teller at the
/// first branch.
struct Two {
    inst: Institution,
    outlets: [i64; 2],
    loans: [i64; 2],
    branch_teller: Actor,
    branch_manager_a: Actor,
    /// Last: removed after the institution closes.
    _db: ScratchDb,
}

fn two_branches(name: &str) -> Two {
    let db = temp_db(name);
    let inst = Institution::open(&db, NaiveDate::from_ymd_opt(2025, 3, 3).unwrap()).unwrap();
    hire(&inst);
    let spec = PortfolioSpec {
        loans: 4,
        seed: 7,
        outlets: 2,
    };
    inst.generate_portfolio(ADMIN, spec, &|_, _| {}).unwrap();
    let nodes = inst.list_nodes(ADMIN).unwrap();
    let outlets: Vec<&NodeView> = nodes.iter().filter(|n| n.kind == "outlet").collect();
    assert_eq!(outlets.len(), 2);
    let loans = inst
        .list_loans(
            AUDITOR,
            Some("disbursed"),
            PageRequest {
                after_id: 0,
                limit: 10,
            },
        )
        .unwrap()
        .items;
    let loan_at = |outlet: i64| loans.iter().find(|l| l.outlet_id == outlet).unwrap().id;
    let (oa, ob) = (outlets[0].id, outlets[1].id);
    let user = |name: &str, roles: &[&str], node: i64| {
        let p = inst
            .create_user(
                ADMIN,
                NewUser {
                    node_id: node,
                    username: name.into(),
                    display_name: name.into(),
                    roles: roles.iter().map(|r| r.to_string()).collect(),
                    password: "correct horse battery".into(),
                },
            )
            .unwrap();
        p.actor()
    };
    let branch_teller = user("teller.a", &["teller"], oa);
    let branch_manager_a = user("manager.a", &["branch_manager"], oa);
    Two {
        outlets: [oa, ob],
        loans: [loan_at(oa), loan_at(ob)],
        inst,
        branch_teller,
        branch_manager_a,
        _db: db,
    }
}

fn pay(major: i64) -> Repayment {
    Repayment {
        amount: Money::from_minor(major * 100, Currency::CNY),
        value_date: None,
        prepayment: None,
    }
}

fn forbidden(result: Result<impl std::fmt::Debug, AppError>) -> String {
    match result {
        Err(AppError::Forbidden { permission }) => permission,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_role_without_the_permission_is_refused_naming_it() {
    let w = two_branches("roles");
    let loan = w.loans[0];
    assert_eq!(
        forbidden(w.inst.write_off(TELLER, loan, "bad".into(), None)),
        "loan.write_off"
    );
    assert_eq!(
        forbidden(w.inst.repay(AUDITOR, loan, pay(10), None)),
        "repayment.post"
    );
    assert_eq!(forbidden(w.inst.run_eod(TELLER, None, &|_, _| {})), "eod.run");
    assert_eq!(
        forbidden(w.inst.create_node(TELLER, 1, "branch", "X", "X")),
        "org.write"
    );
    assert_eq!(
        forbidden(
            w.inst
                .trial_balance(TELLER, w.inst.business_date().unwrap(), None)
        ),
        "ledger.read"
    );
    // The auditor reads everything and changes nothing.
    assert!(w.inst.loan(AUDITOR, loan).is_ok());
    // The teller may post the repayment.
    assert!(w.inst.repay(TELLER, loan, pay(10), None).is_ok());
    // Nothing was half-written by the refusals.
    assert!(w.inst.check().unwrap().violations.is_empty());
}

#[test]
fn a_user_sees_and_acts_only_within_their_node() {
    let w = two_branches("scope");
    let (mine, theirs) = (w.loans[0], w.loans[1]);
    assert!(w.inst.loan(w.branch_teller, mine).is_ok());
    assert!(matches!(
        w.inst.loan(w.branch_teller, theirs),
        Err(AppError::NotFound { .. })
    ));
    assert!(matches!(
        w.inst.repay(w.branch_teller, theirs, pay(10), None),
        Err(AppError::NotFound { .. })
    ));
    assert!(w.inst.repay(w.branch_teller, mine, pay(10), None).is_ok());
    let page = PageRequest {
        after_id: 0,
        limit: 200,
    };
    let listed = w.inst.list_loans(w.branch_teller, None, page).unwrap().items;
    assert!(!listed.is_empty());
    assert!(
        listed.iter().all(|l| l.outlet_id == w.outlets[0]),
        "only the user's outlet"
    );
    let everything = w.inst.list_loans(AUDITOR, None, page).unwrap().items;
    assert!(everything.len() > listed.len());
    // Reports default to the user's own node and refuse another's.
    let date = w.inst.business_date().unwrap();
    let own = w.inst.portfolio(w.branch_manager_a, None).unwrap();
    assert!(own.lines.iter().all(|l| l.outlet_id == w.outlets[0]));
    assert_eq!(
        forbidden(w.inst.portfolio(w.branch_manager_a, Some(w.outlets[1]))),
        "scope"
    );
    assert_eq!(
        forbidden(w.inst.trial_balance(w.branch_manager_a, date, Some(1))),
        "scope"
    );
    assert_eq!(forbidden(w.inst.journal(w.branch_manager_a, 0, 10)), "scope");
}

#[test]
fn an_unknown_user_is_not_signed_in() {
    let w = two_branches("unknown");
    let ghost = Actor { user_id: 9_999 };
    assert!(matches!(
        w.inst.loan(ghost, w.loans[0]),
        Err(AppError::Unauthenticated { .. })
    ));
    assert!(matches!(
        w.inst.repay(ghost, w.loans[0], pay(1), None),
        Err(AppError::Unauthenticated { .. })
    ));
}
