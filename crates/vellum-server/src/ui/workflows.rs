//! A workspace's workflows: what each one asks for, and (for admins) the editor to create
//! a workflow or save a new revision of one.

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::IntoResponse,
};
use maud::{html, Markup};
use vellum_core::model::{Group, Workflow};
use vellum_domain::{role::Capability, workflow::ApproverRef, Id};

use super::{
    layout::{page, Chrome, Section},
    page::{when, DoneQuery, Notice, Page, UiError, UiResult},
    review::{rule_text, start_text},
    session::{Signed, UiForm},
    workflow_form::{editor, Draft, Options},
};
use crate::{error::ApiError, extract::path_id, AppState};

/// A failed submission to show again: which editor (None = the create form) and what was typed.
type Failed = (Option<Id>, Draft);

fn approver_name(a: &ApproverRef, o: &Options) -> String {
    match a {
        ApproverRef::User(id) => {
            o.members.iter().find(|m| m.user_id == *id).map_or_else(|| id.to_string(), |m| m.name.clone())
        }
        ApproverRef::Group(id) => {
            o.groups.iter().find(|g| g.id == *id).map_or_else(|| id.to_string(), |g| format!("{} (group)", g.name))
        }
    }
}

fn describe(w: &Workflow, o: &Options) -> Markup {
    html! {
        ol.stages {
            @for s in &w.stages {
                li {
                    strong { (s.name) } " — "
                    (s.approvers.iter().map(|a| approver_name(a, o)).collect::<Vec<_>>().join(", "))
                    p.muted {
                        "Needs " (rule_text(s.rule)) "; starts " (start_text(s.start))
                        @if let Some(d) = s.deadline() { "; due within " (deadline_words(d)) }
                    }
                }
            }
        }
    }
}

async fn render(
    s: &AppState,
    who: &Signed,
    ws: &str,
    notice: Option<Notice>,
    status: StatusCode,
    failed: Option<Failed>,
) -> UiResult {
    let chrome = Chrome::load(s, who, Some(ws), Section::Workflows).await?;
    let Some(current) = &chrome.current else {
        return Err(ApiError::not_found("workspace").into());
    };
    let workflows = s.core.workflows(&who.actor, ws).await?;
    let members = s.core.members(&who.actor, ws).await?;
    let groups: Vec<Group> = s.core.groups(&who.actor, ws).await?;
    let o = Options { members: &members, groups: &groups };
    let admin = chrome.can(Capability::Administer);
    let base = format!("/w/{}/workflows", current.workspace.slug);
    let failed_for = |id: Option<Id>| failed.as_ref().filter(|(f, _)| *f == id).map(|(_, d)| d);
    let body = html! {
        h1 { "Workflows" }
        @if workflows.is_empty() {
            p.empty {
                "No workflows yet. A workflow is the chain of approvers an asset goes through: "
                @if admin { "create the first one below, then start a review from an asset's page." }
                @else { "ask a workspace admin to create one." }
            }
        }
        @for w in &workflows {
            article.workflow id={ "wf-" (w.id) } {
                header {
                    h2 { (w.name) }
                    span.tag { "revision " (w.revision) }
                }
                p.muted { "Updated " (when(w.updated_at)) }
                (describe(w, &o))
                @if admin {
                    @let draft = failed_for(Some(w.id)).cloned().unwrap_or_else(|| Draft::from_spec(&w.name, &w.stages));
                    details.form open[failed_for(Some(w.id)).is_some()] {
                        summary { "Edit " (w.name) }
                        p.hint { "Saving makes a new revision; reviews already running keep the revision they started with." }
                        (editor(&w.id.to_string(), &format!("{base}/{}", w.id), &who.csrf, &draft, &o, "Save new revision"))
                    }
                }
            }
        }
        @if admin {
            section aria-labelledby="h-new-wf" {
                h2 #h-new-wf { "New workflow" }
                @let draft = failed_for(None).cloned().unwrap_or_default();
                (editor("new", &base, &who.csrf, &draft, &o, "Create workflow"))
            }
        }
    };
    Ok(Page::with_status(status, page("Workflows", Some(&chrome), notice.as_ref(), body)).into_response())
}

/// `GET /w/{ws}/workflows`.
pub async fn show(
    State(s): State<AppState>,
    who: Signed,
    Path(ws): Path<String>,
    Query(q): Query<DoneQuery>,
) -> UiResult {
    render(&s, &who, &ws, Notice::done(q.done.as_deref()), StatusCode::OK, None).await
}

/// Submits the editor's form as a create (`id` None) or a new revision.
async fn save(s: &AppState, who: &Signed, ws: &str, id: Option<Id>, form: &[(String, String)]) -> UiResult {
    who.check_pairs(form)?;
    let draft = match Draft::from_pairs(form) {
        Ok(d) => d,
        Err(m) => return render(s, who, ws, Some(Notice::Error(m)), StatusCode::UNPROCESSABLE_ENTITY, None).await,
    };
    let outcome = match draft.to_spec() {
        Ok(spec) => match id {
            None => s.core.create_workflow(&who.actor, ws, spec).await,
            Some(id) => s.core.update_workflow(&who.actor, id, spec).await,
        }
        .map_err(UiError::from),
        Err(m) => Err(UiError::invalid(m)),
    };
    match outcome {
        Ok(w) => Ok(super::page::see_other(&format!("/w/{ws}/workflows?done=workflow_saved#wf-{}", w.id))),
        Err(e) => render(s, who, ws, Some(e.notice()), e.status, Some((id, draft))).await,
    }
}

/// `POST /w/{ws}/workflows`: create.
pub async fn create(
    State(s): State<AppState>,
    who: Signed,
    Path(ws): Path<String>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> UiResult {
    save(&s, &who, &ws, None, &f).await
}

/// `POST /w/{ws}/workflows/{id}`: a new revision.
pub async fn update(
    State(s): State<AppState>,
    who: Signed,
    Path((ws, id)): Path<(String, String)>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> UiResult {
    let id = path_id(&id, "workflow")?;
    save(&s, &who, &ws, Some(id), &f).await
}

/// A stage's deadline as people say it.
fn deadline_words(d: vellum_domain::workflow::Deadline) -> String {
    use vellum_domain::workflow::Deadline;
    match d {
        Deadline::Hours(n) => format!("{n} h"),
        Deadline::BusinessHours(n) => format!("{n} working hours"),
        Deadline::BusinessDays(n) => format!("{n} working days"),
        Deadline::Minutes(n) => format!("{n} min"),
    }
}
