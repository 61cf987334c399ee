//! Workflow templates.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use vellum_core::model::Workflow;
use vellum_domain::workflow::WorkflowSpec;

use super::paging::{listed, page_of, PageQuery};
use crate::extract::AppQuery;
use crate::{
    auth::Authed,
    error::ApiResult,
    extract::{path_id, AppJson},
    AppState,
};

pub async fn create(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
    AppJson(spec): AppJson<WorkflowSpec>,
) -> ApiResult<Response> {
    let wf = s.core.create_workflow(&a.actor, &ws, spec).await?;
    Ok((StatusCode::CREATED, Json(wf)).into_response())
}

pub async fn list(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
    AppQuery(q): AppQuery<PageQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let page = q.request()?;
    Ok(listed("workflows", page_of(s.core.workflows(&a.actor, &ws).await?, &page, |w| w.id.to_string())))
}

pub async fn get(State(s): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<Json<Workflow>> {
    Ok(Json(s.core.workflow(&a.actor, path_id(&id, "workflow")?).await?))
}

pub async fn update(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    AppJson(spec): AppJson<WorkflowSpec>,
) -> ApiResult<Json<Workflow>> {
    Ok(Json(s.core.update_workflow(&a.actor, path_id(&id, "workflow")?, spec).await?))
}
