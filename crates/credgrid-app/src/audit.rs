//! The audit trail of every state-changing action, and its verification.
//!
//! Each use case appends one record in the same write job as its change, so
//! a change and its record commit (or vanish) together; the single writer
//! thread makes the chain's order the commit order.

use crate::error::AppError;
use crate::institution::Institution;
use crate::model::{Actor, AuditVerification};
use credgrid_core::audit::{AuditEntry, AuditRecord, verify_from};
use credgrid_store::WriteTx;
use std::fmt::Display;

/// Records read per query while verifying.
const VERIFY_CHUNK_RECORDS: u32 = 10_000;

/// Appends the record of an action to the chain.
pub(crate) fn record(
    tx: &mut WriteTx<'_>,
    actor: Actor,
    action: &str,
    entity: &str,
    entity_id: impl Display,
    after: Option<String>,
    reason: Option<&str>,
) -> Result<(), AppError> {
    let head = tx.audit_head()?;
    let entry = AuditEntry {
        at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        actor: format!("user:{}", actor.user_id),
        action: action.to_string(),
        entity: entity.to_string(),
        entity_id: entity_id.to_string(),
        before: None,
        after,
        reason: reason.map(str::to_string),
    };
    tx.append_audit(&AuditRecord::next(&head, entry))?;
    Ok(())
}

impl Institution {
    /// Walks the whole audit trail in storage order and names the first
    /// record that was edited, deleted or inserted out of order.
    pub fn verify_audit(&self) -> Result<AuditVerification, AppError> {
        self.read(|r| {
            let mut head = credgrid_core::audit::Anchor::genesis();
            let mut after = 0;
            let mut records = 0;
            loop {
                let chunk = r.audit_records(after, VERIFY_CHUNK_RECORDS)?;
                let Some((last, _)) = chunk.last() else { break };
                after = *last;
                let plain: Vec<AuditRecord> = chunk.into_iter().map(|(_, rec)| rec).collect();
                match verify_from(&head, &plain) {
                    Ok(next) => head = next,
                    Err(broken) => {
                        return Ok(AuditVerification {
                            records: records + plain.iter().take_while(|x| x.seq < broken.seq).count() as u64,
                            head_seq: head.seq,
                            head_hash: head.hash,
                            first_break: Some(broken.to_string()),
                            break_seq: Some(broken.seq),
                            break_code: Some(broken.code()),
                        });
                    }
                }
                records += plain.len() as u64;
            }
            Ok(AuditVerification {
                records,
                head_seq: head.seq,
                head_hash: head.hash,
                first_break: None,
                break_seq: None,
                break_code: None,
            })
        })
    }
}
