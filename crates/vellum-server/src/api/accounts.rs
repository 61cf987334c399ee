//! API tokens and user administration: creating, listing, disabling and enabling users, and
//! password-reset links.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde::Deserialize;
use utoipa::ToSchema;
use vellum_core::tokens::TokenRequest;
use vellum_domain::{scope::Scope, Timestamp};

use super::{
    paging::{page_of, PageQuery},
    views::{ResetLinkView, TokenCreated, TokenPage, UserPage, UserView},
};
use crate::{
    auth::Authed,
    error::ApiResult,
    extract::{path_id, AppJson, AppQuery},
    AppState,
};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    #[schema(schema_with = vellum_domain::openapi::name)]
    name: String,
    /// What the token may do: `read` ⊂ `comment` ⊂ `propose` ⊂ `write` ⊂ `admin`, each including
    /// the ones before it (the widest named counts). Absent: the caller's own (everything for a
    /// signed-in person). Never beyond the token's user's rights, nor a token's own scope.
    #[schema(value_type = Option<Vec<Scope>>, min_items = 1, max_items = 5)]
    scopes: Option<Vec<String>>,
    /// A workspace id or slug: the token reaches only this workspace; every other answers 404.
    #[schema(max_length = 100)]
    workspace: Option<String>,
    /// When the token stops working (must be in the future); null or absent: never.
    expires_at: Option<Timestamp>,
}

/// Makes an API token for the caller; the secret is answered this once and stored hashed.
#[utoipa::path(post, path = "/tokens", tag = "tokens", operation_id = "create_token", request_body = NewToken,
    responses((status = 201, description = "Created", body = TokenCreated)))]
pub async fn create_token(State(s): State<AppState>, a: Authed, AppJson(t): AppJson<NewToken>) -> ApiResult<Response> {
    let scope = match &t.scopes {
        Some(list) => Some(Scope::from_list(list).map_err(vellum_core::Error::from)?),
        None => None,
    };
    let request = TokenRequest { name: &t.name, scope, workspace: t.workspace.as_deref(), expires_at: t.expires_at };
    let made = s.core.create_token(&a.actor, request).await?;
    Ok((StatusCode::CREATED, Json(TokenCreated::from(made))).into_response())
}

/// The caller's API tokens, oldest first (never their secrets).
#[utoipa::path(get, path = "/tokens", tag = "tokens", operation_id = "list_tokens", params(PageQuery),
    responses((status = 200, description = "A page of tokens", body = TokenPage)))]
pub async fn list_tokens(
    State(s): State<AppState>,
    a: Authed,
    AppQuery(q): AppQuery<PageQuery>,
) -> ApiResult<Json<TokenPage>> {
    let page = q.request()?;
    Ok(Json(page_of(s.core.tokens(&a.actor).await?, &page, |t| t.id.to_string()).into()))
}

/// Every API token of the server, oldest first, with whose it is (server admins only).
#[utoipa::path(get, path = "/admin/tokens", tag = "tokens", operation_id = "list_all_tokens", params(PageQuery),
    responses((status = 200, description = "A page of tokens", body = TokenPage)))]
pub async fn list_all_tokens(
    State(s): State<AppState>,
    a: Authed,
    AppQuery(q): AppQuery<PageQuery>,
) -> ApiResult<Json<TokenPage>> {
    let page = q.request()?;
    Ok(Json(page_of(s.core.all_tokens(&a.actor).await?, &page, |t| t.id.to_string()).into()))
}

/// Revokes a token at once: one of the caller's, or anyone's for a server admin.
#[utoipa::path(delete, path = "/tokens/{id}", tag = "tokens", operation_id = "revoke_token",
    params(("id" = Uuid, Path, description = "The token's id")), responses((status = 204, description = "Revoked")))]
pub async fn revoke_token(State(s): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<StatusCode> {
    s.core.revoke_token(&a.actor, path_id(&id, "token")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    #[schema(example = "ann@example.com", max_length = 320)]
    email: String,
    #[schema(schema_with = vellum_domain::openapi::name)]
    name: String,
    /// At least 12 characters and hard to guess.
    #[schema(min_length = 12, max_length = 1024)]
    password: String,
    #[serde(default)]
    is_admin: bool,
}

/// Creates a user (server admins).
#[utoipa::path(post, path = "/users", tag = "users", operation_id = "create_user", request_body = NewUser,
    responses((status = 201, description = "Created", body = UserView)))]
pub async fn create_user(State(s): State<AppState>, a: Authed, AppJson(u): AppJson<NewUser>) -> ApiResult<Response> {
    let user = s.core.create_user(&a.actor, &u.email, &u.name, &u.password, u.is_admin).await?;
    Ok((StatusCode::CREATED, Json(UserView::from(user))).into_response())
}

/// Every user (server admins), oldest first.
#[utoipa::path(get, path = "/users", tag = "users", operation_id = "list_users", params(PageQuery),
    responses((status = 200, description = "A page of users", body = UserPage)))]
pub async fn list_users(
    State(s): State<AppState>,
    a: Authed,
    AppQuery(q): AppQuery<PageQuery>,
) -> ApiResult<Json<UserPage>> {
    let page = q.request()?;
    Ok(Json(page_of(s.core.users(&a.actor).await?, &page, |u| u.id.to_string()).into()))
}

/// Disables a user: their sessions end and tokens are revoked at once (server admins).
#[utoipa::path(post, path = "/users/{id}/disable", tag = "users", operation_id = "disable_user",
    params(("id" = Uuid, Path, description = "The user's id")), responses((status = 200, description = "Disabled", body = UserView)))]
pub async fn disable_user(State(s): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<Json<UserView>> {
    Ok(Json(s.core.disable_user(&a.actor, path_id(&id, "user")?).await?.into()))
}

/// Enables a disabled user (server admins); their old tokens stay revoked.
#[utoipa::path(post, path = "/users/{id}/enable", tag = "users", operation_id = "enable_user",
    params(("id" = Uuid, Path, description = "The user's id")), responses((status = 200, description = "Enabled", body = UserView)))]
pub async fn enable_user(State(s): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<Json<UserView>> {
    Ok(Json(s.core.enable_user(&a.actor, path_id(&id, "user")?).await?.into()))
}

/// A one-time password-reset link for a user, valid a day (server admins).
#[utoipa::path(post, path = "/users/{id}/password-reset", tag = "users", operation_id = "password_reset_link",
    params(("id" = Uuid, Path, description = "The user's id")),
    responses((status = 201, description = "The link, shown once", body = ResetLinkView)))]
pub async fn password_reset_link(State(s): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<Response> {
    let link = s.core.password_reset_link(&a.actor, path_id(&id, "user")?).await?;
    Ok((StatusCode::CREATED, Json(ResetLinkView::from(link))).into_response())
}
