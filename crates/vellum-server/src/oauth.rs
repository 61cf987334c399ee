//! The OAuth 2.0 token endpoint (RFC 6749 §4.4, client credentials): `POST /oauth/token` with a
//! form body, the client authenticated by HTTP Basic or by `client_id` and `client_secret` in
//! the form. Answers and errors take RFC 6749's shape (`{access_token, token_type, expires_in,
//! scope}`; `{error, error_description}`), which OAuth libraries expect.

use axum::{
    body::Bytes,
    extract::State,
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use base64::Engine;
use serde_json::json;
use vellum_domain::ErrorCode;

use crate::AppState;

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut r = (status, Json(json!({"error": error, "error_description": description}))).into_response();
    if status == StatusCode::UNAUTHORIZED {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"vellum\""));
    }
    no_store(r)
}

fn no_store(mut r: Response) -> Response {
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r.headers_mut().insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    r
}

/// `client_id:client_secret` from an HTTP Basic header (each form-url-encoded, RFC 6749 §2.3.1).
fn basic(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD.decode(value.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    let unescape = |s: &str| form_urlencoded::parse(format!("v={s}").as_bytes()).next().map(|(_, v)| v.into_owned());
    Some((unescape(id)?, unescape(secret)?))
}

pub async fn token(State(s): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let form_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form_type {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "send the request as application/x-www-form-urlencoded",
        );
    }
    let form: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    match field("grant_type") {
        Some("client_credentials") => {}
        Some(_) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "this endpoint grants client_credentials only",
            )
        }
        None => return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "grant_type is required"),
    }
    let credentials =
        basic(&headers).or_else(|| Some((field("client_id")?.to_string(), field("client_secret")?.to_string())));
    let Some((id, secret)) = credentials else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "authenticate the client with HTTP Basic or client_id and client_secret",
        );
    };
    match s.core.client_credentials(&id, &secret, field("scope")).await {
        Ok(t) => no_store(
            Json(json!({"access_token": t.token, "token_type": "Bearer", "expires_in": t.expires_in, "scope": t.scope.as_str()}))
                .into_response(),
        ),
        Err(e) => match e.code() {
            ErrorCode::Unauthenticated => oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", &e.to_string()),
            ErrorCode::InvalidScope => oauth_error(StatusCode::BAD_REQUEST, "invalid_scope", &e.to_string()),
            _ => crate::error::ApiError::from(e).into_response(),
        },
    }
}
