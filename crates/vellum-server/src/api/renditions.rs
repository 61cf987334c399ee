//! Renditions of a version: 200 with the bytes when ready, 202 with `Retry-After` while the
//! version is still processing, 404 `rendition_not_available` when it cannot exist.

use axum::{
    body::Body,
    extract::{Path, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde_json::json;
use tokio_util::io::ReaderStream;
use vellum_core::media::RenditionAnswer;

use crate::{
    auth::Authed,
    error::ApiResult,
    extract::{path_id, path_version},
    AppState,
};

pub async fn get(
    State(s): State<AppState>,
    a: Authed,
    Path((id, n, name)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let answer = s.core.rendition(&a.actor, path_id(&id, "asset")?, path_version(&n)?, &name).await?;
    let r = match answer {
        RenditionAnswer::Pending => {
            let body = Json(json!({"status": "pending", "message": "the rendition is being made; try again shortly"}));
            return Ok((StatusCode::ACCEPTED, [(header::RETRY_AFTER, "2")], body).into_response());
        }
        RenditionAnswer::Ready(r) => r,
    };
    let tag = format!("\"{}\"", r.sha256);
    let h = |v: &str| HeaderValue::from_str(v).unwrap_or_else(|_| HeaderValue::from_static(""));
    let mut out = HeaderMap::new();
    out.insert(header::ETAG, h(&tag));
    out.insert(header::CONTENT_TYPE, h(&r.content_type));
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=31536000, immutable"));
    out.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    out.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox; default-src 'none'"));
    if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| v.trim() == tag) {
        return Ok((StatusCode::NOT_MODIFIED, out).into_response());
    }
    out.insert(header::CONTENT_LENGTH, h(&r.size.to_string()));
    let reader = s.core.open_rendition(&r).await?;
    Ok((StatusCode::OK, out, Body::from_stream(ReaderStream::new(reader))).into_response())
}
