//! Vellum's HTTP face: the JSON API under `/api/v1`, the server-rendered UI under `/`,
//! authentication, and the one table that maps errors to statuses.

mod api;
mod auth;
pub mod bench;
mod download;
mod error;
mod extract;
mod ui;
mod upload;

use axum::{extract::DefaultBodyLimit, routing::get, Router};
use vellum_core::Core;

pub use error::ApiError;

/// Settings of the HTTP layer.
#[derive(Debug, Clone, Default)]
pub struct HttpConfig {
    /// Mark cookies `Secure` (set when served over HTTPS).
    pub secure_cookies: bool,
}

/// What every handler gets.
#[derive(Clone)]
pub struct AppState {
    pub core: Core,
    pub http: HttpConfig,
}

/// The whole application: API, UI and health check.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .nest("/api/v1", api::routes())
        .merge(ui::routes())
        // Uploads enforce their own limit while streaming; the framework's 2 MB cap would
        // refuse legitimate files and answer in the wrong format.
        .layer(DefaultBodyLimit::disable())
        .with_state(state)
}

/// Serves the application on `listener` until `shutdown` completes, then drains requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}
