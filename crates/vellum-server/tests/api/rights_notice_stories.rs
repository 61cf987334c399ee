//! Who hears about rights and downloads: the workspace's rights managers (a group setting)
//! decide download requests and, with the asset's owner, are told 30 and 7 days before rights
//! end (once each); requesters are told of the decision.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use vellum_domain::Timestamp;

use crate::{
    harness::{Auth, TestApp},
    on_both, on_both_owned,
    review_stories::{start_review, team},
};

async fn inbox(app: &TestApp, token: &str) -> Vec<Value> {
    app.core.deliver_notifications().await.unwrap();
    let r = app.get("/api/v1/notifications?unread=true", token).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json());
    r.json()["notifications"].as_array().unwrap().clone()
}

fn of_kind<'a>(list: &'a [Value], kind: &str) -> Vec<&'a Value> {
    list.iter().filter(|n| n["kind"] == kind).collect()
}

async fn rights_managers_hear_of_expiries_and_requests(app: &TestApp) {
    app.clock.set(Timestamp::parse("2026-12-02T09:00:00Z").unwrap());
    let t = team(app, "rm", json!("any")).await;
    let (rm, rm_token) = app.user("Rita").await;
    app.put(&format!("/api/v1/workspaces/rm/members/{rm}"), &app.admin, json!({"role": "reviewer"})).await;
    let group =
        app.post("/api/v1/workspaces/rm/groups", Some(&app.admin), json!({"name": "Rights", "members": [rm]})).await;
    assert_eq!(group.status, StatusCode::CREATED, "{:?}", group.json());
    let gid = group.json()["id"].as_str().unwrap().to_string();

    // The setting is a group of the workspace, and the warning days are checked.
    let patch = |body: Value| app.send(Method::PATCH, "/api/v1/workspaces/rm", Auth::Bearer(&app.admin), Some(body));
    assert_eq!(patch(json!({"rights_managers": t.creator.clone()})).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(patch(json!({"rights_warning_days": [0]})).await.code(), "invalid_setting");
    let set = patch(json!({"rights_managers": gid, "rights_warning_days": [7, 30]})).await;
    assert_eq!(set.status, StatusCode::OK, "{:?}", set.json());
    assert_eq!(
        (set.json()["rights_managers"].as_str(), set.json()["rights_warning_days"].clone()),
        (Some(gid.as_str()), json!([30, 7]))
    );
    let held = app.send(Method::DELETE, &format!("/api/v1/groups/{gid}"), Auth::Bearer(&app.admin), None).await;
    assert_eq!(held.code(), "group_in_use", "the setting names the group");

    // An approved asset whose rights end on 2027-01-10.
    let a = app.new_asset("rm", &t.creator, "Billboard", b"billboard bytes").await["id"].as_str().unwrap().to_string();
    let r = start_review(app, &a, &t.creator, &t.workflow).await;
    for who in [&t.brand.1, &t.legal1.1] {
        app.decide(r["id"].as_str().unwrap(), who, 1, "approve", None).await;
    }
    let rights = json!({"licence": "rights_managed", "valid_until": "2027-01-10"});
    let put =
        app.send(Method::PUT, &format!("/api/v1/assets/{a}/rights"), Auth::Bearer(&t.creator), Some(rights)).await;
    assert_eq!(put.status, StatusCode::OK);

    // 39 days ahead: nothing. 30 days ahead: one warning each to the owner and the manager.
    app.core.send_rights_warnings().await.unwrap();
    assert!(of_kind(&inbox(app, &rm_token).await, "rights.expiring").is_empty());
    app.clock.set(Timestamp::parse("2026-12-11T09:00:00Z").unwrap());
    assert_eq!(app.core.send_rights_warnings().await.unwrap(), 1);
    assert_eq!(app.core.send_rights_warnings().await.unwrap(), 0, "once");
    let creator_box = inbox(app, &t.creator).await;
    let told = of_kind(&creator_box, "rights.expiring");
    assert_eq!(told.len(), 1, "{creator_box:?}");
    assert_eq!(told[0]["title"], "the rights window of Billboard ends on 2027-01-10 (30 days left)");
    assert_eq!(of_kind(&inbox(app, &rm_token).await, "rights.expiring").len(), 1);
    // A week before, the second warning; the day after the end, none.
    app.clock.set(Timestamp::parse("2027-01-04T09:00:00Z").unwrap());
    assert_eq!(app.core.send_rights_warnings().await.unwrap(), 1);
    app.clock.set(Timestamp::parse("2027-01-11T09:00:00Z").unwrap());
    assert_eq!(app.core.send_rights_warnings().await.unwrap(), 0);
    let fix = json!({"licence": "rights_managed", "valid_until": "2027-12-31"});
    app.send(Method::PUT, &format!("/api/v1/assets/{a}/rights"), Auth::Bearer(&t.creator), Some(fix)).await;

    // Under a request policy, the viewer asks; the rights manager hears, and grants; the
    // viewer hears back.
    let policies = json!({"default": "request", "rules": []});
    assert_eq!(app.put("/api/v1/workspaces/rm/download-policies", &app.admin, policies).await.status, StatusCode::OK);
    let asked = app
        .post(&format!("/api/v1/assets/{a}/download-requests"), Some(&t.viewer), json!({"purpose": "print run"}))
        .await;
    assert_eq!(asked.status, StatusCode::CREATED, "{:?}", asked.json());
    let rid = asked.json()["id"].as_str().unwrap().to_string();
    let rm_box = inbox(app, &rm_token).await;
    assert_eq!(of_kind(&rm_box, "download.requested").len(), 1, "{rm_box:?}");
    assert_eq!(of_kind(&inbox(app, &t.creator).await, "download.requested").len(), 1, "the owner too");
    let grant = app
        .post(
            &format!("/api/v1/download-requests/{rid}/grant"),
            Some(&rm_token),
            json!({"expires_at": "2027-01-20T00:00:00Z"}),
        )
        .await;
    assert_eq!(grant.status, StatusCode::OK, "a rights manager decides: {:?}", grant.json());
    let viewer_box = inbox(app, &t.viewer).await;
    let decided = of_kind(&viewer_box, "download.decided");
    assert_eq!(decided.len(), 1, "{viewer_box:?}");
    assert_eq!(decided[0]["title"], "Your download of Billboard was granted");
    assert_eq!(app.get(&format!("/api/v1/assets/{a}/versions/1/file"), &t.viewer).await.status, StatusCode::OK);
}

/// The calendar shows an asset's rights window beside when it is planned to run, and flags a
/// plan that runs past the rights.
async fn the_calendar_flags_plans_past_the_rights(app: &TestApp) {
    app.clock.set(Timestamp::parse("2026-12-02T09:00:00Z").unwrap());
    let t = team(app, "cal", json!("any")).await;
    let metadata = r#"{"channels":["social"],"distribution_start":"2027-01-05T00:00:00Z","distribution_end":"2027-02-28T00:00:00Z"}"#;
    let up = app
        .upload(
            "/api/v1/workspaces/cal/assets",
            &t.creator,
            &[("title", "Winter sale"), ("kind", "visual"), ("metadata", metadata)],
            Some(("w.png", b"winter sale")),
        )
        .await;
    assert_eq!(up.status, StatusCode::CREATED, "{:?}", up.json());
    let a = up.json()["id"].as_str().unwrap().to_string();
    let rights = json!({"licence": "royalty_free", "valid_from": "2026-12-15", "valid_until": "2027-03-31",
        "releases": [{"name": "Jo Model", "kind": "model", "expires_on": "2027-01-31", "required": true}]});
    app.send(Method::PUT, &format!("/api/v1/assets/{a}/rights"), Auth::Bearer(&t.creator), Some(rights)).await;
    let events =
        app.get("/api/v1/workspaces/cal/calendar-events?from=2026-12-01&to=2027-03-31", &t.creator).await.json();
    let list = events["events"].as_array().unwrap();
    let runs = list.iter().find(|e| e["kind"] == "distribution").unwrap_or_else(|| panic!("{events}"));
    assert_eq!(runs["warning"], "planned to run until 2027-02-28, past its rights (they end 2027-01-31)");
    let window = list.iter().find(|e| e["kind"] == "rights").unwrap_or_else(|| panic!("{events}"));
    assert_eq!((window["start"].as_str(), window["end"].as_str()), (Some("2026-12-15"), Some("2027-01-31")));
    assert_eq!(window["title"], "Rights: Winter sale");
    // Fixed: the release renewed to after the run.
    let renewed = json!({"licence": "royalty_free", "valid_from": "2026-12-15", "valid_until": "2027-03-31",
        "releases": [{"name": "Jo Model", "kind": "model", "expires_on": "2027-03-31", "required": true}]});
    app.send(Method::PUT, &format!("/api/v1/assets/{a}/rights"), Auth::Bearer(&t.creator), Some(renewed)).await;
    let events =
        app.get("/api/v1/workspaces/cal/calendar-events?from=2026-12-01&to=2027-03-31", &t.creator).await.json();
    let runs = events["events"].as_array().unwrap().iter().find(|e| e["kind"] == "distribution").cloned().unwrap();
    assert!(runs["warning"].is_null(), "{runs}");
}

/// Public routes have budgets per address and per link: a sweep from one address is told to
/// wait (429 with Retry-After, still without referrer or indexing), another address is not.
async fn public_routes_are_rate_limited(app: TestApp) -> TestApp {
    use std::net::SocketAddr;
    let tight = vellum_server::HttpConfig {
        public_per_address: vellum_domain::rate::Budget { per_second: 0.01, burst: 5.0 },
        public_per_link: vellum_domain::rate::Budget { per_second: 0.01, burst: 8.0 },
        ..vellum_server::HttpConfig::default()
    };
    let app = app.with_http(tight);
    let from = |ip: &str, token: &str| {
        let mut req = axum::http::Request::get(format!("/s/{token}")).body(axum::body::Body::empty()).unwrap();
        req.extensions_mut().insert(axum::extract::ConnectInfo(format!("{ip}:4000").parse::<SocketAddr>().unwrap()));
        req
    };
    let mut statuses = Vec::new();
    for i in 0..7 {
        statuses.push(app.raw(from("198.51.100.9", &format!("vsl_guess{i}"))).await.status.as_u16());
    }
    assert_eq!(statuses, vec![404, 404, 404, 404, 404, 429, 429], "five per address, then wait");
    let waited = app.raw(from("198.51.100.9", "vsl_guess9")).await;
    assert_eq!(waited.code(), "rate_limited");
    assert!(waited.headers["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
    assert_eq!(waited.headers["referrer-policy"], "no-referrer");
    // One link hammered from many addresses runs out too.
    let mut link = Vec::new();
    for i in 0..10 {
        link.push(app.raw(from(&format!("203.0.113.{i}"), "vsl_popular")).await.status.as_u16());
    }
    assert_eq!(link.iter().filter(|s| **s == 429).count(), 2, "{link:?}");
    app
}

on_both_owned!(public_routes_are_rate_limited);

on_both!(
    rights_managers_hear_of_expiries_and_requests,
    the_calendar_flags_plans_past_the_rights,
    requests_holds_and_settings_through_the_pages
);

/// Through the pages: a viewer under a request policy asks from the asset page; the owner
/// grants it in the request inbox; the viewer then sees the stamped download. An admin sets
/// the watermark, the retention policies and places and lifts a hold in the settings.
async fn requests_holds_and_settings_through_the_pages(app: &TestApp) {
    use crate::ui_stories::{html, location, Browser};
    app.clock.set(Timestamp::parse("2026-12-02T09:00:00Z").unwrap());
    let t = team(app, "pages", json!("any")).await;
    let a = app.new_asset("pages", &t.creator, "Flyer", b"flyer bytes").await["id"].as_str().unwrap().to_string();
    let r = start_review(app, &a, &t.creator, &t.workflow).await;
    for who in [&t.brand.1, &t.legal1.1] {
        app.decide(r["id"].as_str().unwrap(), who, 1, "approve", None).await;
    }
    app.put("/api/v1/workspaces/pages/download-policies", &app.admin, json!({"default": "request", "rules": []})).await;

    let viewer = Browser::sign_in(app, "viewerpages@example.com", &crate::harness::password_of("Viewerpages")).await;
    let page = html(&viewer.get(app, &format!("/a/{a}")).await);
    assert!(page.contains("Request download") && !page.contains("/versions/1/download"), "{page}");
    let asked = viewer
        .post(app, &format!("/a/{a}/download-requests"), &[("version", "1"), ("purpose", "trade show print")])
        .await;
    assert_eq!(location(&asked), format!("/a/{a}?done=download_requested#h-rights"));

    let owner = Browser::sign_in(app, "creatorpages@example.com", &crate::harness::password_of("Creatorpages")).await;
    let inbox = html(&owner.get(app, "/w/pages/download-requests").await);
    assert!(inbox.contains("trade show print") && inbox.contains("Grant"), "{inbox}");
    let rid = inbox.split("id=\"request-").nth(1).unwrap().split('"').next().unwrap().to_string();
    let granted =
        owner.post(app, &format!("/w/pages/download-requests/{rid}/grant"), &[("expires_on", "2026-12-20")]).await;
    assert_eq!(location(&granted), "/w/pages/download-requests?done=saved");
    let page = html(&viewer.get(app, &format!("/a/{a}")).await);
    assert!(page.contains(&format!("/api/v1/assets/{a}/versions/1/download")), "{page}");
    assert!(html(&viewer.get(app, "/w/pages/download-requests").await).contains("granted"));

    let admin = Browser::sign_in(app, "admin@example.com", "admin-password-1").await;
    let settings = html(&admin.get(app, "/w/pages/settings/distribution").await);
    assert!(
        settings.contains("Rights managers") && settings.contains("Legal holds") && settings.contains("Retention"),
        "{settings}"
    );
    let wm = admin.post(app, "/w/pages/settings/distribution/watermark", &[("text", "PAGES · INTERNAL")]).await;
    assert_eq!(location(&wm), "/w/pages/settings/distribution?done=distribution_saved");
    let bad = admin.post(app, "/w/pages/settings/distribution/retention", &[("policies", "{not json")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&bad).contains("{not json"), "what was typed is kept");
    let saved = admin
        .post(
            app,
            "/w/pages/settings/distribution/retention",
            &[("policies", r#"{"policies": [{"keep_years": 0, "after": "archive"}]}"#)],
        )
        .await;
    assert_eq!(location(&saved), "/w/pages/settings/distribution?done=distribution_saved");
    let held = admin
        .post(
            app,
            "/w/pages/settings/distribution/holds",
            &[("name", "Audit 2026"), ("reason", "regulator"), ("asset_ids", a.as_str()), ("campaign_id", "")],
        )
        .await;
    assert_eq!(location(&held), "/w/pages/settings/distribution?done=distribution_saved");
    let page = html(&owner.get(app, &format!("/a/{a}")).await);
    assert!(page.contains("legal hold: Audit 2026"), "{page}");
    let holds = app.get("/api/v1/workspaces/pages/legal-holds", &app.admin).await.json();
    let hid = holds["holds"][0]["id"].as_str().unwrap().to_string();
    let lifted =
        admin.post(app, &format!("/w/pages/settings/distribution/holds/{hid}/lift"), &[("reason", "closed")]).await;
    assert_eq!(location(&lifted), "/w/pages/settings/distribution?done=distribution_saved");
    assert_eq!(app.get("/api/v1/workspaces/pages/watermark", &app.admin).await.json()["text"], "PAGES · INTERNAL");
}
