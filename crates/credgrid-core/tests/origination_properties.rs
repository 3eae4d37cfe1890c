//! Property tests of the origination workflow (R-ORIG-3): whatever sequence
//! of acts staff attempt, the accepted history never breaks separation of
//! duties. In the manner of TigerBeetle's auditor: random operations, then
//! the invariants checked against the recorded history.

use chrono::{TimeZone, Utc};
use credgrid_core::authz::{Actor, Role, UserId};
use credgrid_core::money::{Currency, Money};
use credgrid_core::origination::{
    Act, ApplicationFacts, Ceilings, CommitteeRule, Decision, Outcome, Process, Status, Step, Tier, Workflow,
};
use proptest::prelude::*;

const OUTLET: [i64; 3] = [1, 2, 3];
const APPLICANT: UserId = 0;
const RELATIVE: UserId = 1;
const USERS: usize = 24;
const POOL_ROLES: [Role; 9] = [
    Role::AccountManager,
    Role::GridWorker,
    Role::RiskOfficer,
    Role::Reviewer,
    Role::Approver,
    Role::CommitteeMember,
    Role::ContractOfficer,
    Role::Teller,
    Role::BranchManager,
];

#[derive(Clone, Debug)]
struct Attempt {
    user: usize,
    /// Act on the current step (most of the time) or on a random one.
    current: bool,
    step: usize,
    slot: Option<usize>,
    decision: u8,
    back_to: usize,
    close: bool,
}

fn attempt() -> impl Strategy<Value = Attempt> {
    (
        0..USERS,
        prop::bool::weighted(0.85),
        0..Step::ALL.len(),
        prop::option::of(0..3_usize),
        0..40_u8,
        0..9_usize,
    )
        .prop_flat_map(|(user, current, step, slot, decision, back_to)| {
            prop::bool::weighted(0.15).prop_map(move |close| Attempt {
                user,
                current,
                step,
                slot,
                decision,
                back_to,
                close,
            })
        })
}

fn staff_pool() -> impl Strategy<Value = Vec<Vec<Role>>> {
    prop::collection::vec(prop::sample::subsequence(POOL_ROLES.to_vec(), 1..4), USERS)
}

fn to_act(w: &Workflow, a: &Attempt, minute: u32) -> Act {
    let process = w.process();
    let step = match (a.current, w.current_step()) {
        (true, Some(s)) => s,
        _ => Step::ALL[a.step],
    };
    let spec = process.steps.iter().find(|s| s.step == step);
    let decision = match a.decision {
        0..=33 => Decision::Approve,
        34 => Decision::Reject,
        35..=37 => Decision::Abstain,
        _ => Decision::SendBack {
            to: process.steps[a.back_to % process.steps.len()].step,
            reason: "more information".into(),
        },
    };
    let at =
        Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap() + chrono::Duration::minutes(i64::from(minute));
    let mut act = Act::new(step, decision, at).reasons(&["reason"]);
    if let Some(spec) = spec {
        act.documents_seen = spec.documents_required.clone();
        act.capacity = a.slot.and_then(|i| spec.slots.get(i)).map(|s| s.capacity);
    }
    act
}

/// The invariants of an accepted history.
fn check_history(w: &Workflow, actors: &[Actor], amount: Money) {
    let ceilings = Ceilings::defaults(Currency::CNY);
    let history = w.history();
    for e in history {
        let Some(user) = e.actor else { continue };
        assert!(
            user != APPLICANT && user != RELATIVE,
            "applicant or relative acted: {e:?}"
        );
        let steps: Vec<Step> = history
            .iter()
            .filter(|x| x.actor == Some(user))
            .map(|x| x.step)
            .collect();
        assert!(
            steps.iter().all(|s| *s == e.step),
            "user {user} acted on {steps:?}"
        );
        let sole_approval = e.step.is_approval() && e.capacity.is_some_and(|c| c.name() == "sole");
        if sole_approval && e.decision == Some(Decision::Approve) {
            let spec = w.process().steps.iter().find(|s| s.step == e.step).unwrap();
            let ceiling = ceilings
                .ceiling_for(&actors[user as usize], &spec.slots[0].roles)
                .unwrap();
            assert!(
                amount.minor() <= ceiling.minor(),
                "approved over the ceiling: {e:?}"
            );
        }
    }
    for pair in history.windows(2) {
        let two_slots = matches!(pair[0].outcome, Outcome::Signed { .. });
        if two_slots && pair[0].step == pair[1].step && pair[1].outcome != Outcome::Rejected {
            assert_ne!(
                pair[0].actor, pair[1].actor,
                "one person gave both signatures: {pair:?}"
            );
        }
    }
    for e in history.iter().filter(|e| e.tally.is_some()) {
        let tally = e.tally.as_ref().unwrap();
        assert!(tally.quorate, "a vote closed without quorum");
        assert_eq!(
            matches!(e.outcome, Outcome::Advanced { .. } | Outcome::Finished),
            tally.passed
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]
    #[test]
    fn no_sequence_of_acts_breaks_separation_of_duties(
        roles in staff_pool(),
        attempts in prop::collection::vec(attempt(), 1..300),
        tier in prop::sample::select(vec![Tier::Low, Tier::Medium, Tier::High]),
        fast_track in any::<bool>(),
        amount_major in prop::sample::select(vec![5_000_i64, 12_000, 90_000, 150_000]),
    ) {
        let amount = Money::from_minor(amount_major * 100, Currency::CNY);
        let facts = ApplicationFacts {
            application_id: 1,
            amount,
            node_path: OUTLET.to_vec(),
            applicant_staff_user: Some(APPLICANT),
            relatives: vec![RELATIVE],
        };
        let process = Process::default_for(tier, fast_track, &[Tier::High]);
        let mut w = Workflow::new(facts, process, CommitteeRule::default(), Ceilings::defaults(Currency::CNY));
        let actors: Vec<Actor> = roles
            .iter()
            .enumerate()
            .map(|(i, r)| Actor::new(i as UserId, r, &OUTLET))
            .collect();
        for (minute, a) in (0..).zip(&attempts) {
            if a.close {
                let _ = w.close_committee(Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap());
                continue;
            }
            let act = to_act(&w, a, minute);
            let before = w.history().len();
            match w.act(&actors[a.user], act) {
                Ok(_) => prop_assert_eq!(w.history().len(), before + 1),
                Err(_) => prop_assert_eq!(w.history().len(), before),
            }
        }
        check_history(&w, &actors, amount);
        if *w.status() == Status::Finished {
            let last = w.process().steps.last().unwrap().step;
            prop_assert!(w.history().iter().any(|e| e.step == last));
        }
    }
}
