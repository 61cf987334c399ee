//! Each workspace's business calendar, kept as the spec it was saved as.

use sqlx::AnyConnection;
use vellum_domain::{calendar::CalendarSpec, Id, Timestamp};

use crate::{row, Result};

/// The workspace's calendar, if it set one.
pub async fn get(c: &mut AnyConnection, ws: Id) -> Result<Option<CalendarSpec>> {
    let r = sqlx::query("SELECT spec FROM workspace_calendars WHERE workspace_id = $1")
        .bind(ws.to_string())
        .fetch_optional(c)
        .await?;
    r.map(|r| row::json(&r, "spec")).transpose()
}

pub async fn put(c: &mut AnyConnection, ws: Id, spec: &CalendarSpec, now: Timestamp) -> Result<()> {
    sqlx::query(
        "INSERT INTO workspace_calendars (workspace_id, spec, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (workspace_id) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at",
    )
    .bind(ws.to_string())
    .bind(row::to_json(spec)?)
    .bind(now.to_string())
    .execute(c)
    .await?;
    Ok(())
}
