//! Spreadsheets (XLSX) of report tables: text, amounts with the currency's digits, counts and dates.
//!
//! A spreadsheet stores every number as an IEEE 754 double (ECMA-376 Part 1
//! §18.3.1.96 `<v>` of a numeric cell); `rust_xlsxwriter` therefore takes an
//! `f64`. An amount is converted once, from its exact decimal value
//! (`rust_decimal`, minor units scaled by the currency's digits), at the very
//! edge where it is written. A double keeps every decimal of at most 15
//! significant digits exactly (it prints back to the same 15 digits: DBL_DIG
//! = 15, C11 §5.2.4.2.2), which is also the precision Excel displays. An
//! amount whose minor units need more than 15 digits is written as TEXT in
//! major units (right-aligned) so no digit is ever lost; a spreadsheet user
//! sees it exactly but cannot sum it.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, Workbook, Worksheet};

/// The largest magnitude (in minor units, or as a count) written as a number:
/// 15 significant digits, all of which a double keeps exactly.
pub const EXACT_MAGNITUDE_MAX: i64 = 999_999_999_999_999;
/// The most digits after the decimal point a currency may have here.
pub const DIGITS_MAX: u32 = 6;
/// Excel's last row (1 048 576 rows, the header included).
pub const ROWS_MAX: usize = 1_048_575;
/// How dates are shown.
pub const DATE_FORMAT: &str = "yyyy-mm-dd";

/// One cell of a table row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    /// Money in minor units of a currency with `digits` decimals.
    Amount {
        minor: i64,
        digits: u32,
    },
    /// A count or an id.
    Integer(i64),
    Date(NaiveDate),
    /// Nothing (an absent optional value).
    Empty,
}

/// Why a table could not be written as a spreadsheet.
#[derive(Debug, thiserror::Error)]
pub enum XlsxError {
    #[error("row {row}: {cells} cells for {headers} columns")]
    RowWidth {
        row: usize,
        cells: usize,
        headers: usize,
    },
    #[error("{rows} rows: a spreadsheet holds at most {ROWS_MAX}")]
    TooManyRows { rows: usize },
    #[error("{headers} columns: a spreadsheet holds at most 16384")]
    TooManyColumns { headers: usize },
    #[error("an amount has {digits} decimals; at most {DIGITS_MAX} are supported")]
    Digits { digits: u32 },
    #[error("spreadsheet: {0}")]
    Workbook(#[from] rust_xlsxwriter::XlsxError),
}

/// The number format showing exactly `digits` decimals: `#,##0.00` for 2, `#,##0` for 0.
pub fn amount_format_code(digits: u32) -> String {
    match digits {
        0 => "#,##0".to_string(),
        n => format!("#,##0.{}", "0".repeat(n as usize)),
    }
}

/// The exact major-unit value of an amount, `minor / 10^digits`; `None` past 28 digits.
pub fn amount_decimal(minor: i64, digits: u32) -> Option<Decimal> {
    Decimal::try_new(minor, digits).ok()
}

/// A workbook of one sheet: a bold, frozen header row, then `rows` (each as
/// wide as `headers`). Amounts carry their currency's number format.
pub fn table_xlsx(sheet_name: &str, headers: &[String], rows: &[Vec<Cell>]) -> Result<Vec<u8>, XlsxError> {
    if rows.len() > ROWS_MAX {
        return Err(XlsxError::TooManyRows { rows: rows.len() });
    }
    let columns =
        u16::try_from(headers.len())
            .ok()
            .filter(|n| *n <= 16_384)
            .ok_or(XlsxError::TooManyColumns {
                headers: headers.len(),
            })?;
    if let Some((row, cells)) = rows.iter().enumerate().find(|(_, r)| r.len() != headers.len()) {
        return Err(XlsxError::RowWidth {
            row: row + 1,
            cells: cells.len(),
            headers: headers.len(),
        });
    }
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(sheet_name)?;
    let bold = Format::new().set_bold();
    for (col, header) in (0..columns).zip(headers) {
        sheet.write_string_with_format(0, col, header, &bold)?;
    }
    let formats = Formats::new();
    for (index, row) in rows.iter().enumerate() {
        // ROWS_MAX fits in u32; the header is row 0.
        let at = u32::try_from(index + 1).map_err(|_| XlsxError::TooManyRows { rows: rows.len() })?;
        for (col, cell) in (0..columns).zip(row) {
            write_cell(sheet, at, col, cell, &formats)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofit();
    Ok(workbook.save_to_buffer()?)
}

/// The formats of one workbook: one per currency digits, dates, long numbers as text.
struct Formats {
    amounts: Vec<Format>,
    date: Format,
    right: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            amounts: (0..=DIGITS_MAX)
                .map(|d| Format::new().set_num_format(amount_format_code(d)))
                .collect(),
            date: Format::new().set_num_format(DATE_FORMAT),
            right: Format::new().set_align(FormatAlign::Right),
        }
    }
}

/// The double nearest to `exact`: Rust's float parsing of the exact decimal
/// text is correctly rounded (IEEE 754 round-to-nearest), so a value of at
/// most 15 significant digits prints back as the same decimal.
fn spreadsheet_number(exact: Decimal) -> Option<f64> {
    exact.to_string().parse::<f64>().ok()
}

fn write_cell(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    cell: &Cell,
    formats: &Formats,
) -> Result<(), XlsxError> {
    match cell {
        Cell::Text(text) => {
            sheet.write_string(row, col, text)?;
        }
        Cell::Empty => {}
        Cell::Amount { minor, digits } => {
            let format = formats
                .amounts
                .get(*digits as usize)
                .ok_or(XlsxError::Digits { digits: *digits })?;
            let exact = amount_decimal(*minor, *digits).ok_or(XlsxError::Digits { digits: *digits })?;
            let in_range = minor.unsigned_abs() <= EXACT_MAGNITUDE_MAX.unsigned_abs();
            match spreadsheet_number(exact).filter(|_| in_range) {
                Some(value) => sheet.write_number_with_format(row, col, value, format)?,
                None => sheet.write_string_with_format(row, col, exact.to_string(), &formats.right)?,
            };
        }
        Cell::Integer(n) => {
            match i32::try_from(*n) {
                // Every i32 is exact as a double; larger ids and counts as text.
                Ok(small) => sheet.write_number(row, col, small)?,
                Err(_) => sheet.write_string_with_format(row, col, n.to_string(), &formats.right)?,
            };
        }
        Cell::Date(date) => {
            let excel = u16::try_from(date.year())
                .ok()
                .and_then(|y| ExcelDateTime::from_ymd(y, date.month() as u8, date.day() as u8).ok());
            match excel {
                Some(d) => sheet.write_datetime_with_format(row, col, &d, &formats.date)?,
                // Before 1900 or after 9999: a spreadsheet has no such date.
                None => sheet.write_string(row, col, date.to_string())?,
            };
        }
    }
    Ok(())
}
