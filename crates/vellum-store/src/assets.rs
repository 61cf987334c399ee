//! Assets, their immutable versions and the content-addressed blobs they point at.

use std::collections::HashMap;

use sqlx::{any::AnyRow, AnyConnection, Row};
use vellum_domain::{
    folder::Folder, media::VersionMedia, metadata::AssetMetadata, status::AssetStatus, validate::AssetKind, Id,
    Timestamp,
};

use crate::{
    dialect,
    model::{Asset, FocalPoint, Processing, Rendition, Version},
    row, values, Error, Result,
};

pub(crate) const ASSET_COLS: &str =
    "id, workspace_id, title, kind, metadata, folder, status, current_version, approved_version, \
                          created_by, created_at, updated_at";

pub(crate) fn decode_asset(r: &AnyRow) -> Result<Asset> {
    Ok(Asset {
        id: row::id(r, "id")?,
        workspace_id: row::id(r, "workspace_id")?,
        title: row::text(r, "title")?,
        kind: row::parsed(r, "kind", |s| AssetKind::parse(s).ok())?,
        metadata: row::json::<AssetMetadata>(r, "metadata")?,
        folder: row::opt_text(r, "folder")?
            .map(|f| Folder::parse(&f).map_err(|e| Error::Corrupt(format!("folder: {e}"))))
            .transpose()?,
        status: row::parsed(r, "status", AssetStatus::parse)?,
        current_version: row::uint(r, "current_version")?,
        approved_version: row::opt_uint(r, "approved_version")?,
        created_by: row::id(r, "created_by")?,
        created_at: row::ts(r, "created_at")?,
        updated_at: row::ts(r, "updated_at")?,
    })
}

pub(crate) const VERSION_COLS: &str =
    "asset_id, number, sha256, size, content_type, filename, note, restored_from, created_by, \
                            created_at, processing, processing_reason, media, focal_x, focal_y";

pub(crate) fn decode_version(r: &AnyRow) -> Result<Version> {
    Ok(Version {
        asset_id: row::id(r, "asset_id")?,
        number: row::uint(r, "number")?,
        sha256: row::text(r, "sha256")?,
        size: u64::try_from(row::int(r, "size")?).map_err(|_| Error::Corrupt("negative size".into()))?,
        content_type: row::text(r, "content_type")?,
        filename: row::text(r, "filename")?,
        note: row::text(r, "note")?,
        restored_from: row::opt_uint(r, "restored_from")?,
        created_by: row::id(r, "created_by")?,
        created_at: row::ts(r, "created_at")?,
        processing: row::parsed(r, "processing", Processing::parse)?,
        processing_reason: row::opt_text(r, "processing_reason")?,
        media: row::opt_text(r, "media")?
            .map(|m| serde_json::from_str(&m).map_err(|e| Error::Corrupt(format!("media: {e}"))))
            .transpose()?,
        focal_point: match (r.try_get::<Option<f64>, _>("focal_x")?, r.try_get::<Option<f64>, _>("focal_y")?) {
            (Some(x), Some(y)) => Some(FocalPoint { x, y }),
            _ => None,
        },
        purged_at: row::opt_ts(r, "purged_at")?,
    })
}

pub async fn insert(c: &mut AnyConnection, a: &Asset) -> Result<()> {
    insert_many(c, std::slice::from_ref(a)).await
}

/// Inserts assets, many rows per statement (imports).
pub async fn insert_many(c: &mut AnyConnection, list: &[Asset]) -> Result<()> {
    for chunk in list.chunks(values::rows_per_statement(12)) {
        let sql = format!(
            "INSERT INTO assets ({ASSET_COLS}) VALUES {}",
            values::numbered("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for a in chunk {
            q = q
                .bind(a.id.to_string())
                .bind(a.workspace_id.to_string())
                .bind(&a.title)
                .bind(a.kind.as_str())
                .bind(row::to_json(&a.metadata)?)
                .bind(a.folder.as_ref().map(|f| f.as_str().to_string()))
                .bind(a.status.as_str())
                .bind(i64::from(a.current_version))
                .bind(a.approved_version.map(i64::from))
                .bind(a.created_by.to_string())
                .bind(a.created_at.to_string())
                .bind(a.updated_at.to_string());
        }
        q.execute(&mut *c).await?;
    }
    Ok(())
}

pub async fn get(c: &mut AnyConnection, id: Id) -> Result<Option<Asset>> {
    let sql = format!("SELECT {ASSET_COLS} FROM assets WHERE id = $1");
    sqlx::query(&sql).bind(id.to_string()).fetch_optional(c).await?.as_ref().map(decode_asset).transpose()
}

/// Reads an asset and, on PostgreSQL, locks it until the transaction ends, so concurrent
/// uploads and reviews of one asset take turns.
pub async fn get_for_update(c: &mut AnyConnection, id: Id) -> Result<Option<Asset>> {
    let lock = dialect::of(c).for_update();
    let sql = format!("SELECT {ASSET_COLS} FROM assets WHERE id = $1{lock}");
    sqlx::query(&sql).bind(id.to_string()).fetch_optional(c).await?.as_ref().map(decode_asset).transpose()
}

/// What a library listing asks for.
#[derive(Debug, Clone, Default)]
pub struct AssetFilter {
    pub status: Option<AssetStatus>,
    pub kind: Option<AssetKind>,
    /// Only assets in this folder or below it, by whole segments (`a` matches `a` and `a/b`,
    /// not `ab`).
    pub folder: Option<Folder>,
    /// Only assets with an approved version (what viewers may see, and `?approved=true`).
    pub approved_only: bool,
    /// Only assets never approved (`?approved=false`).
    pub never_approved: bool,
    /// Only assets created before this one (the page cursor: ids are UUIDv7, so newest first
    /// by id is creation order and never shifts as rows change).
    pub before: Option<Id>,
    pub limit: u32,
}

pub async fn list(c: &mut AnyConnection, ws: Id, f: &AssetFilter) -> Result<Vec<Asset>> {
    // Archived assets are out of the library.
    let mut sql = format!("SELECT {ASSET_COLS} FROM assets WHERE workspace_id = $1 AND archived_at IS NULL");
    let mut binds: Vec<&str> = Vec::new();
    // The placeholder of the next bound value: $1 is the workspace.
    let next = |binds: &Vec<&str>| format!("${}", binds.len() + 2);
    if let Some(s) = f.status {
        sql.push_str(&format!(" AND status = {}", next(&binds)));
        binds.push(s.as_str());
    }
    if let Some(k) = f.kind {
        sql.push_str(&format!(" AND kind = {}", next(&binds)));
        binds.push(k.as_str());
    }
    let below = f.folder.as_ref().map(Folder::below_prefix);
    if let (Some(folder), Some(below)) = (&f.folder, &below) {
        // A prefix compared with substr, not LIKE: SQLite's LIKE ignores ASCII case where
        // PostgreSQL's does not, and a '%' or '_' in a folder's name would need escaping.
        // Both count characters in substr and length alike.
        let at = next(&binds);
        binds.push(folder.as_str());
        let below_at = next(&binds);
        binds.push(below);
        sql.push_str(&format!(" AND (folder = {at} OR substr(folder, 1, length({below_at})) = {below_at})"));
    }
    if f.approved_only {
        sql.push_str(" AND approved_version IS NOT NULL");
    }
    if f.never_approved {
        sql.push_str(" AND approved_version IS NULL");
    }
    let before = f.before.map(|b| b.to_string());
    if let Some(b) = &before {
        sql.push_str(&format!(" AND id < {}", next(&binds)));
        binds.push(b);
    }
    sql.push_str(&format!(" ORDER BY id DESC LIMIT {}", f.limit.clamp(1, 1001)));
    let mut q = sqlx::query(&sql).bind(ws.to_string());
    for b in binds {
        q = q.bind(b);
    }
    q.fetch_all(c).await?.iter().map(decode_asset).collect()
}

pub async fn update_details(c: &mut AnyConnection, a: &Asset) -> Result<()> {
    sqlx::query("UPDATE assets SET title = $1, metadata = $2, updated_at = $3 WHERE id = $4")
        .bind(&a.title)
        .bind(row::to_json(&a.metadata)?)
        .bind(a.updated_at.to_string())
        .bind(a.id.to_string())
        .execute(c)
        .await?;
    Ok(())
}

/// Stores the derived state: current and approved version and the status.
pub async fn update_state(c: &mut AnyConnection, a: &Asset) -> Result<()> {
    sqlx::query(
        "UPDATE assets SET current_version = $1, approved_version = $2, status = $3, updated_at = $4 WHERE id = $5",
    )
    .bind(i64::from(a.current_version))
    .bind(a.approved_version.map(i64::from))
    .bind(a.status.as_str())
    .bind(a.updated_at.to_string())
    .bind(a.id.to_string())
    .execute(c)
    .await?;
    Ok(())
}

/// Records a blob the blob store has made durable (idempotent).
pub async fn insert_blob(c: &mut AnyConnection, sha256: &str, size: u64, now: Timestamp) -> Result<()> {
    insert_blobs(c, &[(sha256, size)], now).await
}

/// Records blobs the blob store has made durable (idempotent), many rows per statement.
pub async fn insert_blobs(c: &mut AnyConnection, blobs: &[(&str, u64)], now: Timestamp) -> Result<()> {
    // A key twice in one statement is refused by PostgreSQL even with DO NOTHING.
    let mut seen = std::collections::HashSet::new();
    let blobs: Vec<_> = blobs.iter().filter(|(sha, _)| seen.insert(*sha)).collect();
    for chunk in blobs.chunks(values::rows_per_statement(3)) {
        let sql = format!(
            "INSERT INTO blobs (sha256, size, created_at) VALUES {} ON CONFLICT (sha256) DO UPDATE SET purged_at = NULL \
             WHERE blobs.purged_at IS NOT NULL",
            values::numbered("(?, ?, ?)", chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for (sha, size) in chunk {
            q = q.bind(*sha).bind(i64::try_from(*size).map_err(|_| Error::Corrupt("size out of range".into()))?);
            q = q.bind(now.to_string());
        }
        q.execute(&mut *c).await?;
    }
    Ok(())
}

/// Every blob the database points at (for integrity checks).
pub async fn all_blobs(c: &mut AnyConnection) -> Result<Vec<(String, u64)>> {
    sqlx::query("SELECT sha256, size FROM blobs ORDER BY sha256")
        .fetch_all(c)
        .await?
        .iter()
        .map(|r| Ok((row::text(r, "sha256")?, row::int(r, "size")? as u64)))
        .collect()
}

pub async fn insert_version(c: &mut AnyConnection, workspace: Id, v: &Version) -> Result<()> {
    insert_versions(c, workspace, std::slice::from_ref(v)).await
}

/// Inserts versions of one workspace's assets, many rows per statement (imports).
pub async fn insert_versions(c: &mut AnyConnection, workspace: Id, list: &[Version]) -> Result<()> {
    for chunk in list.chunks(values::rows_per_statement(16)) {
        let sql = format!(
            "INSERT INTO versions ({VERSION_COLS}, workspace_id) VALUES {}",
            values::numbered("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for v in chunk {
            q = q
                .bind(v.asset_id.to_string())
                .bind(i64::from(v.number))
                .bind(&v.sha256)
                .bind(v.size as i64)
                .bind(&v.content_type)
                .bind(&v.filename)
                .bind(&v.note)
                .bind(v.restored_from.map(i64::from))
                .bind(v.created_by.to_string())
                .bind(v.created_at.to_string())
                .bind(v.processing.as_str())
                .bind(v.processing_reason.clone())
                .bind(v.media.as_ref().map(row::to_json).transpose()?)
                .bind(v.focal_point.map(|f| f.x))
                .bind(v.focal_point.map(|f| f.y))
                .bind(workspace.to_string());
        }
        q.execute(&mut *c).await?;
    }
    Ok(())
}

pub async fn versions(c: &mut AnyConnection, asset: Id) -> Result<Vec<Version>> {
    let sql = format!("SELECT {VERSION_COLS}, purged_at FROM versions WHERE asset_id = $1 ORDER BY number DESC");
    sqlx::query(&sql).bind(asset.to_string()).fetch_all(c).await?.iter().map(decode_version).collect()
}

pub async fn version(c: &mut AnyConnection, asset: Id, number: u32) -> Result<Option<Version>> {
    let sql = format!("SELECT {VERSION_COLS}, purged_at FROM versions WHERE asset_id = $1 AND number = $2");
    sqlx::query(&sql)
        .bind(asset.to_string())
        .bind(i64::from(number))
        .fetch_optional(c)
        .await?
        .as_ref()
        .map(decode_version)
        .transpose()
}

/// The first version in a workspace with this content, if any (for duplicate detection).
pub async fn find_content(c: &mut AnyConnection, ws: Id, sha256: &str) -> Result<Option<(Id, u32)>> {
    let r = sqlx::query(
        "SELECT asset_id, number FROM versions WHERE workspace_id = $1 AND sha256 = $2 ORDER BY created_at LIMIT 1",
    )
    .bind(ws.to_string())
    .bind(sha256)
    .fetch_optional(c)
    .await?;
    r.map(|r| Ok((row::id(&r, "asset_id")?, row::uint(&r, "number")?))).transpose()
}

/// A workspace's first version with some content, and its asset's title (imports name
/// duplicates by it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldContent {
    pub asset_id: Id,
    pub version: u32,
    pub title: String,
}

/// For each of `shas` the workspace holds, its first version (as `find_content`), with one
/// query per few hundred hashes instead of one per hash (imports).
pub async fn find_contents(c: &mut AnyConnection, ws: Id, shas: &[&str]) -> Result<HashMap<String, HeldContent>> {
    let mut first: HashMap<String, (String, HeldContent)> = HashMap::new();
    for chunk in shas.chunks(values::rows_per_statement(1)) {
        // $1 is the workspace; the hashes follow.
        let list = values::numbered_after(1, "?", chunk.len());
        let sql = format!(
            "SELECT v.asset_id, v.number, v.sha256, v.created_at, a.title FROM versions v \
             JOIN assets a ON a.id = v.asset_id WHERE v.workspace_id = $1 AND v.sha256 IN ({list})"
        );
        let mut q = sqlx::query(&sql).bind(ws.to_string());
        for sha in chunk {
            q = q.bind(*sha);
        }
        for r in q.fetch_all(&mut *c).await? {
            let (sha, at) = (row::text(&r, "sha256")?, row::text(&r, "created_at")?);
            let held = HeldContent {
                asset_id: row::id(&r, "asset_id")?,
                version: row::uint(&r, "number")?,
                title: row::text(&r, "title")?,
            };
            // Timestamps are fixed-width UTC text: their order is their text's order.
            match first.get(&sha) {
                Some((earliest, _)) if *earliest <= at => {}
                _ => {
                    first.insert(sha, (at, held));
                }
            }
        }
    }
    Ok(first.into_iter().map(|(sha, (_, held))| (sha, held)).collect())
}

/// Every (asset, version, sha256) of a version whose file is kept (not purged): the store's
/// invariant is that each has its bytes. For integrity checks after a crash.
pub async fn all_version_blobs(c: &mut AnyConnection) -> Result<Vec<(Id, u32, String)>> {
    sqlx::query("SELECT asset_id, number, sha256 FROM versions WHERE purged_at IS NULL")
        .fetch_all(c)
        .await?
        .iter()
        .map(|r| Ok((row::id(r, "asset_id")?, row::uint(r, "number")?, row::text(r, "sha256")?)))
        .collect()
}

/// Records the outcome of processing a version.
pub async fn set_processing(
    c: &mut AnyConnection,
    asset: Id,
    number: u32,
    state: Processing,
    reason: Option<&str>,
    media: Option<&VersionMedia>,
) -> Result<()> {
    sqlx::query(
        "UPDATE versions SET processing = $1, processing_reason = $2, media = COALESCE($3, media) WHERE asset_id = $4 AND number = $5",
    )
    .bind(state.as_str())
    .bind(reason.map(str::to_string))
    .bind(media.map(row::to_json).transpose()?)
    .bind(asset.to_string())
    .bind(i64::from(number))
    .execute(c)
    .await?;
    Ok(())
}

/// Stores a rendition; one made again from a changed spec (an edited preset, a moved focal
/// point) replaces the old one.
pub async fn insert_rendition(c: &mut AnyConnection, r: &Rendition) -> Result<()> {
    sqlx::query(
        "INSERT INTO renditions (asset_id, version, name, spec, sha256, size, content_type, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (asset_id, version, name) DO UPDATE SET \
         spec = excluded.spec, sha256 = excluded.sha256, size = excluded.size, \
         content_type = excluded.content_type, created_at = excluded.created_at",
    )
    .bind(r.asset_id.to_string())
    .bind(i64::from(r.version))
    .bind(&r.name)
    .bind(row::to_json(&r.spec)?)
    .bind(&r.sha256)
    .bind(r.size as i64)
    .bind(&r.content_type)
    .bind(r.created_at.to_string())
    .execute(c)
    .await?;
    Ok(())
}

pub async fn rendition(c: &mut AnyConnection, asset: Id, version: u32, name: &str) -> Result<Option<Rendition>> {
    let r = sqlx::query(
        "SELECT asset_id, version, name, spec, sha256, size, content_type, created_at FROM renditions \
         WHERE asset_id = $1 AND version = $2 AND name = $3",
    )
    .bind(asset.to_string())
    .bind(i64::from(version))
    .bind(name)
    .fetch_optional(c)
    .await?;
    r.map(|r| {
        Ok(Rendition {
            asset_id: row::id(&r, "asset_id")?,
            version: row::uint(&r, "version")?,
            name: row::text(&r, "name")?,
            spec: row::json(&r, "spec")?,
            sha256: row::text(&r, "sha256")?,
            size: row::int(&r, "size")? as u64,
            content_type: row::text(&r, "content_type")?,
            created_at: row::ts(&r, "created_at")?,
        })
    })
    .transpose()
}

/// Moves a version's focal point.
pub async fn set_focal_point(c: &mut AnyConnection, asset: Id, number: u32, f: FocalPoint) -> Result<()> {
    sqlx::query("UPDATE versions SET focal_x = $1, focal_y = $2 WHERE asset_id = $3 AND number = $4")
        .bind(f.x)
        .bind(f.y)
        .bind(asset.to_string())
        .bind(i64::from(number))
        .execute(c)
        .await?;
    Ok(())
}

/// A workspace's own spec for a preset name, if it has set one.
pub async fn preset(c: &mut AnyConnection, ws: Id, name: &str) -> Result<Option<serde_json::Value>> {
    let r = sqlx::query("SELECT spec FROM presets WHERE workspace_id = $1 AND name = $2")
        .bind(ws.to_string())
        .bind(name)
        .fetch_optional(c)
        .await?;
    r.map(|r| row::json(&r, "spec")).transpose()
}

/// Every preset a workspace has set.
pub async fn presets(c: &mut AnyConnection, ws: Id) -> Result<Vec<(String, serde_json::Value)>> {
    sqlx::query("SELECT name, spec FROM presets WHERE workspace_id = $1 ORDER BY name")
        .bind(ws.to_string())
        .fetch_all(c)
        .await?
        .iter()
        .map(|r| Ok((row::text(r, "name")?, row::json(r, "spec")?)))
        .collect()
}

/// Sets a workspace's preset, returning the spec it replaces.
pub async fn put_preset(
    c: &mut AnyConnection,
    ws: Id,
    name: &str,
    spec: &serde_json::Value,
    now: Timestamp,
) -> Result<Option<serde_json::Value>> {
    let before = preset(&mut *c, ws, name).await?;
    sqlx::query(
        "INSERT INTO presets (workspace_id, name, spec, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (workspace_id, name) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at",
    )
    .bind(ws.to_string())
    .bind(name)
    .bind(row::to_json(spec)?)
    .bind(now.to_string())
    .execute(c)
    .await?;
    Ok(before)
}

/// Perceptual hashes of the processed versions of a workspace's other assets.
pub async fn phashes(c: &mut AnyConnection, ws: Id, except_asset: Id) -> Result<Vec<(Id, u32, u64)>> {
    let rows = sqlx::query(
        "SELECT asset_id, number, media FROM versions WHERE workspace_id = $1 AND asset_id <> $2 AND media IS NOT NULL",
    )
    .bind(ws.to_string())
    .bind(except_asset.to_string())
    .fetch_all(c)
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let media: VersionMedia = row::json(r, "media")?;
        if let Some(h) = media.phash_bits() {
            out.push((row::id(r, "asset_id")?, row::uint(r, "number")?, h));
        }
    }
    Ok(out)
}

/// The metadata of every asset of a workspace (to check a schema change against).
pub async fn all_metadata(c: &mut AnyConnection, ws: Id) -> Result<Vec<AssetMetadata>> {
    let rows =
        sqlx::query("SELECT metadata FROM assets WHERE workspace_id = $1").bind(ws.to_string()).fetch_all(c).await?;
    rows.iter().map(|r| row::json(r, "metadata")).collect()
}

/// The assets filed under a campaign (through their brief), newest first.
pub async fn of_campaign(c: &mut AnyConnection, campaign: Id, limit: u32) -> Result<Vec<Asset>> {
    let sql =
        format!("SELECT {ASSET_COLS} FROM assets WHERE campaign_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2");
    sqlx::query(&sql)
        .bind(campaign.to_string())
        .bind(i64::from(limit))
        .fetch_all(c)
        .await?
        .iter()
        .map(decode_asset)
        .collect()
}

/// The renditions made so far for a version: each one's name and content type, by name.
pub async fn rendition_names(c: &mut AnyConnection, asset: Id, version: u32) -> Result<Vec<(String, String)>> {
    sqlx::query("SELECT name, content_type FROM renditions WHERE asset_id = $1 AND version = $2 ORDER BY name")
        .bind(asset.to_string())
        .bind(i64::from(version))
        .fetch_all(c)
        .await?
        .iter()
        .map(|r| Ok((row::text(r, "name")?, row::text(r, "content_type")?)))
        .collect()
}
