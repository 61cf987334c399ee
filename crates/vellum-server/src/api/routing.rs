//! A workspace's routing rules: the rules in force, saved revisions with their changes, and
//! dry runs.

use axum::{
    extract::{Path, State},
    Json,
};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use vellum_core::routing::ExplainSubject;
use vellum_domain::{
    metadata::AssetMetadata,
    routing::RuleSetSpec,
    validate::AssetKind,
    workflow::{ApproverRef, StageSpec},
    ErrorCode,
};

use super::views::{ExplainView, RoutingRevisionView, RoutingView};
use crate::{
    auth::Authed,
    error::{ApiError, ApiResult},
    extract::AppJson,
    AppState,
};

/// The rules in force, in the order they are tried (members who see work in progress).
#[utoipa::path(get, path = "/workspaces/{ws}/routing", tag = "routing", operation_id = "get_routing",
    params(("ws" = String, Path, description = "Workspace id or slug")),
    responses((status = 200, description = "The rules", body = RoutingView)))]
pub async fn get(State(s): State<AppState>, a: Authed, Path(ws): Path<String>) -> ApiResult<Json<RoutingView>> {
    Ok(Json(s.core.routing_rules(&a.actor, &ws).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
#[schema(as = AddApproverBody)]
pub struct AddApproverDoc {
    stage: String,
    approver: ApproverRef,
}

/// A rule: when its condition holds, the asset runs this workflow (plus what it adds).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
#[schema(as = RuleBody)]
pub struct RuleDoc {
    #[schema(schema_with = vellum_domain::openapi::name)]
    name: String,
    /// `{field, op, value}` with ops eq, ne, in, not_in, lt, lte, gt, gte, contains, exists
    /// over kind, title, metadata.language, metadata.locale, metadata.channels and
    /// metadata.custom.<key>; or `{all: […]}`, `{any: […]}`, `{not: …}`.
    #[schema(value_type = Object)]
    when: serde_json::Value,
    workflow_id: Uuid,
    add_stages: Option<Vec<StageSpec>>,
    add_approvers: Option<Vec<AddApproverDoc>>,
}

/// The whole rule set, replacing the one in force.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
#[schema(as = RoutingBody)]
pub struct RoutingDoc {
    #[schema(max_items = 1000)]
    rules: Vec<RuleDoc>,
}

/// Saves the rules as a new revision (owners and admins). Any fault changes nothing:
/// `422 invalid_routing` with the `path` of the faulty node (`/rules/2/when/all/0/value`).
#[utoipa::path(put, path = "/workspaces/{ws}/routing", tag = "routing", operation_id = "put_routing",
    params(("ws" = String, Path, description = "Workspace id or slug")), request_body = RoutingDoc,
    responses((status = 200, description = "The rules as saved, with their revision", body = RoutingView)))]
pub async fn put(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
    AppJson(body): AppJson<RuleSetSpec>,
) -> ApiResult<Json<RoutingView>> {
    Ok(Json(s.core.put_routing_rules(&a.actor, &ws, body).await?.into()))
}

/// One saved revision, and how it changed the one before.
#[utoipa::path(get, path = "/workspaces/{ws}/routing/revisions/{n}", tag = "routing", operation_id = "get_routing_revision",
    params(("ws" = String, Path, description = "Workspace id or slug"),
        ("n" = u32, Path, minimum = 1, description = "The revision")),
    responses((status = 200, description = "The revision and its changes", body = RoutingRevisionView)))]
pub async fn revision(
    State(s): State<AppState>,
    a: Authed,
    Path((ws, n)): Path<(String, String)>,
) -> ApiResult<Json<RoutingRevisionView>> {
    let n: u64 = n.parse().ok().filter(|n| *n >= 1).ok_or_else(|| ApiError::not_found("revision"))?;
    Ok(Json(s.core.routing_revision(&a.actor, &ws, n).await?.into()))
}

/// An asset described for a dry run.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DescribedAsset {
    kind: AssetKind,
    #[schema(schema_with = vellum_domain::openapi::optional_name)]
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    metadata: Option<AssetMetadata>,
}

/// Either a stored asset or one described.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExplainBody {
    asset_id: Option<Uuid>,
    asset: Option<DescribedAsset>,
}

/// What the rules in force would do for an asset, stored (`asset_id`) or described (`asset`),
/// without starting anything.
#[utoipa::path(post, path = "/workspaces/{ws}/routing/explain", tag = "routing", operation_id = "explain_routing",
    params(("ws" = String, Path, description = "Workspace id or slug")), request_body = ExplainBody,
    responses((status = 200, description = "The rule that would match, the chain and why", body = ExplainView)))]
pub async fn explain(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
    AppJson(body): AppJson<ExplainBody>,
) -> ApiResult<Json<ExplainView>> {
    let subject = match (body.asset_id, body.asset) {
        (Some(id), None) => ExplainSubject::Asset(id),
        (None, Some(d)) => ExplainSubject::Described {
            kind: d.kind,
            title: d.title,
            metadata: serde_json::to_value(d.metadata.unwrap_or_default()).unwrap_or_default(),
        },
        _ => {
            return Err(ApiError::new(ErrorCode::InvalidBody, "give either asset_id or asset, not both")
                .with("path", serde_json::json!("/")))
        }
    };
    Ok(Json(s.core.explain_routing(&a.actor, &ws, subject).await?.into()))
}
