//! Dates as the store keeps them (`TEXT 'YYYY-MM-DD'`), written and read
//! without chrono's format interpreter: a repayment reads and writes a dozen
//! of them in the writer's serial path. Same text as rusqlite's chrono
//! conversion (`%F`); anything outside years 0–9999 goes through chrono.

use chrono::{Datelike, NaiveDate};
use rusqlite::Row;
use rusqlite::types::{FromSqlError, ToSql, ToSqlOutput, Value, ValueRef};

/// A date bound as a statement parameter.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Day(pub(crate) NaiveDate);

impl ToSql for Day {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Owned(Value::Text(text(self.0))))
    }
}

/// `Some(Day)` for an optional date parameter (NULL for `None`).
pub(crate) fn opt(date: Option<NaiveDate>) -> Option<Day> {
    date.map(Day)
}

/// `YYYY-MM-DD`, as chrono's `%F` writes it.
pub(crate) fn text(date: NaiveDate) -> String {
    let year = date.year();
    if !(0..=9999).contains(&year) {
        return date.format("%F").to_string();
    }
    format!("{year:04}-{:02}-{:02}", date.month(), date.day())
}

/// Reads `YYYY-MM-DD` (anything else as chrono's `%F` parser would).
fn parse(s: &str) -> Result<NaiveDate, FromSqlError> {
    match plain(s.as_bytes()) {
        Some(date) => Ok(date),
        None => NaiveDate::parse_from_str(s, "%F").map_err(FromSqlError::other),
    }
}

/// Exactly `YYYY-MM-DD` with a valid date, else `None`.
fn plain(b: &[u8]) -> Option<NaiveDate> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let number = |digits: &[u8]| {
        digits.iter().try_fold(0_u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let year = i32::try_from(number(&b[0..4])?).ok()?;
    NaiveDate::from_ymd_opt(year, number(&b[5..7])?, number(&b[8..10])?)
}

fn from_value(value: ValueRef<'_>, index: usize) -> rusqlite::Result<Option<NaiveDate>> {
    let conversion = |e: FromSqlError| match e {
        FromSqlError::InvalidType => {
            rusqlite::Error::InvalidColumnType(index, String::new(), value.data_type())
        }
        other => rusqlite::Error::FromSqlConversionFailure(index, value.data_type(), Box::new(other)),
    };
    match value {
        ValueRef::Null => Ok(None),
        other => other.as_str().and_then(parse).map(Some).map_err(conversion),
    }
}

/// Column `index` of `row`: a date that may not be NULL.
pub(crate) fn get(row: &Row<'_>, index: usize) -> rusqlite::Result<NaiveDate> {
    let value = row.get_ref(index)?;
    from_value(value, index)?
        .ok_or_else(|| rusqlite::Error::InvalidColumnType(index, String::new(), rusqlite::types::Type::Null))
}

/// Column `index` of `row`: a date or NULL.
pub(crate) fn get_opt(row: &Row<'_>, index: usize) -> rusqlite::Result<Option<NaiveDate>> {
    from_value(row.get_ref(index)?, index)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    #[test]
    fn the_text_is_chronos_and_reads_back() {
        let conn = Connection::open_in_memory().unwrap();
        let mut date = NaiveDate::from_ymd_opt(1999, 12, 25).unwrap();
        let days = [
            NaiveDate::from_ymd_opt(0, 1, 1).unwrap(),
            NaiveDate::from_ymd_opt(9999, 12, 31).unwrap(),
            NaiveDate::from_ymd_opt(10000, 1, 1).unwrap(),
            NaiveDate::from_ymd_opt(-1, 6, 30).unwrap(),
        ];
        for d in (0..800)
            .map(|_| {
                date = date + chrono::Days::new(47);
                date
            })
            .chain(days)
        {
            assert_eq!(text(d), d.format("%F").to_string());
            let back: (NaiveDate, String) = conn
                .query_row("SELECT ?1, ?1", [Day(d)], |r| Ok((get(r, 0)?, r.get(1)?)))
                .unwrap();
            assert_eq!(back, (d, d.format("%F").to_string()));
            let chrono_read: NaiveDate = conn.query_row("SELECT ?1", [Day(d)], |r| r.get(0)).unwrap();
            assert_eq!(chrono_read, d);
        }
    }

    #[test]
    fn bad_text_is_an_error_and_null_is_none() {
        let conn = Connection::open_in_memory().unwrap();
        for bad in ["2026-02-30", "2026-13-01", "", "abcd-ef-gh", "2026-01-01x"] {
            let read = conn.query_row("SELECT ?1", [bad], |r| get(r, 0));
            assert!(read.is_err(), "{bad}");
        }
        let none = conn.query_row("SELECT NULL", [], |r| get_opt(r, 0)).unwrap();
        assert_eq!(none, None);
        assert!(conn.query_row("SELECT NULL", [], |r| get(r, 0)).is_err());
        assert!(conn.query_row("SELECT 5", [], |r| get(r, 0)).is_err());
    }
}
