//! Conduct rules (R-COL-3, issue 7 item 3): every refusal names its rule with
//! a stable code and a translated message; a supervisor's override is checked
//! and returned as a record to log. Defaults from issue 7: 08:00–21:00 local,
//! at most 3 contacts per debtor per day, registered contacts only, templates
//! only for written messages.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use credgrid_core::collection::action::{
    Action, Contact, ContactBook, ContactKind, ContactRelation, Outcome, contacts_on_day,
};
use credgrid_core::collection::conduct::{
    ConductConfigError, ConductRefusal, ConductRule, ConductRules, ContactAttempt, OverrideRequest, Staff,
    broken_rules, check, check_with_override,
};
use credgrid_core::collection::message::MessageBody;
use credgrid_core::collection::{Channel, PromiseToPay};
use credgrid_core::i18n::{Locale, has_key, t};
use credgrid_core::money::{Currency, Money};

const COLLECTOR: i64 = 21;

fn at(hour: u32, minute: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 20)
        .unwrap()
        .and_hms_opt(hour, minute, 0)
        .unwrap()
}

fn contact(id: i64, corrects: Option<i64>) -> Contact {
    Contact {
        id,
        kind: ContactKind::Mobile,
        relation: ContactRelation::Borrower,
        holder_name: "Li Wei".to_string(),
        value: format!("1390000000{id}"),
        given_by: "the borrower".to_string(),
        recorded_by: COLLECTOR,
        given_at: at(10, 0),
        corrects,
    }
}

fn book() -> ContactBook {
    let mut book = ContactBook::new();
    book.register(contact(1, None)).unwrap();
    book.register(contact(2, None)).unwrap();
    book.register(contact(3, Some(2))).unwrap(); // 2 was wrong; 3 corrects it
    book
}

fn template() -> MessageBody {
    MessageBody::Template {
        id: "sms_reminder".to_string(),
    }
}

fn attempt<'a>(book: &'a ContactBook, body: Option<&'a MessageBody>) -> ContactAttempt<'a> {
    ContactAttempt {
        loan_id: 500,
        channel: Channel::Phone,
        local_time: at(10, 30),
        person: COLLECTOR,
        contact: Some(1),
        book,
        body,
        contacts_today: 0,
    }
}

#[test]
fn a_compliant_contact_is_allowed() {
    let book = book();
    let body = template();
    assert_eq!(check(&ConductRules::default(), &attempt(&book, None)), Ok(()));
    let mut sms = attempt(&book, Some(&body));
    sms.channel = Channel::Sms;
    sms.contact = Some(3);
    assert_eq!(check(&ConductRules::default(), &sms), Ok(()));
}

#[test]
fn contact_hours_are_enforced_at_their_edges() {
    let book = book();
    let rules = ConductRules::default();
    // (local time, allowed?) around the default 08:00–21:00 (end exclusive).
    for (hour, minute, allowed) in [
        (7, 59, false),
        (8, 0, true),
        (20, 59, true),
        (21, 0, false),
        (23, 30, false),
    ] {
        let mut call = attempt(&book, None);
        call.local_time = at(hour, minute);
        let result = check(&rules, &call);
        assert_eq!(result.is_ok(), allowed, "{hour}:{minute:02}");
        if !allowed {
            let refusal = result.unwrap_err();
            assert_eq!(refusal.rule(), Some(ConductRule::ContactHours));
            assert_eq!(refusal.code(), "collection-outside-hours");
        }
    }
    // A letter is posted, not received, at that hour.
    let body = MessageBody::Template {
        id: "letter_overdue_notice".to_string(),
    };
    let mut letter = attempt(&book, Some(&body));
    letter.channel = Channel::Letter;
    letter.local_time = at(22, 0);
    assert_eq!(check(&rules, &letter), Ok(()));
}

#[test]
fn configured_hours_replace_the_defaults() {
    let book = book();
    let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap();
    let six_pm = NaiveTime::from_hms_opt(18, 0, 0).unwrap();
    let rules = ConductRules::new(nine, six_pm, 3).unwrap();
    let mut call = attempt(&book, None);
    call.local_time = at(8, 30);
    assert!(matches!(
        check(&rules, &call),
        Err(ConductRefusal::OutsideContactHours { start, end, .. }) if start == nine && end == six_pm
    ));
    assert_eq!(
        ConductRules::new(six_pm, nine, 3),
        Err(ConductConfigError::HoursNotIncreasing)
    );
    assert_eq!(
        ConductRules::new(nine, six_pm, 0),
        Err(ConductConfigError::NoContactsAllowed)
    );
}

#[test]
fn the_fourth_contact_of_a_day_is_refused() {
    let book = book();
    let rules = ConductRules::default();
    let mut call = attempt(&book, None);
    call.contacts_today = 2;
    assert_eq!(check(&rules, &call), Ok(()));
    call.contacts_today = 3;
    assert_eq!(
        check(&rules, &call),
        Err(ConductRefusal::DailyLimitReached {
            contacts_today: 3,
            max: 3
        })
    );
    // A hand-over to a third party is not a contact of the debtor.
    call.channel = Channel::ThirdParty;
    call.contact = None;
    assert_eq!(check(&rules, &call), Ok(()));
}

#[test]
fn contacts_of_the_day_are_counted_from_the_actions() {
    let action = |channel, hour| Action {
        loan_id: 500,
        channel,
        at: at(hour, 0),
        person: COLLECTOR,
        contact: Some(1),
        outcome: Outcome::NoAnswer,
        notes: String::new(),
        promise: None,
        new_contacts: vec![],
        template: None,
    };
    let mut yesterday = action(Channel::Phone, 9);
    yesterday.at = NaiveDate::from_ymd_opt(2026, 11, 19)
        .unwrap()
        .and_hms_opt(9, 0, 0)
        .unwrap();
    let actions = [
        action(Channel::Phone, 9),
        action(Channel::Sms, 11),
        action(Channel::LegalCourt, 12),
        yesterday,
    ];
    assert_eq!(contacts_on_day(&actions, at(0, 0).date()), 2);
}

#[test]
fn only_registered_active_contacts_may_be_used() {
    let book = book();
    let rules = ConductRules::default();
    // (contact used, why it is refused)
    for (contact, why) in [
        (Some(99), "never registered"),
        (Some(2), "corrected since"),
        (None, "none named"),
    ] {
        let mut call = attempt(&book, None);
        call.contact = contact;
        assert_eq!(
            check(&rules, &call),
            Err(ConductRefusal::UnregisteredContact { contact }),
            "{why}"
        );
    }
}

#[test]
fn written_messages_must_come_from_templates() {
    let book = book();
    let rules = ConductRules::default();
    let free = MessageBody::FreeText("Pay now!".to_string());
    for channel in [Channel::Sms, Channel::Letter] {
        for body in [Some(&free), None] {
            let mut message = attempt(&book, body);
            message.channel = channel;
            assert_eq!(
                check(&rules, &message),
                Err(ConductRefusal::FreeTextNotAllowed { channel })
            );
        }
    }
}

#[test]
fn every_rule_broken_is_listed_in_order() {
    let book = book();
    let free = MessageBody::FreeText("x".to_string());
    let mut bad = attempt(&book, Some(&free));
    bad.channel = Channel::Sms;
    bad.contact = Some(2);
    bad.local_time = at(6, 0);
    bad.contacts_today = 5;
    let rules: Vec<Option<ConductRule>> = broken_rules(&ConductRules::default(), &bad)
        .iter()
        .map(ConductRefusal::rule)
        .collect();
    assert_eq!(
        rules,
        vec![
            Some(ConductRule::RegisteredContactOnly),
            Some(ConductRule::TemplatesOnly),
            Some(ConductRule::ContactHours),
            Some(ConductRule::DailyContactLimit),
        ]
    );
}

fn supervisor(id: i64, is_supervisor: bool) -> OverrideRequest {
    OverrideRequest {
        rules: vec![ConductRule::ContactHours, ConductRule::DailyContactLimit],
        supervisor: Staff { id, is_supervisor },
        reason: "The borrower asked to be called after work".to_string(),
        at: at(20, 50),
    }
}

#[test]
fn a_supervisor_override_lifts_the_named_rules_and_is_logged() {
    let book = book();
    let mut late = attempt(&book, None);
    late.local_time = at(21, 30);
    late.contacts_today = 3;
    let record = check_with_override(&ConductRules::default(), &late, &supervisor(8, true))
        .unwrap()
        .expect("rules were broken, so the override is logged");
    assert_eq!(
        record.rules,
        vec![ConductRule::ContactHours, ConductRule::DailyContactLimit]
    );
    assert_eq!(
        (record.collector, record.supervisor, record.loan_id),
        (COLLECTOR, 8, 500)
    );
    assert_eq!(record.reason, "The borrower asked to be called after work");
    // Nothing broken: nothing to log.
    let fine = attempt(&book, None);
    assert_eq!(
        check_with_override(&ConductRules::default(), &fine, &supervisor(8, true)),
        Ok(None)
    );
}

#[test]
fn an_invalid_override_is_refused_with_its_own_rule() {
    let book = book();
    let rules = ConductRules::default();
    let mut late = attempt(&book, None);
    late.local_time = at(22, 0);
    assert_eq!(
        check_with_override(&rules, &late, &supervisor(8, false)),
        Err(ConductRefusal::OverrideNotSupervisor { user: 8 })
    );
    assert_eq!(
        check_with_override(&rules, &late, &supervisor(COLLECTOR, true)),
        Err(ConductRefusal::OverrideBySelf)
    );
    let mut no_reason = supervisor(8, true);
    no_reason.reason = "  ".to_string();
    assert_eq!(
        check_with_override(&rules, &late, &no_reason),
        Err(ConductRefusal::OverrideReasonRequired)
    );
    let mut templates = supervisor(8, true);
    templates.rules.push(ConductRule::TemplatesOnly);
    assert_eq!(
        check_with_override(&rules, &late, &templates),
        Err(ConductRefusal::OverrideNotAllowed {
            rule: ConductRule::TemplatesOnly
        })
    );
    // An unregistered contact is registered first, never overridden.
    late.contact = Some(99);
    assert_eq!(
        check_with_override(&rules, &late, &supervisor(8, true)),
        Err(ConductRefusal::OverrideNotAllowed {
            rule: ConductRule::RegisteredContactOnly
        })
    );
    // An override that does not name a broken rule leaves that rule's refusal.
    let mut hours_only = supervisor(8, true);
    hours_only.rules = vec![ConductRule::ContactHours];
    let mut busy = attempt(&book, None);
    busy.contacts_today = 3;
    assert_eq!(
        check_with_override(&rules, &busy, &hours_only),
        Err(ConductRefusal::DailyLimitReached {
            contacts_today: 3,
            max: 3
        })
    );
}

#[test]
fn free_text_cannot_be_overridden() {
    let book = book();
    let free = MessageBody::FreeText("x".to_string());
    let mut sms = attempt(&book, Some(&free));
    sms.channel = Channel::Sms;
    assert_eq!(
        check_with_override(&ConductRules::default(), &sms, &supervisor(8, true)),
        Err(ConductRefusal::OverrideNotAllowed {
            rule: ConductRule::TemplatesOnly
        })
    );
}

#[test]
fn every_refusal_has_a_translated_message_with_its_figures() {
    let refusals = [
        ConductRefusal::UnregisteredContact { contact: Some(9) },
        ConductRefusal::FreeTextNotAllowed {
            channel: Channel::Sms,
        },
        ConductRefusal::OutsideContactHours {
            local_time: NaiveTime::from_hms_opt(22, 5, 0).unwrap(),
            start: NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(21, 0, 0).unwrap(),
        },
        ConductRefusal::DailyLimitReached {
            contacts_today: 3,
            max: 3,
        },
        ConductRefusal::OverrideNotSupervisor { user: 4 },
        ConductRefusal::OverrideBySelf,
        ConductRefusal::OverrideReasonRequired,
        ConductRefusal::OverrideNotAllowed {
            rule: ConductRule::TemplatesOnly,
        },
    ];
    for refusal in &refusals {
        for locale in Locale::ALL {
            assert!(
                has_key(locale, &refusal.key()),
                "{} in {}",
                refusal.key(),
                locale.tag()
            );
            let args = refusal.args();
            let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let text = t(locale, &refusal.key(), &args);
            assert!(!text.contains('{'), "{text}");
        }
    }
    let hours = t(
        Locale::En,
        &refusals[2].key(),
        &[("time", "22:05"), ("start", "08:00"), ("end", "21:00")],
    );
    assert_eq!(
        hours,
        "22:05 is outside the allowed contact hours (08:00–21:00, local time)."
    );
    let mut codes: Vec<&str> = refusals.iter().map(ConductRefusal::code).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), refusals.len(), "codes are distinct");
}

#[test]
fn contacts_are_kept_with_corrections_and_refused_when_malformed() {
    let mut book = book();
    assert_eq!(book.active().map(|c| c.id).collect::<Vec<_>>(), vec![1, 3]);
    assert_eq!(book.all().len(), 3);
    assert!(
        book.register(contact(4, Some(2))).is_err(),
        "2 was already corrected"
    );
    assert!(book.register(contact(1, None)).is_err(), "duplicate id");
    let mut blank = contact(5, None);
    blank.value = " ".to_string();
    assert!(book.register(blank).is_err());

    let promise = PromiseToPay {
        amount: Money::from_minor(50_000, Currency::CNY),
        date: NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(),
    };
    let mut action = Action {
        loan_id: 500,
        channel: Channel::Phone,
        at: at(10, 0),
        person: COLLECTOR,
        contact: Some(1),
        outcome: Outcome::Promised,
        notes: "Will sell pigs on Tuesday".to_string(),
        promise: Some(promise),
        new_contacts: vec![contact(6, None)],
        template: None,
    };
    assert_eq!(action.validate(), Ok(()));
    action.promise = None;
    assert!(action.validate().is_err(), "outcome `promised` without a promise");
}

mod model {
    //! Model check: for any attempt, `check` allows it exactly when the four
    //! rules of docs/collections.md (and issue 7) all hold.
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn check_allows_exactly_what_the_rules_allow(
            channel in 0_usize..7,
            hour in 0_u32..24,
            minute in 0_u32..60,
            contact in proptest::option::of(0_i64..5),
            templated in proptest::option::of(any::<bool>()),
            contacts_today in 0_u32..6,
        ) {
            let book = book();
            let template = MessageBody::Template { id: "sms_reminder".to_string() };
            let free = MessageBody::FreeText("x".to_string());
            let body = templated.map(|t| if t { &template } else { &free });
            let channel = Channel::ALL[channel];
            let attempt = ContactAttempt {
                channel,
                local_time: at(hour, minute),
                contact,
                body,
                contacts_today,
                ..attempt(&book, None)
            };
            let debtor = matches!(channel, Channel::Sms | Channel::Phone | Channel::Letter | Channel::Visit);
            let written = matches!(channel, Channel::Sms | Channel::Letter);
            let immediate = matches!(channel, Channel::Sms | Channel::Phone | Channel::Visit);
            let registered = matches!(contact, Some(1) | Some(3));
            let allowed = (!debtor || registered)
                && (!written || templated == Some(true))
                && (!immediate || (8..21).contains(&hour))
                && (!debtor || contacts_today < 3);
            prop_assert_eq!(check(&ConductRules::default(), &attempt).is_ok(), allowed);
        }
    }
}
