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

/// The document and the router are one: every documented operation is routed (a request
/// reaches its handler, not the router's 404 or 405), and every other method on a documented
/// path is 405 — so nothing routed goes undocumented.
async fn openapi_describes_every_route(app: &TestApp) {
    let health = app.send(Method::GET, "/healthz", Auth::None, None).await;
    assert_eq!(health.status, StatusCode::OK);
    let doc = app.send(Method::GET, "/api/v1/openapi.json", Auth::None, None).await.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    let methods = ["get", "put", "post", "delete", "patch"];
    let mut operations = 0;
    let mut ids = std::collections::HashSet::new();
    for (path, item) in paths {
        let concrete = path
            .replace("{ws}", "nowhere")
            .replace("{n}", "1")
            .replace("{k}", "1")
            .replace("{name}", "thumbnail")
            .replace("{user_id}", "01900000-0000-7000-8000-000000000001")
            .replace("{id}", "01900000-0000-7000-8000-000000000002");
        for method in methods {
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let r = app.send(m, &concrete, Auth::None, None).await;
            match item.get(method) {
                Some(op) => {
                    operations += 1;
                    assert!(
                        ids.insert(op["operationId"].as_str().unwrap().to_string()),
                        "{method} {path}: operationId twice"
                    );
                    assert!(op["tags"].as_array().is_some_and(|t| !t.is_empty()), "{method} {path}: no tag");
                    assert_ne!(
                        r.status,
                        StatusCode::METHOD_NOT_ALLOWED,
                        "{method} {path} is documented but not routed"
                    );
                    let unrouted =
                        r.status == StatusCode::NOT_FOUND && r.json()["error"]["message"] == "endpoint not found";
                    assert!(!unrouted, "{method} {path} is documented but not routed");
                    for status in ["400", "401", "422", "500"] {
                        if path.starts_with("/api/v1/") && !path.ends_with("openapi.json") {
                            assert!(op["responses"][status].is_object(), "{method} {path}: no {status}");
                        }
                    }
                }
                None => assert_eq!(
                    r.status,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{method} {path} answers but is not documented"
                ),
            }
        }
    }
    assert!(operations >= 55, "{operations} operations");
    // Binary downloads are documented as files, not JSON.
    let file = &doc["paths"]["/api/v1/assets/{id}/versions/{n}/file"]["get"]["responses"]["200"]["content"];
    assert_eq!(file["application/octet-stream"]["schema"]["format"], "binary", "{file}");
    let rendition = &doc["paths"]["/api/v1/assets/{id}/versions/{n}/renditions/{name}"]["get"]["responses"];
    assert!(rendition["202"].is_object(), "the 202 of a rendition in progress");
    // The protocols beside the API are described too, each with its own errors and credentials.
    let token = &doc["paths"]["/oauth/token"]["post"];
    assert!(token["requestBody"]["content"]["application/x-www-form-urlencoded"].is_object(), "{token}");
    assert_eq!(
        token["responses"]["401"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/OAuthError"
    );
    let scim_user = &doc["paths"]["/scim/v2/Users/{id}"]["patch"];
    assert_eq!(scim_user["security"], json!([{"scim": []}]));
    assert_eq!(
        scim_user["responses"]["400"]["content"]["application/scim+json"]["schema"]["$ref"],
        "#/components/schemas/ScimError"
    );
    assert!(doc["paths"]["/scim/v2/Groups"]["post"]["requestBody"]["content"]["application/scim+json"].is_object());
    assert_eq!(
        doc["paths"]["/auth/oidc/callback"]["get"]["responses"]["303"]["description"]
            .as_str()
            .map(|d| d.starts_with("Signed in")),
        Some(true)
    );
    assert!(doc["paths"]["/mcp"]["post"]["responses"]["401"].is_object());
    assert_eq!(doc["components"]["securitySchemes"]["scim"]["scheme"], "bearer");
    let unknown = app.get("/api/v1/nothing-here", &app.admin).await;
    assert_eq!((unknown.status, unknown.code().as_str()), (StatusCode::NOT_FOUND, "not_found"));
}

/// An operator sees which media tools the machine has and what goes unprocessed without
/// them; nobody else sees the server's status.
async fn admins_see_the_servers_tools(app: &TestApp) {
    let r = app.get("/api/v1/admin/status", &app.admin).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json());
    let body = r.json();
    let tools = body["tools"].as_array().unwrap();
    let ffmpeg = tools.iter().find(|t| t["program"] == "ffmpeg").expect("ffmpeg is listed");
    assert_eq!(ffmpeg["available"], true, "the test machine has ffmpeg");
    assert!(ffmpeg["needed_for"].as_str().unwrap().contains("video"));
    assert!(tools.iter().any(|t| t["program"] == "soffice" && t["package"].as_str().unwrap().contains("libreoffice")));
    let missing = tools.iter().filter(|t| t["available"] == false).count();
    assert_eq!(body["unprocessed"].as_array().unwrap().len(), missing);
    let db = body["database"].as_str().unwrap();
    assert!(db == "sqlite" || db == "postgres", "{db}");

    let (_, rita) = app.user("rita").await;
    let r = app.get("/api/v1/admin/status", &rita).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.code(), "forbidden");
}

on_both!(
    sign_in_cookie_me_and_sign_out,
    tokens_are_shown_once_and_stored_hashed,
    openapi_describes_every_route,
    admins_see_the_servers_tools
);
