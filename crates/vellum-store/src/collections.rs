//! Collections (ordered, hand-picked sets of assets, per user or shared with a group) and
//! saved searches (a query kept by name, optionally shared, pinned, or followed).

use sqlx::AnyConnection;
use vellum_domain::{Id, Timestamp};

use crate::{row, values, Result};

#[derive(Debug, Clone)]
pub struct Collection {
    pub id: Id,
    pub workspace_id: Id,
    pub owner_id: Id,
    pub name: String,
    pub shared_with_group: Option<Id>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

const COLS: &str = "id, workspace_id, owner_id, name, shared_with_group, created_at, updated_at";

fn decode(r: &sqlx::any::AnyRow) -> Result<Collection> {
    Ok(Collection {
        id: row::id(r, "id")?,
        workspace_id: row::id(r, "workspace_id")?,
        owner_id: row::id(r, "owner_id")?,
        name: row::text(r, "name")?,
        shared_with_group: row::opt_id(r, "shared_with_group")?,
        created_at: row::ts(r, "created_at")?,
        updated_at: row::ts(r, "updated_at")?,
    })
}

pub async fn insert(c: &mut AnyConnection, col: &Collection) -> Result<()> {
    sqlx::query(&format!("INSERT INTO collections ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"))
        .bind(col.id.to_string())
        .bind(col.workspace_id.to_string())
        .bind(col.owner_id.to_string())
        .bind(&col.name)
        .bind(col.shared_with_group.map(|g| g.to_string()))
        .bind(col.created_at.to_string())
        .bind(col.updated_at.to_string())
        .execute(c)
        .await?;
    Ok(())
}

pub async fn get(c: &mut AnyConnection, id: Id) -> Result<Option<Collection>> {
    let r = sqlx::query(&format!("SELECT {COLS} FROM collections WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(c)
        .await?;
    r.as_ref().map(decode).transpose()
}

/// The collections of a workspace a user owns or shares through a group, by name.
pub async fn visible(c: &mut AnyConnection, ws: Id, user: Id) -> Result<Vec<Collection>> {
    sqlx::query(&format!(
        "SELECT {COLS} FROM collections WHERE workspace_id = $1 AND (owner_id = $2 OR shared_with_group IN \
         (SELECT group_id FROM group_members WHERE user_id = $2)) ORDER BY name, id"
    ))
    .bind(ws.to_string())
    .bind(user.to_string())
    .fetch_all(c)
    .await?
    .iter()
    .map(decode)
    .collect()
}

/// Whether a user is in a group.
pub async fn in_group(c: &mut AnyConnection, group: Id, user: Id) -> Result<bool> {
    let r = sqlx::query("SELECT 1 AS one FROM group_members WHERE group_id = $1 AND user_id = $2")
        .bind(group.to_string())
        .bind(user.to_string())
        .fetch_optional(c)
        .await?;
    Ok(r.is_some())
}

pub async fn touch(c: &mut AnyConnection, id: Id, now: Timestamp) -> Result<()> {
    sqlx::query("UPDATE collections SET updated_at = $1 WHERE id = $2")
        .bind(now.to_string())
        .bind(id.to_string())
        .execute(c)
        .await?;
    Ok(())
}

/// The items in order.
pub async fn items(c: &mut AnyConnection, id: Id) -> Result<Vec<Id>> {
    sqlx::query("SELECT asset_id FROM collection_items WHERE collection_id = $1 ORDER BY position, asset_id")
        .bind(id.to_string())
        .fetch_all(c)
        .await?
        .iter()
        .map(|r| row::id(r, "asset_id"))
        .collect()
}

/// Replaces the items with `assets`, in this order.
pub async fn set_items(c: &mut AnyConnection, id: Id, assets: &[Id], by: Id, now: Timestamp) -> Result<()> {
    sqlx::query("DELETE FROM collection_items WHERE collection_id = $1").bind(id.to_string()).execute(&mut *c).await?;
    for (chunk_no, chunk) in assets.chunks(values::rows_per_statement(5)).enumerate() {
        let sql = format!(
            "INSERT INTO collection_items (collection_id, asset_id, position, added_by, added_at) VALUES {}",
            values::numbered("(?, ?, ?, ?, ?)", chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for (i, a) in chunk.iter().enumerate() {
            let position = (chunk_no * values::rows_per_statement(5) + i) as i64;
            q = q.bind(id.to_string()).bind(a.to_string()).bind(position).bind(by.to_string()).bind(now.to_string());
        }
        q.execute(&mut *c).await?;
    }
    Ok(())
}

/// Adds an asset at the end; false when it was already in.
pub async fn add_item(c: &mut AnyConnection, id: Id, asset: Id, by: Id, now: Timestamp) -> Result<bool> {
    let r = sqlx::query(
        "INSERT INTO collection_items (collection_id, asset_id, position, added_by, added_at) \
         SELECT $1, $2, COALESCE(MAX(position), -1) + 1, $3, $4 FROM collection_items WHERE collection_id = $1 \
         ON CONFLICT (collection_id, asset_id) DO NOTHING",
    )
    .bind(id.to_string())
    .bind(asset.to_string())
    .bind(by.to_string())
    .bind(now.to_string())
    .execute(c)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// Removes an asset; false when it was not in.
pub async fn remove_item(c: &mut AnyConnection, id: Id, asset: Id) -> Result<bool> {
    let r = sqlx::query("DELETE FROM collection_items WHERE collection_id = $1 AND asset_id = $2")
        .bind(id.to_string())
        .bind(asset.to_string())
        .execute(c)
        .await?;
    Ok(r.rows_affected() > 0)
}

pub async fn delete(c: &mut AnyConnection, id: Id) -> Result<()> {
    sqlx::query("DELETE FROM collection_items WHERE collection_id = $1").bind(id.to_string()).execute(&mut *c).await?;
    sqlx::query("DELETE FROM collections WHERE id = $1").bind(id.to_string()).execute(c).await?;
    Ok(())
}

/// A group going away stops sharing its collections (their owners keep them).
pub async fn unshare_group(c: &mut AnyConnection, group: Id) -> Result<()> {
    sqlx::query("UPDATE collections SET shared_with_group = NULL WHERE shared_with_group = $1")
        .bind(group.to_string())
        .execute(c)
        .await?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct SavedSearch {
    pub id: Id,
    pub workspace_id: Id,
    pub owner_id: Id,
    pub name: String,
    /// `{q, filters, facets, sort}` as given.
    pub query: serde_json::Value,
    pub shared: bool,
    pub notify: bool,
    pub pinned: bool,
    pub created_at: Timestamp,
}

const SAVED_COLS: &str = "id, workspace_id, owner_id, name, query, shared, notify, pinned, created_at";

fn decode_saved(r: &sqlx::any::AnyRow) -> Result<SavedSearch> {
    Ok(SavedSearch {
        id: row::id(r, "id")?,
        workspace_id: row::id(r, "workspace_id")?,
        owner_id: row::id(r, "owner_id")?,
        name: row::text(r, "name")?,
        query: row::json(r, "query")?,
        shared: row::int(r, "shared")? != 0,
        notify: row::int(r, "notify")? != 0,
        pinned: row::int(r, "pinned")? != 0,
        created_at: row::ts(r, "created_at")?,
    })
}

pub async fn insert_saved(c: &mut AnyConnection, s: &SavedSearch) -> Result<()> {
    sqlx::query(&format!("INSERT INTO saved_searches ({SAVED_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"))
        .bind(s.id.to_string())
        .bind(s.workspace_id.to_string())
        .bind(s.owner_id.to_string())
        .bind(&s.name)
        .bind(row::to_json(&s.query)?)
        .bind(i64::from(s.shared))
        .bind(i64::from(s.notify))
        .bind(i64::from(s.pinned))
        .bind(s.created_at.to_string())
        .execute(c)
        .await?;
    Ok(())
}

pub async fn get_saved(c: &mut AnyConnection, id: Id) -> Result<Option<SavedSearch>> {
    let r = sqlx::query(&format!("SELECT {SAVED_COLS} FROM saved_searches WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(c)
        .await?;
    r.as_ref().map(decode_saved).transpose()
}

/// A user's own saved searches and those shared in the workspace; pinned first.
pub async fn visible_saved(c: &mut AnyConnection, ws: Id, user: Id) -> Result<Vec<SavedSearch>> {
    sqlx::query(&format!(
        "SELECT {SAVED_COLS} FROM saved_searches WHERE workspace_id = $1 AND (owner_id = $2 OR shared <> 0) \
         ORDER BY pinned DESC, name, id"
    ))
    .bind(ws.to_string())
    .bind(user.to_string())
    .fetch_all(c)
    .await?
    .iter()
    .map(decode_saved)
    .collect()
}

/// The followed saved searches of a workspace.
pub async fn followed(c: &mut AnyConnection, ws: Id) -> Result<Vec<SavedSearch>> {
    sqlx::query(&format!("SELECT {SAVED_COLS} FROM saved_searches WHERE workspace_id = $1 AND notify <> 0"))
        .bind(ws.to_string())
        .fetch_all(c)
        .await?
        .iter()
        .map(decode_saved)
        .collect()
}

pub async fn delete_saved(c: &mut AnyConnection, id: Id) -> Result<()> {
    sqlx::query("DELETE FROM saved_search_matches WHERE saved_search_id = $1")
        .bind(id.to_string())
        .execute(&mut *c)
        .await?;
    sqlx::query("DELETE FROM saved_searches WHERE id = $1").bind(id.to_string()).execute(c).await?;
    Ok(())
}

/// Records that an asset matched a followed search; false when it had already (told once).
pub async fn record_match(c: &mut AnyConnection, search: Id, asset: Id, now: Timestamp) -> Result<bool> {
    let r = sqlx::query(
        "INSERT INTO saved_search_matches (saved_search_id, asset_id, at) VALUES ($1, $2, $3) \
         ON CONFLICT (saved_search_id, asset_id) DO NOTHING",
    )
    .bind(search.to_string())
    .bind(asset.to_string())
    .bind(now.to_string())
    .execute(c)
    .await?;
    Ok(r.rows_affected() > 0)
}
