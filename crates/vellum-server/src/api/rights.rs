//! An asset's rights and archive: set the licence, releases and rights window; archive an
//! asset out of the library and every distribution, and bring it back.

use axum::{
    extract::{Path, State},
    Json,
};
use vellum_domain::rights::Rights;

use super::{assets::full_view, views::AssetView};
use crate::{
    auth::Authed,
    error::ApiResult,
    extract::{path_id, AppJson},
    AppState,
};

/// Replaces an asset's rights (anyone who may edit it); the answer is the asset with
/// `rights` and `rights_status`.
#[utoipa::path(put, path = "/assets/{id}/rights", tag = "rights", operation_id = "put_rights",
    params(("id" = Uuid, Path, description = "The asset")), request_body = Rights,
    responses((status = 200, description = "The asset with its rights", body = AssetView)))]
pub async fn put(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    AppJson(r): AppJson<Rights>,
) -> ApiResult<Json<AssetView>> {
    let id = path_id(&id, "asset")?;
    s.core.put_rights(&a.actor, id, r).await?;
    let (asset, _) = s.core.asset(&a.actor, id).await?;
    Ok(Json(full_view(&s, asset).await?))
}

async fn archive(s: &AppState, a: &Authed, id: &str, archived: bool) -> ApiResult<Json<AssetView>> {
    let id = path_id(id, "asset")?;
    s.core.set_archived(&a.actor, id, archived).await?;
    let (asset, _) = s.core.asset(&a.actor, id).await?;
    Ok(Json(full_view(s, asset).await?))
}

/// Archives an asset: out of the library and every distribution until brought back.
#[utoipa::path(post, path = "/assets/{id}/archive", tag = "rights", operation_id = "archive_asset",
    params(("id" = Uuid, Path, description = "The asset")),
    responses((status = 200, description = "Archived", body = AssetView)))]
pub async fn archive_asset(State(s): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<Json<AssetView>> {
    archive(&s, &a, &id, true).await
}

/// Brings an asset back from the archive.
#[utoipa::path(post, path = "/assets/{id}/unarchive", tag = "rights", operation_id = "unarchive_asset",
    params(("id" = Uuid, Path, description = "The asset")),
    responses((status = 200, description = "Back in the library", body = AssetView)))]
pub async fn unarchive_asset(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<AssetView>> {
    archive(&s, &a, &id, false).await
}
