//! The proposals inbox of a workspace: changes agents asked for, each with the agent's
//! rationale and what exactly would change (a metadata diff, the review to start, the brief to
//! create); members with the role the change needs accept it or reject it with a reason.

use std::collections::HashMap;

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::IntoResponse,
};
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::Value;
use vellum_core::proposals::Proposal;
use vellum_domain::{
    page::PageRequest,
    proposal::{ProposalKind, ProposalStatus},
};

use super::{
    layout::{page, Chrome, Section},
    page::{csrf_field, see_other, when, Notice, Page, UiError, UiResult},
    session::{field, Signed, UiForm},
};
use crate::{extract::path_id, AppState};

type Form = Vec<(String, String)>;

#[derive(Deserialize)]
pub struct InboxQuery {
    status: Option<String>,
    done: Option<String>,
}

fn shown(v: &Value) -> String {
    match v {
        Value::Null => "—".to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// One row per changed field: what it is now (when proposed) and what it would become.
fn metadata_diff(p: &Proposal) -> Markup {
    let empty = serde_json::Map::new();
    let proposed = p.change.get("metadata").and_then(Value::as_object).unwrap_or(&empty);
    let before = p.before.as_ref().unwrap_or(&empty);
    let mut rows: Vec<(String, Value, Value)> = Vec::new();
    for (k, v) in proposed {
        match (k.as_str(), v.as_object()) {
            ("custom", Some(custom)) => {
                let was = before.get("custom").and_then(Value::as_object);
                for (ck, cv) in custom {
                    let old = was.and_then(|w| w.get(ck)).cloned().unwrap_or(Value::Null);
                    rows.push((format!("custom.{ck}"), old, cv.clone()));
                }
            }
            _ => rows.push((k.clone(), before.get(k).cloned().unwrap_or(Value::Null), v.clone())),
        }
    }
    html! {
        div.scroll { table.diff {
            thead { tr { th scope="col" { "Field" } th scope="col" { "Now" } th scope="col" { "Proposed" } } }
            tbody { @for (k, old, new) in &rows {
                tr { th scope="row" { (k) } td { del { (shown(old)) } } td { ins { (shown(new)) } } }
            } }
        } }
    }
}

fn change_of(p: &Proposal) -> Markup {
    let text = |k: &str| p.change.get(k).map(shown).unwrap_or_default();
    match p.kind {
        ProposalKind::MetadataChange => html! {
            p { "Change the metadata of " a href={ "/a/" (p.target_id) } { "this asset" } " (made against version " (p.version.unwrap_or(0)) "):" }
            (metadata_diff(p))
        },
        ProposalKind::ReviewStart => html! {
            p { "Start the review of version " (p.version.unwrap_or(0)) " of " a href={ "/a/" (p.target_id) } { "this asset" }
                @if p.change.get("workflow_id").is_some_and(|w| !w.is_null()) { " with workflow " code { (text("workflow_id")) } }
                @else { ", the routing rules choosing the approvers" } "." }
        },
        ProposalKind::Brief => html! {
            p { "Create the draft brief “" (text("title")) "” from template " code { (text("template_id")) } "." }
            @if let Some(fields) = p.change.get("fields").and_then(Value::as_object).filter(|f| !f.is_empty()) {
                dl { @for (k, v) in fields { dt { (k) } dd { (shown(v)) } } }
            }
        },
    }
}

async fn render(
    s: &AppState,
    who: &Signed,
    ws: &str,
    q: &InboxQuery,
    notice: Option<Notice>,
    status: StatusCode,
) -> UiResult {
    let chrome = Chrome::load(s, who, Some(ws), Section::Proposals).await?;
    let filter = match q.status.as_deref().filter(|v| !v.is_empty()) {
        None => Some(ProposalStatus::Pending),
        Some("all") => None,
        Some(v) => Some(ProposalStatus::parse(v).map_err(vellum_core::Error::from)?),
    };
    let page_req = PageRequest::parse(Some(200), None).map_err(vellum_core::Error::from)?;
    let proposals = s.core.proposals(&who.actor, ws, filter, &page_req).await?.items;
    let names: HashMap<_, _> = s.core.members(&who.actor, ws).await?.into_iter().map(|m| (m.user_id, m.name)).collect();
    let name = |id| names.get(&id).cloned().unwrap_or_else(|| "a former member".to_string());
    let slug = chrome.current.as_ref().map_or(ws.to_string(), |c| c.workspace.slug.clone());
    let tabs = [("pending", "Pending"), ("accepted", "Accepted"), ("rejected", "Rejected"), ("all", "All")];
    let current = q.status.clone().unwrap_or_else(|| "pending".into());
    let body = html! {
        h1 { "Proposals" }
        p.muted { "Changes that agents asked for on behalf of members. Nothing changes until a person accepts; accepting makes the change as you, with the agent named beside you in the audit trail." }
        nav.tabs aria-label="Proposal status" {
            @for (value, label) in tabs {
                a href={ "/w/" (slug) "/proposals?status=" (value) } aria-current=[(current == value).then_some("page")] { (label) }
            }
        }
        @if proposals.is_empty() { p.empty { "No proposals here." } }
        @for p in &proposals {
            article.card id={ "proposal-" (p.id) } {
                h2 { (p.kind.as_str().replace('_', " ")) " · " (p.status.as_str()) }
                p.muted { "Proposed by the agent of " (name(p.created_by)) " · " (when(p.created_at)) }
                blockquote.rationale { p { strong { "Rationale: " } (p.rationale) } }
                (change_of(p))
                @if let (Some(by), Some(at)) = (p.decided_by, p.decided_at) {
                    p { (p.status.as_str()) " by " (name(by)) " · " (when(at))
                        @if let Some(r) = &p.reason { " — " (r) } }
                }
                @if p.status == ProposalStatus::Pending {
                    form.inline method="post" action={ "/w/" (slug) "/proposals/" (p.id) "/accept" } {
                        (csrf_field(&who.csrf))
                        button.primary type="submit" { "Accept" }
                    }
                    form.inline method="post" action={ "/w/" (slug) "/proposals/" (p.id) "/reject" } {
                        (csrf_field(&who.csrf))
                        label for={ "r-reason-" (p.id) } { "Reason" }
                        input id={ "r-reason-" (p.id) } name="reason" required maxlength="4000";
                        button type="submit" { "Reject" }
                    }
                }
            }
        }
    };
    Ok(Page::with_status(status, page("Proposals", Some(&chrome), notice.as_ref(), body)).into_response())
}

/// `GET /w/{ws}/proposals?status=`.
pub async fn show(
    State(s): State<AppState>,
    who: Signed,
    Path(ws): Path<String>,
    Query(q): Query<InboxQuery>,
) -> UiResult {
    let notice = match q.done.as_deref() {
        Some("accepted") => Some(Notice::Message("The proposal was accepted and its change made.".into())),
        Some("rejected") => Some(Notice::Message("The proposal was rejected.".into())),
        _ => None,
    };
    render(&s, &who, &ws, &q, notice, StatusCode::OK).await
}

async fn decide(s: AppState, who: Signed, ws: String, id: String, f: Form, accept: bool) -> UiResult {
    who.check_pairs(&f)?;
    let outcome: Result<(), UiError> = async {
        let id = path_id(&id, "proposal")?;
        if accept {
            s.core.accept_proposal(&who.actor, id).await?;
        } else {
            s.core.reject_proposal(&who.actor, id, field(&f, "reason")).await?;
        }
        Ok(())
    }
    .await;
    match outcome {
        Ok(()) => Ok(see_other(&format!("/w/{ws}/proposals?done={}", if accept { "accepted" } else { "rejected" }))),
        Err(e) => {
            let q = InboxQuery { status: None, done: None };
            render(&s, &who, &ws, &q, Some(e.notice()), e.status).await
        }
    }
}

/// `POST /w/{ws}/proposals/{id}/accept`.
pub async fn accept(
    State(s): State<AppState>,
    who: Signed,
    Path((ws, id)): Path<(String, String)>,
    UiForm(f): UiForm<Form>,
) -> UiResult {
    decide(s, who, ws, id, f, true).await
}

/// `POST /w/{ws}/proposals/{id}/reject`.
pub async fn reject(
    State(s): State<AppState>,
    who: Signed,
    Path((ws, id)): Path<(String, String)>,
    UiForm(f): UiForm<Form>,
) -> UiResult {
    decide(s, who, ws, id, f, false).await
}
