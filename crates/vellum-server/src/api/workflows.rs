//! Workflow templates.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use vellum_domain::workflow::WorkflowSpec;

use super::{
    paging::{page_of, PageQuery},
    views::{WorkflowPage, WorkflowView},
};
use crate::{
    auth::Authed,
    error::ApiResult,
    extract::{path_id, AppJson, AppQuery},
    AppState,
};

/// Creates a workflow: ordered stages with approvers (users or groups), a rule and a start
/// mode (owners and admins).
#[utoipa::path(post, path = "/workspaces/{ws}/workflows", tag = "workflows", operation_id = "create_workflow",
    params(("ws" = String, Path, description = "Workspace id or slug")), request_body = WorkflowSpec,
    responses((status = 201, description = "Created", body = WorkflowView)))]
pub async fn create(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
    AppJson(spec): AppJson<WorkflowSpec>,
) -> ApiResult<Response> {
    let wf = s.core.create_workflow(&a.actor, &ws, spec).await?;
    Ok((StatusCode::CREATED, Json(WorkflowView::from(wf))).into_response())
}

/// The workspace's workflows.
#[utoipa::path(get, path = "/workspaces/{ws}/workflows", tag = "workflows", operation_id = "list_workflows",
    params(("ws" = String, Path, description = "Workspace id or slug"), PageQuery),
    responses((status = 200, description = "A page of workflows", body = WorkflowPage)))]
pub async fn list(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
    AppQuery(q): AppQuery<PageQuery>,
) -> ApiResult<Json<WorkflowPage>> {
    let page = q.request()?;
    Ok(Json(page_of(s.core.workflows(&a.actor, &ws).await?, &page, |w| w.id.to_string()).into()))
}

/// One workflow, at its latest revision.
#[utoipa::path(get, path = "/workflows/{id}", tag = "workflows", operation_id = "get_workflow",
    params(("id" = Uuid, Path, description = "The workflow")), responses((status = 200, description = "The workflow", body = WorkflowView)))]
pub async fn get(State(s): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<Json<WorkflowView>> {
    Ok(Json(s.core.workflow(&a.actor, path_id(&id, "workflow")?).await?.into()))
}

/// Edits a workflow: saves a new revision (reviews in progress keep theirs).
#[utoipa::path(put, path = "/workflows/{id}", tag = "workflows", operation_id = "update_workflow",
    params(("id" = Uuid, Path, description = "The workflow")), request_body = WorkflowSpec,
    responses((status = 200, description = "The new revision", body = WorkflowView)))]
pub async fn update(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    AppJson(spec): AppJson<WorkflowSpec>,
) -> ApiResult<Json<WorkflowView>> {
    Ok(Json(s.core.update_workflow(&a.actor, path_id(&id, "workflow")?, spec).await?.into()))
}
