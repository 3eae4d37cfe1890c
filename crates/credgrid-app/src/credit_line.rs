//! Revolving credit lines (R-LINE-1..2): pure-credit lines opened when a
//! published rating takes effect, higher-tier lines granted against their
//! security, draws that become loan applications placed in the low tier of
//! the origination workflow, and the available amount moved by the loans
//! drawn: a draw holds its principal while it is applied for, the principal
//! outstanding once disbursed, nothing once repaid, rejected or withdrawn.
//!
//! The line's stored `drawn` is brought in step with its loans in every job
//! that acts on the line and at the end of day (`reconcile_all`); the view
//! computes the same figure live, so a repayment shows at once.

use crate::access::authorize;
use crate::error::AppError;
use crate::institution::{Institution, business_date};
use crate::lending::apply_in;
use crate::model::{Actor, LoanApplication, LoanView, Page, PageRequest};
use crate::origination::{Placement, start_workflow};
use crate::rating::current_config;
use crate::rating_config::{parse_currency, parse_tier};
use chrono::NaiveDate;
use credgrid_core::authz::Permission;
use credgrid_core::collateral::CollateralKind;
use credgrid_core::credit_line::{CreditLine, LineError, LineState, Security, TierKind};
use credgrid_core::money::{Currency, Money};
use credgrid_core::origination::Tier;
use credgrid_core::rating::Grade;
use credgrid_store::{CreditLineRow, LineDrawRow, LineEventRow, RatingRow, ReadTx, WriteTx};

/// The longest reason accepted.
const REASON_LEN_MAX: usize = 500;

/// One movement or change of a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineEventView {
    pub id: i64,
    pub on: NaiveDate,
    /// `opened`, `drawn`, `repaid`, `released`, `reinstated`, `frozen`, `unfrozen`, `cut`, `cancelled`.
    pub kind: String,
    pub amount: Option<Money>,
    pub loan_id: Option<i64>,
    pub reason: Option<String>,
    pub user_id: i64,
    pub drawn_after: Money,
}

/// A loan drawn on a line and what it holds of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineDrawView {
    pub loan_id: i64,
    pub loan_status: String,
    pub principal: Money,
    /// What the loan holds of the line now (live).
    pub held: Money,
}

/// A credit line as shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineView {
    pub id: i64,
    pub client_id: i64,
    pub client_name: String,
    pub outlet_id: i64,
    pub rating_id: Option<i64>,
    pub tier: TierKind,
    pub limit: Money,
    pub opened_limit: Money,
    /// What the loans drawn hold of the line now.
    pub drawn: Money,
    /// What can be drawn on the business date (zero when frozen, cancelled,
    /// expired or not yet valid).
    pub available: Money,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    /// `active`, `frozen`, `cancelled`, or `expired` (active past its validity).
    pub state: String,
    pub state_on: Option<NaiveDate>,
    pub state_reason: Option<String>,
    pub security: Vec<Security>,
    pub as_of: NaiveDate,
    pub events: Vec<LineEventView>,
    pub draws: Vec<LineDrawView>,
}

/// Granting a line above the pure-credit range (or a pure-credit line by hand).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenLine {
    pub client_id: i64,
    pub limit: Money,
    /// The securities offered (the tier says which it accepts).
    pub security: Vec<Security>,
    /// `None`: the tier's validity.
    pub validity_months: Option<u32>,
}

/// A draw on a line: the loan application it becomes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DrawRequest {
    pub amount: Money,
    pub product_id: i64,
    pub installments: Option<u32>,
    pub purpose: Option<String>,
}

/// An act on a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineAct {
    Freeze { reason: String },
    Unfreeze { reason: String },
    Cut { new_limit: Money, reason: String },
    Cancel { reason: String },
}

fn line_refusal(e: LineError) -> AppError {
    AppError::Refused {
        rule: e.code(),
        detail: e.to_string(),
    }
}

fn check_reason(reason: &str) -> Result<(), AppError> {
    if reason.chars().count() > REASON_LEN_MAX || reason.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "reason",
            format!("must be at most {REASON_LEN_MAX} characters without control characters"),
        ));
    }
    Ok(())
}

/// `guarantor:contract,mortgage`.
fn security_text(security: &[Security]) -> String {
    let parts: Vec<String> = security
        .iter()
        .map(|s| {
            let contract = if s.under_maximum_amount_contract {
                ":contract"
            } else {
                ""
            };
            format!("{}{contract}", s.kind.name())
        })
        .collect();
    parts.join(",")
}

fn parse_security(text: &str) -> Vec<Security> {
    text.split(',')
        .filter(|p| !p.is_empty())
        .filter_map(|p| {
            let (kind, contract) = p
                .split_once(':')
                .map_or((p, false), |(k, c)| (k, c == "contract"));
            Some(Security {
                kind: CollateralKind::parse(kind)?,
                under_maximum_amount_contract: contract,
            })
        })
        .collect()
}

fn state_of(row: &CreditLineRow) -> LineState {
    let on = row.state_on.unwrap_or(row.valid_from);
    let reason = row.state_reason.clone().unwrap_or_default();
    match row.state.as_str() {
        "frozen" => LineState::Frozen { on, reason },
        "cancelled" => LineState::Cancelled { on, reason },
        _ => LineState::Active,
    }
}

/// The core line of a stored row, with the date of its last event.
fn core_line(r: &ReadTx<'_>, row: &CreditLineRow, currency: Currency) -> Result<CreditLine, AppError> {
    let last = r
        .line_events(row.id)?
        .last()
        .map_or(row.valid_from, |e| e.on_date);
    CreditLine::restore(
        Money::from_minor(row.limit_minor, currency),
        Money::from_minor(row.drawn_minor, currency),
        row.valid_from,
        row.valid_until,
        state_of(row),
        last,
    )
    .map_err(|e| AppError::Internal(format!("credit line {}: {e}", row.id)))
}

/// What a loan drawn on a line should hold of it now.
fn target_held(draw: &LineDrawRow) -> i64 {
    match draw.loan_status.as_str() {
        "application" | "approved" => draw.principal_minor,
        "disbursed" => draw.principal_outstanding_minor,
        "written_off" => draw.held_minor,
        _ => 0,
    }
}

fn load_line(r: &ReadTx<'_>, id: i64) -> Result<CreditLineRow, AppError> {
    r.credit_line(id)?
        .ok_or_else(|| AppError::not_found("credit line", id))
}

struct Movement<'a> {
    kind: &'a str,
    amount: Option<Money>,
    loan_id: Option<i64>,
    reason: Option<&'a str>,
}

/// Saves the core line's state onto the row and records one movement.
fn save(
    tx: &mut WriteTx<'_>,
    actor: Actor,
    row: &mut CreditLineRow,
    line: &CreditLine,
    on: NaiveDate,
    movement: Movement<'_>,
) -> Result<(), AppError> {
    row.limit_minor = line.limit().minor();
    row.drawn_minor = line.drawn().minor();
    let (state, state_on, state_reason) = match line.state() {
        LineState::Active => ("active", None, None),
        LineState::Frozen { on, reason } => ("frozen", Some(*on), Some(reason.clone())),
        LineState::Cancelled { on, reason } => ("cancelled", Some(*on), Some(reason.clone())),
    };
    row.state = state.into();
    row.state_on = state_on;
    row.state_reason = state_reason;
    tx.update_credit_line(row)?;
    tx.insert_line_event(&LineEventRow {
        id: 0,
        line_id: row.id,
        on_date: on,
        kind: movement.kind.into(),
        amount_minor: movement.amount.map(|a| a.minor()),
        loan_id: movement.loan_id,
        reason: movement.reason.map(str::to_string),
        user_id: actor.user_id,
        drawn_after_minor: row.drawn_minor,
    })?;
    Ok(())
}

/// Brings a line's drawn amount in step with its loans: principal repaid,
/// applications rejected or withdrawn give the line back; a repayment
/// reversed takes it again.
fn reconcile(
    tx: &mut WriteTx<'_>,
    actor: Actor,
    row: &mut CreditLineRow,
    on: NaiveDate,
) -> Result<(), AppError> {
    let currency = parse_currency(&row.currency)?;
    for draw in tx.line_draws(row.id)? {
        let target = target_held(&draw);
        if target == draw.held_minor {
            continue;
        }
        let mut line = core_line(tx, row, currency)?;
        let (kind, moved) = if target < draw.held_minor {
            let amount = Money::from_minor(draw.held_minor - target, currency);
            line.repay(amount, on).map_err(line_refusal)?;
            let kind = if draw.loan_status == "disbursed" || draw.loan_status == "closed" {
                "repaid"
            } else {
                "released"
            };
            (kind, -amount.minor())
        } else {
            let amount = Money::from_minor(target - draw.held_minor, currency);
            let reinstated = line.reinstate(amount, on).map_err(line_refusal)?;
            if reinstated.is_zero() {
                continue;
            }
            ("reinstated", reinstated.minor())
        };
        let movement = Movement {
            kind,
            amount: Some(Money::from_minor(moved.abs(), currency)),
            loan_id: Some(draw.loan_id),
            reason: None,
        };
        save(tx, actor, row, &line, on, movement)?;
        tx.set_line_draw(draw.loan_id, row.id, draw.held_minor + moved)?;
    }
    Ok(())
}

/// Reconciles every line whose loans moved since (the end-of-day step).
pub(crate) fn reconcile_all(tx: &mut WriteTx<'_>, actor: Actor, on: NaiveDate) -> Result<(), AppError> {
    for id in tx.lines_out_of_step()? {
        let mut row = load_line(tx, id)?;
        reconcile(tx, actor, &mut row, on)?;
    }
    Ok(())
}

fn insert_line(
    tx: &mut WriteTx<'_>,
    actor: Actor,
    row: CreditLineRow,
    line: &CreditLine,
) -> Result<i64, AppError> {
    let id = tx.insert_credit_line(&row)?;
    tx.insert_line_event(&LineEventRow {
        id: 0,
        line_id: id,
        on_date: line.valid_from(),
        kind: "opened".into(),
        amount_minor: Some(line.limit().minor()),
        loan_id: None,
        reason: None,
        user_id: actor.user_id,
        drawn_after_minor: 0,
    })?;
    crate::audit::record(
        tx,
        actor,
        "line.open",
        "credit_line",
        id,
        Some(format!(
            "client={} tier={} limit={} valid_until={}",
            row.client_id,
            row.tier,
            line.limit().to_major_string(),
            line.valid_until()
        )),
        None,
    )?;
    Ok(id)
}

/// Opens the pure-credit line of a rating that took effect on `from`. An
/// active pure-credit line of the client is cancelled ("replaced by rating
/// N") and its loans carried onto the new line; when they hold more than the
/// new limit, the old line is frozen instead and no new line is opened.
pub(crate) fn open_from_rating(
    tx: &mut WriteTx<'_>,
    actor: Actor,
    rating: &RatingRow,
    grade: Grade,
    limit: Money,
    from: NaiveDate,
) -> Result<(), AppError> {
    let config = current_config(tx)?;
    let tier = config
        .tiers
        .check_grant(grade, config.grade_line(grade), limit, &[])
        .map_err(line_refusal)?
        .clone();
    let line = CreditLine::open(limit, from, tier.validity_months).map_err(line_refusal)?;
    let previous: Vec<CreditLineRow> = tx
        .credit_lines_of_client(rating.client_id)?
        .into_iter()
        .filter(|l| l.state != "cancelled" && l.tier == TierKind::PureCredit.name())
        .collect();
    let mut carried = Vec::new();
    for mut old in previous {
        reconcile(tx, actor, &mut old, from)?;
        let draws = tx.line_draws(old.id)?;
        let held: i64 = draws.iter().map(|d| d.held_minor).sum();
        let reason = format!("replaced by rating {}", rating.id);
        let currency = parse_currency(&old.currency)?;
        let mut core = core_line(tx, &old, currency)?;
        if held > limit.minor() {
            if matches!(core.state(), LineState::Active) {
                let reason = format!(
                    "rating {} grants {} below the amount drawn",
                    rating.id,
                    limit.to_major_string()
                );
                core.freeze(&reason, from).map_err(line_refusal)?;
                let movement = Movement {
                    kind: "frozen",
                    amount: None,
                    loan_id: None,
                    reason: Some(&reason),
                };
                save(tx, actor, &mut old, &core, from, movement)?;
            }
            return Ok(());
        }
        core.cancel(&reason, from).map_err(line_refusal)?;
        let movement = Movement {
            kind: "cancelled",
            amount: None,
            loan_id: None,
            reason: Some(&reason),
        };
        save(tx, actor, &mut old, &core, from, movement)?;
        carried.extend(draws);
    }
    let row = CreditLineRow {
        id: 0,
        client_id: rating.client_id,
        outlet_id: rating.outlet_id,
        rating_id: Some(rating.id),
        tier: tier.kind.name().into(),
        currency: rating.currency.clone(),
        limit_minor: limit.minor(),
        opened_limit_minor: limit.minor(),
        drawn_minor: 0,
        valid_from: line.valid_from(),
        valid_until: line.valid_until(),
        state: "active".into(),
        state_on: None,
        state_reason: None,
        security: String::new(),
        opened_by: actor.user_id,
    };
    let id = insert_line(tx, actor, row, &line)?;
    carry_draws(tx, actor, id, &carried, from)
}

/// Moves loans drawn on a replaced line onto line `id`.
fn carry_draws(
    tx: &mut WriteTx<'_>,
    actor: Actor,
    id: i64,
    draws: &[LineDrawRow],
    on: NaiveDate,
) -> Result<(), AppError> {
    let mut row = load_line(tx, id)?;
    let currency = parse_currency(&row.currency)?;
    for draw in draws.iter().filter(|d| d.held_minor > 0) {
        let mut line = core_line(tx, &row, currency)?;
        let amount = Money::from_minor(draw.held_minor, currency);
        line.reinstate(amount, on).map_err(line_refusal)?;
        let reason = format!("carried from line {}", draw.line_id);
        let movement = Movement {
            kind: "reinstated",
            amount: Some(amount),
            loan_id: Some(draw.loan_id),
            reason: Some(&reason),
        };
        save(tx, actor, &mut row, &line, on, movement)?;
        tx.set_line_draw(draw.loan_id, id, draw.held_minor)?;
    }
    Ok(())
}

fn line_view(r: &ReadTx<'_>, row: CreditLineRow, as_of: NaiveDate) -> Result<LineView, AppError> {
    let currency = parse_currency(&row.currency)?;
    let tier = parse_tier(&row.tier)
        .ok_or_else(|| AppError::Internal(format!("credit line {}: tier {:?}", row.id, row.tier)))?;
    let draws_rows = r.line_draws(row.id)?;
    let drawn_minor: i64 = draws_rows.iter().map(target_held).sum();
    let limit = Money::from_minor(row.limit_minor, currency);
    let drawn = Money::from_minor(drawn_minor.min(row.limit_minor), currency);
    let live = CreditLine::restore(
        limit,
        drawn,
        row.valid_from,
        row.valid_until,
        state_of(&row),
        row.valid_from,
    )
    .map_err(|e| AppError::Internal(format!("credit line {}: {e}", row.id)))?;
    let state = if row.state == "active" && as_of > row.valid_until {
        "expired".to_string()
    } else {
        row.state.clone()
    };
    let events = r
        .line_events(row.id)?
        .into_iter()
        .map(|e| LineEventView {
            id: e.id,
            on: e.on_date,
            kind: e.kind,
            amount: e.amount_minor.map(|m| Money::from_minor(m, currency)),
            loan_id: e.loan_id,
            reason: e.reason,
            user_id: e.user_id,
            drawn_after: Money::from_minor(e.drawn_after_minor, currency),
        })
        .collect();
    let draws = draws_rows
        .iter()
        .map(|d| LineDrawView {
            loan_id: d.loan_id,
            loan_status: d.loan_status.clone(),
            principal: Money::from_minor(d.principal_minor, currency),
            held: Money::from_minor(target_held(d), currency),
        })
        .collect();
    Ok(LineView {
        id: row.id,
        client_id: row.client_id,
        client_name: r.client(row.client_id)?.name,
        outlet_id: row.outlet_id,
        rating_id: row.rating_id,
        tier,
        limit,
        opened_limit: Money::from_minor(row.opened_limit_minor, currency),
        drawn,
        available: live.available_on(as_of),
        valid_from: row.valid_from,
        valid_until: row.valid_until,
        state,
        state_on: row.state_on,
        state_reason: row.state_reason,
        security: parse_security(&row.security),
        as_of,
        events,
        draws,
    })
}

/// The grade of the client's effective rating, if any.
pub(crate) fn effective_grade(r: &ReadTx<'_>, client_id: i64) -> Result<Option<(Grade, i64)>, AppError> {
    let found = r
        .ratings_of_client(client_id)?
        .into_iter()
        .find(|x| x.status == "effective");
    match found {
        Some(x) => Ok(crate::rating_config::parse_grade(&x.grade).map(|g| (g, x.id))),
        None => Ok(None),
    }
}

fn open_job(tx: &mut WriteTx<'_>, actor: Actor, open: OpenLine) -> Result<i64, AppError> {
    let staff = authorize(tx, actor, Permission::LineManage)?;
    let client = tx
        .client(open.client_id)
        .map_err(|_| AppError::invalid("client_id", format!("client {} does not exist", open.client_id)))?;
    staff.require_node(tx, client.outlet_id)?;
    if client.status != "active" {
        return Err(AppError::invalid("client_id", "the client is not active"));
    }
    let config = current_config(tx)?;
    if open.limit.currency() != config.currency {
        return Err(AppError::invalid(
            "limit",
            format!("must be in {}", config.currency.code()),
        ));
    }
    let rated = effective_grade(tx, client.id)?;
    let grade = rated.map_or(Grade::BelowGeneral, |(g, _)| g);
    let grade_line = rated.and_then(|(g, _)| config.grade_line(g));
    let tier = config
        .tiers
        .check_grant(grade, grade_line, open.limit, &open.security)
        .map_err(line_refusal)?
        .clone();
    let months = open.validity_months.unwrap_or(tier.validity_months);
    let date = business_date(tx)?;
    let line = CreditLine::open(open.limit, date, months).map_err(line_refusal)?;
    let row = CreditLineRow {
        id: 0,
        client_id: client.id,
        outlet_id: client.outlet_id,
        rating_id: rated.map(|(_, id)| id),
        tier: tier.kind.name().into(),
        currency: crate::rating_config::currency_text(config.currency),
        limit_minor: open.limit.minor(),
        opened_limit_minor: open.limit.minor(),
        drawn_minor: 0,
        valid_from: line.valid_from(),
        valid_until: line.valid_until(),
        state: "active".into(),
        state_on: None,
        state_reason: None,
        security: security_text(&open.security),
        opened_by: actor.user_id,
    };
    insert_line(tx, actor, row, &line)
}

fn act_job(tx: &mut WriteTx<'_>, actor: Actor, id: i64, act: LineAct) -> Result<(), AppError> {
    let staff = authorize(tx, actor, Permission::LineManage)?;
    let mut row = load_line(tx, id)?;
    staff.require_node(tx, row.outlet_id)?;
    let date = business_date(tx)?;
    reconcile(tx, actor, &mut row, date)?;
    let currency = parse_currency(&row.currency)?;
    let mut line = core_line(tx, &row, currency)?;
    let (kind, amount, reason) = match &act {
        LineAct::Freeze { reason } => (line.freeze(reason, date).map(|()| "frozen"), None, reason),
        LineAct::Unfreeze { reason } => (line.unfreeze(reason, date).map(|()| "unfrozen"), None, reason),
        LineAct::Cancel { reason } => (line.cancel(reason, date).map(|()| "cancelled"), None, reason),
        LineAct::Cut { new_limit, reason } => (
            line.cut(*new_limit, reason, date).map(|()| "cut"),
            Some(*new_limit),
            reason,
        ),
    };
    check_reason(reason)?;
    let kind = kind.map_err(line_refusal)?;
    let reason = reason.trim().to_string();
    let movement = Movement {
        kind,
        amount,
        loan_id: None,
        reason: Some(&reason),
    };
    save(tx, actor, &mut row, &line, date, movement)?;
    let after = format!("state={} limit={}", row.state, line.limit().to_major_string());
    crate::audit::record(
        tx,
        actor,
        &format!("line.{kind}"),
        "credit_line",
        id,
        Some(after),
        Some(&reason),
    )
}

fn draw_job(tx: &mut WriteTx<'_>, actor: Actor, id: i64, draw: DrawRequest) -> Result<i64, AppError> {
    let staff = authorize(tx, actor, Permission::LoanApply)?;
    let mut row = load_line(tx, id)?;
    staff.require_node(tx, row.outlet_id)?;
    let date = business_date(tx)?;
    reconcile(tx, actor, &mut row, date)?;
    let currency = parse_currency(&row.currency)?;
    if draw.amount.currency() != currency {
        return Err(AppError::invalid(
            "amount",
            format!("must be in {}", currency.code()),
        ));
    }
    let mut line = core_line(tx, &row, currency)?;
    let available_before = line.available_on(date);
    line.draw(draw.amount, date).map_err(line_refusal)?;
    let application = LoanApplication {
        client_id: row.client_id,
        product_id: draw.product_id,
        principal: draw.amount,
        annual_rate: None,
        installments: draw.installments,
        first_repayment_date: None,
        account_manager_id: None,
        purpose: draw.purpose.clone(),
    };
    let loan_id = apply_in(tx, actor, &application)?;
    let movement = Movement {
        kind: "drawn",
        amount: Some(draw.amount),
        loan_id: Some(loan_id),
        reason: None,
    };
    save(tx, actor, &mut row, &line, date, movement)?;
    tx.set_line_draw(loan_id, id, draw.amount.minor())?;
    let grade = effective_grade(tx, row.client_id)?.map(|(g, _)| g.name().to_string());
    let placement = Placement {
        forced_tier: Some(Tier::Low),
        line_available: Some(available_before),
        client_grade: grade,
    };
    start_workflow(tx, actor, loan_id, placement)?;
    crate::audit::record(
        tx,
        actor,
        "line.draw",
        "credit_line",
        id,
        Some(format!("loan={loan_id} amount={}", draw.amount.to_major_string())),
        None,
    )?;
    Ok(loan_id)
}

impl Institution {
    /// Grants a line by hand: a higher tier against its security (a
    /// maximum-amount guarantee contract, a guarantee company), or a
    /// pure-credit line within the client's effective grade.
    pub fn open_credit_line(&self, actor: Actor, open: OpenLine) -> Result<LineView, AppError> {
        let id = self.write(move |tx, _| open_job(tx, actor, open))?;
        self.credit_line(actor, id)
    }

    /// A line with its movements and the loans drawn on it.
    pub fn credit_line(&self, actor: Actor, id: i64) -> Result<LineView, AppError> {
        self.read(|r| {
            let staff = authorize(r, actor, Permission::ClientRead)?;
            let row = load_line(r, id)?;
            if !staff.sees_node(r, row.outlet_id)? {
                return Err(AppError::not_found("credit line", id));
            }
            line_view(r, row, business_date(r)?)
        })
    }

    /// Lines oldest first.
    pub fn credit_lines(&self, actor: Actor, page: PageRequest) -> Result<Page<LineView>, AppError> {
        self.read(|r| {
            let staff = authorize(r, actor, Permission::ClientRead)?;
            let limit = page.limit.clamp(1, crate::model::PAGE_LIMIT_MAX);
            let rows = r.credit_lines_page(page.after_id, limit)?;
            let next_after_id = (rows.len() == limit as usize)
                .then(|| rows.last().map(|x| x.id))
                .flatten();
            let date = business_date(r)?;
            let mut items = Vec::new();
            for row in rows {
                if staff.sees_node(r, row.outlet_id)? {
                    items.push(line_view(r, row, date)?);
                }
            }
            Ok(Page { items, next_after_id })
        })
    }

    /// A client's lines, newest first.
    pub fn credit_lines_of_client(&self, actor: Actor, client_id: i64) -> Result<Vec<LineView>, AppError> {
        self.read(|r| {
            let staff = authorize(r, actor, Permission::ClientRead)?;
            let client = r
                .client(client_id)
                .map_err(|_| AppError::not_found("client", client_id))?;
            staff.require_node(r, client.outlet_id)?;
            let date = business_date(r)?;
            r.credit_lines_of_client(client_id)?
                .into_iter()
                .map(|row| line_view(r, row, date))
                .collect()
        })
    }

    /// Freezes, unfreezes, cuts or cancels a line, with a reason.
    pub fn act_on_credit_line(&self, actor: Actor, id: i64, act: LineAct) -> Result<LineView, AppError> {
        self.write(move |tx, _| act_job(tx, actor, id, act))?;
        self.credit_line(actor, id)
    }

    /// Draws on a line: the amount becomes a loan application placed in the
    /// low tier of the origination workflow and is held on the line until
    /// its principal is repaid (or the application rejected or withdrawn).
    pub fn draw_on_line(&self, actor: Actor, id: i64, draw: DrawRequest) -> Result<LoanView, AppError> {
        let loan_id = self.write(move |tx, _| draw_job(tx, actor, id, draw))?;
        self.loan(actor, loan_id)
    }

    /// Brings one line in step with its loans now (what the end of day does
    /// for every line).
    pub fn reconcile_credit_line(&self, actor: Actor, id: i64) -> Result<LineView, AppError> {
        self.write(move |tx, _| {
            let staff = authorize(tx, actor, Permission::LoanApply)?;
            let mut row = load_line(tx, id)?;
            staff.require_node(tx, row.outlet_id)?;
            let date = business_date(tx)?;
            reconcile(tx, actor, &mut row, date)
        })?;
        self.credit_line(actor, id)
    }

    /// The currency lines are granted in (the rating configuration's).
    pub fn line_currency(&self, actor: Actor) -> Result<Currency, AppError> {
        Ok(self.rating_config(actor)?.currency)
    }
}
