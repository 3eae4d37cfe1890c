//! Collateral and guarantees of an application (R-PROD-4), the client's
//! total exposure and the coverage after haircuts (R-ORIG-5), the staff's
//! recorded relatives and the configured approval ceilings — the facts the
//! origination workflow checks.
//!
//! Exposure = principal outstanding on the client's other approved or
//! disbursed loans + the undrawn part of its credit lines + the guarantees
//! it gave for other clients' live loans. The limits in force are
//! [`limits`]: collateral (after haircuts) must cover the whole exposure
//! with the application for a secured loan, and pure credit must fit the
//! published line.

use crate::access::authorize;
use crate::error::AppError;
use crate::institution::{Institution, business_date, product_rules};
use crate::model::Actor;
use credgrid_core::authz::Permission;
use credgrid_core::collateral::{
    Collateral, CollateralKind, Exposure, HaircutTable, LimitCheck, Limits, check_limits, counted_value,
    coverage,
};
use credgrid_core::money::{Currency, Money};
use credgrid_core::origination::ExposureFacts;
use credgrid_store::{CollateralRow, LoanRow, ReadTx};
use rust_decimal::Decimal;

/// The longest description or relation accepted, in characters.
const DESCRIPTION_LEN_MAX: usize = 200;
/// The most pieces of collateral on one application.
const COLLATERAL_ITEMS_MAX: usize = 50;

/// A piece of collateral or a guarantee to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCollateral {
    /// A `CollateralKind` name (`guarantor`, `mortgage`, …).
    pub kind: String,
    /// The appraised value, or the guaranteed amount.
    pub value: Money,
    /// A haircut in [0, 1] replacing the kind's default.
    pub haircut: Option<Decimal>,
    /// The client who guarantees (guarantor kinds).
    pub guarantor_client_id: Option<i64>,
    pub description: String,
}

/// A recorded piece of collateral with what it counts for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CollateralView {
    pub id: i64,
    pub loan_id: i64,
    pub kind: String,
    pub value: Money,
    /// The haircut applied (the override, or the kind's default).
    pub haircut: Decimal,
    /// value × (1 − haircut), rounded down.
    pub counted_value: Money,
    pub guarantor_client_id: Option<i64>,
    pub description: String,
    pub recorded_by: i64,
    pub recorded_on: chrono::NaiveDate,
}

/// The R-ORIG-5 figures of an application as they stand now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExposureView {
    pub loans_outstanding: Money,
    pub undrawn_lines: Money,
    pub guarantees_given: Money,
    /// The application's amount.
    pub amount: Money,
    /// The total exposure once the application is added.
    pub total_with_application: Money,
    pub counted_collateral: Money,
    /// counted / total, 4 places rounded down; `None` when nothing is owed.
    pub coverage_ratio: Option<Decimal>,
    pub coverage_min: Option<Decimal>,
    pub pure_credit: bool,
    pub line_available: Option<Money>,
    /// `None` when the limits pass; else the refusal code and its sentence.
    pub breach: Option<(String, String)>,
}

/// The limits in force: secured loans covered in full after haircuts (the
/// haircut is the margin: a 30% mortgage haircut is a 70% loan-to-value
/// ceiling); no single-client limit until §7's net capital is known.
pub fn limits() -> Limits {
    Limits {
        single_client_max: None,
        coverage_min: Some(Decimal::ONE),
    }
}

fn currency_of(r: &ReadTx<'_>, loan: &LoanRow) -> Result<Currency, AppError> {
    Ok(product_rules(r, loan.product_id)?.currency)
}

/// The undrawn part of the client's active credit lines in `currency`
/// (limit − drawn, never negative; frozen and cancelled lines count for
/// nothing), as the lines module stores them.
fn undrawn_lines(r: &ReadTx<'_>, client_id: i64, currency: Currency) -> Result<Money, AppError> {
    let mut undrawn = Money::zero(currency);
    for line in r.credit_lines_of_client(client_id)? {
        let same = crate::rating_config::parse_currency(&line.currency).is_ok_and(|c| c == currency);
        if line.state != "active" || !same {
            continue;
        }
        let part = Money::from_minor((line.limit_minor - line.drawn_minor).max(0), currency);
        undrawn = undrawn.checked_add(part).map_err(|_| {
            AppError::invalid("exposure", "the client's credit lines are too large to add up")
        })?;
    }
    Ok(undrawn)
}

/// The client's exposure before `loan`.
pub(crate) fn exposure_of(r: &ReadTx<'_>, loan: &LoanRow) -> Result<Exposure, AppError> {
    let currency = currency_of(r, loan)?;
    let code = currency.code();
    Ok(Exposure {
        loans_outstanding: Money::from_minor(
            r.client_loans_outstanding(loan.client_id, code, loan.id)?,
            currency,
        ),
        undrawn_lines: undrawn_lines(r, loan.client_id, currency)?,
        guarantees_given: Money::from_minor(r.client_guarantees_given(loan.client_id, code)?, currency),
    })
}

fn parse_haircut(row: &CollateralRow) -> Result<Option<Decimal>, AppError> {
    row.haircut
        .as_deref()
        .map(|h| h.parse::<Decimal>())
        .transpose()
        .map_err(|e| AppError::Internal(format!("collateral {}: haircut: {e}", row.id)))
}

fn core_collateral(row: &CollateralRow, currency: Currency) -> Result<Collateral, AppError> {
    let kind = CollateralKind::parse(&row.kind)
        .ok_or_else(|| AppError::Internal(format!("collateral {}: kind {}", row.id, row.kind)))?;
    Ok(Collateral {
        kind,
        value: Money::from_minor(row.value_minor, currency),
        haircut_override: parse_haircut(row)?,
    })
}

/// The exposure and collateral the workflow checks before approval and
/// before disbursement.
pub(crate) fn exposure_facts(
    r: &ReadTx<'_>,
    loan: &LoanRow,
    line_available_minor: Option<i64>,
) -> Result<ExposureFacts, AppError> {
    let currency = currency_of(r, loan)?;
    let collateral = r
        .loan_collateral(loan.id)?
        .iter()
        .map(|c| core_collateral(c, currency))
        .collect::<Result<_, _>>()?;
    Ok(ExposureFacts {
        exposure: exposure_of(r, loan)?,
        collateral,
        pure_credit_line_available: line_available_minor.map(|m| Money::from_minor(m, currency)),
    })
}

pub(crate) fn exposure_view(
    r: &ReadTx<'_>,
    loan: &LoanRow,
    line_available_minor: Option<i64>,
) -> Result<ExposureView, AppError> {
    let currency = currency_of(r, loan)?;
    let facts = exposure_facts(r, loan, line_available_minor)?;
    let amount = Money::from_minor(loan.principal_minor, currency);
    let internal = |e: credgrid_core::collateral::CollateralError| AppError::Refused {
        rule: e.code(),
        detail: e.to_string(),
    };
    let total = facts.exposure.total_with(amount).map_err(internal)?;
    let cover = coverage(&facts.collateral, &HaircutTable::default(), total).map_err(internal)?;
    let check = LimitCheck {
        amount,
        exposure: facts.exposure,
        collateral: &facts.collateral,
        pure_credit_line_available: facts.pure_credit_line_available,
    };
    let limits = limits();
    let breach = check_limits(&check, &HaircutTable::default(), &limits)
        .err()
        .map(|e| (e.code().to_string(), e.to_string()));
    Ok(ExposureView {
        loans_outstanding: facts.exposure.loans_outstanding,
        undrawn_lines: facts.exposure.undrawn_lines,
        guarantees_given: facts.exposure.guarantees_given,
        amount,
        total_with_application: total,
        counted_collateral: cover.counted_value,
        coverage_ratio: cover.ratio,
        coverage_min: limits.coverage_min,
        pure_credit: facts.collateral.iter().all(|c| c.kind == CollateralKind::None),
        line_available: facts.pure_credit_line_available,
        breach,
    })
}

pub(crate) fn collateral_views(r: &ReadTx<'_>, loan_id: i64) -> Result<Vec<CollateralView>, AppError> {
    let loan = r.loan(loan_id)?;
    let currency = currency_of(r, &loan)?;
    let table = HaircutTable::default();
    r.loan_collateral(loan_id)?
        .into_iter()
        .map(|row| {
            let item = core_collateral(&row, currency)?;
            let haircut = item.haircut_override.unwrap_or_else(|| table.haircut(item.kind));
            let counted =
                counted_value(item.value, haircut).map_err(|e| AppError::Internal(e.to_string()))?;
            Ok(CollateralView {
                id: row.id,
                loan_id: row.loan_id,
                kind: row.kind,
                value: item.value,
                haircut,
                counted_value: counted,
                guarantor_client_id: row.guarantor_client_id,
                description: row.description,
                recorded_by: row.recorded_by,
                recorded_on: row.recorded_on,
            })
        })
        .collect()
}

fn check_description(field: &str, text: &str) -> Result<String, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(AppError::invalid(field, "must not be empty"));
    }
    if text.chars().count() > DESCRIPTION_LEN_MAX || text.chars().any(char::is_control) {
        return Err(AppError::invalid(
            field,
            format!("must be at most {DESCRIPTION_LEN_MAX} characters without control characters"),
        ));
    }
    Ok(text.to_string())
}

/// Checks a new piece of collateral against its loan.
fn collateral_row(
    r: &ReadTx<'_>,
    loan: &LoanRow,
    new: &NewCollateral,
    actor: Actor,
) -> Result<CollateralRow, AppError> {
    let kind = CollateralKind::parse(&new.kind).ok_or_else(|| {
        let names: Vec<&str> = CollateralKind::ALL.iter().map(|k| k.name()).collect();
        AppError::invalid("kind", format!("must be one of {}", names.join(", ")))
    })?;
    let currency = currency_of(r, loan)?;
    if new.value.currency() != currency {
        return Err(AppError::invalid(
            "value",
            format!("must be in the loan's currency {}", currency.code()),
        ));
    }
    if new.value.is_negative() {
        return Err(AppError::invalid("value", "must not be negative"));
    }
    if let Some(h) = new.haircut
        && (h < Decimal::ZERO || h > Decimal::ONE)
    {
        return Err(AppError::invalid("haircut", "must lie between 0 and 1"));
    }
    if let Some(g) = new.guarantor_client_id {
        if !kind.is_guarantee() {
            return Err(AppError::invalid(
                "guarantor_client_id",
                "only a guarantee has a guarantor",
            ));
        }
        if g == loan.client_id {
            return Err(AppError::invalid(
                "guarantor_client_id",
                "the borrower cannot guarantee their own loan",
            ));
        }
        r.client(g)
            .map_err(|_| AppError::invalid("guarantor_client_id", format!("client {g} does not exist")))?;
    }
    Ok(CollateralRow {
        id: 0,
        loan_id: loan.id,
        kind: kind.name().to_string(),
        currency: currency.code().to_string(),
        value_minor: new.value.minor(),
        haircut: new.haircut.map(|h| h.normalize().to_string()),
        guarantor_client_id: new.guarantor_client_id,
        description: check_description("description", &new.description)?,
        recorded_by: actor.user_id,
        recorded_on: business_date(r)?,
    })
}

impl Institution {
    /// Records a piece of collateral or a guarantee of application
    /// `loan_id` (before it is disbursed). While nobody has acted on the
    /// application its tier is decided again, since collateral changes it.
    pub fn record_collateral(
        &self,
        actor: Actor,
        loan_id: i64,
        new: NewCollateral,
    ) -> Result<CollateralView, AppError> {
        let id = self.write(move |tx, _| {
            let staff = authorize(tx, actor, Permission::CollateralWrite)?;
            let loan = tx.loan(loan_id)?;
            staff.require_node(tx, loan.outlet_id)?;
            if loan.status != "application" && loan.status != "approved" {
                return Err(AppError::InvalidState {
                    entity: "loan",
                    id: loan_id.to_string(),
                    state: loan.status,
                    action: "recording collateral",
                });
            }
            if tx.loan_collateral(loan_id)?.len() >= COLLATERAL_ITEMS_MAX {
                return Err(AppError::invalid(
                    "kind",
                    format!("at most {COLLATERAL_ITEMS_MAX} items"),
                ));
            }
            let row = collateral_row(tx, &loan, &new, actor)?;
            let total = tx
                .loan_collateral(loan_id)?
                .iter()
                .try_fold(row.value_minor, |sum, c| sum.checked_add(c.value_minor));
            if total.is_none() {
                return Err(AppError::invalid("value", "the collateral's total is too large"));
            }
            let id = tx.insert_collateral(&row)?;
            let after = format!("kind={} value={}", row.kind, new.value.to_major_string());
            crate::audit::record(tx, actor, "collateral.record", "loan", loan_id, Some(after), None)?;
            let unplaced_or_untouched = loan.status == "application" && tx.workflow_acts(loan_id)?.is_empty();
            if unplaced_or_untouched {
                let placement = match tx.workflow(loan_id)? {
                    Some(w) if w.tier_rule == "forced" => None,
                    Some(w) => Some(crate::origination::Placement {
                        line_available: w
                            .line_available_minor
                            .map(|m| Money::from_minor(m, new.value.currency())),
                        ..Default::default()
                    }),
                    None => Some(Default::default()),
                };
                if let Some(placement) = placement {
                    crate::origination::start_workflow(tx, actor, loan_id, placement)?;
                }
            }
            Ok(id)
        })?;
        self.collateral(actor, loan_id)?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or_else(|| AppError::Internal(format!("collateral {id} vanished")))
    }

    /// The collateral and guarantees of application `loan_id`.
    pub fn collateral(&self, actor: Actor, loan_id: i64) -> Result<Vec<CollateralView>, AppError> {
        self.read(|r| {
            let staff = authorize(r, actor, Permission::LoanRead)?;
            let loan = r.loan(loan_id)?;
            staff.require_node(r, loan.outlet_id)?;
            collateral_views(r, loan_id)
        })
    }
}
