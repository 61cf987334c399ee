//! What an operator reads: `/readyz` says what the node depends on answers, and `/metrics`
//! counts requests by route template, times them, and shows job queues, database connections
//! and search lag, in text that Prometheus's own parser reads.

use std::io::Write;
use std::process::{Command, Stdio};

use axum::http::{Method, StatusCode};
use serde_json::Value;

use crate::{
    harness::{Auth, TestApp},
    on_both,
};

async fn text(app: &TestApp, path: &str) -> (StatusCode, String) {
    let r = app.send(Method::GET, path, Auth::None, None).await;
    (r.status, String::from_utf8(r.body).unwrap())
}

async fn operators_read_readiness_and_metrics(app: &TestApp) {
    let (status, ready) = text(app, "/readyz").await;
    assert_eq!(status, StatusCode::OK, "{ready}");
    assert_eq!(ready, "database: ok\nblob store: ok\nschema current: ok\n");

    let (id, token) = app.user("Operator").await;
    app.workspace("ops", &[(&id, "creator")]).await;
    app.new_asset("ops", &token, "Metered", b"metered bytes").await;
    let missing = app.get(&format!("/api/v1/assets/{}", uuid::Uuid::nil()), &token).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    let (status, metrics) = text(app, "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    // By route template, never by the id in the path.
    assert!(
        metrics.contains("vellum_http_requests_total{route=\"/api/v1/assets/{id}\",status=\"404\"} 1\n"),
        "{metrics}"
    );
    assert!(!metrics.contains(&uuid::Uuid::nil().to_string()), "{metrics}");
    assert!(metrics.contains("vellum_http_request_duration_seconds_bucket{le=\"+Inf\"}"), "{metrics}");
    // The upload queued its media job.
    assert!(metrics.contains("vellum_jobs_queued{queue=\"media\"} 1\n"), "{metrics}");
    assert!(metrics.contains("vellum_job_oldest_age_seconds{queue=\"media\"}"), "{metrics}");
    assert!(metrics.contains("vellum_db_pool_connections{state=\"idle\"}"), "{metrics}");
    // The upload's bytes were counted.
    assert!(metrics.contains("vellum_upload_bytes_total 13\n"), "{metrics}");
    // No tenant is named.
    assert!(!metrics.contains("ops") && !metrics.contains("Metered"), "{metrics}");

    let Some(py) = crate::peers::python() else { return };
    let mut child = Command::new(py)
        .arg(crate::peers::script("metrics_read.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(metrics.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let families: Value = serde_json::from_slice(&out.stdout).unwrap();
    for (name, kind) in [
        ("vellum_http_requests", "counter"),
        ("vellum_http_request_duration_seconds", "histogram"),
        ("vellum_jobs_queued", "gauge"),
        ("vellum_job_oldest_age_seconds", "gauge"),
        ("vellum_db_pool_connections", "gauge"),
        ("vellum_search_lag_seconds", "gauge"),
        ("vellum_upload_bytes", "counter"),
        ("vellum_job_duration_seconds", "histogram"),
        ("vellum_job_failures", "counter"),
        ("vellum_reminders_sent", "counter"),
        ("vellum_escalations", "counter"),
    ] {
        assert_eq!(families[name], kind, "{name}: {families}");
    }
}

on_both!(operators_read_readiness_and_metrics);

/// A public request from `peer`, forwarded for `client` (when given).
fn public_from(peer: &str, client: Option<&str>, path: &str) -> axum::http::Request<axum::body::Body> {
    let mut req = axum::http::Request::get(path);
    if let Some(c) = client {
        req = req.header("x-forwarded-for", c);
    }
    let mut req = req.body(axum::body::Body::empty()).unwrap();
    let addr: std::net::SocketAddr = format!("{peer}:40000").parse().unwrap();
    req.extensions_mut().insert(axum::extract::ConnectInfo(addr));
    req
}

/// Behind a load balancer the budgets count people, not the balancer: for a trusted proxy
/// the client is the nearest untrusted address of `X-Forwarded-For`; from anyone else the
/// header is ignored, so a client cannot buy itself a fresh budget by writing one.
#[tokio::test]
async fn trusted_proxies_name_the_client() {
    use vellum_domain::{proxy::Cidr, rate::Budget};
    let http = vellum_server::HttpConfig {
        public_per_address: Budget { per_second: 0.001, burst: 2.0 },
        trusted_proxies: vec![Cidr::parse("10.0.0.0/8").unwrap()],
        ..vellum_server::HttpConfig::default()
    };
    let app = TestApp::sqlite().await.with_http(http);
    let hit = |peer: &'static str, client: Option<&'static str>, n: u32| {
        let app = &app;
        async move { app.raw(public_from(peer, client, &format!("/p/missing-link-{n}"))).await.status }
    };
    // Two people behind the balancer each have their own budget.
    assert_eq!(hit("10.0.0.2", Some("203.0.113.1"), 1).await, StatusCode::NOT_FOUND);
    assert_eq!(hit("10.0.0.2", Some("203.0.113.1"), 2).await, StatusCode::NOT_FOUND);
    assert_eq!(hit("10.0.0.2", Some("203.0.113.1"), 3).await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        hit("10.0.0.3", Some("6.6.6.6, 203.0.113.1"), 4).await,
        StatusCode::TOO_MANY_REQUESTS,
        "a forged entry on the left changes nothing"
    );
    assert_eq!(hit("10.0.0.2", Some("203.0.113.2"), 5).await, StatusCode::NOT_FOUND);
    // An untrusted peer's header is its own words.
    assert_eq!(hit("198.51.100.7", Some("203.0.113.10"), 6).await, StatusCode::NOT_FOUND);
    assert_eq!(hit("198.51.100.7", Some("203.0.113.11"), 7).await, StatusCode::NOT_FOUND);
    assert_eq!(hit("198.51.100.7", Some("203.0.113.12"), 8).await, StatusCode::TOO_MANY_REQUESTS);
}
