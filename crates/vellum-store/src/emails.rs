//! The outgoing mail queue: each email is queued in the transaction that decided to send it
//! (with a unique key, so it is queued once), claimed by one sender at a time, and retried
//! with backoff when the SMTP server fails.

use sqlx::{any::AnyRow, AnyConnection};
use vellum_domain::{id::new_id, Id, Timestamp};

use crate::{row, Result};

#[derive(Debug, Clone)]
pub struct NewEmail {
    pub unique_key: String,
    pub user_id: Option<Id>,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Debug, Clone)]
pub struct Email {
    pub id: Id,
    pub user_id: Option<Id>,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub attempts: u32,
    pub created_at: Timestamp,
    /// When this sender claimed it: its outcome is recorded only while the claim is its own.
    pub claimed_at: Option<Timestamp>,
}

const COLS: &str = "id, user_id, to_address, subject, text_body, html_body, attempts, created_at, claimed_at";

fn decode(r: &AnyRow) -> Result<Email> {
    Ok(Email {
        id: row::id(r, "id")?,
        user_id: row::opt_id(r, "user_id")?,
        to: row::text(r, "to_address")?,
        subject: row::text(r, "subject")?,
        text: row::text(r, "text_body")?,
        html: row::text(r, "html_body")?,
        attempts: row::uint(r, "attempts")?,
        created_at: row::ts(r, "created_at")?,
        claimed_at: row::opt_ts(r, "claimed_at")?,
    })
}

/// Queues an email unless one with the same key was queued; returns whether it was added.
pub async fn enqueue(c: &mut AnyConnection, e: &NewEmail, now: Timestamp) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO emails (id, unique_key, user_id, to_address, subject, text_body, html_body, created_at, state, \
         attempts, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', 0, $8) \
         ON CONFLICT (unique_key) DO NOTHING",
    )
    .bind(new_id().to_string())
    .bind(&e.unique_key)
    .bind(e.user_id.map(|u| u.to_string()))
    .bind(&e.to)
    .bind(&e.subject)
    .bind(&e.text)
    .bind(&e.html)
    .bind(now.to_string())
    .execute(c)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Claims up to `limit` emails due at `now` (and ones whose sender went silent before
/// `stale_before`), counting the attempt.
pub async fn claim_due(
    c: &mut AnyConnection,
    now: Timestamp,
    stale_before: Timestamp,
    limit: u32,
) -> Result<Vec<Email>> {
    let rows = crate::outbox::claim_due(c, "emails", COLS, now, stale_before, limit).await?;
    rows.iter().map(decode).collect()
}

/// Bodies that carry a one-time secret (reset and invitation links) are emptied once the mail
/// is sent or given up: the table keeps only the token's hash, and so should the outbox.
const FORGET_SECRETS: &str = "text_body = CASE WHEN unique_key LIKE 'reset:%' OR unique_key LIKE 'invitation:%' \
     THEN '' ELSE text_body END, html_body = CASE WHEN unique_key LIKE 'reset:%' OR unique_key LIKE 'invitation:%' \
     THEN '' ELSE html_body END";

/// Records a sent email, if this sender's claim still holds.
pub async fn mark_sent(c: &mut AnyConnection, e: &Email, at: Timestamp) -> Result<()> {
    sqlx::query(&format!(
        "UPDATE emails SET state = 'sent', sent_at = $1, claimed_at = NULL, last_error = NULL, {FORGET_SECRETS} \
         WHERE id = $2 AND state = 'sending' AND claimed_at = $3"
    ))
    .bind(at.to_string())
    .bind(e.id.to_string())
    .bind(e.claimed_at.map(|t| t.to_string()))
    .execute(c)
    .await?;
    Ok(())
}

/// Records a failed attempt (if this sender's claim still holds): tried again at `retry_at`,
/// or given up when None.
pub async fn mark_failed(c: &mut AnyConnection, e: &Email, error: &str, retry_at: Option<Timestamp>) -> Result<()> {
    let (state, next, forget) = match retry_at {
        Some(t) => ("pending", Some(t.to_string()), String::new()),
        None => ("failed", None, format!(", {FORGET_SECRETS}")),
    };
    sqlx::query(&format!(
        "UPDATE emails SET state = $1, next_attempt_at = COALESCE($2, next_attempt_at), claimed_at = NULL, \
         last_error = $3{forget} WHERE id = $4 AND state = 'sending' AND claimed_at = $5"
    ))
    .bind(state)
    .bind(next)
    .bind(error)
    .bind(e.id.to_string())
    .bind(e.claimed_at.map(|t| t.to_string()))
    .execute(c)
    .await?;
    Ok(())
}

/// Counts of the queue by state, for the status page and tests.
pub async fn count_in_state(c: &mut AnyConnection, state: &str) -> Result<i64> {
    let r = sqlx::query("SELECT COUNT(*) AS n FROM emails WHERE state = $1").bind(state).fetch_one(c).await?;
    row::int(&r, "n")
}

/// How many sent or given-up emails still hold a one-time link in their body (should be none).
pub async fn count_unforgotten_secrets(c: &mut AnyConnection) -> Result<i64> {
    let r = sqlx::query(
        "SELECT COUNT(*) AS n FROM emails WHERE state IN ('sent', 'failed') \
         AND (unique_key LIKE 'reset:%' OR unique_key LIKE 'invitation:%') AND (text_body <> '' OR html_body <> '')",
    )
    .fetch_one(c)
    .await?;
    row::int(&r, "n")
}
