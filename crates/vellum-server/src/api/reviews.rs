//! Reviews and decisions.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde::Deserialize;
use serde_json::json;
use vellum_core::reviews::ReviewView;
use vellum_domain::Id;

use crate::{
    auth::Authed,
    error::ApiResult,
    extract::{path_id, AppJson},
    AppState,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartBody {
    workflow_id: Id,
}

pub async fn start(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    AppJson(b): AppJson<StartBody>,
) -> ApiResult<Response> {
    let review = s.core.start_review(&a.actor, path_id(&id, "asset")?, b.workflow_id).await?;
    Ok((StatusCode::CREATED, Json(review)).into_response())
}

pub async fn list(State(s): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(json!({"reviews": s.core.reviews_of(&a.actor, path_id(&id, "asset")?).await?})))
}

pub async fn get(State(s): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<Json<ReviewView>> {
    Ok(Json(s.core.review(&a.actor, path_id(&id, "review")?).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    version: u32,
    decision: String,
    reason: Option<String>,
}

pub async fn decide(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    AppJson(b): AppJson<DecisionBody>,
) -> ApiResult<Response> {
    let review = s.core.decide(&a.actor, path_id(&id, "review")?, b.version, &b.decision, b.reason.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(review)).into_response())
}
