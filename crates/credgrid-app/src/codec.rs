//! The stored form of a loan's servicing state: two compact binary blobs.
//!
//! `summary` (about 40 bytes in its compact format 2; format 1 blobs of
//! earlier builds still decode) is what the end of day reads and rewrites
//! for every loan every day; `position` (the installments with what was paid,
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

/// The compact summary format written now.
const SUMMARY_VERSION: u8 = 2;
/// The fixed-width summary format of databases written before version 2
/// (still read; rewritten in the compact format at the next write).
const SUMMARY_VERSION_FIXED: u8 = 1;
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
    /// Unsigned LEB128: seven bits per byte, low groups first.
    fn varint_u128(&mut self, mut v: u128) {
        while v >= 0x80 {
            self.0.push((v as u8 & 0x7f) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }
    /// Zigzag (0, -1, 1, -2, … → 0, 1, 2, 3, …) then LEB128.
    fn varint_i64(&mut self, v: i64) {
        let zigzag = ((v << 1) ^ (v >> 63)) as u64;
        self.varint_u128(u128::from(zigzag));
    }
    /// Scale and sign in one byte, then the 96-bit mantissa as a varint:
    /// exactly the decimal's representation (scale included), compactly.
    fn varint_decimal(&mut self, d: Decimal) {
        let scale = u8::try_from(d.scale()).unwrap_or(u8::MAX);
        let sign = if d.is_sign_negative() { 0x80 } else { 0 };
        self.u8(scale | sign);
        self.varint_u128(d.mantissa().unsigned_abs());
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
    fn varint_u128(&mut self, bits_max: u32) -> Result<u128, AppError> {
        // Most amounts of a performing loan are small: one byte.
        if let Some((&byte, rest)) = self.bytes.split_first()
            && byte < 0x80
        {
            self.bytes = rest;
            return Ok(u128::from(byte));
        }
        let mut value: u128 = 0;
        let mut shift = 0;
        loop {
            let byte = self.u8()?;
            let group = u128::from(byte & 0x7f);
            // A group that does not fit the width, or a redundant trailing zero group.
            if shift >= bits_max || (shift > 0 && byte == 0) || (group >> (bits_max - shift)) != 0 {
                return Err(self.corrupt());
            }
            value |= group << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
            shift += 7;
        }
    }
    fn varint_i64(&mut self) -> Result<i64, AppError> {
        let zigzag = u64::try_from(self.varint_u128(64)?).map_err(|_| self.corrupt())?;
        Ok(((zigzag >> 1) as i64) ^ -((zigzag & 1) as i64))
    }
    fn varint_decimal(&mut self) -> Result<Decimal, AppError> {
        let flags = self.u8()?;
        let scale = u32::from(flags & 0x7f);
        let mantissa = i128::try_from(self.varint_u128(96)?).map_err(|_| self.corrupt())?;
        let signed = if flags & 0x80 == 0 { mantissa } else { -mantissa };
        let mut d = Decimal::try_from_i128_with_scale(signed, scale).map_err(|_| self.corrupt())?;
        // A negative zero keeps its sign, as in the value that was written.
        d.set_sign_negative(flags & 0x80 != 0);
        Ok(d)
    }
    fn varint_running(&mut self) -> Result<RunningAccrual, AppError> {
        Ok(RunningAccrual {
            exact: ExactInterest::from_scaled(self.varint_decimal()?),
            posted_minor: self.varint_i64()?,
        })
    }
    /// A date stored as days from the common era.
    fn day(&self, days: i64) -> Result<NaiveDate, AppError> {
        i32::try_from(days)
            .ok()
            .and_then(NaiveDate::from_num_days_from_ce_opt)
            .ok_or_else(|| self.corrupt())
    }
    /// A date stored as an offset in days from `base` (days from the common era).
    fn day_after(&mut self, base: i64) -> Result<NaiveDate, AppError> {
        let offset = self.varint_i64()?;
        let days = base.checked_add(offset).ok_or_else(|| self.corrupt())?;
        self.day(days)
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

/// Encodes the batch summary (the compact format, version 2).
///
/// Version 2 writes every amount as a zigzag LEB128 varint, the dates after
/// `as_of` as day offsets from it, the decimals as scale, sign and a varint
/// mantissa, and the four small enumerations in one byte: about 45 bytes
/// for a typical loan instead of version 1's 169. The end of day rewrites
/// every active loan's row daily, so this is most of the bytes it writes.
pub(crate) fn encode_summary(s: &LoanSummary) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(64));
    w.u8(SUMMARY_VERSION);
    w.0.extend_from_slice(s.currency.code().as_bytes());
    w.u8(s.currency.digits());
    w.u8(pack_kinds(s));
    w.varint_decimal(s.penalty_rate);
    w.varint_decimal(s.compound_rate);
    let as_of = i64::from(s.as_of.num_days_from_ce());
    w.varint_i64(as_of);
    w.varint_i64(i64::from(s.next_due_date.num_days_from_ce()) - as_of);
    w.varint_i64(i64::from(s.period_start.num_days_from_ce()) - as_of);
    for v in [
        s.period_days,
        s.period_interest_minor,
        s.principal_outstanding_minor,
        s.principal_overdue_minor,
        s.interest_overdue_minor,
        s.interest_receivable_minor,
        s.fee_unpaid_minor,
    ] {
        w.varint_i64(v);
    }
    match s.oldest_overdue_date {
        None => w.u8(0),
        Some(d) => {
            w.u8(1);
            w.varint_i64(i64::from(d.num_days_from_ce()) - as_of);
        }
    }
    for running in [s.penalty, s.compound] {
        w.varint_decimal(running.exact.scaled());
        w.varint_i64(running.posted_minor);
    }
    w.varint_i64(s.penalty_paid_minor);
    w.0
}

/// The status, day count and rounding mode in one byte: two bits each for
/// status, days in year and rounding mode, one for days in month.
fn pack_kinds(s: &LoanSummary) -> u8 {
    let status = index_of(&STATUSES, &s.status);
    let year = index_of(&YEARS, &s.day_count.days_in_year);
    let month = index_of(&MONTHS, &s.day_count.days_in_month);
    let rounding = index_of(&RoundingMode::ALL, &s.accrual_rounding);
    debug_assert!(
        status < 4 && year < 4 && month < 2 && rounding < 4,
        "every kind fits its bits"
    );
    (status & 0b11) | (year & 0b11) << 2 | (month & 0b1) << 4 | (rounding & 0b11) << 5
}

/// Decodes what [`encode_summary`] wrote, or the version 1 format of
/// databases written before it.
pub(crate) fn decode_summary(bytes: &[u8]) -> Result<LoanSummary, AppError> {
    let mut r = Reader {
        bytes,
        what: "summary",
    };
    match r.u8()? {
        SUMMARY_VERSION => decode_summary_v2(r),
        SUMMARY_VERSION_FIXED => decode_summary_v1(r),
        _ => Err(r.corrupt()),
    }
}

fn decode_currency(r: &mut Reader<'_>) -> Result<Currency, AppError> {
    let code = r.take::<3>()?;
    let digits = r.u8()?;
    std::str::from_utf8(&code)
        .ok()
        .and_then(|c| Currency::new(c, digits).ok())
        .ok_or_else(|| r.corrupt())
}

fn decode_summary_v2(mut r: Reader<'_>) -> Result<LoanSummary, AppError> {
    let currency = decode_currency(&mut r)?;
    let kinds = r.u8()?;
    if kinds & 0x80 != 0 {
        return Err(r.corrupt());
    }
    let status = pick(&STATUSES, kinds & 0b11, &r)?;
    let days_in_year = pick(&YEARS, (kinds >> 2) & 0b11, &r)?;
    let days_in_month = pick(&MONTHS, (kinds >> 4) & 0b1, &r)?;
    let accrual_rounding = pick(&RoundingMode::ALL, (kinds >> 5) & 0b11, &r)?;
    let penalty_rate = r.varint_decimal()?;
    let compound_rate = r.varint_decimal()?;
    let as_of = r.varint_i64()?;
    let as_of_date = r.day(as_of)?;
    let next_due_date = r.day_after(as_of)?;
    let period_start = r.day_after(as_of)?;
    let summary = LoanSummary {
        currency,
        status,
        day_count: DayCount {
            days_in_year,
            days_in_month,
        },
        accrual_rounding,
        penalty_rate,
        compound_rate,
        as_of: as_of_date,
        next_due_date,
        period_start,
        period_days: r.varint_i64()?,
        period_interest_minor: r.varint_i64()?,
        principal_outstanding_minor: r.varint_i64()?,
        principal_overdue_minor: r.varint_i64()?,
        interest_overdue_minor: r.varint_i64()?,
        interest_receivable_minor: r.varint_i64()?,
        fee_unpaid_minor: r.varint_i64()?,
        oldest_overdue_date: match r.u8()? {
            0 => None,
            1 => Some(r.day_after(as_of)?),
            _ => return Err(r.corrupt()),
        },
        penalty: r.varint_running()?,
        compound: r.varint_running()?,
        penalty_paid_minor: r.varint_i64()?,
    };
    r.finish()?;
    Ok(summary)
}

/// The fixed-width format 1 (before the compact one).
fn decode_summary_v1(mut r: Reader<'_>) -> Result<LoanSummary, AppError> {
    let currency = decode_currency(&mut r)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The version 1 encoder as it was (kept here to prove old databases
    /// still decode).
    fn encode_summary_v1(s: &LoanSummary) -> Vec<u8> {
        let mut w = Writer(Vec::with_capacity(240));
        w.u8(SUMMARY_VERSION_FIXED);
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

    impl Writer {
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

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// A performing loan of the generated portfolio: 5,000.00 CNY at 18%
    /// a year, penalty rate 0.05% a day, mid-period.
    fn performing() -> LoanSummary {
        LoanSummary {
            currency: Currency::new("CNY", 2).unwrap(),
            status: LoanStatus::Active,
            day_count: DayCount {
                days_in_year: DaysInYear::D360,
                days_in_month: DaysInMonth::Actual,
            },
            accrual_rounding: RoundingMode::HalfEven,
            penalty_rate: Decimal::new(1825, 4),
            compound_rate: Decimal::ZERO,
            as_of: date(2026, 11, 23),
            next_due_date: date(2026, 12, 15),
            period_start: date(2026, 11, 15),
            period_days: 30,
            period_interest_minor: 7_500,
            principal_outstanding_minor: 458_321,
            principal_overdue_minor: 0,
            interest_overdue_minor: 0,
            interest_receivable_minor: 2_000,
            fee_unpaid_minor: 0,
            oldest_overdue_date: None,
            penalty: RunningAccrual::default(),
            compound: RunningAccrual::default(),
            penalty_paid_minor: 0,
        }
    }

    /// The end of day rewrites this blob for every loan daily: a performing
    /// loan's summary stays under 48 bytes (version 1 took 169).
    #[test]
    fn a_performing_summary_is_compact() {
        let blob = encode_summary(&performing());
        assert!(blob.len() < 48, "{} bytes", blob.len());
        assert_eq!(encode_summary_v1(&performing()).len(), 169);
        assert_eq!(decode_summary(&blob).unwrap(), performing());
    }

    /// Summaries stored by earlier builds (format 1) still decode to the
    /// same value, and are written back in the compact format.
    #[test]
    fn version_one_blobs_still_decode() {
        let mut overdue = performing();
        overdue.principal_overdue_minor = 41_000;
        overdue.interest_overdue_minor = 7_311;
        overdue.oldest_overdue_date = Some(date(2026, 10, 15));
        overdue.compound_rate = Decimal::new(18, 2);
        for s in [performing(), overdue] {
            let old = encode_summary_v1(&s);
            assert_eq!(old[0], 1);
            assert_eq!(decode_summary(&old).unwrap(), s);
            assert_eq!(encode_summary(&s)[0], SUMMARY_VERSION);
        }
    }

    /// A blob cut short, with a byte too many, of an unknown version or with
    /// an over-long number is reported as corrupt, never guessed at.
    #[test]
    fn damaged_blobs_are_corrupt() {
        let blob = encode_summary(&performing());
        for cut in 0..blob.len() {
            assert!(decode_summary(&blob[..cut]).is_err(), "cut at {cut}");
        }
        let mut longer = blob.clone();
        longer.push(0);
        assert!(decode_summary(&longer).is_err());
        let mut unknown = blob.clone();
        unknown[0] = 3;
        assert!(decode_summary(&unknown).is_err());
        // Eleven continuation bytes cannot be an i64.
        let mut r = Reader {
            bytes: &[0xff; 11],
            what: "summary",
        };
        assert!(r.varint_i64().is_err());
        // 0x80 0x00 is a redundant encoding of zero.
        let mut r = Reader {
            bytes: &[0x80, 0x00],
            what: "summary",
        };
        assert!(r.varint_i64().is_err());
    }

    fn decimal() -> impl Strategy<Value = Decimal> {
        (any::<i128>(), 0_u32..=28, any::<bool>()).prop_map(|(m, scale, negative)| {
            let mantissa = m % (1_i128 << 96);
            let mut d = Decimal::from_i128_with_scale(mantissa, scale);
            d.set_sign_negative(negative);
            d
        })
    }

    fn day() -> impl Strategy<Value = NaiveDate> {
        (1_i32..3_652_059).prop_map(|n| NaiveDate::from_num_days_from_ce_opt(n).unwrap())
    }

    fn running() -> impl Strategy<Value = RunningAccrual> {
        (decimal(), any::<i64>()).prop_map(|(scaled, posted_minor)| RunningAccrual {
            exact: ExactInterest::from_scaled(scaled),
            posted_minor,
        })
    }

    fn summary() -> impl Strategy<Value = LoanSummary> {
        let kinds = (0_usize..3, 0_usize..4, 0_usize..2, 0_usize..4);
        let dates = (
            day(),
            prop_oneof![day(), Just(NaiveDate::MAX)],
            day(),
            proptest::option::of(day()),
        );
        let amounts = proptest::array::uniform8(any::<i64>());
        (kinds, dates, amounts, decimal(), decimal(), running(), running()).prop_map(
            |(
                (st, y, m, r),
                (as_of, next, start, oldest),
                a,
                penalty_rate,
                compound_rate,
                penalty,
                compound,
            )| {
                LoanSummary {
                    currency: Currency::new("KES", 2).unwrap(),
                    status: STATUSES[st],
                    day_count: DayCount {
                        days_in_year: YEARS[y],
                        days_in_month: MONTHS[m],
                    },
                    accrual_rounding: RoundingMode::ALL[r],
                    penalty_rate,
                    compound_rate,
                    as_of,
                    next_due_date: next,
                    period_start: start,
                    period_days: a[0],
                    period_interest_minor: a[1],
                    principal_outstanding_minor: a[2],
                    principal_overdue_minor: a[3],
                    interest_overdue_minor: a[4],
                    interest_receivable_minor: a[5],
                    fee_unpaid_minor: a[6],
                    oldest_overdue_date: oldest,
                    penalty,
                    compound,
                    penalty_paid_minor: a[7],
                }
            },
        )
    }

    proptest! {
        /// Any summary — extreme amounts, dates, decimals of every scale
        /// and sign (negative zero included) — decodes to itself, with the
        /// same decimal representations.
        #[test]
        fn summaries_round_trip(s in summary()) {
            let blob = encode_summary(&s);
            let back = decode_summary(&blob).unwrap();
            prop_assert_eq!(back, s);
            prop_assert_eq!(back.penalty_rate.serialize(), s.penalty_rate.serialize());
            prop_assert_eq!(back.compound.exact.scaled().serialize(), s.compound.exact.scaled().serialize());
            prop_assert_eq!(encode_summary(&back), blob);
        }
    }
}
