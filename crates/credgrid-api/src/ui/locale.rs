//! The reader's language and how numbers and dates are written in it.
//!
//! The language comes from the `lang` cookie, else the browser's
//! `Accept-Language`, else English. Amounts keep exactly the currency's
//! digits and are grouped by thousands (`1,234.50` in en and zh, `1.234,50`
//! in es, as CLDR writes them); dates follow a catalogue pattern.

use chrono::{Datelike, NaiveDate};
use credgrid_core::Money;
use credgrid_core::i18n::{Locale, t};
use credgrid_core::money::format_minor;
use rust_decimal::Decimal;
use std::borrow::Borrow;

/// The cookie that remembers the chosen language.
pub(crate) const LANG_COOKIE: &str = "lang";

/// Translates and formats for one locale; every page holds one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Tr {
    pub(crate) locale: Locale,
}

impl Tr {
    /// The text of a catalogue key.
    pub(crate) fn t(&self, key: &str) -> String {
        t(self.locale, key, &[])
    }

    /// The text of a catalogue key with `{name}` placeholders filled.
    pub(crate) fn ta(&self, key: &str, args: &[(&str, &str)]) -> String {
        t(self.locale, key, args)
    }

    /// The text of `prefix.value` (a status, kind or code), or `value` itself
    /// when the catalogue does not know it.
    pub(crate) fn term(&self, prefix: &str, value: &str) -> String {
        let key = format!("{prefix}.{value}");
        let text = t(self.locale, &key, &[]);
        if text == key { value.to_string() } else { text }
    }

    pub(crate) fn tag(&self) -> &'static str {
        self.locale.tag()
    }

    /// An amount with its currency's digits, grouped: `1,234.50`.
    pub(crate) fn amount(&self, money: impl Borrow<Money>) -> String {
        let money = *money.borrow();
        group_amount(
            self.locale,
            &format_minor(money.minor(), money.currency().digits()),
        )
    }

    /// An amount followed by its currency code: `1,234.50 CNY`.
    pub(crate) fn money(&self, money: impl Borrow<Money>) -> String {
        let money = *money.borrow();
        format!("{} {}", self.amount(money), money.currency().code())
    }

    /// A business date in the reader's form (`Nov 23, 2026`, `23 nov 2026`, `2026年11月23日`).
    pub(crate) fn date(&self, date: impl Borrow<NaiveDate>) -> String {
        let date = *date.borrow();
        let month = date.month().to_string();
        let month_name = self.t(&format!("ui.month.{month}"));
        self.ta(
            "ui.date_pattern",
            &[
                ("year", &date.year().to_string()),
                ("month", &month),
                ("month_name", &month_name),
                ("day", &date.day().to_string()),
            ],
        )
    }

    /// An optional date, or a dash.
    pub(crate) fn opt_date(&self, date: impl Borrow<Option<NaiveDate>>) -> String {
        date.borrow().map_or_else(|| "—".to_string(), |d| self.date(d))
    }

    /// An annual rate fraction as a percentage: `12.5 %` (`12,5 %` in es).
    pub(crate) fn percent(&self, fraction: impl Borrow<Decimal>) -> String {
        let text = fraction
            .borrow()
            .checked_mul(Decimal::ONE_HUNDRED)
            .map(|p| p.normalize().to_string())
            .unwrap_or_default();
        format!("{} %", group_amount(self.locale, &text))
    }

    /// A count grouped by thousands.
    pub(crate) fn count(&self, n: impl Borrow<u64>) -> String {
        group_amount(self.locale, &n.borrow().to_string())
    }
}

/// The thousands and decimal separators of a locale (CLDR `en`, `es`, `zh`).
fn separators(locale: Locale) -> (char, char) {
    match locale {
        Locale::Es => ('.', ','),
        Locale::En | Locale::Zh => (',', '.'),
    }
}

/// Regroups a plain decimal (`-1234567.50`) with the locale's separators.
pub(crate) fn group_amount(locale: Locale, plain: &str) -> String {
    let (group, decimal) = separators(locale);
    let (sign, body) = match plain.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", plain),
    };
    let (whole, fraction) = match body.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (body, None),
    };
    let mut out = String::with_capacity(plain.len() + whole.len() / 3 + 1);
    out.push_str(sign);
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(group);
        }
        out.push(digit);
    }
    if let Some(fraction) = fraction {
        out.push(decimal);
        out.push_str(fraction);
    }
    out
}

/// The locale of a request: the `lang` cookie, else the first supported
/// language of `Accept-Language` by weight, else English.
pub(crate) fn negotiate(cookie: Option<&str>, accept_language: Option<&str>) -> Locale {
    if let Some(locale) = cookie.and_then(Locale::parse) {
        return locale;
    }
    let Some(header) = accept_language else {
        return Locale::En;
    };
    let mut best: Option<(u32, Locale)> = None;
    for item in header.split(',') {
        let mut parts = item.split(';');
        let Some(locale) = parts.next().and_then(Locale::parse) else {
            continue;
        };
        let weight = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .map_or(1000, quality_per_mille);
        if best.is_none_or(|(w, _)| weight > w) {
            best = Some((weight, locale));
        }
    }
    best.map_or(Locale::En, |(_, locale)| locale)
}

/// An Accept-Language quality (`0.8`) in thousandths, without floats.
fn quality_per_mille(q: &str) -> u32 {
    let (whole, fraction) = q.trim().split_once('.').unwrap_or((q.trim(), ""));
    let whole: u32 = whole.parse().unwrap_or(0).min(1);
    let digits: String = fraction.chars().take(3).collect();
    let fraction: u32 = format!("{digits:0<3}").parse().unwrap_or(0);
    (whole * 1000 + fraction).min(1000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use credgrid_core::Currency;

    // Separators as CLDR writes decimal numbers: en/zh "1,234.5", es "1.234,5"
    // (unicode.org/cldr charts, "Numbers" → "Symbols").
    #[test]
    fn amounts_are_grouped_per_locale_with_the_currency_digits() {
        let cases = [
            (Locale::En, 123_456_789_i64, "1,234,567.89"),
            (Locale::Zh, 123_456_789, "1,234,567.89"),
            (Locale::Es, 123_456_789, "1.234.567,89"),
            (Locale::En, -100_000, "-1,000.00"),
            (Locale::En, 5, "0.05"),
            (Locale::Es, 99_999, "999,99"),
        ];
        for (locale, minor, expected) in cases {
            let tr = Tr { locale };
            assert_eq!(tr.amount(Money::from_minor(minor, Currency::CNY)), expected);
        }
    }

    #[test]
    fn zero_digit_currencies_have_no_decimal_part() {
        let yen = Currency::new("JPY", 0).unwrap();
        let tr = Tr { locale: Locale::En };
        assert_eq!(tr.money(Money::from_minor(1_234_567, yen)), "1,234,567 JPY");
    }

    #[test]
    fn dates_follow_the_locale_pattern() {
        let date = NaiveDate::from_ymd_opt(2026, 3, 7).unwrap();
        assert_eq!(Tr { locale: Locale::Zh }.date(date), "2026年3月7日");
        assert_eq!(Tr { locale: Locale::En }.date(date), "Mar 7, 2026");
        assert_eq!(Tr { locale: Locale::Es }.date(date), "7 mar 2026");
    }

    #[test]
    fn the_cookie_wins_then_the_heaviest_accepted_language() {
        assert_eq!(negotiate(Some("es"), Some("zh-CN")), Locale::Es);
        assert_eq!(negotiate(None, Some("fr-FR, es;q=0.4, zh;q=0.9")), Locale::Zh);
        assert_eq!(negotiate(None, Some("zh-CN,zh;q=0.9,en;q=0.8")), Locale::Zh);
        assert_eq!(negotiate(Some("xx"), Some("de")), Locale::En);
        assert_eq!(negotiate(None, None), Locale::En);
    }
}
