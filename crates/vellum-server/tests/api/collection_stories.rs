//! Collections and saved searches: order and visibility (owner, group, viewers), the ZIP of
//! what the caller may take read back by Python's zipfile, and a followed search telling its
//! owner once when a newly approved asset matches.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::{
    harness::{password_of, Auth, TestApp},
    on_both,
    ui_stories::{html, Browser},
};

fn ids(v: &Value) -> Vec<String> {
    v["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_string()).collect()
}

/// A workspace with a creator, a reviewer who approves, a viewer, a group holding the
/// reviewer, and a one-stage workflow; returns (creator, reviewer, viewer, group id, workflow).
async fn crew(app: &TestApp, ws: &str) -> (String, String, String, String, String) {
    let creator = app.user(&format!("Keeper{ws}")).await;
    let reviewer = app.user(&format!("Checker{ws}")).await;
    let viewer = app.user(&format!("Watcher{ws}")).await;
    app.workspace(ws, &[(&creator.0, "creator"), (&reviewer.0, "reviewer"), (&viewer.0, "viewer")]).await;
    let g = app
        .post(
            &format!("/api/v1/workspaces/{ws}/groups"),
            Some(&app.admin),
            json!({"name": "Checkers", "members": [reviewer.0]}),
        )
        .await;
    assert_eq!(g.status, StatusCode::CREATED, "{:?}", g.json());
    let wf = app
        .post(
            &format!("/api/v1/workspaces/{ws}/workflows"),
            Some(&app.admin),
            json!({"name": "One look", "stages": [{"name": "Brand", "approvers": [{"user": reviewer.0}], "rule": "all"}]}),
        )
        .await;
    assert_eq!(wf.status, StatusCode::CREATED, "{:?}", wf.json());
    let gid = g.json()["id"].as_str().unwrap().to_string();
    (creator.1, reviewer.1, viewer.1, gid, wf.json()["id"].as_str().unwrap().to_string())
}

async fn approve(app: &TestApp, asset: &str, creator: &str, reviewer: &str, workflow: &str) {
    let r = crate::review_stories::start_review(app, asset, creator, workflow).await;
    let d = app.decide(r["id"].as_str().unwrap(), reviewer, 1, "approve", None).await;
    assert_eq!(d.status, StatusCode::CREATED, "{:?}", d.json());
}

async fn collections_keep_order_and_show_only_what_each_may_open(app: &TestApp) {
    let (creator, reviewer, viewer, group, wf) = crew(app, "lb").await;
    let a = app.new_asset("lb", &creator, "Alpha", b"alpha").await["id"].as_str().unwrap().to_string();
    let b = app.new_asset("lb", &creator, "Bravo", b"bravo").await["id"].as_str().unwrap().to_string();
    let c = app.new_asset("lb", &creator, "Charlie", b"charlie").await["id"].as_str().unwrap().to_string();
    approve(app, &b, &creator, &reviewer, &wf).await;

    let made = app
        .post("/api/v1/workspaces/lb/collections", Some(&creator), json!({"name": "Picks", "shared_with_group": group}))
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.json());
    let id = made.json()["id"].as_str().unwrap().to_string();
    for x in [&a, &b, &c] {
        let r = app.post(&format!("/api/v1/collections/{id}/items"), Some(&creator), json!({"asset_id": x})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json());
    }
    // Adding twice changes nothing.
    app.post(&format!("/api/v1/collections/{id}/items"), Some(&creator), json!({"asset_id": a})).await;
    assert_eq!(
        ids(&app.get(&format!("/api/v1/collections/{id}"), &creator).await.json()),
        [a.clone(), b.clone(), c.clone()]
    );
    let r = app.put(&format!("/api/v1/collections/{id}/items"), &creator, json!({"asset_ids": [c, a, b]})).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json());
    assert_eq!(ids(&r.json()), [c.clone(), a.clone(), b.clone()]);

    // The group's member sees it; the viewer is not in the group.
    assert_eq!(
        ids(&app.get(&format!("/api/v1/collections/{id}"), &reviewer).await.json()),
        [c.clone(), a.clone(), b.clone()]
    );
    assert_eq!(app.get(&format!("/api/v1/collections/{id}"), &viewer).await.status, StatusCode::NOT_FOUND);
    let listed = app.get("/api/v1/workspaces/lb/collections", &reviewer).await.json();
    assert_eq!(listed["collections"][0]["item_count"], 3);
    assert!(app.get("/api/v1/workspaces/lb/collections", &viewer).await.json()["collections"]
        .as_array()
        .unwrap()
        .is_empty());

    // A viewer's own collection shows only approved items, and they cannot add drafts.
    let mine = app.post("/api/v1/workspaces/lb/collections", Some(&viewer), json!({"name": "Mine"})).await.json();
    let mine = mine["id"].as_str().unwrap().to_string();
    assert_eq!(
        app.post(&format!("/api/v1/collections/{mine}/items"), Some(&viewer), json!({"asset_id": a})).await.status,
        StatusCode::NOT_FOUND
    );
    let r = app.post(&format!("/api/v1/collections/{mine}/items"), Some(&viewer), json!({"asset_id": b})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json());
    assert_eq!(ids(&r.json()), std::slice::from_ref(&b));

    // The ZIP holds what the viewer may take, byte for byte.
    let zip = app.get(&format!("/api/v1/collections/{mine}/zip"), &viewer).await;
    assert_eq!(zip.status, StatusCode::OK);
    let listing = read_zip(&zip.body);
    assert_eq!(listing.len(), 2, "{listing:?}");
    assert_eq!(listing[0].0, "MANIFEST.txt");
    assert_eq!(listing[1].1, b"bravo".to_vec());

    // The creator's ZIP takes every item, in order.
    let zip = app.get(&format!("/api/v1/collections/{id}/zip"), &creator).await;
    let listing = read_zip(&zip.body);
    let contents: Vec<&[u8]> = listing.iter().skip(1).map(|(_, b)| b.as_slice()).collect();
    assert_eq!(contents, [b"charlie".as_slice(), b"alpha", b"bravo"]);

    // Shared outside: a link to each approved item, the others named with the reason.
    let later = app.clock_now().plus_hours(48).to_string();
    let shared = app
        .post(
            &format!("/api/v1/collections/{id}/share-links"),
            Some(&creator),
            json!({"expires_at": later, "allow_download": true, "watermark": false}),
        )
        .await;
    assert_eq!(shared.status, StatusCode::CREATED, "{:?}", shared.json());
    let body = shared.json();
    assert_eq!(body["links"].as_array().unwrap().len(), 1, "{body}");
    assert_eq!(body["links"][0]["asset_id"], b.as_str());
    assert!(body["links"][0]["url"].as_str().unwrap().contains("/s/"));
    assert_eq!(body["skipped"].as_array().unwrap().len(), 2, "{body}");
    // One page for the whole share, holding the approved item only, its file through the page.
    let token = body["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("vsb_") && body["url"].as_str().unwrap().ends_with(&format!("/s/{token}")), "{body}");
    let get = |path: String, cookie: Option<String>| async move {
        let mut req = axum::http::Request::get(&path);
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        app.raw(req.body(axum::body::Body::empty()).unwrap()).await
    };
    let page = get(format!("/s/{token}"), None).await;
    assert_eq!(page.status, StatusCode::OK);
    let text = html(&page);
    assert!(text.contains("Bravo") && !text.contains("Alpha") && !text.contains("Charlie"), "{text}");
    let item = body["links"][0]["id"].as_str().unwrap().to_string();
    let file = get(format!("/s/{token}/items/{item}/file"), None).await;
    assert_eq!((file.status, file.body.as_slice()), (StatusCode::OK, &b"bravo"[..]));
    // An item link of another share does not open under this page.
    let other = app
        .post(
            &format!("/api/v1/assets/{b}/share-links"),
            Some(&creator),
            json!({"version": "approved", "expires_at": later, "allow_download": true, "watermark": false}),
        )
        .await
        .json();
    let other = other["id"].as_str().unwrap();
    assert_eq!(get(format!("/s/{token}/items/{other}/file"), None).await.status, StatusCode::NOT_FOUND);
    // With a password the page is locked until it is given; the unlock opens its items.
    let locked = app
        .post(
            &format!("/api/v1/collections/{id}/share-links"),
            Some(&creator),
            json!({"expires_at": later, "allow_download": true, "watermark": false, "password": "correct horse"}),
        )
        .await
        .json();
    let lt = locked["token"].as_str().unwrap().to_string();
    let litem = locked["links"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(get(format!("/s/{lt}"), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(format!("/s/{lt}/items/{litem}/file"), None).await.status, StatusCode::NOT_FOUND);
    let req = axum::http::Request::post(format!("/s/{lt}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from("password=correct+horse"))
        .unwrap();
    let right = app.raw(req).await;
    assert_eq!(right.status, StatusCode::SEE_OTHER);
    let cookie = right.headers["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    assert_eq!(get(format!("/s/{lt}"), Some(cookie.clone())).await.status, StatusCode::OK);
    assert_eq!(get(format!("/s/{lt}/items/{litem}/file"), Some(cookie.clone())).await.status, StatusCode::OK);
    // The item's own link keeps the password too.
    let own = locked["links"][0]["url"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
    assert_eq!(get(format!("/s/{own}/file"), None).await.status, StatusCode::NOT_FOUND);
    // Withdrawn: the page and every item link stop.
    let lid = locked["id"].as_str().unwrap();
    let r = app.send(Method::DELETE, &format!("/api/v1/share-links/{lid}"), Auth::Bearer(&creator), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(get(format!("/s/{lt}"), Some(cookie.clone())).await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(format!("/s/{lt}/items/{litem}/file"), Some(cookie)).await.status, StatusCode::NOT_FOUND);
    // The collection's page shares it too, showing the address once and what was left out.
    let keeper = Browser::sign_in(app, "keeperlb@example.com", &password_of("Keeperlb")).await;
    let page = html(&keeper.get(app, &format!("/c/{id}")).await);
    assert!(page.contains("Share outside"), "{page}");
    let until = later.get(..10).unwrap().to_string();
    let made = keeper
        .post(app, &format!("/c/{id}/share"), &[("expires_on", until.as_str()), ("allow_download", "true")])
        .await;
    assert_eq!(made.status, StatusCode::OK);
    let shown = html(&made);
    assert!(shown.contains("/s/vsb_") && shown.contains("left out: Charlie"), "{shown}");
    // Nothing shareable: refused, and nothing is kept.
    let empty = app.post("/api/v1/workspaces/lb/collections", Some(&creator), json!({"name": "Drafts"})).await.json();
    let empty = empty["id"].as_str().unwrap().to_string();
    app.post(&format!("/api/v1/collections/{empty}/items"), Some(&creator), json!({"asset_id": a})).await;
    let refused = app
        .post(
            &format!("/api/v1/collections/{empty}/share-links"),
            Some(&creator),
            json!({"expires_at": later, "allow_download": true, "watermark": false}),
        )
        .await;
    assert_eq!((refused.status, refused.code().as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "not_approved"));
    let past = app
        .post(
            &format!("/api/v1/collections/{id}/share-links"),
            Some(&creator),
            json!({"expires_at": "2020-01-01T00:00:00Z", "allow_download": true, "watermark": false}),
        )
        .await;
    assert_eq!(past.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", past.json());

    // Removing, and deleting (the owner only).
    let r =
        app.send(Method::DELETE, &format!("/api/v1/collections/{id}/items/{a}"), Auth::Bearer(&reviewer), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(ids(&app.get(&format!("/api/v1/collections/{id}"), &creator).await.json()), [c.clone(), b.clone()]);
    let r = app.send(Method::DELETE, &format!("/api/v1/collections/{id}"), Auth::Bearer(&reviewer), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app.send(Method::DELETE, &format!("/api/v1/collections/{id}"), Auth::Bearer(&creator), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get(&format!("/api/v1/collections/{id}"), &creator).await.status, StatusCode::NOT_FOUND);
}

/// (name, bytes) of each file in a ZIP, as Python's zipfile reads them (CRCs checked).
fn read_zip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.zip");
    std::fs::write(&path, bytes).unwrap();
    let script = "import sys, zipfile, json\nz = zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\n\
                  print(json.dumps([[i.filename, z.read(i).hex()] for i in z.infolist()]))";
    let out = std::process::Command::new("python3").args(["-c", script]).arg(&path).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let list: Vec<(String, String)> = serde_json::from_slice(&out.stdout).unwrap();
    list.into_iter().map(|(n, h)| (n, hex::decode(h).unwrap())).collect()
}

async fn a_followed_search_tells_once_when_an_approved_asset_matches(app: &TestApp) {
    let (creator, reviewer, viewer, _, wf) = crew(app, "follow").await;
    let r = app
        .post(
            "/api/v1/workspaces/follow/saved-searches",
            Some(&viewer),
            json!({"name": "Otters", "query": "otter", "notify": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json());
    let saved = r.json()["id"].as_str().unwrap().to_string();
    let bad = app
        .post("/api/v1/workspaces/follow/saved-searches", Some(&viewer), json!({"name": "Bad", "query": "\"open"}))
        .await;
    assert_eq!((bad.status, bad.code().as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_query"));
    let shared = app
        .post(
            "/api/v1/workspaces/follow/saved-searches",
            Some(&creator),
            json!({"name": "Team", "query": {"q": "", "filters": ["kind:visual"]}, "shared": true, "pinned": true}),
        )
        .await;
    assert_eq!(shared.status, StatusCode::CREATED, "{:?}", shared.json());
    let list = app.get("/api/v1/workspaces/follow/saved-searches", &viewer).await.json();
    let names: Vec<&str> =
        list["saved_searches"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Team", "Otters"]);

    let otter =
        app.new_asset("follow", &creator, "Sea otter at dawn", b"otter").await["id"].as_str().unwrap().to_string();
    app.core.index_catch_up().await.unwrap();
    app.core.deliver_new().await.unwrap();
    let told =
        |v: &Value| v["notifications"].as_array().unwrap().iter().filter(|n| n["kind"] == "search.match").count();
    assert_eq!(told(&app.get("/api/v1/notifications", &viewer).await.json()), 0, "a draft tells nobody");
    approve(app, &otter, &creator, &reviewer, &wf).await;
    app.core.index_catch_up().await.unwrap();
    app.core.deliver_new().await.unwrap();
    let inbox = app.get("/api/v1/notifications", &viewer).await.json();
    assert_eq!(told(&inbox), 1, "{inbox}");
    // Further changes to the same asset tell nobody again.
    let r = app
        .send(
            Method::PATCH,
            &format!("/api/v1/assets/{otter}"),
            Auth::Bearer(&creator),
            Some(json!({"title": "Sea otter at dusk"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    app.core.index_catch_up().await.unwrap();
    app.core.deliver_new().await.unwrap();
    assert_eq!(told(&app.get("/api/v1/notifications", &viewer).await.json()), 1);

    // A crash between the index's commit and the telling: the index takes in an approval
    // that followers are not told of (their cursor is pushed out of the way), then their
    // cursor is put back where the crash would have left it. The next step tells, once.
    let ws: vellum_domain::Id =
        app.get("/api/v1/workspaces/follow", &app.admin).await.json()["id"].as_str().unwrap().parse().unwrap();
    let before = vellum_store::search::told(&mut app.core.store.conn().await.unwrap(), ws).await.unwrap().unwrap();
    crate::audit_stories::sql(app, "UPDATE search_told SET seq = 1000000000").await;
    let river = app.new_asset("follow", &creator, "River otter", b"river").await["id"].as_str().unwrap().to_string();
    approve(app, &river, &creator, &reviewer, &wf).await;
    app.core.index_catch_up().await.unwrap();
    app.core.deliver_new().await.unwrap();
    assert_eq!(told(&app.get("/api/v1/notifications", &viewer).await.json()), 1);
    crate::audit_stories::sql(app, &format!("UPDATE search_told SET seq = {before}")).await;
    app.core.index_catch_up().await.unwrap();
    app.core.deliver_new().await.unwrap();
    app.core.index_catch_up().await.unwrap();
    app.core.deliver_new().await.unwrap();
    let inbox = app.get("/api/v1/notifications", &viewer).await.json();
    assert_eq!(told(&inbox), 2, "{inbox}");

    // Only the owner (or an admin, for shared ones) deletes.
    let r = app.send(Method::DELETE, &format!("/api/v1/saved-searches/{saved}"), Auth::Bearer(&creator), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app.send(Method::DELETE, &format!("/api/v1/saved-searches/{saved}"), Auth::Bearer(&viewer), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
}

on_both!(
    collections_keep_order_and_show_only_what_each_may_open,
    a_followed_search_tells_once_when_an_approved_asset_matches,
);
