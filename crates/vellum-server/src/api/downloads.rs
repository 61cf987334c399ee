//! Download policies, requests and grants: the workspace's rules for who downloads what, a
//! member's request with its purpose, the grant (with an expiry and a number of downloads) or
//! the denial, and the grants a member holds.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use vellum_core::downloads::{Grant, Request};
use vellum_domain::{download_policy::PolicySpec, ErrorCode, Timestamp};

use crate::{
    auth::Authed,
    error::{ApiError, ApiResult},
    extract::{path_id, AppJson, AppQuery},
    AppState,
};

/// Where a request stands.
#[derive(Serialize, Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    Pending,
    Granted,
    Denied,
}

#[derive(Serialize, ToSchema)]
pub struct RequestItem {
    id: Uuid,
    asset_id: Uuid,
    version: Option<u32>,
    rendition: Option<String>,
    purpose: String,
    requester_id: Uuid,
    status: RequestStatus,
    created_at: Timestamp,
    decided_at: Option<Timestamp>,
    decided_by: Option<Uuid>,
    /// Why it was denied.
    reason: Option<String>,
}

impl From<Request> for RequestItem {
    fn from(r: Request) -> Self {
        let status = match r.status.as_str() {
            "granted" => RequestStatus::Granted,
            "denied" => RequestStatus::Denied,
            _ => RequestStatus::Pending,
        };
        RequestItem {
            id: r.id,
            asset_id: r.asset_id,
            version: r.version,
            rendition: r.rendition,
            purpose: r.purpose,
            requester_id: r.requester_id,
            status,
            created_at: r.created_at,
            decided_at: r.decided_at,
            decided_by: r.decided_by,
            reason: r.reason,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct GrantItem {
    id: Uuid,
    request_id: Uuid,
    asset_id: Uuid,
    /// The version it covers (null: any the holder may see).
    version: Option<u32>,
    user_id: Uuid,
    expires_at: Timestamp,
    max_downloads: Option<u32>,
    /// Downloads made with it so far.
    downloads: u32,
    created_by: Uuid,
    created_at: Timestamp,
    revoked_at: Option<Timestamp>,
}

impl From<Grant> for GrantItem {
    fn from(g: Grant) -> Self {
        GrantItem {
            id: g.id,
            request_id: g.request_id,
            asset_id: g.asset_id,
            version: g.version,
            user_id: g.user_id,
            expires_at: g.expires_at,
            max_downloads: g.max_downloads,
            downloads: g.downloads,
            created_by: g.created_by,
            created_at: g.created_at,
            revoked_at: g.revoked_at,
        }
    }
}

/// The workspace's download policies (members who see work in progress).
#[utoipa::path(get, path = "/workspaces/{ws}/download-policies", tag = "downloads", operation_id = "get_download_policies",
    params(("ws" = String, Path, description = "Workspace id or slug")),
    responses((status = 200, description = "The policies", body = PolicySpec)))]
pub async fn policies(State(s): State<AppState>, a: Authed, Path(ws): Path<String>) -> ApiResult<Json<PolicySpec>> {
    Ok(Json(s.core.download_policies(&a.actor, &ws).await?))
}

/// Replaces the download policies (owners, admins, managers); the first matching rule decides.
#[utoipa::path(put, path = "/workspaces/{ws}/download-policies", tag = "downloads", operation_id = "put_download_policies",
    params(("ws" = String, Path, description = "Workspace id or slug")), request_body = PolicySpec,
    responses((status = 200, description = "Saved", body = PolicySpec)))]
pub async fn put_policies(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
    AppJson(spec): AppJson<PolicySpec>,
) -> ApiResult<Json<PolicySpec>> {
    Ok(Json(s.core.put_download_policies(&a.actor, &ws, spec).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRequest {
    /// The version wanted (absent: any the requester may see).
    #[schema(minimum = 1)]
    version: Option<u32>,
    #[schema(min_length = 1, max_length = 64)]
    rendition: Option<String>,
    /// What the file is for.
    #[schema(min_length = 1, max_length = 2000)]
    purpose: String,
}

/// Asks for a download the policy holds back.
#[utoipa::path(post, path = "/assets/{id}/download-requests", tag = "downloads", operation_id = "request_download",
    params(("id" = Uuid, Path, description = "The asset")), request_body = NewRequest,
    responses((status = 201, description = "Pending", body = RequestItem)))]
pub async fn request(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    AppJson(b): AppJson<NewRequest>,
) -> ApiResult<(StatusCode, Json<RequestItem>)> {
    let r = s.core.request_download(&a.actor, path_id(&id, "asset")?, b.version, b.rendition, &b.purpose).await?;
    Ok((StatusCode::CREATED, Json(r.into())))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RequestQuery {
    #[param(inline, value_type = Option<RequestStatus>)]
    status: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RequestList {
    requests: Vec<RequestItem>,
}

/// The workspace's requests, newest first: all of them for owners, admins and managers, a
/// member's own otherwise.
#[utoipa::path(get, path = "/workspaces/{ws}/download-requests", tag = "downloads", operation_id = "list_download_requests",
    params(("ws" = String, Path, description = "Workspace id or slug"), RequestQuery),
    responses((status = 200, description = "The requests", body = RequestList)))]
pub async fn requests(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
    AppQuery(q): AppQuery<RequestQuery>,
) -> ApiResult<Json<RequestList>> {
    if let Some(st) = q.status.as_deref().filter(|s| !["pending", "granted", "denied"].contains(s)) {
        return Err(ApiError::new(
            ErrorCode::InvalidQuery,
            format!("status: '{st}' is not pending, granted or denied"),
        ));
    }
    let list = s.core.download_requests(&a.actor, &ws, q.status.as_deref()).await?;
    Ok(Json(RequestList { requests: list.into_iter().map(Into::into).collect() }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantBody {
    /// When the grant lapses (in the future).
    expires_at: Timestamp,
    #[schema(minimum = 1)]
    max_downloads: Option<u32>,
}

/// Grants a pending request (the asset's owner, managers, or the policy's approvers).
#[utoipa::path(post, path = "/download-requests/{id}/grant", tag = "downloads", operation_id = "grant_download",
    params(("id" = Uuid, Path, description = "The request")), request_body = GrantBody,
    responses((status = 200, description = "Granted", body = GrantItem)))]
pub async fn grant(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    AppJson(b): AppJson<GrantBody>,
) -> ApiResult<Json<GrantItem>> {
    let (_, g) = s
        .core
        .decide_download(&a.actor, path_id(&id, "download request")?, Some((b.expires_at, b.max_downloads)), None)
        .await?;
    let g = g.ok_or_else(|| ApiError::new(ErrorCode::Internal, "the grant was not made"))?;
    Ok(Json(g.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DenyBody {
    /// Why: the requester reads it.
    #[schema(min_length = 1, max_length = 2000)]
    reason: String,
}

/// Denies a pending request, with a reason.
#[utoipa::path(post, path = "/download-requests/{id}/deny", tag = "downloads", operation_id = "deny_download",
    params(("id" = Uuid, Path, description = "The request")), request_body = DenyBody,
    responses((status = 200, description = "Denied", body = RequestItem)))]
pub async fn deny(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    AppJson(b): AppJson<DenyBody>,
) -> ApiResult<Json<RequestItem>> {
    let (r, _) = s.core.decide_download(&a.actor, path_id(&id, "download request")?, None, Some(&b.reason)).await?;
    Ok(Json(r.into()))
}

#[derive(Serialize, ToSchema)]
pub struct GrantList {
    grants: Vec<GrantItem>,
}

/// The grants you hold, newest first.
#[utoipa::path(get, path = "/me/grants", tag = "downloads", operation_id = "list_my_grants",
    responses((status = 200, description = "Your grants", body = GrantList)))]
pub async fn my_grants(State(s): State<AppState>, a: Authed) -> ApiResult<Json<GrantList>> {
    Ok(Json(GrantList { grants: s.core.my_grants(&a.actor).await?.into_iter().map(Into::into).collect() }))
}

/// Revokes a grant (its holder, or whoever decides on the asset).
#[utoipa::path(delete, path = "/grants/{id}", tag = "downloads", operation_id = "revoke_grant",
    params(("id" = Uuid, Path, description = "The grant")),
    responses((status = 204, description = "Revoked")))]
pub async fn revoke(State(s): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<StatusCode> {
    s.core.revoke_grant(&a.actor, path_id(&id, "grant")?).await?;
    Ok(StatusCode::NO_CONTENT)
}
