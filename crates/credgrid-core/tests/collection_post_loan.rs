//! Post-loan management (R-SVC-5, issue 7 item 7): the first visit within 30
//! days of disbursement with a use-of-funds check, periodic visits by product
//! and amount, and early-warning signals (first missed installment, a fall in
//! deposits, grid-worker news, diverted funds) that raise a visit.

use chrono::NaiveDate;
use credgrid_core::collection::post_loan::{
    FundsUse, GridNews, PeriodicRule, PostLoanError, UseOfFundsCheck, VisitLoan, VisitPlan, VisitReason,
    WarningConfig, WarningInput, WarningKind, early_warnings, warning_visit,
};
use credgrid_core::money::{Currency, Money};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn loan(principal_minor: i64, product: &str) -> VisitLoan<'_> {
    VisitLoan {
        loan_id: 9,
        product,
        principal: Money::from_minor(principal_minor, Currency::CNY),
        disbursed_on: date(2026, 1, 10),
        maturity_on: date(2027, 1, 10),
        responsible: 4,
    }
}

#[test]
fn visits_are_scheduled_after_disbursement_and_periodically() {
    let plan = VisitPlan::default();
    // 30,000.00: the generic 180-day rule.
    let visits = plan.scheduled_visits(&loan(3_000_000, "farm")).unwrap();
    let days: Vec<NaiveDate> = visits.iter().map(|v| v.due_on).collect();
    assert_eq!(days, vec![date(2026, 2, 9), date(2026, 8, 8)]);
    assert_eq!(visits[0].reason, VisitReason::AfterDisbursement);
    assert!(visits[0].use_of_funds_check);
    assert_eq!(visits[1].reason, VisitReason::Periodic);
    assert!(visits.iter().all(|v| v.assignee == 4 && v.loan_id == 9));
    // 250,000.00: every 30 days from the first visit up to maturity.
    let large = plan.scheduled_visits(&loan(25_000_000, "farm")).unwrap();
    assert_eq!(large.len(), 1 + 11);
    assert!(
        large
            .windows(2)
            .skip(1)
            .all(|w| (w[1].due_on - w[0].due_on).num_days() == 30)
    );
    assert!(large.last().unwrap().due_on <= date(2027, 1, 10));
}

#[test]
fn a_product_rule_wins_over_the_generic_rules() {
    let mut plan = VisitPlan::default();
    plan.rules.push(PeriodicRule {
        product: Some("greenhouse".to_string()),
        amount_from_minor: 0,
        interval_days: 60,
    });
    assert_eq!(plan.interval_days("greenhouse", 30_000_000), Some(60));
    assert_eq!(plan.interval_days("farm", 30_000_000), Some(30));
    assert_eq!(plan.interval_days("farm", 6_000_000), Some(90));
    plan.rules.clear();
    let only_first = plan.scheduled_visits(&loan(100, "farm")).unwrap();
    assert_eq!(only_first.len(), 1);
}

#[test]
fn bad_plans_and_loans_are_refused() {
    let mut plan = VisitPlan::default();
    let mut backwards = loan(100, "farm");
    backwards.maturity_on = date(2025, 1, 1);
    assert!(matches!(
        plan.scheduled_visits(&backwards),
        Err(PostLoanError::MaturityBeforeDisbursement { .. })
    ));
    plan.rules[0].interval_days = 0;
    assert_eq!(
        plan.scheduled_visits(&loan(100, "farm")),
        Err(PostLoanError::ZeroInterval)
    );
}

fn quiet(business_date: NaiveDate) -> WarningInput<'static> {
    WarningInput {
        business_date,
        days_past_due: 0,
        missed_installments_before: 0,
        deposit_average_previous_minor: 500_000,
        deposit_average_current_minor: 480_000,
        news: &[],
        funds_checks: &[],
    }
}

#[test]
fn each_early_warning_is_raised_by_its_signal() {
    let config = WarningConfig::default();
    let today = date(2026, 6, 1);
    assert_eq!(early_warnings(&config, &quiet(today)).unwrap(), vec![]);

    // (case, input, expected warnings)
    let first_miss = WarningInput {
        days_past_due: 1,
        ..quiet(today)
    };
    let missed_before = WarningInput {
        days_past_due: 1,
        missed_installments_before: 2,
        ..quiet(today)
    };
    let second_day = WarningInput {
        days_past_due: 2,
        ..quiet(today)
    };
    // 5,000.00 → 3,500.00 is a 30% fall, exactly the threshold.
    let fall = WarningInput {
        deposit_average_current_minor: 350_000,
        ..quiet(today)
    };
    let small_fall = WarningInput {
        deposit_average_current_minor: 350_001,
        ..quiet(today)
    };
    let tiny_balance = WarningInput {
        deposit_average_previous_minor: 50_000,
        deposit_average_current_minor: 0,
        ..quiet(today)
    };
    let cases = [
        (
            "first missed installment",
            first_miss,
            vec![WarningKind::FirstMissedInstallment],
        ),
        ("not the first miss", missed_before, vec![]),
        ("raised once, on the first day", second_day, vec![]),
        ("deposits fell 30%", fall, vec![WarningKind::DepositFall]),
        ("deposits fell just under 30%", small_fall, vec![]),
        ("balance too small to judge", tiny_balance, vec![]),
    ];
    for (case, input, expected) in cases {
        assert_eq!(early_warnings(&config, &input).unwrap(), expected, "{case}");
    }
}

#[test]
fn news_and_diverted_funds_raise_a_visit_with_a_funds_check() {
    let config = WarningConfig::default();
    let today = date(2026, 6, 1);
    let news = [
        GridNews {
            recorded_by: 12,
            recorded_on: today,
            note: "The family's pigs were lost to swine fever".to_string(),
        },
        GridNews {
            recorded_by: 12,
            recorded_on: date(2026, 5, 2),
            note: "Old news, already handled".to_string(),
        },
    ];
    let checks = [UseOfFundsCheck {
        loan_id: 9,
        checked_on: today,
        checked_by: 4,
        declared_purpose: "Buy fertiliser".to_string(),
        finding: FundsUse::PartlyDiverted,
        notes: "Half went to a wedding".to_string(),
    }];
    assert_eq!(checks[0].validate(), Ok(()));
    let input = WarningInput {
        news: &news,
        funds_checks: &checks,
        ..quiet(today)
    };
    let warnings = early_warnings(&config, &input).unwrap();
    assert_eq!(warnings, vec![WarningKind::GridNews, WarningKind::FundsDiverted]);
    let visit = warning_visit(&config, 9, 4, today, &warnings).unwrap();
    assert_eq!(visit.due_on, date(2026, 6, 8));
    assert_eq!(visit.reason, VisitReason::EarlyWarning);
    assert!(visit.use_of_funds_check);
    assert_eq!(visit.warnings, warnings);
    assert_eq!(warning_visit(&config, 9, 4, today, &[]), None);

    let blank = [GridNews {
        recorded_by: 12,
        recorded_on: today,
        note: " ".to_string(),
    }];
    let input = WarningInput {
        news: &blank,
        ..quiet(today)
    };
    assert_eq!(
        early_warnings(&config, &input),
        Err(PostLoanError::Empty { field: "news.note" })
    );
}
