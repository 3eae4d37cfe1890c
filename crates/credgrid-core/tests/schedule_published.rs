//! Worked examples that institutions and libraries publish, reproduced to
//! the cent by `schedule::generate`. Each case names its source.

use credgrid_core::schedule::{RepaymentMethod, Schedule, annuity_payment, generate};

mod common;
use common::{cny, date, dec, monthly};

/// (principal, interest, outstanding) of row `n` (1-based), as strings.
fn row(schedule: &Schedule, n: usize) -> (String, String, String) {
    let r = &schedule.installments[n - 1];
    (
        r.principal.to_major_string(),
        r.interest.to_major_string(),
        r.outstanding.to_major_string(),
    )
}

fn totals(schedule: &Schedule) -> (String, String, String) {
    let t = &schedule.totals;
    (
        t.principal.to_major_string(),
        t.interest.to_major_string(),
        t.total.to_major_string(),
    )
}

fn s(a: &str, b: &str, c: &str) -> (String, String, String) {
    (a.to_string(), b.to_string(), c.to_string())
}

// Source: issue 2 of this project (the `credgrid schedule` interface), a
// Fineract-style schedule: 5000 at 12% over 18 months, interest per
// installment, EMI 304.91 rounded to a whole 305 (installment_multiple 1),
// the last installment absorbing every rounding difference; total interest 488.22.
#[test]
fn issue_example_5000_at_12_percent_18_months_whole_yuan() {
    let mut terms = monthly("5000.00", "12", 18, RepaymentMethod::Annuity);
    terms.first_repayment_date = Some(date("2022-12-01"));
    terms.rounding.installment_multiple = Some(cny("1"));
    let schedule = generate(&terms).unwrap();
    assert_eq!(schedule.installments.len(), 18);
    let first = &schedule.installments[0];
    assert_eq!(first.due_date, date("2022-12-01"));
    assert_eq!(row(&schedule, 1), s("255.00", "50.00", "4745.00"));
    assert_eq!(first.total, cny("305.00"));
    assert!(
        schedule.installments[..17]
            .iter()
            .all(|r| r.total == cny("305.00"))
    );
    assert_eq!(totals(&schedule), s("5000.00", "488.22", "5488.22"));
    assert_eq!(schedule.installments[17].due_date, date("2024-05-01"));
}

// Source: Apache Fineract, integration test ClientLoanIntegrationTest
// (fineract-provider/src/integrationTest/.../ClientLoanIntegrationTest.java,
// verifyLoanRepaymentSchedule): 12,000.00, 2% per month, 4 monthly
// repayments, declining balance, equal installments, interest "same as
// repayment period", disbursed 20 September 2011.
#[test]
fn fineract_client_loan_12000_at_2_percent_a_month() {
    let mut terms = monthly("12000.00", "24", 4, RepaymentMethod::Annuity);
    terms.disbursement_date = date("2011-09-20");
    let schedule = generate(&terms).unwrap();
    let due: Vec<_> = schedule.installments.iter().map(|r| r.due_date).collect();
    assert_eq!(
        due,
        [
            date("2011-10-20"),
            date("2011-11-20"),
            date("2011-12-20"),
            date("2012-01-20")
        ]
    );
    let parts: Vec<_> = schedule
        .installments
        .iter()
        .map(|r| (r.principal.to_major_string(), r.interest.to_major_string()))
        .collect();
    let want = [
        ("2911.49", "240.00"),
        ("2969.72", "181.77"),
        ("3029.11", "122.38"),
        ("3089.68", "61.79"),
    ];
    assert_eq!(parts, want.map(|(p, i)| (p.to_string(), i.to_string())));
}

// Source: numpy-financial `pmt` documentation: "What would the monthly
// payment need to be to pay off a $200,000 loan in 15 years at an annual
// interest rate of 7.5%?" np.pmt(0.075/12, 12*15, 200000) = -1854.0247200054619.
#[test]
fn numpy_pmt_200000_at_7_5_percent_15_years() {
    let exact = annuity_payment(dec("200000"), dec("0.075") / dec("12"), 180).unwrap();
    assert_eq!(exact.round_dp(10), dec("1854.0247200055"));
    let schedule = generate(&monthly("200000.00", "7.5", 180, RepaymentMethod::Annuity)).unwrap();
    assert_eq!(schedule.installments[0].total, cny("1854.02"));
    assert_eq!(schedule.installments[0].interest, cny("1250.00"));
}

// Source: numpy-financial `ppmt` example (w3resource / numpy docs):
// np.ppmt(0.085/12, 1, 12*12, 100000) = -401.72223098117627.
#[test]
fn numpy_ppmt_first_principal_100000_at_8_5_percent_12_years() {
    let rate = dec("0.085") / dec("12");
    let payment = annuity_payment(dec("100000"), rate, 144).unwrap();
    let principal_part = payment - dec("100000") * rate;
    assert_eq!(principal_part.round_dp(10), dec("401.7222309812"));
}

// Source: numpy-financial `ipmt` documentation: amortization schedule of a
// 1 year loan of $2500 at 8.24% compounded monthly; the printed table
// (ppmt, ipmt, balance) and the total interest 112.98.
#[test]
fn numpy_ipmt_2500_at_8_24_percent_one_year() {
    let schedule = generate(&monthly("2500.00", "8.24", 12, RepaymentMethod::Annuity)).unwrap();
    let table = [
        ("200.58", "17.17", "2299.42"),
        ("201.96", "15.79", "2097.46"),
        ("203.35", "14.40", "1894.11"),
        ("204.74", "13.01", "1689.37"),
        ("206.15", "11.60", "1483.22"),
        ("207.56", "10.18", "1275.66"),
        ("208.99", "8.76", "1066.67"),
        ("210.42", "7.32", "856.25"),
        ("211.87", "5.88", "644.38"),
        ("213.32", "4.42", "431.05"),
        ("214.79", "2.96", "216.26"),
        ("216.26", "1.49", "0.00"),
    ];
    // numpy prints unrounded floats; a schedule rounds each row's interest to
    // the cent, charges the rounded EMI 217.75 and carries the rounded
    // balance, so from row 6 the interest may differ from the printed figure
    // by one cent and the balance by two; the last installment (217.72)
    // absorbs the two cents in its principal.
    for (n, (p, i, o)) in table.into_iter().enumerate() {
        let r = &schedule.installments[n];
        let gaps = [(r.principal, p, 2), (r.interest, i, 1), (r.outstanding, o, 2)];
        for (ours, printed, tolerance) in gaps {
            let gap = ours.minor() - cny(printed).minor();
            assert!(gap.abs() <= tolerance, "row {}: {ours} vs {printed}", n + 1);
        }
    }
    for n in 1..=5 {
        let (p, i, o) = table[n - 1];
        assert_eq!(row(&schedule, n), s(p, i, o), "row {n}");
    }
    assert!(
        schedule.installments[..11]
            .iter()
            .all(|r| r.total == cny("217.75"))
    );
    let gap = schedule.totals.interest.minor() - cny("112.98").minor();
    assert!(gap.abs() <= 1, "{gap}");
}

// Source: Chinese mortgage calculator answers (vdgb.cn/wenda/220578.html):
// 63万, 30 年, 年利率 4.90%: 等额本息 月供 3343.58; 等额本金 第一期 4322.50,
// 每期递减 7.15, 利息总额 464336.25.
#[test]
fn chinese_630k_30_years_at_4_9_percent() {
    let annuity = generate(&monthly("630000.00", "4.9", 360, RepaymentMethod::Annuity)).unwrap();
    assert_eq!(annuity.installments[0].total, cny("3343.58"));
    let equal = generate(&monthly("630000.00", "4.9", 360, RepaymentMethod::EqualPrincipal)).unwrap();
    assert_eq!(equal.installments[0].total, cny("4322.50"));
    let step = equal.installments[0]
        .total
        .checked_sub(equal.installments[1].total)
        .unwrap();
    assert_eq!(step, cny("7.15"));
    // The published total is the closed form P·r·(n+1)/2; the schedule rounds
    // each of the 360 rows' interest to the cent, so the totals may differ by
    // at most half a cent per row.
    let gap = equal.totals.interest.minor() - cny("464336.25").minor();
    assert!(gap.abs() <= 180, "{gap}");
}

// Source: Chinese mortgage calculator answer (372181.com/wenda/229816.html):
// 贷款本金 1000000, 年利率 4.900%, 20 年, 等额本息: 月供 6544.44,
// 第1个月还利息 4083.33, 第1个月还本金 2461.11.
#[test]
fn chinese_1m_20_years_annuity() {
    let schedule = generate(&monthly("1000000.00", "4.9", 240, RepaymentMethod::Annuity)).unwrap();
    let first = &schedule.installments[0];
    assert_eq!(first.total, cny("6544.44"));
    assert_eq!(first.interest, cny("4083.33"));
    assert_eq!(first.principal, cny("2461.11"));
}

// Source: Chinese mortgage calculator answer (wwwbz417.com/baike/60016.html):
// 贷款本金 1200000, 年利率 4.900%, 30 年, 等额本息: 月供 6368.72,
// 第1个月还利息 4900, 第1个月还本金 1468.72.
#[test]
fn chinese_1_2m_30_years_annuity() {
    let schedule = generate(&monthly("1200000.00", "4.9", 360, RepaymentMethod::Annuity)).unwrap();
    let first = &schedule.installments[0];
    assert_eq!(
        (first.total, first.interest, first.principal),
        (cny("6368.72"), cny("4900.00"), cny("1468.72"))
    );
}

// Source: the widely quoted 100万 30 年 4.9% example (brief of issue 2,
// checked here with exact arithmetic): 等额本息 月供 5307.27; 等额本金
// 首月 6861.11 (本金 2777.78 + 利息 4083.33), 每月递减 11.34, 利息总额 737041.67.
#[test]
fn chinese_1m_30_years_both_methods() {
    let annuity = generate(&monthly("1000000.00", "4.9", 360, RepaymentMethod::Annuity)).unwrap();
    assert_eq!(annuity.installments[0].total, cny("5307.27"));
    let equal = generate(&monthly(
        "1000000.00",
        "4.9",
        360,
        RepaymentMethod::EqualPrincipal,
    ))
    .unwrap();
    assert_eq!(row(&equal, 1).0, "2777.78");
    assert_eq!(equal.installments[0].total, cny("6861.11"));
    let step = equal.installments[0]
        .total
        .checked_sub(equal.installments[1].total)
        .unwrap();
    assert_eq!(step, cny("11.34"));
    // The quoted total is the closed form P·r·(n+1)/2 on unrounded principal
    // parts; here every part is 2777.78 (0.22 fen above P/n) and every row's
    // interest is rounded, so the schedule's total is within 360 × (0.5 fen +
    // the interest on the accumulated 0.22 fen) of it.
    let gap = equal.totals.interest.minor() - cny("737041.67").minor();
    assert!(gap.abs() <= 360, "{gap}");
}
