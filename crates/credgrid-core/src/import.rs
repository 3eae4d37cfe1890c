//! Validation of households and cells imported from a spreadsheet (issue 6,
//! item 8), as cooperatives keep them today. Reading CSV or XLSX is not done
//! here: the caller hands in rows already split into text cells, the first row
//! being the header.
//!
//! The report names row (spreadsheet numbering: the header is row 1), column
//! and reason for every problem. A row is either accepted whole or rejected
//! with all its problems: never half. The user chooses the mode: all or
//! nothing (any rejected row rejects the file), or valid rows only with the
//! rejects listed.

use crate::grid::{CellId, CellKind, CellSpec, HouseholdId};
use crate::identity::IdentityValidator;
use crate::money::{Currency, Money, parse_plain_decimal};
use rust_decimal::Decimal;
use std::collections::{BTreeSet, HashMap};

/// The longest name accepted in a text column.
pub const NAME_LEN_MAX: usize = 100;

/// Columns of a cell sheet.
pub const CELL_COLUMNS: [&str; 6] = [
    "cell_id",
    "outlet_id",
    "kind",
    "name",
    "full_time_worker",
    "part_time_workers",
];
/// Columns of a household sheet.
pub const HOUSEHOLD_COLUMNS: [&str; 7] = [
    "household_id",
    "cell_id",
    "head_name",
    "identity_number",
    "members",
    "land_mu",
    "annual_income",
];

/// What to do when some rows are invalid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportMode {
    /// Any rejected row rejects the whole file.
    AllOrNothing,
    /// Valid rows are imported; the rejects are listed.
    ValidOnly,
}

/// Why a value was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImportReason {
    Missing,
    NotAnInteger,
    NotPositive,
    NotAnAmount,
    Negative,
    TooLong {
        max: usize,
    },
    UnknownCellKind,
    UnknownCell,
    DuplicateId {
        first_row: usize,
    },
    AlreadyExists,
    FullTimeAlsoPartTime,
    InvalidIdentity {
        detail: String,
    },
    /// No outlet with this id (checked by the caller against its records).
    UnknownOutlet,
    /// No staff user with this id, or not one with the needed role.
    UnknownUser,
    /// The record lies outside the importing user's part of the organisation.
    OutOfScope,
}

impl ImportReason {
    pub fn code(&self) -> &'static str {
        match self {
            ImportReason::Missing => "missing",
            ImportReason::NotAnInteger => "not_an_integer",
            ImportReason::NotPositive => "not_positive",
            ImportReason::NotAnAmount => "not_an_amount",
            ImportReason::Negative => "negative",
            ImportReason::TooLong { .. } => "too_long",
            ImportReason::UnknownCellKind => "unknown_cell_kind",
            ImportReason::UnknownCell => "unknown_cell",
            ImportReason::DuplicateId { .. } => "duplicate_id",
            ImportReason::AlreadyExists => "already_exists",
            ImportReason::FullTimeAlsoPartTime => "full_time_also_part_time",
            ImportReason::InvalidIdentity { .. } => "invalid_identity",
            ImportReason::UnknownOutlet => "unknown_outlet",
            ImportReason::UnknownUser => "unknown_user",
            ImportReason::OutOfScope => "out_of_scope",
        }
    }

    /// The translation key (`import.reason.unknown_cell`).
    pub fn key(&self) -> String {
        format!("import.reason.{}", self.code())
    }
}

/// One problem: where and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportIssue {
    pub row: usize,
    pub column: &'static str,
    pub reason: ImportReason,
}

/// A rejected row and everything wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RejectedRow {
    pub row: usize,
    pub issues: Vec<ImportIssue>,
}

/// The outcome of validating a sheet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportReport<T> {
    pub mode: ImportMode,
    pub rows_total: usize,
    /// The rows to import, with their row numbers (empty when all-or-nothing failed).
    pub accepted: Vec<(usize, T)>,
    pub rejected: Vec<RejectedRow>,
}

impl<T> ImportReport<T> {
    /// Whether anything is to be imported.
    pub fn imports_anything(&self) -> bool {
        !self.accepted.is_empty()
    }

    /// Every issue, row by row.
    pub fn issues(&self) -> impl Iterator<Item = &ImportIssue> {
        self.rejected.iter().flat_map(|r| r.issues.iter())
    }

    /// Applies the caller's own checks (ids that must exist in its records)
    /// to the accepted rows: a row with issues moves to the rejects, whole;
    /// in all-or-nothing mode any reject empties the accepted rows.
    pub fn check_further(&mut self, mut check: impl FnMut(usize, &T) -> Vec<ImportIssue>) {
        let mut kept = Vec::with_capacity(self.accepted.len());
        for (row, value) in std::mem::take(&mut self.accepted) {
            let issues = check(row, &value);
            if issues.is_empty() {
                kept.push((row, value));
            } else {
                debug_assert!(issues.iter().all(|i| i.row == row));
                self.rejected.push(RejectedRow { row, issues });
            }
        }
        self.rejected.sort_by_key(|r| r.row);
        if self.mode == ImportMode::AllOrNothing && !self.rejected.is_empty() {
            kept.clear();
        }
        self.accepted = kept;
    }
}

/// Why a whole sheet was refused before any row was read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("the sheet is empty: a header row is needed")]
    EmptySheet,
    #[error("the header has no column {column}")]
    MissingColumn { column: &'static str },
    #[error("the header has the column {column} twice")]
    DuplicateColumn { column: &'static str },
}

impl ImportError {
    pub fn code(&self) -> &'static str {
        match self {
            ImportError::EmptySheet => "import-empty-sheet",
            ImportError::MissingColumn { .. } => "import-missing-column",
            ImportError::DuplicateColumn { .. } => "import-duplicate-column",
        }
    }

    /// The translation key (`import.refusal.import-missing-column`).
    pub fn key(&self) -> String {
        format!("import.refusal.{}", self.code())
    }
}

/// A household row that passed validation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HouseholdRow {
    pub household: HouseholdId,
    pub cell: CellId,
    pub head_name: String,
    /// Normalised by the identity validator; `None` when left blank.
    pub identity_number: Option<String>,
    pub members: u32,
    /// Land in hundredths of a mu.
    pub land_centimu: u32,
    pub annual_income: Option<Money>,
}

/// Column positions by name, for one sheet.
struct Columns {
    index: HashMap<&'static str, usize>,
}

impl Columns {
    fn locate(header: &[String], wanted: &[&'static str]) -> Result<Columns, ImportError> {
        let mut index = HashMap::new();
        for column in wanted {
            let mut found = header
                .iter()
                .enumerate()
                .filter(|(_, h)| h.trim().eq_ignore_ascii_case(column));
            let (position, _) = found.next().ok_or(ImportError::MissingColumn { column })?;
            if found.next().is_some() {
                return Err(ImportError::DuplicateColumn { column });
            }
            index.insert(*column, position);
        }
        Ok(Columns { index })
    }

    /// The trimmed text of `column` in `row` ("" when the row is short).
    fn get<'r>(&self, row: &'r [String], column: &'static str) -> &'r str {
        let position = self.index[column];
        row.get(position).map_or("", |s| s.trim())
    }
}

/// Collects the issues of one row; the row is accepted only if it has none.
struct RowCheck {
    row: usize,
    issues: Vec<ImportIssue>,
}

impl RowCheck {
    fn fail(&mut self, column: &'static str, reason: ImportReason) {
        self.issues.push(ImportIssue {
            row: self.row,
            column,
            reason,
        });
    }

    fn required<'t>(&mut self, column: &'static str, text: &'t str) -> Option<&'t str> {
        if text.is_empty() {
            self.fail(column, ImportReason::Missing);
            return None;
        }
        Some(text)
    }

    fn id(&mut self, column: &'static str, text: &str) -> Option<i64> {
        let text = self.required(column, text)?;
        match text.parse::<i64>() {
            Ok(v) if v > 0 => Some(v),
            Ok(_) => {
                self.fail(column, ImportReason::NotPositive);
                None
            }
            Err(_) => {
                self.fail(column, ImportReason::NotAnInteger);
                None
            }
        }
    }

    fn name(&mut self, column: &'static str, text: &str) -> Option<String> {
        let text = self.required(column, text)?;
        if text.chars().count() > NAME_LEN_MAX {
            self.fail(column, ImportReason::TooLong { max: NAME_LEN_MAX });
            return None;
        }
        Some(text.to_string())
    }
}

fn finish<T>(
    mode: ImportMode,
    rows_total: usize,
    results: Vec<Result<(usize, T), RejectedRow>>,
) -> ImportReport<T> {
    let mut accepted = Vec::new();
    let mut rejected = Vec::new();
    for result in results {
        match result {
            Ok(row) => accepted.push(row),
            Err(row) => rejected.push(row),
        }
    }
    if mode == ImportMode::AllOrNothing && !rejected.is_empty() {
        accepted.clear();
    }
    debug_assert!(rejected.iter().all(|r| !r.issues.is_empty()));
    ImportReport {
        mode,
        rows_total,
        accepted,
        rejected,
    }
}

fn split_sheet(sheet: &[Vec<String>]) -> Result<(&[String], &[Vec<String>]), ImportError> {
    let (header, rows) = sheet.split_first().ok_or(ImportError::EmptySheet)?;
    Ok((header.as_slice(), rows))
}

/// Validates a cell sheet (columns [`CELL_COLUMNS`]; part-time workers as
/// user ids separated by `;`). `existing` holds the cells already known, so
/// a re-used id is refused.
pub fn validate_cells(
    sheet: &[Vec<String>],
    existing: &BTreeSet<CellId>,
    mode: ImportMode,
) -> Result<ImportReport<CellSpec>, ImportError> {
    let (header, rows) = split_sheet(sheet)?;
    let columns = Columns::locate(header, &CELL_COLUMNS)?;
    let mut first_rows: HashMap<i64, usize> = HashMap::new();
    let mut results = Vec::with_capacity(rows.len());
    for (offset, row) in rows.iter().enumerate() {
        let number = offset + 2;
        let mut check = RowCheck {
            row: number,
            issues: Vec::new(),
        };
        let spec = cell_row(&columns, row, &mut check, existing, &mut first_rows);
        results.push(match spec {
            Some(spec) if check.issues.is_empty() => Ok((number, spec)),
            _ => Err(RejectedRow {
                row: number,
                issues: check.issues,
            }),
        });
    }
    Ok(finish(mode, rows.len(), results))
}

fn cell_row(
    columns: &Columns,
    row: &[String],
    check: &mut RowCheck,
    existing: &BTreeSet<CellId>,
    first_rows: &mut HashMap<i64, usize>,
) -> Option<CellSpec> {
    let id = check.id("cell_id", columns.get(row, "cell_id"));
    if let Some(id) = id {
        if existing.contains(&CellId(id)) {
            check.fail("cell_id", ImportReason::AlreadyExists);
        } else if let Some(first_row) = first_rows.get(&id) {
            check.fail(
                "cell_id",
                ImportReason::DuplicateId {
                    first_row: *first_row,
                },
            );
        }
    }
    let outlet = check.id("outlet_id", columns.get(row, "outlet_id"));
    let kind = check.required("kind", columns.get(row, "kind")).and_then(|text| {
        let kind = CellKind::parse(text);
        if kind.is_none() {
            check.fail("kind", ImportReason::UnknownCellKind);
        }
        kind
    });
    let name = check.name("name", columns.get(row, "name"));
    let full_time = check.id("full_time_worker", columns.get(row, "full_time_worker"));
    let mut part_time = Vec::new();
    for text in columns
        .get(row, "part_time_workers")
        .split(';')
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        match text.parse::<i64>() {
            Ok(worker) if Some(worker) == full_time => {
                check.fail("part_time_workers", ImportReason::FullTimeAlsoPartTime)
            }
            Ok(worker) if worker > 0 => part_time.push(worker),
            _ => check.fail("part_time_workers", ImportReason::NotAnInteger),
        }
    }
    part_time.sort_unstable();
    part_time.dedup();
    if !check.issues.is_empty() {
        return None;
    }
    // Only an accepted row claims its id, so a rejected row never blocks a later valid one.
    first_rows.insert(id?, check.row);
    Some(CellSpec {
        id: CellId(id?),
        outlet: outlet?,
        kind: kind?,
        name: name?,
        full_time: Some(full_time?),
        part_time,
    })
}

/// Validates a household sheet (columns [`HOUSEHOLD_COLUMNS`]). A household's
/// cell must be in `known_cells` (existing cells plus the cells accepted from
/// the same import); `existing` holds the households already known.
pub fn validate_households(
    sheet: &[Vec<String>],
    known_cells: &BTreeSet<CellId>,
    existing: &BTreeSet<HouseholdId>,
    currency: Currency,
    identity: &dyn IdentityValidator,
    mode: ImportMode,
) -> Result<ImportReport<HouseholdRow>, ImportError> {
    let (header, rows) = split_sheet(sheet)?;
    let columns = Columns::locate(header, &HOUSEHOLD_COLUMNS)?;
    let mut seen = Seen::default();
    let mut results = Vec::with_capacity(rows.len());
    for (offset, row) in rows.iter().enumerate() {
        let number = offset + 2;
        let mut check = RowCheck {
            row: number,
            issues: Vec::new(),
        };
        let context = HouseholdContext {
            known_cells,
            existing,
            currency,
            identity,
        };
        let household = household_row(&columns, row, &mut check, &context, &mut seen);
        results.push(match household {
            Some(h) if check.issues.is_empty() => Ok((number, h)),
            _ => Err(RejectedRow {
                row: number,
                issues: check.issues,
            }),
        });
    }
    Ok(finish(mode, rows.len(), results))
}

struct HouseholdContext<'a> {
    known_cells: &'a BTreeSet<CellId>,
    existing: &'a BTreeSet<HouseholdId>,
    currency: Currency,
    identity: &'a dyn IdentityValidator,
}

/// First rows of the ids and identity numbers seen so far in the sheet.
#[derive(Default)]
struct Seen {
    households: HashMap<i64, usize>,
    identities: HashMap<String, usize>,
}

fn household_row(
    columns: &Columns,
    row: &[String],
    check: &mut RowCheck,
    context: &HouseholdContext<'_>,
    seen: &mut Seen,
) -> Option<HouseholdRow> {
    let id = check.id("household_id", columns.get(row, "household_id"));
    if let Some(id) = id {
        if context.existing.contains(&HouseholdId(id)) {
            check.fail("household_id", ImportReason::AlreadyExists);
        } else if let Some(first_row) = seen.households.get(&id) {
            check.fail(
                "household_id",
                ImportReason::DuplicateId {
                    first_row: *first_row,
                },
            );
        }
    }
    let cell = check.id("cell_id", columns.get(row, "cell_id")).map(CellId);
    if let Some(cell) = cell
        && !context.known_cells.contains(&cell)
    {
        check.fail("cell_id", ImportReason::UnknownCell);
    }
    let head_name = check.name("head_name", columns.get(row, "head_name"));
    let identity_number = identity_of(columns.get(row, "identity_number"), check, context.identity, seen);
    let members = count(check, "members", columns.get(row, "members"));
    let land_centimu = hundredths(check, "land_mu", columns.get(row, "land_mu"));
    let annual_income = amount(
        check,
        "annual_income",
        columns.get(row, "annual_income"),
        context.currency,
    );
    if !check.issues.is_empty() {
        return None;
    }
    let id = id?;
    seen.households.insert(id, check.row);
    if let Some(number) = &identity_number {
        seen.identities.insert(number.clone(), check.row);
    }
    Some(HouseholdRow {
        household: HouseholdId(id),
        cell: cell?,
        head_name: head_name?,
        identity_number,
        members: members?,
        land_centimu: land_centimu?,
        annual_income: annual_income?,
    })
}

fn identity_of(
    text: &str,
    check: &mut RowCheck,
    validator: &dyn IdentityValidator,
    seen: &Seen,
) -> Option<String> {
    if text.is_empty() {
        return None;
    }
    match validator.validate(text) {
        Ok(normalized) => {
            if let Some(first_row) = seen.identities.get(&normalized.number) {
                check.fail(
                    "identity_number",
                    ImportReason::DuplicateId {
                        first_row: *first_row,
                    },
                );
            }
            Some(normalized.number)
        }
        Err(e) => {
            check.fail(
                "identity_number",
                ImportReason::InvalidIdentity {
                    detail: e.to_string(),
                },
            );
            None
        }
    }
}

/// A member count: blank is refused, at least 1.
fn count(check: &mut RowCheck, column: &'static str, text: &str) -> Option<u32> {
    let text = check.required(column, text)?;
    match text.parse::<u32>() {
        Ok(0) => {
            check.fail(column, ImportReason::NotPositive);
            None
        }
        Ok(n) => Some(n),
        Err(_) => {
            check.fail(column, ImportReason::NotAnInteger);
            None
        }
    }
}

/// A non-negative quantity with at most two decimals ("3.5" mu → 350); blank is 0.
fn hundredths(check: &mut RowCheck, column: &'static str, text: &str) -> Option<u32> {
    if text.is_empty() {
        return Some(0);
    }
    if text.starts_with('-') {
        check.fail(column, ImportReason::Negative);
        return None;
    }
    let parsed = parse_plain_decimal(text)
        .ok()
        .filter(|d| d.normalize().scale() <= 2)
        .and_then(|d| d.checked_mul(Decimal::ONE_HUNDRED))
        .and_then(|d| u32::try_from(d.trunc()).ok());
    if parsed.is_none() {
        check.fail(column, ImportReason::NotAnAmount);
    }
    parsed
}

/// An optional amount in major units ("12000.00"); blank is `None`.
fn amount(
    check: &mut RowCheck,
    column: &'static str,
    text: &str,
    currency: Currency,
) -> Option<Option<Money>> {
    if text.is_empty() {
        return Some(None);
    }
    match Money::parse_major(text, currency) {
        Ok(m) if m.is_negative() => {
            check.fail(column, ImportReason::Negative);
            None
        }
        Ok(m) => Some(Some(m)),
        Err(_) => {
            check.fail(column, ImportReason::NotAnAmount);
            None
        }
    }
}
