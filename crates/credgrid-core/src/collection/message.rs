//! Collection messages (R-COL-3): SMS and letter templates in en, es and zh,
//! rendered with the loan's figures, and the refusal of free text in written
//! messages.
//!
//! The wording lives in the translation catalogue (`collection.template.*`),
//! so a template exists in all three languages or the catalogue test fails.
//! The tone follows the documents: polite, face-saving ("用积极和信任的方式对话,
//! 尽量维护和保全客户面子"), never threatening. Amounts are formatted per locale
//! with the currency's minor digits; dates per locale.

use super::action::Channel;
use crate::i18n::{Locale, has_key, t};
use crate::money::{Money, format_minor};
use chrono::{Datelike, NaiveDate};

/// The longest borrower name, outlet name or phone a message accepts, in characters.
pub const FIGURE_CHARS_MAX: usize = 100;

/// The body of a written message: a registered template, or free text
/// (which the conduct rules refuse for written channels).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MessageBody {
    Template { id: String },
    FreeText(String),
}

/// A message template: a stable id, the channel it is written for and its
/// catalogue key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Template {
    pub id: &'static str,
    pub channel: Channel,
    pub key: &'static str,
}

/// The standard templates.
pub const STANDARD_TEMPLATES: [Template; 3] = [
    Template {
        id: "sms_reminder",
        channel: Channel::Sms,
        key: "collection.template.sms_reminder",
    },
    Template {
        id: "sms_promise_reminder",
        channel: Channel::Sms,
        key: "collection.template.sms_promise_reminder",
    },
    Template {
        id: "letter_overdue_notice",
        channel: Channel::Letter,
        key: "collection.template.letter_overdue_notice",
    },
];

/// Why a message could not be rendered or a template registered.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    #[error("a {channel} message must come from a template, not free text")]
    FreeTextNotAllowed { channel: Channel },
    #[error("there is no template {id:?}")]
    UnknownTemplate { id: String },
    #[error("template {id} is written for {template_channel}, not {channel}")]
    WrongChannel {
        id: String,
        template_channel: Channel,
        channel: Channel,
    },
    #[error("template {id} is already registered")]
    DuplicateTemplate { id: String },
    #[error("the catalogue key {key} is missing in {locale}")]
    MissingTranslation { key: String, locale: &'static str },
    #[error("{field} must not be empty")]
    EmptyField { field: &'static str },
    #[error("{field} is longer than {max} characters")]
    FieldTooLong { field: &'static str, max: usize },
    #[error("the amount must be positive")]
    AmountNotPositive,
    #[error("the rendered text still holds a placeholder: {text}")]
    UnfilledPlaceholder { text: String },
}

/// The templates an institution may send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateRegistry {
    templates: Vec<Template>,
}

impl TemplateRegistry {
    /// The registry of [`STANDARD_TEMPLATES`].
    pub fn standard() -> TemplateRegistry {
        TemplateRegistry {
            templates: STANDARD_TEMPLATES.to_vec(),
        }
    }

    /// Adds a template whose key exists in every language.
    pub fn register(&mut self, template: Template) -> Result<(), MessageError> {
        if self.get(template.id).is_some() {
            return Err(MessageError::DuplicateTemplate {
                id: template.id.to_string(),
            });
        }
        if let Some(locale) = Locale::ALL.into_iter().find(|l| !has_key(*l, template.key)) {
            return Err(MessageError::MissingTranslation {
                key: template.key.to_string(),
                locale: locale.tag(),
            });
        }
        self.templates.push(template);
        Ok(())
    }

    /// The template with this id.
    pub fn get(&self, id: &str) -> Option<&Template> {
        self.templates.iter().find(|t| t.id == id)
    }

    /// Every registered template.
    pub fn templates(&self) -> &[Template] {
        &self.templates
    }
}

/// The loan's figures a message shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MessageFigures<'a> {
    pub borrower_name: &'a str,
    /// The amount overdue (or promised, for a promise reminder).
    pub amount: Money,
    /// The due date (or the promised date).
    pub date: NaiveDate,
    pub outlet_name: &'a str,
    pub outlet_phone: &'a str,
}

/// A rendered message, ready for the outbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderedMessage {
    pub template: &'static str,
    pub channel: Channel,
    pub locale: Locale,
    pub text: String,
}

/// Renders `body` for `channel` in `locale`. Free text is refused for a
/// written channel; the template must exist and be written for `channel`.
pub fn render(
    registry: &TemplateRegistry,
    body: &MessageBody,
    channel: Channel,
    locale: Locale,
    figures: &MessageFigures<'_>,
) -> Result<RenderedMessage, MessageError> {
    let id = match body {
        MessageBody::FreeText(_) => return Err(MessageError::FreeTextNotAllowed { channel }),
        MessageBody::Template { id } => id,
    };
    let template = registry
        .get(id)
        .ok_or_else(|| MessageError::UnknownTemplate { id: id.clone() })?;
    if template.channel != channel {
        return Err(MessageError::WrongChannel {
            id: id.clone(),
            template_channel: template.channel,
            channel,
        });
    }
    validate_figures(figures)?;
    if !has_key(locale, template.key) {
        return Err(MessageError::MissingTranslation {
            key: template.key.to_string(),
            locale: locale.tag(),
        });
    }
    let amount = format_amount(figures.amount, locale);
    let date = format_date(figures.date, locale);
    let args = [
        ("name", figures.borrower_name.trim()),
        ("amount", amount.as_str()),
        ("date", date.as_str()),
        ("outlet", figures.outlet_name.trim()),
        ("phone", figures.outlet_phone.trim()),
    ];
    // The catalogue is one line per key; a letter's line breaks are written `\n`.
    let text = t(locale, template.key, &args).replace("\\n", "\n");
    if text.contains('{') {
        return Err(MessageError::UnfilledPlaceholder { text });
    }
    Ok(RenderedMessage {
        template: template.id,
        channel,
        locale,
        text,
    })
}

fn validate_figures(figures: &MessageFigures<'_>) -> Result<(), MessageError> {
    let fields = [
        ("borrower_name", figures.borrower_name),
        ("outlet_name", figures.outlet_name),
        ("outlet_phone", figures.outlet_phone),
    ];
    for (field, value) in fields {
        if value.trim().is_empty() {
            return Err(MessageError::EmptyField { field });
        }
        // A brace in a figure could smuggle a placeholder into the text.
        if value.chars().count() > FIGURE_CHARS_MAX || value.contains(['{', '}']) {
            return Err(MessageError::FieldTooLong {
                field,
                max: FIGURE_CHARS_MAX,
            });
        }
    }
    if !figures.amount.is_positive() {
        return Err(MessageError::AmountNotPositive);
    }
    Ok(())
}

/// An amount as a reader of `locale` expects it, with the currency's minor
/// digits: en `CNY 1,234.50`; es `1234,50 CNY` and `12.345,50 CNY` (CLDR `es`
/// groups only from five integer digits, as the RAE recommends); zh
/// `1,234.50元` for yuan and `USD 1,234.50` otherwise.
pub fn format_amount(amount: Money, locale: Locale) -> String {
    let currency = amount.currency();
    let plain = format_minor(amount.minor(), currency.digits());
    let (sign, unsigned) = plain
        .strip_prefix('-')
        .map_or(("", plain.as_str()), |rest| ("-", rest));
    let (int_part, frac_part) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let (group, decimal, min_group_digits) = match locale {
        Locale::Es => ('.', ',', 5),
        Locale::En | Locale::Zh => (',', '.', 4),
    };
    let mut number = String::with_capacity(plain.len() + 8);
    number.push_str(sign);
    number.push_str(&group_digits(int_part, group, min_group_digits));
    if !frac_part.is_empty() {
        number.push(decimal);
        number.push_str(frac_part);
    }
    match locale {
        Locale::En => format!("{} {number}", currency.code()),
        Locale::Es => format!("{number} {}", currency.code()),
        Locale::Zh if currency.code() == "CNY" => format!("{number}元"),
        Locale::Zh => format!("{} {number}", currency.code()),
    }
}

fn group_digits(digits: &str, separator: char, min_group_digits: usize) -> String {
    if digits.len() < min_group_digits {
        return digits.to_string();
    }
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(ch);
    }
    out
}

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A date as a reader of `locale` expects it: en `30 November 2026`,
/// es `30/11/2026`, zh `2026年11月30日`.
pub fn format_date(date: NaiveDate, locale: Locale) -> String {
    let (year, month, day) = (date.year(), date.month(), date.day());
    match locale {
        Locale::En => {
            let name = MONTHS_EN[usize::try_from(date.month0()).unwrap_or(0)];
            format!("{day} {name} {year}")
        }
        Locale::Es => format!("{day:02}/{month:02}/{year}"),
        Locale::Zh => format!("{year}年{month}月{day}日"),
    }
}
