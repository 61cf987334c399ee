//! OAuth clients for servers: a server admin registers one (a service account with a role in one
//! workspace), the client-credentials grant trades its credentials for a short-lived token with
//! the client's scope, and revoking the client ends everything at once.

use axum::{
    body::Body,
    http::{header, Method, Request, StatusCode},
};
use serde_json::{json, Value};

use crate::{
    harness::{Auth, Reply, TestApp},
    on_both,
};

async fn token_request(app: &TestApp, form: &str, basic: Option<&str>) -> Reply {
    let mut req = Request::builder()
        .method(Method::POST)
        .uri("/oauth/token")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(b) = basic {
        req = req.header(header::AUTHORIZATION, format!("Basic {b}"));
    }
    app.raw(req.body(Body::from(form.to_string())).unwrap()).await
}

fn oauth_error(r: &Reply) -> (u16, String) {
    (r.status.as_u16(), r.json()["error"].as_str().unwrap_or_default().to_string())
}

async fn a_client_trades_its_credentials_for_a_scoped_workspace_token(app: &TestApp) {
    let (uid, creator) = app.user("Cleo").await;
    app.workspace("alpha", &[(&uid, "creator")]).await;
    app.workspace("beta", &[]).await;
    app.new_asset("alpha", &creator, "Draft", b"draft").await;

    let body = json!({"name": "Website CMS", "scopes": ["read"], "workspace": "alpha", "role": "viewer"});
    assert_eq!(app.post("/api/v1/admin/oauth-clients", Some(&creator), body.clone()).await.code(), "forbidden");
    let made = app.post("/api/v1/admin/oauth-clients", Some(&app.admin), body).await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.json());
    let m = made.json();
    let (id, secret) = (m["client_id"].as_str().unwrap().to_string(), m["client_secret"].as_str().unwrap().to_string());
    assert_eq!((m["scopes"].clone(), m["role"].clone()), (json!(["read"]), json!("viewer")));
    let users = app.get("/api/v1/users?limit=500", &app.admin).await.json();
    let account = users["users"].as_array().unwrap().iter().find(|u| u["id"] == m["user_id"]).unwrap().clone();
    assert_eq!(account["kind"], "service");
    let listed = app.get("/api/v1/admin/oauth-clients", &app.admin).await.json();
    assert!(listed["clients"].as_array().unwrap().iter().all(|c| c.get("client_secret").is_none()));

    // Credentials in the form, or by HTTP Basic.
    let r =
        token_request(app, &format!("grant_type=client_credentials&client_id={id}&client_secret={secret}"), None).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json());
    assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
    let t = r.json();
    assert_eq!(
        (t["token_type"].clone(), t["expires_in"].clone(), t["scope"].clone()),
        (json!("Bearer"), json!(3600), json!("read"))
    );
    let access = t["access_token"].as_str().unwrap().to_string();
    use base64::Engine;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
    assert_eq!(
        token_request(app, "grant_type=client_credentials&scope=read", Some(&basic)).await.status,
        StatusCode::OK
    );

    // The token is the service account's: a viewer of alpha, read only, nowhere else.
    let library = app.get("/api/v1/workspaces/alpha/assets", &access).await;
    assert_eq!(library.status, StatusCode::OK);
    assert_eq!(library.json()["assets"], json!([]), "a viewer sees no drafts");
    assert_eq!(app.get("/api/v1/workspaces/beta", &access).await.code(), "not_found");
    let upload = app.upload("/api/v1/workspaces/alpha/assets", &access, &[("title", "x")], Some(("a.png", b"x"))).await;
    assert_eq!(upload.code(), "insufficient_scope");

    // RFC 6749 errors.
    let wrong =
        token_request(app, &format!("grant_type=client_credentials&client_id={id}&client_secret=nope"), None).await;
    assert_eq!(oauth_error(&wrong), (401, "invalid_client".into()));
    assert!(wrong.headers.contains_key(header::WWW_AUTHENTICATE));
    let unknown = token_request(app, &format!("grant_type=password&client_id={id}&client_secret={secret}"), None).await;
    assert_eq!(oauth_error(&unknown), (400, "unsupported_grant_type".into()));
    let wider = token_request(
        app,
        &format!("grant_type=client_credentials&client_id={id}&client_secret={secret}&scope=write"),
        None,
    )
    .await;
    assert_eq!(oauth_error(&wider), (400, "invalid_scope".into()));
    let json_body = app.post("/oauth/token", None, json!({"grant_type": "client_credentials"})).await;
    assert_eq!(oauth_error(&json_body), (400, "invalid_request".into()));
    let nobody = token_request(app, "grant_type=client_credentials&client_id=not-a-client&client_secret=x", None).await;
    assert_eq!(oauth_error(&nobody), (401, "invalid_client".into()));
    // Nobody signs in as the service account.
    let email = account["email"].as_str().unwrap();
    let s = app.post("/api/v1/session", None, json!({"email": email, "password": "anything at all really"})).await;
    assert_eq!(s.status, StatusCode::UNAUTHORIZED);

    // Access tokens are short-lived; revoking the client ends its tokens and its grant at once.
    app.clock.advance_secs(3601);
    assert_eq!(app.get("/api/v1/me", &access).await.status, StatusCode::UNAUTHORIZED);
    let later =
        token_request(app, &format!("grant_type=client_credentials&client_id={id}&client_secret={secret}"), None).await;
    let live = later.json()["access_token"].as_str().unwrap().to_string();
    assert_eq!(app.get("/api/v1/me", &live).await.status, StatusCode::OK);
    let gone =
        app.send(Method::DELETE, &format!("/api/v1/admin/oauth-clients/{id}"), Auth::Bearer(&app.admin), None).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get("/api/v1/me", &live).await.status, StatusCode::UNAUTHORIZED);
    let after =
        token_request(app, &format!("grant_type=client_credentials&client_id={id}&client_secret={secret}"), None).await;
    assert_eq!(oauth_error(&after), (401, "invalid_client".into()));
    let revoked: Value = app.get("/api/v1/admin/oauth-clients", &app.admin).await.json();
    assert!(revoked["clients"][0]["revoked_at"].is_string());
}

on_both!(a_client_trades_its_credentials_for_a_scoped_workspace_token);
