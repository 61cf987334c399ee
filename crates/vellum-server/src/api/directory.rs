//! The directory from the admin side: the SCIM token, the directory's groups, and linking a
//! workspace group to one so its members follow the directory.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vellum_domain::Timestamp;

use crate::{
    auth::Authed,
    error::ApiResult,
    extract::{path_id, AppJson},
    AppState,
};

/// The SCIM token, shown once: a directory sends it as `Authorization: Bearer` to `/scim/v2`.
#[derive(Serialize, ToSchema)]
pub struct ScimToken {
    token: String,
}

/// Makes the server's SCIM token, replacing (and so revoking) any earlier one (server admins).
#[utoipa::path(post, path = "/admin/scim-token", tag = "admin", operation_id = "create_scim_token",
    responses((status = 201, description = "The token, shown once", body = ScimToken)))]
pub async fn create_token(State(s): State<AppState>, a: Authed) -> ApiResult<(StatusCode, Json<ScimToken>)> {
    let token = s.core.new_scim_token(&a.actor).await?;
    Ok((StatusCode::CREATED, Json(ScimToken { token })))
}

/// A member of a directory group.
#[derive(Serialize, ToSchema)]
pub struct DirectoryMember {
    id: String,
    name: String,
}

/// A group the directory keeps (through SCIM).
#[derive(Serialize, ToSchema)]
pub struct DirectoryGroupView {
    id: String,
    display_name: String,
    external_id: Option<String>,
    members: Vec<DirectoryMember>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

#[derive(Serialize, ToSchema)]
pub struct DirectoryGroups {
    groups: Vec<DirectoryGroupView>,
}

/// The directory's groups with their members (server admins).
#[utoipa::path(get, path = "/admin/directory-groups", tag = "admin", operation_id = "list_directory_groups",
    responses((status = 200, description = "The groups", body = DirectoryGroups)))]
pub async fn groups(State(s): State<AppState>, a: Authed) -> ApiResult<Json<DirectoryGroups>> {
    let rows = s.core.directory_groups(&a.actor).await?;
    let groups = rows
        .into_iter()
        .map(|g| DirectoryGroupView {
            id: g.id.to_string(),
            display_name: g.display_name,
            external_id: g.external_id,
            members: g.members.into_iter().map(|(id, name)| DirectoryMember { id: id.to_string(), name }).collect(),
            created_at: g.created_at,
            updated_at: g.updated_at,
        })
        .collect();
    Ok(Json(DirectoryGroups { groups }))
}

/// The directory group a workspace group follows (null: none).
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DirectoryLink {
    #[schema(format = Uuid)]
    directory_group_id: Option<String>,
}

/// Links a workspace group to a directory group, or unlinks it (workspace admins): a linked
/// group's members are the directory group's members who belong to the workspace.
#[utoipa::path(put, path = "/groups/{id}/directory-group", tag = "workspaces", operation_id = "link_directory_group",
    params(("id" = String, Path, description = "The workspace group")), request_body = DirectoryLink,
    responses((status = 200, description = "The link now", body = DirectoryLink)))]
pub async fn link(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    AppJson(b): AppJson<DirectoryLink>,
) -> ApiResult<Json<DirectoryLink>> {
    let target = b.directory_group_id.as_deref().map(|d| path_id(d, "directory group")).transpose()?;
    s.core.link_directory_group(&a.actor, path_id(&id, "group")?, target).await?;
    Ok(Json(b))
}
