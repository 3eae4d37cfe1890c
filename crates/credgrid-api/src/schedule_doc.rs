//! The `credgrid schedule` document: the loan calculator's JSON request,
//! parsed into `ScheduleTerms` with errors that name the field, and the
//! schedule rendered as JSON or as a readable table.
//!
//! Decisions (see `docs/schedule.md`): amounts and rates are JSON strings
//! (never JSON numbers, which would pass through binary floating point);
//! `annual_rate` is a percentage from 0 to 100; unknown fields are refused
//! so a misspelt option is never silently ignored; defaults are
//! `interest_period` "installment", `days_in_year` "365", `days_in_month`
//! "actual", `emi` "nominal", `rounding` 2 digits `half_even`, no grace,
//! `currency` "CNY".

use chrono::NaiveDate;
use credgrid_core::calendar::{DaysInMonth, DaysInYear, Frequency};
use credgrid_core::i18n::{Locale, t};
use credgrid_core::money::{CURRENCY_DIGITS_MAX, Currency, Money, MoneyError, parse_plain_decimal};
use credgrid_core::rounding::RoundingMode;
use credgrid_core::schedule::{
    self, CustomPrincipal, EVERY_MAX, EmiBasis, Grace, INSTALLMENTS_MAX, InterestPeriod, RepaymentMethod,
    Schedule, ScheduleError, ScheduleRounding, ScheduleTerms,
};
use rust_decimal::Decimal;
use serde_json::{Map, Value};
use std::fmt::Write;

/// The highest `annual_rate` accepted, in percent a year. Chinese courts cap
/// private lending at 4× LPR (about 15.4%) but microfinance products run to
/// 36%; anything above 100% is taken for a typing error.
pub const ANNUAL_RATE_PERCENT_MAX: u32 = 100;

const FIELDS: [&str; 17] = [
    "principal",
    "annual_rate",
    "installments",
    "every",
    "unit",
    "disbursement_date",
    "first_repayment_date",
    "interest_from_date",
    "method",
    "interest_period",
    "days_in_year",
    "days_in_month",
    "emi",
    "rounding",
    "grace",
    "currency",
    "custom_principals",
];
const ROUNDING_FIELDS: [&str; 3] = ["digits", "mode", "installment_multiple"];
const GRACE_FIELDS: [&str; 2] = ["principal_periods", "interest_payment_periods"];
const CUSTOM_FIELDS: [&str; 2] = ["due_date", "principal"];

/// What is wrong with a field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    Required,
    NotJson(String),
    NotAnObject,
    NotAnArray,
    NotAString,
    NotADecimal,
    NotAWholeNumber { min: u64, max: u64 },
    TooLarge,
    NotPositive,
    Negative,
    TooManyDecimals { digits: u8 },
    NotADate,
    DateDoesNotExist,
    UnknownChoice { choices: String },
    UnknownField { expected: String },
    RateAboveCeiling,
    NotACurrencyCode,
    OnlyWithCustom,
    Schedule(ScheduleError),
}

/// A rejected document: the field (a JSON path such as `rounding.digits` or
/// `custom_principals[1].principal`) and the problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocError {
    pub field: String,
    pub problem: Problem,
}

impl DocError {
    fn new(field: &str, problem: Problem) -> DocError {
        DocError {
            field: field.to_string(),
            problem,
        }
    }

    /// The message for a person, `field: reason`, in `locale`.
    pub fn message(&self, locale: Locale) -> String {
        if self.problem == Problem::Required {
            return t(locale, "error.field_required", &[("field", &self.field)]);
        }
        let reason = reason(&self.problem, locale);
        t(
            locale,
            "error.field_invalid",
            &[("field", &self.field), ("reason", &reason)],
        )
    }
}

fn reason(problem: &Problem, locale: Locale) -> String {
    let text = |key: &str, args: &[(&str, &str)]| t(locale, key, args);
    match problem {
        Problem::Required => text("schedule.required", &[]),
        Problem::NotJson(detail) => text("schedule.not_json", &[("detail", detail)]),
        Problem::NotAnObject => text("schedule.not_an_object", &[]),
        Problem::NotAnArray => text("schedule.not_an_array", &[]),
        Problem::NotAString => text("schedule.not_a_string", &[]),
        Problem::NotADecimal => text("schedule.not_a_decimal", &[]),
        Problem::NotAWholeNumber { min, max } => text(
            "schedule.not_a_whole_number",
            &[("min", &min.to_string()), ("max", &max.to_string())],
        ),
        Problem::TooLarge => text("schedule.too_large", &[]),
        Problem::NotPositive => text("schedule.not_positive", &[]),
        Problem::Negative => text("schedule.negative", &[]),
        Problem::TooManyDecimals { digits } => {
            text("schedule.too_many_decimals", &[("digits", &digits.to_string())])
        }
        Problem::NotADate => text("error.not_a_date", &[]),
        Problem::DateDoesNotExist => text("schedule.date_does_not_exist", &[]),
        Problem::UnknownChoice { choices } => {
            text("schedule.unknown_choice", &[("choices", choices.as_str())])
        }
        Problem::UnknownField { expected } => text("schedule.unknown_field", &[("expected", expected)]),
        Problem::RateAboveCeiling => text(
            "schedule.rate_above_ceiling",
            &[("max", &ANNUAL_RATE_PERCENT_MAX.to_string())],
        ),
        Problem::NotACurrencyCode => text("schedule.not_a_currency_code", &[]),
        Problem::OnlyWithCustom => text("schedule.only_with_custom", &[]),
        Problem::Schedule(error) => schedule_reason(error, locale),
    }
}

fn schedule_reason(error: &ScheduleError, locale: Locale) -> String {
    let key = match error {
        ScheduleError::NonPositivePrincipal => "schedule.not_positive",
        ScheduleError::NoInstallments | ScheduleError::TooManyInstallments => "schedule.installments_range",
        ScheduleError::RateOutOfRange => "schedule.rate_above_ceiling",
        ScheduleError::EveryOutOfRange => "schedule.every_range",
        ScheduleError::DigitsMismatch => "schedule.digits_mismatch",
        ScheduleError::InvalidInstallmentMultiple => "schedule.not_positive",
        ScheduleError::FirstRepaymentNotAfterDisbursement => {
            "schedule.first_repayment_not_after_disbursement"
        }
        ScheduleError::InterestFromBeforeDisbursement => "schedule.interest_from_before_disbursement",
        ScheduleError::InterestFromAfterMaturity => "schedule.interest_from_after_maturity",
        ScheduleError::GraceTooLong => "schedule.grace_too_long",
        ScheduleError::GraceWithBullet => "schedule.grace_with_bullet",
        ScheduleError::CustomCountMismatch => "schedule.custom_count_mismatch",
        ScheduleError::CustomPrincipalInvalid { .. } => "schedule.negative",
        ScheduleError::CustomDatesOutOfOrder { .. } => "schedule.custom_dates_out_of_order",
        ScheduleError::CustomPrincipalsSumMismatch => "schedule.custom_sum_mismatch",
        ScheduleError::DateOutOfRange => "schedule.date_out_of_range",
        ScheduleError::Overflow => "schedule.too_large",
    };
    let args = [
        ("max", ANNUAL_RATE_PERCENT_MAX.to_string()),
        ("installments_max", INSTALLMENTS_MAX.to_string()),
        ("every_max", EVERY_MAX.to_string()),
    ];
    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    t(locale, key, &args)
}

/// The document field a schedule rejection is about.
pub fn field_of(error: &ScheduleError) -> String {
    match error {
        ScheduleError::NonPositivePrincipal | ScheduleError::Overflow => "principal".into(),
        ScheduleError::NoInstallments
        | ScheduleError::TooManyInstallments
        | ScheduleError::DateOutOfRange => "installments".into(),
        ScheduleError::RateOutOfRange => "annual_rate".into(),
        ScheduleError::EveryOutOfRange => "every".into(),
        ScheduleError::DigitsMismatch => "rounding.digits".into(),
        ScheduleError::InvalidInstallmentMultiple => "rounding.installment_multiple".into(),
        ScheduleError::FirstRepaymentNotAfterDisbursement => "first_repayment_date".into(),
        ScheduleError::InterestFromBeforeDisbursement | ScheduleError::InterestFromAfterMaturity => {
            "interest_from_date".into()
        }
        ScheduleError::GraceTooLong | ScheduleError::GraceWithBullet => "grace".into(),
        ScheduleError::CustomCountMismatch | ScheduleError::CustomPrincipalsSumMismatch => {
            "custom_principals".into()
        }
        ScheduleError::CustomPrincipalInvalid { index } => format!("custom_principals[{index}].principal"),
        ScheduleError::CustomDatesOutOfOrder { index } => format!("custom_principals[{index}].due_date"),
    }
}

/// Parses a request document and generates its schedule.
pub fn schedule_from_text(text: &str) -> Result<Schedule, DocError> {
    let terms = parse_terms(text)?;
    schedule::generate(&terms).map_err(|e| DocError::new(&field_of(&e), Problem::Schedule(e)))
}

/// Parses a request document (JSON text) into schedule terms.
pub fn parse_terms(text: &str) -> Result<ScheduleTerms, DocError> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| DocError::new("document", Problem::NotJson(e.to_string())))?;
    terms_from_value(&value)
}

/// Reads schedule terms from a parsed JSON document.
pub fn terms_from_value(value: &Value) -> Result<ScheduleTerms, DocError> {
    let doc = Fields::of(value, "document", &FIELDS)?;
    let rounding = parse_rounding(doc.get("rounding"))?;
    let currency = parse_currency(doc.get("currency"), rounding.digits)?;
    let rounding = ScheduleRounding {
        installment_multiple: rounding
            .installment_multiple
            .map(|m| positive_amount(m, "rounding.installment_multiple", currency))
            .transpose()?,
        ..rounding.base
    };
    let principal = positive_amount(doc.require("principal")?, "principal", currency)?;
    let annual_rate = parse_rate(doc.require("annual_rate")?)?;
    let method = parse_method(&doc, currency)?;
    let installments = match (&method, doc.get("installments")) {
        (RepaymentMethod::Custom(parts), None) => u32::try_from(parts.len()).unwrap_or(u32::MAX),
        (_, found) => whole(
            found.ok_or_else(|| DocError::new("installments", Problem::Required))?,
            "installments",
            1,
            INSTALLMENTS_MAX,
        )?,
    };
    Ok(ScheduleTerms {
        principal,
        annual_rate,
        installments,
        frequency: Frequency {
            every: whole(doc.require("every")?, "every", 1, EVERY_MAX)?,
            unit: choice(doc.require("unit")?, "unit", UNITS)?,
        },
        disbursement_date: date(doc.require("disbursement_date")?, "disbursement_date")?,
        first_repayment_date: doc
            .get("first_repayment_date")
            .map(|v| date(v, "first_repayment_date"))
            .transpose()?,
        interest_from_date: doc
            .get("interest_from_date")
            .map(|v| date(v, "interest_from_date"))
            .transpose()?,
        method,
        interest_period: optional_choice(doc.get("interest_period"), "interest_period", INTEREST_PERIODS)?
            .unwrap_or(InterestPeriod::Installment),
        days_in_year: optional_choice(doc.get("days_in_year"), "days_in_year", DAYS_IN_YEAR)?
            .unwrap_or(DaysInYear::D365),
        days_in_month: optional_choice(doc.get("days_in_month"), "days_in_month", DAYS_IN_MONTH)?
            .unwrap_or(DaysInMonth::Actual),
        emi: optional_choice(doc.get("emi"), "emi", EMI)?.unwrap_or(EmiBasis::Nominal),
        rounding,
        grace: parse_grace(doc.get("grace"))?,
    })
}

/// A JSON object whose keys were checked against the known ones.
struct Fields<'a> {
    map: &'a Map<String, Value>,
    path: String,
}

impl<'a> Fields<'a> {
    fn of(value: &'a Value, path: &str, known: &[&str]) -> Result<Fields<'a>, DocError> {
        let map = value
            .as_object()
            .ok_or_else(|| DocError::new(path, Problem::NotAnObject))?;
        if let Some(unknown) = map.keys().find(|k| !known.contains(&k.as_str())) {
            let field = if path == "document" {
                unknown.clone()
            } else {
                format!("{path}.{unknown}")
            };
            let expected = known.join(", ");
            return Err(DocError::new(&field, Problem::UnknownField { expected }));
        }
        let path = if path == "document" {
            String::new()
        } else {
            format!("{path}.")
        };
        Ok(Fields { map, path })
    }

    /// A present, non-null field.
    fn get(&self, name: &str) -> Option<&'a Value> {
        self.map.get(name).filter(|v| !v.is_null())
    }

    fn require(&self, name: &str) -> Result<&'a Value, DocError> {
        self.get(name)
            .ok_or_else(|| DocError::new(&format!("{}{name}", self.path), Problem::Required))
    }

    fn path(&self, name: &str) -> String {
        format!("{}{name}", self.path)
    }
}

use credgrid_core::conventions::{
    Choices, DAYS_IN_MONTH, DAYS_IN_YEAR, EMI, INTEREST_PERIODS, ROUNDING_MODES as MODES, UNITS,
};

const METHODS: &str = "annuity, equal_principal, flat, interest_only, bullet, custom";

/// One of a fixed set of names; whole JSON numbers are read as their digits
/// (so `"days_in_year": 360` works like `"360"`).
fn choice<T: Copy>(value: &Value, field: &str, choices: Choices<T>) -> Result<T, DocError> {
    let names = || choices.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ");
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) if n.is_u64() => n.to_string(),
        _ => return Err(DocError::new(field, Problem::NotAString)),
    };
    choices
        .iter()
        .find(|(name, _)| *name == text)
        .map(|(_, v)| *v)
        .ok_or_else(|| DocError::new(field, Problem::UnknownChoice { choices: names() }))
}

fn optional_choice<T: Copy>(
    value: Option<&Value>,
    field: &str,
    choices: Choices<T>,
) -> Result<Option<T>, DocError> {
    value.map(|v| choice(v, field, choices)).transpose()
}

fn string<'v>(value: &'v Value, field: &str) -> Result<&'v str, DocError> {
    value
        .as_str()
        .ok_or_else(|| DocError::new(field, Problem::NotAString))
}

fn whole(value: &Value, field: &str, min: u32, max: u32) -> Result<u32, DocError> {
    let problem = Problem::NotAWholeNumber {
        min: u64::from(min),
        max: u64::from(max),
    };
    let n = value
        .as_u64()
        .ok_or_else(|| DocError::new(field, problem.clone()))?;
    u32::try_from(n)
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| DocError::new(field, problem))
}

fn decimal(value: &Value, field: &str) -> Result<Decimal, DocError> {
    // A JSON number would have passed through binary floating point: refused.
    let text = value
        .as_str()
        .ok_or_else(|| DocError::new(field, Problem::NotADecimal))?;
    parse_plain_decimal(text).map_err(|e| match e {
        MoneyError::Overflow => DocError::new(field, Problem::TooLarge),
        _ => DocError::new(field, Problem::NotADecimal),
    })
}

/// A positive amount of `currency`, with no more decimals than it has.
fn positive_amount(value: &Value, field: &str, currency: Currency) -> Result<Money, DocError> {
    let amount = decimal(value, field)?;
    if amount <= Decimal::ZERO {
        return Err(DocError::new(field, Problem::NotPositive));
    }
    Money::from_decimal_exact(amount, currency).map_err(|e| match e {
        MoneyError::PrecisionLoss => DocError::new(
            field,
            Problem::TooManyDecimals {
                digits: currency.digits(),
            },
        ),
        _ => DocError::new(field, Problem::TooLarge),
    })
}

/// A custom principal: zero (a period without principal) or more.
fn non_negative_amount(value: &Value, field: &str, currency: Currency) -> Result<Money, DocError> {
    let amount = decimal(value, field)?;
    if amount < Decimal::ZERO {
        return Err(DocError::new(field, Problem::Negative));
    }
    Money::from_decimal_exact(amount, currency).map_err(|e| match e {
        MoneyError::PrecisionLoss => DocError::new(
            field,
            Problem::TooManyDecimals {
                digits: currency.digits(),
            },
        ),
        _ => DocError::new(field, Problem::TooLarge),
    })
}

/// A percentage from 0 to the ceiling, as a fraction.
fn parse_rate(value: &Value) -> Result<Decimal, DocError> {
    let percent = decimal(value, "annual_rate")?;
    if percent < Decimal::ZERO {
        return Err(DocError::new("annual_rate", Problem::Negative));
    }
    if percent > Decimal::from(ANNUAL_RATE_PERCENT_MAX) {
        return Err(DocError::new("annual_rate", Problem::RateAboveCeiling));
    }
    Ok(percent / Decimal::ONE_HUNDRED)
}

fn date(value: &Value, field: &str) -> Result<NaiveDate, DocError> {
    let text = string(value, field)?;
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !shaped {
        return Err(DocError::new(field, Problem::NotADate));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| DocError::new(field, Problem::DateDoesNotExist))
}

fn parse_currency(value: Option<&Value>, digits: u8) -> Result<Currency, DocError> {
    let code = value.map(|v| string(v, "currency")).transpose()?.unwrap_or("CNY");
    Currency::new(code, digits).map_err(|_| DocError::new("currency", Problem::NotACurrencyCode))
}

/// Rounding before the currency is known: the multiple stays raw JSON.
struct RawRounding<'a> {
    digits: u8,
    base: ScheduleRounding,
    installment_multiple: Option<&'a Value>,
}

fn parse_rounding(value: Option<&Value>) -> Result<RawRounding<'_>, DocError> {
    let mut raw = RawRounding {
        digits: 2,
        base: ScheduleRounding {
            digits: 2,
            mode: RoundingMode::HalfEven,
            installment_multiple: None,
        },
        installment_multiple: None,
    };
    let Some(value) = value else { return Ok(raw) };
    let fields = Fields::of(value, "rounding", &ROUNDING_FIELDS)?;
    if let Some(digits) = fields.get("digits") {
        let digits = whole(digits, "rounding.digits", 0, u32::from(CURRENCY_DIGITS_MAX))?;
        raw.digits = u8::try_from(digits).unwrap_or(CURRENCY_DIGITS_MAX);
        raw.base.digits = raw.digits;
    }
    if let Some(mode) = fields.get("mode") {
        raw.base.mode = choice(mode, "rounding.mode", MODES)?;
    }
    raw.installment_multiple = fields.get("installment_multiple");
    Ok(raw)
}

fn parse_grace(value: Option<&Value>) -> Result<Grace, DocError> {
    let Some(value) = value else {
        return Ok(Grace::default());
    };
    let fields = Fields::of(value, "grace", &GRACE_FIELDS)?;
    let periods = |name: &str| {
        fields
            .get(name)
            .map(|v| whole(v, &fields.path(name), 0, INSTALLMENTS_MAX))
            .transpose()
            .map(Option::unwrap_or_default)
    };
    Ok(Grace {
        principal_periods: periods("principal_periods")?,
        interest_payment_periods: periods("interest_payment_periods")?,
    })
}

fn parse_method(doc: &Fields<'_>, currency: Currency) -> Result<RepaymentMethod, DocError> {
    let name = string(doc.require("method")?, "method")?;
    let custom = doc.get("custom_principals");
    let method = match name {
        "annuity" => RepaymentMethod::Annuity,
        "equal_principal" => RepaymentMethod::EqualPrincipal,
        "flat" => RepaymentMethod::Flat,
        "interest_only" => RepaymentMethod::InterestOnly,
        "bullet" => RepaymentMethod::Bullet,
        "custom" => {
            let parts = custom.ok_or_else(|| DocError::new("custom_principals", Problem::Required))?;
            return parse_custom(parts, currency).map(RepaymentMethod::Custom);
        }
        _ => {
            let choices = METHODS.to_string();
            return Err(DocError::new("method", Problem::UnknownChoice { choices }));
        }
    };
    match custom {
        Some(_) => Err(DocError::new("custom_principals", Problem::OnlyWithCustom)),
        None => Ok(method),
    }
}

fn parse_custom(value: &Value, currency: Currency) -> Result<Vec<CustomPrincipal>, DocError> {
    let items = value
        .as_array()
        .ok_or_else(|| DocError::new("custom_principals", Problem::NotAnArray))?;
    if items.len() > INSTALLMENTS_MAX as usize {
        let problem = Problem::Schedule(ScheduleError::TooManyInstallments);
        return Err(DocError::new("custom_principals", problem));
    }
    let mut parts = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let fields = Fields::of(item, &format!("custom_principals[{index}]"), &CUSTOM_FIELDS)?;
        let principal =
            non_negative_amount(fields.require("principal")?, &fields.path("principal"), currency)?;
        parts.push(CustomPrincipal {
            due_date: date(fields.require("due_date")?, &fields.path("due_date"))?,
            principal,
        });
    }
    Ok(parts)
}

/// The schedule as a JSON document: every amount a string with exactly the
/// currency's digits; keys in a fixed order, one installment per line.
pub fn schedule_json(schedule: &Schedule) -> String {
    let mut out = String::with_capacity(160 * (schedule.installments.len() + 2));
    let currency = schedule.totals.principal.currency();
    let _ = writeln!(
        out,
        "{{\n  \"currency\": \"{}\",\n  \"installments\": [",
        currency.code()
    );
    let count = schedule.installments.len();
    for (i, r) in schedule.installments.iter().enumerate() {
        let _ = write!(
            out,
            "    {{ \"n\": {}, \"period_start\": \"{}\", \"due_date\": \"{}\", \"days\": {}, \"principal\": \"{}\", \
             \"interest\": \"{}\", \"total\": \"{}\", \"outstanding\": \"{}\" }}",
            r.n,
            r.period_start,
            r.due_date,
            r.days,
            r.principal.to_major_string(),
            r.interest.to_major_string(),
            r.total.to_major_string(),
            r.outstanding.to_major_string()
        );
        out.push_str(if i + 1 < count { ",\n" } else { "\n" });
    }
    let totals = &schedule.totals;
    let _ = writeln!(
        out,
        "  ],\n  \"totals\": {{ \"principal\": \"{}\", \"interest\": \"{}\", \"total\": \"{}\" }}\n}}",
        totals.principal.to_major_string(),
        totals.interest.to_major_string(),
        totals.total.to_major_string()
    );
    out
}

/// The schedule as an aligned table with a totals line.
pub fn schedule_table(schedule: &Schedule, locale: Locale) -> String {
    let header = [
        "schedule.col_n",
        "schedule.col_due_date",
        "schedule.col_principal",
        "schedule.col_interest",
    ]
    .into_iter()
    .chain(["schedule.col_total", "schedule.col_outstanding"])
    .map(|k| t(locale, k, &[]))
    .collect::<Vec<_>>();
    let mut lines = vec![header];
    for r in &schedule.installments {
        lines.push(vec![
            r.n.to_string(),
            r.due_date.to_string(),
            r.principal.to_major_string(),
            r.interest.to_major_string(),
            r.total.to_major_string(),
            r.outstanding.to_major_string(),
        ]);
    }
    let totals = &schedule.totals;
    lines.push(vec![
        t(locale, "schedule.totals", &[]),
        String::new(),
        totals.principal.to_major_string(),
        totals.interest.to_major_string(),
        totals.total.to_major_string(),
        String::new(),
    ]);
    let width = |column: usize| lines.iter().map(|l| display_width(&l[column])).max().unwrap_or(0);
    let widths: Vec<usize> = (0..6).map(width).collect();
    let mut out = String::new();
    for line in &lines {
        let cells: Vec<String> = line
            .iter()
            .enumerate()
            .map(|(c, cell)| {
                let pad = " ".repeat(widths[c].saturating_sub(display_width(cell)));
                if c == 1 {
                    format!("{cell}{pad}")
                } else {
                    format!("{pad}{cell}")
                }
            })
            .collect();
        let _ = writeln!(out, "{}", cells.join("  ").trim_end());
    }
    out
}

/// Terminal columns of `text`: East Asian wide characters (Chinese column
/// headers) take two.
fn display_width(text: &str) -> usize {
    let wide = |c: char| matches!(u32::from(c), 0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6);
    text.chars().map(|c| if wide(c) { 2 } else { 1 }).sum()
}
