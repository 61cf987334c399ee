//! The schema, as numbered migrations written in the SQL both databases accept.

use sqlx::{AnyConnection, Executor, Row};

use crate::{Backend, Result};

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("schema/0001_core.sql")),
    (2, include_str!("schema/0002_jobs_media.sql")),
    (3, include_str!("schema/0003_presets.sql")),
    (4, include_str!("schema/0004_hardening.sql")),
    (5, include_str!("schema/0005_import_index.sql")),
    (6, include_str!("schema/0006_asset_folder.sql")),
];

/// Applies every migration not yet recorded, inside the caller's transaction.
pub async fn migrate(conn: &mut AnyConnection, _backend: Backend) -> Result<()> {
    conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)")
        .await?;
    let applied: Vec<i64> = sqlx::query("SELECT version FROM schema_migrations")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| r.try_get::<i64, _>(0))
        .collect::<Result<_, _>>()?;
    for (version, sql) in MIGRATIONS {
        if applied.contains(version) {
            continue;
        }
        for statement in sql.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            conn.execute(statement).await?;
        }
        sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
            .bind(*version)
            .bind(vellum_domain::Timestamp::now().to_string())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
