//! A workspace's naming convention: `{pattern, mode}` (`suggest` or `require`).

use axum::{
    extract::{Path, State},
    Json,
};
use vellum_domain::naming::Convention;

use crate::{auth::Authed, error::ApiResult, extract::AppJson, AppState};

/// The workspace's naming convention; `null` until one is set.
#[utoipa::path(get, path = "/workspaces/{ws}/naming", tag = "naming", operation_id = "get_naming",
    params(("ws" = String, Path, description = "Workspace id or slug")),
    responses((status = 200, description = "The convention, or null", body = Option<Convention>)))]
pub async fn get(State(s): State<AppState>, a: Authed, Path(ws): Path<String>) -> ApiResult<Json<Option<Convention>>> {
    Ok(Json(s.core.naming(&a.actor, &ws).await?))
}

/// Sets the naming convention (owners, admins, managers). Parts: `{campaign}`, `{version}`,
/// `{kind}`, `{deliverable}`, `{locale}`, `{channel}`, `{date}`, `{initials}`, `{text}`, with
/// text between any two; `422 invalid_naming` says what is wrong.
#[utoipa::path(put, path = "/workspaces/{ws}/naming", tag = "naming", operation_id = "put_naming",
    params(("ws" = String, Path, description = "Workspace id or slug")), request_body = Convention,
    responses((status = 200, description = "Set", body = Convention)))]
pub async fn put(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
    AppJson(b): AppJson<Convention>,
) -> ApiResult<Json<Convention>> {
    Ok(Json(s.core.put_naming(&a.actor, &ws, b).await?))
}
