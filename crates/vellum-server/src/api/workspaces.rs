//! Workspaces, members and groups.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use vellum_core::workspaces::{WorkspacePatch, WorkspaceView as CoreWorkspace};
use vellum_domain::{role::Role, search_language::SearchLanguage};

use super::{
    paging::{page_of, PageQuery},
    views::{GroupPage, GroupView, MemberPage, MemberView, WorkspacePage, WorkspaceView},
};
use crate::{
    auth::Authed,
    error::ApiResult,
    extract::{path_id, AppJson, AppQuery},
    AppState,
};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWorkspace {
    #[schema(schema_with = vellum_domain::openapi::name)]
    name: String,
    /// 2–64 lower-case letters, digits and dashes.
    #[schema(schema_with = vellum_domain::openapi::slug)]
    slug: String,
}

/// Creates a workspace; the caller becomes its owner.
#[utoipa::path(post, path = "/workspaces", tag = "workspaces", operation_id = "create_workspace",
    request_body = NewWorkspace, responses((status = 201, description = "Created", body = WorkspaceView)))]
pub async fn create(State(s): State<AppState>, a: Authed, AppJson(w): AppJson<NewWorkspace>) -> ApiResult<Response> {
    let ws = s.core.create_workspace(&a.actor, &w.name, &w.slug).await?;
    Ok((StatusCode::CREATED, Json(WorkspaceView::from(ws))).into_response())
}

/// The caller's workspaces.
#[utoipa::path(get, path = "/workspaces", tag = "workspaces", operation_id = "list_workspaces", params(PageQuery),
    responses((status = 200, description = "A page of workspaces", body = WorkspacePage)))]
pub async fn list(
    State(s): State<AppState>,
    a: Authed,
    AppQuery(q): AppQuery<PageQuery>,
) -> ApiResult<Json<WorkspacePage>> {
    let page = q.request()?;
    Ok(Json(page_of(s.core.my_workspaces(&a.actor).await?, &page, |w| w.workspace.id.to_string()).into()))
}

/// One workspace, by id or slug.
#[utoipa::path(get, path = "/workspaces/{ws}", tag = "workspaces", operation_id = "get_workspace",
    params(("ws" = String, Path, description = "Workspace id or slug")),
    responses((status = 200, description = "The workspace", body = WorkspaceView)))]
pub async fn get(State(s): State<AppState>, a: Authed, Path(ws): Path<String>) -> ApiResult<Json<WorkspaceView>> {
    let access = s.core.workspace(&a.actor, &ws).await?;
    Ok(Json(CoreWorkspace { workspace: access.workspace, role: access.role }.into()))
}

/// An edit of a workspace: its name, and whether GPS positions in files are kept.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkspacePatchBody {
    #[schema(schema_with = vellum_domain::openapi::optional_name)]
    name: Option<String>,
    keep_gps: Option<bool>,
    /// The number a video's first frame is shown as (e.g. 1001); display only: frame numbers in
    /// the API always count from 0.
    #[schema(minimum = 0, maximum = 1000000)]
    frame_offset: Option<u32>,
    /// The group whose members manage rights (told of expiries, decide download requests);
    /// null clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Uuid>, nullable)]
    rights_managers: Option<Option<Uuid>>,
    /// Days before a rights window or required release ends that warnings go out ([30, 7]).
    #[schema(max_items = 5)]
    rights_warning_days: Option<Vec<u32>>,
    /// The main language (ISO 639-1): search stems words in it. A change rebuilds the
    /// workspace's index; search keeps answering from the old one until the new one is ready.
    search_language: Option<SearchLanguage>,
}

/// A field that may be null: present (Some) even when null, absent (None) when left out.
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// Renames a workspace or sets `keep_gps`, `frame_offset`, `rights_managers`,
/// `rights_warning_days` or `search_language` (owners and admins).
#[utoipa::path(patch, path = "/workspaces/{ws}", tag = "workspaces", operation_id = "update_workspace",
    params(("ws" = String, Path, description = "Workspace id or slug")), request_body = WorkspacePatchBody,
    responses((status = 200, description = "Updated", body = WorkspaceView)))]
pub async fn patch(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
    AppJson(p): AppJson<WorkspacePatchBody>,
) -> ApiResult<Json<WorkspaceView>> {
    let patch = WorkspacePatch {
        name: p.name,
        keep_gps: p.keep_gps,
        frame_offset: p.frame_offset,
        rights_managers: p.rights_managers,
        rights_warning_days: p.rights_warning_days,
        search_language: p.search_language,
    };
    Ok(Json(s.core.update_workspace(&a.actor, &ws, patch).await?.into()))
}

/// Members and their roles.
#[utoipa::path(get, path = "/workspaces/{ws}/members", tag = "workspaces", operation_id = "list_members",
    params(("ws" = String, Path, description = "Workspace id or slug"), PageQuery),
    responses((status = 200, description = "A page of members", body = MemberPage)))]
pub async fn members(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
    AppQuery(q): AppQuery<PageQuery>,
) -> ApiResult<Json<MemberPage>> {
    let page = q.request()?;
    Ok(Json(page_of(s.core.members(&a.actor, &ws).await?, &page, |m| m.user_id.to_string()).into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleBody {
    /// Read as text so an unknown role is `invalid_role`, not a shape error.
    #[schema(value_type = Role)]
    role: String,
    /// Another member, who escalations go to; absent or null: none.
    #[serde(default)]
    supervisor_id: Option<Uuid>,
}

/// Adds a member or changes their role (owners and admins; only an owner makes owners).
#[utoipa::path(put, path = "/workspaces/{ws}/members/{user_id}", tag = "workspaces", operation_id = "set_member",
    params(("ws" = String, Path, description = "Workspace id or slug"), ("user_id" = Uuid, Path, description = "The user")),
    request_body = RoleBody, responses((status = 200, description = "The member", body = MemberView)))]
pub async fn set_member(
    State(s): State<AppState>,
    a: Authed,
    Path((ws, user)): Path<(String, String)>,
    AppJson(b): AppJson<RoleBody>,
) -> ApiResult<Json<MemberView>> {
    let user = path_id(&user, "user")?;
    Ok(Json(
        s.core
            .set_member(&a.actor, &ws, user, &b.role, vellum_core::members::Supervisor::Set(b.supervisor_id))
            .await?
            .into(),
    ))
}

/// Removes a member from the workspace and its groups (never the last owner).
#[utoipa::path(delete, path = "/workspaces/{ws}/members/{user_id}", tag = "workspaces", operation_id = "remove_member",
    params(("ws" = String, Path, description = "Workspace id or slug"), ("user_id" = Uuid, Path, description = "The member")),
    responses((status = 204, description = "Removed")))]
pub async fn remove_member(
    State(s): State<AppState>,
    a: Authed,
    Path((ws, user)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    s.core.remove_member(&a.actor, &ws, path_id(&user, "member")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGroup {
    #[schema(schema_with = vellum_domain::openapi::name)]
    name: String,
    #[serde(default)]
    members: Vec<Uuid>,
}

/// Creates a group of members (owners and admins).
#[utoipa::path(post, path = "/workspaces/{ws}/groups", tag = "workspaces", operation_id = "create_group",
    params(("ws" = String, Path, description = "Workspace id or slug")), request_body = NewGroup,
    responses((status = 201, description = "Created", body = GroupView)))]
pub async fn create_group(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
    AppJson(g): AppJson<NewGroup>,
) -> ApiResult<Response> {
    let group = s.core.create_group(&a.actor, &ws, &g.name, &g.members).await?;
    Ok((StatusCode::CREATED, Json(GroupView::from(group))).into_response())
}

/// The workspace's groups.
#[utoipa::path(get, path = "/workspaces/{ws}/groups", tag = "workspaces", operation_id = "list_groups",
    params(("ws" = String, Path, description = "Workspace id or slug"), PageQuery),
    responses((status = 200, description = "A page of groups", body = GroupPage)))]
pub async fn groups(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
    AppQuery(q): AppQuery<PageQuery>,
) -> ApiResult<Json<GroupPage>> {
    let page = q.request()?;
    Ok(Json(page_of(s.core.groups(&a.actor, &ws).await?, &page, |g| g.id.to_string()).into()))
}
