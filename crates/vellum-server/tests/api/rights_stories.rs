//! Rights and archive through the API: an asset whose rights window closed or whose required
//! release lapsed is refused to every consumer on every file route (and audited), while its
//! editors still fetch the original to fix it; fixing the date opens it again. An archived
//! asset leaves the library and every distribution until it is brought back.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use vellum_domain::Timestamp;

use crate::{
    harness::{Auth, TestApp},
    on_both,
    review_stories::{start_review, team},
};

async fn approved_asset(app: &TestApp, ws: &str) -> (crate::review_stories::Team, String) {
    let t = team(app, ws, json!("any")).await;
    let up = app
        .upload(
            &format!("/api/v1/workspaces/{ws}/assets"),
            &t.creator,
            &[("kind", "visual")],
            Some(("spot.png", b"spot bytes")),
        )
        .await;
    assert_eq!(up.status, StatusCode::CREATED, "{:?}", up.json());
    let id = up.json()["id"].as_str().unwrap().to_string();
    let r = start_review(app, &id, &t.creator, &t.workflow).await;
    let rid = r["id"].as_str().unwrap().to_string();
    for who in [&t.brand.1, &t.legal1.1] {
        assert_eq!(app.decide(&rid, who, 1, "approve", None).await.status, StatusCode::CREATED);
    }
    (t, id)
}

fn rights(until: &str, release: Option<(&str, bool)>) -> Value {
    let releases: Vec<Value> = release
        .map(|(day, required)| json!({"name": "Jo Model", "kind": "model", "expires_on": day, "required": required}))
        .into_iter()
        .collect();
    json!({"licence": "rights_managed", "licensor": "Studio North", "usage_terms": "Social and web, AU only",
        "territories": ["AU"], "channels": ["social", "web"], "valid_from": "2026-01-01", "valid_until": until,
        "releases": releases})
}

async fn expired_rights_stop_every_consumer_until_fixed(app: &TestApp) {
    app.clock.set(Timestamp::parse("2026-12-02T09:00:00Z").unwrap());
    let (t, id) = approved_asset(app, "rights").await;
    let file = format!("/api/v1/assets/{id}/versions/1/file");
    let thumb = format!("/api/v1/assets/{id}/versions/1/renditions/thumbnail");
    let put = |body: Value, who: String| {
        let path = format!("/api/v1/assets/{id}/rights");
        async move { app.send(Method::PUT, &path, Auth::Bearer(&who), Some(body)).await }
    };
    assert_eq!(app.get(&file, &t.viewer).await.status, StatusCode::OK);

    // Only editors set rights; bad dates are named.
    assert_eq!(put(rights("2027-06-30", None), t.brand.1.clone()).await.status, StatusCode::FORBIDDEN);
    let bad = put(
        json!({"licence": "owned", "valid_from": "2026-05-01", "valid_until": "2026-04-01", "territories": ["aus"]}),
        t.creator.clone(),
    )
    .await;
    assert_eq!(bad.code(), "invalid_rights");
    let body = bad.json();
    let keys: Vec<&str> =
        body["error"]["fields"].as_array().unwrap().iter().map(|f| f["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["territories", "valid_until"]);

    // In force, then expiring within 30 days.
    let set = put(rights("2027-06-30", None), t.creator.clone()).await;
    assert_eq!(set.status, StatusCode::OK, "{:?}", set.json());
    assert_eq!(
        (set.json()["rights_status"].as_str(), set.json()["rights"]["licensor"].as_str()),
        (Some("ok"), Some("Studio North"))
    );
    let soon = put(rights("2026-12-20", None), t.creator.clone()).await.json();
    assert_eq!(soon["rights_status"], "expiring");

    // The window closes: every consumer is refused on every route, and the refusal audited.
    app.clock.set(Timestamp::parse("2026-12-21T09:00:00Z").unwrap());
    assert_eq!(app.get(&format!("/api/v1/assets/{id}"), &t.viewer).await.json()["rights_status"], "expired");
    for (who, path) in [(&t.viewer, &file), (&t.brand.1, &file), (&t.viewer, &thumb)] {
        let refused = app.get(path, who).await;
        assert_eq!((refused.status, refused.code().as_str()), (StatusCode::GONE, "rights_expired"), "{path}");
    }
    // Its editor still fetches the exact original to fix it.
    assert_eq!(app.get(&file, &t.creator).await.status, StatusCode::OK);
    let audit = app.get(&format!("/api/v1/workspaces/rights/audit?asset_id={id}"), &app.admin).await.json();
    assert!(audit["events"].as_array().unwrap().iter().any(|e| e["action"] == "distribution.refused"), "{audit}");

    // Fixing the date opens it again, with no flag to flip.
    assert_eq!(put(rights("2027-06-30", None), t.creator.clone()).await.json()["rights_status"], "ok");
    assert_eq!(app.get(&file, &t.viewer).await.status, StatusCode::OK);

    // A required release that lapsed expires the asset; one not required does not.
    assert_eq!(
        put(rights("2027-06-30", Some(("2026-12-01", false))), t.creator.clone()).await.json()["rights_status"],
        "ok"
    );
    assert_eq!(
        put(rights("2027-06-30", Some(("2026-12-01", true))), t.creator.clone()).await.json()["rights_status"],
        "expired"
    );
    assert_eq!(app.get(&file, &t.viewer).await.code(), "rights_expired");
}

async fn archived_assets_leave_the_library_and_every_distribution(app: &TestApp) {
    let (t, id) = approved_asset(app, "attic").await;
    let file = format!("/api/v1/assets/{id}/versions/1/file");
    let archive = |who: String, verb: &'static str| {
        let path = format!("/api/v1/assets/{id}/{verb}");
        async move { app.post(&path, Some(&who), json!({})).await }
    };
    assert_eq!(archive(t.viewer.clone(), "archive").await.status, StatusCode::FORBIDDEN, "viewers do not archive");
    let done = archive(t.creator.clone(), "archive").await;
    assert_eq!(done.status, StatusCode::OK, "{:?}", done.json());
    assert!(done.json()["archived_at"].is_string());
    let library = app.get("/api/v1/workspaces/attic/assets", &t.creator).await.json();
    assert_eq!(library["assets"], json!([]), "archived assets are out of the library");
    let refused = app.get(&file, &t.viewer).await;
    assert_eq!((refused.status, refused.code().as_str()), (StatusCode::GONE, "archived"));
    assert_eq!(app.get(&file, &t.creator).await.status, StatusCode::OK, "its editor still has the original");
    let back = archive(t.creator.clone(), "unarchive").await;
    assert!(back.json()["archived_at"].is_null());
    assert_eq!(app.get("/api/v1/workspaces/attic/assets", &t.viewer).await.json()["assets"][0]["id"], id.as_str());
    assert_eq!(app.get(&file, &t.viewer).await.status, StatusCode::OK);
    let audit = app.get(&format!("/api/v1/workspaces/attic/audit?asset_id={id}"), &app.admin).await.json();
    let actions: Vec<&str> = audit["events"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    assert!(actions.contains(&"asset.archive") && actions.contains(&"asset.unarchive"), "{actions:?}");
}

on_both!(expired_rights_stop_every_consumer_until_fixed, archived_assets_leave_the_library_and_every_distribution);

async fn always_current_links_follow_the_approved_version_and_the_rights(app: &TestApp) {
    app.clock.set(Timestamp::parse("2026-12-02T09:00:00Z").unwrap());
    let (t, id) = approved_asset(app, "links").await;
    let make = |rendition: &str| {
        let path = format!("/api/v1/assets/{id}/public-links");
        let body = json!({"rendition": rendition});
        let who = t.creator.clone();
        async move { app.post(&path, Some(&who), body).await }
    };
    assert_eq!(make("sparkle").await.code(), "rendition_not_available");
    let made = make("original").await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.json());
    let url = made.json()["url"].as_str().unwrap().to_string();
    let path = url[url.find("/p/").unwrap()..].to_string();
    assert!(path.ends_with("/original.png"), "{path}");
    let fetch = |etag: Option<String>| {
        let path = path.clone();
        async move {
            let mut req = axum::http::Request::get(&path);
            if let Some(e) = etag {
                req = req.header("if-none-match", e);
            }
            app.raw(req.body(axum::body::Body::empty()).unwrap()).await
        }
    };
    let first = fetch(None).await;
    assert_eq!((first.status, first.body.as_slice()), (StatusCode::OK, &b"spot bytes"[..]));
    assert_eq!(first.headers["referrer-policy"], "no-referrer");
    assert!(first.headers["cache-control"].to_str().unwrap().starts_with("public"));
    let etag = first.headers["etag"].to_str().unwrap().to_string();
    assert_eq!(fetch(Some(etag.clone())).await.status, StatusCode::NOT_MODIFIED);

    // Version 2 uploaded: the link still serves the approved version 1 until 2 is approved.
    let v2 = app
        .upload(
            &format!("/api/v1/assets/{id}/versions"),
            &t.creator,
            &[("note", "brighter")],
            Some(("spot.png", b"spot bytes v2")),
        )
        .await;
    assert_eq!(v2.status, StatusCode::CREATED, "{:?}", v2.json());
    assert_eq!(fetch(None).await.body, b"spot bytes");
    let r = start_review(app, &id, &t.creator, &t.workflow).await["id"].as_str().unwrap().to_string();
    for who in [&t.brand.1, &t.legal1.1] {
        assert_eq!(app.decide(&r, who, 2, "approve", None).await.status, StatusCode::CREATED);
    }
    let now = fetch(Some(etag.clone())).await;
    assert_eq!((now.status, now.body.as_slice()), (StatusCode::OK, &b"spot bytes v2"[..]), "the same URL serves v2");
    assert_ne!(now.headers["etag"].to_str().unwrap(), etag);

    // Rights lapse: 410 until fixed; archive: 410 until brought back; revoked: 404.
    let set = |until: &str| {
        let (path, who, body) = (format!("/api/v1/assets/{id}/rights"), t.creator.clone(), rights(until, None));
        async move { app.send(Method::PUT, &path, Auth::Bearer(&who), Some(body)).await }
    };
    set("2026-11-30").await;
    let lapsed = fetch(None).await;
    assert_eq!((lapsed.status, lapsed.code().as_str()), (StatusCode::GONE, "rights_expired"));
    set("2027-11-30").await;
    assert_eq!(fetch(None).await.status, StatusCode::OK);
    app.post(&format!("/api/v1/assets/{id}/archive"), Some(&t.creator), json!({})).await;
    assert_eq!(fetch(None).await.code(), "archived");
    app.post(&format!("/api/v1/assets/{id}/unarchive"), Some(&t.creator), json!({})).await;
    assert_eq!(fetch(None).await.status, StatusCode::OK);
    let listed = app.get(&format!("/api/v1/assets/{id}/public-links"), &t.creator).await.json();
    assert!(listed["links"][0]["hits"].as_u64().unwrap() >= 6, "{listed}");
    let audit = app.get(&format!("/api/v1/workspaces/links/audit?asset_id={id}"), &app.admin).await.json();
    let served =
        audit["events"].as_array().unwrap().iter().filter(|e| e["action"] == "distribution.public_link").count();
    assert_eq!(served, 1, "one audit event per link and day, not one per hit");
    let lid = listed["links"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        app.send(Method::DELETE, &format!("/api/v1/public-links/{lid}"), Auth::Bearer(&t.viewer), None).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.send(Method::DELETE, &format!("/api/v1/public-links/{lid}"), Auth::Bearer(&t.creator), None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(fetch(None).await.status, StatusCode::NOT_FOUND);
    let unknown =
        app.raw(axum::http::Request::get("/p/vpl_0000/original.png").body(axum::body::Body::empty()).unwrap()).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    // Only an approved asset gets one.
    let draft = app
        .upload("/api/v1/workspaces/links/assets", &t.creator, &[("kind", "visual")], Some(("d.png", b"d")))
        .await
        .json();
    let refused = app
        .post(
            &format!("/api/v1/assets/{}/public-links", draft["id"].as_str().unwrap()),
            Some(&t.creator),
            json!({"rendition": "original"}),
        )
        .await;
    assert_eq!((refused.status, refused.code().as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "not_approved"));
}

on_both!(always_current_links_follow_the_approved_version_and_the_rights);
