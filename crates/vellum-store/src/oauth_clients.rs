//! OAuth 2.0 clients (client-credentials grant): each acts as its own service account.

use sqlx::{any::AnyRow, AnyConnection};
use vellum_domain::{scope::Scope, Id, Timestamp};

use crate::{row, Result};

#[derive(Debug, Clone)]
pub struct OAuthClient {
    /// The `client_id` (public).
    pub id: Id,
    pub name: String,
    /// The service account it acts as.
    pub user_id: Id,
    pub scope: Scope,
    pub workspace_id: Id,
    pub created_by: Id,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

const COLS: &str = "id, name, user_id, scope, workspace_id, created_by, created_at, revoked_at";

fn decode(r: &AnyRow) -> Result<OAuthClient> {
    Ok(OAuthClient {
        id: row::id(r, "id")?,
        name: row::text(r, "name")?,
        user_id: row::id(r, "user_id")?,
        scope: row::parsed(r, "scope", |s| Scope::parse(s).ok())?,
        workspace_id: row::id(r, "workspace_id")?,
        created_by: row::id(r, "created_by")?,
        created_at: row::ts(r, "created_at")?,
        revoked_at: row::opt_ts(r, "revoked_at")?,
    })
}

pub async fn insert(c: &mut AnyConnection, k: &OAuthClient, secret_hash: &str) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO oauth_clients ({COLS}, secret_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    ))
    .bind(k.id.to_string())
    .bind(&k.name)
    .bind(k.user_id.to_string())
    .bind(k.scope.as_str())
    .bind(k.workspace_id.to_string())
    .bind(k.created_by.to_string())
    .bind(k.created_at.to_string())
    .bind(k.revoked_at.map(|t| t.to_string()))
    .bind(secret_hash)
    .execute(c)
    .await?;
    Ok(())
}

/// A client with its secret's hash (to check a presented secret against).
pub async fn with_secret(c: &mut AnyConnection, id: Id) -> Result<Option<(OAuthClient, String)>> {
    let sql = format!("SELECT {COLS}, secret_hash FROM oauth_clients WHERE id = $1");
    let Some(r) = sqlx::query(&sql).bind(id.to_string()).fetch_optional(c).await? else { return Ok(None) };
    Ok(Some((decode(&r)?, row::text(&r, "secret_hash")?)))
}

/// Every client, oldest first.
pub async fn list(c: &mut AnyConnection) -> Result<Vec<OAuthClient>> {
    let sql = format!("SELECT {COLS} FROM oauth_clients ORDER BY created_at, id");
    sqlx::query(&sql).fetch_all(c).await?.iter().map(decode).collect()
}

/// Marks a live client revoked; false if there is no such live client.
pub async fn revoke(c: &mut AnyConnection, id: Id, now: Timestamp) -> Result<bool> {
    let done = sqlx::query("UPDATE oauth_clients SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(now.to_string())
        .bind(id.to_string())
        .execute(c)
        .await?;
    Ok(done.rows_affected() > 0)
}
