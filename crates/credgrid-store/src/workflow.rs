//! The origination workflow in SQL: each application's tier and process
//! state, its append-only acts (committee votes included), the collateral
//! and guarantees offered, and the sums the exposure check needs.

use crate::error::{Refine, StoreError};
use crate::store::{ReadTx, WriteTx};
use chrono::NaiveDate;
use rusqlite::{OptionalExtension, Row, params};

/// One application's placement and where its process stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkflowRow {
    pub loan_id: i64,
    /// `low`, `medium`, `high`.
    pub tier: String,
    /// The deciding tier rule, or `forced`.
    pub tier_rule: String,
    pub fast_track: bool,
    pub line_available_minor: Option<i64>,
    pub committee_size: u32,
    /// `in_progress`, `rejected`, `finished`.
    pub status: String,
    pub current_step: Option<String>,
    pub placed_by: i64,
    pub placed_on: NaiveDate,
}

/// One act on a step, or the closing of a committee vote (`decision` NULL).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkflowActRow {
    /// Ignored by `insert_workflow_act`.
    pub id: i64,
    pub loan_id: i64,
    pub seq: u32,
    pub step: String,
    pub user_id: i64,
    /// The actor's roles when acting (comma-separated).
    pub roles: String,
    pub node_id: i64,
    pub capacity: Option<String>,
    pub decision: Option<String>,
    pub send_back_to: Option<String>,
    /// One reason per line.
    pub reasons: String,
    /// Document codes, comma-separated.
    pub documents: String,
    pub outcome: String,
    pub exposure_minor: Option<i64>,
    pub counted_minor: Option<i64>,
    pub coverage_ratio: Option<String>,
    pub tally: Option<String>,
    /// RFC 3339 UTC.
    pub at: String,
    pub business_date: NaiveDate,
}

/// One piece of collateral or one guarantee of an application.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CollateralRow {
    /// Ignored by `insert_collateral`.
    pub id: i64,
    pub loan_id: i64,
    pub kind: String,
    pub currency: String,
    pub value_minor: i64,
    /// Decimal text in [0, 1] replacing the kind's haircut.
    pub haircut: Option<String>,
    pub guarantor_client_id: Option<i64>,
    pub description: String,
    pub recorded_by: i64,
    pub recorded_on: NaiveDate,
}

/// An application waiting for an act, with what the inbox shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WaitingRow {
    pub workflow: WorkflowRow,
    pub outlet_id: i64,
    pub client_id: i64,
    pub client_name: String,
    pub loan_status: String,
    pub principal_minor: i64,
    pub currency: String,
}

const WORKFLOW_COLUMNS: &str = "w.loan_id, w.tier, w.tier_rule, w.fast_track, w.line_available_minor,
    w.committee_size, w.status, w.current_step, w.placed_by, w.placed_on";

fn workflow(r: &Row<'_>) -> rusqlite::Result<WorkflowRow> {
    Ok(WorkflowRow {
        loan_id: r.get(0)?,
        tier: r.get(1)?,
        tier_rule: r.get(2)?,
        fast_track: r.get(3)?,
        line_available_minor: r.get(4)?,
        committee_size: r.get(5)?,
        status: r.get(6)?,
        current_step: r.get(7)?,
        placed_by: r.get(8)?,
        placed_on: r.get(9)?,
    })
}

const ACT_COLUMNS: &str = "id, loan_id, seq, step, user_id, roles, node_id, capacity, decision,
    send_back_to, reasons, documents, outcome, exposure_minor, counted_minor, coverage_ratio, tally,
    at, business_date";

fn act(r: &Row<'_>) -> rusqlite::Result<WorkflowActRow> {
    Ok(WorkflowActRow {
        id: r.get(0)?,
        loan_id: r.get(1)?,
        seq: r.get(2)?,
        step: r.get(3)?,
        user_id: r.get(4)?,
        roles: r.get(5)?,
        node_id: r.get(6)?,
        capacity: r.get(7)?,
        decision: r.get(8)?,
        send_back_to: r.get(9)?,
        reasons: r.get(10)?,
        documents: r.get(11)?,
        outcome: r.get(12)?,
        exposure_minor: r.get(13)?,
        counted_minor: r.get(14)?,
        coverage_ratio: r.get(15)?,
        tally: r.get(16)?,
        at: r.get(17)?,
        business_date: r.get(18)?,
    })
}

const COLLATERAL_COLUMNS: &str = "id, loan_id, kind, currency, value_minor, haircut, guarantor_client_id,
    description, recorded_by, recorded_on";

fn collateral(r: &Row<'_>) -> rusqlite::Result<CollateralRow> {
    Ok(CollateralRow {
        id: r.get(0)?,
        loan_id: r.get(1)?,
        kind: r.get(2)?,
        currency: r.get(3)?,
        value_minor: r.get(4)?,
        haircut: r.get(5)?,
        guarantor_client_id: r.get(6)?,
        description: r.get(7)?,
        recorded_by: r.get(8)?,
        recorded_on: r.get(9)?,
    })
}

impl ReadTx<'_> {
    /// The workflow of application `loan_id`, if it was placed in a tier.
    pub fn workflow(&self, loan_id: i64) -> Result<Option<WorkflowRow>, StoreError> {
        let sql = format!("SELECT {WORKFLOW_COLUMNS} FROM application_workflow w WHERE w.loan_id = ?1");
        self.conn
            .prepare_cached(&sql)
            .refine()?
            .query_row([loan_id], workflow)
            .optional()
            .refine()
    }

    /// Every act of application `loan_id`, in order.
    pub fn workflow_acts(&self, loan_id: i64) -> Result<Vec<WorkflowActRow>, StoreError> {
        let sql = format!("SELECT {ACT_COLUMNS} FROM workflow_act WHERE loan_id = ?1 ORDER BY seq");
        let mut stmt = self.conn.prepare_cached(&sql).refine()?;
        let rows = stmt.query_map([loan_id], act).refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// Applications in progress whose loan is still live, by loan id after
    /// `after_loan_id`, booked at one of `outlets`.
    pub fn waiting_workflows(
        &self,
        after_loan_id: i64,
        limit: u32,
        outlets: &[i64],
    ) -> Result<Vec<WaitingRow>, StoreError> {
        if outlets.is_empty() {
            return Ok(Vec::new());
        }
        let list = outlets
            .iter()
            .map(|o| o.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let sql = format!(
            "SELECT {WORKFLOW_COLUMNS}, l.outlet_id, l.client_id, c.name, l.status, l.principal_minor, l.currency
               FROM application_workflow w JOIN loan l ON l.id = w.loan_id JOIN client c ON c.id = l.client_id
              WHERE w.status = 'in_progress' AND w.loan_id > ?1
                AND l.status IN ('application', 'approved', 'disbursed') AND l.outlet_id IN ({list})
              ORDER BY w.loan_id LIMIT ?2"
        );
        let mut stmt = self.conn.prepare(&sql).refine()?;
        let rows = stmt
            .query_map(params![after_loan_id, limit], |r| {
                Ok(WaitingRow {
                    workflow: workflow(r)?,
                    outlet_id: r.get(10)?,
                    client_id: r.get(11)?,
                    client_name: r.get(12)?,
                    loan_status: r.get(13)?,
                    principal_minor: r.get(14)?,
                    currency: r.get(15)?,
                })
            })
            .refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// The collateral and guarantees of application `loan_id`.
    pub fn loan_collateral(&self, loan_id: i64) -> Result<Vec<CollateralRow>, StoreError> {
        let sql = format!("SELECT {COLLATERAL_COLUMNS} FROM collateral WHERE loan_id = ?1 ORDER BY id");
        let mut stmt = self.conn.prepare_cached(&sql).refine()?;
        let rows = stmt.query_map([loan_id], collateral).refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// What `client_id` owes on its other loans in `currency`: the principal
    /// outstanding of disbursed loans plus the principal of approved ones.
    pub fn client_loans_outstanding(
        &self,
        client_id: i64,
        currency: &str,
        except_loan_id: i64,
    ) -> Result<i64, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT COALESCE(SUM(CASE status WHEN 'disbursed' THEN principal_outstanding_minor
                                                 ELSE principal_minor END), 0)
                   FROM loan WHERE client_id = ?1 AND currency = ?2 AND id <> ?3
                    AND status IN ('approved', 'disbursed')",
            )
            .refine()?
            .query_row(params![client_id, currency, except_loan_id], |r| r.get(0))
            .refine()
    }

    /// Guarantees `client_id` has given in `currency` for other clients'
    /// approved or disbursed loans.
    pub fn client_guarantees_given(&self, client_id: i64, currency: &str) -> Result<i64, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT COALESCE(SUM(c.value_minor), 0) FROM collateral c JOIN loan l ON l.id = c.loan_id
                  WHERE c.guarantor_client_id = ?1 AND c.currency = ?2 AND l.client_id <> ?1
                    AND l.status IN ('approved', 'disbursed')",
            )
            .refine()?
            .query_row(params![client_id, currency], |r| r.get(0))
            .refine()
    }

    /// Staff users holding `role` whose node is one of `nodes`.
    pub fn users_with_role_at(&self, role: &str, nodes: &[i64]) -> Result<u32, StoreError> {
        if nodes.is_empty() {
            return Ok(0);
        }
        let list = nodes.iter().map(|o| o.to_string()).collect::<Vec<_>>().join(",");
        let sql = format!(
            "SELECT COUNT(*) FROM app_user WHERE node_id IN ({list})
               AND (',' || replace(roles, ' ', '') || ',') LIKE '%,' || ?1 || ',%'"
        );
        self.conn
            .prepare(&sql)
            .refine()?
            .query_row([role], |r| r.get(0))
            .refine()
    }

    /// The staff users recorded as relatives of `client_id`, with the
    /// relation (`self` when the staff member is the client).
    pub fn staff_related_to(&self, client_id: i64) -> Result<Vec<(i64, String)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT user_id, relation FROM staff_relative WHERE client_id = ?1 ORDER BY user_id",
            )
            .refine()?;
        let rows = stmt
            .query_map([client_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .refine()?;
        rows.collect::<Result<_, _>>().refine()
    }
}

impl WriteTx<'_> {
    /// Places an application (or places it again while nobody has acted).
    pub fn put_workflow(&mut self, w: &WorkflowRow) -> Result<(), StoreError> {
        self.conn()
            .prepare_cached(
                "INSERT INTO application_workflow (loan_id, tier, tier_rule, fast_track, line_available_minor,
                   committee_size, status, current_step, placed_by, placed_on)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT(loan_id) DO UPDATE SET tier = excluded.tier, tier_rule = excluded.tier_rule,
                   fast_track = excluded.fast_track, line_available_minor = excluded.line_available_minor,
                   committee_size = excluded.committee_size, status = excluded.status,
                   current_step = excluded.current_step, placed_by = excluded.placed_by,
                   placed_on = excluded.placed_on",
            )
            .refine()?
            .execute(params![
                w.loan_id,
                w.tier,
                w.tier_rule,
                w.fast_track,
                w.line_available_minor,
                w.committee_size,
                w.status,
                w.current_step,
                w.placed_by,
                w.placed_on
            ])
            .refine()?;
        Ok(())
    }

    /// Records where the process stands after an act.
    pub fn set_workflow_state(
        &mut self,
        loan_id: i64,
        status: &str,
        current_step: Option<&str>,
    ) -> Result<(), StoreError> {
        let changed = self
            .conn()
            .prepare_cached(
                "UPDATE application_workflow SET status = ?2, current_step = ?3 WHERE loan_id = ?1",
            )
            .refine()?
            .execute(params![loan_id, status, current_step])
            .refine()?;
        if changed == 0 {
            return Err(StoreError::NotFound {
                table: "application_workflow",
                id: loan_id,
            });
        }
        Ok(())
    }

    /// Appends an act. Returns its id.
    pub fn insert_workflow_act(&mut self, a: &WorkflowActRow) -> Result<i64, StoreError> {
        let sql = format!(
            "INSERT INTO workflow_act ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,
               ?14, ?15, ?16, ?17, ?18)",
            ACT_COLUMNS.trim_start_matches("id, ")
        );
        self.conn()
            .prepare_cached(&sql)
            .refine()?
            .execute(params![
                a.loan_id,
                a.seq,
                a.step,
                a.user_id,
                a.roles,
                a.node_id,
                a.capacity,
                a.decision,
                a.send_back_to,
                a.reasons,
                a.documents,
                a.outcome,
                a.exposure_minor,
                a.counted_minor,
                a.coverage_ratio,
                a.tally,
                a.at,
                a.business_date
            ])
            .refine()?;
        Ok(self.conn().last_insert_rowid())
    }

    /// Records a piece of collateral or a guarantee. Returns its id.
    pub fn insert_collateral(&mut self, c: &CollateralRow) -> Result<i64, StoreError> {
        let sql = format!(
            "INSERT INTO collateral ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            COLLATERAL_COLUMNS.trim_start_matches("id, ")
        );
        self.conn()
            .prepare_cached(&sql)
            .refine()?
            .execute(params![
                c.loan_id,
                c.kind,
                c.currency,
                c.value_minor,
                c.haircut,
                c.guarantor_client_id,
                c.description,
                c.recorded_by,
                c.recorded_on
            ])
            .refine()?;
        Ok(self.conn().last_insert_rowid())
    }
}
