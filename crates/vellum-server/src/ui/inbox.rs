//! The inbox page: your notifications, newest first, unread ones marked; opening one marks
//! it read and goes to the review or asset it is about.

use axum::{
    extract::{Path, Query, State},
    response::{IntoResponse, Response},
};
use maud::html;
use serde::Deserialize;
use vellum_domain::page::PageRequest;

use super::{
    layout::{page, Chrome, Section},
    page::{csrf_field, see_other, when, Notice, Page, UiResult},
    session::{Signed, UiForm},
};
use crate::{extract::path_id, AppState};

#[derive(Deserialize)]
pub struct InboxQuery {
    #[serde(default)]
    unread: Option<String>,
    #[serde(default)]
    cursor: Option<String>,
    done: Option<String>,
}

/// `GET /inbox`.
pub async fn show(State(s): State<AppState>, who: Signed, Query(q): Query<InboxQuery>) -> UiResult {
    let chrome = Chrome::load(&s, &who, None, Section::Inbox).await?;
    let unread_only = q.unread.as_deref() == Some("1");
    let req = PageRequest::parse(Some(50), q.cursor.as_deref()).map_err(vellum_core::Error::from)?;
    let (list, unread) = s.core.notifications(&who.actor, unread_only, &req).await?;
    let body = html! {
        h1 { "Inbox" }
        p {
            (unread) " unread · "
            @if unread_only { a href="/inbox" { "Show all" } } @else { a href="/inbox?unread=1" { "Show unread only" } }
            " · " a href="/account#notifications" { "Email settings" }
        }
        @if unread > 0 {
            form.inline method="post" action="/inbox/read-all" {
                (csrf_field(&chrome.csrf))
                button type="submit" { "Mark all read" }
            }
        }
        @if list.items.is_empty() {
            p.empty { @if unread_only { "Nothing unread." } @else {
                "Nothing yet. You are told here when a review waits for you, when your reviews move on, and about reminders and escalations." } }
        } @else {
            ul.inbox {
                @for n in &list.items {
                    li class=[n.read_at.is_none().then_some("unread")] {
                        a href={ "/inbox/" (n.id) } { (n.title) }
                        " " small { (when(n.created_at)) @if n.read_at.is_none() { " · " strong { "unread" } } }
                    }
                }
            }
            @if let Some(c) = &list.next_cursor {
                p { a rel="next" href={ "/inbox?cursor=" (c) @if unread_only { "&unread=1" } } { "Older ›" } }
            }
        }
    };
    let notice = Notice::done(q.done.as_deref());
    Ok(Page::ok(page("Inbox", Some(&chrome), notice.as_ref(), body)).into_response())
}

/// `GET /inbox/{id}`: marks it read and goes where it points. Reading is harmless, so a
/// plain link does it.
pub async fn open(State(s): State<AppState>, who: Signed, Path(id): Path<String>) -> UiResult<Response> {
    let n = s.core.mark_read(&who.actor, path_id(&id, "notification")?).await?;
    // Links are paths this server made; anything else goes to the inbox.
    let to = if n.link.starts_with('/') && !n.link.starts_with("//") { n.link } else { "/inbox".into() };
    Ok(see_other(&to))
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /inbox/read-all`.
pub async fn read_all(State(s): State<AppState>, who: Signed, UiForm(f): UiForm<CsrfForm>) -> UiResult<Response> {
    who.check(&f.csrf)?;
    s.core.mark_all_read(&who.actor).await?;
    Ok(see_other("/inbox?done=all_read"))
}
