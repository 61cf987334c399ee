//! The signed-in person's authenticator (second factor): enrol, confirm, see, turn off.

use axum::{extract::State, http::StatusCode, response::IntoResponse, response::Response, Json};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vellum_domain::Timestamp;

use crate::{auth::Authed, error::ApiResult, extract::AppJson, AppState};

/// A started enrolment: give the secret (or the URI, as a QR code) to an authenticator app,
/// then confirm with a code it shows.
#[derive(Serialize, ToSchema)]
pub struct Enrolment {
    /// Base32.
    secret: String,
    otpauth_uri: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeBody {
    /// A code the authenticator shows now (or, to turn it off, a recovery code).
    #[schema(min_length = 1, max_length = 32)]
    code: String,
}

/// The recovery codes: each signs in once in place of a code. Shown this once.
#[derive(Serialize, ToSchema)]
pub struct RecoveryCodes {
    recovery_codes: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SecondFactorView {
    enabled: bool,
    confirmed_at: Option<Timestamp>,
    recovery_codes_left: i64,
}

/// Starts enrolling an authenticator (replacing an unconfirmed one); 409 while one is on.
#[utoipa::path(post, path = "/me/totp", tag = "session", operation_id = "begin_totp",
    responses((status = 201, description = "Started", body = Enrolment)))]
pub async fn begin(State(s): State<AppState>, a: Authed) -> ApiResult<Response> {
    let e = s.core.begin_second_factor(&a.actor).await?;
    Ok((StatusCode::CREATED, Json(Enrolment { secret: e.secret, otpauth_uri: e.otpauth_uri })).into_response())
}

/// Confirms the enrolment with a current code: from now on sign-in asks for one.
#[utoipa::path(post, path = "/me/totp/confirm", tag = "session", operation_id = "confirm_totp", request_body = CodeBody,
    responses((status = 200, description = "On; the recovery codes, once", body = RecoveryCodes)))]
pub async fn confirm(
    State(s): State<AppState>,
    a: Authed,
    AppJson(b): AppJson<CodeBody>,
) -> ApiResult<Json<RecoveryCodes>> {
    Ok(Json(RecoveryCodes { recovery_codes: s.core.confirm_second_factor(&a.actor, &b.code).await? }))
}

/// Turns the authenticator off, with a current code or a recovery code.
#[utoipa::path(post, path = "/me/totp/disable", tag = "session", operation_id = "disable_totp", request_body = CodeBody,
    responses((status = 204, description = "Off")))]
pub async fn disable(State(s): State<AppState>, a: Authed, AppJson(b): AppJson<CodeBody>) -> ApiResult<StatusCode> {
    s.core.disable_second_factor(&a.actor, &b.code).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Whether an authenticator is on, and how many recovery codes are left.
#[utoipa::path(get, path = "/me/totp", tag = "session", operation_id = "get_totp",
    responses((status = 200, description = "The state", body = SecondFactorView)))]
pub async fn status(State(s): State<AppState>, a: Authed) -> ApiResult<Json<SecondFactorView>> {
    let f = s.core.second_factor(&a.actor).await?;
    Ok(Json(SecondFactorView {
        enabled: f.enabled,
        confirmed_at: f.confirmed_at,
        recovery_codes_left: f.recovery_codes_left,
    }))
}

/// The server's sign-in policy.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInPolicy {
    /// Every local-password account must have an authenticator: from its next sign-in, an
    /// account without one may only enrol it (other requests answer
    /// `403 second_factor_enrolment_required`).
    require_second_factor: bool,
}

/// The sign-in policy (server admins).
#[utoipa::path(get, path = "/admin/sign-in-policy", tag = "admin", operation_id = "get_sign_in_policy",
    responses((status = 200, description = "The policy", body = SignInPolicy)))]
pub async fn policy(State(s): State<AppState>, a: Authed) -> ApiResult<Json<SignInPolicy>> {
    Ok(Json(SignInPolicy { require_second_factor: s.core.sign_in_policy(&a.actor).await? }))
}

/// Changes the sign-in policy (server admins).
#[utoipa::path(put, path = "/admin/sign-in-policy", tag = "admin", operation_id = "put_sign_in_policy",
    request_body = SignInPolicy, responses((status = 200, description = "The policy now", body = SignInPolicy)))]
pub async fn put_policy(
    State(s): State<AppState>,
    a: Authed,
    AppJson(b): AppJson<SignInPolicy>,
) -> ApiResult<Json<SignInPolicy>> {
    let require_second_factor = s.core.put_sign_in_policy(&a.actor, b.require_second_factor).await?;
    Ok(Json(SignInPolicy { require_second_factor }))
}
