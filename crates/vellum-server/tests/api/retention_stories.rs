//! Retention and legal holds through the API: the dry run says what would go and why, a hold
//! keeps an asset whatever the policies say (and blocks its deletion), lifting it needs a
//! reason, the purge keeps rows and the audit chain, and shared content is removed only when
//! no kept version uses it.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use vellum_domain::Timestamp;

use crate::{
    harness::{Auth, TestApp},
    on_both,
    review_stories::team,
};

async fn blob_exists(app: &TestApp, sha: &str) -> bool {
    app.core.blobs.size(&vellum_blob::BlobKey::parse(sha).unwrap()).await.unwrap().is_some()
}

async fn version(app: &TestApp, token: &str, id: &str) -> Value {
    let v = app.get(&format!("/api/v1/assets/{id}/versions/1"), token).await;
    assert_eq!(v.status, StatusCode::OK, "{:?}", v.json());
    v.json()
}

async fn retention_purges_what_is_due_unless_held(app: &TestApp) {
    app.clock.set(Timestamp::parse("2026-12-02T09:00:00Z").unwrap());
    let t = team(app, "keep", json!("any")).await;
    let same = b"the same campaign visual, uploaded twice";
    let a = app.new_asset("keep", &t.creator, "Spring hero", same).await["id"].as_str().unwrap().to_string();
    let b = app.new_asset("keep", &t.creator, "Spring hero copy", same).await["id"].as_str().unwrap().to_string();
    let sha = version(app, &t.creator, &a).await["sha256"].as_str().unwrap().to_string();
    assert!(version(app, &t.creator, &a).await["purged_at"].is_null());

    // Policies are for owners and admins, checked whole.
    let policies = json!({"policies": [{"keep_years": 0, "after": "archive"}]});
    let put = |token: String, body: Value| async move {
        app.send(Method::PUT, "/api/v1/workspaces/keep/retention", Auth::Bearer(&token), Some(body)).await
    };
    assert_eq!(put(t.creator.clone(), policies.clone()).await.status, StatusCode::FORBIDDEN);
    let bad = put(app.admin.clone(), json!({"policies": [{"keep_years": 500, "after": "archive"}]})).await;
    assert_eq!((bad.status, bad.code().as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_retention"));
    assert_eq!(put(app.admin.clone(), policies.clone()).await.status, StatusCode::OK);
    assert_eq!(app.get("/api/v1/workspaces/keep/retention", &app.admin).await.json(), policies);
    let preview = || app.get("/api/v1/workspaces/keep/retention/preview", &app.admin);
    assert_eq!(preview().await.json()["items"], json!([]), "nothing is archived yet");

    // Archived, A is due at once; a hold on it keeps it and names itself in the dry run.
    let archived = app.post(&format!("/api/v1/assets/{a}/archive"), Some(&t.creator), json!({})).await;
    assert_eq!(archived.status, StatusCode::OK);
    let hold = app
        .post(
            "/api/v1/workspaces/keep/legal-holds",
            Some(&app.admin),
            json!({"name": "Smith v Acme", "reason": "litigation: preserve the spring campaign", "asset_ids": [a]}),
        )
        .await;
    assert_eq!(hold.status, StatusCode::CREATED, "{:?}", hold.json());
    let hold_id = hold.json()["id"].as_str().unwrap().to_string();
    let items = preview().await.json()["items"].clone();
    assert_eq!(items.as_array().unwrap().len(), 1, "{items}");
    assert_eq!((items[0]["asset_id"].as_str(), items[0]["after"].as_str()), (Some(a.as_str()), Some("archive")));
    assert_eq!(items[0]["versions"], json!([1]));
    assert_eq!(items[0]["held_by"][0]["name"], "Smith v Acme");
    let report = app.core.run_retention(false).await.unwrap();
    assert_eq!((report.purged.len(), report.held.len()), (0, 1));
    assert!(version(app, &t.creator, &a).await["purged_at"].is_null(), "held: kept");
    let delete = app.send(Method::DELETE, &format!("/api/v1/assets/{a}"), Auth::Bearer(&app.admin), None).await;
    assert_eq!((delete.status, delete.code().as_str()), (StatusCode::CONFLICT, "under_legal_hold"));

    // Lifting needs a reason; then the run purges A's file, but the bytes stay for B.
    let hold_path = format!("/api/v1/legal-holds/{hold_id}");
    let lift = |body: Option<Value>| app.send(Method::DELETE, &hold_path, Auth::Bearer(&app.admin), body);
    let no_reason = lift(None).await;
    assert_eq!((no_reason.status, no_reason.code().as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "reason_required"));
    assert_eq!(lift(Some(json!({"reason": "  "}))).await.code(), "reason_required");
    let lifted = lift(Some(json!({"reason": "case settled"}))).await;
    assert_eq!(lifted.status, StatusCode::OK, "{:?}", lifted.json());
    assert_eq!(lifted.json()["lift_reason"], "case settled");
    let report = app.core.run_retention(false).await.unwrap();
    assert_eq!((report.purged.len(), report.held.len(), report.blobs_removed), (1, 0, 0));
    let purged = version(app, &t.creator, &a).await;
    assert_eq!(purged["purged_at"], "2026-12-02T09:00:00.000000Z");
    assert_eq!(purged["sha256"], sha.as_str(), "the row keeps what the file was");
    let file = app.get(&format!("/api/v1/assets/{a}/versions/1/file"), &t.creator).await;
    assert_eq!((file.status, file.code().as_str()), (StatusCode::GONE, "version_purged"));
    assert!(blob_exists(app, &sha).await, "B still uses the same content");
    assert_eq!(app.get(&format!("/api/v1/assets/{b}/versions/1/file"), &t.creator).await.body, same);
    assert_eq!(preview().await.json()["items"], json!([]), "nothing left to purge");

    // Deleting B (owners and admins) archives it and purges its file: now the bytes go.
    let by_creator = app.send(Method::DELETE, &format!("/api/v1/assets/{b}"), Auth::Bearer(&t.creator), None).await;
    assert_eq!(by_creator.status, StatusCode::FORBIDDEN);
    let gone = app.send(Method::DELETE, &format!("/api/v1/assets/{b}"), Auth::Bearer(&app.admin), None).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT, "{:?}", gone.json());
    assert!(!blob_exists(app, &sha).await, "no kept version uses the content any more");
    let b_asset = app.get(&format!("/api/v1/assets/{b}"), &app.admin).await.json();
    assert!(b_asset["archived_at"].is_string(), "{b_asset}");
    assert!(version(app, &app.admin, &b).await["purged_at"].is_string());

    // The trail has it all and still verifies; the same content can come back.
    let trail = app.get("/api/v1/workspaces/keep/audit?object_type=asset", &app.admin).await.json();
    let purges: Vec<&Value> =
        trail["events"].as_array().unwrap().iter().filter(|e| e["action"] == "asset.purge").collect();
    assert_eq!(purges.len(), 2, "{purges:?}");
    let reasons: Vec<&str> = purges.iter().map(|e| e["after"]["reason"]["by"].as_str().unwrap()).collect();
    assert!(reasons.contains(&"retention") && reasons.contains(&"deletion"), "{reasons:?}");
    let all = app.get("/api/v1/workspaces/keep/audit", &app.admin).await.json();
    let actions: Vec<&str> = all["events"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for want in ["retention.put", "legal_hold.create", "legal_hold.lift", "asset.archive"] {
        assert!(actions.contains(&want), "{want}: {actions:?}");
    }
    let verify = app.get("/api/v1/workspaces/keep/audit/verify", &app.admin).await.json();
    assert_eq!(verify["ok"], true, "{verify}");
    let again = app.new_asset("keep", &t.creator, "Spring hero, once more", same).await;
    let c = again["id"].as_str().unwrap();
    assert_eq!(app.get(&format!("/api/v1/assets/{c}/versions/1/file"), &t.creator).await.body, same);
}

/// A hold on a campaign covers its assets; a hold needs a name, a reason and something to
/// hold; after `last_distribution`, the years count from the last download.
async fn holds_cover_campaigns_and_years_count_from_the_last_download(app: &TestApp) {
    // Far enough ahead that the upload (stamped by the wall clock) comes before the download.
    app.clock.set(Timestamp::parse("2031-01-10T09:00:00Z").unwrap());
    let t = team(app, "years", json!("any")).await;
    let a = app.new_asset("years", &t.creator, "Flyer", b"flyer bytes").await["id"].as_str().unwrap().to_string();
    let put = app
        .put(
            "/api/v1/workspaces/years/retention",
            &app.admin,
            json!({"policies": [{"keep_years": 1, "after": "last_distribution"}]}),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK);
    app.clock.set(Timestamp::parse("2031-06-01T09:00:00Z").unwrap());
    assert_eq!(app.get(&format!("/api/v1/assets/{a}/versions/1/file"), &t.creator).await.status, StatusCode::OK);
    let preview = || app.get("/api/v1/workspaces/years/retention/preview", &app.admin);
    app.clock.set(Timestamp::parse("2032-05-31T09:00:00Z").unwrap());
    assert_eq!(preview().await.json()["items"], json!([]), "a year from the download has not passed");
    app.clock.set(Timestamp::parse("2032-06-01T09:00:00Z").unwrap());
    let items = preview().await.json()["items"].clone();
    assert_eq!(items[0]["since"], "2031-06-01T09:00:00.000000Z", "{items}");
    assert_eq!(items[0]["due_at"], "2032-06-01T09:00:00.000000Z");

    let bad =
        app.post("/api/v1/workspaces/years/legal-holds", Some(&app.admin), json!({"name": "x", "reason": "y"})).await;
    assert_eq!((bad.status, bad.code().as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_legal_hold"));
    let by_creator = app
        .post(
            "/api/v1/workspaces/years/legal-holds",
            Some(&t.creator),
            json!({"name": "x", "reason": "y", "asset_ids": [a]}),
        )
        .await;
    assert_eq!(by_creator.status, StatusCode::FORBIDDEN);
    let campaign = app
        .post("/api/v1/workspaces/years/campaigns", Some(&app.admin), json!({"name": "Winter", "code": "WIN27", "channels": [], "starts_on": "2032-01-01", "ends_on": "2032-03-01"}))
        .await;
    assert_eq!(campaign.status, StatusCode::CREATED, "{:?}", campaign.json());
    let cid = campaign.json()["id"].as_str().unwrap().to_string();
    let linked = app
        .upload(
            "/api/v1/workspaces/years/assets",
            &t.creator,
            &[("kind", "visual"), ("campaign_id", &cid)],
            Some(("w.png", b"winter")),
        )
        .await;
    assert_eq!(linked.status, StatusCode::CREATED, "{:?}", linked.json());
    let w = linked.json()["id"].as_str().unwrap().to_string();
    let hold = app
        .post(
            "/api/v1/workspaces/years/legal-holds",
            Some(&app.admin),
            json!({"name": "Regulator inquiry", "reason": "FCA request", "campaign_id": cid}),
        )
        .await;
    assert_eq!(hold.status, StatusCode::CREATED, "{:?}", hold.json());
    let delete = app.send(Method::DELETE, &format!("/api/v1/assets/{w}"), Auth::Bearer(&app.admin), None).await;
    assert_eq!(delete.code(), "under_legal_hold");
    let holds = app.get("/api/v1/workspaces/years/legal-holds", &app.admin).await.json();
    assert_eq!(holds["holds"][0]["campaign_id"], cid.as_str());
    // The flyer (not in the campaign) is purged by the run; the winter visual is not due yet.
    let report = app.core.run_retention(false).await.unwrap();
    let purged: Vec<String> = report.purged.iter().map(|c| c.asset_id.to_string()).collect();
    assert!(purged.contains(&a) && !purged.contains(&w), "{purged:?}");
}

on_both!(retention_purges_what_is_due_unless_held, holds_cover_campaigns_and_years_count_from_the_last_download);
