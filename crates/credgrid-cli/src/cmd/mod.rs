//! The subcommands, one module each, and the shared way they end.

use std::process::ExitCode;

pub(crate) mod schedule;

/// How a command failed: the user's fault (exit 2) or not (exit 1).
#[derive(Debug)]
pub(crate) enum Failure {
    /// Bad input: the message names the field and the reason.
    Usage(String),
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
        Err(Failure::Internal(error)) => {
            eprintln!("credgrid: {error:#}");
            ExitCode::from(1)
        }
    }
}
