//! Collections in the browser: the list with a form to start one, a collection's items in
//! order (move up, remove, download as a ZIP), adding an asset from its page, and the
//! "find similar" page of an asset.

use axum::{
    extract::{Path, RawQuery, State},
    http::StatusCode,
    response::IntoResponse,
};
use maud::html;

use super::{
    layout::{page, Chrome, Section},
    media_panel::thumb,
    page::{asset_badge, csrf_field, see_other, Notice, Page, UiError, UiResult},
    session::{field, Signed, UiForm},
};
use crate::AppState;

fn id_of(s: &str, what: &str) -> Result<vellum_domain::Id, UiError> {
    vellum_domain::id::parse_id(s).ok_or_else(|| UiError::from(crate::error::ApiError::not_found(what)))
}

/// `GET /w/{ws}/collections`.
pub async fn list(State(s): State<AppState>, who: Signed, Path(ws): Path<String>, RawQuery(raw): RawQuery) -> UiResult {
    let chrome = Chrome::load(&s, &who, Some(&ws), Section::Collections).await?;
    let list = s.core.collections(&who.actor, &ws).await?;
    let groups = s.core.groups(&who.actor, &ws).await.unwrap_or_default();
    let notice = Notice::done(raw.as_deref().and_then(|r| r.strip_prefix("done=")));
    let body = html! {
        h1 { "Collections" }
        @if list.is_empty() { p.empty { "No collections yet. Start one below, then add assets from their pages." } }
        ul.collections {
            @for (c, n) in &list {
                li { a href={ "/c/" (c.id) } { (c.name) } " " span.muted { (n) " " @if *n == 1 { "asset" } @else { "assets" } } }
            }
        }
        form.card method="post" action={ "/w/" (ws) "/collections" } {
            (csrf_field(&chrome.csrf))
            label for="col-name" { "New collection" }
            input #col-name name="name" required maxlength="200" placeholder="Spring picks";
            label for="col-group" { "Share with" }
            select #col-group name="group" {
                option value="" { "Nobody (only me)" }
                @for g in &groups { option value=(g.id) { (g.name) } }
            }
            button.primary type="submit" { "Create" }
        }
    };
    Ok(Page::with_status(StatusCode::OK, page("Collections", Some(&chrome), notice.as_ref(), body)).into_response())
}

/// `POST /w/{ws}/collections`.
pub async fn create(
    State(s): State<AppState>,
    who: Signed,
    Path(ws): Path<String>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> UiResult {
    who.check_pairs(&f)?;
    let group = match field(&f, "group") {
        "" => None,
        g => Some(id_of(g, "group")?),
    };
    let c = s.core.create_collection(&who.actor, &ws, field(&f, "name"), group).await?;
    Ok(see_other(&format!("/c/{}", c.id)))
}

/// `GET /c/{id}`.
pub async fn show(State(s): State<AppState>, who: Signed, Path(id): Path<String>) -> UiResult {
    render(&s, &who, id_of(&id, "collection")?, None, StatusCode::OK).await
}

async fn render(
    s: &AppState,
    who: &Signed,
    id: vellum_domain::Id,
    notice: Option<Notice>,
    status: StatusCode,
) -> UiResult {
    let view = s.core.collection(&who.actor, id).await?;
    let ws = view.collection.workspace_id.to_string();
    let chrome = Chrome::load(s, who, Some(&ws), Section::Collections).await?;
    let c = &view.collection;
    let body = html! {
        div.titlebar {
            h1 { (c.name) }
            @if !view.items.is_empty() { a.button href={ "/api/v1/collections/" (c.id) "/zip" } download { "Download as ZIP" } }
        }
        @if view.items.is_empty() { p.empty { "This collection is empty. Open an asset and use “Add to collection”." } }
        ol.grid.collection-items {
            @for (i, a) in view.items.iter().enumerate() {
                li.card {
                    a.thumb-link href={ "/a/" (a.id) } tabindex="-1" aria-hidden="true" { (thumb(a)) }
                    a.title href={ "/a/" (a.id) } { (a.title) }
                    p { (asset_badge(a.status, a.current_version, a.approved_version)) }
                    div.actions {
                        @if i > 0 {
                            form.inline method="post" action={ "/c/" (c.id) "/move" } {
                                (csrf_field(&chrome.csrf))
                                input type="hidden" name="asset_id" value=(a.id);
                                button.link type="submit" { "Move up" }
                            }
                        }
                        form.inline method="post" action={ "/c/" (c.id) "/remove" } {
                            (csrf_field(&chrome.csrf))
                            input type="hidden" name="asset_id" value=(a.id);
                            button.link type="submit" { "Remove" }
                        }
                    }
                }
            }
        }
        @if view.hidden > 0 { p.muted { (view.hidden) " more items are hidden from you." } }
        @if !view.items.is_empty() {
            section.card aria-labelledby="h-share" {
                h2 #h-share { "Share outside" }
                p.muted { "One page with every approved item that may go out; the rest are named when you share." }
                form method="post" action={ "/c/" (c.id) "/share" } {
                    (csrf_field(&chrome.csrf))
                    label for="cs-until" { "Works until" }
                    input #cs-until type="date" name="expires_on" required;
                    label for="cs-password" { "Password (optional)" }
                    input #cs-password type="password" name="password" minlength="8" maxlength="200" autocomplete="new-password";
                    label { input type="checkbox" name="allow_download" value="true" checked; " Allow downloads" }
                    label { input type="checkbox" name="watermark" value="true"; " Watermark previews" }
                    button.primary type="submit" { "Create share link" }
                }
            }
        }
    };
    Ok(Page::with_status(status, page(&c.name, Some(&chrome), notice.as_ref(), body)).into_response())
}

/// `POST /c/{id}/share`: the page's address is shown this once, with what was left out.
pub async fn share(
    State(s): State<AppState>,
    who: Signed,
    Path(id): Path<String>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> UiResult {
    who.check_pairs(&f)?;
    let id = id_of(&id, "collection")?;
    let Some(expires_at) = vellum_domain::Timestamp::parse(&format!("{}T23:59:59Z", field(&f, "expires_on").trim()))
    else {
        let notice = Notice::Error("Choose the day the link stops working.".into());
        return render(&s, &who, id, Some(notice), StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let new = vellum_core::share_links::NewShare {
        version: vellum_core::share_links::Shared::Approved,
        rendition: None,
        expires_at,
        password: Some(field(&f, "password").to_string()).filter(|p| !p.is_empty()),
        allow_download: field(&f, "allow_download") == "true",
        watermark: field(&f, "watermark") == "true",
        recipient_email: None,
    };
    match s.core.share_collection(&who.actor, id, new).await {
        Ok(shared) => {
            let url = format!("{}/s/{}", s.core.notify.public_url.trim_end_matches('/'), shared.token);
            let mut text = format!("Send this link (it is shown only now): {url}");
            if !shared.skipped.is_empty() {
                let left: Vec<String> = shared.skipped.iter().map(|(a, why)| format!("{} ({why})", a.title)).collect();
                text.push_str(&format!(" — left out: {}", left.join("; ")));
            }
            render(&s, &who, id, Some(Notice::Message(text)), StatusCode::OK).await
        }
        Err(e) => {
            let e = UiError::from(e);
            render(&s, &who, id, Some(e.notice()), e.status).await
        }
    }
}

/// `POST /c/{id}/move`: one place up.
pub async fn move_up(
    State(s): State<AppState>,
    who: Signed,
    Path(id): Path<String>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> UiResult {
    who.check_pairs(&f)?;
    let id = id_of(&id, "collection")?;
    let asset = id_of(field(&f, "asset_id"), "asset")?;
    let mut order: Vec<_> = s.core.collection(&who.actor, id).await?.items.into_iter().map(|a| a.id).collect();
    if let Some(i) = order.iter().position(|a| *a == asset).filter(|i| *i > 0) {
        order.swap(i, i - 1);
    }
    s.core.set_collection_items(&who.actor, id, &order).await?;
    Ok(see_other(&format!("/c/{id}")))
}

/// `POST /c/{id}/remove`.
pub async fn remove(
    State(s): State<AppState>,
    who: Signed,
    Path(id): Path<String>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> UiResult {
    who.check_pairs(&f)?;
    let id = id_of(&id, "collection")?;
    s.core.remove_collection_item(&who.actor, id, id_of(field(&f, "asset_id"), "asset")?).await?;
    Ok(see_other(&format!("/c/{id}")))
}

/// `POST /a/{id}/collect`: adds the asset to one of the user's collections.
pub async fn collect(
    State(s): State<AppState>,
    who: Signed,
    Path(id): Path<String>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> UiResult {
    who.check_pairs(&f)?;
    let collection = id_of(field(&f, "collection_id"), "collection")?;
    s.core.add_collection_item(&who.actor, collection, id_of(&id, "asset")?).await?;
    Ok(see_other(&format!("/c/{collection}")))
}

/// `GET /a/{id}/similar`.
pub async fn similar(State(s): State<AppState>, who: Signed, Path(id): Path<String>) -> UiResult {
    let id = id_of(&id, "asset")?;
    let (asset, _) = s.core.asset(&who.actor, id).await?;
    let ws = asset.workspace_id.to_string();
    let chrome = Chrome::load(&s, &who, Some(&ws), Section::Library).await?;
    let found = s.core.similar(&who.actor, id, 48).await?;
    let mut items = Vec::new();
    for x in &found.similar {
        if let Ok((a, _)) = s.core.asset(&who.actor, x.asset_id).await {
            items.push((a, Some(x.distance)));
        }
    }
    for (d, _) in &found.duplicates {
        if let Ok((a, _)) = s.core.asset(&who.actor, *d).await {
            items.push((a, None));
        }
    }
    let body = html! {
        h1 { "Like " a href={ "/a/" (asset.id) } { (asset.title) } }
        @if items.is_empty() { p.empty { "Nothing in this workspace looks like it (or its picture is not processed yet)." } }
        ul.grid.similar {
            @for (a, distance) in &items {
                li.card {
                    a.thumb-link href={ "/a/" (a.id) } tabindex="-1" aria-hidden="true" { (thumb(a)) }
                    a.title href={ "/a/" (a.id) } { (a.title) }
                    p.muted { @match distance { Some(d) => { (d) " of 64 bits differ" }, None => { "The same file" } } }
                }
            }
        }
    };
    Ok(Page::with_status(StatusCode::OK, page("Similar assets", Some(&chrome), None, body)).into_response())
}
