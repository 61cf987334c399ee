//! Comments on versions: write (anchored, threaded, with @mentions), list with the threads
//! carried forward, edit with history, resolve, reopen, retract.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use vellum_core::comments::{CommentFilter, CommentView, EditView, NewComment};
use vellum_domain::{
    comment::{Anchor, CommentStatus},
    ErrorCode, Timestamp,
};

use crate::{
    auth::Authed,
    error::{ApiError, ApiResult},
    extract::{path_id, path_version, AppJson, AppQuery},
    AppState,
};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCommentBody {
    /// Plain text with light markdown; `@name@example.com` mentions a member.
    #[schema(min_length = 1, max_length = 10000)]
    pub(super) body: String,
    /// The comment replied to (the thread continues under its first comment).
    pub(super) parent_id: Option<Uuid>,
    pub(super) anchor: Option<Anchor>,
}

/// A comment.
#[derive(Serialize, ToSchema)]
pub struct CommentItem {
    id: Uuid,
    asset_id: Uuid,
    /// The version it was written on (kept when carried forward).
    version: u32,
    origin_version: u32,
    /// Whether its region changed between its version and the one listed; null when unknown.
    region_changed: Option<bool>,
    parent_id: Option<Uuid>,
    author_id: Uuid,
    /// The author's display name (a guest reviewer's is their email with "(guest)").
    author_name: String,
    /// Empty once retracted.
    body: String,
    /// The body's light markdown as HTML: all of the text escaped, no raw HTML, links only to
    /// http, https and mailto addresses.
    body_html: String,
    anchor: Option<Anchor>,
    /// SMPTE timecode of `anchor.frame` (videos), else null.
    timecode: Option<String>,
    timecode_end: Option<String>,
    mentions: Vec<Uuid>,
    status: CommentStatus,
    resolved_by: Option<Uuid>,
    resolved_at: Option<Timestamp>,
    resolved_on_version: Option<u32>,
    created_at: Timestamp,
    edited_at: Option<Timestamp>,
    /// Written through an API token by an agent acting for the author (null: by the author).
    via_token_id: Option<Uuid>,
}

impl From<CommentView> for CommentItem {
    fn from(c: CommentView) -> Self {
        CommentItem {
            id: c.id,
            asset_id: c.asset_id,
            version: c.version,
            origin_version: c.origin_version,
            region_changed: c.region_changed,
            parent_id: c.parent_id,
            author_id: c.author_id,
            author_name: c.author_name,
            body: c.body,
            body_html: c.body_html,
            anchor: c.anchor,
            timecode: c.timecode,
            timecode_end: c.timecode_end,
            mentions: c.mentions,
            status: c.status,
            resolved_by: c.resolved_by,
            resolved_at: c.resolved_at,
            resolved_on_version: c.resolved_on_version,
            created_at: c.created_at,
            edited_at: c.edited_at,
            via_token_id: c.via_token_id,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CommentList {
    comments: Vec<CommentItem>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CommentQuery {
    /// `open`, `resolved` or `retracted`.
    #[param(value_type = Option<CommentStatus>)]
    status: Option<String>,
    /// Only your own.
    mine: Option<bool>,
    /// Only those mentioning you.
    mentions: Option<bool>,
    /// Only those anchored to this page.
    #[param(minimum = 1, maximum = 100000)]
    page: Option<u32>,
    /// Only those written by the approvers of this stage (from 1) of the version's review.
    #[param(minimum = 1, maximum = 100)]
    stage: Option<u32>,
}

/// Writes a comment on a version, optionally anchored to a page, a region or frames.
#[utoipa::path(post, path = "/assets/{id}/versions/{n}/comments", tag = "comments", operation_id = "create_comment",
    params(("id" = Uuid, Path, description = "The asset"), ("n" = u32, Path, minimum = 1, description = "The version")),
    request_body = NewCommentBody, responses((status = 201, description = "Written", body = CommentItem)))]
pub async fn create(
    State(s): State<AppState>,
    a: Authed,
    Path((id, n)): Path<(String, String)>,
    AppJson(b): AppJson<NewCommentBody>,
) -> ApiResult<(StatusCode, Json<CommentItem>)> {
    let new = NewComment { body: b.body, parent_id: b.parent_id, anchor: b.anchor };
    let c = s.core.create_comment(&a.actor, path_id(&id, "asset")?, path_version(&n)?, new).await?;
    Ok((StatusCode::CREATED, Json(c.into())))
}

/// A version's comments, with the unresolved ones carried forward from earlier versions.
#[utoipa::path(get, path = "/assets/{id}/versions/{n}/comments", tag = "comments", operation_id = "list_comments",
    params(("id" = Uuid, Path, description = "The asset"), ("n" = u32, Path, minimum = 1, description = "The version"),
        CommentQuery),
    responses((status = 200, description = "The comments, oldest first", body = CommentList)))]
pub async fn list(
    State(s): State<AppState>,
    a: Authed,
    Path((id, n)): Path<(String, String)>,
    AppQuery(q): AppQuery<CommentQuery>,
) -> ApiResult<Json<CommentList>> {
    let status = q
        .status
        .as_deref()
        .map(|s| {
            CommentStatus::parse(s).ok_or_else(|| {
                ApiError::new(
                    ErrorCode::InvalidState,
                    format!("'{s}' is not a comment status; use open, resolved or retracted"),
                )
            })
        })
        .transpose()?;
    if q.page.is_some_and(|p| !(1..=100_000).contains(&p)) {
        return Err(ApiError::new(ErrorCode::InvalidQuery, "page counts from 1 (at most 100,000)"));
    }
    if q.stage.is_some_and(|k| !(1..=100).contains(&k)) {
        return Err(ApiError::new(ErrorCode::InvalidQuery, "stage counts from 1 (at most 100)"));
    }
    let f = CommentFilter {
        status,
        mine: q.mine.unwrap_or(false),
        mentioning_me: q.mentions.unwrap_or(false),
        page: q.page,
        stage: q.stage,
    };
    let list = s.core.comments(&a.actor, path_id(&id, "asset")?, path_version(&n)?, &f).await?;
    Ok(Json(CommentList { comments: list.into_iter().map(Into::into).collect() }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditBody {
    #[schema(min_length = 1, max_length = 10000)]
    body: String,
}

/// Changes the text of your own comment; the earlier text is kept in its history.
#[utoipa::path(patch, path = "/comments/{id}", tag = "comments", operation_id = "edit_comment",
    params(("id" = Uuid, Path, description = "The comment")), request_body = EditBody,
    responses((status = 200, description = "Edited", body = CommentItem)))]
pub async fn edit(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    AppJson(b): AppJson<EditBody>,
) -> ApiResult<Json<CommentItem>> {
    Ok(Json(s.core.edit_comment(&a.actor, path_id(&id, "comment")?, &b.body).await?.into()))
}

#[derive(Serialize, ToSchema)]
pub struct EditItem {
    body: String,
    replaced_at: Timestamp,
    replaced_by: Uuid,
}

#[derive(Serialize, ToSchema)]
pub struct HistoryList {
    /// Earlier texts, oldest first.
    edits: Vec<EditItem>,
}

/// A comment's earlier texts.
#[utoipa::path(get, path = "/comments/{id}/history", tag = "comments", operation_id = "comment_history",
    params(("id" = Uuid, Path, description = "The comment")),
    responses((status = 200, description = "Earlier texts", body = HistoryList)))]
pub async fn history(State(s): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<Json<HistoryList>> {
    let edits = s.core.comment_history(&a.actor, path_id(&id, "comment")?).await?;
    let edits = edits
        .into_iter()
        .map(|e: EditView| EditItem { body: e.body, replaced_at: e.replaced_at, replaced_by: e.replaced_by })
        .collect();
    Ok(Json(HistoryList { edits }))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ResolveBody {
    /// The version you are looking at (default: the asset's current one).
    #[schema(minimum = 1)]
    version: Option<u32>,
}

/// Resolves a comment (its thread stops being carried to later versions).
#[utoipa::path(post, path = "/comments/{id}/resolve", tag = "comments", operation_id = "resolve_comment",
    params(("id" = Uuid, Path, description = "The comment")), request_body = ResolveBody,
    responses((status = 200, description = "Resolved", body = CommentItem)))]
pub async fn resolve(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    AppJson(b): AppJson<ResolveBody>,
) -> ApiResult<Json<CommentItem>> {
    Ok(Json(s.core.resolve_comment(&a.actor, path_id(&id, "comment")?, b.version).await?.into()))
}

/// Opens a resolved comment again.
#[utoipa::path(post, path = "/comments/{id}/reopen", tag = "comments", operation_id = "reopen_comment",
    params(("id" = Uuid, Path, description = "The comment")),
    responses((status = 200, description = "Open again", body = CommentItem)))]
pub async fn reopen(State(s): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<Json<CommentItem>> {
    Ok(Json(s.core.reopen_comment(&a.actor, path_id(&id, "comment")?).await?.into()))
}

/// Withdraws your own comment: its text is hidden, the record kept.
#[utoipa::path(post, path = "/comments/{id}/retract", tag = "comments", operation_id = "retract_comment",
    params(("id" = Uuid, Path, description = "The comment")),
    responses((status = 200, description = "Retracted", body = CommentItem)))]
pub async fn retract(State(s): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<Json<CommentItem>> {
    Ok(Json(s.core.retract_comment(&a.actor, path_id(&id, "comment")?).await?.into()))
}
