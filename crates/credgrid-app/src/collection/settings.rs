//! The institution's collection settings: the priority formula, the conduct
//! rules, the strategy, the assignment and the message defaults, each a named
//! value stored in `collection_setting` (absent: the documented default).

use crate::error::AppError;
use chrono::NaiveTime;
use credgrid_core::collection::action::Channel;
use credgrid_core::collection::conduct::ConductRules;
use credgrid_core::collection::post_loan::{VisitPlan, WarningConfig};
use credgrid_core::collection::priority::{PriorityConfig, PriorityFormula};
use credgrid_core::collection::strategy::StrategyConfig;
use credgrid_core::i18n::Locale;

/// The longest text setting, in characters.
const TEXT_SETTING_CHARS_MAX: usize = 100;
/// The longest deposit-comparison period, in days (a year).
const DEPOSIT_PERIOD_DAYS_MAX: u32 = 366;

/// Every collection setting, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CollectionSettings {
    pub priority: PriorityConfig,
    pub conduct: ConductRules,
    pub strategy: StrategyConfig,
    /// From this many days past due an outlet's collector takes the loan over.
    pub collector_from_days_past_due: u32,
    /// The language of written messages when the request names none.
    pub locale: Locale,
    /// The phone number messages give for questions.
    pub message_phone: String,
    pub visits: VisitPlan,
    pub warnings: WarningConfig,
    /// The length of the two periods whose average deposit balances the
    /// deposit-fall warning compares.
    pub deposit_period_days: u32,
}

impl Default for CollectionSettings {
    fn default() -> Self {
        CollectionSettings {
            priority: PriorityConfig::default(),
            conduct: ConductRules::default(),
            strategy: StrategyConfig::default(),
            collector_from_days_past_due: 31,
            locale: Locale::Zh,
            message_phone: "96888".into(),
            visits: VisitPlan::default(),
            warnings: WarningConfig::default(),
            deposit_period_days: 30,
        }
    }
}

/// The names of the integer weights of the priority formula, with accessors.
type IntField = (&'static str, fn(&mut CollectionSettings) -> &mut i64);

const PRIORITY_FIELDS: [IntField; 17] = [
    ("priority.amount_step_minor", |s| {
        &mut s.priority.amount_step_minor
    }),
    ("priority.amount_points_per_step", |s| {
        &mut s.priority.amount_points_per_step
    }),
    ("priority.amount_steps_max", |s| &mut s.priority.amount_steps_max),
    ("priority.days_points_per_day", |s| {
        &mut s.priority.days_points_per_day
    }),
    ("priority.days_max", |s| &mut s.priority.days_max),
    ("priority.cost_step_minor", |s| &mut s.priority.cost_step_minor),
    ("priority.cost_points_per_step", |s| {
        &mut s.priority.cost_points_per_step
    }),
    ("priority.ability_points_per_10_pct", |s| {
        &mut s.priority.ability_points_per_10_pct
    }),
    ("priority.ability_pct_max", |s| &mut s.priority.ability_pct_max),
    ("priority.cure_points", |s| &mut s.priority.cure_points),
    ("priority.cures_max", |s| &mut s.priority.cures_max),
    ("priority.broken_promise_points", |s| {
        &mut s.priority.broken_promise_points
    }),
    ("priority.broken_promises_max", |s| {
        &mut s.priority.broken_promises_max
    }),
    ("priority.relationship_points_per_year", |s| {
        &mut s.priority.relationship_points_per_year
    }),
    ("priority.relationship_years_max", |s| {
        &mut s.priority.relationship_years_max
    }),
    ("priority.guarantor_points", |s| &mut s.priority.guarantor_points),
    ("priority.group_points", |s| &mut s.priority.group_points),
];

/// Every setting name, in display order.
pub fn setting_names() -> Vec<String> {
    let mut names: Vec<String> = PRIORITY_FIELDS.iter().map(|(n, _)| n.to_string()).collect();
    names.extend(Channel::ALL.iter().map(|c| format!("priority.cost.{}", c.code())));
    names.extend(
        [
            "conduct.hours_start",
            "conduct.hours_end",
            "conduct.contacts_per_day_max",
            "strategy.legal_after_days_past_due",
            "strategy.able_capacity_pct_min",
            "strategy.unwilling_broken_promises",
            "strategy.unreachable_attempts",
            "assignment.collector_from_days_past_due",
            "message.locale",
            "message.phone",
            "visits.first_within_days",
            "warnings.visit_within_days",
            "warnings.deposit_period_days",
        ]
        .map(String::from),
    );
    names
}

fn int(name: &str, value: &str) -> Result<i64, AppError> {
    value
        .trim()
        .parse::<i64>()
        .map_err(|_| AppError::invalid(name, "must be a whole number"))
}

fn small(name: &str, value: &str) -> Result<u32, AppError> {
    u32::try_from(int(name, value)?).map_err(|_| AppError::invalid(name, "must be 0 or more"))
}

fn time(name: &str, value: &str) -> Result<NaiveTime, AppError> {
    NaiveTime::parse_from_str(value.trim(), "%H:%M").map_err(|_| AppError::invalid(name, "must be HH:MM"))
}

impl CollectionSettings {
    /// The settings from stored `(name, value)` pairs over the defaults.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<CollectionSettings, AppError> {
        let mut settings = CollectionSettings::default();
        for (name, value) in pairs {
            settings.apply(name, value)?;
        }
        settings.validate()?;
        Ok(settings)
    }

    /// Sets one named value (not yet validated as a whole).
    pub fn apply(&mut self, name: &str, value: &str) -> Result<(), AppError> {
        if let Some((_, field)) = PRIORITY_FIELDS.iter().find(|(n, _)| *n == name) {
            *field(self) = int(name, value)?;
            return Ok(());
        }
        if let Some(code) = name.strip_prefix("priority.cost.") {
            let index = Channel::ALL
                .iter()
                .position(|c| c.code() == code)
                .ok_or_else(|| AppError::invalid("name", format!("unknown setting {name}")))?;
            self.priority.channel_cost_minor[index] = int(name, value)?;
            return Ok(());
        }
        let (start, end) = self.conduct.hours();
        let max = self.conduct.contacts_per_day_max();
        let conduct = |s: NaiveTime, e: NaiveTime, m: u32| {
            ConductRules::new(s, e, m).map_err(|e| AppError::invalid(name, e))
        };
        match name {
            "conduct.hours_start" => self.conduct = conduct(time(name, value)?, end, max)?,
            "conduct.hours_end" => self.conduct = conduct(start, time(name, value)?, max)?,
            "conduct.contacts_per_day_max" => self.conduct = conduct(start, end, small(name, value)?)?,
            "strategy.legal_after_days_past_due" => {
                self.strategy.legal_after_days_past_due = small(name, value)?
            }
            "strategy.able_capacity_pct_min" => self.strategy.able_capacity_pct_min = int(name, value)?,
            "strategy.unwilling_broken_promises" => {
                self.strategy.unwilling_broken_promises = small(name, value)?
            }
            "strategy.unreachable_attempts" => self.strategy.unreachable_attempts = small(name, value)?,
            "assignment.collector_from_days_past_due" => {
                self.collector_from_days_past_due = small(name, value)?
            }
            "message.locale" => {
                self.locale = Locale::parse(value.trim())
                    .ok_or_else(|| AppError::invalid(name, "must be en, es or zh"))?
            }
            "message.phone" => self.message_phone = text(name, value)?,
            "visits.first_within_days" => self.visits.first_visit_within_days = small(name, value)?,
            "warnings.visit_within_days" => self.warnings.visit_within_days = small(name, value)?,
            "warnings.deposit_period_days" => self.deposit_period_days = small(name, value)?,
            _ => return Err(AppError::invalid("name", format!("unknown setting {name}"))),
        }
        Ok(())
    }

    /// Checks the whole: the priority formula and the strategy ladder.
    pub fn validate(&self) -> Result<(), AppError> {
        PriorityFormula::new(self.priority).map_err(|e| AppError::invalid("priority", e))?;
        self.strategy
            .validate()
            .map_err(|e| AppError::invalid("strategy", e))?;
        if !(1..=DEPOSIT_PERIOD_DAYS_MAX).contains(&self.deposit_period_days) {
            return Err(AppError::invalid(
                "warnings.deposit_period_days",
                format!("must be 1 to {DEPOSIT_PERIOD_DAYS_MAX}"),
            ));
        }
        Ok(())
    }

    /// The validated priority formula.
    pub fn formula(&self) -> Result<PriorityFormula, AppError> {
        PriorityFormula::new(self.priority).map_err(|e| AppError::invalid("priority", e))
    }

    /// Every setting with its current value, in [`setting_names`] order.
    pub fn pairs(&self) -> Vec<(String, String)> {
        let mut copy = self.clone();
        let mut pairs: Vec<(String, String)> = PRIORITY_FIELDS
            .iter()
            .map(|(n, f)| (n.to_string(), f(&mut copy).to_string()))
            .collect();
        for (channel, cost) in Channel::ALL.iter().zip(self.priority.channel_cost_minor) {
            pairs.push((format!("priority.cost.{}", channel.code()), cost.to_string()));
        }
        let (start, end) = self.conduct.hours();
        let rest = [
            ("conduct.hours_start", start.format("%H:%M").to_string()),
            ("conduct.hours_end", end.format("%H:%M").to_string()),
            (
                "conduct.contacts_per_day_max",
                self.conduct.contacts_per_day_max().to_string(),
            ),
            (
                "strategy.legal_after_days_past_due",
                self.strategy.legal_after_days_past_due.to_string(),
            ),
            (
                "strategy.able_capacity_pct_min",
                self.strategy.able_capacity_pct_min.to_string(),
            ),
            (
                "strategy.unwilling_broken_promises",
                self.strategy.unwilling_broken_promises.to_string(),
            ),
            (
                "strategy.unreachable_attempts",
                self.strategy.unreachable_attempts.to_string(),
            ),
            (
                "assignment.collector_from_days_past_due",
                self.collector_from_days_past_due.to_string(),
            ),
            ("message.locale", self.locale.tag().to_string()),
            ("message.phone", self.message_phone.clone()),
            (
                "visits.first_within_days",
                self.visits.first_visit_within_days.to_string(),
            ),
            (
                "warnings.visit_within_days",
                self.warnings.visit_within_days.to_string(),
            ),
            (
                "warnings.deposit_period_days",
                self.deposit_period_days.to_string(),
            ),
        ];
        pairs.extend(rest.into_iter().map(|(n, v)| (n.to_string(), v)));
        pairs
    }
}

fn text(name: &str, value: &str) -> Result<String, AppError> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > TEXT_SETTING_CHARS_MAX || value.contains(['{', '}']) {
        return Err(AppError::invalid(
            name,
            format!("must be 1 to {TEXT_SETTING_CHARS_MAX} characters without braces"),
        ));
    }
    Ok(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every named setting round-trips through `pairs` and `apply`, and the
    /// defaults are the (08:00–21:00, 3 contacts a day).
    #[test]
    fn settings_round_trip_and_defaults() {
        let defaults = CollectionSettings::default();
        let names: Vec<String> = defaults.pairs().into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, setting_names());
        assert_eq!(
            CollectionSettings::from_pairs(&defaults.pairs()).unwrap(),
            defaults
        );
        let (start, end) = defaults.conduct.hours();
        assert_eq!(
            (start.to_string(), end.to_string()),
            ("08:00:00".into(), "21:00:00".into())
        );
        assert_eq!(defaults.conduct.contacts_per_day_max(), 3);
    }

    /// Bad values name the setting; a bad formula is refused as a whole.
    #[test]
    fn bad_settings_are_refused_by_name() {
        let mut s = CollectionSettings::default();
        let e = s.apply("conduct.hours_start", "25:00").unwrap_err();
        assert!(e.to_string().starts_with("conduct.hours_start"), "{e}");
        let e = s.apply("conduct.hours_start", "22:00").unwrap_err();
        assert!(e.to_string().contains("before"), "{e}");
        assert!(s.apply("no.such", "1").is_err());
        s.apply("priority.amount_step_minor", "0").unwrap();
        assert!(s.validate().is_err());
        let pairs = vec![("strategy.legal_after_days_past_due".to_string(), "30".to_string())];
        assert!(
            CollectionSettings::from_pairs(&pairs).is_err(),
            "legal before the ladder's last rung"
        );
    }
}
