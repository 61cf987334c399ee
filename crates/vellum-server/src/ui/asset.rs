//! The asset page: details and metadata, the edit form, version history with downloads and
//! restore, the new-version form, and the review panel.

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use maud::{html, Markup};
use serde::Deserialize;
use vellum_core::model::{Asset, Member, Version};
use vellum_domain::{role::Capability, Id};

use super::{
    distribution_panel,
    layout::{page, Chrome, Section},
    media_panel,
    metadata_form::{self, MetaForm},
    page::{asset_badge, csrf_field, short_id, size, when, Notice, Page, UiResult},
    review,
    session::Signed,
};
use crate::{extract::path_id, AppState};

/// How the asset page is shown: after a redirect, or again after a refused form.
pub struct Shown<'a> {
    pub notice: Option<Notice>,
    pub status: StatusCode,
    /// The document page to preview.
    pub page_no: u32,
    /// A refused decision, so the form keeps what the reviewer chose and wrote.
    pub draft: Option<&'a review::DecisionDraft>,
}

impl Shown<'_> {
    /// The page again with an error's message and status.
    pub fn error(e: &super::page::UiError) -> Shown<'static> {
        Shown { notice: Some(e.notice()), status: e.status, page_no: 1, draft: None }
    }
}

/// Loads everything the asset page shows and renders it as `shown` says.
pub async fn render(s: &AppState, who: &Signed, id: Id, shown: Shown<'_>) -> UiResult<Response> {
    let Shown { notice, status, page_no, draft } = shown;
    let (asset, access) = s.core.asset(&who.actor, id).await?;
    let versions = s.core.versions(&who.actor, id).await?;
    let reviews = s.core.reviews_of(&who.actor, id).await?;
    let ws = access.workspace.id.to_string();
    let chrome = Chrome::load(s, who, Some(&ws), Section::Library).await?;
    let sees_wip = access.sees_work_in_progress();
    // Names for authors; viewers may not list members and see ids instead.
    let members = if sees_wip { s.core.members(&who.actor, &ws).await? } else { Vec::new() };
    let workflows = if sees_wip { s.core.workflows(&who.actor, &ws).await? } else { Vec::new() };
    let can_upload = access.role.can(Capability::Upload);
    let presets = s.core.presets(&who.actor, &ws).await?;
    let rights = s.core.asset_rights(asset.id).await?;
    let (public_links, share_links) = if sees_wip {
        (s.core.public_links(&who.actor, id).await?, s.core.share_links(&who.actor, id).await?)
    } else {
        (Vec::new(), Vec::new())
    };
    let download = match asset.approved_version {
        Some(n) => Some((n, s.core.download_verdict(&who.actor, &asset, n).await?)),
        None => None,
    };
    let collections = s.core.collection_choices(&who.actor, &ws).await?;
    let holds: Vec<String> = s.core.holds_on(asset.id).await?.into_iter().map(|(_, name)| name).collect();
    let distribution = distribution_panel::Panel {
        download,
        holds: &holds,
        asset: asset.id,
        rights: &rights,
        public_links: &public_links,
        share_links: &share_links,
        can_edit: can_upload,
        approved: asset.approved_version.is_some(),
        base_url: s.core.notify.public_url.trim_end_matches('/'),
        csrf: &who.csrf,
    };
    let panel = review::Panel {
        asset: &asset,
        reviews: &reviews,
        workflows: &workflows,
        me: who.actor.user.id,
        csrf: &who.csrf,
        can_start: access.role.can(Capability::StartReview),
        draft,
    };
    let body = html! {
        p.crumbs { a href={ "/w/" (access.workspace.slug) } { (access.workspace.name) } " › Library" }
        div.titlebar {
            h1 { (asset.title) }
            (asset_badge(asset.status, asset.current_version, asset.approved_version))
        }
        (summary(&asset))
        div.asset-tools {
            a.button #find-similar href={ "/a/" (asset.id) "/similar" } { "Find similar" }
            @if !collections.is_empty() {
                form.inline.collect method="post" action={ "/a/" (asset.id) "/collect" } {
                    (csrf_field(&who.csrf))
                    label for="collect-into" { "Add to collection" }
                    select #collect-into name="collection_id" {
                        @for c in &collections { option value=(c.id) { (c.name) } }
                    }
                    button type="submit" { "Add" }
                }
            } @else {
                a href={ "/w/" (access.workspace.slug) "/collections" } { "Start a collection" }
            }
        }
        div.columns {
            div.main-col {
                @if let Some(v) = versions.iter().find(|v| v.number == asset.current_version) {
                    section.preview-section aria-labelledby="h-preview" {
                        h2 #h-preview.visually-hidden { "Preview" }
                        (media_panel::preview(&asset, v, page_no))
                        p { a.button.proof-link href={ "/a/" (asset.id) "/v/" (v.number) } { "Comment and compare versions" } }
                        (media_panel::extras(&asset, v, &presets))
                    }
                }
                section.meta-section aria-labelledby="h-meta" {
                    h2 #h-meta { "Metadata" }
                    (metadata_form::table(&asset.metadata))
                    @if let Some(v) = versions.iter().find(|v| v.number == asset.current_version) {
                        (media_panel::media_table(v))
                    }
                    @if can_upload { (edit_form(&asset, &who.csrf)) }
                }
                section.rights-section aria-labelledby="h-rights" {
                    h2 #h-rights { "Rights and sharing" }
                    (distribution.render())
                }
                section.versions-section aria-labelledby="h-versions" {
                    h2 #h-versions { "Versions" }
                    (history(&asset, &versions, &members, can_upload, &who.csrf))
                    @if can_upload { (new_version_form(&asset, &who.csrf)) }
                }
            }
            @if sees_wip {
                section.reviews aria-labelledby="h-review" {
                    h2 #h-review { "Review" }
                    (panel.render())
                }
            }
        }
    };
    Ok(Page::with_status(status, page(&asset.title, Some(&chrome), notice.as_ref(), body)).into_response())
}

fn summary(a: &Asset) -> Markup {
    html! {
        dl.summary {
            div { dt { "Kind" } dd { (a.kind.as_str().replace('_', " ")) } }
            div { dt { "Current version" } dd #current-version { (a.current_version) } }
            div { dt { "Approved version" } dd #approved-version { @if let Some(v) = a.approved_version { (v) } @else { "none yet" } } }
            div { dt { "Created" } dd { (when(a.created_at)) } }
            div { dt { "Updated" } dd { (when(a.updated_at)) } }
        }
    }
}

fn edit_form(a: &Asset, csrf: &str) -> Markup {
    html! {
        details.form {
            summary { "Edit title and metadata" }
            form method="post" action={ "/a/" (a.id) "/edit" } {
                (csrf_field(csrf))
                label for="ed-title" { "Title" }
                input #ed-title name="title" value=(a.title) required maxlength="200";
                (MetaForm::from_metadata(&a.metadata).inputs("ed"))
                button.primary type="submit" { "Save" }
            }
        }
    }
}

fn author(members: &[Member], id: Id) -> String {
    members
        .iter()
        .find(|m| m.user_id == id)
        .map_or_else(|| format!("user …{}", short_id(&id.to_string())), |m| m.name.clone())
}

fn history(a: &Asset, versions: &[Version], members: &[Member], can_restore: bool, csrf: &str) -> Markup {
    html! {
        div.scroll { table.versions.stack {
            thead { tr {
                th scope="col" { "Version" } th scope="col" { "Note" } th scope="col" { "By" }
                th scope="col" { "Size" } th scope="col" { "SHA-256" } th scope="col" { span.visually-hidden { "Actions" } }
            } }
            tbody {
                @for v in versions {
                    tr id={ "v" (v.number) } {
                        td.title-cell { "Version " (v.number)
                            @if v.number == a.current_version { " " span.tag { "current" } }
                            @if Some(v.number) == a.approved_version { " " span.tag.ok { "approved" } }
                        }
                        td data-label="Note" { (v.note) @if let Some(r) = v.restored_from { " " span.muted { "(restored from v" (r) ")" } } }
                        td data-label="By" { (author(members, v.created_by)) br; span.muted { (when(v.created_at)) } }
                        td.num data-label="Size" { (size(v.size)) }
                        td data-label="SHA-256" { code title=(v.sha256) { (v.sha256.chars().take(10).collect::<String>()) "…" } }
                        td.actions {
                            a href={ "/api/v1/assets/" (a.id) "/versions/" (v.number) "/file" } download=(v.filename)
                                aria-label={ "Download version " (v.number) " (" (v.filename) ")" } { "Download" }
                            @if can_restore && v.number != a.current_version {
                                form.inline method="post" action={ "/a/" (a.id) "/versions/" (v.number) "/restore" }
                                    data-confirm={ "Restore version " (v.number) " as a new version?" } {
                                    (csrf_field(csrf))
                                    button.link type="submit" aria-label={ "Restore version " (v.number) } { "Restore" }
                                }
                            }
                        }
                    }
                }
            }
        } }
    }
}

fn new_version_form(a: &Asset, csrf: &str) -> Markup {
    html! {
        details.form {
            summary { "Upload a new version" }
            form method="post" action={ "/a/" (a.id) "/versions" } enctype="multipart/form-data" {
                // The secret comes first: the server checks it before reading the file.
                (csrf_field(csrf))
                label for="nv-file" { "File" }
                input #nv-file type="file" name="file" required;
                label for="nv-note" { "What changed" }
                textarea #nv-note name="note" rows="2" required maxlength="4000" {}
                button.primary type="submit" { "Upload version " (a.current_version + 1) }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
    page: Option<u32>,
}

/// `GET /a/{id}`.
pub async fn show(
    State(s): State<AppState>,
    who: Signed,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> UiResult {
    let id = path_id(&id, "asset")?;
    let shown = Shown {
        notice: Notice::done(q.done.as_deref()),
        status: StatusCode::OK,
        page_no: q.page.unwrap_or(1),
        draft: None,
    };
    render(&s, &who, id, shown).await
}
