//! Loan servicing end to end: accrual, penalty, allocation, prepayment, write-off and replay.
//!
//! Worked examples are table-driven and name their source; the property tests
//! check that a repayment is accounted for to the minor unit, that the batch's
//! cheap daily step agrees with the full computation, that the summary always
//! equals the sums over the installments, and that a back-dated repayment
//! replayed gives the position it would have had if entered on its date.

use chrono::{Days, NaiveDate};
use credgrid_core::accrual::{CompoundInterest, PenaltyRule};
use credgrid_core::allocation::{AllocationBucket, AllocationOrder};
use credgrid_core::calendar::{DaysInMonth, DaysInYear, Frequency, PeriodUnit};
use credgrid_core::classification::{ClassificationConfig, ClassificationInput, Classifier, LoanClass};
use credgrid_core::money::{Currency, Money};
use credgrid_core::rounding::{RoundingMode, round_decimal};
use credgrid_core::schedule::{
    EmiBasis, Grace, InterestPeriod, RepaymentMethod, Schedule, ScheduleRounding, ScheduleTerms, generate,
};
use credgrid_core::servicing::{
    AccrualPosting, LoanEvent, LoanPosition, LoanStatus, LoanTerms, Prepayment, ServicingError, Step, replay,
};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn cny(minor: i64) -> Money {
    Money::from_minor(minor, Currency::CNY)
}

fn add_days(d: NaiveDate, n: u64) -> NaiveDate {
    d.checked_add_days(Days::new(n)).unwrap()
}

fn schedule_terms(
    principal_minor: i64,
    rate: Decimal,
    installments: u32,
    method: RepaymentMethod,
) -> ScheduleTerms {
    ScheduleTerms {
        principal: cny(principal_minor),
        annual_rate: rate,
        installments,
        frequency: Frequency::MONTHLY,
        disbursement_date: date(2024, 1, 15),
        first_repayment_date: None,
        interest_from_date: None,
        method,
        interest_period: InterestPeriod::Installment,
        days_in_year: DaysInYear::D365,
        days_in_month: DaysInMonth::Actual,
        emi: EmiBasis::Nominal,
        rounding: ScheduleRounding {
            digits: 2,
            mode: RoundingMode::HalfEven,
            installment_multiple: None,
        },
        grace: Grace::default(),
    }
}

fn loan(schedule: ScheduleTerms, penalty: PenaltyRule) -> (LoanTerms, Schedule) {
    let generated = generate(&schedule).unwrap();
    let terms = LoanTerms {
        schedule,
        penalty,
        accrual_rounding: RoundingMode::HalfEven,
    };
    (terms, generated)
}

fn standard_loan() -> (LoanTerms, Schedule) {
    let compound = PenaltyRule::new(Decimal::new(5, 1), CompoundInterest::AtPenaltyRate).unwrap();
    loan(
        schedule_terms(1_200_000, Decimal::new(12, 2), 12, RepaymentMethod::Annuity),
        compound,
    )
}

/// The position's summary must equal the one recomputed from its installments.
fn assert_consistent(position: &LoanPosition) {
    assert_eq!(position.summary(), position.derived_summary().unwrap());
}

#[test]
fn paying_every_installment_on_time_recognises_exactly_the_scheduled_interest() {
    // 等额本息 12,000.00 at 12 % over 12 months: level payment 1,066.19 (the figure every Chinese
    // bank calculator shows for 1.2万 / 12% / 12期). Paid on each due date, the loan closes with no
    // penalty and the daily interest postings sum to the schedule's interest.
    let (terms, schedule) = standard_loan();
    assert_eq!(schedule.installments[0].total, cny(106_619));
    let mut position = LoanPosition::new(terms, &schedule).unwrap();
    let mut accrued = AccrualPosting::zero(Currency::CNY);
    let order = AllocationOrder::default();
    for row in &schedule.installments {
        accrued = accrued
            .checked_add(position.accrue_to(row.due_date).unwrap())
            .unwrap();
        assert_consistent(&position);
        let outcome = position
            .repay(row.due_date, row.total, &order, Prepayment::ShortenTerm)
            .unwrap();
        assert_eq!(
            outcome.allocation.bucket_total(AllocationBucket::DueInterest),
            row.interest
        );
        assert_eq!(
            outcome.allocation.bucket_total(AllocationBucket::DuePrincipal),
            row.principal
        );
        assert_eq!(outcome.overpayment, cny(0));
    }
    assert_eq!(accrued.interest, schedule.totals.interest);
    assert_eq!((accrued.penalty, accrued.compound), (cny(0), cny(0)));
    assert_eq!(position.status(), LoanStatus::Closed);
    assert_eq!(position.summary().principal_outstanding_minor, 0);
}

#[test]
fn late_installment_bears_penalty_and_compound_interest() {
    // Source: PBoC 银发〔2003〕251号 — overdue principal bears the contract rate + 30–50 % from the
    // day it falls overdue; interest not paid on time bears compound interest at the penalty rate
    // (《人民币利率管理规定》: at the contract rate within the term). The formula bank FAQs publish:
    // 罚息 = 逾期本金 × 日利率 × (1 + 上浮比例) × 逾期天数. Installment 1 (due 2024-02-15) of a
    // 12,000 / 12 % / 12-month annuity left unpaid; expected figures from that formula.
    let contract = Decimal::new(12, 2);
    let cases = [
        (
            Decimal::new(5, 1),
            CompoundInterest::AtPenaltyRate,
            DaysInYear::D365,
            10_u64,
        ),
        (
            Decimal::new(3, 1),
            CompoundInterest::AtPenaltyRate,
            DaysInYear::D360,
            10,
        ),
        (
            Decimal::new(3, 1),
            CompoundInterest::AtContractRate,
            DaysInYear::D365,
            20,
        ),
        (Decimal::new(5, 1), CompoundInterest::Off, DaysInYear::D360, 25),
    ];
    for (uplift, compound, days_in_year, days_late) in cases {
        let mut terms = schedule_terms(1_200_000, contract, 12, RepaymentMethod::Annuity);
        terms.days_in_year = days_in_year;
        let (terms, schedule) = loan(terms, PenaltyRule::new(uplift, compound).unwrap());
        let first = schedule.installments[0];
        let mut position = LoanPosition::new(terms, &schedule).unwrap();
        position.accrue_to(first.due_date).unwrap();
        let late = position.accrue_to(add_days(first.due_date, days_late)).unwrap();
        let year = Decimal::from(days_in_year.fixed_days().unwrap());
        let by_formula = |base: Money, rate: Decimal| {
            let exact = base.to_decimal() * rate * Decimal::from(days_late) / year;
            let rounded = round_decimal(exact, 2, RoundingMode::HalfEven);
            Money::from_decimal(rounded, Currency::CNY, RoundingMode::HalfEven).unwrap()
        };
        let penalty_rate = contract * (Decimal::ONE + uplift);
        let compound_rate = match compound {
            CompoundInterest::Off => Decimal::ZERO,
            CompoundInterest::AtPenaltyRate => penalty_rate,
            CompoundInterest::AtContractRate => contract,
        };
        let case = format!("{uplift} {compound:?} {days_in_year:?} {days_late}");
        assert_eq!(late.penalty, by_formula(first.principal, penalty_rate), "{case}");
        assert_eq!(late.compound, by_formula(first.interest, compound_rate), "{case}");
        let summary = position.summary();
        assert_eq!(
            summary.days_past_due(),
            u32::try_from(days_late).unwrap(),
            "{case}"
        );
        assert_eq!(summary.principal_overdue_minor, first.principal.minor());
        assert_eq!(summary.interest_overdue_minor, first.interest.minor());
        assert_consistent(&position);
        let classifier = Classifier::new(ClassificationConfig::default()).unwrap();
        let input = ClassificationInput {
            days_past_due: summary.days_past_due(),
            ..Default::default()
        };
        assert_eq!(classifier.classify(input).class, LoanClass::SpecialMention);
    }
}

#[test]
fn partial_repayment_follows_the_allocation_order() {
    // Source: Apache Fineract "Penalties, Fees, Interest, Principal order" transaction strategy and
    // SPEC R-SVC-2: penalties → fees → overdue interest → overdue principal → due interest → due principal.
    let (terms, schedule) = standard_loan();
    let first = schedule.installments[0];
    let mut position = LoanPosition::new(terms, &schedule).unwrap();
    position.accrue_to(add_days(first.due_date, 5)).unwrap();
    position
        .charge_fee(add_days(first.due_date, 5), cny(2_000))
        .unwrap();
    let penalty = position.summary().penalty_unpaid_minor();
    assert!(penalty > 0);
    let amount = cny(penalty + 2_000 + first.interest.minor() + 100);
    let outcome = position.repay(
        add_days(first.due_date, 5),
        amount,
        &AllocationOrder::default(),
        Prepayment::ShortenTerm,
    );
    let outcome = outcome.unwrap();
    assert_eq!(outcome.allocation.penalty(), cny(penalty));
    assert_eq!(outcome.allocation.fee(), cny(2_000));
    assert_eq!(
        outcome.allocation.bucket_total(AllocationBucket::OverdueInterest),
        first.interest
    );
    assert_eq!(
        outcome
            .allocation
            .bucket_total(AllocationBucket::OverduePrincipal),
        cny(100)
    );
    assert_eq!(outcome.overpayment, cny(0));
    // Still overdue: the oldest unpaid due date does not move until the principal is paid.
    assert_eq!(position.summary().days_past_due(), 5);
    assert_consistent(&position);
}

#[test]
fn prepayment_lowers_the_installment_or_shortens_the_term() {
    // Source: R-SVC-2 — overpayment reduces future principal, either keeping the number of
    // installments (lower installment) or keeping the installment (shorter term), as bank
    // 提前还款 calculators offer (“月供减少，期限不变” / “月供不变，期限缩短”).
    let (terms, schedule) = standard_loan();
    let first = schedule.installments[0];
    let cases = [
        (Prepayment::LowerInstallment, true),
        (Prepayment::ShortenTerm, false),
    ];
    for (kind, keeps_count) in cases {
        let mut position = LoanPosition::new(terms.clone(), &schedule).unwrap();
        position.accrue_to(first.due_date).unwrap();
        let amount = first.total.checked_add(cny(500_000)).unwrap();
        let outcome = position
            .repay(first.due_date, amount, &AllocationOrder::default(), kind)
            .unwrap();
        assert!(outcome.rescheduled);
        assert_eq!(outcome.prepaid_principal, cny(500_000));
        let remaining: Vec<_> = position
            .installments()
            .iter()
            .filter(|i| i.due_date > first.due_date)
            .collect();
        let old_total = first.total.minor();
        if keeps_count {
            assert_eq!(remaining.len(), 11);
            assert!(remaining[0].principal.minor() + remaining[0].interest.minor() < old_total);
        } else {
            assert!(remaining.len() < 11, "{kind:?}: {} installments", remaining.len());
            let regular = &remaining[..remaining.len() - 1];
            assert!(
                regular
                    .iter()
                    .all(|i| i.principal.minor() + i.interest.minor() <= old_total)
            );
        }
        let principal_left: i64 = remaining.iter().map(|i| i.principal.minor()).sum();
        assert_eq!(principal_left, 1_200_000 - first.principal.minor() - 500_000);
        assert_eq!(position.summary().principal_outstanding_minor, principal_left);
        assert_consistent(&position);
    }
}

#[test]
fn mid_period_prepayment_pays_accrued_interest_first_and_can_close_the_loan() {
    let (terms, schedule) = standard_loan();
    let mut position = LoanPosition::new(terms, &schedule).unwrap();
    let day = date(2024, 1, 30); // 15 of the 31 days of the first period
    let accrued = position.accrue_to(day).unwrap().interest;
    let expected = round_decimal(
        schedule.installments[0].interest.to_decimal() * Decimal::from(15) / Decimal::from(31),
        2,
        RoundingMode::HalfEven,
    );
    assert_eq!(accrued.to_decimal(), expected);
    assert_eq!(position.interest_accrued_not_due().unwrap(), accrued);
    assert_eq!(position.summary().interest_receivable_minor, accrued.minor());
    let outcome = position
        .repay(
            day,
            cny(2_000_000),
            &AllocationOrder::default(),
            Prepayment::LowerInstallment,
        )
        .unwrap();
    assert_eq!(outcome.prepaid_interest, accrued);
    assert_eq!(outcome.prepaid_principal, cny(1_200_000));
    assert_eq!(outcome.overpayment, cny(2_000_000 - 1_200_000 - accrued.minor()));
    assert_eq!(position.status(), LoanStatus::Closed);
    assert_eq!(
        position.repay(day, cny(1), &AllocationOrder::default(), Prepayment::NotAllowed),
        Err(ServicingError::LoanClosed)
    );
}

#[test]
fn write_off_moves_every_balance_and_recovery_is_capped() {
    let (terms, schedule) = standard_loan();
    let mut position = LoanPosition::new(terms, &schedule).unwrap();
    let day = date(2024, 8, 1);
    position.accrue_to(day).unwrap();
    let before = position.summary();
    let record = position.write_off(day).unwrap();
    assert_eq!(record.principal.minor(), before.principal_outstanding_minor);
    assert_eq!(record.interest.minor(), before.interest_receivable_minor);
    assert_eq!(record.penalty.minor(), before.penalty_unpaid_minor());
    assert_eq!(position.status(), LoanStatus::WrittenOff);
    // Accrual stops after the write-off.
    let after = position.accrue_to(date(2024, 9, 1)).unwrap();
    assert_eq!(after, AccrualPosting::zero(Currency::CNY));
    let later = date(2024, 9, 1);
    let left = position.recover(later, cny(100_000)).unwrap();
    assert_eq!(left.minor(), record.total_minor() - 100_000);
    let too_much = position.recover(later, cny(record.total_minor()));
    assert!(matches!(
        too_much,
        Err(ServicingError::RecoveryExceedsWrittenOff { .. })
    ));
    let repay = position.repay(later, cny(1), &AllocationOrder::default(), Prepayment::NotAllowed);
    assert_eq!(repay, Err(ServicingError::LoanWrittenOff));
}

#[test]
fn transactions_must_be_dated_on_the_position_date() {
    let (terms, schedule) = standard_loan();
    let mut position = LoanPosition::new(terms, &schedule).unwrap();
    position.accrue_to(date(2024, 3, 1)).unwrap();
    let order = AllocationOrder::default();
    let early = position.repay(date(2024, 2, 1), cny(100), &order, Prepayment::NotAllowed);
    assert!(matches!(early, Err(ServicingError::DatedBeforePosition { .. })));
    let late = position.repay(date(2024, 3, 2), cny(100), &order, Prepayment::NotAllowed);
    assert!(matches!(late, Err(ServicingError::NotAccruedTo { .. })));
    let zero = position.repay(date(2024, 3, 1), cny(0), &order, Prepayment::NotAllowed);
    assert_eq!(zero, Err(ServicingError::NonPositiveAmount));
    let usd = position.charge_fee(date(2024, 3, 1), Money::from_minor(5, Currency::USD));
    assert_eq!(usd, Err(ServicingError::CurrencyMismatch));
}

#[test]
fn batch_step_asks_for_installments_only_on_due_dates() {
    let (terms, schedule) = standard_loan();
    let position = LoanPosition::new(terms, &schedule).unwrap();
    let mut summary = position.summary();
    let due = schedule.installments[0].due_date;
    let mut days_needing_installments = Vec::new();
    let mut full = position.clone();
    while summary.as_of < add_days(due, 3) {
        match summary.step_day().unwrap() {
            Step::Posted(_) => {}
            Step::NeedsInstallments => {
                days_needing_installments.push(summary.as_of);
                // The batch loads the loan, closes the day in full and keeps the new summary.
                full = LoanPosition::restore(
                    full.terms().clone(),
                    full.installments().to_vec(),
                    summary.as_of,
                    summary.penalty,
                    summary.compound,
                    summary.penalty_paid_minor,
                )
                .unwrap();
                full.accrue_day_full().unwrap();
                summary = full.summary();
            }
        }
    }
    assert_eq!(days_needing_installments, vec![due]);
}

// ---------------------------------------------------------------------------------------------
// Properties.

#[derive(Clone, Copy, Debug)]
enum Op {
    Repay {
        day: u64,
        amount_minor: i64,
        prepayment: u8,
    },
    Fee {
        day: u64,
        amount_minor: i64,
    },
}

fn any_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0_u64..500, 1_i64..600_000, 0_u8..3)
            .prop_map(|(day, amount_minor, prepayment)| Op::Repay { day, amount_minor, prepayment }),
        1 => (0_u64..500, 1_i64..5_000).prop_map(|(day, amount_minor)| Op::Fee { day, amount_minor }),
    ]
}

fn any_loan() -> impl Strategy<Value = (LoanTerms, Schedule)> {
    let conventions = (any::<bool>(), any::<bool>(), any::<bool>(), 0_usize..3);
    (
        100_000_i64..5_000_000,
        0_i64..2400,
        1_u32..18,
        0_usize..5,
        conventions,
    )
        .prop_map(
            |(principal, rate_bps, n, method, (daily, fortnightly, whole_yuan, compound))| {
                let methods = [
                    RepaymentMethod::Annuity,
                    RepaymentMethod::EqualPrincipal,
                    RepaymentMethod::InterestOnly,
                    RepaymentMethod::Flat,
                    RepaymentMethod::Bullet,
                ];
                let mut s = schedule_terms(principal, Decimal::new(rate_bps, 4), n, methods[method].clone());
                if daily {
                    s.interest_period = InterestPeriod::Daily;
                    s.days_in_year = DaysInYear::Actual;
                }
                if fortnightly {
                    s.frequency = Frequency {
                        every: 2,
                        unit: PeriodUnit::Weeks,
                    };
                }
                if whole_yuan {
                    s.rounding.installment_multiple = Some(cny(100));
                }
                let compounds = [
                    CompoundInterest::Off,
                    CompoundInterest::AtPenaltyRate,
                    CompoundInterest::AtContractRate,
                ];
                loan(
                    s,
                    PenaltyRule::new(Decimal::new(3, 1), compounds[compound]).unwrap(),
                )
            },
        )
}

fn event(op: Op, start: NaiveDate) -> LoanEvent {
    let kinds = [
        Prepayment::NotAllowed,
        Prepayment::ShortenTerm,
        Prepayment::LowerInstallment,
    ];
    match op {
        Op::Repay {
            day,
            amount_minor,
            prepayment,
        } => LoanEvent::Repayment {
            date: add_days(start, day),
            amount: cny(amount_minor),
            prepayment: kinds[usize::from(prepayment)],
        },
        Op::Fee { day, amount_minor } => LoanEvent::Fee {
            date: add_days(start, day),
            amount: cny(amount_minor),
        },
    }
}

/// Applies events one by one in date order, as a teller would on each date; events that the
/// loan refuses (closed loan) are skipped, as the application layer would refuse them.
fn incremental(
    terms: &LoanTerms,
    schedule: &Schedule,
    events: &[LoanEvent],
    end: NaiveDate,
) -> (LoanPosition, AccrualPosting, Vec<LoanEvent>) {
    let mut position = LoanPosition::new(terms.clone(), schedule).unwrap();
    let mut accrued = AccrualPosting::zero(Currency::CNY);
    let mut accepted = Vec::new();
    let order = AllocationOrder::default();
    for &e in events {
        accrued = accrued
            .checked_add(position.accrue_to(e.date()).unwrap())
            .unwrap();
        let result = match e {
            LoanEvent::Repayment {
                date,
                amount,
                prepayment,
            } => position.repay(date, amount, &order, prepayment).map(|o| {
                let accounted = o.allocation.allocated().minor()
                    + o.prepaid_interest.minor()
                    + o.prepaid_principal.minor()
                    + o.overpayment.minor();
                assert_eq!(
                    accounted,
                    amount.minor(),
                    "a repayment is accounted for to the minor unit"
                );
            }),
            LoanEvent::Fee { date, amount } => position.charge_fee(date, amount).map(|_| ()),
            _ => unreachable!("only repayments and fees are generated"),
        };
        match result {
            Ok(()) => accepted.push(e),
            Err(ServicingError::LoanClosed) => {}
            Err(other) => panic!("unexpected refusal {other:?}"),
        }
        assert_eq!(position.summary(), position.derived_summary().unwrap());
    }
    accrued = accrued.checked_add(position.accrue_to(end).unwrap()).unwrap();
    (position, accrued, accepted)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn back_dated_repayment_replayed_equals_entered_on_its_date(
        (terms, schedule) in any_loan(),
        ops in proptest::collection::vec(any_op(), 1..8),
        pick in any::<prop::sample::Index>(),
    ) {
        let start = terms.schedule.disbursement_date;
        let mut events: Vec<LoanEvent> = ops.iter().map(|&op| event(op, start)).collect();
        events.sort_by_key(LoanEvent::date);
        let end = add_days(start, 560);
        let (entered, accrued, accepted) = incremental(&terms, &schedule, &events, end);
        prop_assume!(!accepted.is_empty());
        // The back-dated one arrives last: it is appended to the list out of date order.
        let late = pick.index(accepted.len());
        let mut arrived: Vec<LoanEvent> = accepted.clone();
        let back_dated = arrived.remove(late);
        arrived.push(back_dated);
        // Same-date events keep their original relative order for the comparison.
        arrived.sort_by_key(|e| (e.date(), accepted.iter().position(|a| a == e)));
        let replayed = replay(terms.clone(), &schedule, &AllocationOrder::default(), &arrived, end).unwrap();
        prop_assert_eq!(&replayed.position, &entered);
        prop_assert_eq!(replayed.accrued, accrued);
    }

    #[test]
    fn batch_summary_step_agrees_with_full_computation(
        (terms, schedule) in any_loan(),
        ops in proptest::collection::vec(any_op(), 0..6),
    ) {
        let start = terms.schedule.disbursement_date;
        let mut events: Vec<LoanEvent> = ops.iter().map(|&op| event(op, start)).collect();
        events.sort_by_key(LoanEvent::date);
        let settled = events.last().map_or(start, LoanEvent::date);
        let (position, _, _) = incremental(&terms, &schedule, &events, settled);
        let mut cheap = position.clone();
        let mut full = position;
        for _ in 0..560 {
            let a = cheap.accrue_to(add_days(cheap.as_of(), 1)).unwrap();
            let b = full.accrue_day_full().unwrap();
            prop_assert_eq!(a, b);
            prop_assert_eq!(cheap.summary(), full.summary());
        }
        prop_assert_eq!(cheap.summary(), cheap.derived_summary().unwrap());
    }

    #[test]
    fn position_totals_equal_the_sum_of_installments(
        (terms, schedule) in any_loan(),
        ops in proptest::collection::vec(any_op(), 0..8),
        end_day in 0_u64..600,
    ) {
        let start = terms.schedule.disbursement_date;
        let mut events: Vec<LoanEvent> = ops.iter().map(|&op| event(op, start)).collect();
        events.sort_by_key(LoanEvent::date);
        let end = add_days(start, end_day).max(events.last().map_or(start, LoanEvent::date));
        let (position, accrued, _) = incremental(&terms, &schedule, &events, end);
        let s = position.summary();
        let inst = position.installments();
        let principal_unpaid: i64 = inst.iter().map(|i| i.principal_unpaid()).sum();
        let principal: i64 = inst.iter().map(|i| i.principal.minor()).sum();
        prop_assert_eq!(principal, terms.schedule.principal.minor());
        prop_assert_eq!(s.principal_outstanding_minor, principal_unpaid);
        prop_assert!(s.principal_overdue_minor <= s.principal_outstanding_minor);
        // Interest recognised = interest posted by accrual; receivable = recognised − paid.
        let paid: i64 = inst.iter().map(|i| i.interest_paid.minor()).sum();
        prop_assert_eq!(s.interest_receivable_minor, accrued.interest.minor() - paid);
        prop_assert_eq!(s.penalty.posted_minor, accrued.penalty.minor());
        prop_assert_eq!(s.compound.posted_minor, accrued.compound.minor());
        prop_assert!(s.penalty_unpaid_minor() >= 0 && s.fee_unpaid_minor >= 0);
        if s.status == LoanStatus::Closed {
            prop_assert_eq!(principal_unpaid, 0);
        }
    }
}
