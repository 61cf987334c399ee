//! `/metrics`: the node's figures in the Prometheus text format. Families carry no
//! workspace, user or asset label, so a scrape learns nothing about any tenant.

use std::fmt::Write as _;

use axum::{
    extract::State,
    http::{header, StatusCode},
    response::{IntoResponse, Response},
};

use crate::AppState;

/// One family: its name, help line, type and samples.
struct Family<'a> {
    name: &'a str,
    help: &'a str,
    kind: &'a str,
    value: f64,
}

fn render(families: &[Family]) -> String {
    let mut out = String::new();
    for f in families {
        // Writing to a String cannot fail.
        let _ = writeln!(out, "# HELP {} {}", f.name, f.help);
        let _ = writeln!(out, "# TYPE {} {}", f.name, f.kind);
        let _ = writeln!(out, "{} {}", f.name, f.value);
    }
    out
}

/// `GET /metrics`.
pub async fn metrics(State(s): State<AppState>) -> Response {
    let search = match s.core.search_metrics().await {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!(error = %e, "metrics could not be read");
            return (StatusCode::SERVICE_UNAVAILABLE, "metrics could not be read\n").into_response();
        }
    };
    let body = render(&[
        Family {
            name: "vellum_search_lag_seconds",
            help: "How long the oldest change not yet searchable has waited, over every workspace.",
            kind: "gauge",
            value: search.lag_ms as f64 / 1000.0,
        },
        Family {
            name: "vellum_search_rebuilding",
            help: "Workspace search indexes being rebuilt.",
            kind: "gauge",
            value: search.rebuilding as f64,
        },
    ]);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_are_written_in_the_text_format() {
        let text = render(&[Family { name: "vellum_x", help: "An x.", kind: "gauge", value: 1.5 }]);
        assert_eq!(text, "# HELP vellum_x An x.\n# TYPE vellum_x gauge\nvellum_x 1.5\n");
    }
}
