//! The event record: what happened, written in the transaction of the change, and claimed
//! once by the dispatcher that tells people and systems about it.

use sqlx::{any::AnyRow, AnyConnection};
use vellum_domain::{event::EventKind, id::new_id, Id, Timestamp};

use crate::{dialect, row, Result};

/// An event to record.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub workspace_id: Option<Id>,
    pub kind: EventKind,
    pub object_type: String,
    pub object_id: Id,
    pub actor_id: Option<Id>,
    /// Ids only: what a webhook payload carries.
    pub data: serde_json::Value,
    /// Who should be told in the app and by email (checked again when told).
    pub recipients: Vec<Id>,
}

#[derive(Debug, Clone)]
pub struct Event {
    pub id: Id,
    pub workspace_id: Option<Id>,
    pub kind: EventKind,
    pub object_type: String,
    pub object_id: Id,
    pub actor_id: Option<Id>,
    pub data: serde_json::Value,
    pub recipients: Vec<Id>,
    pub at: Timestamp,
}

const COLS: &str = "id, workspace_id, kind, object_type, object_id, actor_id, data, recipients, at";

fn decode(r: &AnyRow) -> Result<Event> {
    Ok(Event {
        id: row::id(r, "id")?,
        workspace_id: row::opt_id(r, "workspace_id")?,
        kind: row::parsed(r, "kind", EventKind::parse)?,
        object_type: row::text(r, "object_type")?,
        object_id: row::id(r, "object_id")?,
        actor_id: row::opt_id(r, "actor_id")?,
        data: row::json(r, "data")?,
        recipients: row::json(r, "recipients")?,
        at: row::ts(r, "at")?,
    })
}

/// Records an event; returns its id.
pub async fn insert(c: &mut AnyConnection, e: &NewEvent, at: Timestamp) -> Result<Id> {
    let id = new_id();
    sqlx::query(&format!("INSERT INTO events ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"))
        .bind(id.to_string())
        .bind(e.workspace_id.map(|w| w.to_string()))
        .bind(e.kind.as_str())
        .bind(&e.object_type)
        .bind(e.object_id.to_string())
        .bind(e.actor_id.map(|a| a.to_string()))
        .bind(row::to_json(&e.data)?)
        .bind(row::to_json(&e.recipients)?)
        .bind(at.to_string())
        .execute(c)
        .await?;
    Ok(id)
}

/// Locks and returns up to `limit` events not yet dispatched, oldest first; another
/// dispatcher skips them until this transaction ends.
pub async fn claim_undispatched(c: &mut AnyConnection, limit: u32) -> Result<Vec<Event>> {
    let skip = dialect::of(c).skip_locked();
    let sql = format!("SELECT {COLS} FROM events WHERE dispatched_at IS NULL ORDER BY id LIMIT $1{skip}");
    sqlx::query(&sql).bind(i64::from(limit)).fetch_all(c).await?.iter().map(decode).collect()
}

pub async fn mark_dispatched(c: &mut AnyConnection, id: Id, at: Timestamp) -> Result<()> {
    sqlx::query("UPDATE events SET dispatched_at = $1 WHERE id = $2")
        .bind(at.to_string())
        .bind(id.to_string())
        .execute(c)
        .await?;
    Ok(())
}

/// How many events wait for dispatch.
pub async fn undispatched(c: &mut AnyConnection) -> Result<i64> {
    let r = sqlx::query("SELECT COUNT(*) AS n FROM events WHERE dispatched_at IS NULL").fetch_one(c).await?;
    row::int(&r, "n")
}
