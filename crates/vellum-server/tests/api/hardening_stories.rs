//! Regression stories for the findings of the hardening issue, each named after what it
//! proves, on SQLite and on PostgreSQL.

use std::net::SocketAddr;

use axum::{
    body::Body,
    extract::ConnectInfo,
    http::{header, Method, Request, StatusCode},
};
use serde_json::{json, Value};

use crate::{
    harness::{password_of, Auth, Reply, TestApp},
    media_stories::jpeg,
    on_both,
    review_stories::{start_review, team},
};

async fn audit(app: &TestApp, ws: &str, query: &str) -> Vec<Value> {
    let r = app.get(&format!("/api/v1/workspaces/{ws}/audit?{query}"), &app.admin).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json());
    r.json()["events"].as_array().unwrap().clone()
}

fn actions(events: &[Value]) -> Vec<String> {
    events.iter().map(|e| e["action"].as_str().unwrap().to_string()).collect()
}

async fn server_actions(app: &TestApp) -> Vec<String> {
    let mut c = app.core.store.conn().await.unwrap();
    let filter = vellum_store::audit::AuditFilter { limit: 10_000, ..Default::default() };
    let events = vellum_store::audit::list(&mut c, "server", &filter).await.unwrap();
    events.into_iter().map(|e| e.fields.action).collect()
}

/// Finding 3: the asset trail holds the asset, its versions, reviews, decisions and file
/// downloads; before/after are objects; sign-outs are recorded.
async fn the_asset_trail_has_reviews_decisions_and_downloads(app: &TestApp) {
    let t = team(app, "trail", json!("any")).await;
    let asset = app.new_asset("trail", &t.creator, "Trail", b"trail bytes, long enough to range").await;
    let id = asset["id"].as_str().unwrap();
    let review = start_review(app, id, &t.creator, &t.workflow).await;
    let rid = review["id"].as_str().unwrap();
    assert_eq!(app.decide(rid, &t.brand.1, 1, "approve", None).await.status, StatusCode::CREATED);
    let file = format!("/api/v1/assets/{id}/versions/1/file");
    assert_eq!(app.get(&file, &t.creator).await.status, StatusCode::OK);
    let etag = app.get(&file, &t.creator).await.headers[header::ETAG].to_str().unwrap().to_string();
    let ranged = |range: &'static str| {
        Request::get(&file).header(header::AUTHORIZATION, format!("Bearer {}", t.creator)).header(header::RANGE, range)
    };
    assert_eq!(app.raw(ranged("bytes=5-9").body(Body::empty()).unwrap()).await.status, StatusCode::PARTIAL_CONTENT);
    let revalidate = Request::get(&file)
        .header(header::AUTHORIZATION, format!("Bearer {}", t.creator))
        .header(header::IF_NONE_MATCH, etag)
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.raw(revalidate).await.status, StatusCode::NOT_MODIFIED);
    let thumb = app.get(&format!("/api/v1/assets/{id}/versions/1/renditions/thumbnail"), &t.creator).await;
    assert_ne!(thumb.status, StatusCode::OK, "bytes that are not an image have no thumbnail");

    let trail = audit(app, "trail", &format!("asset_id={id}")).await;
    let got = actions(&trail);
    for want in ["asset.create", "review.start", "review.decide", "distribution.download"] {
        assert!(got.iter().any(|a| a == want), "{want} missing from the asset trail: {got:?}");
    }
    assert_eq!(
        got.iter().filter(|a| *a == "distribution.download").count(),
        2,
        "two full downloads, not the range or 304"
    );
    assert!(trail.iter().all(|e| e["asset_id"] == id));
    let decided = trail.iter().find(|e| e["action"] == "review.decide").unwrap();
    assert_eq!(decided["after"]["decision"], "approve", "after is an object: {decided}");
    assert_eq!(decided["before"]["review_status"], "in_progress");
    let bad = app.get("/api/v1/workspaces/trail/audit?asset_id=nope", &app.admin).await;
    assert_eq!(bad.code(), "invalid_asset_id");

    // Sign-outs are recorded on the server chain.
    let s =
        app.post("/api/v1/session", None, json!({"email": "admin@example.com", "password": "admin-password-1"})).await;
    let cookie = s.headers[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_string();
    let csrf = s.json()["csrf_token"].as_str().unwrap().to_string();
    let out = app.send(Method::DELETE, "/api/v1/session", Auth::Session(&cookie, &csrf), None).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert_eq!(server_actions(app).await.last().map(String::as_str), Some("session.delete"));
}

async fn set_role(app: &TestApp, ws: &str, user: &str, role: &str) {
    let r = app.put(&format!("/api/v1/workspaces/{ws}/members/{user}"), &app.admin, json!({"role": role})).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json());
}

/// Finding 4: membership and role are checked when the decision is made, not when the review
/// started; the review shows who lost access.
async fn demoted_and_removed_approvers_cannot_decide(app: &TestApp) {
    let t = team(app, "demote", json!("all")).await;
    let asset = app.new_asset("demote", &t.creator, "Demoted", b"v1").await;
    let id = asset["id"].as_str().unwrap();
    // v1 approved, so a viewer can see the asset; v2 then goes to review.
    let r1 = start_review(app, id, &t.creator, &t.workflow).await;
    let r1 = r1["id"].as_str().unwrap();
    for who in [&t.brand.1, &t.legal1.1, &t.legal2.1] {
        assert_eq!(app.decide(r1, who, 1, "approve", None).await.status, StatusCode::CREATED);
    }
    assert_eq!(app.new_version(id, &t.creator, "v2", b"v2").await.status, StatusCode::CREATED);
    let r2 = start_review(app, id, &t.creator, &t.workflow).await;
    let r2 = r2["id"].as_str().unwrap().to_string();

    set_role(app, "demote", &t.brand.0, "viewer").await;
    let refused = app.decide(&r2, &t.brand.1, 2, "approve", None).await;
    assert_eq!((refused.status, refused.code().as_str()), (StatusCode::NOT_FOUND, "not_found"), "{:?}", refused.json());
    let seen = app.get(&format!("/api/v1/reviews/{r2}"), &t.creator).await.json();
    let brand = &seen["stages"][0]["approvers"][0];
    assert_eq!((brand["lost_access"].as_bool(), seen["status"].as_str()), (Some(true), Some("in_progress")), "{seen}");
    let a = app.get(&format!("/api/v1/assets/{id}"), &t.creator).await.json();
    assert_eq!(a["approved_version"], 1, "the demoted approver did not approve v2");

    set_role(app, "demote", &t.brand.0, "reviewer").await;
    assert_eq!(app.decide(&r2, &t.brand.1, 2, "approve", None).await.status, StatusCode::CREATED);

    let path = format!("/api/v1/workspaces/demote/members/{}", t.legal1.0);
    let removed = app.send(Method::DELETE, &path, Auth::Bearer(&app.admin), None).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    let refused = app.decide(&r2, &t.legal1.1, 2, "approve", None).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    let seen = app.get(&format!("/api/v1/reviews/{r2}"), &t.creator).await.json();
    let legal = seen["stages"][1]["approvers"].as_array().unwrap();
    assert!(legal.iter().any(|a| a["user_id"] == t.legal1.0.as_str() && a["lost_access"] == true), "{seen}");
}

/// Finding 5: members can be removed (never the last owner), audited.
async fn members_can_be_removed_but_not_the_last_owner(app: &TestApp) {
    let (uid, token) = app.user("Leaver").await;
    let ws = app.workspace("leave", &[(&uid, "creator")]).await;
    assert_eq!(app.get("/api/v1/workspaces/leave", &token).await.status, StatusCode::OK);
    let del = |who: String, by: String| {
        let path = format!("/api/v1/workspaces/leave/members/{who}");
        async move { app.send(Method::DELETE, &path, Auth::Bearer(&by), None).await }
    };
    assert_eq!(del(uid.clone(), token.clone()).await.status, StatusCode::FORBIDDEN, "a creator administers nothing");
    assert_eq!(del(uid.clone(), app.admin.clone()).await.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get("/api/v1/workspaces/leave", &token).await.status, StatusCode::NOT_FOUND);
    assert_eq!(del(uid.clone(), app.admin.clone()).await.status, StatusCode::NOT_FOUND);
    let me = app.get("/api/v1/me", &app.admin).await.json();
    let admin_id = me["user"]["id"].as_str().unwrap().to_string();
    let last = del(admin_id, app.admin.clone()).await;
    assert_eq!((last.status, last.code().as_str()), (StatusCode::CONFLICT, "last_owner"));
    assert!(actions(&audit(app, &ws, "").await).contains(&"member.remove".to_string()));
}

/// Finding 5: a disabled user's sessions and tokens stop working at once, and sign-in is
/// refused until an admin enables the account again.
async fn disabled_users_lose_sessions_and_tokens_at_once(app: &TestApp) {
    let (uid, token) = app.user("Dora").await;
    let s =
        app.post("/api/v1/session", None, json!({"email": "dora@example.com", "password": password_of("Dora")})).await;
    let cookie = s.headers[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_string();
    assert_eq!(app.send(Method::GET, "/api/v1/me", Auth::Cookie(&cookie), None).await.status, StatusCode::OK);
    let by_self = app.send(Method::POST, &format!("/api/v1/users/{uid}/disable"), Auth::Bearer(&token), None).await;
    assert_eq!(by_self.status, StatusCode::FORBIDDEN);
    let off = app.send(Method::POST, &format!("/api/v1/users/{uid}/disable"), Auth::Bearer(&app.admin), None).await;
    assert_eq!(off.status, StatusCode::OK, "{:?}", off.json());
    assert!(off.json()["disabled_at"].is_string());
    assert_eq!(app.get("/api/v1/me", &token).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.send(Method::GET, "/api/v1/me", Auth::Cookie(&cookie), None).await.status, StatusCode::UNAUTHORIZED);
    let again =
        app.post("/api/v1/session", None, json!({"email": "dora@example.com", "password": password_of("Dora")})).await;
    assert_eq!((again.status, again.code().as_str()), (StatusCode::FORBIDDEN, "account_disabled"));
    let on = app.send(Method::POST, &format!("/api/v1/users/{uid}/enable"), Auth::Bearer(&app.admin), None).await;
    assert_eq!(on.json()["disabled_at"], Value::Null);
    assert_eq!(app.get("/api/v1/me", &token).await.status, StatusCode::UNAUTHORIZED, "revoked tokens stay revoked");
    let back =
        app.post("/api/v1/session", None, json!({"email": "dora@example.com", "password": password_of("Dora")})).await;
    assert_eq!(back.status, StatusCode::OK);
    let me = app.get("/api/v1/me", &app.admin).await.json();
    let own = me["user"]["id"].as_str().unwrap();
    let own = app.send(Method::POST, &format!("/api/v1/users/{own}/disable"), Auth::Bearer(&app.admin), None).await;
    assert_eq!(own.code(), "cannot_disable_self");
    let acts = server_actions(app).await;
    assert!(acts.contains(&"user.disable".to_string()) && acts.contains(&"user.enable".to_string()));
}

/// Finding 5: changing one's password ends one's other sessions; a reset link works once and
/// not after it expires.
async fn passwords_change_and_reset_links_work_once(app: &TestApp) {
    let (uid, token) = app.user("Pat").await;
    let old = password_of("Pat");
    let new = "a brand new lantern for the harbour";
    let change = |current: &str, next: &str| json!({"current": current, "new": next});
    let wrong = app.put("/api/v1/me/password", &token, change("not it at all", new)).await;
    assert_eq!((wrong.status, wrong.code().as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "wrong_password"));
    let weak = app.put("/api/v1/me/password", &token, change(&old, "aaaaaaaaaaaaaaaa")).await;
    assert_eq!(weak.code(), "weak_password");
    let s = app.post("/api/v1/session", None, json!({"email": "pat@example.com", "password": old})).await;
    let cookie = s.headers[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_string();
    assert_eq!(app.put("/api/v1/me/password", &token, change(&old, new)).await.status, StatusCode::NO_CONTENT);
    assert_eq!(app.send(Method::GET, "/api/v1/me", Auth::Cookie(&cookie), None).await.status, StatusCode::UNAUTHORIZED);
    let signin = |p: &str| app.post("/api/v1/session", None, json!({"email": "pat@example.com", "password": p}));
    assert_eq!(signin(new).await.status, StatusCode::OK);

    let link = app.send(Method::POST, &format!("/api/v1/users/{uid}/password-reset"), Auth::Bearer(&token), None).await;
    assert_eq!(link.status, StatusCode::FORBIDDEN, "only admins make reset links");
    let reset_path = format!("/api/v1/users/{uid}/password-reset");
    let link = app.send(Method::POST, &reset_path, Auth::Bearer(&app.admin), None).await.json();
    let secret = link["link"].as_str().unwrap().split("token=").nth(1).unwrap().to_string();
    let reset = |p: &str| app.post("/api/v1/password-reset", None, json!({"token": secret, "password": p}));
    let third = "three ferries cross the grey water";
    assert_eq!(reset(third).await.status, StatusCode::NO_CONTENT);
    assert_eq!(reset("yet another long new phrase here").await.status, StatusCode::NOT_FOUND, "used once");
    assert_eq!(signin(third).await.status, StatusCode::OK);

    let link = app.send(Method::POST, &reset_path, Auth::Bearer(&app.admin), None).await.json();
    let secret = link["link"].as_str().unwrap().split("token=").nth(1).unwrap().to_string();
    app.clock.advance_secs(25 * 3600);
    let late =
        app.post("/api/v1/password-reset", None, json!({"token": secret, "password": "late but long enough phrase"}));
    assert_eq!(late.await.status, StatusCode::NOT_FOUND, "expired after a day");
}

/// Finding 5: tokens are listed (never their secrets), revoked by their owner only, and can
/// expire.
async fn tokens_are_listed_revoked_and_expire(app: &TestApp) {
    let (_, token) = app.user("Toby").await;
    let (_, other) = app.user("Olive").await;
    let expires = app.clock_now().plus_secs(3600).to_string();
    let t = app.post("/api/v1/tokens", Some(&token), json!({"name": "ci", "expires_at": expires})).await;
    assert_eq!(t.status, StatusCode::CREATED, "{:?}", t.json());
    let (id, secret) = (t.json()["id"].as_str().unwrap().to_string(), t.json()["token"].as_str().unwrap().to_string());
    let list = app.get("/api/v1/tokens", &token).await.json();
    let names: Vec<&str> = list["tokens"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["t", "ci"], "oldest first, by id");
    assert!(!list.to_string().contains(&secret), "secrets are never listed");
    let past = app.post("/api/v1/tokens", Some(&token), json!({"name": "old", "expires_at": "2001-01-01T00:00:00Z"}));
    assert_eq!(past.await.code(), "invalid_expiry");

    assert_eq!(app.get("/api/v1/me", &secret).await.status, StatusCode::OK);
    app.clock.advance_secs(3601);
    assert_eq!(app.get("/api/v1/me", &secret).await.status, StatusCode::UNAUTHORIZED, "expired");
    let not_yours = app.send(Method::DELETE, &format!("/api/v1/tokens/{id}"), Auth::Bearer(&other), None).await;
    assert_eq!(not_yours.status, StatusCode::NOT_FOUND);
    let gone = app.send(Method::DELETE, &format!("/api/v1/tokens/{id}"), Auth::Bearer(&token), None).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    let mine = app.get("/api/v1/tokens", &token).await.json()["tokens"].as_array().unwrap().clone();
    let own = mine[0]["id"].as_str().unwrap();
    let revoked = app.send(Method::DELETE, &format!("/api/v1/tokens/{own}"), Auth::Bearer(&token), None).await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get("/api/v1/me", &token).await.status, StatusCode::UNAUTHORIZED, "revoked at once");
}

/// Finding 5: sign out everywhere ends every browser session of the user.
async fn sign_out_everywhere_ends_every_session(app: &TestApp) {
    let (_, token) = app.user("Eve").await;
    let mut cookies = Vec::new();
    for _ in 0..2 {
        let s = app.post("/api/v1/session", None, json!({"email": "eve@example.com", "password": password_of("Eve")}));
        let s = s.await;
        let cookie = s.headers[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_string();
        cookies.push((cookie, s.json()["csrf_token"].as_str().unwrap().to_string()));
    }
    let out = app.send(Method::DELETE, "/api/v1/sessions", Auth::Session(&cookies[0].0, &cookies[0].1), None).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    for (c, _) in &cookies {
        assert_eq!(app.send(Method::GET, "/api/v1/me", Auth::Cookie(c), None).await.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(app.get("/api/v1/me", &token).await.status, StatusCode::OK, "API tokens are revoked one by one");
}

/// Finding 5: groups are renamed, gain and lose members, and are deleted unless a workflow
/// still names them.
async fn groups_are_renamed_edited_and_deleted_unless_in_use(app: &TestApp) {
    let t = team(app, "grp", json!("any")).await;
    let groups = app.get("/api/v1/workspaces/grp/groups", &app.admin).await.json();
    let legal = groups["groups"][0]["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/groups/{legal}");
    let patch = |body: Value| app.send(Method::PATCH, &path, Auth::Bearer(&app.admin), Some(body));
    let r = patch(json!({"name": "Legal & compliance", "add": [t.brand.0], "remove": [t.legal2.0]})).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json());
    assert_eq!(r.json()["name"], "Legal & compliance");
    let body = r.json();
    let members: Vec<&str> = body["members"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
    assert!(members.contains(&t.brand.0.as_str()) && !members.contains(&t.legal2.0.as_str()), "{members:?}");
    let (outsider, _) = app.user("Outsider").await;
    assert_eq!(patch(json!({"add": [outsider]})).await.code(), "invalid_member");
    assert_eq!(patch(json!({"colour": "red"})).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let by_creator = app.send(Method::DELETE, &path, Auth::Bearer(&t.creator), None).await;
    assert_eq!(by_creator.status, StatusCode::FORBIDDEN);
    let in_use = app.send(Method::DELETE, &path, Auth::Bearer(&app.admin), None).await;
    assert_eq!((in_use.status, in_use.code().as_str()), (StatusCode::CONFLICT, "group_in_use"));
    // The workflow stops naming the group; then it can go.
    let wf = format!("/api/v1/workflows/{}", t.workflow);
    let changed = app
        .put(
            &wf,
            &app.admin,
            json!({"name": "Brand only", "stages": [{"name": "Brand", "approvers": [{"user": t.brand.0}], "rule": "all"}]}),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{:?}", changed.json());
    // A routing rule that adds the group as an approver holds it too, and so does a download
    // policy that pre-approves it: deleting it would break routing and downloads later.
    let rule = json!({"rules": [{"name": "Legal for claims", "when": {"field": "kind", "op": "eq", "value": "visual"},
        "workflow_id": t.workflow, "add_approvers": [{"stage": "Brand", "approver": {"group": legal}}]}]});
    let put = app.put("/api/v1/workspaces/grp/routing", &app.admin, rule).await;
    assert_eq!(put.status, StatusCode::OK, "{:?}", put.json());
    let held = app.send(Method::DELETE, &path, Auth::Bearer(&app.admin), None).await;
    assert_eq!(held.code(), "group_in_use");
    assert!(held.json()["error"]["message"].as_str().unwrap().contains("Legal for claims"), "{:?}", held.json());
    assert_eq!(
        app.put("/api/v1/workspaces/grp/routing", &app.admin, json!({"rules": []})).await.status,
        StatusCode::OK
    );
    let policies = json!({"default": "open", "rules": [{"when": {"field": "kind", "op": "eq", "value": "visual"},
        "policy": "request", "preapproved_groups": [legal]}]});
    let put = app.put("/api/v1/workspaces/grp/download-policies", &app.admin, policies).await;
    assert_eq!(put.status, StatusCode::OK, "{:?}", put.json());
    let held = app.send(Method::DELETE, &path, Auth::Bearer(&app.admin), None).await;
    assert_eq!(held.code(), "group_in_use");
    assert!(held.json()["error"]["message"].as_str().unwrap().contains("download policies"), "{:?}", held.json());
    let open = json!({"default": "open", "rules": []});
    assert_eq!(app.put("/api/v1/workspaces/grp/download-policies", &app.admin, open).await.status, StatusCode::OK);
    assert_eq!(app.send(Method::DELETE, &path, Auth::Bearer(&app.admin), None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(patch(json!({"name": "Back"})).await.status, StatusCode::NOT_FOUND);
    let acts = actions(&audit(app, "grp", "object_type=group").await);
    assert!(acts.contains(&"group.update".to_string()) && acts.contains(&"group.delete".to_string()), "{acts:?}");
}

fn sign_in_from(ip: &str, email: &str, password: &str) -> Request<Body> {
    let addr: SocketAddr = format!("{ip}:40000").parse().unwrap();
    let mut req = Request::post("/api/v1/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json!({"email": email, "password": password}).to_string()))
        .unwrap();
    req.extensions_mut().insert(ConnectInfo(addr));
    req
}

fn retry_after(r: &Reply) -> i64 {
    r.headers[header::RETRY_AFTER].to_str().unwrap().parse().unwrap()
}

/// Finding 6: failed sign-ins are throttled per account and per address with growing
/// delays (429 + Retry-After), an attacker cannot lock the owner out for long, unknown
/// accounts behave the same, and fifty failures make one audit event, not fifty.
async fn sign_in_throttling_answers_429(app: &TestApp) {
    let _ = app.user("Vic").await;
    let good = password_of("Vic");
    let chain_before = server_actions(app).await.len();
    // Five free tries from one address, then a one-second delay that doubles.
    for _ in 0..6 {
        let r = app.raw(sign_in_from("198.51.100.7", "vic@example.com", "wrong guess number one")).await;
        assert_eq!(r.code(), "invalid_credentials");
    }
    let blocked = app.raw(sign_in_from("198.51.100.7", "vic@example.com", &good)).await;
    assert_eq!((blocked.status, blocked.code().as_str()), (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"));
    assert_eq!(retry_after(&blocked), 1, "even the right password waits: guessing must not be confirmed");
    let mut delays = Vec::new();
    for _ in 0..5 {
        let wait = app.raw(sign_in_from("198.51.100.7", "vic@example.com", "wrong again")).await;
        if wait.status == StatusCode::TOO_MANY_REQUESTS {
            delays.push(retry_after(&wait));
            app.clock.advance_secs(retry_after(&wait));
        }
        let r = app.raw(sign_in_from("198.51.100.7", "vic@example.com", "wrong again")).await;
        assert_eq!(r.code(), "invalid_credentials");
    }
    assert!(delays.windows(2).all(|w| w[1] >= w[0] * 2), "delays grow: {delays:?}");
    // The owner, from elsewhere, is not locked out by that address's guessing.
    let owner = app.raw(sign_in_from("203.0.113.9", "vic@example.com", &good)).await;
    assert_eq!(owner.status, StatusCode::OK, "{:?}", owner.json());

    // Unknown accounts are throttled the same way and answer the same.
    for _ in 0..6 {
        app.raw(sign_in_from("198.51.100.8", "ghost@example.com", "whatever it is")).await;
    }
    let ghost = app.raw(sign_in_from("198.51.100.8", "ghost@example.com", "whatever it is")).await;
    assert_eq!(ghost.code(), "too_many_attempts");

    // A distributed guess at one account is slowed to one try a minute at most, never locked.
    for i in 0..60 {
        let ip = format!("192.0.2.{}", i + 1);
        let r = app.raw(sign_in_from(&ip, "vic@example.com", "distributed guess")).await;
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            assert!(retry_after(&r) <= 60, "{r:?}", r = r.json());
            app.clock.advance_secs(retry_after(&r));
        }
    }
    app.clock.advance_secs(60);
    assert_eq!(app.raw(sign_in_from("203.0.113.9", "vic@example.com", &good)).await.status, StatusCode::OK);

    // Many failures, few events: one per account and address per window.
    app.clock.advance_secs(vellum_domain::throttle::AUDIT_WINDOW_SECS);
    app.core.record_sign_in_failures().await.unwrap();
    let failed = server_actions(app).await[chain_before..].iter().filter(|a| *a == "session.failed").count();
    assert!(failed <= 63, "{failed} failure events for 78 failures over 62 account-address pairs");
    let mut c = app.core.store.conn().await.unwrap();
    let filter = vellum_store::audit::AuditFilter { limit: 10_000, ..Default::default() };
    let events = vellum_store::audit::list(&mut c, "server", &filter).await.unwrap();
    let vic_here = events
        .iter()
        .filter(|e| e.fields.action == "session.failed" && e.fields.ip.as_deref() == Some("198.51.100.7"))
        .map(|e| serde_json::from_str::<Value>(e.fields.after.as_deref().unwrap()).unwrap()["count"].as_i64().unwrap())
        .sum::<i64>();
    assert_eq!(vic_here, 11, "every failure from that address is counted in its events");
}

/// Finding 6: thirty-two wrong passwords sent at once are checked one after another, so the
/// throttle sees each failure before the next try: the free tries and one more get their
/// answer, the rest wait.
async fn parallel_guesses_are_throttled_like_serial_ones(app: &TestApp) {
    let _ = app.user("Pat").await;
    let tries = (0..32).map(|i| app.raw(sign_in_from("198.51.100.20", "pat@example.com", &format!("guess {i}"))));
    let replies = futures_util::future::join_all(tries).await;
    let checked = replies.iter().filter(|r| r.code() == "invalid_credentials").count();
    let waited = replies.iter().filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS).count();
    // Five free failures for an account at an address, then the sixth starts the delay.
    assert_eq!((checked, waited), (6, 26), "{:?}", replies.iter().map(|r| r.status).collect::<Vec<_>>());
}

/// Finding 14: a fault in the database is a 500 `internal` with nothing of the query in it —
/// never a 404 that would tell an approver their review does not exist.
async fn database_faults_answer_500_internal_never_404(app: &TestApp) {
    let t = team(app, "fault", json!("any")).await;
    let asset = app.new_asset("fault", &t.creator, "Fault", b"fault bytes").await;
    let review = start_review(app, asset["id"].as_str().unwrap(), &t.creator, &t.workflow).await;
    let review = review["id"].as_str().unwrap();
    let path = format!("/api/v1/reviews/{review}");
    assert_eq!(app.get(&path, &t.brand.1).await.status, StatusCode::OK);
    let mut c = app.core.store.conn().await.unwrap();
    vellum_store::testing::execute(&mut c, "ALTER TABLE decisions RENAME TO decisions_gone").await.unwrap();
    drop(c);
    let read = app.get(&path, &t.brand.1).await;
    assert_eq!(
        (read.status, read.code().as_str()),
        (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        "{:?}",
        read.json()
    );
    let text = read.json().to_string();
    assert!(!text.contains("decisions_gone") && !text.contains("decisions"), "the answer names no table: {text}");
    let decide = app.decide(review, &t.brand.1, 1, "approve", None).await;
    assert_eq!((decide.status, decide.code().as_str()), (StatusCode::INTERNAL_SERVER_ERROR, "internal"));
    let mut c = app.core.store.conn().await.unwrap();
    vellum_store::testing::execute(&mut c, "ALTER TABLE decisions_gone RENAME TO decisions").await.unwrap();
    drop(c);
    assert_eq!(app.decide(review, &t.brand.1, 1, "approve", None).await.status, StatusCode::CREATED);
}

/// Finding 7: a write signed in by cookie alone (as a foreign page can make a browser send)
/// is refused; with the session's CSRF token, or with a bearer token, it is accepted.
async fn foreign_origin_cookie_writes_are_refused(app: &TestApp) {
    let (uid, _) = app.user("Cora").await;
    app.workspace("csrf", &[(&uid, "creator")]).await;
    let s =
        app.post("/api/v1/session", None, json!({"email": "cora@example.com", "password": password_of("Cora")})).await;
    let cookie = s.headers[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_string();
    let csrf = s.json()["csrf_token"].as_str().unwrap().to_string();
    let boundary = "csrfboundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nX\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nvisual\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.txt\"\r\n\r\nhello\r\n--{boundary}--\r\n"
    );
    let upload = |token: Option<&str>| {
        let mut req = Request::post("/api/v1/workspaces/csrf/assets")
            .header(header::COOKIE, &cookie)
            .header(header::ORIGIN, "https://evil.example")
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"));
        if let Some(t) = token {
            req = req.header("x-csrf-token", t);
        }
        req.body(Body::from(body.clone())).unwrap()
    };
    let refused = app.raw(upload(None)).await;
    assert_eq!((refused.status, refused.code().as_str()), (StatusCode::FORBIDDEN, "csrf_failed"));
    let wrong = app.raw(upload(Some("not-the-token"))).await;
    assert_eq!(wrong.code(), "csrf_failed");
    let lib = app.send(Method::GET, "/api/v1/workspaces/csrf/assets", Auth::Cookie(&cookie), None).await;
    assert_eq!(lib.json()["assets"].as_array().unwrap().len(), 0, "nothing was created");
    assert_eq!(app.raw(upload(Some(&csrf))).await.status, StatusCode::CREATED);
    let patch = app.send(Method::PATCH, "/api/v1/workspaces/csrf", Auth::Cookie(&cookie), Some(json!({"name": "Y"})));
    assert_eq!(patch.await.code(), "csrf_failed");
}

/// Finding 10: weak passwords are refused with a reason; cookies are Secure by default.
async fn weak_passwords_are_refused_and_cookies_are_secure(app: &TestApp) {
    for weak in ["          ", "aaaaaaaaaa", "aaaaaaaaaaaaaaaa", "password1234", "weakling@example.com"] {
        let r = app
            .post(
                "/api/v1/users",
                Some(&app.admin),
                json!({"email": "weakling@example.com", "name": "W", "password": weak}),
            )
            .await;
        assert_eq!((r.status, r.code().as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "weak_password"), "{weak:?}");
    }
    let s =
        app.post("/api/v1/session", None, json!({"email": "admin@example.com", "password": "admin-password-1"})).await;
    let set = s.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(set.contains("; Secure") && set.contains("HttpOnly"), "{set}");
}

/// Finding 11: JSON and form routes read at most the body limit; a huge body is refused 413
/// in the error format before it is read.
async fn big_json_bodies_are_refused_413(app: &TestApp) {
    let big = format!("{{\"email\": \"{}\", \"password\": \"x\"}}", "a".repeat(10 * 1024 * 1024));
    let req = Request::post("/api/v1/session").header(header::CONTENT_TYPE, "application/json").body(Body::from(big));
    let r = app.raw(req.unwrap()).await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"));
    let s = app.raw(
        Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("email={}", "a".repeat(2 * 1024 * 1024))))
            .unwrap(),
    );
    assert_ne!(s.await.status, StatusCode::OK);
}

/// Finding 9: a viewer sees look-alikes only among what they may open.
async fn near_duplicates_hide_what_a_viewer_may_not_see(app: &TestApp) {
    let t = team(app, "alike", json!("any")).await;
    let (a, b) = (jpeg(800, 600), jpeg(804, 600));
    if a.is_empty() {
        return;
    }
    let first = app.new_asset("alike", &t.creator, "First", &a).await["id"].as_str().unwrap().to_string();
    while app.core.run_one_job("w", &vellum_core::jobs::QUEUES).await.unwrap().is_some() {}
    let second = app.new_asset("alike", &t.creator, "Second", &b).await["id"].as_str().unwrap().to_string();
    while app.core.run_one_job("w", &vellum_core::jobs::QUEUES).await.unwrap().is_some() {}
    let path = format!("/api/v1/assets/{second}/versions/1");
    let v = app.get(&path, &t.creator).await.json();
    assert_eq!(v["media"]["near_duplicates"][0]["asset_id"], first.as_str(), "{v}");
    let approve = |id: String| {
        let t = &t;
        async move {
            let r = start_review(app, &id, &t.creator, &t.workflow).await;
            let rid = r["id"].as_str().unwrap().to_string();
            assert_eq!(app.decide(&rid, &t.brand.1, 1, "approve", None).await.status, StatusCode::CREATED);
            assert_eq!(app.decide(&rid, &t.legal1.1, 1, "approve", None).await.status, StatusCode::CREATED);
        }
    };
    approve(second.clone()).await;
    let seen = app.get(&path, &t.viewer).await.json();
    assert_eq!(seen["media"]["near_duplicates"], json!([]), "the draft stays hidden: {seen}");
    approve(first.clone()).await;
    let seen = app.get(&path, &t.viewer).await.json();
    assert_eq!(seen["media"]["near_duplicates"][0]["asset_id"], first.as_str(), "approved now: {seen}");
}

/// Finding 14: five approvals and three new versions of one asset at once, many rounds: no
/// deadlock, no 5xx, and a legitimate approver never sees a 404.
async fn concurrent_approvals_and_new_versions_never_5xx(app: &TestApp) {
    let approvers: Vec<(String, String)> = {
        let mut v = Vec::new();
        for i in 0..5 {
            v.push(app.user(&format!("Racer{i}")).await);
        }
        v
    };
    let (cid, creator) = app.user("RaceMaker").await;
    let mut members: Vec<(&str, &str)> = approvers.iter().map(|(id, _)| (id.as_str(), "reviewer")).collect();
    members.push((&cid, "creator"));
    app.workspace("race", &members).await;
    let stage = json!({"name": "Everyone", "approvers": approvers.iter().map(|(id, _)| json!({"user": id})).collect::<Vec<_>>(), "rule": "all"});
    let wf = app
        .post("/api/v1/workspaces/race/workflows", Some(&app.admin), json!({"name": "All five", "stages": [stage]}))
        .await;
    let wf = wf.json()["id"].as_str().unwrap().to_string();
    let rounds = 100;
    let mut outcomes = std::collections::BTreeMap::new();
    for round in 0..rounds {
        let asset = app.new_asset("race", &creator, &format!("Race {round}"), format!("race {round}").as_bytes()).await;
        let id = asset["id"].as_str().unwrap().to_string();
        let review = start_review(app, &id, &creator, &wf).await;
        let rid = review["id"].as_str().unwrap().to_string();
        let decisions = approvers.iter().map(|(_, token)| app.decide(&rid, token, 1, "approve", None));
        let bodies: Vec<Vec<u8>> = (0..3).map(|i| format!("race {round} v{i}").into_bytes()).collect();
        let versions = bodies.iter().map(|b| app.new_version(&id, &creator, "again", b));
        let (decided, uploaded) =
            tokio::join!(futures_util::future::join_all(decisions), futures_util::future::join_all(versions));
        for r in decided.iter().chain(uploaded.iter()) {
            assert!(!r.status.is_server_error(), "round {round}: {} {:?}", r.status, r.json());
            assert_ne!(r.status, StatusCode::NOT_FOUND, "round {round}: {:?}", r.json());
            *outcomes.entry(format!("{} {}", r.status.as_u16(), r.code())).or_insert(0) += 1;
        }
    }
    assert!(outcomes.keys().any(|k| k.starts_with("201")), "{outcomes:?}");
}

on_both!(
    the_asset_trail_has_reviews_decisions_and_downloads,
    demoted_and_removed_approvers_cannot_decide,
    members_can_be_removed_but_not_the_last_owner,
    disabled_users_lose_sessions_and_tokens_at_once,
    passwords_change_and_reset_links_work_once,
    tokens_are_listed_revoked_and_expire,
    sign_out_everywhere_ends_every_session,
    groups_are_renamed_edited_and_deleted_unless_in_use,
    sign_in_throttling_answers_429,
    parallel_guesses_are_throttled_like_serial_ones,
    database_faults_answer_500_internal_never_404,
    foreign_origin_cookie_writes_are_refused,
    weak_passwords_are_refused_and_cookies_are_secure,
    big_json_bodies_are_refused_413,
    near_duplicates_hide_what_a_viewer_may_not_see,
    concurrent_approvals_and_new_versions_never_5xx,
);

/// Finding 8: eight simultaneous uses of the one-time setup link make exactly one admin.
async fn setup_race_creates_one_admin(store: vellum_core::Store) {
    let dir = tempfile::tempdir().unwrap();
    let blobs = vellum_blob::LocalBlobStore::open(dir.path()).unwrap();
    let core = vellum_core::Core::new(store, std::sync::Arc::new(blobs), vellum_core::Limits::default());
    let token = core.setup_token().await.unwrap().unwrap();
    let attempts = (0..8).map(|i| {
        let (core, token) = (core.clone(), token.clone());
        tokio::spawn(async move {
            core.complete_setup(&token, &format!("admin{i}@example.com"), "Admin", "a long setup phrase for admins")
                .await
        })
    });
    let results = futures_util::future::join_all(attempts).await;
    let made = results.into_iter().filter(|r| matches!(r, Ok(Ok(_)))).count();
    assert_eq!(made, 1);
    let mut c = core.store.conn().await.unwrap();
    assert_eq!(vellum_store::users::count(&mut c).await.unwrap(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn setup_race_creates_one_admin_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("v.db").display());
    setup_race_creates_one_admin(vellum_core::Store::connect(&url).await.unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn setup_race_creates_one_admin_on_postgres() {
    match vellum_store::testing::TempPostgres::fresh().await {
        Ok(db) => setup_race_creates_one_admin(vellum_core::Store::connect(db.url()).await.unwrap()).await,
        Err(e) if !vellum_store::testing::in_ci() => eprintln!("skipping the PostgreSQL run: {e}"),
        Err(e) => panic!("PostgreSQL is required in CI: {e}"),
    }
}
