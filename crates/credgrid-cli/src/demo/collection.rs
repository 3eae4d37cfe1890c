//! The demo's collections (issue 7): every week, and on the last business
//! date, the account manager works the top of their worklist built by the
//! last end of day — registers the borrower's mobile and a second contact
//! (spouse, neighbour or village cadre) the first time, telephones within
//! the allowed hours, records the outcome (reached, no answer, refused or a
//! promise to pay half the overdue amount within a week, which the end of
//! day then judges kept or broken), and sends a template SMS reminder; loans
//! more than 30 days past due go to the demonstration collector. The outbox
//! is delivered by the file sender to the log at the end.

use super::prng::SplitMix64;
use super::simulation::Cast;
use chrono::{Datelike, Days, NaiveDate, NaiveTime};
use credgrid_app::collection::{FileSender, NewAction, NewContact, WorklistItem};
use credgrid_app::{Actor, AppError, Institution};

/// Loans worked per collection day.
const LOANS_PER_DAY: usize = 12;
/// Days past due from which a loan goes to the collector.
const COLLECTOR_FROM_DAYS_PAST_DUE: u32 = 31;
/// Second contacts the demo registers, by relation.
const SECOND_CONTACTS: [&str; 3] = ["spouse", "neighbour", "village_cadre"];

/// Called by the simulation on every business date before its end of day.
pub(crate) fn on_day(
    institution: &Institution,
    cast: Cast,
    today: NaiveDate,
    end: NaiveDate,
    seed: u64,
) -> Result<(), AppError> {
    let last = end.pred_opt().is_some_and(|d| d == today);
    if today.weekday() != chrono::Weekday::Wed && !last {
        return Ok(());
    }
    let collector = institution.user_named("demo.collector")?.map(|p| p.actor());
    let mut rng = SplitMix64::new(seed ^ u64::from(today.ordinal()) ^ 0x434f_4c4c);
    let worker = cast.account_manager;
    let list = institution.worklist(worker, None, 0, 200)?.items;
    for (i, item) in list.iter().take(LOANS_PER_DAY).enumerate() {
        work_loan(institution, worker, item, today, i, &mut rng)?;
    }
    if let Some(collector) = collector {
        for item in list
            .iter()
            .filter(|i| i.days_past_due >= COLLECTOR_FROM_DAYS_PAST_DUE)
        {
            institution.assign_collector(cast.branch_manager, item.loan_id, collector.user_id)?;
        }
        let theirs = institution.worklist(collector, None, 0, 200)?.items;
        for (i, item) in theirs.iter().take(LOANS_PER_DAY / 2).enumerate() {
            work_loan(institution, collector, item, today, i, &mut rng)?;
        }
    }
    if last {
        let log = std::env::temp_dir().join("credgrid-demo-outbox.log");
        institution.deliver_outbox(cast.branch_manager, &FileSender::new(Some(log)), 200)?;
    }
    Ok(())
}

/// One loan: contacts the first time, a call, and a reminder SMS on a promise.
fn work_loan(
    institution: &Institution,
    worker: Actor,
    item: &WorklistItem,
    today: NaiveDate,
    i: usize,
    rng: &mut SplitMix64,
) -> Result<(), AppError> {
    let case = institution.collection_case(worker, item.loan_id)?;
    let mut phone = case
        .contacts
        .iter()
        .find(|c| c.active && c.contact.kind == "mobile")
        .map(|c| c.contact.id);
    if phone.is_none() {
        let mobile = format!("13{:09}", 100_000_000 + item.client_id % 900_000_000);
        phone = Some(institution.add_collection_contact(
            worker,
            item.loan_id,
            contact("borrower", &case.client_name, &mobile),
        )?);
        let relation = SECOND_CONTACTS[rng.below(3) as usize];
        let other = format!("15{:09}", 200_000_000 + item.client_id % 700_000_000);
        institution.add_collection_contact(worker, item.loan_id, contact(relation, "family", &other))?;
    }
    let minutes = u32::try_from(i).unwrap_or(0) * 7;
    let time = NaiveTime::from_hms_opt(9 + minutes / 60, minutes % 60, 0).unwrap_or(NaiveTime::MIN);
    let outcome = ["reached", "no_answer", "promised", "promised", "refused"][rng.below(5) as usize];
    let mut call = action(item.loan_id, "phone", today.and_time(time), phone, outcome);
    if outcome == "promised" {
        let half = item.amount_overdue.minor() / 2;
        let amount = credgrid_core::Money::from_minor(half.max(1), item.amount_overdue.currency());
        call.promise_amount = Some(amount.to_major_string());
        call.promise_date = today.checked_add_days(Days::new(7));
        call.notes = "promised to pay after selling the harvest".into();
    }
    if !recorded(institution.record_collection_action(worker, call))? {
        return Ok(());
    }
    if outcome != "refused" && case.amount_overdue.is_positive() {
        let at = today.and_time(time) + chrono::Duration::hours(2);
        let mut sms = action(item.loan_id, "sms", at, phone, "sent");
        sms.template = Some("sms_reminder".into());
        sms.locale = Some("zh".into());
        recorded(institution.record_collection_action(worker, sms))?;
    }
    Ok(())
}

/// Whether the action was recorded; a conduct refusal (a debtor with several
/// loans already contacted three times today) is skipped, as a collector would.
fn recorded<T>(result: Result<T, AppError>) -> Result<bool, AppError> {
    match result {
        Ok(_) => Ok(true),
        Err(AppError::Refused { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

fn contact(relation: &str, holder: &str, value: &str) -> NewContact {
    NewContact {
        kind: "mobile".into(),
        relation: relation.into(),
        holder_name: holder.into(),
        value: value.into(),
        given_by: "the borrower".into(),
        given_at: None,
        corrects: None,
    }
}

fn action(
    loan_id: i64,
    channel: &str,
    at_local: chrono::NaiveDateTime,
    contact_id: Option<i64>,
    outcome: &str,
) -> NewAction {
    NewAction {
        loan_id,
        channel: channel.into(),
        at_local,
        contact_id,
        outcome: outcome.into(),
        notes: String::new(),
        template: None,
        free_text: None,
        promise_amount: None,
        promise_date: None,
        new_contacts: vec![],
        override_id: None,
        locale: None,
    }
}
