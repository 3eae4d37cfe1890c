//! The home page at `/`: what waits for the signed-in user's roles —
//! applications at their step, approved loans to pay out, committee votes,
//! loans past due to follow — the alerts of their part of the organisation
//! (end of day not run, loans 90+ days past due, broken promises) and their
//! portfolio in figures, from the latest end-of-day snapshot.

use super::locale::Tr;
use super::portfolio::share;
use super::{Chrome, Ctx, Notice, UiState, blocking, failure, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use credgrid_app::{Alert, HomeView, LoanBrief, PortfolioDrill, PortfolioScope, Worklist};

/// One loan of a list, formatted.
pub(crate) struct BriefLine {
    id: i64,
    client_id: i64,
    client: String,
    principal: String,
    outstanding: String,
    overdue: String,
    days_past_due: String,
    classification: String,
    since: String,
}

/// A list of the home page: its anchor, heading, lines and "n in all".
pub(crate) struct Panel {
    id: &'static str,
    heading: String,
    /// Whether the lines show past-due figures (else principal and date).
    past_due: bool,
    lines: Vec<BriefLine>,
    empty: String,
    summary: String,
    more_href: &'static str,
    /// The tile of the list in "Waiting for you": total and label.
    total: String,
    tile_label: String,
}

/// An alert, as a sentence and where to act on it.
pub(crate) struct AlertLine {
    text: String,
    href: &'static str,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    c: Chrome,
    whoami: String,
    alerts: Vec<AlertLine>,
    panels: Vec<Panel>,
    figures: Vec<(String, String)>,
    as_of: String,
}

/// `GET /`: the signed-in user's home.
pub(crate) async fn page(
    ctx: Ctx,
    State(state): State<UiState>,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let actor = match ctx.require_actor() {
        Ok(actor) => actor,
        Err(redirect) => return redirect.into_response(),
    };
    let today = chrono::Local::now().date_naive();
    let found = blocking(&state, move |i| {
        Ok((
            i.home(actor, today)?,
            i.portfolio_drill(actor, PortfolioScope::default())?,
        ))
    })
    .await;
    let (home, drill) = match found {
        Ok(found) => found,
        Err(error) => return failure(&ctx, "home", &error),
    };
    let done = q.iter().find(|(k, _)| k == "done").map(|(_, v)| v.as_str());
    let tr = ctx.tr;
    let page = HomePage {
        c: ctx
            .chrome("home", Some(home.business_date))
            .with_notice(Notice::done(tr, done)),
        whoami: whoami(tr, &home),
        alerts: home.alerts.iter().map(|a| alert_line(tr, a)).collect(),
        panels: panels(tr, &home),
        figures: figures(tr, &drill),
        as_of: drill.as_of.map(|d| tr.date(d)).unwrap_or_default(),
    };
    render(StatusCode::OK, &page)
}

/// "Branch: East branch · Branch manager, Collector".
fn whoami(tr: Tr, home: &HomeView) -> String {
    let roles: Vec<String> = home.roles.iter().map(|r| tr.term("ui.role", r.name())).collect();
    format!(
        "{}: {} · {}",
        tr.term("ui.node_kind", &home.node.kind),
        home.node.name,
        roles.join(", ")
    )
}

fn alert_line(tr: Tr, alert: &Alert) -> AlertLine {
    match alert {
        Alert::EodStoppedHalfWay { date } => AlertLine {
            text: tr.ta("ui.home.alert.eod_half_way", &[("date", &tr.date(date))]),
            href: "/eod",
        },
        Alert::EodNotRun { business_date, .. } => AlertLine {
            text: tr.ta("ui.home.alert.eod_not_run", &[("date", &tr.date(business_date))]),
            href: "/eod",
        },
        Alert::PastDue90 { loans } => AlertLine {
            text: tr.ta("ui.home.alert.past_due_90", &[("count", &tr.count(loans))]),
            href: "/dashboard",
        },
        Alert::BrokenPromises { promises } => AlertLine {
            text: tr.ta("ui.home.alert.broken_promises", &[("count", &tr.count(promises))]),
            href: "/loans?status=overdue",
        },
    }
}

fn panels(tr: Tr, home: &HomeView) -> Vec<Panel> {
    let lists: [(&'static str, &Option<Worklist>, bool, &'static str, &str); 4] = [
        (
            "applications",
            &home.applications,
            false,
            "/loans?status=application",
            "ui.home.waiting.application",
        ),
        (
            "to_disburse",
            &home.to_disburse,
            false,
            "/loans?status=approved",
            "ui.home.waiting.approved",
        ),
        (
            "committee",
            &home.committee,
            false,
            "/loans?status=application",
            "ui.home.tile.committee",
        ),
        (
            "overdue",
            &home.overdue,
            true,
            "/loans?status=overdue",
            "ui.home.overdue_count",
        ),
    ];
    lists
        .into_iter()
        .filter_map(|(id, list, past_due, more_href, tile)| {
            let list = list.as_ref()?;
            Some(Panel {
                id,
                heading: tr.t(&format!("ui.home.panel.{id}")),
                past_due,
                lines: list.items.iter().map(|l| brief_line(tr, l)).collect(),
                empty: tr.t(&format!("ui.home.panel.{id}.empty")),
                summary: tr.ta(
                    "ui.home.shown_of",
                    &[
                        ("shown", &tr.count(list.items.len() as u64)),
                        ("total", &tr.count(list.total)),
                    ],
                ),
                more_href,
                total: tr.count(list.total),
                tile_label: tr.t(tile),
            })
        })
        .collect()
}

fn brief_line(tr: Tr, l: &LoanBrief) -> BriefLine {
    BriefLine {
        id: l.id,
        client_id: l.client_id,
        client: l.client_name.clone(),
        principal: tr.money(l.principal),
        outstanding: tr.money(l.principal_outstanding),
        overdue: tr.amount(l.principal_overdue),
        days_past_due: tr.count(u64::from(l.days_past_due)),
        classification: tr.term("ui.class", l.classification),
        since: tr.opt_date(l.since),
    }
}

/// The user's portfolio in figures, per currency, from the latest snapshot.
fn figures(tr: Tr, drill: &PortfolioDrill) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for f in &drill.totals {
        let code = f.currency.code();
        let label = |key: &str| format!("{} ({code})", tr.t(key));
        out.push((label("ui.portfolio.loans_active"), tr.count(f.loans_active)));
        out.push((
            label("ui.portfolio.outstanding"),
            tr.money(f.principal_outstanding),
        ));
        out.push((
            label("ui.portfolio.par30"),
            format!(
                "{} ({})",
                tr.money(f.par30),
                share(tr, f.par30.minor(), f.principal_outstanding.minor())
            ),
        ));
        out.push((label("ui.portfolio.provision"), tr.money(f.provision)));
    }
    out
}
