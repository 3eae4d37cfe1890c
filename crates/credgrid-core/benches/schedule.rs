//! Benchmark: generating 12-month annuity schedules, in schedules per second
//! on one core. Goal (issue 2): at least 500,000 per second per core.
//!
//! Run with `cargo bench -p credgrid-core --bench schedule`.

use chrono::NaiveDate;
use credgrid_core::calendar::{DaysInMonth, DaysInYear, Frequency};
use credgrid_core::money::{Currency, Money};
use credgrid_core::rounding::RoundingMode;
use credgrid_core::schedule::{
    EmiBasis, Grace, InterestPeriod, RepaymentMethod, ScheduleRounding, ScheduleTerms, generate,
};
use rust_decimal::Decimal;
use std::hint::black_box;
use std::time::Instant;

const SCHEDULES: u32 = 1_000_000;

fn terms(interest_period: InterestPeriod, emi: EmiBasis) -> ScheduleTerms {
    ScheduleTerms {
        principal: Money::from_minor(5_000_000, Currency::CNY),
        annual_rate: Decimal::new(1_200, 4),
        installments: 12,
        frequency: Frequency::MONTHLY,
        disbursement_date: NaiveDate::from_ymd_opt(2024, 1, 31).unwrap_or_default(),
        first_repayment_date: None,
        interest_from_date: None,
        method: RepaymentMethod::Annuity,
        interest_period,
        days_in_year: DaysInYear::Actual,
        days_in_month: DaysInMonth::Actual,
        emi,
        rounding: ScheduleRounding {
            digits: 2,
            mode: RoundingMode::HalfEven,
            installment_multiple: None,
        },
        grace: Grace::default(),
    }
}

/// CPU time of this thread in clock ticks (utime + stime of
/// `/proc/thread-self/stat`); Linux's tick is 1/100 s. `None` elsewhere.
fn cpu_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are 14 and 15.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

fn run(label: &str, mut terms: ScheduleTerms) {
    let ticks_before = cpu_ticks();
    let started = Instant::now();
    let mut checksum: i64 = 0;
    for i in 0..SCHEDULES {
        // Vary the principal so nothing is hoisted out of the loop.
        terms.principal = Money::from_minor(5_000_000 + i64::from(i % 1000), Currency::CNY);
        let schedule = generate(black_box(&terms)).expect("valid terms");
        checksum = checksum.wrapping_add(schedule.totals.interest.minor());
        black_box(&schedule);
    }
    // Integer arithmetic on the timing too: no floats anywhere in this crate.
    let nanos = started.elapsed().as_nanos().max(1);
    let wall_per_second = u128::from(SCHEDULES) * 1_000_000_000 / nanos;
    let millis = nanos / 1_000_000;
    // Per CPU-second of this thread: what one core does even when other
    // processes share the machine (wall time then overstates the cost).
    let cpu = match (ticks_before, cpu_ticks()) {
        (Some(before), Some(after)) if after > before => {
            let cpu_millis = u128::from(after - before) * 10;
            format!(
                "{:>9}/s per CPU-second ({cpu_millis} ms CPU)",
                u128::from(SCHEDULES) * 1000 / cpu_millis
            )
        }
        _ => "CPU time unavailable".to_string(),
    };
    println!(
        "{label:<44} {SCHEDULES} in {millis} ms wall = {wall_per_second:>9}/s; {cpu} [checksum {checksum}]"
    );
}

fn main() {
    run(
        "annuity 12 months, interest per installment",
        terms(InterestPeriod::Installment, EmiBasis::Nominal),
    );
    run(
        "annuity 12 months, daily actual/actual",
        terms(InterestPeriod::Daily, EmiBasis::Nominal),
    );
    run(
        "annuity 12 months, daily, exact EMI",
        terms(InterestPeriod::Daily, EmiBasis::Exact),
    );
}
