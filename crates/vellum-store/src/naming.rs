//! A workspace's naming convention.

use sqlx::AnyConnection;
use vellum_domain::{
    naming::{Convention, Mode},
    Id, Timestamp,
};

use crate::{row, Result};

pub async fn get(c: &mut AnyConnection, ws: Id) -> Result<Option<Convention>> {
    let r = sqlx::query("SELECT pattern, mode FROM naming_conventions WHERE workspace_id = $1")
        .bind(ws.to_string())
        .fetch_optional(c)
        .await?;
    r.as_ref()
        .map(|r| Ok(Convention { pattern: row::text(r, "pattern")?, mode: row::parsed(r, "mode", Mode::parse)? }))
        .transpose()
}

pub async fn put(c: &mut AnyConnection, ws: Id, n: &Convention, at: Timestamp) -> Result<()> {
    sqlx::query(
        "INSERT INTO naming_conventions (workspace_id, pattern, mode, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (workspace_id) DO UPDATE SET pattern = excluded.pattern, mode = excluded.mode, \
         updated_at = excluded.updated_at",
    )
    .bind(ws.to_string())
    .bind(&n.pattern)
    .bind(n.mode.as_str())
    .bind(at.to_string())
    .execute(c)
    .await?;
    Ok(())
}
