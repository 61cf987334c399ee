//! Webhook subscriptions, the messages queued for them (one per event and webhook, retried
//! until delivered or given up), and the log of every delivery attempt.

use sqlx::{any::AnyRow, AnyConnection};
use vellum_domain::{event::EventKind, id::new_id, Id, Timestamp};

use crate::{row, Result};

#[derive(Debug, Clone)]
pub struct Webhook {
    pub id: Id,
    pub workspace_id: Id,
    pub url: String,
    pub events: Vec<EventKind>,
    /// The signing secret (`whsec_…`). Stored so it can sign; never shown after creation.
    pub secret: String,
    pub created_by: Id,
    pub created_at: Timestamp,
}

const COLS: &str = "id, workspace_id, url, events, secret, created_by, created_at";

fn decode(r: &AnyRow) -> Result<Webhook> {
    Ok(Webhook {
        id: row::id(r, "id")?,
        workspace_id: row::id(r, "workspace_id")?,
        url: row::text(r, "url")?,
        events: row::json(r, "events")?,
        secret: row::text(r, "secret")?,
        created_by: row::id(r, "created_by")?,
        created_at: row::ts(r, "created_at")?,
    })
}

pub async fn insert(c: &mut AnyConnection, w: &Webhook) -> Result<()> {
    sqlx::query(&format!("INSERT INTO webhooks ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"))
        .bind(w.id.to_string())
        .bind(w.workspace_id.to_string())
        .bind(&w.url)
        .bind(row::to_json(&w.events)?)
        .bind(&w.secret)
        .bind(w.created_by.to_string())
        .bind(w.created_at.to_string())
        .execute(c)
        .await?;
    Ok(())
}

/// A live (not deleted) webhook.
pub async fn get(c: &mut AnyConnection, id: Id) -> Result<Option<Webhook>> {
    sqlx::query(&format!("SELECT {COLS} FROM webhooks WHERE id = $1 AND deleted_at IS NULL"))
        .bind(id.to_string())
        .fetch_optional(c)
        .await?
        .as_ref()
        .map(decode)
        .transpose()
}

/// A workspace's live webhooks, oldest first.
pub async fn of_workspace(c: &mut AnyConnection, ws: Id) -> Result<Vec<Webhook>> {
    sqlx::query(&format!("SELECT {COLS} FROM webhooks WHERE workspace_id = $1 AND deleted_at IS NULL ORDER BY id"))
        .bind(ws.to_string())
        .fetch_all(c)
        .await?
        .iter()
        .map(decode)
        .collect()
}

/// Deletes a webhook (kept for its delivery log); its undelivered messages are dropped.
pub async fn delete(c: &mut AnyConnection, id: Id, at: Timestamp) -> Result<bool> {
    let done = sqlx::query("UPDATE webhooks SET deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL")
        .bind(at.to_string())
        .bind(id.to_string())
        .execute(&mut *c)
        .await?;
    sqlx::query(
        "UPDATE webhook_messages SET state = 'dropped' WHERE webhook_id = $1 AND state IN ('pending', 'sending')",
    )
    .bind(id.to_string())
    .execute(c)
    .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn set_secret(c: &mut AnyConnection, id: Id, secret: &str) -> Result<()> {
    sqlx::query("UPDATE webhooks SET secret = $1 WHERE id = $2").bind(secret).bind(id.to_string()).execute(c).await?;
    Ok(())
}

/// A message to deliver to one webhook.
#[derive(Debug, Clone)]
pub struct Message {
    /// Also the `webhook-id` header: the same across retries, so receivers can drop repeats.
    pub id: Id,
    pub webhook_id: Id,
    pub event_id: Option<Id>,
    pub kind: String,
    pub payload: String,
    pub attempts: u32,
    pub created_at: Timestamp,
}

const MESSAGE_COLS: &str = "id, webhook_id, event_id, kind, payload, attempts, created_at";

fn decode_message(r: &AnyRow) -> Result<Message> {
    Ok(Message {
        id: row::id(r, "id")?,
        webhook_id: row::id(r, "webhook_id")?,
        event_id: row::opt_id(r, "event_id")?,
        kind: row::text(r, "kind")?,
        payload: row::text(r, "payload")?,
        attempts: row::uint(r, "attempts")?,
        created_at: row::ts(r, "created_at")?,
    })
}

/// Queues a message unless the webhook already has one for the event; returns its id when
/// added.
pub async fn enqueue(
    c: &mut AnyConnection,
    webhook: Id,
    event: Option<Id>,
    kind: &str,
    payload: &str,
    now: Timestamp,
) -> Result<Option<Id>> {
    let id = new_id();
    let done = sqlx::query(
        "INSERT INTO webhook_messages (id, webhook_id, event_id, kind, payload, created_at, state, attempts, \
         next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $6) ON CONFLICT (webhook_id, event_id) DO NOTHING",
    )
    .bind(id.to_string())
    .bind(webhook.to_string())
    .bind(event.map(|e| e.to_string()))
    .bind(kind)
    .bind(payload)
    .bind(now.to_string())
    .execute(c)
    .await?;
    Ok((done.rows_affected() > 0).then_some(id))
}

/// Claims up to `limit` messages due at `now` (and ones whose sender went silent before
/// `stale_before`), counting the attempt.
pub async fn claim_due(
    c: &mut AnyConnection,
    now: Timestamp,
    stale_before: Timestamp,
    limit: u32,
) -> Result<Vec<Message>> {
    let rows = crate::outbox::claim_due(c, "webhook_messages", MESSAGE_COLS, now, stale_before, limit).await?;
    rows.iter().map(decode_message).collect()
}

/// Claims one pending message now (a test sent from the settings page).
pub async fn claim_message(c: &mut AnyConnection, id: Id, now: Timestamp) -> Result<Option<Message>> {
    sqlx::query(&format!(
        "UPDATE webhook_messages SET state = 'sending', claimed_at = $1, attempts = attempts + 1 \
         WHERE id = $2 AND state = 'pending' RETURNING {MESSAGE_COLS}"
    ))
    .bind(now.to_string())
    .bind(id.to_string())
    .fetch_optional(c)
    .await?
    .as_ref()
    .map(decode_message)
    .transpose()
}

/// Records the outcome of an attempt: delivered, retried at `retry_at`, or given up.
pub async fn finish_message(c: &mut AnyConnection, id: Id, delivered: bool, retry_at: Option<Timestamp>) -> Result<()> {
    let (state, next) = match (delivered, retry_at) {
        (true, _) => ("delivered", None),
        (false, Some(t)) => ("pending", Some(t.to_string())),
        (false, None) => ("failed", None),
    };
    sqlx::query(
        "UPDATE webhook_messages SET state = $1, next_attempt_at = COALESCE($2, next_attempt_at), claimed_at = NULL \
         WHERE id = $3 AND state = 'sending'",
    )
    .bind(state)
    .bind(next)
    .bind(id.to_string())
    .execute(c)
    .await?;
    Ok(())
}

/// One delivery attempt, as the log shows it.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: Id,
    pub message_id: Id,
    pub webhook_id: Id,
    pub event: String,
    pub attempt: u32,
    pub at: Timestamp,
    pub status_code: Option<u16>,
    pub duration_ms: u64,
    pub error: Option<String>,
}

const DELIVERY_COLS: &str = "id, message_id, webhook_id, event, attempt, at, status_code, duration_ms, error";

fn decode_delivery(r: &AnyRow) -> Result<Delivery> {
    Ok(Delivery {
        id: row::id(r, "id")?,
        message_id: row::id(r, "message_id")?,
        webhook_id: row::id(r, "webhook_id")?,
        event: row::text(r, "event")?,
        attempt: row::uint(r, "attempt")?,
        at: row::ts(r, "at")?,
        status_code: row::opt_int(r, "status_code")?.and_then(|s| u16::try_from(s).ok()),
        duration_ms: u64::try_from(row::int(r, "duration_ms")?).unwrap_or(0),
        error: row::opt_text(r, "error")?,
    })
}

pub async fn insert_delivery(c: &mut AnyConnection, d: &Delivery) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO webhook_deliveries ({DELIVERY_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    ))
    .bind(d.id.to_string())
    .bind(d.message_id.to_string())
    .bind(d.webhook_id.to_string())
    .bind(&d.event)
    .bind(i64::from(d.attempt))
    .bind(d.at.to_string())
    .bind(d.status_code.map(i64::from))
    .bind(i64::try_from(d.duration_ms).unwrap_or(i64::MAX))
    .bind(&d.error)
    .execute(c)
    .await?;
    Ok(())
}

/// A webhook's delivery log, newest first, after the cursor `before` (an id).
pub async fn deliveries(c: &mut AnyConnection, webhook: Id, before: Option<Id>, limit: u32) -> Result<Vec<Delivery>> {
    let (cursor, lim) = if before.is_some() { (" AND id < $2", "$3") } else { ("", "$2") };
    let sql = format!(
        "SELECT {DELIVERY_COLS} FROM webhook_deliveries WHERE webhook_id = $1{cursor} ORDER BY id DESC LIMIT {lim}"
    );
    let mut q = sqlx::query(&sql).bind(webhook.to_string());
    if let Some(b) = before {
        q = q.bind(b.to_string());
    }
    q.bind(i64::from(limit)).fetch_all(c).await?.iter().map(decode_delivery).collect()
}
