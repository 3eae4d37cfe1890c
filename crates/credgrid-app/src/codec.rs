//! The stored form of a loan's servicing state: two compact binary blobs.
//!
//! `summary` (about 230 bytes) is what the end of day reads and rewrites for
//! every loan every day; `position` (the installments with what was paid,
//! and any write-off) changes only on repayments, fees, write-offs and due
//! dates. Both start with a format version byte; a blob that does not decode
//! is reported as corrupt, never guessed at. Little-endian throughout.

use crate::error::AppError;
use chrono::NaiveDate;
use credgrid_core::accrual::{DayCount, ExactInterest, RunningAccrual};
use credgrid_core::calendar::{DaysInMonth, DaysInYear};
use credgrid_core::rounding::RoundingMode;
use credgrid_core::servicing::{
    InstallmentPosition, LoanPosition, LoanStatus, LoanSummary, LoanTerms, WriteOff,
};
use credgrid_core::{Currency, Money};
use rust_decimal::Decimal;

const SUMMARY_VERSION: u8 = 1;
const POSITION_VERSION: u8 = 1;
/// The date written for "none".
const NO_DATE: i32 = i32::MIN;

struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn date(&mut self, d: NaiveDate) {
        self.0.extend_from_slice(&d.num_days_from_ce().to_le_bytes());
    }
    fn opt_date(&mut self, d: Option<NaiveDate>) {
        let v = d.map_or(NO_DATE, |d| d.num_days_from_ce());
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn decimal(&mut self, d: Decimal) {
        self.0.extend_from_slice(&d.serialize());
    }
    fn running(&mut self, r: RunningAccrual) {
        self.decimal(r.exact.scaled());
        self.i64(r.posted_minor);
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    what: &'static str,
}

use chrono::Datelike;

impl<'a> Reader<'a> {
    fn corrupt(&self) -> AppError {
        AppError::Internal(format!("stored loan {} is corrupt", self.what))
    }
    fn take<const N: usize>(&mut self) -> Result<[u8; N], AppError> {
        if self.bytes.len() < N {
            return Err(self.corrupt());
        }
        let (head, rest) = self.bytes.split_at(N);
        self.bytes = rest;
        head.try_into().map_err(|_| self.corrupt())
    }
    fn u8(&mut self) -> Result<u8, AppError> {
        Ok(self.take::<1>()?[0])
    }
    fn u32(&mut self) -> Result<u32, AppError> {
        Ok(u32::from_le_bytes(self.take()?))
    }
    fn i64(&mut self) -> Result<i64, AppError> {
        Ok(i64::from_le_bytes(self.take()?))
    }
    fn opt_date(&mut self) -> Result<Option<NaiveDate>, AppError> {
        let v = i32::from_le_bytes(self.take()?);
        if v == NO_DATE {
            return Ok(None);
        }
        NaiveDate::from_num_days_from_ce_opt(v)
            .map(Some)
            .ok_or_else(|| self.corrupt())
    }
    fn date(&mut self) -> Result<NaiveDate, AppError> {
        self.opt_date()?.ok_or_else(|| self.corrupt())
    }
    fn decimal(&mut self) -> Result<Decimal, AppError> {
        Ok(Decimal::deserialize(self.take()?))
    }
    fn running(&mut self) -> Result<RunningAccrual, AppError> {
        Ok(RunningAccrual {
            exact: ExactInterest::from_scaled(self.decimal()?),
            posted_minor: self.i64()?,
        })
    }
    fn money(&mut self, currency: Currency) -> Result<Money, AppError> {
        Ok(Money::from_minor(self.i64()?, currency))
    }
    fn finish(&self) -> Result<(), AppError> {
        if self.bytes.is_empty() {
            Ok(())
        } else {
            Err(self.corrupt())
        }
    }
}

fn index_of<T: PartialEq>(all: &[T], value: &T) -> u8 {
    all.iter()
        .position(|v| v == value)
        .and_then(|i| u8::try_from(i).ok())
        .unwrap_or(u8::MAX)
}

const STATUSES: [LoanStatus; 3] = [LoanStatus::Active, LoanStatus::Closed, LoanStatus::WrittenOff];
const YEARS: [DaysInYear; 4] = [
    DaysInYear::D360,
    DaysInYear::D364,
    DaysInYear::D365,
    DaysInYear::Actual,
];
const MONTHS: [DaysInMonth; 2] = [DaysInMonth::Actual, DaysInMonth::Thirty];

fn pick<T: Copy>(all: &[T], index: u8, reader: &Reader<'_>) -> Result<T, AppError> {
    all.get(usize::from(index))
        .copied()
        .ok_or_else(|| reader.corrupt())
}

/// Encodes the batch summary.
pub(crate) fn encode_summary(s: &LoanSummary) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(240));
    w.u8(SUMMARY_VERSION);
    w.0.extend_from_slice(s.currency.code().as_bytes());
    w.u8(s.currency.digits());
    w.u8(index_of(&STATUSES, &s.status));
    w.u8(index_of(&YEARS, &s.day_count.days_in_year));
    w.u8(index_of(&MONTHS, &s.day_count.days_in_month));
    w.u8(index_of(&RoundingMode::ALL, &s.accrual_rounding));
    w.decimal(s.penalty_rate);
    w.decimal(s.compound_rate);
    w.date(s.as_of);
    w.date(s.next_due_date);
    w.date(s.period_start);
    for v in [
        s.period_days,
        s.period_interest_minor,
        s.principal_outstanding_minor,
        s.principal_overdue_minor,
        s.interest_overdue_minor,
        s.interest_receivable_minor,
        s.fee_unpaid_minor,
    ] {
        w.i64(v);
    }
    w.opt_date(s.oldest_overdue_date);
    w.running(s.penalty);
    w.running(s.compound);
    w.i64(s.penalty_paid_minor);
    w.0
}

/// Decodes what [`encode_summary`] wrote.
pub(crate) fn decode_summary(bytes: &[u8]) -> Result<LoanSummary, AppError> {
    let mut r = Reader {
        bytes,
        what: "summary",
    };
    if r.u8()? != SUMMARY_VERSION {
        return Err(r.corrupt());
    }
    let code = r.take::<3>()?;
    let digits = r.u8()?;
    let currency = std::str::from_utf8(&code)
        .ok()
        .and_then(|c| Currency::new(c, digits).ok())
        .ok_or_else(|| r.corrupt())?;
    let status = pick(&STATUSES, r.u8()?, &r)?;
    let days_in_year = pick(&YEARS, r.u8()?, &r)?;
    let days_in_month = pick(&MONTHS, r.u8()?, &r)?;
    let accrual_rounding = pick(&RoundingMode::ALL, r.u8()?, &r)?;
    let summary = LoanSummary {
        currency,
        status,
        day_count: DayCount {
            days_in_year,
            days_in_month,
        },
        accrual_rounding,
        penalty_rate: r.decimal()?,
        compound_rate: r.decimal()?,
        as_of: r.date()?,
        next_due_date: r.date()?,
        period_start: r.date()?,
        period_days: r.i64()?,
        period_interest_minor: r.i64()?,
        principal_outstanding_minor: r.i64()?,
        principal_overdue_minor: r.i64()?,
        interest_overdue_minor: r.i64()?,
        interest_receivable_minor: r.i64()?,
        fee_unpaid_minor: r.i64()?,
        oldest_overdue_date: r.opt_date()?,
        penalty: r.running()?,
        compound: r.running()?,
        penalty_paid_minor: r.i64()?,
    };
    r.finish()?;
    Ok(summary)
}

/// Encodes the installments and any write-off of a position.
pub(crate) fn encode_position(p: &LoanPosition) -> Vec<u8> {
    let installments = p.installments();
    let mut w = Writer(Vec::with_capacity(16 + installments.len() * 68 + 48));
    w.u8(POSITION_VERSION);
    w.u32(u32::try_from(installments.len()).unwrap_or(u32::MAX));
    for i in installments {
        w.u32(i.n);
        w.date(i.period_start);
        w.date(i.due_date);
        w.i64(i.days);
        for m in [
            i.principal,
            i.interest,
            i.fee,
            i.principal_paid,
            i.interest_paid,
            i.fee_paid,
        ] {
            w.i64(m.minor());
        }
    }
    match p.write_off_record() {
        None => w.u8(0),
        Some(record) => {
            w.u8(1);
            w.date(record.date);
            for m in [record.principal, record.interest, record.penalty, record.fee] {
                w.i64(m.minor());
            }
        }
    }
    w.i64(p.recovered().minor());
    w.0
}

/// Rebuilds a position from its blob, the terms and the batch summary (which
/// carries the as-of date and the running penalty accruals).
pub(crate) fn decode_position(
    bytes: &[u8],
    terms: LoanTerms,
    summary: &LoanSummary,
) -> Result<LoanPosition, AppError> {
    let currency = summary.currency;
    let mut r = Reader {
        bytes,
        what: "position",
    };
    if r.u8()? != POSITION_VERSION {
        return Err(r.corrupt());
    }
    let count = r.u32()?;
    if count as usize > bytes.len() / 60 {
        return Err(r.corrupt());
    }
    let mut installments = Vec::with_capacity(count as usize);
    for _ in 0..count {
        installments.push(InstallmentPosition {
            n: r.u32()?,
            period_start: r.date()?,
            due_date: r.date()?,
            days: r.i64()?,
            principal: r.money(currency)?,
            interest: r.money(currency)?,
            fee: r.money(currency)?,
            principal_paid: r.money(currency)?,
            interest_paid: r.money(currency)?,
            fee_paid: r.money(currency)?,
        });
    }
    let write_off = match r.u8()? {
        0 => None,
        1 => Some(WriteOff {
            date: r.date()?,
            principal: r.money(currency)?,
            interest: r.money(currency)?,
            penalty: r.money(currency)?,
            fee: r.money(currency)?,
        }),
        _ => return Err(r.corrupt()),
    };
    let recovered = r.money(currency)?;
    r.finish()?;
    let position = LoanPosition::restore(
        terms,
        installments,
        summary.as_of,
        summary.penalty,
        summary.compound,
        summary.penalty_paid_minor,
    )
    .map_err(|e| AppError::Internal(format!("stored loan position does not restore: {e}")))?;
    match write_off {
        None => Ok(position),
        Some(record) => position
            .with_write_off(record, recovered)
            .map_err(|e| AppError::Internal(format!("stored write-off does not restore: {e}"))),
    }
}
