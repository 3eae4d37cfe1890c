//! The books: the chart of accounts, the journal, the trial balance and the portfolio report.
//!
//! The reports and the journal answer JSON, or with `?format=csv|xlsx` a file
//! download (`Content-Disposition: attachment`) of the same table.

use super::error::ApiError;
use super::extract::{ActingUser, Query};
use super::fields::Params;
use super::pagination::{page_json, page_request};
use super::{AppState, PREFIX, Routes, app, blocking, ok};
use crate::dto;
use crate::report_doc as doc;
use crate::xlsx::XlsxError;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use credgrid_app::Page;
use serde_json::{Value, json};

/// What a report or the journal is answered as (`?format=`, default json).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Download {
    Json,
    Csv,
    Xlsx,
}

/// The values of `?format=`.
pub(super) const FORMATS: &[&str] = &["json", "csv", "xlsx"];
pub(super) const CSV_CONTENT_TYPE: &str = "text/csv; charset=utf-8";
pub(super) const XLSX_CONTENT_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn download_format(q: &mut Params) -> Result<Download, ApiError> {
    match q.take("format").as_deref() {
        None | Some("json") => Ok(Download::Json),
        Some("csv") => Ok(Download::Csv),
        Some("xlsx") => Ok(Download::Xlsx),
        Some(_) => Err(ApiError::invalid(
            "format",
            format!("must be one of {}", FORMATS.join(", ")),
        )),
    }
}

/// A file download: `stem` plus the format's extension names the file.
fn attachment(content_type: &'static str, stem: &str, extension: &str, body: Vec<u8>) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // `stem` is built from dates and numbers only, so it is a valid header value.
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{stem}.{extension}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// Records a CSV or XLSX download in the audit trail before it is answered
/// (R-SEC-4): it needs the `export` permission. JSON answers are reads, not
/// exports, and are not recorded.
fn log_download(
    i: &credgrid_app::Institution,
    actor: credgrid_app::Actor,
    format: Download,
    what: &str,
    rows: usize,
    node_id: Option<i64>,
) -> Result<(), ApiError> {
    let name = match format {
        Download::Json => return Ok(()),
        Download::Csv => "csv",
        Download::Xlsx => "xlsx",
    };
    let rows = u64::try_from(rows).unwrap_or(u64::MAX);
    app(i.record_export(actor, credgrid_app::ExportRecord::bulk(what, name, rows, node_id)))
}

/// One report as JSON, CSV or XLSX.
fn answer<T: ?Sized>(
    format: Download,
    stem: &str,
    report: &T,
    json: fn(&T) -> Value,
    csv: fn(&T) -> String,
    xlsx: fn(&T) -> Result<Vec<u8>, XlsxError>,
) -> Result<Response, ApiError> {
    Ok(match format {
        Download::Json => ok(json(report)),
        Download::Csv => attachment(CSV_CONTENT_TYPE, stem, "csv", csv(report).into_bytes()),
        Download::Xlsx => {
            let bytes = xlsx(report).map_err(|e| ApiError::internal(format!("{stem}.xlsx: {e}")))?;
            attachment(XLSX_CONTENT_TYPE, stem, "xlsx", bytes)
        }
    })
}

pub(super) fn routes(routes: Routes) -> Routes {
    routes
        .get("/accounts", accounts)
        .get("/journal", journal)
        .get("/reports/trial-balance", trial_balance)
        .get("/reports/portfolio", portfolio)
        .get("/reports/balance-sheet", balance_sheet)
        .get("/reports/income-statement", income_statement)
}

/// `?date=` defaults to the business date; `?node_id=` to the whole institution.
async fn balance_sheet(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    Query(mut q): Query,
) -> Result<Response, ApiError> {
    let date = q.opt_date("date")?;
    let node_id = q.opt_int("node_id", 1, i64::MAX)?;
    let format = download_format(&mut q)?;
    q.finish()?;
    blocking(&state, move |i| {
        let as_of = match date {
            Some(d) => d,
            None => app(i.business_date())?,
        };
        let sheets = app(i.balance_sheet(actor, as_of, node_id))?;
        let rows = sheets
            .iter()
            .map(|b| b.assets.len() + b.liabilities.len() + b.equity.len())
            .sum();
        log_download(i, actor, format, "balance_sheet", rows, node_id)?;
        let stem = format!("balance-sheet-{as_of}");
        answer(
            format,
            &stem,
            sheets.as_slice(),
            doc::balance_sheet_value,
            doc::balance_sheet_csv,
            doc::balance_sheet_xlsx,
        )
    })
    .await
}

/// `?from=` defaults to 1 January of `?to=`'s year, `?to=` to the business date.
async fn income_statement(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    Query(mut q): Query,
) -> Result<Response, ApiError> {
    let from = q.opt_date("from")?;
    let to = q.opt_date("to")?;
    let node_id = q.opt_int("node_id", 1, i64::MAX)?;
    let format = download_format(&mut q)?;
    q.finish()?;
    blocking(&state, move |i| {
        let to = match to {
            Some(d) => d,
            None => app(i.business_date())?,
        };
        let from = from.unwrap_or_else(|| {
            chrono::NaiveDate::from_ymd_opt(chrono::Datelike::year(&to), 1, 1).unwrap_or(to)
        });
        let statements = app(i.income_statement(actor, from, to, node_id))?;
        let rows = statements.iter().map(|s| s.income.len() + s.expenses.len()).sum();
        log_download(i, actor, format, "income_statement", rows, node_id)?;
        let stem = format!("income-statement-{from}-to-{to}");
        answer(
            format,
            &stem,
            statements.as_slice(),
            doc::income_statement_value,
            doc::income_statement_csv,
            doc::income_statement_xlsx,
        )
    })
    .await
}

async fn accounts(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
) -> Result<Response, ApiError> {
    let chart = blocking(&state, move |i| app(i.accounts(actor))).await?;
    Ok(ok(
        json!({"items": chart.iter().map(dto::account_json).collect::<Vec<_>>()}),
    ))
}

/// Journal entries oldest first, paged by entry id. As CSV or XLSX (one row
/// per line) the page is a download and the next page is in a `Link` header.
async fn journal(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    Query(mut q): Query,
) -> Result<Response, ApiError> {
    let page = page_request(&mut q)?;
    let format = download_format(&mut q)?;
    q.finish()?;
    // One entry more than asked tells whether another page follows.
    let mut entries = blocking(&state, move |i| {
        app(i.journal(actor, page.after_id, page.limit.saturating_add(1)))
    })
    .await?;
    let limit = usize::try_from(page.limit).unwrap_or(usize::MAX);
    let more = entries.len() > limit;
    entries.truncate(limit);
    let next_after_id = if more { entries.last().map(|e| e.id) } else { None };
    if format != Download::Json {
        let rows = entries.len();
        blocking(&state, move |i| {
            log_download(i, actor, format, "journal", rows, None)
        })
        .await?;
        return journal_download(format, page.after_id, page.limit, next_after_id, entries);
    }
    Ok(ok(page_json(
        &Page {
            items: entries,
            next_after_id,
        },
        dto::journal_entry_json,
    )))
}

/// Outstanding, overdue, PAR and classification per outlet and product, as of
/// the last closed business date; `?node_id=` limits it to a node's outlets.
async fn portfolio(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    Query(mut q): Query,
) -> Result<Response, ApiError> {
    let node_id = q.opt_int("node_id", 1, i64::MAX)?;
    let format = download_format(&mut q)?;
    q.finish()?;
    blocking(&state, move |i| {
        let report = app(i.portfolio(actor, node_id))?;
        log_download(i, actor, format, "portfolio", report.lines.len(), node_id)?;
        let stem = format!("portfolio-{}", report.as_of);
        answer(
            format,
            &stem,
            &report,
            doc::portfolio_value,
            doc::portfolio_csv,
            doc::portfolio_xlsx,
        )
    })
    .await
}

/// `?date=` defaults to the business date; `?node_id=` to the whole institution.
async fn trial_balance(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    Query(mut q): Query,
) -> Result<Response, ApiError> {
    let date = q.opt_date("date")?;
    let node_id = q.opt_int("node_id", 1, i64::MAX)?;
    let format = download_format(&mut q)?;
    q.finish()?;
    blocking(&state, move |i| {
        let as_of = match date {
            Some(d) => d,
            None => app(i.business_date())?,
        };
        let tb = app(i.trial_balance(actor, as_of, node_id))?;
        log_download(i, actor, format, "trial_balance", tb.lines.len(), node_id)?;
        let stem = format!("trial-balance-{as_of}");
        answer(
            format,
            &stem,
            &tb,
            doc::trial_balance_value,
            doc::trial_balance_csv,
            doc::trial_balance_xlsx,
        )
    })
    .await
}

/// A page of the journal as a CSV or XLSX file; `Link: <…>; rel="next"` (RFC 8288) when more follow.
fn journal_download(
    format: Download,
    after_id: i64,
    limit: u32,
    next_after_id: Option<i64>,
    entries: Vec<credgrid_app::JournalEntryView>,
) -> Result<Response, ApiError> {
    let stem = format!("journal-after-{after_id}");
    let mut response = answer(
        format,
        &stem,
        entries.as_slice(),
        |_| Value::Null,
        doc::journal_csv,
        doc::journal_xlsx,
    )?;
    if let Some(next) = next_after_id {
        let extension = if format == Download::Xlsx { "xlsx" } else { "csv" };
        let link =
            format!("<{PREFIX}/journal?format={extension}&after_id={next}&limit={limit}>; rel=\"next\"");
        if let Ok(value) = HeaderValue::from_str(&link) {
            response.headers_mut().insert(header::LINK, value);
        }
    }
    Ok(response)
}
