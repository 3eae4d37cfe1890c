//! Test staff: the demonstration users of a new institution, one per role,
//! as constants (their ids follow from `create_demo_staff`'s order, checked
//! by `hire`); and scratch directories for the tests' databases, removed
//! when the test is done.
#![allow(dead_code)]

use credgrid_app::{Actor, Institution};
use std::path::{Path, PathBuf};

pub(crate) const ADMIN: Actor = Actor { user_id: 1 };
pub(crate) const ACCOUNT_MANAGER: Actor = Actor { user_id: 2 };
pub(crate) const APPROVER: Actor = Actor { user_id: 10 };
pub(crate) const TELLER: Actor = Actor { user_id: 17 };
pub(crate) const BRANCH_MANAGER: Actor = Actor { user_id: 23 };
pub(crate) const AUDITOR: Actor = Actor { user_id: 25 };

/// Creates the demonstration staff at the head office and checks the ids above.
pub(crate) fn hire(inst: &Institution) {
    inst.create_demo_staff(ADMIN, 1, |role| format!("Test {role}"))
        .unwrap();
    for (username, actor) in [
        ("demo.account_manager", ACCOUNT_MANAGER),
        ("demo.approver", APPROVER),
        ("demo.teller", TELLER),
        ("demo.branch_manager", BRANCH_MANAGER),
        ("demo.auditor", AUDITOR),
    ] {
        let found = inst.user_named(username).unwrap().expect(username);
        assert_eq!(found.user_id, actor.user_id, "{username}");
    }
}

/// Takes application `loan_id` through every step of its origination
/// workflow up to (not including) disbursement, each step approved by the
/// first demonstration user the rules accept (`hire` first). A pure-credit
/// application without a published line first gets a deposit pledge of its
/// principal, so the exposure and coverage check passes (R-ORIG-5). The
/// caller then disburses (as `TELLER`).
pub(crate) fn walk_workflow(inst: &Institution, loan_id: i64) {
    use credgrid_app::NewCollateral;
    let view = inst.workflow(ADMIN, loan_id).unwrap();
    if view.collateral.is_empty() && view.exposure.breach.is_some() {
        let pledge = NewCollateral {
            kind: "deposit_pledge".into(),
            value: view.amount,
            haircut: None,
            guarantor_client_id: None,
            description: "deposit certificate".into(),
        };
        inst.record_collateral(ACCOUNT_MANAGER, loan_id, pledge).unwrap();
    }
    let mut staff: Vec<Actor> = Vec::new();
    for role in credgrid_core::authz::Role::ALL.iter().map(|r| r.name()) {
        let copies = if ["account_manager", "risk_officer", "committee_member"].contains(&role) {
            3
        } else {
            2
        };
        for n in 1..=copies {
            let name = if n == 1 {
                format!("demo.{role}")
            } else {
                format!("demo.{role}.{n}")
            };
            let found = inst.user_named(&name).unwrap().or_else(|| {
                // A third account manager or risk officer for the high tier's two-signature steps.
                let user = credgrid_app::NewUser {
                    node_id: 1,
                    username: name.clone(),
                    display_name: name.clone(),
                    roles: vec![role.to_string()],
                    password: format!("demo-{}-{n}-2026", role.replace('_', "-")),
                };
                inst.create_user(ADMIN, user).ok()
            });
            staff.extend(found.map(|p| Actor { user_id: p.user_id }));
        }
    }
    for _ in 0..40 {
        let view = inst.workflow(ADMIN, loan_id).unwrap();
        let Some(step) = view.current_step else { return };
        if step == credgrid_core::origination::Step::Disbursement {
            return;
        }
        let refusals: Vec<String> = staff
            .iter()
            .map_while(|a| {
                inst.approve_current_step(*a, loan_id, Some("checked".into()))
                    .err()
            })
            .map(|e| e.to_string())
            .collect();
        assert!(
            refusals.len() < staff.len(),
            "nobody may approve step {step} of loan {loan_id}: {refusals:?}"
        );
    }
    panic!("loan {loan_id}: the workflow did not reach disbursement");
}

/// A scratch directory `credgrid-{label}-{pid}-{nanos}-{n}` under the temp dir,
/// removed with everything in it on drop. Keep it alive as long as the
/// institution using it is open: as the last field of the test's world (Rust
/// drops fields in declaration order), or as a local declared before the
/// institution, so the institution and its threads close first.
pub(crate) struct ScratchDir(PathBuf);

impl ScratchDir {
    pub(crate) fn new(label: &str) -> ScratchDir {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let n = N.fetch_add(1, Ordering::Relaxed);
        let name = format!("credgrid-{label}-{}-{nanos}-{n}", std::process::id());
        let dir = std::env::temp_dir().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        ScratchDir(dir)
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl std::ops::Deref for ScratchDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for ScratchDir {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

/// A database `file` in its own [`ScratchDir`]: derefs to the file's path,
/// and removes the directory on drop (same lifetime rule).
pub(crate) struct ScratchDb {
    path: PathBuf,
    _dir: ScratchDir,
}

impl ScratchDb {
    pub(crate) fn new(label: &str, file: &str) -> ScratchDb {
        let dir = ScratchDir::new(label);
        ScratchDb {
            path: dir.join(file),
            _dir: dir,
        }
    }
}

impl std::ops::Deref for ScratchDb {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.path
    }
}

impl AsRef<Path> for ScratchDb {
    fn as_ref(&self) -> &Path {
        &self.path
    }
}

/// An institution open on a [`ScratchDb`]; derefs to the institution, which
/// closes before the directory is removed.
pub(crate) struct ScratchInstitution {
    inst: Institution,
    _db: ScratchDb,
}

impl ScratchInstitution {
    pub(crate) fn open(label: &str, file: &str, today: chrono::NaiveDate) -> ScratchInstitution {
        let db = ScratchDb::new(label, file);
        ScratchInstitution {
            inst: Institution::open(&db, today).unwrap(),
            _db: db,
        }
    }
}

impl std::ops::Deref for ScratchInstitution {
    type Target = Institution;
    fn deref(&self) -> &Institution {
        &self.inst
    }
}
