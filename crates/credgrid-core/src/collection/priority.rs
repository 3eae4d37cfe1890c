//! Collection priority and the end-of-day worklists (R-COL-1).
//!
//! The documents' own criteria for ordering the work ("根据催收目标、催收成本、
//! 偿付能力、是否影响今后关系…做出一个轻重缓急的催收计划"): the amount to recover,
//! the cost of the action, the debtor's ability to pay, and the relationship;
//! issue 7 adds days past due and broken promises. Each factor gives integer
//! points from a configurable [`PriorityConfig`]; the total is their sum and
//! [`Priority::parts`] shows every part. No floats: points are `i64`, caps
//! bound every part so a validated formula cannot overflow.
//!
//! [`build_worklists`] puts every overdue loan in the worklist of its
//! collector or grid worker, highest priority first, using one sort over one
//! vector (no per-loan allocation).

use super::LoanId;
use super::action::Channel;
use crate::authz::{NodeId, UserId};
use std::cmp::Reverse;
use std::collections::HashMap;
use std::fmt;

/// The largest absolute weight of a factor, in points per unit.
pub const WEIGHT_MAX: i64 = 1_000_000;
/// The largest cap on a factor's count (steps, days, promises, years…).
pub const CAP_MAX: i64 = 1_000_000;
/// The largest configured cost or step, in minor units.
pub const AMOUNT_CONFIG_MAX_MINOR: i64 = 1_000_000_000_000;

/// A factor of the priority.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Factor {
    AmountOverdue,
    DaysPastDue,
    ActionCost,
    AbilityToPay,
    BrokenPromises,
    Relationship,
}

impl Factor {
    /// Every factor, in the order [`Priority::parts`] lists them.
    pub const ALL: [Factor; 6] = [
        Factor::AmountOverdue,
        Factor::DaysPastDue,
        Factor::ActionCost,
        Factor::AbilityToPay,
        Factor::BrokenPromises,
        Factor::Relationship,
    ];

    /// The stable code (`amount_overdue`, …).
    pub fn code(self) -> &'static str {
        match self {
            Factor::AmountOverdue => "amount_overdue",
            Factor::DaysPastDue => "days_past_due",
            Factor::ActionCost => "action_cost",
            Factor::AbilityToPay => "ability_to_pay",
            Factor::BrokenPromises => "broken_promises",
            Factor::Relationship => "relationship",
        }
    }

    /// The translation key (`collection.factor.amount_overdue`).
    pub fn key(self) -> String {
        format!("collection.factor.{}", self.code())
    }
}

impl fmt::Display for Factor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The debtor's ability to pay, from the household file and the history.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AbilityToPay {
    /// Household income per month, as estimated in the household file.
    pub income_monthly_minor: i64,
    /// Installments of other debts per month.
    pub other_debt_monthly_minor: i64,
    /// This loan's installment per month.
    pub installment_minor: i64,
    /// How many earlier delinquencies of the debtor were cured.
    pub past_cures: u32,
}

/// The relationship with the debtor.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Relationship {
    pub years_as_client: u32,
    /// A guarantor can be asked to help.
    pub has_guarantor: bool,
    /// A member of a joint-liability group.
    pub group_member: bool,
}

/// What the priority of one overdue loan is computed from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PriorityInput {
    pub amount_overdue_minor: i64,
    pub days_past_due: u32,
    /// The channel of the next action (its cost counts against the priority).
    pub next_channel: Channel,
    pub ability: AbilityToPay,
    pub broken_promises: u32,
    pub relationship: Relationship,
}

/// The priority formula's configuration. Each factor: a step or unit, points
/// per unit, and a cap on the units counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PriorityConfig {
    /// One amount step of the overdue amount (default 100.00 in a two-digit currency).
    pub amount_step_minor: i64,
    pub amount_points_per_step: i64,
    pub amount_steps_max: i64,
    pub days_points_per_day: i64,
    pub days_max: i64,
    /// The expected cost of one action per channel, in [`Channel::ALL`] order.
    pub channel_cost_minor: [i64; 7],
    pub cost_step_minor: i64,
    /// Points per cost step (negative: a dear action lowers the priority).
    pub cost_points_per_step: i64,
    /// Points per full 10 percentage points of repayment capacity
    /// (income less other debts, as a share of the installment).
    pub ability_points_per_10_pct: i64,
    pub ability_pct_max: i64,
    pub cure_points: i64,
    pub cures_max: i64,
    pub broken_promise_points: i64,
    pub broken_promises_max: i64,
    pub relationship_points_per_year: i64,
    pub relationship_years_max: i64,
    pub guarantor_points: i64,
    pub group_points: i64,
}

impl Default for PriorityConfig {
    /// Defaults for a two-digit currency and rural loans of a few ten
    /// thousand yuan: 1 point per 100.00 overdue (up to 100,000.00), 2 points
    /// per day past due (up to 360 days), −1 point per 10.00 of action cost,
    /// 5 points per 10% of repayment capacity (up to 200%), 10 per past cure,
    /// 40 per broken promise, 3 per year as client, 25 for a guarantor and
    /// 25 for a joint-liability group.
    fn default() -> Self {
        PriorityConfig {
            amount_step_minor: 10_000,
            amount_points_per_step: 1,
            amount_steps_max: 1_000,
            days_points_per_day: 2,
            days_max: 360,
            // SMS 0.10, phone 2.00, letter 5.00, visit 50.00, third party
            // 200.00, court 2,000.00, police 500.00.
            channel_cost_minor: [10, 200, 500, 5_000, 20_000, 200_000, 50_000],
            cost_step_minor: 1_000,
            cost_points_per_step: -1,
            ability_points_per_10_pct: 5,
            ability_pct_max: 200,
            cure_points: 10,
            cures_max: 5,
            broken_promise_points: 40,
            broken_promises_max: 5,
            relationship_points_per_year: 3,
            relationship_years_max: 20,
            guarantor_points: 25,
            group_points: 25,
        }
    }
}

/// Why a priority configuration was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PriorityConfigError {
    #[error("{field} must be between 1 and {max}")]
    StepOutOfRange { field: &'static str, max: i64 },
    #[error("{field} must be between -{max} and {max}")]
    WeightOutOfRange { field: &'static str, max: i64 },
    #[error("{field} must be between 0 and {max}")]
    CapOutOfRange { field: &'static str, max: i64 },
}

/// Why an input could not be scored.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PriorityError {
    #[error("{field} must not be negative")]
    Negative { field: &'static str },
}

/// A validated priority formula.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PriorityFormula {
    config: PriorityConfig,
}

/// The points of every factor, in [`Factor::ALL`] order (no allocation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PriorityParts(pub [i64; 6]);

impl PriorityParts {
    /// The sum of the parts.
    pub fn total(&self) -> i64 {
        self.0.iter().sum()
    }
}

/// A score with its parts: `total` is the sum of `parts`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Priority {
    pub total: i64,
    pub parts: Vec<(Factor, i64)>,
}

impl PriorityFormula {
    /// Validates `config`: steps positive, weights and caps bounded, so that
    /// no score can overflow.
    pub fn new(config: PriorityConfig) -> Result<PriorityFormula, PriorityConfigError> {
        let c = &config;
        step("amount_step_minor", c.amount_step_minor)?;
        step("cost_step_minor", c.cost_step_minor)?;
        let weights = [
            ("amount_points_per_step", c.amount_points_per_step),
            ("days_points_per_day", c.days_points_per_day),
            ("cost_points_per_step", c.cost_points_per_step),
            ("ability_points_per_10_pct", c.ability_points_per_10_pct),
            ("cure_points", c.cure_points),
            ("broken_promise_points", c.broken_promise_points),
            ("relationship_points_per_year", c.relationship_points_per_year),
            ("guarantor_points", c.guarantor_points),
            ("group_points", c.group_points),
        ];
        for (field, weight) in weights {
            if !(-WEIGHT_MAX..=WEIGHT_MAX).contains(&weight) {
                return Err(PriorityConfigError::WeightOutOfRange {
                    field,
                    max: WEIGHT_MAX,
                });
            }
        }
        let caps = [
            ("amount_steps_max", c.amount_steps_max),
            ("days_max", c.days_max),
            ("ability_pct_max", c.ability_pct_max),
            ("cures_max", c.cures_max),
            ("broken_promises_max", c.broken_promises_max),
            ("relationship_years_max", c.relationship_years_max),
        ];
        for (field, cap) in caps {
            cap_in_range(field, cap, CAP_MAX)?;
        }
        for cost in c.channel_cost_minor {
            cap_in_range("channel_cost_minor", cost, AMOUNT_CONFIG_MAX_MINOR)?;
        }
        Ok(PriorityFormula { config })
    }

    /// The configuration.
    pub fn config(&self) -> &PriorityConfig {
        &self.config
    }

    /// The score of `input` with every part shown.
    pub fn score(&self, input: &PriorityInput) -> Result<Priority, PriorityError> {
        let parts = self.score_parts(input)?;
        Ok(Priority {
            total: parts.total(),
            parts: Factor::ALL.into_iter().zip(parts.0).collect(),
        })
    }

    /// The parts of the score of `input`, without allocating.
    pub fn score_parts(&self, input: &PriorityInput) -> Result<PriorityParts, PriorityError> {
        validate_input(input)?;
        let c = &self.config;
        let amount_steps = (input.amount_overdue_minor / c.amount_step_minor).min(c.amount_steps_max);
        let days = i64::from(input.days_past_due).min(c.days_max);
        let cost_minor = c.channel_cost_minor[channel_index(input.next_channel)];
        let cost_steps = cost_minor / c.cost_step_minor;
        let relationship = &input.relationship;
        let years = i64::from(relationship.years_as_client).min(c.relationship_years_max);
        let ties = i64::from(relationship.has_guarantor) * c.guarantor_points
            + i64::from(relationship.group_member) * c.group_points;
        let broken = i64::from(input.broken_promises).min(c.broken_promises_max);
        let parts = PriorityParts([
            amount_steps * c.amount_points_per_step,
            days * c.days_points_per_day,
            cost_steps * c.cost_points_per_step,
            self.ability_points(&input.ability),
            broken * c.broken_promise_points,
            years * c.relationship_points_per_year + ties,
        ]);
        Ok(parts)
    }

    fn ability_points(&self, ability: &AbilityToPay) -> i64 {
        let c = &self.config;
        let capacity_pct = repayment_capacity_pct(ability).min(c.ability_pct_max);
        let cures = i64::from(ability.past_cures).min(c.cures_max);
        capacity_pct / 10 * c.ability_points_per_10_pct + cures * c.cure_points
    }
}

/// The repayment capacity: income less other debts as a whole percentage of
/// this loan's installment, rounded down (`RoundingMode::Down`); 0 when
/// nothing is left, `i64::MAX` when something is left and no installment is due.
pub fn repayment_capacity_pct(ability: &AbilityToPay) -> i64 {
    let surplus = i128::from(ability.income_monthly_minor) - i128::from(ability.other_debt_monthly_minor);
    match (surplus, ability.installment_minor) {
        (s, _) if s <= 0 => 0,
        (_, installment) if installment <= 0 => i64::MAX,
        (s, installment) => i64::try_from(s * 100 / i128::from(installment)).unwrap_or(i64::MAX),
    }
}

fn step(field: &'static str, value: i64) -> Result<(), PriorityConfigError> {
    if !(1..=AMOUNT_CONFIG_MAX_MINOR).contains(&value) {
        return Err(PriorityConfigError::StepOutOfRange {
            field,
            max: AMOUNT_CONFIG_MAX_MINOR,
        });
    }
    Ok(())
}

fn cap_in_range(field: &'static str, value: i64, max: i64) -> Result<(), PriorityConfigError> {
    if !(0..=max).contains(&value) {
        return Err(PriorityConfigError::CapOutOfRange { field, max });
    }
    Ok(())
}

fn validate_input(input: &PriorityInput) -> Result<(), PriorityError> {
    let amounts = [
        ("amount_overdue_minor", input.amount_overdue_minor),
        ("income_monthly_minor", input.ability.income_monthly_minor),
        ("other_debt_monthly_minor", input.ability.other_debt_monthly_minor),
        ("installment_minor", input.ability.installment_minor),
    ];
    match amounts.into_iter().find(|(_, v)| *v < 0) {
        Some((field, _)) => Err(PriorityError::Negative { field }),
        None => Ok(()),
    }
}

fn channel_index(channel: Channel) -> usize {
    Channel::ALL.iter().position(|c| *c == channel).unwrap_or(0)
}

/// An overdue (or not) loan as the end-of-day worklist step sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CollectionLoan {
    pub loan_id: LoanId,
    /// The account manager or grid worker responsible for the loan.
    pub responsible: UserId,
    pub outlet: NodeId,
    pub input: PriorityInput,
}

impl CollectionLoan {
    /// Whether the loan belongs in a worklist: anything overdue.
    pub fn is_overdue(&self) -> bool {
        self.input.days_past_due > 0 || self.input.amount_overdue_minor > 0
    }
}

/// Who works which overdue loan: the responsible grid worker or account
/// manager until `collector_from_days_past_due`, then the outlet's collector
/// (if the outlet has one); an explicit reassignment always wins.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    collector_from_days_past_due: u32,
    outlet_collectors: HashMap<NodeId, UserId>,
    reassigned: HashMap<LoanId, UserId>,
}

impl Default for Assignment {
    /// The grid worker keeps the first 30 days (they know the village).
    fn default() -> Self {
        Assignment::new(31)
    }
}

impl Assignment {
    /// An assignment handing loans to the outlet collector from `days` past due.
    pub fn new(collector_from_days_past_due: u32) -> Assignment {
        Assignment {
            collector_from_days_past_due,
            outlet_collectors: HashMap::new(),
            reassigned: HashMap::new(),
        }
    }

    /// Names the collector of an outlet.
    pub fn set_outlet_collector(&mut self, outlet: NodeId, collector: UserId) {
        self.outlet_collectors.insert(outlet, collector);
    }

    /// Gives one loan to a named person, whatever its days past due.
    pub fn reassign(&mut self, loan_id: LoanId, person: UserId) {
        self.reassigned.insert(loan_id, person);
    }

    /// The person whose worklist holds `loan`.
    pub fn assignee(&self, loan: &CollectionLoan) -> UserId {
        if !self.reassigned.is_empty()
            && let Some(person) = self.reassigned.get(&loan.loan_id)
        {
            return *person;
        }
        if loan.input.days_past_due >= self.collector_from_days_past_due
            && let Some(collector) = self.outlet_collectors.get(&loan.outlet)
        {
            return *collector;
        }
        loan.responsible
    }
}

/// One row of a worklist.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WorklistEntry {
    pub loan_id: LoanId,
    pub priority: i64,
    pub days_past_due: u32,
    pub amount_overdue_minor: i64,
}

/// Every worklist of one end of day: the entries of all lists in one vector,
/// grouped by assignee (ascending), each list highest priority first (ties:
/// more days past due, then larger amount, then lower loan id).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Worklists {
    entries: Vec<WorklistEntry>,
    lists: Vec<(UserId, usize, usize)>,
    rejected: Vec<(LoanId, PriorityError)>,
}

impl Worklists {
    /// Each assignee with their ordered worklist.
    pub fn lists(&self) -> impl Iterator<Item = (UserId, &[WorklistEntry])> {
        self.lists
            .iter()
            .map(|(user, start, end)| (*user, &self.entries[*start..*end]))
    }

    /// The worklist of `person` (empty when they have none).
    pub fn for_assignee(&self, person: UserId) -> &[WorklistEntry] {
        match self.lists.binary_search_by_key(&person, |(user, _, _)| *user) {
            Ok(i) => &self.entries[self.lists[i].1..self.lists[i].2],
            Err(_) => &[],
        }
    }

    /// How many loans are in all worklists.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no loan is in any worklist.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Overdue loans whose input could not be scored, with the reason.
    pub fn rejected(&self) -> &[(LoanId, PriorityError)] {
        &self.rejected
    }
}

/// Builds every worklist of the end of day from all `loans` (current ones are
/// skipped). A loan whose input cannot be scored is reported in
/// [`Worklists::rejected`] and does not stop the others.
pub fn build_worklists(
    formula: &PriorityFormula,
    loans: &[CollectionLoan],
    assignment: &Assignment,
) -> Worklists {
    let mut rows: Vec<(UserId, WorklistEntry)> = Vec::new();
    let mut rejected = Vec::new();
    for loan in loans.iter().filter(|l| l.is_overdue()) {
        match formula.score_parts(&loan.input) {
            Ok(parts) => rows.push((
                assignment.assignee(loan),
                WorklistEntry {
                    loan_id: loan.loan_id,
                    priority: parts.total(),
                    days_past_due: loan.input.days_past_due,
                    amount_overdue_minor: loan.input.amount_overdue_minor,
                },
            )),
            Err(error) => rejected.push((loan.loan_id, error)),
        }
    }
    rows.sort_unstable_by_key(|(user, e)| {
        (
            *user,
            Reverse(e.priority),
            Reverse(e.days_past_due),
            Reverse(e.amount_overdue_minor),
            e.loan_id,
        )
    });
    let mut lists: Vec<(UserId, usize, usize)> = Vec::new();
    for (i, (user, _)) in rows.iter().enumerate() {
        match lists.last_mut() {
            Some(last) if last.0 == *user => last.2 = i + 1,
            _ => lists.push((*user, i, i + 1)),
        }
    }
    let entries: Vec<WorklistEntry> = rows.into_iter().map(|(_, e)| e).collect();
    debug_assert_eq!(lists.iter().map(|l| l.2 - l.1).sum::<usize>(), entries.len());
    Worklists {
        entries,
        lists,
        rejected,
    }
}
