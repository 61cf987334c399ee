//! Share links (only a hash of each token kept, and of each password) and the unlocks a
//! correct password hands out, each scoped to its link; bundles — a collection shared as one
//! page — hold the links of their items.

use sqlx::{any::AnyRow, AnyConnection};
use vellum_domain::{Id, Timestamp};

use crate::{row, Result};

#[derive(Debug, Clone)]
pub struct ShareLink {
    pub id: Id,
    pub workspace_id: Id,
    pub asset_id: Id,
    /// The version shared (None: whatever version is approved when it is opened).
    pub version: Option<u32>,
    pub rendition: Option<String>,
    pub password_hash: Option<String>,
    pub allow_download: bool,
    pub watermark: bool,
    pub recipient_email: Option<String>,
    pub expires_at: Timestamp,
    pub created_by: Id,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
    pub access_count: u64,
    pub last_access_at: Option<Timestamp>,
    /// The collection share this link is an item of, and its place there.
    pub bundle_id: Option<Id>,
    pub bundle_position: Option<u32>,
}

const COLS: &str = "id, workspace_id, asset_id, version, rendition, password_hash, allow_download, watermark, \
                    recipient_email, expires_at, created_by, created_at, revoked_at, access_count, last_access_at, bundle_id, bundle_position";

fn link(r: &AnyRow) -> Result<ShareLink> {
    Ok(ShareLink {
        id: row::id(r, "id")?,
        workspace_id: row::id(r, "workspace_id")?,
        asset_id: row::id(r, "asset_id")?,
        version: row::opt_uint(r, "version")?,
        rendition: row::opt_text(r, "rendition")?,
        password_hash: row::opt_text(r, "password_hash")?,
        allow_download: row::int(r, "allow_download")? != 0,
        watermark: row::int(r, "watermark")? != 0,
        recipient_email: row::opt_text(r, "recipient_email")?,
        expires_at: row::ts(r, "expires_at")?,
        created_by: row::id(r, "created_by")?,
        created_at: row::ts(r, "created_at")?,
        revoked_at: row::opt_ts(r, "revoked_at")?,
        access_count: u64::try_from(row::int(r, "access_count")?).unwrap_or(0),
        last_access_at: row::opt_ts(r, "last_access_at")?,
        bundle_id: row::opt_id(r, "bundle_id")?,
        bundle_position: row::opt_uint(r, "bundle_position")?,
    })
}

pub async fn insert(c: &mut AnyConnection, l: &ShareLink, token_hash: &str) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO share_links ({COLS}, token_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
    ))
    .bind(l.id.to_string())
    .bind(l.workspace_id.to_string())
    .bind(l.asset_id.to_string())
    .bind(l.version.map(i64::from))
    .bind(l.rendition.clone())
    .bind(l.password_hash.clone())
    .bind(i64::from(l.allow_download))
    .bind(i64::from(l.watermark))
    .bind(l.recipient_email.clone())
    .bind(l.expires_at.to_string())
    .bind(l.created_by.to_string())
    .bind(l.created_at.to_string())
    .bind(l.revoked_at.map(|t| t.to_string()))
    .bind(i64::try_from(l.access_count).unwrap_or(i64::MAX))
    .bind(l.last_access_at.map(|t| t.to_string()))
    .bind(l.bundle_id.map(|b| b.to_string()))
    .bind(l.bundle_position.map(i64::from))
    .bind(token_hash.to_string())
    .execute(c)
    .await?;
    Ok(())
}

pub async fn get(c: &mut AnyConnection, id: Id) -> Result<Option<ShareLink>> {
    let sql = format!("SELECT {COLS} FROM share_links WHERE id = $1");
    sqlx::query(&sql).bind(id.to_string()).fetch_optional(c).await?.as_ref().map(link).transpose()
}

/// The link a token opens (looked up by the token's hash, never the token).
pub async fn by_token_hash(c: &mut AnyConnection, hash: &str) -> Result<Option<ShareLink>> {
    let sql = format!("SELECT {COLS} FROM share_links WHERE token_hash = $1");
    sqlx::query(&sql).bind(hash.to_string()).fetch_optional(c).await?.as_ref().map(link).transpose()
}

pub async fn of_asset(c: &mut AnyConnection, asset: Id) -> Result<Vec<ShareLink>> {
    let sql = format!("SELECT {COLS} FROM share_links WHERE asset_id = $1 ORDER BY created_at DESC, id DESC");
    sqlx::query(&sql).bind(asset.to_string()).fetch_all(c).await?.iter().map(link).collect()
}

pub async fn revoke(c: &mut AnyConnection, id: Id, at: Timestamp) -> Result<()> {
    sqlx::query("UPDATE share_links SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(at.to_string())
        .bind(id.to_string())
        .execute(c)
        .await?;
    Ok(())
}

/// What a token opens: one link, or a collection's page of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opens {
    Link,
    Bundle,
}

impl Opens {
    fn table(self) -> &'static str {
        match self {
            Opens::Link => "share_links",
            Opens::Bundle => "share_bundles",
        }
    }

    /// The table of unlocks and the column naming what they open.
    fn unlocks(self) -> (&'static str, &'static str) {
        match self {
            Opens::Link => ("share_unlocks", "link_id"),
            Opens::Bundle => ("bundle_unlocks", "bundle_id"),
        }
    }
}

/// Counts an opening of a link or a page.
pub async fn accessed(c: &mut AnyConnection, opens: Opens, id: Id, at: Timestamp) -> Result<()> {
    let sql =
        format!("UPDATE {} SET access_count = access_count + 1, last_access_at = $1 WHERE id = $2", opens.table());
    sqlx::query(&sql).bind(at.to_string()).bind(id.to_string()).execute(c).await?;
    Ok(())
}

pub async fn insert_unlock(
    c: &mut AnyConnection,
    opens: Opens,
    hash: &str,
    id: Id,
    expires_at: Timestamp,
) -> Result<()> {
    let (table, column) = opens.unlocks();
    let sql = format!("INSERT INTO {table} (token_hash, {column}, expires_at) VALUES ($1, $2, $3)");
    sqlx::query(&sql).bind(hash.to_string()).bind(id.to_string()).bind(expires_at.to_string()).execute(c).await?;
    Ok(())
}

/// Whether an unlock (by its hash) is live for this link or page.
pub async fn unlocked(c: &mut AnyConnection, opens: Opens, hash: &str, id: Id, now: Timestamp) -> Result<bool> {
    let (table, column) = opens.unlocks();
    let sql = format!("SELECT COUNT(*) AS n FROM {table} WHERE token_hash = $1 AND {column} = $2 AND expires_at > $3");
    let r = sqlx::query(&sql).bind(hash.to_string()).bind(id.to_string()).bind(now.to_string()).fetch_one(c).await?;
    Ok(row::int(&r, "n")? > 0)
}

/// A collection shared as one page: its items are share links that name it.
#[derive(Debug, Clone)]
pub struct ShareBundle {
    pub id: Id,
    pub workspace_id: Id,
    /// The collection shared (the share keeps its items even if the collection changes).
    pub collection_id: Id,
    /// The collection's name when it was shared.
    pub name: String,
    pub password_hash: Option<String>,
    pub expires_at: Timestamp,
    pub created_by: Id,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
    pub access_count: u64,
    pub last_access_at: Option<Timestamp>,
}

const BUNDLE_COLS: &str = "id, workspace_id, collection_id, name, password_hash, expires_at, created_by, created_at, \
                           revoked_at, access_count, last_access_at";

fn bundle(r: &AnyRow) -> Result<ShareBundle> {
    Ok(ShareBundle {
        id: row::id(r, "id")?,
        workspace_id: row::id(r, "workspace_id")?,
        collection_id: row::id(r, "collection_id")?,
        name: row::text(r, "name")?,
        password_hash: row::opt_text(r, "password_hash")?,
        expires_at: row::ts(r, "expires_at")?,
        created_by: row::id(r, "created_by")?,
        created_at: row::ts(r, "created_at")?,
        revoked_at: row::opt_ts(r, "revoked_at")?,
        access_count: u64::try_from(row::int(r, "access_count")?).unwrap_or(0),
        last_access_at: row::opt_ts(r, "last_access_at")?,
    })
}

pub async fn insert_bundle(c: &mut AnyConnection, b: &ShareBundle, token_hash: &str) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO share_bundles ({BUNDLE_COLS}, token_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    ))
    .bind(b.id.to_string())
    .bind(b.workspace_id.to_string())
    .bind(b.collection_id.to_string())
    .bind(b.name.clone())
    .bind(b.password_hash.clone())
    .bind(b.expires_at.to_string())
    .bind(b.created_by.to_string())
    .bind(b.created_at.to_string())
    .bind(b.revoked_at.map(|t| t.to_string()))
    .bind(i64::try_from(b.access_count).unwrap_or(i64::MAX))
    .bind(b.last_access_at.map(|t| t.to_string()))
    .bind(token_hash.to_string())
    .execute(c)
    .await?;
    Ok(())
}

pub async fn get_bundle(c: &mut AnyConnection, id: Id) -> Result<Option<ShareBundle>> {
    let sql = format!("SELECT {BUNDLE_COLS} FROM share_bundles WHERE id = $1");
    sqlx::query(&sql).bind(id.to_string()).fetch_optional(c).await?.as_ref().map(bundle).transpose()
}

/// The bundle a token opens (by the token's hash).
pub async fn bundle_by_token_hash(c: &mut AnyConnection, hash: &str) -> Result<Option<ShareBundle>> {
    let sql = format!("SELECT {BUNDLE_COLS} FROM share_bundles WHERE token_hash = $1");
    sqlx::query(&sql).bind(hash.to_string()).fetch_optional(c).await?.as_ref().map(bundle).transpose()
}

/// A bundle's item links, in the collection's order when it was shared.
pub async fn bundle_links(c: &mut AnyConnection, bundle: Id) -> Result<Vec<ShareLink>> {
    let sql = format!("SELECT {COLS} FROM share_links WHERE bundle_id = $1 ORDER BY bundle_position, id");
    sqlx::query(&sql).bind(bundle.to_string()).fetch_all(c).await?.iter().map(link).collect()
}

/// Revokes a bundle and every item link of it.
pub async fn revoke_bundle(c: &mut AnyConnection, id: Id, at: Timestamp) -> Result<()> {
    sqlx::query("UPDATE share_bundles SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(at.to_string())
        .bind(id.to_string())
        .execute(&mut *c)
        .await?;
    sqlx::query("UPDATE share_links SET revoked_at = $1 WHERE bundle_id = $2 AND revoked_at IS NULL")
        .bind(at.to_string())
        .bind(id.to_string())
        .execute(c)
        .await?;
    Ok(())
}
