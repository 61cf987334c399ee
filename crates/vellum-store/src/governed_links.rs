//! Short-lived download links made for a person (by their agent), stored by hash.

use sqlx::{any::AnyRow, AnyConnection};
use vellum_domain::{Id, Timestamp};

use crate::{row, Result};

/// One link: whose it is, through which token, and what it opens.
#[derive(Debug, Clone)]
pub struct GovernedLink {
    pub id: Id,
    pub user_id: Id,
    pub token_id: Option<Id>,
    pub asset_id: Id,
    pub version: u32,
    /// `original`, or a rendition's name.
    pub rendition: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

const COLS: &str = "id, user_id, token_id, asset_id, version, rendition, created_at, expires_at";

fn decode(r: &AnyRow) -> Result<GovernedLink> {
    Ok(GovernedLink {
        id: row::id(r, "id")?,
        user_id: row::id(r, "user_id")?,
        token_id: row::opt_id(r, "token_id")?,
        asset_id: row::id(r, "asset_id")?,
        version: row::uint(r, "version")?,
        rendition: row::text(r, "rendition")?,
        created_at: row::ts(r, "created_at")?,
        expires_at: row::ts(r, "expires_at")?,
    })
}

pub async fn insert(c: &mut AnyConnection, l: &GovernedLink, token_hash: &str) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO governed_links (token_hash, {COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    ))
    .bind(token_hash)
    .bind(l.id.to_string())
    .bind(l.user_id.to_string())
    .bind(l.token_id.map(|t| t.to_string()))
    .bind(l.asset_id.to_string())
    .bind(i64::from(l.version))
    .bind(&l.rendition)
    .bind(l.created_at.to_string())
    .bind(l.expires_at.to_string())
    .execute(c)
    .await?;
    Ok(())
}

/// The unexpired link behind a secret's hash.
pub async fn live(c: &mut AnyConnection, token_hash: &str, now: Timestamp) -> Result<Option<GovernedLink>> {
    sqlx::query(&format!("SELECT {COLS} FROM governed_links WHERE token_hash = $1 AND expires_at > $2"))
        .bind(token_hash)
        .bind(now.to_string())
        .fetch_optional(c)
        .await?
        .as_ref()
        .map(decode)
        .transpose()
}

/// Forgets links that expired before `now`; returns how many.
pub async fn delete_expired(c: &mut AnyConnection, now: Timestamp) -> Result<u64> {
    let done =
        sqlx::query("DELETE FROM governed_links WHERE expires_at <= $1").bind(now.to_string()).execute(c).await?;
    Ok(done.rows_affected())
}
