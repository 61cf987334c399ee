//! A workspace's glossary, kept whole.

use sqlx::AnyConnection;
use vellum_domain::{glossary::Term, Id, Timestamp};

use crate::{row, Result};

pub async fn get(c: &mut AnyConnection, ws: Id) -> Result<Vec<Term>> {
    let r = sqlx::query("SELECT terms FROM glossaries WHERE workspace_id = $1")
        .bind(ws.to_string())
        .fetch_optional(c)
        .await?;
    Ok(r.as_ref().map(|r| row::json(r, "terms")).transpose()?.unwrap_or_default())
}

pub async fn put(c: &mut AnyConnection, ws: Id, terms: &[Term], at: Timestamp) -> Result<()> {
    sqlx::query(
        "INSERT INTO glossaries (workspace_id, terms, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (workspace_id) DO UPDATE SET terms = excluded.terms, updated_at = excluded.updated_at",
    )
    .bind(ws.to_string())
    .bind(row::to_json(&terms)?)
    .bind(at.to_string())
    .execute(c)
    .await?;
    Ok(())
}
