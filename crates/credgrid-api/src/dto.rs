//! The JSON of the HTTP API: request bodies into use-case commands, views into JSON.
//!
//! Amounts are decimal strings in major units with exactly the currency's
//! digits (`"5000.00"`); rates are percentages as decimal strings (`"12"` =
//! 12 % a year, stored as the fraction 0.12); dates are `YYYY-MM-DD`.

use crate::http::error::ApiError;
use crate::http::fields::{Amount, Fields, TEXT_LEN_MAX, Zero};
use credgrid_app::*;
use credgrid_core::i18n::{Locale, t};
use credgrid_core::{Currency, Money};
use rust_decimal::Decimal;
use serde_json::{Value, json};

pub const NODE_KINDS: &[&str] = &["branch", "outlet"];
pub const CLIENT_KINDS: &[&str] = &["individual", "household", "business"];
pub const METHODS: &[&str] = &["annuity", "equal_principal", "flat", "interest_only", "bullet"];
pub const UNITS: &[&str] = &["days", "weeks", "months"];
pub const INTEREST_PERIODS: &[&str] = &["installment", "daily"];
pub const DAYS_IN_YEAR: &[&str] = &["360", "364", "365", "actual"];
pub const DAYS_IN_MONTH: &[&str] = &["actual", "30"];
pub const ROUNDING_MODES: &[&str] = &["half_even", "half_up", "down", "up"];
/// The allocation buckets of `credgrid_core::allocation`, by their stable names.
pub const ALLOCATION_BUCKETS: &[&str] = &[
    "penalty",
    "fee",
    "overdue_interest",
    "overdue_principal",
    "due_interest",
    "due_principal",
];
/// The statuses a loan goes through.
pub const LOAN_STATUSES: &[&str] = &[
    "application",
    "approved",
    "rejected",
    "withdrawn",
    "disbursed",
    "closed",
    "written_off",
];
pub const PREPAYMENTS: &[&str] = &["shorten_term", "lower_installment"];
/// The most installments a loan may have (weekly over 30 years).
pub const INSTALLMENTS_MAX: u32 = 1560;
/// The longest code (node, product) accepted.
pub const CODE_LEN_MAX: usize = 32;

/// A rate fraction (0.12) as the percentage string the API speaks (`"12"`).
pub fn percent_text(fraction: Decimal) -> String {
    fraction
        .checked_mul(Decimal::ONE_HUNDRED)
        .map(|p| p.normalize().to_string())
        .unwrap_or_default()
}

fn money_text(m: &Money) -> String {
    m.to_major_string()
}

fn date_text(d: Option<chrono::NaiveDate>) -> Value {
    d.map_or(Value::Null, |d| Value::String(d.to_string()))
}

// Requests.

/// `POST /nodes`.
pub fn new_node(mut f: Fields) -> Result<(i64, String, String, String), ApiError> {
    let parent_id = f.req_id("parent_id")?;
    let kind = f.req_enum("kind", NODE_KINDS)?;
    let code = f.req_str("code", CODE_LEN_MAX)?;
    let name = f.req_str("name", TEXT_LEN_MAX)?;
    f.finish()?;
    Ok((parent_id, kind, code, name))
}

/// `POST /clients`.
pub fn new_client(mut f: Fields) -> Result<NewClient, ApiError> {
    let client = NewClient {
        outlet_id: f.req_id("outlet_id")?,
        kind: f.req_enum("kind", CLIENT_KINDS)?,
        name: f.req_str("name", TEXT_LEN_MAX)?,
        id_country: f.req_str("id_country", 2)?,
        id_number: f.req_str("id_number", 64)?,
        phone: f.opt_str("phone", 32)?,
        address: f.opt_str("address", TEXT_LEN_MAX)?,
    };
    f.finish()?;
    if client.id_country.len() != 2 || !client.id_country.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(ApiError::invalid(
            "id_country",
            "must be two capital letters (ISO 3166 alpha-2)",
        ));
    }
    Ok(client)
}

fn currency(f: &mut Fields) -> Result<Currency, ApiError> {
    let code = f.req_str("currency", 3)?;
    let digits = f.opt_u32(
        "currency_digits",
        0,
        u32::from(credgrid_core::money::CURRENCY_DIGITS_MAX),
    )?;
    let digits = u8::try_from(digits.unwrap_or(2)).unwrap_or(2);
    Currency::new(&code, digits).map_err(|e| ApiError::invalid("currency", e))
}

fn product_terms(f: &mut Fields) -> Result<(u32, u32, u32, Decimal, Decimal, Decimal), ApiError> {
    let installments_min = f.req_u32("installments_min", 1, INSTALLMENTS_MAX)?;
    let installments_max = f.req_u32("installments_max", 1, INSTALLMENTS_MAX)?;
    let installments_default = f
        .opt_u32("installments_default", 1, INSTALLMENTS_MAX)?
        .unwrap_or(installments_min);
    let rate_min = f.req_percent("annual_rate_min")?;
    let rate_max = f.req_percent("annual_rate_max")?;
    let rate_default = f.opt_percent("annual_rate_default")?.unwrap_or(rate_min);
    Ok((
        installments_min,
        installments_max,
        installments_default,
        rate_min,
        rate_max,
        rate_default,
    ))
}

/// `POST /products`: required fields first, then the conventions with their defaults.
pub fn new_product(mut f: Fields) -> Result<NewProduct, ApiError> {
    let code = f.req_str("code", CODE_LEN_MAX)?;
    let name = f.req_str("name", TEXT_LEN_MAX)?;
    let amount_min = f.req_amount("amount_min", Zero::Allowed)?;
    let amount_max = f.req_amount("amount_max", Zero::Refused)?;
    let (installments_min, installments_max, installments_default, rate_min, rate_max, rate_default) =
        product_terms(&mut f)?;
    let multiple = f.opt_amount("installment_multiple", Zero::Refused)?;
    let fee_flat = f.opt_amount("disbursement_fee_flat", Zero::Allowed)?;
    let currency = currency(&mut f)?;
    let product = NewProduct {
        code,
        name,
        currency,
        amount_min: amount_min.money(currency)?,
        amount_max: amount_max.money(currency)?,
        installments_min,
        installments_max,
        installments_default,
        annual_rate_min: rate_min,
        annual_rate_max: rate_max,
        annual_rate_default: rate_default,
        method: f.opt_enum("method", METHODS)?.unwrap_or_else(|| "annuity".into()),
        every: f.opt_u32("every", 1, 366)?.unwrap_or(1),
        unit: f.opt_enum("unit", UNITS)?.unwrap_or_else(|| "months".into()),
        interest_period: f
            .opt_enum("interest_period", INTEREST_PERIODS)?
            .unwrap_or_else(|| "installment".into()),
        days_in_year: f
            .opt_enum("days_in_year", DAYS_IN_YEAR)?
            .unwrap_or_else(|| "365".into()),
        days_in_month: f
            .opt_enum("days_in_month", DAYS_IN_MONTH)?
            .unwrap_or_else(|| "actual".into()),
        rounding_mode: f
            .opt_enum("rounding_mode", ROUNDING_MODES)?
            .unwrap_or_else(|| "half_even".into()),
        installment_multiple: multiple.map(|m| m.money(currency)).transpose()?,
        grace_principal_periods: f
            .opt_u32("grace_principal_periods", 0, INSTALLMENTS_MAX)?
            .unwrap_or(0),
        grace_interest_periods: f
            .opt_u32("grace_interest_periods", 0, INSTALLMENTS_MAX)?
            .unwrap_or(0),
        penalty_uplift: f.opt_percent("penalty_uplift")?.unwrap_or(Decimal::new(5, 1)),
        compound_interest: f.opt_bool("compound_interest")?.unwrap_or(false),
        allocation_order: allocation_order(&mut f)?,
        disbursement_fee_flat: fee_flat.map_or(Ok(Money::zero(currency)), |a| a.money(currency))?,
        disbursement_fee_rate: f.opt_percent("disbursement_fee_rate")?.unwrap_or(Decimal::ZERO),
    };
    f.finish()?;
    Ok(product)
}

/// Empty (the default order) or a permutation of all six buckets.
fn allocation_order(f: &mut Fields) -> Result<Vec<String>, ApiError> {
    let order = f
        .opt_enum_list("allocation_order", ALLOCATION_BUCKETS)?
        .unwrap_or_default();
    if !order.is_empty() && order.len() != ALLOCATION_BUCKETS.len() {
        return Err(ApiError::invalid(
            "allocation_order",
            "list all six buckets, or none for the default order",
        ));
    }
    Ok(order)
}

/// `POST /loans`, before the product's currency is known.
#[derive(Debug)]
pub struct ApplicationRequest {
    pub client_id: i64,
    pub product_id: i64,
    pub principal: Amount,
    pub annual_rate: Option<Decimal>,
    pub installments: Option<u32>,
    pub first_repayment_date: Option<chrono::NaiveDate>,
    pub account_manager_id: Option<i64>,
    pub purpose: Option<String>,
}

pub fn loan_application(mut f: Fields) -> Result<ApplicationRequest, ApiError> {
    let request = ApplicationRequest {
        client_id: f.req_id("client_id")?,
        product_id: f.req_id("product_id")?,
        principal: f.req_amount("principal", Zero::Refused)?,
        annual_rate: f.opt_percent("annual_rate")?,
        installments: f.opt_u32("installments", 1, INSTALLMENTS_MAX)?,
        first_repayment_date: f.opt_date("first_repayment_date")?,
        account_manager_id: f.opt_id("account_manager_id")?,
        purpose: f.opt_str("purpose", TEXT_LEN_MAX)?,
    };
    f.finish()?;
    Ok(request)
}

impl ApplicationRequest {
    pub fn into_application(self, currency: Currency) -> Result<LoanApplication, ApiError> {
        Ok(LoanApplication {
            client_id: self.client_id,
            product_id: self.product_id,
            principal: self.principal.money(currency)?,
            annual_rate: self.annual_rate,
            installments: self.installments,
            first_repayment_date: self.first_repayment_date,
            account_manager_id: self.account_manager_id,
            purpose: self.purpose,
        })
    }
}

/// A body with only a reason, required or not (`approve`, `reject`, `withdraw`, `write-off`, reversal).
pub fn reason(mut f: Fields, required: bool) -> Result<Option<String>, ApiError> {
    let reason = if required {
        Some(f.req_str("reason", TEXT_LEN_MAX)?)
    } else {
        f.opt_str("reason", TEXT_LEN_MAX)?
    };
    f.finish()?;
    Ok(reason)
}

/// `POST /loans/{id}/repayments`, before the loan's currency is known.
pub fn repayment(mut f: Fields) -> Result<(Amount, Option<chrono::NaiveDate>, Option<String>), ApiError> {
    let amount = f.req_amount("amount", Zero::Refused)?;
    let value_date = f.opt_date("value_date")?;
    let prepayment = f.opt_enum("prepayment", PREPAYMENTS)?;
    f.finish()?;
    Ok((amount, value_date, prepayment))
}

/// `POST /loans/{id}/fees`.
pub fn fee(mut f: Fields) -> Result<(Amount, String), ApiError> {
    let amount = f.req_amount("amount", Zero::Refused)?;
    let reason = f.req_str("reason", TEXT_LEN_MAX)?;
    f.finish()?;
    Ok((amount, reason))
}

/// `POST /loans/{id}/recoveries` and any body with a single amount.
pub fn amount_only(mut f: Fields) -> Result<Amount, ApiError> {
    let amount = f.req_amount("amount", Zero::Refused)?;
    f.finish()?;
    Ok(amount)
}

/// `POST /eod`.
pub fn eod_request(mut f: Fields) -> Result<Option<chrono::NaiveDate>, ApiError> {
    let through = f.opt_date("through")?;
    f.finish()?;
    Ok(through)
}

// Views.

pub fn node_json(n: &NodeView) -> Value {
    json!({"id": n.id, "parent_id": n.parent_id, "kind": n.kind, "code": n.code, "name": n.name})
}

pub fn client_json(c: &ClientView) -> Value {
    json!({
        "id": c.id, "outlet_id": c.outlet_id, "kind": c.kind, "name": c.name,
        "id_country": c.id_country, "id_number": c.id_number, "phone": c.phone, "address": c.address,
        "status": c.status, "created_on": c.created_on.to_string(), "unmasked": c.unmasked,
    })
}

pub fn product_json(p: &ProductView) -> Value {
    let s = &p.spec;
    json!({
        "id": p.id, "active": p.active, "code": s.code, "name": s.name,
        "currency": s.currency.code(), "currency_digits": s.currency.digits(),
        "amount_min": money_text(&s.amount_min), "amount_max": money_text(&s.amount_max),
        "installments_min": s.installments_min, "installments_max": s.installments_max,
        "installments_default": s.installments_default,
        "annual_rate_min": percent_text(s.annual_rate_min), "annual_rate_max": percent_text(s.annual_rate_max),
        "annual_rate_default": percent_text(s.annual_rate_default),
        "method": s.method, "every": s.every, "unit": s.unit, "interest_period": s.interest_period,
        "days_in_year": s.days_in_year, "days_in_month": s.days_in_month, "rounding_mode": s.rounding_mode,
        "installment_multiple": s.installment_multiple.as_ref().map(money_text),
        "grace_principal_periods": s.grace_principal_periods, "grace_interest_periods": s.grace_interest_periods,
        "penalty_uplift": percent_text(s.penalty_uplift), "compound_interest": s.compound_interest,
        "allocation_order": s.allocation_order,
        "disbursement_fee_flat": money_text(&s.disbursement_fee_flat),
        "disbursement_fee_rate": percent_text(s.disbursement_fee_rate),
    })
}

pub fn balances_json(b: &LoanBalances) -> Value {
    json!({
        "principal_outstanding": money_text(&b.principal_outstanding),
        "principal_overdue": money_text(&b.principal_overdue),
        "interest_receivable": money_text(&b.interest_receivable),
        "interest_overdue": money_text(&b.interest_overdue),
        "penalty_receivable": money_text(&b.penalty_receivable),
        "fee_receivable": money_text(&b.fee_receivable),
        "written_off": money_text(&b.written_off),
        "provision": money_text(&b.provision),
        "total_due_now": money_text(&b.total_due_now),
        "days_past_due": b.days_past_due,
        "bucket": b.bucket,
        "classification": b.classification,
    })
}

pub fn installment_json(i: &InstallmentView) -> Value {
    json!({
        "n": i.n, "due_date": i.due_date.to_string(),
        "principal": money_text(&i.principal), "interest": money_text(&i.interest),
        "penalty": money_text(&i.penalty), "fee": money_text(&i.fee),
        "principal_paid": money_text(&i.principal_paid), "interest_paid": money_text(&i.interest_paid),
        "penalty_paid": money_text(&i.penalty_paid), "fee_paid": money_text(&i.fee_paid),
        "outstanding": money_text(&i.outstanding),
    })
}

/// A loan; the schedule only when `with_schedule` (a single loan, not a list).
pub fn loan_json(l: &LoanView, with_schedule: bool) -> Value {
    let mut doc = json!({
        "id": l.id, "client_id": l.client_id, "product_id": l.product_id, "outlet_id": l.outlet_id,
        "account_manager_id": l.account_manager_id, "status": l.status, "currency": l.currency,
        "principal": money_text(&l.principal), "annual_rate": percent_text(l.annual_rate),
        "installments": l.installments, "applied_on": l.applied_on.to_string(),
        "approved_on": date_text(l.approved_on), "disbursed_on": date_text(l.disbursed_on),
        "maturity_on": date_text(l.maturity_on), "closed_on": date_text(l.closed_on),
        "balances": balances_json(&l.balances),
    });
    if with_schedule {
        doc["schedule"] = l.schedule.iter().map(installment_json).collect();
    }
    doc
}

pub fn transaction_json(t: &TransactionView) -> Value {
    serde_json::to_value(TransactionJson::from(t)).unwrap_or(Value::Null)
}

/// A loan transaction as the API shows it. Serialized straight to the
/// answer's bytes by the repayment endpoint (the API's hot path: building a
/// `Value` first cost it a fifth of its request time); members in name
/// order, as a `Value` object writes them, so both forms are the same text.
#[derive(serde::Serialize)]
pub struct TransactionJson<'a> {
    amount: MajorText,
    business_date: Shown<chrono::NaiveDate>,
    currency: CurrencyCode,
    fee: MajorText,
    id: i64,
    interest: MajorText,
    journal_entry_id: Option<i64>,
    kind: &'a str,
    loan_id: i64,
    penalty: MajorText,
    principal: MajorText,
    reversed_by_id: Option<i64>,
    reverses_id: Option<i64>,
    value_date: Shown<chrono::NaiveDate>,
}

impl<'a> From<&'a TransactionView> for TransactionJson<'a> {
    fn from(t: &'a TransactionView) -> TransactionJson<'a> {
        TransactionJson {
            amount: MajorText(t.amount),
            business_date: Shown(t.business_date),
            currency: CurrencyCode(t.amount.currency()),
            fee: MajorText(t.fee),
            id: t.id,
            interest: MajorText(t.interest),
            journal_entry_id: t.journal_entry_id,
            kind: &t.kind,
            loan_id: t.loan_id,
            penalty: MajorText(t.penalty),
            principal: MajorText(t.principal),
            reversed_by_id: t.reversed_by_id,
            reverses_id: t.reverses_id,
            value_date: Shown(t.value_date),
        }
    }
}

/// An amount as its major-unit decimal text (`money_text`), serialized as a string.
struct MajorText(Money);

impl serde::Serialize for MajorText {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&money_text(&self.0))
    }
}

/// A currency serialized as its ISO 4217 code.
struct CurrencyCode(Currency);

impl serde::Serialize for CurrencyCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0.code())
    }
}

/// A value serialized as the string its `Display` writes (dates: `2026-11-23`).
struct Shown<T>(T);

impl<T: std::fmt::Display> serde::Serialize for Shown<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

/// A loan event; `seq` is its 1-based position in the loan's history (the page cursor).
pub fn event_json(seq: i64, e: &LoanEventView) -> Value {
    json!({
        "seq": seq, "kind": e.kind, "from_status": e.from_status, "to_status": e.to_status,
        "user_id": e.user_id, "business_date": e.business_date.to_string(), "reason": e.reason,
    })
}

pub fn account_json(a: &AccountView) -> Value {
    json!({"code": a.code, "name": t(Locale::En, &a.name_key, &[]), "kind": a.kind})
}

pub fn journal_entry_json(e: &JournalEntryView) -> Value {
    let lines: Vec<Value> = e
        .lines
        .iter()
        .map(|l| {
            json!({
                "account_code": l.account_code, "account_name": t(Locale::En, &l.account_name_key, &[]),
                "account_kind": l.account_kind, "currency": l.debit.currency().code(),
                "debit": money_text(&l.debit), "credit": money_text(&l.credit),
            })
        })
        .collect();
    json!({
        "id": e.id, "business_date": e.business_date.to_string(), "event": e.event, "loan_id": e.loan_id,
        "outlet_id": e.outlet_id, "description": e.description, "reverses_id": e.reverses_id, "lines": lines,
    })
}

pub fn eod_json(s: &EodSummary) -> Value {
    let dates = |ds: &[chrono::NaiveDate]| ds.iter().map(|d| d.to_string()).collect::<Vec<_>>();
    json!({
        "dates_closed": dates(&s.dates_closed), "already_closed": dates(&s.already_closed),
        "loans_processed": s.loans_processed, "loans_overdue": s.loans_overdue,
        "interest_accrued_minor": s.interest_accrued_minor, "penalty_accrued_minor": s.penalty_accrued_minor,
        "provision_charged_minor": s.provision_charged_minor,
        "provision_released_minor": s.provision_released_minor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The repayment answer (written straight from `TransactionJson`) is
    /// the same text as the transaction in a list (through a `Value`), and
    /// names every member with its value.
    #[test]
    fn a_transaction_reads_the_same_written_directly_or_through_a_value() {
        let cny = |minor| Money::from_minor(minor, Currency::CNY);
        let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let view = TransactionView {
            id: 41,
            loan_id: 7,
            kind: "repayment".into(),
            business_date: date,
            value_date: date.pred_opt().unwrap(),
            amount: cny(12_345),
            principal: cny(10_000),
            interest: cny(2_300),
            penalty: cny(45),
            fee: cny(0),
            reversed_by_id: None,
            reverses_id: Some(40),
            journal_entry_id: Some(99),
        };
        let direct = serde_json::to_string(&TransactionJson::from(&view)).unwrap();
        assert_eq!(direct, serde_json::to_string(&transaction_json(&view)).unwrap());
        assert_eq!(
            serde_json::from_str::<Value>(&direct).unwrap(),
            json!({"id": 41, "loan_id": 7, "kind": "repayment", "currency": "CNY",
                "business_date": "2026-11-23", "value_date": "2026-11-22", "amount": "123.45",
                "principal": "100.00", "interest": "23.00", "penalty": "0.45", "fee": "0.00",
                "reversed_by_id": null, "reverses_id": 40, "journal_entry_id": 99})
        );
    }

    #[test]
    fn allocation_bucket_names_are_the_cores() {
        use credgrid_core::allocation::AllocationBucket;
        let core: Vec<&str> = AllocationBucket::ALL.iter().map(|b| b.name()).collect();
        assert_eq!(core, ALLOCATION_BUCKETS);
        let partial = json!({"code": "X", "name": "X", "currency": "CNY", "amount_min": "1", "amount_max": "5",
            "installments_min": 1, "installments_max": 2, "annual_rate_min": "1", "annual_rate_max": "2",
            "allocation_order": ["fee", "penalty"]});
        let e = new_product(Fields::from_value(partial).unwrap()).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("allocation_order"));
    }

    #[test]
    fn rates_round_trip_between_percent_and_fraction() {
        // The calculator convention: "12" means 12 % a year.
        for text in ["12", "7.25", "0", "0.5"] {
            let fraction = crate::http::fields::parse_percent("annual_rate", text).unwrap();
            assert_eq!(percent_text(fraction), text);
        }
    }

    #[test]
    fn a_product_takes_documented_defaults() {
        let body = json!({"code": "AGRI", "name": "Farm", "currency": "CNY", "amount_min": "1000",
            "amount_max": "50000.00", "installments_min": 3, "installments_max": 24, "annual_rate_min": "6",
            "annual_rate_max": "18"});
        let p = new_product(Fields::from_value(body).unwrap()).unwrap();
        assert_eq!((p.amount_min.minor(), p.amount_max.minor()), (100_000, 5_000_000));
        assert_eq!(
            (p.installments_default, p.annual_rate_default),
            (3, Decimal::new(6, 2))
        );
        assert_eq!(
            (p.method.as_str(), p.unit.as_str(), p.every),
            ("annuity", "months", 1)
        );
        assert_eq!(p.penalty_uplift, Decimal::new(5, 1));
    }

    #[test]
    fn an_amount_finer_than_the_currency_names_its_field() {
        let body = json!({"code": "X", "name": "X", "currency": "CNY", "amount_min": "1.001",
            "amount_max": "5", "installments_min": 1, "installments_max": 2, "annual_rate_min": "1",
            "annual_rate_max": "2"});
        let e = new_product(Fields::from_value(body).unwrap()).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("amount_min"));
    }
}
