//! Revolving credit lines (R-LINE-1): draw and repay move the available
//! amount; freeze, cut and cancel with a reason; expiry after the validity
//! (default 2 years); and the tiers above pure credit with their collateral
//! rules (R-LINE-2). Property: available = limit − drawn, never negative.

use chrono::NaiveDate;
use credgrid_core::collateral::CollateralKind;
use credgrid_core::credit_line::{
    CreditLine, LineError, LineEventKind, LineState, Security, TierKind, TierTable, VALIDITY_MONTHS_DEFAULT,
};
use credgrid_core::i18n::{Locale, has_key};
use credgrid_core::money::{Currency, Money};
use credgrid_core::rating::Grade;
use proptest::prelude::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
}

fn yuan(major: i64) -> Money {
    Money::from_minor(major * 100, Currency::CNY)
}

fn line() -> CreditLine {
    CreditLine::open(yuan(10_000), d(2026, 3, 8), VALIDITY_MONTHS_DEFAULT).unwrap()
}

#[test]
fn a_line_is_valid_for_two_years_by_default() {
    let line = line();
    assert_eq!(line.valid_until(), d(2028, 3, 7));
    assert_eq!(line.available_on(d(2028, 3, 7)), yuan(10_000));
    assert_eq!(line.available_on(d(2028, 3, 8)), yuan(0));
    assert_eq!(line.available_on(d(2026, 3, 7)), yuan(0), "not yet valid");
}

#[test]
fn draws_and_repayments_revolve_the_available_amount() {
    let mut line = line();
    assert_eq!(line.draw(yuan(6_000), d(2026, 4, 1)), Ok(yuan(4_000)));
    assert_eq!(line.draw(yuan(4_000), d(2026, 5, 1)), Ok(yuan(0)));
    assert_eq!(
        line.draw(Money::from_minor(1, Currency::CNY), d(2026, 5, 2)),
        Err(LineError::OverAvailable {
            available: yuan(0),
            amount: Money::from_minor(1, Currency::CNY)
        })
    );
    assert_eq!(line.repay(yuan(7_000), d(2026, 10, 1)), Ok(yuan(7_000)));
    assert_eq!(
        line.draw(yuan(7_000), d(2027, 4, 1)),
        Ok(yuan(0)),
        "repaid amounts can be drawn again"
    );
    assert_eq!(line.drawn(), yuan(10_000));
    assert_eq!(
        line.repay(yuan(10_001), d(2027, 5, 1)),
        Err(LineError::RepaymentOverDrawn {
            drawn: yuan(10_000),
            amount: yuan(10_001)
        })
    );
}

#[test]
fn a_frozen_line_refuses_draws_but_accepts_repayments_until_unfrozen() {
    let mut line = line();
    line.draw(yuan(2_000), d(2026, 4, 1)).unwrap();
    line.freeze("borrower under investigation", d(2026, 5, 1))
        .unwrap();
    assert_eq!(line.draw(yuan(100), d(2026, 5, 2)), Err(LineError::Frozen));
    assert_eq!(line.available_on(d(2026, 5, 2)), yuan(0));
    assert_eq!(line.available(), yuan(8_000), "the limit is unchanged");
    assert_eq!(line.repay(yuan(500), d(2026, 5, 3)), Ok(yuan(8_500)));
    assert_eq!(line.freeze("again", d(2026, 5, 3)), Err(LineError::Frozen));
    line.unfreeze("investigation closed", d(2026, 6, 1)).unwrap();
    assert_eq!(line.draw(yuan(100), d(2026, 6, 2)), Ok(yuan(8_400)));
    assert_eq!(
        line.unfreeze("not frozen", d(2026, 6, 3)),
        Err(LineError::NotFrozen)
    );
}

#[test]
fn a_cut_lowers_the_limit_but_never_below_what_is_drawn() {
    let mut line = line();
    line.draw(yuan(3_000), d(2026, 4, 1)).unwrap();
    assert_eq!(
        line.cut(yuan(2_999), "income fell", d(2026, 5, 1)),
        Err(LineError::CutBelowDrawn { drawn: yuan(3_000) })
    );
    assert_eq!(
        line.cut(yuan(10_000), "no change", d(2026, 5, 1)),
        Err(LineError::CutNotLower { limit: yuan(10_000) })
    );
    assert_eq!(
        line.cut(yuan(5_000), "", d(2026, 5, 1)),
        Err(LineError::ReasonRequired)
    );
    line.cut(yuan(5_000), "income fell", d(2026, 5, 1)).unwrap();
    assert_eq!((line.limit(), line.available()), (yuan(5_000), yuan(2_000)));
    line.cut(yuan(3_000), "income fell further", d(2026, 6, 1))
        .unwrap();
    assert_eq!(line.available(), yuan(0), "cut exactly to the amount drawn");
    let cut = line
        .events()
        .iter()
        .filter(|e| matches!(e.kind, LineEventKind::Cut { .. }))
        .count();
    assert_eq!(cut, 2);
}

#[test]
fn a_cancelled_line_refuses_everything_but_repayment() {
    let mut line = line();
    line.draw(yuan(1_000), d(2026, 4, 1)).unwrap();
    line.cancel("borrower died; heirs repay", d(2026, 7, 1)).unwrap();
    assert!(matches!(line.state(), LineState::Cancelled { .. }));
    assert_eq!(line.draw(yuan(1), d(2026, 7, 2)), Err(LineError::Cancelled));
    assert_eq!(line.freeze("x", d(2026, 7, 2)), Err(LineError::Cancelled));
    assert_eq!(
        line.cut(yuan(1_000), "x", d(2026, 7, 2)),
        Err(LineError::Cancelled)
    );
    assert_eq!(line.cancel("x", d(2026, 7, 2)), Err(LineError::Cancelled));
    assert_eq!(line.repay(yuan(1_000), d(2026, 8, 1)), Ok(yuan(10_000)));
}

#[test]
fn an_expired_line_refuses_draws_and_acts_cannot_go_back_in_time() {
    let mut line = line();
    line.draw(yuan(1_000), d(2028, 3, 7)).unwrap();
    assert_eq!(
        line.draw(yuan(1), d(2028, 3, 8)),
        Err(LineError::Expired {
            valid_until: d(2028, 3, 7)
        })
    );
    assert_eq!(line.repay(yuan(1_000), d(2028, 4, 1)), Ok(yuan(10_000)));
    assert_eq!(
        line.repay(yuan(1), d(2028, 3, 31)),
        Err(LineError::DateBeforeLastEvent {
            last: d(2028, 4, 1),
            on: d(2028, 3, 31)
        })
    );
}

#[test]
fn amounts_must_be_positive_and_in_the_line_currency() {
    let mut line = line();
    assert_eq!(
        line.draw(yuan(0), d(2026, 4, 1)),
        Err(LineError::AmountNotPositive)
    );
    assert_eq!(
        line.draw(yuan(-5), d(2026, 4, 1)),
        Err(LineError::AmountNotPositive)
    );
    assert_eq!(
        line.draw(Money::from_minor(100, Currency::USD), d(2026, 4, 1)),
        Err(LineError::CurrencyMismatch)
    );
    assert_eq!(
        CreditLine::open(yuan(0), d(2026, 1, 1), 24),
        Err(LineError::AmountNotPositive)
    );
    assert_eq!(
        CreditLine::open(yuan(1), d(2026, 1, 1), 0),
        Err(LineError::ValidityZero)
    );
    for e in [
        LineError::Frozen,
        LineError::Expired {
            valid_until: d(2026, 1, 1),
        },
        LineError::CutBelowDrawn { drawn: yuan(1) },
    ] {
        assert!(has_key(Locale::Zh, &e.key()), "{}", e.key());
    }
}

/// (grade, the grade's pure-credit range, limit asked, securities offered, expected tier or refusal)
type GrantCase<'a> = (
    Grade,
    Option<(Money, Money)>,
    Money,
    &'a [Security],
    Result<TierKind, LineError>,
);

fn security(kind: CollateralKind, contract: bool) -> Security {
    Security {
        kind,
        under_maximum_amount_contract: contract,
    }
}

#[test]
fn grants_are_checked_against_the_tier_of_their_amount() {
    // R-LINE-2: pure credit up to 10,000 by grade; 10,000–100,000 under a
    // maximum-amount guarantee contract; 100,000–1,000,000 with a guarantee company.
    let tiers = TierTable::default_for(Currency::CNY);
    let excellent = Some((yuan(5_001), yuan(10_000)));
    let guarantor = [security(CollateralKind::Guarantor, true)];
    let loose_guarantor = [security(CollateralKind::Guarantor, false)];
    let company = [security(CollateralKind::GuaranteeCompany, false)];
    let table: Vec<GrantCase> = vec![
        (
            Grade::Excellent,
            excellent,
            yuan(8_000),
            &[],
            Ok(TierKind::PureCredit),
        ),
        (
            Grade::Excellent,
            excellent,
            yuan(5_000),
            &[],
            Err(LineError::OutsideGradeRange {
                min: yuan(5_001),
                max: yuan(10_000),
                limit: yuan(5_000),
            }),
        ),
        (
            Grade::BelowGeneral,
            None,
            yuan(1_000),
            &[],
            Err(LineError::NoPureCreditForGrade {
                grade: Grade::BelowGeneral,
            }),
        ),
        (
            Grade::Good,
            None,
            yuan(50_000),
            &guarantor,
            Ok(TierKind::MaximumAmountGuarantee),
        ),
        (
            Grade::Good,
            None,
            yuan(50_000),
            &loose_guarantor,
            Err(LineError::MaximumAmountContractRequired {
                tier: TierKind::MaximumAmountGuarantee,
            }),
        ),
        (
            Grade::Good,
            None,
            yuan(50_000),
            &company,
            Err(security_missing(&tiers, yuan(50_000))),
        ),
        (
            Grade::Good,
            None,
            yuan(500_000),
            &company,
            Ok(TierKind::GuaranteeCompany),
        ),
        (
            Grade::Good,
            None,
            yuan(500_000),
            &guarantor,
            Err(security_missing(&tiers, yuan(500_000))),
        ),
        (
            Grade::Good,
            None,
            yuan(1_000_001),
            &company,
            Err(LineError::NoTierFor {
                limit: yuan(1_000_001),
            }),
        ),
    ];
    for (grade, range, limit, offered, expected) in table {
        let got = tiers.check_grant(grade, range, limit, offered).map(|t| t.kind);
        assert_eq!(got, expected, "{limit} {offered:?}");
    }
    let boundary = Money::from_minor(yuan(10_000).minor() + 1, Currency::CNY);
    assert_eq!(tiers.tier_for(yuan(10_000)).unwrap().kind, TierKind::PureCredit);
    assert_eq!(
        tiers.tier_for(boundary).unwrap().kind,
        TierKind::MaximumAmountGuarantee
    );
}

fn security_missing(tiers: &TierTable, limit: Money) -> LineError {
    let tier = tiers.tier_for(limit).unwrap();
    LineError::SecurityMissing {
        tier: tier.kind,
        accepted: tier.accepted_security.clone(),
    }
}

#[test]
fn overlapping_tiers_are_refused() {
    let mut tiers = TierTable::default_for(Currency::CNY).tiers().to_vec();
    tiers[1].min = yuan(9_000);
    assert_eq!(TierTable::new(tiers), Err(LineError::TiersInvalid { index: 1 }));
}

#[derive(Clone, Debug)]
enum Act {
    Draw(i64),
    Repay(i64),
    Freeze,
    Unfreeze,
    Cut(i64),
    Cancel,
}

fn act() -> impl Strategy<Value = Act> {
    prop_oneof![
        4 => (1_i64..=1_500_000).prop_map(Act::Draw),
        4 => (1_i64..=1_500_000).prop_map(Act::Repay),
        1 => Just(Act::Freeze),
        1 => Just(Act::Unfreeze),
        1 => (0_i64..=1_000_000).prop_map(Act::Cut),
        1 => Just(Act::Cancel),
    ]
}

proptest! {
    /// Whatever is tried, in whatever order, the available amount is
    /// limit − drawn and never negative, drawn never exceeds the limit, and a
    /// refused act changes nothing.
    #[test]
    fn available_is_limit_minus_drawn_and_never_negative(
        acts in prop::collection::vec((act(), 0_u64..40), 1..80),
    ) {
        let mut line = CreditLine::open(yuan(10_000), d(2026, 1, 1), 24).unwrap();
        let mut on = d(2026, 1, 1);
        for (act, days) in acts {
            on = on.checked_add_days(chrono::Days::new(days)).unwrap();
            let before = line.clone();
            let cny = |minor| Money::from_minor(minor, Currency::CNY);
            let result = match act {
                Act::Draw(m) => line.draw(cny(m), on).map(|_| ()),
                Act::Repay(m) => line.repay(cny(m), on).map(|_| ()),
                Act::Freeze => line.freeze("check", on),
                Act::Unfreeze => line.unfreeze("check", on),
                Act::Cut(m) => line.cut(cny(m), "check", on),
                Act::Cancel => line.cancel("check", on),
            };
            if result.is_err() {
                prop_assert_eq!(&line, &before);
            }
            let available = line.available();
            prop_assert!(!available.is_negative());
            prop_assert!(line.drawn().minor() <= line.limit().minor());
            prop_assert!(!line.drawn().is_negative());
            prop_assert_eq!(available.minor(), line.limit().minor() - line.drawn().minor());
        }
    }
}

#[test]
fn a_restored_line_keeps_its_drawn_amount_and_refuses_acts_before_its_last_event() {
    let mut restored = CreditLine::restore(
        yuan(10_000),
        yuan(4_000),
        d(2026, 1, 1),
        d(2027, 12, 31),
        LineState::Active,
        d(2026, 3, 1),
    )
    .unwrap();
    assert_eq!(restored.available(), yuan(6_000));
    assert_eq!(
        restored.draw(yuan(100), d(2026, 2, 1)),
        Err(LineError::DateBeforeLastEvent {
            last: d(2026, 3, 1),
            on: d(2026, 2, 1)
        })
    );
    assert_eq!(restored.draw(yuan(6_000), d(2026, 3, 2)), Ok(yuan(0)));
    let over = CreditLine::restore(
        yuan(1_000),
        yuan(1_001),
        d(2026, 1, 1),
        d(2027, 12, 31),
        LineState::Active,
        d(2026, 1, 1),
    );
    assert!(matches!(over, Err(LineError::OverAvailable { .. })));
}

#[test]
fn a_reinstatement_takes_the_line_again_even_when_frozen_but_never_past_the_limit() {
    let mut line = line();
    line.draw(yuan(3_000), d(2026, 4, 10)).unwrap();
    line.repay(yuan(3_000), d(2026, 5, 10)).unwrap();
    line.freeze("repayment reversed", d(2026, 5, 11)).unwrap();
    assert_eq!(line.reinstate(yuan(3_000), d(2026, 5, 11)), Ok(yuan(3_000)));
    assert_eq!(line.drawn(), yuan(3_000));
    let limit = line.limit();
    assert_eq!(line.reinstate(limit, d(2026, 5, 12)), Ok(yuan(7_000)));
    assert_eq!(line.available(), yuan(0));
}
