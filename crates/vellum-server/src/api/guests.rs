//! Guest reviewers: invited to one review by email, through a personal link that expires and
//! can be revoked; with the link (`/g/{token}`, and the `/guest/{token}` API it uses) a guest
//! sees that review's version and its comments, and comments.

use axum::{
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::Response,
    Json,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use vellum_core::{comments::NewComment, guests::GuestView};
use vellum_domain::Timestamp;

use super::{
    comments::{CommentItem, NewCommentBody},
    views::{BinaryFile, Pending},
};
use crate::{
    auth::Authed,
    error::ApiResult,
    extract::{path_id, AppJson, RequestOrigin},
    AppState,
};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGuestBody {
    /// The guest's email address (no account needed).
    #[schema(max_length = 254)]
    email: String,
    /// When the link stops working (at most 90 days ahead).
    expires_at: Timestamp,
}

/// A guest reviewer of a review.
#[derive(Serialize, ToSchema)]
pub struct GuestItem {
    id: Uuid,
    review_id: Uuid,
    email: String,
    /// The id their comments carry as `author_id`.
    user_id: Uuid,
    expires_at: Timestamp,
    revoked_at: Option<Timestamp>,
    created_by: Uuid,
    created_at: Timestamp,
    /// The personal link (a path on this server), only in the answer that made it and only when
    /// it was not emailed to the guest.
    link: Option<String>,
    /// Whether the link was emailed to the guest.
    emailed: bool,
}

impl From<GuestView> for GuestItem {
    fn from(g: GuestView) -> Self {
        GuestItem {
            id: g.id,
            review_id: g.review_id,
            email: g.email,
            user_id: g.user_id,
            expires_at: g.expires_at,
            revoked_at: g.revoked_at,
            created_by: g.created_by,
            created_at: g.created_at,
            link: g.link,
            emailed: g.emailed,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct GuestList {
    guests: Vec<GuestItem>,
}

/// Invites an email address to comment on this review through a personal, expiring link.
#[utoipa::path(post, path = "/reviews/{id}/guests", tag = "reviews", operation_id = "invite_guest",
    params(("id" = Uuid, Path, description = "The review")), request_body = NewGuestBody,
    responses((status = 201, description = "Invited", body = GuestItem)))]
pub async fn invite(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    AppJson(b): AppJson<NewGuestBody>,
) -> ApiResult<(StatusCode, Json<GuestItem>)> {
    let g = s.core.invite_guest(&a.actor, path_id(&id, "review")?, &b.email, b.expires_at).await?;
    Ok((StatusCode::CREATED, Json(g.into())))
}

/// A review's guests, with revoked and expired ones.
#[utoipa::path(get, path = "/reviews/{id}/guests", tag = "reviews", operation_id = "list_guests",
    params(("id" = Uuid, Path, description = "The review")),
    responses((status = 200, description = "The guests", body = GuestList)))]
pub async fn list(State(s): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<Json<GuestList>> {
    let guests = s.core.guests(&a.actor, path_id(&id, "review")?).await?;
    Ok(Json(GuestList { guests: guests.into_iter().map(Into::into).collect() }))
}

/// Revokes a guest's link at once.
#[utoipa::path(delete, path = "/reviews/{id}/guests/{guest_id}", tag = "reviews", operation_id = "revoke_guest",
    params(("id" = Uuid, Path, description = "The review"), ("guest_id" = Uuid, Path, description = "The guest")),
    responses((status = 200, description = "Revoked", body = GuestItem)))]
pub async fn revoke(
    State(s): State<AppState>,
    a: Authed,
    Path((id, guest)): Path<(String, String)>,
) -> ApiResult<Json<GuestItem>> {
    let g = s.core.revoke_guest(&a.actor, path_id(&id, "review")?, path_id(&guest, "guest")?).await?;
    Ok(Json(g.into()))
}

/// What a guest link opens.
#[derive(Serialize, ToSchema)]
pub struct GuestReview {
    review_id: Uuid,
    asset_id: Uuid,
    title: String,
    version: u32,
    /// The version's file type (`image/jpeg`, `application/pdf`…).
    content_type: String,
    /// Pages of a document, if it has them.
    page_count: Option<u32>,
    email: String,
    expires_at: Timestamp,
    comments: Vec<CommentItem>,
}

/// The review a guest link opens: its version and comments. Unknown, revoked or expired links
/// are 404.
#[utoipa::path(get, path = "/guest/{token}", tag = "guests", operation_id = "guest_review",
    params(("token" = String, Path, description = "The guest's personal link token")),
    responses((status = 200, description = "The review", body = GuestReview)), security(()))]
pub async fn review(State(s): State<AppState>, Path(token): Path<String>) -> ApiResult<Json<GuestReview>> {
    let (g, comments) = s.core.guest_comments(&token).await?;
    Ok(Json(GuestReview {
        review_id: g.review.id,
        asset_id: g.asset.id,
        title: g.asset.title,
        version: g.version.number,
        content_type: g.version.content_type.clone(),
        page_count: g.version.media.as_ref().and_then(|m| m.info.page_count),
        email: g.guest.email,
        expires_at: g.guest.expires_at,
        comments: comments.into_iter().map(Into::into).collect(),
    }))
}

/// A guest's comment on the review's version (audited with the guest's email).
#[utoipa::path(post, path = "/guest/{token}/comments", tag = "guests", operation_id = "guest_comment",
    params(("token" = String, Path, description = "The guest's personal link token")),
    request_body = NewCommentBody, responses((status = 201, description = "Written", body = CommentItem)),
    security(()))]
pub async fn comment(
    State(s): State<AppState>,
    RequestOrigin(origin): RequestOrigin,
    Path(token): Path<String>,
    AppJson(b): AppJson<NewCommentBody>,
) -> ApiResult<(StatusCode, Json<CommentItem>)> {
    let new = NewComment { body: b.body, parent_id: b.parent_id, anchor: b.anchor };
    let c = s.core.guest_comment(&token, &origin, new).await?;
    Ok((StatusCode::CREATED, Json(c.into())))
}

/// A rendition of the guest's version (`preview`, `thumbnail`, `poster`, `proxy`, `page-N`).
#[utoipa::path(get, path = "/guest/{token}/renditions/{name}", tag = "guests", operation_id = "guest_rendition",
    params(("token" = String, Path, description = "The guest's personal link token"),
        ("name" = String, Path, description = "The rendition")),
    responses(
        (status = 200, description = "The rendition", content((inline(BinaryFile) = "application/octet-stream"), (inline(BinaryFile) = "*/*"))),
        (status = 202, description = "Being made; try again after Retry-After seconds", body = Pending),
        (status = 304, description = "Not modified (If-None-Match)"),
    ), security(()))]
pub async fn rendition(
    State(s): State<AppState>,
    Path((token, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let answer = s.core.guest_rendition(&token, &name).await?;
    super::renditions::serve_rendition(&s, answer, &name, &headers).await
}
