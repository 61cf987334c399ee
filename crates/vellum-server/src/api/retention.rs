//! Retention policies with their dry run, legal holds, and deleting an asset (archive now and
//! purge its files; rows and audit stay).

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use vellum_core::retention::LegalHold;
use vellum_domain::{
    retention::{After, RetentionSpec},
    ErrorCode, Timestamp,
};

use crate::{
    auth::Authed,
    error::{ApiError, ApiResult},
    extract::{path_id, AppJson},
    AppState,
};

/// The workspace's retention policies (owners and admins).
#[utoipa::path(get, path = "/workspaces/{ws}/retention", tag = "retention", operation_id = "get_retention",
    params(("ws" = String, Path, description = "Workspace id or slug")),
    responses((status = 200, description = "The policies, in the order they are tried", body = RetentionSpec)))]
pub async fn get(State(s): State<AppState>, a: Authed, Path(ws): Path<String>) -> ApiResult<Json<RetentionSpec>> {
    Ok(Json(s.core.retention(&a.actor, &ws).await?))
}

/// Replaces the retention policies (owners and admins); the first whose `when` matches an
/// asset decides how long its files are kept.
#[utoipa::path(put, path = "/workspaces/{ws}/retention", tag = "retention", operation_id = "put_retention",
    params(("ws" = String, Path, description = "Workspace id or slug")), request_body = RetentionSpec,
    responses((status = 200, description = "Saved", body = RetentionSpec)))]
pub async fn put(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
    AppJson(spec): AppJson<RetentionSpec>,
) -> ApiResult<Json<RetentionSpec>> {
    Ok(Json(s.core.put_retention(&a.actor, &ws, spec).await?))
}

/// A live hold, by id and name.
#[derive(Serialize, ToSchema)]
pub struct HoldRef {
    id: Uuid,
    name: String,
}

/// An asset whose files the policies say are due.
#[derive(Serialize, ToSchema)]
pub struct PreviewItem {
    asset_id: Uuid,
    title: String,
    /// Versions whose files would be purged.
    versions: Vec<u32>,
    /// Index of the policy that decides.
    policy: usize,
    after: After,
    keep_years: u32,
    /// Where the period started (last distribution, creation or archive).
    since: Timestamp,
    due_at: Timestamp,
    /// Live legal holds that keep it: not purged while any is listed.
    held_by: Vec<HoldRef>,
}

/// What a run would purge now.
#[derive(Serialize, ToSchema)]
pub struct RetentionPreview {
    items: Vec<PreviewItem>,
}

/// The dry run: what the policies would purge now and why; held assets are listed with the
/// holds that keep them.
#[utoipa::path(get, path = "/workspaces/{ws}/retention/preview", tag = "retention", operation_id = "preview_retention",
    params(("ws" = String, Path, description = "Workspace id or slug")),
    responses((status = 200, description = "What would be purged", body = RetentionPreview)))]
pub async fn preview(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
) -> ApiResult<Json<RetentionPreview>> {
    let items = s
        .core
        .retention_preview(&a.actor, &ws)
        .await?
        .into_iter()
        .map(|c| PreviewItem {
            asset_id: c.asset_id,
            title: c.title,
            versions: c.versions,
            policy: c.due.policy,
            after: c.due.after,
            keep_years: c.keep_years,
            since: c.due.since,
            due_at: c.due.due_at,
            held_by: c.held_by.into_iter().map(|(id, name)| HoldRef { id, name }).collect(),
        })
        .collect();
    Ok(Json(RetentionPreview { items }))
}

/// A legal hold.
#[derive(Serialize, ToSchema)]
pub struct HoldView {
    id: Uuid,
    name: String,
    reason: String,
    asset_ids: Vec<Uuid>,
    campaign_id: Option<Uuid>,
    created_by: Uuid,
    created_at: Timestamp,
    lifted_at: Option<Timestamp>,
    lifted_by: Option<Uuid>,
    lift_reason: Option<String>,
}

impl From<LegalHold> for HoldView {
    fn from(h: LegalHold) -> Self {
        HoldView {
            id: h.id,
            name: h.name,
            reason: h.reason,
            asset_ids: h.asset_ids,
            campaign_id: h.campaign_id,
            created_by: h.created_by,
            created_at: h.created_at,
            lifted_at: h.lifted_at,
            lifted_by: h.lifted_by,
            lift_reason: h.lift_reason,
        }
    }
}

/// A new hold: the assets it names, the campaign whose assets it covers, or both.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewHold {
    #[schema(min_length = 1, max_length = 200)]
    name: String,
    #[schema(min_length = 1, max_length = 4000)]
    reason: String,
    #[serde(default)]
    #[schema(max_items = 10000)]
    asset_ids: Vec<Uuid>,
    campaign_id: Option<Uuid>,
}

/// Places a legal hold (owners and admins): what it covers cannot be purged or deleted.
#[utoipa::path(post, path = "/workspaces/{ws}/legal-holds", tag = "retention", operation_id = "create_legal_hold",
    params(("ws" = String, Path, description = "Workspace id or slug")), request_body = NewHold,
    responses((status = 201, description = "Placed", body = HoldView)))]
pub async fn create_hold(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
    AppJson(h): AppJson<NewHold>,
) -> ApiResult<Response> {
    let hold = s.core.create_legal_hold(&a.actor, &ws, &h.name, &h.reason, h.asset_ids, h.campaign_id).await?;
    Ok((StatusCode::CREATED, Json(HoldView::from(hold))).into_response())
}

/// The workspace's holds, newest first.
#[derive(Serialize, ToSchema)]
pub struct HoldList {
    holds: Vec<HoldView>,
}

/// The workspace's legal holds, lifted ones included (owners and admins).
#[utoipa::path(get, path = "/workspaces/{ws}/legal-holds", tag = "retention", operation_id = "list_legal_holds",
    params(("ws" = String, Path, description = "Workspace id or slug")),
    responses((status = 200, description = "The holds", body = HoldList)))]
pub async fn holds(State(s): State<AppState>, a: Authed, Path(ws): Path<String>) -> ApiResult<Json<HoldList>> {
    let holds = s.core.legal_holds(&a.actor, &ws).await?.into_iter().map(HoldView::from).collect();
    Ok(Json(HoldList { holds }))
}

/// Why a hold is lifted.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LiftHold {
    #[schema(min_length = 1, max_length = 4000)]
    reason: String,
}

/// Lifts a legal hold (owners and admins); the reason is required (`422 reason_required`
/// without one) and recorded.
#[utoipa::path(delete, path = "/legal-holds/{id}", tag = "retention", operation_id = "lift_legal_hold",
    params(("id" = Uuid, Path, description = "The hold")), request_body = LiftHold,
    responses((status = 200, description = "Lifted", body = HoldView)))]
pub async fn lift(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Json<HoldView>> {
    let id = path_id(&id, "legal hold")?;
    let text = body.trim_ascii();
    if text.is_empty() || text == b"null" {
        return Err(ApiError::new(ErrorCode::ReasonRequired, "say why the hold is lifted: {\"reason\": \"…\"}"));
    }
    let l = crate::extract::parse_json::<LiftHold>(&body)?;
    Ok(Json(s.core.lift_legal_hold(&a.actor, id, &l.reason).await?.into()))
}

/// Deletes an asset (owners and admins): archived now and every version's file purged; its
/// rows and audit trail stay. `409 under_legal_hold` while a hold covers it.
#[utoipa::path(delete, path = "/assets/{id}", tag = "retention", operation_id = "delete_asset",
    params(("id" = Uuid, Path, description = "The asset")),
    responses((status = 204, description = "Archived and purged")))]
pub async fn delete_asset(State(s): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<StatusCode> {
    s.core.delete_asset(&a.actor, path_id(&id, "asset")?).await?;
    Ok(StatusCode::NO_CONTENT)
}
