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

async fn share_links_open_only_what_they_should(app: &TestApp) {
    app.clock.set(Timestamp::parse("2026-12-02T09:00:00Z").unwrap());
    let (t, id) = approved_asset(app, "share").await;
    let share = |body: Value| {
        let (path, who) = (format!("/api/v1/assets/{id}/share-links"), t.creator.clone());
        async move { app.post(&path, Some(&who), body).await }
    };
    let tomorrow = "2026-12-03T09:00:00Z";
    let get = |path: String, cookie: Option<String>| async move {
        let mut req = axum::http::Request::get(&path);
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        app.raw(req.body(axum::body::Body::empty()).unwrap()).await
    };
    // The one closed page, with the link's own token in its password form's address.
    let closed =
        |r: &crate::harness::Reply, token: &str| String::from_utf8(r.body.clone()).unwrap().replace(token, "TOKEN");
    let not_found = get("/s/vsl_nothing".into(), None).await;
    let closed_page = closed(&not_found, "vsl_nothing");
    assert_eq!(not_found.status, StatusCode::NOT_FOUND);
    assert_eq!(not_found.headers["referrer-policy"], "no-referrer");
    assert!(not_found.headers["x-robots-tag"].to_str().unwrap().contains("noindex"));

    // View only: the page opens, the file does not.
    let view =
        share(json!({"version": "approved", "expires_at": tomorrow, "allow_download": false, "watermark": false}))
            .await;
    assert_eq!(view.status, StatusCode::CREATED, "{:?}", view.json());
    let token = view.json()["token"].as_str().unwrap().to_string();
    assert!(view.json()["url"].as_str().unwrap().ends_with(&format!("/s/{token}")));
    let page = get(format!("/s/{token}"), None).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = String::from_utf8(page.body.clone()).unwrap();
    assert!(html.contains("Version 1") && !html.contains(&id), "no internal ids on the public page");
    assert_eq!(get(format!("/s/{token}/file"), None).await.status, StatusCode::NOT_FOUND);

    // Download allowed: the exact bytes, counted and audited with the link.
    let dl =
        share(json!({"version": 1, "expires_at": tomorrow, "allow_download": true, "watermark": false})).await.json();
    let dl_token = dl["token"].as_str().unwrap().to_string();
    let file = get(format!("/s/{dl_token}/file"), None).await;
    assert_eq!((file.status, file.body.as_slice()), (StatusCode::OK, &b"spot bytes"[..]));
    let links = app.get(&format!("/api/v1/assets/{id}/share-links"), &t.creator).await.json();
    let counted = links["links"].as_array().unwrap().iter().find(|l| l["id"] == dl["id"]).unwrap().clone();
    assert_eq!(counted["access_count"], 1);
    let audit = app.get(&format!("/api/v1/workspaces/share/audit?asset_id={id}"), &app.admin).await.json();
    assert!(audit["events"].as_array().unwrap().iter().any(|e| e["action"] == "distribution.share_link"));

    // A password: locked, wrong and unknown are the same page; the right one unlocks this link.
    let locked = share(json!({"version": "approved", "expires_at": tomorrow, "allow_download": true, "watermark": false, "password": "correct horse"})).await.json();
    let lt = locked["token"].as_str().unwrap().to_string();
    let before = get(format!("/s/{lt}"), None).await;
    assert_eq!(
        (before.status, closed(&before, &lt)),
        (StatusCode::NOT_FOUND, closed_page.clone()),
        "locked reads as unknown"
    );
    for path in [format!("/s/{lt}/file"), format!("/s/{lt}/preview")] {
        assert_eq!(get(path, None).await.status, StatusCode::NOT_FOUND);
    }
    let try_password = |token: String, password: &'static str| async move {
        let req = axum::http::Request::post(format!("/s/{token}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(axum::body::Body::from(format!("password={password}")))
            .unwrap();
        app.raw(req).await
    };
    let wrong = try_password(lt.clone(), "wrong horse").await;
    assert_eq!((wrong.status, closed(&wrong, &lt)), (StatusCode::NOT_FOUND, closed_page.clone()));
    let unknown = try_password("vsl_unknown".into(), "wrong horse").await;
    assert_eq!((unknown.status, closed(&unknown, "vsl_unknown")), (StatusCode::NOT_FOUND, closed_page.clone()));
    let right = try_password(lt.clone(), "correct horse").await;
    assert_eq!(right.status, StatusCode::SEE_OTHER);
    let set = right.headers["set-cookie"].to_str().unwrap().to_string();
    assert!(set.contains(&format!("Path=/s/{lt}")) && set.contains("HttpOnly"), "{set}");
    let cookie = set.split(';').next().unwrap().to_string();
    assert_eq!(get(format!("/s/{lt}"), Some(cookie.clone())).await.status, StatusCode::OK);
    assert_eq!(get(format!("/s/{lt}/file"), Some(cookie.clone())).await.status, StatusCode::OK);
    // The unlock opens only its own link.
    assert_eq!(get(format!("/s/{token}/file"), Some(cookie.clone())).await.status, StatusCode::NOT_FOUND);

    // Revoked: every URL stops, unlocked or not.
    let lid = locked["id"].as_str().unwrap();
    assert_eq!(
        app.send(Method::DELETE, &format!("/api/v1/share-links/{lid}"), Auth::Bearer(&t.creator), None).await.status,
        StatusCode::NO_CONTENT
    );
    for path in [format!("/s/{lt}"), format!("/s/{lt}/file"), format!("/s/{lt}/preview")] {
        let r = get(path, Some(cookie.clone())).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }

    // Rights lapse: the link stops like any other; the rights fixed, it works again.
    let put = |until: &str| {
        let (path, who, body) = (format!("/api/v1/assets/{id}/rights"), t.creator.clone(), rights(until, None));
        async move { app.send(Method::PUT, &path, Auth::Bearer(&who), Some(body)).await }
    };
    put("2026-11-30").await;
    assert_eq!(get(format!("/s/{dl_token}/file"), None).await.status, StatusCode::NOT_FOUND);
    put("2027-11-30").await;
    assert_eq!(get(format!("/s/{dl_token}/file"), None).await.status, StatusCode::OK);

    // Expired: gone.
    app.clock.set(Timestamp::parse("2026-12-04T09:00:00Z").unwrap());
    assert_eq!(get(format!("/s/{dl_token}"), None).await.status, StatusCode::NOT_FOUND);

    // Random tokens find nothing, all with the same answer.
    for _ in 0..1000 {
        let guess = format!("vsl_{}", vellum_domain::id::new_id().simple());
        let r = get(format!("/s/{guess}"), None).await;
        assert!(r.status == StatusCode::NOT_FOUND && closed(&r, &guess) == closed_page, "{guess}");
    }

    // Guessing a password is throttled for the link (and reads the same for unknown links).
    let guarded = {
        app.clock.set(Timestamp::parse("2026-12-04T10:00:00Z").unwrap());
        share(json!({"version": 1, "expires_at": "2026-12-10T00:00:00Z", "allow_download": true, "watermark": false, "password": "correct horse"})).await.json()
    };
    let gt = guarded["token"].as_str().unwrap().to_string();
    let mut statuses = Vec::new();
    for _ in 0..7 {
        statuses.push(try_password(gt.clone(), "guess guess").await.status);
    }
    assert!(statuses[..5].iter().all(|s| *s == StatusCode::NOT_FOUND));
    assert_eq!(*statuses.last().unwrap(), StatusCode::TOO_MANY_REQUESTS);

    // Only the approved version is shared.
    let not_approved =
        share(json!({"version": 2, "expires_at": "2026-12-10T00:00:00Z", "allow_download": true, "watermark": false}))
            .await;
    assert_eq!(not_approved.code(), "not_approved");
    let past =
        share(json!({"version": 1, "expires_at": "2026-01-01T00:00:00Z", "allow_download": true, "watermark": false}))
            .await;
    assert_eq!(past.code(), "invalid_share_link");
}

on_both!(share_links_open_only_what_they_should);

async fn the_rights_panel_sets_rights_shares_and_archives(app: &TestApp) {
    use crate::ui_stories::{html, location, Browser};
    app.clock.set(Timestamp::parse("2026-12-02T09:00:00Z").unwrap());
    let (_, id) = approved_asset(app, "panel").await;
    let b = Browser::sign_in(app, "creatorpanel@example.com", &crate::harness::password_of("Creatorpanel")).await;
    let page = html(&b.get(app, &format!("/a/{id}")).await);
    assert!(page.contains("Rights and sharing") && page.contains("No rights recorded"), "{page}");
    let saved = b
        .post(
            app,
            &format!("/a/{id}/rights"),
            &[
                ("licence", "rights_managed"),
                ("licensor", "Studio North"),
                ("territories", "au, nz"),
                ("valid_from", "2026-01-01"),
                ("valid_until", "2026-12-20"),
                ("releases", "Jo | model | 2027-01-31 | required"),
            ],
        )
        .await;
    assert_eq!(location(&saved), format!("/a/{id}?done=saved#h-rights"));
    let page = html(&b.get(app, &format!("/a/{id}")).await);
    assert!(
        page.contains("rights expiring") && page.contains("AU, NZ") && page.contains("Jo — until 2027-01-31"),
        "{page}"
    );
    let bad = b.post(app, &format!("/a/{id}/rights"), &[("licence", "x"), ("releases", "Jo | pet | 2027-01-31")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let shared = html(
        &b.post(app, &format!("/a/{id}/share-links"), &[("expires_on", "2026-12-10"), ("allow_download", "true")])
            .await,
    );
    assert!(shared.contains("/s/vsl_") && shared.contains("opened 0 times"), "the new link is shown once");
    b.post(app, &format!("/a/{id}/public-links"), &[("rendition", "original")]).await;
    assert!(html(&b.get(app, &format!("/a/{id}")).await).contains("/p/vpl_"));
    b.post(app, &format!("/a/{id}/archive"), &[]).await;
    let page = html(&b.get(app, &format!("/a/{id}")).await);
    assert!(page.contains("Bring back from the archive"), "{page}");
}

on_both!(the_rights_panel_sets_rights_shares_and_archives);
