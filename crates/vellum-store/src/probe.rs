//! A bare one-row INSERT per call in its own transaction: the floor any write use case stands
//! on, measured beside real requests by `vellum bench decisions`.

use sqlx::Executor;

use crate::{Result, Store};

/// Creates the probe table if it is missing.
pub async fn prepare(store: &Store) -> Result<()> {
    let mut tx = store.write().await?;
    tx.execute("CREATE TABLE IF NOT EXISTS bench_probe (id TEXT PRIMARY KEY, at TEXT NOT NULL)").await?;
    tx.commit().await
}

/// Inserts one row and commits (durably, like every write).
pub async fn insert_one(store: &Store) -> Result<()> {
    let mut tx = store.write().await?;
    sqlx::query("INSERT INTO bench_probe (id, at) VALUES ($1, $2)")
        .bind(vellum_domain::id::new_id().to_string())
        .bind(vellum_domain::Timestamp::now().to_string())
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}
