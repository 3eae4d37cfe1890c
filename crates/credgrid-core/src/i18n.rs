//! The translation catalogue: every text a person reads, in en, es and zh.
//!
//! Messages live in `locales/{en,es,zh}.txt` as `key = text` lines, compiled
//! into the binary. Placeholders are `{name}`. A missing key in a language
//! falls back to English, and a test proves no key is missing anywhere.

use std::collections::HashMap;
use std::sync::OnceLock;

/// A language the product speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Locale {
    En,
    Es,
    Zh,
}

impl Locale {
    pub const ALL: [Locale; 3] = [Locale::En, Locale::Es, Locale::Zh];

    /// The BCP-47 tag (`en`, `es`, `zh`).
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Es => "es",
            Locale::Zh => "zh",
        }
    }

    /// Parses a tag or an Accept-Language-like prefix (`zh-CN` → zh).
    pub fn parse(tag: &str) -> Option<Locale> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Locale::ALL.into_iter().find(|l| l.tag() == primary)
    }

    fn source(self) -> &'static str {
        match self {
            Locale::En => include_str!("../locales/en.txt"),
            Locale::Es => include_str!("../locales/es.txt"),
            Locale::Zh => include_str!("../locales/zh.txt"),
        }
    }
}

type Catalogue = HashMap<&'static str, &'static str>;

fn parse_catalogue(source: &'static str) -> Catalogue {
    source
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once(" = "))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect()
}

fn catalogue(locale: Locale) -> &'static Catalogue {
    static CATALOGUES: OnceLock<[Catalogue; 3]> = OnceLock::new();
    let all = CATALOGUES.get_or_init(|| Locale::ALL.map(|l| parse_catalogue(l.source())));
    &all[Locale::ALL.iter().position(|l| *l == locale).unwrap_or(0)]
}

/// The text for `key` in `locale`, with `{name}` placeholders filled from
/// `args`. An unknown key returns the key itself, so a gap is visible but
/// never fatal.
pub fn t(locale: Locale, key: &str, args: &[(&str, &str)]) -> String {
    let text = catalogue(locale)
        .get(key)
        .or_else(|| catalogue(Locale::En).get(key))
        .copied()
        .unwrap_or(key);
    let mut out = text.to_string();
    for (name, value) in args {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// Every key of the English catalogue (the reference language).
pub fn keys() -> Vec<&'static str> {
    let mut keys: Vec<_> = catalogue(Locale::En).keys().copied().collect();
    keys.sort_unstable();
    keys
}

/// Whether `key` exists in `locale` (without fallback).
pub fn has_key(locale: Locale, key: &str) -> bool {
    catalogue(locale).contains_key(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_translated_in_every_language() {
        for locale in Locale::ALL {
            for key in keys() {
                assert!(has_key(locale, key), "{key} is missing in {}", locale.tag());
            }
            // And no language has a key English lacks (a typo'd key).
            for key in catalogue(locale).keys() {
                assert!(has_key(Locale::En, key), "{key} in {} is not in en", locale.tag());
            }
        }
    }

    #[test]
    fn placeholders_are_filled() {
        let s = t(Locale::En, "error.field_required", &[("field", "principal")]);
        assert!(s.contains("principal"), "{s}");
        assert_eq!(t(Locale::Zh, "no.such.key", &[]), "no.such.key");
        assert_eq!(Locale::parse("zh-CN"), Some(Locale::Zh));
        assert_eq!(Locale::parse("fr"), None);
    }
}
