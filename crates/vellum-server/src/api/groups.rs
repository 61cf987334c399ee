//! Changing and deleting groups.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use vellum_core::members::GroupPatch;

use super::views::GroupView;
use crate::{
    auth::Authed,
    error::ApiResult,
    extract::{path_id, AppJson},
    AppState,
};

/// A change to a group: a new name, members to add, members to remove.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupPatchBody {
    #[schema(schema_with = vellum_domain::openapi::optional_name)]
    name: Option<String>,
    #[serde(default)]
    add: Vec<Uuid>,
    #[serde(default)]
    remove: Vec<Uuid>,
}

/// Renames a group, adds and removes members (owners and admins of its workspace).
#[utoipa::path(patch, path = "/groups/{id}", tag = "workspaces", operation_id = "update_group",
    params(("id" = Uuid, Path, description = "The group")), request_body = GroupPatchBody,
    responses((status = 200, description = "Updated", body = GroupView)))]
pub async fn update(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    AppJson(p): AppJson<GroupPatchBody>,
) -> ApiResult<Json<GroupView>> {
    let patch = GroupPatch { name: p.name, add: p.add, remove: p.remove };
    Ok(Json(s.core.update_group(&a.actor, path_id(&id, "group")?, patch).await?.into()))
}

/// Deletes a group no workflow names (409 `group_in_use` otherwise).
#[utoipa::path(delete, path = "/groups/{id}", tag = "workspaces", operation_id = "delete_group",
    params(("id" = Uuid, Path, description = "The group")), responses((status = 204, description = "Deleted")))]
pub async fn delete(State(s): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<StatusCode> {
    s.core.delete_group(&a.actor, path_id(&id, "group")?).await?;
    Ok(StatusCode::NO_CONTENT)
}
