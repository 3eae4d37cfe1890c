//! Collections end to end on a real SQLite file (issue 7): worklists built at
//! the end of day in priority order with their parts, every conduct-rule
//! refusal named, the supervisor override, promises judged at the end of
//! day, escalation to legal on the configured day, messages in en/es/zh
//! through the outbox and the file sender, hand-over packages, post-loan
//! visits and early warnings, and the results.

use chrono::{NaiveDate, NaiveDateTime};
use credgrid_app::collection::*;
use credgrid_app::*;
use credgrid_core::{Currency, Money};
use std::collections::BTreeMap;

mod common;
use common::ScratchDir;

const ADMIN: Actor = Actor { user_id: 1 };
const ROOT: i64 = 1;

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

fn cny(major: i64) -> Money {
    Money::from_minor(major * 100, Currency::CNY)
}

struct World {
    inst: Institution,
    users: BTreeMap<&'static str, Actor>,
    /// Last: removed after the institution closes.
    dir: ScratchDir,
}

fn user(inst: &Institution, node_id: i64, username: &'static str, role: &str) -> Actor {
    let p = inst
        .create_user(
            ADMIN,
            NewUser {
                node_id,
                username: username.into(),
                display_name: format!("User {username}"),
                roles: vec![role.into()],
                password: format!("a long passphrase for {username}"),
            },
        )
        .unwrap();
    Actor { user_id: p.user_id }
}

/// One outlet with an account manager and a collector, a branch manager
/// above, a teller at the head office, and a generated portfolio of 300
/// loans of which about one in twenty is overdue; the outlet's collector
/// takes overdue loans from the first day past due.
fn world(name: &str) -> World {
    world_with(name, &[])
}

/// A world whose collection `settings` are set before its portfolio is
/// generated (a generated loan past the legal threshold carries its
/// escalation as if the book had been running).
fn world_with(name: &str, settings: &[(&str, &str)]) -> World {
    let dir = ScratchDir::new(&format!("collection-{name}"));
    let inst = Institution::open(&dir.join("test.db"), date("2026-01-05")).unwrap();
    let branch = inst
        .create_node(ADMIN, ROOT, "branch", "EAST", "East branch")
        .unwrap()
        .id;
    let outlet = inst
        .create_node(ADMIN, branch, "outlet", "E1", "Liujia")
        .unwrap()
        .id;
    let mut users = BTreeMap::new();
    users.insert("am", user(&inst, outlet, "am", "account_manager"));
    users.insert("collector", user(&inst, outlet, "collector", "collector"));
    users.insert("bm", user(&inst, branch, "bm", "branch_manager"));
    users.insert("teller", user(&inst, ROOT, "teller", "teller"));
    for (setting, value) in settings {
        inst.set_collection_setting(users["bm"], setting, value).unwrap();
    }
    let spec = PortfolioSpec {
        loans: 300,
        seed: 7,
        outlets: 1,
    };
    inst.generate_portfolio(ADMIN, spec, &|_, _| {}).unwrap();
    let w = World { inst, users, dir };
    w.inst
        .set_collection_setting(w.actor("bm"), "assignment.collector_from_days_past_due", "1")
        .unwrap();
    w
}

impl World {
    fn actor(&self, name: &str) -> Actor {
        self.users[name]
    }

    fn close_days(&self, days: u32) {
        let through = self.inst.business_date().unwrap() + chrono::Days::new(u64::from(days) - 1);
        self.inst.run_eod(ADMIN, Some(through), &|_, _| {}).unwrap();
    }

    /// The collector's whole worklist of the last closed date.
    fn worklist(&self, who: &str) -> Vec<WorklistItem> {
        self.inst.worklist(self.actor(who), None, 0, 200).unwrap().items
    }

    fn contact(&self, loan: i64, relation: &str, value: &str) -> i64 {
        let c = NewContact {
            kind: "mobile".into(),
            relation: relation.into(),
            holder_name: "Wang".into(),
            value: value.into(),
            given_by: "the borrower".into(),
            given_at: None,
            corrects: None,
        };
        self.inst
            .add_collection_contact(self.actor("collector"), loan, c)
            .unwrap()
    }
}

fn action(loan: i64, channel: &str, when: &str, contact: Option<i64>, outcome: &str) -> NewAction {
    NewAction {
        loan_id: loan,
        channel: channel.into(),
        at_local: at(when),
        contact_id: contact,
        outcome: outcome.into(),
        notes: String::new(),
        template: None,
        free_text: None,
        promise_amount: None,
        promise_date: None,
        new_contacts: vec![],
        override_id: None,
        locale: None,
    }
}

fn refusal_rule(e: AppError) -> &'static str {
    match e {
        AppError::Refused { rule, .. } => rule,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// R-COL-1: every overdue loan lands at the end of day in the worklist of
/// the outlet's collector, highest priority first, each score with six
/// parts that add up to it; ability to pay and a guarantor raise a loan;
/// a loan given to a named person moves to their list; rebuilding a date
/// replaces its lists.
#[test]
fn worklists_hold_overdue_loans_in_priority_order_with_parts() {
    let w = world("order");
    w.close_days(1);
    let list = w.worklist("collector");
    assert!(
        list.len() >= 5,
        "the generated portfolio has overdue loans: {}",
        list.len()
    );
    for item in &list {
        assert_eq!(item.parts.len(), 6);
        assert_eq!(item.parts.iter().map(|(_, p)| p).sum::<i64>(), item.priority);
        let case = w
            .inst
            .collection_case(w.actor("collector"), item.loan_id)
            .unwrap();
        assert!(case.days_past_due > 0 && case.days_past_due == item.days_past_due);
    }
    for pair in list.windows(2) {
        let key = |i: &WorklistItem| (i.priority, i.days_past_due, i.amount_overdue.minor());
        assert!(
            key(&pair[0]) >= key(&pair[1]),
            "{:?} before {:?}",
            pair[0],
            pair[1]
        );
        assert_eq!(pair[1].rank, pair[0].rank + 1);
    }
    assert!(
        w.worklist("am").is_empty(),
        "from day 1 the outlet's collector works them"
    );
    let last = list.last().unwrap().clone();
    let profile = DebtorProfile {
        loan_id: last.loan_id,
        income_monthly: "90000.00".into(),
        other_debt_monthly: "0".into(),
        assessed_segment: None,
    };
    w.inst.set_debtor_profile(w.actor("collector"), profile).unwrap();
    w.contact(last.loan_id, "guarantor", "13900000001");
    let closed = w.inst.business_date().unwrap().pred_opt().unwrap();
    w.inst.rebuild_worklists(w.actor("bm"), closed).unwrap();
    let again = w.worklist("collector");
    assert_eq!(again.len(), list.len(), "rebuilding a date replaces its lists");
    let moved = again.iter().find(|i| i.loan_id == last.loan_id).unwrap();
    assert!(
        moved.rank < last.rank,
        "ability to pay and a guarantor raise the priority"
    );
    let part = |i: &WorklistItem, code: &str| i.parts.iter().find(|(f, _)| f.code() == code).unwrap().1;
    assert_eq!(
        part(moved, "ability_to_pay"),
        100,
        "200 % capacity and more: 20 × 5 points"
    );
    assert_eq!(
        part(moved, "relationship") - part(&last, "relationship"),
        25,
        "a guarantor: 25 points"
    );
    w.inst
        .assign_collector(w.actor("bm"), last.loan_id, w.actor("am").user_id)
        .unwrap();
    w.inst.rebuild_worklists(w.actor("bm"), closed).unwrap();
    let mine: Vec<i64> = w.worklist("am").iter().map(|i| i.loan_id).collect();
    assert_eq!(mine, vec![last.loan_id]);
    let refused = w
        .inst
        .worklist(w.actor("collector"), Some(w.actor("am").user_id), 0, 50);
    assert!(
        matches!(refused, Err(AppError::Forbidden { .. })),
        "another's list needs collection.manage"
    );
}

/// R-COL-3: each conduct rule refuses by name — registered contacts only,
/// templates only for written messages, 08:00–21:00 local, 3 contacts a day;
/// a refused attempt leaves nothing behind.
#[test]
fn every_conduct_rule_refuses_by_name() {
    let w = world("conduct");
    w.close_days(1);
    let loan = w.worklist("collector")[0].loan_id;
    let phone = w.contact(loan, "borrower", "13800000001");
    let c = w.actor("collector");
    let e = w
        .inst
        .record_collection_action(c, action(loan, "phone", "2026-01-06 10:00", None, "reached"));
    assert_eq!(refusal_rule(e.unwrap_err()), "collection-unregistered-contact");
    let e = w
        .inst
        .record_collection_action(c, action(loan, "phone", "2026-01-06 10:00", Some(999), "reached"));
    assert_eq!(refusal_rule(e.unwrap_err()), "collection-unregistered-contact");
    let mut sms = action(loan, "sms", "2026-01-06 10:00", Some(phone), "sent");
    sms.free_text = Some("PAY NOW".into());
    let e = w.inst.record_collection_action(c, sms);
    assert_eq!(refusal_rule(e.unwrap_err()), "collection-free-text");
    for early in ["2026-01-06 07:59", "2026-01-06 21:00", "2026-01-06 23:30"] {
        let e = w
            .inst
            .record_collection_action(c, action(loan, "phone", early, Some(phone), "no_answer"));
        assert_eq!(
            refusal_rule(e.unwrap_err()),
            "collection-outside-hours",
            "{early}"
        );
    }
    for time in ["08:00", "12:00", "20:59"] {
        let ok = action(
            loan,
            "phone",
            &format!("2026-01-06 {time}"),
            Some(phone),
            "no_answer",
        );
        w.inst.record_collection_action(c, ok).unwrap();
    }
    let e = w.inst.record_collection_action(
        c,
        action(loan, "visit", "2026-01-06 15:00", Some(phone), "reached"),
    );
    assert_eq!(refusal_rule(e.unwrap_err()), "collection-daily-limit");
    let next_day = action(loan, "phone", "2026-01-07 09:00", Some(phone), "reached");
    w.inst.record_collection_action(c, next_day).unwrap();
    let case = w.inst.collection_case(c, loan).unwrap();
    assert_eq!(case.actions.len(), 4, "refused attempts leave nothing behind");
    w.inst
        .set_collection_setting(w.actor("bm"), "conduct.hours_end", "22:00")
        .unwrap();
    let later = action(loan, "phone", "2026-01-07 21:30", Some(phone), "no_answer");
    w.inst.record_collection_action(c, later).unwrap();
}

/// R-COL-3: a supervisor's override lifts the hours for one action of the
/// named collector and is logged on it; it cannot be used twice, nor
/// granted by the collector, nor for the registered-contact rule.
#[test]
fn supervisor_override_is_granted_used_once_and_logged() {
    let w = world("override");
    w.close_days(1);
    let loan = w.worklist("collector")[0].loan_id;
    let phone = w.contact(loan, "borrower", "13800000002");
    let (collector, bm) = (w.actor("collector"), w.actor("bm"));
    let grant = |by: Actor, rules: Vec<&str>| {
        w.inst.grant_collection_override(
            by,
            NewOverride {
                loan_id: loan,
                collector_id: collector.user_id,
                channel: "phone".into(),
                rules: rules.into_iter().map(String::from).collect(),
                reason: "the debtor asked to be called after work".into(),
            },
        )
    };
    assert!(matches!(
        grant(collector, vec!["contact-hours"]),
        Err(AppError::Forbidden { .. })
    ));
    let e = grant(bm, vec!["registered-contact-only"]).unwrap_err();
    assert_eq!(refusal_rule(e), "collection-override-not-allowed");
    let id = grant(bm, vec!["contact-hours"]).unwrap();
    let mut late = action(loan, "phone", "2026-01-06 21:30", Some(phone), "reached");
    late.override_id = Some(id);
    let done = w.inst.record_collection_action(collector, late.clone()).unwrap();
    assert_eq!(done.override_id, Some(id));
    let again = w.inst.record_collection_action(collector, late);
    assert!(matches!(again, Err(AppError::Invalid { field, .. }) if field == "override_id"));
    let case = w.inst.collection_case(collector, loan).unwrap();
    assert_eq!(case.actions[0].override_id, Some(id));
}

/// R-COL-2: a promise is pending until its date, kept by repayments from
/// the day it was made up to its date, broken at the end of its date
/// otherwise; a broken promise adds its points to the priority.
#[test]
fn promises_are_judged_at_end_of_day() {
    let w = world("promise");
    w.close_days(1);
    let list = w.worklist("collector");
    let (kept, broken) = (list[0].loan_id, list[1].loan_id);
    let due = w.inst.business_date().unwrap() + chrono::Days::new(1);
    for loan in [kept, broken] {
        let phone = w.contact(loan, "borrower", "13800000003");
        let mut a = action(loan, "phone", "2026-01-06 10:00", Some(phone), "promised");
        a.promise_amount = Some("500.00".into());
        a.promise_date = Some(due);
        w.inst.record_collection_action(w.actor("collector"), a).unwrap();
    }
    let part = |id: i64| {
        let items = w.worklist("collector");
        let item = items.iter().find(|i| i.loan_id == id).unwrap().clone();
        item.parts
            .iter()
            .find(|(f, _)| f.code() == "broken_promises")
            .unwrap()
            .1
    };
    assert_eq!(part(broken), 0);
    let repayment = Repayment {
        amount: cny(500),
        value_date: None,
        prepayment: None,
    };
    w.inst.repay(w.actor("teller"), kept, repayment, None).unwrap();
    w.close_days(1);
    let statuses = |loan| {
        let case = w.inst.collection_case(w.actor("collector"), loan).unwrap();
        case.promises.iter().map(|p| p.status.clone()).collect::<Vec<_>>()
    };
    assert_eq!(statuses(kept), vec!["kept"]);
    assert_eq!(statuses(broken), vec!["pending"], "due tomorrow: not yet judged");
    w.close_days(1);
    assert_eq!(statuses(broken), vec!["broken"]);
    assert_eq!(part(broken), 40, "one broken promise: 40 points by default");
}

/// R-COL-4: a loan is marked due for legal on the end of day it reaches the
/// configured days past due, not the day before, and only once.
#[test]
fn escalation_to_legal_comes_on_the_configured_day() {
    let w = world_with("legal", &[("strategy.legal_after_days_past_due", "3000")]);
    w.close_days(1);
    let list = w.worklist("collector");
    let top = list.iter().map(|i| i.days_past_due).max().unwrap();
    let threshold = top + 2;
    let setting = threshold.to_string();
    w.inst
        .set_collection_setting(w.actor("bm"), "strategy.legal_after_days_past_due", &setting)
        .unwrap();
    let legal = |w: &World| {
        let mut found = Vec::new();
        for item in &list {
            let case = w
                .inst
                .collection_case(w.actor("collector"), item.loan_id)
                .unwrap();
            found.extend(case.escalations.into_iter().filter(|e| e.kind == "legal_due"));
        }
        found
    };
    let first_legal = legal(&w);
    assert!(first_legal.is_empty());
    w.close_days(1);
    assert_eq!(legal(&w).len(), first_legal.len(), "one day short: nobody new");
    w.close_days(1);
    let closed = w.inst.business_date().unwrap().pred_opt().unwrap();
    let new: Vec<_> = legal(&w)
        .into_iter()
        .filter(|e| e.business_date == closed)
        .collect();
    assert!(!new.is_empty());
    assert!(
        new.iter()
            .all(|e| e.days_past_due == threshold && e.channel == "legal_court")
    );
    let count = legal(&w).len();
    w.close_days(1);
    assert_eq!(legal(&w).len(), count, "marked once");
}

/// Messages: the SMS reminder rendered in en, es and zh with the loan's
/// figures (the borrower's name and the overdue amount in each locale's
/// format), queued in the outbox and delivered by the file sender.
#[test]
fn messages_render_in_three_languages_and_are_delivered() {
    let w = world("messages");
    w.close_days(1);
    let item = w.worklist("collector")[0].clone();
    let phone = w.contact(item.loan_id, "borrower", "13800000004");
    let case = w
        .inst
        .collection_case(w.actor("collector"), item.loan_id)
        .unwrap();
    let mut texts = BTreeMap::new();
    for (i, locale) in ["en", "es", "zh"].into_iter().enumerate() {
        let mut sms = action(
            item.loan_id,
            "sms",
            &format!("2026-01-06 1{i}:00"),
            Some(phone),
            "sent",
        );
        sms.template = Some("sms_reminder".into());
        sms.locale = Some(locale.into());
        let done = w
            .inst
            .record_collection_action(w.actor("collector"), sms)
            .unwrap();
        assert!(done.outbox_id.is_some());
        texts.insert(locale, done.message.unwrap());
    }
    let major = case.amount_overdue.to_major_string();
    let (int, frac) = major.split_once('.').unwrap();
    for text in texts.values() {
        assert!(text.contains(&case.client_name), "{text}");
    }
    assert!(
        texts["en"].contains(&format!("CNY {}.{frac}", group(int, ','))),
        "{}",
        texts["en"]
    );
    assert!(
        texts["es"].contains(&format!("{},{frac} CNY", group_es(int))),
        "{}",
        texts["es"]
    );
    assert!(
        texts["zh"].contains(&format!("{}.{frac}元", group(int, ','))),
        "{}",
        texts["zh"]
    );
    let mut letter = action(item.loan_id, "letter", "2026-01-07 10:00", Some(phone), "sent");
    letter.template = Some("sms_reminder".into());
    let e = w
        .inst
        .record_collection_action(w.actor("collector"), letter)
        .unwrap_err();
    assert!(
        matches!(e, AppError::Invalid { field, .. } if field == "template"),
        "an SMS template is no letter"
    );
    let file = w.dir.join("outbox.log");
    let report = w
        .inst
        .deliver_outbox(w.actor("bm"), &FileSender::new(Some(file.clone())), 10)
        .unwrap();
    assert_eq!((report.sent, report.failed), (3, 0));
    let log = std::fs::read_to_string(&file).unwrap();
    assert_eq!(log.lines().count(), 3);
    assert!(log.lines().all(|l| l.contains("13800000004")));
    let sent = w
        .inst
        .collection_outbox(w.actor("collector"), Some("sent"), 0, 10)
        .unwrap();
    assert_eq!(sent.len(), 3);
}

fn group(digits: &str, sep: char) -> String {
    if digits.len() < 4 {
        return digits.to_string();
    }
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(ch);
    }
    out
}

/// Spanish groups thousands only from five digits (RAE: 1000 but 10.000).
fn group_es(digits: &str) -> String {
    if digits.len() < 5 {
        digits.to_string()
    } else {
        group(digits, '.')
    }
}

/// R-COL-4 and R-SVC-5: the hand-over package holds the loan, every contact
/// and the history; grid news and a diverted use of funds raise an early
/// warning and a visit; a loan's first missed installment too.
#[test]
fn handover_visits_and_early_warnings() {
    let w = world("handover");
    w.close_days(1);
    let loan = w.worklist("collector")[0].loan_id;
    let phone = w.contact(loan, "borrower", "13800000005");
    w.contact(loan, "guarantor", "13900000006");
    let mut call = action(loan, "phone", "2026-01-06 10:00", Some(phone), "refused");
    call.notes = "says the harvest failed".into();
    w.inst
        .record_collection_action(w.actor("collector"), call)
        .unwrap();
    let e = w.inst.handover_package(w.actor("bm"), loan, "phone").unwrap_err();
    assert!(matches!(e, AppError::Invalid { field, .. } if field == "channel"));
    let package = w
        .inst
        .handover_package(w.actor("bm"), loan, "legal_court")
        .unwrap();
    assert_eq!(package.contacts.len(), 2);
    assert_eq!(package.history.len(), 1);
    assert_eq!(package.loan.loan_id, loan);
    w.inst
        .record_grid_news(w.actor("am"), loan, "sold his tractor")
        .unwrap();
    let case = w.inst.collection_case(w.actor("am"), loan).unwrap();
    assert!(case.warnings.iter().any(|x| x.kind == "grid_news"));
    assert!(case.escalations.iter().any(|e| e.kind == "handover"));
    let visit = case.visits.iter().find(|v| v.reason == "early_warning").unwrap();
    w.inst
        .complete_visit(
            w.actor("am"),
            visit.id,
            Some("diverted".into()),
            "bought a motorbike".into(),
        )
        .unwrap();
    let case = w.inst.collection_case(w.actor("am"), loan).unwrap();
    assert!(case.warnings.iter().any(|x| x.kind == "funds_diverted"));
    // Current loans fall due within the month: their first missed installment warns once.
    w.close_days(35);
    let newly_overdue: Vec<i64> = w
        .worklist("collector")
        .iter()
        .filter(|i| i.days_past_due <= 35)
        .map(|i| i.loan_id)
        .collect();
    assert!(
        !newly_overdue.is_empty(),
        "some generated loans miss their first installment"
    );
    for id in newly_overdue {
        let case = w.inst.collection_case(w.actor("collector"), id).unwrap();
        let warned: Vec<_> = case
            .warnings
            .iter()
            .filter(|x| x.kind == "first_missed_installment")
            .collect();
        assert_eq!(warned.len(), 1, "loan {id}: warned once");
        let visit = case.visits.iter().find(|v| v.reason == "early_warning").unwrap();
        assert_eq!(
            visit.due_on,
            warned[0].business_date + chrono::Days::new(7),
            "a visit within 7 days"
        );
    }
}

/// R-COL-4 results: promises kept and the amount recovered by channel and
/// collector (a repayment counts for the last action before it).
#[test]
fn results_count_promises_and_recoveries_by_channel() {
    let w = world("results");
    w.close_days(1);
    let first = w.inst.business_date().unwrap().pred_opt().unwrap();
    let loan = w.worklist("collector")[0].loan_id;
    let phone = w.contact(loan, "borrower", "13800000007");
    let mut a = action(loan, "phone", "2026-01-06 10:00", Some(phone), "promised");
    a.promise_amount = Some("300.00".into());
    a.promise_date = w.inst.business_date().ok();
    w.inst.record_collection_action(w.actor("collector"), a).unwrap();
    let repayment = Repayment {
        amount: cny(300),
        value_date: None,
        prepayment: None,
    };
    w.inst.repay(w.actor("teller"), loan, repayment, None).unwrap();
    w.close_days(1);
    let last = w.inst.business_date().unwrap().pred_opt().unwrap();
    let r = w.inst.collection_results(w.actor("bm"), first, last).unwrap();
    assert_eq!((r.promises_kept.numerator, r.promises_kept.denominator), (1, 1));
    assert_eq!(r.recoveries.len(), 1);
    let totals = &r.recoveries[0].totals;
    assert_eq!(totals.total, cny(300));
    assert_eq!(totals.by_collector[&w.actor("collector").user_id], cny(300));
    assert_eq!(r.roll_rates.buckets(), BUCKET_LABELS.len());
    assert!(
        r.roll_rates.from_total(0) > 0,
        "current loans are counted in the roll rates"
    );
    assert!(
        w.inst
            .collection_results(w.actor("collector"), first, last)
            .is_err(),
        "results need collection.manage"
    );
}

/// R-SVC-5 "a fall in deposits": balances fed from the core deposit system
/// raise the deposit-fall warning and its visit when the average over the
/// current 30 days fell at least 30% from the previous 30 days' average of
/// at least 1,000.00 (the core's `WarningConfig` defaults) — a 40% fall
/// warns once (a repeated feed does not warn again), a 10% fall and a fall
/// from a small balance do not; bad feeds are refused naming the field.
#[test]
fn deposit_fall_raises_one_warning_and_a_visit() {
    let w = world("deposits");
    w.close_days(1);
    let today = w.inst.business_date().unwrap();
    let mut clients: Vec<(i64, i64)> = Vec::new();
    for item in w.worklist("collector") {
        if clients.iter().all(|(c, _)| *c != item.client_id) {
            clients.push((item.client_id, item.loan_id));
        }
    }
    assert!(clients.len() >= 3, "three borrowers with disbursed loans");
    let days_ago = |n: u64| today - chrono::Days::new(n);
    let feed = |client_id: i64, previous_major: i64, current_major: i64| {
        vec![
            DepositBalance {
                client_id,
                as_of: days_ago(50),
                balance: cny(previous_major),
            },
            DepositBalance {
                client_id,
                as_of: days_ago(35),
                balance: cny(previous_major),
            },
            DepositBalance {
                client_id,
                as_of: days_ago(10),
                balance: cny(current_major),
            },
            DepositBalance {
                client_id,
                as_of: today,
                balance: cny(current_major),
            },
        ]
    };
    let deposit_falls = |loan: i64| {
        let case = w.inst.collection_case(w.actor("collector"), loan).unwrap();
        let warnings = case.warnings.iter().filter(|x| x.kind == "deposit_fall").count();
        let visits = case
            .visits
            .iter()
            .filter(|v| v.reason == "early_warning" && v.warnings == "deposit_fall")
            .count();
        (warnings, visits)
    };
    let (fell, small_fall, small_balance) = (clients[0], clients[1], clients[2]);
    let mut balances = feed(fell.0, 10_000, 6_000);
    balances.extend(feed(small_fall.0, 10_000, 9_000));
    balances.extend(feed(small_balance.0, 500, 100));
    let collector = w.actor("collector");
    let report = w.inst.record_deposit_balances(collector, balances).unwrap();
    assert_eq!((report.balances, report.clients, report.warnings), (12, 3, 1));
    assert_eq!(deposit_falls(fell.1), (1, 1), "40% fall: one warning, one visit");
    assert_eq!(
        deposit_falls(small_fall.1),
        (0, 0),
        "10% fall: below the 30% threshold"
    );
    assert_eq!(
        deposit_falls(small_balance.1),
        (0, 0),
        "500.00 is below the 1,000.00 minimum"
    );
    // The next day's feed shows the same fall: no second warning.
    w.close_days(1);
    let again = vec![DepositBalance {
        client_id: fell.0,
        as_of: w.inst.business_date().unwrap(),
        balance: cny(5_900),
    }];
    let report = w.inst.record_deposit_balances(collector, again).unwrap();
    assert_eq!(report.warnings, 0);
    assert_eq!(deposit_falls(fell.1), (1, 1));
    // Bad feeds name the field; the teller may not feed.
    let negative = vec![DepositBalance {
        client_id: fell.0,
        as_of: days_ago(1),
        balance: Money::from_minor(-1, Currency::CNY),
    }];
    let e = w.inst.record_deposit_balances(collector, negative).unwrap_err();
    assert!(
        matches!(e, AppError::Invalid { ref field, .. } if field == "balances[0].balance"),
        "{e:?}"
    );
    let future = feed(fell.0, 1, 1)
        .into_iter()
        .map(|b| DepositBalance {
            as_of: today + chrono::Days::new(30),
            ..b
        })
        .take(1)
        .collect();
    let e = w.inst.record_deposit_balances(collector, future).unwrap_err();
    assert!(
        matches!(e, AppError::Invalid { ref field, .. } if field == "balances[0].as_of"),
        "{e:?}"
    );
    let e = w.inst.record_deposit_balances(collector, vec![]).unwrap_err();
    assert!(
        matches!(e, AppError::Invalid { ref field, .. } if field == "balances"),
        "{e:?}"
    );
    let e = w
        .inst
        .record_deposit_balances(w.actor("teller"), feed(fell.0, 1, 1))
        .unwrap_err();
    assert!(matches!(e, AppError::Forbidden { .. }), "{e:?}");
}
