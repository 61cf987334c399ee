//! Telling people and systems: the dispatcher turns recorded events into inbox items, emails
//! (immediate or in a daily digest) and webhook messages; the senders deliver what is due,
//! retrying with backoff. All of it is durable rows claimed once, driven by one job.

mod deliver;
mod dispatch;
pub mod http;
mod mail;
pub mod smtp;

use serde_json::json;
use vellum_domain::Timestamp;
use vellum_store::jobs::NewJob;

pub use http::{AllowList, Tls};
pub use smtp::SmtpServer;

use crate::{Core, Result};

/// How this server reaches people and systems.
#[derive(Debug, Clone)]
pub struct NotifyConfig {
    /// Where mail goes (None: no email is sent; the inbox still fills).
    pub smtp: Option<SmtpServer>,
    /// The From of every email.
    pub mail_from: String,
    /// The server's address as people reach it, for absolute links in email (no trailing /).
    pub public_url: String,
    /// Hosts webhooks may call even though they resolve to private or loopback addresses.
    pub webhook_allow_hosts: AllowList,
    /// Whom https webhook targets must prove themselves to.
    pub tls: Tls,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            smtp: None,
            mail_from: "Vellum <vellum@localhost>".into(),
            public_url: "http://localhost:8080".into(),
            webhook_allow_hosts: AllowList::default(),
            tls: Tls::default(),
        }
    }
}

impl NotifyConfig {
    /// The domain for Message-IDs and EHLO: the public URL's host.
    fn domain(&self) -> String {
        let rest = self.public_url.split("://").nth(1).unwrap_or("localhost");
        let host = rest.split(['/', ':']).next().unwrap_or("localhost");
        if host.is_empty() {
            "localhost".into()
        } else {
            host.to_string()
        }
    }
}

/// What one run of the senders did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivered {
    pub events: usize,
    pub notifications: usize,
    pub emails_sent: usize,
    pub emails_failed: usize,
    pub digests: usize,
    pub webhooks_delivered: usize,
    pub webhooks_failed: usize,
}

/// The sweep's dispatch job for the 15-second slot starting at `at`: retries and digests come
/// due without a new event.
pub fn sweep_job(at: Timestamp) -> NewJob {
    let slot = at.unix_seconds().div_euclid(crate::reminders::SWEEP_SECS);
    NewJob { payload: json!({}), ..crate::events::dispatch_job(format!("deliver_notifications:{slot}")) }
}

/// Seconds before attempt `attempts + 1` of an email or webhook, or None to give up: about
/// a day of tries, spreading out (the Standard Webhooks schedule).
pub fn retry_delay(attempts: u32) -> Option<i64> {
    const DELAYS: [i64; 7] = [5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600];
    DELAYS.get(usize::try_from(attempts).ok()?.checked_sub(1)?).copied()
}

/// A claim older than this is taken back (the sender died mid-way).
const LEASE_SECS: i64 = 120;

impl Core {
    /// Dispatches every recorded event, then sends the emails, digests and webhook messages
    /// due by now. Safe to run on several nodes at once: each row is claimed once.
    pub async fn deliver_notifications(&self) -> Result<Delivered> {
        self.deliver(true).await
    }

    /// What the job queued with new events runs: everything but the digests, which only the
    /// 15-second sweep looks for (they come due by the clock, and looking reads every person
    /// with something waiting).
    pub async fn deliver_new(&self) -> Result<Delivered> {
        self.deliver(false).await
    }

    async fn deliver(&self, digests: bool) -> Result<Delivered> {
        let mut done = Delivered::default();
        self.dispatch_events(&mut done).await?;
        if digests {
            self.send_digests(&mut done).await?;
        }
        self.send_due_emails(&mut done).await?;
        self.deliver_due_webhooks(&mut done).await?;
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_spread_out_then_stop() {
        assert_eq!(retry_delay(1), Some(5));
        assert_eq!(retry_delay(2), Some(300));
        assert_eq!(retry_delay(7), Some(36000));
        assert_eq!(retry_delay(8), None);
        assert_eq!(retry_delay(0), None);
    }

    #[test]
    fn the_mail_domain_is_the_public_host() {
        let c = NotifyConfig { public_url: "https://dam.example.com:8443/x".into(), ..Default::default() };
        assert_eq!(c.domain(), "dam.example.com");
    }
}
