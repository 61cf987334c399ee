//! Signed checkpoints: at one instant, every chain's last sequence number and hash, signed
//! with the server's audit key. What a checkpoint covers cannot be rewritten, cut off or
//! dropped without the key. The signed bytes are a short canonical text (see `message`), so a
//! third party can check a checkpoint without our code.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::key::{AuditKey, PublicKey};

/// The first line of every checkpoint's signed text.
pub const MESSAGE_HEADER: &str = "vellum-audit-checkpoint/1";

/// One chain's head when the checkpoint was taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainHead {
    pub seq: i64,
    pub head_hash: String,
}

/// What a checkpoint says: when, and each chain's head (chains by name: a workspace's id, or
/// `server`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub at: String,
    pub chains: BTreeMap<String, ChainHead>,
}

impl Checkpoint {
    /// The bytes that are signed:
    ///
    /// ```text
    /// vellum-audit-checkpoint/1\n
    /// at <at>\n
    /// chain <chain id> <seq> <head hash>\n      (one line per chain, sorted by chain id)
    /// ```
    pub fn message(&self) -> String {
        let mut m = format!("{MESSAGE_HEADER}\nat {}\n", self.at);
        for (chain, head) in &self.chains {
            m.push_str(&format!("chain {chain} {} {}\n", head.seq, head.head_hash));
        }
        m
    }

    pub fn sign(self, key: &AuditKey) -> SignedCheckpoint {
        let signature = key.sign(self.message().as_bytes());
        SignedCheckpoint { checkpoint: self, public_key: key.public().to_hex(), signature }
    }
}

/// A checkpoint with its signature: one JSON line of `checkpoints.log`
/// (`{"at", "chains", "public_key", "signature"}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedCheckpoint {
    #[serde(flatten)]
    pub checkpoint: Checkpoint,
    pub public_key: String,
    pub signature: String,
}

impl SignedCheckpoint {
    /// Whether the signature is `key`'s over this checkpoint's text. The `public_key` the line
    /// names is only a hint: what counts is the key the verifier trusts.
    pub fn verifies(&self, key: &PublicKey) -> bool {
        key.verifies(self.checkpoint.message().as_bytes(), &self.signature)
    }

    pub fn to_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn parse_line(line: &str) -> Result<Self, String> {
        serde_json::from_str(line).map_err(|e| format!("not a checkpoint: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Checkpoint {
        let mut chains = BTreeMap::new();
        chains.insert("server".to_string(), ChainHead { seq: 3, head_hash: "cc".into() });
        chains.insert("0192".to_string(), ChainHead { seq: 12, head_hash: "ab".into() });
        Checkpoint { at: "2026-01-01T00:00:00.000000Z".into(), chains }
    }

    #[test]
    fn the_signed_text_is_canonical() {
        assert_eq!(
            sample().message(),
            "vellum-audit-checkpoint/1\nat 2026-01-01T00:00:00.000000Z\nchain 0192 12 ab\nchain server 3 cc\n"
        );
    }

    #[test]
    fn signatures_cover_every_head_and_survive_a_round_trip() {
        let key = AuditKey::from_seed([3; 32]);
        let signed = sample().sign(&key);
        let line = signed.to_line();
        let back = SignedCheckpoint::parse_line(&line).unwrap();
        assert_eq!(back, signed);
        assert!(back.verifies(&key.public()));
        let mut moved = back.clone();
        moved.checkpoint.chains.get_mut("0192").unwrap().seq = 11;
        assert!(!moved.verifies(&key.public()));
        let mut dropped = back.clone();
        dropped.checkpoint.chains.remove("server");
        assert!(!dropped.verifies(&key.public()));
        assert!(!back.verifies(&AuditKey::from_seed([4; 32]).public()));
    }
}
