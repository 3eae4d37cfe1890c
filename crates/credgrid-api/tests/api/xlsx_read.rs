//! Reads back the first sheet of an XLSX file with nothing but `zip` and string
//! scanning: each cell's text (shared strings resolved), its raw `<v>` number
//! text and its number format code. Enough for the files `credgrid_api::xlsx`
//! writes (ECMA-376 Part 1: §18.3.1.4 `c`, §18.4.8 `si`, §18.8.30 `numFmt`).

use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::str::FromStr;

/// One cell as stored.
#[derive(Debug, Clone)]
pub(crate) struct RawCell {
    /// `t`: "s" (shared string), "str", or absent (a number).
    pub(crate) kind: Option<String>,
    /// The cell's format code ("General" when the cell has no style).
    pub(crate) format: String,
    /// The string for text cells; the `<v>` text for numbers.
    pub(crate) value: String,
}

/// The first sheet, cells by reference ("A1").
#[derive(Debug)]
pub(crate) struct Sheet {
    pub(crate) name: String,
    pub(crate) cells: BTreeMap<String, RawCell>,
}

impl Sheet {
    pub(crate) fn cell(&self, at: &str) -> &RawCell {
        self.cells.get(at).unwrap_or_else(|| panic!("no cell {at}"))
    }

    /// The text of a string cell.
    pub(crate) fn text(&self, at: &str) -> &str {
        let cell = self.cell(at);
        assert!(cell.kind.is_some(), "{at} is a number, not text: {cell:?}");
        &cell.value
    }

    /// The exact decimal a number cell stores (its `<v>` text, never a float).
    pub(crate) fn number(&self, at: &str) -> Decimal {
        let cell = self.cell(at);
        assert!(cell.kind.is_none(), "{at} is not a number: {cell:?}");
        Decimal::from_str(&cell.value)
            .or_else(|_| Decimal::from_scientific(&cell.value))
            .unwrap_or_else(|e| panic!("{at}: {} is not a decimal: {e}", cell.value))
    }

    /// The header row, A1 onwards.
    pub(crate) fn row(&self, row: usize, width: usize) -> Vec<String> {
        (0..width)
            .map(|c| {
                self.cells
                    .get(&reference(row, c))
                    .map(|x| x.value.clone())
                    .unwrap_or_default()
            })
            .collect()
    }
}

/// "A1" for row 1, column 0 (columns past Z are not needed here).
pub(crate) fn reference(row: usize, col: usize) -> String {
    assert!(col < 26, "column {col}");
    format!("{}{row}", char::from(b'A' + u8::try_from(col).unwrap()))
}

fn part(archive: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str) -> String {
    let mut text = String::new();
    archive
        .by_name(name)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .read_to_string(&mut text)
        .unwrap();
    text
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let len = tag[start..].find('"')?;
    Some(unescape(&tag[start..start + len]))
}

/// The text between `<open…>` and `close` of each element, in order.
fn elements<'a>(xml: &'a str, open: &str, close: &str) -> Vec<(&'a str, &'a str)> {
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(at) = rest.find(open) {
        rest = &rest[at..];
        let tag_end = rest.find('>').unwrap();
        let tag = &rest[..tag_end];
        if tag.ends_with('/') {
            out.push((tag, ""));
            rest = &rest[tag_end..];
            continue;
        }
        let body_end = rest.find(close).unwrap();
        out.push((tag, &rest[tag_end + 1..body_end]));
        rest = &rest[body_end..];
    }
    out
}

fn inner<'a>(body: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = body.find(open)?;
    let from = start + body[start..].find('>')? + 1;
    let len = body[from..].find(close)?;
    Some(&body[from..from + len])
}

/// The format code of each cell style (`cellXfs` order), built-ins of §18.8.30 included.
fn style_formats(styles: &str) -> Vec<String> {
    let mut custom = BTreeMap::new();
    for (tag, _) in elements(styles, "<numFmt ", "</numFmt>") {
        custom.insert(
            attribute(tag, "numFmtId").unwrap(),
            attribute(tag, "formatCode").unwrap(),
        );
    }
    let built_in = |id: &str| match id {
        "0" => "General".to_string(),
        "1" => "0".to_string(),
        "2" => "0.00".to_string(),
        "3" => "#,##0".to_string(),
        "4" => "#,##0.00".to_string(),
        other => custom
            .get(other)
            .cloned()
            .unwrap_or_else(|| format!("builtin-{other}")),
    };
    let xfs = inner(styles, "<cellXfs", "</cellXfs>").expect("cellXfs");
    elements(xfs, "<xf ", "</xf>")
        .into_iter()
        .map(|(tag, _)| built_in(&attribute(tag, "numFmtId").unwrap_or_else(|| "0".into())))
        .collect()
}

/// Opens `bytes` as an XLSX workbook and reads its first sheet.
pub(crate) fn read(bytes: &[u8]) -> Sheet {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("an XLSX file is a zip archive");
    let workbook = part(&mut archive, "xl/workbook.xml");
    let name = elements(&workbook, "<sheet ", "</sheet>")
        .first()
        .and_then(|(tag, _)| attribute(tag, "name"))
        .expect("a sheet");
    let has_strings = archive.index_for_name("xl/sharedStrings.xml").is_some();
    let strings: Vec<String> = if has_strings {
        let xml = part(&mut archive, "xl/sharedStrings.xml");
        elements(&xml, "<si>", "</si>")
            .into_iter()
            .map(|(_, body)| unescape(inner(body, "<t", "</t>").unwrap_or("")))
            .collect()
    } else {
        Vec::new()
    };
    let formats = style_formats(&part(&mut archive, "xl/styles.xml"));
    let sheet = part(&mut archive, "xl/worksheets/sheet1.xml");
    let mut cells = BTreeMap::new();
    for (tag, body) in elements(&sheet, "<c ", "</c>") {
        let kind = attribute(tag, "t");
        let style: usize = attribute(tag, "s").map_or(0, |s| s.parse().unwrap());
        let raw = inner(body, "<v", "</v>").unwrap_or("").to_string();
        let value = match kind.as_deref() {
            Some("s") => strings[raw.parse::<usize>().unwrap()].clone(),
            _ => unescape(&raw),
        };
        let format = formats.get(style).cloned().unwrap_or_else(|| "General".into());
        cells.insert(attribute(tag, "r").unwrap(), RawCell { kind, format, value });
    }
    Sheet { name, cells }
}
