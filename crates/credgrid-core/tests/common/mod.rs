//! Helpers shared by the schedule test files: amounts, dates and the
//! monthly terms most worked examples start from.
#![allow(dead_code)]

use chrono::NaiveDate;
use credgrid_core::calendar::{DaysInMonth, DaysInYear, Frequency};
use credgrid_core::money::{Currency, Money};
use credgrid_core::rounding::RoundingMode;
use credgrid_core::schedule::{
    EmiBasis, Grace, InterestPeriod, RepaymentMethod, ScheduleRounding, ScheduleTerms,
};
use rust_decimal::Decimal;
use std::str::FromStr;

pub(crate) fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

pub(crate) fn cny(text: &str) -> Money {
    Money::parse_major(text, Currency::CNY).unwrap()
}

pub(crate) fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// Monthly terms, interest by installment, 2 digits half-even, no grace.
pub(crate) fn monthly(
    principal: &str,
    annual_percent: &str,
    installments: u32,
    method: RepaymentMethod,
) -> ScheduleTerms {
    ScheduleTerms {
        principal: cny(principal),
        annual_rate: dec(annual_percent) / Decimal::ONE_HUNDRED,
        installments,
        frequency: Frequency::MONTHLY,
        disbursement_date: date("2022-11-01"),
        first_repayment_date: None,
        interest_from_date: None,
        method,
        interest_period: InterestPeriod::Installment,
        days_in_year: DaysInYear::D365,
        days_in_month: DaysInMonth::Actual,
        emi: EmiBasis::Nominal,
        rounding: ScheduleRounding {
            digits: 2,
            mode: RoundingMode::HalfEven,
            installment_multiple: None,
        },
        grace: Grace::default(),
    }
}
