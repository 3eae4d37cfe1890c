//! Strategy by segment and escalation (R-COL-4, issue 7 item 5): willing but
//! unable → a restructuring offer; unwilling → one rung up the ladder;
//! hand-over to legal from the configured days past due (default 90, the
//! point where R-RISK-2 makes a loan at least substandard); the hand-over
//! package holds the loan, every contact and the history.

use chrono::{NaiveDate, NaiveDateTime};
use credgrid_core::collection::Channel;
use credgrid_core::collection::action::{
    Action, Contact, ContactBook, ContactKind, ContactRelation, Outcome,
};
use credgrid_core::collection::promise::{Promise, PromiseStatus};
use credgrid_core::collection::strategy::{
    Decision, HandoverLoan, Segment, SegmentInput, StrategyConfig, StrategyError, StrategyInput,
    build_handover, decide, segment,
};
use credgrid_core::money::{Currency, Money};

fn yuan(minor: i64) -> Money {
    Money::from_minor(minor, Currency::CNY)
}

fn input(segment: Segment, days_past_due: u32) -> StrategyInput {
    StrategyInput {
        loan_id: 77,
        segment,
        days_past_due,
        amount_overdue: yuan(300_000),
        principal_outstanding: yuan(2_000_000),
        installment: yuan(150_000),
        capacity_monthly: yuan(90_000),
        restructuring_pending: false,
    }
}

#[test]
fn escalation_to_legal_happens_on_the_configured_day() {
    let config = StrategyConfig::default();
    config.validate().unwrap();
    let legal = Decision::HandOver {
        channel: Channel::LegalCourt,
    };
    for segment in [
        Segment::WillingAndAble,
        Segment::Unwilling,
        Segment::Unreachable,
        Segment::WillingButUnable,
    ] {
        assert_ne!(
            decide(&config, &input(segment, 89)),
            legal,
            "{segment} at 89 days"
        );
        assert_eq!(
            decide(&config, &input(segment, 90)),
            legal,
            "{segment} at 90 days"
        );
    }
    let earlier = StrategyConfig {
        legal_after_days_past_due: 75,
        legal_channel: Channel::LegalPolice,
        ..StrategyConfig::default()
    };
    earlier.validate().unwrap();
    assert_eq!(
        decide(&earlier, &input(Segment::Unwilling, 75)),
        Decision::HandOver {
            channel: Channel::LegalPolice
        }
    );
    // A restructuring awaiting approval holds the hand-over back.
    let mut pending = input(Segment::WillingButUnable, 120);
    pending.restructuring_pending = true;
    assert!(matches!(decide(&config, &pending), Decision::Remind { .. }));
}

#[test]
fn the_usual_channel_follows_the_ladder() {
    let config = StrategyConfig::default();
    // (days past due, channel) from the default ladder: SMS 1, phone 8, visit 31, letter 61.
    for (days, channel) in [
        (1, Channel::Sms),
        (7, Channel::Sms),
        (8, Channel::Phone),
        (31, Channel::Visit),
        (89, Channel::Letter),
    ] {
        assert_eq!(
            decide(&config, &input(Segment::WillingAndAble, days)),
            Decision::Remind { channel },
            "{days}"
        );
    }
}

#[test]
fn willing_but_unable_gets_a_restructuring_offer() {
    let config = StrategyConfig::default();
    let Decision::OfferRestructuring(offer) = decide(&config, &input(Segment::WillingButUnable, 20)) else {
        panic!("a restructuring offer was expected");
    };
    assert_eq!(offer.loan_id, 77);
    assert_eq!(
        offer.affordable_installment,
        yuan(90_000),
        "what the household can pay"
    );
    assert_eq!(offer.extension_months_max, config.extension_months_max);
    assert_eq!(offer.amount_overdue, yuan(300_000));
}

#[test]
fn unwilling_escalates_one_rung_and_unreachable_gets_a_visit() {
    let config = StrategyConfig::default();
    assert_eq!(
        decide(&config, &input(Segment::Unwilling, 10)),
        Decision::Escalate {
            channel: Channel::Visit
        }
    );
    assert_eq!(
        decide(&config, &input(Segment::Unwilling, 70)),
        Decision::Escalate {
            channel: Channel::ThirdParty
        }
    );
    assert_eq!(
        decide(&config, &input(Segment::Unreachable, 3)),
        Decision::Escalate {
            channel: Channel::Visit
        }
    );
}

#[test]
fn the_segment_follows_the_figures_unless_assessed() {
    let config = StrategyConfig::default();
    let base = SegmentInput {
        capacity_pct: 150,
        broken_promises: 0,
        refusals: 0,
        failed_attempts: 0,
        assessed: None,
    };
    let cases = [
        ("able, no trouble", base, Segment::WillingAndAble),
        (
            "capacity below the installment",
            SegmentInput {
                capacity_pct: 60,
                ..base
            },
            Segment::WillingButUnable,
        ),
        (
            "refused to pay",
            SegmentInput { refusals: 1, ..base },
            Segment::Unwilling,
        ),
        (
            "able but broke two promises",
            SegmentInput {
                broken_promises: 2,
                ..base
            },
            Segment::Unwilling,
        ),
        (
            "unable and broke promises",
            SegmentInput {
                broken_promises: 2,
                capacity_pct: 40,
                ..base
            },
            Segment::WillingButUnable,
        ),
        (
            "five failed attempts",
            SegmentInput {
                failed_attempts: 5,
                ..base
            },
            Segment::Unreachable,
        ),
        (
            "the collector knows better",
            SegmentInput {
                refusals: 3,
                assessed: Some(Segment::WillingButUnable),
                ..base
            },
            Segment::WillingButUnable,
        ),
    ];
    for (case, input, expected) in cases {
        assert_eq!(segment(&config, &input), expected, "{case}");
    }
}

#[test]
fn a_bad_ladder_is_refused() {
    let mut config = StrategyConfig {
        ladder: vec![(8, Channel::Phone), (1, Channel::Sms)],
        ..StrategyConfig::default()
    };
    assert!(matches!(
        config.validate(),
        Err(StrategyError::InvalidLadder { .. })
    ));
    config.ladder = vec![(1, Channel::Sms), (30, Channel::LegalCourt)];
    assert_eq!(
        config.validate(),
        Err(StrategyError::HandoverOnLadder {
            channel: Channel::LegalCourt
        })
    );
    config.ladder = vec![(1, Channel::Sms), (95, Channel::Visit)];
    assert_eq!(config.validate(), Err(StrategyError::LegalBeforeLadder));
}

fn at(d: u32, h: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 10, d)
        .unwrap()
        .and_hms_opt(h, 0, 0)
        .unwrap()
}

fn contact(id: i64, corrects: Option<i64>) -> Contact {
    Contact {
        id,
        kind: ContactKind::Mobile,
        relation: ContactRelation::Spouse,
        holder_name: "Wang Fang".to_string(),
        value: format!("1380000000{id}"),
        given_by: "the borrower".to_string(),
        recorded_by: 3,
        given_at: at(1, 9),
        corrects,
    }
}

fn action(loan_id: i64, day: u32) -> Action {
    Action {
        loan_id,
        channel: Channel::Phone,
        at: at(day, 10),
        person: 3,
        contact: Some(1),
        outcome: Outcome::NoAnswer,
        notes: String::new(),
        promise: None,
        new_contacts: vec![],
        template: None,
    }
}

fn loan() -> HandoverLoan {
    HandoverLoan {
        loan_id: 77,
        borrower_name: "Zhang San".to_string(),
        product: "farm-working-capital".to_string(),
        disbursed_on: NaiveDate::from_ymd_opt(2025, 3, 1).unwrap(),
        principal_disbursed: yuan(3_000_000),
        principal_outstanding: yuan(2_000_000),
        amount_overdue: yuan(300_000),
        days_past_due: 95,
    }
}

#[test]
fn the_handover_package_holds_the_loan_the_contacts_and_the_history() {
    let mut book = ContactBook::new();
    book.register(contact(1, None)).unwrap();
    book.register(contact(2, Some(1))).unwrap();
    let promise = Promise {
        loan_id: 77,
        amount: yuan(100_000),
        made_on: NaiveDate::from_ymd_opt(2026, 10, 3).unwrap(),
        due_on: NaiveDate::from_ymd_opt(2026, 10, 10).unwrap(),
    };
    let prepared_on = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    let history = [action(77, 9), action(77, 2), action(77, 5)];
    let package = build_handover(
        Channel::LegalCourt,
        prepared_on,
        9,
        loan(),
        &book,
        &history,
        &[(promise, PromiseStatus::Broken)],
    )
    .unwrap();
    assert_eq!(package.loan, loan());
    assert_eq!(package.contacts.len(), 2, "corrected contacts stay on record");
    let days: Vec<NaiveDateTime> = package.history.iter().map(|a| a.at).collect();
    assert_eq!(days, vec![at(2, 10), at(5, 10), at(9, 10)], "oldest first");
    assert_eq!(package.promises, vec![(promise, PromiseStatus::Broken)]);
}

#[test]
fn a_handover_package_is_refused_when_it_would_mislead() {
    let mut book = ContactBook::new();
    let on = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    assert_eq!(
        build_handover(Channel::LegalCourt, on, 9, loan(), &book, &[], &[]),
        Err(StrategyError::NoActiveContact)
    );
    book.register(contact(1, None)).unwrap();
    assert_eq!(
        build_handover(Channel::Visit, on, 9, loan(), &book, &[], &[]),
        Err(StrategyError::NotHandoverChannel {
            channel: Channel::Visit
        })
    );
    assert_eq!(
        build_handover(Channel::ThirdParty, on, 9, loan(), &book, &[action(78, 1)], &[]),
        Err(StrategyError::ForeignHistory {
            loan_id: 77,
            other: 78
        })
    );
}

#[test]
fn the_history_feeds_the_segment() {
    use credgrid_core::collection::action::summarise;
    let with = |day, outcome| Action {
        outcome,
        ..action(77, day)
    };
    // Out of order on purpose: reached on the 4th, then three unanswered calls.
    let history = [
        with(6, Outcome::NoAnswer),
        with(4, Outcome::Reached),
        with(2, Outcome::NoAnswer),
        with(7, Outcome::WrongContact),
        with(5, Outcome::NoAnswer),
    ];
    let summary = summarise(&history);
    assert_eq!((summary.refusals, summary.failed_attempts), (0, 3));
    let refused = [with(1, Outcome::Refused), with(2, Outcome::NoAnswer)];
    let summary = summarise(&refused);
    assert_eq!((summary.refusals, summary.failed_attempts), (1, 1));
    let input = SegmentInput {
        capacity_pct: 150,
        broken_promises: 0,
        refusals: summary.refusals,
        failed_attempts: summary.failed_attempts,
        assessed: None,
    };
    assert_eq!(segment(&StrategyConfig::default(), &input), Segment::Unwilling);
}

#[test]
fn a_promise_is_taken_from_the_action_that_recorded_it() {
    use credgrid_core::collection::PromiseToPay;
    let mut promised = action(77, 3);
    assert_eq!(Promise::from_action(&promised), None);
    promised.outcome = Outcome::Promised;
    promised.promise = Some(PromiseToPay {
        amount: yuan(40_000),
        date: NaiveDate::from_ymd_opt(2026, 10, 8).unwrap(),
    });
    assert_eq!(
        Promise::from_action(&promised),
        Some(Promise {
            loan_id: 77,
            amount: yuan(40_000),
            made_on: NaiveDate::from_ymd_opt(2026, 10, 3).unwrap(),
            due_on: NaiveDate::from_ymd_opt(2026, 10, 8).unwrap(),
        })
    );
}
