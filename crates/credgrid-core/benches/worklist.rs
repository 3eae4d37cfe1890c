//! Benchmark: the end-of-day collection worklist step for 1,000,000 loans of
//! which 5% are overdue (issue 7: "under 2 s").
//!
//! Each loan is a `CollectionLoan` (the `Copy` row the end-of-day batch keeps
//! per loan). The timed step skips current loans, scores every overdue loan
//! with the default priority formula, assigns it (grid worker, or the outlet
//! collector from day 31, with a few explicit reassignments) and sorts all
//! worklists in one pass. A second measurement is the whole collection part
//! of end of day: one promise to pay judged per overdue loan (two repayments
//! each), the worklists, and the strategy decision (segment and next step)
//! for every overdue loan.

use chrono::{Days, NaiveDate};
use credgrid_core::collection::Channel;
use credgrid_core::collection::priority::{
    AbilityToPay, Assignment, CollectionLoan, PriorityConfig, PriorityFormula, PriorityInput, Relationship,
    build_worklists, repayment_capacity_pct,
};
use credgrid_core::collection::promise::{Promise, PromiseStatus, Repayment, check};
use credgrid_core::collection::strategy::{SegmentInput, StrategyConfig, StrategyInput, decide, segment};
use credgrid_core::money::{Currency, Money};
use std::hint::black_box;
use std::time::{Duration, Instant};

const LOANS: usize = 1_000_000;
const OVERDUE_PER_HUNDRED: u64 = 5;
const GRID_WORKERS: u64 = 2_000;
const OUTLETS: u64 = 200;
const RUNS: usize = 5;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*: deterministic, no dependency.
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn int(n: u64) -> i64 {
    i64::try_from(n).expect("small")
}

fn portfolio() -> Vec<CollectionLoan> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    (0..LOANS)
        .map(|i| {
            let overdue = rng.below(100) < OVERDUE_PER_HUNDRED;
            let days_past_due = if overdue {
                1 + u32::try_from(rng.below(400)).expect("small")
            } else {
                0
            };
            let worker = rng.below(GRID_WORKERS);
            CollectionLoan {
                loan_id: int(u64::try_from(i).expect("small")),
                responsible: 10_000 + int(worker),
                outlet: int(worker % OUTLETS),
                input: PriorityInput {
                    amount_overdue_minor: if overdue {
                        int(100 + rng.below(5_000_000))
                    } else {
                        0
                    },
                    days_past_due,
                    next_channel: Channel::ALL[usize::try_from(rng.below(4)).expect("small")],
                    ability: AbilityToPay {
                        income_monthly_minor: int(rng.below(2_000_000)),
                        other_debt_monthly_minor: int(rng.below(500_000)),
                        installment_minor: int(10_000 + rng.below(500_000)),
                        past_cures: u32::try_from(rng.below(4)).expect("small"),
                    },
                    broken_promises: u32::try_from(rng.below(3)).expect("small"),
                    relationship: Relationship {
                        years_as_client: u32::try_from(rng.below(25)).expect("small"),
                        has_guarantor: rng.below(2) == 0,
                        group_member: rng.below(3) == 0,
                    },
                },
            }
        })
        .collect()
}

fn assignment() -> Assignment {
    let mut assignment = Assignment::default();
    for outlet in 0..OUTLETS {
        assignment.set_outlet_collector(int(outlet), 1_000 + int(outlet));
    }
    for loan_id in (0..1_000).map(|i| i * 997) {
        assignment.reassign(loan_id, 999);
    }
    assignment
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort_unstable();
    times[times.len() / 2]
}

fn decide_all(config: &StrategyConfig, loans: &[CollectionLoan]) -> usize {
    let cny = |minor| Money::from_minor(minor, Currency::CNY);
    let mut handovers = 0;
    for loan in loans.iter().filter(|l| l.is_overdue()) {
        let input = &loan.input;
        let capacity_pct = repayment_capacity_pct(&input.ability);
        let segment = segment(
            config,
            &SegmentInput {
                capacity_pct,
                broken_promises: input.broken_promises,
                refusals: 0,
                failed_attempts: 0,
                assessed: None,
            },
        );
        let capacity = input.ability.income_monthly_minor - input.ability.other_debt_monthly_minor;
        let decision = decide(
            config,
            &StrategyInput {
                loan_id: loan.loan_id,
                segment,
                days_past_due: input.days_past_due,
                amount_overdue: cny(input.amount_overdue_minor),
                principal_outstanding: cny(input.amount_overdue_minor),
                installment: cny(input.ability.installment_minor),
                capacity_monthly: cny(capacity),
                restructuring_pending: false,
            },
        );
        handovers += usize::from(matches!(
            decision,
            credgrid_core::collection::strategy::Decision::HandOver { .. }
        ));
    }
    handovers
}

type PromiseCase = (Promise, [Repayment; 2]);

fn promises(loans: &[CollectionLoan], business_date: NaiveDate) -> Vec<PromiseCase> {
    let cny = |minor| Money::from_minor(minor, Currency::CNY);
    let back = |days: u64| business_date.checked_sub_days(Days::new(days)).expect("in range");
    loans
        .iter()
        .filter(|l| l.is_overdue())
        .map(|l| {
            let amount = l.input.amount_overdue_minor.max(1);
            let promise = Promise {
                loan_id: l.loan_id,
                amount: cny(amount),
                made_on: back(10),
                due_on: back(u64::from(l.input.days_past_due % 20)),
            };
            let repayments = [
                Repayment {
                    date: back(8),
                    amount: cny(amount / 2 + 1),
                },
                Repayment {
                    date: back(1),
                    amount: cny(amount / 2),
                },
            ];
            (promise, repayments)
        })
        .collect()
}

fn judge_all(cases: &[PromiseCase], business_date: NaiveDate) -> usize {
    cases
        .iter()
        .filter_map(|(promise, repayments)| check(promise, repayments, business_date).ok())
        .filter(|c| c.status == PromiseStatus::Broken)
        .count()
}

fn main() {
    let loans = portfolio();
    let assignment = assignment();
    let formula = PriorityFormula::new(PriorityConfig::default()).expect("default formula");
    let strategy = StrategyConfig::default();
    let overdue = loans.iter().filter(|l| l.is_overdue()).count();
    let business_date = NaiveDate::from_ymd_opt(2026, 11, 23).expect("valid date");
    let promise_cases = promises(&loans, business_date);

    let mut worklist_times = Vec::with_capacity(RUNS);
    let mut step_times = Vec::with_capacity(RUNS);
    let mut lists = 0;
    for _ in 0..RUNS {
        let started = Instant::now();
        let worklists = build_worklists(&formula, black_box(&loans), &assignment);
        worklist_times.push(started.elapsed());
        assert_eq!(worklists.len(), overdue);
        lists = worklists.lists().count();
        black_box(&worklists);

        let started = Instant::now();
        let broken = judge_all(black_box(&promise_cases), business_date);
        let worklists = build_worklists(&formula, black_box(&loans), &assignment);
        let handovers = decide_all(&strategy, black_box(&loans));
        step_times.push(started.elapsed());
        black_box((broken, worklists, handovers));
    }
    println!("worklist: {LOANS} loans, {overdue} overdue, {lists} worklists");
    println!(
        "  build_worklists (score, assign, sort): median {:?} of {RUNS} runs",
        median(worklist_times)
    );
    println!(
        "  whole step ({} promises judged + worklists + segment and decision per overdue loan): median {:?}",
        promise_cases.len(),
        median(step_times)
    );
}
