//! The tamper-evident audit trail (R-SEC-1, issue 4 §8): every
//! state-changing action becomes an [`AuditRecord`] whose hash covers the
//! previous record's hash, so editing, deleting, reordering or inserting a
//! row breaks the chain at a row [`verify`] names.
//!
//! `hash = hex(sha256(canonical(prev_hash, seq, at, actor, action, entity,
//! entity_id, before, after, reason)))`. The canonical encoding starts with
//! the tag `credgrid-audit-v1`, then each field as a presence byte (0 absent,
//! 1 present), its length as a big-endian u64 and its UTF-8 bytes (seq as
//! its decimal text). Length prefixes make the encoding injective: no two
//! different records encode alike, whatever characters the texts contain.
//!
//! What a chain alone cannot show: a wholesale rewrite of the tail with
//! recomputed hashes, or the removal of the last rows. Against those, keep
//! the head ([`Anchor`]) somewhere else (a printed end-of-day report, a
//! second database) and check with [`verify_against_head`].

use sha2::{Digest, Sha256};

/// The `prev_hash` of the first record.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";
const ENCODING_TAG: &[u8] = b"credgrid-audit-v1";

/// What is recorded about one action (the caller supplies the time).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    /// RFC 3339 UTC text, as the caller's clock gave it.
    pub at: String,
    /// Who acted (`user:12`, `system:eod`).
    pub actor: String,
    /// What was done (`loan.approve`, `config.approve`, `client.view_unmasked`).
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    /// The state before and after, as the caller encoded it (JSON text).
    pub before: Option<String>,
    pub after: Option<String>,
    pub reason: Option<String>,
}

/// One row of the audit trail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    /// 1, 2, 3, … without gaps.
    pub seq: u64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub reason: Option<String>,
    /// The previous record's hash ([`GENESIS_HASH`] for seq 1).
    pub prev_hash: String,
    /// Lower-case hex SHA-256 of the canonical encoding.
    pub hash: String,
}

/// The last record of a chain: its seq and hash. The empty chain's head is
/// [`Anchor::genesis`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Anchor {
    pub seq: u64,
    pub hash: String,
}

impl Anchor {
    pub fn genesis() -> Anchor {
        Anchor {
            seq: 0,
            hash: GENESIS_HASH.to_string(),
        }
    }
}

impl AuditRecord {
    /// The record that follows `head` (use [`Anchor::genesis`] for the first).
    pub fn next(head: &Anchor, entry: AuditEntry) -> AuditRecord {
        let mut record = AuditRecord {
            seq: head.seq + 1,
            at: entry.at,
            actor: entry.actor,
            action: entry.action,
            entity: entry.entity,
            entity_id: entry.entity_id,
            before: entry.before,
            after: entry.after,
            reason: entry.reason,
            prev_hash: head.hash.clone(),
            hash: String::new(),
        };
        record.hash = record.compute_hash();
        record
    }

    /// This record as a chain head.
    pub fn anchor(&self) -> Anchor {
        Anchor {
            seq: self.seq,
            hash: self.hash.clone(),
        }
    }

    /// The hash the record's content calls for (whatever `hash` holds).
    pub fn compute_hash(&self) -> String {
        let seq = self.seq.to_string();
        let fields: [Option<&str>; 10] = [
            Some(&self.prev_hash),
            Some(&seq),
            Some(&self.at),
            Some(&self.actor),
            Some(&self.action),
            Some(&self.entity),
            Some(&self.entity_id),
            self.before.as_deref(),
            self.after.as_deref(),
            self.reason.as_deref(),
        ];
        let mut hasher = Sha256::new();
        hasher.update(ENCODING_TAG);
        for field in fields {
            match field {
                None => hasher.update([0u8]),
                Some(text) => {
                    hasher.update([1u8]);
                    hasher.update((text.len() as u64).to_be_bytes());
                    hasher.update(text.as_bytes());
                }
            }
        }
        hex(&hasher.finalize())
    }
}

/// Lower-case hexadecimal text of `bytes` (digests: audit hashes, token and
/// request hashes), two digits per byte.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// How the chain is broken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BreakKind {
    /// The row's content no longer matches its hash.
    Edited,
    /// Rows `from..=to` are missing.
    Deleted { from: u64, to: u64 },
    /// The row's seq is not above the previous row's (a duplicate or an
    /// older seq inserted later).
    InsertedOutOfOrder,
    /// The row comes before a row with a lower seq (rows swapped).
    OutOfOrder,
    /// The row is self-consistent but does not chain to the previous row:
    /// a forged row, or the previous row edited and re-hashed.
    BrokenLink,
    /// The row at the kept head's seq has another hash: the chain was
    /// rewritten from there (or earlier) with recomputed hashes.
    HeadMismatch,
}

impl BreakKind {
    pub fn name(&self) -> &'static str {
        match self {
            BreakKind::Edited => "edited",
            BreakKind::Deleted { .. } => "deleted",
            BreakKind::InsertedOutOfOrder => "inserted_out_of_order",
            BreakKind::OutOfOrder => "out_of_order",
            BreakKind::BrokenLink => "broken_link",
            BreakKind::HeadMismatch => "head_mismatch",
        }
    }
}

/// The first broken row of a chain, named by its stored `seq` (for a
/// deletion: the first missing seq).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the audit trail is broken at seq {seq}: {}", kind.name())]
pub struct AuditBreak {
    pub seq: u64,
    pub kind: BreakKind,
}

impl AuditBreak {
    /// The stable code (`audit-edited`, …) and its translation key.
    pub fn code(&self) -> String {
        format!("audit-{}", self.kind.name().replace('_', "-"))
    }

    pub fn key(&self) -> String {
        format!("refusal.{}", self.code())
    }
}

/// Verifies a whole chain from the genesis, in storage order; returns its
/// head or the first broken row.
pub fn verify(records: &[AuditRecord]) -> Result<Anchor, AuditBreak> {
    verify_from(&Anchor::genesis(), records)
}

/// Verifies `records` as the continuation of `start` (a head checked
/// before, so a long trail can be verified in segments).
pub fn verify_from(start: &Anchor, records: &[AuditRecord]) -> Result<Anchor, AuditBreak> {
    let mut head = start.clone();
    for (index, record) in records.iter().enumerate() {
        let seq = record.seq;
        if record.compute_hash() != record.hash {
            return Err(AuditBreak {
                seq,
                kind: BreakKind::Edited,
            });
        }
        if seq <= head.seq {
            return Err(AuditBreak {
                seq,
                kind: BreakKind::InsertedOutOfOrder,
            });
        }
        if seq > head.seq + 1 {
            let (from, to) = (head.seq + 1, seq - 1);
            let later = &records[index + 1..];
            if later.iter().any(|r| (from..=to).contains(&r.seq)) {
                return Err(AuditBreak {
                    seq,
                    kind: BreakKind::OutOfOrder,
                });
            }
            return Err(AuditBreak {
                seq: from,
                kind: BreakKind::Deleted { from, to },
            });
        }
        if record.prev_hash != head.hash {
            return Err(AuditBreak {
                seq,
                kind: BreakKind::BrokenLink,
            });
        }
        head = record.anchor();
    }
    Ok(head)
}

/// Verifies the chain and that it still reaches `kept`, a head recorded
/// elsewhere earlier: catches removed last rows and rewritten tails.
pub fn verify_against_head(records: &[AuditRecord], kept: &Anchor) -> Result<Anchor, AuditBreak> {
    let head = verify(records)?;
    if head.seq < kept.seq {
        let (from, to) = (head.seq + 1, kept.seq);
        return Err(AuditBreak {
            seq: from,
            kind: BreakKind::Deleted { from, to },
        });
    }
    let at_kept = records.iter().find(|r| r.seq == kept.seq);
    if kept.seq > 0 && at_kept.is_none_or(|r| r.hash != kept.hash) {
        return Err(AuditBreak {
            seq: kept.seq,
            kind: BreakKind::HeadMismatch,
        });
    }
    Ok(head)
}
