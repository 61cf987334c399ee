//! Delivering webhook messages: signed per Standard Webhooks, posted to the checked address,
//! every attempt logged, retried with backoff until a 2xx or the schedule runs out.

use bytes::Bytes;
use futures_util::StreamExt;
use vellum_domain::{
    id::new_id,
    webhook::{secret_key, sign, Target},
};
use vellum_store::webhooks::{self, Delivery, Message, Webhook};

use super::{http, retry_delay, Delivered, LEASE_SECS};
use crate::{Core, Result};

/// Messages claimed per round.
const BATCH: u32 = 50;
/// Deliveries in flight at once.
const PARALLEL: usize = 8;

/// The outcome of one attempt, before it is recorded.
pub(crate) struct Attempt {
    pub delivered: bool,
    pub delivery: Delivery,
}

/// Logs an attempt and settles its message: delivered, retried at `retry`, or given up.
async fn record(
    tx: &mut vellum_store::Tx,
    m: &Message,
    a: &Attempt,
    retry: Option<vellum_domain::Timestamp>,
) -> Result<()> {
    webhooks::insert_delivery(tx, &a.delivery).await?;
    webhooks::finish_message(tx, m.id, a.delivered, retry).await?;
    Ok(())
}

impl Core {
    pub(super) async fn deliver_due_webhooks(&self, done: &mut Delivered) -> Result<()> {
        loop {
            let now = self.now();
            let mut tx = self.store.write().await?;
            let batch = webhooks::claim_due(&mut tx, now, now.plus_secs(-LEASE_SECS), BATCH).await?;
            tx.commit().await?;
            if batch.is_empty() {
                return Ok(());
            }
            // Receivers answer at their own pace: a few at once, so one slow target does not
            // hold up the others. The outcomes are recorded together: one write per round.
            let outcomes: Vec<Result<Option<(Message, Attempt)>>> = futures_util::stream::iter(batch)
                .map(|m| self.deliver_one(m))
                .buffer_unordered(PARALLEL)
                .collect()
                .await;
            let mut tx = self.store.write().await?;
            for outcome in outcomes {
                // One message that could not be read is left to its lease; the others' outcomes
                // are recorded, so what was delivered is not delivered again.
                let (m, a) = match outcome {
                    Ok(Some(done)) => done,
                    Ok(None) => continue,
                    Err(e) => {
                        tracing::warn!(error = %e, "a webhook message could not be attempted");
                        continue;
                    }
                };
                let retry = if a.delivered { None } else { retry_delay(m.attempts).map(|s| self.now().plus_secs(s)) };
                record(&mut tx, &m, &a, retry).await?;
                if a.delivered {
                    done.webhooks_delivered += 1;
                } else {
                    done.webhooks_failed += 1;
                }
            }
            tx.commit().await?;
        }
    }

    /// One attempt at one claimed message (None: its webhook is gone, and so is the message).
    async fn deliver_one(&self, m: Message) -> Result<Option<(Message, Attempt)>> {
        let hook = webhooks::get(&mut *self.store.conn().await?, m.webhook_id).await?;
        let Some(hook) = hook else {
            let mut tx = self.store.write().await?;
            webhooks::finish_message(&mut tx, m.id, false, None).await?;
            tx.commit().await?;
            return Ok(None);
        };
        let a = self.attempt(&hook, &m).await;
        Ok(Some((m, a)))
    }

    pub(crate) async fn record_attempt(
        &self,
        m: &Message,
        a: &Attempt,
        retry: Option<vellum_domain::Timestamp>,
    ) -> Result<()> {
        let mut tx = self.store.write().await?;
        record(&mut tx, m, a, retry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Posts one message once. The address is checked again at each delivery: a name that
    /// resolved to a public address when the webhook was saved may not point inside later.
    pub(crate) async fn attempt(&self, hook: &Webhook, m: &Message) -> Attempt {
        let at = self.now();
        let outcome = async {
            let target = Target::parse(&hook.url).map_err(|e| (None, e))?;
            let addr = http::resolve(&target, &self.notify.webhook_allow_hosts)
                .await
                .map_err(|r| (None, r.message().to_string()))?;
            let key = secret_key(&hook.secret).ok_or((None, "the stored secret is not a whsec_ secret".to_string()))?;
            // The signature's timestamp is the moment of sending by the wall clock, which is what
            // receivers hold it against to refuse replays (the domain clock schedules retries).
            let ts = vellum_domain::Timestamp::now().unix_seconds();
            let id = format!("msg_{}", m.id.simple());
            let signature = sign(&key, &id, ts, m.payload.as_bytes());
            let headers = [("webhook-id", id), ("webhook-timestamp", ts.to_string()), ("webhook-signature", signature)];
            let posted = http::post(&target, addr, &self.notify.tls, &headers, Bytes::from(m.payload.clone())).await;
            Ok::<_, (Option<u64>, String)>(posted)
        }
        .await;
        let (delivered, status_code, duration_ms, error) = match outcome {
            Ok(p) => (p.succeeded(), p.status, p.duration_ms, p.error),
            Err((_, e)) => (false, None, 0, Some(e)),
        };
        Attempt {
            delivered,
            delivery: Delivery {
                id: new_id(),
                message_id: m.id,
                webhook_id: hook.id,
                event: m.kind.clone(),
                attempt: m.attempts,
                at,
                status_code,
                duration_ms,
                error,
            },
        }
    }
}
