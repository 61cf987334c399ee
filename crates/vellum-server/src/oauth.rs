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
use serde::Serialize;
use utoipa::ToSchema;
use vellum_domain::ErrorCode;

use crate::AppState;

/// A token request (RFC 6749, section 4.4.2), as a form. Read by hand rather than through this
/// type so that every failure takes OAuth's shape; the type describes it for the document.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct TokenRequest {
    /// `client_credentials`, the one grant this endpoint gives.
    #[schema(pattern = "^client_credentials$")]
    grant_type: String,
    /// A scope no wider than the client's (`read`, `comment`, `propose`, `write`, `admin`);
    /// without one, the client's.
    scope: Option<String>,
    /// The client, when it does not authenticate with HTTP Basic.
    client_id: Option<String>,
    client_secret: Option<String>,
}

/// A short-lived access token for the client's service account.
#[derive(Serialize, ToSchema)]
pub struct TokenAnswer {
    access_token: String,
    /// Always `Bearer`.
    token_type: &'static str,
    /// Seconds until it expires.
    expires_in: i64,
    scope: &'static str,
}

/// A refusal in OAuth's shape (RFC 6749, section 5.2).
#[derive(Serialize, ToSchema)]
pub struct OAuthError {
    /// `invalid_request`, `invalid_client`, `unsupported_grant_type` or `invalid_scope`.
    error: &'static str,
    error_description: String,
}

fn oauth_error(status: StatusCode, error: &'static str, description: &str) -> Response {
    let body = OAuthError { error, error_description: description.to_string() };
    let mut r = (status, Json(body)).into_response();
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

/// Gives a registered client a short-lived access token (client credentials).
#[utoipa::path(post, path = "/oauth/token", tag = "oauth", operation_id = "oauth_token",
    security(()),
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "The token", body = TokenAnswer),
        (status = 400, description = "A request this endpoint cannot take", body = OAuthError),
        (status = 401, description = "The client is unknown, revoked or its secret wrong", body = OAuthError),
    )
)]
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
            Json(TokenAnswer {
                access_token: t.token,
                token_type: "Bearer",
                expires_in: t.expires_in,
                scope: t.scope.as_str(),
            })
            .into_response(),
        ),
        Err(e) => match e.code() {
            ErrorCode::Unauthenticated => oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", &e.to_string()),
            ErrorCode::InvalidScope => oauth_error(StatusCode::BAD_REQUEST, "invalid_scope", &e.to_string()),
            _ => crate::error::ApiError::from(e).into_response(),
        },
    }
}
