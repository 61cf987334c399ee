//! Each workspace's custom-field schema, kept whole as one JSON document with a revision
//! number that grows with every change.

use sqlx::{AnyConnection, Row};
use vellum_domain::{fields::MetadataSchema, Id, Timestamp};

use crate::{row, Result};

/// A workspace's schema and its revision (0 and empty until one is set).
pub async fn get(c: &mut AnyConnection, ws: Id) -> Result<(MetadataSchema, u64)> {
    let r = sqlx::query("SELECT schema, revision FROM metadata_schemas WHERE workspace_id = $1")
        .bind(ws.to_string())
        .fetch_optional(c)
        .await?;
    match r {
        Some(r) => Ok((row::json(&r, "schema")?, u64::try_from(r.try_get::<i64, _>("revision")?).unwrap_or(0))),
        None => Ok((MetadataSchema::default(), 0)),
    }
}

/// Stores a new revision; returns its number.
pub async fn put(c: &mut AnyConnection, ws: Id, schema: &MetadataSchema, now: Timestamp) -> Result<u64> {
    let r = sqlx::query(
        "INSERT INTO metadata_schemas (workspace_id, schema, revision, updated_at) VALUES ($1, $2, 1, $3) \
         ON CONFLICT (workspace_id) DO UPDATE SET schema = excluded.schema, \
         revision = metadata_schemas.revision + 1, updated_at = excluded.updated_at RETURNING revision",
    )
    .bind(ws.to_string())
    .bind(row::to_json(schema)?)
    .bind(now.to_string())
    .fetch_one(c)
    .await?;
    Ok(u64::try_from(r.try_get::<i64, _>("revision")?).unwrap_or(0))
}
