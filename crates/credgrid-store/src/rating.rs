//! Ratings and credit lines in SQL (migration 009): scorecard configuration
//! versions, ratings with their factor contributions, village notices and
//! objections, revolving credit lines, their movements and the loans drawn
//! on them.

use crate::error::{Refine, StoreError};
use crate::store::{ReadTx, WriteTx};
use chrono::NaiveDate;
use rusqlite::{OptionalExtension, Row, params};

/// A version of the rating configuration (the latest is in force).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RatingConfigRow {
    /// Ignored by `insert_rating_config`.
    pub id: i64,
    pub currency: String,
    pub factors: String,
    pub grades: String,
    pub tiers: String,
    pub notice_days: u32,
    pub rerating_months: u32,
    pub on_file_change: bool,
    pub created_by: i64,
    pub created_on: NaiveDate,
}

/// A rating of one client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RatingRow {
    /// Ignored by `insert_rating`.
    pub id: i64,
    pub client_id: i64,
    pub household_id: Option<i64>,
    pub outlet_id: i64,
    pub village: String,
    pub config_id: i64,
    pub rated_on: NaiveDate,
    pub rated_by: i64,
    pub reason: String,
    pub grade: String,
    pub total_centipoints: u32,
    pub currency: String,
    pub line_minor: Option<i64>,
    pub notice_id: Option<i64>,
    /// `draft`, `in_notice`, `effective`, `withdrawn`, `superseded`.
    pub status: String,
    pub effective_on: Option<NaiveDate>,
}

/// What one factor contributed to a rating.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContributionRow {
    pub factor: &'static str,
    pub value: i64,
    pub bin_min: i64,
    pub bin_max: i64,
    pub points: u32,
    pub weight_percent: u32,
    pub weighted_centipoints: u32,
}

/// A stored contribution (the factor name owned).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredContributionRow {
    pub factor: String,
    pub value: i64,
    pub bin_min: i64,
    pub bin_max: i64,
    pub points: u32,
    pub weight_percent: u32,
    pub weighted_centipoints: u32,
}

/// A village notice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoticeRow {
    /// Ignored by `insert_notice`.
    pub id: i64,
    pub outlet_id: i64,
    pub village: String,
    pub published_on: NaiveDate,
    pub notice_days: u32,
    pub period_last: NaiveDate,
    pub published_by: i64,
    /// `open` or `settled`.
    pub status: String,
}

/// An objection to one rating on a notice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectionRow {
    /// Ignored by `insert_objection`.
    pub id: i64,
    pub notice_id: i64,
    pub rating_id: i64,
    pub raised_on: NaiveDate,
    pub raised_by: String,
    pub reason: String,
    pub recorded_by: i64,
    /// `kept`, `changed`, `withdrawn`; `None` while open.
    pub resolution: Option<String>,
    pub resolved_grade: Option<String>,
    pub resolved_line_minor: Option<i64>,
    pub resolved_by: Option<i64>,
    pub resolved_on: Option<NaiveDate>,
    pub resolution_reason: Option<String>,
}

/// A revolving credit line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreditLineRow {
    /// Ignored by `insert_credit_line`.
    pub id: i64,
    pub client_id: i64,
    pub outlet_id: i64,
    pub rating_id: Option<i64>,
    pub tier: String,
    pub currency: String,
    pub limit_minor: i64,
    pub opened_limit_minor: i64,
    pub drawn_minor: i64,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    /// `active`, `frozen`, `cancelled`.
    pub state: String,
    pub state_on: Option<NaiveDate>,
    pub state_reason: Option<String>,
    pub security: String,
    pub opened_by: i64,
}

/// One movement or change of a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineEventRow {
    /// Ignored by `insert_line_event`.
    pub id: i64,
    pub line_id: i64,
    pub on_date: NaiveDate,
    pub kind: String,
    pub amount_minor: Option<i64>,
    pub loan_id: Option<i64>,
    pub reason: Option<String>,
    pub user_id: i64,
    pub drawn_after_minor: i64,
}

/// A loan drawn on a line, with what it holds of the line and the loan's
/// state now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineDrawRow {
    pub loan_id: i64,
    pub line_id: i64,
    pub held_minor: i64,
    pub loan_status: String,
    pub principal_minor: i64,
    pub principal_outstanding_minor: i64,
}

const CONFIG_COLUMNS: &str = "id, currency, factors, grades, tiers, notice_days, rerating_months, \
     on_file_change, created_by, created_on";
const RATING_COLUMNS: &str = "id, client_id, household_id, outlet_id, village, config_id, rated_on, \
     rated_by, reason, grade, total_centipoints, currency, line_minor, notice_id, status, effective_on";
const NOTICE_COLUMNS: &str =
    "id, outlet_id, village, published_on, notice_days, period_last, published_by, status";
const OBJECTION_COLUMNS: &str = "id, notice_id, rating_id, raised_on, raised_by, reason, recorded_by, \
     resolution, resolved_grade, resolved_line_minor, resolved_by, resolved_on, resolution_reason";
const LINE_COLUMNS: &str = "id, client_id, outlet_id, rating_id, tier, currency, limit_minor, \
     opened_limit_minor, drawn_minor, valid_from, valid_until, state, state_on, state_reason, security, \
     opened_by";
const EVENT_COLUMNS: &str =
    "id, line_id, on_date, kind, amount_minor, loan_id, reason, user_id, drawn_after_minor";

fn config_row(r: &Row<'_>) -> rusqlite::Result<RatingConfigRow> {
    Ok(RatingConfigRow {
        id: r.get(0)?,
        currency: r.get(1)?,
        factors: r.get(2)?,
        grades: r.get(3)?,
        tiers: r.get(4)?,
        notice_days: r.get(5)?,
        rerating_months: r.get(6)?,
        on_file_change: r.get(7)?,
        created_by: r.get(8)?,
        created_on: r.get(9)?,
    })
}

fn rating_row(r: &Row<'_>) -> rusqlite::Result<RatingRow> {
    Ok(RatingRow {
        id: r.get(0)?,
        client_id: r.get(1)?,
        household_id: r.get(2)?,
        outlet_id: r.get(3)?,
        village: r.get(4)?,
        config_id: r.get(5)?,
        rated_on: r.get(6)?,
        rated_by: r.get(7)?,
        reason: r.get(8)?,
        grade: r.get(9)?,
        total_centipoints: r.get(10)?,
        currency: r.get(11)?,
        line_minor: r.get(12)?,
        notice_id: r.get(13)?,
        status: r.get(14)?,
        effective_on: r.get(15)?,
    })
}

fn notice_row(r: &Row<'_>) -> rusqlite::Result<NoticeRow> {
    Ok(NoticeRow {
        id: r.get(0)?,
        outlet_id: r.get(1)?,
        village: r.get(2)?,
        published_on: r.get(3)?,
        notice_days: r.get(4)?,
        period_last: r.get(5)?,
        published_by: r.get(6)?,
        status: r.get(7)?,
    })
}

fn objection_row(r: &Row<'_>) -> rusqlite::Result<ObjectionRow> {
    Ok(ObjectionRow {
        id: r.get(0)?,
        notice_id: r.get(1)?,
        rating_id: r.get(2)?,
        raised_on: r.get(3)?,
        raised_by: r.get(4)?,
        reason: r.get(5)?,
        recorded_by: r.get(6)?,
        resolution: r.get(7)?,
        resolved_grade: r.get(8)?,
        resolved_line_minor: r.get(9)?,
        resolved_by: r.get(10)?,
        resolved_on: r.get(11)?,
        resolution_reason: r.get(12)?,
    })
}

fn line_row(r: &Row<'_>) -> rusqlite::Result<CreditLineRow> {
    Ok(CreditLineRow {
        id: r.get(0)?,
        client_id: r.get(1)?,
        outlet_id: r.get(2)?,
        rating_id: r.get(3)?,
        tier: r.get(4)?,
        currency: r.get(5)?,
        limit_minor: r.get(6)?,
        opened_limit_minor: r.get(7)?,
        drawn_minor: r.get(8)?,
        valid_from: r.get(9)?,
        valid_until: r.get(10)?,
        state: r.get(11)?,
        state_on: r.get(12)?,
        state_reason: r.get(13)?,
        security: r.get(14)?,
        opened_by: r.get(15)?,
    })
}

fn event_row(r: &Row<'_>) -> rusqlite::Result<LineEventRow> {
    Ok(LineEventRow {
        id: r.get(0)?,
        line_id: r.get(1)?,
        on_date: r.get(2)?,
        kind: r.get(3)?,
        amount_minor: r.get(4)?,
        loan_id: r.get(5)?,
        reason: r.get(6)?,
        user_id: r.get(7)?,
        drawn_after_minor: r.get(8)?,
    })
}

impl ReadTx<'_> {
    fn query_rows<T, P: rusqlite::Params>(
        &self,
        sql: &str,
        params: P,
        map: fn(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, StoreError> {
        let mut stmt = self.conn.prepare_cached(sql).refine()?;
        let rows = stmt.query_map(params, map).refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    fn query_one<T, P: rusqlite::Params>(
        &self,
        sql: &str,
        params: P,
        map: fn(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Option<T>, StoreError> {
        self.conn
            .prepare_cached(sql)
            .refine()?
            .query_row(params, map)
            .optional()
            .refine()
    }

    /// The configuration in force (the latest version), if any was saved.
    pub fn rating_config_current(&self) -> Result<Option<RatingConfigRow>, StoreError> {
        let sql = format!("SELECT {CONFIG_COLUMNS} FROM rating_config ORDER BY id DESC LIMIT 1");
        self.query_one(&sql, [], config_row)
    }

    pub fn rating_config(&self, id: i64) -> Result<Option<RatingConfigRow>, StoreError> {
        let sql = format!("SELECT {CONFIG_COLUMNS} FROM rating_config WHERE id = ?1");
        self.query_one(&sql, [id], config_row)
    }

    pub fn rating(&self, id: i64) -> Result<Option<RatingRow>, StoreError> {
        let sql = format!("SELECT {RATING_COLUMNS} FROM rating WHERE id = ?1");
        self.query_one(&sql, [id], rating_row)
    }

    /// A client's ratings, newest first.
    pub fn ratings_of_client(&self, client_id: i64) -> Result<Vec<RatingRow>, StoreError> {
        let sql = format!("SELECT {RATING_COLUMNS} FROM rating WHERE client_id = ?1 ORDER BY id DESC");
        self.query_rows(&sql, [client_id], rating_row)
    }

    /// Ratings with an id above `after_id`, oldest first; `status` filters when given.
    pub fn ratings_page(
        &self,
        after_id: i64,
        limit: u32,
        status: Option<&str>,
    ) -> Result<Vec<RatingRow>, StoreError> {
        let sql = format!(
            "SELECT {RATING_COLUMNS} FROM rating WHERE id > ?1 AND (?3 IS NULL OR status = ?3)
             ORDER BY id LIMIT ?2"
        );
        self.query_rows(&sql, params![after_id, limit, status], rating_row)
    }

    /// Draft ratings of a village, waiting to be published.
    pub fn draft_ratings(&self, outlet_id: i64, village: &str) -> Result<Vec<RatingRow>, StoreError> {
        let sql = format!(
            "SELECT {RATING_COLUMNS} FROM rating WHERE outlet_id = ?1 AND village = ?2 AND status = 'draft'
             ORDER BY id"
        );
        self.query_rows(&sql, params![outlet_id, village], rating_row)
    }

    pub fn ratings_of_notice(&self, notice_id: i64) -> Result<Vec<RatingRow>, StoreError> {
        let sql = format!("SELECT {RATING_COLUMNS} FROM rating WHERE notice_id = ?1 ORDER BY id");
        self.query_rows(&sql, [notice_id], rating_row)
    }

    pub fn rating_contributions(&self, rating_id: i64) -> Result<Vec<StoredContributionRow>, StoreError> {
        self.query_rows(
            "SELECT factor, value, bin_min, bin_max, points, weight_percent, weighted_centipoints
             FROM rating_contribution WHERE rating_id = ?1 ORDER BY position",
            [rating_id],
            |r| {
                Ok(StoredContributionRow {
                    factor: r.get(0)?,
                    value: r.get(1)?,
                    bin_min: r.get(2)?,
                    bin_max: r.get(3)?,
                    points: r.get(4)?,
                    weight_percent: r.get(5)?,
                    weighted_centipoints: r.get(6)?,
                })
            },
        )
    }

    pub fn rating_notice(&self, id: i64) -> Result<Option<NoticeRow>, StoreError> {
        let sql = format!("SELECT {NOTICE_COLUMNS} FROM rating_notice WHERE id = ?1");
        self.query_one(&sql, [id], notice_row)
    }

    /// Notices newest first, with an id below `before_id` (0: from the newest).
    pub fn rating_notices(&self, before_id: i64, limit: u32) -> Result<Vec<NoticeRow>, StoreError> {
        let sql = format!(
            "SELECT {NOTICE_COLUMNS} FROM rating_notice WHERE (?1 = 0 OR id < ?1) ORDER BY id DESC LIMIT ?2"
        );
        self.query_rows(&sql, params![before_id, limit], notice_row)
    }

    /// Notices not yet settled.
    pub fn open_rating_notices(&self) -> Result<Vec<NoticeRow>, StoreError> {
        let sql = format!("SELECT {NOTICE_COLUMNS} FROM rating_notice WHERE status = 'open' ORDER BY id");
        self.query_rows(&sql, [], notice_row)
    }

    pub fn rating_objections(&self, notice_id: i64) -> Result<Vec<ObjectionRow>, StoreError> {
        let sql =
            format!("SELECT {OBJECTION_COLUMNS} FROM rating_objection WHERE notice_id = ?1 ORDER BY id");
        self.query_rows(&sql, [notice_id], objection_row)
    }

    pub fn rating_objection(&self, id: i64) -> Result<Option<ObjectionRow>, StoreError> {
        let sql = format!("SELECT {OBJECTION_COLUMNS} FROM rating_objection WHERE id = ?1");
        self.query_one(&sql, [id], objection_row)
    }

    pub fn credit_line(&self, id: i64) -> Result<Option<CreditLineRow>, StoreError> {
        let sql = format!("SELECT {LINE_COLUMNS} FROM credit_line WHERE id = ?1");
        self.query_one(&sql, [id], line_row)
    }

    pub fn credit_lines_of_client(&self, client_id: i64) -> Result<Vec<CreditLineRow>, StoreError> {
        let sql = format!("SELECT {LINE_COLUMNS} FROM credit_line WHERE client_id = ?1 ORDER BY id DESC");
        self.query_rows(&sql, [client_id], line_row)
    }

    /// Lines with an id above `after_id`, oldest first.
    pub fn credit_lines_page(&self, after_id: i64, limit: u32) -> Result<Vec<CreditLineRow>, StoreError> {
        let sql = format!("SELECT {LINE_COLUMNS} FROM credit_line WHERE id > ?1 ORDER BY id LIMIT ?2");
        self.query_rows(&sql, params![after_id, limit], line_row)
    }

    pub fn line_events(&self, line_id: i64) -> Result<Vec<LineEventRow>, StoreError> {
        let sql = format!("SELECT {EVENT_COLUMNS} FROM credit_line_event WHERE line_id = ?1 ORDER BY id");
        self.query_rows(&sql, [line_id], event_row)
    }

    /// The loans drawn on `line_id` with the state of each loan now.
    pub fn line_draws(&self, line_id: i64) -> Result<Vec<LineDrawRow>, StoreError> {
        self.query_rows(
            "SELECT d.loan_id, d.line_id, d.held_minor, l.status, l.principal_minor,
                    l.principal_outstanding_minor
             FROM credit_line_draw d JOIN loan l ON l.id = d.loan_id
             WHERE d.line_id = ?1 ORDER BY d.loan_id",
            [line_id],
            |r| {
                Ok(LineDrawRow {
                    loan_id: r.get(0)?,
                    line_id: r.get(1)?,
                    held_minor: r.get(2)?,
                    loan_status: r.get(3)?,
                    principal_minor: r.get(4)?,
                    principal_outstanding_minor: r.get(5)?,
                })
            },
        )
    }

    /// The line a loan was drawn on, if any.
    pub fn line_of_loan(&self, loan_id: i64) -> Result<Option<i64>, StoreError> {
        self.query_one(
            "SELECT line_id FROM credit_line_draw WHERE loan_id = ?1",
            [loan_id],
            |r| r.get(0),
        )
    }

    /// Lines whose draws no longer match their loans (a disbursement, a
    /// principal repayment, a rejection since the last reconciliation).
    pub fn lines_out_of_step(&self) -> Result<Vec<i64>, StoreError> {
        self.query_rows(
            "SELECT DISTINCT d.line_id FROM credit_line_draw d JOIN loan l ON l.id = d.loan_id
             WHERE d.held_minor <> CASE
                 WHEN l.status IN ('application', 'approved') THEN l.principal_minor
                 WHEN l.status = 'disbursed' THEN l.principal_outstanding_minor
                 WHEN l.status = 'written_off' THEN d.held_minor
                 ELSE 0 END
             ORDER BY d.line_id",
            [],
            |r| r.get(0),
        )
    }

    /// The latest rating of each client and its status, for coverage: `(client_id, status)`.
    pub fn rated_clients(&self) -> Result<Vec<(i64, String)>, StoreError> {
        self.query_rows(
            "SELECT client_id, status FROM rating r
             WHERE id = (SELECT MAX(id) FROM rating WHERE client_id = r.client_id) ORDER BY client_id",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    }
}

impl WriteTx<'_> {
    pub fn insert_rating_config(&mut self, c: &RatingConfigRow) -> Result<i64, StoreError> {
        self.conn()
            .prepare_cached(
                "INSERT INTO rating_config (currency, factors, grades, tiers, notice_days, rerating_months,
                     on_file_change, created_by, created_on) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .refine()?
            .execute(params![
                c.currency,
                c.factors,
                c.grades,
                c.tiers,
                c.notice_days,
                c.rerating_months,
                c.on_file_change,
                c.created_by,
                c.created_on
            ])
            .refine()?;
        Ok(self.conn().last_insert_rowid())
    }

    /// Inserts a rating and its contributions; returns its id.
    pub fn insert_rating(
        &mut self,
        r: &RatingRow,
        contributions: &[ContributionRow],
    ) -> Result<i64, StoreError> {
        self.conn()
            .prepare_cached(
                "INSERT INTO rating (client_id, household_id, outlet_id, village, config_id, rated_on, rated_by,
                     reason, grade, total_centipoints, currency, line_minor, notice_id, status, effective_on)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            )
            .refine()?
            .execute(params![
                r.client_id,
                r.household_id,
                r.outlet_id,
                r.village,
                r.config_id,
                r.rated_on,
                r.rated_by,
                r.reason,
                r.grade,
                r.total_centipoints,
                r.currency,
                r.line_minor,
                r.notice_id,
                r.status,
                r.effective_on
            ])
            .refine()?;
        let id = self.conn().last_insert_rowid();
        let mut stmt = self
            .conn()
            .prepare_cached(
                "INSERT INTO rating_contribution (rating_id, position, factor, value, bin_min, bin_max, points,
                     weight_percent, weighted_centipoints) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .refine()?;
        for (position, c) in contributions.iter().enumerate() {
            stmt.execute(params![
                id,
                position as i64,
                c.factor,
                c.value,
                c.bin_min,
                c.bin_max,
                c.points,
                c.weight_percent,
                c.weighted_centipoints
            ])
            .refine()?;
        }
        Ok(id)
    }

    /// Sets a rating's status, notice, grade, line and effective date.
    pub fn update_rating(&mut self, r: &RatingRow) -> Result<(), StoreError> {
        self.conn()
            .prepare_cached(
                "UPDATE rating SET status = ?2, notice_id = ?3, grade = ?4, line_minor = ?5, effective_on = ?6
                 WHERE id = ?1",
            )
            .refine()?
            .execute(params![r.id, r.status, r.notice_id, r.grade, r.line_minor, r.effective_on])
            .refine()?;
        Ok(())
    }

    /// Marks a client's effective and draft ratings older than `rating_id` superseded.
    pub fn supersede_ratings(&mut self, client_id: i64, rating_id: i64) -> Result<usize, StoreError> {
        self.conn()
            .prepare_cached(
                "UPDATE rating SET status = 'superseded'
                 WHERE client_id = ?1 AND id < ?2 AND status IN ('effective', 'draft')",
            )
            .refine()?
            .execute(params![client_id, rating_id])
            .refine()
    }

    /// Marks a client's draft ratings older than `rating_id` superseded (a new draft replaces them).
    pub fn supersede_drafts(&mut self, client_id: i64, rating_id: i64) -> Result<usize, StoreError> {
        self.conn()
            .prepare_cached(
                "UPDATE rating SET status = 'superseded' WHERE client_id = ?1 AND id < ?2 AND status = 'draft'",
            )
            .refine()?
            .execute(params![client_id, rating_id])
            .refine()
    }

    pub fn insert_notice(&mut self, n: &NoticeRow) -> Result<i64, StoreError> {
        self.conn()
            .prepare_cached(
                "INSERT INTO rating_notice (outlet_id, village, published_on, notice_days, period_last,
                     published_by, status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .refine()?
            .execute(params![
                n.outlet_id,
                n.village,
                n.published_on,
                n.notice_days,
                n.period_last,
                n.published_by,
                n.status
            ])
            .refine()?;
        Ok(self.conn().last_insert_rowid())
    }

    pub fn set_notice_status(&mut self, id: i64, status: &str) -> Result<(), StoreError> {
        self.conn()
            .prepare_cached("UPDATE rating_notice SET status = ?2 WHERE id = ?1")
            .refine()?
            .execute(params![id, status])
            .refine()?;
        Ok(())
    }

    pub fn insert_objection(&mut self, o: &ObjectionRow) -> Result<i64, StoreError> {
        self.conn()
            .prepare_cached(
                "INSERT INTO rating_objection (notice_id, rating_id, raised_on, raised_by, reason, recorded_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .refine()?
            .execute(params![o.notice_id, o.rating_id, o.raised_on, o.raised_by, o.reason, o.recorded_by])
            .refine()?;
        Ok(self.conn().last_insert_rowid())
    }

    /// Records the settlement of an objection.
    pub fn resolve_objection(&mut self, o: &ObjectionRow) -> Result<(), StoreError> {
        self.conn()
            .prepare_cached(
                "UPDATE rating_objection SET resolution = ?2, resolved_grade = ?3, resolved_line_minor = ?4,
                     resolved_by = ?5, resolved_on = ?6, resolution_reason = ?7
                 WHERE id = ?1 AND resolution IS NULL",
            )
            .refine()?
            .execute(params![
                o.id,
                o.resolution,
                o.resolved_grade,
                o.resolved_line_minor,
                o.resolved_by,
                o.resolved_on,
                o.resolution_reason
            ])
            .refine()?;
        Ok(())
    }

    pub fn insert_credit_line(&mut self, l: &CreditLineRow) -> Result<i64, StoreError> {
        self.conn()
            .prepare_cached(
                "INSERT INTO credit_line (client_id, outlet_id, rating_id, tier, currency, limit_minor,
                     opened_limit_minor, drawn_minor, valid_from, valid_until, state, state_on, state_reason,
                     security, opened_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            )
            .refine()?
            .execute(params![
                l.client_id,
                l.outlet_id,
                l.rating_id,
                l.tier,
                l.currency,
                l.limit_minor,
                l.opened_limit_minor,
                l.drawn_minor,
                l.valid_from,
                l.valid_until,
                l.state,
                l.state_on,
                l.state_reason,
                l.security,
                l.opened_by
            ])
            .refine()?;
        Ok(self.conn().last_insert_rowid())
    }

    /// Saves a line's limit, drawn amount and state.
    pub fn update_credit_line(&mut self, l: &CreditLineRow) -> Result<(), StoreError> {
        self.conn()
            .prepare_cached(
                "UPDATE credit_line SET limit_minor = ?2, drawn_minor = ?3, state = ?4, state_on = ?5,
                     state_reason = ?6 WHERE id = ?1",
            )
            .refine()?
            .execute(params![
                l.id,
                l.limit_minor,
                l.drawn_minor,
                l.state,
                l.state_on,
                l.state_reason
            ])
            .refine()?;
        Ok(())
    }

    pub fn insert_line_event(&mut self, e: &LineEventRow) -> Result<i64, StoreError> {
        self.conn()
            .prepare_cached(
                "INSERT INTO credit_line_event (line_id, on_date, kind, amount_minor, loan_id, reason, user_id,
                     drawn_after_minor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .refine()?
            .execute(params![
                e.line_id,
                e.on_date,
                e.kind,
                e.amount_minor,
                e.loan_id,
                e.reason,
                e.user_id,
                e.drawn_after_minor
            ])
            .refine()?;
        Ok(self.conn().last_insert_rowid())
    }

    /// Sets what `loan_id` holds of `line_id` (inserting the link on the first draw).
    pub fn set_line_draw(&mut self, loan_id: i64, line_id: i64, held_minor: i64) -> Result<(), StoreError> {
        self.conn()
            .prepare_cached(
                "INSERT INTO credit_line_draw (loan_id, line_id, held_minor) VALUES (?1, ?2, ?3)
                 ON CONFLICT(loan_id) DO UPDATE SET held_minor = excluded.held_minor",
            )
            .refine()?
            .execute(params![loan_id, line_id, held_minor])
            .refine()?;
        Ok(())
    }
}
