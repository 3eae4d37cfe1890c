//! Grid cells and their workers over time, households with their information
//! files and cell membership over time, grid events, part-time workers'
//! activities and coverage snapshots (R-GRID-1..4).
//!
//! History is kept as spans `[from_on, until_on)`: closing a span on the day
//! it opened removes it (a later change on the same date wins, as in the
//! core's `GridHistory`).

use crate::error::{Refine, StoreError};
use crate::store::{ReadTx, WriteTx};
use chrono::NaiveDate;
use rusqlite::{OptionalExtension, Row, params};

/// A grid cell as stored (its current state).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CellRow {
    pub id: i64,
    pub outlet_id: i64,
    /// The core's `CellKind::name()`.
    pub kind: String,
    pub name: String,
    pub full_time_worker_id: i64,
    pub opened_on: NaiveDate,
    pub closed_on: Option<NaiveDate>,
}

/// One worker's time on a cell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CellWorkerSpanRow {
    pub cell_id: i64,
    pub user_id: i64,
    /// `full_time` or `part_time`.
    pub role: String,
    pub from_on: NaiveDate,
    pub until_on: Option<NaiveDate>,
}

/// A household of the grid (current state and file status).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GridHouseholdRow {
    pub id: i64,
    pub outlet_id: i64,
    pub cell_id: Option<i64>,
    pub client_id: Option<i64>,
    pub head_name: String,
    pub identity_number: Option<String>,
    /// Household size as declared (members named in the file may be fewer).
    pub member_count: u32,
    pub digital: bool,
    pub land_collected: bool,
    pub livestock_collected: bool,
    pub assets_collected: bool,
    pub debts_collected: bool,
    pub needs_collected: bool,
    pub file_percent: u32,
    pub file_complete: bool,
    pub file_updated_on: Option<NaiveDate>,
    pub created_on: NaiveDate,
}

/// A household to insert; `id` is taken from an import when given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewGridHouseholdRow {
    pub id: Option<i64>,
    pub outlet_id: i64,
    pub cell_id: i64,
    pub client_id: Option<i64>,
    pub head_name: String,
    pub identity_number: Option<String>,
    pub member_count: u32,
    pub created_on: NaiveDate,
}

/// Which cell a household lay in when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MembershipSpanRow {
    pub household_id: i64,
    pub cell_id: i64,
    pub from_on: NaiveDate,
    pub until_on: Option<NaiveDate>,
}

/// A recorded change to the grid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GridEventRow {
    pub id: i64,
    pub outlet_id: i64,
    pub cell_id: i64,
    pub other_cell_id: Option<i64>,
    pub household_id: Option<i64>,
    pub user_id: Option<i64>,
    pub kind: String,
    pub households: u32,
    pub effective_on: NaiveDate,
    pub recorded_by: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberRow {
    pub name: String,
    pub relation: String,
    pub birth_year: Option<i32>,
    pub works: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LandRow {
    pub kind: String,
    pub area_centimu: u32,
    pub contracted: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LivestockRow {
    pub kind: String,
    pub head_count: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IncomeRow {
    pub kind: String,
    pub currency: String,
    pub annual_minor: i64,
    pub years: u32,
}

/// An asset or a debt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HoldingRow {
    pub description: String,
    pub currency: String,
    pub amount_minor: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VisitNoteRow {
    pub id: i64,
    pub household_id: i64,
    pub visited_on: NaiveDate,
    pub user_id: i64,
    pub note: String,
}

/// A part-time grid worker's activity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivityRow {
    pub id: i64,
    pub worker_id: i64,
    pub cell_id: i64,
    pub household_id: Option<i64>,
    pub done_on: NaiveDate,
    pub duty: String,
    pub kind: String,
    pub note: String,
    pub recorded_by: i64,
}

/// The facts coverage is counted from, one per household in a cell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoverageFactRow {
    pub household_id: i64,
    pub cell_id: i64,
    pub outlet_id: i64,
    pub branch_id: i64,
    pub client_id: Option<i64>,
    pub file_complete: bool,
    pub digital: bool,
}

/// Coverage figures of one unit on one date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoverageRow {
    pub taken_on: NaiveDate,
    /// `cell`, `outlet` or `branch`.
    pub level: String,
    pub unit_id: i64,
    pub households: i64,
    pub files_complete: i64,
    pub rated: i64,
    pub with_line: i64,
    pub lines_in_use: i64,
    pub digital_reached: i64,
}

/// One loan of a client, as the household file shows its repayment history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepaymentHistoryRow {
    pub loan_id: i64,
    pub status: String,
    pub currency: String,
    pub principal_minor: i64,
    pub disbursed_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    pub days_past_due: u32,
    pub written_off_minor: i64,
}

const CELL_COLUMNS: &str = "id, outlet_id, kind, name, full_time_worker_id, opened_on, closed_on";
const HOUSEHOLD_COLUMNS: &str = "id, outlet_id, cell_id, client_id, head_name, identity_number, member_count, \
     digital, land_collected, livestock_collected, assets_collected, debts_collected, needs_collected, \
     file_percent, file_complete, file_updated_on, created_on";

fn cell(row: &Row<'_>) -> rusqlite::Result<CellRow> {
    Ok(CellRow {
        id: row.get(0)?,
        outlet_id: row.get(1)?,
        kind: row.get(2)?,
        name: row.get(3)?,
        full_time_worker_id: row.get(4)?,
        opened_on: row.get(5)?,
        closed_on: row.get(6)?,
    })
}

fn household(row: &Row<'_>) -> rusqlite::Result<GridHouseholdRow> {
    Ok(GridHouseholdRow {
        id: row.get(0)?,
        outlet_id: row.get(1)?,
        cell_id: row.get(2)?,
        client_id: row.get(3)?,
        head_name: row.get(4)?,
        identity_number: row.get(5)?,
        member_count: row.get(6)?,
        digital: row.get(7)?,
        land_collected: row.get(8)?,
        livestock_collected: row.get(9)?,
        assets_collected: row.get(10)?,
        debts_collected: row.get(11)?,
        needs_collected: row.get(12)?,
        file_percent: row.get(13)?,
        file_complete: row.get(14)?,
        file_updated_on: row.get(15)?,
        created_on: row.get(16)?,
    })
}

fn worker_span(row: &Row<'_>) -> rusqlite::Result<CellWorkerSpanRow> {
    Ok(CellWorkerSpanRow {
        cell_id: row.get(0)?,
        user_id: row.get(1)?,
        role: row.get(2)?,
        from_on: row.get(3)?,
        until_on: row.get(4)?,
    })
}

fn membership(row: &Row<'_>) -> rusqlite::Result<MembershipSpanRow> {
    Ok(MembershipSpanRow {
        household_id: row.get(0)?,
        cell_id: row.get(1)?,
        from_on: row.get(2)?,
        until_on: row.get(3)?,
    })
}

fn event(row: &Row<'_>) -> rusqlite::Result<GridEventRow> {
    Ok(GridEventRow {
        id: row.get(0)?,
        outlet_id: row.get(1)?,
        cell_id: row.get(2)?,
        other_cell_id: row.get(3)?,
        household_id: row.get(4)?,
        user_id: row.get(5)?,
        kind: row.get(6)?,
        households: row.get(7)?,
        effective_on: row.get(8)?,
        recorded_by: row.get(9)?,
    })
}

fn activity(row: &Row<'_>) -> rusqlite::Result<ActivityRow> {
    Ok(ActivityRow {
        id: row.get(0)?,
        worker_id: row.get(1)?,
        cell_id: row.get(2)?,
        household_id: row.get(3)?,
        done_on: row.get(4)?,
        duty: row.get(5)?,
        kind: row.get(6)?,
        note: row.get(7)?,
        recorded_by: row.get(8)?,
    })
}

fn coverage(row: &Row<'_>) -> rusqlite::Result<CoverageRow> {
    Ok(CoverageRow {
        taken_on: row.get(0)?,
        level: row.get(1)?,
        unit_id: row.get(2)?,
        households: row.get(3)?,
        files_complete: row.get(4)?,
        rated: row.get(5)?,
        with_line: row.get(6)?,
        lines_in_use: row.get(7)?,
        digital_reached: row.get(8)?,
    })
}

impl ReadTx<'_> {
    fn collect<T, P: rusqlite::Params>(
        &self,
        sql: &str,
        params: P,
        map: fn(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, StoreError> {
        let mut stmt = self.conn.prepare_cached(sql).refine()?;
        let rows = stmt.query_map(params, map).refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    pub fn grid_cell(&self, id: i64) -> Result<CellRow, StoreError> {
        let sql = format!("SELECT {CELL_COLUMNS} FROM grid_cell WHERE id = ?1");
        let found = self
            .conn
            .prepare_cached(&sql)
            .refine()?
            .query_row([id], cell)
            .optional()
            .refine()?;
        found.ok_or(StoreError::NotFound {
            table: "grid_cell",
            id,
        })
    }

    /// Cells with an id greater than `after_id` (open ones only unless
    /// `closed_too`), at the listed outlets or at all when `outlets` is `None`.
    pub fn grid_cells(
        &self,
        outlets: Option<&[i64]>,
        closed_too: bool,
        after_id: i64,
        limit: u32,
    ) -> Result<Vec<CellRow>, StoreError> {
        let list = outlets.map(|o| o.iter().map(i64::to_string).collect::<Vec<_>>().join(","));
        let sql = format!(
            "SELECT {CELL_COLUMNS} FROM grid_cell WHERE id > ?1 AND (?2 OR closed_on IS NULL)
               AND (?3 IS NULL OR outlet_id IN (SELECT value FROM json_each('[' || ?3 || ']')))
             ORDER BY id LIMIT ?4"
        );
        self.collect(&sql, params![after_id, closed_too, list, limit], cell)
    }

    /// The ids of every cell ever opened.
    pub fn grid_cell_ids(&self) -> Result<Vec<i64>, StoreError> {
        self.collect("SELECT id FROM grid_cell ORDER BY id", [], |r| r.get(0))
    }

    /// Every worker span of a cell, oldest first.
    pub fn grid_cell_worker_spans(&self, cell_id: i64) -> Result<Vec<CellWorkerSpanRow>, StoreError> {
        self.collect(
            "SELECT cell_id, user_id, role, from_on, until_on FROM grid_cell_worker
             WHERE cell_id = ?1 ORDER BY from_on, id",
            [cell_id],
            worker_span,
        )
    }

    /// The workers of a cell on `date`: `(full-time, part-time)`.
    pub fn grid_cell_workers_on(
        &self,
        cell_id: i64,
        date: NaiveDate,
    ) -> Result<(Option<i64>, Vec<i64>), StoreError> {
        let spans = self.collect(
            "SELECT cell_id, user_id, role, from_on, until_on FROM grid_cell_worker
             WHERE cell_id = ?1 AND from_on <= ?2 AND (until_on IS NULL OR until_on > ?2)
             ORDER BY user_id",
            params![cell_id, date],
            worker_span,
        )?;
        let full_time = spans.iter().find(|s| s.role == "full_time").map(|s| s.user_id);
        let part_time = spans
            .iter()
            .filter(|s| s.role == "part_time")
            .map(|s| s.user_id)
            .collect();
        Ok((full_time, part_time))
    }

    /// The spans worked by `user_id` on any cell, oldest first.
    pub fn grid_spans_of_worker(&self, user_id: i64) -> Result<Vec<CellWorkerSpanRow>, StoreError> {
        self.collect(
            "SELECT cell_id, user_id, role, from_on, until_on FROM grid_cell_worker
             WHERE user_id = ?1 ORDER BY from_on, id",
            [user_id],
            worker_span,
        )
    }

    pub fn grid_household(&self, id: i64) -> Result<GridHouseholdRow, StoreError> {
        let sql = format!("SELECT {HOUSEHOLD_COLUMNS} FROM grid_household WHERE id = ?1");
        let found = self
            .conn
            .prepare_cached(&sql)
            .refine()?
            .query_row([id], household)
            .optional()
            .refine()?;
        found.ok_or(StoreError::NotFound {
            table: "grid_household",
            id,
        })
    }

    /// The household linked to a client, if any.
    pub fn grid_household_of_client(&self, client_id: i64) -> Result<Option<GridHouseholdRow>, StoreError> {
        let sql = format!("SELECT {HOUSEHOLD_COLUMNS} FROM grid_household WHERE client_id = ?1");
        self.conn
            .prepare_cached(&sql)
            .refine()?
            .query_row([client_id], household)
            .optional()
            .refine()
    }

    /// Households now in `cell_id`, by id after `after_id`.
    pub fn grid_households_in_cell(
        &self,
        cell_id: i64,
        after_id: i64,
        limit: u32,
    ) -> Result<Vec<GridHouseholdRow>, StoreError> {
        let sql = format!(
            "SELECT {HOUSEHOLD_COLUMNS} FROM grid_household WHERE cell_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3"
        );
        self.collect(&sql, params![cell_id, after_id, limit], household)
    }

    /// The ids of the households now in `cell_id`.
    pub fn grid_household_ids_in_cell(&self, cell_id: i64) -> Result<Vec<i64>, StoreError> {
        self.collect(
            "SELECT id FROM grid_household WHERE cell_id = ?1 ORDER BY id",
            [cell_id],
            |r| r.get(0),
        )
    }

    /// The ids of every household ever recorded.
    pub fn grid_household_ids(&self) -> Result<Vec<i64>, StoreError> {
        self.collect("SELECT id FROM grid_household ORDER BY id", [], |r| r.get(0))
    }

    /// The cell `household_id` lay in on `date`.
    pub fn grid_household_cell_on(
        &self,
        household_id: i64,
        date: NaiveDate,
    ) -> Result<Option<i64>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT cell_id FROM grid_household_cell
                 WHERE household_id = ?1 AND from_on <= ?2 AND (until_on IS NULL OR until_on > ?2)",
            )
            .refine()?
            .query_row(params![household_id, date], |r| r.get(0))
            .optional()
            .refine()
    }

    /// The households that lay in `cell_id` on `date`.
    pub fn grid_households_in_cell_on(&self, cell_id: i64, date: NaiveDate) -> Result<Vec<i64>, StoreError> {
        self.collect(
            "SELECT household_id FROM grid_household_cell
             WHERE cell_id = ?1 AND from_on <= ?2 AND (until_on IS NULL OR until_on > ?2)
             ORDER BY household_id",
            params![cell_id, date],
            |r| r.get(0),
        )
    }

    /// Every cell a household lay in, oldest first.
    pub fn grid_membership_spans(&self, household_id: i64) -> Result<Vec<MembershipSpanRow>, StoreError> {
        self.collect(
            "SELECT household_id, cell_id, from_on, until_on FROM grid_household_cell
             WHERE household_id = ?1 ORDER BY from_on, id",
            [household_id],
            membership,
        )
    }

    /// The events of a cell (as subject or as the other cell), newest first.
    pub fn grid_events_of_cell(&self, cell_id: i64, limit: u32) -> Result<Vec<GridEventRow>, StoreError> {
        self.collect(
            "SELECT id, outlet_id, cell_id, other_cell_id, household_id, user_id, kind, households,
                    effective_on, recorded_by
             FROM grid_event WHERE cell_id = ?1 OR other_cell_id = ?1 ORDER BY id DESC LIMIT ?2",
            params![cell_id, limit],
            event,
        )
    }

    /// The date of the outlet's latest grid event.
    pub fn grid_last_event_on(&self, outlet_id: i64) -> Result<Option<NaiveDate>, StoreError> {
        self.conn
            .prepare_cached("SELECT MAX(effective_on) FROM grid_event WHERE outlet_id = ?1")
            .refine()?
            .query_row([outlet_id], |r| r.get(0))
            .refine()
    }

    pub fn grid_members(&self, household_id: i64) -> Result<Vec<MemberRow>, StoreError> {
        self.collect(
            "SELECT name, relation, birth_year, works FROM grid_member WHERE household_id = ?1 ORDER BY seq",
            [household_id],
            |r| {
                Ok(MemberRow {
                    name: r.get(0)?,
                    relation: r.get(1)?,
                    birth_year: r.get(2)?,
                    works: r.get(3)?,
                })
            },
        )
    }

    pub fn grid_land(&self, household_id: i64) -> Result<Vec<LandRow>, StoreError> {
        self.collect(
            "SELECT kind, area_centimu, contracted FROM grid_land WHERE household_id = ?1 ORDER BY seq",
            [household_id],
            |r| {
                Ok(LandRow {
                    kind: r.get(0)?,
                    area_centimu: r.get(1)?,
                    contracted: r.get(2)?,
                })
            },
        )
    }

    pub fn grid_livestock(&self, household_id: i64) -> Result<Vec<LivestockRow>, StoreError> {
        self.collect(
            "SELECT kind, head_count FROM grid_livestock WHERE household_id = ?1 ORDER BY seq",
            [household_id],
            |r| {
                Ok(LivestockRow {
                    kind: r.get(0)?,
                    head_count: r.get(1)?,
                })
            },
        )
    }

    pub fn grid_income(&self, household_id: i64) -> Result<Vec<IncomeRow>, StoreError> {
        self.collect(
            "SELECT kind, currency, annual_minor, years FROM grid_income WHERE household_id = ?1 ORDER BY seq",
            [household_id],
            |r| {
                Ok(IncomeRow {
                    kind: r.get(0)?,
                    currency: r.get(1)?,
                    annual_minor: r.get(2)?,
                    years: r.get(3)?,
                })
            },
        )
    }

    /// Assets (`kind` = `asset`) or debts (`debt`).
    pub fn grid_holdings(&self, household_id: i64, kind: &str) -> Result<Vec<HoldingRow>, StoreError> {
        self.collect(
            "SELECT description, currency, amount_minor FROM grid_holding
             WHERE household_id = ?1 AND kind = ?2 ORDER BY seq",
            params![household_id, kind],
            |r| {
                Ok(HoldingRow {
                    description: r.get(0)?,
                    currency: r.get(1)?,
                    amount_minor: r.get(2)?,
                })
            },
        )
    }

    pub fn grid_needs(&self, household_id: i64) -> Result<Vec<String>, StoreError> {
        self.collect(
            "SELECT need FROM grid_need WHERE household_id = ?1 ORDER BY need",
            [household_id],
            |r| r.get(0),
        )
    }

    /// Visit notes of a household, oldest first.
    pub fn grid_visits(&self, household_id: i64) -> Result<Vec<VisitNoteRow>, StoreError> {
        self.collect(
            "SELECT id, household_id, visited_on, user_id, note FROM grid_visit
             WHERE household_id = ?1 ORDER BY visited_on, id",
            [household_id],
            |r| {
                Ok(VisitNoteRow {
                    id: r.get(0)?,
                    household_id: r.get(1)?,
                    visited_on: r.get(2)?,
                    user_id: r.get(3)?,
                    note: r.get(4)?,
                })
            },
        )
    }

    /// Activities dated in `[first, last]`, of one worker and/or one cell
    /// when given, newest first, at most `limit`.
    pub fn grid_activities(
        &self,
        worker_id: Option<i64>,
        cell_id: Option<i64>,
        first: NaiveDate,
        last: NaiveDate,
        limit: u32,
    ) -> Result<Vec<ActivityRow>, StoreError> {
        self.collect(
            "SELECT id, worker_id, cell_id, household_id, done_on, duty, kind, note, recorded_by
             FROM grid_activity
             WHERE (?1 IS NULL OR worker_id = ?1) AND (?2 IS NULL OR cell_id = ?2)
               AND done_on BETWEEN ?3 AND ?4
             ORDER BY done_on DESC, id DESC LIMIT ?5",
            params![worker_id, cell_id, first, last, limit],
            activity,
        )
    }

    /// One fact row per household now placed in a cell, with the cell's
    /// outlet and that outlet's parent (its branch).
    pub fn grid_coverage_facts(&self) -> Result<Vec<CoverageFactRow>, StoreError> {
        self.collect(
            "SELECT h.id, h.cell_id, c.outlet_id, COALESCE(o.parent_id, c.outlet_id), h.client_id,
                    h.file_complete, h.digital
             FROM grid_household h JOIN grid_cell c ON c.id = h.cell_id
             JOIN org_node o ON o.id = c.outlet_id
             ORDER BY h.id",
            [],
            |r| {
                Ok(CoverageFactRow {
                    household_id: r.get(0)?,
                    cell_id: r.get(1)?,
                    outlet_id: r.get(2)?,
                    branch_id: r.get(3)?,
                    client_id: r.get(4)?,
                    file_complete: r.get(5)?,
                    digital: r.get(6)?,
                })
            },
        )
    }

    /// The households with an effective rating (table `rating` of the
    /// rating area, matched by household or by the linked client).
    pub fn grid_rated_households(&self) -> Result<Vec<i64>, StoreError> {
        self.collect(
            "SELECT household_id FROM rating WHERE status = 'effective' AND household_id IS NOT NULL
             UNION
             SELECT h.id FROM grid_household h JOIN rating r ON r.client_id = h.client_id
             WHERE r.status = 'effective'
             ORDER BY 1",
            [],
            |r| r.get(0),
        )
    }

    /// Households whose linked client holds an active credit line valid on
    /// `date`, each with whether anything is drawn (table `credit_line`).
    pub fn grid_households_with_line(&self, date: NaiveDate) -> Result<Vec<(i64, bool)>, StoreError> {
        self.collect(
            "SELECT h.id, MAX(l.drawn_minor > 0) FROM grid_household h
             JOIN credit_line l ON l.client_id = h.client_id
             WHERE l.state = 'active' AND l.valid_from <= ?1 AND l.valid_until >= ?1
             GROUP BY h.id ORDER BY h.id",
            [date],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    }

    /// Whether a table exists (for figures read from other areas' tables).
    pub fn table_exists(&self, name: &str) -> Result<bool, StoreError> {
        self.conn
            .prepare_cached("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?1")
            .refine()?
            .query_row([name], |r| r.get::<_, i64>(0))
            .map(|n| n > 0)
            .refine()
    }

    /// The coverage snapshots of one unit, oldest first (at most `limit`, the latest).
    pub fn grid_coverage_series(
        &self,
        level: &str,
        unit_id: i64,
        limit: u32,
    ) -> Result<Vec<CoverageRow>, StoreError> {
        let mut rows = self.collect(
            "SELECT taken_on, level, unit_id, households, files_complete, rated, with_line, lines_in_use,
                    digital_reached
             FROM grid_coverage WHERE level = ?1 AND unit_id = ?2 ORDER BY taken_on DESC LIMIT ?3",
            params![level, unit_id, limit],
            coverage,
        )?;
        rows.reverse();
        Ok(rows)
    }

    /// The loans of a client, oldest first: the household file's repayment history.
    pub fn grid_repayment_history(&self, client_id: i64) -> Result<Vec<RepaymentHistoryRow>, StoreError> {
        self.collect(
            "SELECT id, status, currency, principal_minor, disbursed_on, closed_on, days_past_due,
                    written_off_minor
             FROM loan WHERE client_id = ?1 AND disbursed_on IS NOT NULL ORDER BY id",
            [client_id],
            |r| {
                Ok(RepaymentHistoryRow {
                    loan_id: r.get(0)?,
                    status: r.get(1)?,
                    currency: r.get(2)?,
                    principal_minor: r.get(3)?,
                    disbursed_on: r.get(4)?,
                    closed_on: r.get(5)?,
                    days_past_due: r.get(6)?,
                    written_off_minor: r.get(7)?,
                })
            },
        )
    }
}

/// A part of the file whose "asked; there is none" state is a flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CollectedFlag {
    Land,
    Livestock,
    Assets,
    Debts,
    Needs,
}

impl CollectedFlag {
    fn column(self) -> &'static str {
        match self {
            CollectedFlag::Land => "land_collected",
            CollectedFlag::Livestock => "livestock_collected",
            CollectedFlag::Assets => "assets_collected",
            CollectedFlag::Debts => "debts_collected",
            CollectedFlag::Needs => "needs_collected",
        }
    }
}

/// A grid event to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewGridEventRow {
    pub outlet_id: i64,
    pub cell_id: i64,
    pub other_cell_id: Option<i64>,
    pub household_id: Option<i64>,
    pub user_id: Option<i64>,
    pub kind: String,
    pub households: u32,
    pub effective_on: NaiveDate,
    pub recorded_by: i64,
}

impl WriteTx<'_> {
    fn run<P: rusqlite::Params>(&self, sql: &str, params: P) -> Result<usize, StoreError> {
        self.conn().prepare_cached(sql).refine()?.execute(params).refine()
    }

    /// Inserts a cell (with `id` when given) and opens its full-time worker's span.
    pub fn insert_grid_cell(&mut self, id: Option<i64>, new: &CellRow) -> Result<i64, StoreError> {
        self.run(
            "INSERT INTO grid_cell (id, outlet_id, kind, name, full_time_worker_id, opened_on)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                id,
                new.outlet_id,
                new.kind,
                new.name,
                new.full_time_worker_id,
                new.opened_on
            ],
        )?;
        let id = self.conn().last_insert_rowid();
        self.open_grid_worker_span(id, new.full_time_worker_id, "full_time", new.opened_on)?;
        Ok(id)
    }

    pub fn rename_grid_cell(&mut self, cell_id: i64, name: &str, kind: &str) -> Result<(), StoreError> {
        match self.run(
            "UPDATE grid_cell SET name = ?2, kind = ?3 WHERE id = ?1",
            params![cell_id, name, kind],
        )? {
            0 => Err(StoreError::NotFound {
                table: "grid_cell",
                id: cell_id,
            }),
            _ => Ok(()),
        }
    }

    /// Replaces the full-time worker from `date` on.
    pub fn set_grid_full_time_worker(
        &mut self,
        cell_id: i64,
        user_id: i64,
        date: NaiveDate,
    ) -> Result<(), StoreError> {
        let (current, _) = self.grid_cell_workers_on(cell_id, date)?;
        if let Some(old) = current {
            self.close_grid_worker_span(cell_id, old, "full_time", date)?;
        }
        self.open_grid_worker_span(cell_id, user_id, "full_time", date)?;
        self.run(
            "UPDATE grid_cell SET full_time_worker_id = ?2 WHERE id = ?1",
            params![cell_id, user_id],
        )?;
        Ok(())
    }

    pub fn open_grid_worker_span(
        &mut self,
        cell_id: i64,
        user_id: i64,
        role: &str,
        date: NaiveDate,
    ) -> Result<(), StoreError> {
        self.run(
            "INSERT INTO grid_cell_worker (cell_id, user_id, role, from_on) VALUES (?1, ?2, ?3, ?4)",
            params![cell_id, user_id, role, date],
        )?;
        Ok(())
    }

    /// Ends a worker's open span on `date` (a span that began that day is removed).
    pub fn close_grid_worker_span(
        &mut self,
        cell_id: i64,
        user_id: i64,
        role: &str,
        date: NaiveDate,
    ) -> Result<(), StoreError> {
        self.run(
            "DELETE FROM grid_cell_worker
             WHERE cell_id = ?1 AND user_id = ?2 AND role = ?3 AND until_on IS NULL AND from_on >= ?4",
            params![cell_id, user_id, role, date],
        )?;
        self.run(
            "UPDATE grid_cell_worker SET until_on = ?4
             WHERE cell_id = ?1 AND user_id = ?2 AND role = ?3 AND until_on IS NULL",
            params![cell_id, user_id, role, date],
        )?;
        Ok(())
    }

    /// Closes a cell on `date`, ending every worker span.
    pub fn close_grid_cell(&mut self, cell_id: i64, date: NaiveDate) -> Result<(), StoreError> {
        for span in self.grid_cell_worker_spans(cell_id)? {
            if span.until_on.is_none() {
                self.close_grid_worker_span(cell_id, span.user_id, &span.role, date)?;
            }
        }
        self.run(
            "UPDATE grid_cell SET closed_on = ?2 WHERE id = ?1",
            params![cell_id, date],
        )?;
        Ok(())
    }

    /// Inserts a household placed in its cell from `created_on`.
    pub fn insert_grid_household(&mut self, new: &NewGridHouseholdRow) -> Result<i64, StoreError> {
        self.run(
            "INSERT INTO grid_household (id, outlet_id, cell_id, client_id, head_name, identity_number,
                 member_count, created_on)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                new.id,
                new.outlet_id,
                new.cell_id,
                new.client_id,
                new.head_name,
                new.identity_number,
                new.member_count,
                new.created_on
            ],
        )?;
        let id = self.conn().last_insert_rowid();
        self.run(
            "INSERT INTO grid_household_cell (household_id, cell_id, from_on) VALUES (?1, ?2, ?3)",
            params![id, new.cell_id, new.created_on],
        )?;
        Ok(id)
    }

    /// Inserts an imported household with the parts its sheet row carried
    /// (the head as a member, land, income) and its file status.
    pub fn import_grid_household(
        &mut self,
        new: &NewGridHouseholdRow,
        head: &MemberRow,
        land: Option<&LandRow>,
        income: Option<&IncomeRow>,
        file_percent: u32,
        file_complete: bool,
    ) -> Result<(), StoreError> {
        let id = self.insert_grid_household(new)?;
        self.run(
            "UPDATE grid_household SET land_collected = ?2, file_percent = ?3, file_complete = ?4,
                 file_updated_on = ?5 WHERE id = ?1",
            params![id, land.is_some(), file_percent, file_complete, new.created_on],
        )?;
        self.run(
            "INSERT INTO grid_member (household_id, seq, name, relation, birth_year, works)
             VALUES (?1, 0, ?2, ?3, ?4, ?5)",
            params![id, head.name, head.relation, head.birth_year, head.works],
        )?;
        if let Some(l) = land {
            self.run(
                "INSERT INTO grid_land (household_id, seq, kind, area_centimu, contracted)
                 VALUES (?1, 0, ?2, ?3, ?4)",
                params![id, l.kind, l.area_centimu, l.contracted],
            )?;
        }
        if let Some(i) = income {
            self.run(
                "INSERT INTO grid_income (household_id, seq, kind, currency, annual_minor, years)
                 VALUES (?1, 0, ?2, ?3, ?4, ?5)",
                params![id, i.kind, i.currency, i.annual_minor, i.years],
            )?;
        }
        Ok(())
    }

    /// Puts a household in `cell_id` (or out of the grid) from `date` on.
    pub fn set_grid_household_cell(
        &mut self,
        household_id: i64,
        cell_id: Option<i64>,
        date: NaiveDate,
    ) -> Result<(), StoreError> {
        self.run(
            "DELETE FROM grid_household_cell WHERE household_id = ?1 AND until_on IS NULL AND from_on >= ?2",
            params![household_id, date],
        )?;
        self.run(
            "UPDATE grid_household_cell SET until_on = ?2 WHERE household_id = ?1 AND until_on IS NULL",
            params![household_id, date],
        )?;
        if let Some(cell_id) = cell_id {
            self.run(
                "INSERT INTO grid_household_cell (household_id, cell_id, from_on) VALUES (?1, ?2, ?3)",
                params![household_id, cell_id, date],
            )?;
        }
        match self.run(
            "UPDATE grid_household SET cell_id = ?2 WHERE id = ?1",
            params![household_id, cell_id],
        )? {
            0 => Err(StoreError::NotFound {
                table: "grid_household",
                id: household_id,
            }),
            _ => Ok(()),
        }
    }

    pub fn insert_grid_event(&mut self, new: &NewGridEventRow) -> Result<i64, StoreError> {
        self.run(
            "INSERT INTO grid_event (outlet_id, cell_id, other_cell_id, household_id, user_id, kind,
                 households, effective_on, recorded_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                new.outlet_id,
                new.cell_id,
                new.other_cell_id,
                new.household_id,
                new.user_id,
                new.kind,
                new.households,
                new.effective_on,
                new.recorded_by
            ],
        )?;
        Ok(self.conn().last_insert_rowid())
    }

    /// Sets the identity part, household size, digital reach and client link.
    pub fn set_grid_household_identity(
        &mut self,
        household_id: i64,
        head_name: &str,
        identity_number: Option<&str>,
        member_count: u32,
        digital: bool,
        client_id: Option<i64>,
    ) -> Result<(), StoreError> {
        self.run(
            "UPDATE grid_household SET head_name = ?2, identity_number = ?3, member_count = ?4, digital = ?5,
                 client_id = ?6 WHERE id = ?1",
            params![
                household_id,
                head_name,
                identity_number,
                member_count,
                digital,
                client_id
            ],
        )?;
        Ok(())
    }

    pub fn set_grid_collected(
        &mut self,
        household_id: i64,
        flag: CollectedFlag,
        collected: bool,
    ) -> Result<(), StoreError> {
        let sql = format!("UPDATE grid_household SET {} = ?2 WHERE id = ?1", flag.column());
        self.run(&sql, params![household_id, collected])?;
        Ok(())
    }

    /// Records the file's completeness after a change.
    pub fn set_grid_file_status(
        &mut self,
        household_id: i64,
        percent: u32,
        complete: bool,
        updated_on: NaiveDate,
    ) -> Result<(), StoreError> {
        self.run(
            "UPDATE grid_household SET file_percent = ?2, file_complete = ?3, file_updated_on = ?4 WHERE id = ?1",
            params![household_id, percent, complete, updated_on],
        )?;
        Ok(())
    }

    pub fn replace_grid_members(&mut self, household_id: i64, rows: &[MemberRow]) -> Result<(), StoreError> {
        self.run("DELETE FROM grid_member WHERE household_id = ?1", [household_id])?;
        for (seq, m) in (0_i64..).zip(rows) {
            self.run(
                "INSERT INTO grid_member (household_id, seq, name, relation, birth_year, works)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![household_id, seq, m.name, m.relation, m.birth_year, m.works],
            )?;
        }
        Ok(())
    }

    pub fn replace_grid_land(&mut self, household_id: i64, rows: &[LandRow]) -> Result<(), StoreError> {
        self.run("DELETE FROM grid_land WHERE household_id = ?1", [household_id])?;
        for (seq, l) in (0_i64..).zip(rows) {
            self.run(
                "INSERT INTO grid_land (household_id, seq, kind, area_centimu, contracted)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![household_id, seq, l.kind, l.area_centimu, l.contracted],
            )?;
        }
        Ok(())
    }

    pub fn replace_grid_livestock(
        &mut self,
        household_id: i64,
        rows: &[LivestockRow],
    ) -> Result<(), StoreError> {
        self.run(
            "DELETE FROM grid_livestock WHERE household_id = ?1",
            [household_id],
        )?;
        for (seq, l) in (0_i64..).zip(rows) {
            self.run(
                "INSERT INTO grid_livestock (household_id, seq, kind, head_count) VALUES (?1, ?2, ?3, ?4)",
                params![household_id, seq, l.kind, l.head_count],
            )?;
        }
        Ok(())
    }

    pub fn replace_grid_income(&mut self, household_id: i64, rows: &[IncomeRow]) -> Result<(), StoreError> {
        self.run("DELETE FROM grid_income WHERE household_id = ?1", [household_id])?;
        for (seq, i) in (0_i64..).zip(rows) {
            self.run(
                "INSERT INTO grid_income (household_id, seq, kind, currency, annual_minor, years)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![household_id, seq, i.kind, i.currency, i.annual_minor, i.years],
            )?;
        }
        Ok(())
    }

    /// Replaces the assets (`kind` = `asset`) or debts (`debt`).
    pub fn replace_grid_holdings(
        &mut self,
        household_id: i64,
        kind: &str,
        rows: &[HoldingRow],
    ) -> Result<(), StoreError> {
        self.run(
            "DELETE FROM grid_holding WHERE household_id = ?1 AND kind = ?2",
            params![household_id, kind],
        )?;
        for (seq, h) in (0_i64..).zip(rows) {
            self.run(
                "INSERT INTO grid_holding (household_id, kind, seq, description, currency, amount_minor)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![household_id, kind, seq, h.description, h.currency, h.amount_minor],
            )?;
        }
        Ok(())
    }

    pub fn replace_grid_needs(&mut self, household_id: i64, needs: &[String]) -> Result<(), StoreError> {
        self.run("DELETE FROM grid_need WHERE household_id = ?1", [household_id])?;
        for need in needs {
            self.run(
                "INSERT OR IGNORE INTO grid_need (household_id, need) VALUES (?1, ?2)",
                params![household_id, need],
            )?;
        }
        Ok(())
    }

    pub fn insert_grid_visit(
        &mut self,
        household_id: i64,
        visited_on: NaiveDate,
        user_id: i64,
        note: &str,
    ) -> Result<i64, StoreError> {
        self.run(
            "INSERT INTO grid_visit (household_id, visited_on, user_id, note) VALUES (?1, ?2, ?3, ?4)",
            params![household_id, visited_on, user_id, note],
        )?;
        Ok(self.conn().last_insert_rowid())
    }

    pub fn insert_grid_activity(&mut self, new: &ActivityRow) -> Result<i64, StoreError> {
        self.run(
            "INSERT INTO grid_activity (worker_id, cell_id, household_id, done_on, duty, kind, note, recorded_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                new.worker_id,
                new.cell_id,
                new.household_id,
                new.done_on,
                new.duty,
                new.kind,
                new.note,
                new.recorded_by
            ],
        )?;
        Ok(self.conn().last_insert_rowid())
    }

    /// Stores the coverage of every unit for one date (a re-take replaces it).
    pub fn put_grid_coverage(&mut self, rows: &[CoverageRow]) -> Result<(), StoreError> {
        for c in rows {
            self.run(
                "INSERT OR REPLACE INTO grid_coverage (taken_on, level, unit_id, households, files_complete,
                     rated, with_line, lines_in_use, digital_reached)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    c.taken_on,
                    c.level,
                    c.unit_id,
                    c.households,
                    c.files_complete,
                    c.rated,
                    c.with_line,
                    c.lines_in_use,
                    c.digital_reached
                ],
            )?;
        }
        Ok(())
    }
}
