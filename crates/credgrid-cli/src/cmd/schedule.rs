//! `credgrid schedule`: the loan calculator (JSON in, schedule out).

use super::Outcome;
use credgrid_core::i18n::Locale;

#[derive(clap::Args)]
pub(crate) struct Args {
    /// Read the loan from this file instead of standard input.
    #[arg(long)]
    file: Option<std::path::PathBuf>,
    /// Output format: json or table.
    #[arg(long, default_value = "json")]
    format: String,
}

pub(crate) fn run(_args: Args, _locale: Locale) -> Outcome {
    Err(super::Failure::Internal(anyhow::anyhow!(
        "schedule: not built yet"
    )))
}
