//! Sign-in, sign-out (here or everywhere), the current user and their password.

use axum::{
    extract::State,
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::Deserialize;
use serde_json::json;
use vellum_core::session::NewSession;
use vellum_domain::ErrorCode;

use crate::{
    auth::{clear_cookie, cookie, session_cookie, Authed, SESSION_COOKIE},
    error::{ApiError, ApiResult},
    extract::{AppJson, RequestOrigin},
    AppState,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    email: String,
    password: String,
}

fn signed_in(s: &AppState, session: NewSession) -> Response {
    let max_age = u64::from(s.core.limits.session_hours) * 3600;
    let set = session_cookie(&session.token, max_age, s.http.secure_cookies);
    ([(header::SET_COOKIE, set)], Json(json!({"user": session.user, "csrf_token": session.csrf}))).into_response()
}

pub async fn sign_in(
    State(s): State<AppState>,
    RequestOrigin(origin): RequestOrigin,
    AppJson(c): AppJson<Credentials>,
) -> ApiResult<Response> {
    let session = s.core.sign_in(&origin, &c.email, &c.password).await?;
    Ok(signed_in(&s, session))
}

/// `DELETE /session`: ends the session behind the cookie. Without a valid session there is
/// nothing to end: 401, like every route that needs one.
pub async fn sign_out(
    State(s): State<AppState>,
    a: Authed,
    RequestOrigin(origin): RequestOrigin,
    headers: HeaderMap,
) -> ApiResult<Response> {
    match cookie(&headers, SESSION_COOKIE).filter(|t| !t.is_empty() && a.csrf.is_some()) {
        Some(token) => s.core.sign_out(&token, &origin).await?,
        None => {
            return Err(ApiError::new(
                ErrorCode::Unauthenticated,
                "DELETE /session ends a browser session; API tokens are revoked with DELETE /tokens/{id}",
            ))
        }
    }
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, clear_cookie(s.http.secure_cookies))]).into_response())
}

/// `DELETE /sessions`: ends every browser session of the caller (API tokens are revoked one by
/// one through `/tokens`).
pub async fn sign_out_everywhere(State(s): State<AppState>, a: Authed) -> ApiResult<Response> {
    s.core.sign_out_everywhere(&a.actor).await?;
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, clear_cookie(s.http.secure_cookies))]).into_response())
}

pub async fn me(State(s): State<AppState>, a: Authed) -> ApiResult<Json<serde_json::Value>> {
    let workspaces = s.core.my_workspaces(&a.actor).await?;
    Ok(Json(json!({"user": a.actor.user, "workspaces": workspaces})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    current: String,
    new: String,
}

/// `PUT /me/password`: other sessions of the caller end; this one stays.
pub async fn change_password(
    State(s): State<AppState>,
    a: Authed,
    headers: HeaderMap,
    AppJson(p): AppJson<PasswordChange>,
) -> ApiResult<StatusCode> {
    let keep = cookie(&headers, SESSION_COOKIE).map(|t| vellum_core::Core::session_key(&t));
    s.core.change_password(&a.actor, &p.current, &p.new, keep.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    token: String,
    password: String,
}

/// `POST /password-reset`: sets a new password with a one-time link's secret.
pub async fn reset_password(
    State(s): State<AppState>,
    RequestOrigin(origin): RequestOrigin,
    AppJson(r): AppJson<PasswordReset>,
) -> ApiResult<StatusCode> {
    s.core.reset_password(&origin, &r.token, &r.password).await?;
    Ok(StatusCode::NO_CONTENT)
}
