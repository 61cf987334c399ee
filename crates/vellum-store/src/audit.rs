//! The append-only audit log: one hash chain per workspace (and one for server-wide events),
//! appended inside the transaction of the change it records.

use sqlx::{any::AnyRow, AnyConnection, Row};
use vellum_domain::{
    audit::{event_hash, verify_chain, AuditFields, ChainCheck, StoredEvent, GENESIS},
    id::new_id,
    Id, Timestamp,
};

use crate::{
    model::{AuditEvent, NewAuditEvent},
    row, Error, Result,
};

/// The chain of server-wide events (users, sign-ins) that belong to no workspace.
pub const SERVER_CHAIN: &str = "server";

pub fn chain_of(workspace: Option<Id>) -> String {
    workspace.map_or_else(|| SERVER_CHAIN.to_string(), |w| w.to_string())
}

fn json_text(v: &Option<serde_json::Value>) -> Result<Option<String>> {
    v.as_ref().map(row::to_json).transpose()
}

/// Appends an event to its chain. Call it last in a transaction: on PostgreSQL the chain's
/// head row stays locked until commit, which orders concurrent writers of one workspace.
pub async fn append(c: &mut AnyConnection, e: &NewAuditEvent, at: Timestamp) -> Result<AuditEvent> {
    let chain = chain_of(e.workspace_id);
    let bump = "UPDATE audit_heads SET seq = seq + 1 WHERE chain = $1 RETURNING seq, hash";
    let head = match sqlx::query(bump).bind(&chain).fetch_optional(&mut *c).await? {
        Some(head) => head,
        None => {
            // The chain's first event: create its head, then take the first number.
            sqlx::query("INSERT INTO audit_heads (chain, seq, hash) VALUES ($1, 0, $2) ON CONFLICT (chain) DO NOTHING")
                .bind(&chain)
                .bind(GENESIS)
                .execute(&mut *c)
                .await?;
            sqlx::query(bump).bind(&chain).fetch_one(&mut *c).await?
        }
    };
    let seq = row::int(&head, "seq")?;
    let prev_hash = row::text(&head, "hash")?;
    let fields = AuditFields {
        seq,
        id: new_id().to_string(),
        at: at.to_string(),
        actor_id: e.actor_id.map(|a| a.to_string()),
        action: e.action.clone(),
        object_type: e.object_type.clone(),
        object_id: e.object_id.clone(),
        version: e.version.map(i64::from),
        before: json_text(&e.before)?,
        after: json_text(&e.after)?,
        ip: e.ip.clone(),
        request_id: e.request_id.clone(),
    };
    let hash = event_hash(&prev_hash, &fields);
    sqlx::query(
        "INSERT INTO audit_events (chain, seq, id, at, actor_id, action, object_type, object_id, version, before_json, after_json, ip, request_id, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(&chain)
    .bind(seq)
    .bind(&fields.id)
    .bind(&fields.at)
    .bind(fields.actor_id.clone())
    .bind(&fields.action)
    .bind(&fields.object_type)
    .bind(fields.object_id.clone())
    .bind(fields.version)
    .bind(fields.before.clone())
    .bind(fields.after.clone())
    .bind(fields.ip.clone())
    .bind(fields.request_id.clone())
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut *c)
    .await?;
    sqlx::query("UPDATE audit_heads SET hash = $1 WHERE chain = $2").bind(&hash).bind(&chain).execute(c).await?;
    Ok(to_event(chain, fields, prev_hash, hash))
}

fn to_event(chain: String, fields: AuditFields, prev_hash: String, hash: String) -> AuditEvent {
    AuditEvent { chain, fields, prev_hash, hash }
}

const COLS: &str = "chain, seq, id, at, actor_id, action, object_type, object_id, version, before_json, after_json, ip, request_id, prev_hash, hash";

fn decode(r: &AnyRow) -> Result<StoredEvent> {
    Ok(StoredEvent {
        fields: AuditFields {
            seq: row::int(r, "seq")?,
            id: row::text(r, "id")?,
            at: row::text(r, "at")?,
            actor_id: row::opt_text(r, "actor_id")?,
            action: row::text(r, "action")?,
            object_type: row::text(r, "object_type")?,
            object_id: row::opt_text(r, "object_id")?,
            version: row::opt_int(r, "version")?,
            before: row::opt_text(r, "before_json")?,
            after: row::opt_text(r, "after_json")?,
            ip: row::opt_text(r, "ip")?,
            request_id: row::opt_text(r, "request_id")?,
        },
        prev_hash: row::text(r, "prev_hash")?,
        hash: row::text(r, "hash")?,
    })
}

/// What an export asks for.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub limit: u32,
}

/// A chain's events in order, optionally only those about one object.
pub async fn list(c: &mut AnyConnection, chain: &str, f: &AuditFilter) -> Result<Vec<AuditEvent>> {
    let mut sql = format!("SELECT {COLS} FROM audit_events WHERE chain = $1");
    let mut binds = Vec::new();
    if let Some(t) = &f.object_type {
        binds.push(t.clone());
        sql.push_str(&format!(" AND object_type = ${}", binds.len() + 1));
    }
    if let Some(o) = &f.object_id {
        binds.push(o.clone());
        sql.push_str(&format!(" AND object_id = ${}", binds.len() + 1));
    }
    sql.push_str(&format!(" ORDER BY seq LIMIT {}", f.limit.clamp(1, 100_000)));
    let mut q = sqlx::query(&sql).bind(chain);
    for b in binds {
        q = q.bind(b);
    }
    q.fetch_all(c)
        .await?
        .iter()
        .map(|r| {
            let e = decode(r)?;
            Ok(to_event(row::text(r, "chain")?, e.fields, e.prev_hash, e.hash))
        })
        .collect()
}

/// Every chain that has events or a head.
pub async fn chains(c: &mut AnyConnection) -> Result<Vec<String>> {
    sqlx::query("SELECT chain FROM audit_heads UNION SELECT DISTINCT chain FROM audit_events ORDER BY 1")
        .fetch_all(c)
        .await?
        .iter()
        .map(|r| Ok(r.try_get::<String, _>(0)?))
        .collect()
}

/// Re-walks one chain and names the first event that does not fit.
pub async fn verify(c: &mut AnyConnection, chain: &str) -> Result<ChainCheck> {
    let events = sqlx::query(&format!("SELECT {COLS} FROM audit_events WHERE chain = $1 ORDER BY seq"))
        .bind(chain)
        .fetch_all(&mut *c)
        .await?
        .iter()
        .map(decode)
        .collect::<Result<Vec<_>>>()?;
    let head = sqlx::query("SELECT seq, hash FROM audit_heads WHERE chain = $1").bind(chain).fetch_optional(c).await?;
    let head = head.map(|h| Ok::<_, Error>((row::int(&h, "seq")?, row::text(&h, "hash")?))).transpose()?;
    Ok(verify_chain(&events, head.as_ref().map(|(s, h)| (*s, h.as_str()))))
}
