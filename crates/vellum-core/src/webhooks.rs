//! Webhooks per workspace (owners and admins): register a URL for chosen event kinds (the
//! secret shown once), list, delete, send a test event, rotate the secret, and read the
//! delivery log.

use serde::Serialize;
use serde_json::json;
use vellum_domain::{
    audit::AuditAction,
    event::EventKind,
    id::new_id,
    page::{Page, PageRequest},
    role::Capability,
    webhook::{secret_of, Target},
    ErrorCode, Id, Timestamp,
};
use vellum_store::{
    model::NewAuditEvent,
    webhooks::{self, Delivery, Webhook},
};

use crate::{access, notify::http, record, Actor, Core, Error, Result};

/// A webhook as its workspace's admins see it (never the secret).
#[derive(Debug, Clone, Serialize)]
pub struct WebhookView {
    pub id: Id,
    pub workspace_id: Id,
    pub url: String,
    pub events: Vec<EventKind>,
    pub created_at: Timestamp,
}

impl From<&Webhook> for WebhookView {
    fn from(w: &Webhook) -> Self {
        WebhookView {
            id: w.id,
            workspace_id: w.workspace_id,
            url: w.url.clone(),
            events: w.events.clone(),
            created_at: w.created_at,
        }
    }
}

/// One delivery attempt in the log.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryView {
    pub id: Id,
    /// The event kind (or `webhook.test`).
    pub event: String,
    pub status_code: Option<u16>,
    /// 1 for the first try, 2 for the first retry, …
    pub attempt: u32,
    pub at: Timestamp,
    pub duration_ms: u64,
    pub error: Option<String>,
}

impl From<Delivery> for DeliveryView {
    fn from(d: Delivery) -> Self {
        DeliveryView {
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

/// The kind name of the test event.
pub const TEST_EVENT: &str = "webhook.test";

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidWebhook, message)
}

/// Event kinds from their public names; at least one, each known.
fn event_kinds(names: &[String]) -> Result<Vec<EventKind>> {
    if names.is_empty() {
        return Err(invalid("choose at least one event kind"));
    }
    let mut out = Vec::new();
    for n in names {
        let k = EventKind::parse(n).ok_or_else(|| {
            let known: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
            invalid(format!("'{n}' is not an event kind; use {}", known.join(", ")))
        })?;
        if !out.contains(&k) {
            out.push(k);
        }
    }
    Ok(out)
}

fn new_secret() -> Result<String> {
    let mut key = [0u8; 32];
    getrandom::getrandom(&mut key).map_err(|e| Error::new(ErrorCode::Internal, format!("no randomness: {e}")))?;
    Ok(secret_of(&key))
}

fn webhook_event(action: AuditAction, w: &Webhook, after: serde_json::Value) -> NewAuditEvent {
    NewAuditEvent {
        workspace_id: Some(w.workspace_id),
        object_id: Some(w.id.to_string()),
        after: Some(after),
        ..NewAuditEvent::new(action, "webhook")
    }
}

impl Core {
    /// Checks a target the way a delivery will: http(s), and an address we may call.
    async fn check_target(&self, url: &str) -> Result<Target> {
        let target = Target::parse(url).map_err(invalid)?;
        http::resolve(&target, &self.notify.webhook_allow_hosts).await.map_err(|r| match r {
            http::Refusal::Forbidden(m) => Error::new(ErrorCode::WebhookTargetForbidden, m),
            other => invalid(other.message().to_string()),
        })?;
        Ok(target)
    }

    /// A webhook of a workspace the actor administers; anything else is not found.
    async fn webhook_for_admin(&self, c: &mut vellum_store::Conn, actor: &Actor, id: Id) -> Result<Webhook> {
        let w = webhooks::get(c, id).await?.ok_or_else(|| Error::not_found("webhook"))?;
        let access =
            access::workspace_by_id(c, &actor.user, w.workspace_id).await.map_err(|e| e.hidden_as("webhook"))?;
        if !access.role.can(Capability::Administer) {
            return Err(Error::not_found("webhook"));
        }
        Ok(w)
    }

    /// Registers a webhook; returns it with its secret, shown this once.
    pub async fn create_webhook(
        &self,
        actor: &Actor,
        ws: &str,
        url: &str,
        events: &[String],
    ) -> Result<(WebhookView, String)> {
        {
            let mut c = self.store.conn().await?;
            access::workspace(&mut c, &actor.user, ws).await?.require(Capability::Administer)?;
        }
        let events = event_kinds(events)?;
        self.check_target(url).await?;
        let secret = new_secret()?;
        let mut tx = self.store.write().await?;
        let access = access::workspace(&mut tx, &actor.user, ws).await?;
        access.require(Capability::Administer)?;
        let w = Webhook {
            id: new_id(),
            workspace_id: access.workspace.id,
            url: url.trim().to_string(),
            events,
            secret: secret.clone(),
            created_by: actor.user.id,
            created_at: self.now(),
        };
        webhooks::insert(&mut tx, &w).await?;
        // The secret never enters the audit trail.
        let after = json!({"url": w.url, "events": w.events});
        record(&mut tx, &actor.origin, Some(&actor.user), webhook_event(AuditAction::WebhookCreate, &w, after)).await?;
        tx.commit().await?;
        Ok(((&w).into(), secret))
    }

    pub async fn webhooks(&self, actor: &Actor, ws: &str) -> Result<Vec<WebhookView>> {
        let mut c = self.store.conn().await?;
        let access = access::workspace(&mut c, &actor.user, ws).await?;
        access.require(Capability::Administer)?;
        Ok(webhooks::of_workspace(&mut c, access.workspace.id).await?.iter().map(WebhookView::from).collect())
    }

    pub async fn delete_webhook(&self, actor: &Actor, id: Id) -> Result<()> {
        let mut tx = self.store.write().await?;
        let w = self.webhook_for_admin(&mut tx, actor, id).await?;
        webhooks::delete(&mut tx, id, self.now()).await?;
        let after = json!({"url": w.url, "deleted": true});
        record(&mut tx, &actor.origin, Some(&actor.user), webhook_event(AuditAction::WebhookDelete, &w, after)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Replaces the signing secret; the new one is returned this once.
    pub async fn rotate_webhook_secret(&self, actor: &Actor, id: Id) -> Result<(WebhookView, String)> {
        let secret = new_secret()?;
        let mut tx = self.store.write().await?;
        let mut w = self.webhook_for_admin(&mut tx, actor, id).await?;
        webhooks::set_secret(&mut tx, id, &secret).await?;
        w.secret = secret.clone();
        let after = json!({"rotated": true});
        record(&mut tx, &actor.origin, Some(&actor.user), webhook_event(AuditAction::WebhookRotateSecret, &w, after))
            .await?;
        tx.commit().await?;
        Ok(((&w).into(), secret))
    }

    /// Sends a test event now and returns the attempt, as logged. A failed test is not
    /// retried: the person pressing the button is the retry.
    pub async fn test_webhook(&self, actor: &Actor, id: Id) -> Result<DeliveryView> {
        let mut tx = self.store.write().await?;
        let w = self.webhook_for_admin(&mut tx, actor, id).await?;
        let now = self.now();
        let payload = json!({
            "type": TEST_EVENT, "timestamp": now,
            "data": {"workspace_id": w.workspace_id, "webhook_id": w.id, "requested_by": actor.user.id},
        })
        .to_string();
        let queued = webhooks::enqueue(&mut tx, w.id, None, TEST_EVENT, &payload, now).await?;
        let message_id = queued.ok_or_else(|| Error::new(ErrorCode::Internal, "the test message was not queued"))?;
        let message = webhooks::claim_message(&mut tx, message_id, now)
            .await?
            .ok_or_else(|| Error::new(ErrorCode::Internal, "the test message was lost"))?;
        tx.commit().await?;
        let attempt = self.attempt(&w, &message).await;
        self.record_attempt(&message, &attempt, None).await?;
        Ok(attempt.delivery.into())
    }

    /// A webhook's delivery log, newest first.
    pub async fn webhook_deliveries(&self, actor: &Actor, id: Id, page: &PageRequest) -> Result<Page<DeliveryView>> {
        let mut c = self.store.conn().await?;
        self.webhook_for_admin(&mut c, actor, id).await?;
        let rows = webhooks::deliveries(&mut c, id, page.cursor_id()?, page.fetch()).await?;
        Ok(Page::from_fetched(rows, page, |d| d.id.to_string()).map(DeliveryView::from))
    }
}
