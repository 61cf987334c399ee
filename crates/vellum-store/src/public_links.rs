//! Always-current public links (their tokens are public by design: they are embedded in
//! pages) and their hits, counted per day.

use sqlx::{any::AnyRow, AnyConnection};
use vellum_domain::{Id, Timestamp};

use crate::{row, Result};

#[derive(Debug, Clone)]
pub struct PublicLink {
    pub id: Id,
    pub workspace_id: Id,
    pub asset_id: Id,
    /// `original` or a rendition's name.
    pub rendition: String,
    pub token: String,
    pub created_by: Id,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

const COLS: &str = "id, workspace_id, asset_id, rendition, token, created_by, created_at, revoked_at";

fn link(r: &AnyRow) -> Result<PublicLink> {
    Ok(PublicLink {
        id: row::id(r, "id")?,
        workspace_id: row::id(r, "workspace_id")?,
        asset_id: row::id(r, "asset_id")?,
        rendition: row::text(r, "rendition")?,
        token: row::text(r, "token")?,
        created_by: row::id(r, "created_by")?,
        created_at: row::ts(r, "created_at")?,
        revoked_at: row::opt_ts(r, "revoked_at")?,
    })
}

pub async fn insert(c: &mut AnyConnection, l: &PublicLink) -> Result<()> {
    sqlx::query(&format!("INSERT INTO public_links ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"))
        .bind(l.id.to_string())
        .bind(l.workspace_id.to_string())
        .bind(l.asset_id.to_string())
        .bind(l.rendition.clone())
        .bind(l.token.clone())
        .bind(l.created_by.to_string())
        .bind(l.created_at.to_string())
        .bind(l.revoked_at.map(|t| t.to_string()))
        .execute(c)
        .await?;
    Ok(())
}

pub async fn get(c: &mut AnyConnection, id: Id) -> Result<Option<PublicLink>> {
    let sql = format!("SELECT {COLS} FROM public_links WHERE id = $1");
    sqlx::query(&sql).bind(id.to_string()).fetch_optional(c).await?.as_ref().map(link).transpose()
}

pub async fn by_token(c: &mut AnyConnection, token: &str) -> Result<Option<PublicLink>> {
    let sql = format!("SELECT {COLS} FROM public_links WHERE token = $1");
    sqlx::query(&sql).bind(token.to_string()).fetch_optional(c).await?.as_ref().map(link).transpose()
}

/// An asset's links that still work, with their total hits, oldest first.
pub async fn of_asset(c: &mut AnyConnection, asset: Id) -> Result<Vec<(PublicLink, u64)>> {
    let sql = format!(
        "SELECT {COLS}, (SELECT CAST(COALESCE(SUM(h.hits), 0) AS BIGINT) FROM public_link_hits h WHERE h.link_id = public_links.id) AS total \
         FROM public_links WHERE asset_id = $1 AND revoked_at IS NULL ORDER BY created_at, id"
    );
    let rows = sqlx::query(&sql).bind(asset.to_string()).fetch_all(c).await?;
    rows.iter().map(|r| Ok((link(r)?, u64::try_from(row::int(r, "total")?).unwrap_or(0)))).collect()
}

pub async fn revoke(c: &mut AnyConnection, id: Id, at: Timestamp) -> Result<()> {
    sqlx::query("UPDATE public_links SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(at.to_string())
        .bind(id.to_string())
        .execute(c)
        .await?;
    Ok(())
}

/// Counts one hit on `day`; true when it is the day's first (the day is then audited once).
pub async fn hit(c: &mut AnyConnection, link: Id, day: &str) -> Result<bool> {
    let updated = sqlx::query("UPDATE public_link_hits SET hits = hits + 1 WHERE link_id = $1 AND day = $2")
        .bind(link.to_string())
        .bind(day.to_string())
        .execute(&mut *c)
        .await?
        .rows_affected();
    if updated > 0 {
        return Ok(false);
    }
    sqlx::query("INSERT INTO public_link_hits (link_id, day, hits) VALUES ($1, $2, 1)")
        .bind(link.to_string())
        .bind(day.to_string())
        .execute(c)
        .await?;
    Ok(true)
}
