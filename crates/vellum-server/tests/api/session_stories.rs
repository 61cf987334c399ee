//! Signing in and out, tokens, and the documents every client starts from.

use axum::http::{header, Method, StatusCode};
use serde_json::json;

use crate::{
    harness::{Auth, TestApp},
    on_both,
};

async fn sign_in_cookie_me_and_sign_out(app: &TestApp) {
    let (_, _) = app.user("Sam").await;
    let wrong =
        app.post("/api/v1/session", None, json!({"email": "sam@example.com", "password": "nope nope nope"})).await;
    assert_eq!((wrong.status, wrong.code().as_str()), (StatusCode::UNAUTHORIZED, "invalid_credentials"));
    let unknown =
        app.post("/api/v1/session", None, json!({"email": "nobody@example.com", "password": "nope nope nope"})).await;
    assert_eq!(unknown.json(), wrong.json(), "an unknown email looks the same as a wrong password");

    let ok = app
        .post(
            "/api/v1/session",
            None,
            json!({"email": "SAM@example.com", "password": &crate::harness::password_of("Sam")}),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    let set = ok.headers[header::SET_COOKIE].to_str().unwrap().to_string();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax"), "{set}");
    let cookie = set.split(';').next().unwrap().to_string();
    let me = app.send(Method::GET, "/api/v1/me", Auth::Cookie(&cookie), None).await;
    assert_eq!(me.json()["user"]["email"], "sam@example.com");
    assert!(me.json()["user"].get("password_hash").is_none());

    let csrf = ok.json()["csrf_token"].as_str().unwrap().to_string();
    let forged = app.send(Method::DELETE, "/api/v1/session", Auth::Cookie(&cookie), None).await;
    assert_eq!(forged.code(), "csrf_failed", "a foreign page cannot sign the user out");
    let out = app.send(Method::DELETE, "/api/v1/session", Auth::Session(&cookie, &csrf), None).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    let nobody = app.send(Method::DELETE, "/api/v1/session", Auth::None, None).await;
    assert_eq!((nobody.status, nobody.code().as_str()), (StatusCode::UNAUTHORIZED, "unauthenticated"));
    let after = app.send(Method::GET, "/api/v1/me", Auth::Cookie(&cookie), None).await;
    assert_eq!((after.status, after.code().as_str()), (StatusCode::UNAUTHORIZED, "unauthenticated"));
    let bogus = app.get("/api/v1/me", "vlm_not-a-token").await;
    assert_eq!(bogus.status, StatusCode::UNAUTHORIZED);

    // Failed sign-ins are audited on the server chain, one event per account and address per
    // window: Sam's when Sam signed in, the unknown account's when its window ended.
    app.clock.advance_secs(vellum_domain::throttle::AUDIT_WINDOW_SECS);
    assert_eq!(app.core.record_sign_in_failures().await.unwrap(), 1);
    let mut c = app.core.store.conn().await.unwrap();
    let events = vellum_store::audit::list(
        &mut c,
        "server",
        &vellum_store::audit::AuditFilter { limit: 1000, ..Default::default() },
    )
    .await
    .unwrap();
    let failed: Vec<_> = events.iter().filter(|e| e.fields.action == "session.failed").collect();
    assert_eq!(failed.len(), 2);
    assert!(failed[0].fields.after.as_deref().unwrap().contains("sam@example.com"));
    assert!(failed[0].fields.after.as_deref().unwrap().contains("\"count\":1"));
    assert!(failed[1].fields.after.as_deref().unwrap().contains("nobody@example.com"));
}

async fn tokens_are_shown_once_and_stored_hashed(app: &TestApp) {
    let (_, token) = app.user("Tina").await;
    let t = app.post("/api/v1/tokens", Some(&token), json!({"name": "CI upload"})).await;
    assert_eq!(t.status, StatusCode::CREATED);
    let plain = t.json()["token"].as_str().unwrap().to_string();
    assert_eq!(app.get("/api/v1/me", &plain).await.json()["user"]["email"], "tina@example.com");
    let mut c = app.core.store.conn().await.unwrap();
    assert!(
        vellum_store::users::user_by_token(&mut c, &plain, vellum_domain::Timestamp::now()).await.unwrap().is_none(),
        "the plain token is not stored"
    );
    let bad = app.post("/api/v1/tokens", Some(&token), json!({"name": ""})).await;
    assert_eq!(bad.code(), "invalid_name");
    let dup = app
        .post(
            "/api/v1/users",
            Some(&app.admin),
            json!({"email": "tina@example.com", "name": "T", "password": "long enough pass"}),
        )
        .await;
    assert_eq!((dup.status, dup.code().as_str()), (StatusCode::CONFLICT, "email_taken"));
    let weak = app
        .post("/api/v1/users", Some(&app.admin), json!({"email": "w@example.com", "name": "W", "password": "short"}))
        .await;
    assert_eq!(weak.code(), "weak_password");
}

async fn openapi_describes_every_route(app: &TestApp) {
    let health = app.send(Method::GET, "/healthz", Auth::None, None).await;
    assert_eq!(health.status, StatusCode::OK);
    let doc = app.send(Method::GET, "/api/v1/openapi.json", Auth::None, None).await.json();
    assert_eq!(doc["openapi"], "3.1.0");
    for (method, path) in [
        ("post", "/session"),
        ("post", "/workspaces/{ws}/assets"),
        ("post", "/reviews/{id}/decisions"),
        ("get", "/workspaces/{ws}/audit/verify"),
        ("get", "/assets/{id}/versions/{n}/file"),
        ("put", "/workflows/{id}"),
        ("delete", "/workspaces/{ws}/members/{user_id}"),
        ("post", "/users/{id}/disable"),
        ("post", "/users/{id}/enable"),
        ("post", "/users/{id}/password-reset"),
        ("post", "/password-reset"),
        ("put", "/me/password"),
        ("get", "/tokens"),
        ("delete", "/tokens/{id}"),
        ("delete", "/sessions"),
        ("patch", "/groups/{id}"),
        ("delete", "/groups/{id}"),
        ("post", "/admin/audit/checkpoint"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path} missing");
    }
    let unknown = app.get("/api/v1/nothing-here", &app.admin).await;
    assert_eq!((unknown.status, unknown.code().as_str()), (StatusCode::NOT_FOUND, "not_found"));
}

on_both!(sign_in_cookie_me_and_sign_out, tokens_are_shown_once_and_stored_hashed, openapi_describes_every_route);
