//! Risk tiers and the configurable rules that place an application in one
//! (R-ORIG-1): ordered rules, the first that matches decides.

use crate::collateral::CollateralKind;
use crate::money::{Currency, Money};
use std::fmt;

/// The risk tier of an application; it selects the process.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tier {
    Low,
    Medium,
    High,
}

impl Tier {
    pub const ALL: [Tier; 3] = [Tier::Low, Tier::Medium, Tier::High];

    pub fn name(self) -> &'static str {
        match self {
            Tier::Low => "low",
            Tier::Medium => "medium",
            Tier::High => "high",
        }
    }

    pub fn parse(name: &str) -> Option<Tier> {
        Tier::ALL.into_iter().find(|t| t.name() == name)
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Who borrows: the documents' low and medium processes are for farmer
/// households; businesses go through the high-risk process.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BorrowerKind {
    Household,
    Business,
}

/// What the tier rules look at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TierInput {
    pub amount: Money,
    pub product_code: String,
    /// Every kind of collateral offered (`[None]` or empty for pure credit).
    pub collateral: Vec<CollateralKind>,
    /// The client's grade code (`general`, `good`, `excellent`), if rated.
    pub client_grade: Option<String>,
    /// The client's total exposure before this application.
    pub exposure: Money,
    pub borrower: BorrowerKind,
    /// The available part of the client's published pure-credit line.
    pub line_available: Option<Money>,
}

impl TierInput {
    fn is_pure_credit(&self) -> bool {
        self.collateral.iter().all(|k| *k == CollateralKind::None)
    }
}

/// The conditions of one rule; every condition set must hold (`None` and
/// empty lists mean "any").
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TierConditions {
    /// amount ≤ this.
    pub amount_max: Option<Money>,
    /// exposure + amount ≤ this.
    pub exposure_after_max: Option<Money>,
    pub products: Vec<String>,
    pub borrowers: Vec<BorrowerKind>,
    pub grades: Vec<String>,
    /// `Some(true)`: only pure credit; `Some(false)`: only secured.
    pub pure_credit: Option<bool>,
    /// Every offered kind must be in this list (empty = any).
    pub collateral_kinds: Vec<CollateralKind>,
    /// The amount must fit the published pure-credit line.
    pub within_line: bool,
}

/// One rule: when its conditions hold, the application is in `tier`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TierRule {
    /// A stable name, recorded with the decision (`low-published-line`).
    pub name: String,
    pub tier: Tier,
    pub when: TierConditions,
}

/// The tier an application was placed in and the rule that decided it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TierDecision {
    pub tier: Tier,
    /// The deciding rule, or `None` when no rule matched (then `High`).
    pub rule: Option<String>,
}

/// Why the tier could not be decided.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TierError {
    #[error("rule {rule:?} is in {rule_currency} but the application is in {currency}")]
    CurrencyMismatch {
        rule: String,
        rule_currency: Currency,
        currency: Currency,
    },
    #[error("the {field} must not be negative")]
    Negative { field: &'static str },
    #[error("the amount is too large to represent")]
    Overflow,
}

/// The ordered tier rules; the first matching rule decides, and an
/// application no rule matches is `High` (the safe default).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TierRules {
    pub rules: Vec<TierRule>,
}

impl TierRules {
    /// The documents' defaults in `currency` (amounts in major units):
    /// 1. `low-published-line`: a household, pure credit, rated, within its
    ///    published line, amount ≤ 10,000 (R-RATE-2's top pure-credit line);
    /// 2. `medium-guaranteed`: a household, secured, amount ≤ 100,000 and
    ///    exposure after the loan ≤ 100,000 (R-LINE-2's guarantee tier);
    /// 3. `medium-small-unlined`: a household, amount ≤ 10,000 without a
    ///    line (reviewed before the credit grant);
    /// 4. anything else (businesses, above 100,000): high.
    pub fn defaults(currency: Currency) -> TierRules {
        let major = |n: i64| Money::from_minor(n * currency.minor_per_major(), currency);
        let household = vec![BorrowerKind::Household];
        let low = TierConditions {
            amount_max: Some(major(10_000)),
            borrowers: household.clone(),
            grades: vec!["general".into(), "good".into(), "excellent".into()],
            pure_credit: Some(true),
            within_line: true,
            ..TierConditions::default()
        };
        let medium = TierConditions {
            amount_max: Some(major(100_000)),
            exposure_after_max: Some(major(100_000)),
            borrowers: household.clone(),
            pure_credit: Some(false),
            ..TierConditions::default()
        };
        let small = TierConditions {
            amount_max: Some(major(10_000)),
            borrowers: household,
            ..TierConditions::default()
        };
        let rule = |name: &str, tier, when| TierRule {
            name: name.into(),
            tier,
            when,
        };
        TierRules {
            rules: vec![
                rule("low-published-line", Tier::Low, low),
                rule("medium-guaranteed", Tier::Medium, medium),
                rule("medium-small-unlined", Tier::Medium, small),
                rule("high-default", Tier::High, TierConditions::default()),
            ],
        }
    }

    /// Places `input` in a tier.
    pub fn decide(&self, input: &TierInput) -> Result<TierDecision, TierError> {
        if input.amount.is_negative() {
            return Err(TierError::Negative { field: "amount" });
        }
        if input.exposure.is_negative() {
            return Err(TierError::Negative { field: "exposure" });
        }
        for rule in &self.rules {
            if matches(rule, input)? {
                return Ok(TierDecision {
                    tier: rule.tier,
                    rule: Some(rule.name.clone()),
                });
            }
        }
        Ok(TierDecision {
            tier: Tier::High,
            rule: None,
        })
    }
}

fn at_most(rule: &TierRule, value: Money, max: Option<Money>) -> Result<bool, TierError> {
    let Some(max) = max else { return Ok(true) };
    if max.currency() != value.currency() {
        return Err(TierError::CurrencyMismatch {
            rule: rule.name.clone(),
            rule_currency: max.currency(),
            currency: value.currency(),
        });
    }
    Ok(value.minor() <= max.minor())
}

fn matches(rule: &TierRule, input: &TierInput) -> Result<bool, TierError> {
    let when = &rule.when;
    let exposure_after = input
        .exposure
        .checked_add(input.amount)
        .map_err(|_| TierError::Overflow)?;
    let listed = |list: &[String], value: &str| list.is_empty() || list.iter().any(|v| v == value);
    let grade_ok = when.grades.is_empty()
        || input
            .client_grade
            .as_deref()
            .is_some_and(|g| listed(&when.grades, g));
    let kinds_ok = when.collateral_kinds.is_empty()
        || input.collateral.iter().all(|k| when.collateral_kinds.contains(k));
    let line_ok = !when.within_line
        || input.line_available.is_some_and(|line| {
            line.currency() == input.amount.currency() && input.amount.minor() <= line.minor()
        });
    Ok(at_most(rule, input.amount, when.amount_max)?
        && at_most(rule, exposure_after, when.exposure_after_max)?
        && listed(&when.products, &input.product_code)
        && (when.borrowers.is_empty() || when.borrowers.contains(&input.borrower))
        && grade_ok
        && when.pure_credit.is_none_or(|p| p == input.is_pure_credit())
        && kinds_ok
        && line_ok)
}
