//! Conduct rules for collection (R-COL-3): allowed contact hours, a daily
//! contact limit per debtor, registered contacts only and templates only for
//! written messages. A refused attempt names its rule; a supervisor may
//! override the hours and the daily limit, and the override is returned as a
//! record to log.
//!
//! The documents ask collectors to stay polite and never to bother the people
//! around the debtor ("牢记礼貌对待客户", "尽量维护和保全客户面子"); the rules make
//! the failures impossible rather than discouraged.

use super::LoanId;
use super::action::{Channel, ContactBook, ContactId};
use super::message::MessageBody;
use crate::authz::UserId;
use chrono::{NaiveDateTime, NaiveTime};
use std::fmt;

/// The longest override reason, in characters.
pub const OVERRIDE_REASON_CHARS_MAX: usize = 500;

/// A conduct rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConductRule {
    /// Contact only within the allowed local hours.
    ContactHours,
    /// At most N debtor contacts per local day.
    DailyContactLimit,
    /// Only the debtor's registered, active contacts.
    RegisteredContactOnly,
    /// Written messages only from templates.
    TemplatesOnly,
}

impl ConductRule {
    /// The stable code (`contact-hours`, …).
    pub fn code(self) -> &'static str {
        match self {
            ConductRule::ContactHours => "contact-hours",
            ConductRule::DailyContactLimit => "daily-contact-limit",
            ConductRule::RegisteredContactOnly => "registered-contact-only",
            ConductRule::TemplatesOnly => "templates-only",
        }
    }

    /// Whether a supervisor may override the rule: hours and the daily limit
    /// only. Free text in a written message is never allowed (politeness is
    /// guaranteed by the templates), and an unregistered contact is never
    /// used: a contact learnt on the way is registered first (R-COL-3).
    pub fn is_overridable(self) -> bool {
        matches!(self, ConductRule::ContactHours | ConductRule::DailyContactLimit)
    }
}

impl fmt::Display for ConductRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A refused contact attempt or override: one variant per rule, each with a
/// stable code and a translation key (`collection.refusal.<code>`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConductRefusal {
    #[error("contact {contact:?} is not a registered, active contact of this debtor")]
    UnregisteredContact { contact: Option<ContactId> },
    #[error("a written message by {channel} must come from a template, not free text")]
    FreeTextNotAllowed { channel: Channel },
    #[error("{local_time} is outside the allowed contact hours {start}–{end}")]
    OutsideContactHours {
        local_time: NaiveTime,
        start: NaiveTime,
        end: NaiveTime,
    },
    #[error("the debtor was already contacted {contacts_today} times today; the limit is {max}")]
    DailyLimitReached { contacts_today: u32, max: u32 },
    #[error("the override is signed by user {user}, who is not a supervisor")]
    OverrideNotSupervisor { user: UserId },
    #[error("the supervisor who overrides must be another person than the collector")]
    OverrideBySelf,
    #[error("an override needs a reason")]
    OverrideReasonRequired,
    #[error("the rule {rule} cannot be overridden")]
    OverrideNotAllowed { rule: ConductRule },
}

impl ConductRefusal {
    /// The stable code (`collection-outside-hours`).
    pub fn code(&self) -> &'static str {
        match self {
            ConductRefusal::UnregisteredContact { .. } => "collection-unregistered-contact",
            ConductRefusal::FreeTextNotAllowed { .. } => "collection-free-text",
            ConductRefusal::OutsideContactHours { .. } => "collection-outside-hours",
            ConductRefusal::DailyLimitReached { .. } => "collection-daily-limit",
            ConductRefusal::OverrideNotSupervisor { .. } => "collection-override-not-supervisor",
            ConductRefusal::OverrideBySelf => "collection-override-by-self",
            ConductRefusal::OverrideReasonRequired => "collection-override-reason-required",
            ConductRefusal::OverrideNotAllowed { .. } => "collection-override-not-allowed",
        }
    }

    /// The translation key (`collection.refusal.collection-outside-hours`).
    pub fn key(&self) -> String {
        format!("collection.refusal.{}", self.code())
    }

    /// The conduct rule broken, or `None` for a refused override.
    pub fn rule(&self) -> Option<ConductRule> {
        match self {
            ConductRefusal::UnregisteredContact { .. } => Some(ConductRule::RegisteredContactOnly),
            ConductRefusal::FreeTextNotAllowed { .. } => Some(ConductRule::TemplatesOnly),
            ConductRefusal::OutsideContactHours { .. } => Some(ConductRule::ContactHours),
            ConductRefusal::DailyLimitReached { .. } => Some(ConductRule::DailyContactLimit),
            _ => None,
        }
    }

    /// The named values for the translation placeholders.
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            ConductRefusal::UnregisteredContact { contact } => {
                vec![(
                    "contact",
                    contact.map_or_else(|| "-".to_string(), |c| c.to_string()),
                )]
            }
            ConductRefusal::FreeTextNotAllowed { channel } => vec![("channel", channel.to_string())],
            ConductRefusal::OutsideContactHours {
                local_time,
                start,
                end,
            } => vec![
                ("time", local_time.format("%H:%M").to_string()),
                ("start", start.format("%H:%M").to_string()),
                ("end", end.format("%H:%M").to_string()),
            ],
            ConductRefusal::DailyLimitReached { contacts_today, max } => {
                vec![("count", contacts_today.to_string()), ("max", max.to_string())]
            }
            ConductRefusal::OverrideNotSupervisor { user } => vec![("user", user.to_string())],
            ConductRefusal::OverrideNotAllowed { rule } => vec![("rule", rule.to_string())],
            ConductRefusal::OverrideBySelf | ConductRefusal::OverrideReasonRequired => vec![],
        }
    }
}

/// Why a set of conduct rules was refused as configuration.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConductConfigError {
    #[error("contact_hours_start must be before contact_hours_end")]
    HoursNotIncreasing,
    #[error("contacts_per_day_max must be at least 1")]
    NoContactsAllowed,
}

/// The institution's conduct rules. Contact is allowed from `start`
/// (inclusive) to `end` (exclusive), local time at the debtor's place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConductRules {
    start: NaiveTime,
    end: NaiveTime,
    contacts_per_day_max: u32,
}

impl Default for ConductRules {
    /// 08:00–21:00 local, at most 3 contacts per debtor per day (issue 7).
    fn default() -> Self {
        ConductRules {
            start: NaiveTime::from_hms_opt(8, 0, 0).unwrap_or(NaiveTime::MIN),
            end: NaiveTime::from_hms_opt(21, 0, 0).unwrap_or(NaiveTime::MIN),
            contacts_per_day_max: 3,
        }
    }
}

impl ConductRules {
    /// Rules from the allowed local hours and the daily contact limit.
    pub fn new(
        start: NaiveTime,
        end: NaiveTime,
        contacts_per_day_max: u32,
    ) -> Result<ConductRules, ConductConfigError> {
        if start >= end {
            return Err(ConductConfigError::HoursNotIncreasing);
        }
        if contacts_per_day_max == 0 {
            return Err(ConductConfigError::NoContactsAllowed);
        }
        Ok(ConductRules {
            start,
            end,
            contacts_per_day_max,
        })
    }

    /// The allowed local hours, `(start, end)`.
    pub fn hours(&self) -> (NaiveTime, NaiveTime) {
        (self.start, self.end)
    }

    /// The daily contact limit per debtor.
    pub fn contacts_per_day_max(&self) -> u32 {
        self.contacts_per_day_max
    }
}

/// A contact the collector is about to make.
#[derive(Clone, Copy, Debug)]
pub struct ContactAttempt<'a> {
    pub loan_id: LoanId,
    pub channel: Channel,
    /// The local time at the debtor's place.
    pub local_time: NaiveDateTime,
    /// The collector or grid worker.
    pub person: UserId,
    pub contact: Option<ContactId>,
    pub book: &'a ContactBook,
    /// The message of a written channel.
    pub body: Option<&'a MessageBody>,
    /// Debtor contacts already made on this local day, over all the
    /// debtor's loans (see [`super::action::contacts_on_day`]).
    pub contacts_today: u32,
}

/// Every rule `attempt` breaks, in the order [`ConductRule`] lists them
/// for reporting: registered contact, templates, hours, daily limit.
pub fn broken_rules(rules: &ConductRules, attempt: &ContactAttempt<'_>) -> Vec<ConductRefusal> {
    let mut refusals = Vec::new();
    let channel = attempt.channel;
    let registered = attempt.contact.is_some_and(|id| attempt.book.is_active(id));
    if channel.is_debtor_contact() && !registered {
        refusals.push(ConductRefusal::UnregisteredContact {
            contact: attempt.contact,
        });
    }
    if channel.is_written() && !matches!(attempt.body, Some(MessageBody::Template { .. })) {
        refusals.push(ConductRefusal::FreeTextNotAllowed { channel });
    }
    let time = attempt.local_time.time();
    if channel.is_immediate() && (time < rules.start || time >= rules.end) {
        refusals.push(ConductRefusal::OutsideContactHours {
            local_time: time,
            start: rules.start,
            end: rules.end,
        });
    }
    if channel.is_debtor_contact() && attempt.contacts_today >= rules.contacts_per_day_max {
        refusals.push(ConductRefusal::DailyLimitReached {
            contacts_today: attempt.contacts_today,
            max: rules.contacts_per_day_max,
        });
    }
    refusals
}

/// Allows `attempt` or refuses it with the first rule it breaks.
pub fn check(rules: &ConductRules, attempt: &ContactAttempt<'_>) -> Result<(), ConductRefusal> {
    match broken_rules(rules, attempt).into_iter().next() {
        Some(refusal) => Err(refusal),
        None => Ok(()),
    }
}

/// A staff member as the conduct rules see them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Staff {
    pub id: UserId,
    /// Whether the user holds the collection-supervisor flag.
    pub is_supervisor: bool,
}

/// A supervisor's manual override of named rules for one attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OverrideRequest {
    pub rules: Vec<ConductRule>,
    pub supervisor: Staff,
    pub reason: String,
    pub at: NaiveDateTime,
}

/// The logged record of an override that was used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OverrideRecord {
    pub loan_id: LoanId,
    pub channel: Channel,
    /// The rules the attempt broke and the override lifted.
    pub rules: Vec<ConductRule>,
    pub collector: UserId,
    pub supervisor: UserId,
    pub reason: String,
    pub at: NaiveDateTime,
}

/// Allows `attempt` under a supervisor's override. Returns `Ok(None)` when
/// no rule is broken (nothing to log), `Ok(Some(record))` when the override
/// lifted every broken rule, and a refusal when the override is invalid or a
/// broken rule is not covered by it (that rule's own refusal).
pub fn check_with_override(
    rules: &ConductRules,
    attempt: &ContactAttempt<'_>,
    request: &OverrideRequest,
) -> Result<Option<OverrideRecord>, ConductRefusal> {
    let broken = broken_rules(rules, attempt);
    if broken.is_empty() {
        return Ok(None);
    }
    validate_override(attempt.person, request)?;
    let mut lifted = Vec::with_capacity(broken.len());
    for refusal in broken {
        let Some(rule) = refusal.rule() else {
            return Err(refusal);
        };
        if !rule.is_overridable() {
            return Err(ConductRefusal::OverrideNotAllowed { rule });
        }
        if !request.rules.contains(&rule) {
            return Err(refusal);
        }
        lifted.push(rule);
    }
    Ok(Some(OverrideRecord {
        loan_id: attempt.loan_id,
        channel: attempt.channel,
        rules: lifted,
        collector: attempt.person,
        supervisor: request.supervisor.id,
        reason: request.reason.trim().to_string(),
        at: request.at,
    }))
}

fn validate_override(collector: UserId, request: &OverrideRequest) -> Result<(), ConductRefusal> {
    if !request.supervisor.is_supervisor {
        return Err(ConductRefusal::OverrideNotSupervisor {
            user: request.supervisor.id,
        });
    }
    if request.supervisor.id == collector {
        return Err(ConductRefusal::OverrideBySelf);
    }
    let reason = request.reason.trim();
    if reason.is_empty() || reason.chars().count() > OVERRIDE_REASON_CHARS_MAX {
        return Err(ConductRefusal::OverrideReasonRequired);
    }
    if let Some(rule) = request.rules.iter().find(|r| !r.is_overridable()) {
        return Err(ConductRefusal::OverrideNotAllowed { rule: *rule });
    }
    Ok(())
}
