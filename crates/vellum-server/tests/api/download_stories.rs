//! Download policies through the API: a `request` rule holds a consumer back until a request
//! is granted, the grant expires (by the injected clock) or runs out of downloads, a denial
//! needs a reason, a revoked grant stops at once, and a pre-approved group never asks.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use vellum_core::clock::Clock;
use vellum_domain::Timestamp;

use crate::{
    harness::{Auth, TestApp},
    on_both,
    review_stories::{start_review, team},
};

async fn requests_grants_and_preapproved_groups(app: &TestApp) {
    app.clock.set(Timestamp::parse("2026-12-02T09:00:00Z").unwrap());
    let t = team(app, "dl", json!("any")).await;
    let (pre_id, pre) = app.user("Pria").await;
    assert_eq!(
        app.send(
            Method::PUT,
            &format!("/api/v1/workspaces/dl/members/{pre_id}"),
            Auth::Bearer(&app.admin),
            Some(json!({"role": "viewer"}))
        )
        .await
        .status,
        StatusCode::OK
    );
    let group = app
        .post("/api/v1/workspaces/dl/groups", Some(&app.admin), json!({"name": "Agency", "members": [pre_id]}))
        .await
        .json();
    let schema = json!({"fields": [{"key": "talent", "label": "Talent", "type": "boolean"}]});
    assert_eq!(app.put("/api/v1/workspaces/dl/metadata-schema", &app.admin, schema).await.status, StatusCode::OK);
    let meta = json!({"custom": {"talent": true}}).to_string();
    let up = app
        .upload(
            "/api/v1/workspaces/dl/assets",
            &t.creator,
            &[("kind", "visual"), ("metadata", &meta)],
            Some(("face.png", b"face")),
        )
        .await;
    let id = up.json()["id"].as_str().unwrap().to_string();
    let r = start_review(app, &id, &t.creator, &t.workflow).await["id"].as_str().unwrap().to_string();
    for who in [&t.brand.1, &t.legal1.1] {
        assert_eq!(app.decide(&r, who, 1, "approve", None).await.status, StatusCode::CREATED);
    }
    let policies = json!({"default": "open", "rules": [
        {"when": {"field": "metadata.custom.talent", "op": "eq", "value": true}, "policy": "request", "preapproved_groups": [group["id"]]}
    ]});
    let path = "/api/v1/workspaces/dl/download-policies";
    assert_eq!(app.put(path, &t.creator, policies.clone()).await.status, StatusCode::FORBIDDEN);
    let bad = app
        .put(
            path,
            &app.admin,
            json!({"rules": [{"when": {"field": "nope", "op": "eq", "value": 1}, "policy": "open"}]}),
        )
        .await;
    assert_eq!(bad.code(), "invalid_download_policy");
    assert_eq!(app.put(path, &app.admin, policies).await.status, StatusCode::OK);

    let file = format!("/api/v1/assets/{id}/versions/1/file");
    let held = app.get(&file, &t.viewer).await;
    assert_eq!((held.status, held.code().as_str()), (StatusCode::FORBIDDEN, "download_request_required"));
    assert_eq!(app.get(&file, &pre).await.status, StatusCode::OK, "a pre-approved group downloads at once");
    assert_eq!(app.get(&file, &t.creator).await.status, StatusCode::OK, "editors are not held");
    // Previews are not downloads: the policy does not hold them back.
    let thumb = app.get(&format!("/api/v1/assets/{id}/versions/1/renditions/thumbnail"), &t.viewer).await;
    assert_ne!(thumb.code(), "download_request_required");

    // Request → grant with an expiry and two downloads.
    let ask = |purpose: &str| {
        let body = json!({"version": 1, "purpose": purpose});
        let path = format!("/api/v1/assets/{id}/download-requests");
        let viewer = t.viewer.clone();
        async move { app.post(&path, Some(&viewer), body).await }
    };
    assert_eq!(ask(" ").await.code(), "invalid_download_request");
    let req = ask("Instagram post for the AU launch").await;
    assert_eq!(req.status, StatusCode::CREATED, "{:?}", req.json());
    assert_eq!(req.json()["status"], "pending");
    let rid = req.json()["id"].as_str().unwrap().to_string();
    let mine = app.get("/api/v1/workspaces/dl/download-requests", &t.viewer).await.json();
    assert_eq!(mine["requests"].as_array().unwrap().len(), 1);
    let pending = app.get("/api/v1/workspaces/dl/download-requests?status=pending", &app.admin).await.json();
    assert_eq!(pending["requests"][0]["id"], rid.as_str());
    let until = app.clock.now().plus_hours(1).to_string();
    let grant = |who: String, rid: String, body: Value| async move {
        app.post(&format!("/api/v1/download-requests/{rid}/grant"), Some(&who), body).await
    };
    assert_eq!(grant(t.brand.1.clone(), rid.clone(), json!({"expires_at": until})).await.status, StatusCode::FORBIDDEN);
    let past = grant(t.creator.clone(), rid.clone(), json!({"expires_at": "2020-01-01T00:00:00Z"})).await;
    assert_eq!(past.code(), "invalid_grant");
    let g = grant(t.creator.clone(), rid.clone(), json!({"expires_at": until, "max_downloads": 2})).await;
    assert_eq!(g.status, StatusCode::OK, "{:?}", g.json());
    assert_eq!(grant(t.creator.clone(), rid.clone(), json!({"expires_at": until})).await.code(), "already_decided");
    assert_eq!(app.get(&file, &t.viewer).await.status, StatusCode::OK);
    assert_eq!(app.get("/api/v1/me/grants", &t.viewer).await.json()["grants"][0]["downloads"], 1);
    assert_eq!(app.get(&file, &t.viewer).await.status, StatusCode::OK);
    assert_eq!(app.get(&file, &t.viewer).await.code(), "download_request_required", "two downloads, then held again");

    // A fresh grant that expires.
    let again = ask("Second channel").await.json()["id"].as_str().unwrap().to_string();
    grant(t.creator.clone(), again, json!({"expires_at": until})).await;
    assert_eq!(app.get(&file, &t.viewer).await.status, StatusCode::OK);
    app.clock.set(app.clock.now().plus_hours(2));
    assert_eq!(app.get(&file, &t.viewer).await.code(), "download_request_required", "the grant expired");

    // Revoking a grant stops it at once; a denial needs a reason.
    let third = ask("Print").await.json()["id"].as_str().unwrap().to_string();
    let later = app.clock.now().plus_hours(24).to_string();
    let gid =
        grant(app.admin.clone(), third, json!({"expires_at": later})).await.json()["id"].as_str().unwrap().to_string();
    assert_eq!(app.get(&file, &t.viewer).await.status, StatusCode::OK);
    assert_eq!(
        app.send(Method::DELETE, &format!("/api/v1/grants/{gid}"), Auth::Bearer(&pre), None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.send(Method::DELETE, &format!("/api/v1/grants/{gid}"), Auth::Bearer(&t.creator), None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.get(&file, &t.viewer).await.code(), "download_request_required");
    let fourth = ask("Billboard").await.json()["id"].as_str().unwrap().to_string();
    let deny = |body: Value| {
        let path = format!("/api/v1/download-requests/{fourth}/deny");
        let who = t.creator.clone();
        async move { app.post(&path, Some(&who), body).await }
    };
    assert_eq!(deny(json!({"reason": " "})).await.code(), "reason_required");
    let denied = deny(json!({"reason": "The talent release excludes outdoor"})).await.json();
    assert_eq!(
        (denied["status"].as_str(), denied["reason"].as_str()),
        (Some("denied"), Some("The talent release excludes outdoor"))
    );
    let audit = app.get(&format!("/api/v1/workspaces/dl/audit?asset_id={id}"), &app.admin).await.json();
    let actions: Vec<&str> = audit["events"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    for a in [
        "download_request.create",
        "download_request.grant",
        "download_request.deny",
        "grant.revoke",
        "distribution.refused",
    ] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
}

on_both!(requests_grants_and_preapproved_groups);
