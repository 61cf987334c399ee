//! A TOTP second factor: enrolled with a first code, asked for at sign-in, each code used once,
//! recovery codes once each, wrong codes throttled like passwords, and turned off with a code.

use axum::http::{Method, StatusCode};
use serde_json::json;
use vellum_domain::totp;

use crate::{
    harness::{password_of, Auth, TestApp},
    on_both,
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

on_both!(an_authenticator_guards_sign_in, wrong_codes_are_throttled_like_passwords);
