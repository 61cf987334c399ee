//! Comments on versions, their threads and edit history. A version lists its own threads and
//! those carried forward from earlier versions until they are resolved.

use sqlx::{any::AnyRow, AnyConnection};
use vellum_domain::{
    comment::{Anchor, CommentStatus},
    id::new_id,
    Id, Timestamp,
};

use crate::{row, Result};

#[derive(Debug, Clone)]
pub struct Comment {
    pub id: Id,
    pub workspace_id: Id,
    pub asset_id: Id,
    pub origin_version: u32,
    /// The thread's first comment (itself for a thread's first).
    pub thread_id: Id,
    pub parent_id: Option<Id>,
    pub author_id: Id,
    pub body: String,
    pub anchor: Option<Anchor>,
    pub mentions: Vec<Id>,
    pub status: CommentStatus,
    pub resolved_by: Option<Id>,
    pub resolved_at: Option<Timestamp>,
    pub resolved_on_version: Option<u32>,
    pub created_at: Timestamp,
    pub edited_at: Option<Timestamp>,
    /// The API token it was written through (an agent acting for its author).
    pub via_token_id: Option<Id>,
}

const COLS: &str = "id, workspace_id, asset_id, origin_version, thread_id, parent_id, author_id, body, anchor, \
                    mentions, status, resolved_by, resolved_at, resolved_on_version, created_at, edited_at, via_token_id";

fn cols(prefix: &str) -> String {
    COLS.split(", ").map(|c| format!("{prefix}.{c}")).collect::<Vec<_>>().join(", ")
}

fn decode(r: &AnyRow) -> Result<Comment> {
    Ok(Comment {
        id: row::id(r, "id")?,
        workspace_id: row::id(r, "workspace_id")?,
        asset_id: row::id(r, "asset_id")?,
        origin_version: row::uint(r, "origin_version")?,
        thread_id: row::id(r, "thread_id")?,
        parent_id: row::opt_id(r, "parent_id")?,
        author_id: row::id(r, "author_id")?,
        body: row::text(r, "body")?,
        anchor: row::opt_text(r, "anchor")?
            .map(|s| serde_json::from_str(&s).map_err(|e| crate::Error::Corrupt(format!("anchor: {e}"))))
            .transpose()?,
        mentions: row::json(r, "mentions")?,
        status: row::parsed(r, "status", CommentStatus::parse)?,
        resolved_by: row::opt_id(r, "resolved_by")?,
        resolved_at: row::opt_ts(r, "resolved_at")?,
        resolved_on_version: row::opt_uint(r, "resolved_on_version")?,
        created_at: row::ts(r, "created_at")?,
        edited_at: row::opt_ts(r, "edited_at")?,
        via_token_id: row::opt_id(r, "via_token_id")?,
    })
}

pub async fn insert(c: &mut AnyConnection, m: &Comment) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO comments ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
    ))
    .bind(m.id.to_string())
    .bind(m.workspace_id.to_string())
    .bind(m.asset_id.to_string())
    .bind(i64::from(m.origin_version))
    .bind(m.thread_id.to_string())
    .bind(m.parent_id.map(|p| p.to_string()))
    .bind(m.author_id.to_string())
    .bind(&m.body)
    .bind(m.anchor.as_ref().map(row::to_json).transpose()?)
    .bind(row::to_json(&m.mentions)?)
    .bind(m.status.as_str())
    .bind(m.resolved_by.map(|u| u.to_string()))
    .bind(m.resolved_at.map(|t| t.to_string()))
    .bind(m.resolved_on_version.map(i64::from))
    .bind(m.created_at.to_string())
    .bind(m.edited_at.map(|t| t.to_string()))
    .bind(m.via_token_id.map(|t| t.to_string()))
    .execute(c)
    .await?;
    Ok(())
}

pub async fn get(c: &mut AnyConnection, id: Id) -> Result<Option<Comment>> {
    sqlx::query(&format!("SELECT {COLS} FROM comments WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(c)
        .await?
        .as_ref()
        .map(decode)
        .transpose()
}

/// What version `n` of an asset lists: threads begun on it, and threads begun earlier that were
/// still open when it arrived or were resolved on it or later (carried forward), oldest first.
pub async fn of_version(c: &mut AnyConnection, asset: Id, n: u32) -> Result<Vec<Comment>> {
    let sql = format!(
        "SELECT {} FROM comments c JOIN comments r ON r.id = c.thread_id \
         WHERE c.asset_id = $1 AND c.origin_version <= $2 AND (r.origin_version = $2 OR (r.origin_version < $2 \
         AND (r.status = 'open' OR (r.status = 'resolved' AND r.resolved_on_version >= $2)))) ORDER BY c.id",
        cols("c")
    );
    sqlx::query(&sql).bind(asset.to_string()).bind(i64::from(n)).fetch_all(c).await?.iter().map(decode).collect()
}

/// Replaces a comment's text, keeping the old one in its history.
pub async fn edit(c: &mut AnyConnection, m: &Comment, body: &str, by: Id, at: Timestamp) -> Result<()> {
    sqlx::query("INSERT INTO comment_edits (id, comment_id, body, edited_at, edited_by) VALUES ($1, $2, $3, $4, $5)")
        .bind(new_id().to_string())
        .bind(m.id.to_string())
        .bind(&m.body)
        .bind(at.to_string())
        .bind(by.to_string())
        .execute(&mut *c)
        .await?;
    sqlx::query("UPDATE comments SET body = $1, edited_at = $2 WHERE id = $3")
        .bind(body)
        .bind(at.to_string())
        .bind(m.id.to_string())
        .execute(c)
        .await?;
    Ok(())
}

/// One earlier text of a comment.
#[derive(Debug, Clone)]
pub struct Edit {
    pub body: String,
    /// When it was replaced.
    pub replaced_at: Timestamp,
    pub replaced_by: Id,
}

/// A comment's earlier texts, oldest first.
pub async fn history(c: &mut AnyConnection, id: Id) -> Result<Vec<Edit>> {
    sqlx::query("SELECT body, edited_at, edited_by FROM comment_edits WHERE comment_id = $1 ORDER BY edited_at, id")
        .bind(id.to_string())
        .fetch_all(c)
        .await?
        .iter()
        .map(|r| {
            Ok(Edit {
                body: row::text(r, "body")?,
                replaced_at: row::ts(r, "edited_at")?,
                replaced_by: row::id(r, "edited_by")?,
            })
        })
        .collect()
}

/// Sets a comment's state; `resolved` carries who, when and on which version.
pub async fn set_status(
    c: &mut AnyConnection,
    id: Id,
    status: CommentStatus,
    resolved: Option<(Id, Timestamp, u32)>,
) -> Result<()> {
    sqlx::query(
        "UPDATE comments SET status = $1, resolved_by = $2, resolved_at = $3, resolved_on_version = $4 WHERE id = $5",
    )
    .bind(status.as_str())
    .bind(resolved.map(|(u, _, _)| u.to_string()))
    .bind(resolved.map(|(_, t, _)| t.to_string()))
    .bind(resolved.map(|(_, _, v)| i64::from(v)))
    .bind(id.to_string())
    .execute(c)
    .await?;
    Ok(())
}
