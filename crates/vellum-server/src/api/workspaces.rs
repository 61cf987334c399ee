//! Workspaces, members and groups.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde::Deserialize;
use vellum_core::workspaces::WorkspaceView;
use vellum_domain::Id;

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
pub struct NewWorkspace {
    name: String,
    slug: String,
}

pub async fn create(State(s): State<AppState>, a: Authed, AppJson(w): AppJson<NewWorkspace>) -> ApiResult<Response> {
    let ws = s.core.create_workspace(&a.actor, &w.name, &w.slug).await?;
    Ok((StatusCode::CREATED, Json(ws)).into_response())
}

pub async fn list(
    State(s): State<AppState>,
    a: Authed,
    AppQuery(q): AppQuery<PageQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let page = q.request()?;
    Ok(listed("workspaces", page_of(s.core.my_workspaces(&a.actor).await?, &page, |w| w.workspace.id.to_string())))
}

pub async fn get(State(s): State<AppState>, a: Authed, Path(ws): Path<String>) -> ApiResult<Json<WorkspaceView>> {
    let access = s.core.workspace(&a.actor, &ws).await?;
    Ok(Json(WorkspaceView { workspace: access.workspace, role: access.role }))
}

pub async fn patch(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
    AppJson(p): AppJson<vellum_core::workspaces::WorkspacePatch>,
) -> ApiResult<Json<WorkspaceView>> {
    Ok(Json(s.core.update_workspace(&a.actor, &ws, p).await?))
}

pub async fn members(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
    AppQuery(q): AppQuery<PageQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let page = q.request()?;
    Ok(listed("members", page_of(s.core.members(&a.actor, &ws).await?, &page, |m| m.user_id.to_string())))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleBody {
    role: String,
}

pub async fn set_member(
    State(s): State<AppState>,
    a: Authed,
    Path((ws, user)): Path<(String, String)>,
    AppJson(b): AppJson<RoleBody>,
) -> ApiResult<Json<vellum_core::model::Member>> {
    let user = path_id(&user, "user")?;
    Ok(Json(s.core.set_member_role(&a.actor, &ws, user, &b.role).await?))
}

pub async fn remove_member(
    State(s): State<AppState>,
    a: Authed,
    Path((ws, user)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    s.core.remove_member(&a.actor, &ws, path_id(&user, "member")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewGroup {
    name: String,
    #[serde(default)]
    members: Vec<Id>,
}

pub async fn create_group(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
    AppJson(g): AppJson<NewGroup>,
) -> ApiResult<Response> {
    let group = s.core.create_group(&a.actor, &ws, &g.name, &g.members).await?;
    Ok((StatusCode::CREATED, Json(group)).into_response())
}

pub async fn groups(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
    AppQuery(q): AppQuery<PageQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let page = q.request()?;
    Ok(listed("groups", page_of(s.core.groups(&a.actor, &ws).await?, &page, |g| g.id.to_string())))
}
