//! Every name and every refusal of the grid, rating, line and import modules
//! has its text in en, es and zh (the catalogue test in `i18n` only checks
//! that the three languages agree with each other, not that a key exists).

use chrono::NaiveDate;
use credgrid_core::credit_line::{LineError, TierKind};
use credgrid_core::grid::household::{HouseholdError, IncomeKind, LandKind, LivestockKind, Relation};
use credgrid_core::grid::{
    ActivityKind, CellId, CellKind, Duty, DutyError, FilePart, FinancialNeed, GridError, HouseholdId,
};
use credgrid_core::i18n::{Locale, has_key};
use credgrid_core::import::{CELL_COLUMNS, HOUSEHOLD_COLUMNS, ImportError, ImportReason};
use credgrid_core::money::{Currency, Money};
use credgrid_core::rating::{Factor, Grade, PublicationError, Resolution, ScoreError, ScorecardError};

fn assert_everywhere(keys: impl IntoIterator<Item = String>) {
    for key in keys {
        for locale in Locale::ALL {
            assert!(has_key(locale, &key), "{key} is missing in {}", locale.tag());
        }
    }
}

#[test]
fn every_name_has_a_text_in_every_language() {
    assert_everywhere(CellKind::ALL.map(CellKind::key));
    assert_everywhere(FinancialNeed::ALL.map(FinancialNeed::key));
    assert_everywhere(FilePart::ALL.map(FilePart::key));
    assert_everywhere(Duty::ALL.map(Duty::key));
    assert_everywhere(ActivityKind::ALL.map(ActivityKind::key));
    assert_everywhere(Relation::ALL.map(Relation::key));
    assert_everywhere(LandKind::ALL.map(LandKind::key));
    assert_everywhere(LivestockKind::ALL.map(LivestockKind::key));
    assert_everywhere(IncomeKind::ALL.map(IncomeKind::key));
    assert_everywhere(Factor::ALL.map(Factor::key));
    assert_everywhere([Grade::Excellent, Grade::Good, Grade::General, Grade::BelowGeneral].map(Grade::key));
    let changed = Resolution::Changed {
        grade: Grade::Good,
        line: None,
    };
    assert_everywhere([Resolution::Kept, changed, Resolution::Withdrawn].map(|r| r.key()));
    assert_everywhere(TierKind::ALL.map(TierKind::key));
    assert_everywhere(
        CELL_COLUMNS
            .iter()
            .chain(&HOUSEHOLD_COLUMNS)
            .map(|c| format!("import.column.{c}")),
    );
    assert_everywhere(["rating.explanation".to_string(), "rating.total".to_string()]);
}

#[test]
fn every_refusal_has_a_text_in_every_language() {
    let (c, h, w) = (CellId(1), HouseholdId(1), 7);
    let day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let grid = [
        GridError::DateBeforeLastEvent {
            last: day,
            effective: day,
        },
        GridError::CellAlreadyExists { cell: c },
        GridError::UnknownCell { cell: c },
        GridError::CellClosed { cell: c },
        GridError::CellWithoutFullTimeWorker { cell: c },
        GridError::FullTimeWorkerAlsoPartTime { cell: c, worker: w },
        GridError::PartTimeWorkerAlreadyInCell { cell: c, worker: w },
        GridError::PartTimeWorkerNotInCell { cell: c, worker: w },
        GridError::HouseholdInAnotherCell {
            household: h,
            cell: c,
        },
        GridError::HouseholdNotPlaced { household: h },
        GridError::HouseholdNotInCell {
            household: h,
            cell: c,
        },
        GridError::MoveToSameCell {
            household: h,
            cell: c,
        },
        GridError::EmptySplit { cell: c },
        GridError::DuplicateHouseholdInSplit { household: h },
        GridError::MergeIntoItself { cell: c },
        GridError::DifferentOutlets { absorbed: c, into: c },
        GridError::CellNotEmpty {
            cell: c,
            households: 1,
        },
    ];
    assert_everywhere(grid.iter().map(GridError::key));
    let duty = [
        DutyError::KindNotInDuty {
            duty: Duty::Collector,
            kind: ActivityKind::Visit,
        },
        DutyError::HouseholdRequired {
            kind: ActivityKind::FileUpdate,
        },
        DutyError::CellNotOpen { cell: c, date: day },
        DutyError::NotPartTimeWorker {
            worker: w,
            cell: c,
            date: day,
        },
        DutyError::HouseholdNotInCell {
            household: h,
            cell: c,
            date: day,
        },
    ];
    assert_everywhere(duty.iter().map(DutyError::key));
    let score = [
        ScoreError::MissingInput {
            factor: Factor::FileCompleteness,
        },
        ScoreError::NoBinFor {
            factor: Factor::FileCompleteness,
            value: 0,
        },
    ];
    assert_everywhere(score.iter().map(ScoreError::key));
    let publication = [
        PublicationError::EmptyNotice,
        PublicationError::NoticePeriodZero,
        PublicationError::DuplicateHousehold { household: h },
        PublicationError::HouseholdNotOnNotice { household: h },
        PublicationError::ObjectionBeforePublication { published_on: day },
        PublicationError::ObjectionAfterPeriod { period_last: day },
        PublicationError::ReasonRequired,
        PublicationError::UnknownObjection { id: 0 },
        PublicationError::AlreadyResolved { id: 0 },
        PublicationError::RaterCannotResolve,
        PublicationError::ResolutionBeforeObjection { raised_on: day },
        PublicationError::DateOutOfRange,
        PublicationError::LineOutsideGrade { household: h },
    ];
    assert_everywhere(publication.iter().map(PublicationError::key));
    let f = Factor::FileCompleteness;
    let scorecard = [
        ScorecardError::NoFactors,
        ScorecardError::DuplicateFactor { factor: f },
        ScorecardError::WeightsNotHundred { total: 0 },
        ScorecardError::NoBins { factor: f },
        ScorecardError::BinInverted { factor: f, index: 0 },
        ScorecardError::BinsNotContiguous { factor: f, index: 0 },
        ScorecardError::PointsOverMax { factor: f, index: 0 },
        ScorecardError::NotMonotone { factor: f, index: 0 },
        ScorecardError::GradesNotDescending { grade: Grade::Good },
        ScorecardError::LowestGradeNotZero,
        ScorecardError::LineRangeInvalid { grade: Grade::Good },
    ];
    assert_everywhere(scorecard.iter().map(ScorecardError::key));
    let household = [
        HouseholdError::NegativeAmount { field: "assets" },
        HouseholdError::CurrencyMismatch,
        HouseholdError::Overflow,
    ];
    assert_everywhere(household.iter().map(HouseholdError::key));
    let m = Money::zero(Currency::CNY);
    let line = [
        LineError::DateBeforeLastEvent { last: day, on: day },
        LineError::AmountNotPositive,
        LineError::CurrencyMismatch,
        LineError::Overflow,
        LineError::ValidityZero,
        LineError::DateOutOfRange,
        LineError::ReasonRequired,
        LineError::Cancelled,
        LineError::Frozen,
        LineError::NotFrozen,
        LineError::NotYetValid { valid_from: day },
        LineError::Expired { valid_until: day },
        LineError::OverAvailable {
            available: m,
            amount: m,
        },
        LineError::RepaymentOverDrawn { drawn: m, amount: m },
        LineError::CutNotLower { limit: m },
        LineError::CutBelowDrawn { drawn: m },
        LineError::NoTierFor { limit: m },
        LineError::NoPureCreditForGrade {
            grade: Grade::BelowGeneral,
        },
        LineError::OutsideGradeRange {
            min: m,
            max: m,
            limit: m,
        },
        LineError::SecurityMissing {
            tier: TierKind::GuaranteeCompany,
            accepted: vec![],
        },
        LineError::MaximumAmountContractRequired {
            tier: TierKind::MaximumAmountGuarantee,
        },
        LineError::TiersInvalid { index: 0 },
    ];
    assert_everywhere(line.iter().map(LineError::key));
    let reasons = [
        ImportReason::Missing,
        ImportReason::NotAnInteger,
        ImportReason::NotPositive,
        ImportReason::NotAnAmount,
        ImportReason::Negative,
        ImportReason::TooLong { max: 1 },
        ImportReason::UnknownCellKind,
        ImportReason::UnknownCell,
        ImportReason::DuplicateId { first_row: 2 },
        ImportReason::AlreadyExists,
        ImportReason::FullTimeAlsoPartTime,
        ImportReason::InvalidIdentity {
            detail: String::new(),
        },
        ImportReason::UnknownOutlet,
        ImportReason::UnknownUser,
        ImportReason::OutOfScope,
    ];
    assert_everywhere(reasons.iter().map(ImportReason::key));
    let sheet = [
        ImportError::EmptySheet,
        ImportError::MissingColumn { column: "x" },
        ImportError::DuplicateColumn { column: "x" },
    ];
    assert_everywhere(sheet.iter().map(ImportError::key));
}
