//! Schedule semantics (grace, irregular periods, day counts, EMI bases,
//! every method) and the invariants every schedule keeps, as property tests.

use credgrid_core::calendar::{DaysInMonth, DaysInYear, Frequency, PeriodUnit};
use credgrid_core::money::{Currency, Money};
use credgrid_core::rounding::RoundingMode;
use credgrid_core::schedule::{
    CustomPrincipal, EmiBasis, Grace, InterestPeriod, RepaymentMethod, Schedule, ScheduleRounding,
    ScheduleTerms, annuity_payment, generate,
};
use proptest::prelude::*;
use rust_decimal::Decimal;

mod common;
use common::{cny, date, dec, monthly};

/// The interest of every row as major-unit strings.
fn interests(schedule: &Schedule) -> Vec<String> {
    schedule
        .installments
        .iter()
        .map(|r| r.interest.to_major_string())
        .collect()
}

#[test]
fn principal_grace_is_interest_only_then_level_payment_over_the_rest() {
    let mut terms = monthly("5000.00", "12", 6, RepaymentMethod::Annuity);
    terms.grace.principal_periods = 2;
    let schedule = generate(&terms).unwrap();
    for r in &schedule.installments[..2] {
        assert_eq!((r.principal, r.interest), (cny("0"), cny("50.00")));
    }
    // pmt(1%, 4, 5000) rounded to the cent.
    let level = annuity_payment(dec("5000"), dec("0.01"), 4).unwrap().round_dp(2);
    assert_eq!(level, dec("1281.41"));
    assert!(
        schedule.installments[2..5]
            .iter()
            .all(|r| r.total.to_decimal() == level)
    );
}

#[test]
fn interest_payment_grace_defers_interest_to_the_first_installment_after_it() {
    let plain = generate(&monthly("5000.00", "12", 6, RepaymentMethod::Annuity)).unwrap();
    let mut terms = monthly("5000.00", "12", 6, RepaymentMethod::Annuity);
    terms.grace.interest_payment_periods = 2;
    let graced = generate(&terms).unwrap();
    assert_eq!(graced.installments[0].interest, cny("0"));
    assert_eq!(graced.installments[1].interest, cny("0"));
    let deferred: i64 = plain.installments[..3].iter().map(|r| r.interest.minor()).sum();
    assert_eq!(graced.installments[2].interest.minor(), deferred);
    assert_eq!(
        graced.totals, plain.totals,
        "deferral moves interest, never changes it"
    );
}

// Irregular first period under interest per installment: the periodic rate
// pro-rated by whole months plus leftover days over the following month's
// days (Apache Fineract LoanApplicationTerms.calculatePeriodsBetweenDates).
#[test]
fn irregular_first_period_is_pro_rated_like_fineract() {
    let mut terms = monthly("5000.00", "12", 6, RepaymentMethod::InterestOnly);
    terms.first_repayment_date = Some(date("2022-12-16"));
    // 1 month (to 1 Dec) + 15 days of December's 31: 50 × (1 + 15/31) = 74.19.
    let long = generate(&terms).unwrap();
    assert_eq!(long.installments[0].interest, cny("74.19"));
    assert_eq!(long.installments[1].interest, cny("50.00"));
    assert_eq!(long.installments[1].due_date, date("2023-01-16"));
    terms.first_repayment_date = Some(date("2022-11-16"));
    // 15 days of the month 1 Nov .. 1 Dec (30 days): 50 × 15/30 = 25.00.
    assert_eq!(generate(&terms).unwrap().installments[0].interest, cny("25.00"));
}

#[test]
fn no_interest_accrues_before_interest_from_date() {
    let mut terms = monthly("5000.00", "12", 3, RepaymentMethod::InterestOnly);
    terms.interest_from_date = Some(date("2022-11-16"));
    // 16 Nov .. 1 Dec: 15 days of the month 16 Nov .. 16 Dec (30 days).
    assert_eq!(interests(&generate(&terms).unwrap()), ["25.00", "50.00", "50.00"]);
    terms.interest_period = InterestPeriod::Daily;
    // 15 days × 12% / 365 × 5000 = 24.66; then 31 and 31 days.
    assert_eq!(interests(&generate(&terms).unwrap()), ["24.66", "50.96", "50.96"]);
}

#[test]
fn daily_interest_counts_days_by_the_chosen_conventions() {
    let mut terms = monthly("5000.00", "12", 3, RepaymentMethod::InterestOnly);
    terms.interest_period = InterestPeriod::Daily;
    // Nov 30 days, Dec 31, Jan 31 at 5000 × 12% / 365.
    assert_eq!(interests(&generate(&terms).unwrap()), ["49.32", "50.96", "50.96"]);
    terms.days_in_month = DaysInMonth::Thirty;
    terms.days_in_year = DaysInYear::D360;
    assert_eq!(interests(&generate(&terms).unwrap()), ["50.00", "50.00", "50.00"]);
    // Actual/actual: 2023-12-15 .. 2024-01-15 is 17 days of 365 and 14 of 366.
    terms.days_in_month = DaysInMonth::Actual;
    terms.days_in_year = DaysInYear::Actual;
    terms.disbursement_date = date("2023-12-15");
    let fraction = Decimal::from(17) / Decimal::from(365) + Decimal::from(14) / Decimal::from(366);
    let want = (dec("5000") * dec("0.12") * fraction).round_dp(2);
    assert_eq!(
        generate(&terms).unwrap().installments[0].interest.to_decimal(),
        want
    );
}

#[test]
fn exact_emi_repays_daily_interest_with_a_level_last_installment() {
    let mut terms = monthly("100000.00", "24", 12, RepaymentMethod::Annuity);
    terms.interest_period = InterestPeriod::Daily;
    terms.disbursement_date = date("2023-01-31");
    let gap = |s: &Schedule| {
        let level = s.installments[0].total.minor();
        (s.installments[11].total.minor() - level).abs()
    };
    let nominal = generate(&terms).unwrap();
    terms.emi = EmiBasis::Exact;
    let exact = generate(&terms).unwrap();
    assert!(
        gap(&exact) <= 12,
        "the exact EMI leaves only rounding cents: {}",
        gap(&exact)
    );
    assert!(
        gap(&nominal) > gap(&exact),
        "{} vs {}",
        gap(&nominal),
        gap(&exact)
    );
    assert_eq!(exact.installments[1].due_date, date("2023-03-31"));
}

#[test]
fn bullet_pays_principal_and_all_interest_once_at_maturity() {
    let terms = monthly("10000.00", "6", 12, RepaymentMethod::Bullet);
    let schedule = generate(&terms).unwrap();
    assert_eq!(schedule.installments.len(), 1);
    let only = schedule.installments[0];
    assert_eq!((only.due_date, only.days), (date("2023-11-01"), 365));
    assert_eq!(
        (only.principal, only.interest, only.total),
        (cny("10000.00"), cny("600.00"), cny("10600.00"))
    );
    let mut graced = terms;
    graced.grace.principal_periods = 1;
    assert!(generate(&graced).is_err());
}

#[test]
fn interest_only_and_flat_charge_as_named() {
    let interest_only = generate(&monthly("10000.00", "6", 12, RepaymentMethod::InterestOnly)).unwrap();
    assert!(
        interest_only.installments[..11]
            .iter()
            .all(|r| r.principal.is_zero() && r.interest == cny("50.00"))
    );
    assert_eq!(interest_only.installments[11].principal, cny("10000.00"));
    // Fineract flat: interest on the original principal every period.
    let flat = generate(&monthly("12000.00", "24", 6, RepaymentMethod::Flat)).unwrap();
    assert!(
        flat.installments
            .iter()
            .all(|r| r.principal == cny("2000.00") && r.interest == cny("240.00"))
    );
}

#[test]
fn weekly_and_daily_frequencies_use_their_periodic_rates() {
    let mut terms = monthly("5200.00", "10", 4, RepaymentMethod::InterestOnly);
    terms.frequency = Frequency {
        every: 2,
        unit: PeriodUnit::Weeks,
    };
    let weekly = generate(&terms).unwrap();
    // 5200 × 10% × 2 / 52 = 20.00 every fortnight.
    assert_eq!(interests(&weekly), ["20.00"; 4]);
    assert_eq!(weekly.installments[1].due_date, date("2022-11-29"));
    terms.frequency = Frequency {
        every: 10,
        unit: PeriodUnit::Days,
    };
    terms.days_in_year = DaysInYear::D360;
    // 5200 × 10% × 10 / 360 = 14.44.
    assert_eq!(interests(&generate(&terms).unwrap()), ["14.44"; 4]);
}

#[test]
fn custom_principal_on_harvest_dates() {
    let parts = vec![
        CustomPrincipal {
            due_date: date("2023-07-15"),
            principal: cny("2000.00"),
        },
        CustomPrincipal {
            due_date: date("2023-10-15"),
            principal: cny("3000.00"),
        },
    ];
    let mut terms = monthly("5000.00", "12", 2, RepaymentMethod::Custom(parts));
    terms.interest_period = InterestPeriod::Daily;
    let schedule = generate(&terms).unwrap();
    // 1 Nov 2022 .. 15 Jul 2023 = 256 days on 5000; then 92 days on 3000.
    assert_eq!(interests(&schedule), ["420.82", "90.74"]);
    assert_eq!(schedule.installments[1].outstanding, cny("0"));
}

fn arb_terms() -> impl Strategy<Value = ScheduleTerms> {
    let method = prop_oneof![
        Just(RepaymentMethod::Annuity),
        Just(RepaymentMethod::EqualPrincipal),
        Just(RepaymentMethod::Flat),
        Just(RepaymentMethod::InterestOnly),
        Just(RepaymentMethod::Bullet),
    ];
    let unit = prop_oneof![
        Just(PeriodUnit::Days),
        Just(PeriodUnit::Weeks),
        Just(PeriodUnit::Months)
    ];
    let conventions = (
        prop_oneof![Just(InterestPeriod::Installment), Just(InterestPeriod::Daily)],
        prop_oneof![
            Just(DaysInYear::D360),
            Just(DaysInYear::D364),
            Just(DaysInYear::D365),
            Just(DaysInYear::Actual)
        ],
        prop_oneof![Just(DaysInMonth::Actual), Just(DaysInMonth::Thirty)],
        prop_oneof![Just(EmiBasis::Nominal), Just(EmiBasis::Exact)],
        prop::sample::select(RoundingMode::ALL.to_vec()),
    );
    (
        (
            1_i64..10_000_000_000,
            0_u32..=10_000,
            1_u32..=60,
            method,
            unit,
            1_u32..=3,
        ),
        conventions,
        (
            0_i64..400,
            0_i64..60,
            prop::option::of(1_i64..=10_000),
            0_u32..4,
            0_u32..4,
        ),
    )
        .prop_map(|(loan, conventions, dates)| {
            let (minor, rate_bps, installments, method, unit, every) = loan;
            let (interest_period, days_in_year, days_in_month, emi, mode) = conventions;
            let (offset_days, first_extra_days, multiple, principal_grace, interest_grace) = dates;
            let disbursement_date = date("2023-01-31") + chrono::Days::new(offset_days as u64);
            let frequency = Frequency { every, unit };
            let regular_first = frequency.add_periods(disbursement_date, 1).unwrap();
            let grace = if method == RepaymentMethod::Bullet {
                Grace::default()
            } else {
                Grace {
                    principal_periods: principal_grace.min(installments - 1),
                    interest_payment_periods: interest_grace.min(installments - 1),
                }
            };
            ScheduleTerms {
                principal: Money::from_minor(minor, Currency::CNY),
                annual_rate: Decimal::new(i64::from(rate_bps), 4),
                installments,
                frequency,
                disbursement_date,
                first_repayment_date: Some(regular_first + chrono::Days::new(first_extra_days as u64)),
                interest_from_date: None,
                method,
                interest_period,
                days_in_year,
                days_in_month,
                emi,
                rounding: ScheduleRounding {
                    digits: 2,
                    mode,
                    installment_multiple: multiple.map(|m| Money::from_minor(m, Currency::CNY)),
                },
                grace,
            }
        })
}

proptest! {
    #[test]
    fn every_schedule_repays_the_principal_exactly(terms in arb_terms()) {
        let schedule = generate(&terms).unwrap();
        let rows = &schedule.installments;
        let principal: i64 = rows.iter().map(|r| r.principal.minor()).sum();
        prop_assert_eq!(principal, terms.principal.minor());
        let mut balance = terms.principal.minor();
        for r in rows {
            balance -= r.principal.minor();
            prop_assert_eq!(r.outstanding.minor(), balance);
            prop_assert!(balance >= 0 && !r.principal.is_negative() && !r.interest.is_negative());
            prop_assert_eq!(r.total.minor(), r.principal.minor() + r.interest.minor());
            prop_assert!(r.period_start < r.due_date);
        }
        prop_assert_eq!(balance, 0);
        let interest: i64 = rows.iter().map(|r| r.interest.minor()).sum();
        let total: i64 = rows.iter().map(|r| r.total.minor()).sum();
        prop_assert_eq!(schedule.totals.principal, terms.principal);
        prop_assert_eq!(schedule.totals.interest.minor(), interest);
        prop_assert_eq!(schedule.totals.total.minor(), total);
        prop_assert_eq!(generate(&terms).unwrap(), schedule, "deterministic");
    }

    #[test]
    fn annuity_rows_are_level_but_the_last(
        mut terms in arb_terms(),
        minor in 100_000_i64..10_000_000_000,
    ) {
        terms.method = RepaymentMethod::Annuity;
        terms.principal = Money::from_minor(minor, Currency::CNY);
        terms.grace = Grace::default();
        terms.rounding.installment_multiple = None;
        // Level rows need regular periods charged at the periodic rate: a
        // long first period or a 31-day month at a day rate may charge more
        // interest than the level payment.
        terms.first_repayment_date = None;
        terms.interest_period = InterestPeriod::Installment;
        let schedule = generate(&terms).unwrap();
        let level = schedule.installments[0].total;
        let all_but_last = &schedule.installments[..schedule.installments.len() - 1];
        prop_assert!(all_but_last.iter().all(|r| r.total == level), "{:?}", schedule.installments);
    }
}
