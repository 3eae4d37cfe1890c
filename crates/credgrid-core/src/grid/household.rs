//! The household information file (R-GRID-3): members, land, livestock,
//! income sources, assets and debts, visit notes and the financial needs the
//! grid worker collected, and which required parts are still missing.
//!
//! Each part that may legitimately be empty (a shopkeeper has no land) is an
//! `Option`: `None` means "not collected yet", `Some(vec![])` means "asked;
//! there is none". Repayment history is not part of the file: it comes from
//! the ledger and is handed to the scorecard separately.

use super::HouseholdId;
use crate::authz::UserId;
use crate::money::{Currency, Money, MoneyError};
use chrono::NaiveDate;
use std::collections::BTreeSet;

/// How a member relates to the head of the household.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Relation {
    Head,
    Spouse,
    Child,
    Parent,
    Other,
}

impl Relation {
    pub const ALL: [Relation; 5] = [
        Relation::Head,
        Relation::Spouse,
        Relation::Child,
        Relation::Parent,
        Relation::Other,
    ];

    /// The stable name, also the translation key suffix.
    pub fn name(self) -> &'static str {
        match self {
            Relation::Head => "head",
            Relation::Spouse => "spouse",
            Relation::Child => "child",
            Relation::Parent => "parent",
            Relation::Other => "other",
        }
    }

    /// The translation key (`grid.relation.head`).
    pub fn key(self) -> String {
        format!("grid.relation.{}", self.name())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub name: String,
    pub relation: Relation,
    pub birth_year: Option<i32>,
    /// Whether the member works (counts as household labour).
    pub works: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LandKind {
    Farmland,
    Orchard,
    Forest,
    Pond,
    Homestead,
    Other,
}

impl LandKind {
    pub const ALL: [LandKind; 6] = [
        LandKind::Farmland,
        LandKind::Orchard,
        LandKind::Forest,
        LandKind::Pond,
        LandKind::Homestead,
        LandKind::Other,
    ];

    /// The stable name, also the translation key suffix.
    pub fn name(self) -> &'static str {
        match self {
            LandKind::Farmland => "farmland",
            LandKind::Orchard => "orchard",
            LandKind::Forest => "forest",
            LandKind::Pond => "pond",
            LandKind::Homestead => "homestead",
            LandKind::Other => "other",
        }
    }

    /// The translation key (`grid.land.farmland`).
    pub fn key(self) -> String {
        format!("grid.land.{}", self.name())
    }
}

/// A plot, in hundredths of a mu (1 mu ≈ 666.7 m²) so that no float is needed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Land {
    pub kind: LandKind,
    pub area_centimu: u32,
    /// Contracted land (承包地) rather than leased in.
    pub contracted: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LivestockKind {
    Pig,
    Cattle,
    Sheep,
    Poultry,
    Fish,
    Other,
}

impl LivestockKind {
    pub const ALL: [LivestockKind; 6] = [
        LivestockKind::Pig,
        LivestockKind::Cattle,
        LivestockKind::Sheep,
        LivestockKind::Poultry,
        LivestockKind::Fish,
        LivestockKind::Other,
    ];

    /// The stable name, also the translation key suffix.
    pub fn name(self) -> &'static str {
        match self {
            LivestockKind::Pig => "pig",
            LivestockKind::Cattle => "cattle",
            LivestockKind::Sheep => "sheep",
            LivestockKind::Poultry => "poultry",
            LivestockKind::Fish => "fish",
            LivestockKind::Other => "other",
        }
    }

    /// The translation key (`grid.livestock.pig`).
    pub fn key(self) -> String {
        format!("grid.livestock.{}", self.name())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Livestock {
    pub kind: LivestockKind,
    pub head_count: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IncomeKind {
    Crops,
    Livestock,
    Wages,
    Business,
    Transfers,
    Other,
}

impl IncomeKind {
    pub const ALL: [IncomeKind; 6] = [
        IncomeKind::Crops,
        IncomeKind::Livestock,
        IncomeKind::Wages,
        IncomeKind::Business,
        IncomeKind::Transfers,
        IncomeKind::Other,
    ];

    /// The stable name, also the translation key suffix.
    pub fn name(self) -> &'static str {
        match self {
            IncomeKind::Crops => "crops",
            IncomeKind::Livestock => "livestock",
            IncomeKind::Wages => "wages",
            IncomeKind::Business => "business",
            IncomeKind::Transfers => "transfers",
            IncomeKind::Other => "other",
        }
    }

    /// The translation key (`grid.income.crops`).
    pub fn key(self) -> String {
        format!("grid.income.{}", self.name())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IncomeSource {
    pub kind: IncomeKind,
    pub annual: Money,
    /// Years this source has lasted (income stability).
    pub years: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Asset {
    pub description: String,
    pub value: Money,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Debt {
    pub creditor: String,
    pub outstanding: Money,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VisitNote {
    pub date: NaiveDate,
    pub by: UserId,
    pub text: String,
}

/// A financial need collected by the grid worker (R-GRID-3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FinancialNeed {
    Credit,
    Settlement,
    Payroll,
    Insurance,
    WealthManagement,
    Advice,
}

impl FinancialNeed {
    pub const ALL: [FinancialNeed; 6] = [
        FinancialNeed::Credit,
        FinancialNeed::Settlement,
        FinancialNeed::Payroll,
        FinancialNeed::Insurance,
        FinancialNeed::WealthManagement,
        FinancialNeed::Advice,
    ];

    pub fn name(self) -> &'static str {
        match self {
            FinancialNeed::Credit => "credit",
            FinancialNeed::Settlement => "settlement",
            FinancialNeed::Payroll => "payroll",
            FinancialNeed::Insurance => "insurance",
            FinancialNeed::WealthManagement => "wealth_management",
            FinancialNeed::Advice => "advice",
        }
    }

    /// The translation key (`grid.need.credit`).
    pub fn key(self) -> String {
        format!("grid.need.{}", self.name())
    }
}

/// A part of the file that can be missing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FilePart {
    Identity,
    Members,
    Land,
    Livestock,
    IncomeSources,
    Assets,
    Debts,
    Visits,
    Needs,
}

impl FilePart {
    pub const ALL: [FilePart; 9] = [
        FilePart::Identity,
        FilePart::Members,
        FilePart::Land,
        FilePart::Livestock,
        FilePart::IncomeSources,
        FilePart::Assets,
        FilePart::Debts,
        FilePart::Visits,
        FilePart::Needs,
    ];

    pub fn name(self) -> &'static str {
        match self {
            FilePart::Identity => "identity",
            FilePart::Members => "members",
            FilePart::Land => "land",
            FilePart::Livestock => "livestock",
            FilePart::IncomeSources => "income_sources",
            FilePart::Assets => "assets",
            FilePart::Debts => "debts",
            FilePart::Visits => "visits",
            FilePart::Needs => "needs",
        }
    }

    /// The translation key (`grid.part.land`).
    pub fn key(self) -> String {
        format!("grid.part.{}", self.name())
    }
}

/// The customer information file of one household or small business.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct HouseholdFile {
    pub household: Option<HouseholdId>,
    /// The head's identity document number, as checked by `crate::identity`.
    pub identity_number: Option<String>,
    pub members: Vec<Member>,
    pub land: Option<Vec<Land>>,
    pub livestock: Option<Vec<Livestock>>,
    pub income_sources: Option<Vec<IncomeSource>>,
    pub assets: Option<Vec<Asset>>,
    pub debts: Option<Vec<Debt>>,
    pub visits: Vec<VisitNote>,
    pub needs: Option<BTreeSet<FinancialNeed>>,
}

/// Which parts a file must have to count as complete (configuration).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompletenessRule {
    required: Vec<FilePart>,
}

impl CompletenessRule {
    /// A rule requiring `parts` (duplicates are ignored; order is kept).
    pub fn new(parts: &[FilePart]) -> CompletenessRule {
        let mut required = Vec::new();
        for part in parts {
            if !required.contains(part) {
                required.push(*part);
            }
        }
        CompletenessRule { required }
    }

    pub fn required(&self) -> &[FilePart] {
        &self.required
    }
}

impl Default for CompletenessRule {
    /// Every part of R-GRID-3 is required.
    fn default() -> Self {
        CompletenessRule::new(&FilePart::ALL)
    }
}

/// What a file lacks under a rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completeness {
    /// Required parts that are missing, in the rule's order.
    pub missing: Vec<FilePart>,
    /// Share of required parts present, in whole percent rounded down
    /// (100 when nothing is required).
    pub percent: u32,
}

impl Completeness {
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty()
    }
}

/// Why a figure of the file could not be computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HouseholdError {
    #[error("{field} must not be negative")]
    NegativeAmount { field: &'static str },
    #[error("amounts in different currencies cannot be combined")]
    CurrencyMismatch,
    #[error("the amount is too large to represent")]
    Overflow,
}

impl HouseholdError {
    /// The stable code (`household-negative-amount`).
    pub fn code(&self) -> &'static str {
        match self {
            HouseholdError::NegativeAmount { .. } => "household-negative-amount",
            HouseholdError::CurrencyMismatch => "household-currency-mismatch",
            HouseholdError::Overflow => "household-overflow",
        }
    }

    /// The translation key (`grid.refusal.household-negative-amount`).
    pub fn key(&self) -> String {
        format!("grid.refusal.{}", self.code())
    }
}

impl From<MoneyError> for HouseholdError {
    fn from(e: MoneyError) -> Self {
        match e {
            MoneyError::CurrencyMismatch => HouseholdError::CurrencyMismatch,
            _ => HouseholdError::Overflow,
        }
    }
}

impl HouseholdFile {
    /// Whether `part` has been collected.
    pub fn has(&self, part: FilePart) -> bool {
        match part {
            FilePart::Identity => self
                .identity_number
                .as_deref()
                .is_some_and(|n| !n.trim().is_empty()),
            FilePart::Members => !self.members.is_empty(),
            FilePart::Land => self.land.is_some(),
            FilePart::Livestock => self.livestock.is_some(),
            FilePart::IncomeSources => self.income_sources.as_ref().is_some_and(|s| !s.is_empty()),
            FilePart::Assets => self.assets.is_some(),
            FilePart::Debts => self.debts.is_some(),
            FilePart::Visits => !self.visits.is_empty(),
            FilePart::Needs => self.needs.is_some(),
        }
    }

    /// The required parts missing under `rule` and the percentage present.
    pub fn completeness(&self, rule: &CompletenessRule) -> Completeness {
        let missing: Vec<FilePart> = rule.required.iter().copied().filter(|p| !self.has(*p)).collect();
        let required = rule.required.len();
        let present = required - missing.len();
        // Nothing required: the file is complete.
        let percent = (present * 100).checked_div(required).unwrap_or(100);
        let percent = u32::try_from(percent).expect("a percentage is at most 100");
        assert!(percent <= 100);
        Completeness { missing, percent }
    }

    /// Number of members who work (household labour).
    pub fn working_members(&self) -> u32 {
        let count = self.members.iter().filter(|m| m.works).count();
        u32::try_from(count).unwrap_or(u32::MAX)
    }

    /// Total land in hundredths of a mu (saturating: no household owns 42 million mu).
    pub fn land_centimu(&self) -> u32 {
        self.land
            .iter()
            .flatten()
            .fold(0_u32, |sum, l| sum.saturating_add(l.area_centimu))
    }

    /// Sum of the assets' values in `currency`; `None` when assets were not collected.
    pub fn assets_total(&self, currency: Currency) -> Result<Option<Money>, HouseholdError> {
        let Some(assets) = &self.assets else {
            return Ok(None);
        };
        sum_non_negative(assets.iter().map(|a| a.value), currency, "assets").map(Some)
    }

    /// Sum of the debts outstanding in `currency`; `None` when debts were not collected.
    pub fn debts_total(&self, currency: Currency) -> Result<Option<Money>, HouseholdError> {
        let Some(debts) = &self.debts else {
            return Ok(None);
        };
        sum_non_negative(debts.iter().map(|d| d.outstanding), currency, "debts").map(Some)
    }

    /// Debts as a percentage of assets, rounded down, for the scorecard's
    /// assets/debt factor. `None` when either part is missing. With no assets
    /// and some debt the ratio is unbounded and reported as `u32::MAX`.
    pub fn debt_to_assets_percent(&self, currency: Currency) -> Result<Option<u32>, HouseholdError> {
        let (Some(assets), Some(debts)) = (self.assets_total(currency)?, self.debts_total(currency)?) else {
            return Ok(None);
        };
        if debts.is_zero() {
            return Ok(Some(0));
        }
        if assets.is_zero() {
            return Ok(Some(u32::MAX));
        }
        let percent = i128::from(debts.minor()) * 100 / i128::from(assets.minor());
        Ok(Some(u32::try_from(percent).unwrap_or(u32::MAX)))
    }

    /// The longest-lasting income source in years (income stability).
    pub fn income_years_max(&self) -> Option<u32> {
        self.income_sources.as_ref()?.iter().map(|s| s.years).max()
    }

    /// The latest visit on or before `date`.
    pub fn last_visit_on_or_before(&self, date: NaiveDate) -> Option<&VisitNote> {
        self.visits
            .iter()
            .filter(|v| v.date <= date)
            .max_by_key(|v| v.date)
    }
}

fn sum_non_negative(
    values: impl Iterator<Item = Money>,
    currency: Currency,
    field: &'static str,
) -> Result<Money, HouseholdError> {
    let mut total = Money::zero(currency);
    for value in values {
        if value.is_negative() {
            return Err(HouseholdError::NegativeAmount { field });
        }
        total = total.checked_add(value)?;
    }
    Ok(total)
}
