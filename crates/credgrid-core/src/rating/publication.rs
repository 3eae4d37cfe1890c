//! Publication of ratings and lines in the village (R-RATE-3): a notice runs
//! for a notice period (default 7 days) before the ratings take effect;
//! objections raised in that period are recorded and resolved — kept, changed
//! or withdrawn — by someone other than the rater.
//!
//! Timing, with `published_on` = day 1 and `notice_days` = N: objections are
//! accepted from `published_on` to `published_on + N − 1` inclusive; an entry
//! without objections takes effect on `published_on + N`. An entry with
//! objections waits until all are resolved and takes effect on the later of
//! `published_on + N` and the date of its last resolution.

use super::scorecard::{Grade, Scorecard};
use crate::authz::UserId;
use crate::grid::HouseholdId;
use crate::money::Money;
use chrono::{Days, NaiveDate};
use std::collections::BTreeSet;

/// The default notice period in days.
pub const NOTICE_DAYS_DEFAULT: u32 = 7;

/// One household's rating and line on a notice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoticeEntry {
    pub household: HouseholdId,
    pub grade: Grade,
    /// The pure-credit line granted (`None` below general).
    pub line: Option<Money>,
}

/// How an objection was settled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// The published rating and line stand.
    Kept,
    /// The rating or line is changed to these.
    Changed { grade: Grade, line: Option<Money> },
    /// The rating and its line are withdrawn: no line is granted.
    Withdrawn,
}

impl Resolution {
    pub fn name(&self) -> &'static str {
        match self {
            Resolution::Kept => "kept",
            Resolution::Changed { .. } => "changed",
            Resolution::Withdrawn => "withdrawn",
        }
    }

    /// The translation key (`rating.resolution.kept`).
    pub fn key(&self) -> String {
        format!("rating.resolution.{}", self.name())
    }
}

/// The settlement of an objection: what, by whom, when and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settlement {
    pub resolution: Resolution,
    pub by: UserId,
    pub on: NaiveDate,
    pub reason: String,
}

/// An objection raised against one entry of a notice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Objection {
    pub id: usize,
    pub household: HouseholdId,
    pub raised_on: NaiveDate,
    /// Who objected (a villager, named as they gave it).
    pub raised_by: String,
    pub reason: String,
    pub settlement: Option<Settlement>,
}

/// Why a publication act was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PublicationError {
    #[error("a notice needs at least one entry")]
    EmptyNotice,
    #[error("the notice period must be at least one day")]
    NoticePeriodZero,
    #[error("{household} appears twice on the notice")]
    DuplicateHousehold { household: HouseholdId },
    #[error("{household} is not on this notice")]
    HouseholdNotOnNotice { household: HouseholdId },
    #[error("the notice is published on {published_on}; an objection cannot come before")]
    ObjectionBeforePublication { published_on: NaiveDate },
    #[error("the notice period ended on {period_last}; objections are no longer accepted")]
    ObjectionAfterPeriod { period_last: NaiveDate },
    #[error("a reason is required")]
    ReasonRequired,
    #[error("objection {id} does not exist")]
    UnknownObjection { id: usize },
    #[error("objection {id} is already resolved")]
    AlreadyResolved { id: usize },
    #[error("the rater cannot resolve an objection to their own rating")]
    RaterCannotResolve,
    #[error("the objection was raised on {raised_on}; it cannot be resolved before")]
    ResolutionBeforeObjection { raised_on: NaiveDate },
    #[error("the date is out of range")]
    DateOutOfRange,
    #[error("the line of {household} does not fit its grade's pure-credit range")]
    LineOutsideGrade { household: HouseholdId },
}

impl PublicationError {
    /// The stable code (`rating-rater-cannot-resolve`).
    pub fn code(&self) -> &'static str {
        match self {
            PublicationError::EmptyNotice => "rating-empty-notice",
            PublicationError::NoticePeriodZero => "rating-notice-period-zero",
            PublicationError::DuplicateHousehold { .. } => "rating-duplicate-household",
            PublicationError::HouseholdNotOnNotice { .. } => "rating-household-not-on-notice",
            PublicationError::ObjectionBeforePublication { .. } => "rating-objection-before-publication",
            PublicationError::ObjectionAfterPeriod { .. } => "rating-objection-after-period",
            PublicationError::ReasonRequired => "rating-reason-required",
            PublicationError::UnknownObjection { .. } => "rating-unknown-objection",
            PublicationError::AlreadyResolved { .. } => "rating-already-resolved",
            PublicationError::RaterCannotResolve => "rating-rater-cannot-resolve",
            PublicationError::ResolutionBeforeObjection { .. } => "rating-resolution-before-objection",
            PublicationError::DateOutOfRange => "rating-date-out-of-range",
            PublicationError::LineOutsideGrade { .. } => "rating-line-outside-grade",
        }
    }

    /// The translation key (`rating.refusal.rating-rater-cannot-resolve`).
    pub fn key(&self) -> String {
        format!("rating.refusal.{}", self.code())
    }
}

/// Where an entry stands on a date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeStatus {
    /// Before publication: nothing is visible yet.
    NotPublished,
    /// On the village notice; objections are accepted until `period_last`.
    InNotice { period_last: NaiveDate },
    /// The period is over but `open_objections` are not resolved.
    AwaitingResolution { open_objections: usize },
    /// In force: the rating and line as published or as changed.
    Effective {
        from: NaiveDate,
        grade: Grade,
        line: Option<Money>,
    },
    /// Withdrawn after an objection, as of `on`.
    Withdrawn { on: NaiveDate },
}

/// A village notice of ratings and lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    village: String,
    rater: UserId,
    published_on: NaiveDate,
    period_last: NaiveDate,
    entries: Vec<NoticeEntry>,
    objections: Vec<Objection>,
}

impl Notice {
    /// Publishes `entries` in `village` on `published_on` for `notice_days`.
    pub fn publish(
        village: &str,
        rater: UserId,
        published_on: NaiveDate,
        notice_days: u32,
        entries: Vec<NoticeEntry>,
    ) -> Result<Notice, PublicationError> {
        if entries.is_empty() {
            return Err(PublicationError::EmptyNotice);
        }
        if notice_days == 0 {
            return Err(PublicationError::NoticePeriodZero);
        }
        let mut seen = BTreeSet::new();
        if let Some(entry) = entries.iter().find(|e| !seen.insert(e.household)) {
            return Err(PublicationError::DuplicateHousehold {
                household: entry.household,
            });
        }
        let period_last = published_on
            .checked_add_days(Days::new(u64::from(notice_days) - 1))
            .ok_or(PublicationError::DateOutOfRange)?;
        period_last.succ_opt().ok_or(PublicationError::DateOutOfRange)?;
        let village = village.to_string();
        Ok(Notice {
            village,
            rater,
            published_on,
            period_last,
            entries,
            objections: Vec::new(),
        })
    }

    pub fn village(&self) -> &str {
        &self.village
    }

    pub fn rater(&self) -> UserId {
        self.rater
    }

    pub fn published_on(&self) -> NaiveDate {
        self.published_on
    }

    /// The last day objections are accepted.
    pub fn period_last(&self) -> NaiveDate {
        self.period_last
    }

    /// The day an entry without objections takes effect.
    pub fn takes_effect_on(&self) -> NaiveDate {
        self.period_last.succ_opt().expect("checked when published")
    }

    pub fn entries(&self) -> &[NoticeEntry] {
        &self.entries
    }

    pub fn objections(&self) -> &[Objection] {
        &self.objections
    }

    fn entry(&self, household: HouseholdId) -> Result<&NoticeEntry, PublicationError> {
        self.entries
            .iter()
            .find(|e| e.household == household)
            .ok_or(PublicationError::HouseholdNotOnNotice { household })
    }

    /// Records an objection to `household`'s entry; returns its id.
    pub fn object(
        &mut self,
        household: HouseholdId,
        raised_on: NaiveDate,
        raised_by: &str,
        reason: &str,
    ) -> Result<usize, PublicationError> {
        self.entry(household)?;
        if raised_on < self.published_on {
            return Err(PublicationError::ObjectionBeforePublication {
                published_on: self.published_on,
            });
        }
        if raised_on > self.period_last {
            return Err(PublicationError::ObjectionAfterPeriod {
                period_last: self.period_last,
            });
        }
        if reason.trim().is_empty() {
            return Err(PublicationError::ReasonRequired);
        }
        let id = self.objections.len();
        self.objections.push(Objection {
            id,
            household,
            raised_on,
            raised_by: raised_by.to_string(),
            reason: reason.to_string(),
            settlement: None,
        });
        Ok(id)
    }

    /// Resolves objection `id`; the rater may not resolve it.
    pub fn resolve(
        &mut self,
        id: usize,
        by: UserId,
        on: NaiveDate,
        resolution: Resolution,
        reason: &str,
    ) -> Result<(), PublicationError> {
        let rater = self.rater;
        let objection = self
            .objections
            .get_mut(id)
            .ok_or(PublicationError::UnknownObjection { id })?;
        if objection.settlement.is_some() {
            return Err(PublicationError::AlreadyResolved { id });
        }
        if by == rater {
            return Err(PublicationError::RaterCannotResolve);
        }
        if on < objection.raised_on {
            return Err(PublicationError::ResolutionBeforeObjection {
                raised_on: objection.raised_on,
            });
        }
        if reason.trim().is_empty() {
            return Err(PublicationError::ReasonRequired);
        }
        objection.settlement = Some(Settlement {
            resolution,
            by,
            on,
            reason: reason.to_string(),
        });
        Ok(())
    }

    /// Checks every published entry and every `Changed` resolution against
    /// the pure-credit ranges of `scorecard` (R-RATE-2): the first entry whose
    /// line does not fit its grade is refused.
    pub fn check_lines(&self, scorecard: &Scorecard) -> Result<(), PublicationError> {
        let published = self.entries.iter().map(|e| (e.household, e.grade, e.line));
        let changed = self
            .objections
            .iter()
            .filter_map(|o| match o.settlement.as_ref()?.resolution {
                Resolution::Changed { grade, line } => Some((o.household, grade, line)),
                _ => None,
            });
        for (household, grade, line) in published.chain(changed) {
            if !scorecard.line_fits_grade(grade, line) {
                return Err(PublicationError::LineOutsideGrade { household });
            }
        }
        Ok(())
    }

    /// Where `household`'s entry stands on `date`.
    pub fn status(&self, household: HouseholdId, date: NaiveDate) -> Result<NoticeStatus, PublicationError> {
        let entry = *self.entry(household)?;
        if date < self.published_on {
            return Ok(NoticeStatus::NotPublished);
        }
        if date <= self.period_last {
            return Ok(NoticeStatus::InNotice {
                period_last: self.period_last,
            });
        }
        let mut settled: Vec<&Settlement> = Vec::new();
        let mut open_objections = 0;
        for objection in self.objections.iter().filter(|o| o.household == household) {
            match &objection.settlement {
                Some(s) if s.on <= date => settled.push(s),
                _ => open_objections += 1,
            }
        }
        if open_objections > 0 {
            return Ok(NoticeStatus::AwaitingResolution { open_objections });
        }
        settled.sort_by_key(|s| s.on);
        let from = settled
            .last()
            .map_or(self.takes_effect_on(), |s| s.on.max(self.takes_effect_on()));
        Ok(final_status(entry, &settled, from))
    }

    /// The date `household`'s entry takes effect, once every objection to it
    /// is resolved; `None` while one is open or after a withdrawal.
    pub fn effective_on(&self, household: HouseholdId) -> Result<Option<NaiveDate>, PublicationError> {
        self.entry(household)?;
        let mut from = self.takes_effect_on();
        for objection in self.objections.iter().filter(|o| o.household == household) {
            let Some(settlement) = &objection.settlement else {
                return Ok(None);
            };
            from = from.max(settlement.on);
        }
        match self.status(household, from)? {
            NoticeStatus::Effective { from, .. } => Ok(Some(from)),
            _ => Ok(None),
        }
    }
}

/// Applies the settlements in date order to the published entry.
fn final_status(entry: NoticeEntry, settled: &[&Settlement], from: NaiveDate) -> NoticeStatus {
    let (mut grade, mut line) = (entry.grade, entry.line);
    for settlement in settled {
        match settlement.resolution {
            Resolution::Kept => {}
            Resolution::Changed { grade: g, line: l } => (grade, line) = (g, l),
            Resolution::Withdrawn => return NoticeStatus::Withdrawn { on: settlement.on },
        }
    }
    NoticeStatus::Effective { from, grade, line }
}
