//! OAuth clients as server admins manage them: register (the secret answered once), list,
//! revoke. The token endpoint itself is `POST /oauth/token` (see `crate::oauth`).

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use vellum_core::oauth::{NewClient, OAuthClient};
use vellum_domain::{role::Role, scope::Scope, Timestamp};

use crate::{
    auth::Authed,
    error::ApiResult,
    extract::{path_id, AppJson},
    AppState,
};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOAuthClient {
    #[schema(schema_with = vellum_domain::openapi::name)]
    name: String,
    /// The widest scope its access tokens may have (each includes the ones before it).
    #[schema(value_type = Vec<Scope>, min_items = 1, max_items = 5)]
    scopes: Vec<String>,
    /// The workspace (id or slug) its service account belongs to; its tokens reach only this one.
    #[schema(max_length = 100)]
    workspace: String,
    /// The service account's role in that workspace.
    #[schema(value_type = Role)]
    role: String,
}

/// A registered client.
#[derive(Serialize, ToSchema)]
pub struct OAuthClientItem {
    client_id: Uuid,
    name: String,
    scopes: Vec<Scope>,
    workspace_id: Uuid,
    /// The service account's role (null if it was removed from the workspace since).
    role: Option<Role>,
    /// The service account (a user of kind `service`) the client acts as.
    user_id: Uuid,
    created_at: Timestamp,
    revoked_at: Option<Timestamp>,
}

/// A new client: `client_secret` is shown this once and stored only as a hash.
#[derive(Serialize, ToSchema)]
pub struct OAuthClientCreated {
    #[serde(flatten)]
    client: OAuthClientItem,
    client_secret: String,
}

#[derive(Serialize, ToSchema)]
pub struct OAuthClientList {
    clients: Vec<OAuthClientItem>,
}

fn item(k: OAuthClient, role: Option<Role>) -> OAuthClientItem {
    OAuthClientItem {
        client_id: k.id,
        name: k.name,
        scopes: vec![k.scope],
        workspace_id: k.workspace_id,
        role,
        user_id: k.user_id,
        created_at: k.created_at,
        revoked_at: k.revoked_at,
    }
}

/// Registers an OAuth client (server admins): it acts as a new service account with a role in
/// one workspace, and trades `client_id` and `client_secret` for access tokens at
/// `POST /oauth/token` (client-credentials grant).
#[utoipa::path(post, path = "/admin/oauth-clients", tag = "tokens", operation_id = "create_oauth_client",
    request_body = NewOAuthClient, responses((status = 201, description = "Registered", body = OAuthClientCreated)))]
pub async fn create(State(s): State<AppState>, a: Authed, AppJson(b): AppJson<NewOAuthClient>) -> ApiResult<Response> {
    let scope = Scope::from_list(&b.scopes).map_err(vellum_core::Error::from)?;
    let role = Role::parse(&b.role).map_err(vellum_core::Error::from)?;
    let NewClient { client, secret, role } =
        s.core.create_oauth_client(&a.actor, &b.name, scope, &b.workspace, role).await?;
    let body = OAuthClientCreated { client: item(client, Some(role)), client_secret: secret };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// Every OAuth client (server admins).
#[utoipa::path(get, path = "/admin/oauth-clients", tag = "tokens", operation_id = "list_oauth_clients",
    responses((status = 200, description = "The clients", body = OAuthClientList)))]
pub async fn list(State(s): State<AppState>, a: Authed) -> ApiResult<Json<OAuthClientList>> {
    let clients = s.core.oauth_clients(&a.actor).await?.into_iter().map(|(k, role)| item(k, role)).collect();
    Ok(Json(OAuthClientList { clients }))
}

/// Revokes a client: its service account is disabled and every token it holds ends at once.
#[utoipa::path(delete, path = "/admin/oauth-clients/{id}", tag = "tokens", operation_id = "revoke_oauth_client",
    params(("id" = Uuid, Path, description = "The client_id")), responses((status = 204, description = "Revoked")))]
pub async fn revoke(State(s): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<StatusCode> {
    s.core.revoke_oauth_client(&a.actor, path_id(&id, "OAuth client")?).await?;
    Ok(StatusCode::NO_CONTENT)
}
