//! Proposals as the API shows them: the workspace's inbox of changes agents asked for, and
//! accepting or rejecting one.

use axum::{
    extract::{Path, State},
    Json,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use vellum_core::proposals::Proposal;
use vellum_domain::{
    proposal::{ProposalKind, ProposalStatus},
    Timestamp,
};

use super::{paging::page_request, views::page};
use crate::{
    auth::Authed,
    error::ApiResult,
    extract::{path_id, AppJson, AppQuery},
    AppState,
};

/// What a proposal is about.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalTarget {
    /// `asset`, or `workspace` for a new brief.
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    kind: String,
    id: Uuid,
    /// The asset version it was made against.
    version: Option<u32>,
}

/// A change an agent asked for, and where it stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalView {
    id: Uuid,
    workspace_id: Uuid,
    kind: ProposalKind,
    target: ProposalTarget,
    /// The change as proposed: `{asset_id, version, metadata}`, `{asset_id, version,
    /// workflow_id}` or `{template_id, title, fields, campaign_id}`.
    #[schema(value_type = Object)]
    change: serde_json::Value,
    /// For a metadata change, the values the changed fields had when it was proposed.
    #[schema(value_type = Option<Object>)]
    before: Option<serde_json::Map<String, serde_json::Value>>,
    /// Why the agent proposes it.
    rationale: String,
    /// The API token it was proposed through.
    token_id: Option<Uuid>,
    /// The person the agent acts for.
    created_by: Uuid,
    created_at: Timestamp,
    status: ProposalStatus,
    decided_by: Option<Uuid>,
    decided_at: Option<Timestamp>,
    /// Why it was rejected.
    reason: Option<String>,
    /// What accepting it made: the review or the brief.
    result_id: Option<Uuid>,
}

impl From<Proposal> for ProposalView {
    fn from(p: Proposal) -> Self {
        ProposalView {
            id: p.id,
            workspace_id: p.workspace_id,
            kind: p.kind,
            target: ProposalTarget { kind: p.target_type, id: p.target_id, version: p.version },
            change: p.change,
            before: p.before,
            rationale: p.rationale,
            token_id: p.token_id,
            created_by: p.created_by,
            created_at: p.created_at,
            status: p.status,
            decided_by: p.decided_by,
            decided_at: p.decided_at,
            reason: p.reason,
            result_id: p.result_id,
        }
    }
}

page!(ProposalPage, "proposals", ProposalView);

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ProposalQuery {
    /// Only proposals in this state.
    status: Option<ProposalStatus>,
    /// Items per page (default 50).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[param(max_length = 64, pattern = "^[A-Za-z0-9-]*$")]
    cursor: Option<String>,
}

/// The workspace's proposals, newest first (members who see work in progress).
#[utoipa::path(get, path = "/workspaces/{ws}/proposals", tag = "proposals", operation_id = "list_proposals",
    params(("ws" = String, Path, description = "Workspace id or slug"), ProposalQuery),
    responses((status = 200, description = "A page of proposals", body = ProposalPage)))]
pub async fn list(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
    AppQuery(q): AppQuery<ProposalQuery>,
) -> ApiResult<Json<ProposalPage>> {
    let page = page_request(q.limit, q.cursor.as_deref())?;
    Ok(Json(s.core.proposals(&a.actor, &ws, q.status, &page).await?.into()))
}

/// Accepts a pending proposal: the change is made as you, with the agent's token named beside
/// you in the audit trail. Refused (409 `proposal_stale`) when what it changes moved on since.
#[utoipa::path(post, path = "/proposals/{id}/accept", tag = "proposals", operation_id = "accept_proposal",
    params(("id" = Uuid, Path, description = "The proposal")),
    responses((status = 200, description = "Accepted and applied", body = ProposalView)))]
pub async fn accept(State(s): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<Json<ProposalView>> {
    Ok(Json(s.core.accept_proposal(&a.actor, path_id(&id, "proposal")?).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rejection {
    /// Why: the agent and its person read this.
    #[schema(min_length = 1, max_length = 4000)]
    reason: String,
}

/// Rejects a pending proposal with a reason.
#[utoipa::path(post, path = "/proposals/{id}/reject", tag = "proposals", operation_id = "reject_proposal",
    params(("id" = Uuid, Path, description = "The proposal")), request_body = Rejection,
    responses((status = 200, description = "Rejected", body = ProposalView)))]
pub async fn reject(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    AppJson(r): AppJson<Rejection>,
) -> ApiResult<Json<ProposalView>> {
    Ok(Json(s.core.reject_proposal(&a.actor, path_id(&id, "proposal")?, &r.reason).await?.into()))
}
