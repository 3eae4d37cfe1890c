//! The portfolio dashboard: outstanding and PAR30 over time, the
//! classification mix, disbursements against collections and provisions,
//! drawn on the server as SVG from the per-date snapshots the end of day
//! records; the portfolio split one level down (branch → outlet → account
//! manager) with links that narrow it; both tables downloadable as CSV and
//! XLSX. A user sees only their own node and what lies below it.

use super::chart::{Frame, Series, grouped_bars, lines, stacked_columns};
use super::export::{Format, Table, amount, count, logged_download};
use super::locale::Tr;
use super::portfolio::{CLASS_COLOURS, CLASSES, share};
use super::{Chrome, Ctx, UiState, blocking, failure, render};
use crate::xlsx::Cell;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{Days, NaiveDate};
use credgrid_app::{
    Actor, AppError, DrillKey, HistoryPoint, Institution, LoanView, PAGE_LIMIT_MAX, PageRequest,
    PortfolioDrill, PortfolioFigures, PortfolioHistory, PortfolioScope,
};

/// The periods a user may choose, in days; the first is the default.
const PERIODS: [u32; 3] = [90, 30, 365];
/// At most this many columns in the classification-mix chart (dates are sampled).
const MIX_COLUMNS_MAX: usize = 60;
/// At most this many bars per series in the flows chart (dates are summed).
const FLOW_BARS_MAX: usize = 26;

/// What the dashboard shows: a scope and a period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct View {
    pub(crate) scope: PortfolioScope,
    pub(crate) days: u32,
}

impl View {
    /// Reads `?node=&manager=&days=`; a malformed value is refused naming its field.
    pub(crate) fn parse(query: &[(String, String)]) -> Result<View, AppError> {
        let id = |name: &'static str| -> Result<Option<i64>, AppError> {
            match query.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim()) {
                None | Some("") => Ok(None),
                Some(v) => match v.parse::<i64>() {
                    Ok(n) if n > 0 => Ok(Some(n)),
                    _ => Err(AppError::invalid(name, "must be a positive whole number")),
                },
            }
        };
        let days = match query.iter().find(|(k, _)| k == "days").map(|(_, v)| v.trim()) {
            None | Some("") => PERIODS[0],
            Some(v) => match v.parse::<u32>() {
                Ok(d) if PERIODS.contains(&d) => d,
                _ => return Err(AppError::invalid("days", "must be 30, 90 or 365")),
            },
        };
        Ok(View {
            scope: PortfolioScope {
                node_id: id("node")?,
                account_manager_id: id("manager")?,
            },
            days,
        })
    }

    /// The query string of this view (`node=3&manager=&days=90`).
    pub(crate) fn query(&self) -> String {
        let opt = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
        format!(
            "node={}&manager={}&days={}",
            opt(self.scope.node_id),
            opt(self.scope.account_manager_id),
            self.days
        )
    }
}

/// A period choice of the form.
pub(crate) struct Period {
    days: u32,
    label: String,
    selected: bool,
}

/// One drill-down row, formatted.
pub(crate) struct DrillLine {
    name: String,
    /// Where the row narrows the dashboard to.
    href: String,
    currency: String,
    loans: String,
    outstanding: String,
    overdue: String,
    par30: String,
    par30_ratio: String,
    provision: String,
    disbursed: String,
    collected: String,
}

/// The charts of one currency.
pub(crate) struct Charts {
    currency: String,
    outstanding_svg: String,
    mix_svg: String,
    flows_svg: String,
    provision_svg: String,
    /// The latest figures: (label, value).
    figures: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    c: Chrome,
    /// Way back up: (label, href).
    path: Vec<(String, String)>,
    heading: String,
    as_of: String,
    periods: Vec<Period>,
    node: String,
    manager: String,
    query: String,
    level_label: String,
    rows: Vec<DrillLine>,
    charts: Vec<Charts>,
    /// "365 business dates".
    history_note: String,
}

/// `GET /dashboard?node=&manager=&days=`.
pub(crate) async fn page(
    ctx: Ctx,
    State(state): State<UiState>,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    let actor = match ctx.require_actor() {
        Ok(actor) => actor,
        Err(redirect) => return redirect.into_response(),
    };
    let view = match View::parse(&query) {
        Ok(view) => view,
        Err(error) => return failure(&ctx, "dashboard", &error),
    };
    let found = blocking(&state, move |i| gather(i, actor, view)).await;
    let (date, drill, history) = match found {
        Ok(found) => found,
        Err(error) => return failure(&ctx, "dashboard", &error),
    };
    let tr = ctx.tr;
    let page = DashboardPage {
        c: ctx.chrome("dashboard", Some(date)),
        path: path_links(tr, &drill, view),
        heading: scope_name(tr, &drill),
        as_of: drill.as_of.map(|d| tr.date(d)).unwrap_or_default(),
        periods: PERIODS
            .iter()
            .map(|d| Period {
                days: *d,
                label: tr.ta("ui.dash.period_days", &[("days", &d.to_string())]),
                selected: *d == view.days,
            })
            .collect(),
        node: drill.node.id.to_string(),
        manager: view
            .scope
            .account_manager_id
            .map(|m| m.to_string())
            .unwrap_or_default(),
        query: view.query(),
        level_label: tr.t(&format!("ui.dash.level.{}", drill.level)),
        rows: drill_lines(tr, &drill, view),
        charts: charts(tr, &history, &drill),
        history_note: tr.ta(
            "ui.dash.history_points",
            &[("count", &tr.count(history.points.len() as u64))],
        ),
    };
    render(StatusCode::OK, &page)
}

/// The business date, the drill-down and the history of the chosen period
/// (ending with the last closed date).
fn gather(
    institution: &Institution,
    actor: Actor,
    view: View,
) -> Result<(NaiveDate, PortfolioDrill, PortfolioHistory), AppError> {
    let date = institution.business_date()?;
    let drill = institution.portfolio_drill(actor, view.scope)?;
    let to = date.pred_opt().unwrap_or(date);
    let from = to
        .checked_sub_days(Days::new(u64::from(view.days) - 1))
        .unwrap_or(to);
    let history = institution.portfolio_history(actor, view.scope, from, to)?;
    Ok((date, drill, history))
}

/// "East branch" or "East branch · Wang Fang".
fn scope_name(tr: Tr, drill: &PortfolioDrill) -> String {
    let node = format!(
        "{}: {}",
        tr.term("ui.node_kind", &drill.node.kind),
        drill.node.name
    );
    match &drill.account_manager {
        Some((_, name)) => format!("{node} · {name}"),
        None => node,
    }
}

/// The links back up, from the user's node down to the node shown.
fn path_links(tr: Tr, drill: &PortfolioDrill, view: View) -> Vec<(String, String)> {
    let mut links: Vec<(String, String)> = drill
        .path
        .iter()
        .map(|n| {
            (
                format!("{}: {}", tr.term("ui.node_kind", &n.kind), n.name),
                format!("/dashboard?node={}&days={}", n.id, view.days),
            )
        })
        .collect();
    if let Some((id, name)) = &drill.account_manager {
        links.push((
            name.clone(),
            format!(
                "/dashboard?node={}&manager={id}&days={}",
                drill.node.id, view.days
            ),
        ));
    }
    links
}

fn drill_lines(tr: Tr, drill: &PortfolioDrill, view: View) -> Vec<DrillLine> {
    drill
        .rows
        .iter()
        .map(|row| {
            let (name, href) = match &row.key {
                DrillKey::Node(n) => (
                    format!("{} — {}", n.code, n.name),
                    format!("/dashboard?node={}&days={}", n.id, view.days),
                ),
                DrillKey::AccountManager { user_id, name } => (
                    name.clone(),
                    format!(
                        "/dashboard?node={}&manager={user_id}&days={}",
                        drill.node.id, view.days
                    ),
                ),
            };
            let f = &row.figures;
            DrillLine {
                name,
                href,
                currency: f.currency.code().to_string(),
                loans: tr.count(f.loans_active),
                outstanding: tr.amount(f.principal_outstanding),
                overdue: tr.amount(f.principal_overdue),
                par30: tr.amount(f.par30),
                par30_ratio: share(tr, f.par30.minor(), f.principal_outstanding.minor()),
                provision: tr.amount(f.provision),
                disbursed: tr.amount(f.disbursed),
                collected: tr.amount(f.collected),
            }
        })
        .collect()
}

/// The history points of one currency, in date order.
fn of_currency<'a>(history: &'a PortfolioHistory, code: &str) -> Vec<&'a HistoryPoint> {
    history
        .points
        .iter()
        .filter(|p| p.figures.currency.code() == code)
        .collect()
}

fn charts(tr: Tr, history: &PortfolioHistory, drill: &PortfolioDrill) -> Vec<Charts> {
    let mut codes: Vec<&str> = history.points.iter().map(|p| p.figures.currency.code()).collect();
    codes.dedup();
    codes
        .into_iter()
        .map(|code| {
            let points = of_currency(history, code);
            let latest = drill.totals.iter().find(|t| t.currency.code() == code);
            currency_charts(tr, code, &points, latest)
        })
        .collect()
}

fn currency_charts(
    tr: Tr,
    code: &str,
    points: &[&HistoryPoint],
    latest: Option<&PortfolioFigures>,
) -> Charts {
    let digits = points.first().map_or(2, |p| p.figures.currency.digits());
    let money = move |minor: i64| {
        tr.amount(credgrid_core::Money::from_minor(
            minor,
            credgrid_core::Currency::new(code, digits).unwrap_or(credgrid_core::Currency::CNY),
        ))
    };
    let labels: Vec<String> = points.iter().map(|p| tr.date(p.date)).collect();
    let series = |key: &str, colour, get: &dyn Fn(&PortfolioFigures) -> i64| Series {
        label: tr.t(key),
        colour,
        values: points.iter().map(|p| get(&p.figures)).collect(),
    };
    let title = |key: &str| tr.ta(key, &[("currency", code)]);
    let outstanding_svg = lines(
        &Frame {
            title: &title("ui.dash.chart.outstanding"),
            x_labels: &labels,
            y_label: &money,
        },
        &[
            series("ui.portfolio.outstanding", "#0d47a1", &|f| {
                f.principal_outstanding.minor()
            }),
            series("ui.portfolio.par30", "#b71c1c", &|f| f.par30.minor()),
        ],
    );
    let provision_svg = lines(
        &Frame {
            title: &title("ui.dash.chart.provision"),
            x_labels: &labels,
            y_label: &money,
        },
        &[series("ui.portfolio.provision", "#4a148c", &|f| {
            f.provision.minor()
        })],
    );
    Charts {
        currency: code.to_string(),
        outstanding_svg,
        mix_svg: mix_chart(tr, code, points, &money),
        flows_svg: flows_chart(tr, code, points, &money),
        provision_svg,
        figures: latest.map(|f| latest_figures(tr, f)).unwrap_or_default(),
    }
}

/// The classification mix over time: stacked columns, sampled dates.
fn mix_chart(tr: Tr, code: &str, points: &[&HistoryPoint], money: &dyn Fn(i64) -> String) -> String {
    let step = points.len().div_ceil(MIX_COLUMNS_MAX).max(1);
    let sampled: Vec<&HistoryPoint> = points.iter().rev().step_by(step).rev().copied().collect();
    let labels: Vec<String> = sampled.iter().map(|p| tr.date(p.date)).collect();
    let series: Vec<Series> = CLASSES
        .iter()
        .enumerate()
        .map(|(i, class)| Series {
            label: tr.term("ui.class", class),
            colour: CLASS_COLOURS[i],
            values: sampled.iter().map(|p| p.figures.by_class[i].minor()).collect(),
        })
        .collect();
    stacked_columns(
        &Frame {
            title: &tr.ta("ui.dash.chart.mix", &[("currency", code)]),
            x_labels: &labels,
            y_label: money,
        },
        &series,
    )
}

/// Disbursements against collections, summed over equal runs of dates.
fn flows_chart(tr: Tr, code: &str, points: &[&HistoryPoint], money: &dyn Fn(i64) -> String) -> String {
    let run = points.len().div_ceil(FLOW_BARS_MAX).max(1);
    let mut labels = Vec::new();
    let (mut disbursed, mut collected) = (Vec::new(), Vec::new());
    for chunk in points.chunks(run) {
        labels.push(tr.date(chunk[0].date));
        let sum = |get: &dyn Fn(&PortfolioFigures) -> i64| {
            chunk
                .iter()
                .map(|p| get(&p.figures))
                .fold(0_i64, i64::saturating_add)
        };
        disbursed.push(sum(&|f| f.disbursed.minor()));
        collected.push(sum(&|f| f.collected.minor()));
    }
    grouped_bars(
        &Frame {
            title: &tr.ta(
                "ui.dash.chart.flows",
                &[("currency", code), ("days", &run.to_string())],
            ),
            x_labels: &labels,
            y_label: money,
        },
        &[
            Series {
                label: tr.t("ui.dash.disbursed"),
                colour: "#0d47a1",
                values: disbursed,
            },
            Series {
                label: tr.t("ui.dash.collected"),
                colour: "#1b5e20",
                values: collected,
            },
        ],
    )
}

fn latest_figures(tr: Tr, f: &PortfolioFigures) -> Vec<(String, String)> {
    vec![
        (tr.t("ui.portfolio.loans_active"), tr.count(f.loans_active)),
        (
            tr.t("ui.portfolio.outstanding"),
            tr.money(f.principal_outstanding),
        ),
        (tr.t("ui.portfolio.overdue"), tr.money(f.principal_overdue)),
        (
            tr.t("ui.portfolio.par30"),
            format!(
                "{} ({})",
                tr.money(f.par30),
                share(tr, f.par30.minor(), f.principal_outstanding.minor())
            ),
        ),
        (tr.t("ui.portfolio.provision"), tr.money(f.provision)),
    ]
}

/// `GET /dashboard/{drill|history}.{csv|xlsx}?node=&manager=&days=`.
pub(crate) async fn download_table(
    ctx: Ctx,
    State(state): State<UiState>,
    Path(file): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    let actor = match ctx.require_actor() {
        Ok(actor) => actor,
        Err(redirect) => return redirect.into_response(),
    };
    let (table, format) = match file.split_once('.') {
        Some((table @ ("drill" | "history"), "csv")) => (table.to_string(), Format::Csv),
        Some((table @ ("drill" | "history"), "xlsx")) => (table.to_string(), Format::Xlsx),
        _ => return failure(&ctx, "dashboard", &AppError::not_found("download", &file)),
    };
    let view = match View::parse(&query) {
        Ok(view) => view,
        Err(error) => return failure(&ctx, "dashboard", &error),
    };
    let (_, drill, history) = match blocking(&state, move |i| gather(i, actor, view)).await {
        Ok(found) => found,
        Err(error) => return failure(&ctx, "dashboard", &error),
    };
    let what = if table == "drill" {
        "dashboard_drill"
    } else {
        "dashboard_history"
    };
    let table = if table == "drill" {
        drill_table(ctx.tr, &drill)
    } else {
        history_table(ctx.tr, &history)
    };
    let record = credgrid_app::ExportRecord::bulk(what, format.name(), 0, view.scope.node_id);
    logged_download(&ctx, &state, "dashboard", record, &table, format).await
}

/// The figure columns shared by both tables' headers.
fn figure_headers(tr: Tr) -> Vec<String> {
    let mut headers: Vec<String> = [
        "ui.portfolio.currency",
        "ui.portfolio.loans_active",
        "ui.portfolio.outstanding",
        "ui.portfolio.overdue",
        "ui.portfolio.par30",
        "ui.portfolio.par90",
    ]
    .iter()
    .map(|k| tr.t(k))
    .collect();
    headers.extend(CLASSES.iter().map(|c| tr.term("ui.class", c)));
    headers.extend(
        ["ui.portfolio.provision", "ui.dash.disbursed", "ui.dash.collected"]
            .iter()
            .map(|k| tr.t(k)),
    );
    headers
}

fn figure_cells(f: &PortfolioFigures) -> Vec<Cell> {
    let mut row = vec![
        Cell::Text(f.currency.code().to_string()),
        count(f.loans_active),
        amount(f.principal_outstanding),
        amount(f.principal_overdue),
        amount(f.par30),
        amount(f.par90),
    ];
    row.extend(f.by_class.iter().map(|m| amount(*m)));
    row.extend([amount(f.provision), amount(f.disbursed), amount(f.collected)]);
    row
}

/// The drill-down as a table: one row per part and currency.
pub(crate) fn drill_table(tr: Tr, drill: &PortfolioDrill) -> Table {
    let mut headers = vec![tr.t(&format!("ui.dash.level.{}", drill.level))];
    headers.extend(figure_headers(tr));
    let rows = drill
        .rows
        .iter()
        .map(|row| {
            let name = match &row.key {
                DrillKey::Node(n) => n.code.clone(),
                DrillKey::AccountManager { name, .. } => name.clone(),
            };
            let mut cells = vec![Cell::Text(name)];
            cells.extend(figure_cells(&row.figures));
            cells
        })
        .collect();
    let as_of = drill.as_of.map(|d| d.to_string()).unwrap_or_default();
    Table {
        file_stem: format!("portfolio-{}-{}-{as_of}", drill.node.code, drill.level),
        headers,
        rows,
    }
}

/// The history as a table: one row per date and currency.
pub(crate) fn history_table(tr: Tr, history: &PortfolioHistory) -> Table {
    let mut headers = vec![tr.t("ui.dash.date")];
    headers.extend(figure_headers(tr));
    let rows = history
        .points
        .iter()
        .map(|p| {
            let mut cells = vec![Cell::Date(p.date)];
            cells.extend(figure_cells(&p.figures));
            cells
        })
        .collect();
    Table {
        file_stem: format!(
            "portfolio-history-{}-{}-{}",
            history.node.code, history.from, history.to
        ),
        headers,
        rows,
    }
}

/// The `shown` disbursed loans most past due, and how many are past due at all.
pub(crate) fn most_overdue(
    institution: &Institution,
    actor: Actor,
    shown: usize,
) -> Result<(Vec<LoanView>, u64), AppError> {
    let mut page = PageRequest {
        after_id: 0,
        limit: PAGE_LIMIT_MAX,
    };
    let mut overdue = Vec::new();
    let mut total = 0;
    loop {
        let found = institution.list_loans(actor, Some("disbursed"), page)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_view_reads_node_manager_and_period_and_names_a_bad_field() {
        let view = View::parse(&q(&[("node", "7"), ("manager", ""), ("days", "365")])).unwrap();
        assert_eq!(view.scope.node_id, Some(7));
        assert_eq!(view.scope.account_manager_id, None);
        assert_eq!(view.days, 365);
        assert_eq!(view.query(), "node=7&manager=&days=365");
        assert_eq!(View::parse(&[]).unwrap().days, 90);
        for (field, bad) in [("node", "x"), ("node", "-3"), ("manager", "1.5"), ("days", "45")] {
            match View::parse(&q(&[(field, bad)])) {
                Err(AppError::Invalid { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{field}={bad}: {other:?}"),
            }
        }
    }

    fn figures(outstanding: i64) -> PortfolioFigures {
        let m = |minor| credgrid_core::Money::from_minor(minor, credgrid_core::Currency::CNY);
        PortfolioFigures {
            currency: credgrid_core::Currency::CNY,
            loans_active: 3,
            principal_outstanding: m(outstanding),
            principal_overdue: m(0),
            par30: m(outstanding / 4),
            par90: m(0),
            loans_par30: 1,
            by_class: [m(outstanding), m(0), m(0), m(0), m(0)],
            loans_by_class: [3, 0, 0, 0, 0],
            provision: m(outstanding / 100),
            disbursed: m(0),
            collected: m(12_345),
        }
    }

    /// The history downloads with plain amounts and ISO dates, and as a
    /// workbook even when its file name is longer than a worksheet name may be.
    #[test]
    fn the_history_downloads_as_csv_and_xlsx() {
        let tr = Tr {
            locale: credgrid_core::i18n::Locale::En,
        };
        let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
        let history = PortfolioHistory {
            node: credgrid_app::NodeView {
                id: 1,
                parent_id: None,
                kind: "institution".into(),
                code: "HEAD-OFFICE".into(),
                name: "Head office".into(),
            },
            account_manager_id: None,
            from: day(1),
            to: day(2),
            points: vec![
                HistoryPoint {
                    date: day(1),
                    figures: figures(100_000),
                },
                HistoryPoint {
                    date: day(2),
                    figures: figures(250_050),
                },
            ],
        };
        let table = history_table(tr, &history);
        let csv = crate::ui::export::csv_text(&table);
        let lines: Vec<&str> = csv.lines().collect();
        assert!(
            lines[0].starts_with("Business date,Currency,Active loans,Outstanding,"),
            "{}",
            lines[0]
        );
        assert!(
            lines[2].starts_with("2026-03-02,CNY,3,2500.50,0.00,625.12,"),
            "{}",
            lines[2]
        );
        assert!(lines[2].ends_with(",25.00,0.00,123.45"), "{}", lines[2]);
        assert!(table.file_stem.len() > 31);
        let response = crate::ui::export::download(&table, Format::Xlsx);
        assert_eq!(response.status(), StatusCode::OK);
    }
}
