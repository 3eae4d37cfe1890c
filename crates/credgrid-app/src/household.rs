//! Household information files (R-GRID-3) and the part-time grid workers'
//! activities (R-GRID-2): a household is placed in a cell, its file is
//! written part by part (each part replaced whole), visit notes are added,
//! and the file always says which required parts are missing. Repayment
//! history is read from the client's loans, never typed in.
//!
//! Read functions for other areas (the rating scorecard reads the file and
//! its completeness): [`load_file`], [`household_of_client`].

use crate::access::authorize;
use crate::error::AppError;
use crate::grid::{Responsibility, effective_date, load_cell, refused, responsible_on};
use crate::institution::{Institution, business_date};
use crate::model::Actor;
use chrono::NaiveDate;
use credgrid_core::authz::Permission;
use credgrid_core::grid::duties::check_activity;
use credgrid_core::grid::household::{
    Asset, Debt, IncomeKind, IncomeSource, Land, LandKind, Livestock, LivestockKind, Member, Relation,
    VisitNote,
};
use credgrid_core::grid::{
    Activity, ActivityKind, CellId, CompletenessRule, Duty, DutyError, FilePart, FinancialNeed, GridEvent,
    HouseholdFile, HouseholdId, Period,
};
use credgrid_core::identity::validator_for;
use credgrid_core::{Currency, Money};
use credgrid_store::{
    ActivityRow, CollectedFlag, GridHouseholdRow, HoldingRow, IncomeRow, LandRow, LivestockRow, MemberRow,
    NewGridHouseholdRow, ReadTx, WriteTx,
};

/// The longest name, description or note accepted.
pub const TEXT_LEN_MAX: usize = 200;
/// The longest visit or activity note accepted.
pub const NOTE_LEN_MAX: usize = 2_000;
/// The most items in one part of a file.
pub const PART_ITEMS_MAX: usize = 100;
/// The most activities listed at once.
pub const ACTIVITIES_SHOWN_MAX: u32 = 500;

/// A household to place in a cell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewHousehold {
    pub cell_id: i64,
    pub head_name: String,
    /// Checked with the identity rules of `id_country`.
    pub identity_number: Option<String>,
    pub id_country: String,
    pub member_count: u32,
    pub client_id: Option<i64>,
    pub digital: bool,
    /// The day the household entered the cell (the business date when not given).
    pub placed_on: Option<NaiveDate>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberEntry {
    pub name: String,
    /// `head`, `spouse`, `child`, `parent`, `other`.
    pub relation: String,
    pub birth_year: Option<i32>,
    pub works: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LandEntry {
    /// `farmland`, `orchard`, `forest`, `pond`, `homestead`, `other`.
    pub kind: String,
    /// Hundredths of a mu.
    pub area_centimu: u32,
    pub contracted: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LivestockEntry {
    /// `pig`, `cattle`, `sheep`, `poultry`, `fish`, `other`.
    pub kind: String,
    pub head_count: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IncomeEntry {
    /// `crops`, `livestock`, `wages`, `business`, `transfers`, `other`.
    pub kind: String,
    pub annual: Money,
    pub years: u32,
}

/// An asset (what it is, its value) or a debt (the creditor, what is owed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HoldingEntry {
    pub description: String,
    pub amount: Money,
}

/// One part of a file, replaced whole. An empty list means "asked; there is none".
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileUpdate {
    Identity {
        head_name: String,
        identity_number: Option<String>,
        id_country: String,
        member_count: u32,
        digital: bool,
        client_id: Option<i64>,
    },
    Members(Vec<MemberEntry>),
    Land(Vec<LandEntry>),
    Livestock(Vec<LivestockEntry>),
    IncomeSources(Vec<IncomeEntry>),
    Assets(Vec<HoldingEntry>),
    Debts(Vec<HoldingEntry>),
    /// `credit`, `settlement`, `payroll`, `insurance`, `wealth_management`, `advice`.
    Needs(Vec<String>),
}

impl FileUpdate {
    /// The stable name of the part (`members`, …), as in the core's `FilePart`.
    pub fn part(&self) -> FilePart {
        match self {
            FileUpdate::Identity { .. } => FilePart::Identity,
            FileUpdate::Members(_) => FilePart::Members,
            FileUpdate::Land(_) => FilePart::Land,
            FileUpdate::Livestock(_) => FilePart::Livestock,
            FileUpdate::IncomeSources(_) => FilePart::IncomeSources,
            FileUpdate::Assets(_) => FilePart::Assets,
            FileUpdate::Debts(_) => FilePart::Debts,
            FileUpdate::Needs(_) => FilePart::Needs,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VisitView {
    pub id: i64,
    pub visited_on: NaiveDate,
    pub user_id: i64,
    pub note: String,
}

/// One loan of the household's client, from the loan book.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepaymentRecord {
    pub loan_id: i64,
    pub status: String,
    pub principal: Money,
    pub disbursed_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    pub days_past_due: u32,
    pub written_off_minor: i64,
}

/// A household's information file as shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HouseholdFileView {
    pub id: i64,
    pub outlet_id: i64,
    pub cell_id: Option<i64>,
    pub cell_name: Option<String>,
    pub client_id: Option<i64>,
    pub head_name: String,
    pub identity_number: Option<String>,
    pub member_count: u32,
    pub digital: bool,
    pub members: Vec<MemberEntry>,
    /// `None`: not collected yet.
    pub land: Option<Vec<LandEntry>>,
    pub livestock: Option<Vec<LivestockEntry>>,
    pub income_sources: Vec<IncomeEntry>,
    pub assets: Option<Vec<HoldingEntry>>,
    pub debts: Option<Vec<HoldingEntry>>,
    pub needs: Option<Vec<String>>,
    pub visits: Vec<VisitView>,
    pub repayment_history: Vec<RepaymentRecord>,
    /// Required parts still missing (`FilePart` names), in the rule's order.
    pub missing: Vec<String>,
    pub percent: u32,
    pub complete: bool,
    pub file_updated_on: Option<NaiveDate>,
    pub responsible: Option<Responsibility>,
}

/// A part-time grid worker's activity to credit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewActivity {
    pub worker_id: i64,
    pub cell_id: i64,
    pub household_id: Option<i64>,
    /// The day it was done (the business date when not given).
    pub done_on: Option<NaiveDate>,
    /// `publicist`, `information_collector`, `quasi_credit_officer`, `supervisor`, `collector`.
    pub duty: String,
    /// `visit`, `file_update`, `referral`, `investigation_assistance`, `collection_contact`.
    pub kind: String,
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivityView {
    pub id: i64,
    pub worker_id: i64,
    pub cell_id: i64,
    pub household_id: Option<i64>,
    pub done_on: NaiveDate,
    pub duty: String,
    pub kind: String,
    pub note: String,
    pub recorded_by: i64,
}

/// What one worker was credited with in a period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkerTallyView {
    pub worker_id: i64,
    pub username: String,
    /// Per duty name, in the order of `Duty::ALL`.
    pub by_duty: Vec<(String, u32)>,
    pub by_kind: Vec<(String, u32)>,
    pub total: u32,
}

fn parse_named<T: Copy>(
    all: &[T],
    name: fn(T) -> &'static str,
    text: &str,
    field: &str,
) -> Result<T, AppError> {
    all.iter()
        .copied()
        .find(|k| name(*k) == text.trim())
        .ok_or_else(|| {
            let names: Vec<&str> = all.iter().map(|k| name(*k)).collect();
            AppError::invalid(field, format!("must be one of {}", names.join(", ")))
        })
}

fn check_text(field: &str, text: &str, max: usize, required: bool) -> Result<String, AppError> {
    let text = text.trim();
    if required && text.is_empty() {
        return Err(AppError::invalid(field, "must not be empty"));
    }
    if text.chars().count() > max || text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(AppError::invalid(
            field,
            format!("must be at most {max} characters without control characters"),
        ));
    }
    Ok(text.to_string())
}

fn check_items<T>(field: &str, items: &[T]) -> Result<(), AppError> {
    if items.len() > PART_ITEMS_MAX {
        return Err(AppError::invalid(
            field,
            format!("at most {PART_ITEMS_MAX} items"),
        ));
    }
    Ok(())
}

fn check_amount(field: &str, amount: Money) -> Result<(), AppError> {
    if amount.is_negative() {
        return Err(AppError::invalid(field, "must not be negative"));
    }
    Ok(())
}

fn check_identity(number: Option<&str>, country: &str) -> Result<Option<String>, AppError> {
    let Some(number) = number.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    validator_for(country)
        .validate(number)
        .map(|n| Some(n.number))
        .map_err(|e| AppError::invalid("identity_number", e))
}

/// A stored currency code with the digits of the products using it (2 otherwise).
fn currency_of(r: &ReadTx<'_>, code: &str) -> Result<Currency, AppError> {
    let digits = r
        .products(0, 200)?
        .into_iter()
        .find(|p| p.currency == code)
        .map_or(2, |p| p.digits);
    Currency::new(code, digits).map_err(|e| AppError::Internal(format!("stored currency {code}: {e}")))
}

/// The household (404 when unknown).
pub(crate) fn load_household(r: &ReadTx<'_>, id: i64) -> Result<GridHouseholdRow, AppError> {
    r.grid_household(id)
        .map_err(|_| AppError::not_found("household", id))
}

/// The core's file of a household, from the store: for the scorecard
/// (file completeness and the figures it rates) and for the file page.
pub fn load_file(r: &ReadTx<'_>, household_id: i64) -> Result<(GridHouseholdRow, HouseholdFile), AppError> {
    let row = load_household(r, household_id)?;
    let corrupt =
        |what: &str, text: &str| AppError::Internal(format!("household {household_id}: {what} {text}"));
    let mut members = Vec::new();
    for m in r.grid_members(household_id)? {
        let relation = Relation::ALL
            .into_iter()
            .find(|k| k.name() == m.relation)
            .ok_or_else(|| corrupt("relation", &m.relation))?;
        members.push(Member {
            name: m.name,
            relation,
            birth_year: m.birth_year,
            works: m.works,
        });
    }
    let land = r.grid_land(household_id)?;
    let land: Vec<Land> = land
        .into_iter()
        .map(|l| {
            let kind = LandKind::ALL.into_iter().find(|k| k.name() == l.kind);
            kind.map(|kind| Land {
                kind,
                area_centimu: l.area_centimu,
                contracted: l.contracted,
            })
            .ok_or_else(|| corrupt("land kind", &l.kind))
        })
        .collect::<Result<_, _>>()?;
    let livestock: Vec<Livestock> = r
        .grid_livestock(household_id)?
        .into_iter()
        .map(|l| {
            let kind = LivestockKind::ALL.into_iter().find(|k| k.name() == l.kind);
            kind.map(|kind| Livestock {
                kind,
                head_count: l.head_count,
            })
            .ok_or_else(|| corrupt("livestock kind", &l.kind))
        })
        .collect::<Result<_, _>>()?;
    let mut income_sources = Vec::new();
    for i in r.grid_income(household_id)? {
        let kind = IncomeKind::ALL
            .into_iter()
            .find(|k| k.name() == i.kind)
            .ok_or_else(|| corrupt("income kind", &i.kind))?;
        let currency = currency_of(r, &i.currency)?;
        income_sources.push(IncomeSource {
            kind,
            annual: Money::from_minor(i.annual_minor, currency),
            years: i.years,
        });
    }
    let holdings = |kind: &str| -> Result<Vec<(String, Money)>, AppError> {
        let mut out = Vec::new();
        for h in r.grid_holdings(household_id, kind)? {
            out.push((
                h.description,
                Money::from_minor(h.amount_minor, currency_of(r, &h.currency)?),
            ));
        }
        Ok(out)
    };
    let assets: Vec<Asset> = holdings("asset")?
        .into_iter()
        .map(|(description, value)| Asset { description, value })
        .collect();
    let debts: Vec<Debt> = holdings("debt")?
        .into_iter()
        .map(|(creditor, outstanding)| Debt {
            creditor,
            outstanding,
        })
        .collect();
    let mut needs = std::collections::BTreeSet::new();
    for n in r.grid_needs(household_id)? {
        needs.insert(
            FinancialNeed::ALL
                .into_iter()
                .find(|k| k.name() == n)
                .ok_or_else(|| corrupt("need", &n))?,
        );
    }
    let visits = r
        .grid_visits(household_id)?
        .into_iter()
        .map(|v| VisitNote {
            date: v.visited_on,
            by: v.user_id,
            text: v.note,
        })
        .collect();
    let file = HouseholdFile {
        household: Some(HouseholdId(household_id)),
        identity_number: row.identity_number.clone(),
        members,
        land: (row.land_collected || !land.is_empty()).then_some(land),
        livestock: (row.livestock_collected || !livestock.is_empty()).then_some(livestock),
        income_sources: (!income_sources.is_empty()).then_some(income_sources),
        assets: (row.assets_collected || !assets.is_empty()).then_some(assets),
        debts: (row.debts_collected || !debts.is_empty()).then_some(debts),
        visits,
        needs: (row.needs_collected || !needs.is_empty()).then_some(needs),
    };
    Ok((row, file))
}

/// The grid household linked to a client, if any (for the rating area).
pub fn household_of_client(r: &ReadTx<'_>, client_id: i64) -> Result<Option<GridHouseholdRow>, AppError> {
    Ok(r.grid_household_of_client(client_id)?)
}

/// Recomputes and stores the file's completeness after a change.
fn refresh_status(tx: &mut WriteTx<'_>, household_id: i64) -> Result<(), AppError> {
    let (_, file) = load_file(tx, household_id)?;
    let completeness = file.completeness(&CompletenessRule::default());
    let today = business_date(tx)?;
    tx.set_grid_file_status(
        household_id,
        completeness.percent,
        completeness.is_complete(),
        today,
    )?;
    Ok(())
}

fn file_view(r: &ReadTx<'_>, household_id: i64) -> Result<HouseholdFileView, AppError> {
    let (row, file) = load_file(r, household_id)?;
    let completeness = file.completeness(&CompletenessRule::default());
    let cell_name = match row.cell_id {
        Some(cell) => Some(r.grid_cell(cell)?.name),
        None => None,
    };
    let mut repayment_history = Vec::new();
    if let Some(client) = row.client_id {
        for loan in r.grid_repayment_history(client)? {
            let currency = currency_of(r, &loan.currency)?;
            repayment_history.push(RepaymentRecord {
                loan_id: loan.loan_id,
                status: loan.status,
                principal: Money::from_minor(loan.principal_minor, currency),
                disbursed_on: loan.disbursed_on,
                closed_on: loan.closed_on,
                days_past_due: loan.days_past_due,
                written_off_minor: loan.written_off_minor,
            });
        }
    }
    let responsible = responsible_on(r, household_id, business_date(r)?)?;
    Ok(HouseholdFileView {
        id: row.id,
        outlet_id: row.outlet_id,
        cell_id: row.cell_id,
        cell_name,
        client_id: row.client_id,
        head_name: row.head_name,
        identity_number: row.identity_number,
        member_count: row.member_count,
        digital: row.digital,
        members: file
            .members
            .iter()
            .map(|m| MemberEntry {
                name: m.name.clone(),
                relation: m.relation.name().to_string(),
                birth_year: m.birth_year,
                works: m.works,
            })
            .collect(),
        land: file.land.as_ref().map(|l| {
            l.iter()
                .map(|l| LandEntry {
                    kind: l.kind.name().to_string(),
                    area_centimu: l.area_centimu,
                    contracted: l.contracted,
                })
                .collect()
        }),
        livestock: file.livestock.as_ref().map(|l| {
            l.iter()
                .map(|l| LivestockEntry {
                    kind: l.kind.name().to_string(),
                    head_count: l.head_count,
                })
                .collect()
        }),
        income_sources: file
            .income_sources
            .iter()
            .flatten()
            .map(|i| IncomeEntry {
                kind: i.kind.name().to_string(),
                annual: i.annual,
                years: i.years,
            })
            .collect(),
        assets: file.assets.as_ref().map(|a| {
            a.iter()
                .map(|a| HoldingEntry {
                    description: a.description.clone(),
                    amount: a.value,
                })
                .collect()
        }),
        debts: file.debts.as_ref().map(|d| {
            d.iter()
                .map(|d| HoldingEntry {
                    description: d.creditor.clone(),
                    amount: d.outstanding,
                })
                .collect()
        }),
        needs: file
            .needs
            .as_ref()
            .map(|n| n.iter().map(|n| n.name().to_string()).collect()),
        visits: r
            .grid_visits(household_id)?
            .into_iter()
            .map(|v| VisitView {
                id: v.id,
                visited_on: v.visited_on,
                user_id: v.user_id,
                note: v.note,
            })
            .collect(),
        repayment_history,
        missing: completeness
            .missing
            .iter()
            .map(|p| p.name().to_string())
            .collect(),
        percent: completeness.percent,
        complete: completeness.is_complete(),
        file_updated_on: row.file_updated_on,
        responsible,
    })
}

/// Writes one part of the file (already validated).
fn write_part(tx: &mut WriteTx<'_>, id: i64, update: &FileUpdate) -> Result<(), AppError> {
    match update {
        FileUpdate::Identity { .. } => {}
        FileUpdate::Members(m) => {
            let rows: Vec<MemberRow> = m
                .iter()
                .map(|m| MemberRow {
                    name: m.name.clone(),
                    relation: m.relation.clone(),
                    birth_year: m.birth_year,
                    works: m.works,
                })
                .collect();
            tx.replace_grid_members(id, &rows)?;
        }
        FileUpdate::Land(l) => {
            let rows: Vec<LandRow> = l
                .iter()
                .map(|l| LandRow {
                    kind: l.kind.clone(),
                    area_centimu: l.area_centimu,
                    contracted: l.contracted,
                })
                .collect();
            tx.replace_grid_land(id, &rows)?;
            tx.set_grid_collected(id, CollectedFlag::Land, true)?;
        }
        FileUpdate::Livestock(l) => {
            let rows: Vec<LivestockRow> = l
                .iter()
                .map(|l| LivestockRow {
                    kind: l.kind.clone(),
                    head_count: l.head_count,
                })
                .collect();
            tx.replace_grid_livestock(id, &rows)?;
            tx.set_grid_collected(id, CollectedFlag::Livestock, true)?;
        }
        FileUpdate::IncomeSources(i) => {
            let rows: Vec<IncomeRow> = i
                .iter()
                .map(|i| IncomeRow {
                    kind: i.kind.clone(),
                    currency: i.annual.currency().code().to_string(),
                    annual_minor: i.annual.minor(),
                    years: i.years,
                })
                .collect();
            tx.replace_grid_income(id, &rows)?;
        }
        FileUpdate::Assets(h) | FileUpdate::Debts(h) => {
            let (kind, flag) = match update {
                FileUpdate::Assets(_) => ("asset", CollectedFlag::Assets),
                _ => ("debt", CollectedFlag::Debts),
            };
            let rows: Vec<HoldingRow> = h
                .iter()
                .map(|h| HoldingRow {
                    description: h.description.clone(),
                    currency: h.amount.currency().code().to_string(),
                    amount_minor: h.amount.minor(),
                })
                .collect();
            tx.replace_grid_holdings(id, kind, &rows)?;
            tx.set_grid_collected(id, flag, true)?;
        }
        FileUpdate::Needs(n) => {
            tx.replace_grid_needs(id, n)?;
            tx.set_grid_collected(id, CollectedFlag::Needs, true)?;
        }
    }
    Ok(())
}

/// Checks and normalises a part before it is written.
fn validate_part(update: FileUpdate) -> Result<FileUpdate, AppError> {
    Ok(match update {
        FileUpdate::Identity {
            head_name,
            identity_number,
            id_country,
            member_count,
            digital,
            client_id,
        } => FileUpdate::Identity {
            head_name: check_text("head_name", &head_name, TEXT_LEN_MAX, true)?,
            identity_number: check_identity(identity_number.as_deref(), &id_country)?,
            id_country,
            member_count,
            digital,
            client_id,
        },
        FileUpdate::Members(m) => {
            check_items("members", &m)?;
            let mut out = Vec::new();
            for m in m {
                parse_named(&Relation::ALL, Relation::name, &m.relation, "members.relation")?;
                out.push(MemberEntry {
                    name: check_text("members.name", &m.name, TEXT_LEN_MAX, true)?,
                    relation: m.relation.trim().to_string(),
                    ..m
                });
            }
            FileUpdate::Members(out)
        }
        FileUpdate::Land(l) => {
            check_items("land", &l)?;
            for l in &l {
                parse_named(&LandKind::ALL, LandKind::name, &l.kind, "land.kind")?;
            }
            FileUpdate::Land(l)
        }
        FileUpdate::Livestock(l) => {
            check_items("livestock", &l)?;
            for l in &l {
                parse_named(
                    &LivestockKind::ALL,
                    LivestockKind::name,
                    &l.kind,
                    "livestock.kind",
                )?;
            }
            FileUpdate::Livestock(l)
        }
        FileUpdate::IncomeSources(i) => {
            check_items("income_sources", &i)?;
            for i in &i {
                parse_named(&IncomeKind::ALL, IncomeKind::name, &i.kind, "income_sources.kind")?;
                check_amount("income_sources.annual", i.annual)?;
            }
            FileUpdate::IncomeSources(i)
        }
        FileUpdate::Assets(h) => FileUpdate::Assets(check_holdings("assets", h)?),
        FileUpdate::Debts(h) => FileUpdate::Debts(check_holdings("debts", h)?),
        FileUpdate::Needs(n) => {
            check_items("needs", &n)?;
            for need in &n {
                parse_named(&FinancialNeed::ALL, FinancialNeed::name, need, "needs")?;
            }
            FileUpdate::Needs(n.iter().map(|n| n.trim().to_string()).collect())
        }
    })
}

fn check_holdings(field: &str, items: Vec<HoldingEntry>) -> Result<Vec<HoldingEntry>, AppError> {
    check_items(field, &items)?;
    let mut out = Vec::new();
    for h in items {
        check_amount(&format!("{field}.amount"), h.amount)?;
        out.push(HoldingEntry {
            description: check_text(
                &format!("{field}.description"),
                &h.description,
                TEXT_LEN_MAX,
                true,
            )?,
            amount: h.amount,
        });
    }
    Ok(out)
}

fn activity_view(a: ActivityRow) -> ActivityView {
    ActivityView {
        id: a.id,
        worker_id: a.worker_id,
        cell_id: a.cell_id,
        household_id: a.household_id,
        done_on: a.done_on,
        duty: a.duty,
        kind: a.kind,
        note: a.note,
        recorded_by: a.recorded_by,
    }
}

fn duty_refused(e: DutyError) -> AppError {
    let detail = match &e {
        DutyError::KindNotInDuty { duty, kind } => {
            format!("a {} is not part of the duty {}", kind.name(), duty.name())
        }
        DutyError::HouseholdRequired { kind } => {
            format!("a {} must name the household it concerns", kind.name())
        }
        other => other.to_string(),
    };
    AppError::Refused {
        rule: e.code(),
        detail,
    }
}

impl Institution {
    /// Places a new household in a cell (its outlet is the cell's).
    pub fn create_household(&self, actor: Actor, new: NewHousehold) -> Result<HouseholdFileView, AppError> {
        let head_name = check_text("head_name", &new.head_name, TEXT_LEN_MAX, true)?;
        let identity_number = check_identity(new.identity_number.as_deref(), &new.id_country)?;
        self.write(move |tx, _| {
            let staff = authorize(tx, actor, Permission::HouseholdWrite)?;
            let cell = load_cell(tx, new.cell_id)?;
            staff.require_node(tx, cell.outlet_id)?;
            if cell.closed_on.is_some() {
                return Err(refused(credgrid_core::grid::GridError::CellClosed {
                    cell: CellId(cell.id),
                }));
            }
            if let Some(client) = new.client_id {
                link_check(tx, client, cell.outlet_id, None)?;
            }
            let date = effective_date(tx, new.placed_on)?;
            crate::grid::require_after_last_event(tx, cell.outlet_id, date)?;
            let id = tx.insert_grid_household(&NewGridHouseholdRow {
                id: None,
                outlet_id: cell.outlet_id,
                cell_id: cell.id,
                client_id: new.client_id,
                head_name: head_name.clone(),
                identity_number: identity_number.clone(),
                member_count: new.member_count,
                created_on: date,
            })?;
            tx.set_grid_household_identity(
                id,
                &head_name,
                identity_number.as_deref(),
                new.member_count,
                new.digital,
                new.client_id,
            )?;
            let head = MemberRow {
                name: head_name.clone(),
                relation: Relation::Head.name().to_string(),
                birth_year: None,
                works: false,
            };
            tx.replace_grid_members(id, &[head])?;
            refresh_status(tx, id)?;
            tx.insert_grid_event(&credgrid_store::NewGridEventRow {
                outlet_id: cell.outlet_id,
                cell_id: cell.id,
                other_cell_id: None,
                household_id: Some(id),
                user_id: None,
                kind: "place_household".to_string(),
                households: 1,
                effective_on: date,
                recorded_by: actor.user_id,
            })?;
            let after = Some(format!("cell={} name={head_name} on={date}", cell.id));
            crate::audit::record(tx, actor, "grid.household.create", "household", id, after, None)?;
            file_view(tx, id)
        })
    }

    /// The household's information file with what is missing.
    pub fn household_file(&self, actor: Actor, household_id: i64) -> Result<HouseholdFileView, AppError> {
        self.read(|r| {
            let staff = authorize(r, actor, Permission::ClientRead)?;
            let row = load_household(r, household_id)?;
            staff.require_node(r, row.outlet_id)?;
            file_view(r, household_id)
        })
    }

    /// Households now in a cell (their files' status), by id.
    pub fn households_in_cell(
        &self,
        actor: Actor,
        cell_id: i64,
        page: crate::model::PageRequest,
    ) -> Result<crate::model::Page<GridHouseholdRow>, AppError> {
        let limit = crate::institution::page_limit(page)?;
        self.read(|r| {
            let staff = authorize(r, actor, Permission::ClientRead)?;
            let cell = load_cell(r, cell_id)?;
            staff.require_node(r, cell.outlet_id)?;
            let rows = r.grid_households_in_cell(cell_id, page.after_id, limit + 1)?;
            Ok(crate::institution::paginate(rows, limit, |h| h.id))
        })
    }

    /// Replaces one part of a household's file.
    pub fn update_household_file(
        &self,
        actor: Actor,
        household_id: i64,
        update: FileUpdate,
    ) -> Result<HouseholdFileView, AppError> {
        let update = validate_part(update)?;
        self.write(move |tx, _| {
            let staff = authorize(tx, actor, Permission::HouseholdWrite)?;
            let row = load_household(tx, household_id)?;
            staff.require_node(tx, row.outlet_id)?;
            if let FileUpdate::Identity {
                head_name,
                identity_number,
                member_count,
                digital,
                client_id,
                ..
            } = &update
            {
                if let Some(client) = client_id {
                    link_check(tx, *client, row.outlet_id, Some(household_id))?;
                }
                tx.set_grid_household_identity(
                    household_id,
                    head_name,
                    identity_number.as_deref(),
                    *member_count,
                    *digital,
                    *client_id,
                )?;
            }
            write_part(tx, household_id, &update)?;
            refresh_status(tx, household_id)?;
            let part = update.part().name();
            crate::audit::record(
                tx,
                actor,
                "grid.household.file",
                "household",
                household_id,
                Some(format!("part={part}")),
                None,
            )?;
            file_view(tx, household_id)
        })
    }

    /// Adds a visit note to a household's file (dated the business date
    /// unless an earlier date is given).
    pub fn add_visit_note(
        &self,
        actor: Actor,
        household_id: i64,
        visited_on: Option<NaiveDate>,
        note: &str,
    ) -> Result<HouseholdFileView, AppError> {
        let note = check_text("note", note, NOTE_LEN_MAX, true)?;
        self.write(move |tx, _| {
            let staff = authorize(tx, actor, Permission::HouseholdWrite)?;
            let row = load_household(tx, household_id)?;
            staff.require_node(tx, row.outlet_id)?;
            let date = effective_date(tx, visited_on)?;
            let id = tx.insert_grid_visit(household_id, date, actor.user_id, &note)?;
            refresh_status(tx, household_id)?;
            let after = Some(format!("visit={id} on={date}"));
            crate::audit::record(
                tx,
                actor,
                "grid.household.visit",
                "household",
                household_id,
                after,
                None,
            )?;
            file_view(tx, household_id)
        })
    }

    /// Records a part-time grid worker's activity and credits it to them,
    /// after the core checked the duty, the worker's cell that day and the
    /// household's cell that day.
    pub fn record_activity(&self, actor: Actor, new: NewActivity) -> Result<ActivityView, AppError> {
        let duty = parse_named(&Duty::ALL, Duty::name, &new.duty, "duty")?;
        let kind = parse_named(&ActivityKind::ALL, ActivityKind::name, &new.kind, "kind")?;
        let note = check_text("note", &new.note, NOTE_LEN_MAX, false)?;
        self.write(move |tx, _| {
            let staff = authorize(tx, actor, Permission::HouseholdWrite)?;
            let cell = load_cell(tx, new.cell_id)?;
            staff.require_node(tx, cell.outlet_id)?;
            let date = effective_date(tx, new.done_on)?;
            let history = seed_on(tx, date, new.cell_id, new.household_id)?;
            let activity = Activity {
                worker: new.worker_id,
                cell: CellId(new.cell_id),
                household: new.household_id.map(HouseholdId),
                date,
                duty,
                kind,
            };
            check_activity(&history, &activity).map_err(duty_refused)?;
            let row = ActivityRow {
                id: 0,
                worker_id: new.worker_id,
                cell_id: new.cell_id,
                household_id: new.household_id,
                done_on: date,
                duty: duty.name().to_string(),
                kind: kind.name().to_string(),
                note: note.clone(),
                recorded_by: actor.user_id,
            };
            let id = tx.insert_grid_activity(&row)?;
            let after = Some(format!(
                "worker={} {}/{} on={date}",
                new.worker_id,
                duty.name(),
                kind.name()
            ));
            crate::audit::record(tx, actor, "grid.activity.record", "activity", id, after, None)?;
            Ok(activity_view(ActivityRow { id, ..row }))
        })
    }

    /// Activities dated in `period` of a worker and/or a cell, newest first.
    pub fn activities(
        &self,
        actor: Actor,
        worker_id: Option<i64>,
        cell_id: Option<i64>,
        period: Period,
    ) -> Result<Vec<ActivityView>, AppError> {
        self.read(|r| {
            let staff = authorize(r, actor, Permission::ClientRead)?;
            let mut out = Vec::new();
            let rows = r.grid_activities(
                worker_id,
                cell_id,
                period.first(),
                period.last(),
                ACTIVITIES_SHOWN_MAX,
            )?;
            for row in rows {
                if staff.sees_node(r, r.grid_cell(row.cell_id)?.outlet_id)? {
                    out.push(activity_view(row));
                }
            }
            Ok(out)
        })
    }

    /// What each worker was credited with in `period` (per duty and kind).
    pub fn worker_tallies(
        &self,
        actor: Actor,
        cell_id: Option<i64>,
        period: Period,
    ) -> Result<Vec<WorkerTallyView>, AppError> {
        let shown = self.activities(actor, None, cell_id, period)?;
        let activities: Vec<Activity> = shown
            .iter()
            .filter_map(|a| {
                Some(Activity {
                    worker: a.worker_id,
                    cell: CellId(a.cell_id),
                    household: a.household_id.map(HouseholdId),
                    date: a.done_on,
                    duty: Duty::ALL.into_iter().find(|d| d.name() == a.duty)?,
                    kind: ActivityKind::ALL.into_iter().find(|k| k.name() == a.kind)?,
                })
            })
            .collect();
        let tallies = credgrid_core::grid::duties::tally(&activities, period);
        self.read(|r| {
            Ok(tallies
                .into_iter()
                .map(|t| WorkerTallyView {
                    worker_id: t.worker,
                    username: r.app_user(t.worker).map(|u| u.username).unwrap_or_default(),
                    by_duty: t
                        .by_duty
                        .iter()
                        .map(|(d, n)| (d.name().to_string(), *n))
                        .collect(),
                    by_kind: t
                        .by_kind
                        .iter()
                        .map(|(k, n)| (k.name().to_string(), *n))
                        .collect(),
                    total: t.total,
                })
                .collect())
        })
    }
}

/// The core's view of one cell (and one household) as they stood on `date`,
/// from the stored spans, to check an activity dated that day.
fn seed_on(
    r: &ReadTx<'_>,
    date: NaiveDate,
    cell_id: i64,
    household_id: Option<i64>,
) -> Result<credgrid_core::grid::GridHistory, AppError> {
    let mut history = credgrid_core::grid::GridHistory::new();
    let cell = load_cell(r, cell_id)?;
    let (full_time, part_time) = r.grid_cell_workers_on(cell_id, date)?;
    let Some(full_time) = full_time else {
        return Ok(history);
    };
    let spec = credgrid_core::grid::CellSpec {
        id: CellId(cell_id),
        outlet: cell.outlet_id,
        kind: credgrid_core::grid::CellKind::parse(&cell.kind)
            .unwrap_or(credgrid_core::grid::CellKind::Other),
        name: cell.name,
        full_time: Some(full_time),
        part_time,
    };
    let corrupt = |e: credgrid_core::grid::GridError| AppError::Internal(format!("grid cell {cell_id}: {e}"));
    history.apply(date, GridEvent::OpenCell(spec)).map_err(corrupt)?;
    if let Some(h) = household_id
        && r.grid_household_cell_on(h, date)? == Some(cell_id)
    {
        let event = GridEvent::PlaceHousehold {
            household: HouseholdId(h),
            cell: CellId(cell_id),
        };
        history.apply(date, event).map_err(corrupt)?;
    }
    Ok(history)
}

/// A client linked to a household must exist, belong to the outlet and not
/// be linked to another household.
fn link_check(
    r: &ReadTx<'_>,
    client_id: i64,
    outlet_id: i64,
    household: Option<i64>,
) -> Result<(), AppError> {
    let client = r
        .client(client_id)
        .map_err(|_| AppError::invalid("client_id", format!("client {client_id} does not exist")))?;
    if client.outlet_id != outlet_id {
        return Err(AppError::invalid(
            "client_id",
            "the client belongs to another outlet",
        ));
    }
    if let Some(other) = r.grid_household_of_client(client_id)?
        && Some(other.id) != household
    {
        return Err(AppError::invalid(
            "client_id",
            format!("the client is already linked to household {}", other.id),
        ));
    }
    Ok(())
}

impl Institution {
    /// The grid household linked to a client, if any (its id).
    pub fn household_id_of_client(&self, actor: Actor, client_id: i64) -> Result<Option<i64>, AppError> {
        self.read(|r| {
            let staff = authorize(r, actor, Permission::ClientRead)?;
            match r.grid_household_of_client(client_id)? {
                Some(h) => {
                    staff.require_node(r, h.outlet_id)?;
                    Ok(Some(h.id))
                }
                None => Ok(None),
            }
        })
    }
}
