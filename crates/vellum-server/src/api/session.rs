//! Sign-in, sign-out (here or everywhere), the current user and their password.

use axum::{
    extract::State,
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::Deserialize;
use utoipa::ToSchema;
use vellum_domain::ErrorCode;

use super::views::{ErrorBody, MeView, SessionCreated, UserView, WorkspaceView};
use crate::{
    auth::{clear_cookie, cookie, session_cookie, Authed, SESSION_COOKIE},
    error::{ApiError, ApiResult},
    extract::{AppJson, RequestOrigin},
    AppState,
};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    #[schema(example = "ops@example.com", max_length = 320)]
    email: String,
    #[schema(max_length = 1024)]
    password: String,
    /// The authenticator's current code (or a recovery code), when the account has one; without
    /// it such an account gets `401 second_factor_required`.
    #[schema(max_length = 32)]
    totp_code: Option<String>,
}

/// Signs in: sets the HttpOnly session cookie and answers the user and the CSRF token that
/// cookie-authenticated writes must send as `X-CSRF-Token`. Failed sign-ins are throttled
/// (429 with `Retry-After`).
#[utoipa::path(post, path = "/session", tag = "session", operation_id = "sign_in", request_body = Credentials,
    responses((status = 200, description = "Signed in", body = SessionCreated)), security(()))]
pub async fn sign_in(
    State(s): State<AppState>,
    RequestOrigin(origin): RequestOrigin,
    AppJson(c): AppJson<Credentials>,
) -> ApiResult<Response> {
    let session = s.core.sign_in(&origin, &c.email, &c.password, c.totp_code.as_deref()).await?;
    let max_age = u64::from(s.core.limits.session_hours) * 3600;
    let set = session_cookie(&session.token, max_age, s.http.secure_cookies);
    let body = SessionCreated { user: session.user.into(), csrf_token: session.csrf };
    Ok(([(header::SET_COOKIE, set)], Json(body)).into_response())
}

/// Ends the browser session behind the cookie (API tokens are revoked with `DELETE /tokens/{id}`).
#[utoipa::path(delete, path = "/session", tag = "session", operation_id = "sign_out",
    responses((status = 204, description = "Signed out; the cookie is cleared")))]
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

/// Sign out everywhere: ends every browser session of the caller.
#[utoipa::path(delete, path = "/sessions", tag = "session", operation_id = "sign_out_everywhere",
    responses((status = 204, description = "Every session ended")))]
pub async fn sign_out_everywhere(State(s): State<AppState>, a: Authed) -> ApiResult<Response> {
    s.core.sign_out_everywhere(&a.actor).await?;
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, clear_cookie(s.http.secure_cookies))]).into_response())
}

/// The signed-in user and their workspaces.
#[utoipa::path(get, path = "/me", tag = "session", operation_id = "me",
    responses((status = 200, description = "Who is calling", body = MeView)))]
pub async fn me(State(s): State<AppState>, a: Authed) -> ApiResult<Json<MeView>> {
    let workspaces = s.core.my_workspaces(&a.actor).await?;
    Ok(Json(MeView {
        user: UserView::from(a.actor.user),
        workspaces: workspaces.into_iter().map(WorkspaceView::from).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    #[schema(max_length = 1024)]
    current: String,
    /// At least 12 characters and hard to guess.
    #[schema(min_length = 12, max_length = 1024)]
    new: String,
}

/// Changes the caller's password; their other sessions end, this one stays.
#[utoipa::path(put, path = "/me/password", tag = "session", operation_id = "change_password",
    request_body = PasswordChange, responses((status = 204, description = "Changed")))]
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

/// Ask for a reset link by email.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequest {
    #[schema(min_length = 1, max_length = 254)]
    email: String,
}

/// Set a new password with a reset link's secret.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetCompletion {
    /// The secret of a one-time link (emailed, or from `POST /users/{id}/password-reset`).
    #[schema(min_length = 1, max_length = 128)]
    token: String,
    #[schema(min_length = 12, max_length = 1024)]
    password: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(untagged)]
pub enum PasswordReset {
    Complete(PasswordResetCompletion),
    Request(PasswordResetRequest),
}

/// With `{email}`: emails a one-time reset link if the account exists (the answer is 202
/// either way; asking too often is 429). With `{token, password}`: sets the new password
/// through such a link; every session of the user ends.
#[utoipa::path(post, path = "/password-reset", tag = "session", operation_id = "reset_password",
    request_body = PasswordReset, security(()), responses(
        (status = 202, description = "If the account exists, a link is on its way"),
        (status = 204, description = "The new password is set"),
        (status = 404, description = "No such link, or it was used or has expired", body = ErrorBody),
        (status = 429, description = "Asked too often; see Retry-After", body = ErrorBody)))]
pub async fn reset_password(
    State(s): State<AppState>,
    RequestOrigin(origin): RequestOrigin,
    AppJson(r): AppJson<PasswordReset>,
) -> ApiResult<StatusCode> {
    match r {
        PasswordReset::Complete(c) => {
            s.core.reset_password(&origin, &c.token, &c.password).await?;
            Ok(StatusCode::NO_CONTENT)
        }
        PasswordReset::Request(q) => {
            s.core.request_password_reset(&origin, &q.email).await?;
            Ok(StatusCode::ACCEPTED)
        }
    }
}
