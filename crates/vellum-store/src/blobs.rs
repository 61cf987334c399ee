//! Which stored bytes are in use. A `blobs` row is the one mark: `versions` and `renditions`
//! point at it by foreign key, so nothing can refer to bytes that have no row. Removing bytes
//! goes through `claim_unreferenced`, which serialises with every transaction that adds a row.

use std::collections::HashSet;

use sqlx::AnyConnection;
use vellum_domain::Timestamp;

use crate::{row, Result};

/// Every content hash a row points at: the blobs table, and (belt and braces, should a
/// foreign key ever be missing) the versions and renditions that name one.
pub async fn referenced(c: &mut AnyConnection) -> Result<HashSet<String>> {
    sqlx::query(
        "SELECT sha256 FROM blobs WHERE purged_at IS NULL UNION SELECT sha256 FROM versions WHERE purged_at IS NULL \
         UNION SELECT sha256 FROM renditions UNION SELECT sha256 FROM diff_heatmaps",
    )
    .fetch_all(c)
    .await?
    .iter()
    .map(|r| row::text(r, "sha256"))
    .collect()
}

/// Claims the right to remove a blob's bytes, inside the caller's write transaction; true when
/// no row points at it. It inserts a placeholder row: the blob's unique key then makes any
/// other transaction recording this blob (`assets::insert_blob`) wait until the caller's ends,
/// and the SQLite write lock does the same there. A false answer means a committed row
/// exists: keep the bytes. Finish with `release_claim` before committing.
pub async fn claim_unreferenced(c: &mut AnyConnection, sha256: &str, now: Timestamp) -> Result<bool> {
    let done =
        sqlx::query("INSERT INTO blobs (sha256, size, created_at) VALUES ($1, 0, $2) ON CONFLICT (sha256) DO NOTHING")
            .bind(sha256)
            .bind(now.to_string())
            .execute(c)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes the placeholder row `claim_unreferenced` inserted. The foreign keys refuse it if a
/// version or rendition points at the blob after all.
pub async fn release_claim(c: &mut AnyConnection, sha256: &str) -> Result<()> {
    sqlx::query("DELETE FROM blobs WHERE sha256 = $1").bind(sha256).execute(c).await?;
    Ok(())
}

/// Claims a blob whose last user was purged, inside the caller's write transaction: marks its
/// row purged when no kept version, rendition or comparison points at it (true), which locks
/// the row against an upload recording the same content until the caller ends. Delete the
/// bytes while holding it; an upload of the same content later clears the mark.
pub async fn claim_purged(c: &mut AnyConnection, sha256: &str, now: Timestamp) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE blobs SET purged_at = $2 WHERE sha256 = $1 AND purged_at IS NULL \
         AND NOT EXISTS (SELECT 1 FROM versions WHERE sha256 = $1 AND purged_at IS NULL) \
         AND NOT EXISTS (SELECT 1 FROM renditions WHERE sha256 = $1) \
         AND NOT EXISTS (SELECT 1 FROM diff_heatmaps WHERE sha256 = $1)",
    )
    .bind(sha256)
    .bind(now.to_string())
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}
