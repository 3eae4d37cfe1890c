//! Products as configuration: validating a new product, and turning a stored
//! product plus a loan into the calculation engine's terms.

use crate::error::AppError;
use crate::model::{NewProduct, ProductView};
use chrono::NaiveDate;
use credgrid_core::accrual::{CompoundInterest, PenaltyRule};
use credgrid_core::allocation::AllocationOrder;
use credgrid_core::calendar::Frequency;
use credgrid_core::conventions::{self as conv, Choices};
use credgrid_core::ledger::GlMapping;
use credgrid_core::schedule::{
    self, ANNUAL_RATE_MAX, EVERY_MAX, EmiBasis, Grace, INSTALLMENTS_MAX, ScheduleRounding, ScheduleTerms,
};
use credgrid_core::servicing::LoanTerms;
use credgrid_core::{Currency, Money};
use credgrid_store::{LoanRow, ProductRow};
use rust_decimal::Decimal;

/// The longest product code.
pub(crate) const PRODUCT_CODE_LEN_MAX: usize = 32;
/// The longest name of anything a person types (products, clients, nodes).
pub(crate) const NAME_LEN_MAX: usize = 200;

fn choice<T: Clone>(choices: Choices<T>, field: &str, name: &str) -> Result<T, AppError> {
    conv::parse(choices, name)
        .ok_or_else(|| AppError::invalid(field, format!("must be one of {}", conv::names(choices))))
}

pub(crate) fn check_name(field: &str, text: &str) -> Result<(), AppError> {
    if text.trim().is_empty() {
        return Err(AppError::invalid(field, "must not be empty"));
    }
    if text.chars().count() > NAME_LEN_MAX {
        return Err(AppError::invalid(
            field,
            format!("must be at most {NAME_LEN_MAX} characters"),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(AppError::invalid(field, "must not contain control characters"));
    }
    Ok(())
}

fn check_code(field: &str, code: &str) -> Result<(), AppError> {
    let ok = !code.is_empty()
        && code.len() <= PRODUCT_CODE_LEN_MAX
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(AppError::invalid(
            field,
            format!("must be 1 to {PRODUCT_CODE_LEN_MAX} letters, digits, '-' or '_'"),
        ))
    }
}

fn check_currency(field: &str, amount: Money, currency: Currency) -> Result<(), AppError> {
    if amount.currency() == currency {
        Ok(())
    } else {
        Err(AppError::invalid(
            field,
            format!("must be in the product's currency {}", currency.code()),
        ))
    }
}

fn check_rate(field: &str, rate: Decimal) -> Result<(), AppError> {
    if rate < Decimal::ZERO || rate > ANNUAL_RATE_MAX {
        return Err(AppError::invalid(field, "must be between 0 and 100 percent"));
    }
    Ok(())
}

fn check_ranges(p: &NewProduct) -> Result<(), AppError> {
    for (field, amount) in [("amount_min", p.amount_min), ("amount_max", p.amount_max)] {
        check_currency(field, amount, p.currency)?;
        if !amount.is_positive() {
            return Err(AppError::invalid(field, "must be greater than zero"));
        }
    }
    if p.amount_min.minor() > p.amount_max.minor() {
        return Err(AppError::invalid("amount_max", "must not be below amount_min"));
    }
    if p.installments_min == 0 || p.installments_max > INSTALLMENTS_MAX {
        return Err(AppError::invalid(
            "installments_min",
            format!("installments must be 1 to {INSTALLMENTS_MAX}"),
        ));
    }
    if p.installments_min > p.installments_max {
        return Err(AppError::invalid(
            "installments_max",
            "must not be below installments_min",
        ));
    }
    if !(p.installments_min..=p.installments_max).contains(&p.installments_default) {
        return Err(AppError::invalid(
            "installments_default",
            "must lie between installments_min and installments_max",
        ));
    }
    for (field, rate) in [
        ("annual_rate_min", p.annual_rate_min),
        ("annual_rate_max", p.annual_rate_max),
        ("annual_rate_default", p.annual_rate_default),
    ] {
        check_rate(field, rate)?;
    }
    if p.annual_rate_min > p.annual_rate_max {
        return Err(AppError::invalid(
            "annual_rate_max",
            "must not be below annual_rate_min",
        ));
    }
    if p.annual_rate_default < p.annual_rate_min || p.annual_rate_default > p.annual_rate_max {
        return Err(AppError::invalid(
            "annual_rate_default",
            "must lie between annual_rate_min and annual_rate_max",
        ));
    }
    Ok(())
}

fn check_fees(p: &NewProduct) -> Result<(), AppError> {
    check_currency("disbursement_fee_flat", p.disbursement_fee_flat, p.currency)?;
    if p.disbursement_fee_flat.is_negative() {
        return Err(AppError::invalid("disbursement_fee_flat", "must not be negative"));
    }
    if p.disbursement_fee_rate < Decimal::ZERO || p.disbursement_fee_rate > Decimal::ONE {
        return Err(AppError::invalid(
            "disbursement_fee_rate",
            "must be between 0 and 100 percent",
        ));
    }
    if let Some(multiple) = p.installment_multiple {
        check_currency("installment_multiple", multiple, p.currency)?;
        if !multiple.is_positive() {
            return Err(AppError::invalid(
                "installment_multiple",
                "must be greater than zero",
            ));
        }
    }
    PenaltyRule::new(p.penalty_uplift, CompoundInterest::Off)
        .map_err(|_| AppError::invalid("penalty_uplift", "must be between 0 and 100 percent"))?;
    Ok(())
}

/// Checks a product definition and turns it into the stored row. A sample
/// schedule (smallest amount, default term) must generate, so a product
/// whose conventions contradict each other is refused here, not at
/// disbursement.
pub(crate) fn product_row(p: &NewProduct, today: NaiveDate) -> Result<ProductRow, AppError> {
    check_code("code", &p.code)?;
    check_name("name", &p.name)?;
    check_ranges(p)?;
    check_fees(p)?;
    choice(conv::METHODS, "method", &p.method)?;
    choice(conv::UNITS, "unit", &p.unit)?;
    choice(conv::INTEREST_PERIODS, "interest_period", &p.interest_period)?;
    choice(conv::DAYS_IN_YEAR, "days_in_year", &p.days_in_year)?;
    choice(conv::DAYS_IN_MONTH, "days_in_month", &p.days_in_month)?;
    choice(conv::ROUNDING_MODES, "rounding_mode", &p.rounding_mode)?;
    if p.every == 0 || p.every > EVERY_MAX {
        return Err(AppError::invalid("every", format!("must be 1 to {EVERY_MAX}")));
    }
    let order = if p.allocation_order.is_empty() {
        AllocationOrder::default()
    } else {
        AllocationOrder::parse(&p.allocation_order).map_err(|e| AppError::invalid("allocation_order", e))?
    };
    let row = ProductRow {
        id: 0,
        code: p.code.clone(),
        name: p.name.trim().to_string(),
        currency: p.currency.code().to_string(),
        digits: p.currency.digits(),
        amount_min_minor: p.amount_min.minor(),
        amount_max_minor: p.amount_max.minor(),
        term_min: p.installments_min,
        term_max: p.installments_max,
        term_default: p.installments_default,
        rate_min: p.annual_rate_min,
        rate_max: p.annual_rate_max,
        rate_default: p.annual_rate_default,
        method: p.method.clone(),
        frequency_every: p.every,
        frequency_unit: p.unit.clone(),
        interest_period: p.interest_period.clone(),
        days_in_year: p.days_in_year.clone(),
        days_in_month: p.days_in_month.clone(),
        rounding: p.rounding_mode.clone(),
        // One minor unit is no rounding beyond the currency's digits.
        installment_multiple_minor: p.installment_multiple.map_or(1, |m| m.minor()),
        grace_principal: p.grace_principal_periods,
        grace_interest: p.grace_interest_periods,
        grace_arrears_days: 0,
        penalty_uplift: p.penalty_uplift,
        compound_interest: p.compound_interest,
        allocation_order: order.names().join(","),
        fee_flat_minor: p.disbursement_fee_flat.minor(),
        fee_rate: p.disbursement_fee_rate,
        gl_mapping: GlMapping::default().to_codes(),
        created_on: today,
        active: true,
    };
    let rules = ProductRules::from_row(&row)?;
    let sample = rules.schedule_terms(
        p.amount_min,
        p.annual_rate_default,
        p.installments_default,
        today,
        None,
    )?;
    schedule::generate(&sample).map_err(|e| AppError::invalid(crate::views::schedule_field(&e), e))?;
    Ok(row)
}

/// A stored product parsed back into the engine's types.
#[derive(Clone, Debug)]
pub(crate) struct ProductRules {
    pub(crate) id: i64,
    pub(crate) code: String,
    pub(crate) currency: Currency,
    pub(crate) amount_min_minor: i64,
    pub(crate) amount_max_minor: i64,
    pub(crate) term_min: u32,
    pub(crate) term_max: u32,
    pub(crate) term_default: u32,
    pub(crate) rate_min: Decimal,
    pub(crate) rate_max: Decimal,
    pub(crate) rate_default: Decimal,
    pub(crate) method: schedule::RepaymentMethod,
    pub(crate) frequency: Frequency,
    pub(crate) interest_period: schedule::InterestPeriod,
    pub(crate) days_in_year: credgrid_core::calendar::DaysInYear,
    pub(crate) days_in_month: credgrid_core::calendar::DaysInMonth,
    pub(crate) rounding: credgrid_core::RoundingMode,
    pub(crate) installment_multiple: Option<Money>,
    pub(crate) grace: Grace,
    pub(crate) penalty: PenaltyRule,
    pub(crate) order: AllocationOrder,
    pub(crate) fee_flat: Money,
    pub(crate) fee_rate: Decimal,
    pub(crate) gl: GlMapping,
}

fn corrupt(column: &str, detail: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("stored product column {column} is invalid: {detail}"))
}

fn stored<T>(column: &str, value: Result<T, AppError>) -> Result<T, AppError> {
    value.map_err(|e| corrupt(column, e))
}

impl ProductRules {
    pub(crate) fn from_row(row: &ProductRow) -> Result<ProductRules, AppError> {
        let currency = Currency::new(&row.currency, row.digits).map_err(|e| corrupt("currency", e))?;
        let unit = stored("frequency_unit", choice(conv::UNITS, "unit", &row.frequency_unit))?;
        let order_names: Vec<&str> = row.allocation_order.split(',').collect();
        let compound = if row.compound_interest {
            CompoundInterest::AtPenaltyRate
        } else {
            CompoundInterest::Off
        };
        Ok(ProductRules {
            id: row.id,
            code: row.code.clone(),
            currency,
            amount_min_minor: row.amount_min_minor,
            amount_max_minor: row.amount_max_minor,
            term_min: row.term_min,
            term_max: row.term_max,
            term_default: row.term_default,
            rate_min: row.rate_min,
            rate_max: row.rate_max,
            rate_default: row.rate_default,
            method: stored("method", choice(conv::METHODS, "method", &row.method))?,
            frequency: Frequency {
                every: row.frequency_every,
                unit,
            },
            interest_period: stored(
                "interest_period",
                choice(conv::INTEREST_PERIODS, "interest_period", &row.interest_period),
            )?,
            days_in_year: stored(
                "days_in_year",
                choice(conv::DAYS_IN_YEAR, "days_in_year", &row.days_in_year),
            )?,
            days_in_month: stored(
                "days_in_month",
                choice(conv::DAYS_IN_MONTH, "days_in_month", &row.days_in_month),
            )?,
            rounding: stored(
                "rounding",
                choice(conv::ROUNDING_MODES, "rounding", &row.rounding),
            )?,
            installment_multiple: (row.installment_multiple_minor > 1)
                .then(|| Money::from_minor(row.installment_multiple_minor, currency)),
            grace: Grace {
                principal_periods: row.grace_principal,
                interest_payment_periods: row.grace_interest,
            },
            penalty: PenaltyRule::new(row.penalty_uplift, compound)
                .map_err(|e| corrupt("penalty_uplift", e))?,
            order: AllocationOrder::parse(&order_names).map_err(|e| corrupt("allocation_order", e))?,
            fee_flat: Money::from_minor(row.fee_flat_minor, currency),
            fee_rate: row.fee_rate,
            gl: GlMapping::parse_codes(&row.gl_mapping).map_err(|e| corrupt("gl_mapping", e))?,
        })
    }

    /// The schedule terms of a loan of this product.
    pub(crate) fn schedule_terms(
        &self,
        principal: Money,
        annual_rate: Decimal,
        installments: u32,
        disbursement_date: NaiveDate,
        first_repayment_date: Option<NaiveDate>,
    ) -> Result<ScheduleTerms, AppError> {
        Ok(ScheduleTerms {
            principal,
            annual_rate,
            installments,
            frequency: self.frequency,
            disbursement_date,
            first_repayment_date,
            interest_from_date: None,
            method: self.method.clone(),
            interest_period: self.interest_period,
            days_in_year: self.days_in_year,
            days_in_month: self.days_in_month,
            emi: EmiBasis::Nominal,
            rounding: ScheduleRounding {
                digits: self.currency.digits(),
                mode: self.rounding,
                installment_multiple: self.installment_multiple,
            },
            grace: self.grace,
        })
    }

    /// The servicing terms of a disbursed loan.
    pub(crate) fn loan_terms(&self, loan: &LoanRow) -> Result<LoanTerms, AppError> {
        let disbursed_on = loan
            .disbursed_on
            .ok_or_else(|| AppError::Internal(format!("loan {} has no disbursement date", loan.id)))?;
        let schedule = self.schedule_terms(
            Money::from_minor(loan.principal_minor, self.currency),
            loan.annual_rate,
            loan.installments,
            disbursed_on,
            loan.first_repayment_on,
        )?;
        Ok(LoanTerms {
            schedule,
            penalty: self.penalty,
            accrual_rounding: self.rounding,
        })
    }

    /// The fee charged at disbursement: flat plus rate × principal, rounded
    /// by the product's mode.
    pub(crate) fn disbursement_fee(&self, principal: Money) -> Result<Money, AppError> {
        let by_rate = Money::from_decimal(
            principal.to_decimal() * self.fee_rate,
            self.currency,
            self.rounding,
        )
        .map_err(|e| AppError::invalid("principal", e))?;
        self.fee_flat
            .checked_add(by_rate)
            .map_err(|e| AppError::invalid("principal", e))
    }
}

/// The product as the API shows it.
pub(crate) fn product_view(row: &ProductRow) -> Result<ProductView, AppError> {
    let rules = ProductRules::from_row(row)?;
    let c = rules.currency;
    Ok(ProductView {
        id: row.id,
        active: row.active,
        spec: NewProduct {
            code: row.code.clone(),
            name: row.name.clone(),
            currency: c,
            amount_min: Money::from_minor(row.amount_min_minor, c),
            amount_max: Money::from_minor(row.amount_max_minor, c),
            installments_min: row.term_min,
            installments_max: row.term_max,
            installments_default: row.term_default,
            annual_rate_min: row.rate_min,
            annual_rate_max: row.rate_max,
            annual_rate_default: row.rate_default,
            method: row.method.clone(),
            every: row.frequency_every,
            unit: row.frequency_unit.clone(),
            interest_period: row.interest_period.clone(),
            days_in_year: row.days_in_year.clone(),
            days_in_month: row.days_in_month.clone(),
            rounding_mode: row.rounding.clone(),
            installment_multiple: rules.installment_multiple,
            grace_principal_periods: row.grace_principal,
            grace_interest_periods: row.grace_interest,
            penalty_uplift: row.penalty_uplift,
            compound_interest: row.compound_interest,
            allocation_order: rules.order.names().iter().map(|s| s.to_string()).collect(),
            disbursement_fee_flat: rules.fee_flat,
            disbursement_fee_rate: row.fee_rate,
        },
    })
}
