//! Vellum's HTTP face: the JSON API under `/api/v1`, the server-rendered UI under `/`,
//! authentication, and the one table that maps errors to statuses.

mod api;
mod auth;
mod download;
mod error;
mod extract;
mod forwarded;
mod mcp;
pub mod metrics;
mod oauth;
mod public_limits;
mod scim;
mod sso;
mod ui;
mod upload;
mod zip_stream;

use axum::{extract::DefaultBodyLimit, routing::get, Router};
use vellum_core::Core;

pub use error::ApiError;

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Mark cookies `Secure` (set when served over HTTPS).
    pub secure_cookies: bool,
    /// The largest request body of any route but uploads (which stream to the blob store
    /// under their own limit).
    pub max_body_bytes: usize,
    /// What one client address, and one link, may ask of the public routes.
    pub public_per_address: vellum_domain::rate::Budget,
    pub public_per_link: vellum_domain::rate::Budget,
    /// Reverse proxies whose `X-Forwarded-For` names the client (none: the connection's
    /// address is the client's).
    pub trusted_proxies: Vec<vellum_domain::proxy::Cidr>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            secure_cookies: true,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            // Generous for people and CDNs, a wall for sweeps: 2,000 at once, then 30 a second
            // from one address; 10,000 at once, then 300 a second for one link.
            public_per_address: vellum_domain::rate::Budget { per_second: 30.0, burst: 2000.0 },
            public_per_link: vellum_domain::rate::Budget { per_second: 300.0, burst: 10_000.0 },
            trusted_proxies: Vec::new(),
        }
    }
}

/// 1 MiB: far more than any JSON or form this server takes, far less than hurts.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// Lifts the body limit for an upload route: uploads stream to disk and enforce their own.
pub(crate) fn unlimited() -> DefaultBodyLimit {
    DefaultBodyLimit::disable()
}

/// What every handler gets.
#[derive(Clone)]
pub struct AppState {
    pub core: Core,
    pub http: HttpConfig,
}

/// The whole application: API, UI and health check.
pub fn router(state: AppState) -> Router {
    let limit = state.http.max_body_bytes;
    let public = public_limits::PublicLimits::new(state.http.public_per_address, state.http.public_per_link);
    let http_metrics = std::sync::Arc::new(metrics::HttpMetrics::default());
    let trusted = std::sync::Arc::new(state.http.trusted_proxies.clone());
    // The protocols beside `/api/v1` that other software speaks to us (OAuth, OpenID Connect,
    // SCIM, MCP) are in the same document, under their own paths.
    let (protocols, mut protocol_doc) = utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(oauth::token))
        .routes(utoipa_axum::routes!(sso::login))
        .routes(utoipa_axum::routes!(sso::callback))
        .routes(utoipa_axum::routes!(sso::logout))
        .merge(scim::routes())
        .split_for_parts();
    protocol_doc.merge(mcp::described());
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(metrics::readyz))
        .route("/metrics", get(metrics::metrics).layer(axum::Extension(http_metrics.clone())))
        .merge(protocols)
        .nest("/api/v1", api::routes(protocol_doc))
        .merge(ui::routes())
        .merge(mcp::routes(state.clone()))
        // Inside the routes, where the route template is known.
        .route_layer(axum::middleware::from_fn_with_state(http_metrics, metrics::record))
        // Every body is read only up to the limit (upload routes lift it for themselves), so
        // a huge request costs the server nothing but the refusal.
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn_with_state(public, public_limits::limit))
        .layer(axum::middleware::from_fn(request_id))
        // Outermost: everything inside sees the client's address, not the proxy's.
        .layer(axum::middleware::from_fn_with_state(trusted, forwarded::client))
        .with_state(state)
}

/// Gives every request an id (the client's sane `X-Request-Id`, or a new one): the audit
/// trail records it, every log line of the request carries it, and the response echoes it, so
/// a 500 seen by a user can be found in the logs.
async fn request_id(mut req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    use tracing::Instrument;
    let id = extract::sane_request_id(req.headers()).unwrap_or_else(|| vellum_domain::id::new_id().to_string());
    if let Ok(v) = axum::http::HeaderValue::from_str(&id) {
        req.headers_mut().insert("x-request-id", v.clone());
        let span = tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path());
        let mut res = next.run(req).instrument(span).await;
        res.headers_mut().insert("x-request-id", v);
        return res;
    }
    next.run(req).await
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
