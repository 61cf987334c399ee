//! Computed differences between two versions of an asset, one row per ordered pair, and the
//! heat-map image of each compared page.

use sqlx::{any::AnyRow, AnyConnection};
use vellum_domain::{
    compare::{CompareKind, DiffState, PageDiff},
    text_diff::TextDiff,
    Id, Timestamp,
};

use crate::{row, Result};

#[derive(Debug, Clone)]
pub struct VersionDiff {
    pub asset_id: Id,
    pub a: u32,
    pub b: u32,
    pub workspace_id: Id,
    pub state: DiffState,
    pub kind: CompareKind,
    pub pages: Vec<PageDiff>,
    pub text: Option<TextDiff>,
    pub error: Option<String>,
    pub created_at: Timestamp,
    pub computed_at: Option<Timestamp>,
}

fn decode(r: &AnyRow) -> Result<VersionDiff> {
    Ok(VersionDiff {
        asset_id: row::id(r, "asset_id")?,
        a: row::uint(r, "a")?,
        b: row::uint(r, "b")?,
        workspace_id: row::id(r, "workspace_id")?,
        state: row::parsed(r, "state", DiffState::parse)?,
        kind: row::parsed(r, "kind", CompareKind::parse)?,
        pages: row::opt_text(r, "pages")?
            .map(|s| serde_json::from_str(&s).map_err(|e| crate::Error::Corrupt(format!("diff pages: {e}"))))
            .transpose()?
            .unwrap_or_default(),
        text: row::opt_text(r, "text_diff")?
            .map(|s| serde_json::from_str(&s).map_err(|e| crate::Error::Corrupt(format!("text diff: {e}"))))
            .transpose()?,
        error: row::opt_text(r, "error")?,
        created_at: row::ts(r, "created_at")?,
        computed_at: row::opt_ts(r, "computed_at")?,
    })
}

pub async fn get(c: &mut AnyConnection, asset: Id, a: u32, b: u32) -> Result<Option<VersionDiff>> {
    sqlx::query("SELECT * FROM version_diffs WHERE asset_id = $1 AND a = $2 AND b = $3")
        .bind(asset.to_string())
        .bind(i64::from(a))
        .bind(i64::from(b))
        .fetch_optional(c)
        .await?
        .as_ref()
        .map(decode)
        .transpose()
}

/// The computed comparisons of `asset` that end at version `b`.
pub async fn done_into(c: &mut AnyConnection, asset: Id, b: u32) -> Result<Vec<VersionDiff>> {
    sqlx::query("SELECT * FROM version_diffs WHERE asset_id = $1 AND b = $2 AND state = 'done'")
        .bind(asset.to_string())
        .bind(i64::from(b))
        .fetch_all(c)
        .await?
        .iter()
        .map(decode)
        .collect()
}

/// Records that a comparison is wanted; true when it was not recorded before.
pub async fn insert_pending(
    c: &mut AnyConnection,
    workspace: Id,
    asset: Id,
    (a, b): (u32, u32),
    kind: CompareKind,
    now: Timestamp,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO version_diffs (asset_id, a, b, workspace_id, state, kind, created_at) \
         VALUES ($1, $2, $3, $4, 'pending', $5, $6) ON CONFLICT (asset_id, a, b) DO NOTHING",
    )
    .bind(asset.to_string())
    .bind(i64::from(a))
    .bind(i64::from(b))
    .bind(workspace.to_string())
    .bind(kind.as_str())
    .bind(now.to_string())
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Stores a finished comparison and the heat-map blob of each page that has one.
pub async fn finish(c: &mut AnyConnection, d: &VersionDiff, heatmaps: &[(u32, String)], now: Timestamp) -> Result<()> {
    sqlx::query(
        "UPDATE version_diffs SET state = 'done', pages = $4, text_diff = $5, error = NULL, computed_at = $6 \
         WHERE asset_id = $1 AND a = $2 AND b = $3",
    )
    .bind(d.asset_id.to_string())
    .bind(i64::from(d.a))
    .bind(i64::from(d.b))
    .bind(row::to_json(&d.pages)?)
    .bind(d.text.as_ref().map(row::to_json).transpose()?)
    .bind(now.to_string())
    .execute(&mut *c)
    .await?;
    for (page, sha) in heatmaps {
        sqlx::query(
            "INSERT INTO diff_heatmaps (asset_id, a, b, page, sha256) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (asset_id, a, b, page) DO UPDATE SET sha256 = excluded.sha256",
        )
        .bind(d.asset_id.to_string())
        .bind(i64::from(d.a))
        .bind(i64::from(d.b))
        .bind(i64::from(*page))
        .bind(sha)
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

/// Records why a comparison could not be made.
pub async fn fail(c: &mut AnyConnection, asset: Id, (a, b): (u32, u32), why: &str, now: Timestamp) -> Result<()> {
    sqlx::query(
        "UPDATE version_diffs SET state = 'failed', error = $4, computed_at = $5 \
         WHERE asset_id = $1 AND a = $2 AND b = $3",
    )
    .bind(asset.to_string())
    .bind(i64::from(a))
    .bind(i64::from(b))
    .bind(why)
    .bind(now.to_string())
    .execute(c)
    .await?;
    Ok(())
}

/// Puts a failed comparison back to pending (asked for again after a retry).
pub async fn reset(c: &mut AnyConnection, asset: Id, (a, b): (u32, u32)) -> Result<()> {
    sqlx::query("UPDATE version_diffs SET state = 'pending', error = NULL WHERE asset_id = $1 AND a = $2 AND b = $3")
        .bind(asset.to_string())
        .bind(i64::from(a))
        .bind(i64::from(b))
        .execute(c)
        .await?;
    Ok(())
}

/// The heat-map blob of one compared page.
pub async fn heatmap(c: &mut AnyConnection, asset: Id, (a, b): (u32, u32), page: u32) -> Result<Option<String>> {
    let r = sqlx::query("SELECT sha256 FROM diff_heatmaps WHERE asset_id = $1 AND a = $2 AND b = $3 AND page = $4")
        .bind(asset.to_string())
        .bind(i64::from(a))
        .bind(i64::from(b))
        .bind(i64::from(page))
        .fetch_optional(c)
        .await?;
    r.as_ref().map(|r| row::text(r, "sha256")).transpose()
}
