//! Reviews and decisions.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use vellum_domain::{review::Verdict, Id};

use super::{
    paging::{page_of, PageQuery},
    views::{ReviewPage, ReviewView},
};
use crate::{
    auth::Authed,
    error::ApiResult,
    extract::{path_id, AppJson, AppQuery},
    AppState,
};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartBody {
    /// Absent or null: the workspace's routing rules choose the chain (`422 no_route` when
    /// none matches), and the review keeps the rule and its explanation.
    #[serde(default)]
    workflow_id: Option<Uuid>,
}

/// Starts a review of the asset's current version with a workflow's latest revision, or
/// with the chain the routing rules choose.
#[utoipa::path(post, path = "/assets/{id}/reviews", tag = "reviews", operation_id = "start_review",
    params(("id" = Uuid, Path, description = "The asset")), request_body = StartBody,
    responses((status = 201, description = "Started", body = ReviewView)))]
pub async fn start(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    AppJson(b): AppJson<StartBody>,
) -> ApiResult<Response> {
    let review = s.core.start_review(&a.actor, path_id(&id, "asset")?, b.workflow_id).await?;
    Ok((StatusCode::CREATED, Json(ReviewView::from(review))).into_response())
}

/// Who hands a stage over to whom, and why.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReassignBody {
    /// The stage's name.
    stage: String,
    from_user: Uuid,
    to_user: Uuid,
    #[schema(schema_with = vellum_domain::openapi::note)]
    reason: String,
}

/// Replaces a pending approver of an active stage with another member who may approve
/// (owners and admins); listed in the review's `events` and audited.
#[utoipa::path(post, path = "/reviews/{id}/reassign", tag = "reviews", operation_id = "reassign_approver",
    params(("id" = Uuid, Path, description = "The review")), request_body = ReassignBody,
    responses((status = 200, description = "The review with its new approver", body = ReviewView)))]
pub async fn reassign(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    AppJson(b): AppJson<ReassignBody>,
) -> ApiResult<Json<ReviewView>> {
    let r =
        vellum_core::reassign::Reassignment { stage: &b.stage, from: b.from_user, to: b.to_user, reason: &b.reason };
    Ok(Json(s.core.reassign(&a.actor, path_id(&id, "review")?, r).await?.into()))
}

/// The reviews of an asset, newest first.
#[utoipa::path(get, path = "/assets/{id}/reviews", tag = "reviews", operation_id = "list_reviews",
    params(("id" = Uuid, Path, description = "The asset"), PageQuery),
    responses((status = 200, description = "A page of reviews", body = ReviewPage)))]
pub async fn list(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    AppQuery(q): AppQuery<PageQuery>,
) -> ApiResult<Json<ReviewPage>> {
    let page = q.request()?;
    let reviews = s.core.reviews_of(&a.actor, path_id(&id, "asset")?).await?;
    // Newest first: UUIDv7 ids sort by creation, so the key inverts them.
    Ok(Json(page_of(reviews, &page, |r| newest_first_key(r.id)).into()))
}

/// A sort key that puts later UUIDv7 ids first.
pub(crate) fn newest_first_key(id: Id) -> String {
    let inverted: Vec<u8> = id.as_bytes().iter().map(|b| 255 - b).collect();
    hex::encode(inverted)
}

/// One review: its stages, approvers and decisions.
#[utoipa::path(get, path = "/reviews/{id}", tag = "reviews", operation_id = "get_review",
    params(("id" = Uuid, Path, description = "The review")), responses((status = 200, description = "The review", body = ReviewView)))]
pub async fn get(State(s): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<Json<ReviewView>> {
    Ok(Json(s.core.review(&a.actor, path_id(&id, "review")?).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    /// The version under review: a decision is bound to it.
    #[schema(minimum = 1, maximum = 4294967295_u32)]
    version: u32,
    /// Read as text so an unknown decision is `invalid_decision`.
    #[schema(value_type = Verdict)]
    decision: String,
    /// Required for `changes_requested` and `reject`.
    #[schema(max_length = 4000)]
    reason: Option<String>,
    /// Deciding as the delegate of an out-of-office approver: whose place this is. Without it,
    /// a delegate who approves nothing open here decides for the one absentee they cover.
    #[serde(default)]
    on_behalf_of: Option<Uuid>,
    /// Open comments of this asset the decision relies on (shown with it).
    #[serde(default)]
    #[schema(max_items = 100)]
    comment_ids: Vec<Uuid>,
}

/// Decides on the version under review, for every active stage the caller approves.
#[utoipa::path(post, path = "/reviews/{id}/decisions", tag = "reviews", operation_id = "decide",
    params(("id" = Uuid, Path, description = "The review")), request_body = DecisionBody,
    responses((status = 201, description = "Recorded; the review as it now stands", body = ReviewView)))]
pub async fn decide(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    AppJson(b): AppJson<DecisionBody>,
) -> ApiResult<Response> {
    let review = s
        .core
        .decide_for(
            &a.actor,
            path_id(&id, "review")?,
            b.version,
            &b.decision,
            b.reason.as_deref(),
            b.on_behalf_of,
            &b.comment_ids,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(ReviewView::from(review))).into_response())
}

/// Invites a member to the review as a collaborator: they comment and are told, but never
/// decide.
#[utoipa::path(put, path = "/reviews/{id}/collaborators/{user_id}", tag = "reviews", operation_id = "add_collaborator",
    params(("id" = Uuid, Path, description = "The review"), ("user_id" = Uuid, Path, description = "The member")),
    responses((status = 200, description = "The review", body = ReviewView)))]
pub async fn add_collaborator(
    State(s): State<AppState>,
    a: Authed,
    Path((id, user)): Path<(String, String)>,
) -> ApiResult<Json<ReviewView>> {
    let (id, user) = (path_id(&id, "review")?, path_id(&user, "user")?);
    Ok(Json(s.core.set_collaborator(&a.actor, id, user, true).await?.into()))
}

/// Takes a collaborator off the review.
#[utoipa::path(delete, path = "/reviews/{id}/collaborators/{user_id}", tag = "reviews", operation_id = "remove_collaborator",
    params(("id" = Uuid, Path, description = "The review"), ("user_id" = Uuid, Path, description = "The member")),
    responses((status = 200, description = "The review", body = ReviewView)))]
pub async fn remove_collaborator(
    State(s): State<AppState>,
    a: Authed,
    Path((id, user)): Path<(String, String)>,
) -> ApiResult<Json<ReviewView>> {
    let (id, user) = (path_id(&id, "review")?, path_id(&user, "user")?);
    Ok(Json(s.core.set_collaborator(&a.actor, id, user, false).await?.into()))
}
