//! The audit hash chain: each event's hash covers its fields and the previous event's hash,
//! so editing, deleting, inserting or reordering a stored event breaks the chain.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// The hash that precedes the first event of every chain.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An audit event's fields as stored (text forms, so the hash never depends on re-encoding).
#[derive(Debug, Clone, PartialEq, Serialize)]
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
}

/// `sha256(prev_hash, fields…)` with every field length-prefixed, so no two different
/// events can encode to the same bytes.
pub fn event_hash(prev_hash: &str, f: &AuditFields) -> String {
    let mut h = Sha256::new();
    let mut put = |s: Option<&str>| match s {
        None => h.update(b"-"),
        Some(s) => {
            h.update((s.len() as u64).to_be_bytes());
            h.update(s.as_bytes());
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
    hex::encode(h.finalize())
}

/// A stored event: its fields and the chain links it carries.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    pub fields: AuditFields,
    pub prev_hash: String,
    pub hash: String,
}

/// The outcome of walking a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainCheck {
    Ok {
        events: u64,
        head: String,
    },
    /// The first event (by sequence number) that does not fit; `None` means the chain is
    /// fine but shorter than its recorded head (events were cut off the end).
    Broken {
        first_bad_seq: Option<i64>,
        reason: String,
    },
}

/// Walks events in stored order and names the first one that breaks the chain.
/// `expected_head` is the (seq, hash) the store recorded when it last appended, if any.
pub fn verify_chain(events: &[StoredEvent], expected_head: Option<(i64, &str)>) -> ChainCheck {
    let mut prev = GENESIS.to_string();
    for (i, e) in events.iter().enumerate() {
        let want_seq = i as i64 + 1;
        let bad = |reason: String| ChainCheck::Broken { first_bad_seq: Some(want_seq), reason };
        if e.fields.seq != want_seq {
            return bad(format!("expected event #{want_seq} but found #{}", e.fields.seq));
        }
        if e.prev_hash != prev {
            return bad(format!("event #{want_seq} does not link to the event before it"));
        }
        if event_hash(&prev, &e.fields) != e.hash {
            return bad(format!("event #{want_seq} was altered after it was written"));
        }
        prev = e.hash.clone();
    }
    let count = events.len() as i64;
    if let Some((seq, hash)) = expected_head {
        if seq != count || (count > 0 && hash != prev) {
            return ChainCheck::Broken {
                first_bad_seq: if seq > count { Some(count + 1) } else { Some(seq.max(1)) },
                reason: format!("the chain ends at #{count} but its recorded head is #{seq}"),
            };
        }
    }
    ChainCheck::Ok { events: count as u64, head: prev }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<StoredEvent> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let fields = AuditFields {
                    seq,
                    id: format!("id{seq}"),
                    at: format!("2026-01-01T00:00:{seq:02}.000000Z"),
                    actor_id: Some("u".into()),
                    action: "asset.create".into(),
                    object_type: "asset".into(),
                    object_id: Some("a".into()),
                    version: Some(1),
                    before: None,
                    after: Some("{}".into()),
                    ip: Some("127.0.0.1".into()),
                    request_id: Some("r".into()),
                };
                let hash = event_hash(&prev, &fields);
                let e = StoredEvent { fields, prev_hash: prev.clone(), hash: hash.clone() };
                prev = hash;
                e
            })
            .collect()
    }

    fn head(c: &[StoredEvent]) -> Option<(i64, &str)> {
        c.last().map(|e| (e.fields.seq, e.hash.as_str()))
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let c = chain(5);
        assert!(matches!(verify_chain(&c, head(&c)), ChainCheck::Ok { events: 5, .. }));
        assert!(matches!(verify_chain(&[], None), ChainCheck::Ok { events: 0, .. }));
    }

    fn first_bad(c: &[StoredEvent], h: Option<(i64, &str)>) -> Option<i64> {
        match verify_chain(c, h) {
            ChainCheck::Broken { first_bad_seq, .. } => first_bad_seq,
            ChainCheck::Ok { .. } => panic!("tampering went unnoticed"),
        }
    }

    #[test]
    fn edits_deletes_inserts_and_reorders_are_named() {
        let good = chain(5);
        let h = good.last().map(|e| (e.fields.seq, e.hash.clone())).unwrap();
        let h = Some((h.0, h.1.as_str()));

        let mut edited = good.clone();
        edited[2].fields.action = "asset.delete".into();
        assert_eq!(first_bad(&edited, h), Some(3));

        let mut deleted = good.clone();
        deleted.remove(1);
        assert_eq!(first_bad(&deleted, h), Some(2));

        let mut inserted = good.clone();
        let mut extra = good[1].clone();
        extra.fields.id = "forged".into();
        inserted.insert(2, extra);
        assert_eq!(first_bad(&inserted, h), Some(3));

        let mut reordered = good.clone();
        reordered.swap(1, 3);
        assert_eq!(first_bad(&reordered, h), Some(2));

        let mut renumbered = good.clone();
        let (a, b) = (renumbered[1].fields.seq, renumbered[3].fields.seq);
        renumbered[1].fields.seq = b;
        renumbered[3].fields.seq = a;
        renumbered.swap(1, 3);
        assert_eq!(first_bad(&renumbered, h), Some(2));

        let truncated = good[..4].to_vec();
        assert_eq!(first_bad(&truncated, h), Some(5));
    }
}
