//! Collections (ordered lightboxes of assets, kept by a member, optionally shared with a
//! group; downloadable as a ZIP of what the caller may take) and saved searches.

use axum::{
    extract::{Path, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use vellum_core::collections::CollectionView;
use vellum_core::collections::{Collection, SavedSearch};
use vellum_core::search::saved::{NewSaved, SavedQuery};
use vellum_domain::{zip::entry_name, ErrorCode, Timestamp};

use super::views::AssetView;
use crate::{
    auth::Authed,
    error::{ApiError, ApiResult},
    extract::{path_id, AppJson},
    zip_stream::{self, Source, ZipFile},
    AppState,
};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCollection {
    #[schema(min_length = 1, max_length = 200)]
    name: String,
    /// A group of the workspace whose members may see and arrange it.
    shared_with_group: Option<Uuid>,
}

#[derive(Serialize, ToSchema)]
pub struct CollectionSummary {
    id: Uuid,
    name: String,
    owner_id: Uuid,
    shared_with_group: Option<Uuid>,
    /// Items the caller may open.
    item_count: usize,
    created_at: Timestamp,
    updated_at: Timestamp,
}

fn summary(c: &Collection, item_count: usize) -> CollectionSummary {
    CollectionSummary {
        id: c.id,
        name: c.name.clone(),
        owner_id: c.owner_id,
        shared_with_group: c.shared_with_group,
        item_count,
        created_at: c.created_at,
        updated_at: c.updated_at,
    }
}

#[derive(Serialize, ToSchema)]
pub struct CollectionDetail {
    id: Uuid,
    name: String,
    owner_id: Uuid,
    shared_with_group: Option<Uuid>,
    /// The items the caller may open, in order.
    items: Vec<AssetView>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

fn detail(v: CollectionView) -> CollectionDetail {
    CollectionDetail {
        id: v.collection.id,
        name: v.collection.name,
        owner_id: v.collection.owner_id,
        shared_with_group: v.collection.shared_with_group,
        items: v.items.into_iter().map(AssetView::from).collect(),
        created_at: v.collection.created_at,
        updated_at: v.collection.updated_at,
    }
}

#[derive(Serialize, ToSchema)]
pub struct CollectionList {
    collections: Vec<CollectionSummary>,
}

/// Creates a collection of the caller's.
#[utoipa::path(post, path = "/workspaces/{ws}/collections", tag = "collections", operation_id = "create_collection",
    params(("ws" = String, Path, description = "Workspace id or slug")), request_body = NewCollection,
    responses((status = 201, description = "Created", body = CollectionSummary)))]
pub async fn create(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
    AppJson(b): AppJson<NewCollection>,
) -> ApiResult<(StatusCode, Json<CollectionSummary>)> {
    let c = s.core.create_collection(&a.actor, &ws, &b.name, b.shared_with_group).await?;
    Ok((StatusCode::CREATED, Json(summary(&c, 0))))
}

/// The caller's collections and those shared with their groups.
#[utoipa::path(get, path = "/workspaces/{ws}/collections", tag = "collections", operation_id = "list_collections",
    params(("ws" = String, Path, description = "Workspace id or slug")),
    responses((status = 200, description = "By name", body = CollectionList)))]
pub async fn list(State(s): State<AppState>, a: Authed, Path(ws): Path<String>) -> ApiResult<Json<CollectionList>> {
    let list = s.core.collections(&a.actor, &ws).await?;
    Ok(Json(CollectionList { collections: list.iter().map(|(c, n)| summary(c, *n)).collect() }))
}

/// A collection with the items the caller may open, in order.
#[utoipa::path(get, path = "/collections/{id}", tag = "collections", operation_id = "get_collection",
    params(("id" = Uuid, Path, description = "The collection")),
    responses((status = 200, description = "The collection", body = CollectionDetail)))]
pub async fn get(State(s): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<Json<CollectionDetail>> {
    Ok(Json(detail(s.core.collection(&a.actor, path_id(&id, "collection")?).await?)))
}

/// Deletes a collection (its owner; the assets stay).
#[utoipa::path(delete, path = "/collections/{id}", tag = "collections", operation_id = "delete_collection",
    params(("id" = Uuid, Path, description = "The collection")),
    responses((status = 204, description = "Deleted")))]
pub async fn delete(State(s): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<StatusCode> {
    s.core.delete_collection(&a.actor, path_id(&id, "collection")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemOrder {
    /// Every item the caller may open, in the new order (items they may not open stay, after).
    #[schema(max_items = 1000)]
    asset_ids: Vec<Uuid>,
}

/// Sets the items and their order.
#[utoipa::path(put, path = "/collections/{id}/items", tag = "collections", operation_id = "set_collection_items",
    params(("id" = Uuid, Path, description = "The collection")), request_body = ItemOrder,
    responses((status = 200, description = "The collection", body = CollectionDetail)))]
pub async fn set_items(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    AppJson(b): AppJson<ItemOrder>,
) -> ApiResult<Json<CollectionDetail>> {
    Ok(Json(detail(s.core.set_collection_items(&a.actor, path_id(&id, "collection")?, &b.asset_ids).await?)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewItem {
    asset_id: Uuid,
}

/// Adds an asset at the end (already in: unchanged).
#[utoipa::path(post, path = "/collections/{id}/items", tag = "collections", operation_id = "add_collection_item",
    params(("id" = Uuid, Path, description = "The collection")), request_body = NewItem,
    responses((status = 201, description = "The collection", body = CollectionDetail)))]
pub async fn add_item(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    AppJson(b): AppJson<NewItem>,
) -> ApiResult<(StatusCode, Json<CollectionDetail>)> {
    let v = s.core.add_collection_item(&a.actor, path_id(&id, "collection")?, b.asset_id).await?;
    Ok((StatusCode::CREATED, Json(detail(v))))
}

/// Takes an asset out of the collection.
#[utoipa::path(delete, path = "/collections/{id}/items/{asset_id}", tag = "collections",
    operation_id = "remove_collection_item",
    params(("id" = Uuid, Path, description = "The collection"), ("asset_id" = Uuid, Path, description = "The asset")),
    responses((status = 204, description = "Removed")))]
pub async fn remove_item(
    State(s): State<AppState>,
    a: Authed,
    Path((id, asset)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    s.core.remove_collection_item(&a.actor, path_id(&id, "collection")?, path_id(&asset, "asset")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The files of the collection the caller may take, as one ZIP made while it is sent: each
/// item's approved version (the current one where none is approved) through the distribution
/// gate; `MANIFEST.txt` names what was left out and why.
#[utoipa::path(get, path = "/collections/{id}/zip", tag = "collections", operation_id = "download_collection_zip",
    params(("id" = Uuid, Path, description = "The collection")),
    responses((status = 200, description = "The archive (application/zip)",
        content((inline(super::views::BinaryFile) = "application/octet-stream"), (inline(super::views::BinaryFile) = "*/*")))))]
pub async fn zip(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (col, taken, refused) = s.core.collection_files(&a.actor, path_id(&id, "collection")?).await?;
    let agent = headers.get(header::USER_AGENT).and_then(|h| h.to_str().ok());
    let mut names: Vec<String> = vec!["MANIFEST.txt".into()];
    let mut files = Vec::new();
    let mut manifest = format!("{}\n\nIncluded:\n", col.name);
    for d in &taken {
        let wanted = s.core.download_name(&d.asset, &d.version).await?;
        let name = entry_name(&wanted, &names);
        manifest
            .push_str(&format!("  {name}  ({} v{}, sha256 {})\n", d.asset.title, d.version.number, d.version.sha256));
        names.push(name.clone());
        files.push(ZipFile { name, source: Source::Blob(d.version.sha256.clone()), size: d.version.size });
        s.core
            .record_distribution(&a.actor, d, "collection_zip", agent, serde_json::json!({"collection_id": col.id}))
            .await?;
        s.core.count_download(d).await?;
    }
    if !refused.is_empty() {
        manifest.push_str("\nLeft out:\n");
        for (asset, why) in &refused {
            manifest.push_str(&format!("  {}: {why}\n", asset.title));
        }
    }
    let size = manifest.len() as u64;
    files.insert(0, ZipFile { name: "MANIFEST.txt".into(), source: Source::Bytes(manifest.into_bytes()), size });
    let mut out = HeaderMap::new();
    out.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/zip"));
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    let file = entry_name(&format!("{}.zip", col.name), &[]);
    let disposition =
        format!("attachment; filename=\"{}\"", file.replace(['"', '\\'], "_").replace(|c: char| !c.is_ascii(), "_"));
    out.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition)
            .unwrap_or_else(|_| HeaderValue::from_static("attachment; filename=\"collection.zip\"")),
    );
    Ok((StatusCode::OK, out, zip_stream::body(s.core.clone(), files)).into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCollectionShare {
    /// Share a rendition (`preview`…) of each item instead of its original.
    #[schema(min_length = 1, max_length = 64)]
    rendition: Option<String>,
    /// When the links stop working (in the future).
    expires_at: Timestamp,
    /// 8–200 characters; the recipient types it before seeing anything.
    #[schema(min_length = 8, max_length = 200)]
    password: Option<String>,
    allow_download: bool,
    watermark: bool,
    #[schema(format = Email, max_length = 254)]
    recipient_email: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SharedItem {
    asset_id: Uuid,
    /// The share link's id.
    id: Uuid,
    /// The page to send; it holds the token.
    url: String,
    expires_at: Timestamp,
}

#[derive(Serialize, ToSchema)]
pub struct SkippedItem {
    asset_id: Uuid,
    /// Why it could not be shared (not approved, out of rights…).
    reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct CollectionShare {
    /// The share's id: `DELETE /api/v1/share-links/{id}` withdraws the page and every item link.
    id: Uuid,
    /// One page with every shared item; it holds the token.
    url: String,
    /// The page's token, shown this once.
    token: String,
    expires_at: Timestamp,
    /// Each shared item's own link (the same expiry, password and settings).
    links: Vec<SharedItem>,
    skipped: Vec<SkippedItem>,
}

/// Shares the collection outside as one page: a share link to each item's approved version,
/// each through the distribution gate, gathered under one URL, in one transaction; items that
/// cannot be shared are listed with the reason.
#[utoipa::path(post, path = "/collections/{id}/share-links", tag = "collections", operation_id = "share_collection",
    params(("id" = Uuid, Path, description = "The collection")), request_body = NewCollectionShare,
    responses((status = 201, description = "Shared", body = CollectionShare)))]
pub async fn share(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    AppJson(b): AppJson<NewCollectionShare>,
) -> ApiResult<(StatusCode, Json<CollectionShare>)> {
    let new = vellum_core::share_links::NewShare {
        version: vellum_core::share_links::Shared::Approved,
        rendition: b.rendition,
        expires_at: b.expires_at,
        password: b.password,
        allow_download: b.allow_download,
        watermark: b.watermark,
        recipient_email: b.recipient_email,
    };
    let shared = s.core.share_collection(&a.actor, path_id(&id, "collection")?, new).await?;
    let base = s.core.notify.public_url.trim_end_matches('/').to_string();
    Ok((
        StatusCode::CREATED,
        Json(CollectionShare {
            id: shared.bundle.id,
            url: format!("{base}/s/{}", shared.token),
            token: shared.token,
            expires_at: shared.bundle.expires_at,
            links: shared
                .links
                .into_iter()
                .map(|(asset, link, token)| SharedItem {
                    asset_id: asset.id,
                    id: link.id,
                    url: format!("{base}/s/{token}"),
                    expires_at: link.expires_at,
                })
                .collect(),
            skipped: shared
                .skipped
                .into_iter()
                .map(|(asset, reason)| SkippedItem { asset_id: asset.id, reason })
                .collect(),
        }),
    ))
}

/// What the query of a saved search may be: the box's text alone, or with filters.
#[derive(Deserialize, ToSchema)]
#[serde(untagged)]
pub enum QueryForm {
    Text(String),
    Full(SavedQueryForm),
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SavedQueryForm {
    #[serde(default)]
    #[schema(max_length = 1000)]
    q: String,
    /// `field:value` each.
    #[serde(default)]
    #[schema(max_items = 32)]
    filters: Vec<String>,
    facets: Option<String>,
    sort: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSavedSearch {
    #[schema(min_length = 1, max_length = 200)]
    name: String,
    query: QueryForm,
    /// Filters besides those in `query`.
    #[serde(default)]
    #[schema(max_items = 32)]
    filters: Vec<String>,
    /// Everyone in the workspace sees it.
    #[serde(default)]
    shared: bool,
    /// Tell me when a newly approved asset matches.
    #[serde(default)]
    notify: bool,
    #[serde(default)]
    pinned: bool,
}

#[derive(Serialize, ToSchema)]
pub struct SavedSearchView {
    id: Uuid,
    name: String,
    owner_id: Uuid,
    query: SavedQueryForm,
    shared: bool,
    notify: bool,
    pinned: bool,
    created_at: Timestamp,
}

fn saved_view(s: SavedSearch) -> SavedSearchView {
    let q: SavedQuery = serde_json::from_value(s.query).unwrap_or_default();
    SavedSearchView {
        id: s.id,
        name: s.name,
        owner_id: s.owner_id,
        query: SavedQueryForm { q: q.q, filters: q.filters, facets: q.facets, sort: q.sort },
        shared: s.shared,
        notify: s.notify,
        pinned: s.pinned,
        created_at: s.created_at,
    }
}

#[derive(Serialize, ToSchema)]
pub struct SavedSearchList {
    saved_searches: Vec<SavedSearchView>,
}

/// Saves a search (checked as a search is: `422 invalid_query` with `position`).
#[utoipa::path(post, path = "/workspaces/{ws}/saved-searches", tag = "search", operation_id = "create_saved_search",
    params(("ws" = String, Path, description = "Workspace id or slug")), request_body = NewSavedSearch,
    responses((status = 201, description = "Saved", body = SavedSearchView)))]
pub async fn create_saved(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
    AppJson(b): AppJson<NewSavedSearch>,
) -> ApiResult<(StatusCode, Json<SavedSearchView>)> {
    let mut query = match b.query {
        QueryForm::Text(q) => SavedQuery { q, ..SavedQuery::default() },
        QueryForm::Full(f) => SavedQuery { q: f.q, filters: f.filters, facets: f.facets, sort: f.sort },
    };
    query.filters.extend(b.filters);
    if query.q.chars().count() > 1000 || query.filters.len() > 32 {
        return Err(ApiError::new(
            ErrorCode::SearchQuery,
            "a saved search holds at most 1,000 characters and 32 filters",
        ));
    }
    let new = NewSaved { name: b.name, query, shared: b.shared, notify: b.notify, pinned: b.pinned };
    let saved = s.core.save_search(&a.actor, &ws, new).await?;
    Ok((StatusCode::CREATED, Json(saved_view(saved))))
}

/// The caller's saved searches and the workspace's shared ones, pinned first.
#[utoipa::path(get, path = "/workspaces/{ws}/saved-searches", tag = "search", operation_id = "list_saved_searches",
    params(("ws" = String, Path, description = "Workspace id or slug")),
    responses((status = 200, description = "Saved searches", body = SavedSearchList)))]
pub async fn list_saved(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
) -> ApiResult<Json<SavedSearchList>> {
    let list = s.core.saved_searches(&a.actor, &ws).await?;
    Ok(Json(SavedSearchList { saved_searches: list.into_iter().map(saved_view).collect() }))
}

/// Deletes a saved search (its owner, or a workspace admin for a shared one).
#[utoipa::path(delete, path = "/saved-searches/{id}", tag = "search", operation_id = "delete_saved_search",
    params(("id" = Uuid, Path, description = "The saved search")),
    responses((status = 204, description = "Deleted")))]
pub async fn delete_saved(State(s): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<StatusCode> {
    s.core.delete_saved_search(&a.actor, path_id(&id, "saved search")?).await?;
    Ok(StatusCode::NO_CONTENT)
}
