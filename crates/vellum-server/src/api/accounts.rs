//! API tokens and user administration: creating, listing, disabling and enabling users, and
//! password-reset links.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde::Deserialize;
use serde_json::json;
use vellum_core::model::User;
use vellum_domain::Timestamp;

use super::paging::{listed, page_of, PageQuery};
use crate::extract::AppQuery;
use crate::{
    auth::Authed,
    error::ApiResult,
    extract::{path_id, AppJson},
    AppState,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    name: String,
    expires_at: Option<Timestamp>,
}

pub async fn create_token(State(s): State<AppState>, a: Authed, AppJson(t): AppJson<NewToken>) -> ApiResult<Response> {
    let made = s.core.create_token(&a.actor, &t.name, t.expires_at).await?;
    let mut body = serde_json::to_value(&made.token).unwrap_or_default();
    body["token"] = json!(made.secret);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

pub async fn list_tokens(
    State(s): State<AppState>,
    a: Authed,
    AppQuery(q): AppQuery<PageQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let page = q.request()?;
    Ok(listed("tokens", page_of(s.core.tokens(&a.actor).await?, &page, |t| t.id.to_string())))
}

pub async fn revoke_token(State(s): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<StatusCode> {
    s.core.revoke_token(&a.actor, path_id(&id, "token")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    email: String,
    name: String,
    password: String,
    #[serde(default)]
    is_admin: bool,
}

pub async fn create_user(State(s): State<AppState>, a: Authed, AppJson(u): AppJson<NewUser>) -> ApiResult<Response> {
    let user = s.core.create_user(&a.actor, &u.email, &u.name, &u.password, u.is_admin).await?;
    Ok((StatusCode::CREATED, Json(user)).into_response())
}

pub async fn list_users(
    State(s): State<AppState>,
    a: Authed,
    AppQuery(q): AppQuery<PageQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let page = q.request()?;
    Ok(listed("users", page_of(s.core.users(&a.actor).await?, &page, |u| u.id.to_string())))
}

pub async fn disable_user(State(s): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<Json<User>> {
    Ok(Json(s.core.disable_user(&a.actor, path_id(&id, "user")?).await?))
}

pub async fn enable_user(State(s): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<Json<User>> {
    Ok(Json(s.core.enable_user(&a.actor, path_id(&id, "user")?).await?))
}

pub async fn password_reset_link(State(s): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<Response> {
    let link = s.core.password_reset_link(&a.actor, path_id(&id, "user")?).await?;
    Ok((StatusCode::CREATED, Json(link)).into_response())
}
