//! The start page after sign-in: the decisions waiting for the person first, then their
//! workspaces; and the workspace list with the form to create one.

use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::IntoResponse,
};
use maud::{html, Markup};
use serde::Deserialize;
use vellum_core::inbox::Waiting;
use vellum_domain::Timestamp;

use super::{
    layout::{page, Chrome, Section},
    page::{csrf_field, see_other, when, DoneQuery, Notice, Page, UiError, UiResult},
    session::{Signed, UiForm},
};
use crate::AppState;

#[derive(Deserialize, Default)]
pub struct NewWorkspace {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    slug: String,
}

fn render(chrome: &Chrome, draft: &NewWorkspace, notice: Option<Notice>, status: StatusCode) -> Page {
    let body = html! {
        h1 { "Workspaces" }
        @if chrome.workspaces.is_empty() {
            p { "You are not a member of any workspace yet. Create one, or ask a workspace admin to add you." }
        } @else {
            div.scroll { table {
                thead { tr { th scope="col" { "Workspace" } th scope="col" { "Address" } th scope="col" { "Your role" } } }
                tbody {
                    @for w in &chrome.workspaces {
                        tr {
                            td { a href={ "/w/" (w.workspace.slug) } { (w.workspace.name) } }
                            td { code { (w.workspace.slug) } }
                            td { (w.role.as_str()) }
                        }
                    }
                }
            } }
        }
        h2 #new { "New workspace" }
        form.card method="post" action="/workspaces" {
            (csrf_field(&chrome.csrf))
            label for="ws-name" { "Name" }
            input #ws-name name="name" value=(draft.name) required maxlength="200" data-slug-source="ws-slug";
            label for="ws-slug" { "Address (slug)" }
            input #ws-slug name="slug" value=(draft.slug) required pattern="[a-z][a-z0-9\\-]*[a-z0-9]" minlength="2" maxlength="48"
                aria-describedby="ws-slug-hint";
            p.hint #ws-slug-hint { "2–48 lower-case letters, digits and dashes, starting with a letter; used in links such as /w/acme-brand." }
            button.primary type="submit" { "Create workspace" }
        }
    };
    Page::with_status(status, page("Workspaces", Some(chrome), notice.as_ref(), body))
}

fn waiting_list(waiting: &[Waiting], now: Timestamp) -> Markup {
    html! {
        @if waiting.is_empty() {
            p.empty #waiting-empty { "Nothing waits for your decision. When a review reaches a stage you approve, it appears here." }
        } @else {
            ul.waiting {
                @for w in waiting {
                    li.card {
                        a.title href=(w.link()) { (w.title) }
                        p.muted {
                            "Version " (w.version) " · " (w.stages.join(", ")) " · " (w.workspace_name)
                        }
                        p {
                            @match w.due_at {
                                Some(d) if d < now => { strong.overdue { "Overdue" } " since " (when(d)) }
                                Some(d) => { "Due " (when(d)) }
                                None => { @if let Some(t) = w.since { "Waiting since " (when(t)) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `GET /`: what waits for the person, then their workspaces (or how to get one).
pub async fn start(State(s): State<AppState>, who: Signed) -> UiResult {
    let chrome = Chrome::load(&s, &who, None, Section::None).await?;
    if chrome.workspaces.is_empty() {
        return Ok(render(&chrome, &NewWorkspace::default(), None, StatusCode::OK).into_response());
    }
    let waiting = s.core.waiting_for(&who.actor).await?;
    let body = html! {
        h1 { "Waiting for you" }
        (waiting_list(&waiting, s.core.now()))
        h2 { "Your workspaces" }
        ul.workspaces {
            @for w in &chrome.workspaces {
                li { a href={ "/w/" (w.workspace.slug) } { (w.workspace.name) } " " span.muted { "(" (w.role.as_str()) ")" } }
            }
        }
        p { a href="/workspaces#new" { "Create a workspace" } }
    };
    Ok(Page::ok(page("Home", Some(&chrome), None, body)).into_response())
}

/// `GET /workspaces`.
pub async fn list(State(s): State<AppState>, who: Signed, Query(q): Query<DoneQuery>) -> UiResult {
    let chrome = Chrome::load(&s, &who, None, Section::None).await?;
    Ok(render(&chrome, &NewWorkspace::default(), Notice::done(q.done.as_deref()), StatusCode::OK).into_response())
}

/// `POST /workspaces`.
pub async fn create(State(s): State<AppState>, who: Signed, UiForm(f): UiForm<NewWorkspace>) -> UiResult {
    who.check(&f.csrf)?;
    match s.core.create_workspace(&who.actor, &f.name, &f.slug).await {
        Ok(ws) => Ok(see_other(&format!("/w/{}?done=workspace_created", ws.workspace.slug))),
        Err(e) => {
            let e = UiError::from(e);
            let chrome = Chrome::load(&s, &who, None, Section::None).await?;
            Ok(render(&chrome, &f, Some(e.notice()), e.status).into_response())
        }
    }
}
