//! A workspace's background jobs for its admins: what is queued, running, done or failed,
//! with the last error, and a retry button for failed ones.

use axum::{
    extract::{Path, Query, State},
    response::{IntoResponse, Response},
};
use maud::html;
use serde::Deserialize;
use vellum_core::jobs::JobState;

use super::{
    layout::{page, Chrome, Section},
    page::{badge, csrf_field, see_other, short_id, when, Notice, Page, UiResult},
    session::{Signed, UiForm},
};
use crate::{error::ApiError, extract::path_id, AppState};

#[derive(Deserialize)]
pub struct JobsQuery {
    #[serde(default)]
    state: String,
    done: Option<String>,
}

/// `GET /w/{ws}/jobs`.
pub async fn show(
    State(s): State<AppState>,
    who: Signed,
    Path(ws): Path<String>,
    Query(q): Query<JobsQuery>,
) -> UiResult {
    let chrome = Chrome::load(&s, &who, Some(&ws), Section::Jobs).await?;
    let Some(current) = &chrome.current else {
        return Err(ApiError::not_found("workspace").into());
    };
    let first = vellum_domain::page::PageRequest { limit: 200, cursor: None };
    let jobs = s.core.jobs(&who.actor, &ws, Some(&q.state), &first).await?.items;
    let slug = current.workspace.slug.clone();
    let body = html! {
        h1 { "Background jobs" }
        form.filters method="get" action={ "/w/" (slug) "/jobs" } {
            label for="state" { "State" }
            select #state name="state" {
                @for (value, label) in [("", "all"), ("queued", "queued"), ("running", "running"), ("done", "done"), ("failed", "failed")] {
                    option value=(value) selected[q.state == value] { (label) }
                }
            }
            button type="submit" { "Show" }
        }
        @if jobs.is_empty() {
            p.empty { "No jobs in this state. Jobs appear when files are processed (previews, metadata) and when reminders are due." }
        } @else {
            div.scroll { table.jobs {
                thead { tr {
                    th scope="col" { "Job" } th scope="col" { "State" } th scope="col" { "Attempts" }
                    th scope="col" { "Created" } th scope="col" { "Last error" } th scope="col" { span.visually-hidden { "Actions" } }
                } }
                tbody {
                    @for j in &jobs {
                        tr {
                            td {
                                code title=(j.id) { (j.kind) " …" (short_id(&j.id.to_string())) }
                                @if let Some(a) = j.payload["asset_id"].as_str() {
                                    br; a href={ "/a/" (a) } { "asset, version " (j.payload["version"]) }
                                }
                            }
                            td { (badge(j.state.as_str())) }
                            td.num { (j.attempts) " / " (j.max_attempts) }
                            td { (when(j.created_at)) }
                            td { @if let Some(e) = &j.last_error { (e) } }
                            td.actions {
                                @if j.state == JobState::Failed {
                                    form.inline method="post" action={ "/w/" (slug) "/jobs/" (j.id) "/retry" } {
                                        (csrf_field(&who.csrf))
                                        button.link type="submit" { "Retry" }
                                    }
                                }
                            }
                        }
                    }
                }
            } }
        }
    };
    Ok(Page::ok(page("Jobs", Some(&chrome), Notice::done(q.done.as_deref()).as_ref(), body)).into_response())
}

#[derive(Deserialize)]
pub struct RetryForm {
    csrf: String,
}

/// `POST /w/{ws}/jobs/{id}/retry`.
pub async fn retry(
    State(s): State<AppState>,
    who: Signed,
    Path((ws, id)): Path<(String, String)>,
    UiForm(f): UiForm<RetryForm>,
) -> UiResult<Response> {
    who.check(&f.csrf)?;
    s.core.retry_job(&who.actor, path_id(&id, "job")?).await?;
    Ok(see_other(&format!("/w/{ws}/jobs?state=queued&done=job_retried")))
}
