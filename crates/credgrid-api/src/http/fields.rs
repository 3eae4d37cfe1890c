//! Reading request fields by name: a JSON body object and query parameters.
//!
//! Every getter names the field in its error, so a client always learns which
//! field is wrong and why. Amounts and rates are decimal strings (never JSON
//! numbers, which lose precision); counts and ids are JSON integers.

use super::error::ApiError;
use chrono::NaiveDate;
use credgrid_core::money::{MoneyError, parse_plain_decimal};
use credgrid_core::{Currency, Money};
use rust_decimal::Decimal;
use serde_json::{Map, Value};

/// The longest free-text field accepted (names, addresses, reasons).
pub const TEXT_LEN_MAX: usize = 500;
/// The largest rate accepted, in percent: the calculator's ceiling
/// (`schedule_doc::ANNUAL_RATE_PERCENT_MAX`), a guard against typos such as 1200 for 12.
pub const PERCENT_MAX: Decimal = Decimal::from_parts(100, 0, 0, false, 0);

/// An amount in major units as sent, not yet tied to a currency.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Amount {
    pub field: &'static str,
    pub value: Decimal,
}

impl Amount {
    /// The amount in `currency`; more decimal places than it has are refused.
    pub fn money(&self, currency: Currency) -> Result<Money, ApiError> {
        Money::from_decimal_exact(self.value, currency).map_err(|e| match e {
            MoneyError::PrecisionLoss => ApiError::invalid(
                self.field,
                format!(
                    "{} allows at most {} decimal places",
                    currency.code(),
                    currency.digits()
                ),
            ),
            other => ApiError::invalid(self.field, other),
        })
    }
}

/// Whether zero is an acceptable amount.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Zero {
    Allowed,
    Refused,
}

/// Parses a non-negative plain decimal (`"5000.00"`) for `field`.
pub fn parse_amount(field: &'static str, text: &str, zero: Zero) -> Result<Amount, ApiError> {
    if text.starts_with('-') {
        return Err(ApiError::invalid(field, "must not be negative"));
    }
    let value = parse_plain_decimal(text).map_err(|e| match e {
        MoneyError::Overflow => ApiError::invalid(field, "is too large"),
        _ => ApiError::invalid(field, "must be a decimal string such as \"5000.00\""),
    })?;
    if zero == Zero::Refused && value.is_zero() {
        return Err(ApiError::invalid(field, "must be greater than zero"));
    }
    Ok(Amount { field, value })
}

/// Parses a rate given in percent (`"12"` = 12 %) into an annual fraction (0.12).
pub fn parse_percent(field: &'static str, text: &str) -> Result<Decimal, ApiError> {
    let amount = parse_amount(field, text, Zero::Allowed)?;
    if amount.value > PERCENT_MAX {
        return Err(ApiError::invalid(
            field,
            format!("must be at most {PERCENT_MAX} (percent)"),
        ));
    }
    amount
        .value
        .checked_div(Decimal::ONE_HUNDRED)
        .ok_or_else(|| ApiError::invalid(field, "is too precise"))
}

/// Parses a `YYYY-MM-DD` date for `field`.
pub fn parse_date(field: &str, text: &str) -> Result<NaiveDate, ApiError> {
    let shaped = text.len() == 10 && text.as_bytes()[4] == b'-' && text.as_bytes()[7] == b'-';
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|_| shaped);
    date.ok_or_else(|| ApiError::invalid(field, "must be a date written YYYY-MM-DD"))
}

/// Parses a decimal integer in `min..=max` given as text (query and path parameters).
pub fn parse_int_text(field: &str, text: &str, min: i64, max: i64) -> Result<i64, ApiError> {
    let value = text
        .parse::<i64>()
        .ok()
        .filter(|_| text.bytes().all(|b| b.is_ascii_digit() || b == b'-'))
        .ok_or_else(|| ApiError::invalid(field, "must be a whole number"))?;
    if value < min || value > max {
        return Err(ApiError::invalid(
            field,
            format!("must be between {min} and {max}"),
        ));
    }
    Ok(value)
}

/// The members of a JSON body object, taken one by one; `finish` refuses the rest.
#[derive(Debug, Default)]
pub struct Fields {
    members: Map<String, Value>,
}

impl Fields {
    /// The body must be a JSON object (a malformed body is a 400, not a field error).
    pub fn from_value(value: Value) -> Result<Fields, ApiError> {
        match value {
            Value::Object(members) => Ok(Fields { members }),
            _ => Err(ApiError::malformed("must be a JSON object")),
        }
    }

    /// Removes `name`; an explicit `null` counts as absent.
    fn take(&mut self, name: &str) -> Option<Value> {
        self.members.remove(name).filter(|v| !v.is_null())
    }

    fn required<T>(name: &'static str, value: Option<T>) -> Result<T, ApiError> {
        value.ok_or_else(|| ApiError::invalid(name, "is required"))
    }

    pub fn opt_str(&mut self, name: &'static str, len_max: usize) -> Result<Option<String>, ApiError> {
        let Some(value) = self.take(name) else {
            return Ok(None);
        };
        let Value::String(text) = value else {
            return Err(ApiError::invalid(name, "must be a string"));
        };
        if text.trim().is_empty() {
            return Err(ApiError::invalid(name, "must not be empty"));
        }
        if text.chars().count() > len_max {
            return Err(ApiError::invalid(
                name,
                format!("must be at most {len_max} characters"),
            ));
        }
        Ok(Some(text))
    }

    pub fn req_str(&mut self, name: &'static str, len_max: usize) -> Result<String, ApiError> {
        let value = self.opt_str(name, len_max)?;
        Self::required(name, value)
    }

    /// A string out of a fixed list of values.
    pub fn opt_enum(&mut self, name: &'static str, allowed: &[&str]) -> Result<Option<String>, ApiError> {
        let value = self.opt_str(name, 64)?;
        match value {
            Some(text) if !allowed.contains(&text.as_str()) => Err(ApiError::invalid(
                name,
                format!("must be one of {}", allowed.join(", ")),
            )),
            other => Ok(other),
        }
    }

    pub fn req_enum(&mut self, name: &'static str, allowed: &[&str]) -> Result<String, ApiError> {
        let value = self.opt_enum(name, allowed)?;
        Self::required(name, value)
    }

    /// An integer in `min..=max` (JSON integer; floats, strings and overflow refused).
    pub fn opt_int(&mut self, name: &'static str, min: i64, max: i64) -> Result<Option<i64>, ApiError> {
        let Some(value) = self.take(name) else {
            return Ok(None);
        };
        let number = match &value {
            Value::Number(n) => n.as_i64(),
            _ => return Err(ApiError::invalid(name, "must be a whole number")),
        };
        let number =
            number.ok_or_else(|| ApiError::invalid(name, format!("must be between {min} and {max}")))?;
        if number < min || number > max {
            return Err(ApiError::invalid(
                name,
                format!("must be between {min} and {max}"),
            ));
        }
        Ok(Some(number))
    }

    /// An id: an integer of at least 1.
    pub fn opt_id(&mut self, name: &'static str) -> Result<Option<i64>, ApiError> {
        self.opt_int(name, 1, i64::MAX)
    }

    pub fn req_id(&mut self, name: &'static str) -> Result<i64, ApiError> {
        let value = self.opt_id(name)?;
        Self::required(name, value)
    }

    pub fn opt_u32(&mut self, name: &'static str, min: u32, max: u32) -> Result<Option<u32>, ApiError> {
        let value = self.opt_int(name, i64::from(min), i64::from(max))?;
        Ok(value.and_then(|v| u32::try_from(v).ok()))
    }

    pub fn req_u32(&mut self, name: &'static str, min: u32, max: u32) -> Result<u32, ApiError> {
        let value = self.opt_u32(name, min, max)?;
        Self::required(name, value)
    }

    pub fn opt_bool(&mut self, name: &'static str) -> Result<Option<bool>, ApiError> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(_) => Err(ApiError::invalid(name, "must be true or false")),
        }
    }

    /// A non-negative amount as a decimal string.
    pub fn opt_amount(&mut self, name: &'static str, zero: Zero) -> Result<Option<Amount>, ApiError> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::String(text)) => parse_amount(name, &text, zero).map(Some),
            Some(_) => Err(ApiError::invalid(
                name,
                "must be a decimal string such as \"5000.00\"",
            )),
        }
    }

    pub fn req_amount(&mut self, name: &'static str, zero: Zero) -> Result<Amount, ApiError> {
        let value = self.opt_amount(name, zero)?;
        Self::required(name, value)
    }

    /// A rate in percent as a decimal string, returned as a fraction.
    pub fn opt_percent(&mut self, name: &'static str) -> Result<Option<Decimal>, ApiError> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::String(text)) => parse_percent(name, &text).map(Some),
            Some(_) => Err(ApiError::invalid(
                name,
                "must be a percentage as a decimal string such as \"12.5\"",
            )),
        }
    }

    pub fn req_percent(&mut self, name: &'static str) -> Result<Decimal, ApiError> {
        let value = self.opt_percent(name)?;
        Self::required(name, value)
    }

    pub fn opt_date(&mut self, name: &'static str) -> Result<Option<NaiveDate>, ApiError> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::String(text)) => parse_date(name, &text).map(Some),
            Some(_) => Err(ApiError::invalid(name, "must be a date written YYYY-MM-DD")),
        }
    }

    /// A list of strings, each out of `allowed`, without repeats.
    pub fn opt_enum_list(
        &mut self,
        name: &'static str,
        allowed: &[&str],
    ) -> Result<Option<Vec<String>>, ApiError> {
        let Some(value) = self.take(name) else {
            return Ok(None);
        };
        let Value::Array(items) = value else {
            return Err(ApiError::invalid(name, "must be an array of strings"));
        };
        let mut out: Vec<String> = Vec::with_capacity(items.len());
        for item in items {
            let text = item
                .as_str()
                .ok_or_else(|| ApiError::invalid(name, "must be an array of strings"))?;
            if !allowed.contains(&text) {
                return Err(ApiError::invalid(
                    name,
                    format!("each item must be one of {}", allowed.join(", ")),
                ));
            }
            if out.iter().any(|seen| seen == text) {
                return Err(ApiError::invalid(name, format!("{text} is listed twice")));
            }
            out.push(text.to_string());
        }
        Ok(Some(out))
    }

    /// Any JSON value (for arrays of objects read by the caller).
    pub fn opt_raw(&mut self, name: &'static str) -> Result<Option<Value>, ApiError> {
        Ok(self.take(name))
    }

    /// Refuses any member no getter took (a misspelt optional field would
    /// otherwise be silently ignored).
    pub fn finish(self) -> Result<(), ApiError> {
        match self.members.keys().next() {
            Some(unknown) => Err(ApiError::invalid(unknown, "is not a field of this request")),
            None => Ok(()),
        }
    }
}

/// Query parameters taken one by one; `finish` refuses unknown ones.
#[derive(Debug, Default)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    pub fn new(pairs: Vec<(String, String)>) -> Result<Params, ApiError> {
        for (i, (name, _)) in pairs.iter().enumerate() {
            if pairs[..i].iter().any(|(seen, _)| seen == name) {
                return Err(ApiError::invalid(name, "is given more than once"));
            }
        }
        Ok(Params { pairs })
    }

    /// Removes `name`; an empty value (`?q=`) counts as absent.
    pub fn take(&mut self, name: &str) -> Option<String> {
        let i = self.pairs.iter().position(|(n, _)| n == name)?;
        Some(self.pairs.remove(i).1).filter(|v| !v.is_empty())
    }

    pub fn opt_int(&mut self, name: &str, min: i64, max: i64) -> Result<Option<i64>, ApiError> {
        self.take(name)
            .map(|text| parse_int_text(name, &text, min, max))
            .transpose()
    }

    pub fn opt_date(&mut self, name: &str) -> Result<Option<NaiveDate>, ApiError> {
        self.take(name).map(|text| parse_date(name, &text)).transpose()
    }

    pub fn opt_text(&mut self, name: &str, len_max: usize) -> Result<Option<String>, ApiError> {
        match self.take(name) {
            Some(text) if text.chars().count() > len_max => Err(ApiError::invalid(
                name,
                format!("must be at most {len_max} characters"),
            )),
            other => Ok(other),
        }
    }

    pub fn finish(self) -> Result<(), ApiError> {
        match self.pairs.first() {
            Some((unknown, _)) => Err(ApiError::invalid(unknown, "is not a parameter of this request")),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn amounts_are_plain_non_negative_decimal_strings() {
        let ok = parse_amount("amount", "5000.00", Zero::Refused).unwrap();
        assert_eq!(ok.money(Currency::CNY).unwrap().minor(), 500_000);
        for (text, zero) in [
            ("-1.00", Zero::Allowed),
            ("0", Zero::Refused),
            ("1e40", Zero::Allowed),
            ("99999999999999999999999", Zero::Allowed),
            ("12,5", Zero::Allowed),
            ("", Zero::Allowed),
        ] {
            let e = parse_amount("amount", text, zero).unwrap_err();
            assert_eq!(
                (e.status.as_u16(), e.field.as_deref()),
                (422, Some("amount")),
                "{text:?}"
            );
        }
        // Representable as a decimal but beyond i64 minor units: refused at conversion.
        let big = parse_amount("amount", "999999999999999999", Zero::Allowed).unwrap();
        assert!(big.money(Currency::CNY).is_err());
        let fine = parse_amount("amount", "1.005", Zero::Allowed).unwrap();
        assert_eq!(
            fine.money(Currency::CNY).unwrap_err().field.as_deref(),
            Some("amount")
        );
    }

    #[test]
    fn percent_strings_become_fractions() {
        assert_eq!(parse_percent("annual_rate", "12").unwrap(), Decimal::new(12, 2));
        assert_eq!(
            parse_percent("annual_rate", "7.25").unwrap(),
            Decimal::new(725, 4)
        );
        assert!(parse_percent("annual_rate", "100").is_ok());
        assert!(parse_percent("annual_rate", "100.01").is_err());
        assert!(parse_percent("annual_rate", "-1").is_err());
    }

    #[test]
    fn body_getters_name_the_field_and_refuse_wrong_types() {
        let body = json!({"id": "7", "n": 1.5, "big": 1e40, "neg": -1, "flag": "yes", "d": "2024-02-30",
                          "list": ["a", "a"], "s": 5, "extra": 1});
        let mut f = Fields::from_value(body).unwrap();
        assert_eq!(f.req_id("id").unwrap_err().field.as_deref(), Some("id"));
        assert!(f.opt_u32("n", 0, 10).is_err());
        assert!(f.opt_u32("big", 0, u32::MAX).is_err());
        assert!(f.opt_id("neg").is_err());
        assert!(f.opt_bool("flag").is_err());
        assert!(f.opt_date("d").is_err());
        assert!(f.opt_enum_list("list", &["a", "b"]).is_err());
        assert!(f.opt_str("s", 10).is_err());
        assert_eq!(
            f.req_str("missing", 10).unwrap_err().detail.as_deref(),
            Some("missing: is required")
        );
        assert_eq!(f.finish().unwrap_err().field.as_deref(), Some("extra"));
        assert_eq!(Fields::from_value(json!([1])).unwrap_err().status.as_u16(), 400);
    }

    #[test]
    fn query_parameters_are_checked_by_name() {
        let pairs = |p: &[(&str, &str)]| p.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        let mut q = Params::new(pairs(&[("limit", "x"), ("after_id", "99999999999999999999")])).unwrap();
        assert_eq!(
            q.opt_int("limit", 1, 200).unwrap_err().field.as_deref(),
            Some("limit")
        );
        assert_eq!(
            q.opt_int("after_id", 0, i64::MAX).unwrap_err().field.as_deref(),
            Some("after_id")
        );
        assert!(Params::new(pairs(&[("a", "1"), ("a", "2")])).is_err());
        let q = Params::new(pairs(&[("bogus", "1")])).unwrap();
        assert_eq!(q.finish().unwrap_err().field.as_deref(), Some("bogus"));
        assert!(parse_int_text("limit", "+5", 1, 200).is_err());
    }
}
