//! Collections and post-loan management in SQL (migration 010): settings,
//! assignments, the end-of-day worklists with their score parts, contacts,
//! actions, promises to pay, supervisor overrides, the outbox, escalations,
//! post-loan visits and early-warning signals.

use crate::error::{Refine, StoreError};
use crate::store::{ReadTx, WriteTx};
use chrono::{NaiveDate, NaiveDateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};

fn now() -> String {
    Utc::now().to_rfc3339()
}

/// An overdue disbursed loan as the worklist step reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OverdueLoanRow {
    pub id: i64,
    pub client_id: i64,
    pub outlet_id: i64,
    pub account_manager_id: i64,
    pub currency: String,
    pub principal_minor: i64,
    pub installments: u32,
    pub principal_outstanding_minor: i64,
    /// Principal, interest, penalty and fees overdue.
    pub amount_overdue_minor: i64,
    pub days_past_due: u32,
    pub client_since: NaiveDate,
}

/// One row of a stored worklist: the loan, its rank and every score part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorklistRow {
    pub business_date: NaiveDate,
    pub loan_id: i64,
    pub assignee_id: i64,
    /// 1 for the first loan of the assignee's list.
    pub rank: i64,
    pub outlet_id: i64,
    pub priority: i64,
    /// The parts in `Factor::ALL` order.
    pub parts: [i64; 6],
    pub days_past_due: u32,
    pub amount_overdue_minor: i64,
    pub currency: String,
    pub next_channel: String,
    pub segment: String,
}

/// A debtor's contact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactRow {
    pub id: i64,
    pub client_id: i64,
    pub kind: String,
    pub relation: String,
    pub holder_name: String,
    pub value: String,
    pub given_by: String,
    pub recorded_by: i64,
    pub given_at: NaiveDateTime,
    pub corrects_id: Option<i64>,
}

/// A collection action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionRow {
    pub id: i64,
    pub loan_id: i64,
    pub client_id: i64,
    pub channel: String,
    pub at_local: NaiveDateTime,
    pub business_date: NaiveDate,
    pub person_id: i64,
    pub contact_id: Option<i64>,
    pub outcome: String,
    pub notes: String,
    pub template: Option<String>,
    pub override_id: Option<i64>,
}

/// A promise to pay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PromiseRow {
    pub id: i64,
    pub action_id: i64,
    pub loan_id: i64,
    pub amount_minor: i64,
    pub currency: String,
    pub made_on: NaiveDate,
    pub due_on: NaiveDate,
    /// `pending`, `kept` or `broken`.
    pub status: String,
    pub paid_minor: i64,
    pub checked_on: Option<NaiveDate>,
}

/// A supervisor's override of conduct rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OverrideRow {
    pub id: i64,
    pub loan_id: i64,
    pub channel: String,
    /// Comma-separated rule codes.
    pub rules: String,
    pub collector_id: i64,
    pub supervisor_id: i64,
    pub reason: String,
    pub business_date: NaiveDate,
    /// The action that used it, if any.
    pub used_by_action: Option<i64>,
}

/// A written message in the outbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxRow {
    pub id: i64,
    pub loan_id: i64,
    pub action_id: Option<i64>,
    pub channel: String,
    pub template: String,
    pub locale: String,
    pub recipient: String,
    pub body: String,
    /// `queued`, `sent` or `failed`.
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
}

/// An escalation, restructuring offer or hand-over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EscalationRow {
    pub id: i64,
    pub loan_id: i64,
    /// `legal_due`, `escalate`, `restructuring_offer` or `handover`.
    pub kind: String,
    pub channel: String,
    pub business_date: NaiveDate,
    pub days_past_due: u32,
    pub decided_by: i64,
    pub note: String,
}

/// A post-loan visit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VisitRow {
    pub id: i64,
    pub loan_id: i64,
    pub assignee_id: i64,
    pub due_on: NaiveDate,
    /// `after_disbursement`, `periodic` or `early_warning`.
    pub reason: String,
    pub use_of_funds_check: bool,
    /// Comma-separated warning codes.
    pub warnings: String,
    /// `scheduled` or `done`.
    pub status: String,
    pub done_on: Option<NaiveDate>,
    pub done_by: Option<i64>,
    pub funds_finding: Option<String>,
    pub notes: String,
}

/// An early-warning signal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WarningRow {
    pub id: i64,
    pub loan_id: i64,
    pub kind: String,
    pub business_date: NaiveDate,
    pub note: String,
    pub recorded_by: Option<i64>,
}

/// What a collector knows of a debtor's ability and willingness to pay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DebtorRow {
    pub client_id: i64,
    pub income_monthly_minor: i64,
    pub other_debt_monthly_minor: i64,
    pub assessed_segment: Option<String>,
    pub updated_by: i64,
    pub updated_on: NaiveDate,
}

/// A recovery: a repayment on a loan with the last collection action before it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecoveryRow {
    pub loan_id: i64,
    pub amount_minor: i64,
    pub currency: String,
    pub channel: String,
    pub person_id: i64,
}

const CONTACT_COLUMNS: &str =
    "id, client_id, kind, relation, holder_name, value, given_by, recorded_by, given_at, corrects_id";
const ACTION_COLUMNS: &str = "id, loan_id, client_id, channel, at_local, business_date, person_id, contact_id, \
     outcome, notes, template, override_id";
const PROMISE_COLUMNS: &str =
    "id, action_id, loan_id, amount_minor, currency, made_on, due_on, status, paid_minor, checked_on";
const OUTBOX_COLUMNS: &str = "id, loan_id, action_id, channel, template, locale, recipient, body, status, \
     attempts, last_error, created_at, sent_at";
const VISIT_COLUMNS: &str = "id, loan_id, assignee_id, due_on, reason, use_of_funds_check, warnings, status, \
     done_on, done_by, funds_finding, notes";
const WORKLIST_COLUMNS: &str = "business_date, loan_id, assignee_id, rank, outlet_id, priority, part_amount, \
     part_days, part_cost, part_ability, part_broken_promises, part_relationship, days_past_due, \
     amount_overdue_minor, currency, next_channel, segment";

fn contact(r: &Row<'_>) -> rusqlite::Result<ContactRow> {
    Ok(ContactRow {
        id: r.get(0)?,
        client_id: r.get(1)?,
        kind: r.get(2)?,
        relation: r.get(3)?,
        holder_name: r.get(4)?,
        value: r.get(5)?,
        given_by: r.get(6)?,
        recorded_by: r.get(7)?,
        given_at: r.get(8)?,
        corrects_id: r.get(9)?,
    })
}

fn action(r: &Row<'_>) -> rusqlite::Result<ActionRow> {
    Ok(ActionRow {
        id: r.get(0)?,
        loan_id: r.get(1)?,
        client_id: r.get(2)?,
        channel: r.get(3)?,
        at_local: r.get(4)?,
        business_date: r.get(5)?,
        person_id: r.get(6)?,
        contact_id: r.get(7)?,
        outcome: r.get(8)?,
        notes: r.get(9)?,
        template: r.get(10)?,
        override_id: r.get(11)?,
    })
}

fn promise(r: &Row<'_>) -> rusqlite::Result<PromiseRow> {
    Ok(PromiseRow {
        id: r.get(0)?,
        action_id: r.get(1)?,
        loan_id: r.get(2)?,
        amount_minor: r.get(3)?,
        currency: r.get(4)?,
        made_on: r.get(5)?,
        due_on: r.get(6)?,
        status: r.get(7)?,
        paid_minor: r.get(8)?,
        checked_on: r.get(9)?,
    })
}

fn outbox(r: &Row<'_>) -> rusqlite::Result<OutboxRow> {
    Ok(OutboxRow {
        id: r.get(0)?,
        loan_id: r.get(1)?,
        action_id: r.get(2)?,
        channel: r.get(3)?,
        template: r.get(4)?,
        locale: r.get(5)?,
        recipient: r.get(6)?,
        body: r.get(7)?,
        status: r.get(8)?,
        attempts: r.get(9)?,
        last_error: r.get(10)?,
        created_at: r.get(11)?,
        sent_at: r.get(12)?,
    })
}

fn visit(r: &Row<'_>) -> rusqlite::Result<VisitRow> {
    Ok(VisitRow {
        id: r.get(0)?,
        loan_id: r.get(1)?,
        assignee_id: r.get(2)?,
        due_on: r.get(3)?,
        reason: r.get(4)?,
        use_of_funds_check: r.get::<_, i64>(5)? != 0,
        warnings: r.get(6)?,
        status: r.get(7)?,
        done_on: r.get(8)?,
        done_by: r.get(9)?,
        funds_finding: r.get(10)?,
        notes: r.get(11)?,
    })
}

fn worklist(r: &Row<'_>) -> rusqlite::Result<WorklistRow> {
    Ok(WorklistRow {
        business_date: r.get(0)?,
        loan_id: r.get(1)?,
        assignee_id: r.get(2)?,
        rank: r.get(3)?,
        outlet_id: r.get(4)?,
        priority: r.get(5)?,
        parts: [r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?, r.get(10)?, r.get(11)?],
        days_past_due: r.get(12)?,
        amount_overdue_minor: r.get(13)?,
        currency: r.get(14)?,
        next_channel: r.get(15)?,
        segment: r.get(16)?,
    })
}

fn escalation(r: &Row<'_>) -> rusqlite::Result<EscalationRow> {
    Ok(EscalationRow {
        id: r.get(0)?,
        loan_id: r.get(1)?,
        kind: r.get(2)?,
        channel: r.get(3)?,
        business_date: r.get(4)?,
        days_past_due: r.get(5)?,
        decided_by: r.get(6)?,
        note: r.get(7)?,
    })
}

impl ReadTx<'_> {
    /// Every stored collection setting, `(name, value)`.
    pub fn collection_settings(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT name, value FROM collection_setting ORDER BY name")
            .refine()?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// Every disbursed loan with days past due, by id (the end-of-day worklist
    /// input), through the partial index `loan_overdue`.
    pub fn overdue_loans(&self) -> Result<Vec<OverdueLoanRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT l.id, l.client_id, l.outlet_id, l.account_manager_id, l.currency, l.principal_minor,
                        l.installments, l.principal_outstanding_minor,
                        l.principal_overdue_minor + l.interest_overdue_minor + l.penalty_accrued_minor
                          + l.fees_due_minor,
                        l.days_past_due, c.created_on
                 FROM loan l INDEXED BY loan_overdue CROSS JOIN client c ON c.id = l.client_id
                 WHERE l.status = 'disbursed' AND l.days_past_due > 0 ORDER BY l.id",
            )
            .refine()?;
        let rows = stmt
            .query_map([], |r| {
                Ok(OverdueLoanRow {
                    id: r.get(0)?,
                    client_id: r.get(1)?,
                    outlet_id: r.get(2)?,
                    account_manager_id: r.get(3)?,
                    currency: r.get(4)?,
                    principal_minor: r.get(5)?,
                    installments: r.get(6)?,
                    principal_outstanding_minor: r.get(7)?,
                    amount_overdue_minor: r.get(8)?,
                    days_past_due: r.get(9)?,
                    client_since: r.get(10)?,
                })
            })
            .refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// Loans given to a named collector, `(loan_id, collector_id)`.
    pub fn collection_assignments(&self) -> Result<Vec<(i64, i64)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT loan_id, collector_id FROM collection_assignment ORDER BY loan_id")
            .refine()?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// Users whose roles mention `collector`, `(user_id, node_id, roles)`.
    pub fn collector_users(&self) -> Result<Vec<(i64, i64, String)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, node_id, roles FROM app_user WHERE roles LIKE '%collector%' ORDER BY id",
            )
            .refine()?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// Per loan with any: `(loan_id, broken promises, kept promises)`.
    pub fn promise_counts(&self) -> Result<Vec<(i64, u32, u32)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT loan_id, SUM(status = 'broken'), SUM(status = 'kept') FROM collection_promise
                 GROUP BY loan_id ORDER BY loan_id",
            )
            .refine()?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// Per client with any: `(client_id, has a guarantor contact, has a group-member contact)`.
    pub fn contact_ties(&self) -> Result<Vec<(i64, bool, bool)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT client_id, MAX(relation = 'guarantor'), MAX(relation = 'group_member')
                 FROM collection_contact GROUP BY client_id ORDER BY client_id",
            )
            .refine()?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// Every debtor record.
    pub fn collection_debtors(&self) -> Result<Vec<DebtorRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT client_id, income_monthly_minor, other_debt_monthly_minor, assessed_segment, updated_by,
                        updated_on FROM collection_debtor ORDER BY client_id",
            )
            .refine()?;
        let rows = stmt
            .query_map([], |r| {
                Ok(DebtorRow {
                    client_id: r.get(0)?,
                    income_monthly_minor: r.get(1)?,
                    other_debt_monthly_minor: r.get(2)?,
                    assessed_segment: r.get(3)?,
                    updated_by: r.get(4)?,
                    updated_on: r.get(5)?,
                })
            })
            .refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// `(loan_id, channel, outcome, at_local)` of every action, by loan then time.
    pub fn action_outcomes(&self) -> Result<Vec<(i64, String, String, NaiveDateTime)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT loan_id, channel, outcome, at_local FROM collection_action ORDER BY loan_id, at_local, id",
            )
            .refine()?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// The worklist of `assignee` for `date`, in rank order, from `after_rank`.
    pub fn worklist(
        &self,
        date: NaiveDate,
        assignee: i64,
        after_rank: i64,
        limit: u32,
    ) -> Result<Vec<WorklistRow>, StoreError> {
        let sql = format!(
            "SELECT {WORKLIST_COLUMNS} FROM collection_worklist
             WHERE business_date = ?1 AND assignee_id = ?2 AND rank > ?3 ORDER BY rank LIMIT ?4"
        );
        let mut stmt = self.conn.prepare_cached(&sql).refine()?;
        let rows = stmt
            .query_map(params![date, assignee, after_rank, limit], worklist)
            .refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// The latest date on or before `through` that has worklists.
    pub fn latest_worklist_date(&self, through: NaiveDate) -> Result<Option<NaiveDate>, StoreError> {
        self.conn
            .prepare_cached("SELECT MAX(business_date) FROM collection_worklist WHERE business_date <= ?1")
            .refine()?
            .query_row([through], |r| r.get(0))
            .refine()
    }

    /// What the collector recorded of one debtor, if anything.
    pub fn collection_debtor(&self, client_id: i64) -> Result<Option<DebtorRow>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT client_id, income_monthly_minor, other_debt_monthly_minor, assessed_segment, updated_by,
                        updated_on FROM collection_debtor WHERE client_id = ?1",
            )
            .refine()?
            .query_row([client_id], |r| {
                Ok(DebtorRow {
                    client_id: r.get(0)?,
                    income_monthly_minor: r.get(1)?,
                    other_debt_monthly_minor: r.get(2)?,
                    assessed_segment: r.get(3)?,
                    updated_by: r.get(4)?,
                    updated_on: r.get(5)?,
                })
            })
            .optional()
            .refine()
    }

    /// The latest worklist row of a loan, if it was in any worklist.
    pub fn worklist_entry(&self, loan_id: i64) -> Result<Option<WorklistRow>, StoreError> {
        let sql = format!(
            "SELECT {WORKLIST_COLUMNS} FROM collection_worklist WHERE loan_id = ?1
             ORDER BY business_date DESC LIMIT 1"
        );
        self.conn
            .prepare_cached(&sql)
            .refine()?
            .query_row([loan_id], worklist)
            .optional()
            .refine()
    }

    /// How many loans the worklists of `date` hold, per assignee.
    pub fn worklist_sizes(&self, date: NaiveDate) -> Result<Vec<(i64, i64)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT assignee_id, COUNT(*) FROM collection_worklist WHERE business_date = ?1
                 GROUP BY assignee_id ORDER BY assignee_id",
            )
            .refine()?;
        let rows = stmt.query_map([date], |r| Ok((r.get(0)?, r.get(1)?))).refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// Every contact of a client, corrections included, by id.
    pub fn collection_contacts(&self, client_id: i64) -> Result<Vec<ContactRow>, StoreError> {
        let sql =
            format!("SELECT {CONTACT_COLUMNS} FROM collection_contact WHERE client_id = ?1 ORDER BY id");
        let mut stmt = self.conn.prepare_cached(&sql).refine()?;
        let rows = stmt.query_map([client_id], contact).refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// Every action on a loan, oldest first.
    pub fn collection_actions(&self, loan_id: i64) -> Result<Vec<ActionRow>, StoreError> {
        let sql = format!(
            "SELECT {ACTION_COLUMNS} FROM collection_action WHERE loan_id = ?1 ORDER BY at_local, id"
        );
        let mut stmt = self.conn.prepare_cached(&sql).refine()?;
        let rows = stmt.query_map([loan_id], action).refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// Debtor contacts (SMS, phone, letter, visit) made with `client_id` on the local day `day`.
    pub fn debtor_contacts_on(&self, client_id: i64, day: NaiveDate) -> Result<u32, StoreError> {
        let next = day.succ_opt().unwrap_or(day);
        let from = day.and_hms_opt(0, 0, 0).unwrap_or_default();
        let to = next.and_hms_opt(0, 0, 0).unwrap_or_default();
        self.conn
            .prepare_cached(
                "SELECT COUNT(*) FROM collection_action WHERE client_id = ?1 AND at_local >= ?2 AND at_local < ?3
                   AND channel IN ('sms', 'phone', 'letter', 'visit')",
            )
            .refine()?
            .query_row(params![client_id, from, to], |r| r.get(0))
            .refine()
    }

    /// Every promise of a loan, oldest first.
    pub fn collection_promises(&self, loan_id: i64) -> Result<Vec<PromiseRow>, StoreError> {
        let sql = format!("SELECT {PROMISE_COLUMNS} FROM collection_promise WHERE loan_id = ?1 ORDER BY id");
        let mut stmt = self.conn.prepare_cached(&sql).refine()?;
        let rows = stmt.query_map([loan_id], promise).refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// Every pending promise, by id.
    pub fn pending_promises(&self) -> Result<Vec<PromiseRow>, StoreError> {
        let sql =
            format!("SELECT {PROMISE_COLUMNS} FROM collection_promise WHERE status = 'pending' ORDER BY id");
        let mut stmt = self.conn.prepare_cached(&sql).refine()?;
        let rows = stmt.query_map([], promise).refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// `(status, count)` of every promise made from `from` to `to`.
    pub fn promise_statuses(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<(String, i64)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT status, COUNT(*) FROM collection_promise WHERE made_on BETWEEN ?1 AND ?2
                 GROUP BY status ORDER BY status",
            )
            .refine()?;
        let rows = stmt
            .query_map(params![from, to], |r| Ok((r.get(0)?, r.get(1)?)))
            .refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// An override by id.
    pub fn collection_override(&self, id: i64) -> Result<OverrideRow, StoreError> {
        let found = self
            .conn
            .prepare_cached(
                "SELECT o.id, o.loan_id, o.channel, o.rules, o.collector_id, o.supervisor_id, o.reason,
                        o.business_date, (SELECT a.id FROM collection_action a WHERE a.override_id = o.id)
                 FROM collection_override o WHERE o.id = ?1",
            )
            .refine()?
            .query_row([id], |r| {
                Ok(OverrideRow {
                    id: r.get(0)?,
                    loan_id: r.get(1)?,
                    channel: r.get(2)?,
                    rules: r.get(3)?,
                    collector_id: r.get(4)?,
                    supervisor_id: r.get(5)?,
                    reason: r.get(6)?,
                    business_date: r.get(7)?,
                    used_by_action: r.get(8)?,
                })
            })
            .optional()
            .refine()?;
        found.ok_or(StoreError::NotFound {
            table: "collection_override",
            id,
        })
    }

    /// Outbox messages with `status` (any when `None`), after `after_id`, by id.
    pub fn outbox(
        &self,
        status: Option<&str>,
        after_id: i64,
        limit: u32,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let sql = format!(
            "SELECT {OUTBOX_COLUMNS} FROM collection_outbox WHERE (?1 IS NULL OR status = ?1) AND id > ?2
             ORDER BY id LIMIT ?3"
        );
        let mut stmt = self.conn.prepare_cached(&sql).refine()?;
        let rows = stmt
            .query_map(params![status, after_id, limit], outbox)
            .refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// The outbox messages of one loan, by id.
    pub fn loan_outbox(&self, loan_id: i64) -> Result<Vec<OutboxRow>, StoreError> {
        let sql = format!("SELECT {OUTBOX_COLUMNS} FROM collection_outbox WHERE loan_id = ?1 ORDER BY id");
        let mut stmt = self.conn.prepare_cached(&sql).refine()?;
        let rows = stmt.query_map([loan_id], outbox).refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// The escalations of one loan, by id.
    pub fn collection_escalations(&self, loan_id: i64) -> Result<Vec<EscalationRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, loan_id, kind, channel, business_date, days_past_due, decided_by, note
                 FROM collection_escalation WHERE loan_id = ?1 ORDER BY id",
            )
            .refine()?;
        let rows = stmt.query_map([loan_id], escalation).refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// The visits of a loan, by due date.
    pub fn loan_visits(&self, loan_id: i64) -> Result<Vec<VisitRow>, StoreError> {
        let sql =
            format!("SELECT {VISIT_COLUMNS} FROM collection_visit WHERE loan_id = ?1 ORDER BY due_on, id");
        let mut stmt = self.conn.prepare_cached(&sql).refine()?;
        let rows = stmt.query_map([loan_id], visit).refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// Scheduled visits of `assignee` due on or before `through`, by due date.
    pub fn visits_due(
        &self,
        assignee: i64,
        through: NaiveDate,
        limit: u32,
    ) -> Result<Vec<VisitRow>, StoreError> {
        let sql = format!(
            "SELECT {VISIT_COLUMNS} FROM collection_visit
             WHERE assignee_id = ?1 AND status = 'scheduled' AND due_on <= ?2 ORDER BY due_on, id LIMIT ?3"
        );
        let mut stmt = self.conn.prepare_cached(&sql).refine()?;
        let rows = stmt
            .query_map(params![assignee, through, limit], visit)
            .refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// A visit by id.
    pub fn collection_visit(&self, id: i64) -> Result<VisitRow, StoreError> {
        let sql = format!("SELECT {VISIT_COLUMNS} FROM collection_visit WHERE id = ?1");
        let found = self
            .conn
            .prepare_cached(&sql)
            .refine()?
            .query_row([id], visit)
            .optional()
            .refine()?;
        found.ok_or(StoreError::NotFound {
            table: "collection_visit",
            id,
        })
    }

    /// The early warnings of one loan, by id.
    pub fn loan_warnings(&self, loan_id: i64) -> Result<Vec<WarningRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, loan_id, kind, business_date, note, recorded_by FROM collection_warning
                 WHERE loan_id = ?1 ORDER BY id",
            )
            .refine()?;
        let rows = stmt
            .query_map([loan_id], |r| {
                Ok(WarningRow {
                    id: r.get(0)?,
                    loan_id: r.get(1)?,
                    kind: r.get(2)?,
                    business_date: r.get(3)?,
                    note: r.get(4)?,
                    recorded_by: r.get(5)?,
                })
            })
            .refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// Loans already marked due for legal action, by id.
    pub fn loans_legal_due(&self) -> Result<Vec<i64>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT loan_id FROM collection_escalation WHERE kind = 'legal_due' ORDER BY loan_id",
            )
            .refine()?;
        let rows = stmt.query_map([], |r| r.get(0)).refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// Loans that ever had a warning of `kind`, by id.
    pub fn loans_with_warning(&self, kind: &str) -> Result<Vec<i64>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT loan_id FROM collection_warning WHERE kind = ?1 ORDER BY loan_id",
            )
            .refine()?;
        let rows = stmt.query_map([kind], |r| r.get(0)).refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// `(loan_id, days past due)` of every loan in the end-of-day detail of `date`.
    pub fn days_past_due_on(&self, date: NaiveDate) -> Result<Vec<(i64, u32)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT loan_id, days_past_due FROM accrual_detail WHERE business_date = ?1 ORDER BY loan_id",
            )
            .refine()?;
        let rows = stmt.query_map([date], |r| Ok((r.get(0)?, r.get(1)?))).refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// Repayments from `from` to `to` on loans that had a collection action on
    /// or before the repayment, with the last such action's channel and person.
    pub fn collection_recoveries(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<RecoveryRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT t.loan_id, t.amount_minor, l.currency, a.channel, a.person_id
                 FROM loan_transaction t JOIN loan l ON l.id = t.loan_id
                 JOIN collection_action a ON a.id = (
                   SELECT a2.id FROM collection_action a2 WHERE a2.loan_id = t.loan_id
                     AND a2.business_date <= t.business_date ORDER BY a2.business_date DESC, a2.id DESC LIMIT 1)
                 WHERE t.kind IN ('repayment', 'prepayment', 'recovery') AND t.reversed_by_id IS NULL
                   AND t.business_date BETWEEN ?1 AND ?2
                 ORDER BY t.id",
            )
            .refine()?;
        let rows = stmt
            .query_map(params![from, to], |r| {
                Ok(RecoveryRow {
                    loan_id: r.get(0)?,
                    amount_minor: r.get(1)?,
                    currency: r.get(2)?,
                    channel: r.get(3)?,
                    person_id: r.get(4)?,
                })
            })
            .refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// The worklist segment of each loan on `date`, `(loan_id, segment)`.
    pub fn worklist_segments(&self, date: NaiveDate) -> Result<Vec<(i64, String)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT loan_id, segment FROM collection_worklist WHERE business_date <= ?1
                 GROUP BY loan_id HAVING business_date = MAX(business_date) ORDER BY loan_id",
            )
            .refine()?;
        let rows = stmt.query_map([date], |r| Ok((r.get(0)?, r.get(1)?))).refine()?;
        rows.collect::<Result<_, _>>().refine()
    }
}

/// A new action to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewActionRow {
    pub loan_id: i64,
    pub client_id: i64,
    pub channel: String,
    pub at_local: NaiveDateTime,
    pub business_date: NaiveDate,
    pub person_id: i64,
    pub contact_id: Option<i64>,
    pub outcome: String,
    pub notes: String,
    pub template: Option<String>,
    pub override_id: Option<i64>,
}

impl WriteTx<'_> {
    /// Sets a collection setting.
    pub fn put_collection_setting(&mut self, name: &str, value: &str, user: i64) -> Result<(), StoreError> {
        self.conn()
            .prepare_cached(
                "INSERT INTO collection_setting (name, value, updated_by, updated_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by,
                   updated_at = excluded.updated_at",
            )
            .refine()?
            .execute(params![name, value, user, now()])
            .refine()?;
        Ok(())
    }

    /// Gives a loan to a named collector (replacing any earlier assignment).
    pub fn assign_collector(
        &mut self,
        loan_id: i64,
        collector: i64,
        by: i64,
        on: NaiveDate,
    ) -> Result<(), StoreError> {
        self.conn()
            .prepare_cached(
                "INSERT INTO collection_assignment (loan_id, collector_id, assigned_by, assigned_on)
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT (loan_id) DO UPDATE SET collector_id = excluded.collector_id,
                   assigned_by = excluded.assigned_by, assigned_on = excluded.assigned_on",
            )
            .refine()?
            .execute(params![loan_id, collector, by, on])
            .refine()?;
        Ok(())
    }

    /// Replaces the worklists of `date` with `rows` (restart-safe: a second
    /// run for the same date leaves exactly one set).
    pub fn replace_worklists(&mut self, date: NaiveDate, rows: &[WorklistRow]) -> Result<(), StoreError> {
        self.conn()
            .prepare_cached("DELETE FROM collection_worklist WHERE business_date = ?1")
            .refine()?
            .execute([date])
            .refine()?;
        let sql = format!(
            "INSERT INTO collection_worklist ({WORKLIST_COLUMNS})
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)"
        );
        let mut stmt = self.conn().prepare_cached(&sql).refine()?;
        let day = date.to_string();
        for w in rows {
            let p = &w.parts;
            stmt.execute(params![
                day,
                w.loan_id,
                w.assignee_id,
                w.rank,
                w.outlet_id,
                w.priority,
                p[0],
                p[1],
                p[2],
                p[3],
                p[4],
                p[5],
                w.days_past_due,
                w.amount_overdue_minor,
                w.currency,
                w.next_channel,
                w.segment
            ])
            .refine()?;
        }
        Ok(())
    }

    /// Registers a contact; returns its id.
    pub fn insert_collection_contact(&mut self, c: &ContactRow) -> Result<i64, StoreError> {
        self.conn()
            .prepare_cached(
                "INSERT INTO collection_contact (client_id, kind, relation, holder_name, value, given_by,
                   recorded_by, given_at, corrects_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )
            .refine()?
            .execute(params![
                c.client_id,
                c.kind,
                c.relation,
                c.holder_name,
                c.value,
                c.given_by,
                c.recorded_by,
                c.given_at,
                c.corrects_id,
                now()
            ])
            .refine()?;
        Ok(self.conn().last_insert_rowid())
    }

    /// Stores an action; returns its id.
    pub fn insert_collection_action(&mut self, a: &NewActionRow) -> Result<i64, StoreError> {
        self.conn()
            .prepare_cached(
                "INSERT INTO collection_action (loan_id, client_id, channel, at_local, business_date, person_id,
                   contact_id, outcome, notes, template, override_id, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )
            .refine()?
            .execute(params![
                a.loan_id,
                a.client_id,
                a.channel,
                a.at_local,
                a.business_date,
                a.person_id,
                a.contact_id,
                a.outcome,
                a.notes,
                a.template,
                a.override_id,
                now()
            ])
            .refine()?;
        Ok(self.conn().last_insert_rowid())
    }

    /// Stores a promise to pay (pending); returns its id.
    pub fn insert_collection_promise(&mut self, p: &PromiseRow) -> Result<i64, StoreError> {
        self.conn()
            .prepare_cached(
                "INSERT INTO collection_promise (action_id, loan_id, amount_minor, currency, made_on, due_on)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .refine()?
            .execute(params![
                p.action_id,
                p.loan_id,
                p.amount_minor,
                p.currency,
                p.made_on,
                p.due_on
            ])
            .refine()?;
        Ok(self.conn().last_insert_rowid())
    }

    /// Records the end-of-day judgement of a promise.
    pub fn judge_promise(
        &mut self,
        id: i64,
        status: &str,
        paid_minor: i64,
        on: NaiveDate,
    ) -> Result<(), StoreError> {
        self.conn()
            .prepare_cached(
                "UPDATE collection_promise SET status = ?2, paid_minor = ?3, checked_on = ?4 WHERE id = ?1",
            )
            .refine()?
            .execute(params![id, status, paid_minor, on])
            .refine()?;
        Ok(())
    }

    /// Logs a supervisor's override; returns its id.
    pub fn insert_collection_override(&mut self, o: &OverrideRow) -> Result<i64, StoreError> {
        self.conn()
            .prepare_cached(
                "INSERT INTO collection_override (loan_id, channel, rules, collector_id, supervisor_id, reason,
                   business_date, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .refine()?
            .execute(params![
                o.loan_id,
                o.channel,
                o.rules,
                o.collector_id,
                o.supervisor_id,
                o.reason,
                o.business_date,
                now()
            ])
            .refine()?;
        Ok(self.conn().last_insert_rowid())
    }

    /// Queues a written message; returns its id.
    pub fn insert_outbox(&mut self, m: &OutboxRow) -> Result<i64, StoreError> {
        self.conn()
            .prepare_cached(
                "INSERT INTO collection_outbox (loan_id, action_id, channel, template, locale, recipient, body,
                   created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .refine()?
            .execute(params![
                m.loan_id,
                m.action_id,
                m.channel,
                m.template,
                m.locale,
                m.recipient,
                m.body,
                now()
            ])
            .refine()?;
        Ok(self.conn().last_insert_rowid())
    }

    /// Records a delivery attempt: `sent`, or `failed` with the error (a
    /// failed message stays eligible for another attempt).
    pub fn mark_outbox(&mut self, id: i64, sent: bool, error: Option<&str>) -> Result<(), StoreError> {
        let status = if sent { "sent" } else { "failed" };
        let sent_at = sent.then(now);
        self.conn()
            .prepare_cached(
                "UPDATE collection_outbox SET status = ?2, attempts = attempts + 1, last_error = ?3, sent_at = ?4
                 WHERE id = ?1",
            )
            .refine()?
            .execute(params![id, status, error, sent_at])
            .refine()?;
        Ok(())
    }

    /// Stores an escalation; `false` when a `legal_due` of the loan already exists.
    pub fn insert_escalation(&mut self, e: &EscalationRow) -> Result<(bool, i64), StoreError> {
        let changed = self
            .conn()
            .prepare_cached(
                "INSERT INTO collection_escalation (loan_id, kind, channel, business_date, days_past_due,
                   decided_by, note, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING",
            )
            .refine()?
            .execute(params![
                e.loan_id,
                e.kind,
                e.channel,
                e.business_date,
                e.days_past_due,
                e.decided_by,
                e.note,
                now()
            ])
            .refine()?;
        Ok((changed == 1, self.conn().last_insert_rowid()))
    }

    /// Schedules a visit; `false` when the same (loan, reason, due date) exists.
    pub fn insert_visit(&mut self, v: &VisitRow) -> Result<bool, StoreError> {
        let changed = self
            .conn()
            .prepare_cached(
                "INSERT INTO collection_visit (loan_id, assignee_id, due_on, reason, use_of_funds_check, warnings)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
            )
            .refine()?
            .execute(params![
                v.loan_id,
                v.assignee_id,
                v.due_on,
                v.reason,
                i64::from(v.use_of_funds_check),
                v.warnings
            ])
            .refine()?;
        Ok(changed == 1)
    }

    /// Marks a scheduled visit done with its use-of-funds finding and notes.
    pub fn complete_visit(
        &mut self,
        id: i64,
        on: NaiveDate,
        by: i64,
        funds_finding: Option<&str>,
        notes: &str,
    ) -> Result<(), StoreError> {
        let changed = self
            .conn()
            .prepare_cached(
                "UPDATE collection_visit SET status = 'done', done_on = ?2, done_by = ?3, funds_finding = ?4,
                   notes = ?5 WHERE id = ?1 AND status = 'scheduled'",
            )
            .refine()?
            .execute(params![id, on, by, funds_finding, notes])
            .refine()?;
        if changed != 1 {
            return Err(StoreError::NotFound {
                table: "collection_visit",
                id,
            });
        }
        Ok(())
    }

    /// Records an early-warning signal; `false` when the same (loan, kind, day) exists.
    pub fn insert_warning(&mut self, w: &WarningRow) -> Result<bool, StoreError> {
        let changed = self
            .conn()
            .prepare_cached(
                "INSERT INTO collection_warning (loan_id, kind, business_date, note, recorded_by)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
            )
            .refine()?
            .execute(params![w.loan_id, w.kind, w.business_date, w.note, w.recorded_by])
            .refine()?;
        Ok(changed == 1)
    }

    /// Sets what the collector knows of a debtor.
    pub fn put_collection_debtor(&mut self, d: &DebtorRow) -> Result<(), StoreError> {
        self.conn()
            .prepare_cached(
                "INSERT INTO collection_debtor (client_id, income_monthly_minor, other_debt_monthly_minor,
                   assessed_segment, updated_by, updated_on) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (client_id) DO UPDATE SET income_monthly_minor = excluded.income_monthly_minor,
                   other_debt_monthly_minor = excluded.other_debt_monthly_minor,
                   assessed_segment = excluded.assessed_segment, updated_by = excluded.updated_by,
                   updated_on = excluded.updated_on",
            )
            .refine()?
            .execute(params![
                d.client_id,
                d.income_monthly_minor,
                d.other_debt_monthly_minor,
                d.assessed_segment,
                d.updated_by,
                d.updated_on
            ])
            .refine()?;
        Ok(())
    }
}
