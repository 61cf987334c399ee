//! The home page in-process: what waits for a person comes first and follows their decisions,
//! stages and roles; empty libraries say what to do next.

use axum::http::StatusCode;
use serde_json::json;

use crate::{
    harness::{password_of, TestApp},
    on_both,
    review_stories::{start_review, team},
    ui_stories::{html, Browser},
};

async fn home_lists_what_waits_first(app: &TestApp) {
    let t = team(app, "inbox", json!("any")).await;
    let poster = app.new_asset("inbox", &t.creator, "Poster", b"poster").await;
    let flyer = app.new_asset("inbox", &t.creator, "Flyer", b"flyer").await;
    let review = start_review(app, poster["id"].as_str().unwrap(), &t.creator, &t.workflow).await;
    start_review(app, flyer["id"].as_str().unwrap(), &t.creator, &t.workflow).await;

    let brand = Browser::sign_in(app, "brandinbox@example.com", &password_of("Brandinbox")).await;
    let legal = Browser::sign_in(app, "legalainbox@example.com", &password_of("LegalAinbox")).await;
    let home = html(&brand.get(app, "/").await);
    let (waits, spaces) = (home.find("Waiting for you").unwrap(), home.find("Your workspaces").unwrap());
    assert!(waits < spaces, "what waits comes before anything else");
    assert!(home.contains(">Poster</a>") && home.contains(">Flyer</a>"), "{home}");
    assert!(home.contains("Version 1 · Brand · INBOX") && home.contains("Due "), "{home}");
    assert!(html(&legal.get(app, "/").await).contains("Nothing waits for your decision."));

    // Brand's approval moves the poster on to legal's list.
    let rid = review["id"].as_str().unwrap();
    assert_eq!(app.decide(rid, &t.brand.1, 1, "approve", None).await.status, StatusCode::CREATED);
    let home = html(&brand.get(app, "/").await);
    assert!(!home.contains(">Poster</a>") && home.contains(">Flyer</a>"), "{home}");
    let home = html(&legal.get(app, "/").await);
    assert!(home.contains(">Poster</a>") && home.contains("Version 1 · Legal · INBOX"), "{home}");

    // Past the stage's 24 hours it is overdue; demoted to viewer, nothing waits any more.
    app.clock.advance_secs(25 * 3600);
    // Sessions here last an hour: sign in again.
    let brand = Browser::sign_in(app, "brandinbox@example.com", &password_of("Brandinbox")).await;
    let home = html(&brand.get(app, "/").await);
    assert!(home.contains("Overdue"), "{home}");
    let demoted = app
        .put(&format!("/api/v1/workspaces/inbox/members/{}", t.brand.0), &app.admin, json!({"role": "viewer"}))
        .await;
    assert_eq!(demoted.status, StatusCode::OK, "{:?}", demoted.json());
    assert!(html(&brand.get(app, "/").await).contains("Nothing waits for your decision."));
}

async fn empty_libraries_say_what_to_do(app: &TestApp) {
    app.workspace("fresh", &[]).await;
    let admin = Browser::sign_in(app, "admin@example.com", "admin-password-1").await;
    let library = html(&admin.get(app, "/w/fresh").await);
    assert!(library.contains("This library is empty. Upload the first files"), "{library}");
    assert!(library.contains("id=\"quick-upload\" open"), "the upload form is open on an empty library");
    assert!(library.contains("data-uploader=\"stay\" data-drop"), "the form takes dropped files");
    let filtered = html(&admin.get(app, "/w/fresh?status=approved").await);
    assert!(filtered.contains("No assets match these filters.") && filtered.contains("Show every asset"));
    let workflows = html(&admin.get(app, "/w/fresh/workflows").await);
    assert!(workflows.contains("No workflows yet. A workflow is the chain of approvers"), "{workflows}");
}

on_both!(home_lists_what_waits_first, empty_libraries_say_what_to_do);
