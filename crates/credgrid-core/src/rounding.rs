//! Named rounding modes: every rounding in credgrid says which one it uses.

use rust_decimal::{Decimal, RoundingStrategy};

/// How a value is brought to a number of decimal places.
///
/// The names are the interface (`half_even`, `half_up`, `down`, `up`) used by
/// products and by the `credgrid schedule` command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RoundingMode {
    /// Banker's rounding: a midpoint goes to the even neighbour.
    HalfEven,
    /// A midpoint goes away from zero (the schoolbook rule).
    HalfUp,
    /// Towards zero (truncation).
    Down,
    /// Away from zero.
    Up,
}

impl RoundingMode {
    /// All modes, in the order they are documented.
    pub const ALL: [RoundingMode; 4] = [Self::HalfEven, Self::HalfUp, Self::Down, Self::Up];

    /// The stable name of the mode.
    pub fn name(self) -> &'static str {
        match self {
            Self::HalfEven => "half_even",
            Self::HalfUp => "half_up",
            Self::Down => "down",
            Self::Up => "up",
        }
    }

    /// Parses a stable name; `None` for anything else.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.name() == name)
    }

    fn strategy(self) -> RoundingStrategy {
        match self {
            Self::HalfEven => RoundingStrategy::MidpointNearestEven,
            Self::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            Self::Down => RoundingStrategy::ToZero,
            Self::Up => RoundingStrategy::AwayFromZero,
        }
    }
}

/// Rounds `value` to `digits` decimal places with `mode`.
pub fn round_decimal(value: Decimal, digits: u32, mode: RoundingMode) -> Decimal {
    value.round_dp_with_strategy(digits, mode.strategy())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn modes_round_midpoints_and_negatives_as_named() {
        let cases = [
            ("2.345", RoundingMode::HalfEven, "2.34"),
            ("2.355", RoundingMode::HalfEven, "2.36"),
            ("2.345", RoundingMode::HalfUp, "2.35"),
            ("-2.345", RoundingMode::HalfUp, "-2.35"),
            ("2.349", RoundingMode::Down, "2.34"),
            ("-2.349", RoundingMode::Down, "-2.34"),
            ("2.341", RoundingMode::Up, "2.35"),
            ("-2.341", RoundingMode::Up, "-2.35"),
        ];
        for (input, mode, want) in cases {
            assert_eq!(round_decimal(d(input), 2, mode), d(want), "{input} {mode:?}");
        }
    }

    #[test]
    fn names_round_trip() {
        for m in RoundingMode::ALL {
            assert_eq!(RoundingMode::parse(m.name()), Some(m));
        }
        assert_eq!(RoundingMode::parse("HALF_EVEN"), None);
    }
}
