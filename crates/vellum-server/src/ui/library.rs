//! A workspace's library (list or grid, filtered by status, kind, approval and folder, paged
//! by plain links) with a quick upload
//! form that takes dropped files, and the full upload form.

use axum::{
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use maud::{html, Markup};
use serde::Deserialize;
use vellum_core::{assets::LibraryQuery, model::Asset};
use vellum_domain::{page::PageRequest, role::Capability, status::AssetStatus, validate::AssetKind};

use super::{
    layout::{page, Chrome, Section},
    metadata_form::{self, MetaForm},
    page::{asset_badge, csrf_field, enc, see_other, when, Notice, Page, UiError, UiResult},
    session::Signed,
};
use crate::{upload, AppState};

/// How many assets a library page shows.
const PAGE_SIZE: u32 = 50;

#[derive(Deserialize, Default)]
pub struct LibraryParams {
    #[serde(default)]
    status: String,
    #[serde(default)]
    kind: String,
    /// `yes`: only assets with an approved version; `no`: only assets never approved.
    #[serde(default)]
    approved: String,
    #[serde(default)]
    folder: String,
    #[serde(default)]
    view: String,
    /// Where this page starts (the `next_cursor` of the page before).
    #[serde(default)]
    cursor: String,
    done: Option<String>,
}

impl LibraryParams {
    fn filtered(&self) -> bool {
        !self.status.is_empty() || !self.kind.is_empty() || !self.approved.is_empty() || !self.folder.trim().is_empty()
    }

    /// This library's address with the same filters and layout, at `cursor` (None: newest).
    fn href(&self, base: &str, view: &str, cursor: Option<&str>) -> String {
        let mut href = format!("{base}?status={}&kind={}", enc(&self.status), enc(&self.kind));
        for (key, value) in [("approved", self.approved.as_str()), ("folder", self.folder.trim()), ("view", view)] {
            if !value.is_empty() {
                href.push_str(&format!("&{key}={}", enc(value)));
            }
        }
        if let Some(c) = cursor {
            href.push_str(&format!("&cursor={}", enc(c)));
        }
        href
    }

    fn query(&self) -> Result<LibraryQuery, UiError> {
        let approved = match self.approved.as_str() {
            "" => None,
            "yes" => Some(true),
            "no" => Some(false),
            _ => return Err(UiError::invalid("Choose whether to show approved assets from the list.".to_string())),
        };
        let cursor = Some(self.cursor.as_str()).filter(|c| !c.is_empty());
        Ok(LibraryQuery {
            status: Some(self.status.clone()).filter(|s| !s.is_empty()),
            kind: Some(self.kind.clone()).filter(|k| !k.is_empty()),
            approved,
            folder: Some(self.folder.trim().to_string()).filter(|f| !f.is_empty()),
            page: PageRequest::parse(Some(PAGE_SIZE), cursor).map_err(vellum_core::Error::from)?,
        })
    }
}

fn filters(base: &str, q: &LibraryParams, grid: bool) -> Markup {
    html! {
        form.filters method="get" action=(base) {
            div {
                label for="f-status" { "Status" }
                select #f-status name="status" {
                    option value="" { "Any status" }
                    @for s in AssetStatus::ALL {
                        option value=(s.as_str()) selected[q.status == s.as_str()] { (s.as_str().replace('_', " ")) }
                    }
                }
            }
            div {
                label for="f-kind" { "Kind" }
                select #f-kind name="kind" {
                    option value="" { "Any kind" }
                    @for k in AssetKind::ALL {
                        option value=(k.as_str()) selected[q.kind == k.as_str()] { (k.as_str().replace('_', " ")) }
                    }
                }
            }
            div {
                label for="f-approved" { "Approval" }
                select #f-approved name="approved" {
                    option value="" { "Approved or not" }
                    option value="yes" selected[q.approved == "yes"] { "Has an approved version" }
                    option value="no" selected[q.approved == "no"] { "Never approved" }
                }
            }
            div {
                label for="f-folder" { "Folder" }
                input #f-folder name="folder" value=(q.folder) placeholder="campaigns/spring" maxlength="500";
            }
            @if grid { input type="hidden" name="view" value="grid"; }
            button type="submit" { "Filter" }
            nav.toggle aria-label="Layout" {
                @if grid {
                    a href=(q.href(base, "", None)) { "List" } " · " strong aria-current="true" { "Grid" }
                } @else {
                    strong aria-current="true" { "List" } " · " a href=(q.href(base, "grid", None)) { "Grid" }
                }
            }
        }
    }
}

/// Links between pages: plain links, so paging works without the script.
fn pager(base: &str, q: &LibraryParams, next: Option<&str>) -> Markup {
    let view = if q.view == "grid" { "grid" } else { "" };
    html! {
        @if next.is_some() || !q.cursor.is_empty() {
            nav.pager aria-label="Pages" {
                @if !q.cursor.is_empty() { a href=(q.href(base, view, None)) { "‹ Newest" } }
                @if let Some(c) = next { a rel="next" href=(q.href(base, view, Some(c))) { "Older ›" } }
            }
        }
    }
}

fn state(a: &Asset) -> Markup {
    asset_badge(a.status, a.current_version, a.approved_version)
}

fn list(assets: &[Asset]) -> Markup {
    html! {
        table.assets.stack {
            thead { tr {
                th scope="col" { "Title" } th scope="col" { "Kind" } th scope="col" { "Status" }
                th scope="col" { "Version" } th scope="col" { "Updated" }
            } }
            tbody {
                @for a in assets {
                    tr {
                        td.title-cell { a href={ "/a/" (a.id) } { (a.title) } }
                        td data-label="Kind" { (a.kind.as_str().replace('_', " ")) }
                        td data-label="Status" { (state(a)) }
                        td data-label="Version" { "v" (a.current_version) }
                        td data-label="Updated" { (when(a.updated_at)) }
                    }
                }
            }
        }
    }
}

/// The kind choices of an upload form.
fn kind_select(id: &str, chosen: &str) -> Markup {
    html! {
        select #(id) name="kind" required {
            option value="" { "Choose…" }
            @for k in AssetKind::ALL {
                option value=(k.as_str()) selected[chosen == k.as_str()] { (k.as_str().replace('_', " ")) }
            }
        }
    }
}

/// The library's own upload form: files and a kind. Without the script it uploads one file
/// and opens it; with it, several files upload side by side, each with its progress, files
/// dropped anywhere on the page join it, and the page stays usable meanwhile.
fn quick_upload(chrome: &Chrome, base: &str, open: bool) -> Markup {
    html! {
        details.form.quick-upload #quick-upload open[open] {
            summary { "Upload files here" span.js-only { " — or drop them anywhere on this page" } }
            form.card method="post" action={ (base) "/upload" } enctype="multipart/form-data"
                data-uploader="stay" data-drop {
                // The secret comes first: the server checks it before reading the file.
                (csrf_field(&chrome.csrf))
                div.grid2 {
                    div {
                        label for="qu-file" { "Files" }
                        input #qu-file type="file" name="file" required;
                    }
                    div {
                        label for="qu-kind" { "Kind" }
                        (kind_select("qu-kind", ""))
                        p.hint.js-only { "Dropped files without a chosen kind get one from their type." }
                    }
                }
                p.hint { "Each file becomes an asset titled by its file name. "
                    a href={ (base) "/upload" } { "Upload with a title and metadata" } " instead." }
                button.primary type="submit" { "Upload" }
            }
            ol.uploads aria-live="polite" {}
        }
    }
}

fn grid(assets: &[Asset]) -> Markup {
    html! {
        ul.grid {
            @for a in assets {
                li.card {
                    a.thumb-link href={ "/a/" (a.id) } tabindex="-1" aria-hidden="true" { (super::media_panel::thumb(a)) }
                    a.title href={ "/a/" (a.id) } { (a.title) }
                    p { (state(a)) }
                    p.muted { (a.kind.as_str().replace('_', " ")) " · v" (a.current_version) }
                    p.muted { "Updated " (when(a.updated_at)) }
                }
            }
        }
    }
}

/// `GET /w/{ws}`.
pub async fn library(
    State(s): State<AppState>,
    who: Signed,
    Path(ws): Path<String>,
    Query(q): Query<LibraryParams>,
) -> UiResult {
    let chrome = Chrome::load(&s, &who, Some(&ws), Section::Library).await?;
    let Some(current) = &chrome.current else {
        return Err(UiError::from(crate::error::ApiError::not_found("workspace")));
    };
    let listed = match q.query() {
        Ok(query) => s.core.library(&who.actor, &ws, &query).await.map_err(UiError::from),
        Err(e) => Err(e),
    };
    let (assets, next, notice, status) = match listed {
        Ok(p) => (p.items, p.next_cursor, Notice::done(q.done.as_deref()), StatusCode::OK),
        Err(e) => (Vec::new(), None, Some(e.notice()), e.status),
    };
    let base = format!("/w/{}", current.workspace.slug);
    let grid_view = q.view == "grid";
    let can_upload = chrome.can(Capability::Upload);
    let filtered = q.filtered();
    let body = html! {
        div.titlebar {
            h1 { (current.workspace.name) " — Library" }
            @if can_upload { a.button.primary href={ (base) "/upload" } { "Upload an asset" } }
        }
        @if can_upload { (quick_upload(&chrome, &base, assets.is_empty() && !filtered)) }
        (filters(&base, &q, grid_view))
        @if assets.is_empty() {
            p.empty #library-empty {
                @if !q.cursor.is_empty() { "No older assets. " a href=(q.href(&base, "", None)) { "Back to the newest" } "." }
                @else if filtered { "No assets match these filters. " a href=(base) { "Show every asset" } "." }
                @else if can_upload { "This library is empty. Upload the first files above — or drop them on this page — and they will be listed here." }
                @else if !chrome.can(Capability::SeeWorkInProgress) { "Nothing has been approved for this library yet. Approved assets will appear here." }
                @else { "This library is empty. Creators upload assets; they will be listed here." }
            }
        } @else if grid_view {
            (grid(&assets))
        } @else {
            (list(&assets))
        }
        (pager(&base, &q, next.as_deref()))
    };
    Ok(Page::with_status(status, page("Library", Some(&chrome), notice.as_ref(), body)).into_response())
}

/// What the upload form shows again after a failed attempt.
#[derive(Default)]
struct UploadDraft {
    title: String,
    kind: String,
    note: String,
    meta: MetaForm,
}

fn upload_form(chrome: &Chrome, ws_slug: &str, d: &UploadDraft) -> Markup {
    html! {
        h1 { "Upload an asset" }
        form.card method="post" action={ "/w/" (ws_slug) "/upload" } enctype="multipart/form-data"
            data-uploader="open" data-drop {
            // The secret comes first: the server checks it before reading the file.
            (csrf_field(&chrome.csrf))
            label for="up-file" { "File" }
            input #up-file type="file" name="file" required;
            div.grid2 {
                div {
                    label for="up-title" { "Title" }
                    input #up-title name="title" value=(d.title) maxlength="200" aria-describedby="up-title-hint";
                    p.hint #up-title-hint { "Leave empty to use the file name (always so when you upload several files)." }
                }
                div {
                    label for="up-kind" { "Kind" }
                    (kind_select("up-kind", &d.kind))
                }
            }
            (d.meta.inputs("up"))
            label for="up-note" { "Note" }
            input #up-note name="note" value=(d.note) placeholder="First version" maxlength="4000";
            button.primary type="submit" { "Upload" }
        }
        ol.uploads aria-live="polite" {}
    }
}

fn upload_page(
    chrome: &Chrome,
    ws_slug: &str,
    d: &UploadDraft,
    notice: Option<Notice>,
    status: StatusCode,
) -> Response {
    Page::with_status(status, page("Upload", Some(chrome), notice.as_ref(), upload_form(chrome, ws_slug, d)))
        .into_response()
}

/// `GET /w/{ws}/upload`.
pub async fn upload_form_page(State(s): State<AppState>, who: Signed, Path(ws): Path<String>) -> UiResult {
    let chrome = Chrome::load(&s, &who, Some(&ws), Section::Library).await?;
    s.core.upload_access(&who.actor, &ws).await?;
    let slug = chrome.current.as_ref().map_or(ws.clone(), |c| c.workspace.slug.clone());
    Ok(upload_page(&chrome, &slug, &UploadDraft::default(), None, StatusCode::OK))
}

fn non_empty(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.trim().is_empty())
}

/// Shows the upload form again with what went wrong (the file has to be chosen again).
async fn failed(s: &AppState, who: &Signed, ws: &str, draft: &UploadDraft, e: UiError) -> UiResult {
    let chrome = Chrome::load(s, who, Some(ws), Section::Library).await?;
    let slug = chrome.current.as_ref().map_or(ws.to_string(), |c| c.workspace.slug.clone());
    let notice = Notice::Error(format!("{} Choose the file again.", e.message));
    Ok(upload_page(&chrome, &slug, draft, Some(notice), e.status))
}

/// `POST /w/{ws}/upload` (multipart, `csrf` first).
pub async fn upload(
    State(s): State<AppState>,
    who: Signed,
    Path(ws): Path<String>,
    headers: HeaderMap,
    form: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> UiResult {
    let form = form.map_err(|e| {
        UiError::new(StatusCode::BAD_REQUEST, format!("The upload could not be read: {}", e.body_text()))
    })?;
    let received = async {
        upload::check_declared_length(&headers, s.core.limits.max_upload_bytes)?;
        s.core.upload_access(&who.actor, &ws).await?;
        upload::receive_keeping(&s.core, form, Some(&who.csrf), &metadata_form::NAMES).await
    }
    .await;
    let (mut fields, blob, extra) = match received {
        Ok(r) => r,
        Err(e) => return failed(&s, &who, &ws, &UploadDraft::default(), e.into()).await,
    };
    fields.title = non_empty(fields.title);
    fields.note = non_empty(fields.note);
    let draft = UploadDraft {
        title: fields.title.clone().unwrap_or_default(),
        kind: fields.kind.clone().unwrap_or_default(),
        note: fields.note.clone().unwrap_or_default(),
        meta: MetaForm::from_pairs(&extra),
    };
    match draft.meta.to_json() {
        Ok(json) => fields.metadata = Some(json.to_string()),
        Err(m) => {
            s.core.discard_blob(&blob).await;
            return failed(&s, &who, &ws, &draft, UiError::invalid(m)).await;
        }
    }
    match s.core.create_asset(&who.actor, &ws, fields, blob).await {
        Ok(asset) => Ok(see_other(&format!("/a/{}?done=uploaded", asset.id))),
        Err(e) => failed(&s, &who, &ws, &draft, e.into()).await,
    }
}
