//! Channel presets of a workspace and focal points of versions.

use axum::{
    extract::{Path, State},
    Json,
};
use serde::Deserialize;
use serde_json::json;
use vellum_core::{
    model::Version,
    presets::{PresetBody, PresetView},
};

use crate::{
    auth::Authed,
    error::ApiResult,
    extract::{path_id, path_version, AppJson},
    AppState,
};

pub async fn list(State(s): State<AppState>, a: Authed, Path(ws): Path<String>) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(json!({"presets": s.core.presets(&a.actor, &ws).await?})))
}

pub async fn get(
    State(s): State<AppState>,
    a: Authed,
    Path((ws, name)): Path<(String, String)>,
) -> ApiResult<Json<PresetView>> {
    Ok(Json(s.core.preset(&a.actor, &ws, &name).await?))
}

pub async fn put(
    State(s): State<AppState>,
    a: Authed,
    Path((ws, name)): Path<(String, String)>,
    AppJson(body): AppJson<PresetBody>,
) -> ApiResult<Json<PresetView>> {
    Ok(Json(s.core.put_preset(&a.actor, &ws, &name, &body).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FocalBody {
    x: f64,
    y: f64,
}

pub async fn focal_point(
    State(s): State<AppState>,
    a: Authed,
    Path((id, n)): Path<(String, String)>,
    AppJson(b): AppJson<FocalBody>,
) -> ApiResult<Json<Version>> {
    Ok(Json(s.core.set_focal_point(&a.actor, path_id(&id, "asset")?, path_version(&n)?, b.x, b.y).await?))
}
