//! Collection actions: the channels, the debtor's contacts and the record of
//! every contact attempt (R-COL-2).
//!
//! An [`Action`] records channel, local time, the person who acted, the
//! outcome, notes, an optional promise to pay and any new or corrected
//! contacts. The documents insist on collecting several contacts per debtor
//! and on updating them at once ("要尽量让客户多提供几个人及公司和家里的联系方式…
//! 及时修改其联系方式"), so a [`ContactBook`] keeps every contact with who gave
//! it and when, and a correction replaces a contact without erasing it.

use super::LoanId;
use crate::authz::UserId;
use crate::money::Money;
use chrono::{NaiveDate, NaiveDateTime};
use std::fmt;

/// The id of a registered contact.
pub type ContactId = i64;

/// The longest free note on an action, in characters.
pub const NOTES_CHARS_MAX: usize = 2_000;
/// The longest contact value (a phone number, an address), in characters.
pub const CONTACT_VALUE_CHARS_MAX: usize = 300;
/// The most new contacts one action may record.
pub const NEW_CONTACTS_MAX: usize = 20;
/// The most contacts one debtor's book may hold, corrected ones included.
pub const CONTACTS_MAX: usize = 200;

/// How a collector reaches the debtor (or hands the loan over).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    Sms,
    Phone,
    Letter,
    Visit,
    ThirdParty,
    LegalCourt,
    LegalPolice,
}

impl Channel {
    /// Every channel, from the cheapest to the most serious.
    pub const ALL: [Channel; 7] = [
        Channel::Sms,
        Channel::Phone,
        Channel::Letter,
        Channel::Visit,
        Channel::ThirdParty,
        Channel::LegalCourt,
        Channel::LegalPolice,
    ];

    /// The stable code (`sms`, `legal_court`, …).
    pub fn code(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Phone => "phone",
            Channel::Letter => "letter",
            Channel::Visit => "visit",
            Channel::ThirdParty => "third_party",
            Channel::LegalCourt => "legal_court",
            Channel::LegalPolice => "legal_police",
        }
    }

    /// The channel with this code.
    pub fn parse(code: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.code() == code)
    }

    /// The translation key (`collection.channel.sms`).
    pub fn key(self) -> String {
        format!("collection.channel.{}", self.code())
    }

    /// Whether the channel sends a written message (templates only, R-COL-3).
    pub fn is_written(self) -> bool {
        matches!(self, Channel::Sms | Channel::Letter)
    }

    /// Whether the channel reaches the debtor directly and so counts against
    /// the daily contact limit.
    pub fn is_debtor_contact(self) -> bool {
        matches!(
            self,
            Channel::Sms | Channel::Phone | Channel::Letter | Channel::Visit
        )
    }

    /// Whether the contact happens at the moment it is made, so the allowed
    /// contact hours apply (a letter is posted, not received, at that time).
    pub fn is_immediate(self) -> bool {
        matches!(self, Channel::Sms | Channel::Phone | Channel::Visit)
    }

    /// Whether the channel hands the loan to someone outside the institution.
    pub fn is_handover(self) -> bool {
        matches!(
            self,
            Channel::ThirdParty | Channel::LegalCourt | Channel::LegalPolice
        )
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// What an action achieved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The debtor (or a registered contact) was reached.
    Reached,
    NoAnswer,
    WrongContact,
    /// The debtor refused to pay.
    Refused,
    /// The debtor promised to pay (the action carries the promise).
    Promised,
    /// A written message was handed to the sender.
    Sent,
    /// The case was handed over (third party, court, police).
    HandedOver,
}

impl Outcome {
    /// Every outcome.
    pub const ALL: [Outcome; 7] = [
        Outcome::Reached,
        Outcome::NoAnswer,
        Outcome::WrongContact,
        Outcome::Refused,
        Outcome::Promised,
        Outcome::Sent,
        Outcome::HandedOver,
    ];

    /// The stable code (`no_answer`, …).
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Reached => "reached",
            Outcome::NoAnswer => "no_answer",
            Outcome::WrongContact => "wrong_contact",
            Outcome::Refused => "refused",
            Outcome::Promised => "promised",
            Outcome::Sent => "sent",
            Outcome::HandedOver => "handed_over",
        }
    }

    /// The translation key (`collection.outcome.no_answer`).
    pub fn key(self) -> String {
        format!("collection.outcome.{}", self.code())
    }
}

/// Whose contact it is, relative to the debtor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ContactRelation {
    Borrower,
    Spouse,
    Relative,
    Guarantor,
    GroupMember,
    Employer,
    Neighbour,
    VillageCadre,
}

impl ContactRelation {
    /// Every relation.
    pub const ALL: [ContactRelation; 8] = [
        ContactRelation::Borrower,
        ContactRelation::Spouse,
        ContactRelation::Relative,
        ContactRelation::Guarantor,
        ContactRelation::GroupMember,
        ContactRelation::Employer,
        ContactRelation::Neighbour,
        ContactRelation::VillageCadre,
    ];

    /// The stable code (`group_member`, …).
    pub fn code(self) -> &'static str {
        match self {
            ContactRelation::Borrower => "borrower",
            ContactRelation::Spouse => "spouse",
            ContactRelation::Relative => "relative",
            ContactRelation::Guarantor => "guarantor",
            ContactRelation::GroupMember => "group_member",
            ContactRelation::Employer => "employer",
            ContactRelation::Neighbour => "neighbour",
            ContactRelation::VillageCadre => "village_cadre",
        }
    }

    /// The translation key (`collection.relation.spouse`).
    pub fn key(self) -> String {
        format!("collection.relation.{}", self.code())
    }
}

/// The kind of a contact detail.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ContactKind {
    Mobile,
    Landline,
    HomeAddress,
    WorkAddress,
}

impl ContactKind {
    /// Every kind.
    pub const ALL: [ContactKind; 4] = [
        ContactKind::Mobile,
        ContactKind::Landline,
        ContactKind::HomeAddress,
        ContactKind::WorkAddress,
    ];

    /// The stable code (`home_address`, …).
    pub fn code(self) -> &'static str {
        match self {
            ContactKind::Mobile => "mobile",
            ContactKind::Landline => "landline",
            ContactKind::HomeAddress => "home_address",
            ContactKind::WorkAddress => "work_address",
        }
    }

    /// The translation key (`collection.contact_kind.mobile`).
    pub fn key(self) -> String {
        format!("collection.contact_kind.{}", self.code())
    }
}

/// A contact detail of a debtor: a phone or an address of the borrower or of
/// someone close, with who gave it and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    pub id: ContactId,
    pub kind: ContactKind,
    pub relation: ContactRelation,
    /// The name of the person reached through this contact.
    pub holder_name: String,
    pub value: String,
    /// Who gave the contact (the borrower, a neighbour, …), as told.
    pub given_by: String,
    /// The staff member who recorded it.
    pub recorded_by: UserId,
    pub given_at: NaiveDateTime,
    /// The contact this one corrects, if any.
    pub corrects: Option<ContactId>,
}

/// Why a contact or an action was refused as malformed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    #[error("{field} must not be empty")]
    Empty { field: &'static str },
    #[error("{field} is longer than {max} characters")]
    TooLong { field: &'static str, max: usize },
    #[error("contact {0} is already registered")]
    DuplicateContact(ContactId),
    #[error("contact {0} is not registered for this debtor")]
    UnknownContact(ContactId),
    #[error("contact {0} was already corrected")]
    AlreadyCorrected(ContactId),
    #[error("the promised amount must be positive")]
    PromiseNotPositive,
    #[error("the promised date {promised} is before the action date {action}")]
    PromiseInPast { promised: NaiveDate, action: NaiveDate },
    #[error("an action with outcome `promised` needs a promise, and a promise needs that outcome")]
    PromiseOutcomeMismatch,
    #[error("an action records at most {max} new contacts")]
    TooManyContacts { max: usize },
    #[error("a debtor's contact book holds at most {max} contacts")]
    ContactBookFull { max: usize },
}

impl Contact {
    /// Checks the fields a person typed.
    pub fn validate(&self) -> Result<(), ActionError> {
        check_text("contact.value", &self.value, CONTACT_VALUE_CHARS_MAX)?;
        check_text("contact.holder_name", &self.holder_name, CONTACT_VALUE_CHARS_MAX)?;
        check_text("contact.given_by", &self.given_by, CONTACT_VALUE_CHARS_MAX)
    }
}

fn check_text(field: &'static str, text: &str, max: usize) -> Result<(), ActionError> {
    if text.trim().is_empty() {
        return Err(ActionError::Empty { field });
    }
    if text.chars().count() > max {
        return Err(ActionError::TooLong { field, max });
    }
    Ok(())
}

/// Every contact of one debtor, corrections included. A corrected contact
/// stays in the book (the history shows what was known when) but is no
/// longer active.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContactBook {
    contacts: Vec<Contact>,
}

impl ContactBook {
    /// An empty book.
    pub fn new() -> ContactBook {
        ContactBook::default()
    }

    /// Registers a new contact, or a correction when `contact.corrects` is set.
    pub fn register(&mut self, contact: Contact) -> Result<(), ActionError> {
        contact.validate()?;
        if self.contacts.len() >= CONTACTS_MAX {
            return Err(ActionError::ContactBookFull { max: CONTACTS_MAX });
        }
        if self.get(contact.id).is_some() {
            return Err(ActionError::DuplicateContact(contact.id));
        }
        if let Some(old) = contact.corrects {
            if self.get(old).is_none() {
                return Err(ActionError::UnknownContact(old));
            }
            if self.contacts.iter().any(|c| c.corrects == Some(old)) {
                return Err(ActionError::AlreadyCorrected(old));
            }
        }
        self.contacts.push(contact);
        Ok(())
    }

    /// The contact with this id, active or corrected.
    pub fn get(&self, id: ContactId) -> Option<&Contact> {
        self.contacts.iter().find(|c| c.id == id)
    }

    /// Whether `id` is a registered contact that has not been corrected since.
    pub fn is_active(&self, id: ContactId) -> bool {
        self.get(id).is_some() && !self.contacts.iter().any(|c| c.corrects == Some(id))
    }

    /// The active contacts, in the order they were registered.
    pub fn active(&self) -> impl Iterator<Item = &Contact> {
        self.contacts.iter().filter(|c| self.is_active(c.id))
    }

    /// Every contact ever registered, corrected ones included.
    pub fn all(&self) -> &[Contact] {
        &self.contacts
    }
}

/// A promise to pay: an amount by a date (R-COL-2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PromiseToPay {
    pub amount: Money,
    pub date: NaiveDate,
}

/// One collection action, as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Action {
    pub loan_id: LoanId,
    pub channel: Channel,
    /// The local time of the action at the debtor's place.
    pub at: NaiveDateTime,
    /// The collector or grid worker who acted.
    pub person: UserId,
    /// The contact used, if the channel reaches someone.
    pub contact: Option<ContactId>,
    pub outcome: Outcome,
    pub notes: String,
    pub promise: Option<PromiseToPay>,
    /// New or corrected contacts learnt during the action.
    pub new_contacts: Vec<Contact>,
    /// The template id of a written message.
    pub template: Option<String>,
}

impl Action {
    /// Checks the record is well formed: notes bounded, promise coherent with
    /// the outcome, positive and not in the past, new contacts well formed.
    pub fn validate(&self) -> Result<(), ActionError> {
        if self.notes.chars().count() > NOTES_CHARS_MAX {
            return Err(ActionError::TooLong {
                field: "notes",
                max: NOTES_CHARS_MAX,
            });
        }
        if self.promise.is_some() != (self.outcome == Outcome::Promised) {
            return Err(ActionError::PromiseOutcomeMismatch);
        }
        if let Some(promise) = self.promise {
            if !promise.amount.is_positive() {
                return Err(ActionError::PromiseNotPositive);
            }
            if promise.date < self.at.date() {
                return Err(ActionError::PromiseInPast {
                    promised: promise.date,
                    action: self.at.date(),
                });
            }
        }
        if self.new_contacts.len() > NEW_CONTACTS_MAX {
            return Err(ActionError::TooManyContacts {
                max: NEW_CONTACTS_MAX,
            });
        }
        self.new_contacts.iter().try_for_each(Contact::validate)
    }
}

/// How many debtor contacts `actions` made on the local day `day` (the count
/// the daily limit of [`super::conduct::ConductRules`] is checked against).
pub fn contacts_on_day<'a>(actions: impl IntoIterator<Item = &'a Action>, day: NaiveDate) -> u32 {
    let count = actions
        .into_iter()
        .filter(|a| a.channel.is_debtor_contact() && a.at.date() == day)
        .count();
    u32::try_from(count).unwrap_or(u32::MAX)
}

/// What the history of a loan's actions says about the debtor, for
/// [`super::strategy::SegmentInput`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HistorySummary {
    /// Actions whose outcome was an explicit refusal to pay.
    pub refusals: u32,
    /// Debtor contacts since the debtor was last reached (no answer or a
    /// wrong contact), oldest first.
    pub failed_attempts: u32,
}

/// Summarises `actions` (in any order) for the segment.
pub fn summarise(actions: &[Action]) -> HistorySummary {
    let mut ordered: Vec<&Action> = actions.iter().collect();
    ordered.sort_by_key(|a| a.at);
    let mut summary = HistorySummary::default();
    for action in ordered {
        match action.outcome {
            Outcome::Refused => {
                summary.refusals = summary.refusals.saturating_add(1);
                summary.failed_attempts = 0;
            }
            Outcome::NoAnswer | Outcome::WrongContact if action.channel.is_debtor_contact() => {
                summary.failed_attempts = summary.failed_attempts.saturating_add(1);
            }
            Outcome::Reached | Outcome::Promised => summary.failed_attempts = 0,
            _ => {}
        }
    }
    summary
}
