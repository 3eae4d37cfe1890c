//! `credgrid serve`: the HTTP API on `--addr` (default 127.0.0.1:8080) over `--db`.
//!
//! A missing database is created (and migrated) with today's date as the
//! business date. Prints the URL it listens on; logs one line per request on
//! stderr unless `--quiet`; stops gracefully on SIGTERM or Ctrl-C.

use super::{Failure, Outcome, app_failure};
use credgrid_api::http::{ServeOptions, serve_blocking};
use credgrid_core::i18n::{Locale, t};
use std::path::Path;

#[derive(clap::Args)]
pub(crate) struct Args {
    /// The address to listen on, HOST:PORT.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: String,
    /// Do not log one line per request on stderr.
    #[arg(long)]
    quiet: bool,
}

pub(crate) fn run(args: Args, db: &Path, locale: Locale) -> Outcome {
    if !db.exists() {
        eprintln!(
            "{}",
            t(
                locale,
                "serve.creating_db",
                &[("path", &db.display().to_string())]
            )
        );
    }
    let today = chrono::Local::now().date_naive();
    let institution = credgrid_app::Institution::open(db, today).map_err(|e| app_failure(e, locale))?;
    let options = ServeOptions {
        log_requests: !args.quiet,
    };
    // Whoever started the server may stop reading its output (a test reads
    // the first line only): a closed pipe must not bring the server down.
    let announce = |addr: std::net::SocketAddr| {
        use std::io::Write;
        let api = t(
            locale,
            "serve.listening",
            &[("url", &format!("http://{addr}/api/v1"))],
        );
        let web = t(locale, "serve.web", &[("url", &format!("http://{addr}/"))]);
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{api}")
            .and_then(|()| writeln!(out, "{web}"))
            .and_then(|()| out.flush());
    };
    let store = institution.clone();
    let served = serve_blocking(institution, &args.addr, options, announce);
    if served.is_ok() {
        // What the group commit did, for whoever runs the server.
        let a = store.store_activity();
        eprintln!(
            "{}",
            t(
                locale,
                "serve.stopped",
                &[
                    ("jobs", &a.jobs_committed.to_string()),
                    ("batches", &a.batches_committed.to_string()),
                    ("syncs", &a.syncs.to_string()),
                    ("refused", &a.jobs_refused.to_string()),
                    ("failed", &a.batches_failed.to_string()),
                ]
            )
        );
        eprintln!(
            "{}",
            t(
                locale,
                "serve.wal",
                &[
                    ("slowest_ms", &millis_text(a.sync_slowest_micros)),
                    ("slow", &a.syncs_slow.to_string()),
                    ("checkpoints", &a.writer_checkpoints.to_string()),
                    ("checkpoint_ms", &millis_text(a.writer_checkpoint_micros)),
                    ("frames", &a.wal_frames_longest.to_string()),
                ]
            )
        );
    }
    served.map_err(|e| {
        Failure::Usage(t(
            locale,
            "error.field_invalid",
            &[
                ("field", "--addr"),
                (
                    "reason",
                    &t(locale, "serve.cannot_listen", &[("error", &e.to_string())]),
                ),
            ],
        ))
    })
}

/// Microseconds as milliseconds with one decimal, truncated ("12.3").
fn millis_text(micros: u64) -> String {
    format!("{}.{}", micros / 1000, micros % 1000 / 100)
}
