//! Revolving credit lines (R-LINE-1) and the tiers above the pure-credit
//! range (R-LINE-2).
//!
//! A line has a limit, an amount drawn and a validity (default 2 years, both
//! ends included). Draws and repayments move the available amount
//! (`limit − drawn`, never negative). A line can be frozen (and unfrozen), cut
//! (the limit lowered, never below what is drawn: freeze it and cut after
//! repayment) or cancelled, each with a reason. Repayments are accepted in
//! every state: money owed can always come back. Every change is kept as a
//! dated event; dates never go backwards.

use crate::collateral::CollateralKind;
use crate::money::{Currency, Money, MoneyError};
use crate::rating::Grade;
use chrono::{Months, NaiveDate};

/// The default validity of a line in months.
pub const VALIDITY_MONTHS_DEFAULT: u32 = 24;

/// Whether a line may be drawn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineState {
    Active,
    Frozen { on: NaiveDate, reason: String },
    Cancelled { on: NaiveDate, reason: String },
}

/// One change to a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineEventKind {
    Opened { limit: Money },
    Drawn { amount: Money },
    Repaid { amount: Money },
    Frozen { reason: String },
    Unfrozen { reason: String },
    Cut { from: Money, to: Money, reason: String },
    Cancelled { reason: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineEvent {
    pub on: NaiveDate,
    pub kind: LineEventKind,
}

/// Why an act on a line, or a grant, was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    #[error("the act is dated {on}, before the line's last event of {last}")]
    DateBeforeLastEvent { last: NaiveDate, on: NaiveDate },
    #[error("the amount must be positive")]
    AmountNotPositive,
    #[error("amounts in different currencies cannot be combined")]
    CurrencyMismatch,
    #[error("the amount is too large to represent")]
    Overflow,
    #[error("the validity must be at least one month")]
    ValidityZero,
    #[error("the date is out of range")]
    DateOutOfRange,
    #[error("a reason is required")]
    ReasonRequired,
    #[error("the line is cancelled")]
    Cancelled,
    #[error("the line is frozen")]
    Frozen,
    #[error("the line is not frozen")]
    NotFrozen,
    #[error("the line is valid from {valid_from}")]
    NotYetValid { valid_from: NaiveDate },
    #[error("the line expired after {valid_until}")]
    Expired { valid_until: NaiveDate },
    #[error("the draw of {amount} is more than the {available} available")]
    OverAvailable { available: Money, amount: Money },
    #[error("the repayment of {amount} is more than the {drawn} drawn")]
    RepaymentOverDrawn { drawn: Money, amount: Money },
    #[error("a cut must lower the limit of {limit}")]
    CutNotLower { limit: Money },
    #[error("the limit cannot be cut below the {drawn} drawn")]
    CutBelowDrawn { drawn: Money },
    #[error("no tier covers a line of {limit}")]
    NoTierFor { limit: Money },
    #[error("grade {grade:?} grants no pure-credit line")]
    NoPureCreditForGrade { grade: Grade },
    #[error("a pure-credit line for this grade must lie between {min} and {max}, not {limit}")]
    OutsideGradeRange { min: Money, max: Money, limit: Money },
    #[error("tier {tier:?} needs one of the securities {accepted:?}")]
    SecurityMissing {
        tier: TierKind,
        accepted: Vec<CollateralKind>,
    },
    #[error("tier {tier:?} needs a maximum-amount guarantee contract")]
    MaximumAmountContractRequired { tier: TierKind },
    #[error("the tiers must be ascending, non-overlapping and in one currency (tier {index})")]
    TiersInvalid { index: usize },
}

impl LineError {
    /// The stable code (`line-over-available`).
    pub fn code(&self) -> &'static str {
        match self {
            LineError::DateBeforeLastEvent { .. } => "line-date-before-last-event",
            LineError::AmountNotPositive => "line-amount-not-positive",
            LineError::CurrencyMismatch => "line-currency-mismatch",
            LineError::Overflow => "line-overflow",
            LineError::ValidityZero => "line-validity-zero",
            LineError::DateOutOfRange => "line-date-out-of-range",
            LineError::ReasonRequired => "line-reason-required",
            LineError::Cancelled => "line-cancelled",
            LineError::Frozen => "line-frozen",
            LineError::NotFrozen => "line-not-frozen",
            LineError::NotYetValid { .. } => "line-not-yet-valid",
            LineError::Expired { .. } => "line-expired",
            LineError::OverAvailable { .. } => "line-over-available",
            LineError::RepaymentOverDrawn { .. } => "line-repayment-over-drawn",
            LineError::CutNotLower { .. } => "line-cut-not-lower",
            LineError::CutBelowDrawn { .. } => "line-cut-below-drawn",
            LineError::NoTierFor { .. } => "line-no-tier-for",
            LineError::NoPureCreditForGrade { .. } => "line-no-pure-credit-for-grade",
            LineError::OutsideGradeRange { .. } => "line-outside-grade-range",
            LineError::SecurityMissing { .. } => "line-security-missing",
            LineError::MaximumAmountContractRequired { .. } => "line-maximum-amount-contract-required",
            LineError::TiersInvalid { .. } => "line-tiers-invalid",
        }
    }

    /// The translation key (`line.refusal.line-over-available`).
    pub fn key(&self) -> String {
        format!("line.refusal.{}", self.code())
    }
}

impl From<MoneyError> for LineError {
    fn from(e: MoneyError) -> Self {
        match e {
            MoneyError::CurrencyMismatch => LineError::CurrencyMismatch,
            _ => LineError::Overflow,
        }
    }
}

/// A revolving credit line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreditLine {
    limit: Money,
    drawn: Money,
    valid_from: NaiveDate,
    valid_until: NaiveDate,
    state: LineState,
    events: Vec<LineEvent>,
}

impl CreditLine {
    /// Opens a line of `limit`, valid from `valid_from` for `validity_months`
    /// (to the day before the same date `validity_months` later).
    pub fn open(limit: Money, valid_from: NaiveDate, validity_months: u32) -> Result<CreditLine, LineError> {
        if !limit.is_positive() {
            return Err(LineError::AmountNotPositive);
        }
        if validity_months == 0 {
            return Err(LineError::ValidityZero);
        }
        let valid_until = valid_from
            .checked_add_months(Months::new(validity_months))
            .and_then(|d| d.pred_opt())
            .ok_or(LineError::DateOutOfRange)?;
        let events = vec![LineEvent {
            on: valid_from,
            kind: LineEventKind::Opened { limit },
        }];
        let drawn = Money::zero(limit.currency());
        Ok(CreditLine {
            limit,
            drawn,
            valid_from,
            valid_until,
            state: LineState::Active,
            events,
        })
    }

    /// A line as stored: its limit, what is drawn, its validity, its state
    /// and the date of its last event (later acts may not be dated before
    /// it). Refuses a drawn amount outside `0..=limit` or a validity that
    /// ends before it starts.
    pub fn restore(
        limit: Money,
        drawn: Money,
        valid_from: NaiveDate,
        valid_until: NaiveDate,
        state: LineState,
        last_event_on: NaiveDate,
    ) -> Result<CreditLine, LineError> {
        if limit.currency() != drawn.currency() {
            return Err(LineError::CurrencyMismatch);
        }
        if !limit.is_positive() {
            return Err(LineError::AmountNotPositive);
        }
        if drawn.is_negative() || drawn.minor() > limit.minor() {
            return Err(LineError::OverAvailable {
                available: limit,
                amount: drawn,
            });
        }
        if valid_until < valid_from {
            return Err(LineError::ValidityZero);
        }
        let events = vec![LineEvent {
            on: last_event_on.max(valid_from),
            kind: LineEventKind::Opened { limit },
        }];
        Ok(CreditLine {
            limit,
            drawn,
            valid_from,
            valid_until,
            state,
            events,
        })
    }

    /// Takes back up to `amount` of the line again in any state, without
    /// the draw checks: a repayment that was reversed, a loan reopened. It
    /// never goes past the limit; returns what was reinstated.
    pub fn reinstate(&mut self, amount: Money, on: NaiveDate) -> Result<Money, LineError> {
        self.check_date(on)?;
        self.check_amount(amount)?;
        let reinstated = if amount.minor() > self.available().minor() {
            self.available()
        } else {
            amount
        };
        if reinstated.is_zero() {
            return Ok(reinstated);
        }
        self.drawn = self.drawn.checked_add(reinstated)?;
        self.events.push(LineEvent {
            on,
            kind: LineEventKind::Drawn { amount: reinstated },
        });
        Ok(reinstated)
    }

    pub fn limit(&self) -> Money {
        self.limit
    }

    pub fn drawn(&self) -> Money {
        self.drawn
    }

    pub fn currency(&self) -> Currency {
        self.limit.currency()
    }

    pub fn valid_from(&self) -> NaiveDate {
        self.valid_from
    }

    /// The last day the line may be drawn.
    pub fn valid_until(&self) -> NaiveDate {
        self.valid_until
    }

    pub fn state(&self) -> &LineState {
        &self.state
    }

    pub fn events(&self) -> &[LineEvent] {
        &self.events
    }

    /// `limit − drawn`: what the line would allow if it could be drawn.
    pub fn available(&self) -> Money {
        let available = self
            .limit
            .checked_sub(self.drawn)
            .expect("same currency, both within range");
        assert!(!available.is_negative(), "drawn never exceeds the limit");
        available
    }

    /// What can actually be drawn on `date` (zero when frozen, cancelled,
    /// expired or not yet valid).
    pub fn available_on(&self, date: NaiveDate) -> Money {
        match self.check_drawable(date) {
            Ok(()) => self.available(),
            Err(_) => Money::zero(self.currency()),
        }
    }

    fn check_date(&self, on: NaiveDate) -> Result<(), LineError> {
        let last = self.events.last().map_or(self.valid_from, |e| e.on);
        if on < last {
            return Err(LineError::DateBeforeLastEvent { last, on });
        }
        Ok(())
    }

    fn check_amount(&self, amount: Money) -> Result<(), LineError> {
        if amount.currency() != self.currency() {
            return Err(LineError::CurrencyMismatch);
        }
        if !amount.is_positive() {
            return Err(LineError::AmountNotPositive);
        }
        Ok(())
    }

    fn check_drawable(&self, on: NaiveDate) -> Result<(), LineError> {
        match self.state {
            LineState::Cancelled { .. } => return Err(LineError::Cancelled),
            LineState::Frozen { .. } => return Err(LineError::Frozen),
            LineState::Active => {}
        }
        if on < self.valid_from {
            return Err(LineError::NotYetValid {
                valid_from: self.valid_from,
            });
        }
        if on > self.valid_until {
            return Err(LineError::Expired {
                valid_until: self.valid_until,
            });
        }
        Ok(())
    }

    /// Draws `amount` on `on`; returns the amount still available.
    pub fn draw(&mut self, amount: Money, on: NaiveDate) -> Result<Money, LineError> {
        self.check_date(on)?;
        self.check_amount(amount)?;
        self.check_drawable(on)?;
        let available = self.available();
        if amount.minor() > available.minor() {
            return Err(LineError::OverAvailable { available, amount });
        }
        self.drawn = self.drawn.checked_add(amount)?;
        self.events.push(LineEvent {
            on,
            kind: LineEventKind::Drawn { amount },
        });
        Ok(self.available())
    }

    /// Repays `amount` of what is drawn, in any state; returns the amount available.
    pub fn repay(&mut self, amount: Money, on: NaiveDate) -> Result<Money, LineError> {
        self.check_date(on)?;
        self.check_amount(amount)?;
        if amount.minor() > self.drawn.minor() {
            return Err(LineError::RepaymentOverDrawn {
                drawn: self.drawn,
                amount,
            });
        }
        self.drawn = self.drawn.checked_sub(amount)?;
        self.events.push(LineEvent {
            on,
            kind: LineEventKind::Repaid { amount },
        });
        Ok(self.available())
    }

    /// Stops draws until unfrozen.
    pub fn freeze(&mut self, reason: &str, on: NaiveDate) -> Result<(), LineError> {
        self.check_date(on)?;
        let reason = required(reason)?;
        match self.state {
            LineState::Cancelled { .. } => return Err(LineError::Cancelled),
            LineState::Frozen { .. } => return Err(LineError::Frozen),
            LineState::Active => {}
        }
        self.state = LineState::Frozen {
            on,
            reason: reason.clone(),
        };
        self.events.push(LineEvent {
            on,
            kind: LineEventKind::Frozen { reason },
        });
        Ok(())
    }

    /// Lets draws resume on a frozen line.
    pub fn unfreeze(&mut self, reason: &str, on: NaiveDate) -> Result<(), LineError> {
        self.check_date(on)?;
        let reason = required(reason)?;
        match self.state {
            LineState::Cancelled { .. } => return Err(LineError::Cancelled),
            LineState::Active => return Err(LineError::NotFrozen),
            LineState::Frozen { .. } => {}
        }
        self.state = LineState::Active;
        self.events.push(LineEvent {
            on,
            kind: LineEventKind::Unfrozen { reason },
        });
        Ok(())
    }

    /// Lowers the limit to `new_limit` (not below what is drawn).
    pub fn cut(&mut self, new_limit: Money, reason: &str, on: NaiveDate) -> Result<(), LineError> {
        self.check_date(on)?;
        let reason = required(reason)?;
        if new_limit.currency() != self.currency() {
            return Err(LineError::CurrencyMismatch);
        }
        if let LineState::Cancelled { .. } = self.state {
            return Err(LineError::Cancelled);
        }
        if new_limit.minor() >= self.limit.minor() {
            return Err(LineError::CutNotLower { limit: self.limit });
        }
        if new_limit.minor() < self.drawn.minor() {
            return Err(LineError::CutBelowDrawn { drawn: self.drawn });
        }
        let from = self.limit;
        self.limit = new_limit;
        self.events.push(LineEvent {
            on,
            kind: LineEventKind::Cut {
                from,
                to: new_limit,
                reason,
            },
        });
        Ok(())
    }

    /// Ends the line for good; what is drawn stays owed and repayable.
    pub fn cancel(&mut self, reason: &str, on: NaiveDate) -> Result<(), LineError> {
        self.check_date(on)?;
        let reason = required(reason)?;
        if let LineState::Cancelled { .. } = self.state {
            return Err(LineError::Cancelled);
        }
        self.state = LineState::Cancelled {
            on,
            reason: reason.clone(),
        };
        self.events.push(LineEvent {
            on,
            kind: LineEventKind::Cancelled { reason },
        });
        Ok(())
    }
}

fn required(reason: &str) -> Result<String, LineError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(LineError::ReasonRequired);
    }
    Ok(reason.to_string())
}

/// The credit tiers of R-LINE-2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TierKind {
    /// No collateral; the range comes from the household's grade.
    PureCredit,
    /// Under a maximum-amount guarantee contract (最高额保证合同).
    MaximumAmountGuarantee,
    /// With a guarantee company, for large farming and breeding households.
    GuaranteeCompany,
}

impl TierKind {
    pub const ALL: [TierKind; 3] = [
        TierKind::PureCredit,
        TierKind::MaximumAmountGuarantee,
        TierKind::GuaranteeCompany,
    ];

    pub fn name(self) -> &'static str {
        match self {
            TierKind::PureCredit => "pure_credit",
            TierKind::MaximumAmountGuarantee => "maximum_amount_guarantee",
            TierKind::GuaranteeCompany => "guarantee_company",
        }
    }

    /// The translation key (`line.tier.pure_credit`).
    pub fn key(self) -> String {
        format!("line.tier.{}", self.name())
    }
}

/// One tier: its range (both ends included), validity and collateral rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineTier {
    pub kind: TierKind,
    pub min: Money,
    pub max: Money,
    pub validity_months: u32,
    /// At least one of these must be offered (empty: nothing is needed).
    pub accepted_security: Vec<CollateralKind>,
    pub maximum_amount_contract: bool,
}

/// A security offered for a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Security {
    pub kind: CollateralKind,
    pub under_maximum_amount_contract: bool,
}

/// The configured tiers, ascending and non-overlapping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TierTable {
    tiers: Vec<LineTier>,
}

impl TierTable {
    pub fn new(tiers: Vec<LineTier>) -> Result<TierTable, LineError> {
        for (index, tier) in tiers.iter().enumerate() {
            let valid = tier.min.currency() == tier.max.currency()
                && !tier.min.is_negative()
                && tier.min.minor() <= tier.max.minor()
                && tier.validity_months > 0;
            let follows = index == 0 || {
                let previous = &tiers[index - 1];
                previous.max.currency() == tier.min.currency() && previous.max.minor() < tier.min.minor()
            };
            if !valid || !follows {
                return Err(LineError::TiersInvalid { index });
            }
        }
        Ok(TierTable { tiers })
    }

    /// The R-LINE-2 defaults in `currency`: pure credit up to 10,000;
    /// 10,000.01–100,000 under a maximum-amount guarantee contract; above
    /// 100,000 up to 1,000,000 with a guarantee company; all for 2 years.
    pub fn default_for(currency: Currency) -> TierTable {
        let major = |n: i64| Money::from_minor(n * currency.minor_per_major(), currency);
        let minor = |n: i64| Money::from_minor(n, currency);
        let tier = |kind, min, max, accepted_security, maximum_amount_contract| LineTier {
            kind,
            min,
            max,
            validity_months: VALIDITY_MONTHS_DEFAULT,
            accepted_security,
            maximum_amount_contract,
        };
        let guarantees = vec![
            CollateralKind::Guarantor,
            CollateralKind::JointLiabilityGroup,
            CollateralKind::Mortgage,
            CollateralKind::MovableProperty,
            CollateralKind::DepositPledge,
        ];
        TierTable::new(vec![
            tier(TierKind::PureCredit, minor(1), major(10_000), vec![], false),
            tier(
                TierKind::MaximumAmountGuarantee,
                minor(major(10_000).minor() + 1),
                major(100_000),
                guarantees,
                true,
            ),
            tier(
                TierKind::GuaranteeCompany,
                minor(major(100_000).minor() + 1),
                major(1_000_000),
                vec![CollateralKind::GuaranteeCompany],
                false,
            ),
        ])
        .expect("the default tiers are valid")
    }

    pub fn tiers(&self) -> &[LineTier] {
        &self.tiers
    }

    /// The tier whose range holds `limit`.
    pub fn tier_for(&self, limit: Money) -> Result<&LineTier, LineError> {
        self.tiers
            .iter()
            .find(|t| {
                t.min.currency() == limit.currency()
                    && t.min.minor() <= limit.minor()
                    && limit.minor() <= t.max.minor()
            })
            .ok_or(LineError::NoTierFor { limit })
    }

    /// Checks a grant of `limit`: a pure-credit line must lie in the range of
    /// the household's grade (`grade_line`, from the rating); a higher tier
    /// needs one of its accepted securities, under a maximum-amount contract
    /// where the tier says so. Returns the tier.
    pub fn check_grant(
        &self,
        grade: Grade,
        grade_line: Option<(Money, Money)>,
        limit: Money,
        offered: &[Security],
    ) -> Result<&LineTier, LineError> {
        let tier = self.tier_for(limit)?;
        if tier.kind == TierKind::PureCredit {
            let (min, max) = grade_line.ok_or(LineError::NoPureCreditForGrade { grade })?;
            if limit.currency() != min.currency()
                || limit.minor() < min.minor()
                || limit.minor() > max.minor()
            {
                return Err(LineError::OutsideGradeRange { min, max, limit });
            }
            return Ok(tier);
        }
        let accepted: Vec<&Security> = offered
            .iter()
            .filter(|s| tier.accepted_security.contains(&s.kind))
            .collect();
        if !tier.accepted_security.is_empty() && accepted.is_empty() {
            let accepted = tier.accepted_security.clone();
            return Err(LineError::SecurityMissing {
                tier: tier.kind,
                accepted,
            });
        }
        if tier.maximum_amount_contract && !accepted.iter().any(|s| s.under_maximum_amount_contract) {
            return Err(LineError::MaximumAmountContractRequired { tier: tier.kind });
        }
        Ok(tier)
    }
}
