//! Share links through the API: share an approved version (or "approved", whichever is
//! approved when opened) with an expiry, an optional password, download allowed or view only;
//! list an asset's links with their use, revoke one.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use vellum_core::share_links::{Link, NewShare, Shared};
use vellum_domain::Timestamp;

use crate::{
    auth::Authed,
    error::ApiResult,
    extract::{path_id, AppJson},
    AppState,
};

/// The word that shares whichever version is approved when the link is opened.
#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum ApprovedWord {
    Approved,
}

/// A version number, or `"approved"`.
#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(untagged)]
pub enum VersionChoice {
    Number(u32),
    Word(ApprovedWord),
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewShareLink {
    version: VersionChoice,
    /// Share a rendition (`preview`…) instead of the original.
    #[schema(min_length = 1, max_length = 64)]
    rendition: Option<String>,
    /// When the link stops working (in the future).
    expires_at: Timestamp,
    /// 8–200 characters; the recipient types it before seeing anything.
    #[schema(min_length = 8, max_length = 200)]
    password: Option<String>,
    allow_download: bool,
    watermark: bool,
    #[schema(format = Email, max_length = 254)]
    recipient_email: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedShareLink {
    id: Uuid,
    /// The page to send; it holds the token.
    url: String,
    /// The secret, shown this once.
    token: String,
    expires_at: Timestamp,
}

#[derive(Serialize, ToSchema)]
pub struct ShareLinkItem {
    id: Uuid,
    /// The version shared (null: whichever is approved).
    version: Option<u32>,
    rendition: Option<String>,
    expires_at: Timestamp,
    allow_download: bool,
    watermark: bool,
    password: bool,
    recipient_email: Option<String>,
    access_count: u64,
    last_access_at: Option<Timestamp>,
    created_at: Timestamp,
    revoked_at: Option<Timestamp>,
}

impl From<Link> for ShareLinkItem {
    fn from(l: Link) -> Self {
        ShareLinkItem {
            id: l.id,
            version: l.version,
            rendition: l.rendition,
            expires_at: l.expires_at,
            allow_download: l.allow_download,
            watermark: l.watermark,
            password: l.password_hash.is_some(),
            recipient_email: l.recipient_email,
            access_count: l.access_count,
            last_access_at: l.last_access_at,
            created_at: l.created_at,
            revoked_at: l.revoked_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ShareLinkList {
    links: Vec<ShareLinkItem>,
}

/// Shares an approved version (anyone who may edit the asset).
#[utoipa::path(post, path = "/assets/{id}/share-links", tag = "distribution", operation_id = "create_share_link",
    params(("id" = Uuid, Path, description = "The asset")), request_body = NewShareLink,
    responses((status = 201, description = "Shared", body = CreatedShareLink)))]
pub async fn create(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    AppJson(b): AppJson<NewShareLink>,
) -> ApiResult<(StatusCode, Json<CreatedShareLink>)> {
    let new = NewShare {
        version: match b.version {
            VersionChoice::Number(n) => Shared::Number(n),
            VersionChoice::Word(ApprovedWord::Approved) => Shared::Approved,
        },
        rendition: b.rendition,
        expires_at: b.expires_at,
        password: b.password,
        allow_download: b.allow_download,
        watermark: b.watermark,
        recipient_email: b.recipient_email,
    };
    let (link, token) = s.core.create_share_link(&a.actor, path_id(&id, "asset")?, new).await?;
    let url = format!("{}/s/{token}", s.core.notify.public_url.trim_end_matches('/'));
    Ok((StatusCode::CREATED, Json(CreatedShareLink { id: link.id, url, token, expires_at: link.expires_at })))
}

/// An asset's share links, newest first, with their use.
#[utoipa::path(get, path = "/assets/{id}/share-links", tag = "distribution", operation_id = "list_share_links",
    params(("id" = Uuid, Path, description = "The asset")),
    responses((status = 200, description = "The links", body = ShareLinkList)))]
pub async fn list(State(s): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<Json<ShareLinkList>> {
    let links = s.core.share_links(&a.actor, path_id(&id, "asset")?).await?;
    Ok(Json(ShareLinkList { links: links.into_iter().map(Into::into).collect() }))
}

/// Revokes a share link: its page and every derivative stop at once.
#[utoipa::path(delete, path = "/share-links/{id}", tag = "distribution", operation_id = "revoke_share_link",
    params(("id" = Uuid, Path, description = "The link")),
    responses((status = 204, description = "Revoked")))]
pub async fn revoke(State(s): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<StatusCode> {
    s.core.revoke_share_link(&a.actor, path_id(&id, "share link")?).await?;
    Ok(StatusCode::NO_CONTENT)
}
