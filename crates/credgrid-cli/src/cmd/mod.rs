//! The subcommands, one module each, and the shared way they end.

use credgrid_core::i18n::{Locale, t};
use std::path::Path;
use std::process::ExitCode;

pub(crate) mod audit;
pub(crate) mod check;
pub(crate) mod demo;
pub(crate) mod eod;
pub(crate) mod export;
pub(crate) mod generate;
pub(crate) mod import;
pub(crate) mod notice;
pub(crate) mod report;
pub(crate) mod schedule;
pub(crate) mod serve;
pub(crate) mod signin;
pub(crate) mod user;

/// The database file when neither `--db` nor `CREDGRID_DB` names one.
pub(crate) const DB_DEFAULT: &str = "credgrid.db";

/// How a command failed: the user's fault (exit 2) or not (exit 1).
#[derive(Debug)]
pub(crate) enum Failure {
    /// Bad input: the message names the field and the reason.
    Usage(String),
    /// An invariant of the books does not hold (exit 3).
    Violation(String),
    /// Anything else, with its cause chain.
    Internal(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::Internal(e)
    }
}

pub(crate) type Outcome = Result<(), Failure>;

/// Prints the failure on stderr and picks the exit status.
pub(crate) fn finish(outcome: Outcome) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!("credgrid: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Violation(first)) => {
            eprintln!("credgrid: {first}");
            ExitCode::from(3)
        }
        Err(Failure::Internal(error)) => {
            eprintln!("credgrid: {error:#}");
            ExitCode::from(1)
        }
    }
}

/// Turns a use-case error into a CLI failure: the caller's errors are usage
/// errors (exit 2), the rest internal (exit 1).
pub(crate) fn app_failure(error: credgrid_app::AppError, locale: Locale) -> Failure {
    use credgrid_app::AppError;
    match error {
        AppError::Internal(detail) => Failure::Internal(anyhow::anyhow!(detail)),
        unavailable @ AppError::Unavailable { .. } => {
            Failure::Internal(anyhow::anyhow!(unavailable.to_string()))
        }
        other => Failure::Usage(t(locale, "error.refused", &[("detail", &other.to_string())])),
    }
}

/// Opens an existing institution; a missing file is the user's error, so a
/// mistyped `--db` never creates an empty database.
pub(crate) fn open_institution(db: &Path) -> Result<credgrid_app::Institution, Failure> {
    if !db.exists() {
        return Err(Failure::Usage(t(
            Locale::En,
            "error.db_missing",
            &[("path", &db.display().to_string())],
        )));
    }
    let today = chrono::Local::now().date_naive();
    credgrid_app::Institution::open(db, today).map_err(|e| app_failure(e, Locale::En))
}

/// Parses a `YYYY-MM-DD` date given for `field`.
pub(crate) fn parse_date(field: &str, text: &str, locale: Locale) -> Result<chrono::NaiveDate, Failure> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        Failure::Usage(t(
            locale,
            "error.field_invalid",
            &[("field", field), ("reason", &t(locale, "error.not_a_date", &[]))],
        ))
    })
}

/// A progress bar on a terminal; hidden when stderr is not one (CI, pipes).
pub(crate) fn progress_bar(message: &str) -> indicatif::ProgressBar {
    let bar = if std::io::IsTerminal::is_terminal(&std::io::stderr()) && std::env::var_os("CI").is_none() {
        indicatif::ProgressBar::new(0)
    } else {
        indicatif::ProgressBar::hidden()
    };
    if let Ok(style) = indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({eta})") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(message.to_string());
    bar
}

/// Writes `text` and a newline to standard output. A reader that went away
/// (`credgrid … | head`) ends the command quietly instead of a panic.
pub(crate) fn emit(text: &str) -> Outcome {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out
        .write_all(text.as_bytes())
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush())
    {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::Internal(e.into())),
    }
}
