//! The lending core end to end on a real SQLite file: a loan from
//! application to closing, the end of day, back-dated repayments, reversals,
//! write-off and recovery — with `check` proving the books after each step.

use chrono::NaiveDate;
use credgrid_app::*;
use credgrid_core::{Currency, Money};
use rust_decimal::Decimal;

mod common;
use common::*;

/// A database in its own scratch directory, removed when dropped.
fn temp_db(name: &str) -> ScratchDb {
    ScratchDb::new(&format!("app-{name}"), "test.db")
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn cny(major: i64) -> Money {
    Money::from_minor(major * 100, Currency::CNY)
}

fn product(method: &str) -> NewProduct {
    NewProduct {
        code: format!("P-{method}"),
        name: format!("Farmer {method}"),
        currency: Currency::CNY,
        amount_min: cny(1_000),
        amount_max: cny(100_000),
        installments_min: 1,
        installments_max: 24,
        installments_default: 12,
        annual_rate_min: Decimal::new(4, 2),
        annual_rate_max: Decimal::new(24, 2),
        annual_rate_default: Decimal::new(12, 2),
        method: method.into(),
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

struct World {
    inst: Institution,
    outlet: i64,
    product: i64,
    client: i64,
    /// Last: removed after the institution closes.
    _db: ScratchDb,
}

fn world(name: &str) -> World {
    let db = temp_db(name);
    let inst = Institution::open(&db, date("2024-01-10")).unwrap();
    hire(&inst);
    let branch = inst
        .create_node(ADMIN, 1, "branch", "B1", "Qingshan branch")
        .unwrap();
    let outlet = inst
        .create_node(ADMIN, branch.id, "outlet", "O1", "Liujia village outlet")
        .unwrap();
    let change = inst.propose_product(ADMIN, &product("annuity"), None).unwrap();
    let approved = inst.approve_config(BRANCH_MANAGER, change.id).unwrap();
    let product = inst.product(ADMIN, approved.product_id().unwrap()).unwrap();
    let client = inst
        .create_client(
            ACCOUNT_MANAGER,
            NewClient {
                outlet_id: outlet.id,
                kind: "household".into(),
                name: "Wang Fang".into(),
                id_country: "CN".into(),
                id_number: "11010519491231002X".into(),
                phone: Some("13800000000".into()),
                address: None,
            },
        )
        .unwrap();
    World {
        inst,
        outlet: outlet.id,
        product: product.id,
        client: client.id,
        _db: db,
    }
}

fn assert_books(inst: &Institution) {
    let report = inst.check().unwrap();
    assert!(report.violations.is_empty(), "{:#?}", report.violations);
}

fn disbursed_loan(w: &World, principal: i64) -> LoanView {
    let app = LoanApplication {
        client_id: w.client,
        product_id: w.product,
        principal: cny(principal),
        annual_rate: None,
        installments: None,
        first_repayment_date: None,
        account_manager_id: None,
        purpose: Some("seed and fertiliser".into()),
    };
    let loan = w.inst.apply(ACCOUNT_MANAGER, app).unwrap();
    assert_eq!(loan.status, "application");
    // Every step of the origination workflow, each by a different person (common/mod.rs).
    walk_workflow(&w.inst, loan.id);
    let loan = w.inst.disburse(TELLER, loan.id, None).unwrap();
    assert_eq!(loan.status, "disbursed");
    loan
}

fn repay(w: &World, loan: i64, amount: Money) -> TransactionView {
    w.inst
        .repay(
            TELLER,
            loan,
            Repayment {
                amount,
                value_date: None,
                prepayment: None,
            },
            None,
        )
        .unwrap()
}

#[test]
fn a_loan_from_application_to_closing_keeps_the_books_balanced() {
    let w = world("lifecycle");
    let loan = disbursed_loan(&w, 12_000);
    assert_eq!(loan.schedule.len(), 12);
    assert_eq!(loan.balances.principal_outstanding, cny(12_000));
    assert_books(&w.inst);

    // A month of end of day: the first installment falls due on 2024-02-10.
    let summary = w
        .inst
        .run_eod(BRANCH_MANAGER, Some(date("2024-02-09")), &|_, _| {})
        .unwrap();
    assert_eq!(summary.dates_closed.len(), 31);
    assert_books(&w.inst);
    let loan = w.inst.loan(AUDITOR, loan.id).unwrap();
    let first = loan.schedule[0].clone();
    assert_eq!(
        loan.balances.interest_receivable, first.interest,
        "a full period of interest is recognised"
    );

    // Pay the first installment on its due date.
    let t = repay(&w, loan.id, first.principal.checked_add(first.interest).unwrap());
    assert_eq!(t.principal, first.principal);
    assert_eq!(t.interest, first.interest);
    assert_books(&w.inst);

    // Pay off everything that is left: the loan closes.
    let loan = w.inst.loan(AUDITOR, loan.id).unwrap();
    let payoff = loan
        .balances
        .principal_outstanding
        .checked_add(loan.balances.interest_receivable)
        .unwrap();
    repay(&w, loan.id, payoff);
    let loan = w.inst.loan(AUDITOR, loan.id).unwrap();
    assert_eq!(loan.status, "closed");
    assert!(loan.balances.principal_outstanding.is_zero());
    assert_books(&w.inst);
    let tb = w.inst.trial_balance(AUDITOR, date("2024-03-01"), None).unwrap();
    assert_eq!(tb.total_debit, tb.total_credit);
}

#[test]
fn end_of_day_is_idempotent_and_classifies_overdue_loans() {
    let w = world("overdue");
    let loan = disbursed_loan(&w, 5_000);
    // Nothing is paid for 100 days: more than 90 days past due → substandard.
    w.inst
        .run_eod(BRANCH_MANAGER, Some(date("2024-05-19")), &|_, _| {})
        .unwrap();
    let again = w
        .inst
        .run_eod(BRANCH_MANAGER, Some(date("2024-05-19")), &|_, _| {})
        .unwrap();
    assert!(again.dates_closed.is_empty() && again.already_closed == vec![date("2024-05-19")]);
    let loan = w.inst.loan(AUDITOR, loan.id).unwrap();
    assert_eq!(
        loan.balances.days_past_due, 100,
        "first due 2024-02-10, now 2024-05-20"
    );
    assert_eq!(loan.balances.classification, "substandard");
    assert!(loan.balances.penalty_receivable.is_positive());
    assert!(loan.balances.provision.is_positive());
    assert_books(&w.inst);
    let portfolio = w.inst.portfolio(BRANCH_MANAGER, None).unwrap();
    assert_eq!(portfolio.lines.len(), 1);
    assert!(portfolio.lines[0].par90.is_positive());
}

#[test]
fn a_back_dated_repayment_recomputes_penalty_and_keeps_the_books() {
    let w = world("backdated");
    let loan = disbursed_loan(&w, 6_000);
    w.inst
        .run_eod(BRANCH_MANAGER, Some(date("2024-03-20")), &|_, _| {})
        .unwrap();
    let before = w.inst.loan(AUDITOR, loan.id).unwrap();
    assert!(before.balances.penalty_receivable.is_positive());
    let first = before.schedule[0].clone();
    let due = first.principal.checked_add(first.interest).unwrap();
    let repayment = Repayment {
        amount: due,
        value_date: Some(date("2024-02-10")),
        prepayment: None,
    };
    w.inst.repay(TELLER, loan.id, repayment, None).unwrap();
    let after = w.inst.loan(AUDITOR, loan.id).unwrap();
    assert!(
        after.balances.penalty_receivable.minor() < before.balances.penalty_receivable.minor(),
        "paying the first installment on time removes its penalty"
    );
    assert_books(&w.inst);
}

#[test]
fn a_reversal_restores_the_loan_and_an_idempotent_retry_changes_nothing() {
    let w = world("reversal");
    let loan = disbursed_loan(&w, 3_000);
    let key = IdempotencyKey {
        key: "k-1".into(),
        request_hash: "h-1".into(),
    };
    let pay = |amount| Repayment {
        amount,
        value_date: None,
        prepayment: None,
    };
    let t1 = w
        .inst
        .repay(TELLER, loan.id, pay(cny(500)), Some(key.clone()))
        .unwrap();
    let t2 = w
        .inst
        .repay(TELLER, loan.id, pay(cny(500)), Some(key.clone()))
        .unwrap();
    assert_eq!(t1.id, t2.id, "a retry returns the first result");
    let other = IdempotencyKey {
        request_hash: "h-2".into(),
        ..key
    };
    assert!(matches!(
        w.inst.repay(TELLER, loan.id, pay(cny(400)), Some(other)),
        Err(AppError::IdempotencyMismatch)
    ));
    assert_eq!(
        w.inst
            .loan_transactions(AUDITOR, loan.id)
            .unwrap()
            .iter()
            .filter(|t| t.kind == "repayment")
            .count(),
        1
    );
    let reduced = w
        .inst
        .loan(AUDITOR, loan.id)
        .unwrap()
        .balances
        .principal_outstanding;
    assert_eq!(
        reduced,
        cny(2_500),
        "a repayment before anything is due prepays principal"
    );

    w.inst
        .reverse(
            BRANCH_MANAGER,
            loan.id,
            t1.id,
            "keyed twice by the teller".into(),
            None,
        )
        .unwrap();
    assert_eq!(
        w.inst
            .loan(AUDITOR, loan.id)
            .unwrap()
            .balances
            .principal_outstanding,
        cny(3_000)
    );
    assert!(
        w.inst
            .reverse(BRANCH_MANAGER, loan.id, t1.id, "again".into(), None)
            .is_err()
    );
    assert_books(&w.inst);
}

#[test]
fn write_off_and_recovery_move_the_books() {
    let w = world("writeoff");
    let loan = disbursed_loan(&w, 4_000);
    w.inst
        .run_eod(BRANCH_MANAGER, Some(date("2024-08-31")), &|_, _| {})
        .unwrap();
    w.inst
        .write_off(BRANCH_MANAGER, loan.id, "borrower left the village".into(), None)
        .unwrap();
    let written = w.inst.loan(AUDITOR, loan.id).unwrap();
    assert_eq!(written.status, "written_off");
    assert!(written.balances.written_off.is_positive());
    assert_books(&w.inst);
    assert!(
        w.inst
            .repay(
                TELLER,
                loan.id,
                Repayment {
                    amount: cny(10),
                    value_date: None,
                    prepayment: None
                },
                None
            )
            .is_err()
    );
    w.inst.recover(TELLER, loan.id, cny(1_000), None).unwrap();
    assert_books(&w.inst);
}

#[test]
fn bad_input_is_refused_with_the_field_named() {
    let w = world("invalid");
    let bad = |app: LoanApplication, field: &str| match w.inst.apply(ACCOUNT_MANAGER, app) {
        Err(AppError::Invalid { field: f, .. }) => assert_eq!(f, field),
        other => panic!("expected an invalid {field}, got {other:?}"),
    };
    let app = LoanApplication {
        client_id: w.client,
        product_id: w.product,
        principal: cny(500),
        annual_rate: None,
        installments: None,
        first_repayment_date: None,
        account_manager_id: None,
        purpose: None,
    };
    bad(app.clone(), "principal");
    bad(
        LoanApplication {
            principal: cny(2_000),
            annual_rate: Some(Decimal::new(30, 2)),
            ..app.clone()
        },
        "annual_rate",
    );
    bad(
        LoanApplication {
            principal: cny(2_000),
            installments: Some(99),
            ..app.clone()
        },
        "installments",
    );
    bad(
        LoanApplication {
            principal: cny(2_000),
            client_id: 999,
            ..app.clone()
        },
        "client_id",
    );
    let duplicate = NewClient {
        outlet_id: w.outlet,
        kind: "individual".into(),
        name: "Someone else".into(),
        id_country: "CN".into(),
        id_number: "11010519491231002x".into(),
        phone: None,
        address: None,
    };
    assert!(matches!(
        w.inst.create_client(ACCOUNT_MANAGER, duplicate),
        Err(AppError::DuplicateIdentity)
    ));
    assert!(matches!(
        w.inst.loan(AUDITOR, 12345),
        Err(AppError::NotFound { .. })
    ));
}

#[test]
fn a_generated_portfolio_passes_the_check_and_its_end_of_day() {
    let w = world("generate");
    let spec = PortfolioSpec {
        loans: 3_000,
        seed: 7,
        outlets: 4,
    };
    let summary = w.inst.generate_portfolio(ADMIN, spec, &|_, _| {}).unwrap();
    assert_eq!(summary.loans, 3_000);
    assert_books(&w.inst);
    let eod = w.inst.run_eod(BRANCH_MANAGER, None, &|_, _| {}).unwrap();
    assert_eq!(eod.loans_processed, 3_000);
    assert!(eod.loans_overdue > 0, "about one loan in twenty is overdue");
    assert_books(&w.inst);
}

#[test]
fn the_balance_sheet_balances_and_the_income_statement_explains_the_earnings() {
    let w = world("statements");
    let loan = disbursed_loan(&w, 8_000);
    w.inst
        .run_eod(BRANCH_MANAGER, Some(date("2024-03-15")), &|_, _| {})
        .unwrap();
    repay(&w, loan.id, cny(700));
    let as_of = date("2024-03-16");
    let sheets = w.inst.balance_sheet(AUDITOR, as_of, None).unwrap();
    assert_eq!(sheets.len(), 1);
    let bs = &sheets[0];
    let right = bs
        .total_liabilities
        .checked_add(bs.total_equity)
        .unwrap()
        .checked_add(bs.earnings)
        .unwrap();
    assert_eq!(bs.total_assets, right, "assets = liabilities + equity + earnings");
    assert!(bs.earnings.is_positive(), "interest and penalty were earned");
    let statements = w
        .inst
        .income_statement(AUDITOR, date("2024-01-01"), as_of, None)
        .unwrap();
    assert_eq!(
        statements[0].net_income, bs.earnings,
        "the whole history's profit is the unclosed earnings"
    );
    // A later period only holds that period's income.
    let march = w
        .inst
        .income_statement(AUDITOR, date("2024-03-01"), as_of, None)
        .unwrap();
    assert!(march[0].total_income.minor() < statements[0].total_income.minor());
    // The outlet's own books are the whole institution's here.
    let outlet = w.inst.balance_sheet(AUDITOR, as_of, Some(w.outlet)).unwrap();
    assert_eq!(outlet[0].total_assets, bs.total_assets);
    assert!(matches!(
        w.inst.income_statement(AUDITOR, as_of, date("2024-01-01"), None),
        Err(AppError::Invalid { .. })
    ));
}

#[test]
fn a_prepayment_never_lengthens_the_term() {
    let w = world("prepay");
    let loan = disbursed_loan(&w, 12_000);
    assert_eq!(loan.schedule.len(), 12);
    let maturity = loan.schedule.last().unwrap().due_date;
    for amount in [cny(100), Money::from_minor(1, Currency::CNY), cny(3_000)] {
        repay(&w, loan.id, amount);
        let now = w.inst.loan(AUDITOR, loan.id).unwrap();
        // The prepayment is recorded as a settled row dated today; what is
        // still to pay never has more installments nor a later maturity.
        let open = now
            .schedule
            .iter()
            .filter(|i| i.principal_paid.minor() < i.principal.minor())
            .count();
        assert!(
            open <= 12,
            "{open} open installments after a prepayment of {amount}"
        );
        assert!(
            now.schedule.last().unwrap().due_date <= maturity,
            "shortening never extends the term"
        );
    }
    let after = w.inst.loan(AUDITOR, loan.id).unwrap();
    let principal: i64 = after.schedule.iter().map(|i| i.principal.minor()).sum();
    assert_eq!(
        principal,
        cny(12_000).minor(),
        "the rows still carry the whole principal, paid and unpaid"
    );
    assert_books(&w.inst);
}

/// Regression: the end of day's restart cursor once stored the chunk's loan
/// count instead of its last loan id, so a smaller last chunk was refused
/// ("the cursor went back") and a resumed run restarted from the wrong loan.
#[test]
fn an_end_of_day_over_uneven_chunks_closes_every_loan_once() {
    let w = world("chunks");
    let spec = PortfolioSpec {
        loans: 2_500,
        seed: 3,
        outlets: 2,
    };
    w.inst.generate_portfolio(ADMIN, spec, &|_, _| {}).unwrap();
    let first = w.inst.run_eod(BRANCH_MANAGER, None, &|_, _| {}).unwrap();
    assert_eq!(first.loans_processed, 2_500);
    let second = w.inst.run_eod(BRANCH_MANAGER, None, &|_, _| {}).unwrap();
    assert_eq!(second.loans_processed, 2_500);
    assert_books(&w.inst);
}

/// The post-loan visit plan is made when the money leaves: right after its
/// disbursement a loan has its visit after disbursement (with the check on
/// the use of funds) and its periodic visits up to maturity, assigned to its
/// account manager; the end of day adds none.
#[test]
fn a_disbursed_loan_has_its_visit_plan_at_once() {
    let w = world("visit-plan");
    let loan = disbursed_loan(&w, 20_000);
    let disbursed_on = loan.disbursed_on.unwrap();
    let plan = w.inst.collection_case(BRANCH_MANAGER, loan.id).unwrap().visits;
    let first: Vec<_> = plan.iter().filter(|v| v.reason == "after_disbursement").collect();
    assert_eq!(first.len(), 1, "{plan:?}");
    assert!(first[0].use_of_funds_check);
    assert!(first[0].due_on > disbursed_on);
    assert!(first[0].due_on <= disbursed_on + chrono::Days::new(30));
    assert!(plan.iter().all(|v| v.assignee_id == loan.account_manager_id));
    assert!(plan.iter().all(|v| v.status == "scheduled"));
    let periodic: Vec<_> = plan.iter().filter(|v| v.reason == "periodic").collect();
    if let (Some(last), Some(maturity)) = (periodic.last(), loan.maturity_on) {
        assert!(last.due_on <= maturity);
    }
    w.inst
        .run_eod(BRANCH_MANAGER, Some(disbursed_on), &|_, _| {})
        .unwrap();
    let after = w.inst.collection_case(BRANCH_MANAGER, loan.id).unwrap().visits;
    assert_eq!(after, plan, "the end of day plans no visit twice");
}
