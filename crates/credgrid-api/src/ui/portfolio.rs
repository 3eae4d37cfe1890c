//! The portfolio page: outstanding, overdue, PAR and provisions by outlet and
//! product (as the last end of day left them), a classification-mix bar chart
//! drawn on the server as SVG, and the table as CSV.

use super::export::{Format, Table, amount, count, logged_download};
use super::locale::Tr;
use super::{Chrome, Ctx, UiState, blocking, failure, render};
use crate::xlsx::Cell;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use credgrid_app::{NodeView, PortfolioReport};
use credgrid_core::Money;
use std::collections::BTreeMap;

/// The five classes, in the order of `PortfolioLine::by_class`.
pub(crate) const CLASSES: [&str; 5] = ["pass", "special_mention", "substandard", "doubtful", "loss"];
/// Fill colours of the classes (each with at least 3:1 contrast on white).
pub(crate) const CLASS_COLOURS: [&str; 5] = ["#1b5e20", "#8a6d00", "#b34700", "#b71c1c", "#4a148c"];
/// Width of the chart's bar in SVG units.
const BAR_WIDTH: i64 = 600;

/// The portfolio of one currency, summed and formatted.
pub(crate) struct Totals {
    pub(crate) currency: String,
    pub(crate) loans_active: String,
    pub(crate) outstanding: String,
    pub(crate) overdue: String,
    pub(crate) par30: String,
    pub(crate) par30_ratio: String,
    pub(crate) provision: String,
    /// (class label, amount, share) per class.
    pub(crate) classes: Vec<(String, String, String)>,
    /// The classification mix as an SVG fragment (trusted: built here).
    pub(crate) chart_svg: String,
}

/// Sums in minor units of one currency.
#[derive(Default)]
struct Sums {
    loans: u64,
    outstanding: i64,
    overdue: i64,
    par30: i64,
    provision: i64,
    by_class: [i64; 5],
    currency: Option<credgrid_core::Currency>,
}

fn add(total: &mut i64, m: Money) {
    // A portfolio beyond i64 minor units cannot exist in the books (the
    // ledger refuses it first); saturate rather than panic in a view.
    *total = total.saturating_add(m.minor());
}

/// The portfolio totals per currency, formatted for `tr`.
pub(crate) fn totals_by_currency(tr: Tr, report: &PortfolioReport) -> Vec<Totals> {
    let mut sums: BTreeMap<&str, Sums> = BTreeMap::new();
    for line in &report.lines {
        let s = sums.entry(line.currency.as_str()).or_default();
        s.currency = Some(line.principal_outstanding.currency());
        s.loans += line.loans_active;
        add(&mut s.outstanding, line.principal_outstanding);
        add(&mut s.overdue, line.principal_overdue);
        add(&mut s.par30, line.par30);
        add(&mut s.provision, line.provision);
        for (total, m) in s.by_class.iter_mut().zip(line.by_class) {
            add(total, m);
        }
    }
    sums.into_iter()
        .filter_map(|(code, s)| Some((code, s.currency?, s)))
        .map(|(code, currency, s)| {
            let m = |minor| tr.money(Money::from_minor(minor, currency));
            let classes = CLASSES
                .iter()
                .zip(s.by_class)
                .map(|(class, minor)| {
                    (
                        tr.term("ui.class", class),
                        m(minor),
                        share(tr, minor, s.outstanding),
                    )
                })
                .collect();
            Totals {
                currency: code.to_string(),
                loans_active: tr.count(s.loans),
                outstanding: m(s.outstanding),
                overdue: m(s.overdue),
                par30: m(s.par30),
                par30_ratio: share(tr, s.par30, s.outstanding),
                provision: m(s.provision),
                classes,
                chart_svg: class_chart(tr, code, &s.by_class),
            }
        })
        .collect()
}

/// `part / whole` as a percentage with one decimal, in integer arithmetic.
pub(crate) fn share(tr: Tr, part: i64, whole: i64) -> String {
    if whole <= 0 {
        return "—".to_string();
    }
    let per_mille = i128::from(part) * 1000 / i128::from(whole);
    let plain = format!("{}.{}", per_mille / 10, (per_mille % 10).abs());
    format!("{} %", super::locale::group_amount(tr.locale, &plain))
}

/// A stacked horizontal bar of the classification mix with its legend.
fn class_chart(tr: Tr, currency: &str, by_class: &[i64; 5]) -> String {
    let total: i64 = by_class.iter().map(|v| (*v).max(0)).fold(0, i64::saturating_add);
    let title = tr.ta("ui.portfolio.chart_title", &[("currency", currency)]);
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {BAR_WIDTH} 150\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\"><title>{}</title>",
        escape(&title),
        escape(&title)
    );
    let mut x = 0;
    for (i, value) in by_class.iter().enumerate() {
        let width = if total > 0 {
            i64::try_from(i128::from((*value).max(0)) * i128::from(BAR_WIDTH) / i128::from(total))
                .unwrap_or(0)
        } else {
            0
        };
        let label = escape(&tr.term("ui.class", CLASSES[i]));
        if width > 0 {
            svg.push_str(&format!(
                "<rect x=\"{x}\" y=\"0\" width=\"{width}\" height=\"40\" fill=\"{}\"><title>{label}</title></rect>",
                CLASS_COLOURS[i]
            ));
        }
        x += width;
        let (lx, ly) = ((i as i64 % 3) * 200, 62 + (i as i64 / 3) * 30);
        svg.push_str(&format!(
            "<rect x=\"{lx}\" y=\"{ly}\" width=\"16\" height=\"16\" fill=\"{}\"/><text x=\"{}\" y=\"{}\" font-size=\"14\">{label}</text>",
            CLASS_COLOURS[i],
            lx + 22,
            ly + 13
        ));
    }
    if total == 0 {
        svg.push_str("<rect x=\"0\" y=\"0\" width=\"600\" height=\"40\" fill=\"#e0e0e0\"/>");
    }
    svg.push_str("</svg>");
    svg
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A row of the table, formatted.
pub(crate) struct Row {
    outlet: String,
    product: String,
    loans: String,
    outstanding: String,
    overdue: String,
    par30: String,
    par90: String,
    provision: String,
}

#[derive(Template)]
#[template(path = "portfolio.html")]
struct PortfolioPage {
    c: Chrome,
    /// The organisation nodes to drill down to, and the one chosen.
    nodes: Vec<NodeView>,
    node: String,
    as_of: String,
    rows: Vec<Row>,
    totals: Vec<Totals>,
}

/// The node asked for by `?node=` (empty: the whole institution).
fn node_param(query: &[(String, String)]) -> Option<i64> {
    query
        .iter()
        .find(|(k, _)| k == "node")
        .and_then(|(_, v)| v.parse().ok())
}

pub(crate) async fn page(
    ctx: Ctx,
    State(state): State<UiState>,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    let actor = match ctx.require_actor() {
        Ok(actor) => actor,
        Err(redirect) => return redirect.into_response(),
    };
    let node = node_param(&query);
    let found = blocking(&state, move |i| {
        Ok((
            i.business_date()?,
            i.portfolio(actor, node)?,
            i.list_nodes(actor)?,
        ))
    })
    .await;
    let (date, report, nodes) = match found {
        Ok(found) => found,
        Err(error) => return failure(&ctx, "portfolio", &error),
    };
    let tr = ctx.tr;
    let rows = report
        .lines
        .iter()
        .map(|l| Row {
            outlet: l.outlet_code.clone(),
            product: l.product_code.clone(),
            loans: tr.count(l.loans_active),
            outstanding: tr.money(l.principal_outstanding),
            overdue: tr.amount(l.principal_overdue),
            par30: tr.amount(l.par30),
            par90: tr.amount(l.par90),
            provision: tr.amount(l.provision),
        })
        .collect();
    let page = PortfolioPage {
        c: ctx.chrome("portfolio", Some(date)),
        nodes,
        node: node.map(|n| n.to_string()).unwrap_or_default(),
        as_of: tr.date(report.as_of),
        rows,
        totals: totals_by_currency(tr, &report),
    };
    render(StatusCode::OK, &page)
}

/// `GET /portfolio.csv?node=`: the table with plain amounts for spreadsheets.
pub(crate) async fn csv(ctx: Ctx, state: State<UiState>, query: Query<Vec<(String, String)>>) -> Response {
    table_download(ctx, state, query, Format::Csv).await
}

/// `GET /portfolio.xlsx?node=`: the table as a workbook.
pub(crate) async fn xlsx(ctx: Ctx, state: State<UiState>, query: Query<Vec<(String, String)>>) -> Response {
    table_download(ctx, state, query, Format::Xlsx).await
}

async fn table_download(
    ctx: Ctx,
    State(state): State<UiState>,
    Query(query): Query<Vec<(String, String)>>,
    format: Format,
) -> Response {
    let actor = match ctx.require_actor() {
        Ok(actor) => actor,
        Err(redirect) => return redirect.into_response(),
    };
    let node = node_param(&query);
    let report = match blocking(&state, move |i| i.portfolio(actor, node)).await {
        Ok(report) => report,
        Err(error) => return failure(&ctx, "portfolio", &error),
    };
    let record = credgrid_app::ExportRecord::bulk("portfolio", format.name(), 0, node);
    logged_download(&ctx, &state, "portfolio", record, &table(ctx.tr, &report), format).await
}

/// The portfolio as a table: one row per outlet and product.
pub(crate) fn table(tr: Tr, report: &PortfolioReport) -> Table {
    let mut headers: Vec<String> = [
        "ui.portfolio.outlet",
        "ui.portfolio.product",
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
    headers.push(tr.t("ui.portfolio.provision"));
    let rows = report
        .lines
        .iter()
        .map(|l| {
            let mut row = vec![
                Cell::Text(l.outlet_code.clone()),
                Cell::Text(l.product_code.clone()),
                Cell::Text(l.currency.clone()),
                count(l.loans_active),
                amount(l.principal_outstanding),
                amount(l.principal_overdue),
                amount(l.par30),
                amount(l.par90),
            ];
            row.extend(l.by_class.iter().map(|m| amount(*m)));
            row.push(amount(l.provision));
            row
        })
        .collect();
    Table {
        file_stem: format!("portfolio-{}", report.as_of),
        headers,
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use credgrid_app::PortfolioLine;
    use credgrid_core::Currency;
    use credgrid_core::i18n::Locale;

    fn line(outlet: &str, outstanding: i64, par30: i64, by_class: [i64; 5]) -> PortfolioLine {
        let m = |minor| Money::from_minor(minor, Currency::CNY);
        PortfolioLine {
            outlet_id: 1,
            outlet_code: outlet.to_string(),
            product_code: "AGRI".into(),
            currency: "CNY".into(),
            loans_active: 2,
            principal_outstanding: m(outstanding),
            principal_overdue: m(par30),
            par30: m(par30),
            par90: m(0),
            by_class: by_class.map(m),
            provision: m(0),
        }
    }

    #[test]
    fn totals_sum_the_outlets_and_par30_is_a_share_of_outstanding() {
        let report = PortfolioReport {
            as_of: chrono::NaiveDate::from_ymd_opt(2026, 1, 31).unwrap(),
            lines: vec![
                line("A", 600_000, 0, [600_000, 0, 0, 0, 0]),
                line("B", 400_000, 100_000, [300_000, 0, 100_000, 0, 0]),
            ],
        };
        let totals = totals_by_currency(Tr { locale: Locale::En }, &report);
        assert_eq!(totals.len(), 1);
        assert_eq!(totals[0].outstanding, "10,000.00 CNY");
        assert_eq!(totals[0].par30_ratio, "10.0 %");
        assert_eq!(totals[0].loans_active, "4");
        assert!(
            totals[0].chart_svg.contains("width=\"540\""),
            "pass is 90 % of 600"
        );
        assert!(
            totals[0].chart_svg.contains("width=\"60\""),
            "substandard is 10 %"
        );
    }

    #[test]
    fn csv_quotes_fields_and_keeps_plain_amounts() {
        let report = PortfolioReport {
            as_of: chrono::NaiveDate::from_ymd_opt(2026, 1, 31).unwrap(),
            lines: vec![line("North, \"1\"", 123_456, 0, [123_456, 0, 0, 0, 0])],
        };
        let text = crate::ui::export::csv_text(&table(Tr { locale: Locale::En }, &report));
        let row = text.lines().nth(1).unwrap();
        assert!(
            row.starts_with("\"North, \"\"1\"\"\",AGRI,CNY,2,1234.56,"),
            "{row}"
        );
        assert!(text.ends_with("\r\n"));
    }

    #[test]
    fn share_is_one_decimal_in_the_locale() {
        assert_eq!(share(Tr { locale: Locale::Es }, 1, 3), "33,3 %");
        assert_eq!(share(Tr { locale: Locale::En }, 5, 0), "—");
    }
}
