//! Always-current links: make, list and revoke them (the API), and serve them (`/p/…`, no
//! session) — always the approved version, with validators a CDN can cache on.

use axum::{
    extract::{Path, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use vellum_core::public_links::LinkView;
use vellum_domain::Timestamp;

use crate::{
    auth::Authed,
    download::{public_answer, serve_stored, Stored},
    error::{ApiError, ApiResult},
    extract::{path_id, AppJson, RequestOrigin},
    AppState,
};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPublicLink {
    /// `original`, or a rendition (`preview`, `thumbnail`, `poster`, `proxy`, `pdf`…).
    #[schema(min_length = 1, max_length = 64)]
    rendition: String,
}

#[derive(Serialize, ToSchema)]
pub struct PublicLinkItem {
    id: Uuid,
    /// The stable public address: it always serves the approved version.
    url: String,
    rendition: String,
    /// Requests served so far.
    hits: u64,
    created_at: Timestamp,
}

fn item(s: &AppState, v: LinkView) -> PublicLinkItem {
    PublicLinkItem {
        id: v.link.id,
        url: format!("{}{}", s.core.notify.public_url.trim_end_matches('/'), v.path),
        rendition: v.link.rendition,
        hits: v.hits,
        created_at: v.link.created_at,
    }
}

/// Makes an always-current link (anyone who may edit the asset; it needs an approved version).
#[utoipa::path(post, path = "/assets/{id}/public-links", tag = "distribution", operation_id = "create_public_link",
    params(("id" = Uuid, Path, description = "The asset")), request_body = NewPublicLink,
    responses((status = 201, description = "Made", body = PublicLinkItem)))]
pub async fn create(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    AppJson(b): AppJson<NewPublicLink>,
) -> ApiResult<(StatusCode, Json<PublicLinkItem>)> {
    let v = s.core.create_public_link(&a.actor, path_id(&id, "asset")?, &b.rendition).await?;
    Ok((StatusCode::CREATED, Json(item(&s, v))))
}

#[derive(Serialize, ToSchema)]
pub struct PublicLinkList {
    links: Vec<PublicLinkItem>,
}

/// An asset's live always-current links, with their hits.
#[utoipa::path(get, path = "/assets/{id}/public-links", tag = "distribution", operation_id = "list_public_links",
    params(("id" = Uuid, Path, description = "The asset")),
    responses((status = 200, description = "The links", body = PublicLinkList)))]
pub async fn list(State(s): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<Json<PublicLinkList>> {
    let links = s.core.public_links(&a.actor, path_id(&id, "asset")?).await?;
    Ok(Json(PublicLinkList { links: links.into_iter().map(|v| item(&s, v)).collect() }))
}

/// Revokes an always-current link: its URL answers 404 from now on.
#[utoipa::path(delete, path = "/public-links/{id}", tag = "distribution", operation_id = "revoke_public_link",
    params(("id" = Uuid, Path, description = "The link")),
    responses((status = 204, description = "Revoked")))]
pub async fn revoke(State(s): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<StatusCode> {
    s.core.revoke_public_link(&a.actor, path_id(&id, "public link")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /p/{token}/{file}`: the approved version's file (Range and If-None-Match work);
/// 404 for an unknown or revoked link, 410 while rights have lapsed or the asset is archived.
pub async fn serve(
    State(s): State<AppState>,
    Path((token, file)): Path<(String, String)>,
    RequestOrigin(origin): RequestOrigin,
    headers: HeaderMap,
) -> Response {
    let served = match s.core.public_file(&token, &file, &origin).await {
        Ok(f) => f,
        Err(e) => return public_answer(ApiError::from(e).into_response()),
    };
    let stored = Stored {
        sha256: &served.sha256,
        size: served.size,
        content_type: &served.content_type,
        filename: None,
        modified: served.modified,
    };
    let mut response = match serve_stored(&s.core, &stored, &headers).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    };
    // The same URL serves the next approved version: caches revalidate rather than keep it.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300, must-revalidate"));
    public_answer(response)
}
