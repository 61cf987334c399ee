//! A TOTP second factor: enrolled with a first code, asked for at sign-in, each code used once,
//! recovery codes once each, wrong codes throttled like passwords, and turned off with a code.

use axum::http::{Method, StatusCode};
use serde_json::json;
use vellum_domain::totp;

use crate::{
    harness::{password_of, Auth, TestApp},
    on_both,
    ui_stories::{html, Browser},
};

fn code_now(app: &TestApp, secret: &str) -> String {
    let key = totp::base32_decode(secret).unwrap();
    totp::code_at_step(&key, totp::step_of(app.clock_now().unix_seconds()))
}

async fn sign_in(app: &TestApp, code: Option<&str>) -> crate::harness::Reply {
    let mut body = json!({"email": "tess@example.com", "password": password_of("Tess")});
    if let Some(c) = code {
        body["totp_code"] = json!(c);
    }
    app.post("/api/v1/session", None, body).await
}

async fn an_authenticator_guards_sign_in(app: &TestApp) {
    let (_, token) = app.user("Tess").await;
    assert_eq!(app.get("/api/v1/me/totp", &token).await.json()["enabled"], false);
    let started = app.post("/api/v1/me/totp", Some(&token), json!({})).await;
    assert_eq!(started.status, StatusCode::CREATED, "{:?}", started.json());
    let secret = started.json()["secret"].as_str().unwrap().to_string();
    assert!(started.json()["otpauth_uri"]
        .as_str()
        .unwrap()
        .starts_with("otpauth://totp/Vellum:tess@example.com?secret="));
    // Until confirmed, sign-in is as before.
    assert_eq!(sign_in(app, None).await.status, StatusCode::OK);

    let wrong = app.post("/api/v1/me/totp/confirm", Some(&token), json!({"code": "000000"})).await;
    assert_eq!(wrong.code(), "invalid_second_factor");
    let on = app.post("/api/v1/me/totp/confirm", Some(&token), json!({"code": code_now(app, &secret)})).await;
    assert_eq!(on.status, StatusCode::OK, "{:?}", on.json());
    let codes: Vec<String> =
        on.json()["recovery_codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect();
    assert_eq!(codes.len(), 10);
    let state = app.get("/api/v1/me/totp", &token).await.json();
    assert_eq!((state["enabled"].clone(), state["recovery_codes_left"].clone()), (json!(true), json!(10)));
    assert_eq!(app.post("/api/v1/me/totp", Some(&token), json!({})).await.code(), "conflict");

    // Sign-in now asks for the code; the code used to confirm is spent.
    let asked = sign_in(app, None).await;
    assert_eq!((asked.status, asked.code().as_str()), (StatusCode::UNAUTHORIZED, "second_factor_required"));
    assert_eq!(sign_in(app, Some(&code_now(app, &secret))).await.code(), "invalid_second_factor", "no replay");
    app.clock.advance_secs(totp::STEP_SECS);
    let fresh = code_now(app, &secret);
    assert_eq!(sign_in(app, Some(&fresh)).await.status, StatusCode::OK);
    assert_eq!(sign_in(app, Some(&fresh)).await.code(), "invalid_second_factor", "each code once");
    // A recovery code works once, in place of a code.
    assert_eq!(sign_in(app, Some(&codes[0])).await.status, StatusCode::OK);
    assert_eq!(sign_in(app, Some(&codes[0])).await.code(), "invalid_second_factor");
    assert_eq!(app.get("/api/v1/me/totp", &token).await.json()["recovery_codes_left"], 9);
    // A wrong password never reaches the code.
    let bad = app
        .post("/api/v1/session", None, json!({"email": "tess@example.com", "password": "wrong", "totp_code": fresh}))
        .await;
    assert_eq!(bad.code(), "invalid_credentials");

    // Turning it off takes a code; then sign-in is a password again.
    assert_eq!(
        app.post("/api/v1/me/totp/disable", Some(&token), json!({"code": "123456"})).await.code(),
        "invalid_second_factor"
    );
    let off = app.post("/api/v1/me/totp/disable", Some(&token), json!({"code": codes[1]})).await;
    assert_eq!(off.status, StatusCode::NO_CONTENT);
    assert_eq!(sign_in(app, None).await.status, StatusCode::OK);
    let trail = app.send(Method::GET, "/api/v1/me", Auth::Bearer(&token), None).await;
    assert_eq!(trail.status, StatusCode::OK);
}

async fn wrong_codes_are_throttled_like_passwords(app: &TestApp) {
    let (_, token) = app.user("Tess").await;
    let secret =
        app.post("/api/v1/me/totp", Some(&token), json!({})).await.json()["secret"].as_str().unwrap().to_string();
    let on = app.post("/api/v1/me/totp/confirm", Some(&token), json!({"code": code_now(app, &secret)})).await;
    assert_eq!(on.status, StatusCode::OK);
    let recovery = on.json()["recovery_codes"][0].as_str().unwrap().to_string();
    for _ in 0..6 {
        assert_eq!(sign_in(app, Some("999999")).await.code(), "invalid_second_factor");
    }
    // Blocked before the code is even looked at: the right one waits too, and is not spent.
    let blocked = sign_in(app, Some(&recovery)).await;
    assert_eq!((blocked.status, blocked.code().as_str()), (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"));
    assert_eq!(app.get("/api/v1/me/totp", &token).await.json()["recovery_codes_left"], 10);
}

/// The account page sets the authenticator up, shows the recovery codes once, and the sign-in
/// page then needs the code.
async fn the_pages_set_it_up_and_ask_for_it(app: &TestApp) {
    app.user("Tess").await;
    let browser = Browser::sign_in(app, "tess@example.com", &password_of("Tess")).await;
    let started = html(&browser.post(app, "/account/totp", &[]).await);
    let at = started.find("<code class=\"secret\">").expect("the key is shown") + "<code class=\"secret\">".len();
    let secret = started[at..].split('<').next().unwrap().to_string();
    assert!(started.contains("otpauth://totp/Vellum:tess@example.com"));
    let wrong = browser.post(app, "/account/totp/confirm", &[("code", "000000")]).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let on = html(&browser.post(app, "/account/totp/confirm", &[("code", &code_now(app, &secret))]).await);
    assert!(on.contains("recovery codes") && on.matches("<li><code class=\"secret\">").count() == 10, "{on}");
    assert!(html(&browser.get(app, "/account").await).contains("An authenticator app is on"));

    // The sign-in page: without the code it says what is missing; with it, in.
    let login = browser_login(app, "").await;
    assert_eq!(login.status, StatusCode::UNAUTHORIZED);
    assert!(html(&login).contains("authenticator"), "{}", html(&login));
    app.clock.advance_secs(totp::STEP_SECS);
    let ok = browser_login(app, &code_now(app, &secret)).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
}

/// Posts the sign-in form as a browser does: the form's CSRF cookie first.
async fn browser_login(app: &TestApp, code: &str) -> crate::harness::Reply {
    let page = app.raw(axum::http::Request::get("/login").body(axum::body::Body::empty()).unwrap()).await;
    let cookie = page.headers[axum::http::header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_string();
    let body = html(&page);
    let at = body.find("name=\"csrf\" value=\"").unwrap() + "name=\"csrf\" value=\"".len();
    let csrf = body[at..].split('"').next().unwrap().to_string();
    let form = crate::ui_stories::form_body(&[
        ("csrf", &csrf),
        ("email", "tess@example.com"),
        ("password", &password_of("Tess")),
        ("totp_code", code),
    ]);
    let req = axum::http::Request::post("/login")
        .header(axum::http::header::COOKIE, cookie)
        .header(axum::http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(form))
        .unwrap();
    app.raw(req).await
}

/// When the server requires a second factor, an account without one signs in to a session that
/// may only enrol it; once it has, everything is open again.
async fn a_required_second_factor_must_be_enrolled_first(app: &TestApp) {
    let (_, token) = app.user("Tess").await;
    let policy = json!({"require_second_factor": true});
    assert_eq!(app.put("/api/v1/admin/sign-in-policy", &token, policy.clone()).await.code(), "forbidden");
    let r = app.put("/api/v1/admin/sign-in-policy", &app.admin, policy).await;
    assert_eq!(r.json(), json!({"require_second_factor": true}));
    assert_eq!(app.get("/api/v1/admin/sign-in-policy", &app.admin).await.json()["require_second_factor"], true);

    let browser = Browser::sign_in(app, "tess@example.com", &password_of("Tess")).await;
    let blocked =
        app.send(Method::GET, "/api/v1/workspaces", Auth::Session(&browser.cookie, &browser.csrf), None).await;
    assert_eq!((blocked.status, blocked.code().as_str()), (StatusCode::FORBIDDEN, "second_factor_enrolment_required"));
    let page = browser.get(app, "/").await;
    assert_eq!(crate::ui_stories::location(&page), "/account?done=enrol_second_factor#second-factor");
    // Existing API tokens are not sessions: they keep working.
    assert_eq!(app.get("/api/v1/workspaces", &token).await.status, StatusCode::OK);

    let started =
        app.send(Method::POST, "/api/v1/me/totp", Auth::Session(&browser.cookie, &browser.csrf), Some(json!({}))).await;
    assert_eq!(started.status, StatusCode::CREATED, "{:?}", started.json());
    let secret = started.json()["secret"].as_str().unwrap().to_string();
    let code = json!({"code": code_now(app, &secret)});
    let on = app
        .send(Method::POST, "/api/v1/me/totp/confirm", Auth::Session(&browser.cookie, &browser.csrf), Some(code))
        .await;
    assert_eq!(on.status, StatusCode::OK, "{:?}", on.json());
    let open = app.send(Method::GET, "/api/v1/workspaces", Auth::Session(&browser.cookie, &browser.csrf), None).await;
    assert_eq!(open.status, StatusCode::OK);
}

on_both!(
    a_required_second_factor_must_be_enrolled_first,
    an_authenticator_guards_sign_in,
    wrong_codes_are_throttled_like_passwords,
    the_pages_set_it_up_and_ask_for_it
);
