//! Money: integer minor units with a currency; checked arithmetic, exact parsing.
//!
//! An amount is an `i64` count of the currency's minor unit (fen, centavo,
//! cent). Arithmetic never wraps: overflow and currency mixing are errors.
//! Conversions from decimals name their rounding mode; parsing a decimal
//! string that has more digits than the currency allows is an error, never a
//! silent rounding.

use crate::rounding::{RoundingMode, round_decimal};
use rust_decimal::Decimal;
use std::fmt;
use std::str::FromStr;

/// The largest number of minor-unit digits a currency may have.
pub const CURRENCY_DIGITS_MAX: u8 = 6;

/// A currency: an ISO-4217-like three-letter code and its minor-unit digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency {
    code: [u8; 3],
    digits: u8,
}

impl Currency {
    /// Chinese yuan, two digits (fen).
    pub const CNY: Currency = Currency {
        code: *b"CNY",
        digits: 2,
    };
    /// US dollar, two digits.
    pub const USD: Currency = Currency {
        code: *b"USD",
        digits: 2,
    };
    /// Mexican peso, two digits.
    pub const MXN: Currency = Currency {
        code: *b"MXN",
        digits: 2,
    };
    /// Euro, two digits.
    pub const EUR: Currency = Currency {
        code: *b"EUR",
        digits: 2,
    };

    /// A currency from a code of three ASCII capital letters and its digits.
    pub fn new(code: &str, digits: u8) -> Result<Currency, MoneyError> {
        let bytes = code.as_bytes();
        if bytes.len() != 3 || !bytes.iter().all(u8::is_ascii_uppercase) {
            return Err(MoneyError::InvalidCurrencyCode);
        }
        if digits > CURRENCY_DIGITS_MAX {
            return Err(MoneyError::TooManyCurrencyDigits);
        }
        Ok(Currency {
            code: [bytes[0], bytes[1], bytes[2]],
            digits,
        })
    }

    /// The three-letter code.
    pub fn code(&self) -> &str {
        // The constructor admits only ASCII capitals.
        std::str::from_utf8(&self.code).unwrap_or("XXX")
    }

    /// Number of minor-unit digits (2 for CNY: 1 yuan = 100 fen).
    pub fn digits(&self) -> u8 {
        self.digits
    }

    /// Minor units in one major unit (100 for two digits).
    pub fn minor_per_major(&self) -> i64 {
        10_i64.pow(u32::from(self.digits))
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.code(), self.digits)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Why a money operation was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("the currency code must be three capital letters")]
    InvalidCurrencyCode,
    #[error("a currency may have at most 6 minor-unit digits")]
    TooManyCurrencyDigits,
    #[error("amounts in different currencies cannot be combined")]
    CurrencyMismatch,
    #[error("the amount is too large to represent")]
    Overflow,
    #[error("the amount is not a decimal number")]
    NotANumber,
    #[error("the amount has more decimal places than the currency allows")]
    PrecisionLoss,
    #[error("the amount must not be negative")]
    Negative,
}

/// An amount of money: integer minor units and a currency.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    /// An amount from minor units.
    pub const fn from_minor(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    /// Zero in `currency`.
    pub const fn zero(currency: Currency) -> Money {
        Money { minor: 0, currency }
    }

    /// The amount in minor units.
    pub const fn minor(&self) -> i64 {
        self.minor
    }

    /// The currency.
    pub const fn currency(&self) -> Currency {
        self.currency
    }

    pub fn is_zero(&self) -> bool {
        self.minor == 0
    }

    pub fn is_negative(&self) -> bool {
        self.minor < 0
    }

    pub fn is_positive(&self) -> bool {
        self.minor > 0
    }

    fn same_currency(&self, other: &Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch)
        }
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(&other)?;
        let minor = self.minor.checked_add(other.minor).ok_or(MoneyError::Overflow)?;
        Ok(Money { minor, ..self })
    }

    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(&other)?;
        let minor = self.minor.checked_sub(other.minor).ok_or(MoneyError::Overflow)?;
        Ok(Money { minor, ..self })
    }

    pub fn checked_neg(self) -> Result<Money, MoneyError> {
        let minor = self.minor.checked_neg().ok_or(MoneyError::Overflow)?;
        Ok(Money { minor, ..self })
    }

    /// The smaller of two amounts of the same currency.
    pub fn min(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(&other)?;
        Ok(if other.minor < self.minor { other } else { self })
    }

    /// The amount as an exact decimal in major units (`12.34` for 1234 fen).
    pub fn to_decimal(&self) -> Decimal {
        Decimal::new(self.minor, u32::from(self.currency.digits))
    }

    /// An amount from a decimal in major units, rounded to the currency's
    /// digits with `mode`.
    pub fn from_decimal(value: Decimal, currency: Currency, mode: RoundingMode) -> Result<Money, MoneyError> {
        let digits = u32::from(currency.digits);
        let rounded = round_decimal(value, digits, mode);
        let scaled = rounded
            .checked_mul(Decimal::from(currency.minor_per_major()))
            .ok_or(MoneyError::Overflow)?;
        let whole = scaled.trunc();
        if whole > Decimal::from(i64::MAX) || whole < Decimal::from(i64::MIN) {
            return Err(MoneyError::Overflow);
        }
        let minor = i64::try_from(whole).map_err(|_| MoneyError::Overflow)?;
        Ok(Money { minor, currency })
    }

    /// An amount from an exact decimal in major units; more decimal places
    /// than the currency has are refused rather than rounded.
    pub fn from_decimal_exact(value: Decimal, currency: Currency) -> Result<Money, MoneyError> {
        let normalized = value.normalize();
        if normalized.scale() > u32::from(currency.digits) {
            return Err(MoneyError::PrecisionLoss);
        }
        Money::from_decimal(normalized, currency, RoundingMode::HalfEven)
    }

    /// Parses a plain decimal string in major units (`"5000.00"`, `"-3.5"`).
    ///
    /// Refuses exponents, thousands separators, signs other than a leading
    /// `-`, and more decimal places than the currency allows.
    pub fn parse_major(text: &str, currency: Currency) -> Result<Money, MoneyError> {
        let value = parse_plain_decimal(text)?;
        Money::from_decimal_exact(value, currency)
    }

    /// The amount in major units with exactly the currency's digits (`"12.30"`).
    pub fn to_major_string(&self) -> String {
        format_minor(self.minor, self.currency.digits)
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.to_major_string(), self.currency.code())
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.to_major_string(), self.currency.code())
    }
}

/// Parses a plain decimal string: optional leading `-`, digits, optional
/// `.` and digits. Nothing else (no exponent, no `+`, no spaces).
pub fn parse_plain_decimal(text: &str) -> Result<Decimal, MoneyError> {
    let body = text.strip_prefix('-').unwrap_or(text);
    let (int_part, frac_part) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let digits_only = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits_only(int_part) || frac_part.is_some_and(|f| !digits_only(f)) {
        return Err(MoneyError::NotANumber);
    }
    // rust_decimal holds 28 significant digits; anything longer is too large.
    if int_part.trim_start_matches('0').len() > 18 || frac_part.is_some_and(|f| f.len() > 18) {
        return Err(MoneyError::Overflow);
    }
    Decimal::from_str(text).map_err(|_| MoneyError::Overflow)
}

/// Formats minor units as a major-unit decimal with exactly `digits` places.
pub fn format_minor(minor: i64, digits: u8) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let magnitude = minor.unsigned_abs();
    if digits == 0 {
        return format!("{sign}{magnitude}");
    }
    let per_major = 10_u64.pow(u32::from(digits));
    let width = usize::from(digits);
    format!(
        "{sign}{}.{:0width$}",
        magnitude / per_major,
        magnitude % per_major
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_and_formats_exactly() {
        let m = Money::parse_major("5000.00", Currency::CNY).unwrap();
        assert_eq!(m.minor(), 500_000);
        assert_eq!(m.to_major_string(), "5000.00");
        assert_eq!(Money::parse_major("-3.5", Currency::CNY).unwrap().minor(), -350);
        assert_eq!(
            Money::parse_major("0.05", Currency::CNY)
                .unwrap()
                .to_major_string(),
            "0.05"
        );
        assert_eq!(Money::from_minor(-5, Currency::CNY).to_major_string(), "-0.05");
        assert_eq!(format_minor(1234, 0), "1234");
    }

    #[test]
    fn refuses_what_is_not_plain_money() {
        for bad in ["", "-", ".5", "5.", "1e3", "+1", " 1", "1,000", "abc", "1.2.3"] {
            assert_eq!(
                Money::parse_major(bad, Currency::CNY),
                Err(MoneyError::NotANumber),
                "{bad:?}"
            );
        }
        assert_eq!(
            Money::parse_major("1.001", Currency::CNY),
            Err(MoneyError::PrecisionLoss)
        );
        assert_eq!(
            Money::parse_major("99999999999999999999", Currency::CNY),
            Err(MoneyError::Overflow)
        );
        assert_eq!(
            Money::parse_major("92233720368547758.08", Currency::CNY),
            Err(MoneyError::Overflow)
        );
        assert_eq!(
            Money::parse_major("92233720368547758.07", Currency::CNY)
                .unwrap()
                .minor(),
            i64::MAX
        );
        assert_eq!(
            Money::parse_major("-92233720368547758.08", Currency::CNY)
                .unwrap()
                .minor(),
            i64::MIN
        );
    }

    #[test]
    fn arithmetic_is_checked() {
        let max = Money::from_minor(i64::MAX, Currency::CNY);
        assert_eq!(
            max.checked_add(Money::from_minor(1, Currency::CNY)),
            Err(MoneyError::Overflow)
        );
        assert_eq!(
            Money::zero(Currency::CNY).checked_add(Money::zero(Currency::USD)),
            Err(MoneyError::CurrencyMismatch)
        );
        assert_eq!(
            Money::from_minor(i64::MIN, Currency::CNY).checked_neg(),
            Err(MoneyError::Overflow)
        );
    }

    #[test]
    fn from_decimal_rounds_by_named_mode() {
        let v = Decimal::new(12345, 3); // 12.345
        assert_eq!(
            Money::from_decimal(v, Currency::CNY, RoundingMode::HalfEven)
                .unwrap()
                .minor(),
            1234
        );
        assert_eq!(
            Money::from_decimal(v, Currency::CNY, RoundingMode::HalfUp)
                .unwrap()
                .minor(),
            1235
        );
        assert_eq!(
            Money::from_decimal(-v, Currency::CNY, RoundingMode::Down)
                .unwrap()
                .minor(),
            -1234
        );
    }

    #[test]
    fn currency_codes_are_validated() {
        assert!(Currency::new("cny", 2).is_err());
        assert!(Currency::new("CNYY", 2).is_err());
        assert!(Currency::new("CNY", 7).is_err());
        assert_eq!(Currency::new("JPY", 0).unwrap().minor_per_major(), 1);
    }

    proptest! {
        #[test]
        fn format_then_parse_round_trips(minor in -1_000_000_000_000_i64..1_000_000_000_000) {
            let m = Money::from_minor(minor, Currency::CNY);
            prop_assert_eq!(Money::parse_major(&m.to_major_string(), Currency::CNY).unwrap(), m);
        }
    }
}
