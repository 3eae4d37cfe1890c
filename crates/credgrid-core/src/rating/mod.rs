//! Household rating (R-RATE-1..3): transparent, configurable scorecards that
//! say which factors produced a grade, the re-rating decision, and the
//! publication of ratings and lines in the village before they take effect.

pub mod publication;
pub mod scorecard;

pub use publication::{Notice, NoticeEntry, NoticeStatus, Objection, PublicationError, Resolution};
pub use scorecard::{
    Bin, Contribution, Factor, FactorRule, Grade, GradeRule, OutsideFacts, Rating, ScoreError, ScoreInputs,
    Scorecard, ScorecardError,
};
