//! The notification pages in-process: the bell counts what waits, the inbox opens an item at
//! its review and marks it read, My work lists the decision; notification settings and
//! out-of-office on the account page; invitations from the members page to a signed-in new
//! member; the forgot-password page.

use axum::http::{header, StatusCode};
use serde_json::json;

use crate::{
    harness::{password_of, TestApp},
    on_both,
    review_stories::{start_review, team},
    ui_stories::{html, location, Browser},
};

async fn bell_inbox_and_my_work(app: &TestApp) {
    let t = team(app, "bell", json!("any")).await;
    let brand = Browser::sign_in(app, "brandbell@example.com", &password_of("Brandbell")).await;
    let home = html(&brand.get(app, "/work").await);
    assert!(home.contains("Nothing waits for your decision"), "{home}");
    assert!(!home.contains("data-unread"), "no count while nothing is unread");

    let a = app.new_asset("bell", &t.creator, "Summer flyer", b"flyer").await;
    let asset = a["id"].as_str().unwrap();
    let review = start_review(app, asset, &t.creator, &t.workflow).await;
    let rid = review["id"].as_str().unwrap();
    app.core.deliver_notifications().await.unwrap();

    let work = html(&brand.get(app, "/work").await);
    assert!(work.contains("data-unread=\"1\""), "the bell shows one unread: {work}");
    assert!(work.contains("Summer flyer v1") && work.contains("Brand"), "{work}");
    let inbox = html(&brand.get(app, "/inbox").await);
    assert!(inbox.contains("Summer flyer v1 waits for your decision"));
    let item = inbox.split("href=\"/inbox/").nth(1).unwrap().split('"').next().unwrap().to_string();
    let opened = brand.get(app, &format!("/inbox/{item}")).await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&opened), format!("/a/{asset}#review-{rid}"));
    assert!(!html(&brand.get(app, "/inbox").await).contains("data-unread"), "read now");

    // Someone else's item is not theirs to open.
    let legal = Browser::sign_in(app, "legalabell@example.com", &password_of("LegalAbell")).await;
    assert_eq!(legal.get(app, &format!("/inbox/{item}")).await.status, StatusCode::NOT_FOUND);
    let read_all = brand.post(app, "/inbox/read-all", &[]).await;
    assert_eq!(location(&read_all), "/inbox?done=all_read");
    assert_eq!(brand.post_raw(app, "/inbox/read-all", &[]).await.status, StatusCode::FORBIDDEN, "CSRF is checked");
}

async fn account_notifications_and_out_of_office(app: &TestApp) {
    let t = team(app, "acct", json!("any")).await;
    let brand = Browser::sign_in(app, "brandacct@example.com", &password_of("Brandacct")).await;
    let page = html(&brand.get(app, "/account").await);
    assert!(page.contains("id=\"notifications\"") && page.contains("Out of office"), "{page}");
    let saved = brand
        .post(
            app,
            "/account/notifications",
            &[("email.review.reminder", "off"), ("digest_hour", "17"), ("time_zone", "Australia/Sydney")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", html(&saved));
    let prefs = app.get("/api/v1/me/notification-preferences", &t.brand.1).await.json();
    assert_eq!((prefs["email"]["review.reminder"].as_str(), prefs["digest_hour"].as_u64()), (Some("off"), Some(17)));
    let refused = brand.post(app, "/account/notifications", &[("time_zone", "Mars/Olympus")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&refused).contains("Mars/Olympus"));

    // Away in Sydney time, with a delegate from the same workspace.
    let delegate = format!("acct|{}", t.legal1.0);
    let away = brand
        .post(
            app,
            "/account/out-of-office",
            &[("delegate", &delegate), ("from", "2026-12-24T09:00"), ("until", "2099-01-05T09:00")],
        )
        .await;
    assert_eq!(away.status, StatusCode::SEE_OTHER, "{}", html(&away));
    let periods = app.get("/api/v1/me/out-of-office", &t.brand.1).await.json();
    assert_eq!(periods["periods"][0]["from"], "2026-12-23T22:00:00.000000Z");
    assert_eq!(periods["periods"][0]["delegate_id"], t.legal1.0);
    assert!(html(&brand.get(app, "/account").await).contains("End this period"));
    let backwards = brand
        .post(
            app,
            "/account/out-of-office",
            &[("delegate", &delegate), ("from", "2099-01-05T09:00"), ("until", "2099-01-01T09:00")],
        )
        .await;
    assert_eq!(backwards.status, StatusCode::UNPROCESSABLE_ENTITY);
    let ended = brand.post(app, "/account/out-of-office/end", &[("workspace", "")]).await;
    assert_eq!(ended.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get("/api/v1/me/out-of-office", &t.brand.1).await.json()["periods"], json!([]));
}

async fn invitations_and_forgotten_passwords(app: &TestApp) {
    app.workspace("join", &[]).await;
    let admin = Browser::sign_in(app, "admin@example.com", "admin-password-1").await;
    let invited = admin.post(app, "/w/join/invitations", &[("email", "pat@example.com"), ("role", "reviewer")]).await;
    assert_eq!(invited.status, StatusCode::CREATED, "{}", html(&invited));
    let page = html(&invited);
    assert!(page.contains("pat@example.com") && page.contains("open until"), "{page}");
    let token =
        page.split("/invitations/inv_").nth(1).unwrap().split(|c: char| !c.is_ascii_alphanumeric()).next().unwrap();
    let path = format!("/invitations/inv_{token}");

    let form = app.raw(axum::http::Request::get(&path).body(axum::body::Body::empty()).unwrap()).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(html(&form).contains("Join JOIN") && html(&form).contains("reviewer"));
    let stranger = Browser { cookie: String::new(), csrf: String::new() };
    let weak = stranger.post_raw(app, &path, &[("name", "Pat"), ("password", "short")]).await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    let joined = stranger.post_raw(app, &path, &[("name", "Pat"), ("password", &password_of("Pat"))]).await;
    assert_eq!(joined.status, StatusCode::SEE_OTHER, "{}", html(&joined));
    assert_eq!(location(&joined), "/w/join?done=joined");
    let cookie = joined.headers[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_string();
    let pat = Browser { cookie, csrf: String::new() };
    assert_eq!(pat.get(app, "/w/join").await.status, StatusCode::OK, "signed in and a member");
    let used = app.raw(axum::http::Request::get(&path).body(axum::body::Body::empty()).unwrap()).await;
    assert_eq!(used.status, StatusCode::NOT_FOUND);

    let forgot = app.raw(axum::http::Request::get("/forgot-password").body(axum::body::Body::empty()).unwrap()).await;
    assert!(html(&forgot).contains("This server sends no email"));
    let asked = stranger.post_raw(app, "/forgot-password", &[("email", "pat@example.com")]).await;
    assert_eq!(location(&asked), "/login?done=reset_requested");
    let login = app.raw(axum::http::Request::get("/login").body(axum::body::Body::empty()).unwrap()).await;
    assert!(html(&login).contains("/forgot-password"));
}

on_both!(bell_inbox_and_my_work, account_notifications_and_out_of_office, invitations_and_forgotten_passwords);
