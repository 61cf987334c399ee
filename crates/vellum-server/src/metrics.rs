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

use crate::AppState;

/// Upper bounds of the request-duration buckets, in seconds.
const BUCKETS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// What the HTTP layer has seen since the process started.
#[derive(Default)]
pub struct HttpMetrics {
    inner: Mutex<Seen>,
}

#[derive(Default)]
struct Seen {
    requests: BTreeMap<(String, u16), u64>,
    /// Per bucket of `BUCKETS`, then one for everything slower.
    buckets: [u64; BUCKETS.len() + 1],
    sum_secs: f64,
    count: u64,
}

impl HttpMetrics {
    fn observe(&self, route: String, status: u16, secs: f64) {
        let Ok(mut s) = self.inner.lock() else { return };
        *s.requests.entry((route, status)).or_default() += 1;
        let i = BUCKETS.iter().position(|b| secs <= *b).unwrap_or(BUCKETS.len());
        s.buckets[i] += 1;
        s.sum_secs += secs;
        s.count += 1;
    }

    fn write(&self, out: &mut String) {
        let Ok(s) = self.inner.lock() else { return };
        family(out, "vellum_http_requests_total", "HTTP requests answered, by route template and status.", "counter");
        for ((route, status), n) in &s.requests {
            let _ = writeln!(out, "vellum_http_requests_total{{route=\"{}\",status=\"{status}\"}} {n}", escape(route));
        }
        family(out, "vellum_http_request_duration_seconds", "Time to answer an HTTP request.", "histogram");
        let mut cumulative = 0;
        for (bound, n) in BUCKETS.iter().zip(s.buckets.iter()) {
            cumulative += n;
            let _ = writeln!(out, "vellum_http_request_duration_seconds_bucket{{le=\"{bound}\"}} {cumulative}");
        }
        let _ = writeln!(out, "vellum_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {}", s.count);
        let _ = writeln!(out, "vellum_http_request_duration_seconds_sum {}", s.sum_secs);
        let _ = writeln!(out, "vellum_http_request_duration_seconds_count {}", s.count);
    }
}

/// A label value as the text format wants it.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

fn family(out: &mut String, name: &str, help: &str, kind: &str) {
    // Writing to a String cannot fail.
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn gauge(out: &mut String, name: &str, help: &str, value: f64) {
    family(out, name, help, "gauge");
    let _ = writeln!(out, "{name} {value}");
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
    let figures = match s.core.figures().await {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!(error = %e, "metrics could not be read");
            return (StatusCode::SERVICE_UNAVAILABLE, "metrics could not be read\n").into_response();
        }
    };
    let mut out = String::new();
    http.write(&mut out);
    family(&mut out, "vellum_jobs_queued", "Jobs waiting to run, by queue.", "gauge");
    for q in &figures.queues {
        let _ = writeln!(out, "vellum_jobs_queued{{queue=\"{}\"}} {}", escape(&q.queue), q.queued);
    }
    family(&mut out, "vellum_job_oldest_age_seconds", "How long the oldest due job of a queue has waited.", "gauge");
    for q in &figures.queues {
        let _ = writeln!(out, "vellum_job_oldest_age_seconds{{queue=\"{}\"}} {}", escape(&q.queue), q.oldest_age_secs);
    }
    let (open, idle) = figures.connections;
    family(&mut out, "vellum_db_pool_connections", "Database connections of this node's pool, by state.", "gauge");
    let _ = writeln!(out, "vellum_db_pool_connections{{state=\"idle\"}} {idle}");
    let _ = writeln!(out, "vellum_db_pool_connections{{state=\"in_use\"}} {}", (open as usize).saturating_sub(idle));
    gauge(
        &mut out,
        "vellum_search_lag_seconds",
        "How long the oldest change not yet searchable has waited, over every workspace.",
        figures.search.lag_ms as f64 / 1000.0,
    );
    gauge(
        &mut out,
        "vellum_search_rebuilding",
        "Workspace search indexes being rebuilt.",
        figures.search.rebuilding as f64,
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], out).into_response()
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
    fn requests_are_counted_by_route_and_timed_into_buckets() {
        let m = HttpMetrics::default();
        m.observe("/api/v1/assets/{id}".into(), 200, 0.003);
        m.observe("/api/v1/assets/{id}".into(), 200, 0.2);
        m.observe("/api/v1/assets/{id}".into(), 404, 20.0);
        let mut out = String::new();
        m.write(&mut out);
        assert!(out.contains("vellum_http_requests_total{route=\"/api/v1/assets/{id}\",status=\"200\"} 2\n"), "{out}");
        assert!(out.contains("status=\"404\"} 1\n"), "{out}");
        assert!(out.contains("vellum_http_request_duration_seconds_bucket{le=\"0.005\"} 1\n"), "{out}");
        assert!(out.contains("vellum_http_request_duration_seconds_bucket{le=\"0.25\"} 2\n"), "{out}");
        assert!(out.contains("vellum_http_request_duration_seconds_bucket{le=\"10\"} 2\n"), "{out}");
        assert!(out.contains("vellum_http_request_duration_seconds_bucket{le=\"+Inf\"} 3\n"), "{out}");
        assert!(out.contains("vellum_http_request_duration_seconds_count 3\n"), "{out}");
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
