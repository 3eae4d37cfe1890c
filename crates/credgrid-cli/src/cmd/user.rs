//! `credgrid user`: staff users — add one, list them, set a password.
//!
//! The password is read from the environment variable
//! `CREDGRID_NEW_PASSWORD` or, if it is unset, from the first line of
//! standard input, so it never appears in the shell history or `ps`.

use super::{Failure, Outcome, app_failure, emit, open_institution};
use credgrid_app::{Institution, NewUser};
use credgrid_core::i18n::{Locale, t};

#[derive(clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(clap::Subcommand)]
enum What {
    /// Add a staff user (password from CREDGRID_NEW_PASSWORD or standard input).
    Add {
        #[arg(long)]
        username: String,
        /// The name shown to colleagues.
        #[arg(long)]
        name: String,
        /// Comma-separated roles: account_manager, risk_officer, approver, teller, …
        #[arg(long)]
        roles: String,
        /// The organisation node the user works at (default: the institution).
        #[arg(long, default_value_t = 1)]
        node: i64,
    },
    /// List the staff users and their roles.
    List,
    /// Set a user's password (from CREDGRID_NEW_PASSWORD or standard input).
    Password {
        #[arg(long)]
        username: String,
    },
}

/// The new password: `CREDGRID_NEW_PASSWORD`, else the next line of
/// standard input (after the signing-in password, when that comes from there too).
fn read_password(locale: Locale) -> Result<String, Failure> {
    if let Ok(password) = std::env::var("CREDGRID_NEW_PASSWORD") {
        return Ok(password);
    }
    let password = super::signin::stdin_line()?;
    if password.is_empty() {
        return Err(Failure::Usage(t(locale, "user.password_missing", &[])));
    }
    Ok(password)
}

pub(crate) fn run(args: Args, db: &std::path::Path, locale: Locale) -> Outcome {
    let institution = open_institution(db)?;
    match args.what {
        What::Add {
            username,
            name,
            roles,
            node,
        } => {
            let signed = super::signin::sign_in(&institution, locale)?;
            let password = read_password(locale)?;
            let roles = roles
                .split(',')
                .map(|r| r.trim().to_string())
                .filter(|r| !r.is_empty())
                .collect();
            let user = NewUser {
                node_id: node,
                username,
                display_name: name,
                roles,
                password,
            };
            let created = institution
                .create_user(signed.actor(), user)
                .map_err(|e| app_failure(e, locale))?;
            emit(&t(
                locale,
                "user.added",
                &[
                    ("username", &created.username),
                    ("id", &created.user_id.to_string()),
                ],
            ))
        }
        What::List => {
            let signed = super::signin::sign_in(&institution, locale)?;
            let users = institution
                .users(signed.actor())
                .map_err(|e| app_failure(e, locale))?;
            let mut text = String::new();
            for u in users {
                let roles: Vec<&str> = u.roles.iter().map(|r| r.name()).collect();
                text.push_str(&format!(
                    "{:>5}  {:<28} {:<28} node {:<5} {}\n",
                    u.user_id,
                    u.username,
                    u.display_name,
                    u.node_id,
                    roles.join(",")
                ));
            }
            emit(text.trim_end())
        }
        What::Password { username } => {
            let Some(user) = institution
                .user_named(&username)
                .map_err(|e| app_failure(e, locale))?
            else {
                return Err(Failure::Usage(t(
                    locale,
                    "user.unknown",
                    &[("username", &username)],
                )));
            };
            // The first password of a user who has none (the administrator
            // of a new database) needs no sign-in: whoever holds the file
            // may set it once. Any later change is signed in.
            if !has_password(&institution, user.user_id, locale)? {
                let password = read_password(locale)?;
                institution
                    .set_first_password(user.user_id, password)
                    .map_err(|e| app_failure(e, locale))?;
            } else {
                let signed = super::signin::sign_in(&institution, locale)?;
                let password = read_password(locale)?;
                institution
                    .set_password(signed.actor(), user.user_id, password)
                    .map_err(|e| app_failure(e, locale))?;
            }
            emit(&t(locale, "user.password_set", &[("username", &username)]))
        }
    }
}

fn has_password(institution: &Institution, user_id: i64, locale: Locale) -> Result<bool, Failure> {
    institution
        .has_password(user_id)
        .map_err(|e| app_failure(e, locale))
}
