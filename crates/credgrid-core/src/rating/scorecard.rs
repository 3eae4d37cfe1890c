//! Rating scorecards as configuration (R-RATE-1, R-RATE-2): factors with bins
//! of points and weights, grade cut-offs, the pure-credit line range of each
//! grade, and the re-rating decision.
//!
//! Arithmetic is integer only. A bin gives 0–100 points; a factor's weight is
//! a whole percent and the weights add up to 100. A factor contributes
//! `points × weight` centipoints (hundredths of a point), so the total lies in
//! 0–10,000 centipoints (0.00–100.00 points) with no rounding anywhere, and
//! the contributions add up exactly to the total.

use crate::grid::household::{CompletenessRule, HouseholdError, HouseholdFile};
use crate::i18n::{Locale, t};
use crate::money::{Currency, Money};
use chrono::{Months, NaiveDate};
use std::collections::{BTreeMap, BTreeSet};

/// Points a bin may give at most.
pub const BIN_POINTS_MAX: u32 = 100;

/// A factor of the scorecard and the measure its bins are drawn over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Factor {
    /// Worst days past due in the look-back (from the ledger; 0 = always on time).
    RepaymentHistory,
    /// Years the main income source has lasted.
    IncomeStability,
    /// Debts as a percentage of assets (from the household file).
    DebtToAssets,
    /// Working members of the household.
    FamilySituation,
    /// Reputation in the village, assessed by the grid workers on a 1–5 scale.
    VillageReputation,
    /// Completeness of the household file in percent.
    FileCompleteness,
}

impl Factor {
    pub const ALL: [Factor; 6] = [
        Factor::RepaymentHistory,
        Factor::IncomeStability,
        Factor::DebtToAssets,
        Factor::FamilySituation,
        Factor::VillageReputation,
        Factor::FileCompleteness,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Factor::RepaymentHistory => "repayment_history",
            Factor::IncomeStability => "income_stability",
            Factor::DebtToAssets => "debt_to_assets",
            Factor::FamilySituation => "family_situation",
            Factor::VillageReputation => "village_reputation",
            Factor::FileCompleteness => "file_completeness",
        }
    }

    /// The translation key (`rating.factor.repayment_history`).
    pub fn key(self) -> String {
        format!("rating.factor.{}", self.name())
    }
}

/// Which way a factor's points must run across its bins (checked when the
/// scorecard is built), so a better measure never scores fewer points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    HigherIsBetter,
    LowerIsBetter,
}

/// A range of the measure, both ends included, and the points it gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bin {
    pub min: i64,
    pub max: i64,
    pub points: u32,
}

impl Bin {
    /// The bin as text: `5`, `1–30`, `91+` (open-ended), `…–0` (open below).
    pub fn range_text(&self) -> String {
        match (self.min, self.max) {
            (min, max) if min == max => min.to_string(),
            (min, i64::MAX) => format!("{min}+"),
            (i64::MIN, max) => format!("…–{max}"),
            (min, max) => format!("{min}–{max}"),
        }
    }
}

/// One factor's configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FactorRule {
    pub factor: Factor,
    pub weight_percent: u32,
    pub direction: Direction,
    /// Contiguous, in ascending order of the measure.
    pub bins: Vec<Bin>,
}

/// A household grade (R-RATE-2), best first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Grade {
    Excellent,
    Good,
    General,
    BelowGeneral,
}

impl Grade {
    pub fn name(self) -> &'static str {
        match self {
            Grade::Excellent => "excellent",
            Grade::Good => "good",
            Grade::General => "general",
            Grade::BelowGeneral => "below_general",
        }
    }

    /// The translation key (`rating.grade.excellent`).
    pub fn key(self) -> String {
        format!("rating.grade.{}", self.name())
    }
}

/// A grade's cut-off and the pure-credit line range it grants (`None`: no
/// pure-credit line).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GradeRule {
    pub grade: Grade,
    pub min_centipoints: u32,
    pub line: Option<(Money, Money)>,
}

/// Why a scorecard configuration was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScorecardError {
    #[error("a scorecard needs at least one factor")]
    NoFactors,
    #[error("factor {factor:?} appears twice")]
    DuplicateFactor { factor: Factor },
    #[error("the factor weights add up to {total}%, not 100%")]
    WeightsNotHundred { total: u32 },
    #[error("factor {factor:?} has no bins")]
    NoBins { factor: Factor },
    #[error("bin {index} of {factor:?} has its minimum above its maximum")]
    BinInverted { factor: Factor, index: usize },
    #[error("bin {index} of {factor:?} does not start right after the previous bin")]
    BinsNotContiguous { factor: Factor, index: usize },
    #[error("bin {index} of {factor:?} gives more than 100 points")]
    PointsOverMax { factor: Factor, index: usize },
    #[error("bin {index} of {factor:?} breaks the factor's direction")]
    NotMonotone { factor: Factor, index: usize },
    #[error("the grade cut-offs must be listed best first with strictly falling minimums (at {grade:?})")]
    GradesNotDescending { grade: Grade },
    #[error("the lowest grade must start at 0 so every score has a grade")]
    LowestGradeNotZero,
    #[error("the line range of {grade:?} is empty, negative or mixes currencies")]
    LineRangeInvalid { grade: Grade },
}

impl ScorecardError {
    /// The stable code (`scorecard-weights-not-hundred`).
    pub fn code(&self) -> &'static str {
        match self {
            ScorecardError::NoFactors => "scorecard-no-factors",
            ScorecardError::DuplicateFactor { .. } => "scorecard-duplicate-factor",
            ScorecardError::WeightsNotHundred { .. } => "scorecard-weights-not-hundred",
            ScorecardError::NoBins { .. } => "scorecard-no-bins",
            ScorecardError::BinInverted { .. } => "scorecard-bin-inverted",
            ScorecardError::BinsNotContiguous { .. } => "scorecard-bins-not-contiguous",
            ScorecardError::PointsOverMax { .. } => "scorecard-points-over-max",
            ScorecardError::NotMonotone { .. } => "scorecard-not-monotone",
            ScorecardError::GradesNotDescending { .. } => "scorecard-grades-not-descending",
            ScorecardError::LowestGradeNotZero => "scorecard-lowest-grade-not-zero",
            ScorecardError::LineRangeInvalid { .. } => "scorecard-line-range-invalid",
        }
    }

    /// The translation key (`rating.refusal.scorecard-no-factors`).
    pub fn key(&self) -> String {
        format!("rating.refusal.{}", self.code())
    }
}

/// Why a household could not be scored.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScoreError {
    #[error("the value of factor {factor:?} is missing")]
    MissingInput { factor: Factor },
    #[error("the value {value} of factor {factor:?} lies in no bin")]
    NoBinFor { factor: Factor, value: i64 },
}

impl ScoreError {
    /// The stable code (`rating-missing-input`).
    pub fn code(&self) -> &'static str {
        match self {
            ScoreError::MissingInput { .. } => "rating-missing-input",
            ScoreError::NoBinFor { .. } => "rating-no-bin-for",
        }
    }

    /// The translation key (`rating.refusal.rating-missing-input`).
    pub fn key(&self) -> String {
        format!("rating.refusal.{}", self.code())
    }
}

/// The measured value of each factor for one household.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScoreInputs {
    values: BTreeMap<Factor, i64>,
}

impl ScoreInputs {
    pub fn new() -> ScoreInputs {
        ScoreInputs::default()
    }

    /// Sets the value of `factor` (the last value set wins).
    pub fn with(mut self, factor: Factor, value: i64) -> ScoreInputs {
        self.values.insert(factor, value);
        self
    }

    pub fn get(&self, factor: Factor) -> Option<i64> {
        self.values.get(&factor).copied()
    }
}

/// The facts a rating needs that are not in the household file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutsideFacts {
    /// Worst days past due in the look-back, from the ledger (0 if never late or no history).
    pub worst_days_past_due: u32,
    /// Reputation in the village as assessed by the cell's grid workers (1–5).
    pub village_reputation: u8,
}

impl ScoreInputs {
    /// The inputs of every factor of [`Factor::ALL`] that can be measured
    /// from `file` and `facts`. A part the file lacks leaves its factor
    /// unset, so scoring refuses with [`ScoreError::MissingInput`] naming it.
    pub fn from_file(
        file: &HouseholdFile,
        rule: &CompletenessRule,
        currency: Currency,
        facts: OutsideFacts,
    ) -> Result<ScoreInputs, HouseholdError> {
        let mut inputs = ScoreInputs::new()
            .with(Factor::RepaymentHistory, i64::from(facts.worst_days_past_due))
            .with(Factor::VillageReputation, i64::from(facts.village_reputation))
            .with(
                Factor::FileCompleteness,
                i64::from(file.completeness(rule).percent),
            );
        if !file.members.is_empty() {
            inputs = inputs.with(Factor::FamilySituation, i64::from(file.working_members()));
        }
        if let Some(years) = file.income_years_max() {
            inputs = inputs.with(Factor::IncomeStability, i64::from(years));
        }
        if let Some(percent) = file.debt_to_assets_percent(currency)? {
            inputs = inputs.with(Factor::DebtToAssets, i64::from(percent));
        }
        Ok(inputs)
    }
}

/// What one factor contributed to a rating.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Contribution {
    pub factor: Factor,
    pub value: i64,
    pub bin: Bin,
    pub points: u32,
    pub weight_percent: u32,
    /// `points × weight_percent`, in hundredths of a point.
    pub weighted_centipoints: u32,
}

impl Contribution {
    /// A sentence saying how the factor produced its points, in `locale`
    /// (`Repayment history: 0 in bin 0, 100 points × 30% = 30.00`).
    pub fn explanation(&self, locale: Locale) -> String {
        let factor = t(locale, &self.factor.key(), &[]);
        t(
            locale,
            "rating.explanation",
            &[
                ("factor", &factor),
                ("value", &self.value.to_string()),
                ("range", &self.bin.range_text()),
                ("points", &self.points.to_string()),
                ("weight", &self.weight_percent.to_string()),
                ("weighted", &format_centipoints(self.weighted_centipoints)),
            ],
        )
    }
}

/// The result of scoring a household: the grade and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rating {
    pub grade: Grade,
    /// 0–10,000 hundredths of a point; equals the sum of the contributions.
    pub total_centipoints: u32,
    /// One per factor, in the scorecard's order.
    pub contributions: Vec<Contribution>,
    /// The pure-credit line range of the grade, if it grants one.
    pub line: Option<(Money, Money)>,
}

impl Rating {
    /// The total as a points string (`"87.50"`).
    pub fn total_points(&self) -> String {
        format_centipoints(self.total_centipoints)
    }
}

/// `8750` → `"87.50"`.
pub fn format_centipoints(centipoints: u32) -> String {
    format!("{}.{:02}", centipoints / 100, centipoints % 100)
}

/// A validated scorecard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scorecard {
    factors: Vec<FactorRule>,
    grades: Vec<GradeRule>,
}

impl Scorecard {
    /// Checks and builds a scorecard: each factor once, weights adding up to
    /// 100, bins contiguous and ascending with at most 100 points running the
    /// factor's direction, grades best first with falling cut-offs down to 0.
    pub fn new(factors: Vec<FactorRule>, grades: Vec<GradeRule>) -> Result<Scorecard, ScorecardError> {
        if factors.is_empty() {
            return Err(ScorecardError::NoFactors);
        }
        let mut seen = BTreeSet::new();
        for rule in &factors {
            if !seen.insert(rule.factor) {
                return Err(ScorecardError::DuplicateFactor { factor: rule.factor });
            }
            check_bins(rule)?;
        }
        let total = factors
            .iter()
            .fold(0_u32, |sum, f| sum.saturating_add(f.weight_percent));
        if total != 100 {
            return Err(ScorecardError::WeightsNotHundred { total });
        }
        check_grades(&grades)?;
        Ok(Scorecard { factors, grades })
    }

    pub fn factors(&self) -> &[FactorRule] {
        &self.factors
    }

    pub fn grades(&self) -> &[GradeRule] {
        &self.grades
    }

    /// Scores a household: every factor's bin, points and weighted share, the
    /// total and the grade it reaches.
    pub fn score(&self, inputs: &ScoreInputs) -> Result<Rating, ScoreError> {
        let mut contributions = Vec::with_capacity(self.factors.len());
        for rule in &self.factors {
            let factor = rule.factor;
            let value = inputs.get(factor).ok_or(ScoreError::MissingInput { factor })?;
            let bin = rule
                .bins
                .iter()
                .find(|b| b.min <= value && value <= b.max)
                .copied()
                .ok_or(ScoreError::NoBinFor { factor, value })?;
            contributions.push(Contribution {
                factor,
                value,
                bin,
                points: bin.points,
                weight_percent: rule.weight_percent,
                weighted_centipoints: bin.points * rule.weight_percent,
            });
        }
        let total_centipoints: u32 = contributions.iter().map(|c| c.weighted_centipoints).sum();
        assert!(total_centipoints <= BIN_POINTS_MAX * 100, "weights add up to 100");
        let rule = self.grade_for(total_centipoints);
        Ok(Rating {
            grade: rule.grade,
            total_centipoints,
            contributions,
            line: rule.line,
        })
    }

    /// The grade reached by `total_centipoints`: the first (best) whose cut-off it meets.
    pub fn grade_for(&self, total_centipoints: u32) -> &GradeRule {
        self.grades
            .iter()
            .find(|g| total_centipoints >= g.min_centipoints)
            .expect("checked: the lowest grade starts at 0")
    }

    /// Whether `line` is what `grade` may be granted as pure credit: within
    /// the grade's range, or no line at all. A grade without a range allows
    /// only no line.
    pub fn line_fits_grade(&self, grade: Grade, line: Option<Money>) -> bool {
        let Some(line) = line else {
            return true;
        };
        let range = self.grades.iter().find(|g| g.grade == grade).and_then(|g| g.line);
        range.is_some_and(|(low, high)| {
            line.currency() == low.currency() && low.minor() <= line.minor() && line.minor() <= high.minor()
        })
    }

    /// The default scorecard (see docs/grid.md for where each number comes
    /// from) with the R-RATE-2 pure-credit lines in `currency`.
    pub fn default_for(currency: Currency) -> Scorecard {
        Scorecard::new(default_factors(), default_grades(currency)).expect("the default scorecard is valid")
    }
}

fn check_bins(rule: &FactorRule) -> Result<(), ScorecardError> {
    let factor = rule.factor;
    if rule.bins.is_empty() {
        return Err(ScorecardError::NoBins { factor });
    }
    for (index, bin) in rule.bins.iter().enumerate() {
        if bin.min > bin.max {
            return Err(ScorecardError::BinInverted { factor, index });
        }
        if bin.points > BIN_POINTS_MAX {
            return Err(ScorecardError::PointsOverMax { factor, index });
        }
        let Some(previous) = index.checked_sub(1).map(|i| rule.bins[i]) else {
            continue;
        };
        if previous.max.checked_add(1) != Some(bin.min) {
            return Err(ScorecardError::BinsNotContiguous { factor, index });
        }
        let runs_right = match rule.direction {
            Direction::HigherIsBetter => bin.points >= previous.points,
            Direction::LowerIsBetter => bin.points <= previous.points,
        };
        if !runs_right {
            return Err(ScorecardError::NotMonotone { factor, index });
        }
    }
    Ok(())
}

fn check_grades(grades: &[GradeRule]) -> Result<(), ScorecardError> {
    for pair in grades.windows(2) {
        if pair[1].grade <= pair[0].grade || pair[1].min_centipoints >= pair[0].min_centipoints {
            return Err(ScorecardError::GradesNotDescending { grade: pair[1].grade });
        }
    }
    if grades.last().is_none_or(|g| g.min_centipoints != 0) {
        return Err(ScorecardError::LowestGradeNotZero);
    }
    for rule in grades {
        if let Some((low, high)) = rule.line {
            let valid =
                low.currency() == high.currency() && !low.is_negative() && low.minor() <= high.minor();
            if !valid {
                return Err(ScorecardError::LineRangeInvalid { grade: rule.grade });
            }
        }
    }
    Ok(())
}

fn bins(table: &[(i64, i64, u32)]) -> Vec<Bin> {
    table
        .iter()
        .map(|&(min, max, points)| Bin { min, max, points })
        .collect()
}

/// The default factors. The weights and bins are this project's assumption
/// (the documents name the factors, not their weights); they are meant to
/// be replaced by each institution's own scorecard.
pub fn default_factors() -> Vec<FactorRule> {
    use Direction::{HigherIsBetter, LowerIsBetter};
    let rule = |factor, weight_percent, direction, table: &[(i64, i64, u32)]| FactorRule {
        factor,
        weight_percent,
        direction,
        bins: bins(table),
    };
    vec![
        rule(
            Factor::RepaymentHistory,
            30,
            LowerIsBetter,
            &[(0, 0, 100), (1, 30, 60), (31, 90, 20), (91, i64::MAX, 0)],
        ),
        rule(
            Factor::IncomeStability,
            15,
            HigherIsBetter,
            &[(0, 0, 0), (1, 2, 40), (3, 5, 70), (6, i64::MAX, 100)],
        ),
        rule(
            Factor::DebtToAssets,
            20,
            LowerIsBetter,
            &[(0, 30, 100), (31, 60, 70), (61, 100, 30), (101, i64::MAX, 0)],
        ),
        rule(
            Factor::FamilySituation,
            10,
            HigherIsBetter,
            &[(0, 0, 0), (1, 1, 50), (2, 2, 80), (3, i64::MAX, 100)],
        ),
        rule(
            Factor::VillageReputation,
            15,
            HigherIsBetter,
            &[(1, 1, 0), (2, 2, 25), (3, 3, 50), (4, 4, 75), (5, 5, 100)],
        ),
        rule(
            Factor::FileCompleteness,
            10,
            HigherIsBetter,
            &[(0, 59, 0), (60, 89, 50), (90, 99, 80), (100, 100, 100)],
        ),
    ]
}

/// The default grades: cut-offs 85 / 70 / 60 points (an assumption), and the
/// R-RATE-2 pure-credit lines: excellent 5,001–10,000, good 3,001–5,000,
/// general up to 3,000, below general none.
pub fn default_grades(currency: Currency) -> Vec<GradeRule> {
    let major = |amount: i64| Money::from_minor(amount * currency.minor_per_major(), currency);
    vec![
        GradeRule {
            grade: Grade::Excellent,
            min_centipoints: 8_500,
            line: Some((major(5_001), major(10_000))),
        },
        GradeRule {
            grade: Grade::Good,
            min_centipoints: 7_000,
            line: Some((major(3_001), major(5_000))),
        },
        GradeRule {
            grade: Grade::General,
            min_centipoints: 6_000,
            line: Some((major(0), major(3_000))),
        },
        GradeRule {
            grade: Grade::BelowGeneral,
            min_centipoints: 0,
            line: None,
        },
    ]
}

/// Why a household is due for re-rating, by precedence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ReratingReason {
    /// A loan of the household went into default after the last rating.
    Default { on: NaiveDate },
    /// The household file changed after the last rating.
    FileChanged { on: NaiveDate },
    /// The rating is older than the schedule allows.
    Schedule { due: NaiveDate },
}

/// Something that happened to a household that may call for a new rating.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RatingEvent {
    Default { on: NaiveDate },
    FileChanged { on: NaiveDate },
}

/// How often households are re-rated on schedule (default: yearly, as the
/// county rules' "一年一评定" have it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReratingPolicy {
    pub interval_months: u32,
    pub on_file_change: bool,
}

impl Default for ReratingPolicy {
    fn default() -> Self {
        ReratingPolicy {
            interval_months: 12,
            on_file_change: true,
        }
    }
}

/// Whether a household rated on `rated_on` must be re-rated on `today`, and
/// why: a default after the rating first, then a file change (when the policy
/// says so), then the schedule. Events on or before the rating date were
/// already known to the rater and do not count.
pub fn rerating_due(
    rated_on: NaiveDate,
    today: NaiveDate,
    events: &[RatingEvent],
    policy: ReratingPolicy,
) -> Option<ReratingReason> {
    let after = |on: NaiveDate| rated_on < on && on <= today;
    let first_default = events.iter().filter_map(|e| {
        if let RatingEvent::Default { on } = e {
            Some(*on)
        } else {
            None
        }
    });
    if let Some(on) = first_default.filter(|on| after(*on)).min() {
        return Some(ReratingReason::Default { on });
    }
    let file_change = events.iter().filter_map(|e| {
        if let RatingEvent::FileChanged { on } = e {
            Some(*on)
        } else {
            None
        }
    });
    if policy.on_file_change
        && let Some(on) = file_change.filter(|on| after(*on)).min()
    {
        return Some(ReratingReason::FileChanged { on });
    }
    let due = rated_on
        .checked_add_months(Months::new(policy.interval_months))
        .unwrap_or(NaiveDate::MAX);
    (today >= due).then_some(ReratingReason::Schedule { due })
}
