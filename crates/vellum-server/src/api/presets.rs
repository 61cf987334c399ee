//! Channel presets of a workspace and focal points of versions.

use axum::{
    extract::{Path, State},
    Json,
};
use serde::Deserialize;
use utoipa::ToSchema;
use vellum_core::presets::PresetBody;

use super::views::{FitView, FormatView, PresetList, PresetView, VersionView};
use crate::{
    auth::Authed,
    error::ApiResult,
    extract::{path_id, path_version, AppJson},
    AppState,
};

/// The channel presets: the workspace's own and the built-in ones.
#[utoipa::path(get, path = "/workspaces/{ws}/presets", tag = "presets", operation_id = "list_presets",
    params(("ws" = String, Path, description = "Workspace id or slug")),
    responses((status = 200, description = "Every preset", body = PresetList)))]
pub async fn list(State(s): State<AppState>, a: Authed, Path(ws): Path<String>) -> ApiResult<Json<PresetList>> {
    let presets = s.core.presets(&a.actor, &ws).await?;
    Ok(Json(PresetList { presets: presets.into_iter().map(PresetView::from).collect() }))
}

/// One channel preset.
#[utoipa::path(get, path = "/workspaces/{ws}/presets/{name}", tag = "presets", operation_id = "get_preset",
    params(("ws" = String, Path, description = "Workspace id or slug"), ("name" = String, Path, description = "The preset")),
    responses((status = 200, description = "The preset", body = PresetView)))]
pub async fn get(
    State(s): State<AppState>,
    a: Authed,
    Path((ws, name)): Path<(String, String)>,
) -> ApiResult<Json<PresetView>> {
    Ok(Json(s.core.preset(&a.actor, &ws, &name).await?.into()))
}

/// A preset's box, fit, format and quality.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
#[schema(as = PresetBody)]
pub struct PresetBodyDoc {
    #[schema(minimum = 1, maximum = 16384)]
    width: u32,
    /// Absent or null: as tall as the picture needs (with `contain`).
    #[schema(minimum = 1, maximum = 16384)]
    height: Option<u32>,
    fit: FitView,
    format: Option<FormatView>,
    #[schema(minimum = 1, maximum = 100)]
    quality: Option<u8>,
}

/// Defines or changes a channel preset (owners and admins).
#[utoipa::path(put, path = "/workspaces/{ws}/presets/{name}", tag = "presets", operation_id = "put_preset",
    params(("ws" = String, Path, description = "Workspace id or slug"),
        ("name" = String, Path, pattern = "^[a-z][a-z0-9_-]{1,47}$", description = "2–48 lower-case letters, digits, `_` and `-`, starting with a letter")),
    request_body = PresetBodyDoc, responses((status = 200, description = "The preset", body = PresetView)))]
pub async fn put(
    State(s): State<AppState>,
    a: Authed,
    Path((ws, name)): Path<(String, String)>,
    AppJson(body): AppJson<PresetBody>,
) -> ApiResult<Json<PresetView>> {
    Ok(Json(s.core.put_preset(&a.actor, &ws, &name, &body).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FocalBody {
    /// 0 is the left edge, 1 the right.
    #[schema(minimum = 0, maximum = 1)]
    x: f64,
    /// 0 is the top edge, 1 the bottom.
    #[schema(minimum = 0, maximum = 1)]
    y: f64,
}

/// Sets where the subject of a version is; preset crops keep it.
#[utoipa::path(put, path = "/assets/{id}/versions/{n}/focal-point", tag = "presets", operation_id = "set_focal_point",
    params(("id" = Uuid, Path, description = "The asset"), ("n" = u32, Path, minimum = 1, description = "The version number")),
    request_body = FocalBody, responses((status = 200, description = "The version", body = VersionView)))]
pub async fn focal_point(
    State(s): State<AppState>,
    a: Authed,
    Path((id, n)): Path<(String, String)>,
    AppJson(b): AppJson<FocalBody>,
) -> ApiResult<Json<VersionView>> {
    Ok(Json(s.core.set_focal_point(&a.actor, path_id(&id, "asset")?, path_version(&n)?, b.x, b.y).await?.into()))
}
