//! People's inboxes (one row per event and recipient), their notification preferences, and
//! which notifications still wait for a daily digest.

use sqlx::{any::AnyRow, AnyConnection};
use vellum_domain::{
    event::{EventKind, Preferences},
    Id, Timestamp,
};

use crate::{row, Result};

/// What happens to a notification by email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailState {
    /// No email (the person chose off, or the server sends none).
    None,
    /// Sent on its own.
    Immediate,
    /// Waiting for the person's next daily digest.
    Digest,
    /// Went out in a digest.
    Digested,
}

impl MailState {
    fn as_str(self) -> &'static str {
        match self {
            MailState::None => "off",
            MailState::Immediate => "immediate",
            MailState::Digest => "daily_digest",
            MailState::Digested => "digested",
        }
    }

    fn parse(s: &str) -> Option<MailState> {
        [MailState::None, MailState::Immediate, MailState::Digest, MailState::Digested]
            .into_iter()
            .find(|m| m.as_str() == s)
    }
}

#[derive(Debug, Clone)]
pub struct Notification {
    pub id: Id,
    pub user_id: Id,
    pub event_id: Id,
    pub workspace_id: Option<Id>,
    pub kind: EventKind,
    pub title: String,
    pub link: String,
    pub object_type: String,
    pub object_id: Id,
    pub created_at: Timestamp,
    pub read_at: Option<Timestamp>,
    pub mail: MailState,
}

/// Only notifications of workspaces the person still belongs to: someone removed keeps no
/// window into it, in the inbox or a digest.
const STILL_MEMBER: &str =
    " AND (workspace_id IS NULL OR workspace_id IN (SELECT workspace_id FROM memberships WHERE user_id = $1))";

/// Only the one workspace a token is kept to, when it is. The id is a parsed `Id`, so writing it
/// into the statement cannot inject anything.
fn within(only: Option<Id>) -> String {
    only.map(|w| format!(" AND workspace_id = '{w}'")).unwrap_or_default()
}

const COLS: &str =
    "id, user_id, event_id, workspace_id, kind, title, link, object_type, object_id, created_at, read_at, email";

fn decode(r: &AnyRow) -> Result<Notification> {
    Ok(Notification {
        id: row::id(r, "id")?,
        user_id: row::id(r, "user_id")?,
        event_id: row::id(r, "event_id")?,
        workspace_id: row::opt_id(r, "workspace_id")?,
        kind: row::parsed(r, "kind", EventKind::parse)?,
        title: row::text(r, "title")?,
        link: row::text(r, "link")?,
        object_type: row::text(r, "object_type")?,
        object_id: row::id(r, "object_id")?,
        created_at: row::ts(r, "created_at")?,
        read_at: row::opt_ts(r, "read_at")?,
        mail: row::parsed(r, "email", MailState::parse)?,
    })
}

/// Adds a notification unless this person already has one for the event; returns whether
/// it was added.
pub async fn insert(c: &mut AnyConnection, n: &Notification) -> Result<bool> {
    let done = sqlx::query(&format!(
        "INSERT INTO notifications ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (event_id, user_id) DO NOTHING"
    ))
    .bind(n.id.to_string())
    .bind(n.user_id.to_string())
    .bind(n.event_id.to_string())
    .bind(n.workspace_id.map(|w| w.to_string()))
    .bind(n.kind.as_str())
    .bind(&n.title)
    .bind(&n.link)
    .bind(&n.object_type)
    .bind(n.object_id.to_string())
    .bind(n.created_at.to_string())
    .bind(n.read_at.map(|t| t.to_string()))
    .bind(n.mail.as_str())
    .execute(c)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// A person's notifications, newest first, after the cursor `before` (an id).
pub async fn list(
    c: &mut AnyConnection,
    user: Id,
    only: Option<Id>,
    unread_only: bool,
    before: Option<Id>,
    limit: u32,
) -> Result<Vec<Notification>> {
    let unread = if unread_only { " AND read_at IS NULL" } else { "" };
    let within = within(only);
    let (cursor, lim) = if before.is_some() { (" AND id < $2", "$3") } else { ("", "$2") };
    let sql = format!(
        "SELECT {COLS} FROM notifications WHERE user_id = $1{within}{unread}{cursor} ORDER BY id DESC LIMIT {lim}"
    );
    let mut q = sqlx::query(&sql).bind(user.to_string());
    if let Some(b) = before {
        q = q.bind(b.to_string());
    }
    q.bind(i64::from(limit)).fetch_all(c).await?.iter().map(decode).collect()
}

/// A person's unread notifications of one kind, newest first.
pub async fn unread_of_kind(
    c: &mut AnyConnection,
    user: Id,
    only: Option<Id>,
    kind: EventKind,
    limit: u32,
) -> Result<Vec<Notification>> {
    let within = within(only);
    sqlx::query(&format!(
        "SELECT {COLS} FROM notifications WHERE user_id = $1{STILL_MEMBER}{within} AND kind = $2 AND read_at IS NULL \
         ORDER BY id DESC LIMIT $3"
    ))
    .bind(user.to_string())
    .bind(kind.as_str())
    .bind(i64::from(limit))
    .fetch_all(c)
    .await?
    .iter()
    .map(decode)
    .collect()
}

pub async fn unread_count(c: &mut AnyConnection, user: Id, only: Option<Id>) -> Result<i64> {
    let within = within(only);
    let r = sqlx::query(&format!(
        "SELECT COUNT(*) AS n FROM notifications WHERE user_id = $1{STILL_MEMBER}{within} AND read_at IS NULL"
    ))
    .bind(user.to_string())
    .fetch_one(c)
    .await?;
    row::int(&r, "n")
}

pub async fn get(c: &mut AnyConnection, user: Id, id: Id) -> Result<Option<Notification>> {
    sqlx::query(&format!("SELECT {COLS} FROM notifications WHERE id = $1 AND user_id = $2"))
        .bind(id.to_string())
        .bind(user.to_string())
        .fetch_optional(c)
        .await?
        .as_ref()
        .map(decode)
        .transpose()
}

/// Marks one notification read (kept read if it already was); false when it is not theirs.
pub async fn mark_read(c: &mut AnyConnection, user: Id, id: Id, at: Timestamp) -> Result<bool> {
    let done = sqlx::query("UPDATE notifications SET read_at = COALESCE(read_at, $1) WHERE id = $2 AND user_id = $3")
        .bind(at.to_string())
        .bind(id.to_string())
        .bind(user.to_string())
        .execute(c)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Marks every unread notification of a person read; returns how many.
pub async fn mark_all_read(c: &mut AnyConnection, user: Id, at: Timestamp) -> Result<u64> {
    let done = sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
        .bind(at.to_string())
        .bind(user.to_string())
        .execute(c)
        .await?;
    Ok(done.rows_affected())
}

/// The people with notifications waiting for a digest.
pub async fn digest_recipients(c: &mut AnyConnection) -> Result<Vec<Id>> {
    sqlx::query("SELECT DISTINCT user_id FROM notifications WHERE email = 'daily_digest'")
        .fetch_all(c)
        .await?
        .iter()
        .map(|r| row::id(r, "user_id"))
        .collect()
}

/// A person's notifications waiting for a digest, oldest first (of workspaces they still
/// belong to; the others are dropped from the digest by `mark_digested` of what is sent).
pub async fn digest_pending(c: &mut AnyConnection, user: Id) -> Result<Vec<Notification>> {
    sqlx::query(&format!(
        "SELECT {COLS} FROM notifications WHERE user_id = $1{STILL_MEMBER} AND email = 'daily_digest' ORDER BY id"
    ))
    .bind(user.to_string())
    .fetch_all(c)
    .await?
    .iter()
    .map(decode)
    .collect()
}

/// Marks notifications as sent in a digest.
pub async fn mark_digested(c: &mut AnyConnection, ids: &[Id]) -> Result<()> {
    for id in ids {
        sqlx::query("UPDATE notifications SET email = 'digested' WHERE id = $1 AND email = 'daily_digest'")
            .bind(id.to_string())
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}

/// A person's stored preferences and when their last digest went out (None: defaults).
pub async fn preferences(c: &mut AnyConnection, user: Id) -> Result<Option<(Preferences, Option<Timestamp>)>> {
    let Some(r) = sqlx::query(
        "SELECT email, digest_hour, time_zone, last_digest_at FROM notification_preferences WHERE user_id = $1",
    )
    .bind(user.to_string())
    .fetch_optional(c)
    .await?
    else {
        return Ok(None);
    };
    let mut p = Preferences::default();
    let stored: std::collections::BTreeMap<EventKind, vellum_domain::event::EmailChoice> = row::json(&r, "email")?;
    p.email.extend(stored);
    p.digest_hour = u8::try_from(row::int(&r, "digest_hour")?).unwrap_or(p.digest_hour);
    p.time_zone = row::text(&r, "time_zone")?;
    Ok(Some((p, row::opt_ts(&r, "last_digest_at")?)))
}

pub async fn put_preferences(c: &mut AnyConnection, user: Id, p: &Preferences) -> Result<()> {
    sqlx::query(
        "INSERT INTO notification_preferences (user_id, email, digest_hour, time_zone, last_digest_at) \
         VALUES ($1, $2, $3, $4, NULL) ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, \
         digest_hour = excluded.digest_hour, time_zone = excluded.time_zone",
    )
    .bind(user.to_string())
    .bind(row::to_json(&p.email)?)
    .bind(i64::from(p.digest_hour))
    .bind(&p.time_zone)
    .execute(c)
    .await?;
    Ok(())
}

/// Records that a person's digest went out at `at` (creating default preferences if none).
pub async fn set_last_digest(c: &mut AnyConnection, user: Id, p: &Preferences, at: Timestamp) -> Result<()> {
    sqlx::query(
        "INSERT INTO notification_preferences (user_id, email, digest_hour, time_zone, last_digest_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id) DO UPDATE SET last_digest_at = excluded.last_digest_at",
    )
    .bind(user.to_string())
    .bind(row::to_json(&p.email)?)
    .bind(i64::from(p.digest_hour))
    .bind(&p.time_zone)
    .bind(at.to_string())
    .execute(c)
    .await?;
    Ok(())
}
