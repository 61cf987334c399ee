//! Reviews and decisions.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde::Deserialize;
use vellum_core::reviews::ReviewView;
use vellum_domain::Id;

use super::paging::{listed, page_of, PageQuery};
use crate::extract::AppQuery;
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

pub async fn list(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    AppQuery(q): AppQuery<PageQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let page = q.request()?;
    let reviews = s.core.reviews_of(&a.actor, path_id(&id, "asset")?).await?;
    // Newest first: UUIDv7 ids sort by creation, so the key inverts them.
    Ok(listed("reviews", page_of(reviews, &page, |r| newest_first_key(r.id))))
}

/// A sort key that puts later UUIDv7 ids first.
fn newest_first_key(id: vellum_domain::Id) -> String {
    let inverted: Vec<u8> = id.as_bytes().iter().map(|b| 255 - b).collect();
    hex::encode(inverted)
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
