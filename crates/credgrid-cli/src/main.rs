//! The `credgrid` command line: one binary for every job.
//!
//! Each subcommand lives in its own module under `cmd/`. Errors a user can
//! cause print a translated message on stderr and exit with status 2;
//! unexpected failures exit with status 1.

/// Like `println!`, but a standard output nobody reads any more
/// (`credgrid … | head`, a parent that stopped reading) is ignored instead
/// of a panic.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

mod cmd;
mod demo;

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
    /// The database file (default `credgrid.db`; `credgrid-demo.db` for `demo`).
    #[arg(long, global = true, env = "CREDGRID_DB")]
    db: Option<std::path::PathBuf>,
    /// The staff user a command acts as (password: CREDGRID_PASSWORD or the first line of stdin).
    #[arg(long, global = true, env = "CREDGRID_USER")]
    user: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API (default 127.0.0.1:8080; --addr HOST:PORT).
    Serve(cmd::serve::Args),
    /// Build credgrid-demo.db: a rural cooperative with a year of business; then serve it.
    Demo(cmd::demo::Args),
    /// Generate a synthetic portfolio of N disbursed loans into --db (for benchmarks).
    Generate(cmd::generate::Args),
    /// Print a repayment schedule for a loan described as JSON (stdin or --file).
    Schedule(cmd::schedule::Args),
    /// Close the business date: accrual, days past due, classification, provisions.
    Eod(cmd::eod::Args),
    /// Verify the books: balanced entries, a zero trial balance, loans agreeing with the GL.
    Check(cmd::check::Args),
    /// Reports: trial balance, balance sheet, income statement, portfolio (table, JSON, CSV, XLSX).
    Report(cmd::report::Args),
    /// Export the journal for hledger/ledger, beancount or a spreadsheet.
    Export(cmd::export::Args),
    /// The tamper-evident audit trail: `credgrid audit verify`.
    Audit(cmd::audit::Args),
    /// Staff users: add, list, set a password.
    User(cmd::user::Args),
    /// Import grid households or cells from a CSV or XLSX sheet (validation report, rejects file).
    Import(cmd::import::Args),
    /// A village notice of ratings and credit lines as printable HTML or PDF (--out F.pdf).
    Notice(cmd::notice::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let locale = Locale::parse(&cli.lang).unwrap_or(Locale::En);
    cmd::signin::set_username(cli.user.clone());
    let db = cli
        .db
        .clone()
        .unwrap_or_else(|| std::path::PathBuf::from(cmd::DB_DEFAULT));
    let outcome = match cli.command {
        Command::Serve(args) => cmd::serve::run(args, &db, locale),
        Command::Demo(args) => cmd::demo::run(args, cli.db.as_deref(), locale),
        Command::Generate(args) => cmd::generate::run(args, &db, locale),
        Command::Schedule(args) => cmd::schedule::run(args, locale),
        Command::Eod(args) => cmd::eod::run(args, &db, locale),
        Command::Check(args) => cmd::check::run(args, &db, locale),
        Command::Report(args) => cmd::report::run(args, &db, locale),
        Command::Export(args) => cmd::export::run(args, &db, locale),
        Command::Audit(args) => cmd::audit::run(args, &db, locale),
        Command::User(args) => cmd::user::run(args, &db, locale),
        Command::Import(args) => cmd::import::run(args, &db, locale),
        Command::Notice(args) => cmd::notice::run(args, &db, locale),
    };
    cmd::finish(outcome)
}
