//! The single sign-on settings (server admins): the OpenID Connect issuer and client, the
//! claim-to-role rules, and whether local passwords still sign in.

use axum::{extract::State, Json};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vellum_core::sso::{SsoPatch, SsoSettings};
use vellum_domain::claim_rules::ClaimRule;

use crate::{auth::Authed, error::ApiResult, extract::AppJson, AppState};

/// The single sign-on settings.
#[derive(Serialize, ToSchema)]
pub struct SsoView {
    /// The OpenID Connect issuer (None: single sign-on is off).
    issuer: Option<String>,
    client_id: Option<String>,
    /// Rules turning ID-token claims into workspace memberships; the most powerful matching
    /// role per workspace wins.
    claim_rules: Vec<ClaimRule>,
    /// Whether local passwords still sign in.
    allow_passwords: bool,
    /// The redirect URI to register at the provider.
    redirect_uri: String,
    /// Whether the server has a client secret (VELLUM_OIDC_CLIENT_SECRET); it is never shown.
    client_secret_set: bool,
}

/// A change to the settings: what is left out stays as it is; an empty issuer turns single
/// sign-on off. The client secret is set only through VELLUM_OIDC_CLIENT_SECRET.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SsoBody {
    #[schema(max_length = 2000)]
    issuer: Option<String>,
    #[schema(max_length = 255)]
    client_id: Option<String>,
    #[schema(max_items = 200)]
    claim_rules: Option<Vec<ClaimRule>>,
    allow_passwords: Option<bool>,
}

fn view(s: &AppState, settings: SsoSettings) -> SsoView {
    SsoView {
        issuer: settings.issuer,
        client_id: settings.client_id,
        claim_rules: settings.claim_rules,
        allow_passwords: settings.allow_passwords,
        redirect_uri: s.core.sso_redirect_uri(),
        client_secret_set: s.core.sso.has_client_secret(),
    }
}

/// The single sign-on settings (server admins).
#[utoipa::path(get, path = "/admin/sso", tag = "admin", operation_id = "get_sso",
    responses((status = 200, description = "The settings", body = SsoView)))]
pub async fn get(State(s): State<AppState>, a: Authed) -> ApiResult<Json<SsoView>> {
    let settings = s.core.sso_settings_for(&a.actor).await?;
    Ok(Json(view(&s, settings)))
}

/// Changes the single sign-on settings (server admins).
#[utoipa::path(put, path = "/admin/sso", tag = "admin", operation_id = "put_sso", request_body = SsoBody,
    responses((status = 200, description = "The settings now", body = SsoView)))]
pub async fn put(State(s): State<AppState>, a: Authed, AppJson(b): AppJson<SsoBody>) -> ApiResult<Json<SsoView>> {
    let patch = SsoPatch {
        issuer: b.issuer,
        client_id: b.client_id,
        claim_rules: b.claim_rules,
        allow_passwords: b.allow_passwords,
    };
    let settings = s.core.put_sso_settings(&a.actor, patch).await?;
    Ok(Json(view(&s, settings)))
}
