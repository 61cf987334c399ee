//! Webhooks in a workspace's settings: the list with a form to add one (its signing secret
//! shown once), a test send, secret rotation, deletion, and each webhook's delivery log.

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::IntoResponse,
};
use maud::{html, Markup};
use serde::Deserialize;
use vellum_core::webhooks::{DeliveryView, WebhookView};
use vellum_domain::{event::EventKind, page::PageRequest, ErrorCode, Id};

use super::{
    layout::page,
    page::{csrf_field, enc, see_other, when, DoneQuery, Notice, Page, UiError, UiResult},
    session::{field, fields, Signed, UiForm},
    settings::{admin_chrome, done, field_error},
};
use crate::{error::ApiError, extract::path_id, AppState};

/// Deliveries per page of a log.
const LOG_PAGE: u32 = 50;

/// What a page shows besides the stored webhooks.
#[derive(Default)]
struct Shown {
    notice: Option<Notice>,
    /// A secret made just now, for the webhook with this URL: shown this once.
    secret: Option<(String, String)>,
    /// The add form as typed when it was refused, with the message for it.
    failed: Option<Failed>,
    /// The attempt a test send made.
    test: Option<DeliveryView>,
}

struct Failed {
    url: String,
    events: Vec<String>,
    message: String,
}

fn event_words(kinds: &[EventKind]) -> Markup {
    html! {
        ul.events {
            @for k in kinds { li { code { (k.as_str()) } } }
        }
    }
}

fn secret_notice(url: &str, secret: &str) -> Markup {
    html! {
        div.notice.info #webhook-secret role="status" {
            p { "The signing secret of the webhook to " code { (url) } ". Copy it now; it will not be shown again." }
            p { code.secret { (secret) } }
            p.hint { "Receivers check each delivery's webhook-signature header with it (the Standard Webhooks scheme)." }
        }
    }
}

fn test_result(d: &DeliveryView) -> Markup {
    let ok = d.status_code.is_some_and(|c| (200..300).contains(&c));
    html! {
        div #test-result class={ "notice " (if ok { "info" } else { "error" }) } role=(if ok { "status" } else { "alert" }) {
            p {
                @if ok { "The test event was delivered: " } @else { "The test event was not delivered: " }
                @if let Some(code) = d.status_code { "HTTP " (code) } @else { "no response" }
                " after " (d.duration_ms) " ms."
            }
            @if let Some(e) = &d.error { p { "Error: " (e) } }
        }
    }
}

/// One webhook's buttons: test, rotate the secret, the log, delete.
fn actions(csrf: &str, base: &str, w: &WebhookView, on_log: bool) -> Markup {
    let one = format!("{base}/{}", w.id);
    html! {
        div.webhook-actions {
            form.inline method="post" action={ (one) "/test" } {
                (csrf_field(csrf))
                button type="submit" aria-label={ "Send test event to " (w.url) } { "Send test event" }
            }
            form.inline method="post" action={ (one) "/rotate" }
                data-confirm="Make a new signing secret? Receivers must switch to it; the old one stops working now." {
                (csrf_field(csrf))
                button type="submit" aria-label={ "Rotate secret of " (w.url) } { "Rotate secret" }
            }
            @if !on_log { a href=(one) { "Delivery log" } }
            form.inline method="post" action={ (one) "/delete" }
                data-confirm="Delete this webhook? Nothing more will be sent to it." {
                (csrf_field(csrf))
                button.danger type="submit" aria-label={ "Delete webhook " (w.url) } { "Delete" }
            }
        }
    }
}

fn add_form(csrf: &str, base: &str, failed: Option<&Failed>) -> Markup {
    let url = failed.map_or("", |f| f.url.as_str());
    let picked = |k: EventKind| failed.is_some_and(|f| f.events.iter().any(|e| e == k.as_str()));
    // The core checks the event kinds before the address: no kind chosen is that message.
    let about_events = failed.is_some_and(|f| f.events.is_empty());
    let url_error = failed.filter(|_| !about_events).map(|f| f.message.as_str());
    let events_error = failed.filter(|_| about_events).map(|f| f.message.as_str());
    html! {
        form.card method="post" action=(base) {
            (csrf_field(csrf))
            label for="wh-url" { "URL" }
            input #wh-url type="url" name="url" value=(url) required maxlength="2000" placeholder="https://example.com/hooks/vellum"
                aria-invalid=[url_error.map(|_| "true")]
                aria-describedby=(if url_error.is_some() { "wh-url-error wh-url-hint" } else { "wh-url-hint" });
            p.hint #wh-url-hint { "An https address of the receiving system. Private and local addresses are refused unless the server allows them." }
            (field_error("wh-url-error", url_error))
            fieldset.events {
                legend { "Events" }
                @for k in EventKind::ALL {
                    label.check {
                        input type="checkbox" name="events" value=(k.as_str()) checked[picked(k)];
                        span { code { (k.as_str()) } " — " (k.label()) }
                    }
                }
                (field_error("wh-events-error", events_error))
            }
            button.primary type="submit" { "Add webhook" }
        }
    }
}

async fn render_list(s: &AppState, who: &Signed, ws: &str, shown: Shown, status: StatusCode) -> UiResult {
    let (chrome, slug) = admin_chrome(s, who, ws).await?;
    let hooks = s.core.webhooks(&who.actor, ws).await?;
    let base = format!("/w/{slug}/settings/webhooks");
    let body = html! {
        p.crumbs { a href={ "/w/" (slug) "/settings" } { "Settings" } }
        h1 { "Webhooks" }
        p.muted { "Each webhook receives the chosen events of this workspace as signed JSON, retried when the receiver fails." }
        @if let Some((url, secret)) = &shown.secret { (secret_notice(url, secret)) }
        @if hooks.is_empty() {
            p.empty { "No webhooks yet. Add one below to tell another system what happens here." }
        } @else {
            div.scroll { table.stack #webhooks-table {
                thead { tr {
                    th scope="col" { "URL" } th scope="col" { "Events" } th scope="col" { "Created" }
                    th scope="col" { span.visually-hidden { "Actions" } }
                } }
                tbody {
                    @for w in &hooks {
                        tr id={ "wh-" (w.id) } {
                            td data-label="URL" { code { (w.url) } }
                            td data-label="Events" { (event_words(&w.events)) }
                            td data-label="Created" { (when(w.created_at)) }
                            td.actions { (actions(&who.csrf, &base, w, false)) }
                        }
                    }
                }
            } }
        }
        h2 { "Add a webhook" }
        (add_form(&who.csrf, &base, shown.failed.as_ref()))
    };
    Ok(Page::with_status(status, page("Webhooks", Some(&chrome), shown.notice.as_ref(), body)).into_response())
}

/// A webhook of this workspace, or not found.
async fn find(s: &AppState, who: &Signed, ws: &str, id: Id) -> Result<WebhookView, UiError> {
    let hooks = s.core.webhooks(&who.actor, ws).await?;
    hooks.into_iter().find(|w| w.id == id).ok_or_else(|| ApiError::not_found("webhook").into())
}

async fn render_log(
    s: &AppState,
    who: &Signed,
    ws: &str,
    id: Id,
    cursor: Option<String>,
    shown: Shown,
    status: StatusCode,
) -> UiResult {
    let (chrome, slug) = admin_chrome(s, who, ws).await?;
    let w = find(s, who, ws, id).await?;
    let page_req = PageRequest { limit: LOG_PAGE, cursor: cursor.filter(|c| !c.is_empty()) };
    let log = s.core.webhook_deliveries(&who.actor, id, &page_req).await?;
    let base = format!("/w/{slug}/settings/webhooks");
    let body = html! {
        p.crumbs { a href={ "/w/" (slug) "/settings" } { "Settings" } " › " a href=(base) { "Webhooks" } }
        h1 { "Webhook deliveries" }
        p.webhook-url { code { (w.url) } }
        @if let Some((url, secret)) = &shown.secret { (secret_notice(url, secret)) }
        @if let Some(d) = &shown.test { (test_result(d)) }
        dl.summary {
            div { dt { "Events" } dd { (event_words(&w.events)) } }
            div { dt { "Created" } dd { (when(w.created_at)) } }
        }
        (actions(&who.csrf, &base, &w, true))
        h2 { "Delivery log" }
        @if log.items.is_empty() {
            p.empty { "Nothing was sent to this webhook yet. Send a test event to try it." }
        } @else {
            div.scroll { table.stack #deliveries {
                thead { tr {
                    th scope="col" { "Event" } th scope="col" { "Status" } th scope="col" { "Attempt" }
                    th scope="col" { "At" } th scope="col" { "Duration" } th scope="col" { "Error" }
                } }
                tbody {
                    @for d in &log.items {
                        tr {
                            td data-label="Event" { code { (d.event) } }
                            td data-label="Status" { @if let Some(c) = d.status_code { (c) } @else { "—" } }
                            td.num data-label="Attempt" { (d.attempt) }
                            td data-label="At" { (when(d.at)) }
                            td.num data-label="Duration" { (d.duration_ms) " ms" }
                            td data-label="Error" { @if let Some(e) = &d.error { (e) } @else { "—" } }
                        }
                    }
                }
            } }
            @if let Some(next) = &log.next_cursor {
                nav.pager { a href={ (base) "/" (w.id) "?cursor=" (enc(next)) } rel="next" { "Older deliveries" } }
            }
        }
    };
    Ok(Page::with_status(status, page("Webhook deliveries", Some(&chrome), shown.notice.as_ref(), body))
        .into_response())
}

/// `GET /w/{ws}/settings/webhooks`.
pub async fn show(
    State(s): State<AppState>,
    who: Signed,
    Path(ws): Path<String>,
    Query(q): Query<DoneQuery>,
) -> UiResult {
    render_list(&s, &who, &ws, Shown { notice: done(q.done.as_deref()), ..Shown::default() }, StatusCode::OK).await
}

/// `POST /w/{ws}/settings/webhooks`: adds one and shows its secret once.
pub async fn create(
    State(s): State<AppState>,
    who: Signed,
    Path(ws): Path<String>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> UiResult {
    who.check_pairs(&f)?;
    let url = field(&f, "url").trim().to_string();
    let events: Vec<String> = fields(&f, "events").map(String::from).collect();
    match s.core.create_webhook(&who.actor, &ws, &url, &events).await {
        Ok((w, secret)) => {
            let shown = Shown { secret: Some((w.url, secret)), ..Shown::default() };
            render_list(&s, &who, &ws, shown, StatusCode::CREATED).await
        }
        Err(e) => {
            let beside_form = matches!(e.code(), ErrorCode::InvalidWebhook | ErrorCode::WebhookTargetForbidden);
            let e = UiError::from(e);
            if !beside_form {
                return Err(e);
            }
            let failed = Failed { url, events, message: e.message.clone() };
            let shown = Shown { notice: Some(e.notice()), failed: Some(failed), ..Shown::default() };
            render_list(&s, &who, &ws, shown, e.status).await
        }
    }
}

#[derive(Deserialize)]
pub struct LogQuery {
    cursor: Option<String>,
}

/// `GET /w/{ws}/settings/webhooks/{id}`: the delivery log.
pub async fn log(
    State(s): State<AppState>,
    who: Signed,
    Path((ws, id)): Path<(String, String)>,
    Query(q): Query<LogQuery>,
) -> UiResult {
    let id = path_id(&id, "webhook")?;
    render_log(&s, &who, &ws, id, q.cursor, Shown::default(), StatusCode::OK).await
}

/// `POST /w/{ws}/settings/webhooks/{id}/test`: sends a test event now and shows the attempt
/// above the log.
pub async fn test(
    State(s): State<AppState>,
    who: Signed,
    Path((ws, id)): Path<(String, String)>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> UiResult {
    who.check_pairs(&f)?;
    let id = path_id(&id, "webhook")?;
    // Only this workspace's webhooks are tested from its pages.
    find(&s, &who, &ws, id).await?;
    let attempt = s.core.test_webhook(&who.actor, id).await?;
    render_log(&s, &who, &ws, id, None, Shown { test: Some(attempt), ..Shown::default() }, StatusCode::OK).await
}

/// `POST /w/{ws}/settings/webhooks/{id}/rotate`: a new secret, shown once.
pub async fn rotate(
    State(s): State<AppState>,
    who: Signed,
    Path((ws, id)): Path<(String, String)>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> UiResult {
    who.check_pairs(&f)?;
    let id = path_id(&id, "webhook")?;
    find(&s, &who, &ws, id).await?;
    let (w, secret) = s.core.rotate_webhook_secret(&who.actor, id).await?;
    let shown = Shown { secret: Some((w.url, secret)), ..Shown::default() };
    render_log(&s, &who, &ws, id, None, shown, StatusCode::OK).await
}

/// `POST /w/{ws}/settings/webhooks/{id}/delete`.
pub async fn delete(
    State(s): State<AppState>,
    who: Signed,
    Path((ws, id)): Path<(String, String)>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> UiResult {
    who.check_pairs(&f)?;
    let id = path_id(&id, "webhook")?;
    find(&s, &who, &ws, id).await?;
    s.core.delete_webhook(&who.actor, id).await?;
    Ok(see_other(&format!("/w/{ws}/settings/webhooks?done=webhook_deleted")))
}
