//! A workspace's glossary: read by every member, replaced whole by owners, admins and managers.

use axum::{
    extract::{Path, State},
    Json,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vellum_domain::glossary::Term;

use crate::{auth::Authed, error::ApiResult, extract::AppJson, AppState};

/// The glossary: terms with their definitions, alphabetical.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Glossary {
    #[schema(max_items = 1000)]
    terms: Vec<Term>,
}

/// The workspace's glossary.
#[utoipa::path(get, path = "/workspaces/{ws}/glossary", tag = "glossary", operation_id = "get_glossary",
    params(("ws" = String, Path, description = "Workspace id or slug")),
    responses((status = 200, description = "The glossary", body = Glossary)))]
pub async fn get(State(s): State<AppState>, a: Authed, Path(ws): Path<String>) -> ApiResult<Json<Glossary>> {
    Ok(Json(Glossary { terms: s.core.glossary(&a.actor, &ws).await? }))
}

/// Replaces the glossary (owners, admins, managers); terms are unique ignoring case.
#[utoipa::path(put, path = "/workspaces/{ws}/glossary", tag = "glossary", operation_id = "put_glossary",
    params(("ws" = String, Path, description = "Workspace id or slug")), request_body = Glossary,
    responses((status = 200, description = "The glossary as kept", body = Glossary)))]
pub async fn put(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
    AppJson(b): AppJson<Glossary>,
) -> ApiResult<Json<Glossary>> {
    Ok(Json(Glossary { terms: s.core.put_glossary(&a.actor, &ws, b.terms).await? }))
}
