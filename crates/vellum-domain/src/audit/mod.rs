//! The audit hash chain: each event's hash covers its fields and the previous event's hash,
//! so editing, deleting, inserting or reordering a stored event breaks the chain. Signed
//! checkpoints (`checkpoint`) anchor the chains outside the database, and a keyed tag per
//! event (`key`) names the first rewritten event even when the whole chain was recomputed.

pub mod action;
pub mod checkpoint;
pub mod key;
pub mod verify;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use action::AuditAction;
pub use checkpoint::{ChainHead, Checkpoint, SignedCheckpoint};
pub use key::{AuditKey, PublicKey};
pub use verify::{ChainReport, ChainVerifier, Checkpoints, Problem};

/// The hash that precedes the first event of every chain.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An audit event's fields as stored (text forms, so the hash never depends on re-encoding).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditFields {
    pub seq: i64,
    pub id: String,
    pub at: String,
    pub actor_id: Option<String>,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub version: Option<i64>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    /// The asset the event is about (its versions, reviews and decisions included), so an
    /// asset's whole trail is one query.
    pub asset_id: Option<String>,
    /// The API token the actor acted through (None: a session, the CLI or the system).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_id: Option<String>,
}

/// `sha256(prev_hash, fields…)` with every field length-prefixed (or `-` when absent), so no
/// two different events can encode to the same bytes. `asset_id` came later: it is appended
/// only when present, so events written before it existed keep their hashes, and the fixed
/// number of fields before it keeps the encoding unambiguous. `token_id` came later still: when
/// present it follows `asset_id` (written as absent if need be), so older events keep their
/// hashes too.
pub fn event_hash(prev_hash: &str, f: &AuditFields) -> String {
    let mut h = Sha256::new();
    encode(prev_hash, f, |bytes| h.update(bytes));
    hex::encode(h.finalize())
}

/// Feeds the bytes an event's hash covers to `out` (also what the benchmark hashes alone).
pub fn encode(prev_hash: &str, f: &AuditFields, mut out: impl FnMut(&[u8])) {
    let mut put = |s: Option<&str>| match s {
        None => out(b"-"),
        Some(s) => {
            out(&(s.len() as u64).to_be_bytes());
            out(s.as_bytes());
        }
    };
    let seq = f.seq.to_string();
    let version = f.version.map(|v| v.to_string());
    for field in [
        Some(prev_hash),
        Some(seq.as_str()),
        Some(f.id.as_str()),
        Some(f.at.as_str()),
        f.actor_id.as_deref(),
        Some(f.action.as_str()),
        Some(f.object_type.as_str()),
        f.object_id.as_deref(),
        version.as_deref(),
        f.before.as_deref(),
        f.after.as_deref(),
        f.ip.as_deref(),
        f.request_id.as_deref(),
    ] {
        put(field);
    }
    if f.asset_id.is_some() || f.token_id.is_some() {
        put(f.asset_id.as_deref());
    }
    if let Some(token) = f.token_id.as_deref() {
        put(Some(token));
    }
}

/// A stored event: its fields and the chain links it carries.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    pub fields: AuditFields,
    pub prev_hash: String,
    pub hash: String,
    /// The keyed tag of `hash` (None only if the event was written before the server had a key
    /// and has not been tagged since).
    pub tag: Option<String>,
}

#[cfg(test)]
pub(crate) mod tests;
