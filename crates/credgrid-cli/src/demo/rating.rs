//! The demo's ratings and credit lines (issue 6): three weeks before the end
//! of the simulated year the account manager rates the households of two
//! villages, the branch manager publishes each village's notice, a villager
//! objects to one rating; after the 7-day notice period the branch manager
//! (not the rater) decides the objection, the ratings take effect at the end
//! of day and open their pure-credit lines, and three households draw on
//! their lines (one draw is taken through the low tier to disbursement).
//! Three days before the end a third village's notice is published, so the
//! demo also shows a notice still in its period.
//!
//! Factor values the system cannot measure (income stability, debts to
//! assets, family situation, village reputation, file completeness) are
//! drawn from the demo's seeded generator, so the demo is reproducible.

use super::places::TOWNSHIPS;
use super::prng::SplitMix64;
use super::simulation::Cast;
use chrono::{Days, NaiveDate};
use credgrid_app::credit_line::DrawRequest;
use credgrid_app::rating::{RateRequest, ResolutionRequest};
use credgrid_app::{AppError, ClientView, Institution, PageRequest};
use credgrid_core::money::Money;
use credgrid_core::rating::{Factor, Grade};
use std::collections::BTreeMap;

/// Days before the end of the scenario the ratings are made.
const RATE_DAYS_BEFORE_END: u64 = 21;
/// Households rated per village at most.
const HOUSEHOLDS_PER_VILLAGE: usize = 8;
/// Villages rated three weeks before the end.
const VILLAGES: usize = 2;
/// Days before the end a third village's notice is published (still open at the end).
const OPEN_NOTICE_DAYS_BEFORE_END: u64 = 3;

/// Called by the simulation on every business date before its end of day.
pub(crate) fn on_day(
    institution: &Institution,
    cast: Cast,
    today: NaiveDate,
    end: NaiveDate,
    seed: u64,
) -> Result<(), AppError> {
    let Some(rate_on) = end.checked_sub_days(Days::new(RATE_DAYS_BEFORE_END)) else {
        return Ok(());
    };
    if today == rate_on {
        return rate_and_publish(institution, cast, seed, 0..VILLAGES);
    }
    let decide_on = rate_on.checked_add_days(Days::new(7));
    if Some(today) == decide_on {
        return decide_objections(institution, cast);
    }
    let draw_on = rate_on.checked_add_days(Days::new(9));
    if Some(today) == draw_on {
        return draw_on_lines(institution, cast);
    }
    if end.checked_sub_days(Days::new(OPEN_NOTICE_DAYS_BEFORE_END)) == Some(today) {
        return rate_and_publish(institution, cast, seed.rotate_left(17), 0..1);
    }
    Ok(())
}

/// The village of an address: the first demo village it names.
fn village_of(address: &str) -> Option<&'static str> {
    TOWNSHIPS
        .iter()
        .flat_map(|t| t.outlets.iter())
        .flat_map(|o| o.villages.iter())
        .find(|v| address.contains(**v))
        .copied()
}

fn households(institution: &Institution, cast: Cast) -> Result<Vec<ClientView>, AppError> {
    let mut all = Vec::new();
    let mut page = PageRequest {
        after_id: 0,
        limit: 200,
    };
    loop {
        let found = institution.list_clients(cast.account_manager, None, page)?;
        all.extend(found.items.into_iter().filter(|c| c.status == "active"));
        match found.next_after_id {
            Some(after) if all.len() < 2_000 => page.after_id = after,
            _ => return Ok(all),
        }
    }
}

fn inputs(rng: &mut SplitMix64) -> Vec<(Factor, i64)> {
    let reputation = [3, 4, 4, 5, 5, 2];
    vec![
        (Factor::IncomeStability, rng.between(1, 12) as i64),
        (Factor::DebtToAssets, rng.between(0, 80) as i64),
        (Factor::FamilySituation, rng.between(1, 4) as i64),
        (Factor::VillageReputation, *rng.pick(&reputation)),
        (Factor::FileCompleteness, *rng.pick(&[70, 90, 100, 100])),
    ]
}

/// Rates the households of the villages without a notice yet ranked `which`
/// by size, and publishes each village's notice.
fn rate_and_publish(
    institution: &Institution,
    cast: Cast,
    seed: u64,
    which: std::ops::Range<usize>,
) -> Result<(), AppError> {
    let mut rng = SplitMix64::new(seed ^ 0x5241_5449_4e47);
    let mut by_village: BTreeMap<(i64, &'static str), Vec<i64>> = BTreeMap::new();
    for client in households(institution, cast)? {
        let Some(village) = client.address.as_deref().and_then(village_of) else {
            continue;
        };
        by_village
            .entry((client.outlet_id, village))
            .or_default()
            .push(client.id);
    }
    let page = PageRequest {
        after_id: 0,
        limit: 50,
    };
    let noticed: Vec<(i64, String)> = institution
        .notices(cast.branch_manager, page)?
        .items
        .into_iter()
        .map(|n| (n.outlet_id, n.village))
        .collect();
    let mut villages: Vec<_> = by_village
        .into_iter()
        .filter(|((outlet, village), _)| !noticed.iter().any(|(o, v)| o == outlet && v == village))
        .collect();
    villages.sort_by_key(|(_, clients)| std::cmp::Reverse(clients.len()));
    let (skip, take) = (which.start, which.end - which.start);
    for ((outlet_id, village), clients) in villages.into_iter().skip(skip).take(take) {
        let mut rated = 0;
        for client_id in clients.into_iter().take(HOUSEHOLDS_PER_VILLAGE) {
            let given = inputs(&mut rng);
            if rate_one(institution, cast, client_id, village, given)? {
                rated += 1;
            }
        }
        if rated == 0 {
            continue;
        }
        let notice = institution.publish_notice(cast.branch_manager, outlet_id, village.to_string(), None)?;
        if let Some(entry) = notice.entries.iter().find(|e| e.grade == Grade::Excellent) {
            institution.object_to_rating(
                cast.account_manager,
                notice.id,
                entry.rating_id,
                "村民代表 王建国".into(),
                "该户在村信用互助社尚有未还借款".into(),
            )?;
        }
    }
    Ok(())
}

/// Rates one client; a value the system measures itself (the client has a
/// household file) is dropped and the rating tried again. Whether it was rated.
fn rate_one(
    institution: &Institution,
    cast: Cast,
    client_id: i64,
    village: &str,
    mut given: Vec<(Factor, i64)>,
) -> Result<bool, AppError> {
    loop {
        let request = RateRequest {
            client_id,
            village: Some(village.to_string()),
            inputs: given.clone(),
            line: None,
            reason: Some("initial".into()),
        };
        match institution.rate(cast.account_manager, request) {
            Ok(_) => return Ok(true),
            Err(AppError::Invalid { field, .. }) => {
                let before = given.len();
                given.retain(|(f, _)| format!("inputs.{}", f.name()) != field);
                if given.len() == before {
                    return Ok(false);
                }
            }
            Err(AppError::Refused { .. }) => return Ok(false),
            Err(other) => return Err(other),
        }
    }
}

fn decide_objections(institution: &Institution, cast: Cast) -> Result<(), AppError> {
    let page = PageRequest {
        after_id: 0,
        limit: 50,
    };
    for notice in institution.notices(cast.branch_manager, page)?.items {
        for objection in notice.objections.iter().filter(|o| o.resolution.is_none()) {
            let entry = notice.entries.iter().find(|e| e.rating_id == objection.rating_id);
            let currency = entry.and_then(|e| e.line).map(|l| l.currency());
            let Some(currency) = currency else { continue };
            let changed = ResolutionRequest::Changed {
                grade: Grade::Good,
                line: Some(Money::from_minor(5_000 * currency.minor_per_major(), currency)),
            };
            institution.resolve_objection(
                cast.branch_manager,
                objection.id,
                changed,
                "核实该户尚欠互助社3,000元,降为良好等级".into(),
            )?;
        }
    }
    Ok(())
}

fn draw_on_lines(institution: &Institution, cast: Cast) -> Result<(), AppError> {
    let page = PageRequest {
        after_id: 0,
        limit: 200,
    };
    let lines = institution.credit_lines(cast.account_manager, page)?.items;
    let products = institution.list_products(cast.account_manager, page)?.items;
    let mut drawn = 0;
    for line in lines.iter().filter(|l| l.available.is_positive()) {
        let currency = line.limit.currency();
        let amount = Money::from_minor(line.available.minor() / 2 / 100 * 100, currency);
        let product = products.iter().find(|p| {
            p.active
                && p.spec.currency == currency
                && p.spec.amount_min.minor() <= amount.minor()
                && amount.minor() <= p.spec.amount_max.minor()
        });
        let Some(product) = product else { continue };
        let request = DrawRequest {
            amount,
            product_id: product.id,
            installments: None,
            purpose: Some("春耕购买种子化肥".into()),
        };
        let loan = institution.draw_on_line(cast.account_manager, line.id, request)?;
        if drawn == 0 {
            disburse_through_low_tier(institution, cast, loan.id)?;
        }
        drawn += 1;
        if drawn == 3 {
            break;
        }
    }
    Ok(())
}

/// Application, credit grant, approval and disbursement by four people.
fn disburse_through_low_tier(institution: &Institution, cast: Cast, loan_id: i64) -> Result<(), AppError> {
    let second = institution
        .user_named("demo.account_manager.2")?
        .map(|p| p.actor())
        .ok_or_else(|| AppError::not_found("user", "demo.account_manager.2"))?;
    for actor in [cast.account_manager, second, cast.approver, cast.teller] {
        institution.approve_current_step(actor, loan_id, None)?;
    }
    Ok(())
}
