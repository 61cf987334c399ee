//! Renditions of a version: 200 with the bytes when ready (Range works, for video), 202 with
//! `Retry-After` while the version is still processing, 404 `rendition_not_available` when it
//! cannot exist. PDF and office pages are renditions too (`pages/{k}`).

use axum::{
    extract::{Path, State},
    http::HeaderMap,
    response::Response,
};
use vellum_core::media::RenditionAnswer;

use super::views::{BinaryFile, Pending};
use crate::{
    auth::Authed,
    download::{serve_stored, Stored},
    error::{ApiError, ApiResult},
    extract::{path_id, path_version},
    AppState,
};

/// Types we make ourselves and may show inline; anything else is a download.
const INLINE: [&str; 4] = ["image/jpeg", "image/png", "image/webp", "video/mp4"];

async fn answer(s: &AppState, a: &Authed, id: &str, n: &str, name: &str, headers: &HeaderMap) -> ApiResult<Response> {
    let answer = s.core.rendition(&a.actor, path_id(id, "asset")?, path_version(n)?, name).await?;
    serve_rendition(s, answer, name, headers).await
}

/// A rendition's bytes (Range works), or 202 while it is being made.
pub(super) async fn serve_rendition(
    s: &AppState,
    answer: RenditionAnswer,
    name: &str,
    headers: &HeaderMap,
) -> ApiResult<Response> {
    let r = match answer {
        RenditionAnswer::Pending => return Ok(Pending::response("the rendition is being made; try again shortly")),
        RenditionAnswer::Ready(r) => r,
        RenditionAnswer::Marked(m) => return Ok(crate::download::serve_marked(&m, headers)),
    };
    let filename = format!("{name}.{}", r.content_type.rsplit('/').next().unwrap_or("bin"));
    let stored = Stored {
        sha256: &r.sha256,
        size: r.size,
        content_type: &r.content_type,
        filename: (!INLINE.contains(&r.content_type.as_str())).then_some(filename.as_str()),
        modified: r.created_at,
    };
    serve_stored(&s.core, &stored, headers).await
}

/// A rendition of a version (`thumbnail`, `preview`, `poster`, `filmstrip`, `proxy`,
/// `waveform`, `pdf`, a channel preset's name…): 200 with the bytes when ready (Range works),
/// 202 with `Retry-After` while the version is processing, 404 `rendition_not_available` when
/// it cannot exist.
#[utoipa::path(get, path = "/assets/{id}/versions/{n}/renditions/{name}", tag = "renditions", operation_id = "get_rendition",
    params(("id" = Uuid, Path, description = "The asset"), ("n" = u32, Path, minimum = 1, description = "The version number"),
        ("name" = String, Path, description = "The rendition")),
    responses(
        (status = 200, description = "The rendition", content((inline(BinaryFile) = "application/octet-stream"), (inline(BinaryFile) = "*/*"))),
        (status = 202, description = "Being made; try again after Retry-After seconds", body = Pending),
        (status = 206, description = "Part of it (Range)", content((inline(BinaryFile) = "application/octet-stream"), (inline(BinaryFile) = "*/*"))),
        (status = 304, description = "Not modified (If-None-Match)"),
    ))]
pub async fn get(
    State(s): State<AppState>,
    a: Authed,
    Path((id, n, name)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    answer(&s, &a, &id, &n, &name, &headers).await
}

/// Page `k` (from 1) of a PDF or office document, as an image; 202 while processing.
#[utoipa::path(get, path = "/assets/{id}/versions/{n}/pages/{k}", tag = "renditions", operation_id = "get_page",
    params(("id" = Uuid, Path, description = "The asset"), ("n" = u32, Path, minimum = 1, description = "The version number"),
        ("k" = u32, Path, minimum = 1, description = "The page, from 1")),
    responses(
        (status = 200, description = "The page, a JPEG image", content((inline(BinaryFile) = "image/jpeg"), (inline(BinaryFile) = "application/octet-stream"))),
        (status = 202, description = "Being made; try again after Retry-After seconds", body = Pending),
        (status = 304, description = "Not modified (If-None-Match)"),
    ))]
pub async fn page(
    State(s): State<AppState>,
    a: Authed,
    Path((id, n, k)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let k: u32 = k.parse().ok().filter(|k| *k >= 1).ok_or_else(|| ApiError::not_found("page"))?;
    answer(&s, &a, &id, &n, &format!("page-{k}"), &headers).await
}
