//! `/metrics` in the Prometheus text format, and `/readyz`. HTTP requests are counted by
//! route template and status (never by the path itself, so ids cannot blow up the series)
//! and timed into one histogram; queues, database connections and search lag are read at
//! scrape time. No family carries a workspace, user or asset label.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::{
    extract::{MatchedPath, Request, State},
    http::{header, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    Extension,
};
use vellum_core::Core;
use vellum_domain::metrics::{escape, family, Histogram};

use crate::AppState;

/// What the HTTP layer has seen since the process started.
#[derive(Default)]
pub struct HttpMetrics {
    inner: Mutex<Seen>,
}

#[derive(Default)]
struct Seen {
    requests: BTreeMap<(String, u16), u64>,
    duration: Histogram,
}

impl HttpMetrics {
    fn observe(&self, route: String, status: u16, secs: f64) {
        let Ok(mut s) = self.inner.lock() else { return };
        *s.requests.entry((route, status)).or_default() += 1;
        s.duration.observe(secs);
    }

    fn write(&self, out: &mut String) {
        let Ok(s) = self.inner.lock() else { return };
        family(out, "vellum_http_requests_total", "HTTP requests answered, by route template and status.", "counter");
        for ((route, status), n) in &s.requests {
            // Writing to a String cannot fail.
            let _ = writeln!(out, "vellum_http_requests_total{{route=\"{}\",status=\"{status}\"}} {n}", escape(route));
        }
        s.duration.write(out, "vellum_http_request_duration_seconds", "Time to answer an HTTP request.");
    }
}

/// Counts and times every request that matched a route.
pub async fn record(State(m): State<Arc<HttpMetrics>>, req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string());
    let started = Instant::now();
    let res = next.run(req).await;
    if let Some(route) = route {
        m.observe(route, res.status().as_u16(), started.elapsed().as_secs_f64());
    }
    res
}

/// `GET /metrics`.
pub async fn metrics(State(s): State<AppState>, Extension(http): Extension<Arc<HttpMetrics>>) -> Response {
    let mut out = String::new();
    http.write(&mut out);
    node_metrics(&s.core, out).await
}

/// The node's own families after `out`, or 503 when they cannot be read.
async fn node_metrics(core: &Core, mut out: String) -> Response {
    match core.metrics_text().await {
        Ok(text) => {
            out.push_str(&text);
            ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], out).into_response()
        }
        Err(e) => {
            tracing::warn!(error = %e, "metrics could not be read");
            (StatusCode::SERVICE_UNAVAILABLE, "metrics could not be read\n").into_response()
        }
    }
}

/// What `vellum worker --metrics-listen` serves: `/metrics` (without HTTP families: a worker
/// answers no requests) and `/healthz`.
pub fn worker_router(core: Core) -> axum::Router {
    axum::Router::new()
        .route(
            "/metrics",
            axum::routing::get(|State(core): State<Core>| async move { node_metrics(&core, String::new()).await }),
        )
        .route("/healthz", axum::routing::get(|| async { "ok" }))
        .with_state(core)
}

/// `GET /readyz`: 200 when the database and the blob store answer and the schema is current;
/// 503 naming what is not.
pub async fn readyz(State(s): State<AppState>) -> Response {
    let r = s.core.readiness().await;
    let line = |ok: bool, what: &str| format!("{what}: {}\n", if ok { "ok" } else { "failing" });
    let body = line(r.database, "database") + &line(r.blobs, "blob store") + &line(r.schema_current, "schema current");
    let status = if r.ready() { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, [(header::CACHE_CONTROL, "no-store")], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_by_route_and_status() {
        let m = HttpMetrics::default();
        m.observe("/api/v1/assets/{id}".into(), 200, 0.003);
        m.observe("/api/v1/assets/{id}".into(), 200, 0.2);
        m.observe("/api/v1/assets/{id}".into(), 404, 20.0);
        let mut out = String::new();
        m.write(&mut out);
        assert!(out.contains("vellum_http_requests_total{route=\"/api/v1/assets/{id}\",status=\"200\"} 2\n"), "{out}");
        assert!(out.contains("status=\"404\"} 1\n"), "{out}");
        assert!(out.contains("vellum_http_request_duration_seconds_count 3\n"), "{out}");
    }
}
