//! Scoped API tokens: each scope stops where it ends, a token kept to one workspace sees only
//! that one, tokens never exceed their user's rights, and admins list and revoke any token.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::{
    harness::{Auth, TestApp},
    on_both,
};

async fn token(app: &TestApp, holder: &str, body: Value) -> (String, String) {
    let r = app.post("/api/v1/tokens", Some(holder), body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json());
    let j = r.json();
    (j["id"].as_str().unwrap().to_string(), j["token"].as_str().unwrap().to_string())
}

fn refused(r: &crate::harness::Reply, code: &str) {
    assert_eq!(
        (r.status.as_u16(), r.code().as_str()),
        (if code == "not_found" { 404 } else { 403 }, code),
        "{:?}",
        r.json()
    );
}

async fn each_scope_stops_where_it_ends(app: &TestApp) {
    let (uid, full) = app.user("Sofia").await;
    app.workspace("alpha", &[(&uid, "creator")]).await;
    let asset = app.new_asset("alpha", &full, "Spring poster", b"spring").await;
    let id = asset["id"].as_str().unwrap();
    let comments = format!("/api/v1/assets/{id}/versions/1/comments");

    let r = app.post("/api/v1/tokens", Some(&full), json!({"name": "agent", "scopes": ["read"]})).await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.json()["scopes"], json!(["read"]), "the one scope asked for is echoed");
    let read = r.json()["token"].as_str().unwrap().to_string();
    let (_, comment) = token(app, &full, json!({"name": "c", "scopes": ["read", "comment"]})).await;
    let (_, write) = token(app, &full, json!({"name": "w", "scopes": ["write"]})).await;

    // read: looks, never writes.
    assert_eq!(app.get(&format!("/api/v1/assets/{id}"), &read).await.status, StatusCode::OK);
    assert_eq!(app.get("/api/v1/workspaces/alpha/assets", &read).await.status, StatusCode::OK);
    refused(&app.post(&comments, Some(&read), json!({"body": "Too dark"})).await, "insufficient_scope");
    let upload = app.upload("/api/v1/workspaces/alpha/assets", &read, &[("title", "x")], Some(("a.png", b"x"))).await;
    refused(&upload, "insufficient_scope");
    assert!(upload.json()["error"]["message"].as_str().unwrap().contains("scope"), "{:?}", upload.json());

    // comment: the person's own words, but no change to the record.
    assert_eq!(app.post(&comments, Some(&comment), json!({"body": "Too dark"})).await.status, StatusCode::CREATED);
    let rename = |t: &str| {
        let t = t.to_string();
        async move {
            app.send(Method::PATCH, &format!("/api/v1/assets/{id}"), Auth::Bearer(&t), Some(json!({"title": "Final"})))
                .await
        }
    };
    refused(&rename(&comment).await, "insufficient_scope");
    assert_eq!(rename(&write).await.status, StatusCode::OK);

    // Tokens cannot mint wider tokens, nor anything at all below admin scope.
    refused(
        &app.post("/api/v1/tokens", Some(&write), json!({"name": "x", "scopes": ["read"]})).await,
        "insufficient_scope",
    );
    let (_, admin_scoped) = token(app, &full, json!({"name": "a", "scopes": ["admin"]})).await;
    let (_, narrower) = token(app, &admin_scoped, json!({"name": "n", "scopes": ["comment"]})).await;
    refused(&app.post("/api/v1/tokens", Some(&narrower), json!({"name": "y"})).await, "insufficient_scope");
    // An admin scope never lends its user rights they lack.
    refused(&app.get("/api/v1/admin/tokens", &admin_scoped).await, "forbidden");
    refused(&app.get("/api/v1/admin/tokens", &read).await, "insufficient_scope");

    for bad in [json!(["root"]), json!([]), json!("read")] {
        let r = app.post("/api/v1/tokens", Some(&full), json!({"name": "bad", "scopes": bad})).await;
        assert!(r.status.is_client_error(), "{bad}: {:?}", r.json());
        if bad.is_array() {
            assert_eq!(r.code(), "invalid_scope", "{bad}");
        }
    }

    // The holder sees every token with its scope and last use, newest first.
    let listed = app.get("/api/v1/tokens", &full).await.json();
    let tokens = listed["tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 6);
    let agent = tokens.iter().find(|t| t["name"] == "agent").unwrap();
    assert_eq!(agent["scopes"], json!(["read"]));
    assert!(agent["workspace_id"].is_null() && agent["expires_at"].is_null());
    assert!(agent["last_used_at"].is_string(), "the read token was used: {agent}");
    assert!(agent["created_at"].is_string());
    let original = tokens.iter().find(|t| t["name"] == "t").unwrap();
    assert_eq!(original["scopes"], json!(["admin"]), "a token made without scopes has its maker's: all");
    assert!(tokens.iter().all(|t| t.get("token").is_none()), "secrets are never listed");
}

async fn a_workspace_token_sees_one_workspace(app: &TestApp) {
    let (uid, full) = app.user("Wes").await;
    let alpha = app.workspace("alpha", &[(&uid, "creator")]).await;
    app.workspace("beta", &[(&uid, "creator")]).await;
    app.workspace("gamma", &[]).await;
    let here = app.new_asset("alpha", &full, "Here", b"here").await;
    let there = app.new_asset("beta", &full, "There", b"there").await;

    let r = app
        .post("/api/v1/tokens", Some(&full), json!({"name": "alpha only", "scopes": ["write"], "workspace": "alpha"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json());
    assert_eq!(r.json()["workspace_id"], json!(alpha));
    let kept = r.json()["token"].as_str().unwrap().to_string();

    let mine = app.get("/api/v1/workspaces", &kept).await.json();
    let slugs: Vec<&str> = mine["workspaces"].as_array().unwrap().iter().map(|w| w["slug"].as_str().unwrap()).collect();
    assert_eq!(slugs, ["alpha"]);
    assert_eq!(
        app.get(&format!("/api/v1/assets/{}", here["id"].as_str().unwrap()), &kept).await.status,
        StatusCode::OK
    );
    refused(&app.get(&format!("/api/v1/assets/{}", there["id"].as_str().unwrap()), &kept).await, "not_found");
    refused(&app.get("/api/v1/workspaces/beta", &kept).await, "not_found");
    refused(&app.get("/api/v1/workspaces/beta/search?q=there", &kept).await, "not_found");
    let upload = app.upload("/api/v1/workspaces/beta/assets", &kept, &[("title", "x")], Some(("a.png", b"x"))).await;
    refused(&upload, "not_found");
    // Server-wide requests are out of its reach, and so is a workspace its user is not in.
    refused(
        &app.post("/api/v1/workspaces", Some(&kept), json!({"name": "New", "slug": "new"})).await,
        "insufficient_scope",
    );
    refused(&app.post("/api/v1/tokens", Some(&full), json!({"name": "g", "workspace": "gamma"})).await, "not_found");
    // Its tokens stay in its workspace... but it cannot make tokens at all below admin scope.
    refused(&app.post("/api/v1/tokens", Some(&kept), json!({"name": "k"})).await, "insufficient_scope");
}

async fn admins_list_and_revoke_any_token_and_its_use_is_audited(app: &TestApp) {
    let (uid, full) = app.user("Ada").await;
    let (_, other) = app.user("Otto").await;
    let ws = app.workspace("alpha", &[(&uid, "creator")]).await;
    let asset = app.new_asset("alpha", &full, "Poster", b"poster").await;
    let id = asset["id"].as_str().unwrap();
    let (tid, write) = token(app, &full, json!({"name": "cms", "scopes": ["write"]})).await;

    let r = app
        .send(Method::PATCH, &format!("/api/v1/assets/{id}"), Auth::Bearer(&write), Some(json!({"title": "Final"})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json());
    let trail = app.get(&format!("/api/v1/workspaces/{ws}/audit?limit=200"), &app.admin).await.json();
    let update = trail["events"]
        .as_array()
        .unwrap()
        .iter()
        .rfind(|e| e["action"] == "asset.update")
        .expect("the rename is recorded")
        .clone();
    assert_eq!(update["token_id"], json!(tid), "the token is named: {update}");
    assert_eq!(update["actor_id"], json!(uid), "and its user is the actor");
    let made = trail["events"].as_array().unwrap().iter().find(|e| e["action"] == "asset.create").unwrap().clone();
    assert!(made["token_id"].is_string(), "the upload went through the harness's token too");

    // Server admins see every token, with whose it is; others may not look.
    let all = app.get("/api/v1/admin/tokens", &app.admin).await;
    assert_eq!(all.status, StatusCode::OK, "{:?}", all.json());
    let cms = all.json()["tokens"].as_array().unwrap().iter().find(|t| t["id"] == json!(tid)).cloned().unwrap();
    assert_eq!((cms["user_id"].clone(), cms["scopes"].clone()), (json!(uid), json!(["write"])));
    refused(&app.get("/api/v1/admin/tokens", &full).await, "forbidden");

    // Someone else's token is not found for a member; an admin revokes it, and it stops at once.
    refused(&app.send(Method::DELETE, &format!("/api/v1/tokens/{tid}"), Auth::Bearer(&other), None).await, "not_found");
    let gone = app.send(Method::DELETE, &format!("/api/v1/tokens/{tid}"), Auth::Bearer(&app.admin), None).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get("/api/v1/me", &write).await.status, StatusCode::UNAUTHORIZED);
}

async fn expired_tokens_stop(app: &TestApp) {
    let (_, full) = app.user("Eve").await;
    let soon = app.clock_now().plus_secs(3600);
    let (_, t) = token(app, &full, json!({"name": "short", "scopes": ["read"], "expires_at": soon})).await;
    assert_eq!(app.get("/api/v1/me", &t).await.status, StatusCode::OK);
    app.clock.advance_secs(3601);
    assert_eq!(app.get("/api/v1/me", &t).await.status, StatusCode::UNAUTHORIZED);
    let past = app.post("/api/v1/tokens", Some(&full), json!({"name": "p", "expires_at": app.clock_now()})).await;
    assert_eq!(past.code(), "invalid_expiry");
}

on_both!(
    each_scope_stops_where_it_ends,
    a_workspace_token_sees_one_workspace,
    admins_list_and_revoke_any_token_and_its_use_is_audited,
    expired_tokens_stop
);
