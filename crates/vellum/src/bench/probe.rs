//! The floor every write use case stands on: an HTTP server whose only route does a bare
//! one-row INSERT in its own transaction, measured beside real requests by `vellum bench
//! decisions`. Lives with the benchmarks, not in a library crate: nothing else uses it.

use axum::{http::StatusCode, routing::post, Router};
use sqlx::Executor;
use vellum_store::Store;

/// Creates the probe table if it is missing.
pub async fn prepare(store: &Store) -> vellum_store::Result<()> {
    let mut tx = store.write().await?;
    tx.execute("CREATE TABLE IF NOT EXISTS bench_probe (id TEXT PRIMARY KEY, at TEXT NOT NULL)").await?;
    tx.commit().await
}

/// Inserts one row and commits (durably, like every write).
async fn insert_one(store: &Store) -> vellum_store::Result<()> {
    let mut tx = store.write().await?;
    sqlx::query("INSERT INTO bench_probe (id, at) VALUES ($1, $2)")
        .bind(vellum_domain::id::new_id().to_string())
        .bind(vellum_domain::Timestamp::now().to_string())
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// Serves `POST /probe` (one INSERT, one commit) until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    store: Store,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = Router::new().route(
        "/probe",
        post(move || {
            let store = store.clone();
            async move {
                match insert_one(&store).await {
                    Ok(()) => StatusCode::CREATED,
                    Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
                }
            }
        }),
    );
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}
