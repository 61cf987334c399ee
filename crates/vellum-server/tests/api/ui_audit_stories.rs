//! The audit page in-process: names instead of ids, changes field by field, filters by actor,
//! action, object and date, and "Older"/"Newer" pages that keep the filters.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::{
    harness::{Auth, TestApp},
    on_both,
    ui_stories::{html, Browser},
};

/// Number of `<tr id="e…">` rows on an audit page.
fn rows(page: &str) -> usize {
    page.matches("<tr id=\"e").count()
}

async fn audit_page_filters_names_and_pages(app: &TestApp) {
    let (ann, ann_token) = app.user("Ann").await;
    app.workspace("trail", &[(&ann, "creator")]).await;
    let asset = app.new_asset("trail", &ann_token, "Poster 0", b"poster").await;
    let id = asset["id"].as_str().unwrap();
    for n in 1..=55 {
        let r = app
            .send(
                Method::PATCH,
                &format!("/api/v1/assets/{id}"),
                Auth::Bearer(&ann_token),
                Some(json!({"title": format!("Poster {n}")})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.json());
    }
    // workspace.create, member.set_role, asset.create and 55 edits: 58 events.
    let admin = Browser::sign_in(app, "admin@example.com", "admin-password-1").await;
    let first = html(&admin.get(app, "/w/trail/audit").await);
    assert_eq!(rows(&first), 50, "a page holds 50 events");
    assert!(first.contains("<tr id=\"e58\"") && first.contains("<tr id=\"e9\""), "newest first");
    assert!(first.contains("href=\"/w/trail/audit?before=9\" rel=\"next\""), "an Older link");
    assert!(!first.contains("rel=\"prev\""), "nothing is newer than the first page");
    assert!(first.contains(">Ann</span>"), "the actor by name");
    assert!(!first.contains(&format!(">{ann}<")), "no raw user id as text");
    assert!(first.contains("Edited an asset's details") || first.contains("Edited an asset&#39;s details"));
    assert!(
        first.contains("<span class=\"field\">title</span>: <del>Poster 54</del> → <ins>Poster 55</ins>"),
        "the change field by field"
    );
    assert!(first.contains(&format!("<a href=\"/a/{id}\">Poster 55</a>")), "the asset by its current title");

    let older = html(&admin.get(app, "/w/trail/audit?before=9").await);
    assert_eq!(rows(&older), 8);
    assert!(older.contains("Created the workspace") && older.contains("Uploaded an asset"));
    assert!(older.contains("<span class=\"field\">role</span>: <ins>creator</ins>"));
    assert!(older.contains("href=\"/w/trail/audit?after=8\" rel=\"prev\"") && !older.contains("rel=\"next\""));
    let newer = html(&admin.get(app, "/w/trail/audit?after=8").await);
    assert_eq!(rows(&newer), 50);
    assert!(newer.contains("<tr id=\"e58\"") && newer.contains("?before=9\" rel=\"next\""), "back to the first page");

    // Filters: by action (kept in the page links), actor, object and date.
    let edits = html(&admin.get(app, "/w/trail/audit?action=asset.update").await);
    assert_eq!(rows(&edits), 50);
    assert!(edits.contains("href=\"/w/trail/audit?action=asset.update&amp;before=9\" rel=\"next\""), "{edits}");
    let uploads = html(&admin.get(app, "/w/trail/audit?action=asset.create").await);
    assert_eq!(rows(&uploads), 1);
    assert!(uploads.contains("<option value=\"asset.create\" selected>Uploaded an asset</option>"));
    let by_ann = html(&admin.get(app, &format!("/w/trail/audit?actor={ann}")).await);
    assert_eq!(rows(&by_ann), 50, "Ann made 56 of them");
    let by_server = html(&admin.get(app, "/w/trail/audit?actor=system").await);
    assert_eq!(rows(&by_server), 0);
    assert!(by_server.contains("No event matches these filters."));
    let members = html(&admin.get(app, "/w/trail/audit?object=member").await);
    assert_eq!(rows(&members), 1);
    let about = html(&admin.get(app, &format!("/w/trail/audit?asset={id}&before=40")).await);
    assert_eq!(rows(&about), 37, "the asset's own events: its upload and edits up to #39");
    assert!(about.contains("Only the events about <strong>Poster 55</strong>"));
    let today = app.clock_now().to_string()[..10].to_string();
    let dated = html(&admin.get(app, &format!("/w/trail/audit?from={today}&to={today}&action=asset.create")).await);
    assert_eq!(rows(&dated), 1);
    let tomorrow = app.clock_now().plus_hours(24).to_string()[..10].to_string();
    assert_eq!(rows(&html(&admin.get(app, &format!("/w/trail/audit?from={tomorrow}")).await)), 0);
    let bad = admin.get(app, "/w/trail/audit?from=05%2F01%2F2026").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&bad).contains("is not a date like 2026-05-01"));

    // A creator may not read the trail.
    let ann = Browser::sign_in(app, "ann@example.com", &crate::harness::password_of("Ann")).await;
    assert_ne!(ann.get(app, "/w/trail/audit").await.status, StatusCode::OK);
}

on_both!(audit_page_filters_names_and_pages);
