//! Exports are logged (R-SEC-4, issue 4 §2): every file of institution data
//! that leaves the system (CSV and XLSX downloads in the web application and
//! the API, `credgrid export`, `credgrid report --output`) is recorded in the
//! audit trail — who, what, in which format, how many rows, for which node —
//! before the file is handed over; without the record there is no file.
//!
//! A bulk export (reports, the journal, the portfolio, the trial balance)
//! needs the `export` permission; a single document the user may already
//! read on screen (one loan's schedule) needs only that read permission,
//! which its caller checked, and is logged all the same.

use crate::access::{authorize, staff};
use crate::error::AppError;
use crate::institution::Institution;
use crate::model::Actor;
use credgrid_core::authz::Permission;

/// The longest name of an exported thing.
const WHAT_LEN_MAX: usize = 120;

/// What is exported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportRecord {
    /// What the file holds (`portfolio`, `trial_balance`, `journal`, `loan_schedule`).
    pub what: String,
    /// `csv`, `xlsx` or `json`.
    pub format: String,
    /// Data rows in the file.
    pub rows: u64,
    /// The node the export covers (`None`: the whole institution or one loan).
    pub node_id: Option<i64>,
    /// The loan, for a single document.
    pub loan_id: Option<i64>,
    /// Whether the export is bulk data (needs the `export` permission).
    pub bulk: bool,
}

impl ExportRecord {
    /// A bulk export of `what` (needs `export`).
    pub fn bulk(what: &str, format: &str, rows: u64, node_id: Option<i64>) -> ExportRecord {
        ExportRecord {
            what: what.to_string(),
            format: format.to_string(),
            rows,
            node_id,
            loan_id: None,
            bulk: true,
        }
    }

    /// One loan's document (its schedule), already readable by the user.
    pub fn loan_document(what: &str, format: &str, rows: u64, loan_id: i64) -> ExportRecord {
        ExportRecord {
            what: what.to_string(),
            format: format.to_string(),
            rows,
            node_id: None,
            loan_id: Some(loan_id),
            bulk: false,
        }
    }
}

impl Institution {
    /// Authorises an export and records it in the audit trail (one write
    /// job); call it before handing the file over. Refused (403) without
    /// `export` for a bulk export, or for a node outside the user's.
    pub fn record_export(&self, actor: Actor, export: ExportRecord) -> Result<(), AppError> {
        let what = export.what.trim().to_string();
        let name_ok = !what.is_empty()
            && what.len() <= WHAT_LEN_MAX
            && what
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !name_ok {
            return Err(AppError::Internal(format!("export name {what:?}")));
        }
        self.write(move |tx, _| {
            let user = if export.bulk {
                authorize(tx, actor, Permission::Export)?
            } else {
                staff(tx, actor)?
            };
            if let Some(node) = export.node_id {
                user.require_node(tx, node)?;
            }
            let mut after = format!("format={} rows={}", export.format, export.rows);
            if let Some(node) = export.node_id {
                after.push_str(&format!(" node={node}"));
            }
            if let Some(loan) = export.loan_id {
                after.push_str(&format!(" loan={loan}"));
            }
            crate::audit::record(tx, actor, "export", "export", &what, Some(after), None)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    /// A scratch directory removed with its contents on drop.
    struct ScratchDir(std::path::PathBuf);

    impl Drop for ScratchDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// An institution on a database in a scratch directory. The directory
    /// comes first, so bound as `let (_dir, inst, path)` it is dropped last,
    /// after the institution has closed.
    fn institution(name: &str) -> (ScratchDir, Institution, std::path::PathBuf) {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!("credgrid-export-{name}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("export.db");
        let date = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        (ScratchDir(dir), Institution::open(&path, date).unwrap(), path)
    }

    fn user(inst: &Institution, username: &str, role: &str) -> Actor {
        let new = crate::auth::NewUser {
            node_id: 1,
            username: username.into(),
            display_name: username.into(),
            roles: vec![role.into()],
            password: "correct horse battery".into(),
        };
        inst.create_user(Actor { user_id: 1 }, new).unwrap().actor()
    }

    #[test]
    fn a_bulk_export_needs_the_permission_and_every_export_is_audited() {
        let (_dir, inst, path) = institution("bulk");
        let auditor = user(&inst, "an.auditor", "auditor");
        let teller = user(&inst, "a.teller", "teller");
        let refused = inst.record_export(teller, ExportRecord::bulk("portfolio", "csv", 12, Some(1)));
        assert!(matches!(refused, Err(AppError::Forbidden { permission }) if permission == "export"));
        inst.record_export(auditor, ExportRecord::bulk("portfolio", "csv", 12, Some(1)))
            .unwrap();
        inst.record_export(
            teller,
            ExportRecord::loan_document("loan_schedule", "xlsx", 12, 7),
        )
        .unwrap();
        let store = credgrid_store::Store::open(&path).unwrap();
        let records = store.read(|r| r.audit_records(0, 1000)).unwrap();
        let exports: Vec<(String, String, Option<String>)> = records
            .into_iter()
            .filter(|(_, r)| r.action == "export")
            .map(|(_, r)| (r.actor, r.entity_id, r.after))
            .collect();
        assert_eq!(
            exports,
            [
                (
                    format!("user:{}", auditor.user_id),
                    "portfolio".to_string(),
                    Some("format=csv rows=12 node=1".to_string())
                ),
                (
                    format!("user:{}", teller.user_id),
                    "loan_schedule".to_string(),
                    Some("format=xlsx rows=12 loan=7".to_string())
                ),
            ],
            "the refused export left no record"
        );
    }
}
