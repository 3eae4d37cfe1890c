//! The `credgrid` command line: one binary for every job.
//!
//! Each subcommand lives in its own module under `cmd/`. Errors a user can
//! cause print a translated message on stderr and exit with status 2;
//! unexpected failures exit with status 1.

mod cmd;

use clap::{Parser, Subcommand};
use credgrid_core::i18n::Locale;
use std::process::ExitCode;

/// credgrid — core lending for rural credit cooperatives.
#[derive(Parser)]
#[command(name = "credgrid", version, about)]
struct Cli {
    /// Language of messages: en, es or zh.
    #[arg(long, global = true, env = "CREDGRID_LANG", default_value = "en")]
    lang: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print a repayment schedule for a loan described as JSON (stdin or --file).
    Schedule(cmd::schedule::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let locale = Locale::parse(&cli.lang).unwrap_or(Locale::En);
    let outcome = match cli.command {
        Command::Schedule(args) => cmd::schedule::run(args, locale),
    };
    cmd::finish(outcome)
}
