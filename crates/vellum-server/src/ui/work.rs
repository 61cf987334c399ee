//! "My work": every decision waiting on you across workspaces (overdue first, with due
//! times), and for managers and admins where approvals pile up, by approver and by stage.

use axum::{extract::State, response::IntoResponse};
use maud::{html, Markup};
use vellum_core::my_work::Bottleneck;

use super::{
    layout::{page, Chrome, Section},
    page::{when, Page, UiResult},
    session::Signed,
};
use crate::AppState;

fn bottlenecks(title: &str, who: &str, rows: &[Bottleneck]) -> Markup {
    html! {
        @if !rows.is_empty() {
            h3 { (title) }
            div.scroll { table {
                thead { tr { th scope="col" { (who) } th scope="col" { "Workspace" } th scope="col" { "Pending" } th scope="col" { "Waiting since" } } }
                tbody {
                    @for b in rows {
                        tr {
                            td { (b.name) }
                            td { a href={ "/w/" (b.workspace_slug) } { (b.workspace_slug) } }
                            td.num { (b.pending) }
                            td { @if let Some(t) = b.oldest_since { (when(t)) } }
                        }
                    }
                }
            } }
        }
    }
}

/// `GET /work`.
pub async fn show(State(s): State<AppState>, who: Signed) -> UiResult {
    let chrome = Chrome::load(&s, &who, None, Section::Work).await?;
    let work = s.core.my_work(&who.actor).await?;
    let now = s.core.now();
    let body = html! {
        h1 { "My work" }
        h2 { "Decisions waiting for you" }
        @if work.decisions.is_empty() {
            p.empty { "Nothing waits for your decision." }
        } @else {
            ul.work {
                @for d in &work.decisions {
                    @let overdue = d.due_at.is_some_and(|t| t < now);
                    li class=[overdue.then_some("overdue")] {
                        a href=(d.link()) { (d.title) @if d.subject.asset_id().is_some() { " v" } @else { " revision " } (d.version) }
                        " — " (d.stages.join(", ")) " · " (d.workspace_name)
                        br;
                        small {
                            @if let Some(t) = d.due_at {
                                @if overdue { strong { "Overdue" } " since " } @else { "Due " }
                                (when(t))
                            } @else { "No deadline" }
                            @if let Some(t) = d.since { " · waiting since " (when(t)) }
                        }
                    }
                }
            }
        }
        h2 { "Mentions" }
        @if work.mentions.is_empty() {
            p.empty { "No unread mentions." }
        } @else {
            ul.work {
                @for n in &work.mentions {
                    li { a href={ "/inbox/" (n.id) } { (n.title) } " " small { (when(n.created_at)) } }
                }
            }
        }
        @if !work.by_approver.is_empty() || !work.by_stage.is_empty() {
            h2 { "Bottlenecks" }
            p.hint { "Pending approvals in the workspaces you manage." }
            (bottlenecks("By approver", "Approver", &work.by_approver))
            (bottlenecks("By stage", "Stage", &work.by_stage))
        }
    };
    Ok(Page::ok(page("My work", Some(&chrome), None, body)).into_response())
}
