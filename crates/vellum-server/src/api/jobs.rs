//! The job queue for admins: list a workspace's jobs and retry failed ones.

use crate::extract::AppQuery;
use axum::{
    extract::{Path, State},
    Json,
};
use serde::Deserialize;

use super::paging::{listed, page_request};
use crate::{auth::Authed, error::ApiResult, extract::path_id, AppState};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobQuery {
    state: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

pub async fn list(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
    AppQuery(q): AppQuery<JobQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let page = page_request(q.limit, q.cursor.as_deref())?;
    Ok(listed("jobs", s.core.jobs(&a.actor, &ws, q.state.as_deref(), &page).await?))
}

pub async fn retry(State(s): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(serde_json::to_value(s.core.retry_job(&a.actor, path_id(&id, "job")?).await?).unwrap_or_default()))
}
