//! Collection strategy by segment (R-COL-4): who is willing but unable (offer
//! a restructuring), who is unwilling (escalate), when the loan goes to legal,
//! and the hand-over package that goes with it.
//!
//! The documents ask for different handling of different debtors ("对有诚意
//! 还款的客户…", 针对不同情况采取不同的催收方式和措施). The segment comes from the
//! collector's assessment when there is one, otherwise from the figures.
//! The decision is an output value; the workflow (restructuring approval per
//! R-SVC-4) and the outbox consume it.

use super::LoanId;
use super::action::{Action, Channel, Contact, ContactBook};
use super::promise::{Promise, PromiseStatus};
use crate::authz::UserId;
use crate::money::Money;
use chrono::NaiveDate;
use std::fmt;

/// The most rungs of an escalation ladder.
pub const LADDER_RUNGS_MAX: usize = 8;

/// A debtor segment for collection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Segment {
    /// Can pay and has not refused: a reminder is enough.
    WillingAndAble,
    /// Would pay but cannot: offer a restructuring.
    WillingButUnable,
    /// Can pay but will not: escalate.
    Unwilling,
    /// Cannot be reached on any registered contact.
    Unreachable,
}

impl Segment {
    /// Every segment.
    pub const ALL: [Segment; 4] = [
        Segment::WillingAndAble,
        Segment::WillingButUnable,
        Segment::Unwilling,
        Segment::Unreachable,
    ];

    /// The stable code (`willing_but_unable`, …).
    pub fn code(self) -> &'static str {
        match self {
            Segment::WillingAndAble => "willing_and_able",
            Segment::WillingButUnable => "willing_but_unable",
            Segment::Unwilling => "unwilling",
            Segment::Unreachable => "unreachable",
        }
    }

    /// The translation key (`collection.segment.unwilling`).
    pub fn key(self) -> String {
        format!("collection.segment.{}", self.code())
    }
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// What the segment is derived from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SegmentInput {
    /// See [`super::priority::repayment_capacity_pct`].
    pub capacity_pct: i64,
    pub broken_promises: u32,
    /// Actions whose outcome was an explicit refusal to pay.
    pub refusals: u32,
    /// Contact attempts since the debtor was last reached.
    pub failed_attempts: u32,
    /// The collector's own assessment, which wins.
    pub assessed: Option<Segment>,
}

/// The escalation and segmentation settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StrategyConfig {
    /// Below this repayment capacity (% of the installment) a debtor is unable.
    pub able_capacity_pct_min: i64,
    /// From this many broken promises a debtor is unwilling.
    pub unwilling_broken_promises: u32,
    /// From this many failed attempts in a row a debtor is unreachable.
    pub unreachable_attempts: u32,
    /// `(from days past due, channel)`, increasing: the usual channel by age.
    pub ladder: Vec<(u32, Channel)>,
    /// From this many days past due the loan is handed to legal.
    pub legal_after_days_past_due: u32,
    pub legal_channel: Channel,
    /// The longest term extension a restructuring offer may propose.
    pub extension_months_max: u32,
}

impl Default for StrategyConfig {
    /// SMS from day 1, phone from 8, visit from 31, formal letter from 61;
    /// legal (court) from 90 days past due, when the loan is at least
    /// substandard (R-RISK-2); able from 100% capacity; unwilling from 2
    /// broken promises; unreachable after 5 failed attempts.
    fn default() -> Self {
        StrategyConfig {
            able_capacity_pct_min: 100,
            unwilling_broken_promises: 2,
            unreachable_attempts: 5,
            ladder: vec![
                (1, Channel::Sms),
                (8, Channel::Phone),
                (31, Channel::Visit),
                (61, Channel::Letter),
            ],
            legal_after_days_past_due: 90,
            legal_channel: Channel::LegalCourt,
            extension_months_max: 12,
        }
    }
}

/// Why a strategy setting or a hand-over was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StrategyError {
    #[error("the ladder needs 1 to {max} rungs starting at day 1 or later, in increasing days")]
    InvalidLadder { max: usize },
    #[error("the ladder may not use the hand-over channel {channel}")]
    HandoverOnLadder { channel: Channel },
    #[error("legal_after_days_past_due must be after the last rung of the ladder")]
    LegalBeforeLadder,
    #[error("{channel} is not a hand-over channel")]
    NotHandoverChannel { channel: Channel },
    #[error("the debtor has no active contact to hand over")]
    NoActiveContact,
    #[error("the history holds an action of loan {other}, not of loan {loan_id}")]
    ForeignHistory { loan_id: LoanId, other: LoanId },
    #[error("{field} must be positive")]
    NotPositive { field: &'static str },
}

impl StrategyConfig {
    /// Checks the ladder and the legal threshold.
    pub fn validate(&self) -> Result<(), StrategyError> {
        let increasing = self.ladder.windows(2).all(|w| w[0].0 < w[1].0);
        let starts = self.ladder.first().is_some_and(|(day, _)| *day >= 1);
        if !increasing || !starts || self.ladder.len() > LADDER_RUNGS_MAX {
            return Err(StrategyError::InvalidLadder {
                max: LADDER_RUNGS_MAX,
            });
        }
        if let Some((_, channel)) = self.ladder.iter().find(|(_, c)| c.is_handover()) {
            return Err(StrategyError::HandoverOnLadder { channel: *channel });
        }
        if self
            .ladder
            .last()
            .is_some_and(|(day, _)| *day >= self.legal_after_days_past_due)
        {
            return Err(StrategyError::LegalBeforeLadder);
        }
        if !self.legal_channel.is_handover() {
            return Err(StrategyError::NotHandoverChannel {
                channel: self.legal_channel,
            });
        }
        Ok(())
    }

    /// The ladder's channel for `days_past_due` (the first rung before day 1).
    pub fn ladder_channel(&self, days_past_due: u32) -> Channel {
        let rung = self.ladder.iter().rev().find(|(day, _)| *day <= days_past_due);
        rung.or(self.ladder.first()).map_or(Channel::Sms, |(_, c)| *c)
    }

    /// The channel one rung above the ladder's channel for `days_past_due`;
    /// beyond the last rung, a third party.
    pub fn next_rung(&self, days_past_due: u32) -> Channel {
        let index = self.ladder.iter().rposition(|(day, _)| *day <= days_past_due);
        let next = index.map_or(0, |i| i + 1);
        self.ladder.get(next).map_or(Channel::ThirdParty, |(_, c)| *c)
    }
}

/// The segment of a debtor: the assessment if any, else unreachable after
/// too many failed attempts, unwilling after a refusal, unable below the
/// capacity threshold, unwilling after too many broken promises, else able.
pub fn segment(config: &StrategyConfig, input: &SegmentInput) -> Segment {
    if let Some(assessed) = input.assessed {
        return assessed;
    }
    if input.failed_attempts >= config.unreachable_attempts {
        return Segment::Unreachable;
    }
    if input.refusals > 0 {
        return Segment::Unwilling;
    }
    if input.capacity_pct < config.able_capacity_pct_min {
        return Segment::WillingButUnable;
    }
    if input.broken_promises >= config.unwilling_broken_promises {
        return Segment::Unwilling;
    }
    Segment::WillingAndAble
}

/// What the strategy is decided from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StrategyInput {
    pub loan_id: LoanId,
    pub segment: Segment,
    pub days_past_due: u32,
    pub amount_overdue: Money,
    pub principal_outstanding: Money,
    pub installment: Money,
    /// Income less other debts per month (what the household can pay).
    pub capacity_monthly: Money,
    /// A restructuring is already awaiting approval.
    pub restructuring_pending: bool,
}

/// A restructuring offer for the workflow (R-SVC-4) to consider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RestructuringOffer {
    pub loan_id: LoanId,
    pub amount_overdue: Money,
    pub principal_outstanding: Money,
    pub installment: Money,
    /// What the household can pay per month: `min(capacity, installment)`.
    pub affordable_installment: Money,
    pub extension_months_max: u32,
}

/// The next step for one loan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Remind { channel: Channel },
    OfferRestructuring(RestructuringOffer),
    Escalate { channel: Channel },
    HandOver { channel: Channel },
}

/// Decides the next step: hand-over to legal from the configured days past
/// due (unless a restructuring awaits approval); a restructuring offer for
/// the willing but unable; one rung up for the unwilling; a visit for the
/// unreachable; the ladder's channel otherwise.
pub fn decide(config: &StrategyConfig, input: &StrategyInput) -> Decision {
    let dpd = input.days_past_due;
    if dpd >= config.legal_after_days_past_due && !input.restructuring_pending {
        return Decision::HandOver {
            channel: config.legal_channel,
        };
    }
    let usual = config.ladder_channel(dpd);
    match input.segment {
        Segment::WillingButUnable if !input.restructuring_pending => {
            let capacity = input.capacity_monthly.minor().max(0);
            let affordable = capacity.min(input.installment.minor());
            Decision::OfferRestructuring(RestructuringOffer {
                loan_id: input.loan_id,
                amount_overdue: input.amount_overdue,
                principal_outstanding: input.principal_outstanding,
                installment: input.installment,
                affordable_installment: Money::from_minor(affordable, input.installment.currency()),
                extension_months_max: config.extension_months_max,
            })
        }
        Segment::Unwilling => Decision::Escalate {
            channel: config.next_rung(dpd),
        },
        Segment::Unreachable if usual < Channel::Visit => Decision::Escalate {
            channel: Channel::Visit,
        },
        _ => Decision::Remind { channel: usual },
    }
}

/// The loan as a hand-over package shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HandoverLoan {
    pub loan_id: LoanId,
    pub borrower_name: String,
    pub product: String,
    pub disbursed_on: NaiveDate,
    pub principal_disbursed: Money,
    pub principal_outstanding: Money,
    pub amount_overdue: Money,
    pub days_past_due: u32,
}

/// What goes to a third party, the court or the police: the loan, every
/// contact (corrected ones included, for the record) and the history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HandoverPackage {
    pub channel: Channel,
    pub prepared_on: NaiveDate,
    pub prepared_by: UserId,
    pub loan: HandoverLoan,
    pub contacts: Vec<Contact>,
    /// Every action on the loan, oldest first.
    pub history: Vec<Action>,
    pub promises: Vec<(Promise, PromiseStatus)>,
}

/// Assembles a hand-over package, checking the channel is a hand-over, the
/// debtor has an active contact and the history is this loan's.
pub fn build_handover(
    channel: Channel,
    prepared_on: NaiveDate,
    prepared_by: UserId,
    loan: HandoverLoan,
    book: &ContactBook,
    history: &[Action],
    promises: &[(Promise, PromiseStatus)],
) -> Result<HandoverPackage, StrategyError> {
    if !channel.is_handover() {
        return Err(StrategyError::NotHandoverChannel { channel });
    }
    if book.active().next().is_none() {
        return Err(StrategyError::NoActiveContact);
    }
    if !loan.principal_disbursed.is_positive() {
        return Err(StrategyError::NotPositive {
            field: "principal_disbursed",
        });
    }
    let foreign = history
        .iter()
        .map(|a| a.loan_id)
        .chain(promises.iter().map(|(p, _)| p.loan_id))
        .find(|id| *id != loan.loan_id);
    if let Some(other) = foreign {
        return Err(StrategyError::ForeignHistory {
            loan_id: loan.loan_id,
            other,
        });
    }
    let mut history = history.to_vec();
    history.sort_by_key(|a| a.at);
    Ok(HandoverPackage {
        channel,
        prepared_on,
        prepared_by,
        loan,
        contacts: book.all().to_vec(),
        history,
        promises: promises.to_vec(),
    })
}
