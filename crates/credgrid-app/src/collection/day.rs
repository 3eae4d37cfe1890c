//! The collection step of the end of day: promises judged, worklists built
//! with every score part, legal escalations due, early warnings and the
//! visits they raise (the post-loan visit plan of a loan is made when it is
//! disbursed, [`schedule_loan_visits`]). One write job per business date;
//! running it again for the same date rebuilds the same worklists and adds
//! nothing twice.

use super::settings::CollectionSettings;
use super::{parse_outcome, repayments_of};
use crate::error::AppError;
use crate::model::Actor;
use chrono::{NaiveDate, NaiveDateTime};
use credgrid_core::collection::action::{Action, Channel, HistorySummary, summarise};
use credgrid_core::collection::post_loan::{VisitLoan, WarningInput, early_warnings, warning_visit};
use credgrid_core::collection::priority::{
    AbilityToPay, Assignment, CollectionLoan, PriorityFormula, PriorityInput, Relationship, build_worklists,
    repayment_capacity_pct,
};
use credgrid_core::collection::promise::{self, Promise};
use credgrid_core::collection::strategy::{SegmentInput, segment};
use credgrid_core::{Currency, Money};
use credgrid_store::{EscalationRow, OverdueLoanRow, ReadTx, WarningRow, WorklistRow, WriteTx};
use std::collections::HashMap;

/// What the collection step did for one business date (the visits after
/// disbursement are planned by the disbursement itself).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CollectionDay {
    pub business_date: Option<NaiveDate>,
    pub worklist_loans: u64,
    pub worklists: u64,
    /// Overdue loans left out of every worklist (their input could not be scored).
    pub rejected: u64,
    pub promises_kept: u64,
    pub promises_broken: u64,
    pub legal_due: u64,
    pub warnings: u64,
    /// Visits raised by the day's early warnings.
    pub visits_scheduled: u64,
}

/// Runs the collection step of `date` inside the caller's write job.
pub(crate) fn close_collection_day(
    tx: &mut WriteTx<'_>,
    date: NaiveDate,
    actor: Actor,
) -> Result<CollectionDay, AppError> {
    let settings = CollectionSettings::from_pairs(&tx.collection_settings()?)?;
    let mut day = CollectionDay {
        business_date: Some(date),
        ..CollectionDay::default()
    };
    judge_promises(tx, date, &mut day)?;
    let loans = tx.overdue_loans()?;
    let rows = worklist_rows(tx, &settings, &loans, &mut day)?;
    tx.replace_worklists(date, &rows)?;
    escalate_legal(tx, &settings, &loans, date, actor, &mut day)?;
    raise_warnings(tx, &settings, &loans, date, &mut day)?;
    Ok(day)
}

/// Marks each pending promise kept or broken from the loan's repayments.
fn judge_promises(tx: &mut WriteTx<'_>, date: NaiveDate, day: &mut CollectionDay) -> Result<(), AppError> {
    for row in tx.pending_promises()? {
        if row.made_on > date {
            continue;
        }
        let currency = loan_currency(tx, row.loan_id)?;
        let promise = Promise {
            loan_id: row.loan_id,
            amount: Money::from_minor(row.amount_minor, currency),
            made_on: row.made_on,
            due_on: row.due_on,
        };
        let repayments = repayments_of(tx, row.loan_id, currency)?;
        let check =
            promise::check(&promise, &repayments, date).map_err(|e| AppError::Internal(e.to_string()))?;
        match check.status {
            promise::PromiseStatus::Pending => continue,
            promise::PromiseStatus::Kept => day.promises_kept += 1,
            promise::PromiseStatus::Broken => day.promises_broken += 1,
        }
        tx.judge_promise(row.id, check.status.code(), check.paid.minor(), date)?;
    }
    Ok(())
}

pub(super) fn loan_currency(r: &ReadTx<'_>, loan_id: i64) -> Result<Currency, AppError> {
    let product_id = r.loan_product_id(loan_id)?;
    Ok(crate::institution::product_rules(r, product_id)?.currency)
}

/// What the worklist step knows of the debtors beside the loan rows.
struct Context {
    promises: HashMap<i64, (u32, u32)>,
    ties: HashMap<i64, (bool, bool)>,
    debtors: HashMap<i64, (i64, i64, Option<String>)>,
    history: HashMap<i64, HistorySummary>,
}

fn context(r: &ReadTx<'_>) -> Result<Context, AppError> {
    let promises = r
        .promise_counts()?
        .into_iter()
        .map(|(l, b, k)| (l, (b, k)))
        .collect();
    let ties = r
        .contact_ties()?
        .into_iter()
        .map(|(c, g, m)| (c, (g, m)))
        .collect();
    let debtors = r
        .collection_debtors()?
        .into_iter()
        .map(|d| {
            let income = (
                d.income_monthly_minor,
                d.other_debt_monthly_minor,
                d.assessed_segment,
            );
            (d.client_id, income)
        })
        .collect();
    Ok(Context {
        promises,
        ties,
        debtors,
        history: history_summaries(r)?,
    })
}

/// The history summary of every loan with actions (refusals, failed attempts).
fn history_summaries(r: &ReadTx<'_>) -> Result<HashMap<i64, HistorySummary>, AppError> {
    let mut out = HashMap::new();
    let mut actions: Vec<Action> = Vec::new();
    let mut current = None;
    for (loan_id, channel, outcome, at) in r.action_outcomes()? {
        if current != Some(loan_id) {
            if let Some(id) = current {
                out.insert(id, summarise(&actions));
            }
            actions.clear();
            current = Some(loan_id);
        }
        actions.push(bare_action(loan_id, &channel, &outcome, at)?);
    }
    if let Some(id) = current {
        out.insert(id, summarise(&actions));
    }
    Ok(out)
}

fn bare_action(loan_id: i64, channel: &str, outcome: &str, at: NaiveDateTime) -> Result<Action, AppError> {
    Ok(Action {
        loan_id,
        channel: Channel::parse(channel)
            .ok_or_else(|| AppError::Internal(format!("stored channel {channel}")))?,
        at,
        person: 0,
        contact: None,
        outcome: parse_outcome(outcome)?,
        notes: String::new(),
        promise: None,
        new_contacts: Vec::new(),
        template: None,
    })
}

/// The installment used for the ability to pay: principal over installments, rounded up.
fn installment_minor(loan: &OverdueLoanRow) -> i64 {
    let n = i64::from(loan.installments.max(1));
    loan.principal_minor.saturating_add(n - 1) / n
}

fn priority_input(
    settings: &CollectionSettings,
    ctx: &Context,
    loan: &OverdueLoanRow,
    date: NaiveDate,
) -> PriorityInput {
    let (broken, kept) = ctx.promises.get(&loan.id).copied().unwrap_or((0, 0));
    let (guarantor, group) = ctx.ties.get(&loan.client_id).copied().unwrap_or((false, false));
    let (income, other_debt) = ctx
        .debtors
        .get(&loan.client_id)
        .map_or((0, 0), |(i, o, _)| (*i, *o));
    let years = date.years_since(loan.client_since).unwrap_or(0);
    PriorityInput {
        amount_overdue_minor: loan.amount_overdue_minor,
        days_past_due: loan.days_past_due,
        next_channel: settings.strategy.ladder_channel(loan.days_past_due),
        ability: AbilityToPay {
            income_monthly_minor: income,
            other_debt_monthly_minor: other_debt,
            installment_minor: installment_minor(loan),
            past_cures: kept,
        },
        broken_promises: broken,
        relationship: Relationship {
            years_as_client: years,
            has_guarantor: guarantor,
            group_member: group,
        },
    }
}

fn assignment(r: &ReadTx<'_>, settings: &CollectionSettings) -> Result<Assignment, AppError> {
    let mut assignment = Assignment::new(settings.collector_from_days_past_due);
    let mut seen = std::collections::HashSet::new();
    for (user, node, roles) in r.collector_users()? {
        let is_collector = roles.split(',').any(|role| role.trim() == "collector");
        let is_outlet = r.org_node(node).map(|n| n.kind == "outlet").unwrap_or(false);
        if is_collector && is_outlet && seen.insert(node) {
            assignment.set_outlet_collector(node, user);
        }
    }
    for (loan, collector) in r.collection_assignments()? {
        assignment.reassign(loan, collector);
    }
    Ok(assignment)
}

/// Scores every overdue loan and orders the worklists (`build_worklists`),
/// then turns them into stored rows with every part of the score.
fn worklist_rows(
    r: &ReadTx<'_>,
    settings: &CollectionSettings,
    loans: &[OverdueLoanRow],
    day: &mut CollectionDay,
) -> Result<Vec<WorklistRow>, AppError> {
    let date = day.business_date.unwrap_or(NaiveDate::MIN);
    let formula = settings.formula()?;
    let ctx = context(r)?;
    let inputs: Vec<CollectionLoan> = loans
        .iter()
        .map(|loan| CollectionLoan {
            loan_id: loan.id,
            responsible: loan.account_manager_id,
            outlet: loan.outlet_id,
            input: priority_input(settings, &ctx, loan, date),
        })
        .collect();
    let lists = build_worklists(&formula, &inputs, &assignment(r, settings)?);
    day.rejected = lists.rejected().len() as u64;
    let index: HashMap<i64, usize> = loans.iter().enumerate().map(|(i, l)| (l.id, i)).collect();
    let mut rows = Vec::with_capacity(lists.len());
    for (assignee, entries) in lists.lists() {
        day.worklists += 1;
        for (rank, entry) in entries.iter().enumerate() {
            let i = index[&entry.loan_id];
            rows.push(stored_row(
                settings, &formula, &ctx, &loans[i], &inputs[i], assignee, rank, date,
            )?);
        }
    }
    day.worklist_loans = rows.len() as u64;
    Ok(rows)
}

#[allow(clippy::too_many_arguments)]
fn stored_row(
    settings: &CollectionSettings,
    formula: &PriorityFormula,
    ctx: &Context,
    loan: &OverdueLoanRow,
    input: &CollectionLoan,
    assignee: i64,
    rank: usize,
    date: NaiveDate,
) -> Result<WorklistRow, AppError> {
    let parts = formula
        .score_parts(&input.input)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let history = ctx.history.get(&loan.id).copied().unwrap_or_default();
    let assessed = ctx
        .debtors
        .get(&loan.client_id)
        .and_then(|(_, _, s)| s.as_deref())
        .and_then(super::parse_segment);
    let seg = segment(
        &settings.strategy,
        &SegmentInput {
            capacity_pct: repayment_capacity_pct(&input.input.ability),
            broken_promises: input.input.broken_promises,
            refusals: history.refusals,
            failed_attempts: history.failed_attempts,
            assessed,
        },
    );
    Ok(WorklistRow {
        business_date: date,
        loan_id: loan.id,
        assignee_id: assignee,
        rank: i64::try_from(rank).unwrap_or(i64::MAX - 1) + 1,
        outlet_id: loan.outlet_id,
        priority: parts.total(),
        parts: parts.0,
        days_past_due: loan.days_past_due,
        amount_overdue_minor: loan.amount_overdue_minor,
        currency: loan.currency.clone(),
        next_channel: input.input.next_channel.code().to_string(),
        segment: seg.code().to_string(),
    })
}

/// Records `legal_due` once for every loan past the configured days.
fn escalate_legal(
    tx: &mut WriteTx<'_>,
    settings: &CollectionSettings,
    loans: &[OverdueLoanRow],
    date: NaiveDate,
    actor: Actor,
    day: &mut CollectionDay,
) -> Result<(), AppError> {
    let threshold = settings.strategy.legal_after_days_past_due;
    let marked: std::collections::HashSet<i64> = tx.loans_legal_due()?.into_iter().collect();
    let due = loans
        .iter()
        .filter(|l| l.days_past_due >= threshold && !marked.contains(&l.id));
    for loan in due {
        let row = legal_due(settings, loan.id, loan.days_past_due, date, actor);
        if tx.insert_escalation(&row)?.0 {
            day.legal_due += 1;
        }
    }
    Ok(())
}

/// The `legal_due` escalation of a loan `days_past_due` days past due on `date`.
pub(crate) fn legal_due(
    settings: &CollectionSettings,
    loan_id: i64,
    days_past_due: u32,
    date: NaiveDate,
    actor: Actor,
) -> EscalationRow {
    let threshold = settings.strategy.legal_after_days_past_due;
    EscalationRow {
        id: 0,
        loan_id,
        kind: "legal_due".into(),
        channel: settings.strategy.legal_channel.code().into(),
        business_date: date,
        days_past_due,
        decided_by: actor.user_id,
        note: format!("{days_past_due} days past due (threshold {threshold})"),
    }
}

/// The first missed installment of a loan raises a warning and a visit.
fn raise_warnings(
    tx: &mut WriteTx<'_>,
    settings: &CollectionSettings,
    loans: &[OverdueLoanRow],
    date: NaiveDate,
    day: &mut CollectionDay,
) -> Result<(), AppError> {
    let kind = credgrid_core::collection::post_loan::WarningKind::FirstMissedInstallment;
    let warned: std::collections::HashSet<i64> = tx.loans_with_warning(kind.code())?.into_iter().collect();
    for loan in loans.iter().filter(|l| l.days_past_due == 1) {
        let input = WarningInput {
            business_date: date,
            days_past_due: loan.days_past_due,
            missed_installments_before: u32::from(warned.contains(&loan.id)),
            deposit_average_previous_minor: 0,
            deposit_average_current_minor: 0,
            news: &[],
            funds_checks: &[],
        };
        let kinds =
            early_warnings(&settings.warnings, &input).map_err(|e| AppError::Internal(e.to_string()))?;
        for w in &kinds {
            let row = WarningRow {
                id: 0,
                loan_id: loan.id,
                kind: w.code().into(),
                business_date: date,
                note: String::new(),
                recorded_by: None,
            };
            day.warnings += u64::from(tx.insert_warning(&row)?);
        }
        if let Some(task) = warning_visit(&settings.warnings, loan.id, loan.account_manager_id, date, &kinds)
        {
            day.visits_scheduled += u64::from(tx.insert_visit(&super::visit_row(&task))?);
        }
    }
    Ok(())
}

/// Schedules the visit after disbursement and the periodic visits of a
/// loan disbursed on `date`, in the disbursement's write (the plan is made
/// when the money leaves, not by the end of day). Returns the visits added.
pub(crate) fn schedule_loan_visits(
    tx: &mut WriteTx<'_>,
    row: &credgrid_store::LoanRow,
    product_code: &str,
    currency: Currency,
    date: NaiveDate,
) -> Result<u64, AppError> {
    let settings = CollectionSettings::from_pairs(&tx.collection_settings()?)?;
    let loan = VisitLoan {
        loan_id: row.id,
        product: product_code,
        principal: Money::from_minor(row.principal_minor, currency),
        disbursed_on: date,
        maturity_on: row.maturity_on.unwrap_or(date),
        responsible: row.account_manager_id,
    };
    let tasks = settings
        .visits
        .scheduled_visits(&loan)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let mut added = 0;
    for task in &tasks {
        added += u64::from(tx.insert_visit(&super::visit_row(task))?);
    }
    Ok(added)
}
