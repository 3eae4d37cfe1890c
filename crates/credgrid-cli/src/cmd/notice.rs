//! `credgrid notice ID --out FILE.html|FILE.pdf`: the village notice of
//! ratings and credit lines as a printable A4 document, in the language of
//! `--lang` (zh, es, en).
//!
//! HTML is written directly. For PDF the same HTML is printed by Chromium in
//! headless mode (`--print-to-pdf`, the `CREDGRID_CHROMIUM` binary, default
//! `chromium`), which lays out Chinese text with the system's CJK font: no
//! PDF library or embedded font in this binary.

use super::signin::sign_in;
use super::{Failure, Outcome, app_failure, open_institution};
use credgrid_core::i18n::{Locale, t};
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(clap::Args)]
pub(crate) struct Args {
    /// The notice's id.
    id: i64,
    /// Where to write it: a `.pdf` file is printed by headless Chromium, anything else is HTML.
    #[arg(long)]
    out: PathBuf,
}

pub(crate) fn run(args: Args, db: &Path, locale: Locale) -> Outcome {
    let institution = open_institution(db)?;
    let signed = sign_in(&institution, locale)?;
    let html = credgrid_api::ui::notice_document(&institution, signed.actor(), args.id, locale)
        .map_err(|e| app_failure(e, locale))?;
    let is_pdf = args
        .out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("pdf"));
    if !is_pdf {
        std::fs::write(&args.out, html).map_err(|e| Failure::Internal(e.into()))?;
        return Ok(());
    }
    let dir = std::env::temp_dir().join(format!("credgrid-notice-{}-{}", std::process::id(), args.id));
    std::fs::create_dir_all(&dir).map_err(|e| Failure::Internal(e.into()))?;
    let page = dir.join("notice.html");
    std::fs::write(&page, html).map_err(|e| Failure::Internal(e.into()))?;
    let result = print_to_pdf(&page, &args.out, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    result.map_err(|reason| {
        Failure::Usage(t(
            locale,
            "error.field_invalid",
            &[("field", "--out"), ("reason", &reason)],
        ))
    })
}

/// Prints `page` to `out` with headless Chromium.
fn print_to_pdf(page: &Path, out: &Path, profile: &Path) -> Result<(), String> {
    let chromium = std::env::var("CREDGRID_CHROMIUM").unwrap_or_else(|_| "chromium".into());
    let out = std::path::absolute(out).map_err(|e| e.to_string())?;
    let status = Command::new(&chromium)
        .arg("--headless")
        .arg("--no-sandbox")
        .arg("--disable-gpu")
        .arg("--no-pdf-header-footer")
        .arg(format!("--user-data-dir={}", profile.join("profile").display()))
        .arg(format!("--print-to-pdf={}", out.display()))
        .arg(format!("file://{}", page.display()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .map_err(|e| format!("cannot run {chromium} to print the PDF: {e}"))?;
    if !status.success() || !out.exists() {
        return Err(format!("{chromium} did not print the PDF ({status})"));
    }
    Ok(())
}
