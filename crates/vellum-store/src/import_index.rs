//! The import index: what `vellum import` took from each source file (by folder and path
//! relative to it, with the size and modification time it had), so a re-run can skip a file
//! that has not changed without reading it again.

use sqlx::{any::AnyRow, AnyConnection};
use vellum_domain::{Id, Timestamp};

use crate::{row, values, Error, Result};

/// One source file as it was when imported, and the version that holds its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedFile {
    /// Relative to the imported folder, `/`-separated.
    pub path: String,
    pub size: u64,
    /// Nanoseconds since the Unix epoch.
    pub mtime_ns: i64,
    pub sha256: String,
    pub asset_id: Id,
    pub version: u32,
}

fn decode(r: &AnyRow) -> Result<ImportedFile> {
    Ok(ImportedFile {
        path: row::text(r, "path")?,
        size: u64::try_from(row::int(r, "size")?).map_err(|_| Error::Corrupt("negative size".into()))?,
        mtime_ns: row::int(r, "mtime_ns")?,
        sha256: row::text(r, "sha256")?,
        asset_id: row::id(r, "asset_id")?,
        version: row::uint(r, "version")?,
    })
}

/// The files recorded for one imported folder of a workspace whose version still exists with
/// the recorded content; a file whose asset is gone is imported again like a new one.
pub async fn for_root(c: &mut AnyConnection, ws: Id, root: &str) -> Result<Vec<ImportedFile>> {
    sqlx::query(
        "SELECT i.path, i.size, i.mtime_ns, i.sha256, i.asset_id, i.version FROM imported_files i \
         JOIN versions v ON v.asset_id = i.asset_id AND v.number = i.version AND v.sha256 = i.sha256 \
         WHERE i.workspace_id = $1 AND i.root = $2",
    )
    .bind(ws.to_string())
    .bind(root)
    .fetch_all(c)
    .await?
    .iter()
    .map(decode)
    .collect()
}

/// Records (or replaces) what an import took from one source file. Written in the
/// transaction that creates or finds the version, so the index never names rows that are not
/// there.
pub async fn record(c: &mut AnyConnection, ws: Id, root: &str, f: &ImportedFile, now: Timestamp) -> Result<()> {
    record_many(c, ws, root, std::slice::from_ref(f), now).await
}

/// Records (or replaces) many files of one imported folder, many rows per statement.
pub async fn record_many(
    c: &mut AnyConnection,
    ws: Id,
    root: &str,
    files: &[ImportedFile],
    now: Timestamp,
) -> Result<()> {
    // A path twice in one statement is refused by PostgreSQL: the last one stands.
    let mut last = std::collections::HashMap::new();
    for (i, f) in files.iter().enumerate() {
        last.insert(f.path.as_str(), i);
    }
    let files: Vec<&ImportedFile> =
        files.iter().enumerate().filter(|(i, f)| last.get(f.path.as_str()) == Some(i)).map(|(_, f)| f).collect();
    for chunk in files.chunks(values::rows_per_statement(9)) {
        let sql = format!(
            "INSERT INTO imported_files (workspace_id, root, path, size, mtime_ns, sha256, asset_id, version, imported_at) \
             VALUES {} ON CONFLICT (workspace_id, root, path) DO UPDATE SET \
             size = excluded.size, mtime_ns = excluded.mtime_ns, sha256 = excluded.sha256, \
             asset_id = excluded.asset_id, version = excluded.version, imported_at = excluded.imported_at",
            values::numbered("(?, ?, ?, ?, ?, ?, ?, ?, ?)", chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for f in chunk {
            q = q
                .bind(ws.to_string())
                .bind(root)
                .bind(&f.path)
                .bind(i64::try_from(f.size).map_err(|_| Error::Corrupt("size out of range".into()))?)
                .bind(f.mtime_ns)
                .bind(&f.sha256)
                .bind(f.asset_id.to_string())
                .bind(i64::from(f.version))
                .bind(now.to_string());
        }
        q.execute(&mut *c).await?;
    }
    Ok(())
}
