//! Black-box tests of the HTTP API against a real institution in a temporary database.
//!
//! One test binary (modules below) so the crate links once.

mod bad_input;
mod collection;
mod config;
mod exports;
mod grid;
mod helpers;
mod idempotency;
mod routes;
mod sessions;
mod tour;
mod workflow;
mod xlsx_read;
