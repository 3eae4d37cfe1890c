//! Publication of ratings and lines in the village (R-RATE-3): notice-period
//! timing, objections within and after the period, resolution by someone
//! other than the rater (including the rater trying to resolve their own
//! rating's objection) and the effective date of every outcome.

use chrono::NaiveDate;
use credgrid_core::grid::HouseholdId;
use credgrid_core::i18n::{Locale, has_key};
use credgrid_core::money::{Currency, Money};
use credgrid_core::rating::publication::NOTICE_DAYS_DEFAULT;
use credgrid_core::rating::{Grade, Notice, NoticeEntry, NoticeStatus, PublicationError, Resolution};

const RATER: i64 = 101;
const REVIEWER: i64 = 301;

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, day).expect("valid date")
}

fn yuan(major: i64) -> Money {
    Money::from_minor(major * 100, Currency::CNY)
}

fn h(id: i64) -> HouseholdId {
    HouseholdId(id)
}

/// Published on 1 March for the default 7 days: objections 1–7 March,
/// effective 8 March.
fn notice() -> Notice {
    let entries = vec![
        NoticeEntry {
            household: h(1),
            grade: Grade::Excellent,
            line: Some(yuan(8_000)),
        },
        NoticeEntry {
            household: h(2),
            grade: Grade::Good,
            line: Some(yuan(4_000)),
        },
        NoticeEntry {
            household: h(3),
            grade: Grade::BelowGeneral,
            line: None,
        },
    ];
    Notice::publish("Dongshan village", RATER, d(3, 1), NOTICE_DAYS_DEFAULT, entries).unwrap()
}

#[test]
fn the_notice_period_runs_seven_days_and_the_rating_takes_effect_on_the_eighth() {
    let notice = notice();
    assert_eq!(notice.period_last(), d(3, 7));
    assert_eq!(notice.takes_effect_on(), d(3, 8));
    // (date, expected status of household 1)
    let table = [
        (d(2, 28), NoticeStatus::NotPublished),
        (d(3, 1), NoticeStatus::InNotice { period_last: d(3, 7) }),
        (d(3, 7), NoticeStatus::InNotice { period_last: d(3, 7) }),
        (
            d(3, 8),
            NoticeStatus::Effective {
                from: d(3, 8),
                grade: Grade::Excellent,
                line: Some(yuan(8_000)),
            },
        ),
    ];
    for (date, expected) in table {
        assert_eq!(notice.status(h(1), date), Ok(expected), "{date}");
    }
    assert_eq!(notice.effective_on(h(1)), Ok(Some(d(3, 8))));
}

#[test]
fn objections_are_accepted_only_during_the_period() {
    let mut notice = notice();
    assert_eq!(notice.object(h(1), d(3, 1), "neighbour", "owes me money"), Ok(0));
    assert_eq!(
        notice.object(h(2), d(3, 7), "villager", "has a second house"),
        Ok(1)
    );
    assert_eq!(
        notice.object(h(1), d(3, 8), "late", "too late"),
        Err(PublicationError::ObjectionAfterPeriod { period_last: d(3, 7) })
    );
    assert_eq!(
        notice.object(h(1), d(2, 28), "early", "too early"),
        Err(PublicationError::ObjectionBeforePublication {
            published_on: d(3, 1)
        })
    );
    assert_eq!(
        notice.object(h(9), d(3, 2), "x", "y"),
        Err(PublicationError::HouseholdNotOnNotice { household: h(9) })
    );
    assert_eq!(
        notice.object(h(1), d(3, 2), "x", "  "),
        Err(PublicationError::ReasonRequired)
    );
    assert_eq!(notice.objections().len(), 2);
}

#[test]
fn the_rater_cannot_resolve_an_objection_to_their_own_rating() {
    let mut notice = notice();
    let id = notice
        .object(h(1), d(3, 3), "neighbour", "owes me money")
        .unwrap();
    assert_eq!(
        notice.resolve(id, RATER, d(3, 5), Resolution::Kept, "checked"),
        Err(PublicationError::RaterCannotResolve)
    );
    assert!(
        notice.objections()[id].settlement.is_none(),
        "the refused resolution left no trace"
    );
    assert_eq!(
        notice.resolve(id, REVIEWER, d(3, 5), Resolution::Kept, "debt is repaid"),
        Ok(())
    );
    assert_eq!(
        notice.objections()[id].settlement.as_ref().map(|s| s.by),
        Some(REVIEWER)
    );
    assert_eq!(
        notice.resolve(id, REVIEWER, d(3, 6), Resolution::Withdrawn, "again"),
        Err(PublicationError::AlreadyResolved { id })
    );
}

#[test]
fn resolution_checks_are_precise() {
    let mut notice = notice();
    let id = notice
        .object(h(1), d(3, 3), "neighbour", "owes me money")
        .unwrap();
    let table = [
        (
            7,
            REVIEWER,
            d(3, 5),
            "ok",
            PublicationError::UnknownObjection { id: 7 },
        ),
        (
            id,
            REVIEWER,
            d(3, 2),
            "ok",
            PublicationError::ResolutionBeforeObjection { raised_on: d(3, 3) },
        ),
        (id, REVIEWER, d(3, 5), " ", PublicationError::ReasonRequired),
    ];
    for (id, by, on, reason, expected) in table {
        assert_eq!(
            notice.resolve(id, by, on, Resolution::Kept, reason),
            Err(expected.clone())
        );
        assert!(has_key(Locale::Es, &expected.key()), "{}", expected.key());
    }
}

#[test]
fn an_open_objection_holds_the_rating_back_until_it_is_resolved() {
    let mut notice = notice();
    let id = notice
        .object(h(2), d(3, 6), "villager", "has a second house")
        .unwrap();
    assert_eq!(
        notice.status(h(2), d(3, 8)),
        Ok(NoticeStatus::AwaitingResolution { open_objections: 1 })
    );
    assert_eq!(notice.effective_on(h(2)), Ok(None));
    // Other households are not held back.
    assert_eq!(notice.effective_on(h(1)), Ok(Some(d(3, 8))));

    let changed = Resolution::Changed {
        grade: Grade::Excellent,
        line: Some(yuan(6_000)),
    };
    notice
        .resolve(
            id,
            REVIEWER,
            d(3, 12),
            changed,
            "second house confirmed: more assets",
        )
        .unwrap();
    assert_eq!(
        notice.status(h(2), d(3, 11)),
        Ok(NoticeStatus::AwaitingResolution { open_objections: 1 })
    );
    assert_eq!(
        notice.status(h(2), d(3, 12)),
        Ok(NoticeStatus::Effective {
            from: d(3, 12),
            grade: Grade::Excellent,
            line: Some(yuan(6_000))
        })
    );
    assert_eq!(notice.effective_on(h(2)), Ok(Some(d(3, 12))));
}

#[test]
fn a_resolution_within_the_period_still_waits_for_the_period_to_end() {
    let mut notice = notice();
    let id = notice.object(h(1), d(3, 2), "neighbour", "drinks").unwrap();
    notice
        .resolve(id, REVIEWER, d(3, 4), Resolution::Kept, "not true")
        .unwrap();
    assert_eq!(
        notice.status(h(1), d(3, 5)),
        Ok(NoticeStatus::InNotice { period_last: d(3, 7) })
    );
    assert_eq!(notice.effective_on(h(1)), Ok(Some(d(3, 8))));
}

#[test]
fn a_withdrawn_rating_never_takes_effect() {
    let mut notice = notice();
    let id = notice
        .object(h(1), d(3, 2), "village committee", "moved away last year")
        .unwrap();
    notice
        .resolve(
            id,
            REVIEWER,
            d(3, 9),
            Resolution::Withdrawn,
            "confirmed moved away",
        )
        .unwrap();
    assert_eq!(
        notice.status(h(1), d(3, 10)),
        Ok(NoticeStatus::Withdrawn { on: d(3, 9) })
    );
    assert_eq!(notice.effective_on(h(1)), Ok(None));
}

#[test]
fn a_notice_must_list_households_once_and_last_at_least_a_day() {
    let entry = NoticeEntry {
        household: h(1),
        grade: Grade::Good,
        line: Some(yuan(3_500)),
    };
    assert_eq!(
        Notice::publish("v", RATER, d(3, 1), 7, vec![]),
        Err(PublicationError::EmptyNotice)
    );
    assert_eq!(
        Notice::publish("v", RATER, d(3, 1), 0, vec![entry]),
        Err(PublicationError::NoticePeriodZero)
    );
    assert_eq!(
        Notice::publish("v", RATER, d(3, 1), 7, vec![entry, entry]),
        Err(PublicationError::DuplicateHousehold { household: h(1) })
    );
    let one_day = Notice::publish("v", RATER, d(3, 1), 1, vec![entry]).unwrap();
    assert_eq!(
        (one_day.period_last(), one_day.takes_effect_on()),
        (d(3, 1), d(3, 2))
    );
    assert_eq!(Resolution::Kept.key(), "rating.resolution.kept");
    assert!(has_key(Locale::Zh, &PublicationError::RaterCannotResolve.key()));
}

#[test]
fn published_and_changed_lines_must_fit_their_grade() {
    use credgrid_core::rating::Scorecard;
    let card = Scorecard::default_for(Currency::CNY);
    let mut notice = notice();
    assert_eq!(notice.check_lines(&card), Ok(()));
    let id = notice
        .object(h(2), d(3, 2), "villager", "line too small")
        .unwrap();
    // Good is 3,001–5,000 (R-RATE-2); 6,000 belongs to excellent.
    let changed = Resolution::Changed {
        grade: Grade::Good,
        line: Some(yuan(6_000)),
    };
    notice
        .resolve(id, REVIEWER, d(3, 4), changed, "more land found")
        .unwrap();
    assert_eq!(
        notice.check_lines(&card),
        Err(PublicationError::LineOutsideGrade { household: h(2) })
    );

    let below_with_line = NoticeEntry {
        household: h(4),
        grade: Grade::BelowGeneral,
        line: Some(yuan(1_000)),
    };
    let notice = Notice::publish("v", RATER, d(3, 1), 7, vec![below_with_line]).unwrap();
    assert_eq!(
        notice.check_lines(&card),
        Err(PublicationError::LineOutsideGrade { household: h(4) })
    );
    // (grade, line, fits) at the R-RATE-2 boundaries.
    let table = [
        (Grade::Excellent, Some(yuan(5_001)), true),
        (Grade::Excellent, Some(yuan(5_000)), false),
        (Grade::Good, Some(yuan(5_000)), true),
        (Grade::General, Some(yuan(3_000)), true),
        (Grade::General, Some(yuan(3_001)), false),
        (Grade::BelowGeneral, None, true),
        (
            Grade::Excellent,
            Some(Money::from_minor(600_000, Currency::USD)),
            false,
        ),
    ];
    for (grade, line, fits) in table {
        assert_eq!(card.line_fits_grade(grade, line), fits, "{grade:?} {line:?}");
    }
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// For any notice period, an objection is accepted exactly on the days
        /// of the period, and no entry ever takes effect before the day after it.
        #[test]
        fn objections_follow_the_period_and_nothing_takes_effect_early(
            notice_days in 1_u32..=30,
            offsets in prop::collection::vec((-5_i64..40, 0_u64..40), 0..6),
        ) {
            let entry = NoticeEntry { household: h(1), grade: Grade::Good, line: Some(yuan(4_000)) };
            let mut notice = Notice::publish("v", RATER, d(3, 1), notice_days, vec![entry]).unwrap();
            let last = d(3, 1) + chrono::Days::new(u64::from(notice_days) - 1);
            for (offset, resolve_after) in offsets {
                let raised = d(3, 1) + chrono::Duration::days(offset);
                let result = notice.object(h(1), raised, "villager", "reason");
                let inside = raised >= d(3, 1) && raised <= last;
                prop_assert_eq!(result.is_ok(), inside, "raised {} period ends {}", raised, last);
                if let Ok(id) = result {
                    let on = raised + chrono::Days::new(resolve_after);
                    notice.resolve(id, REVIEWER, on, Resolution::Kept, "checked").unwrap();
                }
            }
            let effective = notice.effective_on(h(1)).unwrap().expect("every objection is resolved as kept");
            prop_assert!(effective > last);
            let latest = notice.objections().iter().filter_map(|o| o.settlement.as_ref().map(|s| s.on)).max();
            prop_assert_eq!(effective, latest.map_or(last.succ_opt().unwrap(), |l| l.max(last.succ_opt().unwrap())));
        }
    }
}
