//! Governed links: the short-lived download links an agent hands out. Opening one goes through
//! the distribution gate again, as the person it was made for.

use axum::{
    extract::{Path, State},
    http::HeaderMap,
    response::Response,
};

use super::{renditions::serve_rendition, views::BinaryFile};
use crate::{download, error::ApiResult, extract::RequestOrigin, AppState};

/// Opens a governed link: the asset's original or a rendition, while the link lives (15
/// minutes), the person it was made for is active, the token it came through is not revoked,
/// and the gate still lets that person take it (`rights_expired`, `download_request_required`…
/// otherwise). Unknown and expired links are 404.
#[utoipa::path(get, path = "/links/{token}", tag = "distribution", operation_id = "open_governed_link",
    params(("token" = String, Path, description = "The link's secret")),
    responses(
        (status = 200, description = "The file", content((inline(BinaryFile) = "application/octet-stream"), (inline(BinaryFile) = "*/*"))),
        (status = 202, description = "The rendition is being made; try again after Retry-After seconds"),
        (status = 206, description = "Part of the file (Range)", content((inline(BinaryFile) = "application/octet-stream"), (inline(BinaryFile) = "*/*"))),
        (status = 304, description = "Not modified (If-None-Match)"),
    ), security(()))]
pub async fn open(
    State(s): State<AppState>,
    Path(token): Path<String>,
    RequestOrigin(origin): RequestOrigin,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let o = s.core.open_governed_link(&token, origin).await?;
    if o.rendition != "original" {
        let answer = s.core.rendition(&o.actor, o.asset_id, o.version, &o.rendition).await?;
        return serve_rendition(&s, answer, &o.rendition, &headers).await;
    }
    let d =
        s.core.version_for_download(&o.actor, o.asset_id, o.version, vellum_core::rights::FileRoute::Original).await?;
    if download::starts_a_download(&headers, &d.version) {
        let agent = headers.get(axum::http::header::USER_AGENT).and_then(|h| h.to_str().ok());
        s.core.record_distribution(&o.actor, &d, "governed_link", agent, serde_json::json!({})).await?;
        s.core.count_download(&d).await?;
    }
    let name = s.core.download_name(&d.asset, &d.version).await?;
    download::serve_named(&s.core, &d.version, &name, &headers).await
}
