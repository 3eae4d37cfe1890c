//! Table downloads: the same table as CSV (RFC 4180, plain amounts such as
//! `1234.50`) or as an XLSX workbook (amounts with the currency's number
//! format, see `crate::xlsx`). Every download is recorded in the audit trail
//! first ([`logged_download`]).

use crate::xlsx::{Cell, table_xlsx};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use credgrid_core::Money;
use credgrid_core::money::format_minor;

/// A table to download: file name stem, translated headers, rows.
pub(crate) struct Table {
    pub(crate) file_stem: String,
    pub(crate) headers: Vec<String>,
    pub(crate) rows: Vec<Vec<Cell>>,
}

/// The format asked for by the path (`.csv` or `.xlsx`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    Csv,
    Xlsx,
}

/// An amount cell.
pub(crate) fn amount(m: Money) -> Cell {
    Cell::Amount {
        minor: m.minor(),
        digits: u32::from(m.currency().digits()),
    }
}

/// A count cell (saturating: a count beyond i64 cannot occur in the books).
pub(crate) fn count(n: u64) -> Cell {
    Cell::Integer(i64::try_from(n).unwrap_or(i64::MAX))
}

impl Format {
    /// The format's name in the audit record of an export.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }
}

/// The table as a download, after its export is recorded in the audit trail
/// (R-SEC-4): `record` names what it is (its rows are counted here); a
/// refused export (a bulk one without the `export` permission) shows the
/// refusal page instead of the file.
pub(crate) async fn logged_download(
    ctx: &super::Ctx,
    state: &super::UiState,
    nav: &'static str,
    mut record: credgrid_app::ExportRecord,
    table: &Table,
    format: Format,
) -> Response {
    let Some(actor) = ctx.actor else {
        return axum::response::Redirect::to("/login").into_response();
    };
    record.rows = u64::try_from(table.rows.len()).unwrap_or(u64::MAX);
    record.format = format.name().to_string();
    match super::blocking(state, move |i| i.record_export(actor, record)).await {
        Ok(()) => download(table, format),
        Err(error) => super::failure(ctx, nav, &error),
    }
}

/// The table as a download in `format` (callers log it: [`logged_download`]).
pub(crate) fn download(table: &Table, format: Format) -> Response {
    let (body, mime, extension) = match format {
        Format::Csv => (csv_text(table).into_bytes(), "text/csv; charset=utf-8", "csv"),
        Format::Xlsx => match table_xlsx(&sheet_name(&table.file_stem), &table.headers, &table.rows) {
            Ok(bytes) => (
                bytes,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "xlsx",
            ),
            Err(error) => {
                eprintln!("ui: spreadsheet failed: {error}");
                return (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "The spreadsheet could not be written.",
                )
                    .into_response();
            }
        },
    };
    let disposition = format!("attachment; filename=\"{}.{extension}\"", table.file_stem);
    let headers = [
        (header::CONTENT_TYPE, mime.to_string()),
        (header::CONTENT_DISPOSITION, disposition),
    ];
    (headers, body).into_response()
}

/// A worksheet name from a file stem: Excel allows at most 31 characters
/// and none of `[]:*?/\\`.
fn sheet_name(stem: &str) -> String {
    stem.chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect()
}

pub(crate) fn csv_text(table: &Table) -> String {
    let mut out = csv_line(&table.headers);
    for row in &table.rows {
        let fields: Vec<String> = row.iter().map(cell_text).collect();
        out.push_str(&csv_line(&fields));
    }
    out
}

fn cell_text(cell: &Cell) -> String {
    match cell {
        Cell::Text(text) => text.clone(),
        Cell::Amount { minor, digits } => format_minor(*minor, u8::try_from(*digits).unwrap_or(u8::MAX)),
        Cell::Integer(n) => n.to_string(),
        Cell::Date(date) => date.to_string(),
        Cell::Empty => String::new(),
    }
}

/// One RFC 4180 line: fields with a comma, quote or line break are quoted.
fn csv_line(fields: &[String]) -> String {
    let quoted: Vec<String> = fields
        .iter()
        .map(|f| {
            if f.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", f.replace('"', "\"\""))
            } else {
                f.clone()
            }
        })
        .collect();
    format!("{}\r\n", quoted.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;
    use credgrid_core::Currency;

    #[test]
    fn csv_quotes_fields_and_keeps_plain_exact_amounts() {
        let table = Table {
            file_stem: "t".into(),
            headers: vec!["Outlet".into(), "Amount".into()],
            rows: vec![vec![
                Cell::Text("North, \"1\"".into()),
                amount(Money::from_minor(123_456, Currency::CNY)),
            ]],
        };
        assert_eq!(
            csv_text(&table),
            "Outlet,Amount\r\n\"North, \"\"1\"\"\",1234.56\r\n"
        );
    }

    #[test]
    fn the_xlsx_download_is_a_zip_workbook() {
        let table = Table {
            file_stem: "portfolio".into(),
            headers: vec!["Amount".into()],
            rows: vec![vec![amount(Money::from_minor(5, Currency::CNY))]],
        };
        let response = download(&table, Format::Xlsx);
        assert_eq!(response.status(), StatusCode::OK);
        let disposition = response.headers()[header::CONTENT_DISPOSITION].to_str().unwrap();
        assert_eq!(disposition, "attachment; filename=\"portfolio.xlsx\"");
    }
}
