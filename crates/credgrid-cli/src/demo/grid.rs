//! The demo's grid service (issue 6, items 1–4): on the first business date
//! every demo outlet divides its villages into cells (one per village), each
//! with the account manager as its full-time worker and a village official
//! (a grid worker) part-time; the day after the ratings are made, a week
//! before the end and on the last day, the clients who came to the
//! cooperative since are placed in their village's cell with an information
//! file (most complete, some with parts still missing), the part-time
//! workers' file updates, visits and collection contacts are recorded, and
//! the coverage is snapshotted (the end of day snapshots it daily too).

use super::places::TOWNSHIPS;
use super::prng::SplitMix64;
use super::simulation::Cast;
use chrono::{Datelike, Days, NaiveDate};
use credgrid_app::grid::NewCell;
use credgrid_app::household::{
    FileUpdate, HoldingEntry, IncomeEntry, LandEntry, LivestockEntry, MemberEntry, NewActivity, NewHousehold,
};
use credgrid_app::{Actor, AppError, ClientView, Institution, PageRequest};
use credgrid_core::{Currency, Money};
use std::collections::BTreeMap;

/// Days before the end the rating demo rates households (demo/rating.rs).
const RATE_DAYS_BEFORE_END: u64 = 21;

/// Called by the simulation on every business date before its end of day.
pub(crate) fn on_day(
    institution: &Institution,
    cast: Cast,
    today: NaiveDate,
    start: NaiveDate,
    end: NaiveDate,
    seed: u64,
) -> Result<(), AppError> {
    if today == start {
        open_cells(institution, cast)?;
    }
    // Households are placed the day after the ratings are made (demo/rating.rs
    // gives the file-completeness factor itself, which a client with a grid
    // file may not), then again a week before the end and on the last day.
    let days_before_end = |d: u64| end.checked_sub_days(Days::new(d));
    let placing = [RATE_DAYS_BEFORE_END - 1, 7, 1]
        .iter()
        .any(|d| days_before_end(*d) == Some(today));
    if placing {
        let mut rng = SplitMix64::new(seed ^ u64::from(today.ordinal()) ^ 0x4752_4944);
        place_new_clients(institution, cast, today, &mut rng)?;
        institution.take_coverage_snapshot(cast.branch_manager)?;
    }
    Ok(())
}

fn find(institution: &Institution, username: &str) -> Result<Option<Actor>, AppError> {
    Ok(institution.user_named(username)?.map(|p| p.actor()))
}

/// One cell per village of every demo outlet.
fn open_cells(institution: &Institution, cast: Cast) -> Result<(), AppError> {
    let nodes = institution.list_nodes(cast.branch_manager)?;
    let part_timers: Vec<i64> = ["demo.grid_worker", "demo.grid_worker.2"]
        .iter()
        .filter_map(|u| find(institution, u).ok().flatten())
        .map(|a| a.user_id)
        .collect();
    let mut n = 0usize;
    for outlet in TOWNSHIPS.iter().flat_map(|t| t.outlets.iter()) {
        let Some(node) = nodes.iter().find(|node| node.code == outlet.code) else {
            continue;
        };
        for village in outlet.villages {
            let part_time_worker_ids = part_timers
                .get(n % part_timers.len().max(1))
                .copied()
                .into_iter()
                .collect();
            n += 1;
            let new = NewCell {
                outlet_id: node.id,
                kind: "village_group".into(),
                name: (*village).to_string(),
                full_time_worker_id: cast.account_manager.user_id,
                part_time_worker_ids,
            };
            institution.open_cell(cast.branch_manager, new, None)?;
        }
    }
    Ok(())
}

/// Open cells by (outlet, village name): the cell id and its part-time workers.
type CellsByVillage = BTreeMap<(i64, String), (i64, Vec<i64>)>;

/// The open cells by (outlet, village name).
fn cells(institution: &Institution, cast: Cast) -> Result<CellsByVillage, AppError> {
    let mut out = BTreeMap::new();
    let mut page = PageRequest {
        after_id: 0,
        limit: 200,
    };
    loop {
        let found = institution.list_cells(cast.branch_manager, None, false, page)?;
        for c in found.items {
            out.insert((c.outlet_id, c.name.clone()), (c.id, c.part_time_worker_ids));
        }
        match found.next_after_id {
            Some(after) => page.after_id = after,
            None => return Ok(out),
        }
    }
}

fn clients(institution: &Institution, cast: Cast) -> Result<Vec<ClientView>, AppError> {
    let mut all = Vec::new();
    let mut page = PageRequest {
        after_id: 0,
        limit: 200,
    };
    loop {
        let found = institution.list_clients(cast.account_manager, None, page)?;
        all.extend(found.items.into_iter().filter(|c| c.status == "active"));
        match found.next_after_id {
            Some(after) => page.after_id = after,
            None => return Ok(all),
        }
    }
}

fn place_new_clients(
    institution: &Institution,
    cast: Cast,
    today: NaiveDate,
    rng: &mut SplitMix64,
) -> Result<(), AppError> {
    let cells = cells(institution, cast)?;
    for client in clients(institution, cast)? {
        if institution
            .household_id_of_client(cast.account_manager, client.id)?
            .is_some()
        {
            continue;
        }
        let address = client.address.clone().unwrap_or_default();
        let Some(((_, _), (cell_id, workers))) = cells
            .iter()
            .find(|((outlet, village), _)| *outlet == client.outlet_id && address.contains(village.as_str()))
        else {
            continue;
        };
        let new = NewHousehold {
            cell_id: *cell_id,
            head_name: client.name.clone(),
            identity_number: None,
            id_country: client.id_country.clone(),
            member_count: u32::try_from(rng.between(2, 6)).unwrap_or(3),
            client_id: Some(client.id),
            digital: rng.chance(350),
            placed_on: None,
        };
        let household = match institution.create_household(cast.account_manager, new) {
            Ok(h) => h.id,
            Err(AppError::Invalid { .. }) => continue,
            Err(other) => return Err(other),
        };
        fill_file(institution, cast, household, &client, rng)?;
        if let Some(worker) = workers.first() {
            credit_worker(institution, cast, *worker, *cell_id, household, today, rng)?;
        }
    }
    Ok(())
}

fn cny(rng: &mut SplitMix64, low: u64, high: u64) -> Money {
    let yuan = i64::try_from(rng.between(low, high)).unwrap_or(0);
    Money::from_minor(yuan * 100, Currency::CNY)
}

/// Most files complete; about one in four still misses a part or two.
fn fill_file(
    institution: &Institution,
    cast: Cast,
    household: i64,
    client: &ClientView,
    rng: &mut SplitMix64,
) -> Result<(), AppError> {
    let complete = rng.chance(750);
    let mut parts = vec![
        FileUpdate::Identity {
            head_name: client.name.clone(),
            identity_number: Some(client.id_number.clone()).filter(|n| !n.contains('*')),
            id_country: client.id_country.clone(),
            member_count: u32::try_from(rng.between(2, 6)).unwrap_or(3),
            digital: rng.chance(350),
            client_id: Some(client.id),
        },
        FileUpdate::Members(vec![MemberEntry {
            name: client.name.clone(),
            relation: "head".into(),
            birth_year: Some(i32::try_from(rng.between(1958, 1995)).unwrap_or(1975)),
            works: true,
        }]),
        FileUpdate::Land(vec![LandEntry {
            kind: (*rng.pick(&["farmland", "orchard", "pond"])).into(),
            area_centimu: u32::try_from(rng.between(100, 1_500)).unwrap_or(500),
            contracted: true,
        }]),
        FileUpdate::IncomeSources(vec![IncomeEntry {
            kind: (*rng.pick(&["crops", "livestock", "wages", "business"])).into(),
            annual: cny(rng, 12_000, 80_000),
            years: u32::try_from(rng.between(1, 20)).unwrap_or(5),
        }]),
        FileUpdate::Needs(vec![
            "credit".into(),
            (*rng.pick(&["insurance", "settlement", "advice"])).into(),
        ]),
    ];
    if complete {
        parts.push(FileUpdate::Livestock(vec![LivestockEntry {
            kind: (*rng.pick(&["pig", "poultry", "cattle"])).into(),
            head_count: u32::try_from(rng.between(2, 40)).unwrap_or(5),
        }]));
        parts.push(FileUpdate::Assets(vec![HoldingEntry {
            description: (*rng.pick(&["House", "Tractor", "Tricycle"])).into(),
            amount: cny(rng, 5_000, 150_000),
        }]));
        parts.push(FileUpdate::Debts(Vec::new()));
    }
    for part in parts {
        match institution.update_household_file(cast.account_manager, household, part) {
            Ok(_) | Err(AppError::Invalid { .. }) => {}
            Err(other) => return Err(other),
        }
    }
    if complete {
        institution.add_visit_note(
            cast.account_manager,
            household,
            None,
            "Household visited; file collected",
        )?;
    }
    Ok(())
}

/// The village official's information collection and, for some, a
/// collection contact, credited to them.
fn credit_worker(
    institution: &Institution,
    cast: Cast,
    worker: i64,
    cell_id: i64,
    household: i64,
    today: NaiveDate,
    rng: &mut SplitMix64,
) -> Result<(), AppError> {
    let record = |duty: &str, kind: &str, note: &str| {
        let activity = NewActivity {
            worker_id: worker,
            cell_id,
            household_id: Some(household),
            done_on: Some(today),
            duty: duty.into(),
            kind: kind.into(),
            note: note.into(),
        };
        institution
            .record_activity(cast.account_manager, activity)
            .map(|_| ())
    };
    record(
        "information_collector",
        "file_update",
        "collected the household's file",
    )?;
    if rng.chance(300) {
        record("publicist", "visit", "explained the credit products")?;
    }
    if rng.chance(150) {
        record(
            "collector",
            "collection_contact",
            "reminded of the next instalment",
        )?;
    }
    Ok(())
}
