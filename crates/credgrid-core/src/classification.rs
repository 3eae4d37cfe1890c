//! Asset quality: delinquency buckets, five-category classification and loan-loss provisions.
//!
//! The rules are data ([`ClassificationConfig`]) with the 2023 Chinese floors
//! as defaults (《商业银行金融资产风险分类办法》, NFRA/PBoC order 2023 No. 1):
//! any overdue amount → at least special mention (关注); more than 90 days →
//! at least substandard (次级); more than 270 → doubtful (可疑); more than 360
//! → loss (损失); a restructured loan stays at least substandard during its
//! observation period. A manual classification may make a loan worse freely;
//! making it better than the rule's floor needs an approved override.
//! Provisions are `round(balance × rate, mode)` per class, in integer
//! arithmetic so that one million loans classify in a few milliseconds.

use crate::money::{Money, MoneyError};
use crate::rounding::RoundingMode;
use rust_decimal::Decimal;

/// The five categories (五级分类), best first; `Ord` follows risk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LoanClass {
    /// 正常
    Pass,
    /// 关注
    SpecialMention,
    /// 次级
    Substandard,
    /// 可疑
    Doubtful,
    /// 损失
    Loss,
}

impl LoanClass {
    pub const ALL: [LoanClass; 5] = [
        Self::Pass,
        Self::SpecialMention,
        Self::Substandard,
        Self::Doubtful,
        Self::Loss,
    ];

    /// The stable name (`pass`, `special_mention`, `substandard`, `doubtful`, `loss`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::SpecialMention => "special_mention",
            Self::Substandard => "substandard",
            Self::Doubtful => "doubtful",
            Self::Loss => "loss",
        }
    }

    pub fn parse(name: &str) -> Option<LoanClass> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }

    /// 0 for pass … 4 for loss.
    pub fn index(self) -> usize {
        self as usize
    }

    /// Substandard, doubtful and loss are non-performing (不良).
    pub fn is_non_performing(self) -> bool {
        self >= Self::Substandard
    }
}

/// Why a classification configuration was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ClassificationError {
    #[error("delinquency_buckets: upper bounds must be positive and strictly increasing")]
    BucketsNotIncreasing,
    #[error("delinquency_buckets: at most {max} bounds", max = BUCKET_BOUNDS_MAX)]
    TooManyBuckets,
    #[error("class_thresholds: days must increase from special mention to loss")]
    ThresholdsNotIncreasing,
    #[error("provision_rates: the rate for {class} must be between 0 and 1")]
    RateOutOfRange { class: &'static str },
    #[error("provision_rates: the rate for {class} has more than {max} decimal places", max = RATE_SCALE_MAX)]
    RateTooPrecise { class: &'static str },
    #[error("provision_rates: rates must not decrease from pass to loss")]
    RatesNotIncreasing,
    #[error("provision: {0}")]
    Money(#[from] MoneyError),
}

/// The largest number of bucket upper bounds (buckets = bounds + 2: current and beyond).
pub const BUCKET_BOUNDS_MAX: usize = 10;
/// The most decimal places a provision rate may have.
pub const RATE_SCALE_MAX: u32 = 8;

/// Delinquency buckets by days past due: bucket 0 is current (0 days), bucket
/// `i` (1 ≤ i ≤ bounds) holds `bounds[i-2] < dpd ≤ bounds[i-1]`, the last
/// bucket holds everything beyond the last bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DelinquencyBuckets {
    bounds: [u32; BUCKET_BOUNDS_MAX],
    len: usize,
}

impl Default for DelinquencyBuckets {
    /// 1–30, 31–60, 61–90, 91–180, 181–360, >360.
    fn default() -> Self {
        DelinquencyBuckets::new(&[30, 60, 90, 180, 360]).unwrap_or(DelinquencyBuckets {
            bounds: [0; BUCKET_BOUNDS_MAX],
            len: 0,
        })
    }
}

impl DelinquencyBuckets {
    /// Buckets from their inclusive upper bounds in days (`[30, 60, 90]` gives
    /// current, 1–30, 31–60, 61–90, >90).
    pub fn new(upper_bounds_days: &[u32]) -> Result<DelinquencyBuckets, ClassificationError> {
        if upper_bounds_days.len() > BUCKET_BOUNDS_MAX {
            return Err(ClassificationError::TooManyBuckets);
        }
        let increasing = upper_bounds_days.windows(2).all(|w| w[0] < w[1]);
        if !increasing || upper_bounds_days.first() == Some(&0) {
            return Err(ClassificationError::BucketsNotIncreasing);
        }
        let mut bounds = [0; BUCKET_BOUNDS_MAX];
        bounds[..upper_bounds_days.len()].copy_from_slice(upper_bounds_days);
        Ok(DelinquencyBuckets {
            bounds,
            len: upper_bounds_days.len(),
        })
    }

    /// How many buckets there are, current included.
    pub fn count(&self) -> usize {
        self.len + 2
    }

    /// The bucket index of `days_past_due` (0 = current).
    pub fn bucket(&self, days_past_due: u32) -> usize {
        if days_past_due == 0 {
            return 0;
        }
        1 + self.bounds[..self.len]
            .iter()
            .take_while(|&&b| days_past_due > b)
            .count()
    }

    /// A label such as `current`, `1-30`, `361+`.
    pub fn label(&self, bucket: usize) -> String {
        let bounds = &self.bounds[..self.len];
        match bucket {
            0 => "current".to_string(),
            i if i > self.len => format!("{}+", bounds.last().map_or(1, |b| b + 1)),
            1 => format!("1-{}", bounds[0]),
            i => format!("{}-{}", bounds[i - 2] + 1, bounds[i - 1]),
        }
    }
}

/// Classification and provisioning rules; `Default` gives the 2023 Chinese
/// floors and the usual provision rates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClassificationConfig {
    pub buckets: DelinquencyBuckets,
    /// More than this many days past due → at least special mention (0: any overdue).
    pub special_mention_after_days: u32,
    /// More than this many days → at least substandard (90).
    pub substandard_after_days: u32,
    /// More than this many days → at least doubtful (270).
    pub doubtful_after_days: u32,
    /// More than this many days → loss (360).
    pub loss_after_days: u32,
    /// The floor of a restructured loan during its observation period.
    pub restructured_floor: LoanClass,
    /// Provision rate per class, pass first (0.01, 0.02, 0.25, 0.5, 1).
    pub provision_rates: [Decimal; 5],
    pub provision_rounding: RoundingMode,
}

impl Default for ClassificationConfig {
    fn default() -> Self {
        ClassificationConfig {
            buckets: DelinquencyBuckets::default(),
            special_mention_after_days: 0,
            substandard_after_days: 90,
            doubtful_after_days: 270,
            loss_after_days: 360,
            restructured_floor: LoanClass::Substandard,
            provision_rates: [
                Decimal::new(1, 2),
                Decimal::new(2, 2),
                Decimal::new(25, 2),
                Decimal::new(50, 2),
                Decimal::ONE,
            ],
            provision_rounding: RoundingMode::HalfEven,
        }
    }
}

/// A loan's facts that classification reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ClassificationInput {
    pub days_past_due: u32,
    /// Restructured and still in the observation period.
    pub restructured_observation: bool,
    /// A class set by a person, if any.
    pub manual: Option<ManualClassification>,
}

/// A class set by a person: a downgrade (worse than the rule) always holds;
/// an upgrade (better than the rule's floor) holds only when approved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ManualClassification {
    pub class: LoanClass,
    /// The id of the approval of an upgrade, if one was given.
    pub upgrade_approval_id: Option<i64>,
}

/// Where the final class came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClassSource {
    /// The rule's floor (no manual class, or a manual class equal to it).
    Rule,
    /// A manual class worse than the floor.
    ManualDowngrade,
    /// A manual class better than the floor, with an approval.
    ApprovedUpgrade,
    /// A manual class better than the floor without an approval: ignored.
    UpgradeRefused,
}

/// The outcome: the rule's floor, the class that applies and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Classification {
    pub floor: LoanClass,
    pub class: LoanClass,
    pub source: ClassSource,
}

/// Provision rates compiled to integers: `rate = numerator / 10^RATE_SCALE_MAX`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Classifier {
    config: ClassificationConfig,
    rate_numerators: [i128; 5],
}

impl Classifier {
    /// Validates the configuration and prepares it for fast use.
    pub fn new(config: ClassificationConfig) -> Result<Classifier, ClassificationError> {
        let c = &config;
        let days = [
            c.special_mention_after_days,
            c.substandard_after_days,
            c.doubtful_after_days,
            c.loss_after_days,
        ];
        if !days.windows(2).all(|w| w[0] < w[1]) {
            return Err(ClassificationError::ThresholdsNotIncreasing);
        }
        let mut rate_numerators = [0_i128; 5];
        for class in LoanClass::ALL {
            rate_numerators[class.index()] = rate_numerator(c.provision_rates[class.index()], class)?;
        }
        if !rate_numerators.windows(2).all(|w| w[0] <= w[1]) {
            return Err(ClassificationError::RatesNotIncreasing);
        }
        Ok(Classifier {
            config,
            rate_numerators,
        })
    }

    pub fn config(&self) -> &ClassificationConfig {
        &self.config
    }

    /// The rule's floor from days past due and restructuring.
    pub fn floor(&self, days_past_due: u32, restructured_observation: bool) -> LoanClass {
        let c = &self.config;
        let by_days = if days_past_due > c.loss_after_days {
            LoanClass::Loss
        } else if days_past_due > c.doubtful_after_days {
            LoanClass::Doubtful
        } else if days_past_due > c.substandard_after_days {
            LoanClass::Substandard
        } else if days_past_due > c.special_mention_after_days {
            LoanClass::SpecialMention
        } else {
            LoanClass::Pass
        };
        if restructured_observation {
            by_days.max(c.restructured_floor)
        } else {
            by_days
        }
    }

    /// The class of a loan: the floor, unless a manual class lowers the
    /// quality (always allowed) or raises it with an approval.
    pub fn classify(&self, input: ClassificationInput) -> Classification {
        let floor = self.floor(input.days_past_due, input.restructured_observation);
        let Some(manual) = input.manual else {
            return Classification {
                floor,
                class: floor,
                source: ClassSource::Rule,
            };
        };
        let (class, source) = match manual.class.cmp(&floor) {
            std::cmp::Ordering::Equal => (floor, ClassSource::Rule),
            std::cmp::Ordering::Greater => (manual.class, ClassSource::ManualDowngrade),
            std::cmp::Ordering::Less if manual.upgrade_approval_id.is_some() => {
                (manual.class, ClassSource::ApprovedUpgrade)
            }
            std::cmp::Ordering::Less => (floor, ClassSource::UpgradeRefused),
        };
        Classification { floor, class, source }
    }

    /// The delinquency bucket of `days_past_due`.
    pub fn bucket(&self, days_past_due: u32) -> usize {
        self.config.buckets.bucket(days_past_due)
    }

    /// The provision a class requires on `balance`: round(balance × rate) by
    /// the configured mode. Allocation-free integer arithmetic.
    pub fn provision(&self, balance: Money, class: LoanClass) -> Result<Money, MoneyError> {
        let numerator = i128::from(balance.minor()) * self.rate_numerators[class.index()];
        let minor = div_round(numerator, RATE_DENOMINATOR, self.config.provision_rounding);
        let minor = i64::try_from(minor).map_err(|_| MoneyError::Overflow)?;
        Ok(Money::from_minor(minor, balance.currency()))
    }
}

const RATE_DENOMINATOR: i128 = 100_000_000;

fn rate_numerator(rate: Decimal, class: LoanClass) -> Result<i128, ClassificationError> {
    if rate < Decimal::ZERO || rate > Decimal::ONE {
        return Err(ClassificationError::RateOutOfRange { class: class.name() });
    }
    let normalized = rate.normalize();
    if normalized.scale() > RATE_SCALE_MAX {
        return Err(ClassificationError::RateTooPrecise { class: class.name() });
    }
    let factor = 10_i128.pow(RATE_SCALE_MAX - normalized.scale());
    Ok(normalized.mantissa() * factor)
}

/// `numerator / denominator` rounded to an integer by `mode` (denominator > 0).
/// Exact; uses 64-bit division when both fit (the common case), 128-bit otherwise.
pub fn div_round(numerator: i128, denominator: i128, mode: RoundingMode) -> i128 {
    debug_assert!(denominator > 0);
    if let (Ok(n), Ok(d)) = (i64::try_from(numerator), i64::try_from(denominator))
        && n != i64::MIN
    {
        let (quotient, rest) = (n / d, n % d);
        return i128::from(
            quotient
                + round_step(
                    quotient % 2 != 0,
                    n < 0,
                    rest.unsigned_abs(),
                    d.unsigned_abs(),
                    mode,
                ),
        );
    }
    let (quotient, rest) = (numerator / denominator, numerator % denominator);
    let (rest, denominator) = (rest.unsigned_abs(), denominator.unsigned_abs());
    // rest < denominator ≤ i128::MAX, so doubling cannot overflow a u128.
    let twice = 2 * rest;
    let step = match (rest, mode) {
        (0, _) | (_, RoundingMode::Down) => 0,
        (_, RoundingMode::Up) => 1,
        (_, RoundingMode::HalfUp) => i64::from(twice >= denominator),
        (_, RoundingMode::HalfEven) => {
            i64::from(twice > denominator || (twice == denominator && quotient % 2 != 0))
        }
    };
    quotient + i128::from(if numerator < 0 { -step } else { step })
}

/// 0 or ±1: whether a quotient with remainder `rest` of `denominator` rounds away from zero.
fn round_step(odd: bool, negative: bool, rest: u64, denominator: u64, mode: RoundingMode) -> i64 {
    if rest == 0 {
        return 0;
    }
    // rest < denominator ≤ i64::MAX, so doubling cannot overflow a u64.
    let twice = 2 * rest;
    let away = match mode {
        RoundingMode::Down => false,
        RoundingMode::Up => true,
        RoundingMode::HalfUp => twice >= denominator,
        RoundingMode::HalfEven => twice > denominator || (twice == denominator && odd),
    };
    match (away, negative) {
        (false, _) => 0,
        (true, false) => 1,
        (true, true) => -1,
    }
}

/// The provision charge (positive) or release (negative) that brings the
/// existing provision to the target: `target − existing`.
pub fn provision_change(target: Money, existing: Money) -> Result<Money, MoneyError> {
    target.checked_sub(existing)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use crate::rounding::round_decimal;
    use proptest::prelude::*;

    fn classifier() -> Classifier {
        Classifier::new(ClassificationConfig::default()).unwrap()
    }

    #[test]
    fn floors_follow_the_2023_rules() {
        // Source: 《商业银行金融资产风险分类办法》(2023) art. on overdue days: overdue → at least 关注,
        // > 90 days → at least 次级, > 270 → at least 可疑, > 360 → 损失.
        let cases = [
            (0, LoanClass::Pass),
            (1, LoanClass::SpecialMention),
            (90, LoanClass::SpecialMention),
            (91, LoanClass::Substandard),
            (270, LoanClass::Substandard),
            (271, LoanClass::Doubtful),
            (360, LoanClass::Doubtful),
            (361, LoanClass::Loss),
        ];
        let c = classifier();
        for (dpd, want) in cases {
            assert_eq!(c.floor(dpd, false), want, "dpd {dpd}");
        }
        assert_eq!(c.floor(0, true), LoanClass::Substandard);
        assert_eq!(c.floor(300, true), LoanClass::Doubtful);
    }

    #[test]
    fn manual_downgrade_is_free_and_upgrade_needs_approval() {
        let c = classifier();
        let input = |class, approval| ClassificationInput {
            days_past_due: 100,
            restructured_observation: false,
            manual: Some(ManualClassification {
                class,
                upgrade_approval_id: approval,
            }),
        };
        let down = c.classify(input(LoanClass::Doubtful, None));
        assert_eq!(
            (down.class, down.source),
            (LoanClass::Doubtful, ClassSource::ManualDowngrade)
        );
        let refused = c.classify(input(LoanClass::Pass, None));
        assert_eq!(
            (refused.floor, refused.class),
            (LoanClass::Substandard, LoanClass::Substandard)
        );
        assert_eq!(refused.source, ClassSource::UpgradeRefused);
        let approved = c.classify(input(LoanClass::SpecialMention, Some(7)));
        assert_eq!(
            (approved.class, approved.source),
            (LoanClass::SpecialMention, ClassSource::ApprovedUpgrade)
        );
    }

    #[test]
    fn default_buckets_and_labels() {
        let b = DelinquencyBuckets::default();
        let cases = [
            (0, "current"),
            (1, "1-30"),
            (30, "1-30"),
            (31, "31-60"),
            (90, "61-90"),
            (91, "91-180"),
            (360, "181-360"),
            (361, "361+"),
        ];
        for (dpd, label) in cases {
            assert_eq!(b.label(b.bucket(dpd)), label, "dpd {dpd}");
        }
        assert_eq!(b.count(), 7);
        assert_eq!(
            DelinquencyBuckets::new(&[30, 30]),
            Err(ClassificationError::BucketsNotIncreasing)
        );
        assert_eq!(
            DelinquencyBuckets::new(&[0, 30]),
            Err(ClassificationError::BucketsNotIncreasing)
        );
    }

    #[test]
    fn provisions_by_class_with_named_rounding() {
        // Rates: the defaults of SPEC R-RISK-3 (1% / 2% / 25% / 50% / 100%).
        let c = classifier();
        let balance = Money::from_minor(1_234_567, Currency::CNY); // 12,345.67
        let want = [12_346, 24_691, 308_642, 617_284, 1_234_567]; // 123.4567 → 123.46 (half_even) …
        for class in LoanClass::ALL {
            assert_eq!(
                c.provision(balance, class).unwrap().minor(),
                want[class.index()],
                "{class:?}"
            );
        }
        let target = c.provision(balance, LoanClass::Substandard).unwrap();
        let existing = c.provision(balance, LoanClass::SpecialMention).unwrap();
        assert_eq!(
            provision_change(target, existing).unwrap().minor(),
            308_642 - 24_691
        );
        assert_eq!(
            provision_change(existing, target).unwrap().minor(),
            24_691 - 308_642
        );
    }

    #[test]
    fn config_is_validated() {
        let mut config = ClassificationConfig::default();
        config.provision_rates[2] = Decimal::new(15, 1);
        assert_eq!(
            Classifier::new(config),
            Err(ClassificationError::RateOutOfRange { class: "substandard" })
        );
        let config = ClassificationConfig {
            doubtful_after_days: 80,
            ..ClassificationConfig::default()
        };
        assert_eq!(
            Classifier::new(config),
            Err(ClassificationError::ThresholdsNotIncreasing)
        );
        let mut config = ClassificationConfig::default();
        config.provision_rates[0] = Decimal::new(3, 2);
        assert_eq!(
            Classifier::new(config),
            Err(ClassificationError::RatesNotIncreasing)
        );
        let mut config = ClassificationConfig::default();
        config.provision_rates[0] = Decimal::new(1, 9);
        assert_eq!(
            Classifier::new(config),
            Err(ClassificationError::RateTooPrecise { class: "pass" })
        );
    }

    proptest! {
        #[test]
        fn classification_is_monotone_in_days_past_due(a in 0_u32..2000, b in 0_u32..2000, restructured: bool) {
            let c = classifier();
            let (lo, hi) = (a.min(b), a.max(b));
            prop_assert!(c.floor(lo, restructured) <= c.floor(hi, restructured));
            prop_assert!(c.bucket(lo) <= c.bucket(hi));
        }

        #[test]
        fn div_round_equals_decimal_rounding(n in any::<i64>(), d in 1_i64..i64::MAX, wide in any::<bool>(), mode_i in 0_usize..4) {
            let mode = RoundingMode::ALL[mode_i];
            // Wide cases exercise the 128-bit path.
            let (n, d) = if wide { (i128::from(n) * 1_000_000_007, i128::from(d) * 3) } else { (i128::from(n), i128::from(d)) };
            let want = round_decimal(Decimal::from_i128_with_scale(n, 0) / Decimal::from_i128_with_scale(d, 0), 0, mode);
            let got = div_round(n, d, mode);
            // Decimal division keeps 28 significant digits, so compare only where the quotient is
            // small enough for it to be exact to the unit and away from a rounding boundary.
            prop_assume!(want.abs() < Decimal::from(1_000_000_000_000_i64));
            prop_assert_eq!(Decimal::from_i128_with_scale(got, 0), want);
        }

        #[test]
        fn integer_provision_equals_decimal_rounding(minor in -10_000_000_000_i64..10_000_000_000, class_i in 0_usize..5, mode_i in 0_usize..4) {
            let mode = RoundingMode::ALL[mode_i];
            let config = ClassificationConfig { provision_rounding: mode, ..ClassificationConfig::default() };
            let c = Classifier::new(config).unwrap();
            let class = LoanClass::ALL[class_i];
            let balance = Money::from_minor(minor, Currency::CNY);
            let exact = balance.to_decimal() * config.provision_rates[class_i];
            let want = Money::from_decimal(round_decimal(exact, 2, mode), Currency::CNY, mode).unwrap();
            prop_assert_eq!(c.provision(balance, class).unwrap(), want);
        }
    }
}
