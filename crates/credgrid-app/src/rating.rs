//! Household ratings and their village publication (R-RATE-1..3): rate a
//! client with the scorecard in force (every factor's contribution kept),
//! publish a village's draft ratings as a notice for the notice period,
//! record objections and have them resolved by someone other than the
//! rater, and let ratings take effect — opening their pure-credit line —
//! once the period is over and every objection is settled (checked at the
//! end of day and after every objection act).

use crate::access::authorize;
use crate::error::AppError;
use crate::institution::{Institution, business_date};
use crate::model::{Actor, Page, PageRequest};
use crate::rating_config::{self, NewRatingConfig, RatingConfig, parse_currency, parse_factor, parse_grade};
use chrono::{Days, NaiveDate};
use credgrid_core::authz::Permission;
use credgrid_core::grid::CompletenessRule;
use credgrid_core::grid::HouseholdId;
use credgrid_core::i18n::Locale;
use credgrid_core::money::{Currency, Money};
use credgrid_core::rating::scorecard::{RatingEvent, ReratingReason, rerating_due};
use credgrid_core::rating::{
    Bin, Contribution, Factor, Grade, Notice, NoticeEntry, NoticeStatus, OutsideFacts, PublicationError,
    Resolution, ScoreError, ScoreInputs,
};
use credgrid_store::{ContributionRow, NoticeRow, ObjectionRow, RatingRow, ReadTx, WriteTx};

/// The longest village name accepted.
const VILLAGE_LEN_MAX: usize = 120;
/// The longest objection or resolution reason accepted.
const REASON_LEN_MAX: usize = 1_000;
/// Days past due from which a loan counts as a default (re-rating event).
pub const DEFAULT_DAYS_PAST_DUE: u32 = 91;

/// Rating a client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateRequest {
    pub client_id: i64,
    /// The village the notice is published in; `None`: the client's grid
    /// cell, else the client's address.
    pub village: Option<String>,
    /// Factor values the system cannot measure itself (income stability,
    /// debts to assets, family situation, village reputation, and file
    /// completeness while the client has no household file). Repayment
    /// history always comes from the ledger.
    pub inputs: Vec<(Factor, i64)>,
    /// The pure-credit line proposed; `None`: the top of the grade's range.
    pub line: Option<Money>,
    /// Why the rating is made (`initial`, `schedule`, `default`, `file_changed`, `request`).
    pub reason: Option<String>,
}

/// A rating with the contribution of every factor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RatingView {
    pub id: i64,
    pub client_id: i64,
    pub client_name: String,
    pub household_id: Option<i64>,
    pub outlet_id: i64,
    pub village: String,
    pub config_id: i64,
    pub rated_on: NaiveDate,
    pub rated_by: i64,
    pub reason: String,
    pub grade: Grade,
    pub total_centipoints: u32,
    pub line: Option<Money>,
    /// The pure-credit range of the grade under the configuration used.
    pub grade_line: Option<(Money, Money)>,
    pub notice_id: Option<i64>,
    /// `draft`, `in_notice`, `effective`, `withdrawn`, `superseded`.
    pub status: String,
    pub effective_on: Option<NaiveDate>,
    pub contributions: Vec<Contribution>,
}

impl RatingView {
    /// `"87.50"`.
    pub fn total_points(&self) -> String {
        credgrid_core::rating::scorecard::format_centipoints(self.total_centipoints)
    }

    /// One sentence per factor saying how it produced its points.
    pub fn explanations(&self, locale: Locale) -> Vec<String> {
        self.contributions.iter().map(|c| c.explanation(locale)).collect()
    }
}

/// One entry of a notice and where it stands on the notice's "as of" date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoticeEntryView {
    pub rating_id: i64,
    pub client_id: i64,
    pub client_name: String,
    pub grade: Grade,
    pub total_centipoints: u32,
    pub line: Option<Money>,
    pub rated_by: i64,
    pub standing: NoticeStatus,
}

/// An objection and its settlement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectionView {
    pub id: i64,
    pub notice_id: i64,
    pub rating_id: i64,
    pub raised_on: NaiveDate,
    pub raised_by: String,
    pub reason: String,
    pub recorded_by: i64,
    /// `kept`, `changed`, `withdrawn`; `None` while open.
    pub resolution: Option<String>,
    pub resolved_grade: Option<Grade>,
    pub resolved_line: Option<Money>,
    pub resolved_by: Option<i64>,
    pub resolved_on: Option<NaiveDate>,
    pub resolution_reason: Option<String>,
}

/// A village notice with its entries and objections.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoticeView {
    pub id: i64,
    pub outlet_id: i64,
    pub outlet_name: String,
    pub village: String,
    pub published_on: NaiveDate,
    pub notice_days: u32,
    /// The last day objections are accepted.
    pub period_last: NaiveDate,
    /// The day entries without objections take effect.
    pub takes_effect_on: NaiveDate,
    pub published_by: i64,
    /// `open` or `settled`.
    pub status: String,
    /// The business date the standings are computed for.
    pub as_of: NaiveDate,
    pub entries: Vec<NoticeEntryView>,
    pub objections: Vec<ObjectionView>,
}

/// How an objection is settled, as asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResolutionRequest {
    Kept,
    Changed { grade: Grade, line: Option<Money> },
    Withdrawn,
}

/// A client due for re-rating and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RerateDue {
    pub client_id: i64,
    pub client_name: String,
    pub rating_id: i64,
    pub rated_on: NaiveDate,
    pub reason: ReratingReason,
}

impl ReratingReasonName for ReratingReason {
    fn name(&self) -> &'static str {
        match self {
            ReratingReason::Default { .. } => "default",
            ReratingReason::FileChanged { .. } => "file_changed",
            ReratingReason::Schedule { .. } => "schedule",
        }
    }
}

/// The stable name of a re-rating reason (`default`, `file_changed`, `schedule`).
pub trait ReratingReasonName {
    fn name(&self) -> &'static str;
}

fn publication_refusal(e: PublicationError) -> AppError {
    AppError::Refused {
        rule: e.code(),
        detail: e.to_string(),
    }
}

fn score_refusal(e: ScoreError) -> AppError {
    let field = match &e {
        ScoreError::MissingInput { factor } | ScoreError::NoBinFor { factor, .. } => factor.name(),
    };
    AppError::invalid(format!("inputs.{field}"), e.to_string())
}

/// The configuration in force (the defaults in CNY until one is saved).
pub(crate) fn current_config(r: &ReadTx<'_>) -> Result<RatingConfig, AppError> {
    match r.rating_config_current()? {
        Some(row) => rating_config::from_row(&row),
        None => Ok(RatingConfig::default_for(default_currency(r)?)),
    }
}

/// The currency of the first product, else CNY.
fn default_currency(r: &ReadTx<'_>) -> Result<Currency, AppError> {
    let first = r.products(0, 1)?.into_iter().next();
    match first {
        Some(p) => Currency::new(&p.currency, p.digits).map_err(|e| AppError::Internal(e.to_string())),
        None => Ok(Currency::CNY),
    }
}

/// The configuration in force, saved first if it is still the built-in default.
fn saved_config(tx: &mut WriteTx<'_>, actor: Actor) -> Result<RatingConfig, AppError> {
    let mut config = current_config(tx)?;
    if config.id.is_none() {
        let date = business_date(tx)?;
        let id = tx.insert_rating_config(&rating_config::to_row(&config, actor.user_id, date))?;
        config.id = Some(id);
    }
    Ok(config)
}

fn config_by_id(r: &ReadTx<'_>, id: i64) -> Result<RatingConfig, AppError> {
    let row = r
        .rating_config(id)?
        .ok_or_else(|| AppError::Internal(format!("rating config {id} is missing")))?;
    rating_config::from_row(&row)
}

fn check_text(field: &str, text: &str, max: usize) -> Result<String, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(AppError::invalid(field, "is required"));
    }
    if text.chars().count() > max || text.chars().any(char::is_control) {
        return Err(AppError::invalid(
            field,
            format!("must be at most {max} characters without control characters"),
        ));
    }
    Ok(text.to_string())
}

const REASONS: [&str; 5] = ["initial", "schedule", "default", "file_changed", "request"];

/// Worst days past due of the client's loans, from the ledger: the current
/// days past due of each disbursed loan, a written-off loan counting as a
/// default (91).
fn worst_days_past_due(r: &ReadTx<'_>, client_id: i64) -> Result<u32, AppError> {
    let history = r.grid_repayment_history(client_id)?;
    Ok(history
        .iter()
        .map(|l| {
            if l.status == "written_off" || l.written_off_minor > 0 {
                l.days_past_due.max(DEFAULT_DAYS_PAST_DUE)
            } else {
                l.days_past_due
            }
        })
        .max()
        .unwrap_or(0))
}

/// The grid household of a client: `(household id, cell name)`.
fn household_of(r: &ReadTx<'_>, client_id: i64) -> Result<Option<(i64, Option<String>)>, AppError> {
    let Some(household) = r.grid_household_of_client(client_id)? else {
        return Ok(None);
    };
    let cell = match household.cell_id {
        Some(cell_id) => Some(r.grid_cell(cell_id)?.name),
        None => None,
    };
    Ok(Some((household.id, cell)))
}

/// The inputs of a rating: the measured ones (ledger, household file) and
/// the ones given for what cannot be measured (`refresh`: a re-rating that
/// passes its last values, where the measured ones win). With a household file the
/// file's figures (income stability, debts to assets, working members,
/// completeness) are read through `ScoreInputs::from_file`; a value given for
/// a factor the system measured is refused, naming it.
fn score_inputs(
    r: &ReadTx<'_>,
    client_id: i64,
    given: &[(Factor, i64)],
    household_id: Option<i64>,
    currency: Currency,
    refresh: bool,
) -> Result<ScoreInputs, AppError> {
    let worst_days_past_due = worst_days_past_due(r, client_id)?;
    let measured = match household_id {
        Some(id) => {
            let (_, file) = crate::household::load_file(r, id)?;
            let reputation = given
                .iter()
                .find(|(f, _)| *f == Factor::VillageReputation)
                .map_or(0, |(_, v)| u8::try_from(*v).unwrap_or(u8::MAX));
            let facts = OutsideFacts {
                worst_days_past_due,
                village_reputation: reputation,
            };
            let mut from_file = ScoreInputs::from_file(&file, &CompletenessRule::default(), currency, facts)
                .map_err(|e| AppError::Refused {
                    rule: e.code(),
                    detail: e.to_string(),
                })?;
            if !given.iter().any(|(f, _)| *f == Factor::VillageReputation) {
                from_file = without(from_file, Factor::VillageReputation);
            }
            from_file
        }
        None => ScoreInputs::new().with(Factor::RepaymentHistory, i64::from(worst_days_past_due)),
    };
    let mut inputs = measured.clone();
    for &(factor, value) in given {
        if factor != Factor::VillageReputation && measured.get(factor).is_some() {
            if refresh {
                continue;
            }
            return Err(AppError::invalid(
                format!("inputs.{}", factor.name()),
                "is measured by the system (ledger or household file) and cannot be given",
            ));
        }
        inputs = inputs.with(factor, value);
    }
    Ok(inputs)
}

/// `inputs` without `factor` (so scoring names it as missing).
fn without(inputs: ScoreInputs, factor: Factor) -> ScoreInputs {
    Factor::ALL
        .into_iter()
        .filter(|f| *f != factor)
        .filter_map(|f| inputs.get(f).map(|v| (f, v)))
        .fold(ScoreInputs::new(), |acc, (f, v)| acc.with(f, v))
}

fn contribution_rows(contributions: &[Contribution]) -> Vec<ContributionRow> {
    contributions
        .iter()
        .map(|c| ContributionRow {
            factor: c.factor.name(),
            value: c.value,
            bin_min: c.bin.min,
            bin_max: c.bin.max,
            points: c.points,
            weight_percent: c.weight_percent,
            weighted_centipoints: c.weighted_centipoints,
        })
        .collect()
}

/// The line of a new rating: the one proposed, checked against the grade's
/// range, or the top of the range.
fn proposed_line(
    config: &RatingConfig,
    grade: Grade,
    line: Option<Money>,
) -> Result<Option<Money>, AppError> {
    let Some(line) = line else {
        return Ok(config.grade_line(grade).map(|(_, high)| high));
    };
    if line.currency() != config.currency {
        return Err(AppError::invalid(
            "line",
            format!("must be in {}", config.currency.code()),
        ));
    }
    if !config.scorecard.line_fits_grade(grade, Some(line)) {
        return Err(AppError::Refused {
            rule: "rating-line-outside-grade",
            detail: format!(
                "a line of {} does not fit grade {}",
                line.to_major_string(),
                grade.name()
            ),
        });
    }
    Ok(Some(line))
}

fn rate_job(
    tx: &mut WriteTx<'_>,
    actor: Actor,
    request: RateRequest,
    refresh: bool,
) -> Result<i64, AppError> {
    let staff = authorize(tx, actor, Permission::RatingRun)?;
    let client = tx.client(request.client_id).map_err(|_| {
        AppError::invalid(
            "client_id",
            format!("client {} does not exist", request.client_id),
        )
    })?;
    if !staff.sees_node(tx, client.outlet_id)? {
        return Err(AppError::invalid(
            "client_id",
            format!("client {} does not exist", request.client_id),
        ));
    }
    if client.status != "active" {
        return Err(AppError::invalid("client_id", "the client is not active"));
    }
    let reason = request.reason.as_deref().unwrap_or("request");
    if !REASONS.contains(&reason) {
        return Err(AppError::invalid(
            "reason",
            format!("must be one of {}", REASONS.join(", ")),
        ));
    }
    let household = household_of(tx, client.id)?;
    let village = match (&request.village, &household) {
        (Some(v), _) => check_text("village", v, VILLAGE_LEN_MAX)?,
        (None, Some((_, Some(cell)))) => cell.clone(),
        (None, _) => match &client.address {
            Some(a) if !a.trim().is_empty() => a.trim().chars().take(VILLAGE_LEN_MAX).collect(),
            _ => {
                return Err(AppError::invalid(
                    "village",
                    "is required: the client has no grid cell",
                ));
            }
        },
    };
    let config = saved_config(tx, actor)?;
    let inputs = score_inputs(
        tx,
        client.id,
        &request.inputs,
        household.as_ref().map(|h| h.0),
        config.currency,
        refresh,
    )?;
    let rating = config.scorecard.score(&inputs).map_err(score_refusal)?;
    let line = proposed_line(&config, rating.grade, request.line)?;
    let date = business_date(tx)?;
    let row = RatingRow {
        id: 0,
        client_id: client.id,
        household_id: household.as_ref().map(|h| h.0),
        outlet_id: client.outlet_id,
        village,
        config_id: config.id.expect("saved"),
        rated_on: date,
        rated_by: actor.user_id,
        reason: reason.to_string(),
        grade: rating.grade.name().to_string(),
        total_centipoints: rating.total_centipoints,
        currency: rating_config::currency_text(config.currency),
        line_minor: line.map(|l| l.minor()),
        notice_id: None,
        status: "draft".into(),
        effective_on: None,
    };
    let id = tx.insert_rating(&row, &contribution_rows(&rating.contributions))?;
    tx.supersede_drafts(client.id, id)?;
    crate::audit::record(
        tx,
        actor,
        "rating.run",
        "rating",
        id,
        Some(format!(
            "client={} grade={} total={} line={}",
            client.id,
            rating.grade.name(),
            rating.total_points(),
            line.map_or("-".into(), |l| l.to_major_string())
        )),
        None,
    )?;
    Ok(id)
}

fn stored_contribution(c: &credgrid_store::StoredContributionRow) -> Result<Contribution, AppError> {
    let factor = parse_factor(&c.factor)
        .ok_or_else(|| AppError::Internal(format!("stored factor {:?} is unknown", c.factor)))?;
    Ok(Contribution {
        factor,
        value: c.value,
        bin: Bin {
            min: c.bin_min,
            max: c.bin_max,
            points: c.points,
        },
        points: c.points,
        weight_percent: c.weight_percent,
        weighted_centipoints: c.weighted_centipoints,
    })
}

fn grade_of(name: &str) -> Result<Grade, AppError> {
    parse_grade(name).ok_or_else(|| AppError::Internal(format!("stored grade {name:?} is unknown")))
}

pub(crate) fn rating_view(
    r: &ReadTx<'_>,
    row: RatingRow,
    with_contributions: bool,
) -> Result<RatingView, AppError> {
    let currency = parse_currency(&row.currency)?;
    let config = config_by_id(r, row.config_id)?;
    let grade = grade_of(&row.grade)?;
    let contributions = if with_contributions {
        r.rating_contributions(row.id)?
            .iter()
            .map(stored_contribution)
            .collect::<Result<_, _>>()?
    } else {
        Vec::new()
    };
    let client_name = r.client(row.client_id)?.name;
    Ok(RatingView {
        id: row.id,
        client_id: row.client_id,
        client_name,
        household_id: row.household_id,
        outlet_id: row.outlet_id,
        village: row.village,
        config_id: row.config_id,
        rated_on: row.rated_on,
        rated_by: row.rated_by,
        reason: row.reason,
        grade,
        total_centipoints: row.total_centipoints,
        line: row.line_minor.map(|m| Money::from_minor(m, currency)),
        grade_line: config.grade_line(grade),
        notice_id: row.notice_id,
        status: row.status,
        effective_on: row.effective_on,
        contributions,
    })
}

fn load_rating(r: &ReadTx<'_>, id: i64) -> Result<RatingRow, AppError> {
    r.rating(id)?.ok_or_else(|| AppError::not_found("rating", id))
}

fn load_notice(r: &ReadTx<'_>, id: i64) -> Result<NoticeRow, AppError> {
    r.rating_notice(id)?
        .ok_or_else(|| AppError::not_found("notice", id))
}

/// The core notice of one rating on a notice: the entry, its rater and its
/// objections (each entry has its own rater, so each is judged alone).
fn core_notice(
    notice: &NoticeRow,
    rating: &RatingRow,
    objections: &[ObjectionRow],
) -> Result<Notice, AppError> {
    let currency = parse_currency(&rating.currency)?;
    let household = HouseholdId(rating.id);
    let entry = NoticeEntry {
        household,
        grade: grade_of(&rating.grade)?,
        line: rating.line_minor.map(|m| Money::from_minor(m, currency)),
    };
    let mut core = Notice::publish(
        &notice.village,
        rating.rated_by,
        notice.published_on,
        notice.notice_days,
        vec![entry],
    )
    .map_err(publication_refusal)?;
    for objection in objections.iter().filter(|o| o.rating_id == rating.id) {
        let id = core
            .object(
                household,
                objection.raised_on,
                &objection.raised_by,
                &objection.reason,
            )
            .map_err(publication_refusal)?;
        if let (Some(by), Some(on)) = (objection.resolved_by, objection.resolved_on) {
            let resolution = stored_resolution(objection, currency)?;
            let reason = objection.resolution_reason.as_deref().unwrap_or("-");
            core.resolve(id, by, on, resolution, reason)
                .map_err(publication_refusal)?;
        }
    }
    Ok(core)
}

fn stored_resolution(o: &ObjectionRow, currency: Currency) -> Result<Resolution, AppError> {
    match o.resolution.as_deref() {
        Some("kept") => Ok(Resolution::Kept),
        Some("withdrawn") => Ok(Resolution::Withdrawn),
        Some("changed") => Ok(Resolution::Changed {
            grade: grade_of(o.resolved_grade.as_deref().unwrap_or(""))?,
            line: o.resolved_line_minor.map(|m| Money::from_minor(m, currency)),
        }),
        other => Err(AppError::Internal(format!(
            "objection {}: resolution {other:?}",
            o.id
        ))),
    }
}

fn objection_view(o: ObjectionRow, currency: Currency) -> Result<ObjectionView, AppError> {
    let resolved_grade = o.resolved_grade.as_deref().map(grade_of).transpose()?;
    Ok(ObjectionView {
        id: o.id,
        notice_id: o.notice_id,
        rating_id: o.rating_id,
        raised_on: o.raised_on,
        raised_by: o.raised_by,
        reason: o.reason,
        recorded_by: o.recorded_by,
        resolution: o.resolution,
        resolved_grade,
        resolved_line: o.resolved_line_minor.map(|m| Money::from_minor(m, currency)),
        resolved_by: o.resolved_by,
        resolved_on: o.resolved_on,
        resolution_reason: o.resolution_reason,
    })
}

pub(crate) fn notice_view(
    r: &ReadTx<'_>,
    notice: NoticeRow,
    as_of: NaiveDate,
) -> Result<NoticeView, AppError> {
    let ratings = r.ratings_of_notice(notice.id)?;
    let objections = r.rating_objections(notice.id)?;
    let mut entries = Vec::with_capacity(ratings.len());
    let mut currency = Currency::CNY;
    for rating in &ratings {
        currency = parse_currency(&rating.currency)?;
        let core = core_notice(&notice, rating, &objections)?;
        let standing = core
            .status(HouseholdId(rating.id), as_of)
            .map_err(publication_refusal)?;
        entries.push(NoticeEntryView {
            rating_id: rating.id,
            client_id: rating.client_id,
            client_name: r.client(rating.client_id)?.name,
            grade: grade_of(&rating.grade)?,
            total_centipoints: rating.total_centipoints,
            line: rating.line_minor.map(|m| Money::from_minor(m, currency)),
            rated_by: rating.rated_by,
            standing,
        });
    }
    let objections = objections
        .into_iter()
        .map(|o| objection_view(o, currency))
        .collect::<Result<_, _>>()?;
    let takes_effect_on = notice
        .period_last
        .succ_opt()
        .ok_or_else(|| AppError::Internal("notice date out of range".into()))?;
    Ok(NoticeView {
        id: notice.id,
        outlet_id: notice.outlet_id,
        outlet_name: r.org_node(notice.outlet_id)?.name,
        village: notice.village,
        published_on: notice.published_on,
        notice_days: notice.notice_days,
        period_last: notice.period_last,
        takes_effect_on,
        published_by: notice.published_by,
        status: notice.status,
        as_of,
        entries,
        objections,
    })
}

fn publish_job(
    tx: &mut WriteTx<'_>,
    actor: Actor,
    outlet_id: i64,
    village: &str,
    notice_days: Option<u32>,
) -> Result<i64, AppError> {
    let staff = authorize(tx, actor, Permission::RatingPublish)?;
    tx.org_node(outlet_id)
        .map_err(|_| AppError::invalid("outlet_id", format!("node {outlet_id} does not exist")))?;
    staff.require_node(tx, outlet_id)?;
    let village = check_text("village", village, VILLAGE_LEN_MAX)?;
    let config = current_config(tx)?;
    let notice_days = notice_days.unwrap_or(config.notice_days);
    if notice_days == 0 || notice_days > rating_config::NOTICE_DAYS_MAX {
        return Err(AppError::invalid(
            "notice_days",
            format!("must be between 1 and {}", rating_config::NOTICE_DAYS_MAX),
        ));
    }
    let drafts = tx.draft_ratings(outlet_id, &village)?;
    let date = business_date(tx)?;
    let mut entries = Vec::with_capacity(drafts.len());
    for rating in &drafts {
        let currency = parse_currency(&rating.currency)?;
        entries.push(NoticeEntry {
            household: HouseholdId(rating.id),
            grade: grade_of(&rating.grade)?,
            line: rating.line_minor.map(|m| Money::from_minor(m, currency)),
        });
    }
    let core =
        Notice::publish(&village, actor.user_id, date, notice_days, entries).map_err(publication_refusal)?;
    let id = tx.insert_notice(&NoticeRow {
        id: 0,
        outlet_id,
        village: village.clone(),
        published_on: date,
        notice_days,
        period_last: core.period_last(),
        published_by: actor.user_id,
        status: "open".into(),
    })?;
    for mut rating in drafts {
        rating.status = "in_notice".into();
        rating.notice_id = Some(id);
        tx.update_rating(&rating)?;
    }
    crate::audit::record(
        tx,
        actor,
        "rating.publish",
        "notice",
        id,
        Some(format!(
            "village={village} entries={} period_last={}",
            core.entries().len(),
            core.period_last()
        )),
        None,
    )?;
    Ok(id)
}

fn object_job(
    tx: &mut WriteTx<'_>,
    actor: Actor,
    notice_id: i64,
    rating_id: i64,
    raised_by: &str,
    reason: &str,
) -> Result<i64, AppError> {
    let staff = authorize(tx, actor, Permission::HouseholdWrite)?;
    let notice = load_notice(tx, notice_id)?;
    staff.require_node(tx, notice.outlet_id)?;
    let raised_by = check_text("raised_by", raised_by, VILLAGE_LEN_MAX)?;
    let reason = check_text("reason", reason, REASON_LEN_MAX)?;
    let rating = load_rating(tx, rating_id)?;
    if rating.notice_id != Some(notice_id) {
        return Err(publication_refusal(PublicationError::HouseholdNotOnNotice {
            household: HouseholdId(rating_id),
        }));
    }
    let date = business_date(tx)?;
    let objections = tx.rating_objections(notice_id)?;
    let mut core = core_notice(&notice, &rating, &objections)?;
    core.object(HouseholdId(rating_id), date, &raised_by, &reason)
        .map_err(publication_refusal)?;
    let id = tx.insert_objection(&ObjectionRow {
        id: 0,
        notice_id,
        rating_id,
        raised_on: date,
        raised_by: raised_by.clone(),
        reason: reason.clone(),
        recorded_by: actor.user_id,
        resolution: None,
        resolved_grade: None,
        resolved_line_minor: None,
        resolved_by: None,
        resolved_on: None,
        resolution_reason: None,
    })?;
    crate::audit::record(
        tx,
        actor,
        "rating.object",
        "objection",
        id,
        Some(format!(
            "notice={notice_id} rating={rating_id} raised_by={raised_by}"
        )),
        Some(&reason),
    )?;
    Ok(id)
}

fn resolve_job(
    tx: &mut WriteTx<'_>,
    actor: Actor,
    objection_id: i64,
    request: ResolutionRequest,
    reason: &str,
) -> Result<(), AppError> {
    let staff = authorize(tx, actor, Permission::ObjectionResolve)?;
    let mut objection = tx
        .rating_objection(objection_id)?
        .ok_or_else(|| AppError::not_found("objection", objection_id))?;
    let notice = load_notice(tx, objection.notice_id)?;
    staff.require_node(tx, notice.outlet_id)?;
    let reason = check_text("reason", reason, REASON_LEN_MAX)?;
    let rating = load_rating(tx, objection.rating_id)?;
    let config = config_by_id(tx, rating.config_id)?;
    let resolution = match request {
        ResolutionRequest::Kept => Resolution::Kept,
        ResolutionRequest::Withdrawn => Resolution::Withdrawn,
        ResolutionRequest::Changed { grade, line } => {
            if let Some(l) = line
                && l.currency() != config.currency
            {
                return Err(AppError::invalid(
                    "line",
                    format!("must be in {}", config.currency.code()),
                ));
            }
            Resolution::Changed { grade, line }
        }
    };
    let objections = tx.rating_objections(notice.id)?;
    let mut core = core_notice(&notice, &rating, &objections)?;
    let index = objections
        .iter()
        .filter(|o| o.rating_id == rating.id)
        .position(|o| o.id == objection_id)
        .expect("the objection belongs to its rating");
    let date = business_date(tx)?;
    core.resolve(index, actor.user_id, date, resolution, &reason)
        .map_err(publication_refusal)?;
    core.check_lines(&config.scorecard).map_err(publication_refusal)?;
    objection.resolution = Some(resolution.name().to_string());
    if let Resolution::Changed { grade, line } = resolution {
        objection.resolved_grade = Some(grade.name().to_string());
        objection.resolved_line_minor = line.map(|l| l.minor());
    }
    objection.resolved_by = Some(actor.user_id);
    objection.resolved_on = Some(date);
    objection.resolution_reason = Some(reason.clone());
    tx.resolve_objection(&objection)?;
    crate::audit::record(
        tx,
        actor,
        "rating.resolve",
        "objection",
        objection_id,
        Some(format!("resolution={} rating={}", resolution.name(), rating.id)),
        Some(&reason),
    )?;
    settle_notice(tx, actor, &notice, date)
}

/// Lets the entries of `notice` whose standing is decided on `date` take
/// effect (opening their pure-credit lines) or be withdrawn; marks the
/// notice settled once every entry is decided.
fn settle_notice(
    tx: &mut WriteTx<'_>,
    actor: Actor,
    notice: &NoticeRow,
    date: NaiveDate,
) -> Result<(), AppError> {
    if notice.status != "open" {
        return Ok(());
    }
    let ratings = tx.ratings_of_notice(notice.id)?;
    let objections = tx.rating_objections(notice.id)?;
    let mut undecided = 0;
    for mut rating in ratings {
        if rating.status != "in_notice" {
            continue;
        }
        let core = core_notice(notice, &rating, &objections)?;
        match core
            .status(HouseholdId(rating.id), date)
            .map_err(publication_refusal)?
        {
            NoticeStatus::Effective { from, grade, line } => {
                rating.status = "effective".into();
                rating.grade = grade.name().to_string();
                rating.line_minor = line.map(|l| l.minor());
                rating.effective_on = Some(from);
                tx.update_rating(&rating)?;
                tx.supersede_ratings(rating.client_id, rating.id)?;
                crate::audit::record(
                    tx,
                    actor,
                    "rating.effective",
                    "rating",
                    rating.id,
                    Some(format!("grade={} from={from}", grade.name())),
                    None,
                )?;
                if let Some(line) = line.filter(|l| l.is_positive()) {
                    crate::credit_line::open_from_rating(tx, actor, &rating, grade, line, from)?;
                }
            }
            NoticeStatus::Withdrawn { on } => {
                rating.status = "withdrawn".into();
                rating.effective_on = Some(on);
                tx.update_rating(&rating)?;
                crate::audit::record(tx, actor, "rating.withdrawn", "rating", rating.id, None, None)?;
            }
            _ => undecided += 1,
        }
    }
    if undecided == 0 {
        tx.set_notice_status(notice.id, "settled")?;
    }
    Ok(())
}

/// The end-of-day step: settles every open notice as of the new business
/// date and brings every credit line in step with its loans. Called by
/// `eod.rs` in the job that opens `date`.
pub(crate) fn end_of_day(tx: &mut WriteTx<'_>, actor: Actor, date: NaiveDate) -> Result<(), AppError> {
    for notice in tx.open_rating_notices()? {
        settle_notice(tx, actor, &notice, date)?;
    }
    crate::credit_line::reconcile_all(tx, actor, date)
}

/// When a default counts for re-rating: the day a loan passed 90 days past due.
fn default_events(r: &ReadTx<'_>, client_id: i64, today: NaiveDate) -> Result<Vec<RatingEvent>, AppError> {
    let mut events = Vec::new();
    for loan in r.grid_repayment_history(client_id)? {
        if loan.days_past_due >= DEFAULT_DAYS_PAST_DUE {
            let since = u64::from(loan.days_past_due - DEFAULT_DAYS_PAST_DUE);
            if let Some(on) = today.checked_sub_days(Days::new(since)) {
                events.push(RatingEvent::Default { on });
            }
        } else if loan.status == "written_off"
            && let Some(on) = loan.closed_on
        {
            events.push(RatingEvent::Default { on });
        }
    }
    Ok(events)
}

impl Institution {
    /// The rating configuration in force.
    pub fn rating_config(&self, actor: Actor) -> Result<RatingConfig, AppError> {
        self.read(|r| {
            authorize(r, actor, Permission::ClientRead)?;
            current_config(r)
        })
    }

    /// Saves a new version of the rating configuration (scorecard, grades,
    /// tiers, notice period, re-rating policy); later ratings use it.
    pub fn set_rating_config(&self, actor: Actor, new: NewRatingConfig) -> Result<RatingConfig, AppError> {
        self.write(move |tx, _| {
            authorize(tx, actor, Permission::ConfigApprove)?;
            let currency = current_config(tx)?.currency;
            let config = rating_config::build(currency, new)?;
            let date = business_date(tx)?;
            let id = tx.insert_rating_config(&rating_config::to_row(&config, actor.user_id, date))?;
            crate::audit::record(
                tx,
                actor,
                "rating.config",
                "rating_config",
                id,
                Some(format!("notice_days={}", config.notice_days)),
                None,
            )?;
            Ok(())
        })?;
        self.rating_config(actor)
    }

    /// Rates a client with the scorecard in force; the rating is a draft
    /// until published in its village.
    pub fn rate(&self, actor: Actor, request: RateRequest) -> Result<RatingView, AppError> {
        let id = self.write(move |tx, _| rate_job(tx, actor, request, false))?;
        self.rating(actor, id)
    }

    pub fn rating(&self, actor: Actor, id: i64) -> Result<RatingView, AppError> {
        self.read(|r| {
            let staff = authorize(r, actor, Permission::ClientRead)?;
            let row = load_rating(r, id)?;
            if !staff.sees_node(r, row.outlet_id)? {
                return Err(AppError::not_found("rating", id));
            }
            rating_view(r, row, true)
        })
    }

    /// Ratings oldest first, optionally of one status (without contributions).
    pub fn ratings(
        &self,
        actor: Actor,
        page: PageRequest,
        status: Option<String>,
    ) -> Result<Page<RatingView>, AppError> {
        self.read(|r| {
            let staff = authorize(r, actor, Permission::ClientRead)?;
            let limit = page.limit.clamp(1, crate::model::PAGE_LIMIT_MAX);
            let rows = r.ratings_page(page.after_id, limit, status.as_deref())?;
            let next_after_id = (rows.len() == limit as usize)
                .then(|| rows.last().map(|x| x.id))
                .flatten();
            let mut items = Vec::new();
            for row in rows {
                if staff.sees_node(r, row.outlet_id)? {
                    items.push(rating_view(r, row, false)?);
                }
            }
            Ok(Page { items, next_after_id })
        })
    }

    /// A client's ratings, newest first, with their contributions.
    pub fn ratings_of_client(&self, actor: Actor, client_id: i64) -> Result<Vec<RatingView>, AppError> {
        self.read(|r| {
            let staff = authorize(r, actor, Permission::ClientRead)?;
            let client = r
                .client(client_id)
                .map_err(|_| AppError::not_found("client", client_id))?;
            staff.require_node(r, client.outlet_id)?;
            r.ratings_of_client(client_id)?
                .into_iter()
                .map(|row| rating_view(r, row, true))
                .collect()
        })
    }

    /// Publishes the draft ratings of `village` at `outlet_id` as a notice
    /// from the business date for `notice_days` (default: the configuration's).
    pub fn publish_notice(
        &self,
        actor: Actor,
        outlet_id: i64,
        village: String,
        notice_days: Option<u32>,
    ) -> Result<NoticeView, AppError> {
        let id = self.write(move |tx, _| publish_job(tx, actor, outlet_id, &village, notice_days))?;
        self.notice(actor, id)
    }

    /// A notice with every entry's standing on the business date.
    pub fn notice(&self, actor: Actor, id: i64) -> Result<NoticeView, AppError> {
        self.read(|r| {
            let staff = authorize(r, actor, Permission::ClientRead)?;
            let notice = load_notice(r, id)?;
            if !staff.sees_node(r, notice.outlet_id)? {
                return Err(AppError::not_found("notice", id));
            }
            let date = business_date(r)?;
            notice_view(r, notice, date)
        })
    }

    /// Notices newest first; `page.after_id` is the id to continue below (0: newest).
    pub fn notices(&self, actor: Actor, page: PageRequest) -> Result<Page<NoticeView>, AppError> {
        self.read(|r| {
            let staff = authorize(r, actor, Permission::ClientRead)?;
            let limit = page.limit.clamp(1, crate::model::PAGE_LIMIT_MAX);
            let rows = r.rating_notices(page.after_id, limit)?;
            let next_after_id = (rows.len() == limit as usize)
                .then(|| rows.last().map(|x| x.id))
                .flatten();
            let date = business_date(r)?;
            let mut items = Vec::new();
            for row in rows {
                if staff.sees_node(r, row.outlet_id)? {
                    items.push(notice_view(r, row, date)?);
                }
            }
            Ok(Page { items, next_after_id })
        })
    }

    /// Records a villager's objection to one rating on a notice, during its period.
    pub fn object_to_rating(
        &self,
        actor: Actor,
        notice_id: i64,
        rating_id: i64,
        raised_by: String,
        reason: String,
    ) -> Result<NoticeView, AppError> {
        self.write(move |tx, _| object_job(tx, actor, notice_id, rating_id, &raised_by, &reason))?;
        self.notice(actor, notice_id)
    }

    /// Resolves an objection: kept, changed or withdrawn. The rater of the
    /// rating objected to is refused (`rating-rater-cannot-resolve`).
    pub fn resolve_objection(
        &self,
        actor: Actor,
        objection_id: i64,
        resolution: ResolutionRequest,
        reason: String,
    ) -> Result<NoticeView, AppError> {
        let notice_id = self.write(move |tx, _| {
            resolve_job(tx, actor, objection_id, resolution, &reason)?;
            Ok(tx.rating_objection(objection_id)?.map_or(0, |o| o.notice_id))
        })?;
        self.notice(actor, notice_id)
    }

    /// Settles the open notices as of the business date (what the end of
    /// day does), for a user who cannot wait for it.
    pub fn settle_notices(&self, actor: Actor) -> Result<(), AppError> {
        self.write(move |tx, _| {
            authorize(tx, actor, Permission::RatingPublish)?;
            let date = business_date(tx)?;
            for notice in tx.open_rating_notices()? {
                settle_notice(tx, actor, &notice, date)?;
            }
            Ok(())
        })
    }

    /// The clients whose effective rating is due for re-rating on the
    /// business date: a default after it, a file change after it (if the
    /// policy says so), or the schedule (yearly by default).
    pub fn ratings_due(&self, actor: Actor) -> Result<Vec<RerateDue>, AppError> {
        self.read(|r| {
            let staff = authorize(r, actor, Permission::RatingRun)?;
            let config = current_config(r)?;
            let today = business_date(r)?;
            let mut due = Vec::new();
            let mut after_id = 0;
            loop {
                let rows = r.ratings_page(after_id, crate::model::PAGE_LIMIT_MAX, Some("effective"))?;
                let Some(last) = rows.last() else { break };
                after_id = last.id;
                for row in rows {
                    if !staff.sees_node(r, row.outlet_id)? {
                        continue;
                    }
                    let mut events = default_events(r, row.client_id, today)?;
                    if let Some(h) = r.grid_household_of_client(row.client_id)?
                        && let Some(on) = h.file_updated_on
                    {
                        events.push(RatingEvent::FileChanged { on });
                    }
                    let rated_on = row.effective_on.unwrap_or(row.rated_on).min(row.rated_on);
                    if let Some(reason) = rerating_due(rated_on, today, &events, config.rerating) {
                        due.push(RerateDue {
                            client_id: row.client_id,
                            client_name: r.client(row.client_id)?.name,
                            rating_id: row.id,
                            rated_on: row.rated_on,
                            reason,
                        });
                    }
                }
            }
            Ok(due)
        })
    }

    /// Re-rates every client due (see [`Institution::ratings_due`]) with the
    /// values of their last rating refreshed by what the system measures;
    /// the new ratings are drafts for the next notice. Returns their ids.
    pub fn rerate_due(&self, actor: Actor) -> Result<Vec<i64>, AppError> {
        let due = self.ratings_due(actor)?;
        let mut ids = Vec::with_capacity(due.len());
        for item in due {
            let previous = self.rating(actor, item.rating_id)?;
            let inputs = previous
                .contributions
                .iter()
                .filter(|c| c.factor != Factor::RepaymentHistory)
                .map(|c| (c.factor, c.value))
                .collect();
            let request = RateRequest {
                client_id: item.client_id,
                village: Some(previous.village.clone()),
                inputs,
                line: None,
                reason: Some(item.reason.name().to_string()),
            };
            ids.push(self.write(move |tx, _| rate_job(tx, actor, request, true))?);
        }
        Ok(ids)
    }
}
