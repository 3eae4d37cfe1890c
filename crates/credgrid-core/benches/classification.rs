//! Benchmark: classify and provision 1,000,000 loans held in memory as compact summaries.
//!
//! Each loan is a `LoanSummary` (the `Copy` struct the end-of-day batch keeps
//! per loan) with varied days past due and balances. The hot loop computes
//! days past due, the delinquency bucket, the five-category class, the
//! target provision and the charge or release against the existing
//! provision, and allocates nothing. Goal: under 100 ms for 1M loans.
//!
//! A second measurement times the end-of-day accrual step of the same
//! summaries (`LoanSummary::step_day`: contractual interest, penalty and
//! compound interest for one day), which the batch runs for every loan on
//! every day that is not a due date.

use chrono::{Days, NaiveDate};
use credgrid_core::Money;
use credgrid_core::accrual::{CompoundInterest, PenaltyRule};
use credgrid_core::accrual::{DayCount, RunningAccrual};
use credgrid_core::calendar::{DaysInMonth, DaysInYear, Frequency};
use credgrid_core::classification::{
    ClassificationConfig, ClassificationInput, Classifier, provision_change,
};
use credgrid_core::money::Currency;
use credgrid_core::rounding::RoundingMode;
use credgrid_core::schedule::{
    EmiBasis, Grace, InterestPeriod, RepaymentMethod, ScheduleRounding, ScheduleTerms, generate,
};
use credgrid_core::servicing::{LoanPosition, LoanStatus, LoanSummary, LoanTerms, Step};
use rust_decimal::Decimal;
use std::hint::black_box;
use std::time::Instant;

const LOANS: usize = 1_000_000;
const RUNS: usize = 5;

fn portfolio(as_of: NaiveDate) -> (Vec<LoanSummary>, Vec<i64>) {
    let template = LoanSummary {
        currency: Currency::CNY,
        status: LoanStatus::Active,
        day_count: DayCount::ACTUAL_365,
        accrual_rounding: RoundingMode::HalfEven,
        penalty_rate: Decimal::new(18, 2),
        compound_rate: Decimal::ZERO,
        as_of,
        next_due_date: as_of,
        period_start: as_of,
        period_days: 30,
        period_interest_minor: 0,
        principal_outstanding_minor: 0,
        principal_overdue_minor: 0,
        interest_overdue_minor: 0,
        interest_receivable_minor: 0,
        fee_unpaid_minor: 0,
        oldest_overdue_date: None,
        penalty: RunningAccrual::default(),
        compound: RunningAccrual::default(),
        penalty_paid_minor: 0,
    };
    // A deterministic spread: most loans current, a tail overdue up to two years.
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut loans = Vec::with_capacity(LOANS);
    let mut existing = Vec::with_capacity(LOANS);
    for _ in 0..LOANS {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let balance = 100_000 + (seed % 50_000_000) as i64;
        let dpd = if seed % 10 < 8 { 0 } else { (seed >> 20) % 720 };
        let mut loan = template;
        loan.principal_outstanding_minor = balance;
        loan.oldest_overdue_date = (dpd > 0).then(|| as_of - Days::new(dpd));
        loans.push(loan);
        existing.push(balance / 100);
    }
    (loans, existing)
}

fn run(classifier: &Classifier, loans: &[LoanSummary], existing: &[i64]) -> [i64; 8] {
    // Provision per class (5), total charge, total release, loans overdue.
    let mut totals = [0_i64; 8];
    for (loan, &existing_minor) in loans.iter().zip(existing) {
        let days_past_due = loan.days_past_due();
        let bucket = classifier.bucket(days_past_due);
        let input = ClassificationInput {
            days_past_due,
            restructured_observation: false,
            manual: None,
        };
        let class = classifier.classify(input).class;
        let balance = Money::from_minor(loan.principal_outstanding_minor, loan.currency);
        let target = classifier.provision(balance, class).expect("provision fits");
        let change =
            provision_change(target, Money::from_minor(existing_minor, loan.currency)).expect("fits");
        totals[class.index()] += target.minor();
        let slot = if change.is_negative() { 6 } else { 5 };
        totals[slot] += change.minor();
        totals[7] += i64::from(bucket > 0);
    }
    totals
}

/// Real summaries of a few loans on a day that is not a due date: current,
/// and overdue with penalty and compound interest.
fn accrual_templates() -> Vec<LoanSummary> {
    let start = NaiveDate::from_ymd_opt(2026, 1, 10).expect("valid date");
    let mut templates = Vec::new();
    for (k, late_days) in [0_u64, 0, 0, 0, 45, 120, 400].into_iter().enumerate() {
        let schedule = ScheduleTerms {
            principal: Money::from_minor(1_000_000 + 370_000 * k as i64, Currency::CNY),
            annual_rate: Decimal::new(72 + 5 * k as i64, 3),
            installments: 12,
            frequency: Frequency::MONTHLY,
            disbursement_date: start,
            first_repayment_date: None,
            interest_from_date: None,
            method: RepaymentMethod::Annuity,
            interest_period: InterestPeriod::Daily,
            days_in_year: DaysInYear::Actual,
            days_in_month: DaysInMonth::Actual,
            emi: EmiBasis::Nominal,
            rounding: ScheduleRounding {
                digits: 2,
                mode: RoundingMode::HalfEven,
                installment_multiple: None,
            },
            grace: Grace::default(),
        };
        let generated = generate(&schedule).expect("valid schedule");
        let penalty =
            PenaltyRule::new(Decimal::new(5, 1), CompoundInterest::AtPenaltyRate).expect("valid rule");
        let terms = LoanTerms {
            schedule,
            penalty,
            accrual_rounding: RoundingMode::HalfEven,
        };
        let mut position = LoanPosition::new(terms, &generated).expect("valid loan");
        let day = start + Days::new(40 + late_days);
        position.accrue_to(day).expect("accrues");
        templates.push(position.summary());
    }
    templates
}

fn run_accrual(summaries: &mut [LoanSummary]) -> (i64, i64, u64) {
    let (mut interest, mut penalty, mut needs) = (0_i64, 0_i64, 0_u64);
    for summary in summaries.iter_mut() {
        match summary.step_day().expect("step") {
            Step::Posted(posting) => {
                interest += posting.interest.minor();
                penalty += posting.penalty.minor() + posting.compound.minor();
            }
            Step::NeedsInstallments => needs += 1,
        }
    }
    (interest, penalty, needs)
}

fn bench_accrual() {
    let templates = accrual_templates();
    let base: Vec<LoanSummary> = (0..LOANS).map(|i| templates[i % templates.len()]).collect();
    let mut best = std::time::Duration::MAX;
    let mut totals = (0, 0, 0);
    for _ in 0..RUNS {
        let mut summaries = base.clone();
        let start = Instant::now();
        totals = black_box(run_accrual(black_box(&mut summaries)));
        best = best.min(start.elapsed());
    }
    println!(
        "eod accrual step (summary only): {LOANS} loans, best of {RUNS}: {:.1?} ({} ns/loan); \
         interest {} penalty+compound {} (minor), loans needing installments {}",
        best,
        best.as_nanos() / LOANS as u128,
        totals.0,
        totals.1,
        totals.2
    );
}

fn main() {
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 23).expect("valid date");
    let classifier = Classifier::new(ClassificationConfig::default()).expect("default config is valid");
    let (loans, existing) = portfolio(as_of);
    let mut best = std::time::Duration::MAX;
    let mut totals = [0; 8];
    for _ in 0..RUNS {
        let start = Instant::now();
        totals = black_box(run(
            black_box(&classifier),
            black_box(&loans),
            black_box(&existing),
        ));
        best = best.min(start.elapsed());
    }
    println!(
        "classification+provision: {LOANS} loans, best of {RUNS}: {:.1?} ({} ns/loan); overdue loans {}, \
         provision by class (minor) {:?}",
        best,
        best.as_nanos() / LOANS as u128,
        totals[7],
        &totals[..5]
    );
    bench_accrual();
}
