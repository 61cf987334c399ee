//! Sending the queued emails, and gathering each person's waiting notifications into one
//! daily digest at their chosen local hour.

use vellum_domain::{
    mail::{escape_html, Message},
    Id,
};
use vellum_store::{
    emails::{self, NewEmail},
    notifications, users,
};

use super::{retry_delay, smtp, Delivered};
use crate::{Core, Result};

/// Emails claimed per round: sent one after another, so few, to finish well inside the lease.
const BATCH: u32 = 5;
/// An SMTP exchange may take minutes when a relay is slow (each step may wait 30 s).
const MAIL_LEASE_SECS: i64 = 900;

impl Core {
    /// Whether a person's digest is due: something waits, and their digest hour has come since
    /// it arrived and since their last digest.
    async fn digest_due(&self, c: &mut vellum_store::Conn, user: Id, now: vellum_domain::Timestamp) -> Result<bool> {
        let (prefs, last) = notifications::preferences(c, user).await?.unwrap_or_default();
        let items = notifications::digest_pending(c, user).await?;
        Ok(items.iter().map(|n| n.created_at).min().is_some_and(|oldest| prefs.digest_due(oldest, last, now)))
    }

    pub(super) async fn send_due_emails(&self, done: &mut Delivered) -> Result<()> {
        let Some(server) = self.notify.smtp.clone() else { return Ok(()) };
        loop {
            let now = self.now();
            let mut tx = self.store.write().await?;
            let batch = emails::claim_due(&mut tx, now, now.plus_secs(-MAIL_LEASE_SECS), BATCH).await?;
            tx.commit().await?;
            if batch.is_empty() {
                return Ok(());
            }
            for email in batch {
                let message = Message {
                    from: self.notify.mail_from.clone(),
                    to: email.to.clone(),
                    subject: email.subject.clone(),
                    text: email.text.clone(),
                    html: email.html.clone(),
                };
                let domain = self.notify.domain();
                let wire = message.render(&email.id.to_string(), self.now(), &domain);
                let sent = smtp::send(&server, &domain, &self.notify.mail_from, &email.to, &wire).await;
                let mut tx = self.store.write().await?;
                match sent {
                    Ok(()) => {
                        emails::mark_sent(&mut tx, &email, self.now()).await?;
                        done.emails_sent += 1;
                    }
                    Err(e) => {
                        tracing::warn!(email = %email.id, attempt = email.attempts, error = %e, "email not sent");
                        let retry = retry_delay(email.attempts).map(|s| self.now().plus_secs(s));
                        emails::mark_failed(&mut tx, &email, &e, retry).await?;
                        done.emails_failed += 1;
                    }
                }
                tx.commit().await?;
            }
        }
    }

    /// Queues a digest for everyone whose digest hour has come and who has something waiting.
    pub(super) async fn send_digests(&self, done: &mut Delivered) -> Result<()> {
        if self.notify.smtp.is_none() {
            return Ok(());
        }
        let people = notifications::digest_recipients(&mut *self.store.conn().await?).await?;
        for user in people {
            if self.queue_digest(user).await? {
                done.digests += 1;
            }
        }
        Ok(())
    }

    async fn queue_digest(&self, user_id: Id) -> Result<bool> {
        let now = self.now();
        // Most sweeps find nothing due: decide that on a read connection, and take the write
        // lock only to send (deciding again under it, where another node may have sent).
        if !self.digest_due(&mut *self.store.conn().await?, user_id, now).await? {
            return Ok(false);
        }
        let mut tx = self.store.write().await?;
        if !self.digest_due(&mut tx, user_id, now).await? {
            return Ok(false);
        }
        let (prefs, _) = notifications::preferences(&mut tx, user_id).await?.unwrap_or_default();
        let items = notifications::digest_pending(&mut tx, user_id).await?;
        let Some(user) = users::by_id(&mut tx, user_id).await?.filter(|u| u.disabled_at.is_none()) else {
            return Ok(false);
        };
        let base = &self.notify.public_url;
        let subject = match items.len() {
            1 => "Your Vellum digest: 1 update".to_string(),
            n => format!("Your Vellum digest: {n} updates"),
        };
        let mut text = format!("{subject}\n\n");
        let mut html = format!(
            "<!doctype html><html><body style=\"font-family:sans-serif\"><h1>{}</h1><ul>",
            escape_html(&subject)
        );
        for n in &items {
            text.push_str(&format!("- {}\n  {base}{}\n", n.title, n.link));
            html.push_str(&format!(
                "<li><a href=\"{}\">{}</a></li>",
                escape_html(&format!("{base}{}", n.link)),
                escape_html(&n.title)
            ));
        }
        let settings = format!("{base}/account#notifications");
        text.push_str(&format!("\n--\nYou chose a daily digest for these. Change it: {settings}\n"));
        html.push_str(&format!(
            "</ul><hr><p style=\"color:#666;font-size:small\">You chose a daily digest for these. <a href=\"{}\">Change \
             it</a>.</p></body></html>",
            escape_html(&settings)
        ));
        let slot = prefs.last_digest_slot(now).unwrap_or(now);
        let email = NewEmail {
            unique_key: format!("digest:{user_id}:{slot}"),
            user_id: Some(user_id),
            to: user.email.clone(),
            subject,
            text,
            html,
        };
        if !emails::enqueue(&mut tx, &email, now).await? {
            // This slot's digest went out already: what arrived since waits for the next one.
            return Ok(false);
        }
        let ids: Vec<Id> = items.iter().map(|n| n.id).collect();
        notifications::mark_digested(&mut tx, &ids).await?;
        notifications::set_last_digest(&mut tx, user_id, &prefs, now).await?;
        tx.commit().await?;
        Ok(true)
    }
}
