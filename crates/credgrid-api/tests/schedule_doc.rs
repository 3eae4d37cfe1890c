//! The `credgrid schedule` document: every rejection names its field and
//! reason; valid documents produce the issue's figures; no input panics.

use credgrid_api::schedule_doc::{Problem, parse_terms, schedule_from_text, schedule_json, schedule_table};
use credgrid_core::i18n::Locale;
use proptest::prelude::*;
use serde_json::{Value, json};

/// The request document of issue 2.
fn issue_request() -> Value {
    json!({
        "principal": "5000.00", "annual_rate": "12", "installments": 18, "every": 1, "unit": "months",
        "disbursement_date": "2022-11-01", "first_repayment_date": "2022-12-01",
        "interest_from_date": "2022-11-01", "method": "annuity", "interest_period": "installment",
        "days_in_year": "365", "days_in_month": "actual", "emi": "nominal",
        "rounding": { "digits": 2, "mode": "half_even", "installment_multiple": "1" },
        "grace": { "principal_periods": 0, "interest_payment_periods": 0 }
    })
}

fn with(changes: &[(&str, Value)]) -> String {
    let mut doc = issue_request();
    for (path, value) in changes {
        let mut target = &mut doc;
        let mut parts = path.split('.').peekable();
        while let Some(part) = parts.next() {
            if parts.peek().is_none() {
                match value {
                    Value::Null => {
                        target.as_object_mut().unwrap().remove(part);
                    }
                    _ => target[part] = value.clone(),
                }
            } else {
                target = &mut target[part];
            }
        }
    }
    doc.to_string()
}

/// The rejection of `text`: (field, English message).
fn rejection(text: &str) -> (String, String) {
    let error = schedule_from_text(text).expect_err("the document must be refused");
    let message = error.message(Locale::En);
    (error.field, message)
}

#[test]
fn issue_document_gives_the_issue_figures() {
    let schedule = schedule_from_text(&with(&[])).unwrap();
    let output: Value = serde_json::from_str(&schedule_json(&schedule)).unwrap();
    let first = &output["installments"][0];
    assert_eq!(first["n"], 1);
    assert_eq!(first["due_date"], "2022-12-01");
    for (key, want) in [
        ("principal", "255.00"),
        ("interest", "50.00"),
        ("total", "305.00"),
        ("outstanding", "4745.00"),
    ] {
        assert_eq!(first[key], want, "{key}");
    }
    assert_eq!(
        output["totals"],
        json!({"principal": "5000.00", "interest": "488.22", "total": "5488.22"})
    );
    assert_eq!(output["installments"].as_array().unwrap().len(), 18);
}

#[test]
fn every_amount_has_exactly_the_rounding_digits() {
    for digits in [0_u32, 2, 3] {
        let text = with(&[
            ("rounding", json!({"digits": digits})),
            ("principal", json!("5000")),
            ("method", json!("equal_principal")),
            ("installments", json!(7)),
        ]);
        let output: Value =
            serde_json::from_str(&schedule_json(&schedule_from_text(&text).unwrap())).unwrap();
        let mut amounts: Vec<String> = Vec::new();
        for row in output["installments"].as_array().unwrap() {
            for key in ["principal", "interest", "total", "outstanding"] {
                amounts.push(row[key].as_str().unwrap().to_string());
            }
        }
        for key in ["principal", "interest", "total"] {
            amounts.push(output["totals"][key].as_str().unwrap().to_string());
        }
        for amount in amounts {
            let decimals = amount.split_once('.').map_or(0, |(_, f)| f.len());
            assert_eq!(decimals as u32, digits, "{amount} with {digits} digits");
        }
    }
}

#[test]
fn optional_fields_take_their_documented_defaults() {
    let minimal = json!({
        "principal": "5000.00", "annual_rate": "12", "installments": 18, "every": 1, "unit": "months",
        "disbursement_date": "2022-11-01", "method": "annuity"
    });
    let terms = parse_terms(&minimal.to_string()).unwrap();
    assert_eq!(terms.first_repayment_date, None);
    assert_eq!(terms.interest_from_date, None);
    assert_eq!(
        terms.interest_period,
        credgrid_core::schedule::InterestPeriod::Installment
    );
    assert_eq!(terms.days_in_year, credgrid_core::calendar::DaysInYear::D365);
    assert_eq!(terms.days_in_month, credgrid_core::calendar::DaysInMonth::Actual);
    assert_eq!(terms.emi, credgrid_core::schedule::EmiBasis::Nominal);
    assert_eq!(
        (terms.rounding.digits, terms.rounding.installment_multiple),
        (2, None)
    );
    assert_eq!(
        terms.rounding.mode,
        credgrid_core::rounding::RoundingMode::HalfEven
    );
    assert_eq!(terms.grace, credgrid_core::schedule::Grace::default());
    assert_eq!(terms.principal.currency().code(), "CNY");
    assert_eq!(terms.annual_rate, rust_decimal::Decimal::new(12, 2));
}

/// (changes to the issue document, the field named, words of the reason).
type Case = (Vec<(&'static str, Value)>, &'static str, &'static str);

#[test]
fn each_invalid_field_is_named_with_its_reason() {
    let cases: Vec<Case> = vec![
        (vec![("principal", Value::Null)], "principal", "required"),
        (
            vec![("principal", json!("-5000"))],
            "principal",
            "greater than zero",
        ),
        (vec![("principal", json!("0"))], "principal", "greater than zero"),
        (
            vec![("principal", json!(5000))],
            "principal",
            "decimal number written as a string",
        ),
        (vec![("principal", json!("5,000"))], "principal", "decimal number"),
        (
            vec![("principal", json!("5000.001"))],
            "principal",
            "more than 2 decimal places",
        ),
        (
            vec![("principal", json!("99999999999999999999"))],
            "principal",
            "too large",
        ),
        (
            vec![("principal", json!("92233720368547758.08"))],
            "principal",
            "too large",
        ),
        (vec![("annual_rate", json!("-1"))], "annual_rate", "negative"),
        (
            vec![("annual_rate", json!("100.01"))],
            "annual_rate",
            "must not exceed 100",
        ),
        (
            vec![("annual_rate", json!("1e3"))],
            "annual_rate",
            "decimal number",
        ),
        (vec![("installments", json!(0))], "installments", "from 1 to 3660"),
        (vec![("installments", json!(-3))], "installments", "whole number"),
        (vec![("installments", json!(2.5))], "installments", "whole number"),
        (
            vec![("installments", json!("18"))],
            "installments",
            "whole number",
        ),
        (
            vec![("installments", json!(99999999999_u64))],
            "installments",
            "from 1 to 3660",
        ),
        (vec![("every", json!(0))], "every", "from 1 to 366"),
        (vec![("unit", json!("years"))], "unit", "days, weeks, months"),
        (
            vec![("method", json!("balloon"))],
            "method",
            "annuity, equal_principal",
        ),
        (vec![("method", Value::Null)], "method", "required"),
        (
            vec![("disbursement_date", json!("2023-02-30"))],
            "disbursement_date",
            "not a date that exists",
        ),
        (
            vec![("disbursement_date", json!("2023-2-3"))],
            "disbursement_date",
            "YYYY-MM-DD",
        ),
        (
            vec![("disbursement_date", json!("+2023-02-03"))],
            "disbursement_date",
            "YYYY-MM-DD",
        ),
        (
            vec![("first_repayment_date", json!("2022-11-01"))],
            "first_repayment_date",
            "after the disbursement",
        ),
        (
            vec![("interest_from_date", json!("2022-10-01"))],
            "interest_from_date",
            "before the disbursement",
        ),
        (
            vec![("interest_from_date", json!("2030-01-01"))],
            "interest_from_date",
            "after the last due date",
        ),
        (
            vec![("interest_period", json!("monthly"))],
            "interest_period",
            "installment, daily",
        ),
        (
            vec![("days_in_year", json!("366"))],
            "days_in_year",
            "360, 364, 365, actual",
        ),
        (
            vec![("days_in_month", json!("31"))],
            "days_in_month",
            "actual, 30",
        ),
        (vec![("emi", json!("exactly"))], "emi", "nominal, exact"),
        (
            vec![("rounding.mode", json!("half_down"))],
            "rounding.mode",
            "half_even, half_up, down, up",
        ),
        (
            vec![("rounding.digits", json!(7))],
            "rounding.digits",
            "from 0 to 6",
        ),
        (
            vec![("rounding.installment_multiple", json!("0"))],
            "rounding.installment_multiple",
            "greater than zero",
        ),
        (
            vec![("rounding.extra", json!(1))],
            "rounding.extra",
            "not a known field",
        ),
        (
            vec![("grace.principal_periods", json!(18))],
            "grace",
            "at least one installment",
        ),
        (
            vec![("grace.interest_payment_periods", json!(-1))],
            "grace.interest_payment_periods",
            "whole number",
        ),
        (vec![("grace", json!([]))], "grace", "JSON object"),
        (
            vec![("intrest_rate", json!("12"))],
            "intrest_rate",
            "not a known field",
        ),
        (
            vec![("currency", json!("yuan"))],
            "currency",
            "three capital letters",
        ),
        (
            vec![("custom_principals", json!([]))],
            "custom_principals",
            "only allowed with method \"custom\"",
        ),
        (vec![("method", json!("custom"))], "custom_principals", "required"),
        (
            vec![("method", json!("bullet")), ("grace.principal_periods", json!(1))],
            "grace",
            "no grace",
        ),
    ];
    for (changes, field, words) in cases {
        let (named, message) = rejection(&with(&changes));
        assert_eq!(named, field, "{changes:?}: {message}");
        assert!(message.starts_with(&format!("{field}: ")), "{message}");
        assert!(message.contains(words), "{changes:?}: {message}");
    }
}

#[test]
fn custom_principals_are_checked_entry_by_entry() {
    let custom = |entries: Value, installments: Value| {
        with(&[
            ("method", json!("custom")),
            ("custom_principals", entries),
            ("installments", installments),
        ])
    };
    let good = json!([
        {"due_date": "2023-07-15", "principal": "2000.00"},
        {"due_date": "2023-10-15", "principal": "3000.00"}
    ]);
    let schedule = schedule_from_text(&custom(good.clone(), Value::Null)).unwrap();
    assert_eq!(schedule.installments.len(), 2);
    let cases = [
        (
            json!([{"due_date": "2023-07-15", "principal": "-1"}]),
            "custom_principals[0].principal",
            "negative",
        ),
        (
            json!([{"due_date": "2023-07-15"}]),
            "custom_principals[0].principal",
            "required",
        ),
        (
            json!([{"due_date": "2023-07-15", "principal": "5000", "x": 1}]),
            "custom_principals[0].x",
            "known",
        ),
        (
            json!({"due_date": "2023-07-15"}),
            "custom_principals",
            "JSON array",
        ),
        (
            json!([{"due_date": "2023-10-15", "principal": "2000"}, {"due_date": "2023-07-15", "principal": "3000"}]),
            "custom_principals[1].due_date",
            "after the previous due date",
        ),
        (
            json!([{"due_date": "2023-07-15", "principal": "4999.99"}]),
            "custom_principals",
            "add up",
        ),
    ];
    for (entries, field, words) in cases {
        let (named, message) = rejection(&custom(entries, Value::Null));
        assert_eq!(named, field, "{message}");
        assert!(message.contains(words), "{message}");
    }
    let (named, _) = rejection(&custom(good, json!(3)));
    assert_eq!(named, "custom_principals");
}

#[test]
fn not_json_and_not_an_object_are_named_document() {
    for text in ["", "nope", "{\"principal\": ", "[]", "42", "null"] {
        let (field, message) = rejection(text);
        assert_eq!(field, "document", "{text:?}: {message}");
    }
    let deep = "[".repeat(10_000);
    assert_eq!(rejection(&deep).0, "document");
}

#[test]
fn messages_are_translated() {
    let error = schedule_from_text(&with(&[("principal", json!("-1"))])).unwrap_err();
    assert_eq!(error.problem, Problem::NotPositive);
    assert!(
        error.message(Locale::Zh).contains("必须大于零"),
        "{}",
        error.message(Locale::Zh)
    );
    assert!(
        error.message(Locale::Es).contains("mayor que cero"),
        "{}",
        error.message(Locale::Es)
    );
}

#[test]
fn table_has_a_row_per_installment_and_a_totals_line() {
    let schedule = schedule_from_text(&with(&[])).unwrap();
    let table = schedule_table(&schedule, Locale::En);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 1 + 18 + 1);
    assert!(lines[0].contains("due date") && lines[0].contains("outstanding"));
    assert!(lines[1].contains("2022-12-01") && lines[1].ends_with("4745.00"));
    assert!(lines[19].starts_with("total") && lines[19].contains("488.22") && lines[19].ends_with("5488.22"));
    let width = lines[1].len();
    assert!(
        lines[1..19].iter().all(|l| l.len() == width),
        "aligned columns:\n{table}"
    );
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e30_f64..1e30).prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
        prop::sample::select(vec![
            "5000.00",
            "12",
            "2022-11-01",
            "2023-02-30",
            "months",
            "custom",
            "0",
            "-1"
        ])
        .prop_map(|s| Value::String(s.to_string())),
    ];
    leaf.prop_recursive(4, 48, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((field_name(), inner), 0..10)
                .prop_map(|fields| Value::Object(fields.into_iter().collect())),
        ]
    })
}

fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
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
            "digits",
            "mode",
            "installment_multiple",
            "principal_periods",
            "interest_payment_periods",
            "due_date",
        ])
        .prop_map(str::to_string),
        "[a-z_]{1,8}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_json_never_panics(value in arb_json()) {
        if let Err(error) = schedule_from_text(&value.to_string()) {
            prop_assert!(!error.field.is_empty());
            prop_assert!(error.message(Locale::En).starts_with(&error.field));
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,200}") {
        let _ = schedule_from_text(&text);
    }

    #[test]
    fn mutated_valid_documents_never_panic(
        field in field_name(),
        value in arb_json(),
    ) {
        let mut doc = issue_request();
        doc[field.as_str()] = value;
        if let Ok(schedule) = schedule_from_text(&doc.to_string()) {
            let rendered: Value = serde_json::from_str(&schedule_json(&schedule)).unwrap();
            prop_assert!(rendered["installments"].is_array());
        }
    }
}
