//! Bad input gets a stable code and changes nothing; tenants never see each other; roles hold.

use axum::{
    body::Body,
    http::{header, Method, Request, StatusCode},
};
use serde_json::json;

use crate::{
    harness::{Auth, TestApp, LIMIT},
    on_both,
    review_stories::{start_review, team},
};

async fn bad_input_is_refused_and_changes_nothing(app: &TestApp) {
    let (uid, creator) = app.user("Bea").await;
    let ws_id = app.workspace("bad", &[(&uid, "creator")]).await;
    let a = app.new_asset("bad", &creator, "Existing", b"existing").await;
    let id = a["id"].as_str().unwrap();
    let events_before = app.audit_len("bad").await;
    let assets_url = "/api/v1/workspaces/bad/assets";

    let malformed = app
        .raw(
            Request::builder()
                .method(Method::POST)
                .uri("/api/v1/workspaces")
                .header(header::AUTHORIZATION, format!("Bearer {}", app.admin))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{\"name\": \"x\", "))
                .unwrap(),
        )
        .await;
    assert_eq!((malformed.status, malformed.code().as_str()), (StatusCode::BAD_REQUEST, "malformed_json"));
    let missing_field = app.post("/api/v1/workspaces", Some(&app.admin), json!({"name": "No slug"})).await;
    assert_eq!(
        (missing_field.status, missing_field.code().as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_body")
    );

    let no_file = app.upload(assets_url, &creator, &[("title", "t"), ("kind", "visual")], None).await;
    assert_eq!((no_file.status, no_file.code().as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "missing_file"));
    let bad_kind = app.upload(assets_url, &creator, &[("kind", "photo")], Some(("x.png", b"x"))).await;
    assert_eq!((bad_kind.status, bad_kind.code().as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_kind"));
    assert!(bad_kind.json()["error"]["message"].as_str().unwrap().contains("design_source"));
    let bad_meta =
        app.upload(assets_url, &creator, &[("kind", "visual"), ("metadata", "{oops")], Some(("x.png", b"x"))).await;
    assert_eq!(bad_meta.code(), "invalid_metadata");
    let not_multipart = app.post(assets_url, Some(&creator), json!({"title": "x"})).await;
    assert_eq!(
        (not_multipart.status, not_multipart.code().as_str()),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
    );
    let big = vec![7u8; LIMIT as usize + 1];
    let too_big = app.upload(assets_url, &creator, &[("kind", "visual")], Some(("big.bin", &big))).await;
    assert_eq!((too_big.status, too_big.code().as_str()), (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"));
    // A declared length over the limit is refused before any byte is read.
    let declared = app
        .raw(
            Request::builder()
                .method(Method::POST)
                .uri(assets_url)
                .header(header::AUTHORIZATION, format!("Bearer {creator}"))
                .header(header::CONTENT_TYPE, "multipart/form-data; boundary=x")
                .header(header::CONTENT_LENGTH, (LIMIT * 4).to_string())
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(declared.status, StatusCode::PAYLOAD_TOO_LARGE);
    let empty_note = app.new_version(id, &creator, "", b"v2").await;
    assert_eq!(empty_note.code(), "invalid_note");
    let big_version = app.new_version(id, &creator, "huge", &big).await;
    assert_eq!(big_version.status, StatusCode::PAYLOAD_TOO_LARGE);

    let bad_role = app.put(&format!("/api/v1/workspaces/bad/members/{uid}"), &app.admin, json!({"role": "boss"})).await;
    assert_eq!((bad_role.status, bad_role.code().as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_role"));
    let dup_slug = app.post("/api/v1/workspaces", Some(&app.admin), json!({"name": "Again", "slug": "bad"})).await;
    assert_eq!((dup_slug.status, dup_slug.code().as_str()), (StatusCode::CONFLICT, "slug_taken"));
    let bad_slug = app.post("/api/v1/workspaces", Some(&app.admin), json!({"name": "x", "slug": "Not A Slug"})).await;
    assert_eq!(bad_slug.code(), "invalid_slug");
    let bad_wf = app
        .post(
            "/api/v1/workspaces/bad/workflows",
            Some(&app.admin),
            json!({"name": "w", "stages": [{"name": "s", "approvers": [{"user": uid}], "rule": {"quorum": 3}}]}),
        )
        .await;
    assert_eq!(bad_wf.code(), "invalid_workflow");
    let stranger = "01900000-0000-7000-8000-000000000abc";
    let bad_approver = app
        .post(
            "/api/v1/workspaces/bad/workflows",
            Some(&app.admin),
            json!({"name": "w", "stages": [{"name": "s", "approvers": [{"user": stranger}], "rule": "all"}]}),
        )
        .await;
    assert_eq!(bad_approver.code(), "invalid_approver");

    // Nothing changed: one asset, one version, no new audit events.
    let list = app.get(assets_url, &creator).await.json();
    assert_eq!(list["assets"].as_array().unwrap().len(), 1);
    let versions = app.get(&format!("/api/v1/assets/{id}/versions"), &creator).await.json();
    assert_eq!(versions["versions"].as_array().unwrap().len(), 1);
    assert_eq!(app.audit_len("bad").await, events_before);
    assert_eq!(app.get(&format!("/api/v1/workspaces/{ws_id}"), &creator).await.json()["slug"], "bad");
}

async fn tenants_get_404_for_each_others_objects(app: &TestApp) {
    let t = team(app, "alpha", json!("all")).await;
    let a = app.new_asset("alpha", &t.creator, "Secret", b"secret").await;
    let id = a["id"].as_str().unwrap();
    let rid = start_review(app, id, &t.creator, &t.workflow).await["id"].as_str().unwrap().to_string();
    let (bob_id, bob) = app.user("Bob").await;
    app.workspace("beta", &[(&bob_id, "owner")]).await;

    let paths = [
        "/api/v1/workspaces/alpha".to_string(),
        "/api/v1/workspaces/alpha/assets".into(),
        "/api/v1/workspaces/alpha/members".into(),
        "/api/v1/workspaces/alpha/groups".into(),
        "/api/v1/workspaces/alpha/workflows".into(),
        "/api/v1/workspaces/alpha/audit".into(),
        "/api/v1/workspaces/alpha/audit/verify".into(),
        format!("/api/v1/assets/{id}"),
        format!("/api/v1/assets/{id}/versions"),
        format!("/api/v1/assets/{id}/versions/1"),
        format!("/api/v1/assets/{id}/versions/1/file"),
        format!("/api/v1/assets/{id}/reviews"),
        format!("/api/v1/reviews/{rid}"),
        format!("/api/v1/workflows/{}", t.workflow),
    ];
    for p in &paths {
        let r = app.get(p, &bob).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "GET {p} leaked: {:?}", r.json());
        assert_eq!(r.code(), "not_found");
    }
    let writes = [
        (Method::POST, format!("/api/v1/reviews/{rid}/decisions"), json!({"version": 1, "decision": "approve"})),
        (Method::POST, format!("/api/v1/assets/{id}/reviews"), json!({"workflow_id": t.workflow})),
        (Method::POST, format!("/api/v1/assets/{id}/versions/1/restore"), json!({})),
        (Method::PATCH, format!("/api/v1/assets/{id}"), json!({"title": "pwned"})),
        (
            Method::PUT,
            format!("/api/v1/workflows/{}", t.workflow),
            json!({"name": "w", "stages": [{"name": "s", "approvers": [{"user": bob_id}], "rule": "all"}]}),
        ),
        (Method::PUT, format!("/api/v1/workspaces/alpha/members/{bob_id}"), json!({"role": "owner"})),
        (Method::POST, "/api/v1/workspaces/alpha/groups".to_string(), json!({"name": "g"})),
        (
            Method::POST,
            "/api/v1/workspaces/alpha/workflows".to_string(),
            json!({"name": "w", "stages": [{"name": "s", "approvers": [{"user": bob_id}], "rule": "all"}]}),
        ),
    ];
    for (m, p, body) in writes {
        let r = app.send(m.clone(), &p, Auth::Bearer(&bob), Some(body)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{m} {p} leaked: {:?}", r.json());
    }
    let up = app.upload("/api/v1/workspaces/alpha/assets", &bob, &[("kind", "visual")], Some(("x", b"x"))).await;
    assert_eq!(up.status, StatusCode::NOT_FOUND);
    let v = app.new_version(id, &bob, "mine now", b"x").await;
    assert_eq!(v.status, StatusCode::NOT_FOUND);
    // Beta's own workflow cannot be used on alpha's asset, nor alpha's on beta's.
    let beta_wf = app
        .post(
            "/api/v1/workspaces/beta/workflows",
            Some(&bob),
            json!({"name": "w", "stages": [{"name": "s", "approvers": [{"user": bob_id}], "rule": "all"}]}),
        )
        .await;
    let beta_wf = beta_wf.json()["id"].as_str().unwrap().to_string();
    let b = app.new_asset("beta", &bob, "Mine", b"mine").await;
    let cross = app
        .post(
            &format!("/api/v1/assets/{}/reviews", b["id"].as_str().unwrap()),
            Some(&bob),
            json!({"workflow_id": t.workflow}),
        )
        .await;
    assert_eq!(cross.status, StatusCode::NOT_FOUND);
    let cross =
        app.post(&format!("/api/v1/assets/{id}/reviews"), Some(&app.admin), json!({"workflow_id": beta_wf})).await;
    assert_eq!(cross.status, StatusCode::NOT_FOUND);
    // Alpha's asset is untouched.
    assert_eq!(app.get(&format!("/api/v1/assets/{id}"), &t.creator).await.json()["title"], "Secret");
}

async fn roles_are_checked_on_every_route(app: &TestApp) {
    let t = team(app, "roles", json!("all")).await;
    let (rid_user, reviewer) = app.user("Rita").await;
    app.put(&format!("/api/v1/workspaces/roles/members/{rid_user}"), &app.admin, json!({"role": "reviewer"})).await;

    let viewer_upload =
        app.upload("/api/v1/workspaces/roles/assets", &t.viewer, &[("kind", "visual")], Some(("x", b"x"))).await;
    assert_eq!(viewer_upload.status, StatusCode::FORBIDDEN);
    let reviewer_upload =
        app.upload("/api/v1/workspaces/roles/assets", &reviewer, &[("kind", "visual")], Some(("x", b"x"))).await;
    assert_eq!(reviewer_upload.status, StatusCode::FORBIDDEN);
    let a = app.new_asset("roles", &t.creator, "Ad", b"ad").await;
    let id = a["id"].as_str().unwrap();
    let reviewer_starts =
        app.post(&format!("/api/v1/assets/{id}/reviews"), Some(&reviewer), json!({"workflow_id": t.workflow})).await;
    assert_eq!(reviewer_starts.status, StatusCode::FORBIDDEN);
    let creator_wf = app
        .post(
            "/api/v1/workspaces/roles/workflows",
            Some(&t.creator),
            json!({"name": "w", "stages": [{"name": "s", "approvers": [{"user": rid_user}], "rule": "all"}]}),
        )
        .await;
    assert_eq!(creator_wf.status, StatusCode::FORBIDDEN);
    let creator_member =
        app.put(&format!("/api/v1/workspaces/roles/members/{rid_user}"), &t.creator, json!({"role": "admin"})).await;
    assert_eq!(creator_member.status, StatusCode::FORBIDDEN);
    let creator_group = app.post("/api/v1/workspaces/roles/groups", Some(&t.creator), json!({"name": "g"})).await;
    assert_eq!(creator_group.status, StatusCode::FORBIDDEN);
    let viewer_sees_draft = app.get(&format!("/api/v1/assets/{id}"), &t.viewer).await;
    assert_eq!(viewer_sees_draft.status, StatusCode::NOT_FOUND);
    let viewer_list = app.get("/api/v1/workspaces/roles/assets", &t.viewer).await.json();
    assert_eq!(viewer_list["assets"], json!([]));
    let viewer_patch = app
        .send(Method::PATCH, &format!("/api/v1/assets/{id}"), Auth::Bearer(&reviewer), Some(json!({"title": "x"})))
        .await;
    assert_eq!(viewer_patch.status, StatusCode::FORBIDDEN);
    // Only server admins create users.
    let u = app
        .post(
            "/api/v1/users",
            Some(&t.creator),
            json!({"email": "x@example.com", "name": "X", "password": "long enough pass"}),
        )
        .await;
    assert_eq!(u.status, StatusCode::FORBIDDEN);
    // A viewer cannot be named an approver.
    let viewer_id = app.get("/api/v1/workspaces/roles/members", &app.admin).await.json()["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role"] == "viewer")
        .unwrap()["user_id"]
        .clone();
    let wf = app
        .post(
            "/api/v1/workspaces/roles/workflows",
            Some(&app.admin),
            json!({"name": "w", "stages": [{"name": "s", "approvers": [{"user": viewer_id}], "rule": "all"}]}),
        )
        .await;
    assert_eq!(wf.code(), "invalid_approver");
    // The last owner cannot be demoted.
    let admin_id = app.get("/api/v1/me", &app.admin).await.json()["user"]["id"].as_str().unwrap().to_string();
    let demote =
        app.put(&format!("/api/v1/workspaces/roles/members/{admin_id}"), &app.admin, json!({"role": "viewer"})).await;
    assert_eq!((demote.status, demote.code().as_str()), (StatusCode::CONFLICT, "last_owner"));
    let _ = t.brand;
    let _ = (t.legal1, t.legal2);
}

on_both!(
    bad_input_is_refused_and_changes_nothing,
    tenants_get_404_for_each_others_objects,
    roles_are_checked_on_every_route
);
