//! `credgrid schedule`: the loan calculator (JSON in, schedule out).
//!
//! Reads one request document from standard input or `--file`, prints the
//! schedule as JSON or as a table. Bad input (unreadable file, invalid
//! document) prints a message naming the field on stderr, nothing on stdout,
//! and exits with status 2.

use super::{Failure, Outcome};
use credgrid_api::schedule_doc;
use credgrid_core::i18n::{Locale, t};
use std::io::{Read, Write};

/// The largest request document read (a custom schedule of the maximum
/// length fits easily).
const DOCUMENT_BYTES_MAX: u64 = 4 * 1024 * 1024;

#[derive(clap::Args)]
pub(crate) struct Args {
    /// Read the loan from this file instead of standard input.
    #[arg(long)]
    file: Option<std::path::PathBuf>,
    /// Output format: json or table.
    #[arg(long, default_value = "json")]
    format: String,
}

#[derive(Clone, Copy)]
enum Format {
    Json,
    Table,
}

pub(crate) fn run(args: Args, locale: Locale) -> Outcome {
    let format = match args.format.as_str() {
        "json" => Format::Json,
        "table" => Format::Table,
        _ => {
            let reason = t(locale, "schedule.format_choices", &[]);
            return Err(Failure::Usage(t(
                locale,
                "error.field_invalid",
                &[("field", "--format"), ("reason", &reason)],
            )));
        }
    };
    let text = read_document(args.file.as_deref(), locale)?;
    let schedule = schedule_doc::schedule_from_text(&text).map_err(|e| Failure::Usage(e.message(locale)))?;
    let output = match format {
        Format::Json => schedule_doc::schedule_json(&schedule),
        Format::Table => schedule_doc::schedule_table(&schedule, locale),
    };
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(output.as_bytes()).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        // A closed pipe (`credgrid schedule | head`) is not a failure.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::Internal(
            anyhow::Error::new(e).context("writing the schedule"),
        )),
    }
}

/// The request document from `file` or standard input, at most
/// `DOCUMENT_BYTES_MAX` bytes of UTF-8.
fn read_document(file: Option<&std::path::Path>, locale: Locale) -> Result<String, Failure> {
    let mut bytes = Vec::new();
    let read = match file {
        Some(path) => {
            std::fs::File::open(path).and_then(|f| f.take(DOCUMENT_BYTES_MAX + 1).read_to_end(&mut bytes))
        }
        None => std::io::stdin()
            .lock()
            .take(DOCUMENT_BYTES_MAX + 1)
            .read_to_end(&mut bytes),
    };
    let unreadable = |detail: String| {
        Failure::Usage(match file {
            Some(path) => t(
                locale,
                "schedule.file_unreadable",
                &[("path", &path.display().to_string()), ("detail", &detail)],
            ),
            None => t(locale, "schedule.stdin_unreadable", &[("detail", &detail)]),
        })
    };
    read.map_err(|e| unreadable(e.to_string()))?;
    if bytes.len() as u64 > DOCUMENT_BYTES_MAX {
        return Err(unreadable(format!("larger than {DOCUMENT_BYTES_MAX} bytes")));
    }
    String::from_utf8(bytes).map_err(|_| unreadable("not UTF-8 text".to_string()))
}
