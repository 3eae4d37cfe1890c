//! Scorecard arithmetic and explanations (R-RATE-1, R-RATE-2) and the
//! re-rating decision. The expected totals below are worked by hand from the
//! test scorecard in `card()`: a contribution is points × weight%, in
//! hundredths of a point.

use chrono::NaiveDate;
use credgrid_core::i18n::{Locale, has_key};
use credgrid_core::money::{Currency, Money};
use credgrid_core::rating::scorecard::{
    Direction, RatingEvent, ReratingPolicy, ReratingReason, default_factors, default_grades, rerating_due,
};
use credgrid_core::rating::{
    Bin, Factor, FactorRule, Grade, GradeRule, ScoreError, ScoreInputs, Scorecard, ScorecardError,
};
use proptest::prelude::*;

fn yuan(major: i64) -> Money {
    Money::from_minor(major * 100, Currency::CNY)
}

fn rule(factor: Factor, weight_percent: u32, direction: Direction, bins: &[(i64, i64, u32)]) -> FactorRule {
    let bins = bins
        .iter()
        .map(|&(min, max, points)| Bin { min, max, points })
        .collect();
    FactorRule {
        factor,
        weight_percent,
        direction,
        bins,
    }
}

/// Three factors, weights 50/30/20; the R-RATE-2 grades with cut-offs 85/70/60.
fn card() -> Scorecard {
    Scorecard::new(
        vec![
            rule(
                Factor::RepaymentHistory,
                50,
                Direction::LowerIsBetter,
                &[(0, 0, 100), (1, 30, 60), (31, i64::MAX, 0)],
            ),
            rule(
                Factor::VillageReputation,
                30,
                Direction::HigherIsBetter,
                &[(1, 2, 0), (3, 4, 50), (5, 5, 100)],
            ),
            rule(
                Factor::FileCompleteness,
                20,
                Direction::HigherIsBetter,
                &[(0, 79, 0), (80, 100, 100)],
            ),
        ],
        default_grades(Currency::CNY),
    )
    .expect("valid test scorecard")
}

fn inputs(days_past_due: i64, reputation: i64, completeness: i64) -> ScoreInputs {
    ScoreInputs::new()
        .with(Factor::RepaymentHistory, days_past_due)
        .with(Factor::VillageReputation, reputation)
        .with(Factor::FileCompleteness, completeness)
}

#[test]
fn totals_and_grades_follow_the_bins_and_weights() {
    // (days past due, reputation, completeness) → (contributions, total, grade); worked by hand.
    let table = [
        ((0, 5, 100), [5_000, 3_000, 2_000], 10_000, Grade::Excellent),
        ((0, 3, 100), [5_000, 1_500, 2_000], 8_500, Grade::Excellent), // exactly on the cut-off
        ((10, 5, 100), [3_000, 3_000, 2_000], 8_000, Grade::Good),
        ((0, 3, 50), [5_000, 1_500, 0], 6_500, Grade::General),
        ((1, 5, 0), [3_000, 3_000, 0], 6_000, Grade::General), // exactly on the cut-off
        ((10, 3, 79), [3_000, 1_500, 0], 4_500, Grade::BelowGeneral),
        ((31, 5, 100), [0, 3_000, 2_000], 5_000, Grade::BelowGeneral),
    ];
    let card = card();
    for ((dpd, rep, comp), weighted, total, grade) in table {
        let rating = card.score(&inputs(dpd, rep, comp)).unwrap();
        let got: Vec<u32> = rating
            .contributions
            .iter()
            .map(|c| c.weighted_centipoints)
            .collect();
        assert_eq!(got, weighted, "{dpd}/{rep}/{comp}");
        assert_eq!(rating.total_centipoints, total);
        assert_eq!(rating.grade, grade);
        assert_eq!(
            got.iter().sum::<u32>(),
            rating.total_centipoints,
            "contributions add up to the total"
        );
    }
}

#[test]
fn each_grade_carries_its_pure_credit_line_range() {
    // R-RATE-2: excellent 5,001–10,000; good 3,001–5,000; general up to 3,000; below general none.
    let card = card();
    let line = |dpd, rep, comp| card.score(&inputs(dpd, rep, comp)).unwrap().line;
    assert_eq!(line(0, 5, 100), Some((yuan(5_001), yuan(10_000))));
    assert_eq!(line(10, 5, 100), Some((yuan(3_001), yuan(5_000))));
    assert_eq!(line(0, 3, 50), Some((yuan(0), yuan(3_000))));
    assert_eq!(line(31, 5, 100), None);
}

#[test]
fn every_contribution_explains_itself_in_every_language() {
    let rating = card().score(&inputs(10, 4, 100)).unwrap();
    let repayment = &rating.contributions[0];
    assert_eq!(repayment.factor, Factor::RepaymentHistory);
    assert_eq!(
        (repayment.value, repayment.points, repayment.weight_percent),
        (10, 60, 50)
    );
    let en = repayment.explanation(Locale::En);
    assert_eq!(
        en,
        "Repayment history (worst days past due): 10 in bin 1–30, 60 points × 50% = 30.00"
    );
    let open_ended = card().score(&inputs(45, 4, 100)).unwrap().contributions[0].explanation(Locale::En);
    assert!(open_ended.contains("bin 31+"), "{open_ended}");
    for locale in Locale::ALL {
        for contribution in &rating.contributions {
            let text = contribution.explanation(locale);
            assert!(!text.contains('{'), "unfilled placeholder in {text}");
            assert!(has_key(locale, &contribution.factor.key()));
        }
        assert!(has_key(locale, &rating.grade.key()));
    }
    assert!(repayment.explanation(Locale::Zh).contains("还款记录"));
    assert_eq!(rating.total_points(), "65.00"); // 60×50 + 50×30 + 100×20 centipoints
}

#[test]
fn missing_or_out_of_range_inputs_are_refused() {
    let card = card();
    let partial = ScoreInputs::new().with(Factor::RepaymentHistory, 0);
    assert_eq!(
        card.score(&partial),
        Err(ScoreError::MissingInput {
            factor: Factor::VillageReputation
        })
    );
    assert_eq!(
        card.score(&inputs(0, 6, 100)),
        Err(ScoreError::NoBinFor {
            factor: Factor::VillageReputation,
            value: 6
        })
    );
    assert_eq!(
        card.score(&inputs(-1, 5, 100)),
        Err(ScoreError::NoBinFor {
            factor: Factor::RepaymentHistory,
            value: -1
        })
    );
    for e in [
        ScoreError::MissingInput {
            factor: Factor::RepaymentHistory,
        },
        ScoreError::NoBinFor {
            factor: Factor::RepaymentHistory,
            value: 0,
        },
    ] {
        assert!(has_key(Locale::Zh, &e.key()), "{}", e.key());
    }
}

#[test]
fn invalid_scorecards_are_refused_with_the_reason() {
    let ok = || {
        rule(
            Factor::FileCompleteness,
            100,
            Direction::HigherIsBetter,
            &[(0, 49, 0), (50, 100, 100)],
        )
    };
    let grades = default_grades(Currency::CNY);
    let table: Vec<(Vec<FactorRule>, Vec<GradeRule>, ScorecardError)> = vec![
        (vec![], grades.clone(), ScorecardError::NoFactors),
        (
            vec![
                rule(
                    Factor::FileCompleteness,
                    50,
                    Direction::HigherIsBetter,
                    &[(0, 100, 0)],
                ),
                ok(),
            ],
            grades.clone(),
            ScorecardError::DuplicateFactor {
                factor: Factor::FileCompleteness,
            },
        ),
        (
            vec![rule(
                Factor::FileCompleteness,
                90,
                Direction::HigherIsBetter,
                &[(0, 100, 0)],
            )],
            grades.clone(),
            ScorecardError::WeightsNotHundred { total: 90 },
        ),
        (
            vec![rule(
                Factor::FileCompleteness,
                100,
                Direction::HigherIsBetter,
                &[],
            )],
            grades.clone(),
            ScorecardError::NoBins {
                factor: Factor::FileCompleteness,
            },
        ),
        (
            vec![rule(
                Factor::FileCompleteness,
                100,
                Direction::HigherIsBetter,
                &[(5, 1, 0)],
            )],
            grades.clone(),
            ScorecardError::BinInverted {
                factor: Factor::FileCompleteness,
                index: 0,
            },
        ),
        (
            vec![rule(
                Factor::FileCompleteness,
                100,
                Direction::HigherIsBetter,
                &[(0, 49, 0), (51, 100, 100)],
            )],
            grades.clone(),
            ScorecardError::BinsNotContiguous {
                factor: Factor::FileCompleteness,
                index: 1,
            },
        ),
        (
            vec![rule(
                Factor::FileCompleteness,
                100,
                Direction::HigherIsBetter,
                &[(0, 100, 101)],
            )],
            grades.clone(),
            ScorecardError::PointsOverMax {
                factor: Factor::FileCompleteness,
                index: 0,
            },
        ),
        (
            vec![rule(
                Factor::FileCompleteness,
                100,
                Direction::HigherIsBetter,
                &[(0, 49, 100), (50, 100, 0)],
            )],
            grades.clone(),
            ScorecardError::NotMonotone {
                factor: Factor::FileCompleteness,
                index: 1,
            },
        ),
        (
            vec![ok()],
            grades[..3].to_vec(),
            ScorecardError::LowestGradeNotZero,
        ),
        (
            vec![ok()],
            vec![grades[1], grades[0], grades[3]],
            ScorecardError::GradesNotDescending {
                grade: Grade::Excellent,
            },
        ),
        (
            vec![ok()],
            vec![GradeRule {
                grade: Grade::General,
                min_centipoints: 0,
                line: Some((yuan(3_000), yuan(1))),
            }],
            ScorecardError::LineRangeInvalid {
                grade: Grade::General,
            },
        ),
    ];
    for (factors, grades, expected) in table {
        assert_eq!(
            Scorecard::new(factors, grades),
            Err(expected.clone()),
            "{expected}"
        );
    }
}

#[test]
fn the_default_scorecard_is_valid_and_grades_a_model_household_excellent() {
    let card = Scorecard::default_for(Currency::CNY);
    assert_eq!(card.factors().len(), 6);
    let model = ScoreInputs::new()
        .with(Factor::RepaymentHistory, 0)
        .with(Factor::IncomeStability, 10)
        .with(Factor::DebtToAssets, 10)
        .with(Factor::FamilySituation, 3)
        .with(Factor::VillageReputation, 5)
        .with(Factor::FileCompleteness, 100);
    let rating = card.score(&model).unwrap();
    assert_eq!(rating.total_centipoints, 10_000, "top bin of every factor");
    assert_eq!(rating.grade, Grade::Excellent);
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

#[test]
fn rerating_is_due_on_a_default_a_file_change_or_the_schedule_in_that_order() {
    let rated = d(2026, 1, 15);
    let policy = ReratingPolicy::default();
    let default = RatingEvent::Default { on: d(2026, 5, 1) };
    let change = RatingEvent::FileChanged { on: d(2026, 3, 1) };
    let old_change = RatingEvent::FileChanged { on: d(2026, 1, 10) };
    // (today, events, expected)
    let table = [
        (d(2026, 6, 1), vec![], None),
        (d(2026, 6, 1), vec![old_change], None), // known to the rater
        (
            d(2026, 6, 1),
            vec![change],
            Some(ReratingReason::FileChanged { on: d(2026, 3, 1) }),
        ),
        (
            d(2026, 6, 1),
            vec![change, default],
            Some(ReratingReason::Default { on: d(2026, 5, 1) }),
        ),
        (d(2026, 4, 1), vec![default], None), // not happened yet on that day
        (d(2027, 1, 14), vec![], None),
        (
            d(2027, 1, 15),
            vec![],
            Some(ReratingReason::Schedule { due: d(2027, 1, 15) }),
        ),
    ];
    for (today, events, expected) in table {
        assert_eq!(
            rerating_due(rated, today, &events, policy),
            expected,
            "{today} {events:?}"
        );
    }
    let ignore_files = ReratingPolicy {
        on_file_change: false,
        ..policy
    };
    assert_eq!(rerating_due(rated, d(2026, 6, 1), &[change], ignore_files), None);
}

proptest! {
    /// With every other factor fixed, a better measure never lowers the total
    /// (the default scorecard declares every factor's direction).
    #[test]
    fn scores_are_monotone_in_each_factor(
        base in prop::array::uniform6(0_i64..=100),
        factor_index in 0_usize..6,
        a in 0_i64..=100,
        b in 0_i64..=100,
    ) {
        let card = Scorecard::default_for(Currency::CNY);
        let factors = default_factors();
        let clamp = |factor: Factor, v: i64| if factor == Factor::VillageReputation { v.clamp(1, 5) } else { v };
        let mut inputs = ScoreInputs::new();
        for (rule, value) in factors.iter().zip(base) {
            inputs = inputs.with(rule.factor, clamp(rule.factor, value));
        }
        let rule = &factors[factor_index];
        let (low, high) = (a.min(b), a.max(b));
        let score = |v| card.score(&inputs.clone().with(rule.factor, clamp(rule.factor, v))).map(|r| r.total_centipoints);
        let (at_low, at_high) = (score(low), score(high));
        // Every value drawn lies in a bin of the default scorecard.
        let (at_low, at_high) = (at_low.unwrap(), at_high.unwrap());
        match rule.direction {
            Direction::HigherIsBetter => prop_assert!(at_high >= at_low),
            Direction::LowerIsBetter => prop_assert!(at_high <= at_low),
        }
    }
}

#[test]
fn inputs_come_from_the_household_file_and_the_ledger_and_name_what_is_missing() {
    use credgrid_core::grid::household::{Asset, Debt, IncomeKind, IncomeSource, Member, Relation};
    use credgrid_core::grid::{CompletenessRule, FilePart, HouseholdFile};
    use credgrid_core::rating::OutsideFacts;
    let member = |works| Member {
        name: "m".into(),
        relation: Relation::Other,
        birth_year: None,
        works,
    };
    let file = HouseholdFile {
        identity_number: Some("X".into()),
        members: vec![member(true), member(true), member(false)],
        income_sources: Some(vec![IncomeSource {
            kind: IncomeKind::Crops,
            annual: yuan(20_000),
            years: 4,
        }]),
        assets: Some(vec![Asset {
            description: "house".into(),
            value: yuan(100_000),
        }]),
        debts: Some(vec![Debt {
            creditor: "bank".into(),
            outstanding: yuan(45_000),
        }]),
        ..HouseholdFile::default()
    };
    let rule = CompletenessRule::new(&[
        FilePart::Identity,
        FilePart::Members,
        FilePart::Visits,
        FilePart::Needs,
    ]);
    let facts = OutsideFacts {
        worst_days_past_due: 12,
        village_reputation: 4,
    };
    let inputs = ScoreInputs::from_file(&file, &rule, Currency::CNY, facts).unwrap();
    // (factor, expected measure): 2 working members, 45% debt to assets, 2 of 4 parts present.
    let table = [
        (Factor::RepaymentHistory, 12),
        (Factor::IncomeStability, 4),
        (Factor::DebtToAssets, 45),
        (Factor::FamilySituation, 2),
        (Factor::VillageReputation, 4),
        (Factor::FileCompleteness, 50),
    ];
    for (factor, expected) in table {
        assert_eq!(inputs.get(factor), Some(expected), "{factor:?}");
    }
    let no_income = HouseholdFile {
        income_sources: None,
        ..file
    };
    let inputs = ScoreInputs::from_file(&no_income, &rule, Currency::CNY, facts).unwrap();
    assert_eq!(
        Scorecard::default_for(Currency::CNY).score(&inputs),
        Err(ScoreError::MissingInput {
            factor: Factor::IncomeStability
        })
    );
}
