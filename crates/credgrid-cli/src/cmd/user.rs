//! `credgrid user`: staff users — add one, list them, set a password.
//!
//! The password is read from the environment variable
//! `CREDGRID_NEW_PASSWORD` or, if it is unset, from the first line of
//! standard input, so it never appears in the shell history or `ps`.

use super::{Failure, Outcome, app_failure, emit, open_institution};
use credgrid_app::{Actor, NewUser};
use credgrid_core::i18n::{Locale, t};
use std::io::BufRead;

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

/// Until the command line signs in (issue 4), it acts as the administrator.
const CLI_ACTOR: Actor = Actor {
    user_id: credgrid_app::ADMIN_USER_ID,
};

fn read_password(locale: Locale) -> Result<String, Failure> {
    if let Ok(password) = std::env::var("CREDGRID_NEW_PASSWORD") {
        return Ok(password);
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::Internal(e.into()))?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
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
                .create_user(CLI_ACTOR, user)
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
            let users = institution.users().map_err(|e| app_failure(e, locale))?;
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
            let password = read_password(locale)?;
            let user = institution
                .users()
                .map_err(|e| app_failure(e, locale))?
                .into_iter()
                .find(|u| u.username == username)
                .ok_or_else(|| Failure::Usage(t(locale, "user.unknown", &[("username", &username)])))?;
            institution
                .set_password(CLI_ACTOR, user.user_id, password)
                .map_err(|e| app_failure(e, locale))?;
            emit(&t(locale, "user.password_set", &[("username", &username)]))
        }
    }
}
