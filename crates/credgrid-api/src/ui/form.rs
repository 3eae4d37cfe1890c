//! Reading an HTML form (`application/x-www-form-urlencoded`) field by field.
//!
//! Every getter names the field in its `AppError`, with the reason from the
//! catalogue, so the page can show it next to the input. Amounts are decimal
//! text in major units (a comma is accepted as the decimal mark, for es);
//! they become `Money` exactly or are refused — never a float.

use super::locale::Tr;
use chrono::NaiveDate;
use credgrid_app::{AppError, IdempotencyKey};
use credgrid_core::audit::hex;
use credgrid_core::money::{MoneyError, parse_plain_decimal};
use credgrid_core::{Currency, Money};
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicU64, Ordering};

/// The longest value kept from any form field.
const VALUE_LEN_MAX: usize = 1000;

/// The submitted fields, and the errors to show next to them when the form
/// is drawn again.
#[derive(Clone, Debug, Default)]
pub(crate) struct FormData {
    values: Vec<(String, String)>,
    errors: Vec<(String, String)>,
}

impl FormData {
    /// Decodes a urlencoded body; malformed escapes are kept literally.
    pub(crate) fn parse(body: &str) -> FormData {
        let values = body
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                let mut v = decode(v);
                v.truncate(v.floor_char_boundary(VALUE_LEN_MAX));
                (decode(k), v)
            })
            .collect();
        FormData {
            values,
            errors: Vec::new(),
        }
    }

    /// A form pre-filled with `values`.
    pub(crate) fn with(values: &[(&str, &str)]) -> FormData {
        FormData {
            values: values
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            errors: Vec::new(),
        }
    }

    /// The trimmed value of `name`, empty when absent (for templates).
    pub(crate) fn v(&self, name: &str) -> &str {
        self.values
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.trim())
    }

    /// The error to show next to `name`, if any (for templates).
    pub(crate) fn err(&self, name: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, e)| e.as_str())
    }

    /// Whether `value` is the selected option of `name` (for templates).
    pub(crate) fn sel(&self, name: &str, value: &str) -> bool {
        self.v(name) == value
    }

    /// Records a refusal next to its field (or `_form` when it names none).
    pub(crate) fn add_error(&mut self, field: Option<&str>, message: String) {
        self.errors.push((field.unwrap_or("_form").to_string(), message));
    }

    pub(crate) fn opt_text(&self, name: &str) -> Option<String> {
        Some(self.v(name).to_string()).filter(|v| !v.is_empty())
    }

    pub(crate) fn text(&self, tr: Tr, name: &str) -> Result<String, AppError> {
        self.opt_text(name)
            .ok_or_else(|| AppError::invalid(name, tr.t("ui.reason.required")))
    }

    /// A positive whole number (an id).
    pub(crate) fn id(&self, tr: Tr, name: &str) -> Result<i64, AppError> {
        let text = self.text(tr, name)?;
        text.parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .ok_or_else(|| AppError::invalid(name, tr.t("ui.reason.positive_number")))
    }

    pub(crate) fn opt_u32(&self, tr: Tr, name: &str) -> Result<Option<u32>, AppError> {
        let Some(text) = self.opt_text(name) else {
            return Ok(None);
        };
        let n = text.parse::<u32>().ok().filter(|n| *n > 0);
        n.map(Some)
            .ok_or_else(|| AppError::invalid(name, tr.t("ui.reason.positive_number")))
    }

    pub(crate) fn opt_date(&self, tr: Tr, name: &str) -> Result<Option<NaiveDate>, AppError> {
        let Some(text) = self.opt_text(name) else {
            return Ok(None);
        };
        NaiveDate::parse_from_str(&text, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| AppError::invalid(name, tr.t("ui.reason.date")))
    }

    /// A decimal number (`1234.5` or `1234,5`), as written.
    fn decimal(&self, tr: Tr, name: &str) -> Result<Decimal, AppError> {
        let text = self.text(tr, name)?;
        let text = if text.contains('.') {
            text
        } else {
            text.replace(',', ".")
        };
        parse_plain_decimal(&text).map_err(|e| match e {
            MoneyError::Overflow => AppError::invalid(name, tr.t("ui.reason.too_large")),
            _ => AppError::invalid(name, tr.t("ui.reason.decimal")),
        })
    }

    /// An amount in `currency`; the sign is kept (the use case judges it).
    pub(crate) fn amount(&self, tr: Tr, name: &str, currency: Currency) -> Result<Money, AppError> {
        let value = self.decimal(tr, name)?;
        Money::from_decimal_exact(value, currency).map_err(|e| match e {
            MoneyError::PrecisionLoss => {
                let digits = currency.digits().to_string();
                AppError::invalid(name, tr.ta("ui.reason.digits", &[("digits", &digits)]))
            }
            _ => AppError::invalid(name, tr.t("ui.reason.too_large")),
        })
    }

    /// A rate typed in percent (`12` = 12 %) as an annual fraction (0.12).
    pub(crate) fn opt_percent(&self, tr: Tr, name: &str) -> Result<Option<Decimal>, AppError> {
        if self.opt_text(name).is_none() {
            return Ok(None);
        }
        let percent = self.decimal(tr, name)?;
        if percent.is_sign_negative() || percent > Decimal::ONE_HUNDRED {
            return Err(AppError::invalid(name, tr.t("ui.reason.percent")));
        }
        Ok(percent.checked_div(Decimal::ONE_HUNDRED))
    }

    /// The idempotency key of the form (hidden field `idempotency_key`) bound
    /// to the fields that define the request, so a double submit is one
    /// payment and the same key with other values is refused.
    pub(crate) fn idempotency(&self, action: &str, fields: &[&str]) -> Option<IdempotencyKey> {
        let key = self.opt_text("idempotency_key")?;
        let mut digest = Sha256::new();
        digest.update(action.as_bytes());
        for field in fields {
            digest.update([0]);
            digest.update(self.v(field).as_bytes());
        }
        Some(IdempotencyKey {
            key,
            request_hash: hex(&digest.finalize()),
        })
    }
}

/// A fresh idempotency key for a form (unique per drawn form).
pub(crate) fn new_idempotency_key() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut digest = Sha256::new();
    digest.update(format!("{nanos}/{n}/{}", std::process::id()).as_bytes());
    format!("ui-{}", &hex(&digest.finalize())[..32])
}

/// Percent-decoding with `+` as a space; invalid UTF-8 becomes U+FFFD.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        let escaped = (byte == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (byte, escaped) {
            (_, Some(value)) => {
                out.push(value);
                i += 3;
            }
            (b'+', None) => {
                out.push(b' ');
                i += 1;
            }
            (other, None) => {
                out.push(other);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use credgrid_core::i18n::Locale;

    const TR: Tr = Tr { locale: Locale::En };

    #[test]
    fn decodes_a_browser_form_body() {
        let form = FormData::parse("name=Li+Wei&address=%E5%8C%97%E4%BA%AC&bad=%zz&empty=");
        assert_eq!(form.v("name"), "Li Wei");
        assert_eq!(form.v("address"), "北京");
        assert_eq!(form.v("bad"), "%zz");
        assert_eq!(form.opt_text("empty"), None);
    }

    #[test]
    fn amounts_are_exact_and_name_the_field_when_refused() {
        let form = FormData::parse("a=1234.5&b=1234%2C56&c=1.234&d=-50&e=1e3");
        let cny = Currency::CNY;
        assert_eq!(form.amount(TR, "a", cny).unwrap().minor(), 123_450);
        assert_eq!(form.amount(TR, "b", cny).unwrap().minor(), 123_456);
        assert_eq!(form.amount(TR, "d", cny).unwrap().minor(), -5_000);
        for field in ["c", "e", "missing"] {
            match form.amount(TR, field, cny) {
                Err(AppError::Invalid { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{field}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_rate_in_percent_becomes_a_fraction() {
        let form = FormData::parse("r=12.5&bad=150");
        assert_eq!(form.opt_percent(TR, "r").unwrap(), Some(Decimal::new(125, 3)));
        assert!(form.opt_percent(TR, "bad").is_err());
        assert_eq!(form.opt_percent(TR, "none").unwrap(), None);
    }

    #[test]
    fn the_same_form_submitted_twice_has_the_same_key_and_hash() {
        let key = new_idempotency_key();
        let body = format!("idempotency_key={key}&amount=100.00&value_date=");
        let first = FormData::parse(&body).idempotency("repay", &["amount", "value_date"]);
        let again = FormData::parse(&body).idempotency("repay", &["amount", "value_date"]);
        assert_eq!(first, again);
        let other = FormData::parse(&format!("idempotency_key={key}&amount=200.00"))
            .idempotency("repay", &["amount", "value_date"]);
        assert_ne!(first.unwrap().request_hash, other.unwrap().request_hash);
        assert_ne!(new_idempotency_key(), key);
    }
}
