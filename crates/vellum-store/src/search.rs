//! What the search indexer reads: a workspace's change record after its cursor, and
//! everything a search document is made of, many assets per statement.

use std::collections::HashMap;

use sqlx::AnyConnection;
use vellum_domain::{search_language::SearchLanguage, Id, Timestamp};

use crate::model::{Asset, Version};
use crate::{assets, row, values, Result};

/// One change in a workspace's record (its audit chain), as the indexer needs it.
#[derive(Debug, Clone)]
pub struct Change {
    pub seq: i64,
    pub at: Timestamp,
    pub object_type: String,
    pub object_id: Option<String>,
    pub asset_id: Option<Id>,
}

/// The changes of a workspace after `seq`, in order. The chain's head row is locked until a
/// writer commits, so sequence numbers become visible in order and a cursor skips none.
pub async fn changes(c: &mut AnyConnection, ws: Id, after: i64, limit: u32) -> Result<Vec<Change>> {
    sqlx::query(
        "SELECT seq, at, object_type, object_id, asset_id FROM audit_events WHERE chain = $1 AND seq > $2 \
         ORDER BY seq LIMIT $3",
    )
    .bind(ws.to_string())
    .bind(after)
    .bind(i64::from(limit))
    .fetch_all(c)
    .await?
    .iter()
    .map(|r| {
        Ok(Change {
            seq: row::int(r, "seq")?,
            at: row::ts(r, "at")?,
            object_type: row::text(r, "object_type")?,
            object_id: row::opt_text(r, "object_id")?,
            asset_id: row::opt_id(r, "asset_id")?,
        })
    })
    .collect()
}

/// The last sequence number of a workspace's record (0 before its first change).
pub async fn head(c: &mut AnyConnection, ws: Id) -> Result<i64> {
    let r = sqlx::query("SELECT seq FROM audit_heads WHERE chain = $1").bind(ws.to_string()).fetch_optional(c).await?;
    r.map_or(Ok(0), |r| row::int(&r, "seq"))
}

/// When the change after `seq` was made (None: there is none yet).
pub async fn next_change_at(c: &mut AnyConnection, ws: Id, after: i64) -> Result<Option<Timestamp>> {
    let r = sqlx::query("SELECT at FROM audit_events WHERE chain = $1 AND seq > $2 ORDER BY seq LIMIT 1")
        .bind(ws.to_string())
        .bind(after)
        .fetch_optional(c)
        .await?;
    r.map(|r| row::ts(&r, "at")).transpose()
}

/// How far followed searches have been told of a workspace's changes (None: never yet).
pub async fn told(c: &mut AnyConnection, ws: Id) -> Result<Option<i64>> {
    let r = sqlx::query("SELECT seq FROM search_told WHERE workspace_id = $1")
        .bind(ws.to_string())
        .fetch_optional(c)
        .await?;
    r.map(|r| row::int(&r, "seq")).transpose()
}

pub async fn set_told(c: &mut AnyConnection, ws: Id, seq: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO search_told (workspace_id, seq) VALUES ($1, $2) \
         ON CONFLICT (workspace_id) DO UPDATE SET seq = excluded.seq",
    )
    .bind(ws.to_string())
    .bind(seq)
    .execute(c)
    .await?;
    Ok(())
}

/// Every workspace's id and the language its search stems words in.
pub async fn workspaces(c: &mut AnyConnection) -> Result<Vec<(Id, SearchLanguage)>> {
    sqlx::query("SELECT id, search_language FROM workspaces ORDER BY id")
        .fetch_all(c)
        .await?
        .iter()
        .map(|r| Ok((row::id(r, "id")?, row::parsed(r, "search_language", SearchLanguage::parse)?)))
        .collect()
}

/// What ties assets to a campaign or a brief, whose names their documents carry.
#[derive(Debug, Clone, Copy)]
pub enum Link {
    Campaign,
    Brief,
}

/// The assets of a workspace linked to a campaign or brief.
pub async fn linked(c: &mut AnyConnection, ws: Id, link: Link, id: &str) -> Result<Vec<Id>> {
    let column = match link {
        Link::Campaign => "campaign_id",
        Link::Brief => "brief_id",
    };
    sqlx::query(&format!("SELECT id FROM assets WHERE workspace_id = $1 AND {column} = $2"))
        .bind(ws.to_string())
        .bind(id)
        .fetch_all(c)
        .await?
        .iter()
        .map(|r| row::id(r, "id"))
        .collect()
}

/// A page of a workspace's asset ids in id order, for a rebuild.
pub async fn asset_ids(c: &mut AnyConnection, ws: Id, after: Option<Id>, limit: u32) -> Result<Vec<Id>> {
    let after = after.map(|a| a.to_string()).unwrap_or_default();
    sqlx::query("SELECT id FROM assets WHERE workspace_id = $1 AND id > $2 ORDER BY id LIMIT $3")
        .bind(ws.to_string())
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(c)
        .await?
        .iter()
        .map(|r| row::id(r, "id"))
        .collect()
}

/// Everything a search document of an asset is made of.
#[derive(Debug, Clone)]
pub struct Source {
    pub asset: Asset,
    pub archived: bool,
    /// The current and the approved version (the same one when they are).
    pub versions: Vec<Version>,
    /// Version numbers that have a thumbnail.
    pub thumbnails: Vec<u32>,
    pub rights: Option<serde_json::Value>,
    /// Campaign code, name and last day.
    pub campaign: Option<(String, String, String)>,
    pub brief: Option<String>,
    /// Comment text, oldest first.
    pub comments: Vec<String>,
}

fn ids_list(taken: usize, n: usize) -> String {
    values::numbered_after(taken, "?", n)
}

/// A statement with the workspace (when given, as $1) and the ids bound.
fn bound<'q>(
    sql: &'q str,
    ws: Option<Id>,
    ids: &[Id],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    let mut q = sqlx::query(sql);
    if let Some(ws) = ws {
        q = q.bind(ws.to_string());
    }
    for id in ids {
        q = q.bind(id.to_string());
    }
    q
}

/// The sources of the given assets of a workspace (missing ones are left out).
pub async fn sources(c: &mut AnyConnection, ws: Id, ids: &[Id]) -> Result<Vec<Source>> {
    let mut out = Vec::with_capacity(ids.len());
    let campaigns: HashMap<String, (String, String, String)> =
        sqlx::query("SELECT id, code, name, ends_on FROM campaigns WHERE workspace_id = $1")
            .bind(ws.to_string())
            .fetch_all(&mut *c)
            .await?
            .iter()
            .map(|r| {
                Ok((row::text(r, "id")?, (row::text(r, "code")?, row::text(r, "name")?, row::text(r, "ends_on")?)))
            })
            .collect::<Result<_>>()?;
    for chunk in ids.chunks(values::rows_per_statement(1).min(500)) {
        let list = ids_list(1, chunk.len());
        let only = ids_list(0, chunk.len());
        let sql = format!(
            "SELECT {}, archived_at, campaign_id, brief_id FROM assets WHERE workspace_id = $1 AND id IN ({list})",
            assets::ASSET_COLS
        );
        let rows = bound(&sql, Some(ws), chunk).fetch_all(&mut *c).await?;
        let mut versions: HashMap<Id, Vec<Version>> = HashMap::new();
        let sql = format!(
            "SELECT {}, purged_at FROM versions v WHERE workspace_id = $1 AND asset_id IN ({list}) AND (number = \
             (SELECT current_version FROM assets a WHERE a.id = v.asset_id) OR number = \
             (SELECT approved_version FROM assets a WHERE a.id = v.asset_id))",
            assets::VERSION_COLS
        );
        for r in bound(&sql, Some(ws), chunk).fetch_all(&mut *c).await? {
            let v = assets::decode_version(&r)?;
            versions.entry(v.asset_id).or_default().push(v);
        }
        let mut thumbnails: HashMap<Id, Vec<u32>> = HashMap::new();
        let mut rights: HashMap<Id, serde_json::Value> = HashMap::new();
        let mut comments: HashMap<Id, Vec<String>> = HashMap::new();
        let sql = format!("SELECT asset_id, version FROM renditions WHERE name = 'thumbnail' AND asset_id IN ({only})");
        for r in bound(&sql, None, chunk).fetch_all(&mut *c).await? {
            thumbnails.entry(row::id(&r, "asset_id")?).or_default().push(row::uint(&r, "version")?);
        }
        let sql = format!("SELECT asset_id, rights FROM asset_rights WHERE asset_id IN ({only})");
        for r in bound(&sql, None, chunk).fetch_all(&mut *c).await? {
            rights.insert(row::id(&r, "asset_id")?, row::json(&r, "rights")?);
        }
        let sql = format!(
            "SELECT asset_id, body FROM comments WHERE workspace_id = $1 AND asset_id IN ({list}) \
             AND status <> 'retracted' ORDER BY created_at, id"
        );
        for r in bound(&sql, Some(ws), chunk).fetch_all(&mut *c).await? {
            comments.entry(row::id(&r, "asset_id")?).or_default().push(row::text(&r, "body")?);
        }
        let brief_ids: Vec<String> = rows.iter().filter_map(|r| row::opt_text(r, "brief_id").ok().flatten()).collect();
        let mut briefs: HashMap<String, String> = HashMap::new();
        for b in brief_ids.chunks(values::rows_per_statement(1).min(500)) {
            let sql = format!("SELECT id, title FROM briefs WHERE id IN ({})", values::numbered("?", b.len()));
            let mut q = sqlx::query(&sql);
            for id in b {
                q = q.bind(id.clone());
            }
            for r in q.fetch_all(&mut *c).await? {
                briefs.insert(row::text(&r, "id")?, row::text(&r, "title")?);
            }
        }
        for r in &rows {
            let asset = assets::decode_asset(r)?;
            let id = asset.id;
            out.push(Source {
                archived: row::opt_text(r, "archived_at")?.is_some(),
                versions: versions.remove(&id).unwrap_or_default(),
                thumbnails: thumbnails.remove(&id).unwrap_or_default(),
                rights: rights.remove(&id),
                campaign: row::opt_text(r, "campaign_id")?.and_then(|cid| campaigns.get(&cid).cloned()),
                brief: row::opt_text(r, "brief_id")?.and_then(|b| briefs.get(&b).cloned()),
                comments: comments.remove(&id).unwrap_or_default(),
                asset,
            });
        }
    }
    Ok(out)
}

/// How many assets a workspace has.
pub async fn count_assets(c: &mut AnyConnection, ws: Id) -> Result<u64> {
    let r = sqlx::query("SELECT COUNT(*) AS n FROM assets WHERE workspace_id = $1")
        .bind(ws.to_string())
        .fetch_one(c)
        .await?;
    Ok(u64::try_from(row::int(&r, "n")?).unwrap_or(0))
}

/// Versions of other assets of a workspace with exactly this content.
pub async fn same_content(c: &mut AnyConnection, ws: Id, sha256: &str, except: Id) -> Result<Vec<(Id, u32)>> {
    sqlx::query(
        "SELECT asset_id, number FROM versions WHERE workspace_id = $1 AND sha256 = $2 AND asset_id <> $3 \
         ORDER BY asset_id, number LIMIT 1000",
    )
    .bind(ws.to_string())
    .bind(sha256)
    .bind(except.to_string())
    .fetch_all(c)
    .await?
    .iter()
    .map(|r| Ok((row::id(r, "asset_id")?, row::uint(r, "number")?)))
    .collect()
}
