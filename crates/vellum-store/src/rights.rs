//! An asset's rights (one document per asset) and whether it is archived.

use sqlx::AnyConnection;
use vellum_domain::{rights::Rights, Id, Timestamp};

use crate::{row, Result};

pub async fn get(c: &mut AnyConnection, asset: Id) -> Result<Option<Rights>> {
    let r = sqlx::query("SELECT rights FROM asset_rights WHERE asset_id = $1")
        .bind(asset.to_string())
        .fetch_optional(c)
        .await?;
    r.as_ref().map(|r| row::json(r, "rights")).transpose()
}

/// Replaces the asset's rights.
pub async fn put(c: &mut AnyConnection, asset: Id, rights: &Rights, at: Timestamp) -> Result<()> {
    sqlx::query("DELETE FROM asset_rights WHERE asset_id = $1").bind(asset.to_string()).execute(&mut *c).await?;
    sqlx::query("INSERT INTO asset_rights (asset_id, rights, updated_at) VALUES ($1, $2, $3)")
        .bind(asset.to_string())
        .bind(row::to_json(rights)?)
        .bind(at.to_string())
        .execute(c)
        .await?;
    Ok(())
}

/// When the asset was archived (None: it is not).
pub async fn archived_at(c: &mut AnyConnection, asset: Id) -> Result<Option<Timestamp>> {
    let r =
        sqlx::query("SELECT archived_at FROM assets WHERE id = $1").bind(asset.to_string()).fetch_optional(c).await?;
    match r {
        Some(r) => row::opt_ts(&r, "archived_at"),
        None => Ok(None),
    }
}

/// Archives the asset at `at`, or brings it back (None).
pub async fn set_archived(c: &mut AnyConnection, asset: Id, at: Option<Timestamp>) -> Result<()> {
    sqlx::query("UPDATE assets SET archived_at = $1 WHERE id = $2")
        .bind(at.map(|t| t.to_string()))
        .bind(asset.to_string())
        .execute(c)
        .await?;
    Ok(())
}

/// Every unarchived asset with rights recorded: (asset, its rights).
pub async fn all_live(c: &mut AnyConnection) -> Result<Vec<(Id, Rights)>> {
    let rows = sqlx::query(
        "SELECT r.asset_id, r.rights FROM asset_rights r JOIN assets a ON a.id = r.asset_id \
         WHERE a.archived_at IS NULL ORDER BY r.asset_id",
    )
    .fetch_all(c)
    .await?;
    rows.iter().map(|r| Ok((row::id(r, "asset_id")?, row::json(r, "rights")?))).collect()
}

/// Records that a warning went out; false when it already had.
pub async fn warned(c: &mut AnyConnection, asset: Id, ends_on: &str, days_before: u32, at: Timestamp) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO rights_warnings (asset_id, ends_on, days_before, sent_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT DO NOTHING",
    )
    .bind(asset.to_string())
    .bind(ends_on)
    .bind(i64::from(days_before))
    .bind(at.to_string())
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The rights of every asset of a workspace that has them.
pub async fn of_workspace(c: &mut AnyConnection, ws: Id) -> Result<std::collections::HashMap<Id, Rights>> {
    let rows = sqlx::query(
        "SELECT r.asset_id, r.rights FROM asset_rights r JOIN assets a ON a.id = r.asset_id WHERE a.workspace_id = $1",
    )
    .bind(ws.to_string())
    .fetch_all(c)
    .await?;
    rows.iter().map(|r| Ok((row::id(r, "asset_id")?, row::json(r, "rights")?))).collect()
}
