//! `credgrid export journal`: the books as hledger/ledger, beancount or CSV text, or an XLSX spreadsheet.

use super::{Failure, Outcome, app_failure, open_institution};
use credgrid_api::report_doc;
use credgrid_core::i18n::{Locale, t};
use std::io::Write;

#[derive(clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(clap::Subcommand)]
enum What {
    /// Every journal entry, oldest first.
    Journal {
        /// ledger (hledger / ledger-cli), beancount, csv or xlsx (xlsx needs --output).
        #[arg(long, default_value = "ledger")]
        format: String,
        /// Write the export to this file instead of standard output.
        #[arg(long)]
        output: Option<std::path::PathBuf>,
    },
}

/// Entries are read in pages of this many, so memory stays bounded.
const PAGE_ENTRIES: u32 = 5_000;

pub(crate) fn run(args: Args, db: &std::path::Path, locale: Locale) -> Outcome {
    let What::Journal { format, output } = args.what;
    let invalid_format = || {
        Failure::Usage(t(
            locale,
            "error.field_invalid",
            &[
                ("field", "--format"),
                ("reason", &t(locale, "export.format_options", &[])),
            ],
        ))
    };
    if format == "xlsx" {
        let path = output.ok_or_else(|| Failure::Usage(t(locale, "report.xlsx_needs_output", &[])))?;
        let institution = open_institution(db)?;
        let signed = super::signin::sign_in(&institution, locale)?;
        return write_journal_xlsx(&institution, signed.actor(), &path, locale);
    }
    let format_name = format.clone();
    let format = report_doc::JournalFormat::parse(&format).ok_or_else(invalid_format)?;
    let institution = open_institution(db)?;
    let signed = super::signin::sign_in(&institution, locale)?;
    let actor = signed.actor();
    // The whole journal leaves the system: logged first (R-SEC-4); rows are
    // not known before the pages are read, so the record says `rows=0`.
    super::report::log_export(&institution, actor, "journal", &format_name, 0, None, locale)?;
    if let Some(path) = output {
        let file =
            std::fs::File::create(&path).map_err(|e| super::report::output_failure(&path, &e, locale))?;
        let mut out = std::io::BufWriter::new(file);
        return write_journal(&institution, actor, format, &mut out, locale);
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match write_journal(&institution, actor, format, &mut out, locale) {
        Err(Failure::Internal(e))
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            Ok(())
        }
        other => other,
    }
}

/// The whole journal as one spreadsheet, one row per line (at most Excel's
/// 1 048 575 rows: a larger journal is refused with the spreadsheet's error).
fn write_journal_xlsx(
    institution: &credgrid_app::Institution,
    actor: credgrid_app::Actor,
    path: &std::path::Path,
    locale: Locale,
) -> Outcome {
    let mut entries = Vec::new();
    loop {
        let after_id = entries
            .last()
            .map_or(0, |e: &credgrid_app::JournalEntryView| e.id);
        let page = institution
            .journal(actor, after_id, PAGE_ENTRIES)
            .map_err(|e| app_failure(e, locale))?;
        let full = page.len() == PAGE_ENTRIES as usize;
        entries.extend(page);
        if !full {
            break;
        }
    }
    super::report::log_export(institution, actor, "journal", "xlsx", entries.len(), None, locale)?;
    let bytes = report_doc::journal_xlsx(&entries).map_err(|e| Failure::Internal(e.into()))?;
    super::report::write_output(path, &bytes, locale)
}

/// Writes every entry, page by page; an output error ends the export.
fn write_journal(
    institution: &credgrid_app::Institution,
    actor: credgrid_app::Actor,
    format: report_doc::JournalFormat,
    out: &mut impl Write,
    locale: Locale,
) -> Outcome {
    let io = |e: std::io::Error| Failure::Internal(e.into());
    let accounts = institution.accounts(actor).map_err(|e| app_failure(e, locale))?;
    let opened_on = institution
        .first_journal_date(actor)
        .map_err(|e| app_failure(e, locale))?;
    let mut after_id = 0;
    let mut first_page = true;
    loop {
        let entries = institution
            .journal(actor, after_id, PAGE_ENTRIES)
            .map_err(|e| app_failure(e, locale))?;
        if first_page {
            out.write_all(report_doc::journal_header(format, &accounts, opened_on).as_bytes())
                .map_err(io)?;
            first_page = false;
        }
        let Some(last) = entries.last() else { break };
        after_id = last.id;
        for entry in &entries {
            out.write_all(report_doc::journal_entry_text(format, entry).as_bytes())
                .map_err(io)?;
        }
        if entries.len() < PAGE_ENTRIES as usize {
            break;
        }
    }
    out.flush().map_err(io)?;
    Ok(())
}
