//! Notifications through real peers: the inbox fills for the people a review waits on, email
//! reaches an SMTP server immediately or in one daily digest, webhooks are signed so an
//! independent verifier accepts them, retried once after a 500, never sent to private
//! addresses or through redirects; invitations and password resets arrive by email.

use axum::http::StatusCode;
use serde_json::{json, Value};
use vellum_core::notify::{AllowList, NotifyConfig, SmtpServer};
use vellum_domain::Timestamp;

use crate::{
    harness::{password_of, TestApp},
    on_both_owned,
    peers::{Receiver, SmtpSink},
    review_stories::{start_review, team},
};

const PUBLIC: &str = "https://dam.example.com";

fn at(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

fn mailing(smtp: &SmtpSink) -> NotifyConfig {
    NotifyConfig {
        smtp: Some(SmtpServer::parse(&smtp.url()).unwrap()),
        mail_from: "Vellum <vellum@example.com>".into(),
        public_url: PUBLIC.into(),
        ..NotifyConfig::default()
    }
}

async fn deliver(app: &TestApp) -> vellum_core::notify::Delivered {
    app.core.deliver_notifications().await.unwrap()
}

async fn inbox(app: &TestApp, token: &str, unread: bool) -> Value {
    let r = app.get(&format!("/api/v1/notifications?unread={unread}"), token).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json());
    r.json()
}

fn kinds(inbox: &Value) -> Vec<String> {
    inbox["notifications"].as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap().to_string()).collect()
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

async fn inbox_email_and_digest(app: TestApp) -> TestApp {
    let Some(smtp) = SmtpSink::start() else { return app };
    let app = app.with_notify(mailing(&smtp));
    app.clock.set(at("2026-03-02T07:00:00Z"));
    let t = team(&app, "note", json!("any")).await;

    let prefs = "/api/v1/me/notification-preferences";
    let defaults = app.get(prefs, &t.creator).await.json();
    assert_eq!(defaults["email"]["review.started"], "immediate");
    assert_eq!(defaults["email"]["review.completed"], "daily_digest");
    let bad = app.put(prefs, &t.creator, json!({"email": {"review.started": "sometimes"}, "digest_hour": 9})).await;
    assert_eq!((bad.status, bad.code().as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_preferences"));
    assert_eq!(app.put(prefs, &t.creator, json!({"time_zone": "Mars/Olympus"})).await.code(), "invalid_preferences");
    assert_eq!(app.get(prefs, &t.creator).await.json(), defaults, "a refused change changes nothing");
    let digest = json!({"email": {"review.decision": "daily_digest", "stage.completed": "daily_digest",
        "review.completed": "daily_digest"}, "digest_hour": 9, "time_zone": "UTC"});
    let set = app.put(prefs, &t.creator, digest).await;
    assert_eq!(set.status, StatusCode::OK, "{:?}", set.json());
    assert_eq!(set.json()["email"]["stage.completed"], "daily_digest");

    let a = app.new_asset("note", &t.creator, "Spring poster", b"poster").await;
    let asset = id_of(&a);
    let review = start_review(&app, &asset, &t.creator, &t.workflow).await;
    let rid = id_of(&review);
    let done = deliver(&app).await;
    assert!(done.events >= 2 && done.emails_sent == 1, "{done:?}");

    // The brand approver is told, in the app and by email, with a link to the review.
    let brand = inbox(&app, &t.brand.1, true).await;
    assert_eq!(brand["unread"], 1);
    let n = &brand["notifications"][0];
    assert_eq!(n["kind"], "review.started");
    assert_eq!(n["title"], "Spring poster v1 waits for your decision");
    assert_eq!(n["link"], format!("/a/{asset}#review-{rid}"));
    assert_eq!((n["object_type"].as_str(), n["object_id"].as_str()), (Some("review"), Some(rid.as_str())));
    assert!(n["read_at"].is_null() && n["workspace_id"].is_string());
    let mails = smtp.to("brandnote@example.com");
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0]["subject"], "Spring poster v1 waits for your decision");
    assert_eq!(mails[0]["from"], "Vellum <vellum@example.com>");
    let url = format!("{PUBLIC}/a/{asset}#review-{rid}");
    assert!(mails[0]["text"].as_str().unwrap().contains(&url), "{mails:?}");
    assert!(mails[0]["html"].as_str().unwrap().contains(&url));
    // Legal's stage has not started; the viewer and the requester are told nothing.
    for token in [&t.legal1.1, &t.viewer, &t.creator] {
        assert_eq!(inbox(&app, token, false).await["unread"], 0);
    }

    // Brand approves: Legal is told it waits for them; the requester's news waits for the digest.
    assert_eq!(app.decide(&rid, &t.brand.1, 1, "approve", None).await.status, StatusCode::CREATED);
    deliver(&app).await;
    let legal = inbox(&app, &t.legal1.1, true).await;
    assert_eq!(kinds(&legal), ["stage.completed"]);
    assert_eq!(legal["notifications"][0]["title"], "Spring poster v1 waits for your decision (stage Brand is done)");
    assert_eq!(smtp.to("legalbnote@example.com").len(), 1);
    assert_eq!(kinds(&inbox(&app, &t.creator, true).await), ["stage.completed", "review.decision"]);

    assert_eq!(app.decide(&rid, &t.legal1.1, 1, "approve", None).await.status, StatusCode::CREATED);
    deliver(&app).await;
    let mine = inbox(&app, &t.creator, true).await;
    assert_eq!(mine["unread"], 5);
    assert_eq!(mine["notifications"][0]["title"], "Spring poster v1 was approved");
    assert!(smtp.to("creatornote@example.com").is_empty(), "the digest waits for 09:00");

    // At 09:00 one digest carries all five; later runs send nothing more.
    app.clock.set(at("2026-03-02T09:00:00Z"));
    let done = deliver(&app).await;
    assert_eq!(done.digests, 1, "{done:?}");
    deliver(&app).await;
    let digests = smtp.to("creatornote@example.com");
    assert_eq!(digests.len(), 1, "{digests:?}");
    assert_eq!(digests[0]["subject"], "Your Vellum digest: 5 updates");
    let text = digests[0]["text"].as_str().unwrap();
    assert!(text.contains("Spring poster v1 was approved") && text.contains("Brandnote approved Spring poster v1"));
    assert!(text.contains(&url));

    // Reading: one, then all; nobody reads another's.
    let first = id_of(&mine["notifications"][0]);
    let read = app.post(&format!("/api/v1/notifications/{first}/read"), Some(&t.creator), json!({})).await;
    assert_eq!(read.status, StatusCode::OK);
    assert!(read.json()["read_at"].is_string());
    let theirs = app.post(&format!("/api/v1/notifications/{first}/read"), Some(&t.brand.1), json!({})).await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    assert_eq!(inbox(&app, &t.creator, true).await["unread"], 4);
    let all = app.post("/api/v1/notifications/read-all", Some(&t.creator), json!({})).await.json();
    assert_eq!((all["marked"].as_u64(), all["unread"].as_i64()), (Some(4), Some(0)));
    assert_eq!(inbox(&app, &t.creator, false).await["notifications"].as_array().unwrap().len(), 5);
    app
}

async fn post_hook(app: &TestApp, token: &str, url: &str, events: Value) -> crate::harness::Reply {
    app.post("/api/v1/workspaces/hooks/webhooks", Some(token), json!({"url": url, "events": events})).await
}

async fn deliveries(app: &TestApp, hook: &str) -> Vec<Value> {
    let r = app.get(&format!("/api/v1/webhooks/{hook}/deliveries"), &app.admin).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json());
    r.json()["deliveries"].as_array().unwrap().clone()
}

async fn signed_webhooks(app: TestApp) -> TestApp {
    let Some(rx) = Receiver::start("500,200") else { return app };
    let port = rx.port();
    let t = team(&app, "hooks", json!("any")).await;
    let events = json!(["review.started", "review.decision"]);

    // Private, loopback, link-local and unspecified targets are refused unless allowed.
    for target in [
        format!("http://127.0.0.1:{port}/hook"),
        "http://169.254.169.254/latest/meta-data".to_string(),
        format!("http://[::1]:{port}/"),
        format!("http://0.0.0.0:{port}/"),
        format!("http://[::ffff:127.0.0.1]:{port}/"),
        format!("http://localhost:{port}/"),
        "http://10.1.2.3/".to_string(),
    ] {
        let r = post_hook(&app, &app.admin, &target, events.clone()).await;
        assert_eq!(
            (r.status, r.code().as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "webhook_target_forbidden"),
            "{target}"
        );
    }
    for (url, evs) in [
        ("ftp://example.com/", events.clone()),
        ("http://user:pw@example.com/", events.clone()),
        ("https://example.com/", json!(["review.nope"])),
        ("https://example.com/", json!([])),
    ] {
        assert_eq!(post_hook(&app, &app.admin, url, evs).await.code(), "invalid_webhook", "{url}");
    }
    let url = format!("http://127.0.0.1:{port}/hook");
    assert_eq!(post_hook(&app, &t.creator, &url, events.clone()).await.status, StatusCode::FORBIDDEN);

    let app = app.with_notify(NotifyConfig {
        webhook_allow_hosts: AllowList(vec!["127.0.0.1".into()]),
        ..NotifyConfig::default()
    });
    let made = post_hook(&app, &app.admin, &url, events.clone()).await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.json());
    let hook = id_of(&made.json());
    let secret = made.json()["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"));
    let listed = app.get("/api/v1/workspaces/hooks/webhooks", &app.admin).await.json();
    assert_eq!(listed["webhooks"][0]["url"], url);
    assert!(listed["webhooks"][0].get("secret").is_none(), "the secret is shown once");
    rx.trust(&secret);

    // The first try meets a 500; the retry, due 5 s later, is delivered — once.
    let a = app.new_asset("hooks", &t.creator, "Banner", b"banner").await;
    let review = start_review(&app, &id_of(&a), &t.creator, &t.workflow).await;
    deliver(&app).await;
    let got = rx.received();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!((got[0]["status"].as_u64(), got[0]["verified"].as_bool()), (Some(500), Some(true)), "{got:?}");
    assert_eq!(got[0]["payload"]["type"], "review.started");
    assert_eq!(got[0]["payload"]["data"]["review_id"], review["id"]);
    let log = deliveries(&app, &hook).await;
    assert_eq!((log[0]["status_code"].as_u64(), log[0]["attempt"].as_u64()), (Some(500), Some(1)));
    assert_eq!(log[0]["event"], "review.started");
    deliver(&app).await;
    assert_eq!(rx.received().len(), 1, "not due yet");
    app.clock.advance_secs(5);
    deliver(&app).await;
    app.clock.advance_secs(3600);
    deliver(&app).await;
    let got = rx.received();
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!((got[1]["status"].as_u64(), got[1]["verified"].as_bool()), (Some(200), Some(true)));
    assert_eq!(got[1]["id"], got[0]["id"], "a retry keeps its webhook-id");
    let log = deliveries(&app, &hook).await;
    assert_eq!(log.len(), 2);
    assert_eq!((log[0]["status_code"].as_u64(), log[0]["attempt"].as_u64()), (Some(200), Some(2)));
    assert!(log[0]["error"].is_null() && log[0]["duration_ms"].is_u64());

    // A test event, then a rotated secret: only the new one verifies.
    let test = app.post(&format!("/api/v1/webhooks/{hook}/test"), Some(&app.admin), json!({})).await;
    assert_eq!(test.status, StatusCode::OK, "{:?}", test.json());
    assert_eq!((test.json()["event"].as_str(), test.json()["status_code"].as_u64()), (Some("webhook.test"), Some(200)));
    assert_eq!(rx.received().last().unwrap()["payload"]["type"], "webhook.test");
    let rotated = app.post(&format!("/api/v1/webhooks/{hook}/rotate-secret"), Some(&app.admin), json!({})).await;
    let fresh = rotated.json()["secret"].as_str().unwrap().to_string();
    assert!(fresh.starts_with("whsec_") && fresh != secret);
    app.post(&format!("/api/v1/webhooks/{hook}/test"), Some(&app.admin), json!({})).await;
    assert_eq!(rx.received().last().unwrap()["verified"], false, "the old secret no longer verifies");
    rx.trust(&fresh);
    app.post(&format!("/api/v1/webhooks/{hook}/test"), Some(&app.admin), json!({})).await;
    assert_eq!(rx.received().last().unwrap()["verified"], true);

    // Redirects are not followed.
    let redirecting =
        post_hook(&app, &app.admin, &format!("http://127.0.0.1:{port}/redirect"), json!(["review.decision"])).await;
    let redirecting = id_of(&redirecting.json());
    assert_eq!(app.decide(id_of(&review).as_str(), &t.brand.1, 1, "approve", None).await.status, StatusCode::CREATED);
    deliver(&app).await;
    let paths: Vec<String> = rx.received().iter().map(|r| r["path"].as_str().unwrap().to_string()).collect();
    assert!(paths.contains(&"/redirect".to_string()) && !paths.contains(&"/elsewhere".to_string()), "{paths:?}");
    let log = deliveries(&app, &redirecting).await;
    assert_eq!(log[0]["status_code"], 302);
    assert!(log[0]["error"].as_str().unwrap().contains("redirects are not followed"));

    // Each delivery checks the address again: without the allowance, loopback is refused.
    let app = app.with_notify(NotifyConfig::default());
    let refused = app.post(&format!("/api/v1/webhooks/{hook}/test"), Some(&app.admin), json!({})).await.json();
    assert!(refused["status_code"].is_null());
    assert!(refused["error"].as_str().unwrap().contains("loopback"), "{refused:?}");

    // Only the workspace's admins see or touch its webhooks; secrets stay out of the audit.
    let stranger = app.user("Stranger").await;
    for token in [&t.creator, &stranger.1] {
        assert_eq!(app.get(&format!("/api/v1/webhooks/{hook}/deliveries"), token).await.status, StatusCode::NOT_FOUND);
        let del = app
            .send(
                axum::http::Method::DELETE,
                &format!("/api/v1/webhooks/{hook}"),
                crate::harness::Auth::Bearer(token),
                None,
            )
            .await;
        assert_eq!(del.status, StatusCode::NOT_FOUND);
    }
    let audit = app.get("/api/v1/workspaces/hooks/audit?limit=500", &app.admin).await;
    let text = String::from_utf8_lossy(&audit.body).to_string();
    assert!(text.contains("webhook.create") && !text.contains(&secret) && !text.contains(&fresh));
    let del = app
        .send(
            axum::http::Method::DELETE,
            &format!("/api/v1/webhooks/{hook}"),
            crate::harness::Auth::Bearer(&app.admin),
            None,
        )
        .await;
    assert_eq!(del.status, StatusCode::NO_CONTENT);
    let left = app.get("/api/v1/workspaces/hooks/webhooks", &app.admin).await.json();
    assert_eq!(left["webhooks"].as_array().unwrap().len(), 1, "only the redirecting one is left");
    app
}

/// An https receiver signed by an internal CA: trusted once the operator gives that CA, and
/// refused (with the reason in the log) without it.
async fn https_webhooks(app: TestApp) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = crate::peers::localhost_certificate(dir.path());
    let Some(rx) = Receiver::start_tls("200", &cert, &key) else { return app };
    app.workspace("tls", &[]).await;
    let allow = AllowList(vec!["localhost".into()]);
    let trusting = vellum_core::notify::Tls::with_extra_roots(Some(&std::fs::read(&ca).unwrap())).unwrap();
    let app =
        app.with_notify(NotifyConfig { webhook_allow_hosts: allow.clone(), tls: trusting, ..NotifyConfig::default() });
    let url = format!("https://localhost:{}/hook", rx.port());
    let made = app
        .post("/api/v1/workspaces/tls/webhooks", Some(&app.admin), json!({"url": url, "events": ["review.started"]}))
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.json());
    let hook = id_of(&made.json());
    rx.trust(made.json()["secret"].as_str().unwrap());
    let sent = app.post(&format!("/api/v1/webhooks/{hook}/test"), Some(&app.admin), json!({})).await.json();
    assert_eq!(sent["status_code"], 200, "{sent:?}");
    assert_eq!(rx.received().last().unwrap()["verified"], true);

    let app = app.with_notify(NotifyConfig { webhook_allow_hosts: allow, ..NotifyConfig::default() });
    let refused = app.post(&format!("/api/v1/webhooks/{hook}/test"), Some(&app.admin), json!({})).await.json();
    assert!(refused["status_code"].is_null(), "{refused:?}");
    assert!(refused["error"].as_str().unwrap().contains("TLS with localhost"), "{refused:?}");
    assert_eq!(rx.received().len(), 1, "nothing reached the receiver without a trusted certificate");
    app
}

fn link_in(mail: &Value, prefix: &str) -> String {
    let text = mail["text"].as_str().unwrap();
    let start = text.find(prefix).unwrap_or_else(|| panic!("no {prefix} in {text}"));
    text[start + prefix.len()..].split_whitespace().next().unwrap().to_string()
}

async fn invitations_and_password_resets(app: TestApp) -> TestApp {
    let Some(smtp) = SmtpSink::start() else { return app };
    let app = app.with_notify(mailing(&smtp));
    app.workspace("inv", &[]).await;
    let path = "/api/v1/workspaces/inv/invitations";
    assert_eq!(
        app.post(path, Some(&app.admin), json!({"email": "newcomer@example.com", "role": "chief"})).await.code(),
        "invalid_role"
    );
    assert_eq!(
        app.post(path, Some(&app.admin), json!({"email": "not-an-email", "role": "creator"})).await.code(),
        "invalid_email"
    );
    let inv = app.post(path, Some(&app.admin), json!({"email": "newcomer@example.com", "role": "creator"})).await;
    assert_eq!(inv.status, StatusCode::CREATED, "{:?}", inv.json());
    assert_eq!((inv.json()["emailed"].as_bool(), inv.json()["link"].is_null()), (Some(true), true));
    deliver(&app).await;
    let mails = smtp.to("newcomer@example.com");
    assert_eq!(mails.len(), 1);
    assert!(mails[0]["subject"].as_str().unwrap().contains("INV"));
    let token = link_in(&mails[0], &format!("{PUBLIC}/invitations/"));

    let accept = "/api/v1/invitations/accept";
    let no_name = app.post(accept, None, json!({"token": token, "password": password_of("Newcomer")})).await;
    assert_eq!(no_name.code(), "invalid_invitation");
    let weak = app.post(accept, None, json!({"token": token, "name": "Newcomer", "password": "short"})).await;
    assert_eq!(weak.code(), "weak_password");
    let ok =
        app.post(accept, None, json!({"token": token, "name": "Newcomer", "password": password_of("Newcomer")})).await;
    assert_eq!(ok.status, StatusCode::OK, "{:?}", ok.json());
    assert_eq!((ok.json()["new_account"].as_bool(), ok.json()["role"].as_str()), (Some(true), Some("creator")));
    let again =
        app.post(accept, None, json!({"token": token, "name": "Newcomer", "password": password_of("Newcomer")})).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "an invitation works once");
    let session = app
        .post("/api/v1/session", None, json!({"email": "newcomer@example.com", "password": password_of("Newcomer")}))
        .await;
    assert_eq!(session.status, StatusCode::OK);
    let members = app.get("/api/v1/workspaces/inv/members", &app.admin).await.json();
    assert!(
        members["members"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["email"] == "newcomer@example.com" && m["role"] == "creator"),
        "{members:?}"
    );

    // Someone with an account joins with their own password.
    let ana = app.user("Ana").await;
    let _ = ana;
    app.post(path, Some(&app.admin), json!({"email": "ana@example.com", "role": "reviewer"})).await;
    deliver(&app).await;
    let token = link_in(&smtp.to("ana@example.com")[0], &format!("{PUBLIC}/invitations/"));
    let wrong = app.post(accept, None, json!({"token": token, "password": "not her password at all"})).await;
    assert_eq!(wrong.code(), "invalid_credentials");
    let joined = app.post(accept, None, json!({"token": token, "password": password_of("Ana")})).await;
    assert_eq!(
        (joined.json()["new_account"].as_bool(), joined.json()["role"].as_str()),
        (Some(false), Some("reviewer"))
    );

    // A reset link is emailed to an account, and the answer is the same for an unknown email.
    let known = app.post("/api/v1/password-reset", None, json!({"email": "newcomer@example.com"})).await;
    let unknown = app.post("/api/v1/password-reset", None, json!({"email": "nobody@example.com"})).await;
    assert_eq!((known.status, unknown.status), (StatusCode::ACCEPTED, StatusCode::ACCEPTED));
    assert_eq!(known.body, unknown.body);
    deliver(&app).await;
    assert!(smtp.to("nobody@example.com").is_empty());
    let reset = smtp.to("newcomer@example.com");
    assert_eq!(reset.len(), 2);
    let token = link_in(&reset[1], &format!("{PUBLIC}/reset-password?token="));
    let new_password = "Newcomer now paints eleven loud rivers";
    let done = app.post("/api/v1/password-reset", None, json!({"token": token, "password": new_password})).await;
    assert_eq!(done.status, StatusCode::NO_CONTENT, "{:?}", done.json());
    let session =
        app.post("/api/v1/session", None, json!({"email": "newcomer@example.com", "password": new_password})).await;
    assert_eq!(session.status, StatusCode::OK);

    // The outbox keeps no usable link once the mails are out.
    let mut c = app.core.store.conn().await.unwrap();
    assert_eq!(vellum_store::emails::count_unforgotten_secrets(&mut c).await.unwrap(), 0);
    drop(c);

    // Asking again and again is throttled.
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(app.post("/api/v1/password-reset", None, json!({"email": "ana@example.com"})).await.status);
    }
    assert!(statuses.contains(&StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");

    // Without an SMTP server the inviting admin gets the link to pass on.
    let app = app.with_notify(NotifyConfig::default());
    let offline =
        app.post(path, Some(&app.admin), json!({"email": "later@example.com", "role": "viewer"})).await.json();
    assert_eq!(offline["emailed"], false);
    assert!(offline["link"].as_str().unwrap().starts_with("/invitations/inv_"));
    app
}

on_both_owned!(inbox_email_and_digest, signed_webhooks, https_webhooks, invitations_and_password_resets);
