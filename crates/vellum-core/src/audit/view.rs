//! An audit event as the API shows it: `before` and `after` as JSON objects rather than the
//! text the chain hashes.

use serde::Serialize;
use vellum_store::model::AuditEvent;

#[derive(Debug, Clone, Serialize)]
pub struct AuditEventView {
    pub chain: String,
    pub seq: i64,
    pub id: String,
    pub at: String,
    pub actor_id: Option<String>,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub asset_id: Option<String>,
    pub version: Option<i64>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    /// The API token the actor acted through.
    pub token_id: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// Stored JSON text back to a value (text that is not JSON, which the store never writes,
/// stays a string rather than being lost).
fn json(text: Option<String>) -> Option<serde_json::Value> {
    text.map(|t| serde_json::from_str(&t).unwrap_or(serde_json::Value::String(t)))
}

impl From<AuditEvent> for AuditEventView {
    fn from(e: AuditEvent) -> Self {
        let f = e.fields;
        AuditEventView {
            chain: e.chain,
            seq: f.seq,
            id: f.id,
            at: f.at,
            actor_id: f.actor_id,
            action: f.action,
            object_type: f.object_type,
            object_id: f.object_id,
            asset_id: f.asset_id,
            version: f.version,
            before: json(f.before),
            after: json(f.after),
            ip: f.ip,
            request_id: f.request_id,
            token_id: f.token_id,
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}
