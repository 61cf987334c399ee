//! Baselines for `vellum bench`: an HTTP server whose only route does a bare one-row INSERT,
//! so request handling plus one durable write can be measured next to real use cases.

use axum::{http::StatusCode, routing::post, Router};
use vellum_core::Store;

/// Serves `POST /probe` (one INSERT, one commit) until `shutdown` completes.
pub async fn serve_insert_probe(
    listener: tokio::net::TcpListener,
    store: Store,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = Router::new().route(
        "/probe",
        post(move || {
            let store = store.clone();
            async move {
                match vellum_core::probe_insert(&store).await {
                    Ok(()) => StatusCode::CREATED,
                    Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
                }
            }
        }),
    );
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}
