//! Comparing two versions of an asset: the computed difference (202 with `Retry-After` while
//! it is computed in the background) and each compared page's heat-map image.

use axum::{
    extract::State,
    http::HeaderMap,
    response::{IntoResponse, Response},
    Json,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use vellum_core::compare::{CompareAnswer, CompareView, HeatmapAnswer};
use vellum_domain::{compare::CompareKind, compare::PageDiff, text_diff::TextDiff, ErrorCode, Timestamp};

use super::views::{BinaryFile, Pending};
use crate::{
    auth::Authed,
    download::{serve_stored, Stored},
    error::{ApiError, ApiResult},
    extract::{path_id, AppQuery},
    AppState,
};

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CompareQuery {
    /// The version compared from.
    #[param(minimum = 1, maximum = 4294967295u64)]
    a: u32,
    /// The version compared to.
    #[param(minimum = 1, maximum = 4294967295u64)]
    b: u32,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HeatmapQuery {
    #[param(minimum = 1, maximum = 4294967295u64)]
    a: u32,
    #[param(minimum = 1, maximum = 4294967295u64)]
    b: u32,
    /// The compared page, from 1 (1 for an image or video).
    #[param(minimum = 1, maximum = 100000)]
    page: Option<u32>,
}

/// The difference between two versions.
#[derive(Serialize, ToSchema)]
pub struct Comparison {
    a: u32,
    b: u32,
    kind: CompareKind,
    /// Pages matched by number (one entry for an image or a video's poster frame), each with the
    /// boxes around its changed areas (empty when unchanged).
    pages: Vec<PageDiff>,
    /// Word-level difference of the versions' text; null for pictures.
    text: Option<TextDiff>,
    computed_at: Option<Timestamp>,
}

impl From<CompareView> for Comparison {
    fn from(v: CompareView) -> Self {
        Comparison { a: v.a, b: v.b, kind: v.kind, pages: v.pages, text: v.text, computed_at: v.computed_at }
    }
}

fn versions(a: u32, b: u32) -> Result<(u32, u32), ApiError> {
    if a == 0 || b == 0 {
        return Err(ApiError::new(ErrorCode::InvalidQuery, "versions count from 1: give a=N&b=M"));
    }
    Ok((a, b))
}

fn pending(what: &str) -> Response {
    Pending::response(format!("the {what} is being computed; try again shortly"))
}

/// The computed difference between versions `a` and `b`: 200 when known, 202 with
/// `Retry-After` while it is computed, 422 `not_comparable` for versions that cannot be.
#[utoipa::path(get, path = "/assets/{id}/compare", tag = "compare", operation_id = "compare_versions",
    params(("id" = Uuid, Path, description = "The asset"), CompareQuery),
    responses(
        (status = 200, description = "The difference", body = Comparison),
        (status = 202, description = "Being computed; try again after Retry-After seconds", body = Pending),
    ))]
pub async fn get(
    State(s): State<AppState>,
    a: Authed,
    axum::extract::Path(id): axum::extract::Path<String>,
    AppQuery(q): AppQuery<CompareQuery>,
) -> ApiResult<Response> {
    let (va, vb) = versions(q.a, q.b)?;
    match s.core.compare(&a.actor, path_id(&id, "asset")?, va, vb).await? {
        CompareAnswer::Pending => Ok(pending("comparison")),
        CompareAnswer::Ready(v) => Ok(Json(Comparison::from(v)).into_response()),
    }
}

/// The heat-map of one compared page: the first version faded, changed pixels in red.
#[utoipa::path(get, path = "/assets/{id}/compare/heatmap", tag = "compare", operation_id = "compare_heatmap",
    params(("id" = Uuid, Path, description = "The asset"), HeatmapQuery),
    responses(
        (status = 200, description = "The heat-map", content((inline(BinaryFile) = "image/png"), (inline(BinaryFile) = "application/octet-stream"))),
        (status = 202, description = "Being computed; try again after Retry-After seconds", body = Pending),
        (status = 304, description = "Not modified (If-None-Match)"),
    ))]
pub async fn heatmap(
    State(s): State<AppState>,
    a: Authed,
    axum::extract::Path(id): axum::extract::Path<String>,
    AppQuery(q): AppQuery<HeatmapQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (va, vb) = versions(q.a, q.b)?;
    let page = q.page.unwrap_or(1);
    if page == 0 {
        return Err(ApiError::new(ErrorCode::InvalidQuery, "pages count from 1"));
    }
    match s.core.compare_heatmap(&a.actor, path_id(&id, "asset")?, va, vb, page).await? {
        HeatmapAnswer::Pending => Ok(pending("heat-map")),
        HeatmapAnswer::Ready { sha256, size, created_at } => {
            let stored =
                Stored { sha256: &sha256, size, content_type: "image/png", filename: None, modified: created_at };
            serve_stored(&s.core, &stored, &headers).await
        }
    }
}
