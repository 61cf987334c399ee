//! Who is calling: a bearer token or a session cookie becomes an `Actor`.

use axum::{
    extract::{FromRequestParts, MatchedPath},
    http::{header, request::Parts, HeaderMap},
};
use vellum_core::Actor;
use vellum_domain::{scope, ErrorCode};

use crate::{error::ApiError, extract::origin_of, AppState};

pub const SESSION_COOKIE: &str = "vellum_session";

/// The value of one cookie from the request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The `Set-Cookie` value for a new session (HttpOnly, SameSite=Lax).
pub fn session_cookie(token: &str, max_age_secs: u64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}")
}

pub fn clear_cookie(secure: bool) -> String {
    session_cookie("", 0, secure)
}

pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

/// A signed-in caller, with the CSRF secret when it came by session cookie.
pub struct Authed {
    pub actor: Actor,
    pub csrf: Option<String>,
    /// A session that may only enrol a second factor (the server requires one).
    pub must_enrol: bool,
}

/// Resolves the caller, or None when the request carries no valid credentials.
pub async fn resolve(parts: &Parts, state: &AppState) -> Result<Option<Authed>, ApiError> {
    let origin = origin_of(parts);
    if let Some(token) = bearer(&parts.headers) {
        return Ok(state.core.token_actor(token, origin).await?.map(|actor| Authed {
            actor,
            csrf: None,
            must_enrol: false,
        }));
    }
    if let Some(token) = cookie(&parts.headers, SESSION_COOKIE).filter(|t| !t.is_empty()) {
        return Ok(state.core.session(&token).await?.map(|s| Authed {
            actor: Actor { user: s.user, origin },
            csrf: Some(s.csrf),
            must_enrol: s.must_enrol,
        }));
    }
    Ok(None)
}

impl FromRequestParts<AppState> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let authed = resolve(parts, state).await?.ok_or_else(|| {
            ApiError::new(
                ErrorCode::Unauthenticated,
                "sign in (POST /api/v1/session) or send Authorization: Bearer <token>",
            )
        })?;
        check_scope(parts, &authed.actor)?;
        if authed.must_enrol && !enrolment_route(parts) {
            return Err(ApiError::new(
                ErrorCode::SecondFactorEnrolmentRequired,
                "this server requires a second factor: enrol an authenticator (POST /api/v1/me/totp, then \
                 POST /api/v1/me/totp/confirm) before anything else",
            ));
        }
        // A browser sends the session cookie with requests other sites make it send; only our
        // own pages know the CSRF token. Bearer tokens are never sent by a browser on its own.
        if let Some(csrf) = &authed.csrf {
            if !parts.method.is_safe() {
                let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
                if !same_secret(sent, csrf) {
                    return Err(ApiError::new(
                        ErrorCode::CsrfFailed,
                        "a request signed in by cookie must send the session's CSRF token (from POST /api/v1/session) \
                         in the X-CSRF-Token header",
                    ));
                }
            }
        }
        Ok(authed)
    }
}

/// The route template the request matched (`/api/v1/comments/{id}`), else its path.
fn route_of(parts: &Parts) -> &str {
    parts.extensions.get::<MatchedPath>().map_or(parts.uri.path(), MatchedPath::as_str)
}

/// What a session that must first enrol a second factor may still do.
fn enrolment_route(parts: &Parts) -> bool {
    let route = route_of(parts);
    let path = route.strip_prefix("/api/v1").unwrap_or(route);
    matches!(path, "/me" | "/me/totp" | "/me/totp/confirm" | "/session")
}

/// Refuses a request its token's scope does not cover (`vellum_domain::scope::required`), and
/// server-wide requests through a token kept to one workspace.
fn check_scope(parts: &Parts, actor: &Actor) -> Result<(), ApiError> {
    if actor.origin.token.is_none() {
        return Ok(());
    }
    let route = route_of(parts);
    let safe = parts.method.is_safe();
    actor.require_scope(scope::required(safe, route))?;
    if actor.user.token_workspace.is_some() && scope::server_wide(safe, route) {
        return Err(ApiError::new(
            ErrorCode::InsufficientScope,
            "this token is kept to one workspace; server-wide requests need a token without a workspace",
        ));
    }
    Ok(())
}

/// The header that carries the CSRF token of a cookie-signed-in API request.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Compares secrets (CSRF tokens) in constant time.
pub use vellum_core::secret::same as same_secret;
