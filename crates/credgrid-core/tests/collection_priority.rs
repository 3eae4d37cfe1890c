//! Collection priority and worklists (R-COL-1, issue 7 item 1): every score
//! shows its parts, the parts follow the documented formula, the order
//! follows the documents' criteria (amount, cost, ability to pay, days past
//! due, broken promises, relationship — seed 004 "根据催收目标、催收成本、偿付能力、
//! 是否影响今后关系…做出一个轻重缓急的催收计划"), and every overdue loan lands in
//! exactly one worklist, ordered.

use credgrid_core::collection::Channel;
use credgrid_core::collection::priority::{
    AbilityToPay, Assignment, CollectionLoan, Factor, PriorityConfig, PriorityConfigError, PriorityError,
    PriorityFormula, PriorityInput, Relationship, build_worklists, repayment_capacity_pct,
};
use proptest::prelude::*;

fn formula() -> PriorityFormula {
    PriorityFormula::new(PriorityConfig::default()).expect("the default configuration is valid")
}

fn input(amount_overdue_minor: i64, days_past_due: u32) -> PriorityInput {
    PriorityInput {
        amount_overdue_minor,
        days_past_due,
        next_channel: Channel::Phone,
        ability: AbilityToPay {
            income_monthly_minor: 300_000,
            other_debt_monthly_minor: 50_000,
            installment_minor: 250_000,
            past_cures: 0,
        },
        broken_promises: 0,
        relationship: Relationship::default(),
    }
}

fn part(priority: &credgrid_core::collection::Priority, factor: Factor) -> i64 {
    priority
        .parts
        .iter()
        .find(|(f, _)| *f == factor)
        .map(|(_, p)| *p)
        .expect("every factor is shown")
}

#[test]
fn every_score_shows_its_parts_per_the_configured_formula() {
    let config = PriorityConfig::default();
    let formula = formula();
    let mut loan = input(1_234_567, 45);
    loan.next_channel = Channel::Visit;
    loan.ability.income_monthly_minor = 600_000;
    loan.ability.other_debt_monthly_minor = 100_000;
    loan.ability.past_cures = 2;
    loan.broken_promises = 1;
    loan.relationship = Relationship {
        years_as_client: 4,
        has_guarantor: true,
        group_member: false,
    };
    let priority = formula.score(&loan).unwrap();

    assert_eq!(priority.parts.len(), Factor::ALL.len());
    assert_eq!(priority.total, priority.parts.iter().map(|(_, p)| p).sum::<i64>());
    // Each part recomputed from the configuration, as docs/collections.md states it.
    let steps = 1_234_567 / config.amount_step_minor;
    assert_eq!(
        part(&priority, Factor::AmountOverdue),
        steps * config.amount_points_per_step
    );
    assert_eq!(
        part(&priority, Factor::DaysPastDue),
        45 * config.days_points_per_day
    );
    let visit_cost = config.channel_cost_minor[3];
    assert_eq!(
        part(&priority, Factor::ActionCost),
        visit_cost / config.cost_step_minor * config.cost_points_per_step
    );
    // Capacity (6,000 − 1,000) / 2,500 = 200%, at the cap.
    assert_eq!(repayment_capacity_pct(&loan.ability), 200);
    assert_eq!(
        part(&priority, Factor::AbilityToPay),
        20 * config.ability_points_per_10_pct + 2 * config.cure_points
    );
    assert_eq!(
        part(&priority, Factor::BrokenPromises),
        config.broken_promise_points
    );
    assert_eq!(
        part(&priority, Factor::Relationship),
        4 * config.relationship_points_per_year + config.guarantor_points
    );
    assert!(
        part(&priority, Factor::ActionCost) < 0,
        "a dear visit lowers the priority"
    );
}

#[test]
fn priority_orders_by_the_documents_criteria() {
    let formula = formula();
    let score = |i: &PriorityInput| formula.score(i).unwrap().total;
    let base = input(500_000, 20);

    // (description, changed input, expected: higher than base?)
    let mut more_amount = base;
    more_amount.amount_overdue_minor = 2_000_000;
    let mut older = base;
    older.days_past_due = 60;
    let mut broke_promises = base;
    broke_promises.broken_promises = 2;
    let mut dearer_action = base;
    dearer_action.next_channel = Channel::LegalCourt;
    let mut unable = base;
    unable.ability.income_monthly_minor = 50_000;
    let mut guarantor = base;
    guarantor.relationship.has_guarantor = true;
    let cases = [
        ("larger amount overdue", more_amount, true),
        ("more days past due", older, true),
        ("broken promises", broke_promises, true),
        ("dearer next action", dearer_action, false),
        ("no ability to pay", unable, false),
        ("a guarantor to ask", guarantor, true),
    ];
    for (what, changed, higher) in cases {
        assert_eq!(score(&changed) > score(&base), higher, "{what}");
    }
}

#[test]
fn formula_weights_are_configuration() {
    let config = PriorityConfig {
        days_points_per_day: 0,
        amount_points_per_step: 0,
        broken_promise_points: 100,
        ..PriorityConfig::default()
    };
    let formula = PriorityFormula::new(config).unwrap();
    let mut promised = input(100, 1);
    promised.broken_promises = 1;
    let large_old = input(50_000_000, 300);
    assert!(formula.score(&promised).unwrap().total > formula.score(&large_old).unwrap().total);
}

#[test]
fn bad_configuration_names_the_field() {
    let config = PriorityConfig {
        amount_step_minor: 0,
        ..PriorityConfig::default()
    };
    assert!(matches!(
        PriorityFormula::new(config),
        Err(PriorityConfigError::StepOutOfRange {
            field: "amount_step_minor",
            ..
        })
    ));
    let config = PriorityConfig {
        broken_promise_points: i64::MAX,
        ..PriorityConfig::default()
    };
    assert!(matches!(
        PriorityFormula::new(config),
        Err(PriorityConfigError::WeightOutOfRange {
            field: "broken_promise_points",
            ..
        })
    ));
    let config = PriorityConfig {
        days_max: -1,
        ..PriorityConfig::default()
    };
    assert!(matches!(
        PriorityFormula::new(config),
        Err(PriorityConfigError::CapOutOfRange {
            field: "days_max",
            ..
        })
    ));
}

#[test]
fn negative_input_is_refused_naming_the_field() {
    let mut bad = input(-1, 3);
    assert_eq!(
        formula().score(&bad),
        Err(PriorityError::Negative {
            field: "amount_overdue_minor"
        })
    );
    bad = input(1, 3);
    bad.ability.installment_minor = -5;
    assert_eq!(
        formula().score(&bad),
        Err(PriorityError::Negative {
            field: "installment_minor"
        })
    );
}

fn loan(loan_id: i64, responsible: i64, outlet: i64, amount: i64, dpd: u32) -> CollectionLoan {
    CollectionLoan {
        loan_id,
        responsible,
        outlet,
        input: input(amount, dpd),
    }
}

#[test]
fn overdue_loans_land_in_the_right_worklist_in_priority_order() {
    const GRID_WORKER: i64 = 7;
    const COLLECTOR: i64 = 90;
    const SPECIALIST: i64 = 55;
    let loans = [
        loan(1, GRID_WORKER, 100, 300_000, 5),
        loan(2, GRID_WORKER, 100, 0, 0), // current: in no worklist
        loan(3, GRID_WORKER, 100, 900_000, 12),
        loan(4, GRID_WORKER, 100, 900_000, 40), // past the hand-over day: the outlet collector
        loan(5, GRID_WORKER, 200, 100_000, 40), // outlet 200 has no collector: stays
        loan(6, GRID_WORKER, 100, 100_000, 3),  // reassigned by name
    ];
    let mut assignment = Assignment::new(31);
    assignment.set_outlet_collector(100, COLLECTOR);
    assignment.reassign(6, SPECIALIST);
    let worklists = build_worklists(&formula(), &loans, &assignment);

    assert_eq!(worklists.len(), 5);
    let ids = |user| {
        worklists
            .for_assignee(user)
            .iter()
            .map(|e| e.loan_id)
            .collect::<Vec<_>>()
    };
    // Other parts equal: loan 3 scores 90 + 24, loan 5 10 + 80, loan 1 30 + 10.
    assert_eq!(ids(GRID_WORKER), vec![3, 5, 1]);
    assert_eq!(ids(COLLECTOR), vec![4]);
    assert_eq!(ids(SPECIALIST), vec![6]);
    assert!(worklists.for_assignee(12345).is_empty());
    let users: Vec<i64> = worklists.lists().map(|(u, _)| u).collect();
    assert_eq!(users, vec![GRID_WORKER, SPECIALIST, COLLECTOR]);
}

#[test]
fn ties_break_by_days_then_amount_then_loan_id() {
    let config = PriorityConfig {
        days_points_per_day: 0,
        amount_points_per_step: 0,
        ..PriorityConfig::default()
    };
    let formula = PriorityFormula::new(config).unwrap();
    let loans = [
        loan(30, 1, 1, 500, 10),
        loan(20, 1, 1, 900, 10),
        loan(10, 1, 1, 900, 10),
        loan(40, 1, 1, 100, 20),
    ];
    let worklists = build_worklists(&formula, &loans, &Assignment::default());
    let ids: Vec<i64> = worklists.for_assignee(1).iter().map(|e| e.loan_id).collect();
    assert_eq!(ids, vec![40, 10, 20, 30]);
}

#[test]
fn a_loan_that_cannot_be_scored_is_reported_and_does_not_stop_the_others() {
    let mut bad = loan(2, 1, 1, 100, 4);
    bad.input.ability.income_monthly_minor = -1;
    let loans = [loan(1, 1, 1, 100, 4), bad];
    let worklists = build_worklists(&formula(), &loans, &Assignment::default());
    assert_eq!(worklists.len(), 1);
    assert_eq!(
        worklists.rejected(),
        &[(
            2,
            PriorityError::Negative {
                field: "income_monthly_minor"
            }
        )]
    );
}

fn arb_input() -> impl Strategy<Value = PriorityInput> {
    (
        0_i64..10_000_000_000,
        0_u32..3_000,
        0_usize..7,
        (
            0_i64..1_000_000_000,
            0_i64..1_000_000_000,
            0_i64..1_000_000_000,
            0_u32..50,
        ),
        0_u32..50,
        (0_u32..80, any::<bool>(), any::<bool>()),
    )
        .prop_map(
            |(amount, dpd, channel, (income, debt, installment, cures), broken, (years, g, grp))| {
                PriorityInput {
                    amount_overdue_minor: amount,
                    days_past_due: dpd,
                    next_channel: Channel::ALL[channel],
                    ability: AbilityToPay {
                        income_monthly_minor: income,
                        other_debt_monthly_minor: debt,
                        installment_minor: installment,
                        past_cures: cures,
                    },
                    broken_promises: broken,
                    relationship: Relationship {
                        years_as_client: years,
                        has_guarantor: g,
                        group_member: grp,
                    },
                }
            },
        )
}

proptest! {
    #[test]
    fn parts_always_sum_to_the_total_and_more_overdue_never_lowers_it(
        input in arb_input(),
        extra in 0_i64..1_000_000_000,
        extra_days in 0_u32..500,
    ) {
        let formula = formula();
        let priority = formula.score(&input).unwrap();
        prop_assert_eq!(priority.total, priority.parts.iter().map(|(_, p)| p).sum::<i64>());
        let mut worse = input;
        worse.amount_overdue_minor += extra;
        worse.days_past_due += extra_days;
        prop_assert!(formula.score(&worse).unwrap().total >= priority.total);
    }

    #[test]
    fn every_overdue_loan_is_in_exactly_one_sorted_worklist(
        inputs in proptest::collection::vec((arb_input(), 0_i64..5), 0..200),
    ) {
        let loans: Vec<CollectionLoan> = inputs
            .iter()
            .enumerate()
            .map(|(i, (input, person))| CollectionLoan {
                loan_id: i64::try_from(i).unwrap(),
                responsible: *person,
                outlet: 1,
                input: *input,
            })
            .collect();
        let worklists = build_worklists(&formula(), &loans, &Assignment::default());
        let overdue = loans.iter().filter(|l| l.is_overdue()).count();
        prop_assert_eq!(worklists.len(), overdue);
        let mut seen: Vec<i64> = Vec::new();
        for (person, entries) in worklists.lists() {
            prop_assert!(entries.windows(2).all(|w| w[0].priority >= w[1].priority));
            for entry in entries {
                let loan = &loans[usize::try_from(entry.loan_id).unwrap()];
                prop_assert_eq!(loan.responsible, person);
                seen.push(entry.loan_id);
            }
        }
        seen.sort_unstable();
        seen.dedup();
        prop_assert_eq!(seen.len(), overdue);
    }
}
