//! Collections and post-loan management (R-COL-1..4, R-SVC-5): the use cases.
//!
//! Worklists are built at the end of day (`day.rs`, one call from `eod.rs`);
//! collectors work them here: record actions under the conduct rules (a
//! refusal names the rule; a supervisor's override is granted ahead, used
//! once and logged), register contacts, promise-to-pay, written messages
//! through the outbox and a pluggable sender (`sender.rs`), escalation and
//! hand-over packages, post-loan visits and early warnings, and the results
//! (`results.rs`). Every method takes the actor first, authorises one
//! collection permission and checks the loan's outlet is in the actor's scope.

mod day;
pub(crate) use day::{legal_due, schedule_loan_visits};
mod deposit;
mod results;
mod sender;
mod settings;

pub use credgrid_store::{
    ActionRow, ContactRow, EscalationRow, OutboxRow, PromiseRow, VisitRow, WarningRow, WorklistRow,
};
pub use day::CollectionDay;
pub use deposit::{DEPOSIT_BALANCES_MAX, DepositBalance, DepositFeedReport};
pub use results::{BUCKET_LABELS, CollectionResults, RecoveriesInCurrency};
pub use sender::{DeliveryReport, FileSender, MessageSender, OutboxMessage};
pub use settings::{CollectionSettings, setting_names};

use crate::access::{Staff, authorize};
use crate::error::AppError;
use crate::institution::{Institution, business_date};
use crate::model::Actor;
use chrono::{NaiveDate, NaiveDateTime};
use credgrid_core::authz::Permission;
use credgrid_core::collection::action::{
    Action, ActionError, Channel, Contact, ContactBook, ContactKind, ContactRelation, Outcome, PromiseToPay,
};
use credgrid_core::collection::conduct::{
    self, ConductRefusal, ConductRule, ContactAttempt, OverrideRequest, Staff as ConductStaff,
};
use credgrid_core::collection::message::{self, MessageBody, MessageFigures, TemplateRegistry};
use credgrid_core::collection::post_loan::{VisitTask, WarningKind};
use credgrid_core::collection::priority::Factor;
use credgrid_core::collection::promise::{Promise, PromiseStatus, Repayment};
use credgrid_core::collection::strategy::{
    self, Decision, HandoverLoan, HandoverPackage, Segment, StrategyInput,
};
use credgrid_core::i18n::Locale;
use credgrid_core::{Currency, Money};
use credgrid_store::{LoanRow, NewActionRow, OverrideRow, ReadTx, WriteTx};
use std::sync::Arc;

/// The most worklist rows one page returns.
pub const WORKLIST_PAGE_MAX: u32 = 200;

/// One loan of a worklist, with every part of its priority.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorklistItem {
    pub rank: i64,
    pub loan_id: i64,
    pub client_id: i64,
    pub client_name: String,
    pub outlet_id: i64,
    pub priority: i64,
    pub parts: Vec<(Factor, i64)>,
    pub days_past_due: u32,
    pub amount_overdue: Money,
    pub next_channel: Channel,
    pub segment: Segment,
}

/// A worklist page: the assignee's loans of the latest worklists (normally the last closed date).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorklistView {
    pub business_date: Option<NaiveDate>,
    pub assignee_id: i64,
    pub items: Vec<WorklistItem>,
    /// Pass as `after_rank` for the next page.
    pub next_after_rank: Option<i64>,
}

/// A contact with whether it is still active (not corrected since).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactView {
    pub contact: ContactRow,
    pub active: bool,
}

/// Everything a collector needs on one loan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CollectionCase {
    pub loan_id: i64,
    pub client_id: i64,
    pub client_name: String,
    pub outlet_id: i64,
    pub currency: Currency,
    pub days_past_due: u32,
    pub amount_overdue: Money,
    pub principal_outstanding: Money,
    pub worklist: Option<WorklistItem>,
    pub contacts: Vec<ContactView>,
    pub actions: Vec<ActionRow>,
    pub promises: Vec<PromiseRow>,
    pub outbox: Vec<OutboxRow>,
    pub escalations: Vec<EscalationRow>,
    pub visits: Vec<VisitRow>,
    pub warnings: Vec<WarningRow>,
    /// `(template id, channel)` of every written-message template.
    pub templates: Vec<(&'static str, Channel)>,
    /// What the strategy proposes now.
    pub decision: Decision,
}

/// A contact to register.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewContact {
    pub kind: String,
    pub relation: String,
    pub holder_name: String,
    pub value: String,
    pub given_by: String,
    /// When it was given (default: the action's time, or now).
    pub given_at: Option<NaiveDateTime>,
    /// The contact this one corrects.
    pub corrects: Option<i64>,
}

/// A collection action to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAction {
    pub loan_id: i64,
    pub channel: String,
    /// The local time at the debtor's place.
    pub at_local: NaiveDateTime,
    pub contact_id: Option<i64>,
    pub outcome: String,
    pub notes: String,
    /// The template of a written message.
    pub template: Option<String>,
    /// Free text of a written message (always refused: templates only).
    pub free_text: Option<String>,
    /// A promise to pay: amount in major units and date.
    pub promise_amount: Option<String>,
    pub promise_date: Option<NaiveDate>,
    pub new_contacts: Vec<NewContact>,
    /// A supervisor's override granted for this loan, collector and day.
    pub override_id: Option<i64>,
    /// The language of a written message (default: the setting).
    pub locale: Option<String>,
}

/// What recording an action stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionRecorded {
    pub action_id: i64,
    pub promise_id: Option<i64>,
    pub outbox_id: Option<i64>,
    pub message: Option<String>,
    pub override_id: Option<i64>,
    pub contact_ids: Vec<i64>,
}

/// A supervisor's override to grant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewOverride {
    pub loan_id: i64,
    pub collector_id: i64,
    pub channel: String,
    /// Rule codes: `contact-hours`, `daily-contact-limit`.
    pub rules: Vec<String>,
    pub reason: String,
}

/// What the collector knows of a debtor's ability and willingness to pay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DebtorProfile {
    pub loan_id: i64,
    pub income_monthly: String,
    pub other_debt_monthly: String,
    pub assessed_segment: Option<String>,
}

pub(crate) fn parse_outcome(code: &str) -> Result<Outcome, AppError> {
    Outcome::ALL
        .into_iter()
        .find(|o| o.code() == code)
        .ok_or_else(|| AppError::invalid("outcome", format!("unknown outcome {code:?}")))
}

pub(crate) fn parse_segment(code: &str) -> Option<Segment> {
    Segment::ALL.into_iter().find(|s| s.code() == code)
}

fn parse_rule(code: &str) -> Result<ConductRule, AppError> {
    [
        ConductRule::ContactHours,
        ConductRule::DailyContactLimit,
        ConductRule::RegisteredContactOnly,
        ConductRule::TemplatesOnly,
    ]
    .into_iter()
    .find(|r| r.code() == code)
    .ok_or_else(|| AppError::invalid("rules", format!("unknown conduct rule {code:?}")))
}

fn parse_channel(code: &str) -> Result<Channel, AppError> {
    Channel::parse(code).ok_or_else(|| AppError::invalid("channel", format!("unknown channel {code:?}")))
}

fn action_error(e: ActionError) -> AppError {
    let field: &'static str = match &e {
        ActionError::Empty { field } | ActionError::TooLong { field, .. } => field,
        ActionError::PromiseNotPositive => "promise_amount",
        ActionError::PromiseInPast { .. } => "promise_date",
        ActionError::PromiseOutcomeMismatch => "outcome",
        _ => "contacts",
    };
    AppError::invalid(field, e)
}

/// A conduct refusal as the API and the UI show it: the rule's code.
fn refused(r: ConductRefusal) -> AppError {
    AppError::Refused {
        rule: r.code(),
        detail: r.to_string(),
    }
}

pub(crate) fn repayments_of(
    r: &ReadTx<'_>,
    loan_id: i64,
    currency: Currency,
) -> Result<Vec<Repayment>, AppError> {
    Ok(r.loan_transactions(loan_id)?
        .into_iter()
        .filter(|t| matches!(t.kind.as_str(), "repayment" | "prepayment") && t.reversed_by_id.is_none())
        .filter(|t| t.amount_minor > 0)
        .map(|t| Repayment {
            date: t.business_date,
            amount: Money::from_minor(t.amount_minor, currency),
        })
        .collect())
}

pub(crate) fn visit_row(task: &VisitTask) -> VisitRow {
    let reason = match task.reason {
        credgrid_core::collection::post_loan::VisitReason::AfterDisbursement => "after_disbursement",
        credgrid_core::collection::post_loan::VisitReason::Periodic => "periodic",
        credgrid_core::collection::post_loan::VisitReason::EarlyWarning => "early_warning",
    };
    VisitRow {
        id: 0,
        loan_id: task.loan_id,
        assignee_id: task.assignee,
        due_on: task.due_on,
        reason: reason.into(),
        use_of_funds_check: task.use_of_funds_check,
        warnings: task
            .warnings
            .iter()
            .map(|w| w.code())
            .collect::<Vec<_>>()
            .join(","),
        status: "scheduled".into(),
        done_on: None,
        done_by: None,
        funds_finding: None,
        notes: String::new(),
    }
}

fn settings(r: &ReadTx<'_>) -> Result<CollectionSettings, AppError> {
    CollectionSettings::from_pairs(&r.collection_settings()?)
}

/// The loan, authorised and in scope.
fn scoped_loan(
    r: &ReadTx<'_>,
    actor: Actor,
    permission: Permission,
    loan_id: i64,
) -> Result<(Arc<Staff>, LoanRow), AppError> {
    let staff = authorize(r, actor, permission)?;
    let loan = r
        .loan(loan_id)
        .map_err(|_| AppError::not_found("loan", loan_id))?;
    staff.require_node(r, loan.outlet_id)?;
    Ok((staff, loan))
}

fn contact_book(rows: &[ContactRow]) -> Result<ContactBook, AppError> {
    let mut book = ContactBook::new();
    for row in rows {
        book.register(core_contact(row)?)
            .map_err(|e| AppError::Internal(format!("stored contact {}: {e}", row.id)))?;
    }
    Ok(book)
}

fn core_contact(row: &ContactRow) -> Result<Contact, AppError> {
    Ok(Contact {
        id: row.id,
        kind: parse_kind(&row.kind)?,
        relation: parse_relation(&row.relation)?,
        holder_name: row.holder_name.clone(),
        value: row.value.clone(),
        given_by: row.given_by.clone(),
        recorded_by: row.recorded_by,
        given_at: row.given_at,
        corrects: row.corrects_id,
    })
}

fn parse_kind(code: &str) -> Result<ContactKind, AppError> {
    ContactKind::ALL
        .into_iter()
        .find(|k| k.code() == code)
        .ok_or_else(|| AppError::invalid("kind", format!("unknown contact kind {code:?}")))
}

fn parse_relation(code: &str) -> Result<ContactRelation, AppError> {
    ContactRelation::ALL
        .into_iter()
        .find(|k| k.code() == code)
        .ok_or_else(|| AppError::invalid("relation", format!("unknown relation {code:?}")))
}

fn amount_overdue(loan: &LoanRow) -> i64 {
    loan.principal_overdue_minor
        .saturating_add(loan.interest_overdue_minor)
        .saturating_add(loan.penalty_accrued_minor)
        .saturating_add(loan.fees_due_minor)
}

fn parse_amount(field: &str, text: &str, currency: Currency) -> Result<Money, AppError> {
    Money::parse_major(text.trim(), currency).map_err(|e| AppError::invalid(field, e))
}

fn now_local() -> NaiveDateTime {
    chrono::Local::now().naive_local()
}

fn worklist_item(r: &ReadTx<'_>, row: &WorklistRow) -> Result<WorklistItem, AppError> {
    let loan = r.loan(row.loan_id)?;
    let client = r.client(loan.client_id)?;
    let currency = day::loan_currency(r, row.loan_id)?;
    Ok(WorklistItem {
        rank: row.rank,
        loan_id: row.loan_id,
        client_id: client.id,
        client_name: client.name,
        outlet_id: row.outlet_id,
        priority: row.priority,
        parts: Factor::ALL.into_iter().zip(row.parts).collect(),
        days_past_due: row.days_past_due,
        amount_overdue: Money::from_minor(row.amount_overdue_minor, currency),
        next_channel: parse_channel(&row.next_channel)?,
        segment: parse_segment(&row.segment).unwrap_or(Segment::WillingAndAble),
    })
}

impl Institution {
    /// Runs the collection step of the end of day for `date` (one write job;
    /// idempotent for the date). Called by the end of day before the date closes.
    pub(crate) fn close_collection_day(
        &self,
        actor: Actor,
        date: NaiveDate,
    ) -> Result<CollectionDay, AppError> {
        self.write(move |tx, _| day::close_collection_day(tx, date, actor))
    }

    /// Rebuilds the worklists of `date` by hand (the same step as the end of day).
    pub fn rebuild_worklists(&self, actor: Actor, date: NaiveDate) -> Result<CollectionDay, AppError> {
        self.read(|r| {
            authorize(r, actor, Permission::CollectionManage)?;
            if date > business_date(r)? {
                return Err(AppError::invalid("date", "is after the business date"));
            }
            Ok(())
        })?;
        let day = self.close_collection_day(actor, date)?;
        self.write(move |tx, _| {
            let text = format!(
                "worklist_loans={} worklists={}",
                day.worklist_loans, day.worklists
            );
            crate::audit::record(
                tx,
                actor,
                "collection.worklists",
                "business_date",
                date,
                Some(text),
                None,
            )?;
            Ok(day)
        })
    }

    /// Every collection setting with its value.
    pub fn collection_settings(&self, actor: Actor) -> Result<Vec<(String, String)>, AppError> {
        self.read(|r| {
            authorize(r, actor, Permission::CollectionWork)?;
            Ok(settings(r)?.pairs())
        })
    }

    /// Sets one collection setting (validated with all the others).
    pub fn set_collection_setting(&self, actor: Actor, name: &str, value: &str) -> Result<(), AppError> {
        let (name, value) = (name.to_string(), value.trim().to_string());
        self.write(move |tx, _| {
            authorize(tx, actor, Permission::CollectionManage)?;
            let mut s = settings(tx)?;
            s.apply(&name, &value)?;
            s.validate()?;
            tx.put_collection_setting(&name, &value, actor.user_id)?;
            crate::audit::record(
                tx,
                actor,
                "collection.setting",
                "collection_setting",
                &name,
                Some(value),
                None,
            )
        })
    }

    /// Gives a loan to a named collector (who must work collections and see its outlet).
    pub fn assign_collector(&self, actor: Actor, loan_id: i64, collector_id: i64) -> Result<(), AppError> {
        self.write(move |tx, _| {
            let (_, loan) = scoped_loan(tx, actor, Permission::CollectionManage, loan_id)?;
            let collector = crate::access::staff(
                tx,
                Actor {
                    user_id: collector_id,
                },
            )
            .map_err(|_| AppError::invalid("collector_id", format!("user {collector_id} does not exist")))?;
            if !collector.may(Permission::CollectionWork) || !collector.sees_node(tx, loan.outlet_id)? {
                return Err(AppError::invalid(
                    "collector_id",
                    "must work collections at the loan's outlet",
                ));
            }
            let date = business_date(tx)?;
            tx.assign_collector(loan_id, collector_id, actor.user_id, date)?;
            let after = format!("collector={collector_id}");
            crate::audit::record(tx, actor, "collection.assign", "loan", loan_id, Some(after), None)
        })
    }

    /// The worklist of `assignee` (default: the actor) of the latest
    /// business date, in priority order; another person's list needs
    /// `collection.manage` and shows only loans in the actor's scope.
    pub fn worklist(
        &self,
        actor: Actor,
        assignee: Option<i64>,
        after_rank: i64,
        limit: u32,
    ) -> Result<WorklistView, AppError> {
        if limit == 0 || limit > WORKLIST_PAGE_MAX {
            return Err(AppError::invalid(
                "limit",
                format!("must be 1 to {WORKLIST_PAGE_MAX}"),
            ));
        }
        if after_rank < 0 {
            return Err(AppError::invalid("after_rank", "must not be negative"));
        }
        self.read(|r| {
            let staff = authorize(r, actor, Permission::CollectionWork)?;
            let assignee = assignee.unwrap_or(actor.user_id);
            if assignee != actor.user_id {
                staff.require(Permission::CollectionManage)?;
            }
            let date = r.latest_worklist_date(business_date(r)?)?;
            let Some(date) = date else {
                return Ok(WorklistView {
                    business_date: None,
                    assignee_id: assignee,
                    items: vec![],
                    next_after_rank: None,
                });
            };
            let rows = r.worklist(date, assignee, after_rank, limit + 1)?;
            let more = rows.len() > limit as usize;
            let mut items = Vec::with_capacity(rows.len());
            for row in rows.iter().take(limit as usize) {
                if staff.sees_node(r, row.outlet_id)? {
                    items.push(worklist_item(r, row)?);
                }
            }
            let next_after_rank = more.then(|| rows[limit as usize - 1].rank);
            Ok(WorklistView {
                business_date: Some(date),
                assignee_id: assignee,
                items,
                next_after_rank,
            })
        })
    }

    /// The whole collection file of one loan.
    pub fn collection_case(&self, actor: Actor, loan_id: i64) -> Result<CollectionCase, AppError> {
        self.read(|r| {
            let (_, loan) = scoped_loan(r, actor, Permission::CollectionWork, loan_id)?;
            let client = r.client(loan.client_id)?;
            let currency = day::loan_currency(r, loan_id)?;
            let contacts = r.collection_contacts(client.id)?;
            let book = contact_book(&contacts)?;
            let worklist = match r.worklist_entry(loan_id)? {
                Some(row) => Some(worklist_item(r, &row)?),
                None => None,
            };
            let decision = decision_for(r, &loan, currency, worklist.as_ref())?;
            Ok(CollectionCase {
                loan_id,
                client_id: client.id,
                client_name: client.name,
                outlet_id: loan.outlet_id,
                currency,
                days_past_due: loan.days_past_due,
                amount_overdue: Money::from_minor(amount_overdue(&loan), currency),
                principal_outstanding: Money::from_minor(loan.principal_outstanding_minor, currency),
                worklist,
                contacts: contacts
                    .into_iter()
                    .map(|c| ContactView {
                        active: book.is_active(c.id),
                        contact: c,
                    })
                    .collect(),
                actions: r.collection_actions(loan_id)?,
                promises: r.collection_promises(loan_id)?,
                outbox: r.loan_outbox(loan_id)?,
                escalations: r.collection_escalations(loan_id)?,
                visits: r.loan_visits(loan_id)?,
                warnings: r.loan_warnings(loan_id)?,
                templates: TemplateRegistry::standard()
                    .templates()
                    .iter()
                    .map(|t| (t.id, t.channel))
                    .collect(),
                decision,
            })
        })
    }

    /// Registers (or corrects) a contact of the loan's debtor.
    pub fn add_collection_contact(
        &self,
        actor: Actor,
        loan_id: i64,
        contact: NewContact,
    ) -> Result<i64, AppError> {
        self.write(move |tx, _| {
            let (_, loan) = scoped_loan(tx, actor, Permission::CollectionWork, loan_id)?;
            let ids = register_contacts(tx, actor, loan.client_id, &[contact], now_local())?;
            let id = ids[0];
            crate::audit::record(
                tx,
                actor,
                "collection.contact",
                "collection_contact",
                id,
                Some(format!("loan={loan_id}")),
                None,
            )?;
            Ok(id)
        })
    }

    /// A supervisor grants an override of named conduct rules for one loan,
    /// collector, channel and business date; the collector's action uses it once.
    pub fn grant_collection_override(&self, actor: Actor, o: NewOverride) -> Result<i64, AppError> {
        self.write(move |tx, _| {
            scoped_loan(tx, actor, Permission::CollectionOverride, o.loan_id)?;
            let channel = parse_channel(&o.channel)?;
            let rules = o
                .rules
                .iter()
                .map(|c| parse_rule(c))
                .collect::<Result<Vec<_>, _>>()?;
            if rules.is_empty() {
                return Err(AppError::invalid("rules", "name at least one rule"));
            }
            if let Some(rule) = rules.iter().find(|r| !r.is_overridable()) {
                return Err(refused(ConductRefusal::OverrideNotAllowed { rule: *rule }));
            }
            if o.collector_id == actor.user_id {
                return Err(refused(ConductRefusal::OverrideBySelf));
            }
            let reason = o.reason.trim();
            if reason.is_empty() || reason.chars().count() > conduct::OVERRIDE_REASON_CHARS_MAX {
                return Err(refused(ConductRefusal::OverrideReasonRequired));
            }
            crate::access::staff(
                tx,
                Actor {
                    user_id: o.collector_id,
                },
            )
            .map_err(|_| {
                AppError::invalid("collector_id", format!("user {} does not exist", o.collector_id))
            })?;
            let row = OverrideRow {
                id: 0,
                loan_id: o.loan_id,
                channel: channel.code().into(),
                rules: rules.iter().map(|r| r.code()).collect::<Vec<_>>().join(","),
                collector_id: o.collector_id,
                supervisor_id: actor.user_id,
                reason: reason.to_string(),
                business_date: business_date(tx)?,
                used_by_action: None,
            };
            let id = tx.insert_collection_override(&row)?;
            let after = format!(
                "loan={} collector={} rules={}",
                o.loan_id, o.collector_id, row.rules
            );
            crate::audit::record(
                tx,
                actor,
                "collection.override",
                "collection_override",
                id,
                Some(after),
                Some(reason),
            )?;
            Ok(id)
        })
    }

    /// Records a collection action under the conduct rules.
    pub fn record_collection_action(&self, actor: Actor, a: NewAction) -> Result<ActionRecorded, AppError> {
        self.write(move |tx, _| record_action(tx, actor, a))
    }

    /// Records what the collector knows of the debtor's ability and willingness to pay.
    pub fn set_debtor_profile(&self, actor: Actor, p: DebtorProfile) -> Result<(), AppError> {
        self.write(move |tx, _| {
            let (_, loan) = scoped_loan(tx, actor, Permission::CollectionWork, p.loan_id)?;
            let currency = day::loan_currency(tx, p.loan_id)?;
            let income = parse_amount("income_monthly", &p.income_monthly, currency)?;
            let other = parse_amount("other_debt_monthly", &p.other_debt_monthly, currency)?;
            for (field, amount) in [("income_monthly", income), ("other_debt_monthly", other)] {
                if amount.is_negative() {
                    return Err(AppError::invalid(field, "must not be negative"));
                }
            }
            let assessed = match p
                .assessed_segment
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                Some(code) => Some(parse_segment(code).ok_or_else(|| {
                    AppError::invalid("assessed_segment", format!("unknown segment {code:?}"))
                })?),
                None => None,
            };
            tx.put_collection_debtor(&credgrid_store::DebtorRow {
                client_id: loan.client_id,
                income_monthly_minor: income.minor(),
                other_debt_monthly_minor: other.minor(),
                assessed_segment: assessed.map(|s| s.code().to_string()),
                updated_by: actor.user_id,
                updated_on: business_date(tx)?,
            })?;
            let after = format!(
                "income={} other_debt={} segment={:?}",
                income.minor(),
                other.minor(),
                assessed.map(Segment::code)
            );
            crate::audit::record(
                tx,
                actor,
                "collection.debtor",
                "client",
                loan.client_id,
                Some(after),
                None,
            )
        })
    }

    /// Applies the strategy to a loan now: records an escalation or a
    /// restructuring offer (for the workflow), or nothing for a reminder.
    pub fn apply_collection_strategy(
        &self,
        actor: Actor,
        loan_id: i64,
        note: &str,
    ) -> Result<(Decision, Option<i64>), AppError> {
        let note = note.trim().to_string();
        if note.chars().count() > 2_000 {
            return Err(AppError::invalid("note", "is longer than 2000 characters"));
        }
        self.write(move |tx, _| {
            let (_, loan) = scoped_loan(tx, actor, Permission::CollectionManage, loan_id)?;
            let currency = day::loan_currency(tx, loan_id)?;
            let entry = match tx.worklist_entry(loan_id)? {
                Some(row) => Some(worklist_item(tx, &row)?),
                None => None,
            };
            let decision = decision_for(tx, &loan, currency, entry.as_ref())?;
            let (kind, channel) = match decision {
                Decision::Remind { .. } => return Ok((decision, None)),
                Decision::OfferRestructuring(_) => ("restructuring_offer", Channel::Visit),
                Decision::Escalate { channel } => ("escalate", channel),
                Decision::HandOver { channel } => ("legal_due", channel),
            };
            let row = EscalationRow {
                id: 0,
                loan_id,
                kind: kind.into(),
                channel: channel.code().into(),
                business_date: business_date(tx)?,
                days_past_due: loan.days_past_due,
                decided_by: actor.user_id,
                note: note.clone(),
            };
            let (inserted, id) = tx.insert_escalation(&row)?;
            let id = inserted.then_some(id);
            crate::audit::record(
                tx,
                actor,
                "collection.strategy",
                "loan",
                loan_id,
                Some(format!("{kind} {}", channel.code())),
                None,
            )?;
            Ok((decision, id))
        })
    }

    /// Prepares (and records) the hand-over of a loan to a third party, the
    /// court or the police: the loan, every contact and the whole history.
    pub fn handover_package(
        &self,
        actor: Actor,
        loan_id: i64,
        channel: &str,
    ) -> Result<HandoverPackage, AppError> {
        let channel = parse_channel(channel)?;
        self.write(move |tx, _| {
            let (_, loan) = scoped_loan(tx, actor, Permission::CollectionManage, loan_id)?;
            let package = build_package(tx, actor, &loan, channel)?;
            let row = EscalationRow {
                id: 0,
                loan_id,
                kind: "handover".into(),
                channel: channel.code().into(),
                business_date: package.prepared_on,
                days_past_due: loan.days_past_due,
                decided_by: actor.user_id,
                note: String::new(),
            };
            tx.insert_escalation(&row)?;
            crate::audit::record(
                tx,
                actor,
                "collection.handover",
                "loan",
                loan_id,
                Some(channel.code().to_string()),
                None,
            )?;
            Ok(package)
        })
    }

    /// Outbox messages (`status`: queued, sent, failed; any when `None`).
    pub fn collection_outbox(
        &self,
        actor: Actor,
        status: Option<&str>,
        after_id: i64,
        limit: u32,
    ) -> Result<Vec<OutboxRow>, AppError> {
        if let Some(s) = status
            && !matches!(s, "queued" | "sent" | "failed")
        {
            return Err(AppError::invalid("status", "must be queued, sent or failed"));
        }
        if limit == 0 || limit > WORKLIST_PAGE_MAX {
            return Err(AppError::invalid(
                "limit",
                format!("must be 1 to {WORKLIST_PAGE_MAX}"),
            ));
        }
        self.read(|r| {
            let staff = authorize(r, actor, Permission::CollectionWork)?;
            let mut out = Vec::new();
            for m in r.outbox(status, after_id.max(0), limit)? {
                if staff.sees_node(r, r.loan(m.loan_id)?.outlet_id)? {
                    out.push(m);
                }
            }
            Ok(out)
        })
    }

    /// Scheduled visits of the actor due by `through` (default: the business date).
    pub fn my_visits(&self, actor: Actor, through: Option<NaiveDate>) -> Result<Vec<VisitRow>, AppError> {
        self.read(|r| {
            authorize(r, actor, Permission::CollectionWork)?;
            let through = match through {
                Some(d) => d,
                None => business_date(r)?,
            };
            Ok(r.visits_due(actor.user_id, through, WORKLIST_PAGE_MAX)?)
        })
    }

    /// Completes a visit; a use-of-funds finding other than `as_declared`
    /// raises an early warning and a follow-up visit.
    pub fn complete_visit(
        &self,
        actor: Actor,
        visit_id: i64,
        finding: Option<String>,
        notes: String,
    ) -> Result<(), AppError> {
        self.write(move |tx, _| {
            authorize(tx, actor, Permission::CollectionWork)?;
            let visit = tx
                .collection_visit(visit_id)
                .map_err(|_| AppError::not_found("visit", visit_id))?;
            scoped_loan(tx, actor, Permission::CollectionWork, visit.loan_id)?;
            let finding = finding.map(|f| f.trim().to_string()).filter(|f| !f.is_empty());
            if let Some(f) = finding.as_deref()
                && !matches!(f, "as_declared" | "partly_diverted" | "diverted")
            {
                return Err(AppError::invalid(
                    "funds_finding",
                    "must be as_declared, partly_diverted or diverted",
                ));
            }
            if notes.chars().count() > credgrid_core::collection::post_loan::NOTE_CHARS_MAX {
                return Err(AppError::invalid("notes", "is too long"));
            }
            if visit.status != "scheduled" {
                return Err(AppError::InvalidState {
                    entity: "visit",
                    id: visit_id.to_string(),
                    state: visit.status,
                    action: "complete",
                });
            }
            let date = business_date(tx)?;
            tx.complete_visit(visit_id, date, actor.user_id, finding.as_deref(), notes.trim())?;
            if finding.as_deref().is_some_and(|f| f != "as_declared") {
                raise_warning(
                    tx,
                    visit.loan_id,
                    WarningKind::FundsDiverted,
                    date,
                    actor,
                    notes.trim(),
                )?;
            }
            crate::audit::record(
                tx,
                actor,
                "collection.visit_done",
                "collection_visit",
                visit_id,
                finding,
                None,
            )
        })
    }

    /// A grid worker's news about a debtor: an early warning and a visit.
    pub fn record_grid_news(&self, actor: Actor, loan_id: i64, note: &str) -> Result<(), AppError> {
        let note = note.trim().to_string();
        if note.is_empty() || note.chars().count() > credgrid_core::collection::post_loan::NOTE_CHARS_MAX {
            return Err(AppError::invalid("note", "must be 1 to 2000 characters"));
        }
        self.write(move |tx, _| {
            scoped_loan(tx, actor, Permission::CollectionWork, loan_id)?;
            let date = business_date(tx)?;
            raise_warning(tx, loan_id, WarningKind::GridNews, date, actor, &note)?;
            crate::audit::record(tx, actor, "collection.news", "loan", loan_id, Some(note), None)
        })
    }

    /// Delivers up to `limit` queued (or failed) messages through `sender`
    /// and records each outcome.
    pub fn deliver_outbox(
        &self,
        actor: Actor,
        sender: &dyn MessageSender,
        limit: u32,
    ) -> Result<DeliveryReport, AppError> {
        let limit = limit.clamp(1, WORKLIST_PAGE_MAX);
        let pending = self.read(|r| {
            authorize(r, actor, Permission::CollectionManage)?;
            let mut rows = r.outbox(Some("queued"), 0, limit)?;
            rows.extend(
                r.outbox(Some("failed"), 0, limit)?
                    .into_iter()
                    .filter(|m| m.attempts < 5),
            );
            rows.truncate(limit as usize);
            Ok(rows)
        })?;
        let mut results = Vec::with_capacity(pending.len());
        for m in &pending {
            let msg = OutboxMessage {
                id: m.id,
                channel: m.channel.clone(),
                recipient: m.recipient.clone(),
                locale: m.locale.clone(),
                body: m.body.clone(),
            };
            results.push((m.id, sender.send(&msg).err()));
        }
        let report = DeliveryReport {
            sender: sender.name().to_string(),
            sent: results.iter().filter(|(_, e)| e.is_none()).count() as u64,
            failed: results.iter().filter(|(_, e)| e.is_some()).count() as u64,
        };
        let summary = format!(
            "sender={} sent={} failed={}",
            report.sender, report.sent, report.failed
        );
        self.write(move |tx, _| {
            for (id, error) in &results {
                tx.mark_outbox(*id, error.is_none(), error.as_deref())?;
            }
            crate::audit::record(
                tx,
                actor,
                "collection.deliver",
                "collection_outbox",
                "batch",
                Some(summary),
                None,
            )
        })?;
        Ok(report)
    }
}

fn raise_warning(
    tx: &mut WriteTx<'_>,
    loan_id: i64,
    kind: WarningKind,
    date: NaiveDate,
    actor: Actor,
    note: &str,
) -> Result<(), AppError> {
    let row = WarningRow {
        id: 0,
        loan_id,
        kind: kind.code().into(),
        business_date: date,
        note: note.to_string(),
        recorded_by: Some(actor.user_id),
    };
    tx.insert_warning(&row)?;
    let s = settings(tx)?;
    let loan = tx.loan(loan_id)?;
    if let Some(task) = credgrid_core::collection::post_loan::warning_visit(
        &s.warnings,
        loan_id,
        loan.account_manager_id,
        date,
        &[kind],
    ) {
        tx.insert_visit(&visit_row(&task))?;
    }
    Ok(())
}

fn decision_for(
    r: &ReadTx<'_>,
    loan: &LoanRow,
    currency: Currency,
    entry: Option<&WorklistItem>,
) -> Result<Decision, AppError> {
    let s = settings(r)?;
    let n = i64::from(loan.installments.max(1));
    let installment = loan.principal_minor.saturating_add(n - 1) / n;
    let debtor = r.collection_debtor(loan.client_id)?;
    let capacity = debtor
        .as_ref()
        .map_or(0, |d| d.income_monthly_minor - d.other_debt_monthly_minor);
    let pending = r
        .collection_escalations(loan.id)?
        .iter()
        .any(|e| e.kind == "restructuring_offer");
    let input = StrategyInput {
        loan_id: loan.id,
        segment: entry.map_or(Segment::WillingAndAble, |e| e.segment),
        days_past_due: loan.days_past_due,
        amount_overdue: Money::from_minor(amount_overdue(loan), currency),
        principal_outstanding: Money::from_minor(loan.principal_outstanding_minor, currency),
        installment: Money::from_minor(installment, currency),
        capacity_monthly: Money::from_minor(capacity, currency),
        restructuring_pending: pending,
    };
    Ok(strategy::decide(&s.strategy, &input))
}

fn register_contacts(
    tx: &mut WriteTx<'_>,
    actor: Actor,
    client_id: i64,
    contacts: &[NewContact],
    default_at: NaiveDateTime,
) -> Result<Vec<i64>, AppError> {
    let mut book = contact_book(&tx.collection_contacts(client_id)?)?;
    let mut ids = Vec::with_capacity(contacts.len());
    for c in contacts {
        let mut row = ContactRow {
            id: 0,
            client_id,
            kind: parse_kind(c.kind.trim())?.code().into(),
            relation: parse_relation(c.relation.trim())?.code().into(),
            holder_name: c.holder_name.trim().into(),
            value: c.value.trim().into(),
            given_by: c.given_by.trim().into(),
            recorded_by: actor.user_id,
            given_at: c.given_at.unwrap_or(default_at),
            corrects_id: c.corrects,
        };
        // Validate with the real next id so duplicates and corrections are checked by the book.
        let mut probe = core_contact(&row)?;
        probe.id = i64::MAX - ids.len() as i64;
        book.register(probe).map_err(action_error)?;
        row.id = tx.insert_collection_contact(&row)?;
        ids.push(row.id);
    }
    Ok(ids)
}

/// The rendered written message of an action, if its channel writes.
struct Written {
    template: String,
    locale: Locale,
    text: String,
}

/// The parsed parts of an action request.
struct ParsedAction {
    channel: Channel,
    outcome: Outcome,
    promise: Option<PromiseToPay>,
    body: Option<MessageBody>,
}

fn parse_action(a: &NewAction, currency: Currency, date: NaiveDate) -> Result<ParsedAction, AppError> {
    let latest = now_local().date().max(date) + chrono::Days::new(2);
    if a.at_local.date() >= latest {
        return Err(AppError::invalid("at", "is in the future"));
    }
    let promise = match (&a.promise_amount, a.promise_date) {
        (Some(amount), Some(on)) => Some(PromiseToPay {
            amount: parse_amount("promise_amount", amount, currency)?,
            date: on,
        }),
        (None, None) => None,
        _ => {
            return Err(AppError::invalid(
                "promise",
                "needs both promise_amount and promise_date",
            ));
        }
    };
    if promise.is_some_and(|p| p.date < date) {
        return Err(AppError::invalid("promise_date", "is before the business date"));
    }
    let body = match (&a.template, &a.free_text) {
        (Some(id), _) => Some(MessageBody::Template {
            id: id.trim().to_string(),
        }),
        (None, Some(text)) => Some(MessageBody::FreeText(text.clone())),
        (None, None) => None,
    };
    Ok(ParsedAction {
        channel: parse_channel(a.channel.trim())?,
        outcome: parse_outcome(a.outcome.trim())?,
        promise,
        body,
    })
}

/// Validates, checks the conduct rules, renders a written message, then
/// stores the action, its new contacts, its promise and its outbox message.
fn record_action(tx: &mut WriteTx<'_>, actor: Actor, a: NewAction) -> Result<ActionRecorded, AppError> {
    let (staff, loan) = scoped_loan(tx, actor, Permission::CollectionWork, a.loan_id)?;
    let s = settings(tx)?;
    let currency = day::loan_currency(tx, loan.id)?;
    let date = business_date(tx)?;
    let p = parse_action(&a, currency, date)?;
    let action = Action {
        loan_id: loan.id,
        channel: p.channel,
        at: a.at_local,
        person: actor.user_id,
        contact: a.contact_id,
        outcome: p.outcome,
        notes: a.notes.trim().to_string(),
        promise: p.promise,
        new_contacts: Vec::new(),
        template: a.template.clone(),
    };
    action.validate().map_err(action_error)?;
    let book = contact_book(&tx.collection_contacts(loan.client_id)?)?;
    let attempt = ContactAttempt {
        loan_id: loan.id,
        channel: p.channel,
        local_time: a.at_local,
        person: actor.user_id,
        contact: a.contact_id,
        book: &book,
        body: p.body.as_ref(),
        contacts_today: tx.debtor_contacts_on(loan.client_id, a.at_local.date())?,
    };
    let override_id = check_conduct(tx, &s, &attempt, a.override_id, actor, date, &staff)?;
    let written = match (&p.body, p.channel.is_written()) {
        (Some(body), true) => {
            let locale = a.locale.as_deref();
            Some(render_message(
                tx, &s, &loan, currency, body, p.channel, locale, p.promise,
            )?)
        }
        _ => None,
    };
    let action_id = tx.insert_collection_action(&NewActionRow {
        loan_id: loan.id,
        client_id: loan.client_id,
        channel: p.channel.code().into(),
        at_local: a.at_local,
        business_date: date,
        person_id: actor.user_id,
        contact_id: a.contact_id,
        outcome: p.outcome.code().into(),
        notes: action.notes.clone(),
        template: written.as_ref().map(|w| w.template.clone()),
        override_id,
    })?;
    let contact_ids = register_contacts(tx, actor, loan.client_id, &a.new_contacts, a.at_local)?;
    let promise_id = store_promise(tx, &action, action_id, currency)?;
    let recipient = a.contact_id.and_then(|id| book.get(id)).map(|c| c.value.clone());
    let outbox_id = match &written {
        Some(w) => Some(queue_message(
            tx,
            &loan,
            action_id,
            p.channel,
            w,
            recipient.unwrap_or_default(),
        )?),
        None => None,
    };
    let after = format!(
        "loan={} channel={} outcome={} override={override_id:?}",
        loan.id,
        p.channel.code(),
        p.outcome.code()
    );
    crate::audit::record(
        tx,
        actor,
        "collection.action",
        "collection_action",
        action_id,
        Some(after),
        None,
    )?;
    Ok(ActionRecorded {
        action_id,
        promise_id,
        outbox_id,
        message: written.map(|w| w.text),
        override_id,
        contact_ids,
    })
}

fn store_promise(
    tx: &mut WriteTx<'_>,
    action: &Action,
    action_id: i64,
    currency: Currency,
) -> Result<Option<i64>, AppError> {
    let Some(p) = Promise::from_action(action) else {
        return Ok(None);
    };
    let id = tx.insert_collection_promise(&PromiseRow {
        id: 0,
        action_id,
        loan_id: action.loan_id,
        amount_minor: p.amount.minor(),
        currency: currency.code().into(),
        made_on: p.made_on,
        due_on: p.due_on,
        status: PromiseStatus::Pending.code().into(),
        paid_minor: 0,
        checked_on: None,
    })?;
    Ok(Some(id))
}

fn queue_message(
    tx: &mut WriteTx<'_>,
    loan: &LoanRow,
    action_id: i64,
    channel: Channel,
    w: &Written,
    recipient: String,
) -> Result<i64, AppError> {
    Ok(tx.insert_outbox(&OutboxRow {
        id: 0,
        loan_id: loan.id,
        action_id: Some(action_id),
        channel: channel.code().into(),
        template: w.template.clone(),
        locale: w.locale.tag().into(),
        recipient,
        body: w.text.clone(),
        status: "queued".into(),
        attempts: 0,
        last_error: None,
        created_at: String::new(),
        sent_at: None,
    })?)
}

/// Checks the conduct rules; with an override, checks it was granted for
/// this loan, collector, channel and day, unused, by a current supervisor.
fn check_conduct(
    r: &ReadTx<'_>,
    s: &CollectionSettings,
    attempt: &ContactAttempt<'_>,
    override_id: Option<i64>,
    actor: Actor,
    date: NaiveDate,
    _staff: &Staff,
) -> Result<Option<i64>, AppError> {
    let Some(id) = override_id else {
        conduct::check(&s.conduct, attempt).map_err(refused)?;
        return Ok(None);
    };
    let o = r
        .collection_override(id)
        .map_err(|_| AppError::invalid("override_id", format!("override {id} does not exist")))?;
    let fits = o.loan_id == attempt.loan_id
        && o.collector_id == actor.user_id
        && o.channel == attempt.channel.code()
        && o.business_date == date;
    if !fits {
        return Err(AppError::invalid(
            "override_id",
            "was granted for another loan, collector, channel or day",
        ));
    }
    if o.used_by_action.is_some() {
        return Err(AppError::invalid("override_id", "was already used"));
    }
    let supervisor = crate::access::staff(
        r,
        Actor {
            user_id: o.supervisor_id,
        },
    )?;
    let request = OverrideRequest {
        rules: o.rules.split(',').map(parse_rule).collect::<Result<_, _>>()?,
        supervisor: ConductStaff {
            id: o.supervisor_id,
            is_supervisor: supervisor.may(Permission::CollectionOverride),
        },
        reason: o.reason.clone(),
        at: attempt.local_time,
    };
    match conduct::check_with_override(&s.conduct, attempt, &request).map_err(refused)? {
        Some(_) => Ok(Some(id)),
        None => Ok(None),
    }
}

#[allow(clippy::too_many_arguments)]
fn render_message(
    r: &ReadTx<'_>,
    s: &CollectionSettings,
    loan: &LoanRow,
    currency: Currency,
    body: &MessageBody,
    channel: Channel,
    locale: Option<&str>,
    promise: Option<PromiseToPay>,
) -> Result<Written, AppError> {
    let locale = match locale.map(str::trim).filter(|l| !l.is_empty()) {
        Some(tag) => Locale::parse(tag).ok_or_else(|| AppError::invalid("locale", "must be en, es or zh"))?,
        None => s.locale,
    };
    let client = r.client(loan.client_id)?;
    let outlet = r.org_node(loan.outlet_id)?;
    let (amount, date) = match promise {
        Some(p) => (p.amount, p.date),
        None => (
            Money::from_minor(amount_overdue(loan), currency),
            loan.next_due_on.unwrap_or(business_date(r)?),
        ),
    };
    let figures = MessageFigures {
        borrower_name: &client.name,
        amount,
        date,
        outlet_name: &outlet.name,
        outlet_phone: &s.message_phone,
    };
    let rendered = message::render(&TemplateRegistry::standard(), body, channel, locale, &figures).map_err(
        |e| match e {
            message::MessageError::FreeTextNotAllowed { channel } => {
                refused(ConductRefusal::FreeTextNotAllowed { channel })
            }
            other => AppError::invalid("template", other),
        },
    )?;
    Ok(Written {
        template: rendered.template.to_string(),
        locale,
        text: rendered.text,
    })
}

fn build_package(
    r: &ReadTx<'_>,
    actor: Actor,
    loan: &LoanRow,
    channel: Channel,
) -> Result<HandoverPackage, AppError> {
    let currency = day::loan_currency(r, loan.id)?;
    let client = r.client(loan.client_id)?;
    let product = r.product(loan.product_id)?;
    let book = contact_book(&r.collection_contacts(loan.client_id)?)?;
    let mut history = Vec::new();
    for a in r.collection_actions(loan.id)? {
        history.push(Action {
            loan_id: a.loan_id,
            channel: parse_channel(&a.channel)?,
            at: a.at_local,
            person: a.person_id,
            contact: a.contact_id,
            outcome: parse_outcome(&a.outcome)?,
            notes: a.notes,
            promise: None,
            new_contacts: Vec::new(),
            template: a.template,
        });
    }
    let promises = r
        .collection_promises(loan.id)?
        .into_iter()
        .map(|p| {
            let status = match p.status.as_str() {
                "kept" => PromiseStatus::Kept,
                "broken" => PromiseStatus::Broken,
                _ => PromiseStatus::Pending,
            };
            let promise = Promise {
                loan_id: p.loan_id,
                amount: Money::from_minor(p.amount_minor, currency),
                made_on: p.made_on,
                due_on: p.due_on,
            };
            (promise, status)
        })
        .collect::<Vec<_>>();
    let handover = HandoverLoan {
        loan_id: loan.id,
        borrower_name: client.name,
        product: product.code,
        disbursed_on: loan.disbursed_on.unwrap_or(loan.applied_on),
        principal_disbursed: Money::from_minor(loan.principal_minor, currency),
        principal_outstanding: Money::from_minor(loan.principal_outstanding_minor, currency),
        amount_overdue: Money::from_minor(amount_overdue(loan), currency),
        days_past_due: loan.days_past_due,
    };
    let date = business_date(r)?;
    strategy::build_handover(channel, date, actor.user_id, handover, &book, &history, &promises).map_err(
        |e| match e {
            strategy::StrategyError::NotHandoverChannel { .. } => AppError::invalid("channel", e),
            other => AppError::Refused {
                rule: "collection-handover",
                detail: other.to_string(),
            },
        },
    )
}
