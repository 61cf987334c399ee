//! The download request inbox: those who decide (owners, admins, managers, asset owners,
//! rights managers, a policy's approvers) grant with an expiry and an optional count, or deny
//! with a reason; everyone else sees their own requests and what became of them.

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::IntoResponse,
};
use maud::html;
use vellum_domain::Timestamp;

use super::{
    layout::{page, Chrome, Section},
    page::{csrf_field, see_other, DoneQuery, Notice, Page, UiError, UiResult},
    session::{field, Signed, UiForm},
};
use crate::{extract::path_id, AppState};

type Form = Vec<(String, String)>;

async fn render(s: &AppState, who: &Signed, ws: &str, notice: Option<Notice>, status: StatusCode) -> UiResult {
    let chrome = Chrome::load(s, who, Some(ws), Section::Requests).await?;
    let requests = s.core.download_requests(&who.actor, ws, None).await?;
    let slug = chrome.current.as_ref().map_or(ws.to_string(), |c| c.workspace.slug.clone());
    let body = html! {
        h1 { "Download requests" }
        p.muted { "Files whose download policy asks for a request. A grant lets one person download until it expires." }
        @if requests.is_empty() { p.muted { "No requests." } }
        @for r in &requests {
            article.card id={ "request-" (r.id) } {
                h2 { a href={ "/a/" (r.asset_id) } { "Asset " (r.asset_id.to_string().get(..8).unwrap_or("")) }
                    @if let Some(v) = r.version { " v" (v) } " · " (r.status) }
                p { "For: " (r.purpose) }
                p.muted { "Asked " (r.created_at.to_string().get(..16).unwrap_or("")) @if r.requester_id == who.actor.user.id { " by you" } }
                @if let Some(reason) = &r.reason { p { "Reason: " (reason) } }
                @if r.status == "pending" && r.requester_id != who.actor.user.id {
                    form.inline method="post" action={ "/w/" (slug) "/download-requests/" (r.id) "/grant" } {
                        (csrf_field(&who.csrf))
                        label for={ "g-until-" (r.id) } { "Until" }
                        input id={ "g-until-" (r.id) } type="date" name="expires_on" required;
                        label for={ "g-max-" (r.id) } { "Downloads (optional)" }
                        input id={ "g-max-" (r.id) } type="number" min="1" name="max_downloads";
                        button.primary type="submit" { "Grant" }
                    }
                    form.inline method="post" action={ "/w/" (slug) "/download-requests/" (r.id) "/deny" } {
                        (csrf_field(&who.csrf))
                        label for={ "d-reason-" (r.id) } { "Reason" }
                        input id={ "d-reason-" (r.id) } name="reason" required;
                        button type="submit" { "Deny" }
                    }
                }
            }
        }
    };
    Ok(Page::with_status(status, page("Download requests", Some(&chrome), notice.as_ref(), body)).into_response())
}

/// `GET /w/{ws}/download-requests`.
pub async fn show(
    State(s): State<AppState>,
    who: Signed,
    Path(ws): Path<String>,
    Query(q): Query<DoneQuery>,
) -> UiResult {
    render(&s, &who, &ws, Notice::done(q.done.as_deref()), StatusCode::OK).await
}

async fn decide(s: AppState, who: Signed, ws: String, id: String, f: Form, grant: bool) -> UiResult {
    who.check_pairs(&f)?;
    let outcome: Result<(), UiError> = async {
        let id = path_id(&id, "download request")?;
        let g = if grant {
            let day = field(&f, "expires_on").trim();
            let until = Timestamp::parse(&format!("{day}T23:59:59Z"))
                .ok_or_else(|| UiError::new(StatusCode::UNPROCESSABLE_ENTITY, "Pick the last day the grant holds."))?;
            let max = match field(&f, "max_downloads").trim() {
                "" => None,
                n => Some(
                    n.parse::<u32>()
                        .map_err(|_| UiError::new(StatusCode::UNPROCESSABLE_ENTITY, "Downloads is a whole number."))?,
                ),
            };
            Some((until, max))
        } else {
            None
        };
        s.core.decide_download(&who.actor, id, g, Some(field(&f, "reason"))).await?;
        Ok(())
    }
    .await;
    match outcome {
        Ok(()) => Ok(see_other(&format!("/w/{ws}/download-requests?done=saved"))),
        Err(e) => render(&s, &who, &ws, Some(e.notice()), e.status).await,
    }
}

/// `POST /w/{ws}/download-requests/{id}/grant`.
pub async fn grant(
    State(s): State<AppState>,
    who: Signed,
    Path((ws, id)): Path<(String, String)>,
    UiForm(f): UiForm<Form>,
) -> UiResult {
    decide(s, who, ws, id, f, true).await
}

/// `POST /w/{ws}/download-requests/{id}/deny`.
pub async fn deny(
    State(s): State<AppState>,
    who: Signed,
    Path((ws, id)): Path<(String, String)>,
    UiForm(f): UiForm<Form>,
) -> UiResult {
    decide(s, who, ws, id, f, false).await
}
