//! Search over a workspace: results with facet counts, suggestions as you type, the index's
//! status, and the assets that look like one. The filter parameter repeats (`filter=kind:video
//! &filter=kind:image`), which the usual query extractor does not take, so the query string is
//! read here.

use std::collections::BTreeMap;

use axum::{
    extract::{Path, RawQuery, State},
    Json,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use vellum_core::search::SearchParams;
use vellum_domain::{ErrorCode, Timestamp};

use crate::{
    auth::Authed,
    error::{ApiError, ApiResult},
    extract::AppQuery,
    AppState,
};

/// How results are ordered.
#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum SearchSort {
    Relevance,
    Newest,
    Oldest,
    Title,
    Due,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct SearchQuery {
    /// Words, `"phrases"`, `prefix*`, `-excluded`, `field:value`, ranges (`custom.budget:>5000`,
    /// `created:2026-01..2026-03`). Empty lists everything visible.
    #[param(max_length = 1000)]
    q: Option<String>,
    /// `field:value`; repeat it: values of one field combine with OR, fields with AND.
    #[param(max_length = 1000)]
    filter: Option<Vec<String>>,
    /// Comma-separated facet names to count: kind, status, channels, locale, language,
    /// campaign, rights_status, uploader, file_type, orientation, created, custom.<key>.
    #[param(max_length = 1000)]
    facets: Option<String>,
    #[param(inline, value_type = Option<SearchSort>)]
    sort: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    /// `next_cursor` of the page before.
    cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SearchHitView {
    asset_id: Uuid,
    title: String,
    kind: String,
    status: String,
    /// The version the hit describes (the approved one for viewers).
    version: u32,
    thumbnail_url: Option<String>,
    /// Matching snippets by field, words marked with `<b>`.
    highlights: BTreeMap<String, Vec<String>>,
    /// Relevance (only when sorted by relevance).
    score: Option<f32>,
}

#[derive(Serialize, ToSchema)]
pub struct FacetValue {
    value: String,
    count: u64,
}

#[derive(Serialize, ToSchema)]
pub struct SearchResults {
    /// Everything that matches (not only this page).
    total: u64,
    hits: Vec<SearchHitView>,
    /// Counts per requested facet, most first.
    facets: BTreeMap<String, Vec<FacetValue>>,
    next_cursor: Option<String>,
    took_ms: u64,
}

fn bad_param(name: &str, message: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidQuery, format!("the parameter '{name}' could not be read: {message}"))
}

/// Reads the query string, `filter` repeated.
fn read_params(raw: Option<&str>) -> Result<SearchParams, ApiError> {
    let mut p = SearchParams::default();
    for (k, v) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        let v = v.into_owned();
        match k.as_ref() {
            "q" => p.q = v,
            "filter" => p.filters.push(v),
            "facets" => p.facets = Some(v),
            "sort" => p.sort = Some(v),
            "cursor" => p.cursor = Some(v),
            "limit" => p.limit = Some(v.parse().map_err(|_| bad_param("limit", format!("'{v}' is not a number")))?),
            _ => {}
        }
    }
    Ok(p)
}

/// Searches a workspace's assets the caller may open; facets count the same set.
#[utoipa::path(get, path = "/workspaces/{ws}/search", tag = "search", operation_id = "search",
    params(("ws" = String, Path, description = "Workspace id or slug"), SearchQuery),
    responses(
        (status = 200, description = "A page of hits with counts", body = SearchResults),
        (status = 422, description = "The search cannot be read (`invalid_query`, with `position`)"),
        (status = 503, description = "The index is being rebuilt (`index_rebuilding`)"),
    ))]
pub async fn search(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<SearchResults>> {
    let p = read_params(raw.as_deref())?;
    let out = s.core.search(&a.actor, &ws, &p).await?;
    Ok(Json(SearchResults {
        total: out.total,
        hits: out
            .hits
            .into_iter()
            .map(|h| SearchHitView {
                thumbnail_url: h
                    .thumbnail
                    .then(|| format!("/api/v1/assets/{}/versions/{}/renditions/thumbnail", h.asset_id, h.version)),
                asset_id: h.asset_id,
                title: h.title,
                kind: h.kind,
                status: h.status,
                version: h.version,
                highlights: h.highlights,
                score: h.score,
            })
            .collect(),
        facets: out
            .facets
            .into_iter()
            .map(|(k, v)| (k, v.into_iter().map(|(value, count)| FacetValue { value, count }).collect()))
            .collect(),
        next_cursor: out.next_cursor,
        took_ms: out.took_ms,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestQuery {
    /// What has been typed so far.
    #[param(max_length = 200)]
    q: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Suggestions {
    suggestions: Vec<String>,
}

/// Titles that start with what was typed, among the assets the caller may open.
#[utoipa::path(get, path = "/workspaces/{ws}/search/suggest", tag = "search", operation_id = "suggest",
    params(("ws" = String, Path, description = "Workspace id or slug"), SuggestQuery),
    responses(
        (status = 200, description = "Up to eight titles", body = Suggestions),
        (status = 503, description = "The index is being rebuilt (`index_rebuilding`)"),
    ))]
pub async fn suggest(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
    AppQuery(q): AppQuery<SuggestQuery>,
) -> ApiResult<Json<Suggestions>> {
    let typed = q.q.as_deref().unwrap_or("");
    if typed.chars().count() > 200 {
        return Err(bad_param("q", "at most 200 characters".into()));
    }
    let suggestions = s.core.suggest(&a.actor, &ws, typed).await?;
    Ok(Json(Suggestions { suggestions }))
}

#[derive(Serialize, ToSchema)]
pub struct IndexStatus {
    /// Assets in the index.
    documents: u64,
    /// How long the oldest change not yet searchable has waited (0: caught up).
    lag_ms: u64,
    last_indexed_at: Option<Timestamp>,
    /// Whether the index is being rebuilt (searches answer 503 meanwhile).
    rebuilding: bool,
    /// The language the index in use stems words in (null: no index yet). After the
    /// workspace's `search_language` changes, this follows once the index is rebuilt.
    language: Option<vellum_domain::search_language::SearchLanguage>,
}

/// How far the workspace's search index is behind its changes (workspace admins).
#[utoipa::path(get, path = "/workspaces/{ws}/search/status", tag = "search", operation_id = "search_status",
    params(("ws" = String, Path, description = "Workspace id or slug")),
    responses((status = 200, description = "The index's state", body = IndexStatus)))]
pub async fn status(State(s): State<AppState>, a: Authed, Path(ws): Path<String>) -> ApiResult<Json<IndexStatus>> {
    let st = s.core.search_status(&a.actor, &ws).await?;
    Ok(Json(IndexStatus {
        documents: st.documents,
        lag_ms: st.lag_ms,
        last_indexed_at: st.last_indexed_at,
        rebuilding: st.rebuilding,
        language: st.language,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SimilarQuery {
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct SimilarAsset {
    asset_id: Uuid,
    version: u32,
    /// Bits of 64 in which the perceptual hashes differ (0: look the same).
    distance: u32,
}

#[derive(Serialize, ToSchema)]
pub struct Duplicate {
    asset_id: Uuid,
    version: u32,
}

#[derive(Serialize, ToSchema)]
pub struct SimilarAssets {
    /// Closest first.
    similar: Vec<SimilarAsset>,
    /// Versions with exactly the same file.
    duplicates: Vec<Duplicate>,
}

/// The assets of the workspace that look like this one, and exact copies of its file.
#[utoipa::path(get, path = "/assets/{id}/similar", tag = "search", operation_id = "similar_assets",
    params(("id" = Uuid, Path, description = "The asset"), SimilarQuery),
    responses((status = 200, description = "Look-alikes and duplicates the caller may open", body = SimilarAssets)))]
pub async fn similar(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    AppQuery(q): AppQuery<SimilarQuery>,
) -> ApiResult<Json<SimilarAssets>> {
    let id = vellum_domain::id::parse_id(&id).ok_or_else(|| ApiError::new(ErrorCode::NotFound, "asset not found"))?;
    let out = s.core.similar(&a.actor, id, q.limit.unwrap_or(20)).await?;
    Ok(Json(SimilarAssets {
        similar: out
            .similar
            .into_iter()
            .map(|x| SimilarAsset { asset_id: x.asset_id, version: x.version, distance: x.distance })
            .collect(),
        duplicates: out.duplicates.into_iter().map(|(asset_id, version)| Duplicate { asset_id, version }).collect(),
    }))
}
