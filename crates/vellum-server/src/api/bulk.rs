//! Changes to many assets at once.

use axum::{
    extract::{Path, State},
    Json,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::views::AssetView;
use crate::{auth::Authed, error::ApiResult, extract::AppJson, AppState};

/// Metadata to set on the chosen assets.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkMetadataBody {
    #[schema(min_items = 1, max_items = 500)]
    asset_ids: Vec<Uuid>,
    /// Fields of `metadata` to set: each one given replaces the asset's; `custom` is merged
    /// key by key (null removes a key).
    #[schema(value_type = Object)]
    set: serde_json::Map<String, serde_json::Value>,
}

/// The assets as they are now.
#[derive(Serialize, ToSchema)]
pub struct BulkMetadataView {
    assets: Vec<AssetView>,
}

/// Sets metadata on several assets of the workspace (uploaders): all or nothing, each checked
/// like a single edit (`422 invalid_metadata` names the asset and its `fields`), one audit
/// event per asset.
#[utoipa::path(post, path = "/workspaces/{ws}/assets/bulk-metadata", tag = "assets", operation_id = "bulk_metadata",
    params(("ws" = String, Path, description = "Workspace id or slug")), request_body = BulkMetadataBody,
    responses((status = 200, description = "The changed assets", body = BulkMetadataView)))]
pub async fn metadata(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
    AppJson(body): AppJson<BulkMetadataBody>,
) -> ApiResult<Json<BulkMetadataView>> {
    let changed = s.core.bulk_metadata(&a.actor, &ws, &body.asset_ids, &body.set).await?;
    Ok(Json(BulkMetadataView { assets: changed.into_iter().map(AssetView::from).collect() }))
}
