//! Ratings, village notices and revolving lines through the use cases
//! (R-RATE-1..3, R-LINE-1..2): scorecard arithmetic with its explanation,
//! the notice period before a rating takes effect, objections resolved by
//! someone other than the rater, and a line whose available amount moves
//! with the loans drawn on it.
//!
//! Expected scores are worked by hand from the default scorecard's bins and
//! weights (crates/credgrid-core/src/rating/scorecard.rs, `default_factors`).

mod common;
use chrono::NaiveDate;
use common::*;
use credgrid_app::credit_line::{DrawRequest, LineAct, OpenLine};
use credgrid_app::rating::{RateRequest, ResolutionRequest};
use credgrid_app::*;
use credgrid_core::collateral::CollateralKind;
use credgrid_core::credit_line::{Security, TierKind};
use credgrid_core::i18n::Locale;
use credgrid_core::rating::{Factor, Grade, NoticeStatus};
use credgrid_core::{Currency, Money};

/// A database in its own scratch directory, removed when dropped.
fn temp_db(name: &str) -> ScratchDb {
    ScratchDb::new(&format!("rating-{name}"), "test.db")
}

fn yuan(major: i64) -> Money {
    Money::from_minor(major * 100, Currency::CNY)
}

struct World {
    inst: Institution,
    outlet: i64,
    clients: Vec<i64>,
    product: i64,
    /// An account manager who is also a risk officer: may rate and resolve.
    rater_resolver: Actor,
    /// Last: removed after the institution closes.
    _db: ScratchDb,
}

fn world(name: &str) -> World {
    let db = temp_db(name);
    let inst = Institution::open(&db, NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()).unwrap();
    hire(&inst);
    let spec = PortfolioSpec {
        loans: 6,
        seed: 11,
        outlets: 1,
    };
    inst.generate_portfolio(ADMIN, spec, &|_, _| {}).unwrap();
    let page = PageRequest {
        after_id: 0,
        limit: 50,
    };
    let clients: Vec<ClientView> = inst.list_clients(ADMIN, None, page).unwrap().items;
    let outlet = clients[0].outlet_id;
    let product = inst.list_products(ADMIN, page).unwrap().items[0].id;
    let rater_resolver = inst
        .create_user(
            ADMIN,
            NewUser {
                node_id: 1,
                username: "am.risk".into(),
                display_name: "Account manager and risk officer".into(),
                roles: vec!["account_manager".into(), "risk_officer".into()],
                password: "correct horse battery".into(),
            },
        )
        .unwrap()
        .actor();
    World {
        outlet,
        clients: clients
            .iter()
            .filter(|c| c.outlet_id == outlet)
            .map(|c| c.id)
            .collect(),
        inst,
        product,
        rater_resolver,
        _db: db,
    }
}

/// Every factor in its best bin (file completeness given: no household file).
fn best_inputs() -> Vec<(Factor, i64)> {
    vec![
        (Factor::IncomeStability, 6),
        (Factor::DebtToAssets, 20),
        (Factor::FamilySituation, 3),
        (Factor::VillageReputation, 5),
        (Factor::FileCompleteness, 100),
    ]
}

fn rate(w: &World, actor: Actor, client: usize, inputs: Vec<(Factor, i64)>) -> rating::RatingView {
    let request = RateRequest {
        client_id: w.clients[client],
        village: Some("Dongcun".into()),
        inputs,
        line: None,
        reason: Some("initial".into()),
    };
    w.inst.rate(actor, request).unwrap()
}

fn close_days(w: &World, days: u32) {
    for _ in 0..days {
        w.inst.run_eod(ADMIN, None, &|_, _| {}).unwrap();
    }
}

#[test]
fn a_rating_shows_each_factor_contribution_and_they_add_up_to_the_grade() {
    let w = world("arithmetic");
    let best = rate(&w, ACCOUNT_MANAGER, 0, best_inputs());
    // 100 points in every factor × weights 30+15+20+10+15+10 = 100.00 points.
    assert_eq!(best.total_centipoints, 10_000);
    assert_eq!(best.grade, Grade::Excellent);
    assert_eq!(
        best.line,
        Some(yuan(10_000)),
        "the top of the excellent range by default"
    );
    // Income 2 years: 40 × 15; debts 50%: 70 × 20; one worker: 50 × 10;
    // reputation 3: 50 × 15; file 90%: 80 × 10; never late: 100 × 30.
    let inputs = vec![
        (Factor::IncomeStability, 2),
        (Factor::DebtToAssets, 50),
        (Factor::FamilySituation, 1),
        (Factor::VillageReputation, 3),
        (Factor::FileCompleteness, 90),
    ];
    let good = rate(&w, ACCOUNT_MANAGER, 1, inputs);
    let expected = 40 * 15 + 70 * 20 + 50 * 10 + 50 * 15 + 80 * 10 + 100 * 30;
    assert_eq!(good.total_centipoints, expected);
    assert_eq!(good.grade, Grade::Good, "70.50 points: good (70–84.99)");
    assert_eq!(good.line, Some(yuan(5_000)));
    let sum: u32 = good.contributions.iter().map(|c| c.weighted_centipoints).sum();
    assert_eq!(sum, good.total_centipoints);
    let explained = good.explanations(Locale::En);
    assert_eq!(explained.len(), 6);
    assert!(
        explained
            .iter()
            .any(|e| e.contains("Reputation in the village") && e.contains("50 points × 15%")),
        "{explained:?}"
    );
    let repayment = good
        .contributions
        .iter()
        .find(|c| c.factor == Factor::RepaymentHistory)
        .unwrap();
    assert_eq!(
        repayment.value, 0,
        "measured from the ledger: the generated loans are on time"
    );
}

#[test]
fn inputs_the_system_measures_cannot_be_typed_in_and_a_missing_one_is_named() {
    let w = world("inputs");
    let mut inputs = best_inputs();
    inputs.push((Factor::RepaymentHistory, 0));
    let request = RateRequest {
        client_id: w.clients[0],
        village: Some("Dongcun".into()),
        inputs,
        line: None,
        reason: None,
    };
    match w.inst.rate(ACCOUNT_MANAGER, request.clone()) {
        Err(AppError::Invalid { field, .. }) => assert_eq!(field, "inputs.repayment_history"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    let missing = RateRequest {
        inputs: best_inputs()
            .into_iter()
            .filter(|(f, _)| *f != Factor::IncomeStability)
            .collect(),
        ..request.clone()
    };
    match w.inst.rate(ACCOUNT_MANAGER, missing) {
        Err(AppError::Invalid { field, .. }) => assert_eq!(field, "inputs.income_stability"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    let too_big = RateRequest {
        inputs: best_inputs(),
        line: Some(yuan(12_000)),
        ..request
    };
    match w.inst.rate(ACCOUNT_MANAGER, too_big) {
        Err(AppError::Refused { rule, .. }) => assert_eq!(rule, "rating-line-outside-grade"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    match w.inst.rate(
        TELLER,
        RateRequest {
            client_id: w.clients[0],
            village: None,
            inputs: vec![],
            line: None,
            reason: None,
        },
    ) {
        Err(AppError::Forbidden { permission }) => assert_eq!(permission, "rating.run"),
        other => panic!("expected forbidden, got {other:?}"),
    }
}

#[test]
fn a_published_rating_takes_effect_only_after_the_notice_period_and_then_opens_its_line() {
    let w = world("timing");
    let rated = rate(&w, ACCOUNT_MANAGER, 0, best_inputs());
    let notice = w
        .inst
        .publish_notice(BRANCH_MANAGER, w.outlet, "Dongcun".into(), None)
        .unwrap();
    assert_eq!(notice.notice_days, 7, "the default notice period");
    assert_eq!(notice.period_last, notice.published_on + chrono::Days::new(6));
    assert_eq!(notice.entries.len(), 1);
    assert!(matches!(
        notice.entries[0].standing,
        NoticeStatus::InNotice { .. }
    ));
    close_days(&w, 6);
    assert_eq!(
        w.inst.rating(ADMIN, rated.id).unwrap().status,
        "in_notice",
        "day 7 is still in the period"
    );
    assert!(
        w.inst
            .credit_lines_of_client(ADMIN, w.clients[0])
            .unwrap()
            .is_empty()
    );
    close_days(&w, 1);
    let effective = w.inst.rating(ADMIN, rated.id).unwrap();
    assert_eq!(effective.status, "effective");
    assert_eq!(effective.effective_on, Some(notice.takes_effect_on));
    let lines = w.inst.credit_lines_of_client(ADMIN, w.clients[0]).unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].tier, TierKind::PureCredit);
    assert_eq!(lines[0].limit, yuan(10_000));
    assert_eq!(lines[0].valid_from, notice.takes_effect_on);
    assert_eq!(
        lines[0].valid_until,
        notice
            .takes_effect_on
            .checked_add_months(chrono::Months::new(24))
            .unwrap()
            .pred_opt()
            .unwrap(),
        "valid for 2 years by default"
    );
    assert_eq!(w.inst.notice(ADMIN, notice.id).unwrap().status, "settled");
}

#[test]
fn objections_are_recorded_in_the_period_and_resolved_by_someone_other_than_the_rater() {
    let w = world("objections");
    let rated = rate(&w, w.rater_resolver, 0, best_inputs());
    let notice = w
        .inst
        .publish_notice(BRANCH_MANAGER, w.outlet, "Dongcun".into(), Some(3))
        .unwrap();
    let after = w
        .inst
        .object_to_rating(
            ACCOUNT_MANAGER,
            notice.id,
            rated.id,
            "Li Wei (neighbour)".into(),
            "owes the village co-op".into(),
        )
        .unwrap();
    let objection = after.objections[0].id;
    close_days(&w, 3);
    let waiting = w.inst.notice(ADMIN, notice.id).unwrap();
    assert_eq!(
        waiting.entries[0].standing,
        NoticeStatus::AwaitingResolution { open_objections: 1 }
    );
    assert_eq!(w.inst.rating(ADMIN, rated.id).unwrap().status, "in_notice");
    let late = w.inst.object_to_rating(
        ACCOUNT_MANAGER,
        notice.id,
        rated.id,
        "Zhang".into(),
        "late".into(),
    );
    match late {
        Err(AppError::Refused { rule, .. }) => assert_eq!(rule, "rating-objection-after-period"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    let own = w.inst.resolve_objection(
        w.rater_resolver,
        objection,
        ResolutionRequest::Kept,
        "fine".into(),
    );
    match own {
        Err(AppError::Refused { rule, .. }) => assert_eq!(rule, "rating-rater-cannot-resolve"),
        other => panic!("the rater must be refused, got {other:?}"),
    }
    let changed = ResolutionRequest::Changed {
        grade: Grade::Good,
        line: Some(yuan(4_000)),
    };
    let settled = w
        .inst
        .resolve_objection(
            BRANCH_MANAGER,
            objection,
            changed,
            "confirmed a debt of 3,000".into(),
        )
        .unwrap();
    assert_eq!(settled.objections[0].resolution.as_deref(), Some("changed"));
    assert_eq!(settled.objections[0].resolved_by, Some(BRANCH_MANAGER.user_id));
    let effective = w.inst.rating(ADMIN, rated.id).unwrap();
    assert_eq!(effective.status, "effective");
    assert_eq!(effective.grade, Grade::Good);
    assert_eq!(effective.line, Some(yuan(4_000)));
    let lines = w.inst.credit_lines_of_client(ADMIN, w.clients[0]).unwrap();
    assert_eq!(
        lines[0].limit,
        yuan(4_000),
        "the line as changed, not as published"
    );
}

#[test]
fn a_changed_line_outside_the_new_grade_is_refused() {
    let w = world("changed-outside");
    let rated = rate(&w, ACCOUNT_MANAGER, 0, best_inputs());
    let notice = w
        .inst
        .publish_notice(BRANCH_MANAGER, w.outlet, "Dongcun".into(), None)
        .unwrap();
    let after = w
        .inst
        .object_to_rating(
            ACCOUNT_MANAGER,
            notice.id,
            rated.id,
            "Wang".into(),
            "too high".into(),
        )
        .unwrap();
    let changed = ResolutionRequest::Changed {
        grade: Grade::General,
        line: Some(yuan(4_000)),
    };
    let refused = w
        .inst
        .resolve_objection(BRANCH_MANAGER, after.objections[0].id, changed, "x".into());
    match refused {
        Err(AppError::Refused { rule, .. }) => assert_eq!(rule, "rating-line-outside-grade"),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn effective_line(w: &World) -> credit_line::LineView {
    rate(w, ACCOUNT_MANAGER, 0, best_inputs());
    w.inst
        .publish_notice(BRANCH_MANAGER, w.outlet, "Dongcun".into(), None)
        .unwrap();
    close_days(w, 7);
    w.inst
        .credit_lines_of_client(ADMIN, w.clients[0])
        .unwrap()
        .remove(0)
}

fn draw(w: &World, line: i64, major: i64) -> Result<LoanView, AppError> {
    let request = DrawRequest {
        amount: yuan(major),
        product_id: w.product,
        installments: None,
        purpose: Some("seed and fertiliser".into()),
    };
    w.inst.draw_on_line(ACCOUNT_MANAGER, line, request)
}

#[test]
fn draws_hold_the_line_and_a_withdrawn_application_gives_it_back() {
    let w = world("revolving");
    let line = effective_line(&w);
    assert_eq!(line.available, yuan(10_000));
    let loan = draw(&w, line.id, 3_000).unwrap();
    assert_eq!(loan.status, "application");
    let workflow = w.inst.workflow(ADMIN, loan.id).unwrap();
    assert_eq!(workflow.tier, "low", "a draw goes through the low tier");
    let held = w.inst.credit_line(ADMIN, line.id).unwrap();
    assert_eq!(held.available, yuan(7_000));
    assert_eq!(held.events.last().unwrap().kind, "drawn");
    match draw(&w, line.id, 7_001) {
        Err(AppError::Refused { rule, .. }) => assert_eq!(rule, "line-over-available"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    w.inst
        .withdraw(ACCOUNT_MANAGER, loan.id, "the client changed their mind".into())
        .unwrap();
    assert_eq!(
        w.inst.credit_line(ADMIN, line.id).unwrap().available,
        yuan(10_000),
        "live"
    );
    let reconciled = w.inst.reconcile_credit_line(ACCOUNT_MANAGER, line.id).unwrap();
    let last = reconciled.events.last().unwrap();
    assert_eq!((last.kind.as_str(), last.amount), ("released", Some(yuan(3_000))));
    assert_eq!(last.drawn_after, yuan(0));
}

#[test]
fn principal_repaid_on_a_drawn_loan_comes_back_to_the_line() {
    let w = world("principal");
    let line = effective_line(&w);
    let loan = draw(&w, line.id, 4_000).unwrap();
    // The low tier: application, credit grant, approval, disbursement.
    let second_manager = w
        .inst
        .user_named("demo.account_manager.2")
        .unwrap()
        .unwrap()
        .actor();
    for actor in [ACCOUNT_MANAGER, second_manager, APPROVER, TELLER] {
        w.inst.approve_current_step(actor, loan.id, None).unwrap();
    }
    assert_eq!(w.inst.loan(ADMIN, loan.id).unwrap().status, "disbursed");
    assert_eq!(w.inst.credit_line(ADMIN, line.id).unwrap().available, yuan(6_000));
    let payment = Repayment {
        amount: yuan(1_000),
        value_date: None,
        prepayment: None,
    };
    w.inst.repay(TELLER, loan.id, payment, None).unwrap();
    let outstanding = w
        .inst
        .loan(ADMIN, loan.id)
        .unwrap()
        .balances
        .principal_outstanding;
    assert!(
        outstanding.minor() < yuan(4_000).minor(),
        "the repayment paid some principal"
    );
    let after = w.inst.credit_line(ADMIN, line.id).unwrap();
    assert_eq!(
        after.drawn, outstanding,
        "the line holds the principal outstanding"
    );
    close_days(&w, 1);
    let reconciled = w.inst.credit_line(ADMIN, line.id).unwrap();
    let last = reconciled.events.last().unwrap();
    assert_eq!(last.kind, "repaid", "the end of day records the principal repaid");
    assert_eq!(last.drawn_after, outstanding);
}

#[test]
fn a_frozen_line_refuses_draws_and_a_cut_never_goes_below_what_is_drawn() {
    let w = world("freeze-cut");
    let line = effective_line(&w);
    draw(&w, line.id, 6_000).unwrap();
    let cut = LineAct::Cut {
        new_limit: yuan(5_000),
        reason: "harvest failed".into(),
    };
    match w.inst.act_on_credit_line(BRANCH_MANAGER, line.id, cut) {
        Err(AppError::Refused { rule, .. }) => assert_eq!(rule, "line-cut-below-drawn"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    let frozen = w
        .inst
        .act_on_credit_line(
            BRANCH_MANAGER,
            line.id,
            LineAct::Freeze {
                reason: "under review".into(),
            },
        )
        .unwrap();
    assert_eq!(frozen.state, "frozen");
    assert_eq!(frozen.available, yuan(0));
    match draw(&w, line.id, 100) {
        Err(AppError::Refused { rule, .. }) => assert_eq!(rule, "line-frozen"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    let no_reason =
        w.inst
            .act_on_credit_line(BRANCH_MANAGER, line.id, LineAct::Cancel { reason: " ".into() });
    assert!(matches!(
        no_reason,
        Err(AppError::Refused {
            rule: "line-reason-required",
            ..
        })
    ));
    match w.inst.act_on_credit_line(
        ACCOUNT_MANAGER,
        line.id,
        LineAct::Unfreeze { reason: "ok".into() },
    ) {
        Err(AppError::Forbidden { permission }) => assert_eq!(permission, "line.manage"),
        other => panic!("expected forbidden, got {other:?}"),
    }
}

#[test]
fn higher_tiers_need_their_security_and_a_maximum_amount_contract() {
    let w = world("tiers");
    let open = |security: Vec<Security>| OpenLine {
        client_id: w.clients[1],
        limit: yuan(50_000),
        security,
        validity_months: None,
    };
    let refused = |result: Result<credit_line::LineView, AppError>| match result {
        Err(AppError::Refused { rule, .. }) => rule,
        other => panic!("expected a refusal, got {other:?}"),
    };
    assert_eq!(
        refused(w.inst.open_credit_line(BRANCH_MANAGER, open(vec![]))),
        "line-security-missing"
    );
    let guarantor = |contract| Security {
        kind: CollateralKind::Guarantor,
        under_maximum_amount_contract: contract,
    };
    assert_eq!(
        refused(
            w.inst
                .open_credit_line(BRANCH_MANAGER, open(vec![guarantor(false)]))
        ),
        "line-maximum-amount-contract-required"
    );
    let line = w
        .inst
        .open_credit_line(BRANCH_MANAGER, open(vec![guarantor(true)]))
        .unwrap();
    assert_eq!(line.tier, TierKind::MaximumAmountGuarantee);
    assert_eq!(line.security, vec![guarantor(true)]);
    let unrated_pure = OpenLine {
        limit: yuan(2_000),
        ..open(vec![])
    };
    assert_eq!(
        refused(w.inst.open_credit_line(BRANCH_MANAGER, unrated_pure)),
        "line-no-pure-credit-for-grade",
        "no effective rating: no pure-credit line"
    );
}

#[test]
fn a_household_file_supplies_the_figures_it_holds_and_they_cannot_be_typed_over() {
    use credgrid_app::grid::NewCell;
    use credgrid_app::household::{FileUpdate, HoldingEntry, IncomeEntry, MemberEntry, NewHousehold};
    let w = world("household-file");
    let cell = w
        .inst
        .open_cell(
            BRANCH_MANAGER,
            NewCell {
                outlet_id: w.outlet,
                kind: "village_group".into(),
                name: "Xicun group 3".into(),
                full_time_worker_id: ACCOUNT_MANAGER.user_id,
                part_time_worker_ids: vec![],
            },
            None,
        )
        .unwrap();
    let household = w
        .inst
        .create_household(
            ACCOUNT_MANAGER,
            NewHousehold {
                cell_id: cell.id,
                head_name: "Zhao Lei".into(),
                identity_number: None,
                id_country: "CN".into(),
                member_count: 3,
                client_id: Some(w.clients[0]),
                digital: false,
                placed_on: None,
            },
        )
        .unwrap();
    let member = |name: &str, works| MemberEntry {
        name: name.into(),
        relation: "other".into(),
        birth_year: None,
        works,
    };
    let holding = |major| HoldingEntry {
        description: "x".into(),
        amount: yuan(major),
    };
    let updates = vec![
        FileUpdate::Members(vec![
            member("Zhao Lei", true),
            member("Sun Mei", true),
            member("Zhao Xin", false),
        ]),
        FileUpdate::IncomeSources(vec![IncomeEntry {
            kind: "crops".into(),
            annual: yuan(20_000),
            years: 4,
        }]),
        FileUpdate::Assets(vec![holding(100_000)]),
        FileUpdate::Debts(vec![holding(30_000)]),
    ];
    for update in updates {
        w.inst
            .update_household_file(ACCOUNT_MANAGER, household.id, update)
            .unwrap();
    }
    let typed = RateRequest {
        client_id: w.clients[0],
        village: None,
        inputs: vec![(Factor::VillageReputation, 5), (Factor::IncomeStability, 10)],
        line: None,
        reason: None,
    };
    match w.inst.rate(ACCOUNT_MANAGER, typed.clone()) {
        Err(AppError::Invalid { field, .. }) => assert_eq!(field, "inputs.income_stability"),
        other => panic!("a figure of the file cannot be typed over, got {other:?}"),
    }
    let rated = w
        .inst
        .rate(
            ACCOUNT_MANAGER,
            RateRequest {
                inputs: vec![(Factor::VillageReputation, 5)],
                ..typed
            },
        )
        .unwrap();
    let value = |factor| {
        rated
            .contributions
            .iter()
            .find(|c| c.factor == factor)
            .unwrap()
            .value
    };
    assert_eq!(
        value(Factor::IncomeStability),
        4,
        "years of the main income source"
    );
    assert_eq!(
        value(Factor::DebtToAssets),
        30,
        "30,000 owed on 100,000 of assets"
    );
    assert_eq!(value(Factor::FamilySituation), 2, "working members");
    assert_eq!(rated.household_id, Some(household.id));
    assert_eq!(
        rated.village, "Xicun group 3",
        "the village is the household's cell"
    );

    // Published, in force after the period; then the file changes: re-rating is due.
    w.inst
        .publish_notice(BRANCH_MANAGER, w.outlet, "Xicun group 3".into(), None)
        .unwrap();
    close_days(&w, 7);
    assert_eq!(w.inst.rating(ADMIN, rated.id).unwrap().status, "effective");
    assert!(
        w.inst.ratings_due(ACCOUNT_MANAGER).unwrap().is_empty(),
        "nothing happened since"
    );
    let debts = FileUpdate::Debts(vec![holding(90_000)]);
    w.inst
        .update_household_file(ACCOUNT_MANAGER, household.id, debts)
        .unwrap();
    let due = w.inst.ratings_due(ACCOUNT_MANAGER).unwrap();
    assert_eq!(due.len(), 1);
    assert!(matches!(
        due[0].reason,
        credgrid_core::rating::scorecard::ReratingReason::FileChanged { .. }
    ));
    let drafts = w.inst.rerate_due(ACCOUNT_MANAGER).unwrap();
    let again = w.inst.rating(ADMIN, drafts[0]).unwrap();
    assert_eq!(
        (again.status.as_str(), again.reason.as_str()),
        ("draft", "file_changed")
    );
    let debt = again
        .contributions
        .iter()
        .find(|c| c.factor == Factor::DebtToAssets)
        .unwrap();
    assert_eq!(debt.value, 90, "the new debts are measured, not the old value");
}
