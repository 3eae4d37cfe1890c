//! Signing in from the command line: every command that changes data or
//! takes data out of the system acts as an authenticated staff user.
//!
//! The username comes from `--user` (or `CREDGRID_USER`); the password from
//! `CREDGRID_PASSWORD` or, if unset, the first line of standard input — never
//! from the command line, so it stays out of the shell history and `ps`.
//! The session opened for the command is ended when the command ends.

use super::{Failure, app_failure};
use credgrid_app::{Actor, Institution, Principal};
use credgrid_core::i18n::{Locale, t};
use std::io::BufRead;
use std::sync::OnceLock;

/// The username given with the global `--user` flag (or `CREDGRID_USER`).
static USERNAME: OnceLock<Option<String>> = OnceLock::new();

/// Remembers the global `--user` flag (called once by `main`).
pub(crate) fn set_username(username: Option<String>) {
    let _ = USERNAME.set(username.filter(|u| !u.trim().is_empty()));
}

/// Reads one line of standard input (a password), without its line end.
pub(crate) fn stdin_line() -> Result<String, Failure> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::Internal(e.into()))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// A signed-in command: its actor, and the session ended on drop.
pub(crate) struct SignedIn {
    institution: Institution,
    token: String,
    pub(crate) principal: Principal,
}

impl SignedIn {
    pub(crate) fn actor(&self) -> Actor {
        self.principal.actor()
    }
}

impl Drop for SignedIn {
    fn drop(&mut self) {
        // The session expires by itself anyway; a failure here loses nothing.
        let _ = self.institution.logout(&self.token);
    }
}

/// Signs the command in, or explains how to (exit 2).
pub(crate) fn sign_in(institution: &Institution, locale: Locale) -> Result<SignedIn, Failure> {
    let Some(username) = USERNAME.get().cloned().flatten() else {
        return Err(Failure::Usage(t(locale, "signin.needed", &[])));
    };
    let password = match std::env::var("CREDGRID_PASSWORD") {
        Ok(password) => password,
        Err(_) => stdin_line()?,
    };
    if password.is_empty() {
        return Err(Failure::Usage(t(locale, "signin.needed", &[])));
    }
    let grant = institution
        .login(&username, &password)
        .map_err(|e| app_failure(e, locale))?;
    Ok(SignedIn {
        institution: institution.clone(),
        token: grant.token,
        principal: grant.principal,
    })
}
