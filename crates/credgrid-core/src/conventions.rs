//! The stable names of the calculation conventions, shared by every wire
//! format and by stored products (`annuity`, `months`, `365`, `half_even`, …).

use crate::calendar::{DaysInMonth, DaysInYear, PeriodUnit};
use crate::rounding::RoundingMode;
use crate::schedule::{EmiBasis, InterestPeriod, RepaymentMethod};

/// A fixed set of names and the values they stand for.
pub type Choices<T> = &'static [(&'static str, T)];

/// Repayment methods that need no extra data (every method but `custom`).
pub const METHODS: Choices<RepaymentMethod> = &[
    ("annuity", RepaymentMethod::Annuity),
    ("equal_principal", RepaymentMethod::EqualPrincipal),
    ("flat", RepaymentMethod::Flat),
    ("interest_only", RepaymentMethod::InterestOnly),
    ("bullet", RepaymentMethod::Bullet),
];
pub const UNITS: Choices<PeriodUnit> = &[
    ("days", PeriodUnit::Days),
    ("weeks", PeriodUnit::Weeks),
    ("months", PeriodUnit::Months),
];
pub const INTEREST_PERIODS: Choices<InterestPeriod> = &[
    ("installment", InterestPeriod::Installment),
    ("daily", InterestPeriod::Daily),
];
pub const DAYS_IN_YEAR: Choices<DaysInYear> = &[
    ("360", DaysInYear::D360),
    ("364", DaysInYear::D364),
    ("365", DaysInYear::D365),
    ("actual", DaysInYear::Actual),
];
pub const DAYS_IN_MONTH: Choices<DaysInMonth> =
    &[("actual", DaysInMonth::Actual), ("30", DaysInMonth::Thirty)];
pub const EMI: Choices<EmiBasis> = &[("nominal", EmiBasis::Nominal), ("exact", EmiBasis::Exact)];
pub const ROUNDING_MODES: Choices<RoundingMode> = &[
    ("half_even", RoundingMode::HalfEven),
    ("half_up", RoundingMode::HalfUp),
    ("down", RoundingMode::Down),
    ("up", RoundingMode::Up),
];

/// The value named `name`, if it is one of `choices`.
pub fn parse<T: Clone>(choices: Choices<T>, name: &str) -> Option<T> {
    choices.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone())
}

/// The name of `value` in `choices`.
pub fn name_of<T: PartialEq>(choices: Choices<T>, value: &T) -> Option<&'static str> {
    choices.iter().find(|(_, v)| v == value).map(|(n, _)| *n)
}

/// The names, comma-separated, for an error message.
pub fn names<T>(choices: Choices<T>) -> String {
    choices.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_round_trips() {
        for (name, value) in METHODS {
            assert_eq!(parse(METHODS, name).as_ref(), Some(value));
            assert_eq!(name_of(METHODS, value), Some(*name));
        }
        for (name, value) in DAYS_IN_YEAR {
            assert_eq!(
                name_of(DAYS_IN_YEAR, &parse(DAYS_IN_YEAR, name).unwrap()),
                Some(*name)
            );
            let _ = value;
        }
        assert_eq!(parse(UNITS, "fortnights"), None);
        assert_eq!(names(DAYS_IN_MONTH), "actual, 30");
    }
}
