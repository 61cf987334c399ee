//! Webhooks per workspace (owners and admins) and their delivery log.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use vellum_core::webhooks::{DeliveryView, WebhookView};
use vellum_domain::{event::EventKind, Timestamp};

use super::paging::PageQuery;
use crate::{
    auth::Authed,
    error::ApiResult,
    extract::{path_id, AppJson, AppQuery},
    AppState,
};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// An http(s) URL on a public address.
    #[schema(min_length = 1, max_length = 2000)]
    url: String,
    /// The event kinds to receive.
    #[schema(value_type = Vec<EventKind>, min_items = 1)]
    events: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct WebhookItem {
    id: Uuid,
    workspace_id: Uuid,
    url: String,
    events: Vec<EventKind>,
    created_at: Timestamp,
}

impl From<WebhookView> for WebhookItem {
    fn from(w: WebhookView) -> Self {
        WebhookItem { id: w.id, workspace_id: w.workspace_id, url: w.url, events: w.events, created_at: w.created_at }
    }
}

/// A webhook with its signing secret, shown this once.
#[derive(Serialize, ToSchema)]
pub struct WebhookWithSecret {
    #[serde(flatten)]
    webhook: WebhookItem,
    /// `whsec_…`: verify the `webhook-signature` header with it (Standard Webhooks).
    secret: String,
}

#[derive(Serialize, ToSchema)]
pub struct WebhookList {
    webhooks: Vec<WebhookItem>,
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryItem {
    id: Uuid,
    /// The event kind, or `webhook.test`.
    event: String,
    /// The receiver's HTTP status; null when no answer came.
    status_code: Option<u16>,
    attempt: u32,
    at: Timestamp,
    duration_ms: u64,
    error: Option<String>,
}

impl From<DeliveryView> for DeliveryItem {
    fn from(d: DeliveryView) -> Self {
        DeliveryItem {
            id: d.id,
            event: d.event,
            status_code: d.status_code,
            attempt: d.attempt,
            at: d.at,
            duration_ms: d.duration_ms,
            error: d.error,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryList {
    deliveries: Vec<DeliveryItem>,
    /// Pass as `cursor` to get the next page; null on the last one.
    next_cursor: Option<String>,
}

/// Registers a webhook for chosen event kinds. The secret is returned this once.
#[utoipa::path(post, path = "/workspaces/{ws}/webhooks", tag = "webhooks", operation_id = "create_webhook",
    params(("ws" = String, Path, description = "Workspace id or slug")), request_body = NewWebhook,
    responses((status = 201, description = "Registered", body = WebhookWithSecret)))]
pub async fn create(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
    AppJson(b): AppJson<NewWebhook>,
) -> ApiResult<(StatusCode, Json<WebhookWithSecret>)> {
    let (w, secret) = s.core.create_webhook(&a.actor, &ws, &b.url, &b.events).await?;
    Ok((StatusCode::CREATED, Json(WebhookWithSecret { webhook: w.into(), secret })))
}

/// A workspace's webhooks (never their secrets).
#[utoipa::path(get, path = "/workspaces/{ws}/webhooks", tag = "webhooks", operation_id = "list_webhooks",
    params(("ws" = String, Path, description = "Workspace id or slug")),
    responses((status = 200, description = "The webhooks", body = WebhookList)))]
pub async fn list(State(s): State<AppState>, a: Authed, Path(ws): Path<String>) -> ApiResult<Json<WebhookList>> {
    let webhooks = s.core.webhooks(&a.actor, &ws).await?.into_iter().map(Into::into).collect();
    Ok(Json(WebhookList { webhooks }))
}

/// Deletes a webhook: nothing more is sent to it (its delivery log is kept).
#[utoipa::path(delete, path = "/webhooks/{id}", tag = "webhooks", operation_id = "delete_webhook",
    params(("id" = Uuid, Path, description = "The webhook")), responses((status = 204, description = "Deleted")))]
pub async fn delete(State(s): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<StatusCode> {
    s.core.delete_webhook(&a.actor, path_id(&id, "webhook")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sends a signed `webhook.test` event now and returns the attempt.
#[utoipa::path(post, path = "/webhooks/{id}/test", tag = "webhooks", operation_id = "test_webhook",
    params(("id" = Uuid, Path, description = "The webhook")),
    responses((status = 200, description = "The attempt, as logged", body = DeliveryItem)))]
pub async fn test(State(s): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<Json<DeliveryItem>> {
    Ok(Json(s.core.test_webhook(&a.actor, path_id(&id, "webhook")?).await?.into()))
}

/// Replaces the signing secret; the new one is returned this once.
#[utoipa::path(post, path = "/webhooks/{id}/rotate-secret", tag = "webhooks", operation_id = "rotate_webhook_secret",
    params(("id" = Uuid, Path, description = "The webhook")),
    responses((status = 200, description = "The new secret", body = WebhookWithSecret)))]
pub async fn rotate(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<WebhookWithSecret>> {
    let (w, secret) = s.core.rotate_webhook_secret(&a.actor, path_id(&id, "webhook")?).await?;
    Ok(Json(WebhookWithSecret { webhook: w.into(), secret }))
}

/// The webhook's delivery attempts, newest first.
#[utoipa::path(get, path = "/webhooks/{id}/deliveries", tag = "webhooks", operation_id = "list_webhook_deliveries",
    params(("id" = Uuid, Path, description = "The webhook"), PageQuery),
    responses((status = 200, description = "The log", body = DeliveryList)))]
pub async fn deliveries(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    AppQuery(q): AppQuery<PageQuery>,
) -> ApiResult<Json<DeliveryList>> {
    let page = s.core.webhook_deliveries(&a.actor, path_id(&id, "webhook")?, &q.request()?).await?;
    Ok(Json(DeliveryList {
        deliveries: page.items.into_iter().map(Into::into).collect(),
        next_cursor: page.next_cursor,
    }))
}
