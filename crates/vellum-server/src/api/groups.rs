//! Changing and deleting groups.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use vellum_core::{members::GroupPatch, model::Group};

use crate::{
    auth::Authed,
    error::ApiResult,
    extract::{path_id, AppJson},
    AppState,
};

pub async fn update(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    AppJson(p): AppJson<GroupPatch>,
) -> ApiResult<Json<Group>> {
    Ok(Json(s.core.update_group(&a.actor, path_id(&id, "group")?, p).await?))
}

pub async fn delete(State(s): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<StatusCode> {
    s.core.delete_group(&a.actor, path_id(&id, "group")?).await?;
    Ok(StatusCode::NO_CONTENT)
}
