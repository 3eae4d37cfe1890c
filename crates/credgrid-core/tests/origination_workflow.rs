//! Scenario tests of the origination workflow (SPEC R-ORIG-1..4, issue 4):
//! the happy path of each tier's process, each of the five gates, and every
//! separation-of-duties refusal named by its rule.
//!
//! The processes are the documents' defaults (SPEC R-ORIG-1): low =
//! application → credit grant → approval → disbursement; medium adds a
//! review; high runs the nine steps with the five gates of R-ORIG-2.

use chrono::{DateTime, TimeZone, Utc};
use credgrid_core::authz::{Actor, Permission, Role, UserId, default_permissions};
use credgrid_core::collateral::{
    Collateral, CollateralError, CollateralKind, Exposure, HaircutTable, Limits,
};
use credgrid_core::money::{Currency, Money};
use credgrid_core::origination::{
    Act, ApplicationFacts, Capacity, CeilingEntry, Ceilings, CommitteeRule, Decision, ExposureFacts, Outcome,
    Process, Refusal, Replay, Status, Step, Tier, Workflow,
};

const OUTLET: [i64; 3] = [1, 2, 3];

fn at(minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap() + chrono::Duration::minutes(i64::from(minute))
}

fn cny(major: i64) -> Money {
    Money::from_minor(major * 100, Currency::CNY)
}

fn staff(id: UserId, roles: &[Role]) -> Actor {
    Actor::new(id, roles, &OUTLET)
}

fn facts(amount_major: i64) -> ApplicationFacts {
    ApplicationFacts {
        application_id: 77,
        amount: cny(amount_major),
        node_path: OUTLET.to_vec(),
        applicant_staff_user: None,
        relatives: Vec::new(),
    }
}

fn workflow_with(facts: ApplicationFacts, tier: Tier, fast_track: bool, ceilings: Ceilings) -> Workflow {
    let process = Process::default_for(tier, fast_track, &[Tier::High]);
    Workflow::new(facts, process, CommitteeRule::default(), ceilings)
}

fn workflow(tier: Tier, amount_major: i64) -> Workflow {
    workflow_with(
        facts(amount_major),
        tier,
        false,
        Ceilings::defaults(Currency::CNY),
    )
}

/// An approving act on `step` that saw every document the step requires in
/// any default process (seeing more than required is harmless).
fn approve(step: Step, minute: u32) -> Act {
    let mut act = Act::new(step, Decision::Approve, at(minute)).reasons(&["in order"]);
    for tier in [Tier::Low, Tier::Medium, Tier::High] {
        for spec in Process::default_for(tier, false, &[Tier::High]).steps {
            for doc in spec.documents_required.iter().filter(|_| spec.step == step) {
                if !act.documents_seen.contains(doc) {
                    act.documents_seen.push(doc.clone());
                }
            }
        }
    }
    act
}

fn must(w: &mut Workflow, actor: &Actor, act: Act) -> Outcome {
    match w.act(actor, act) {
        Ok(event) => event.outcome,
        Err(refusal) => panic!("refused: {refusal}"),
    }
}

/// Acts and expects a refusal; asserts the refused act changed nothing.
fn refused(w: &mut Workflow, actor: &Actor, act: Act) -> Refusal {
    let before = (w.history().len(), w.current_step(), w.votes().len());
    let refusal = w.act(actor, act).expect_err("the act must be refused");
    assert_eq!(before, (w.history().len(), w.current_step(), w.votes().len()));
    refusal
}

/// Walks a low-tier workflow to its approval step (grid worker 1 takes the
/// application, account manager 2 grants).
fn low_at_approval(w: &mut Workflow) {
    must(w, &staff(1, &[Role::GridWorker]), approve(Step::Application, 1));
    must(
        w,
        &staff(2, &[Role::AccountManager]),
        approve(Step::CreditGrant, 2),
    );
    assert_eq!(w.current_step(), Some(Step::Approval));
}

#[test]
fn low_tier_happy_path_records_who_when_what_and_documents() {
    let mut w = workflow(Tier::Low, 8_000);
    low_at_approval(&mut w);
    must(&mut w, &staff(3, &[Role::Approver]), approve(Step::Approval, 3));
    let last = must(&mut w, &staff(4, &[Role::Teller]), approve(Step::Disbursement, 4));
    assert_eq!(last, Outcome::Finished);
    assert_eq!(w.status(), &Status::Finished);
    let steps: Vec<Step> = w.history().iter().map(|e| e.step).collect();
    assert_eq!(
        steps,
        [
            Step::Application,
            Step::CreditGrant,
            Step::Approval,
            Step::Disbursement
        ]
    );
    let grant = &w.history()[1];
    assert_eq!((grant.seq, grant.actor, grant.at), (2, Some(2), at(2)));
    assert_eq!(grant.documents_seen, ["credit_rating"]);
    assert_eq!(grant.reasons, ["in order"]);
    assert_eq!(grant.outcome, Outcome::Advanced { to: Step::Approval });
}

#[test]
fn medium_tier_happy_path_has_a_review_before_the_grant() {
    let mut w = workflow(Tier::Medium, 60_000);
    let order = [
        (Step::Application, staff(1, &[Role::AccountManager])),
        (Step::Review, staff(2, &[Role::Reviewer])),
        (Step::CreditGrant, staff(3, &[Role::AccountManager])),
        (Step::Approval, staff(4, &[Role::Approver])),
        (Step::Disbursement, staff(5, &[Role::Teller])),
    ];
    for (minute, (step, actor)) in (1..).zip(order) {
        assert_eq!(w.current_step(), Some(step));
        must(&mut w, &actor, approve(step, minute));
    }
    assert_eq!(w.status(), &Status::Finished);
    assert_eq!(w.history().len(), 5);
}

/// Walks a high-tier workflow to the committee vote: gate 1 (A/B
/// investigation by 3 and 4) and gate 2 (independent review by 5).
fn high_at_committee(w: &mut Workflow) {
    must(
        w,
        &staff(1, &[Role::AccountManager]),
        approve(Step::Application, 1),
    );
    must(
        w,
        &staff(2, &[Role::Reviewer]),
        approve(Step::AcceptanceReview, 2),
    );
    let lead = approve(Step::PreLoanInvestigation, 3).capacity(Capacity::Lead);
    let signed = must(w, &staff(3, &[Role::AccountManager]), lead);
    assert_eq!(
        signed,
        Outcome::Signed {
            awaiting: vec![Capacity::Assist]
        }
    );
    let assist = approve(Step::PreLoanInvestigation, 4).capacity(Capacity::Assist);
    must(w, &staff(4, &[Role::AccountManager]), assist);
    must(w, &staff(5, &[Role::RiskOfficer]), approve(Step::CreditReview, 5));
    assert_eq!(w.current_step(), Some(Step::LoanApproval));
}

fn vote(w: &mut Workflow, member: UserId, decision: Decision, minute: u32) -> Result<(), Refusal> {
    let mut act = approve(Step::LoanApproval, minute);
    act.decision = decision;
    act.reasons = vec![format!("member {member} reasons")];
    w.act(&staff(member, &[Role::CommitteeMember]), act).map(|_| ())
}

#[test]
fn high_tier_happy_path_passes_the_five_gates() {
    let mut w = workflow(Tier::High, 500_000);
    high_at_committee(&mut w);
    // Gate 5: 4 approve, 1 rejects (dissent recorded): 4 of 5 ≥ 2/3, quorum 5.
    for member in 10..14 {
        vote(&mut w, member, Decision::Approve, 10).unwrap();
    }
    vote(&mut w, 14, Decision::Reject, 11).unwrap();
    let closed = w.close_committee(at(12)).unwrap();
    assert_eq!(
        closed.outcome,
        Outcome::Advanced {
            to: Step::ContractReview
        }
    );
    let tally = closed.tally.expect("a closed vote carries its tally");
    assert_eq!((tally.approve, tally.reject, tally.abstain), (4, 1, 0));
    assert_eq!(tally.dissent.len(), 1);
    assert_eq!(tally.dissent[0].member, 14);
    assert_eq!(tally.dissent[0].reasons, ["member 14 reasons"]);
    // Gate 3: the contract officer signs, a risk officer checks the legal procedure.
    let sign = approve(Step::ContractReview, 13).capacity(Capacity::ContractSigning);
    must(&mut w, &staff(20, &[Role::ContractOfficer]), sign);
    let legal = approve(Step::ContractReview, 14).capacity(Capacity::LegalCheck);
    must(&mut w, &staff(21, &[Role::RiskOfficer]), legal);
    // Gate 4: the notice checked by a risk officer, re-checked by a reviewer.
    let check = approve(Step::DisbursementConditionsReview, 15).capacity(Capacity::NoticeCheck);
    must(&mut w, &staff(22, &[Role::RiskOfficer]), check);
    let recheck = approve(Step::DisbursementConditionsReview, 16).capacity(Capacity::NoticeRecheck);
    must(&mut w, &staff(23, &[Role::Reviewer]), recheck);
    must(
        &mut w,
        &staff(24, &[Role::Teller]),
        approve(Step::Disbursement, 17),
    );
    let end = must(
        &mut w,
        &staff(25, &[Role::GridWorker]),
        approve(Step::UseOfFundsMonitoring, 18),
    );
    assert_eq!(end, Outcome::Finished);
    // 5 acts before the vote, 5 votes, the closing, 2 + 2 signatures, 2 acts.
    assert_eq!(w.history().len(), 17);
}

#[test]
fn gate_one_refuses_the_same_lead_and_assist() {
    let mut w = workflow(Tier::High, 500_000);
    must(
        &mut w,
        &staff(1, &[Role::AccountManager]),
        approve(Step::Application, 1),
    );
    must(
        &mut w,
        &staff(2, &[Role::Reviewer]),
        approve(Step::AcceptanceReview, 2),
    );
    let a = staff(3, &[Role::AccountManager]);
    must(
        &mut w,
        &a,
        approve(Step::PreLoanInvestigation, 3).capacity(Capacity::Lead),
    );
    let as_b = approve(Step::PreLoanInvestigation, 4).capacity(Capacity::Assist);
    assert_eq!(refused(&mut w, &a, as_b), Refusal::SameLeadAndAssist);
    // Nor can a second person take the lead slot again, or sign without naming a slot.
    let lead_again = approve(Step::PreLoanInvestigation, 4).capacity(Capacity::Lead);
    let b = staff(4, &[Role::AccountManager]);
    assert_eq!(
        refused(&mut w, &b, lead_again),
        Refusal::AlreadySigned {
            capacity: Capacity::Lead
        }
    );
    let unnamed = approve(Step::PreLoanInvestigation, 4);
    let wrong = Refusal::WrongCapacity {
        step: Step::PreLoanInvestigation,
        capacity: None,
    };
    assert_eq!(refused(&mut w, &b, unnamed), wrong);
}

#[test]
fn gate_two_review_is_independent_of_everyone_before() {
    let mut w = workflow(Tier::High, 500_000);
    must(
        &mut w,
        &staff(1, &[Role::AccountManager]),
        approve(Step::Application, 1),
    );
    must(
        &mut w,
        &staff(2, &[Role::Reviewer]),
        approve(Step::AcceptanceReview, 2),
    );
    // The lead investigator also holds the risk-officer role.
    let lead = staff(3, &[Role::AccountManager, Role::RiskOfficer]);
    must(
        &mut w,
        &lead,
        approve(Step::PreLoanInvestigation, 3).capacity(Capacity::Lead),
    );
    let assist = approve(Step::PreLoanInvestigation, 4).capacity(Capacity::Assist);
    must(&mut w, &staff(4, &[Role::AccountManager]), assist);
    let review = approve(Step::CreditReview, 5);
    let refusal = refused(&mut w, &lead, review.clone());
    assert_eq!(
        refusal,
        Refusal::SameActorTwoSteps {
            earlier: Step::PreLoanInvestigation
        }
    );
    // The acceptance reviewer is not independent either.
    let acceptance = staff(2, &[Role::Reviewer]);
    let refusal = refused(&mut w, &acceptance, review.clone());
    assert_eq!(
        refusal,
        Refusal::SameActorTwoSteps {
            earlier: Step::AcceptanceReview
        }
    );
    must(&mut w, &staff(5, &[Role::RiskOfficer]), review);
}

/// Walks a high-tier workflow to the contract review.
fn high_at_contract(w: &mut Workflow) {
    high_at_committee(w);
    for member in 10..15 {
        vote(w, member, Decision::Approve, 10).unwrap();
    }
    w.close_committee(at(11)).unwrap();
    assert_eq!(w.current_step(), Some(Step::ContractReview));
}

#[test]
fn gates_three_and_four_need_two_different_people() {
    let mut w = workflow(Tier::High, 500_000);
    high_at_contract(&mut w);
    let both = staff(20, &[Role::ContractOfficer, Role::RiskOfficer]);
    must(
        &mut w,
        &both,
        approve(Step::ContractReview, 12).capacity(Capacity::ContractSigning),
    );
    let legal = approve(Step::ContractReview, 13).capacity(Capacity::LegalCheck);
    assert_eq!(
        refused(&mut w, &both, legal.clone()),
        Refusal::SameSignerTwice {
            step: Step::ContractReview
        }
    );
    must(&mut w, &staff(21, &[Role::RiskOfficer]), legal);
    let double = staff(22, &[Role::RiskOfficer, Role::Reviewer]);
    let check = approve(Step::DisbursementConditionsReview, 14).capacity(Capacity::NoticeCheck);
    must(&mut w, &double, check);
    let recheck = approve(Step::DisbursementConditionsReview, 15).capacity(Capacity::NoticeRecheck);
    let refusal = refused(&mut w, &double, recheck.clone());
    assert_eq!(
        refusal,
        Refusal::SameSignerTwice {
            step: Step::DisbursementConditionsReview
        }
    );
    // The risk officer of the legal check cannot re-check the notice either.
    let legal_officer = staff(21, &[Role::RiskOfficer, Role::Reviewer]);
    let refusal = refused(&mut w, &legal_officer, recheck.clone());
    assert_eq!(
        refusal,
        Refusal::SameActorTwoSteps {
            earlier: Step::ContractReview
        }
    );
    must(&mut w, &staff(23, &[Role::Reviewer]), recheck);
    assert_eq!(w.current_step(), Some(Step::Disbursement));
}

#[test]
fn committee_without_quorum_is_refused_then_closes_with_the_fifth_vote() {
    let mut w = workflow(Tier::High, 500_000);
    high_at_committee(&mut w);
    for member in 10..14 {
        vote(&mut w, member, Decision::Approve, 10).unwrap();
    }
    assert_eq!(
        w.close_committee(at(11)),
        Err(Refusal::NoQuorum {
            votes: 4,
            required: 5
        })
    );
    assert_eq!(w.current_step(), Some(Step::LoanApproval));
    assert_eq!(
        vote(&mut w, 10, Decision::Approve, 11),
        Err(Refusal::AlreadyVoted)
    );
    vote(&mut w, 14, Decision::Abstain, 12).unwrap();
    assert_eq!(
        w.close_committee(at(13)).unwrap().outcome,
        Outcome::Advanced {
            to: Step::ContractReview
        }
    );
}

#[test]
fn committee_majority_below_two_thirds_rejects_and_closes_the_application() {
    let mut w = workflow(Tier::High, 500_000);
    high_at_committee(&mut w);
    for member in 10..13 {
        vote(&mut w, member, Decision::Approve, 10).unwrap();
    }
    vote(&mut w, 13, Decision::Reject, 10).unwrap();
    vote(&mut w, 14, Decision::Reject, 10).unwrap();
    let closed = w.close_committee(at(11)).unwrap();
    assert_eq!(closed.outcome, Outcome::Rejected);
    assert_eq!(closed.tally.unwrap().dissent.len(), 2);
    assert_eq!(
        w.status(),
        &Status::Rejected {
            step: Step::LoanApproval
        }
    );
    let late = approve(Step::LoanApproval, 12);
    let refusal = refused(&mut w, &staff(15, &[Role::CommitteeMember]), late);
    assert_eq!(refusal, Refusal::WorkflowClosed { status: "rejected" });
}

#[test]
fn committee_votes_need_a_reason_and_cannot_send_back() {
    let mut w = workflow(Tier::High, 500_000);
    high_at_committee(&mut w);
    let silent = Act::new(Step::LoanApproval, Decision::Approve, at(10)).documents(&["review_opinion"]);
    assert_eq!(
        refused(&mut w, &staff(10, &[Role::CommitteeMember]), silent),
        Refusal::ReasonRequired
    );
    let back = Decision::SendBack {
        to: Step::CreditReview,
        reason: "more data".into(),
    };
    let refusal = vote(&mut w, 10, back, 10).unwrap_err();
    assert_eq!(
        refusal,
        Refusal::DecisionNotAllowed {
            decision: "send_back"
        }
    );
    // A committee member who investigated cannot vote on the same application.
    let investigator = Actor::new(3, &[Role::AccountManager, Role::CommitteeMember], &OUTLET);
    let act = approve(Step::LoanApproval, 11);
    let refusal = refused(&mut w, &investigator, act);
    assert_eq!(
        refusal,
        Refusal::SameActorTwoSteps {
            earlier: Step::PreLoanInvestigation
        }
    );
}

#[test]
fn the_same_person_on_two_steps_is_refused() {
    let mut w = workflow(Tier::Low, 8_000);
    let am = staff(2, &[Role::AccountManager]);
    must(&mut w, &am, approve(Step::Application, 1));
    let grant = approve(Step::CreditGrant, 2);
    assert_eq!(
        refused(&mut w, &am, grant),
        Refusal::SameActorTwoSteps {
            earlier: Step::Application
        }
    );
    let refusal = Refusal::SameActorTwoSteps {
        earlier: Step::Application,
    };
    assert_eq!(refusal.code(), "sod-same-actor-two-steps");
    assert!(refusal.is_separation_of_duties());
}

#[test]
fn acting_on_ones_own_or_a_relatives_application_is_refused() {
    let approver = staff(3, &[Role::Approver]);
    let mut own = facts(8_000);
    own.applicant_staff_user = Some(3);
    let mut w = workflow_with(own, Tier::Low, false, Ceilings::defaults(Currency::CNY));
    low_at_approval(&mut w);
    assert_eq!(
        refused(&mut w, &approver, approve(Step::Approval, 3)),
        Refusal::OwnApplication
    );

    let mut cousin = facts(8_000);
    cousin.relatives = vec![9, 3];
    let mut w = workflow_with(cousin, Tier::Low, false, Ceilings::defaults(Currency::CNY));
    low_at_approval(&mut w);
    assert_eq!(
        refused(&mut w, &approver, approve(Step::Approval, 3)),
        Refusal::RelativeApplication
    );
    // Refused at every step, not only at approval: the relative cannot disburse either.
    must(&mut w, &staff(4, &[Role::Approver]), approve(Step::Approval, 4));
    let teller = staff(9, &[Role::Teller]);
    assert_eq!(
        refused(&mut w, &teller, approve(Step::Disbursement, 5)),
        Refusal::RelativeApplication
    );
}

#[test]
fn an_approver_over_the_ceiling_is_refused_by_role_and_node() {
    // Approver default 100,000; branch manager 1,000,000 (Ceilings::defaults).
    let mut w = workflow(Tier::Low, 150_000);
    low_at_approval(&mut w);
    let refusal = refused(&mut w, &staff(3, &[Role::Approver]), approve(Step::Approval, 3));
    assert_eq!(
        refusal,
        Refusal::OverCeiling {
            ceiling: cny(100_000),
            amount: cny(150_000)
        }
    );
    assert_eq!(refusal.code(), "sod-over-ceiling");
    must(
        &mut w,
        &staff(4, &[Role::BranchManager]),
        approve(Step::Approval, 4),
    );

    // A node entry overrides the institution default for users at that node.
    let mut ceilings = Ceilings::defaults(Currency::CNY);
    ceilings.entries.push(CeilingEntry {
        role: Role::Approver,
        node: Some(3),
        ceiling: cny(5_000),
    });
    let mut w = workflow_with(facts(8_000), Tier::Low, false, ceilings);
    low_at_approval(&mut w);
    let refusal = refused(&mut w, &staff(3, &[Role::Approver]), approve(Step::Approval, 3));
    assert_eq!(
        refusal,
        Refusal::OverCeiling {
            ceiling: cny(5_000),
            amount: cny(8_000)
        }
    );
    // An approver at the branch (node 2) keeps the default ceiling.
    let branch_approver = Actor::new(5, &[Role::Approver], &[1, 2]);
    must(&mut w, &branch_approver, approve(Step::Approval, 4));
}

#[test]
fn an_approver_without_a_ceiling_has_no_authority_but_may_still_reject() {
    let mut w = workflow_with(facts(8_000), Tier::Low, false, Ceilings::default());
    low_at_approval(&mut w);
    let approver = staff(3, &[Role::Approver]);
    assert_eq!(
        refused(&mut w, &approver, approve(Step::Approval, 3)),
        Refusal::NoAuthority
    );
    let no = Act::new(Step::Approval, Decision::Reject, at(4)).reasons(&["income not proven"]);
    assert_eq!(must(&mut w, &approver, no), Outcome::Rejected);
}

#[test]
fn a_wrong_role_out_of_order_or_out_of_scope_is_refused() {
    let mut w = workflow(Tier::Low, 8_000);
    must(
        &mut w,
        &staff(1, &[Role::GridWorker]),
        approve(Step::Application, 1),
    );
    let teller = staff(9, &[Role::Teller]);
    let refusal = refused(&mut w, &teller, approve(Step::CreditGrant, 2));
    assert_eq!(
        refusal,
        Refusal::RoleNotAllowed {
            step: Step::CreditGrant,
            capacity: Capacity::Sole,
            allowed: vec![Role::AccountManager]
        }
    );
    let approver = staff(3, &[Role::Approver]);
    let early = approve(Step::Approval, 2);
    let refusal = refused(&mut w, &approver, early);
    assert_eq!(
        refusal,
        Refusal::NotCurrentStep {
            current: Step::CreditGrant,
            requested: Step::Approval
        }
    );
    let elsewhere = Actor::new(5, &[Role::AccountManager], &[1, 2, 8]);
    assert_eq!(
        refused(&mut w, &elsewhere, approve(Step::CreditGrant, 2)),
        Refusal::OutOfScope
    );
    // A manager at the branch above the outlet may act.
    must(
        &mut w,
        &Actor::new(6, &[Role::AccountManager], &[1, 2]),
        approve(Step::CreditGrant, 3),
    );
}

#[test]
fn send_back_then_continue() {
    let mut w = workflow(Tier::Low, 8_000);
    low_at_approval(&mut w);
    let approver = staff(3, &[Role::Approver]);
    let no_reason = Act::new(
        Step::Approval,
        Decision::SendBack {
            to: Step::CreditGrant,
            reason: " ".into(),
        },
        at(3),
    );
    assert_eq!(refused(&mut w, &approver, no_reason), Refusal::ReasonRequired);
    let forward = Decision::SendBack {
        to: Step::Disbursement,
        reason: "x".into(),
    };
    let refusal = refused(&mut w, &approver, Act::new(Step::Approval, forward, at(3)));
    assert_eq!(
        refusal,
        Refusal::InvalidSendBack {
            to: Step::Disbursement
        }
    );
    let back = Decision::SendBack {
        to: Step::CreditGrant,
        reason: "term too long for the crop".into(),
    };
    let outcome = must(&mut w, &approver, Act::new(Step::Approval, back, at(3)));
    assert_eq!(
        outcome,
        Outcome::SentBack {
            to: Step::CreditGrant
        }
    );
    assert_eq!(w.current_step(), Some(Step::CreditGrant));
    // The approver who sent it back cannot redo the grant; the original account manager can.
    let grant = approve(Step::CreditGrant, 4);
    assert_eq!(
        refused(&mut w, &approver, grant.clone()),
        Refusal::RoleNotAllowed {
            step: Step::CreditGrant,
            capacity: Capacity::Sole,
            allowed: vec![Role::AccountManager],
        }
    );
    let approver_and_am = staff(3, &[Role::Approver, Role::AccountManager]);
    let refusal = refused(&mut w, &approver_and_am, grant.clone());
    assert_eq!(
        refusal,
        Refusal::SameActorTwoSteps {
            earlier: Step::Approval
        }
    );
    must(&mut w, &staff(2, &[Role::AccountManager]), grant);
    must(&mut w, &approver, approve(Step::Approval, 5));
    must(&mut w, &staff(4, &[Role::Teller]), approve(Step::Disbursement, 6));
    assert_eq!(w.status(), &Status::Finished);
    let sent_back = &w.history()[2];
    assert_eq!(sent_back.decision.as_ref().map(|d| d.name()), Some("send_back"));
}

#[test]
fn missing_documents_reasonless_rejection_and_abstention_are_refused() {
    let mut w = workflow(Tier::Low, 8_000);
    let gw = staff(1, &[Role::GridWorker]);
    let partial = Act::new(Step::Application, Decision::Approve, at(1)).documents(&["application_form"]);
    let missing = ["id_document", "household_register", "income_proof"]
        .map(String::from)
        .to_vec();
    assert_eq!(
        refused(&mut w, &gw, partial),
        Refusal::MissingDocuments { missing }
    );
    let bare_reject = Act::new(Step::Application, Decision::Reject, at(1));
    assert_eq!(refused(&mut w, &gw, bare_reject), Refusal::ReasonRequired);
    let abstain = approve(Step::Application, 1);
    let abstain = Act {
        decision: Decision::Abstain,
        ..abstain
    };
    assert_eq!(
        refused(&mut w, &gw, abstain),
        Refusal::DecisionNotAllowed { decision: "abstain" }
    );
    assert_eq!(w.close_committee(at(2)), Err(Refusal::NotCommitteeStep));
}

#[test]
fn the_fast_track_needs_fewer_documents_but_keeps_separation_of_duties() {
    let fast = |amount| workflow_with(facts(amount), Tier::Low, true, Ceilings::defaults(Currency::CNY));
    let mut w = fast(8_000);
    let gw = staff(1, &[Role::GridWorker]);
    let short =
        Act::new(Step::Application, Decision::Approve, at(1)).documents(&["application_form", "id_document"]);
    must(&mut w, &gw, short);
    let am = staff(2, &[Role::AccountManager]);
    must(&mut w, &am, approve(Step::CreditGrant, 2));
    // Direct approval by an account manager, but not by the one who granted.
    let refusal = refused(&mut w, &am, approve(Step::Approval, 3));
    assert_eq!(
        refusal,
        Refusal::SameActorTwoSteps {
            earlier: Step::CreditGrant
        }
    );
    must(
        &mut w,
        &staff(5, &[Role::AccountManager]),
        approve(Step::Approval, 3),
    );

    // Over the delegated authority of 10,000 an account manager is refused.
    let mut w = fast(12_000);
    low_at_approval(&mut w);
    let refusal = refused(
        &mut w,
        &staff(5, &[Role::AccountManager]),
        approve(Step::Approval, 3),
    );
    assert_eq!(
        refusal,
        Refusal::OverCeiling {
            ceiling: cny(10_000),
            amount: cny(12_000)
        }
    );

    // Off the fast track an account manager may not approve at all.
    let mut w = workflow(Tier::Low, 8_000);
    low_at_approval(&mut w);
    let refusal = refused(
        &mut w,
        &staff(5, &[Role::AccountManager]),
        approve(Step::Approval, 3),
    );
    assert!(matches!(
        refusal,
        Refusal::RoleNotAllowed {
            step: Step::Approval,
            ..
        }
    ));
    // The fast track is for the low tier only.
    assert!(!Process::default_for(Tier::Medium, true, &[Tier::High]).fast_track);
}

#[test]
fn the_first_broken_rule_is_reported() {
    // A teller who is also the applicant, acting out of order: order first,
    // then role, then the separation-of-duties rules.
    let mut own = facts(8_000);
    own.applicant_staff_user = Some(9);
    let mut w = workflow_with(own, Tier::Low, false, Ceilings::defaults(Currency::CNY));
    let teller = staff(9, &[Role::Teller]);
    let act = approve(Step::Disbursement, 1);
    assert!(matches!(
        refused(&mut w, &teller, act),
        Refusal::NotCurrentStep { .. }
    ));
    let act = approve(Step::Application, 1);
    assert!(matches!(
        refused(&mut w, &teller, act),
        Refusal::RoleNotAllowed { .. }
    ));
    let both = staff(9, &[Role::Teller, Role::GridWorker]);
    assert_eq!(
        refused(&mut w, &both, approve(Step::Application, 1)),
        Refusal::OwnApplication
    );
}

#[test]
fn medium_approval_can_be_configured_as_a_committee_vote() {
    let process = Process::default_for(Tier::Medium, false, &[Tier::Medium, Tier::High]);
    let approval = process.steps.iter().find(|s| s.step == Step::Approval).unwrap();
    assert!(approval.committee);
    let high = Process::default_for(Tier::High, false, &[]);
    let loan_approval = high.steps.iter().find(|s| s.step == Step::LoanApproval).unwrap();
    assert!(
        !loan_approval.committee,
        "without the high tier in the list an approver decides"
    );
}

#[test]
fn every_role_a_process_names_holds_the_step_permission_by_default() {
    for tier in [Tier::Low, Tier::Medium, Tier::High] {
        for fast_track in [false, true] {
            for spec in Process::default_for(tier, fast_track, &[Tier::High]).steps {
                for role in spec.slots.iter().flat_map(|s| s.roles.iter()) {
                    let granted = default_permissions(*role).contains(&Permission::Step(spec.step));
                    assert!(granted, "{role} lacks step.{} in {tier}", spec.step);
                }
            }
        }
    }
}

#[test]
fn a_stored_history_replays_to_the_same_state_and_a_forged_one_is_refused() {
    let mut w = workflow(Tier::High, 500_000);
    high_at_contract(&mut w);
    // What the store keeps: each event with the actor's roles at the time.
    let roles_of = |user: UserId| match user {
        1 | 3 | 4 => vec![Role::AccountManager],
        2 => vec![Role::Reviewer],
        5 => vec![Role::RiskOfficer],
        _ => vec![Role::CommitteeMember],
    };
    let stored: Vec<Replay> = w
        .history()
        .iter()
        .map(|e| match (e.actor, e.act()) {
            (Some(user), Some(act)) => Replay::Act {
                actor: staff(user, &roles_of(user)),
                act: Box::new(act),
            },
            _ => Replay::CloseCommittee { at: e.at },
        })
        .collect();
    let rebuilt = |entries: &[Replay]| {
        let process = Process::default_for(Tier::High, false, &[Tier::High]);
        let fresh = Workflow::new(
            facts(500_000),
            process,
            CommitteeRule::default(),
            Ceilings::defaults(Currency::CNY),
        );
        fresh.replay(entries)
    };
    let again = rebuilt(&stored).unwrap();
    assert_eq!(again.history(), w.history());
    assert_eq!(again.current_step(), Some(Step::ContractReview));
    // A history edited so that the assisting manager is the lead fails where it breaks.
    let mut forged = stored.clone();
    if let Replay::Act { actor, .. } = &mut forged[3] {
        actor.user_id = 3;
    }
    assert_eq!(rebuilt(&forged).unwrap_err(), (3, Refusal::SameLeadAndAssist));
}

fn exposure_facts(loans_major: i64, collateral: &[Collateral]) -> ExposureFacts {
    ExposureFacts {
        exposure: Exposure {
            loans_outstanding: cny(loans_major),
            undrawn_lines: cny(0),
            guarantees_given: cny(0),
        },
        collateral: collateral.to_vec(),
        pure_credit_line_available: None,
    }
}

#[test]
fn with_limits_approval_and_disbursement_need_the_exposure_check() {
    // R-ORIG-5: before approval and again before disbursement.
    let limits = Limits {
        single_client_max: Some(cny(100_000)),
        coverage_min: Some("0.6".parse().unwrap()),
    };
    let mut w = workflow(Tier::Medium, 60_000).with_limits(HaircutTable::default(), limits);
    must(
        &mut w,
        &staff(1, &[Role::AccountManager]),
        approve(Step::Application, 1),
    );
    must(&mut w, &staff(2, &[Role::Reviewer]), approve(Step::Review, 2));
    must(
        &mut w,
        &staff(3, &[Role::AccountManager]),
        approve(Step::CreditGrant, 3),
    );
    let approver = staff(4, &[Role::Approver]);
    assert_eq!(
        refused(&mut w, &approver, approve(Step::Approval, 4)),
        Refusal::ExposureNotChecked
    );
    // 30,000 owed + 60,000 = 90,000; a guarantee of 100,000 counts 50,000: 0.5555 < 0.6.
    let guarantor = [Collateral::new(CollateralKind::Guarantor, cny(100_000))];
    let thin = approve(Step::Approval, 4).exposure(exposure_facts(30_000, &guarantor));
    let refusal = refused(&mut w, &approver, thin);
    let below = CollateralError::CoverageBelowMinimum {
        required: "0.6".parse().unwrap(),
        actual: "0.5555".parse().unwrap(),
    };
    assert_eq!(refusal, Refusal::LimitBreached(below));
    assert_eq!(refusal.code(), "limit-coverage-below-minimum");
    // 50,000 owed + 60,000 = 110,000 > the single-client limit of 100,000.
    let mortgage = [Collateral::new(CollateralKind::Mortgage, cny(200_000))];
    let over = approve(Step::Approval, 4).exposure(exposure_facts(50_000, &mortgage));
    assert_eq!(
        refused(&mut w, &approver, over).code(),
        "limit-exposure-over-limit"
    );
    // A mortgage of 200,000 counts 140,000 over 90,000: passes, and the event keeps the coverage.
    let covered = approve(Step::Approval, 4).exposure(exposure_facts(30_000, &mortgage));
    w.act(&approver, covered).unwrap();
    let event = w.history().last().unwrap();
    assert_eq!(event.coverage.map(|c| c.counted_value), Some(cny(140_000)));
    assert!(event.exposure.is_some());
    let teller = staff(5, &[Role::Teller]);
    assert_eq!(
        refused(&mut w, &teller, approve(Step::Disbursement, 5)),
        Refusal::ExposureNotChecked
    );
    let pay = approve(Step::Disbursement, 5).exposure(exposure_facts(30_000, &mortgage));
    must(&mut w, &teller, pay);
    assert_eq!(w.status(), &Status::Finished);
}
