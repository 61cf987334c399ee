//! Assets and versions: multipart uploads, listing, details, downloads and restore.

use axum::{
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::Deserialize;
use vellum_core::{
    assets::{AssetPatch, LibraryQuery},
    model::{Asset, Version},
};

use super::paging::{listed, page_of, page_request, PageQuery};
use crate::{
    auth::Authed,
    download,
    error::ApiResult,
    extract::{path_id, path_version, AppJson, AppQuery, Form},
    upload, AppState,
};

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
    Ok((StatusCode::CREATED, Json(asset)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    status: Option<String>,
    kind: Option<String>,
    approved: Option<bool>,
    /// A folder: matches it and every folder below it (`a` matches `a` and `a/b`).
    folder: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

pub async fn list(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
    AppQuery(q): AppQuery<ListQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let page = page_request(q.limit, q.cursor.as_deref())?;
    let q = LibraryQuery { status: q.status, kind: q.kind, approved: q.approved, folder: q.folder, page };
    Ok(listed("assets", s.core.library(&a.actor, &ws, &q).await?))
}

pub async fn get(State(s): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<Json<Asset>> {
    let (asset, _) = s.core.asset(&a.actor, path_id(&id, "asset")?).await?;
    Ok(Json(asset))
}

pub async fn patch(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    AppJson(p): AppJson<AssetPatch>,
) -> ApiResult<Json<Asset>> {
    Ok(Json(s.core.update_asset(&a.actor, path_id(&id, "asset")?, p).await?))
}

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
    Ok((StatusCode::CREATED, Json(version)).into_response())
}

pub async fn versions(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    AppQuery(q): AppQuery<PageQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let page = q.request()?;
    let versions = s.core.versions(&a.actor, path_id(&id, "asset")?).await?;
    // Newest first, as before: the key sorts descending by version number.
    let page = page_of(versions, &page, |v| format!("{:010}", u32::MAX - v.number));
    Ok(listed("versions", page))
}

pub async fn version(
    State(s): State<AppState>,
    a: Authed,
    Path((id, n)): Path<(String, String)>,
) -> ApiResult<Json<Version>> {
    Ok(Json(s.core.version(&a.actor, path_id(&id, "asset")?, path_version(&n)?).await?))
}

pub async fn download(
    State(s): State<AppState>,
    a: Authed,
    Path((id, n)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let v = s.core.version(&a.actor, path_id(&id, "asset")?, path_version(&n)?).await?;
    if download::starts_a_download(&headers, &v) {
        s.core.record_download(&a.actor, &v).await?;
    }
    download::serve(&s.core, &v, &headers).await
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RestoreBody {
    note: Option<String>,
}

pub async fn restore(
    State(s): State<AppState>,
    a: Authed,
    Path((id, n)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    // The body is optional: an empty one restores with the default note.
    let note = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        crate::extract::parse_json::<RestoreBody>(&body)?.note
    };
    let v = s.core.restore_version(&a.actor, path_id(&id, "asset")?, path_version(&n)?, note.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}
