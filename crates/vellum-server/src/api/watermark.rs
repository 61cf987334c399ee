//! The workspace's watermark: the text outsiders' previews carry above who is looking and
//! the date.

use axum::{
    extract::{Path, State},
    Json,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{auth::Authed, error::ApiResult, extract::AppJson, AppState};

/// The watermark's first line.
#[derive(Serialize, ToSchema)]
pub struct Watermark {
    /// What previews for outsiders carry (the workspace's name unless set).
    text: String,
}

/// A new first line; null goes back to the workspace's name.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WatermarkPut {
    #[schema(min_length = 1, max_length = 100)]
    text: Option<String>,
}

/// The watermark text (members who see work in progress).
#[utoipa::path(get, path = "/workspaces/{ws}/watermark", tag = "rights", operation_id = "get_watermark",
    params(("ws" = String, Path, description = "Workspace id or slug")),
    responses((status = 200, description = "The text", body = Watermark)))]
pub async fn get(State(s): State<AppState>, a: Authed, Path(ws): Path<String>) -> ApiResult<Json<Watermark>> {
    Ok(Json(Watermark { text: s.core.watermark_text(&a.actor, &ws).await? }))
}

/// Sets the watermark text (owners and admins); `422 invalid_watermark` for an empty, long or
/// multi-line text.
#[utoipa::path(put, path = "/workspaces/{ws}/watermark", tag = "rights", operation_id = "put_watermark",
    params(("ws" = String, Path, description = "Workspace id or slug")), request_body = WatermarkPut,
    responses((status = 200, description = "Saved", body = Watermark)))]
pub async fn put(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
    AppJson(w): AppJson<WatermarkPut>,
) -> ApiResult<Json<Watermark>> {
    Ok(Json(Watermark { text: s.core.put_watermark_text(&a.actor, &ws, w.text.as_deref()).await? }))
}
