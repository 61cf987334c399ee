//! A workspace's custom-field schema.

use axum::{
    extract::{Path, State},
    Json,
};
use vellum_domain::fields::MetadataSchema;

use super::views::{MetadataSchemaBodyDoc, MetadataSchemaView};
use crate::{auth::Authed, error::ApiResult, extract::AppJson, AppState};

/// The workspace's custom fields (every member may read them).
#[utoipa::path(get, path = "/workspaces/{ws}/metadata-schema", tag = "metadata", operation_id = "get_metadata_schema",
    params(("ws" = String, Path, description = "Workspace id or slug")),
    responses((status = 200, description = "The custom fields", body = MetadataSchemaView)))]
pub async fn get(State(s): State<AppState>, a: Authed, Path(ws): Path<String>) -> ApiResult<Json<MetadataSchemaView>> {
    Ok(Json(s.core.metadata_schema(&a.actor, &ws).await?.into()))
}

/// Replaces the workspace's custom fields (owners and admins). An invalid schema is
/// `422 invalid_metadata` with `fields`; one that values already stored would break is
/// `409 conflict`, naming the fields and how many assets hold such values.
#[utoipa::path(put, path = "/workspaces/{ws}/metadata-schema", tag = "metadata", operation_id = "put_metadata_schema",
    params(("ws" = String, Path, description = "Workspace id or slug")),
    request_body = MetadataSchemaBodyDoc,
    responses((status = 200, description = "The custom fields as saved, with their new revision", body = MetadataSchemaView)))]
pub async fn put(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
    AppJson(body): AppJson<MetadataSchema>,
) -> ApiResult<Json<MetadataSchemaView>> {
    Ok(Json(s.core.put_metadata_schema(&a.actor, &ws, body).await?.into()))
}
