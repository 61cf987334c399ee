//! The audit trail as the API shows it: events, verification, checkpoints.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;
use vellum_core::audit::{AuditEventView as CoreEvent, Verification};
use vellum_domain::audit::SignedCheckpoint;

use super::page;

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventView {
    /// The workspace's id (or `server`).
    pub chain: String,
    /// The event's place in its chain, from 1.
    pub seq: i64,
    pub id: String,
    pub at: String,
    pub actor_id: Option<String>,
    #[schema(example = "review.decide")]
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    /// The asset the event belongs to (its versions, reviews and decisions included).
    pub asset_id: Option<String>,
    pub version: Option<i64>,
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    /// The API token the actor acted through (null: a session, the command line or the server).
    pub token_id: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl From<CoreEvent> for AuditEventView {
    fn from(e: CoreEvent) -> Self {
        AuditEventView {
            chain: e.chain,
            seq: e.seq,
            id: e.id,
            at: e.at,
            actor_id: e.actor_id,
            action: e.action,
            object_type: e.object_type,
            object_id: e.object_id,
            asset_id: e.asset_id,
            version: e.version,
            before: e.before,
            after: e.after,
            ip: e.ip,
            request_id: e.request_id,
            token_id: e.token_id,
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}

page!(AuditEventPage, "events", AuditEventView);

#[derive(Debug, Serialize, ToSchema)]
pub struct AnchorView {
    pub seq: i64,
    pub at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RangeView {
    pub from: i64,
    pub to: i64,
}

/// A chain re-walked: when not `ok`, the first bad event or the missing range, and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerificationView {
    pub ok: bool,
    pub chain: String,
    pub events: u64,
    pub head: Option<String>,
    /// The newest signed checkpoint the chain agrees with.
    pub checkpoint: Option<AnchorView>,
    pub first_bad_seq: Option<i64>,
    pub missing: Option<RangeView>,
    pub reason: Option<String>,
}

impl From<Verification> for VerificationView {
    fn from(v: Verification) -> Self {
        VerificationView {
            ok: v.ok,
            chain: v.chain,
            events: v.events,
            head: v.head,
            checkpoint: v.checkpoint.map(|c| AnchorView { seq: c.seq, at: c.at }),
            first_bad_seq: v.first_bad_seq,
            missing: v.missing.map(|m| RangeView { from: m.from, to: m.to }),
            reason: v.reason,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChainHeadView {
    pub seq: i64,
    pub head_hash: String,
}

/// A signed checkpoint: every chain's head at one instant (docs/audit.md).
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckpointView {
    pub at: String,
    pub chains: BTreeMap<String, ChainHeadView>,
    pub public_key: String,
    pub signature: String,
}

impl From<SignedCheckpoint> for CheckpointView {
    fn from(c: SignedCheckpoint) -> Self {
        CheckpointView {
            at: c.checkpoint.at,
            chains: c
                .checkpoint
                .chains
                .into_iter()
                .map(|(k, h)| (k, ChainHeadView { seq: h.seq, head_hash: h.head_hash }))
                .collect(),
            public_key: c.public_key,
            signature: c.signature,
        }
    }
}
