//! Assets and versions: multipart uploads, listing, details, downloads and restore.

use axum::{
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use vellum_core::assets::{AssetPatch, LibraryQuery};
use vellum_domain::{metadata::AssetMetadata, status::AssetStatus, validate::AssetKind};

use super::{
    paging::{page_of, page_request, PageQuery},
    views::{AssetPage, AssetView, BinaryFile, VersionPage, VersionView},
};
use crate::{
    auth::Authed,
    download,
    error::ApiResult,
    extract::{path_id, path_version, AppJson, AppQuery, Form},
    upload, AppState,
};

/// A new asset: its file and fields, as `multipart/form-data`. Other parts are refused.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The file (exactly one).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// Absent or blank: the file's name.
    #[schema(schema_with = vellum_domain::openapi::title_field)]
    title: Option<String>,
    kind: AssetKind,
    /// Metadata, as JSON text in its part.
    #[schema(nullable = false)]
    metadata: Option<AssetMetadata>,
    /// The change note of version 1; absent or blank: "First version".
    #[schema(schema_with = vellum_domain::openapi::note_field)]
    note: Option<String>,
    /// Where it sits in the library's folder tree (`campaigns/spring`); absent or blank: the top.
    #[schema(schema_with = vellum_domain::openapi::folder_field)]
    folder: Option<String>,
    /// An approved brief the asset is work for (`409 brief_not_approved` otherwise).
    #[schema(value_type = Option<String>, format = Uuid)]
    brief_id: Option<String>,
    /// Which of the brief's deliverables it is; ticked off on the brief.
    #[schema(max_length = 200)]
    deliverable: Option<String>,
    /// Its campaign (absent: the brief's, if any).
    #[schema(value_type = Option<String>, format = Uuid)]
    campaign_id: Option<String>,
}

/// A new version: its file and change note, as `multipart/form-data`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct VersionForm {
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// What changed (required).
    #[schema(schema_with = vellum_domain::openapi::note)]
    note: String,
}

/// Uploads a new asset: the file streams to storage while it is hashed; processing
/// (metadata, renditions) follows in the background.
#[utoipa::path(post, path = "/workspaces/{ws}/assets", tag = "assets", operation_id = "upload_asset",
    params(("ws" = String, Path, description = "Workspace id or slug")),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, description = "Created", body = AssetView)))]
pub async fn upload(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
    headers: HeaderMap,
    Form(form): Form,
) -> ApiResult<Response> {
    upload::check_declared_length(&headers, s.core.limits.max_upload_bytes)?;
    s.core.upload_access(&a.actor, &ws).await?;
    let (fields, blob) = upload::receive(&s.core, form, None).await?;
    let asset = s.core.create_asset(&a.actor, &ws, fields, blob).await?;
    Ok((StatusCode::CREATED, Json(full_view(&s, asset).await?)).into_response())
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Where the current version stands.
    #[param(value_type = Option<AssetStatus>)]
    status: Option<String>,
    #[param(value_type = Option<AssetKind>)]
    kind: Option<String>,
    /// `true`: only assets with an approved version (whatever a newer one is doing);
    /// `false`: only assets never approved.
    approved: Option<bool>,
    /// A folder: matches it and every folder below it (`a` matches `a` and `a/b`).
    #[param(max_length = 512)]
    folder: Option<String>,
    /// Items per page (default 50).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[param(max_length = 64, pattern = "^[A-Za-z0-9-]*$")]
    cursor: Option<String>,
}

/// The library: the assets the caller may see, newest first.
#[utoipa::path(get, path = "/workspaces/{ws}/assets", tag = "assets", operation_id = "list_assets",
    params(("ws" = String, Path, description = "Workspace id or slug"), ListQuery),
    responses((status = 200, description = "A page of the library", body = AssetPage)))]
pub async fn list(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
    AppQuery(q): AppQuery<ListQuery>,
) -> ApiResult<Json<AssetPage>> {
    let page = page_request(q.limit, q.cursor.as_deref())?;
    let q = LibraryQuery { status: q.status, kind: q.kind, approved: q.approved, folder: q.folder, page };
    Ok(Json(s.core.library(&a.actor, &ws, &q).await?.into()))
}

/// One asset.
#[utoipa::path(get, path = "/assets/{id}", tag = "assets", operation_id = "get_asset",
    params(("id" = Uuid, Path, description = "The asset")), responses((status = 200, description = "The asset", body = AssetView)))]
pub async fn get(State(s): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<Json<AssetView>> {
    let (asset, _) = s.core.asset(&a.actor, path_id(&id, "asset")?).await?;
    Ok(Json(full_view(&s, asset).await?))
}

/// One asset's whole answer: where it is filed, its name check, its rights and archive state.
pub(crate) async fn full_view(s: &AppState, asset: vellum_core::model::Asset) -> ApiResult<AssetView> {
    let filing = s.core.asset_filing(&asset).await?;
    let rights = s.core.asset_rights(asset.id).await?;
    Ok(AssetView::from(asset).filed(filing).with_rights(rights))
}

/// An edit of an asset: its title and metadata.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct AssetPatchBody {
    #[schema(schema_with = vellum_domain::openapi::optional_name)]
    title: Option<String>,
    metadata: Option<AssetMetadata>,
}

/// Edits title or metadata (creators and up); the audit trail keeps before and after.
#[utoipa::path(patch, path = "/assets/{id}", tag = "assets", operation_id = "update_asset",
    params(("id" = Uuid, Path, description = "The asset")), request_body = AssetPatchBody,
    responses((status = 200, description = "Updated", body = AssetView)))]
pub async fn patch(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    AppJson(p): AppJson<AssetPatch>,
) -> ApiResult<Json<AssetView>> {
    // Read as the core's patch, which validates the metadata; `AssetPatchBody` documents it.
    Ok(Json(s.core.update_asset(&a.actor, path_id(&id, "asset")?, p).await?.into()))
}

/// Uploads a new version: an open review is superseded and restarted on it.
#[utoipa::path(post, path = "/assets/{id}/versions", tag = "assets", operation_id = "upload_version",
    params(("id" = Uuid, Path, description = "The asset")),
    request_body(content = VersionForm, content_type = "multipart/form-data"),
    responses((status = 201, description = "Created", body = VersionView)))]
pub async fn new_version(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form,
) -> ApiResult<Response> {
    let id = path_id(&id, "asset")?;
    upload::check_declared_length(&headers, s.core.limits.max_upload_bytes)?;
    s.core.version_upload_access(&a.actor, id).await?;
    let (fields, blob) = upload::receive(&s.core, form, None).await?;
    let version = s.core.add_version(&a.actor, id, fields, blob).await?;
    Ok((StatusCode::CREATED, Json(VersionView::from(version))).into_response())
}

/// The versions the caller may see, newest first.
#[utoipa::path(get, path = "/assets/{id}/versions", tag = "assets", operation_id = "list_versions",
    params(("id" = Uuid, Path, description = "The asset"), PageQuery),
    responses((status = 200, description = "A page of versions", body = VersionPage)))]
pub async fn versions(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    AppQuery(q): AppQuery<PageQuery>,
) -> ApiResult<Json<VersionPage>> {
    let page = q.request()?;
    let versions = s.core.versions(&a.actor, path_id(&id, "asset")?).await?;
    // Newest first: the key sorts descending by version number.
    Ok(Json(page_of(versions, &page, |v| format!("{:010}", u32::MAX - v.number)).into()))
}

/// One version.
#[utoipa::path(get, path = "/assets/{id}/versions/{n}", tag = "assets", operation_id = "get_version",
    params(("id" = Uuid, Path, description = "The asset"), ("n" = u32, Path, minimum = 1, description = "The version number")),
    responses((status = 200, description = "The version", body = VersionView)))]
pub async fn version(
    State(s): State<AppState>,
    a: Authed,
    Path((id, n)): Path<(String, String)>,
) -> ApiResult<Json<VersionView>> {
    Ok(Json(s.core.version(&a.actor, path_id(&id, "asset")?, path_version(&n)?).await?.into()))
}

/// The exact bytes of a version (ETag is the SHA-256; Range and If-None-Match work).
#[utoipa::path(get, path = "/assets/{id}/versions/{n}/file", tag = "assets", operation_id = "download_version",
    params(("id" = Uuid, Path, description = "The asset"), ("n" = u32, Path, minimum = 1, description = "The version number")),
    responses(
        (status = 200, description = "The file", content((inline(BinaryFile) = "application/octet-stream"), (inline(BinaryFile) = "*/*"))),
        (status = 206, description = "Part of the file (Range)", content((inline(BinaryFile) = "application/octet-stream"), (inline(BinaryFile) = "*/*"))),
        (status = 304, description = "Not modified (If-None-Match)"),
    ))]
pub async fn download(
    State(s): State<AppState>,
    a: Authed,
    Path((id, n)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    // Through the distribution gate: rights, archive and the download policy decide.
    let d = s
        .core
        .version_for_download(
            &a.actor,
            path_id(&id, "asset")?,
            path_version(&n)?,
            vellum_core::rights::FileRoute::Original,
        )
        .await?;
    let (asset, v) = (&d.asset, &d.version);
    if download::starts_a_download(&headers, v) {
        let agent = headers.get(axum::http::header::USER_AGENT).and_then(|h| h.to_str().ok());
        s.core.record_distribution(&a.actor, &d, "file", agent, serde_json::json!({})).await?;
        s.core.count_download(&d).await?;
    }
    // Named by the workspace's convention when it has one.
    let name = s.core.download_name(asset, v).await?;
    download::serve_named(&s.core, v, &name, &headers).await
}

/// The version stamped with its rights and approval record as XMP (JPEG, PNG, TIFF, PDF, MP4;
/// other files as they are), as an attachment named by the workspace's convention. The stored
/// original is never changed: `X-Vellum-Original-Sha256` names it, the ETag names the copy.
#[utoipa::path(get, path = "/assets/{id}/versions/{n}/download", tag = "assets", operation_id = "download_stamped_version",
    params(("id" = Uuid, Path, description = "The asset"), ("n" = u32, Path, minimum = 1, description = "The version number")),
    responses(
        (status = 200, description = "The stamped copy", content((inline(BinaryFile) = "application/octet-stream"), (inline(BinaryFile) = "*/*")),
            headers(("X-Vellum-Original-Sha256" = String, description = "SHA-256 of the stored original"))),
    ))]
pub async fn download_stamped(
    State(s): State<AppState>,
    a: Authed,
    Path((id, n)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let agent = headers.get(axum::http::header::USER_AGENT).and_then(|h| h.to_str().ok());
    let stamped = s.core.stamped_download(&a.actor, path_id(&id, "asset")?, path_version(&n)?, agent).await?;
    let name = s.core.download_name(&stamped.download.asset, &stamped.download.version).await?;
    download::serve_stamped(&s.core, &stamped, &name).await
}

/// An optional note for a restore.
#[derive(Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RestoreBody {
    /// Added to "Restored version N: "; blank or null adds nothing.
    #[schema(schema_with = vellum_domain::openapi::restore_note)]
    note: Option<String>,
}

/// Restores a version: a new version with its content (the body is optional).
#[utoipa::path(post, path = "/assets/{id}/versions/{n}/restore", tag = "assets", operation_id = "restore_version",
    params(("id" = Uuid, Path, description = "The asset"), ("n" = u32, Path, minimum = 1, description = "The version to restore")),
    request_body(content = Option<RestoreBody>, content_type = "application/json"),
    responses((status = 201, description = "The new version", body = VersionView)))]
pub async fn restore(
    State(s): State<AppState>,
    a: Authed,
    Path((id, n)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    // The body is optional: an empty one, or `null`, restores with the default note.
    let text = body.trim_ascii();
    let note =
        if text.is_empty() || text == b"null" { None } else { crate::extract::parse_json::<RestoreBody>(&body)?.note };
    let v = s.core.restore_version(&a.actor, path_id(&id, "asset")?, path_version(&n)?, note.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(VersionView::from(v))).into_response())
}
