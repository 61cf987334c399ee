//! The job queue for admins: list a workspace's jobs and retry failed ones.

use axum::{
    extract::{Path, State},
    Json,
};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{
    paging::page_request,
    views::{JobPage, JobStateView, JobView},
};
use crate::{
    auth::Authed,
    error::ApiResult,
    extract::{path_id, AppQuery},
    AppState,
};

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct JobQuery {
    #[param(value_type = Option<JobStateView>)]
    state: Option<String>,
    /// Items per page (default 50).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[param(max_length = 64, pattern = "^[A-Za-z0-9-]*$")]
    cursor: Option<String>,
}

/// A workspace's background jobs, newest first (owners and admins).
#[utoipa::path(get, path = "/workspaces/{ws}/jobs", tag = "jobs", operation_id = "list_jobs",
    params(("ws" = String, Path, description = "Workspace id or slug"), JobQuery),
    responses((status = 200, description = "A page of jobs", body = JobPage)))]
pub async fn list(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
    AppQuery(q): AppQuery<JobQuery>,
) -> ApiResult<Json<JobPage>> {
    let page = page_request(q.limit, q.cursor.as_deref())?;
    Ok(Json(s.core.jobs(&a.actor, &ws, q.state.as_deref(), &page).await?.into()))
}

/// Sends a failed job back to the queue.
#[utoipa::path(post, path = "/jobs/{id}/retry", tag = "jobs", operation_id = "retry_job",
    params(("id" = Uuid, Path, description = "The job")), responses((status = 200, description = "Queued again", body = JobView)))]
pub async fn retry(State(s): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<Json<JobView>> {
    Ok(Json(s.core.retry_job(&a.actor, path_id(&id, "job")?).await?.into()))
}
