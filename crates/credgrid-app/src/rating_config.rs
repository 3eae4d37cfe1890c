//! The rating configuration in force (scorecard, grades with their
//! pure-credit lines, credit tiers with their collateral rules, notice
//! period, re-rating policy) and its stored text form: one line per factor,
//! grade or tier, so a version reads plainly in the database.
//!
//! Factors: `repayment_history 30 lower 0..0=100 1..30=60 31..90=20 91..max=0`.
//! Grades: `excellent 8500 500100..1000000` (line in minor units, `-`: none).
//! Tiers: `maximum_amount_guarantee 1000001..10000000 24 guarantor,mortgage contract`.

use crate::error::AppError;
use chrono::NaiveDate;
use credgrid_core::collateral::CollateralKind;
use credgrid_core::credit_line::{LineTier, TierKind, TierTable};
use credgrid_core::money::{Currency, Money};
use credgrid_core::rating::publication::NOTICE_DAYS_DEFAULT;
use credgrid_core::rating::scorecard::{Direction, ReratingPolicy};
use credgrid_core::rating::{Bin, Factor, FactorRule, Grade, GradeRule, Scorecard};
use credgrid_store::RatingConfigRow;

/// The grades best first.
pub const GRADES: [Grade; 4] = [Grade::Excellent, Grade::Good, Grade::General, Grade::BelowGeneral];

/// The longest notice period accepted, in days.
pub const NOTICE_DAYS_MAX: u32 = 90;

/// A validated rating configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RatingConfig {
    /// `None` for the built-in defaults (nothing saved yet).
    pub id: Option<i64>,
    pub currency: Currency,
    pub scorecard: Scorecard,
    pub tiers: TierTable,
    pub notice_days: u32,
    pub rerating: ReratingPolicy,
    pub created_on: Option<NaiveDate>,
}

impl RatingConfig {
    /// The defaults of R-RATE-2 / R-LINE-2 in `currency`.
    pub fn default_for(currency: Currency) -> RatingConfig {
        RatingConfig {
            id: None,
            currency,
            scorecard: Scorecard::default_for(currency),
            tiers: TierTable::default_for(currency),
            notice_days: NOTICE_DAYS_DEFAULT,
            rerating: ReratingPolicy::default(),
            created_on: None,
        }
    }

    /// The pure-credit range of `grade` (`None`: no pure-credit line).
    pub fn grade_line(&self, grade: Grade) -> Option<(Money, Money)> {
        self.scorecard
            .grades()
            .iter()
            .find(|g| g.grade == grade)
            .and_then(|g| g.line)
    }
}

/// A new configuration version as asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRatingConfig {
    pub factors: Vec<FactorRule>,
    pub grades: Vec<GradeRule>,
    pub tiers: Vec<LineTier>,
    pub notice_days: u32,
    pub rerating_months: u32,
    pub on_file_change: bool,
}

/// Builds and checks a configuration (the core's refusals, named).
pub fn build(currency: Currency, new: NewRatingConfig) -> Result<RatingConfig, AppError> {
    if new.notice_days == 0 || new.notice_days > NOTICE_DAYS_MAX {
        return Err(AppError::invalid(
            "notice_days",
            format!("must be between 1 and {NOTICE_DAYS_MAX}"),
        ));
    }
    if new.rerating_months == 0 || new.rerating_months > 60 {
        return Err(AppError::invalid("rerating_months", "must be between 1 and 60"));
    }
    let scorecard = Scorecard::new(new.factors, new.grades).map_err(|e| AppError::Refused {
        rule: e.code(),
        detail: e.to_string(),
    })?;
    let tiers = TierTable::new(new.tiers).map_err(|e| AppError::Refused {
        rule: e.code(),
        detail: e.to_string(),
    })?;
    Ok(RatingConfig {
        id: None,
        currency,
        scorecard,
        tiers,
        notice_days: new.notice_days,
        rerating: ReratingPolicy {
            interval_months: new.rerating_months,
            on_file_change: new.on_file_change,
        },
        created_on: None,
    })
}

/// `CNY:2`.
pub fn currency_text(currency: Currency) -> String {
    format!("{}:{}", currency.code(), currency.digits())
}

/// Reads `CNY:2` (or a bare code of a known currency).
pub fn parse_currency(text: &str) -> Result<Currency, AppError> {
    let bad = || AppError::Internal(format!("stored currency {text:?} is not valid"));
    match text.split_once(':') {
        Some((code, digits)) => {
            let digits: u8 = digits.parse().map_err(|_| bad())?;
            Currency::new(code, digits).map_err(|_| bad())
        }
        None => [Currency::CNY, Currency::USD, Currency::MXN, Currency::EUR]
            .into_iter()
            .find(|c| c.code() == text)
            .ok_or_else(bad),
    }
}

pub fn parse_factor(name: &str) -> Option<Factor> {
    Factor::ALL.into_iter().find(|f| f.name() == name)
}

pub fn parse_grade(name: &str) -> Option<Grade> {
    GRADES.into_iter().find(|g| g.name() == name)
}

pub fn parse_tier(name: &str) -> Option<TierKind> {
    TierKind::ALL.into_iter().find(|t| t.name() == name)
}

pub fn direction_name(direction: Direction) -> &'static str {
    match direction {
        Direction::HigherIsBetter => "higher",
        Direction::LowerIsBetter => "lower",
    }
}

pub fn parse_direction(name: &str) -> Option<Direction> {
    match name {
        "higher" => Some(Direction::HigherIsBetter),
        "lower" => Some(Direction::LowerIsBetter),
        _ => None,
    }
}

fn bound_text(value: i64) -> String {
    match value {
        i64::MAX => "max".into(),
        i64::MIN => "min".into(),
        v => v.to_string(),
    }
}

fn parse_bound(text: &str) -> Option<i64> {
    match text {
        "max" => Some(i64::MAX),
        "min" => Some(i64::MIN),
        v => v.parse().ok(),
    }
}

/// The stored row of `config` (its id and creation ignored).
pub fn to_row(config: &RatingConfig, created_by: i64, created_on: NaiveDate) -> RatingConfigRow {
    let factors: Vec<String> = config
        .scorecard
        .factors()
        .iter()
        .map(|f| {
            let bins: Vec<String> = f
                .bins
                .iter()
                .map(|b| format!("{}..{}={}", bound_text(b.min), bound_text(b.max), b.points))
                .collect();
            let direction = direction_name(f.direction);
            format!(
                "{} {} {direction} {}",
                f.factor.name(),
                f.weight_percent,
                bins.join(" ")
            )
        })
        .collect();
    let grades: Vec<String> = config
        .scorecard
        .grades()
        .iter()
        .map(|g| {
            let line = g.line.map_or("-".to_string(), |(low, high)| {
                format!("{}..{}", low.minor(), high.minor())
            });
            format!("{} {} {line}", g.grade.name(), g.min_centipoints)
        })
        .collect();
    let tiers: Vec<String> = config.tiers.tiers().iter().map(tier_text).collect();
    RatingConfigRow {
        id: 0,
        currency: currency_text(config.currency),
        factors: factors.join("\n"),
        grades: grades.join("\n"),
        tiers: tiers.join("\n"),
        notice_days: config.notice_days,
        rerating_months: config.rerating.interval_months,
        on_file_change: config.rerating.on_file_change,
        created_by,
        created_on,
    }
}

fn tier_text(t: &LineTier) -> String {
    let security: Vec<&str> = t.accepted_security.iter().map(|k| k.name()).collect();
    let security = if security.is_empty() {
        "-".to_string()
    } else {
        security.join(",")
    };
    let contract = if t.maximum_amount_contract {
        "contract"
    } else {
        "-"
    };
    format!(
        "{} {}..{} {} {security} {contract}",
        t.kind.name(),
        t.min.minor(),
        t.max.minor(),
        t.validity_months
    )
}

/// Reads a stored configuration back.
pub fn from_row(row: &RatingConfigRow) -> Result<RatingConfig, AppError> {
    let currency = parse_currency(&row.currency)?;
    let bad =
        |what: &str, line: &str| AppError::Internal(format!("rating config {}: bad {what} {line:?}", row.id));
    let mut factors = Vec::new();
    for line in row.factors.lines() {
        factors.push(parse_factor_line(line).ok_or_else(|| bad("factor", line))?);
    }
    let mut grades = Vec::new();
    for line in row.grades.lines() {
        grades.push(parse_grade_line(line, currency).ok_or_else(|| bad("grade", line))?);
    }
    let mut tiers = Vec::new();
    for line in row.tiers.lines() {
        tiers.push(parse_tier_line(line, currency).ok_or_else(|| bad("tier", line))?);
    }
    let new = NewRatingConfig {
        factors,
        grades,
        tiers,
        notice_days: row.notice_days,
        rerating_months: row.rerating_months,
        on_file_change: row.on_file_change,
    };
    let mut config =
        build(currency, new).map_err(|e| AppError::Internal(format!("rating config {}: {e}", row.id)))?;
    config.id = Some(row.id);
    config.created_on = Some(row.created_on);
    Ok(config)
}

fn parse_range(text: &str) -> Option<(i64, i64)> {
    let (low, high) = text.split_once("..")?;
    Some((parse_bound(low)?, parse_bound(high)?))
}

fn parse_factor_line(line: &str) -> Option<FactorRule> {
    let mut words = line.split_whitespace();
    let factor = parse_factor(words.next()?)?;
    let weight_percent = words.next()?.parse().ok()?;
    let direction = parse_direction(words.next()?)?;
    let mut bins = Vec::new();
    for word in words {
        let (range, points) = word.split_once('=')?;
        let (min, max) = parse_range(range)?;
        bins.push(Bin {
            min,
            max,
            points: points.parse().ok()?,
        });
    }
    Some(FactorRule {
        factor,
        weight_percent,
        direction,
        bins,
    })
}

fn parse_grade_line(line: &str, currency: Currency) -> Option<GradeRule> {
    let mut words = line.split_whitespace();
    let grade = parse_grade(words.next()?)?;
    let min_centipoints = words.next()?.parse().ok()?;
    let line = match words.next()? {
        "-" => None,
        range => {
            let (low, high) = parse_range(range)?;
            Some((
                Money::from_minor(low, currency),
                Money::from_minor(high, currency),
            ))
        }
    };
    Some(GradeRule {
        grade,
        min_centipoints,
        line,
    })
}

fn parse_tier_line(line: &str, currency: Currency) -> Option<LineTier> {
    let mut words = line.split_whitespace();
    let kind = parse_tier(words.next()?)?;
    let (min, max) = parse_range(words.next()?)?;
    let validity_months = words.next()?.parse().ok()?;
    let accepted_security = match words.next()? {
        "-" => Vec::new(),
        list => list
            .split(',')
            .map(CollateralKind::parse)
            .collect::<Option<Vec<_>>>()?,
    };
    let maximum_amount_contract = words.next()? == "contract";
    Some(LineTier {
        kind,
        min: Money::from_minor(min, currency),
        max: Money::from_minor(max, currency),
        validity_months,
        accepted_security,
        maximum_amount_contract,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_configuration_survives_its_stored_form() {
        let config = RatingConfig::default_for(Currency::CNY);
        let date = NaiveDate::from_ymd_opt(2026, 3, 1).expect("date");
        let mut row = to_row(&config, 1, date);
        row.id = 7;
        let back = from_row(&row).expect("reads back");
        assert_eq!(back.scorecard, config.scorecard);
        assert_eq!(back.tiers, config.tiers);
        assert_eq!(back.notice_days, 7);
        assert_eq!(back.rerating, config.rerating);
        assert_eq!(back.id, Some(7));
        assert!(
            row.factors.contains("91..max=0"),
            "open-ended bins are written as max: {}",
            row.factors
        );
    }

    #[test]
    fn a_damaged_stored_configuration_is_an_internal_error_not_a_panic() {
        let config = RatingConfig::default_for(Currency::CNY);
        let date = NaiveDate::from_ymd_opt(2026, 3, 1).expect("date");
        let mut row = to_row(&config, 1, date);
        row.factors = "repayment_history thirty lower 0..0=100".into();
        assert!(matches!(from_row(&row), Err(AppError::Internal(_))));
    }

    #[test]
    fn weights_not_adding_up_are_refused_with_the_rule_named() {
        let config = RatingConfig::default_for(Currency::CNY);
        let mut factors = config.scorecard.factors().to_vec();
        factors[0].weight_percent = 31;
        let new = NewRatingConfig {
            factors,
            grades: config.scorecard.grades().to_vec(),
            tiers: config.tiers.tiers().to_vec(),
            notice_days: 7,
            rerating_months: 12,
            on_file_change: true,
        };
        match build(Currency::CNY, new) {
            Err(AppError::Refused { rule, .. }) => assert_eq!(rule, "scorecard-weights-not-hundred"),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
}
