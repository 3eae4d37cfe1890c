//! Collateral and guarantees (R-PROD-4), the client's total exposure and the
//! coverage and limit checks made before approval and before disbursement
//! (R-ORIG-5).
//!
//! Every piece of collateral has a value (integer minor units) and a haircut
//! (a `Decimal` fraction in [0, 1]); the value it counts for is
//! `value × (1 − haircut)`, rounded **down** to the minor unit
//! ([`COVERED_VALUE_ROUNDING`]) so that rounding never overstates the
//! security. Coverage is `Σ counted value / exposure`, rounded down to
//! [`COVERAGE_RATIO_DIGITS`] places ([`COVERAGE_RATIO_ROUNDING`]).

use crate::money::{Money, MoneyError};
use crate::rounding::{RoundingMode, round_decimal};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::fmt;

/// How a counted collateral value is brought to minor units.
pub const COVERED_VALUE_ROUNDING: RoundingMode = RoundingMode::Down;
/// How the coverage ratio is rounded.
pub const COVERAGE_RATIO_ROUNDING: RoundingMode = RoundingMode::Down;
/// Decimal places of the coverage ratio (0.0001 = one basis point).
pub const COVERAGE_RATIO_DIGITS: u32 = 4;

/// A kind of collateral or guarantee (R-PROD-4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CollateralKind {
    /// Pure credit on a rated line: nothing pledged.
    None,
    Guarantor,
    JointLiabilityGroup,
    GuaranteeCompany,
    Mortgage,
    MovableProperty,
    DepositPledge,
    TreasuryBond,
    InsurancePolicy,
    WarehouseReceipt,
    FiscalGuarantee,
    Equity,
}

impl CollateralKind {
    pub const ALL: [CollateralKind; 12] = [
        CollateralKind::None,
        CollateralKind::Guarantor,
        CollateralKind::JointLiabilityGroup,
        CollateralKind::GuaranteeCompany,
        CollateralKind::Mortgage,
        CollateralKind::MovableProperty,
        CollateralKind::DepositPledge,
        CollateralKind::TreasuryBond,
        CollateralKind::InsurancePolicy,
        CollateralKind::WarehouseReceipt,
        CollateralKind::FiscalGuarantee,
        CollateralKind::Equity,
    ];

    /// The stable name (`joint_liability_group`, …).
    pub fn name(self) -> &'static str {
        match self {
            CollateralKind::None => "none",
            CollateralKind::Guarantor => "guarantor",
            CollateralKind::JointLiabilityGroup => "joint_liability_group",
            CollateralKind::GuaranteeCompany => "guarantee_company",
            CollateralKind::Mortgage => "mortgage",
            CollateralKind::MovableProperty => "movable_property",
            CollateralKind::DepositPledge => "deposit_pledge",
            CollateralKind::TreasuryBond => "treasury_bond",
            CollateralKind::InsurancePolicy => "insurance_policy",
            CollateralKind::WarehouseReceipt => "warehouse_receipt",
            CollateralKind::FiscalGuarantee => "fiscal_guarantee",
            CollateralKind::Equity => "equity",
        }
    }

    pub fn parse(name: &str) -> Option<CollateralKind> {
        CollateralKind::ALL.into_iter().find(|k| k.name() == name.trim())
    }

    /// Whether the kind is a guarantee by a third party (rather than a pledge
    /// of an asset).
    pub fn is_guarantee(self) -> bool {
        matches!(
            self,
            CollateralKind::Guarantor
                | CollateralKind::JointLiabilityGroup
                | CollateralKind::GuaranteeCompany
                | CollateralKind::FiscalGuarantee
        )
    }

    /// The default haircut in percent (see docs/origination.md for the
    /// source of each figure). Pure credit counts for nothing.
    pub fn default_haircut_percent(self) -> u32 {
        match self {
            CollateralKind::None => 100,
            CollateralKind::Guarantor | CollateralKind::JointLiabilityGroup => 50,
            CollateralKind::GuaranteeCompany | CollateralKind::FiscalGuarantee => 20,
            CollateralKind::Mortgage => 30,
            CollateralKind::MovableProperty | CollateralKind::Equity => 50,
            CollateralKind::DepositPledge => 0,
            CollateralKind::TreasuryBond => 10,
            CollateralKind::InsurancePolicy => 20,
            CollateralKind::WarehouseReceipt => 40,
        }
    }
}

impl fmt::Display for CollateralKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a collateral calculation or a limit check was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CollateralError {
    #[error("a haircut must lie between 0 and 1, not {haircut}")]
    HaircutOutOfRange { haircut: Decimal },
    #[error("the value of collateral {index} must not be negative")]
    NegativeValue { index: usize },
    #[error("{field} must not be negative")]
    NegativeExposure { field: &'static str },
    #[error("amounts in different currencies cannot be combined")]
    CurrencyMismatch,
    #[error("the amount is too large to represent")]
    Overflow,
    #[error("the client's exposure {exposure} would exceed the limit {limit}")]
    ExposureOverLimit { limit: Money, exposure: Money },
    #[error("the collateral covers {actual} of the exposure; at least {required} is required")]
    CoverageBelowMinimum { required: Decimal, actual: Decimal },
    #[error("the pure-credit amount {amount} exceeds the published line {line}")]
    PureCreditOverLine { line: Money, amount: Money },
}

impl CollateralError {
    /// The stable code for problem+json.
    pub fn code(&self) -> &'static str {
        match self {
            CollateralError::HaircutOutOfRange { .. } => "collateral-haircut-out-of-range",
            CollateralError::NegativeValue { .. } => "collateral-negative-value",
            CollateralError::NegativeExposure { .. } => "exposure-negative",
            CollateralError::CurrencyMismatch => "currency-mismatch",
            CollateralError::Overflow => "amount-overflow",
            CollateralError::ExposureOverLimit { .. } => "limit-exposure-over-limit",
            CollateralError::CoverageBelowMinimum { .. } => "limit-coverage-below-minimum",
            CollateralError::PureCreditOverLine { .. } => "limit-pure-credit-over-line",
        }
    }

    /// The translation key (`refusal.limit-exposure-over-limit`).
    pub fn key(&self) -> String {
        format!("refusal.{}", self.code())
    }
}

impl From<MoneyError> for CollateralError {
    fn from(e: MoneyError) -> Self {
        match e {
            MoneyError::CurrencyMismatch => CollateralError::CurrencyMismatch,
            _ => CollateralError::Overflow,
        }
    }
}

/// The haircut of every kind: the defaults, then configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HaircutTable {
    haircuts: BTreeMap<CollateralKind, Decimal>,
}

impl Default for HaircutTable {
    fn default() -> Self {
        let haircuts = CollateralKind::ALL
            .into_iter()
            .map(|k| (k, Decimal::new(i64::from(k.default_haircut_percent()), 2)))
            .collect();
        HaircutTable { haircuts }
    }
}

impl HaircutTable {
    /// The haircut of `kind`.
    pub fn haircut(&self, kind: CollateralKind) -> Decimal {
        self.haircuts.get(&kind).copied().unwrap_or(Decimal::ONE)
    }

    /// Configures the haircut of `kind`; it must lie in [0, 1].
    pub fn set(&mut self, kind: CollateralKind, haircut: Decimal) -> Result<(), CollateralError> {
        check_haircut(haircut)?;
        self.haircuts.insert(kind, haircut);
        Ok(())
    }
}

fn check_haircut(haircut: Decimal) -> Result<(), CollateralError> {
    if haircut < Decimal::ZERO || haircut > Decimal::ONE {
        return Err(CollateralError::HaircutOutOfRange { haircut });
    }
    Ok(())
}

/// One piece of collateral or one guarantee.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Collateral {
    pub kind: CollateralKind,
    /// The appraised value, or the guaranteed amount for a guarantee.
    pub value: Money,
    /// A haircut for this item that replaces the kind's configured one.
    pub haircut_override: Option<Decimal>,
}

impl Collateral {
    pub fn new(kind: CollateralKind, value: Money) -> Collateral {
        Collateral {
            kind,
            value,
            haircut_override: None,
        }
    }
}

/// `value × (1 − haircut)`, rounded down to the minor unit.
pub fn counted_value(value: Money, haircut: Decimal) -> Result<Money, CollateralError> {
    check_haircut(haircut)?;
    let kept = Decimal::from(value.minor())
        .checked_mul(Decimal::ONE - haircut)
        .ok_or(CollateralError::Overflow)?;
    let minor = round_decimal(kept, 0, COVERED_VALUE_ROUNDING);
    let minor = i64::try_from(minor).map_err(|_| CollateralError::Overflow)?;
    Ok(Money::from_minor(minor, value.currency()))
}

/// The client's total exposure (R-ORIG-5): all loans, lines and guarantees
/// given for others. Each part is non-negative.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exposure {
    /// Principal outstanding on every loan of the client.
    pub loans_outstanding: Money,
    /// The undrawn part of the client's credit lines.
    pub undrawn_lines: Money,
    /// Guarantees the client has given for other people's loans.
    pub guarantees_given: Money,
}

impl Exposure {
    /// The sum of the three parts (checked).
    pub fn total(&self) -> Result<Money, CollateralError> {
        let parts = [
            ("loans_outstanding", self.loans_outstanding),
            ("undrawn_lines", self.undrawn_lines),
            ("guarantees_given", self.guarantees_given),
        ];
        if let Some((field, _)) = parts.iter().find(|(_, m)| m.is_negative()) {
            return Err(CollateralError::NegativeExposure { field });
        }
        let total = self.loans_outstanding.checked_add(self.undrawn_lines)?;
        Ok(total.checked_add(self.guarantees_given)?)
    }

    /// The total once a new loan of `amount` is added.
    pub fn total_with(&self, amount: Money) -> Result<Money, CollateralError> {
        if amount.is_negative() {
            return Err(CollateralError::NegativeExposure { field: "amount" });
        }
        Ok(self.total()?.checked_add(amount)?)
    }
}

/// The result of a coverage calculation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Coverage {
    /// Σ value × (1 − haircut), each item rounded down.
    pub counted_value: Money,
    pub exposure: Money,
    /// counted / exposure, rounded down to 4 places; `None` when the exposure
    /// is zero (nothing to cover).
    pub ratio: Option<Decimal>,
}

/// Coverage of `exposure` by `items` under `haircuts`.
pub fn coverage(
    items: &[Collateral],
    haircuts: &HaircutTable,
    exposure: Money,
) -> Result<Coverage, CollateralError> {
    let mut counted = Money::zero(exposure.currency());
    for (index, item) in items.iter().enumerate() {
        if item.value.is_negative() {
            return Err(CollateralError::NegativeValue { index });
        }
        let haircut = item
            .haircut_override
            .unwrap_or_else(|| haircuts.haircut(item.kind));
        counted = counted.checked_add(counted_value(item.value, haircut)?)?;
    }
    if exposure.is_negative() {
        return Err(CollateralError::NegativeExposure { field: "exposure" });
    }
    let ratio = if exposure.is_zero() {
        None
    } else {
        let r = Decimal::from(counted.minor()) / Decimal::from(exposure.minor());
        Some(round_decimal(r, COVERAGE_RATIO_DIGITS, COVERAGE_RATIO_ROUNDING))
    };
    Ok(Coverage {
        counted_value: counted,
        exposure,
        ratio,
    })
}

/// The limits checked before approval and before disbursement. `None` means
/// "no such limit configured".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    /// The most one client may owe in total (the single-borrower limit of §7,
    /// computed by the caller from net capital).
    pub single_client_max: Option<Money>,
    /// The least coverage ratio when the loan is not pure credit.
    pub coverage_min: Option<Decimal>,
}

/// What a limit check is asked about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LimitCheck<'a> {
    /// The amount of the application (or of the disbursement).
    pub amount: Money,
    pub exposure: Exposure,
    pub collateral: &'a [Collateral],
    /// The available part of the client's published pure-credit line, if
    /// the loan is pure credit (no collateral other than `none`).
    pub pure_credit_line_available: Option<Money>,
}

/// Checks exposure, pure-credit line and coverage, in that order, and
/// returns the coverage computed on the exposure including `amount`.
pub fn check_limits(
    check: &LimitCheck<'_>,
    haircuts: &HaircutTable,
    limits: &Limits,
) -> Result<Coverage, CollateralError> {
    let total = check.exposure.total_with(check.amount)?;
    if let Some(limit) = limits.single_client_max {
        if total.currency() != limit.currency() {
            return Err(CollateralError::CurrencyMismatch);
        }
        if total.minor() > limit.minor() {
            return Err(CollateralError::ExposureOverLimit {
                limit,
                exposure: total,
            });
        }
    }
    let pure_credit = check.collateral.iter().all(|c| c.kind == CollateralKind::None);
    if pure_credit {
        let line = check
            .pure_credit_line_available
            .unwrap_or(Money::zero(check.amount.currency()));
        if check.amount.checked_sub(line)?.is_positive() {
            return Err(CollateralError::PureCreditOverLine {
                line,
                amount: check.amount,
            });
        }
    }
    let cover = coverage(check.collateral, haircuts, total)?;
    if let (false, Some(required), Some(actual)) = (pure_credit, limits.coverage_min, cover.ratio)
        && actual < required
    {
        return Err(CollateralError::CoverageBelowMinimum { required, actual });
    }
    Ok(cover)
}
