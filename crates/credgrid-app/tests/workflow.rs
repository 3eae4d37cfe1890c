//! The risk-tiered origination workflow end to end on a real SQLite file
//! (issue 4, R-ORIG-1..5): the happy path of the low, medium and high tiers
//! with the demonstration staff, and every separation-of-duties violation
//! refused with the rule named — same person on two steps, A = B, own loan,
//! relative's loan, over the ceiling, committee without quorum — plus the
//! exposure and coverage check before approval and disbursement.

use chrono::NaiveDate;
use credgrid_app::credit_line::{DrawRequest, OpenLine};
use credgrid_app::*;
use credgrid_core::authz::Role;
use credgrid_core::collateral::CollateralKind;
use credgrid_core::credit_line::Security;
use credgrid_core::origination::{Capacity, Step};
use credgrid_core::{Currency, Money};
use rust_decimal::Decimal;

mod common;
use common::*;

/// A database in its own scratch directory, removed when dropped.
fn temp_db(name: &str) -> ScratchDb {
    ScratchDb::new(&format!("wf-{name}"), "test.db")
}

fn cny(major: i64) -> Money {
    Money::from_minor(major * 100, Currency::CNY)
}

fn product() -> NewProduct {
    NewProduct {
        code: "FARM".into(),
        name: "Farm loan".into(),
        currency: Currency::CNY,
        amount_min: cny(1_000),
        amount_max: cny(2_000_000),
        installments_min: 1,
        installments_max: 36,
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

struct World {
    inst: Institution,
    product: i64,
    household: i64,
    business: i64,
    neighbour: i64,
    /// Last: removed after the institution closes.
    _db: ScratchDb,
}

fn client(inst: &Institution, outlet: i64, kind: &str, name: &str, id_number: &str) -> i64 {
    let new = NewClient {
        outlet_id: outlet,
        kind: kind.into(),
        name: name.into(),
        id_country: "CN".into(),
        id_number: id_number.into(),
        phone: None,
        address: None,
    };
    inst.create_client(ACCOUNT_MANAGER, new).unwrap().id
}

fn world(name: &str) -> World {
    let db = temp_db(name);
    let inst = Institution::open(&db, NaiveDate::from_ymd_opt(2024, 3, 1).unwrap()).unwrap();
    hire(&inst);
    let branch = inst
        .create_node(ADMIN, 1, "branch", "B1", "Qingshan branch")
        .unwrap();
    let outlet = inst
        .create_node(ADMIN, branch.id, "outlet", "O1", "Liujia outlet")
        .unwrap();
    // Products are maker-checker configuration: proposed by one, approved by another.
    let change = inst.propose_product(ADMIN, &product(), None).unwrap();
    inst.approve_config(BRANCH_MANAGER, change.id).unwrap();
    let page = PageRequest {
        after_id: 0,
        limit: 10,
    };
    let product = inst.list_products(ADMIN, page).unwrap().items[0].id;
    // Identity numbers with valid GB 11643 check digits.
    let household = client(&inst, outlet.id, "household", "Wang Fang", "11010519491231002X");
    let business = client(
        &inst,
        outlet.id,
        "business",
        "Liujia Tea Co-op",
        "110105194912310038",
    );
    let neighbour = client(&inst, outlet.id, "household", "Li Lei", "110105194912310046");
    World {
        inst,
        product,
        household,
        business,
        neighbour,
        _db: db,
    }
}

/// A demonstration user by username (`demo.reviewer.2`).
fn who(w: &World, username: &str) -> Actor {
    let found = w.inst.user_named(username).unwrap().expect(username);
    Actor {
        user_id: found.user_id,
    }
}

/// One more staff member at the head office with `role`.
fn hire_one(w: &World, username: &str, role: Role) -> Actor {
    let user = NewUser {
        node_id: 1,
        username: username.into(),
        display_name: username.into(),
        roles: vec![role.name().into()],
        password: "a-long-test-password-2026".into(),
    };
    Actor {
        user_id: w.inst.create_user(ADMIN, user).unwrap().user_id,
    }
}

fn apply(w: &World, client_id: i64, major: i64) -> i64 {
    let app = LoanApplication {
        client_id,
        product_id: w.product,
        principal: cny(major),
        annual_rate: None,
        installments: None,
        first_repayment_date: None,
        account_manager_id: None,
        purpose: Some("tea seedlings".into()),
    };
    w.inst.apply(ACCOUNT_MANAGER, app).unwrap().id
}

fn pledge(w: &World, loan: i64, kind: &str, major: i64, guarantor: Option<i64>) -> CollateralView {
    let new = NewCollateral {
        kind: kind.into(),
        value: cny(major),
        haircut: None,
        guarantor_client_id: guarantor,
        description: format!("{kind} for loan {loan}"),
    };
    w.inst.record_collateral(ACCOUNT_MANAGER, loan, new).unwrap()
}

/// The documents the current process asks of `step`.
fn documents(w: &World, loan: i64, step: Step) -> Vec<String> {
    let view = w.inst.workflow(ADMIN, loan).unwrap();
    view.steps
        .iter()
        .find(|s| s.step == step)
        .unwrap()
        .documents_required
        .clone()
}

fn act(
    w: &World,
    actor: Actor,
    loan: i64,
    step: Step,
    capacity: Option<Capacity>,
) -> Result<WorkflowView, AppError> {
    let act = StepAct {
        step,
        capacity,
        decision: StepDecision::Approve,
        reasons: vec![format!("{step} checked")],
        documents: documents(w, loan, step),
    };
    w.inst.act_on_step(actor, loan, act)
}

fn approve(w: &World, actor: Actor, loan: i64, step: Step) -> WorkflowView {
    act(w, actor, loan, step, None).unwrap()
}

/// The rule an act was refused with.
fn rule(result: Result<WorkflowView, AppError>) -> &'static str {
    match result {
        Err(AppError::Refused { rule, .. }) => rule,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn loan_status(w: &World, loan: i64) -> String {
    w.inst.loan(ADMIN, loan).unwrap().status
}

/// Medium tier: a secured household loan of 50,000 covered by a deposit
/// pledge (haircut 0), up to the approval.
fn medium_to_approval(w: &World) -> i64 {
    let loan = apply(w, w.household, 50_000);
    pledge(w, loan, "deposit_pledge", 50_000, None);
    let view = w.inst.workflow(ADMIN, loan).unwrap();
    assert_eq!(
        (view.tier.as_str(), view.tier_rule.as_str()),
        ("medium", "medium-guaranteed")
    );
    approve(w, ACCOUNT_MANAGER, loan, Step::Application);
    approve(w, who(w, "demo.reviewer"), loan, Step::Review);
    approve(w, who(w, "demo.account_manager.2"), loan, Step::CreditGrant);
    loan
}

#[test]
fn medium_tier_happy_path_from_application_to_disbursement() {
    let w = world("medium");
    let loan = medium_to_approval(&w);
    assert_eq!(loan_status(&w, loan), "application");
    let view = approve(&w, APPROVER, loan, Step::Approval);
    assert_eq!(loan_status(&w, loan), "approved");
    assert_eq!(view.current_step, Some(Step::Disbursement));
    let checked = view.acts.last().unwrap();
    assert_eq!(
        checked.exposure,
        Some(cny(50_000)),
        "exposure recorded at approval"
    );
    assert_eq!(checked.coverage_ratio.as_deref(), Some("1"));
    // The loan's own disbursement goes through the workflow's last step.
    let disbursed = w.inst.disburse(TELLER, loan, None).unwrap();
    assert_eq!(disbursed.status, "disbursed");
    let view = w.inst.workflow(ADMIN, loan).unwrap();
    assert_eq!(view.status, "finished");
    let steps: Vec<&str> = view.acts.iter().map(|a| a.step.as_str()).collect();
    assert_eq!(
        steps,
        [
            "application",
            "review",
            "credit_grant",
            "approval",
            "disbursement"
        ]
    );
    let people: Vec<&str> = view.acts.iter().map(|a| a.username.as_str()).collect();
    assert_eq!(
        people,
        [
            "demo.account_manager",
            "demo.reviewer",
            "demo.account_manager.2",
            "demo.approver",
            "demo.teller"
        ]
    );
    assert_eq!(view.acts[4].documents, ["disbursement_notice"]);
    assert!(w.inst.check().unwrap().violations.is_empty());
}

#[test]
fn disbursement_is_refused_until_the_workflow_reaches_it() {
    let w = world("early-disburse");
    let loan = medium_to_approval(&w);
    // Not approved yet: the loan's state machine refuses.
    assert!(matches!(
        w.inst.disburse(TELLER, loan, None),
        Err(AppError::InvalidState { .. })
    ));
    // The teller's roles do not reach the approval step at all.
    assert!(matches!(
        act(&w, TELLER, loan, Step::Approval, None),
        Err(AppError::Forbidden { .. })
    ));
    // Acting out of order names the current step.
    assert_eq!(
        rule(act(&w, TELLER, loan, Step::Disbursement, None)),
        "workflow-not-current-step"
    );
}

#[test]
fn same_person_on_two_steps_is_refused() {
    let w = world("two-steps");
    let loan = apply(&w, w.household, 50_000);
    pledge(&w, loan, "deposit_pledge", 50_000, None);
    approve(&w, ACCOUNT_MANAGER, loan, Step::Application);
    approve(&w, who(&w, "demo.reviewer"), loan, Step::Review);
    // The account manager who took the application may not grant the credit.
    let refused = act(&w, ACCOUNT_MANAGER, loan, Step::CreditGrant, None);
    assert_eq!(rule(refused), "sod-same-actor-two-steps");
    // A refusal changes nothing: two acts, still at the credit grant.
    let view = w.inst.workflow(ADMIN, loan).unwrap();
    assert_eq!(view.acts.len(), 2);
    assert_eq!(view.current_step, Some(Step::CreditGrant));
}

#[test]
fn own_and_relatives_loans_are_refused() {
    let w = world("relatives");
    let loan = medium_to_approval(&w);
    let approver2 = who(&w, "demo.approver.2");
    // The approver is the borrower herself; the second approver her brother.
    w.inst
        .record_relative(ADMIN, APPROVER.user_id, w.household, "self")
        .unwrap();
    w.inst
        .record_relative(ADMIN, approver2.user_id, w.household, "brother")
        .unwrap();
    assert_eq!(
        rule(act(&w, APPROVER, loan, Step::Approval, None)),
        "sod-own-application"
    );
    assert_eq!(
        rule(act(&w, approver2, loan, Step::Approval, None)),
        "sod-relative-application"
    );
    // Neither sees it in the inbox; the branch manager (no relation) does.
    let page = PageRequest {
        after_id: 0,
        limit: 50,
    };
    assert!(w.inst.inbox(APPROVER, page).unwrap().items.is_empty());
    assert!(w.inst.inbox(approver2, page).unwrap().items.is_empty());
    let inbox = w.inst.inbox(BRANCH_MANAGER, page).unwrap().items;
    assert_eq!(
        inbox.iter().map(|i| (i.loan_id, i.step)).collect::<Vec<_>>(),
        [(loan, Step::Approval)]
    );
    approve(&w, BRANCH_MANAGER, loan, Step::Approval);
    assert_eq!(loan_status(&w, loan), "approved");
}

#[test]
fn an_approver_over_the_ceiling_is_refused() {
    let w = world("ceiling");
    let loan = medium_to_approval(&w);
    // A maker-checker change of the limits: approvers' ceiling cut to 20,000.
    let payload = "currency=CNY digits=2\nrole=account_manager ceiling=10000.00\n\
                   role=approver ceiling=20000.00\nrole=branch_manager ceiling=1000000.00";
    let change = w.inst.propose_config(ADMIN, "limits", payload, None).unwrap();
    w.inst.approve_config(BRANCH_MANAGER, change.id).unwrap();
    let refused = act(&w, APPROVER, loan, Step::Approval, None);
    assert_eq!(rule(refused), "sod-over-ceiling");
    // The branch manager's default ceiling (1,000,000) covers it.
    approve(&w, BRANCH_MANAGER, loan, Step::Approval);
}

#[test]
fn coverage_is_checked_before_approval() {
    let w = world("coverage");
    let loan = apply(&w, w.household, 50_000);
    // A guarantor's 60,000 counts for 30,000 after the 50% haircut.
    let item = pledge(&w, loan, "guarantor", 60_000, Some(w.neighbour));
    assert_eq!(item.counted_value, cny(30_000));
    approve(&w, ACCOUNT_MANAGER, loan, Step::Application);
    approve(&w, who(&w, "demo.reviewer"), loan, Step::Review);
    approve(&w, who(&w, "demo.account_manager.2"), loan, Step::CreditGrant);
    let view = w.inst.workflow(ADMIN, loan).unwrap();
    assert_eq!(view.exposure.coverage_ratio, Some(Decimal::new(6, 1)));
    assert_eq!(
        view.exposure.breach.as_ref().map(|b| b.0.as_str()),
        Some("limit-coverage-below-minimum")
    );
    assert_eq!(
        rule(act(&w, APPROVER, loan, Step::Approval, None)),
        "limit-coverage-below-minimum"
    );
    // A mortgage of 30,000 (counted 21,000) brings the coverage to 1.02.
    pledge(&w, loan, "mortgage", 30_000, None);
    approve(&w, APPROVER, loan, Step::Approval);
    // The guarantee now counts in the neighbour's exposure (given for others).
    let other = apply(&w, w.neighbour, 10_000);
    let exposure = w.inst.workflow(ADMIN, other).unwrap().exposure;
    assert_eq!(exposure.guarantees_given, cny(60_000));
    assert_eq!(exposure.total_with_application, cny(70_000));
}

#[test]
fn send_back_returns_to_an_earlier_step_with_a_reason() {
    let w = world("send-back");
    let loan = medium_to_approval(&w);
    let reasons_missing = w
        .inst
        .send_back(APPROVER, loan, Step::Approval, Step::CreditGrant, " ".into());
    assert!(matches!(
        reasons_missing,
        Err(AppError::Refused {
            rule: "workflow-reason-required",
            ..
        })
    ));
    let view = w
        .inst
        .send_back(
            APPROVER,
            loan,
            Step::Approval,
            Step::CreditGrant,
            "rate too low for the risk".into(),
        )
        .unwrap();
    assert_eq!(view.current_step, Some(Step::CreditGrant));
    let last = view.acts.last().unwrap();
    assert_eq!(last.decision.as_deref(), Some("send_back"));
    assert_eq!(last.reasons, ["rate too low for the risk"]);
    // The same manager redoes the credit grant; the approver approves.
    approve(&w, who(&w, "demo.account_manager.2"), loan, Step::CreditGrant);
    approve(&w, APPROVER, loan, Step::Approval);
    assert_eq!(loan_status(&w, loan), "approved");
}

#[test]
fn rejection_ends_the_application() {
    let w = world("reject");
    let loan = medium_to_approval(&w);
    let view = w
        .inst
        .reject_current_step(APPROVER, loan, "income not proven".into())
        .unwrap();
    assert_eq!(view.status, "rejected");
    assert_eq!(loan_status(&w, loan), "rejected");
    assert_eq!(
        rule(act(&w, BRANCH_MANAGER, loan, Step::Approval, None)),
        "workflow-closed"
    );
}

/// The high tier up to its committee vote: a business loan of 200,000
/// secured by a mortgage of 300,000 (counted 210,000).
fn high_to_committee(w: &World) -> (i64, Actor) {
    let loan = apply(w, w.business, 200_000);
    pledge(w, loan, "mortgage", 300_000, None);
    let view = w.inst.workflow(ADMIN, loan).unwrap();
    assert_eq!(view.tier, "high");
    approve(w, ACCOUNT_MANAGER, loan, Step::Application);
    approve(w, who(w, "demo.reviewer"), loan, Step::AcceptanceReview);
    let am2 = who(w, "demo.account_manager.2");
    let am3 = hire_one(w, "am.three", Role::AccountManager);
    act(w, am2, loan, Step::PreLoanInvestigation, Some(Capacity::Lead)).unwrap();
    act(w, am3, loan, Step::PreLoanInvestigation, Some(Capacity::Assist)).unwrap();
    approve(w, who(w, "demo.risk_officer"), loan, Step::CreditReview);
    (loan, am3)
}

fn vote(
    w: &World,
    member: &str,
    loan: i64,
    choice: VoteDecision,
    reason: &str,
) -> Result<WorkflowView, AppError> {
    let docs = documents(w, loan, Step::LoanApproval);
    w.inst
        .vote(who(w, member), loan, choice, vec![reason.into()], docs)
}

#[test]
fn high_tier_happy_path_through_the_five_gates() {
    let w = world("high");
    let (loan, _) = high_to_committee(&w);
    // Gate 5: three members, one dissent; the third vote closes the count.
    vote(
        &w,
        "demo.committee_member",
        loan,
        VoteDecision::Approve,
        "sound cash flow",
    )
    .unwrap();
    vote(
        &w,
        "demo.committee_member.2",
        loan,
        VoteDecision::Approve,
        "well secured",
    )
    .unwrap();
    let view = vote(
        &w,
        "demo.committee_member.3",
        loan,
        VoteDecision::Reject,
        "tea prices volatile",
    )
    .unwrap();
    assert_eq!(loan_status(&w, loan), "approved");
    let closing = view.acts.last().unwrap();
    assert_eq!(closing.decision, None);
    assert_eq!(
        closing.tally.as_deref(),
        Some("approve=2 reject=1 abstain=0 quorum=3 passed=true")
    );
    let dissent = view
        .acts
        .iter()
        .find(|a| a.decision.as_deref() == Some("reject"))
        .unwrap();
    assert_eq!(dissent.reasons, ["tea prices volatile"]);
    // Gate 3: the contract officer signs, a risk officer checks the procedure.
    let co = who(&w, "demo.contract_officer");
    act(
        &w,
        co,
        loan,
        Step::ContractReview,
        Some(Capacity::ContractSigning),
    )
    .unwrap();
    let ro2 = who(&w, "demo.risk_officer.2");
    act(&w, ro2, loan, Step::ContractReview, Some(Capacity::LegalCheck)).unwrap();
    // Gate 4: the notice checked by a risk officer, re-checked by a reviewer.
    let ro3 = hire_one(&w, "ro.three", Role::RiskOfficer);
    act(
        &w,
        ro3,
        loan,
        Step::DisbursementConditionsReview,
        Some(Capacity::NoticeCheck),
    )
    .unwrap();
    let rev2 = who(&w, "demo.reviewer.2");
    act(
        &w,
        rev2,
        loan,
        Step::DisbursementConditionsReview,
        Some(Capacity::NoticeRecheck),
    )
    .unwrap();
    let view = approve(&w, TELLER, loan, Step::Disbursement);
    assert_eq!(loan_status(&w, loan), "disbursed");
    assert_eq!(view.current_step, Some(Step::UseOfFundsMonitoring));
    let view = approve(&w, who(&w, "demo.collector"), loan, Step::UseOfFundsMonitoring);
    assert_eq!(view.status, "finished");
    assert!(view.steps.iter().all(|s| s.state == "done"));
    assert!(w.inst.check().unwrap().violations.is_empty());
}

#[test]
fn lead_and_assist_must_be_two_people() {
    let w = world("a-equals-b");
    let loan = apply(&w, w.business, 200_000);
    pledge(&w, loan, "mortgage", 300_000, None);
    approve(&w, ACCOUNT_MANAGER, loan, Step::Application);
    approve(&w, who(&w, "demo.reviewer"), loan, Step::AcceptanceReview);
    let am2 = who(&w, "demo.account_manager.2");
    act(&w, am2, loan, Step::PreLoanInvestigation, Some(Capacity::Lead)).unwrap();
    let refused = act(&w, am2, loan, Step::PreLoanInvestigation, Some(Capacity::Assist));
    assert_eq!(rule(refused), "sod-same-lead-and-assist");
    // A two-slot step needs its slot named.
    let unnamed = act(&w, am2, loan, Step::PreLoanInvestigation, None);
    assert_eq!(rule(unnamed), "workflow-wrong-capacity");
}

#[test]
fn a_committee_without_quorum_cannot_decide() {
    let w = world("quorum");
    let (loan, am3) = high_to_committee(&w);
    vote(&w, "demo.committee_member", loan, VoteDecision::Approve, "sound").unwrap();
    vote(
        &w,
        "demo.committee_member.2",
        loan,
        VoteDecision::Abstain,
        "conflict of interest",
    )
    .unwrap();
    let member = who(&w, "demo.committee_member");
    assert_eq!(rule(w.inst.close_vote(member, loan)), "committee-no-quorum");
    assert_eq!(
        rule(vote(
            &w,
            "demo.committee_member",
            loan,
            VoteDecision::Approve,
            "again"
        )),
        "committee-already-voted"
    );
    let view = w.inst.workflow(ADMIN, loan).unwrap();
    let committee = view.committee.unwrap();
    assert_eq!(
        (committee.size, committee.quorum_required, committee.approve),
        (3, 3, 1)
    );
    assert!(matches!(
        w.inst
            .vote(am3, loan, VoteDecision::Approve, vec!["x".into()], vec![]),
        Err(AppError::Forbidden { .. })
    ));
    assert_eq!(loan_status(&w, loan), "application");
}

#[test]
fn the_inbox_lists_what_a_user_may_act_on_now() {
    let w = world("inbox");
    let page = PageRequest {
        after_id: 0,
        limit: 50,
    };
    let loan = apply(&w, w.household, 50_000);
    pledge(&w, loan, "deposit_pledge", 50_000, None);
    let steps = |actor| -> Vec<(i64, Step)> {
        w.inst
            .inbox(actor, page)
            .unwrap()
            .items
            .iter()
            .map(|i| (i.loan_id, i.step))
            .collect()
    };
    assert_eq!(steps(ACCOUNT_MANAGER), [(loan, Step::Application)]);
    assert!(steps(who(&w, "demo.reviewer")).is_empty());
    approve(&w, ACCOUNT_MANAGER, loan, Step::Application);
    assert!(steps(ACCOUNT_MANAGER).is_empty());
    assert_eq!(steps(who(&w, "demo.reviewer")), [(loan, Step::Review)]);
    assert_eq!(steps(who(&w, "demo.risk_officer")), [(loan, Step::Review)]);
    assert!(steps(TELLER).is_empty());
}

#[test]
fn the_old_approve_use_case_approves_the_current_step_under_the_rules() {
    let w = world("one-button");
    let loan = medium_to_approval(&w);
    // The account manager who granted the credit cannot approve through it.
    let am2 = who(&w, "demo.account_manager.2");
    assert!(matches!(
        w.inst.approve(am2, loan, None),
        Err(AppError::Refused {
            rule: "role-not-allowed",
            ..
        })
    ));
    let approved = w
        .inst
        .approve(APPROVER, loan, Some("within policy".into()))
        .unwrap();
    assert_eq!(approved.status, "approved");
}

#[test]
fn low_tier_happy_path_for_a_draw_within_a_published_line() {
    let w = world("low");
    // A 20,000 line under a maximum-amount guarantee contract (R-LINE-2).
    let open = OpenLine {
        client_id: w.household,
        limit: cny(20_000),
        security: vec![Security {
            kind: CollateralKind::Guarantor,
            under_maximum_amount_contract: true,
        }],
        validity_months: None,
    };
    let line = w.inst.open_credit_line(BRANCH_MANAGER, open).unwrap();
    let draw = DrawRequest {
        amount: cny(8_000),
        product_id: w.product,
        installments: None,
        purpose: Some("fertiliser".into()),
    };
    let loan = w.inst.draw_on_line(ACCOUNT_MANAGER, line.id, draw).unwrap().id;
    let view = w.inst.workflow(ADMIN, loan).unwrap();
    assert_eq!((view.tier.as_str(), view.tier_rule.as_str()), ("low", "forced"));
    let names: Vec<Step> = view.steps.iter().map(|s| s.step).collect();
    assert_eq!(
        names,
        [
            Step::Application,
            Step::CreditGrant,
            Step::Approval,
            Step::Disbursement
        ]
    );
    assert_eq!(view.exposure.line_available, Some(cny(20_000)));
    // The rest of the line is exposure too (R-ORIG-5: loans, lines, guarantees).
    assert_eq!(view.exposure.undrawn_lines, cny(12_000));
    approve(&w, ACCOUNT_MANAGER, loan, Step::Application);
    approve(&w, who(&w, "demo.account_manager.2"), loan, Step::CreditGrant);
    approve(&w, APPROVER, loan, Step::Approval);
    assert_eq!(loan_status(&w, loan), "approved");
    let view = approve(&w, TELLER, loan, Step::Disbursement);
    assert_eq!(view.status, "finished");
    assert_eq!(loan_status(&w, loan), "disbursed");
}

#[test]
fn pure_credit_without_a_line_is_refused_at_approval() {
    let w = world("unlined");
    // 8,000 without collateral or line: medium (reviewed), and pure credit
    // must fit a published line (R-ORIG-5).
    let loan = apply(&w, w.household, 8_000);
    let view = w.inst.workflow(ADMIN, loan).unwrap();
    assert_eq!(view.tier_rule, "medium-small-unlined");
    approve(&w, ACCOUNT_MANAGER, loan, Step::Application);
    approve(&w, who(&w, "demo.reviewer"), loan, Step::Review);
    approve(&w, who(&w, "demo.account_manager.2"), loan, Step::CreditGrant);
    assert_eq!(
        rule(act(&w, APPROVER, loan, Step::Approval, None)),
        "limit-pure-credit-over-line"
    );
}

#[test]
fn the_test_walker_takes_any_tier_to_disbursement() {
    let w = world("walker");
    for (client, major) in [(w.household, 5_000), (w.business, 150_000)] {
        let loan = apply(&w, client, major);
        walk_workflow(&w.inst, loan);
        assert_eq!(loan_status(&w, loan), "approved");
        assert_eq!(w.inst.disburse(TELLER, loan, None).unwrap().status, "disbursed");
    }
}
