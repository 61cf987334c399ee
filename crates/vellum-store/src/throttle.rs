//! Sign-in attempt counters (see `vellum_domain::throttle`), one row per throttled key.

use sqlx::{any::AnyRow, AnyConnection};
use vellum_domain::{throttle::Attempts, Timestamp};

use crate::{row, Result};

/// A key's counters and, for account-at-address keys, whom they are about.
#[derive(Debug, Clone)]
pub struct AttemptRow {
    pub key: String,
    pub attempts: Attempts,
    pub email: Option<String>,
    pub ip: Option<String>,
}

const COLS: &str = "key, failures, window_start, last_at, blocked_until, unaudited, email, ip";

fn decode(r: &AnyRow) -> Result<AttemptRow> {
    Ok(AttemptRow {
        key: row::text(r, "key")?,
        attempts: Attempts {
            failures: row::uint(r, "failures")?,
            blocked_until: row::opt_ts(r, "blocked_until")?,
            last_at: row::ts(r, "last_at")?,
            window_start: row::ts(r, "window_start")?,
            unaudited: row::uint(r, "unaudited")?,
        },
        email: row::opt_text(r, "email")?,
        ip: row::opt_text(r, "ip")?,
    })
}

pub async fn get(c: &mut AnyConnection, key: &str) -> Result<Option<AttemptRow>> {
    let sql = format!("SELECT {COLS} FROM sign_in_attempts WHERE key = $1");
    sqlx::query(&sql).bind(key).fetch_optional(c).await?.as_ref().map(decode).transpose()
}

pub async fn put(c: &mut AnyConnection, r: &AttemptRow) -> Result<()> {
    let a = &r.attempts;
    sqlx::query(
        "INSERT INTO sign_in_attempts (key, failures, window_start, last_at, blocked_until, unaudited, email, ip) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, window_start = excluded.window_start, \
         last_at = excluded.last_at, blocked_until = excluded.blocked_until, unaudited = excluded.unaudited",
    )
    .bind(&r.key)
    .bind(i64::from(a.failures))
    .bind(a.window_start.to_string())
    .bind(a.last_at.to_string())
    .bind(a.blocked_until.map(|t| t.to_string()))
    .bind(i64::from(a.unaudited))
    .bind(r.email.clone())
    .bind(r.ip.clone())
    .execute(c)
    .await?;
    Ok(())
}

pub async fn delete(c: &mut AnyConnection, key: &str) -> Result<()> {
    sqlx::query("DELETE FROM sign_in_attempts WHERE key = $1").bind(key).execute(c).await?;
    Ok(())
}

/// Rows whose audit window started before `before` with failures not yet recorded.
pub async fn windows_started_before(c: &mut AnyConnection, before: Timestamp) -> Result<Vec<AttemptRow>> {
    let sql = format!("SELECT {COLS} FROM sign_in_attempts WHERE unaudited > 0 AND window_start <= $1 ORDER BY key");
    sqlx::query(&sql).bind(before.to_string()).fetch_all(c).await?.iter().map(decode).collect()
}

/// Forgets keys quiet since before `before` whose failures are all recorded.
pub async fn delete_quiet(c: &mut AnyConnection, before: Timestamp) -> Result<u64> {
    let done = sqlx::query("DELETE FROM sign_in_attempts WHERE unaudited = 0 AND last_at < $1")
        .bind(before.to_string())
        .execute(c)
        .await?;
    Ok(done.rows_affected())
}
