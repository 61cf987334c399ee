//! Download policies (one document per workspace), download requests and the grants that
//! answer them.

use sqlx::{any::AnyRow, AnyConnection};
use vellum_domain::{download_policy::PolicySpec, Id, Timestamp};

use crate::{dialect, row, Result};

pub async fn policies(c: &mut AnyConnection, ws: Id) -> Result<Option<PolicySpec>> {
    let r = sqlx::query("SELECT spec FROM download_policies WHERE workspace_id = $1")
        .bind(ws.to_string())
        .fetch_optional(c)
        .await?;
    r.as_ref().map(|r| row::json(r, "spec")).transpose()
}

pub async fn put_policies(c: &mut AnyConnection, ws: Id, spec: &PolicySpec, at: Timestamp) -> Result<()> {
    sqlx::query("DELETE FROM download_policies WHERE workspace_id = $1").bind(ws.to_string()).execute(&mut *c).await?;
    sqlx::query("INSERT INTO download_policies (workspace_id, spec, updated_at) VALUES ($1, $2, $3)")
        .bind(ws.to_string())
        .bind(row::to_json(spec)?)
        .bind(at.to_string())
        .execute(c)
        .await?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct Request {
    pub id: Id,
    pub workspace_id: Id,
    pub asset_id: Id,
    pub version: Option<u32>,
    pub rendition: Option<String>,
    pub purpose: String,
    pub requester_id: Id,
    /// `pending`, `granted` or `denied`.
    pub status: String,
    pub created_at: Timestamp,
    pub decided_at: Option<Timestamp>,
    pub decided_by: Option<Id>,
    pub reason: Option<String>,
}

const REQUEST_COLS: &str =
    "id, workspace_id, asset_id, version, rendition, purpose, requester_id, status, created_at, \
                            decided_at, decided_by, reason";

fn request(r: &AnyRow) -> Result<Request> {
    Ok(Request {
        id: row::id(r, "id")?,
        workspace_id: row::id(r, "workspace_id")?,
        asset_id: row::id(r, "asset_id")?,
        version: row::opt_uint(r, "version")?,
        rendition: row::opt_text(r, "rendition")?,
        purpose: row::text(r, "purpose")?,
        requester_id: row::id(r, "requester_id")?,
        status: row::text(r, "status")?,
        created_at: row::ts(r, "created_at")?,
        decided_at: row::opt_ts(r, "decided_at")?,
        decided_by: row::opt_id(r, "decided_by")?,
        reason: row::opt_text(r, "reason")?,
    })
}

pub async fn insert_request(c: &mut AnyConnection, r: &Request) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO download_requests ({REQUEST_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    ))
    .bind(r.id.to_string())
    .bind(r.workspace_id.to_string())
    .bind(r.asset_id.to_string())
    .bind(r.version.map(i64::from))
    .bind(r.rendition.clone())
    .bind(r.purpose.clone())
    .bind(r.requester_id.to_string())
    .bind(r.status.clone())
    .bind(r.created_at.to_string())
    .bind(r.decided_at.map(|t| t.to_string()))
    .bind(r.decided_by.map(|u| u.to_string()))
    .bind(r.reason.clone())
    .execute(c)
    .await?;
    Ok(())
}

pub async fn get_request(c: &mut AnyConnection, id: Id, for_update: bool) -> Result<Option<Request>> {
    let lock = if for_update { dialect::of(c).for_update() } else { "" };
    let sql = format!("SELECT {REQUEST_COLS} FROM download_requests WHERE id = $1{lock}");
    sqlx::query(&sql).bind(id.to_string()).fetch_optional(c).await?.as_ref().map(request).transpose()
}

/// Records the decision on a pending request.
pub async fn decide_request(c: &mut AnyConnection, r: &Request) -> Result<()> {
    sqlx::query(
        "UPDATE download_requests SET status = $1, decided_at = $2, decided_by = $3, reason = $4 WHERE id = $5",
    )
    .bind(r.status.clone())
    .bind(r.decided_at.map(|t| t.to_string()))
    .bind(r.decided_by.map(|u| u.to_string()))
    .bind(r.reason.clone())
    .bind(r.id.to_string())
    .execute(c)
    .await?;
    Ok(())
}

/// A workspace's requests, newest first, of one status (empty: all), of one requester.
pub async fn requests(
    c: &mut AnyConnection,
    ws: Id,
    status: Option<&str>,
    requester: Option<Id>,
) -> Result<Vec<Request>> {
    let sql = format!(
        "SELECT {REQUEST_COLS} FROM download_requests WHERE workspace_id = $1 AND ($2 = '' OR status = $2) \
         AND ($3 = '' OR requester_id = $3) ORDER BY created_at DESC, id DESC LIMIT 500"
    );
    sqlx::query(&sql)
        .bind(ws.to_string())
        .bind(status.unwrap_or("").to_string())
        .bind(requester.map(|u| u.to_string()).unwrap_or_default())
        .fetch_all(c)
        .await?
        .iter()
        .map(request)
        .collect()
}

#[derive(Debug, Clone)]
pub struct Grant {
    pub id: Id,
    pub request_id: Id,
    pub workspace_id: Id,
    pub asset_id: Id,
    /// The one version it covers (None: any the grantee may see).
    pub version: Option<u32>,
    pub user_id: Id,
    pub expires_at: Timestamp,
    pub max_downloads: Option<u32>,
    pub downloads: u32,
    pub created_by: Id,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

const GRANT_COLS: &str =
    "id, request_id, workspace_id, asset_id, version, user_id, expires_at, max_downloads, downloads, \
                          created_by, created_at, revoked_at";

fn grant(r: &AnyRow) -> Result<Grant> {
    Ok(Grant {
        id: row::id(r, "id")?,
        request_id: row::id(r, "request_id")?,
        workspace_id: row::id(r, "workspace_id")?,
        asset_id: row::id(r, "asset_id")?,
        version: row::opt_uint(r, "version")?,
        user_id: row::id(r, "user_id")?,
        expires_at: row::ts(r, "expires_at")?,
        max_downloads: row::opt_uint(r, "max_downloads")?,
        downloads: row::uint(r, "downloads")?,
        created_by: row::id(r, "created_by")?,
        created_at: row::ts(r, "created_at")?,
        revoked_at: row::opt_ts(r, "revoked_at")?,
    })
}

pub async fn insert_grant(c: &mut AnyConnection, g: &Grant) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO download_grants ({GRANT_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    ))
    .bind(g.id.to_string())
    .bind(g.request_id.to_string())
    .bind(g.workspace_id.to_string())
    .bind(g.asset_id.to_string())
    .bind(g.version.map(i64::from))
    .bind(g.user_id.to_string())
    .bind(g.expires_at.to_string())
    .bind(g.max_downloads.map(i64::from))
    .bind(i64::from(g.downloads))
    .bind(g.created_by.to_string())
    .bind(g.created_at.to_string())
    .bind(g.revoked_at.map(|t| t.to_string()))
    .execute(c)
    .await?;
    Ok(())
}

pub async fn get_grant(c: &mut AnyConnection, id: Id) -> Result<Option<Grant>> {
    let sql = format!("SELECT {GRANT_COLS} FROM download_grants WHERE id = $1");
    sqlx::query(&sql).bind(id.to_string()).fetch_optional(c).await?.as_ref().map(grant).transpose()
}

/// A user's grants, newest first.
pub async fn grants_of(c: &mut AnyConnection, user: Id) -> Result<Vec<Grant>> {
    let sql = format!("SELECT {GRANT_COLS} FROM download_grants WHERE user_id = $1 ORDER BY created_at DESC, id DESC");
    sqlx::query(&sql).bind(user.to_string()).fetch_all(c).await?.iter().map(grant).collect()
}

/// A user's grants on one asset that are not revoked, newest first.
pub async fn grants_on(c: &mut AnyConnection, user: Id, asset: Id) -> Result<Vec<Grant>> {
    let sql = format!(
        "SELECT {GRANT_COLS} FROM download_grants WHERE user_id = $1 AND asset_id = $2 AND revoked_at IS NULL \
         ORDER BY created_at DESC, id DESC"
    );
    sqlx::query(&sql).bind(user.to_string()).bind(asset.to_string()).fetch_all(c).await?.iter().map(grant).collect()
}

pub async fn count_download(c: &mut AnyConnection, grant: Id) -> Result<()> {
    sqlx::query("UPDATE download_grants SET downloads = downloads + 1 WHERE id = $1")
        .bind(grant.to_string())
        .execute(c)
        .await?;
    Ok(())
}

pub async fn revoke_grant(c: &mut AnyConnection, id: Id, at: Timestamp) -> Result<()> {
    sqlx::query("UPDATE download_grants SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(at.to_string())
        .bind(id.to_string())
        .execute(c)
        .await?;
    Ok(())
}
