//! Maker-checker for configuration (issue 4 §7): a change to products, tier
//! rules, limits, roles or the chart made by one user takes effect only when
//! a second authorised user approves it; the proposer never approves their
//! own; a rejection needs a reason; the history is kept and audited.

use chrono::NaiveDate;
use credgrid_app::*;
use credgrid_core::{Currency, Money};
use rust_decimal::Decimal;

mod common;
use common::ScratchDb;

const ADMIN: Actor = Actor { user_id: 1 };

/// A database in its own scratch directory, removed when dropped.
fn temp_db(name: &str) -> ScratchDb {
    ScratchDb::new(&format!("config-{name}"), "config.db")
}

fn open(path: &std::path::Path) -> Institution {
    Institution::open(path, NaiveDate::from_ymd_opt(2026, 1, 5).unwrap()).unwrap()
}

fn user(inst: &Institution, node_id: i64, username: &str, role: &str) -> Actor {
    let created = inst
        .create_user(
            ADMIN,
            NewUser {
                node_id,
                username: username.into(),
                display_name: username.into(),
                roles: vec![role.into()],
                password: "correct horse battery".into(),
            },
        )
        .unwrap();
    Actor {
        user_id: created.user_id,
    }
}

fn product(code: &str) -> NewProduct {
    let cny = |major: i64| Money::from_minor(major * 100, Currency::CNY);
    NewProduct {
        code: code.into(),
        name: format!("Farmer loan {code}"),
        currency: Currency::CNY,
        amount_min: cny(1_000),
        amount_max: cny(100_000),
        installments_min: 1,
        installments_max: 24,
        installments_default: 12,
        annual_rate_min: Decimal::new(4, 2),
        annual_rate_max: Decimal::new(24, 2),
        annual_rate_default: Decimal::new(12, 2),
        method: "annuity".into(),
        every: 1,
        unit: "months".into(),
        interest_period: "installment".into(),
        days_in_year: "365".into(),
        days_in_month: "actual".into(),
        rounding_mode: "half_even".into(),
        installment_multiple: None,
        grace_principal_periods: 0,
        grace_interest_periods: 0,
        penalty_uplift: Decimal::new(5, 1),
        compound_interest: false,
        allocation_order: vec![],
        disbursement_fee_flat: Money::zero(Currency::CNY),
        disbursement_fee_rate: Decimal::ZERO,
    }
}

fn refused_rule(error: AppError) -> &'static str {
    match error {
        AppError::Refused { rule, .. } => rule,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn audit_actions(path: &std::path::Path) -> Vec<(String, String, Option<String>)> {
    let store = credgrid_store::Store::open(path).unwrap();
    let records = store.read(|r| r.audit_records(0, 10_000)).unwrap();
    records
        .into_iter()
        .map(|(_, rec)| (rec.action, rec.actor, rec.reason))
        .collect()
}

#[test]
fn a_product_takes_effect_only_when_a_second_user_approves_it() {
    let path = temp_db("product");
    let inst = open(&path);
    let second = user(&inst, 1, "second.admin", "administrator");
    let teller = user(&inst, 1, "li.teller", "teller");
    let change = inst
        .propose_product(ADMIN, &product("FARM12"), Some("spring sowing"))
        .unwrap();
    assert_eq!(change.state, "pending");
    assert!(
        change.diff.iter().all(|l| l.op == '+'),
        "a new product is all additions"
    );
    assert!(change.payload.contains("code=FARM12"));
    let page = PageRequest::default();
    assert!(
        inst.list_products(ADMIN, page).unwrap().items.is_empty(),
        "not in force yet"
    );

    let own = inst.approve_config(ADMIN, change.id).unwrap_err();
    assert_eq!(refused_rule(own), "sod-maker-is-checker");
    let own_reject = inst
        .reject_config(ADMIN, change.id, "changed my mind")
        .unwrap_err();
    assert_eq!(refused_rule(own_reject), "sod-maker-is-checker");
    assert!(matches!(
        inst.approve_config(teller, change.id),
        Err(AppError::Forbidden { permission }) if permission == "config.approve"
    ));
    assert!(matches!(
        inst.propose_product(teller, &product("FARM24"), None),
        Err(AppError::Forbidden { permission }) if permission == "config.propose"
    ));

    let approved = inst.approve_config(second, change.id).unwrap();
    assert_eq!(approved.state, "approved");
    assert_eq!(approved.checker_id, Some(second.user_id));
    let product_id = approved.product_id().expect("the approval created the product");
    let in_force = inst.product(ADMIN, product_id).unwrap();
    let spec = NewProduct {
        allocation_order: vec![], // stored expanded to the default order
        ..in_force.spec
    };
    assert_eq!(
        spec,
        product("FARM12"),
        "the approved product is the proposed one"
    );
    assert!(matches!(
        inst.approve_config(second, change.id),
        Err(AppError::InvalidState { .. })
    ));

    let actions = audit_actions(&path);
    let names: Vec<&str> = actions.iter().map(|(a, _, _)| a.as_str()).collect();
    for expected in ["config.propose", "product.create", "config.approve"] {
        assert!(names.contains(&expected), "{expected} in {names:?}");
    }
    let approval = actions.iter().find(|(a, _, _)| a == "config.approve").unwrap();
    assert_eq!(approval.1, format!("user:{}", second.user_id));
    assert_eq!(inst.verify_audit().unwrap().first_break, None);
}

#[test]
fn a_rejection_needs_a_reason_and_the_history_keeps_it() {
    let db = temp_db("reject");
    let inst = open(&db);
    let second = user(&inst, 1, "second.admin", "administrator");
    let current = inst.config_in_force(ADMIN, "limits", Currency::CNY).unwrap();
    assert_eq!(current.version, None, "the defaults are in force");
    let proposed = current.payload.replace(
        "role=approver ceiling=100000.00",
        "role=approver ceiling=150000.00",
    );
    assert_ne!(proposed, current.payload);
    let change = inst.propose_config(ADMIN, "limits", &proposed, None).unwrap();
    let ops: Vec<(char, &str)> = change
        .diff
        .iter()
        .filter(|l| l.op != ' ')
        .map(|l| (l.op, l.text.as_str()))
        .collect();
    assert_eq!(
        ops,
        [
            ('-', "role=approver ceiling=100000.00"),
            ('+', "role=approver ceiling=150000.00")
        ]
    );
    assert!(matches!(
        inst.reject_config(second, change.id, "  "),
        Err(AppError::Invalid { field, .. }) if field == "reason"
    ));
    let rejected = inst
        .reject_config(second, change.id, "above the board's mandate")
        .unwrap();
    assert_eq!(rejected.state, "rejected");
    assert_eq!(
        rejected.decision_reason.as_deref(),
        Some("above the board's mandate")
    );
    assert_eq!(
        inst.config_in_force(ADMIN, "limits", Currency::CNY)
            .unwrap()
            .version,
        None,
        "a rejected change never takes effect"
    );
    let history = inst
        .config_changes(ADMIN, Some("rejected"), PageRequest::default())
        .unwrap();
    assert_eq!(history.items.len(), 1);
    assert!(
        inst.config_changes(ADMIN, Some("pending"), PageRequest::default())
            .unwrap()
            .items
            .is_empty()
    );
}

#[test]
fn approved_tier_rules_become_the_version_in_force() {
    let db = temp_db("tiers");
    let inst = open(&db);
    let second = user(&inst, 1, "second.admin", "administrator");
    let defaults = inst.config_in_force(ADMIN, "tier_rules", Currency::CNY).unwrap();
    let proposed = defaults
        .payload
        .replace("amount_max=10000.00 borrowers", "amount_max=8000.00 borrowers");
    assert_ne!(proposed, defaults.payload);
    let change = inst.propose_config(ADMIN, "tier_rules", &proposed, None).unwrap();
    assert!(matches!(
        inst.propose_config(ADMIN, "tier_rules", "currency=CNY digits=2\nrule=x tier=huge", None),
        Err(AppError::Invalid { field, reason }) if field == "payload" && reason.contains("line 2")
    ));
    inst.approve_config(second, change.id).unwrap();
    let in_force = inst.config_in_force(ADMIN, "tier_rules", Currency::CNY).unwrap();
    assert_eq!(in_force.version, Some(1));
    assert_eq!(in_force.payload, proposed);
}

#[test]
fn a_roles_change_moves_grants_and_users_and_guards_itself() {
    let db = temp_db("roles");
    let inst = open(&db);
    let second = user(&inst, 1, "second.admin", "administrator");
    let teller = user(&inst, 1, "li.teller", "teller");
    let grant = "role=teller permissions=client.read,loan.read,report.read,loan.disburse,config.propose";
    assert!(matches!(
        inst.propose_config(teller, "limits", "currency=CNY digits=2", None),
        Err(AppError::Forbidden { .. })
    ));
    let change = inst.propose_config(ADMIN, "roles", grant, None).unwrap();
    assert!(
        change.diff.iter().any(|l| l.op == '-'),
        "the teller's grants before the change"
    );
    inst.approve_config(second, change.id).unwrap();
    let by_teller = inst
        .propose_config(teller, "chart", "account=1399 kind=asset", None)
        .unwrap();
    assert_eq!(by_teller.state, "pending", "the teller now holds config.propose");

    let own = inst
        .propose_config(
            ADMIN,
            "roles",
            &format!("user={} roles=teller", second.user_id),
            None,
        )
        .unwrap();
    assert_eq!(
        refused_rule(inst.approve_config(second, own.id).unwrap_err()),
        "sod-own-roles"
    );
    let promote = format!("user={} roles=teller,collector", teller.user_id);
    let promote = inst.propose_config(ADMIN, "roles", &promote, None).unwrap();
    inst.approve_config(second, promote.id).unwrap();
    let users = inst.users(ADMIN).unwrap();
    let li = users.iter().find(|u| u.user_id == teller.user_id).unwrap();
    assert_eq!(li.roles.len(), 2, "{:?}", li.roles);

    let lockout = "role=administrator permissions=user.admin\nrole=branch_manager permissions=client.read";
    let lockout = inst.propose_config(ADMIN, "roles", lockout, None).unwrap();
    assert_eq!(
        refused_rule(inst.approve_config(second, lockout.id).unwrap_err()),
        "config-lockout"
    );
}

#[test]
fn an_approved_chart_change_adds_the_accounts() {
    let db = temp_db("chart");
    let inst = open(&db);
    let second = user(&inst, 1, "second.admin", "administrator");
    let change = inst
        .propose_config(ADMIN, "chart", "account=1399 kind=asset", None)
        .unwrap();
    assert!(!inst.accounts(ADMIN).unwrap().iter().any(|a| a.code == "1399"));
    let approved = inst.approve_config(second, change.id).unwrap();
    assert_eq!(approved.outcome.as_deref(), Some("accounts:1399"));
    assert!(inst.accounts(ADMIN).unwrap().iter().any(|a| a.code == "1399"));
}

#[test]
fn configuration_is_decided_at_the_root_only() {
    let db = temp_db("scope");
    let inst = open(&db);
    let branch = inst
        .create_node(ADMIN, 1, "branch", "B1", "Qingshan branch")
        .unwrap();
    let manager = user(&inst, branch.id, "branch.manager", "branch_manager");
    let change = inst.propose_product(ADMIN, &product("FARM12"), None).unwrap();
    assert!(matches!(
        inst.approve_config(manager, change.id),
        Err(AppError::Forbidden { permission }) if permission == "scope"
    ));
    let limits = inst
        .config_in_force(ADMIN, "limits", Currency::CNY)
        .unwrap()
        .payload;
    assert!(matches!(
        inst.propose_config(manager, "limits", &limits, None),
        Err(AppError::Forbidden { permission }) if permission == "scope"
    ));
    assert!(
        matches!(
            inst.propose_product(manager, &product("FARM24"), None),
            Err(AppError::Forbidden { permission }) if permission == "product.write"
        ),
        "a product proposal also needs product.write"
    );
    let head_office_manager = user(&inst, 1, "hq.manager", "branch_manager");
    let approved = inst.approve_config(head_office_manager, change.id).unwrap();
    assert_eq!(
        approved.state, "approved",
        "a branch manager at the root may check"
    );
}
