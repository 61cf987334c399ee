//! Sign-in, sign-out, the current user, API tokens and user administration.

use axum::{
    extract::State,
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::Deserialize;
use serde_json::json;

use crate::{
    auth::{clear_cookie, cookie, session_cookie, Authed, SESSION_COOKIE},
    error::ApiResult,
    extract::{AppJson, RequestOrigin},
    AppState,
};

#[derive(Deserialize)]
pub struct Credentials {
    email: String,
    password: String,
}

pub async fn sign_in(
    State(s): State<AppState>,
    RequestOrigin(origin): RequestOrigin,
    AppJson(c): AppJson<Credentials>,
) -> ApiResult<Response> {
    let session = s.core.sign_in(&origin, &c.email, &c.password).await?;
    let max_age = u64::from(s.core.limits.session_hours) * 3600;
    let set = session_cookie(&session.token, max_age, s.http.secure_cookies);
    Ok(([(header::SET_COOKIE, set)], Json(json!({"user": session.user, "csrf_token": session.csrf}))).into_response())
}

pub async fn sign_out(State(s): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        s.core.sign_out(&token).await?;
    }
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, clear_cookie(s.http.secure_cookies))]).into_response())
}

pub async fn me(State(s): State<AppState>, a: Authed) -> ApiResult<Json<serde_json::Value>> {
    let workspaces = s.core.my_workspaces(&a.actor).await?;
    Ok(Json(json!({"user": a.actor.user, "workspaces": workspaces})))
}

#[derive(Deserialize)]
pub struct NewToken {
    name: String,
}

pub async fn create_token(State(s): State<AppState>, a: Authed, AppJson(t): AppJson<NewToken>) -> ApiResult<Response> {
    let (id, token) = s.core.create_token(&a.actor, &t.name).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": id, "name": t.name.trim(), "token": token}))).into_response())
}

#[derive(Deserialize)]
pub struct NewUser {
    email: String,
    name: String,
    password: String,
    #[serde(default)]
    is_admin: bool,
}

pub async fn create_user(State(s): State<AppState>, a: Authed, AppJson(u): AppJson<NewUser>) -> ApiResult<Response> {
    let user = s.core.create_user(Some(&a.actor), &u.email, &u.name, &u.password, u.is_admin).await?;
    Ok((StatusCode::CREATED, Json(user)).into_response())
}

pub async fn list_users(State(s): State<AppState>, a: Authed) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(json!({"users": s.core.users(&a.actor).await?})))
}
