//! Retention policies, legal holds and the record of purged files. A purged version keeps its
//! row (with `purged_at`); `purges` says what went, when and why.

use std::collections::HashMap;

use sqlx::{any::AnyRow, AnyConnection};
use vellum_domain::{retention::RetentionSpec, Id, Timestamp};

use crate::{row, Result};

/// A legal hold and what it covers.
#[derive(Debug, Clone, PartialEq)]
pub struct LegalHold {
    pub id: Id,
    pub workspace_id: Id,
    pub name: String,
    pub reason: String,
    pub asset_ids: Vec<Id>,
    pub campaign_id: Option<Id>,
    pub created_by: Id,
    pub created_at: Timestamp,
    pub lifted_at: Option<Timestamp>,
    pub lifted_by: Option<Id>,
    pub lift_reason: Option<String>,
}

/// One purged file.
#[derive(Debug, Clone, PartialEq)]
pub struct Purge {
    pub id: Id,
    pub workspace_id: Id,
    pub asset_id: Id,
    pub version: u32,
    pub sha256: String,
    pub purged_at: Timestamp,
    /// Why: the policy and its dates, or who deleted the asset.
    pub reason: serde_json::Value,
}

pub async fn spec(c: &mut AnyConnection, ws: Id) -> Result<Option<RetentionSpec>> {
    let r = sqlx::query("SELECT policies FROM retention_settings WHERE workspace_id = $1")
        .bind(ws.to_string())
        .fetch_optional(c)
        .await?;
    r.as_ref().map(|r| row::json(r, "policies")).transpose()
}

pub async fn put_spec(c: &mut AnyConnection, ws: Id, spec: &RetentionSpec, at: Timestamp, by: Id) -> Result<()> {
    sqlx::query(
        "INSERT INTO retention_settings (workspace_id, policies, updated_at, updated_by) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (workspace_id) DO UPDATE SET policies = excluded.policies, updated_at = excluded.updated_at, \
         updated_by = excluded.updated_by",
    )
    .bind(ws.to_string())
    .bind(row::to_json(spec)?)
    .bind(at.to_string())
    .bind(by.to_string())
    .execute(c)
    .await?;
    Ok(())
}

const HOLD_COLS: &str =
    "id, workspace_id, name, reason, campaign_id, created_by, created_at, lifted_at, lifted_by, lift_reason";

fn decode_hold(r: &AnyRow) -> Result<LegalHold> {
    Ok(LegalHold {
        id: row::id(r, "id")?,
        workspace_id: row::id(r, "workspace_id")?,
        name: row::text(r, "name")?,
        reason: row::text(r, "reason")?,
        asset_ids: Vec::new(),
        campaign_id: row::opt_id(r, "campaign_id")?,
        created_by: row::id(r, "created_by")?,
        created_at: row::ts(r, "created_at")?,
        lifted_at: row::opt_ts(r, "lifted_at")?,
        lifted_by: row::opt_id(r, "lifted_by")?,
        lift_reason: row::opt_text(r, "lift_reason")?,
    })
}

async fn with_assets(c: &mut AnyConnection, mut h: LegalHold) -> Result<LegalHold> {
    let rows = sqlx::query("SELECT asset_id FROM legal_hold_assets WHERE hold_id = $1 ORDER BY asset_id")
        .bind(h.id.to_string())
        .fetch_all(c)
        .await?;
    h.asset_ids = rows.iter().map(|r| row::id(r, "asset_id")).collect::<Result<_>>()?;
    Ok(h)
}

pub async fn insert_hold(c: &mut AnyConnection, h: &LegalHold) -> Result<()> {
    sqlx::query(
        "INSERT INTO legal_holds (id, workspace_id, name, reason, campaign_id, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(h.id.to_string())
    .bind(h.workspace_id.to_string())
    .bind(&h.name)
    .bind(&h.reason)
    .bind(h.campaign_id.map(|i| i.to_string()))
    .bind(h.created_by.to_string())
    .bind(h.created_at.to_string())
    .execute(&mut *c)
    .await?;
    for a in &h.asset_ids {
        sqlx::query("INSERT INTO legal_hold_assets (hold_id, asset_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(h.id.to_string())
            .bind(a.to_string())
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}

pub async fn hold(c: &mut AnyConnection, id: Id) -> Result<Option<LegalHold>> {
    let sql = format!("SELECT {HOLD_COLS} FROM legal_holds WHERE id = $1");
    match sqlx::query(&sql).bind(id.to_string()).fetch_optional(&mut *c).await? {
        Some(r) => Ok(Some(with_assets(c, decode_hold(&r)?).await?)),
        None => Ok(None),
    }
}

/// A workspace's holds, newest first (lifted ones too).
pub async fn holds(c: &mut AnyConnection, ws: Id) -> Result<Vec<LegalHold>> {
    let sql = format!("SELECT {HOLD_COLS} FROM legal_holds WHERE workspace_id = $1 ORDER BY created_at DESC, id");
    let rows = sqlx::query(&sql).bind(ws.to_string()).fetch_all(&mut *c).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push(with_assets(&mut *c, decode_hold(r)?).await?);
    }
    Ok(out)
}

pub async fn lift(c: &mut AnyConnection, id: Id, at: Timestamp, by: Id, reason: &str) -> Result<()> {
    sqlx::query("UPDATE legal_holds SET lifted_at = $1, lifted_by = $2, lift_reason = $3 WHERE id = $4")
        .bind(at.to_string())
        .bind(by.to_string())
        .bind(reason)
        .bind(id.to_string())
        .execute(c)
        .await?;
    Ok(())
}

/// The live holds that cover an asset: naming it, or its campaign.
pub async fn holding(c: &mut AnyConnection, asset: Id) -> Result<Vec<(Id, String)>> {
    let rows = sqlx::query(
        "SELECT h.id, h.name FROM legal_holds h WHERE h.lifted_at IS NULL AND ( \
           EXISTS (SELECT 1 FROM legal_hold_assets x WHERE x.hold_id = h.id AND x.asset_id = $1) \
           OR h.campaign_id = (SELECT campaign_id FROM assets WHERE id = $1)) ORDER BY h.created_at, h.id",
    )
    .bind(asset.to_string())
    .fetch_all(c)
    .await?;
    rows.iter().map(|r| Ok((row::id(r, "id")?, row::text(r, "name")?))).collect()
}

/// When each asset of the workspace last left Vellum (downloads, share links, public links).
pub async fn last_distributed(c: &mut AnyConnection, ws: Id) -> Result<HashMap<Id, Timestamp>> {
    let rows = sqlx::query(
        "SELECT id, last_distributed_at FROM assets WHERE workspace_id = $1 AND last_distributed_at IS NOT NULL",
    )
    .bind(ws.to_string())
    .fetch_all(c)
    .await?;
    let mut out = HashMap::new();
    for r in &rows {
        out.insert(row::id(r, "id")?, row::ts(r, "last_distributed_at")?);
    }
    Ok(out)
}

/// Notes that a file of the asset left Vellum now.
pub async fn distributed(c: &mut AnyConnection, asset: Id, at: Timestamp) -> Result<()> {
    sqlx::query("UPDATE assets SET last_distributed_at = $1 WHERE id = $2")
        .bind(at.to_string())
        .bind(asset.to_string())
        .execute(c)
        .await?;
    Ok(())
}

/// Assets of the workspace with at least one version whose file is still kept.
pub async fn with_kept_files(c: &mut AnyConnection, ws: Id) -> Result<Vec<Id>> {
    let rows = sqlx::query(
        "SELECT DISTINCT asset_id FROM versions WHERE workspace_id = $1 AND purged_at IS NULL ORDER BY asset_id",
    )
    .bind(ws.to_string())
    .fetch_all(c)
    .await?;
    rows.iter().map(|r| row::id(r, "asset_id")).collect()
}

/// Marks a version purged and removes its renditions' rows; returns the content hashes that
/// may now be unused (the version's and its renditions').
pub async fn purge_version(c: &mut AnyConnection, p: &Purge) -> Result<Vec<String>> {
    sqlx::query("UPDATE versions SET purged_at = $1 WHERE asset_id = $2 AND number = $3")
        .bind(p.purged_at.to_string())
        .bind(p.asset_id.to_string())
        .bind(i64::from(p.version))
        .execute(&mut *c)
        .await?;
    sqlx::query(
        "INSERT INTO purges (id, workspace_id, asset_id, version, sha256, purged_at, reason) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(p.id.to_string())
    .bind(p.workspace_id.to_string())
    .bind(p.asset_id.to_string())
    .bind(i64::from(p.version))
    .bind(&p.sha256)
    .bind(p.purged_at.to_string())
    .bind(p.reason.to_string())
    .execute(&mut *c)
    .await?;
    let renditions = sqlx::query("SELECT sha256 FROM renditions WHERE asset_id = $1 AND version = $2")
        .bind(p.asset_id.to_string())
        .bind(i64::from(p.version))
        .fetch_all(&mut *c)
        .await?;
    let mut hashes = vec![p.sha256.clone()];
    for r in &renditions {
        hashes.push(row::text(r, "sha256")?);
    }
    sqlx::query("DELETE FROM renditions WHERE asset_id = $1 AND version = $2")
        .bind(p.asset_id.to_string())
        .bind(i64::from(p.version))
        .execute(c)
        .await?;
    hashes.dedup();
    Ok(hashes)
}

/// What was purged of an asset, oldest first.
pub async fn purges_of(c: &mut AnyConnection, asset: Id) -> Result<Vec<Purge>> {
    let rows = sqlx::query(
        "SELECT id, workspace_id, asset_id, version, sha256, purged_at, reason FROM purges WHERE asset_id = $1 \
         ORDER BY purged_at, version",
    )
    .bind(asset.to_string())
    .fetch_all(c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Purge {
                id: row::id(r, "id")?,
                workspace_id: row::id(r, "workspace_id")?,
                asset_id: row::id(r, "asset_id")?,
                version: row::uint(r, "version")?,
                sha256: row::text(r, "sha256")?,
                purged_at: row::ts(r, "purged_at")?,
                reason: row::json(r, "reason")?,
            })
        })
        .collect()
}

/// Workspaces that have saved retention policies.
pub async fn workspaces_with_policies(c: &mut AnyConnection) -> Result<Vec<Id>> {
    let rows = sqlx::query("SELECT workspace_id FROM retention_settings ORDER BY workspace_id").fetch_all(c).await?;
    rows.iter().map(|r| row::id(r, "workspace_id")).collect()
}
