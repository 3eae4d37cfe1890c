//! The demo cooperative's loan products, and how its clients choose among them.
//!
//! Rates and ranges are typical of Chinese rural credit cooperatives'
//! published terms for farmers' micro-credit (农户小额信用贷款) and
//! agricultural production loans: annual rates about 7–12 %, penalty interest
//! at the contract rate plus 50 % (the ceiling of the PBoC rule 银发〔2003〕
//! 251号), compound interest on overdue interest, interest on a 360-day year.

use credgrid_app::NewProduct;
use credgrid_core::{Currency, Money};
use rust_decimal::Decimal;

/// How a product's loans are repaid, which shapes the borrowers' behaviour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    /// Monthly level installments.
    Annuity,
    /// Monthly equal principal parts.
    EqualPrincipal,
    /// Everything at maturity (利随本清).
    Bullet,
    /// Interest each quarter, principal at maturity.
    InterestOnly,
}

/// A product of the demo, its terms and the share of applications it gets.
#[derive(Debug)]
pub(crate) struct DemoProduct {
    pub(crate) code: &'static str,
    pub(crate) name: &'static str,
    pub(crate) shape: Shape,
    /// Relative share of the loan applications.
    pub(crate) weight: u64,
    /// Whole CNY (yuan), drawn in steps of `amount_step_yuan`.
    pub(crate) amount_min_yuan: i64,
    pub(crate) amount_max_yuan: i64,
    pub(crate) amount_step_yuan: i64,
    pub(crate) installments: (u32, u32, u32),
    /// Annual rate in basis points: minimum, maximum, default.
    pub(crate) rate_bps: (i64, i64, i64),
    pub(crate) every_months: u32,
    /// Months of the year in which most applications for it arrive; empty: all year.
    pub(crate) season: &'static [u32],
    pub(crate) purposes: &'static [&'static str],
}

pub(crate) const PRODUCTS: [DemoProduct; 5] = [
    DemoProduct {
        code: "NHXD",
        name: "农户小额信用贷款",
        shape: Shape::Annuity,
        weight: 40,
        amount_min_yuan: 3_000,
        amount_max_yuan: 50_000,
        amount_step_yuan: 1_000,
        installments: (6, 12, 12),
        rate_bps: (720, 1200, 960),
        every_months: 1,
        season: &[],
        purposes: &[
            "购买化肥种子",
            "生猪养殖",
            "修缮住房",
            "子女上学",
            "购买农药",
            "家庭应急",
        ],
    },
    DemoProduct {
        code: "JJNY",
        name: "季节性农业生产贷款（利随本清）",
        shape: Shape::Bullet,
        weight: 22,
        amount_min_yuan: 5_000,
        amount_max_yuan: 80_000,
        amount_step_yuan: 1_000,
        // For a bullet loan the installments are the term in periods: one
        // repayment of principal and all interest after 6 to 10 months.
        installments: (6, 10, 8),
        rate_bps: (780, 1080, 900),
        every_months: 1,
        season: &[2, 3, 4, 5, 8],
        purposes: &["春耕备耕", "水稻种植", "油菜种植", "烤烟种植", "柑橘园管护"],
    },
    DemoProduct {
        code: "XWJY",
        name: "小微经营贷款",
        shape: Shape::EqualPrincipal,
        weight: 14,
        amount_min_yuan: 20_000,
        amount_max_yuan: 200_000,
        amount_step_yuan: 5_000,
        installments: (6, 24, 12),
        rate_bps: (720, 1080, 840),
        every_months: 1,
        season: &[],
        purposes: &["补充流动资金", "店面装修", "购进货物", "扩建养殖场"],
    },
    DemoProduct {
        code: "NJGZ",
        name: "农机购置贷款",
        shape: Shape::Annuity,
        weight: 10,
        amount_min_yuan: 10_000,
        amount_max_yuan: 150_000,
        amount_step_yuan: 5_000,
        installments: (24, 24, 24),
        rate_bps: (690, 960, 810),
        every_months: 1,
        season: &[1, 2, 3, 9, 10],
        purposes: &["购买拖拉机", "购买收割机", "购买插秧机", "购买植保无人机"],
    },
    DemoProduct {
        code: "QSSG",
        name: "秋收粮食收购贷款",
        shape: Shape::InterestOnly,
        weight: 14,
        amount_min_yuan: 10_000,
        amount_max_yuan: 100_000,
        amount_step_yuan: 5_000,
        installments: (4, 4, 4),
        rate_bps: (780, 1020, 870),
        every_months: 3,
        season: &[7, 8, 9, 10],
        purposes: &["收购稻谷", "收购玉米", "仓储烘干", "收购油菜籽"],
    },
];

fn yuan(amount_yuan: i64) -> Money {
    Money::from_minor(amount_yuan * 100, Currency::CNY)
}

fn rate(bps: i64) -> Decimal {
    Decimal::new(bps, 4)
}

impl DemoProduct {
    fn method(&self) -> &'static str {
        match self.shape {
            Shape::Annuity => "annuity",
            Shape::EqualPrincipal => "equal_principal",
            Shape::Bullet => "bullet",
            Shape::InterestOnly => "interest_only",
        }
    }

    /// The product as the institution defines it.
    pub(crate) fn spec(&self) -> NewProduct {
        let (installments_min, installments_max, installments_default) = self.installments;
        let (rate_min, rate_max, rate_default) = self.rate_bps;
        NewProduct {
            code: self.code.to_string(),
            name: self.name.to_string(),
            currency: Currency::CNY,
            amount_min: yuan(self.amount_min_yuan),
            amount_max: yuan(self.amount_max_yuan),
            installments_min,
            installments_max,
            installments_default,
            annual_rate_min: rate(rate_min),
            annual_rate_max: rate(rate_max),
            annual_rate_default: rate(rate_default),
            method: self.method().to_string(),
            every: self.every_months,
            unit: "months".to_string(),
            interest_period: "installment".to_string(),
            days_in_year: "360".to_string(),
            days_in_month: "30".to_string(),
            rounding_mode: "half_up".to_string(),
            installment_multiple: None,
            grace_principal_periods: 0,
            grace_interest_periods: 0,
            penalty_uplift: Decimal::new(5, 1),
            compound_interest: true,
            allocation_order: Vec::new(),
            disbursement_fee_flat: Money::zero(Currency::CNY),
            disbursement_fee_rate: Decimal::ZERO,
        }
    }

    /// A principal within the product's range, smaller amounts more likely
    /// (the smaller of two uniform draws).
    pub(crate) fn draw_principal(&self, rng: &mut super::prng::SplitMix64) -> Money {
        let steps =
            u64::try_from((self.amount_max_yuan - self.amount_min_yuan) / self.amount_step_yuan).unwrap_or(0);
        let step = rng.below(steps + 1).min(rng.below(steps + 1));
        yuan(self.amount_min_yuan + i64::try_from(step).unwrap_or(0) * self.amount_step_yuan)
    }

    /// A contract rate on the product's grid of 30 basis points.
    pub(crate) fn draw_rate(&self, rng: &mut super::prng::SplitMix64) -> Decimal {
        let (low, high, _) = self.rate_bps;
        let steps = u64::try_from((high - low) / 30).unwrap_or(0);
        rate(low + i64::try_from(rng.below(steps + 1)).unwrap_or(0) * 30)
    }

    /// A number of installments the product allows, the default most often.
    pub(crate) fn draw_installments(&self, rng: &mut super::prng::SplitMix64) -> u32 {
        let (low, high, default) = self.installments;
        if rng.chance(600) {
            return default;
        }
        let drawn = rng.between(u64::from(low), u64::from(high));
        u32::try_from(drawn).unwrap_or(default)
    }
}

#[cfg(test)]
mod tests {
    use super::super::prng::SplitMix64;
    use super::*;

    #[test]
    fn every_draw_lies_within_the_product_it_is_for() {
        let mut rng = SplitMix64::new(1);
        for product in &PRODUCTS {
            let spec = product.spec();
            for _ in 0..500 {
                let principal = product.draw_principal(&mut rng);
                assert!(
                    principal.minor() >= spec.amount_min.minor()
                        && principal.minor() <= spec.amount_max.minor()
                );
                let rate = product.draw_rate(&mut rng);
                assert!(
                    rate >= spec.annual_rate_min && rate <= spec.annual_rate_max,
                    "{rate}"
                );
                let installments = product.draw_installments(&mut rng);
                assert!((spec.installments_min..=spec.installments_max).contains(&installments));
            }
        }
    }

    #[test]
    fn products_stay_within_the_brief_of_the_demo() {
        // 3,000 – 200,000 CNY and 7 – 12 % a year, every default inside its range.
        for product in &PRODUCTS {
            let spec = product.spec();
            assert!(spec.amount_min.minor() >= 300_000 && spec.amount_max.minor() <= 20_000_000);
            assert!(
                spec.annual_rate_min >= Decimal::new(6, 2) && spec.annual_rate_max <= Decimal::new(12, 2)
            );
            assert!(spec.annual_rate_min <= spec.annual_rate_default);
            assert!(spec.annual_rate_default <= spec.annual_rate_max);
            assert!(spec.installments_min <= spec.installments_default);
            assert!(spec.installments_default <= spec.installments_max);
        }
    }
}
