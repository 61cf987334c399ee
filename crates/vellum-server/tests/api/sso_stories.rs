//! Single sign-on stories: the settings (server admins, checked), passwords turned off, and
//! the whole sign-in against a real OpenID Connect provider (npm `oidc-provider`): a
//! just-in-time account with its claim-mapped role, memberships following the claims while
//! hand-made ones stay, and every forged or replayed answer refused.

use std::collections::BTreeMap;

use axum::{
    body::Body,
    http::{header, Method, Request, StatusCode},
};
use serde_json::{json, Value};

use crate::{
    harness::{Auth, Reply, TestApp},
    oidc_peer::OidcProvider,
    on_both, on_both_owned,
    ui_stories::{html, location},
};

const CLIENT: &str = "vellum-tests";
const SECRET: &str = "a client secret+with/odd=characters";

fn cookie_of(r: &Reply, name: &str) -> Option<String> {
    r.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, v)| *k == name && !v.is_empty())
        .map(|(_, v)| v.to_string())
}

async fn get_with_cookie(app: &TestApp, path: &str, cookie: Option<&str>) -> Reply {
    let mut req = Request::get(path);
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    app.raw(req.body(Body::empty()).unwrap()).await
}

async fn settings_are_for_server_admins_and_checked(app: &TestApp) {
    let (_, ana) = app.user("Ana").await;
    let off = app.get("/api/v1/admin/sso", &app.admin).await;
    assert_eq!(off.status, StatusCode::OK);
    assert_eq!(off.json()["issuer"], Value::Null);
    assert_eq!(off.json()["allow_passwords"], true);
    assert_eq!(off.json()["redirect_uri"], "http://localhost:8080/auth/oidc/callback");
    assert_eq!(app.get("/api/v1/admin/sso", &ana).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.put("/api/v1/admin/sso", &ana, json!({"allow_passwords": true})).await.status,
        StatusCode::FORBIDDEN
    );

    app.workspace("brand", &[]).await;
    for (body, code) in [
        (json!({"issuer": "http://id.example.com", "client_id": "v"}), "invalid_sso_settings"),
        (json!({"issuer": "https://id.example.com"}), "invalid_sso_settings"),
        (json!({"allow_passwords": false}), "invalid_sso_settings"),
        (
            json!({"claim_rules": [{"when": {"claim": "groups", "contains": "m"}, "workspace": "nowhere", "role": "viewer"}]}),
            "invalid_claim_rule",
        ),
        (
            json!({"claim_rules": [{"when": {"claim": "groups", "contains": "m"}, "workspace": "brand", "role": "owner"}]}),
            "invalid_claim_rule",
        ),
        (
            json!({"claim_rules": [{"when": {"claim": "groups"}, "workspace": "brand", "role": "viewer"}]}),
            "invalid_claim_rule",
        ),
    ] {
        let r = app.put("/api/v1/admin/sso", &app.admin, body.clone()).await;
        assert_eq!(
            (r.status, r.code()),
            (StatusCode::UNPROCESSABLE_ENTITY, code.to_string()),
            "{body}: {:?}",
            r.json()
        );
    }
    assert_eq!(app.get("/api/v1/admin/sso", &app.admin).await.json(), off.json(), "a refused change changes nothing");

    let rules = json!([{"when": {"claim": "email", "domain": "bank.example"}, "workspace": "brand", "role": "viewer"}]);
    let on = app
        .put(
            "/api/v1/admin/sso",
            &app.admin,
            json!({"issuer": "https://id.example.com/", "client_id": "vellum", "claim_rules": rules}),
        )
        .await;
    assert_eq!(on.status, StatusCode::OK, "{:?}", on.json());
    assert_eq!(on.json()["issuer"], "https://id.example.com", "kept without the trailing slash");
    assert_eq!(on.json()["claim_rules"], rules);
    assert_eq!(on.json()["client_secret_set"], false);
    let (rita, _) = app.user("Rita").await;
    let early =
        app.send(Method::POST, &format!("/api/v1/users/{rita}/password-reset"), Auth::Bearer(&app.admin), None).await;
    assert_eq!(early.status, StatusCode::CREATED, "{:?}", early.json());
    let kept = app.put("/api/v1/admin/sso", &app.admin, json!({"allow_passwords": false})).await;
    assert_eq!(
        (kept.json()["client_id"].clone(), kept.json()["allow_passwords"].clone()),
        (json!("vellum"), json!(false))
    );

    // Passwords off: the API and the form refuse them, the page offers single sign-on only.
    let refused =
        app.post("/api/v1/session", None, json!({"email": "admin@example.com", "password": "admin-password-1"})).await;
    assert_eq!((refused.status, refused.code()), (StatusCode::FORBIDDEN, "password_sign_in_disabled".to_string()));
    let page = html(&get_with_cookie(app, "/login?next=/w/brand", None).await);
    assert!(page.contains("Sign in with single sign-on") && page.contains("/auth/oidc/login?next=%2Fw%2Fbrand"));
    assert!(!page.contains("type=\"password\""), "the password form is gone");
    // No password can be set through a reset link either, old or new.
    let link =
        app.send(Method::POST, &format!("/api/v1/users/{rita}/password-reset"), Auth::Bearer(&app.admin), None).await;
    assert_eq!((link.status, link.code()), (StatusCode::FORBIDDEN, "password_sign_in_disabled".to_string()));
    let secret = early.json()["link"].as_str().unwrap().split("token=").nth(1).unwrap().to_string();
    let used = app
        .post("/api/v1/password-reset", None, json!({"token": secret, "password": "a long and fresh passphrase 9"}))
        .await;
    assert_eq!((used.status, used.code()), (StatusCode::FORBIDDEN, "password_sign_in_disabled".to_string()));

    let back = app.put("/api/v1/admin/sso", &app.admin, json!({"issuer": "", "allow_passwords": true})).await;
    assert_eq!(back.status, StatusCode::OK);
    let closed = get_with_cookie(app, "/auth/oidc/login", None).await;
    assert_eq!(closed.status, StatusCode::NOT_FOUND, "no single sign-on, no sign-in to start");
    assert!(html(&closed).contains("not configured"));
}

/// Vellum configured for the provider, with claim rules; the provider knows Vellum and Ana.
/// None (skipped) without the provider outside CI.
async fn provider_for(app: TestApp, groups: &[&str]) -> (TestApp, Option<OidcProvider>) {
    let Some(provider) = OidcProvider::start() else { return (app, None) };
    let app = app.with_sso_secret(SECRET);
    app.workspace("brand", &[]).await;
    app.workspace("legal", &[]).await;
    let rules = json!([
        {"when": {"claim": "groups", "contains": "marketing"}, "workspace": "brand", "role": "creator"},
        {"when": {"claim": "email", "domain": "bank.example"}, "workspace": "brand", "role": "viewer"},
        {"when": {"claim": "groups", "contains": "legal"}, "workspace": "legal", "role": "reviewer"}
    ]);
    let body = json!({"issuer": provider.issuer, "client_id": CLIENT, "claim_rules": rules});
    let put = app.put("/api/v1/admin/sso", &app.admin, body).await;
    assert_eq!(put.status, StatusCode::OK, "{:?}", put.json());
    configure(&provider, &app, groups);
    (app, Some(provider))
}

fn configure(provider: &OidcProvider, app: &TestApp, ana_groups: &[&str]) {
    provider.configure(json!({
        "client_id": CLIENT,
        "client_secret": SECRET,
        "redirect_uris": [app.core.sso_redirect_uri()],
        "post_logout_redirect_uris": ["http://localhost:8080/login"],
        "accounts": {
            "ana": {"email": "Ana@Bank.example", "email_verified": true, "name": "Ana Lima", "groups": ana_groups},
            "eve": {"email": "eve@bank.example", "email_verified": false, "name": "Eve", "groups": []}
        }
    }));
}

/// One browser's walk: Vellum's login route, the provider, and back to the callback.
struct Walk {
    callback: String,
    state_cookie: String,
}

async fn walk(app: &TestApp, provider: &OidcProvider, login: &str, jar: &mut BTreeMap<String, String>) -> Walk {
    let start = get_with_cookie(app, "/auth/oidc/login?next=/w/brand", None).await;
    assert_eq!(start.status, StatusCode::SEE_OTHER, "{}", html(&start));
    let state = cookie_of(&start, "vellum_oidc").expect("the sign-in's state is bound to the browser");
    let to = location(&start).to_string();
    assert!(to.starts_with(&format!("{}/auth?", provider.issuer)), "{to}");
    assert!(
        to.contains("code_challenge_method=S256") && to.contains("nonce=") && to.contains(&format!("state={state}"))
    );
    let back = provider.sign_in(&to, login, jar);
    let callback =
        back.strip_prefix("http://localhost:8080").unwrap_or_else(|| panic!("sent back to {back}")).to_string();
    Walk { callback, state_cookie: format!("vellum_oidc={state}") }
}

async fn finish(app: &TestApp, w: &Walk) -> Reply {
    get_with_cookie(app, &w.callback, Some(&w.state_cookie)).await
}

async fn role_in(app: &TestApp, ws: &str, email: &str) -> Option<String> {
    let members = app.get(&format!("/api/v1/workspaces/{ws}/members"), &app.admin).await.json();
    members["members"].as_array()?.iter().find(|m| m["email"] == email).map(|m| m["role"].as_str().unwrap().to_string())
}

async fn a_person_signs_in_through_the_provider_and_their_roles_follow_the_claims(app: TestApp) -> TestApp {
    let (app, provider) = provider_for(app, &["marketing", "legal"]).await;
    let Some(provider) = provider else { return app };
    let mut jar = BTreeMap::new();
    let w = walk(&app, &provider, "ana", &mut jar).await;

    // The answer only counts in the browser that started the sign-in.
    let elsewhere = get_with_cookie(&app, &w.callback, None).await;
    assert_eq!(elsewhere.status, StatusCode::BAD_REQUEST);
    assert!(html(&elsewhere).contains("started in this browser"));

    let done = finish(&app, &w).await;
    assert_eq!((done.status, location(&done)), (StatusCode::SEE_OTHER, "/w/brand"), "{}", html(&done));
    let session = cookie_of(&done, "vellum_session").expect("a session");
    let me = app
        .send(
            axum::http::Method::GET,
            "/api/v1/me",
            crate::harness::Auth::Cookie(&format!("vellum_session={session}")),
            None,
        )
        .await;
    assert_eq!(me.status, StatusCode::OK);
    let user = me.json()["user"].clone();
    assert_eq!((user["email"].clone(), user["name"].clone()), (json!("ana@bank.example"), json!("Ana Lima")));
    assert_eq!(role_in(&app, "brand", "ana@bank.example").await.as_deref(), Some("creator"), "the strongest rule wins");
    assert_eq!(role_in(&app, "legal", "ana@bank.example").await.as_deref(), Some("reviewer"));

    // Used once.
    let replay = finish(&app, &w).await;
    assert_eq!(replay.status, StatusCode::BAD_REQUEST);
    assert!(html(&replay).contains("already used"));

    // A hand-made membership is the admin's: claims never touch it.
    let ana_id = user["id"].as_str().unwrap().to_string();
    app.workspace("retail", &[]).await;
    let manual =
        app.put(&format!("/api/v1/workspaces/retail/members/{ana_id}"), &app.admin, json!({"role": "manager"})).await;
    assert_eq!(manual.status, StatusCode::OK);

    // Ana leaves marketing and legal: brand falls back to the domain rule, legal goes.
    configure(&provider, &app, &[]);
    let mut jar = BTreeMap::new();
    let again = finish(&app, &walk(&app, &provider, "ana", &mut jar).await).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", html(&again));
    assert_eq!(role_in(&app, "brand", "ana@bank.example").await.as_deref(), Some("viewer"));
    assert_eq!(role_in(&app, "legal", "ana@bank.example").await, None);
    assert_eq!(role_in(&app, "retail", "ana@bank.example").await.as_deref(), Some("manager"));
    let users = app.get("/api/v1/users", &app.admin).await.json();
    let anas = users["users"].as_array().unwrap().iter().filter(|u| u["email"] == "ana@bank.example").count();
    assert_eq!(anas, 1, "the second sign-in finds the linked account");

    // The audit names the rule-made changes.
    let audit = app.get("/api/v1/workspaces/legal/audit", &app.admin).await;
    let events = audit.json()["events"].as_array().cloned().unwrap_or_default();
    assert!(events.iter().any(|e| e["action"] == "member.remove" && e["after"]["via"] == "sso"), "{events:?}");

    // No verified email, no account.
    let mut jar = BTreeMap::new();
    let eve = finish(&app, &walk(&app, &provider, "eve", &mut jar).await).await;
    assert_eq!(eve.status, StatusCode::FORBIDDEN);
    assert!(html(&eve).contains("verified email") && cookie_of(&eve, "vellum_session").is_none());

    // A disabled account stays out.
    assert_eq!(
        app.post(&format!("/api/v1/users/{ana_id}/disable"), Some(&app.admin), json!({})).await.status,
        StatusCode::OK
    );
    let mut jar = BTreeMap::new();
    let disabled = finish(&app, &walk(&app, &provider, "ana", &mut jar).await).await;
    assert_eq!(disabled.status, StatusCode::FORBIDDEN);
    assert!(cookie_of(&disabled, "vellum_session").is_none());
    app
}

async fn forged_answers_sign_nobody_in(app: TestApp) -> TestApp {
    let (app, provider) = provider_for(app, &["marketing"]).await;
    let Some(provider) = provider else { return app };
    for (mode, says) in
        [("signature", "does not verify"), ("audience", "another client"), ("nonce", "nonce"), ("expired", "expired")]
    {
        provider.tamper(mode);
        let mut jar = BTreeMap::new();
        let r = finish(&app, &walk(&app, &provider, "ana", &mut jar).await).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{mode}: {}", html(&r));
        assert!(html(&r).contains(says), "{mode}: {}", html(&r));
        assert!(cookie_of(&r, "vellum_session").is_none(), "{mode} signed someone in");
    }
    provider.tamper("none");
    let users = app.get("/api/v1/users", &app.admin).await.json();
    assert!(
        !users["users"].as_array().unwrap().iter().any(|u| u["email"] == "ana@bank.example"),
        "no account was made"
    );

    // The provider's own refusal is shown, and a made-up state is refused.
    let denied = get_with_cookie(&app, "/auth/oidc/callback?error=access_denied&state=x", None).await;
    assert_eq!(denied.status, StatusCode::UNAUTHORIZED);
    assert!(html(&denied).contains("access_denied"));
    let made_up = get_with_cookie(&app, "/auth/oidc/callback?code=c&state=s", Some("vellum_oidc=s")).await;
    assert_eq!(made_up.status, StatusCode::BAD_REQUEST);

    // With the tampering gone, the same person signs in.
    let mut jar = BTreeMap::new();
    let ok = finish(&app, &walk(&app, &provider, "ana", &mut jar).await).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", html(&ok));
    app
}

/// A person the directory provisioned signs in through the provider into the same account;
/// the rules see both their ID-token claims and their directory groups, at sign-in and when
/// the directory changes between sign-ins.
async fn a_provisioned_person_signs_in_through_the_provider(app: TestApp) -> TestApp {
    let (app, provider) = provider_for(app, &["marketing"]).await;
    let Some(provider) = provider else { return app };
    let rules = json!([
        {"when": {"claim": "groups", "contains": "marketing"}, "workspace": "brand", "role": "creator"},
        {"when": {"claim": "directory_group", "contains": "Legal"}, "workspace": "legal", "role": "reviewer"}
    ]);
    assert_eq!(app.put("/api/v1/admin/sso", &app.admin, json!({"claim_rules": rules})).await.status, StatusCode::OK);
    let token = app.post("/api/v1/admin/scim-token", Some(&app.admin), json!({})).await.json()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let scim = |method: &str, path: &str, body: Value| {
        Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/scim+json")
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let made =
        app.raw(scim("POST", "/scim/v2/Users", json!({"userName": "ana@bank.example", "displayName": "Ana L."}))).await;
    assert_eq!(made.status, StatusCode::CREATED);
    let id = made.json()["id"].as_str().unwrap().to_string();
    let group =
        app.raw(scim("POST", "/scim/v2/Groups", json!({"displayName": "Legal", "members": [{"value": id}]}))).await;
    assert_eq!(group.status, StatusCode::CREATED);
    assert_eq!(role_in(&app, "legal", "ana@bank.example").await.as_deref(), Some("reviewer"));

    let mut jar = BTreeMap::new();
    let done = finish(&app, &walk(&app, &provider, "ana", &mut jar).await).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", html(&done));
    let session = cookie_of(&done, "vellum_session").unwrap();
    let me = app
        .send(
            axum::http::Method::GET,
            "/api/v1/me",
            crate::harness::Auth::Cookie(&format!("vellum_session={session}")),
            None,
        )
        .await;
    assert_eq!(me.json()["user"]["id"], id.as_str(), "the provisioned account, not a new one");
    assert_eq!(role_in(&app, "brand", "ana@bank.example").await.as_deref(), Some("creator"));
    assert_eq!(
        role_in(&app, "legal", "ana@bank.example").await.as_deref(),
        Some("reviewer"),
        "the directory's group still counts"
    );

    // Out of Legal in the directory: that membership goes, the sign-in's stays.
    let gid = group.json()["id"].as_str().unwrap().to_string();
    let out = app
        .raw(scim(
            "PATCH",
            &format!("/scim/v2/Groups/{gid}"),
            json!({"Operations": [{"op": "replace", "path": "members", "value": []}]}),
        ))
        .await;
    assert_eq!(out.status, StatusCode::OK);
    assert_eq!(role_in(&app, "legal", "ana@bank.example").await, None);
    assert_eq!(role_in(&app, "brand", "ana@bank.example").await.as_deref(), Some("creator"));
    app
}

on_both!(settings_are_for_server_admins_and_checked);
on_both_owned!(
    a_person_signs_in_through_the_provider_and_their_roles_follow_the_claims,
    forged_answers_sign_nobody_in,
    a_provisioned_person_signs_in_through_the_provider
);

/// The admin page: the URIs to register, the settings form (rules as JSON, checked), a SCIM
/// token shown once and the directory's groups.
async fn admins_set_up_sign_in_on_a_page(app: &TestApp) {
    use crate::ui_stories::Browser;
    app.workspace("brand", &[]).await;
    let admin = Browser::sign_in(app, "admin@example.com", "admin-password-1").await;
    let page = admin.get(app, "/admin/sign-in").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(html(&page).contains("http://localhost:8080/auth/oidc/callback") && html(&page).contains("/scim/v2"));

    let bad = admin
        .post(
            app,
            "/admin/sign-in/sso",
            &[("issuer", "https://id.example.com"), ("client_id", "v"), ("claim_rules", "[{")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&bad).contains("not a JSON list of rules"));
    let rules = r#"[{"when": {"claim": "groups", "contains": "marketing"}, "workspace": "brand", "role": "creator"}]"#;
    let saved = admin
        .post(
            app,
            "/admin/sign-in/sso",
            &[
                ("issuer", "https://id.example.com"),
                ("client_id", "vellum"),
                ("claim_rules", rules),
                ("allow_passwords", "yes"),
            ],
        )
        .await;
    assert_eq!((saved.status, location(&saved)), (StatusCode::SEE_OTHER, "/admin/sign-in?done=saved"));
    let now = app.get("/api/v1/admin/sso", &app.admin).await.json();
    assert_eq!(
        (now["issuer"].clone(), now["claim_rules"][0]["role"].clone()),
        (json!("https://id.example.com"), json!("creator"))
    );
    assert_eq!(now["allow_passwords"], true);

    let made = admin.post(app, "/admin/sign-in/scim-token", &[]).await;
    assert_eq!(made.status, StatusCode::CREATED);
    let shown = html(&made);
    let token = shown
        .split("vscim_")
        .nth(1)
        .map(|t| format!("vscim_{}", &t[..t.find('<').unwrap()]))
        .expect("the token is shown");
    let req = Request::get("/scim/v2/Users")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.raw(req).await.status, StatusCode::OK, "the token shown works");

    app.user("Ana").await;
    let outsider = Browser::sign_in(app, "ana@example.com", &crate::harness::password_of("Ana")).await;
    assert_eq!(outsider.get(app, "/admin/sign-in").await.status, StatusCode::FORBIDDEN);
}

on_both!(admins_set_up_sign_in_on_a_page);
