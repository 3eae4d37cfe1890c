//! The demo's applications through the real origination workflow (issue 4):
//! each application is secured, then taken step by step by the
//! demonstration staff — the lobby manager takes it, reviewers and risk
//! officers check it, two account managers investigate (A and B), the
//! approver or the three committee members decide, the contract officer
//! signs, the teller disburses, a grid worker monitors the use of funds —
//! every act checked by the same rules as in production (docs/workflow.md).

use credgrid_app::auth::demo_credentials;
use credgrid_app::{Actor, AppError, Institution, NewCollateral, NewUser, VoteDecision};
use credgrid_core::authz::Role;
use credgrid_core::origination::Step;

/// The staff who act on the steps, in the order they are asked. Nobody acts
/// on two steps of one application, so each step has more than one
/// candidate; the rules pick who may.
#[derive(Clone, Debug)]
pub(crate) struct Crew {
    account_manager: Actor,
    candidates: Vec<Actor>,
    committee: Vec<Actor>,
    approver: Actor,
}

/// The most steps any process has (the high tier's nine), with room for a
/// two-signature step's second signature.
const ACTS_MAX: usize = 16;

impl Crew {
    /// Finds the demonstration staff, and adds the third risk officer the
    /// high tier's gates need (`demo.risk_officer.3`, password
    /// `demo-risk-officer-3-2026`) when it is missing.
    pub(crate) fn of(institution: &Institution, admin: Actor) -> Result<Crew, AppError> {
        let find = |role: Role, n: u32| -> Result<Option<Actor>, AppError> {
            let (username, _) = demo_credentials(role, n);
            Ok(institution.user_named(&username)?.map(|p| p.actor()))
        };
        if find(Role::RiskOfficer, 3)?.is_none() {
            let first = institution
                .user_named(&demo_credentials(Role::RiskOfficer, 1).0)?
                .ok_or_else(|| AppError::not_found("user", "demo.risk_officer"))?;
            let (username, password) = demo_credentials(Role::RiskOfficer, 3);
            let user = NewUser {
                node_id: first.node_id,
                username,
                display_name: format!("{} 3", first.display_name),
                roles: vec![Role::RiskOfficer.name().into()],
                password,
            };
            institution.create_user(admin, user)?;
        }
        let order = [
            (Role::LobbyManager, 1),
            (Role::Reviewer, 1),
            (Role::RiskOfficer, 1),
            (Role::AccountManager, 1),
            (Role::AccountManager, 2),
            (Role::Reviewer, 2),
            (Role::RiskOfficer, 2),
            (Role::RiskOfficer, 3),
            (Role::Approver, 1),
            (Role::ContractOfficer, 1),
            (Role::Teller, 1),
            (Role::GridWorker, 1),
        ];
        let mut candidates = Vec::new();
        for (role, n) in order {
            candidates.extend(find(role, n)?);
        }
        let mut committee = Vec::new();
        for n in 1..=3 {
            committee.extend(find(Role::CommitteeMember, n)?);
        }
        let required = |role: Role| find(role, 1)?.ok_or_else(|| AppError::not_found("user", role.name()));
        Ok(Crew {
            account_manager: required(Role::AccountManager)?,
            approver: required(Role::Approver)?,
            candidates,
            committee,
        })
    }
}

/// Secures a new application so the exposure check can pass: a deposit
/// pledge, a mortgage or a personal guarantee covering the amount after the
/// kind's haircut (0 %, 30 %, 50 %), chosen by `pick`.
pub(crate) fn secure(
    institution: &Institution,
    crew: &Crew,
    loan_id: i64,
    pick: u64,
) -> Result<(), AppError> {
    let amount = institution.loan(crew.account_manager, loan_id)?.principal;
    let (kind, times_ten, description) = match pick % 3 {
        0 => ("deposit_pledge", 10, "定期存单质押"),
        1 => ("mortgage", 15, "农房抵押"),
        _ => ("guarantor", 20, "自然人保证"),
    };
    let value = credgrid_core::Money::from_minor(
        amount.minor().checked_mul(times_ten).map_or(i64::MAX, |v| v / 10),
        amount.currency(),
    );
    let new = NewCollateral {
        kind: kind.into(),
        value,
        haircut: None,
        guarantor_client_id: None,
        description: description.into(),
    };
    institution.record_collateral(crew.account_manager, loan_id, new)?;
    Ok(())
}

fn current_step(
    institution: &Institution,
    crew: &Crew,
    loan_id: i64,
) -> Result<Option<(Step, bool)>, AppError> {
    let view = institution.workflow(crew.approver, loan_id)?;
    Ok(view.current_step.map(|s| {
        let committee = view.steps.iter().any(|x| x.step == s && x.committee);
        (s, committee)
    }))
}

/// One act on the current step by the first candidate the rules accept.
fn approve_once(
    institution: &Institution,
    crew: &Crew,
    loan_id: i64,
    committee: bool,
) -> Result<(), AppError> {
    let who = if committee {
        &crew.committee
    } else {
        &crew.candidates
    };
    let mut refusal = None;
    for actor in who {
        match institution.approve_current_step(*actor, loan_id, Some("审查无误，同意".into())) {
            Ok(_) => return Ok(()),
            // A limit refusal is about the application, not the person: keep it.
            Err(e) if is_limit(&e) => refusal = Some(e),
            Err(e) if refusal.as_ref().is_none_or(|r| !is_limit(r)) => refusal = Some(e),
            Err(_) => {}
        }
    }
    Err(refusal.unwrap_or_else(|| AppError::not_found("user", "a member of staff for this step")))
}

/// Takes the application through every step before `stop` (which it leaves
/// waiting), approving each.
fn walk_until(
    institution: &Institution,
    crew: &Crew,
    loan_id: i64,
    stop: fn(Step) -> bool,
) -> Result<(), AppError> {
    for _ in 0..ACTS_MAX {
        match current_step(institution, crew, loan_id)? {
            Some((step, _)) if stop(step) => return Ok(()),
            Some((_, committee)) => approve_once(institution, crew, loan_id, committee)?,
            None => return Ok(()),
        }
    }
    Ok(())
}

fn is_limit(error: &AppError) -> bool {
    matches!(error, AppError::Refused { rule, .. } if rule.starts_with("limit-"))
}

/// Approves the application through every step up to its disbursement
/// (the high tier's contract and disbursement-condition reviews included).
/// An application the exposure and coverage check refuses is rejected at
/// its approval instead: `Ok(false)`.
pub(crate) fn approve(institution: &Institution, crew: &Crew, loan_id: i64) -> Result<bool, AppError> {
    match walk_until(institution, crew, loan_id, |s| s == Step::Disbursement) {
        Ok(()) => Ok(true),
        Err(e) if is_limit(&e) => {
            reject(institution, crew, loan_id, "超出授信限额或担保不足")?;
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// Takes the application up to its approval and rejects it there: the
/// approver's rejection, or the committee's three votes against.
pub(crate) fn reject(
    institution: &Institution,
    crew: &Crew,
    loan_id: i64,
    reason: &str,
) -> Result<(), AppError> {
    walk_until(institution, crew, loan_id, Step::is_approval)?;
    match current_step(institution, crew, loan_id)? {
        Some((_, true)) => {
            for member in &crew.committee {
                let reasons = vec![reason.to_string()];
                institution.vote(*member, loan_id, VoteDecision::Reject, reasons, Vec::new())?;
            }
            Ok(())
        }
        _ => institution
            .reject_current_step(crew.approver, loan_id, reason.to_string())
            .map(drop),
    }
}

/// After disbursement: the high tier's monitoring of the use of funds.
pub(crate) fn monitor(institution: &Institution, crew: &Crew, loan_id: i64) -> Result<(), AppError> {
    if let Some((Step::UseOfFundsMonitoring, _)) = current_step(institution, crew, loan_id)? {
        approve_once(institution, crew, loan_id, false)?;
    }
    Ok(())
}
