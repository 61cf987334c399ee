//! The text of each workspace's watermark.

use sqlx::AnyConnection;
use vellum_domain::{Id, Timestamp};

use crate::{row, Result};

pub async fn text(c: &mut AnyConnection, ws: Id) -> Result<Option<String>> {
    let r = sqlx::query("SELECT text FROM workspace_watermarks WHERE workspace_id = $1")
        .bind(ws.to_string())
        .fetch_optional(c)
        .await?;
    r.as_ref().map(|r| row::text(r, "text")).transpose()
}

/// Sets the text, or (None) goes back to the workspace's name.
pub async fn put(c: &mut AnyConnection, ws: Id, text: Option<&str>, at: Timestamp) -> Result<()> {
    sqlx::query("DELETE FROM workspace_watermarks WHERE workspace_id = $1")
        .bind(ws.to_string())
        .execute(&mut *c)
        .await?;
    if let Some(t) = text {
        sqlx::query("INSERT INTO workspace_watermarks (workspace_id, text, updated_at) VALUES ($1, $2, $3)")
            .bind(ws.to_string())
            .bind(t)
            .bind(at.to_string())
            .execute(c)
            .await?;
    }
    Ok(())
}
