//! Vellum's use cases. Each public method checks who may do it, applies the domain's rules,
//! writes through the store in one transaction together with its audit event, and returns
//! what the caller may see.

pub mod access;
pub mod accounts;
pub mod assets;
mod attempts;
pub mod audit;
pub mod auth;
pub mod blobs;
pub mod board;
pub mod briefs;
pub mod calendar;
pub mod campaigns;
mod claim_memberships;
pub mod clock;
pub mod collaborators;
pub mod collections;
pub mod comments;
pub mod compare;
pub mod delegation;
pub mod downloads;
mod error;
pub mod events;
pub mod glossary;
pub mod governed_links;
pub mod guests;
pub mod inbox;
pub mod invitations;
pub mod jobs;
pub mod media;
pub mod members;
pub mod metadata_schema;
pub mod my_work;
pub mod naming;
pub mod notifications;
pub mod notify;
pub mod oauth;
pub mod operations;
pub mod presets;
pub mod proposals;
pub mod public_links;
pub mod reassign;
pub mod reminders;
pub mod retention;
pub mod reviews;
pub mod rights;
pub mod routing;
pub mod schedule;
pub mod scim;
pub mod search;
pub mod second_factor;
pub mod secret;
pub mod session;
pub mod share_links;
pub mod sso;
pub mod stamping;
pub mod status;
pub mod tokens;
pub mod transfer;
pub mod watermarks;
pub mod webhooks;
pub mod worker;
pub mod workflows;
pub mod workspaces;

use std::sync::Arc;

pub use error::{Error, ErrorKind, Result};
pub use vellum_blob::{BlobStore, BlobWriter, PendingBlob, StoredBlob};
pub use vellum_store::{model, Store};

use vellum_domain::Timestamp;
use vellum_store::{model::NewAuditEvent, Tx};

/// Limits and lifetimes the use cases enforce.
#[derive(Debug, Clone)]
pub struct Limits {
    /// The largest file one upload may carry.
    pub max_upload_bytes: u64,
    /// How long a sign-in lasts.
    pub session_hours: u32,
    /// The largest image (pixels, and pixels a side) accepted and decoded.
    pub pixels: vellum_media::header::PixelLimits,
    /// A running job whose worker has been silent this long is handed to another worker.
    pub stale_job_secs: u32,
    /// The longest one upload may take. Staged bytes older than this are abandoned, which is
    /// how another process sharing the data folder may tell (see vellum-blob's staging).
    pub max_upload_secs: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_upload_bytes: 5 * 1024 * 1024 * 1024,
            session_hours: 24 * 14,
            pixels: Default::default(),
            stale_job_secs: 60,
            max_upload_secs: vellum_blob::DEFAULT_MAX_STAGING.as_secs(),
        }
    }
}

/// The use cases, over one store and one blob store.
#[derive(Clone)]
pub struct Core {
    pub store: Store,
    pub blobs: Arc<dyn BlobStore>,
    pub limits: Limits,
    /// Wakes this process's idle workers when a use case has queued work; workers elsewhere
    /// find it by polling.
    pub(crate) wake: Arc<tokio::sync::Notify>,
    /// Where use cases get the time.
    pub clock: Arc<dyn clock::Clock>,
    /// The audit key and checkpoint log (None: events are chained but not tagged, and no
    /// checkpoints are signed).
    pub audit: Option<Arc<audit::AuditKeeper>>,
    /// Where email goes, the public address for links, and which hosts webhooks may call.
    pub notify: Arc<notify::NotifyConfig>,
    /// Password tries wait their turn per key.
    pub(crate) turns: Arc<attempts::Turns>,
    /// The font and recently marked pictures for watermarked previews.
    pub(crate) watermarks: Arc<watermarks::Watermarks>,
    /// This node's search indexes (None: search answers 503 here).
    pub search: Option<Arc<search::Search>>,
    /// What this process has done, for `/metrics`.
    pub counters: Arc<operations::Counters>,
    /// The single sign-on client secret and what this process knows of the provider.
    pub sso: Arc<sso::Sso>,
}

/// Where a request came from, for the audit trail.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub ip: Option<String>,
    pub request_id: Option<String>,
    /// The API token the request came through (None: a session, the CLI or the system).
    pub token: Option<tokens::TokenUse>,
}

/// A signed-in user acting through a request.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: model::User,
    pub origin: Origin,
}

impl Core {
    pub fn new(store: Store, blobs: Arc<dyn BlobStore>, limits: Limits) -> Self {
        Core {
            store,
            blobs,
            limits,
            wake: Arc::new(tokio::sync::Notify::new()),
            clock: Arc::new(clock::SystemClock),
            audit: None,
            notify: Arc::new(notify::NotifyConfig::default()),
            turns: Arc::new(attempts::Turns::default()),
            watermarks: Arc::new(watermarks::Watermarks::default()),
            search: None,
            counters: Arc::new(operations::Counters::default()),
            sso: Arc::new(sso::Sso::default()),
        }
    }

    /// The same use cases telling people and systems as `config` says.
    pub fn with_notify(mut self, config: notify::NotifyConfig) -> Self {
        self.notify = Arc::new(config);
        self
    }

    /// The same use cases with this single sign-on client secret.
    pub fn with_sso(mut self, sso: sso::Sso) -> Self {
        self.sso = Arc::new(sso);
        self
    }

    /// The same use cases reading time from `clock` (tests move it by hand).
    pub fn with_clock(mut self, clock: Arc<dyn clock::Clock>) -> Self {
        self.clock = clock;
        self
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Runs a write use case again, a few times, when PostgreSQL aborted it to break a
    /// deadlock or a serialization conflict: each try is its own transaction, so a retry
    /// starts from what is committed.
    pub(crate) async fn retrying<T, F, Fut>(&self, what: &str, mut attempt: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        const TRIES: u32 = 4;
        let mut tries = 1;
        loop {
            match attempt().await {
                Err(e) if e.is_retryable() && tries < TRIES => {
                    tracing::warn!(use_case = what, attempt = tries, error = %e, "retrying after a database conflict");
                    tries += 1;
                }
                other => return other,
            }
        }
    }
}

/// The audit event of a workspace-wide setting changing (custom fields, routing rules,
/// calendar): filed under the workspace itself.
pub(crate) fn setting_event(
    action: vellum_domain::audit::AuditAction,
    object_type: &str,
    ws: vellum_domain::Id,
    before: Option<serde_json::Value>,
    after: serde_json::Value,
) -> NewAuditEvent {
    NewAuditEvent {
        workspace_id: Some(ws),
        object_id: Some(ws.to_string()),
        before,
        after: Some(after),
        ..NewAuditEvent::new(action, object_type)
    }
}

/// Appends an audit event stamped with the actor and origin; the last write of a transaction.
pub(crate) async fn record(
    tx: &mut Tx,
    origin: &Origin,
    actor: Option<&model::User>,
    event: NewAuditEvent,
) -> Result<()> {
    record_many(tx, origin, actor, vec![event]).await
}

/// `record` for many events at once (a few statements for the lot), in order.
pub(crate) async fn record_many(
    tx: &mut Tx,
    origin: &Origin,
    actor: Option<&model::User>,
    mut events: Vec<NewAuditEvent>,
) -> Result<()> {
    for event in &mut events {
        event.actor_id = actor.map(|u| u.id);
        // Events about an asset itself belong to its trail without every caller saying so.
        if event.asset_id.is_none() && event.object_type == "asset" {
            event.asset_id = event.object_id.as_deref().and_then(vellum_domain::id::parse_id);
        }
        event.ip = origin.ip.clone();
        event.request_id = origin.request_id.clone();
        event.token_id = origin.token.map(|t| t.id);
    }
    let key = tx.audit_key();
    let now = Timestamp::now();
    let appended = vellum_store::audit::append_many(tx, &events, now, key.as_deref()).await?;
    // Every thousandth event of a chain asks for a checkpoint, besides the one a minute.
    for e in appended.iter().filter(|e| e.fields.seq % 1000 == 0 && key.is_some()) {
        let mut job = audit::checkpoint_job(now);
        job.unique_key = format!("audit_checkpoint:{}:{}", e.chain, e.fields.seq);
        vellum_store::jobs::enqueue(tx, &job, now).await?;
    }
    Ok(())
}
