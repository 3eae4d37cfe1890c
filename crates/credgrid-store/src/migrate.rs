//! Numbered, embedded schema migrations, recorded with a checksum so an
//! applied migration that was edited afterwards is detected, not re-run.

use crate::error::{Refine, StoreError};
use chrono::Utc;
use credgrid_core::ledger::default_chart;
use rusqlite::{Connection, OptionalExtension, params};

/// Every migration, in order. Append only; never edit an applied one.
pub(crate) const MIGRATIONS: &[(u32, &str, &str)] = &[
    (1, "initial", include_str!("../migrations/001_initial.sql")),
    (2, "gl_daily", include_str!("../migrations/002_gl_daily.sql")),
    (3, "audit", include_str!("../migrations/003_audit.sql")),
    (4, "security", include_str!("../migrations/004_security.sql")),
    (
        5,
        "loan_position",
        include_str!("../migrations/005_loan_position.sql"),
    ),
    (7, "workflow", include_str!("../migrations/007_workflow.sql")),
    (9, "rating", include_str!("../migrations/009_rating.sql")),
    (8, "grid", include_str!("../migrations/008_grid.sql")),
    (10, "collection", include_str!("../migrations/010_collection.sql")),
    (
        11,
        "portfolio_history",
        include_str!("../migrations/011_portfolio_history.sql"),
    ),
    (12, "config", include_str!("../migrations/012_config.sql")),
    (13, "eod_total", include_str!("../migrations/013_eod_total.sql")),
    (
        14,
        "deposit_balance",
        include_str!("../migrations/014_deposit_balance.sql"),
    ),
    (
        15,
        "eod_portfolio",
        include_str!("../migrations/015_eod_portfolio.sql"),
    ),
    (
        16,
        "rollup_in_store",
        include_str!("../migrations/016_rollup_in_store.sql"),
    ),
    (
        17,
        "transaction_kind_check",
        include_str!("../migrations/017_transaction_kind_check.sql"),
    ),
    (
        18,
        "repayment_index_pages",
        include_str!("../migrations/018_repayment_index_pages.sql"),
    ),
];

/// FNV-1a 64 of the migration text: stable across builds and platforms.
fn checksum(sql: &str) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in sql.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    i64::from_ne_bytes(hash.to_ne_bytes())
}

/// Applies the missing migrations, each in its own transaction, then seeds
/// the default chart of accounts if the chart is empty. Returns the number
/// of migrations applied now.
pub(crate) fn migrate(conn: &mut Connection) -> Result<usize, StoreError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version INTEGER PRIMARY KEY, name TEXT NOT NULL,
             checksum INTEGER NOT NULL, applied_at TEXT NOT NULL)",
    )
    .refine()?;
    let known = MIGRATIONS.iter().map(|m| m.0).max().unwrap_or(0);
    let found: u32 = conn
        .query_row(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            [],
            |r| r.get(0),
        )
        .refine()?;
    if found > known {
        return Err(StoreError::SchemaTooNew { found, known });
    }
    // Foreign keys are off while migrations run, as SQLite's procedure for
    // rebuilding a table asks (a DROP TABLE would otherwise delete the rows
    // the new table's references point at); each migration checks them
    // before it commits instead.
    conn.pragma_update(None, "foreign_keys", "OFF").refine()?;
    let applied = apply_missing(conn);
    conn.pragma_update(None, "foreign_keys", "ON").refine()?;
    let applied = applied?;
    seed_chart(conn)?;
    Ok(applied)
}

/// The migrations not yet recorded, each in its own transaction, which
/// commits only if no foreign key is left dangling.
fn apply_missing(conn: &mut Connection) -> Result<usize, StoreError> {
    let mut applied = 0;
    for &(version, name, sql) in MIGRATIONS {
        let recorded: Option<i64> = conn
            .query_row(
                "SELECT checksum FROM schema_migrations WHERE version = ?1",
                [version],
                |r| r.get(0),
            )
            .optional()
            .refine()?;
        match recorded {
            Some(sum) if sum == checksum(sql) => continue,
            Some(_) => return Err(StoreError::MigrationEdited { version }),
            None => {}
        }
        let tx = conn.transaction().refine()?;
        tx.execute_batch(sql).refine()?;
        let dangling: Option<(String, i64, String)> = tx
            .query_row("PRAGMA foreign_key_check", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()
            .refine()?;
        if let Some((table, rowid, parent)) = dangling {
            return Err(StoreError::Constraint(format!(
                "migration {version} ({name}) leaves {table} row {rowid} referring to a missing {parent}"
            )));
        }
        tx.execute(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?1, ?2, ?3, ?4)",
            params![version, name, checksum(sql), Utc::now().to_rfc3339()],
        )
        .refine()?;
        tx.commit().refine()?;
        applied += 1;
    }
    Ok(applied)
}

fn seed_chart(conn: &mut Connection) -> Result<(), StoreError> {
    let count: i64 = conn
        .query_row("SELECT COUNT(*) FROM account", [], |r| r.get(0))
        .refine()?;
    if count > 0 {
        return Ok(());
    }
    let tx = conn.transaction().refine()?;
    for account in default_chart().accounts() {
        tx.execute(
            "INSERT INTO account (code, kind, name_key, parent_code) VALUES (?1, ?2, ?3, ?4)",
            params![
                account.code.as_str(),
                account.kind.code(),
                account.name_key(),
                account.parent.map(|p| p.as_str().to_string())
            ],
        )
        .refine()?;
    }
    tx.commit().refine()
}
