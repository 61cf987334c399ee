//! The contract's error shape on every route family: 405, 413, 415, unreadable queries,
//! wrong-typed and unknown-field bodies all answer `{"error": {"code", "message", …}}` with
//! the code the table gives, and change nothing.

use axum::{
    body::Body,
    http::{header, Method, Request, StatusCode},
};
use serde_json::{json, Value};

use crate::harness::{Reply, TestApp};

fn assert_error(r: &Reply, status: StatusCode, code: &str, what: &str) {
    assert_eq!(r.status, status, "{what}: {:?}", String::from_utf8_lossy(&r.body));
    assert!(
        r.headers.get(header::CONTENT_TYPE).is_some_and(|v| v.to_str().unwrap().starts_with("application/json")),
        "{what}: not JSON"
    );
    let body = r.json();
    assert_eq!(body["error"]["code"], code, "{what}: {body}");
    assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{what}: {body}");
}

async fn raw(app: &TestApp, method: Method, path: &str, content_type: Option<&str>, body: Vec<u8>) -> Reply {
    let mut req =
        Request::builder().method(method).uri(path).header(header::AUTHORIZATION, format!("Bearer {}", app.admin));
    if let Some(ct) = content_type {
        req = req.header(header::CONTENT_TYPE, ct);
    }
    app.raw(req.body(Body::from(body)).unwrap()).await
}

async fn error_shapes_on_every_route_family(app: &TestApp) {
    let ws = app.workspace("shape", &[]).await;
    let asset = app.new_asset("shape", &app.admin, "Shape", b"shape bytes").await;
    let id = asset["id"].as_str().unwrap().to_string();
    let wf = app
        .post(
            "/api/v1/workspaces/shape/workflows",
            Some(&app.admin),
            json!({"name": "One", "stages": [{"name": "S", "approvers": [{"user": asset["created_by"]}], "rule": "all"}]}),
        )
        .await;
    let wf = wf.json()["id"].as_str().unwrap().to_string();
    let families: Vec<(Method, String)> = vec![
        (Method::POST, "/api/v1/workspaces".into()),
        (Method::PATCH, "/api/v1/workspaces/shape".into()),
        (Method::PATCH, format!("/api/v1/assets/{id}")),
        (Method::PUT, format!("/api/v1/workflows/{wf}")),
        (Method::POST, format!("/api/v1/assets/{id}/reviews")),
        (Method::POST, "/api/v1/tokens".into()),
        (Method::POST, "/api/v1/users".into()),
        (Method::PUT, "/api/v1/workspaces/shape/presets/square".into()),
        (Method::POST, "/api/v1/session".into()),
    ];
    for (method, path) in &families {
        let what = format!("{method} {path}");
        // 415: not JSON.
        let r = raw(app, method.clone(), path, Some("text/plain"), b"{}".to_vec()).await;
        assert_error(&r, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", &what);
        // 400: broken JSON.
        let r = raw(app, method.clone(), path, Some("application/json"), b"{\"name\": ".to_vec()).await;
        assert_error(&r, StatusCode::BAD_REQUEST, "malformed_json", &what);
        // 422: the wrong type of JSON.
        for wrong in [json!([null, null]), json!("text"), json!(42)] {
            let r = raw(app, method.clone(), path, Some("application/json"), wrong.to_string().into_bytes()).await;
            assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", &format!("{what} with {wrong}"));
        }
        // 422: an unknown field, named.
        let r = raw(app, method.clone(), path, Some("application/json"), br#"{"surprise": 1}"#.to_vec()).await;
        assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", &what);
        assert!(r.json()["error"]["message"].as_str().unwrap().contains("surprise"), "{what}: {:?}", r.json());
        // 413: over the body limit.
        let big = format!("{{\"name\": \"{}\"}}", "x".repeat(1024 * 1024 + 10)).into_bytes();
        let r = raw(app, method.clone(), path, Some("application/json"), big).await;
        assert_error(&r, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", &what);
    }
    // The array that once renamed an asset changed nothing.
    let after = app.get(&format!("/api/v1/assets/{id}"), &app.admin).await.json();
    assert_eq!(after["title"], "Shape");
    let wrong_type = app
        .send(
            Method::PATCH,
            &format!("/api/v1/assets/{id}"),
            crate::harness::Auth::Bearer(&app.admin),
            Some(json!({"title": 5})),
        )
        .await;
    assert_error(&wrong_type, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", "a number for a title");
    assert_eq!(wrong_type.json()["error"]["path"], "title");

    // 405 on every family of paths.
    for (method, path) in [
        (Method::PUT, "/api/v1/session".to_string()),
        (Method::DELETE, "/api/v1/workspaces".to_string()),
        (Method::POST, format!("/api/v1/assets/{id}")),
        (Method::DELETE, format!("/api/v1/reviews/{id}")),
        (Method::PATCH, "/api/v1/me".to_string()),
        (Method::POST, "/api/v1/openapi.json".to_string()),
    ] {
        let r = raw(app, method.clone(), &path, None, Vec::new()).await;
        assert_error(&r, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", &format!("{method} {path}"));
    }

    // 400: a query parameter that cannot be read, named.
    for path in [
        "/api/v1/workspaces/shape/assets?limit=abc".to_string(),
        "/api/v1/workspaces/shape/audit?limit=-1".to_string(),
        "/api/v1/workspaces/shape/jobs?limit=x".to_string(),
    ] {
        let r = app.get(&path, &app.admin).await;
        assert_error(&r, StatusCode::BAD_REQUEST, "invalid_query", &path);
        assert_eq!(r.json()["error"]["details"]["parameter"], "limit", "{path}: {:?}", r.json());
    }
    // Unknown endpoints stay 404 in the same shape.
    assert_error(&app.get("/api/v1/nowhere", &app.admin).await, StatusCode::NOT_FOUND, "not_found", "unknown path");
    let _ = ws;
}

/// Every code the server can answer is in the one table, and the table is what is published.
async fn error_codes_come_from_the_table(app: &TestApp) {
    let table: Vec<&str> = vellum_domain::ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    for (code, status) in [("not_found", 404), ("method_not_allowed", 405), ("invalid_body", 422), ("internal", 500)] {
        assert!(table.contains(&code));
        let c = vellum_domain::ErrorCode::ALL.iter().find(|c| c.as_str() == code).unwrap();
        assert_eq!(c.status(), status);
    }
    let r = app.get("/api/v1/nowhere", &app.admin).await;
    let body: Value = r.json();
    assert!(table.contains(&body["error"]["code"].as_str().unwrap()));
}

crate::on_both!(error_shapes_on_every_route_family, error_codes_come_from_the_table);
