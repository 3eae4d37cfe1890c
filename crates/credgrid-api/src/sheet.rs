//! Reading spreadsheets for imports: CSV (RFC 4180) and XLSX (the first
//! worksheet of an Office Open XML workbook, ECMA-376 Part 1 §18.3), into
//! rows of text cells, the first row being the header. Also writes the
//! rejects file and the validation report of an import as CSV.
//!
//! Cells are kept as the text the file holds: a numeric XLSX cell is its
//! `<v>` text (`3.5`, `12000`), never converted through a float. Row numbers
//! are preserved (a row missing from an XLSX sheet becomes an empty row), so
//! the report's row numbers are the ones the user sees; trailing empty rows
//! are dropped.

use credgrid_app::import::ImportOutcome;
use std::collections::BTreeMap;
use std::io::Read;

/// The largest decompressed XML part read from a workbook (a zip bomb guard).
pub const XML_PART_BYTES_MAX: u64 = 512 * 1024 * 1024;
/// The most rows read from one sheet.
pub const ROWS_MAX: usize = 1_048_576;
/// The most columns read from one row.
pub const COLUMNS_MAX: usize = 256;

/// Why a file could not be read as a sheet.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SheetError {
    #[error("the file is not UTF-8 text (line {line})")]
    NotUtf8 { line: usize },
    #[error("line {line}: a quoted field is not closed")]
    UnclosedQuote { line: usize },
    #[error("the file is not an XLSX workbook: {reason}")]
    NotXlsx { reason: String },
    #[error("the sheet has more than {ROWS_MAX} rows")]
    TooManyRows,
    #[error("row {row} has more than {COLUMNS_MAX} columns")]
    TooManyColumns { row: usize },
}

/// The format of an uploaded file, from its name or its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SheetFormat {
    Csv,
    Xlsx,
}

impl SheetFormat {
    /// XLSX when the bytes start a zip archive (`PK\x03\x04`), CSV otherwise.
    pub fn sniff(bytes: &[u8]) -> SheetFormat {
        if bytes.starts_with(b"PK\x03\x04") {
            SheetFormat::Xlsx
        } else {
            SheetFormat::Csv
        }
    }
}

/// Reads a CSV or XLSX file (sniffed from its bytes).
pub fn read_sheet(bytes: &[u8]) -> Result<Vec<Vec<String>>, SheetError> {
    match SheetFormat::sniff(bytes) {
        SheetFormat::Csv => read_csv(bytes),
        SheetFormat::Xlsx => read_xlsx(bytes),
    }
}

fn trim_trailing_empty(rows: &mut Vec<Vec<String>>) {
    while rows.last().is_some_and(|r| r.iter().all(|c| c.trim().is_empty())) {
        rows.pop();
    }
}

/// Reads RFC 4180 CSV: comma-separated, fields optionally in double quotes
/// (a quote inside doubled), CRLF or LF line ends; a UTF-8 BOM is skipped.
pub fn read_csv(bytes: &[u8]) -> Result<Vec<Vec<String>>, SheetError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| SheetError::NotUtf8 {
        line: 1 + bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count(),
    })?;
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut line = 1;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => {
                line += usize::from(c == '\n');
                field.push(c);
            }
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                line += 1;
                row.push(std::mem::take(&mut field));
                push_row(&mut rows, std::mem::take(&mut row))?;
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err(SheetError::UnclosedQuote { line });
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        push_row(&mut rows, row)?;
    }
    trim_trailing_empty(&mut rows);
    Ok(rows)
}

fn push_row(rows: &mut Vec<Vec<String>>, row: Vec<String>) -> Result<(), SheetError> {
    if rows.len() >= ROWS_MAX {
        return Err(SheetError::TooManyRows);
    }
    if row.len() > COLUMNS_MAX {
        return Err(SheetError::TooManyColumns { row: rows.len() + 1 });
    }
    rows.push(row);
    Ok(())
}

fn not_xlsx(reason: impl std::fmt::Display) -> SheetError {
    SheetError::NotXlsx {
        reason: reason.to_string(),
    }
}

type Archive<'a> = zip::ZipArchive<std::io::Cursor<&'a [u8]>>;

fn part(archive: &mut Archive<'_>, name: &str) -> Result<Option<String>, SheetError> {
    let file = match archive.by_name(name) {
        Ok(file) => file,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(not_xlsx(e)),
    };
    let mut text = String::new();
    file.take(XML_PART_BYTES_MAX)
        .read_to_string(&mut text)
        .map_err(|e| not_xlsx(format!("{name}: {e}")))?;
    Ok(Some(text))
}

/// Reads the first worksheet of an XLSX workbook.
pub fn read_xlsx(bytes: &[u8]) -> Result<Vec<Vec<String>>, SheetError> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(not_xlsx)?;
    let sheet_path = first_sheet_path(&mut archive)?;
    let shared = match part(&mut archive, "xl/sharedStrings.xml")? {
        Some(xml) => shared_strings(&xml),
        None => Vec::new(),
    };
    let xml = part(&mut archive, &sheet_path)?.ok_or_else(|| not_xlsx(format!("{sheet_path} is missing")))?;
    let mut rows = sheet_rows(&xml, &shared)?;
    trim_trailing_empty(&mut rows);
    Ok(rows)
}

/// The path of the workbook's first sheet: `workbook.xml`'s first `<sheet>`
/// and its relationship target (`xl/worksheets/sheet1.xml` when absent).
fn first_sheet_path(archive: &mut Archive<'_>) -> Result<String, SheetError> {
    let fallback = "xl/worksheets/sheet1.xml".to_string();
    let Some(workbook) = part(archive, "xl/workbook.xml")? else {
        return Err(not_xlsx("xl/workbook.xml is missing"));
    };
    let Some(rid) = Tags::new(&workbook).find_map(|t| match t {
        Tag::Open {
            name: "sheet", attrs, ..
        } => attr(attrs, "r:id"),
        _ => None,
    }) else {
        return Ok(fallback);
    };
    let Some(rels) = part(archive, "xl/_rels/workbook.xml.rels")? else {
        return Ok(fallback);
    };
    let target = Tags::new(&rels).find_map(|t| match t {
        Tag::Open {
            name: "Relationship",
            attrs,
            ..
        } if attr(attrs, "Id").as_deref() == Some(rid.as_str()) => attr(attrs, "Target"),
        _ => None,
    });
    Ok(match target {
        Some(t) if t.starts_with('/') => t.trim_start_matches('/').to_string(),
        Some(t) => format!("xl/{t}"),
        None => fallback,
    })
}

fn shared_strings(xml: &str) -> Vec<String> {
    let mut strings = Vec::new();
    let mut current: Option<String> = None;
    let mut in_text = false;
    let mut in_phonetic = false;
    for tag in Tags::new(xml) {
        match tag {
            Tag::Open { name: "si", .. } => current = Some(String::new()),
            Tag::Close { name: "si" } => strings.push(current.take().unwrap_or_default()),
            Tag::Open { name: "rPh", .. } => in_phonetic = true,
            Tag::Close { name: "rPh" } => in_phonetic = false,
            Tag::Open {
                name: "t",
                self_closing,
                ..
            } => in_text = !self_closing,
            Tag::Close { name: "t" } => in_text = false,
            Tag::Text(text) if in_text && !in_phonetic => {
                if let Some(s) = current.as_mut() {
                    s.push_str(&unescape(text));
                }
            }
            _ => {}
        }
    }
    strings
}

/// The column index (0-based) of a cell reference such as `AB12`.
fn column_of(reference: &str) -> Option<usize> {
    let letters: Vec<u8> = reference.bytes().take_while(u8::is_ascii_alphabetic).collect();
    if letters.is_empty() || letters.len() > 3 {
        return None;
    }
    let n = letters.iter().fold(0usize, |n, b| {
        n * 26 + usize::from(b.to_ascii_uppercase() - b'A' + 1)
    });
    Some(n - 1)
}

/// The state of the cell being read.
#[derive(Default)]
struct CellRead {
    column: usize,
    kind: String,
    value: String,
    in_value: bool,
}

fn sheet_rows(xml: &str, shared: &[String]) -> Result<Vec<Vec<String>>, SheetError> {
    let mut rows: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let mut row_number = 0usize;
    let mut cell: Option<CellRead> = None;
    let mut next_column = 0usize;
    for tag in Tags::new(xml) {
        match tag {
            Tag::Open {
                name: "row", attrs, ..
            } => {
                row_number = attr(attrs, "r")
                    .and_then(|r| r.parse().ok())
                    .unwrap_or(row_number + 1);
                if row_number > ROWS_MAX {
                    return Err(SheetError::TooManyRows);
                }
                next_column = 0;
            }
            Tag::Open {
                name: "c",
                attrs,
                self_closing,
            } => {
                let column = attr(attrs, "r")
                    .and_then(|r| column_of(&r))
                    .unwrap_or(next_column);
                if column >= COLUMNS_MAX {
                    return Err(SheetError::TooManyColumns { row: row_number });
                }
                next_column = column + 1;
                if !self_closing {
                    let kind = attr(attrs, "t").unwrap_or_default();
                    cell = Some(CellRead {
                        column,
                        kind,
                        ..CellRead::default()
                    });
                }
            }
            Tag::Open { name: "v" | "t", .. } => {
                if let Some(c) = cell.as_mut() {
                    c.in_value = true;
                }
            }
            Tag::Close { name: "v" | "t" } => {
                if let Some(c) = cell.as_mut() {
                    c.in_value = false;
                }
            }
            Tag::Text(text) => {
                if let Some(c) = cell.as_mut().filter(|c| c.in_value) {
                    c.value.push_str(&unescape(text));
                }
            }
            Tag::Close { name: "c" } => {
                if let Some(c) = cell.take() {
                    let text = match c.kind.as_str() {
                        "s" => c
                            .value
                            .trim()
                            .parse::<usize>()
                            .ok()
                            .and_then(|i| shared.get(i))
                            .cloned(),
                        "b" => Some(if c.value.trim() == "1" { "TRUE" } else { "FALSE" }.to_string()),
                        _ => Some(c.value),
                    }
                    .unwrap_or_default();
                    let row = rows.entry(row_number).or_default();
                    if row.len() <= c.column {
                        row.resize(c.column + 1, String::new());
                    }
                    row[c.column] = text;
                }
            }
            _ => {}
        }
    }
    let last = rows.keys().next_back().copied().unwrap_or(0);
    let mut out = Vec::with_capacity(last);
    for number in 1..=last {
        out.push(rows.remove(&number).unwrap_or_default());
    }
    Ok(out)
}

/// An XML tag or a run of text, as the tiny scanner below yields them.
#[derive(Debug, PartialEq, Eq)]
enum Tag<'a> {
    Open {
        /// The local name (any `prefix:` removed).
        name: &'a str,
        attrs: &'a str,
        self_closing: bool,
    },
    Close {
        name: &'a str,
    },
    Text(&'a str),
}

/// A scanner over well-formed XML: enough for the parts of a workbook
/// (no DTDs; comments, processing instructions and CDATA-free text).
struct Tags<'a> {
    rest: &'a str,
}

impl<'a> Tags<'a> {
    fn new(xml: &'a str) -> Tags<'a> {
        Tags { rest: xml }
    }
}

fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

impl<'a> Iterator for Tags<'a> {
    type Item = Tag<'a>;

    fn next(&mut self) -> Option<Tag<'a>> {
        loop {
            if self.rest.is_empty() {
                return None;
            }
            if !self.rest.starts_with('<') {
                let end = self.rest.find('<').unwrap_or(self.rest.len());
                let (text, rest) = self.rest.split_at(end);
                self.rest = rest;
                return Some(Tag::Text(text));
            }
            if self.rest.starts_with("<?") || self.rest.starts_with("<!") {
                let end = self.rest.find('>').map_or(self.rest.len(), |e| e + 1);
                self.rest = &self.rest[end..];
                continue;
            }
            let end = self.rest.find('>')?;
            let inner = &self.rest[1..end];
            self.rest = &self.rest[end + 1..];
            if let Some(name) = inner.strip_prefix('/') {
                return Some(Tag::Close {
                    name: local(name.trim()),
                });
            }
            let self_closing = inner.ends_with('/');
            let inner = inner.trim_end_matches('/');
            let (name, attrs) = inner.split_once(char::is_whitespace).unwrap_or((inner, ""));
            return Some(Tag::Open {
                name: local(name),
                attrs,
                self_closing,
            });
        }
    }
}

/// The value of attribute `name` (`name="…"` or `name='…'`), unescaped.
fn attr(attrs: &str, name: &str) -> Option<String> {
    let mut rest = attrs;
    while let Some(eq) = rest.find('=') {
        let key = rest[..eq].trim();
        let after = rest[eq + 1..].trim_start();
        let quote = after.chars().next()?;
        if quote != '"' && quote != '\'' {
            return None;
        }
        let close = after[1..].find(quote)? + 1;
        if key == name {
            return Some(unescape(&after[1..close]));
        }
        rest = &after[close + 1..];
    }
    None
}

/// Replaces the five predefined entities and numeric character references.
fn unescape(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let Some(semi) = rest.find(';') else { break };
        let entity = &rest[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .map(|h| u32::from_str_radix(h, 16))
                .or_else(|| entity.strip_prefix('#').map(str::parse::<u32>))
                .and_then(Result::ok)
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// One CSV field, quoted when it must be (RFC 4180) or when it could be
/// read as a formula by a spreadsheet (a leading `=`, `+`, `-`, `@`).
fn csv_field(text: &str) -> String {
    let numeric = text.len() > 1 && text[1..].bytes().all(|b| b.is_ascii_digit() || b == b'.');
    let text = if text.starts_with(['=', '+', '-', '@']) && !numeric {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

fn csv_line(fields: &[String]) -> String {
    let mut line = fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(",");
    line.push_str("\r\n");
    line
}

/// The rejects file: the header plus an `errors` column, then every
/// rejected row as it was read with its problems (`column: reason; …`).
pub fn rejects_csv(sheet: &[Vec<String>], outcome: &ImportOutcome) -> String {
    let Some(header) = sheet.first() else {
        return String::new();
    };
    let mut out = String::new();
    let mut head = header.clone();
    head.push("errors".to_string());
    out.push_str(&csv_line(&head));
    for row in &outcome.rejected_rows {
        let Some(cells) = row.checked_sub(1).and_then(|i| sheet.get(i)) else {
            continue;
        };
        let mut cells = cells.clone();
        cells.resize(header.len(), String::new());
        let problems: Vec<String> = outcome
            .issues
            .iter()
            .filter(|i| i.row == *row)
            .map(|i| match i.detail.is_empty() {
                true => format!("{}: {}", i.column, i.reason),
                false => format!("{}: {} ({})", i.column, i.reason, i.detail),
            })
            .collect();
        cells.push(problems.join("; "));
        out.push_str(&csv_line(&cells));
    }
    out
}

/// The validation report: one line per problem (row, column, reason, detail).
pub fn report_csv(outcome: &ImportOutcome) -> String {
    let mut out = csv_line(&["row".into(), "column".into(), "reason".into(), "detail".into()]);
    for i in &outcome.issues {
        out.push_str(&csv_line(&[
            i.row.to_string(),
            i.column.clone(),
            i.reason.clone(),
            i.detail.clone(),
        ]));
    }
    out
}

/// The boundary of a `multipart/form-data` content type (RFC 7578).
pub fn multipart_boundary(content_type: &str) -> Option<String> {
    let (essence, params) = content_type.split_once(';')?;
    if !essence.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (key, value) = p.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"').to_string())
            .filter(|b| !b.is_empty() && b.len() <= 70)
    })
}

/// The `(name, content)` of every part of a multipart/form-data body, or
/// `None` when it is not well formed (RFC 7578 §4; RFC 2046 §5.1.1).
pub fn multipart_parts(body: &[u8], boundary: &str) -> Option<Vec<(String, Vec<u8>)>> {
    let delimiter = format!("--{boundary}").into_bytes();
    let mut parts = Vec::new();
    let mut rest = &body[find(body, &delimiter)? + delimiter.len()..];
    loop {
        if rest.starts_with(b"--") {
            return Some(parts);
        }
        rest = rest.strip_prefix(b"\r\n")?;
        let head_end = find(rest, b"\r\n\r\n")?;
        let head = std::str::from_utf8(&rest[..head_end]).ok()?;
        let content = &rest[head_end + 4..];
        let mut next = delimiter.clone();
        next.splice(0..0, *b"\r\n");
        let end = find(content, &next)?;
        let name = head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            if !key.trim().eq_ignore_ascii_case("content-disposition") {
                return None;
            }
            value.split(';').find_map(|p| {
                let (k, v) = p.split_once('=')?;
                (k.trim() == "name").then(|| v.trim().trim_matches('"').to_string())
            })
        })?;
        parts.push((name, content[..end].to_vec()));
        rest = &content[end + next.len()..];
    }
}

/// A sheet read from an upload and the form's text fields.
pub type Upload = (Vec<Vec<String>>, Vec<(String, String)>);

/// An uploaded sheet and the text fields sent with it: a multipart/form-data
/// body (a `file` part plus fields), or the raw CSV/XLSX bytes.
pub fn read_upload(content_type: &str, body: &[u8]) -> Result<Upload, String> {
    let mut fields = Vec::new();
    let bytes = match multipart_boundary(content_type) {
        Some(boundary) => {
            let parts = multipart_parts(body, &boundary).ok_or("the multipart body is not well formed")?;
            let mut file = None;
            for (name, data) in parts {
                if name == "file" {
                    file = Some(data);
                } else if let Ok(text) = String::from_utf8(data) {
                    fields.push((name, text));
                }
            }
            file.ok_or("no file was sent")?
        }
        None => body.to_vec(),
    };
    if bytes.is_empty() {
        return Err("the file is empty".into());
    }
    let sheet = read_sheet(&bytes).map_err(|e| e.to_string())?;
    Ok((sheet, fields))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str) -> Vec<Vec<String>> {
        read_csv(text.as_bytes()).unwrap()
    }

    #[test]
    fn csv_follows_rfc_4180_quoting_and_line_ends() {
        // RFC 4180 §2: fields with commas, quotes or line breaks are quoted;
        // a quote inside is doubled; CRLF ends a record.
        let read = rows("\u{feff}a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n1,,3\n\n");
        assert_eq!(
            read,
            [
                vec!["a", "b", "c"],
                vec!["x, y", "say \"hi\"", "two\nlines"],
                vec!["1", "", "3"],
            ]
        );
        assert_eq!(read_csv(b"a,\"b\nc"), Err(SheetError::UnclosedQuote { line: 2 }));
        assert!(matches!(
            read_csv(b"a,\xff"),
            Err(SheetError::NotUtf8 { line: 1 })
        ));
    }

    #[test]
    fn xlsx_cells_keep_their_text_row_numbers_and_shared_strings() {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.write_string(0, 0, "household_id").unwrap();
        sheet.write_string(0, 1, "head_name").unwrap();
        sheet.write_number(1, 0, 501).unwrap();
        sheet.write_string(1, 1, "Wang & Sons <Ltd>").unwrap();
        // Row 3 left empty; row 4 has a value in the second column only.
        sheet.write_string(3, 1, "张伟").unwrap();
        sheet.write_number(3, 2, 3.5).unwrap();
        let bytes = workbook.save_to_buffer().unwrap();
        assert_eq!(SheetFormat::sniff(&bytes), SheetFormat::Xlsx);
        let read = read_sheet(&bytes).unwrap();
        assert_eq!(
            read,
            [
                vec!["household_id".to_string(), "head_name".into()],
                vec!["501".into(), "Wang & Sons <Ltd>".into()],
                vec![],
                vec![String::new(), "张伟".into(), "3.5".into()],
            ]
        );
    }

    #[test]
    fn a_zip_that_is_not_a_workbook_is_refused() {
        let e = read_xlsx(b"PK\x03\x04 not really").unwrap_err();
        assert!(matches!(e, SheetError::NotXlsx { .. }), "{e}");
    }

    #[test]
    fn a_multipart_form_gives_its_file_and_fields() {
        // RFC 7578 §4.1: parts separated by "--boundary", headers, a blank line, the content.
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"mode\"\r\n\r\nvalid-rows\r\n--XyZ\r\n\
Content-Disposition: form-data; name=\"file\"; filename=\"h.csv\"\r\nContent-Type: text/csv\r\n\r\n\
a,b\r\n1,2\r\n\r\n--XyZ--\r\n";
        let boundary = multipart_boundary("multipart/form-data; boundary=XyZ").unwrap();
        let parts = multipart_parts(body, &boundary).unwrap();
        assert_eq!(parts[0], ("mode".to_string(), b"valid-rows".to_vec()));
        assert_eq!(parts[1], ("file".to_string(), b"a,b\r\n1,2\r\n".to_vec()));
        assert!(multipart_parts(b"--XyZ\r\nno blank line", "XyZ").is_none());
        assert_eq!(multipart_boundary("text/csv"), None);
    }

    #[test]
    fn entities_and_references_are_decoded() {
        assert_eq!(
            unescape("a &amp; b &lt;c&gt; &#22270;&#x5F20; &bogus;"),
            "a & b <c> 图张 &bogus;"
        );
        assert_eq!(column_of("AB12"), Some(27));
        assert_eq!(column_of("A1"), Some(0));
    }
}
