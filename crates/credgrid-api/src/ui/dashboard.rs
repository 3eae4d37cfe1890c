//! The home page: the business date, the work waiting (applications,
//! approvals to disburse), the portfolio in figures and the most overdue loans.

use super::portfolio::{Totals, totals_by_currency};
use super::{Chrome, Ctx, Notice, UiState, blocking, failure, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use credgrid_app::{AppError, Institution, LoanView, PAGE_LIMIT_MAX, PageRequest};

/// How many overdue loans the home page lists.
const OVERDUE_SHOWN: usize = 10;
/// Pages of loans read at most to count one status (a bound on the work).
const COUNT_PAGES_MAX: u32 = 50;

/// A count of loans in one status; `more` when the bound was reached.
pub(crate) struct StatusCount {
    pub(crate) status: &'static str,
    pub(crate) count: u64,
    pub(crate) more: bool,
}

/// A tile of the work waiting: a status, its count and its label.
pub(crate) struct CountRow {
    pub(crate) status: &'static str,
    pub(crate) figure: String,
    pub(crate) label: String,
}

pub(crate) struct OverdueRow {
    pub(crate) loan_id: i64,
    pub(crate) client_id: i64,
    pub(crate) days_past_due: u32,
    pub(crate) overdue: String,
    pub(crate) outstanding: String,
    pub(crate) classification: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    c: Chrome,
    counts: Vec<CountRow>,
    totals: Vec<Totals>,
    overdue: Vec<OverdueRow>,
    overdue_total: u64,
}

struct Facts {
    date: chrono::NaiveDate,
    counts: Vec<StatusCount>,
    report: credgrid_app::PortfolioReport,
    overdue: Vec<LoanView>,
    overdue_total: u64,
}

pub(crate) async fn page(
    ctx: Ctx,
    State(state): State<UiState>,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    if let Err(redirect) = ctx.require_actor() {
        return redirect.into_response();
    }
    let facts = match blocking(&state, gather).await {
        Ok(facts) => facts,
        Err(error) => return failure(&ctx, "home", &error),
    };
    let done = q.iter().find(|(k, _)| k == "done").map(|(_, v)| v.as_str());
    let tr = ctx.tr;
    let overdue = facts
        .overdue
        .iter()
        .map(|l| OverdueRow {
            loan_id: l.id,
            client_id: l.client_id,
            days_past_due: l.balances.days_past_due,
            overdue: tr.amount(l.balances.principal_overdue),
            outstanding: tr.money(l.balances.principal_outstanding),
            classification: tr.term("ui.class", &l.balances.classification),
        })
        .collect();
    let page = DashboardPage {
        c: ctx
            .chrome("home", Some(facts.date))
            .with_notice(Notice::done(tr, done)),
        counts: facts
            .counts
            .iter()
            .map(|s| CountRow {
                status: s.status,
                figure: format!("{}{}", tr.count(s.count), if s.more { "+" } else { "" }),
                label: tr.t(&format!("ui.home.waiting.{}", s.status)),
            })
            .collect(),
        totals: totals_by_currency(tr, &facts.report),
        overdue,
        overdue_total: facts.overdue_total,
    };
    render(StatusCode::OK, &page)
}

fn gather(institution: &Institution) -> Result<Facts, AppError> {
    let mut counts = Vec::new();
    for status in ["application", "approved"] {
        counts.push(count_status(institution, status)?);
    }
    let (overdue, overdue_total) = most_overdue(institution, OVERDUE_SHOWN)?;
    Ok(Facts {
        date: institution.business_date()?,
        counts,
        report: institution.portfolio(None)?,
        overdue,
        overdue_total,
    })
}

fn count_status(institution: &Institution, status: &'static str) -> Result<StatusCount, AppError> {
    let mut page = PageRequest {
        after_id: 0,
        limit: PAGE_LIMIT_MAX,
    };
    let mut count = 0;
    for _ in 0..COUNT_PAGES_MAX {
        let found = institution.list_loans(Some(status), page)?;
        count += found.items.len() as u64;
        match found.next_after_id {
            Some(after_id) => page.after_id = after_id,
            None => {
                return Ok(StatusCount {
                    status,
                    count,
                    more: false,
                });
            }
        }
    }
    Ok(StatusCount {
        status,
        count,
        more: true,
    })
}

/// The `shown` disbursed loans most past due, and how many are past due at all.
pub(crate) fn most_overdue(
    institution: &Institution,
    shown: usize,
) -> Result<(Vec<LoanView>, u64), AppError> {
    let mut page = PageRequest {
        after_id: 0,
        limit: PAGE_LIMIT_MAX,
    };
    let mut overdue = Vec::new();
    let mut total = 0;
    loop {
        let found = institution.list_loans(Some("disbursed"), page)?;
        for loan in found.items {
            if loan.balances.days_past_due > 0 {
                total += 1;
                overdue.push(loan);
            }
        }
        overdue.sort_by(|a, b| {
            b.balances
                .days_past_due
                .cmp(&a.balances.days_past_due)
                .then(a.id.cmp(&b.id))
        });
        overdue.truncate(shown);
        match found.next_after_id {
            Some(after_id) => page.after_id = after_id,
            None => return Ok((overdue, total)),
        }
    }
}
