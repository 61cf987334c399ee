//! Background jobs: the kinds that exist, enqueueing inside a use case's transaction, running
//! one claimed job with a heartbeat, retry with backoff, and the admin view of the queue.

use serde_json::json;
use vellum_domain::audit::AuditAction;
use vellum_domain::ErrorCode;
use vellum_domain::{
    page::{Page, PageRequest},
    role::Capability,
    Id, Timestamp,
};
pub use vellum_store::jobs::{Job, JobKind, JobState, NewJob};
use vellum_store::{jobs, model::NewAuditEvent, users};

use crate::{access, record, Actor, Core, Error, Result};

pub const MEDIA_QUEUE: &str = "media";
pub const SYSTEM_QUEUE: &str = "system";
pub const QUEUES: [&str; 2] = [MEDIA_QUEUE, SYSTEM_QUEUE];

/// A running job's heartbeat interval (the silence after which its claim is taken back is
/// `Limits::stale_job_secs`, several heartbeats).
pub const HEARTBEAT_SECS: u64 = 10;

/// Seconds to wait before attempt `attempts + 1`: 10 s, 40 s, 160 s, … capped at an hour.
pub fn retry_delay(attempts: u32) -> u32 {
    let exp = attempts.saturating_sub(1).min(10);
    10u32.saturating_mul(4u32.saturating_pow(exp)).min(3600)
}

/// Why a job did not succeed. Permanent failures (a corrupt file) are not retried.
#[derive(Debug, Clone)]
pub struct JobFailure {
    pub message: String,
    pub permanent: bool,
}

impl JobFailure {
    pub fn permanent(message: impl Into<String>) -> Self {
        JobFailure { message: message.into(), permanent: true }
    }

    pub fn transient(message: impl Into<String>) -> Self {
        JobFailure { message: message.into(), permanent: false }
    }
}

impl From<Error> for JobFailure {
    fn from(e: Error) -> Self {
        JobFailure::transient(e.to_string())
    }
}

impl From<vellum_store::Error> for JobFailure {
    fn from(e: vellum_store::Error) -> Self {
        JobFailure::transient(e.to_string())
    }
}

/// The job that probes a new version and renders its previews.
pub(crate) fn process_version(workspace: Id, asset: Id, version: u32) -> NewJob {
    NewJob {
        queue: MEDIA_QUEUE.into(),
        kind: JobKind::ProcessVersion,
        payload: json!({"asset_id": asset, "version": version}),
        unique_key: format!("process_version:{asset}:{version}"),
        workspace_id: Some(workspace),
        max_attempts: 3,
        run_at: Timestamp::now(),
    }
}

/// The housekeeping job that deletes expired sessions.
pub fn expire_sessions(at: Timestamp) -> NewJob {
    NewJob {
        queue: SYSTEM_QUEUE.into(),
        kind: JobKind::ExpireSessions,
        payload: json!({}),
        unique_key: format!("expire_sessions:{at}"),
        workspace_id: None,
        max_attempts: 3,
        run_at: at,
    }
}

/// The job that records failed sign-ins whose audit window ended.
pub fn sign_in_failures(at: Timestamp) -> NewJob {
    NewJob {
        queue: SYSTEM_QUEUE.into(),
        kind: JobKind::SignInFailures,
        payload: json!({}),
        unique_key: format!("sign_in_failures:{at}"),
        workspace_id: None,
        max_attempts: 3,
        run_at: at,
    }
}

/// What a worker did with one job.
/// Resolves once `stop` is true; never, if its sender is gone without saying so.
async fn stopped(stop: &mut tokio::sync::watch::Receiver<bool>) {
    while !*stop.borrow_and_update() {
        if stop.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

#[derive(Debug, Clone)]
pub struct JobRun {
    pub job: Job,
    pub outcome: std::result::Result<(), JobFailure>,
    /// False when the claim was lost meanwhile (another worker took over); the result was dropped.
    pub recorded: bool,
}

impl Core {
    /// Enqueues a job outside any use case (the scheduler). Returns whether it was new.
    pub async fn enqueue(&self, job: &NewJob) -> Result<bool> {
        let mut tx = self.store.write().await?;
        let added = jobs::enqueue(&mut tx, job, Timestamp::now()).await?;
        tx.commit().await?;
        self.wake.notify_waiters();
        Ok(added)
    }

    /// Puts back jobs whose worker stopped sending heartbeats.
    pub async fn requeue_stale_jobs(&self) -> Result<u64> {
        let now = Timestamp::now();
        let stale_before =
            Timestamp::from_unix(now.unix_seconds() - i64::from(self.limits.stale_job_secs)).unwrap_or(now);
        let mut tx = self.store.write().await?;
        let n = jobs::requeue_stale(&mut tx, stale_before, now).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Claims and runs one due job from `queues`, as worker `worker`. None when nothing is due.
    pub async fn run_one_job(&self, worker: &str, queues: &[&str]) -> Result<Option<JobRun>> {
        let (_keep, mut never) = tokio::sync::watch::channel(false);
        self.run_one_job_until(worker, queues, &mut never).await
    }

    /// As `run_one_job`, but when `stop` turns true while the job runs, the job is dropped
    /// where it is (its transactions roll back, its tools are killed, its blob writes are
    /// discarded) and handed back to the queue for another node: graceful shutdown must not
    /// wait for an hour of video. None then, as when nothing was due.
    pub async fn run_one_job_until(
        &self,
        worker: &str,
        queues: &[&str],
        stop: &mut tokio::sync::watch::Receiver<bool>,
    ) -> Result<Option<JobRun>> {
        let mut claimed = None;
        for q in queues {
            let mut tx = self.store.write().await?;
            let job = jobs::claim(&mut tx, q, worker, Timestamp::now()).await?;
            tx.commit().await?;
            if job.is_some() {
                claimed = job;
                break;
            }
        }
        let Some(job) = claimed else { return Ok(None) };
        let beat = {
            let (core, id, worker) = (self.clone(), job.id, worker.to_string());
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(std::time::Duration::from_secs(
                        HEARTBEAT_SECS.min(u64::from(core.limits.stale_job_secs / 3).max(1)),
                    ))
                    .await;
                    let Ok(mut tx) = core.store.write().await else { continue };
                    let alive = jobs::heartbeat(&mut tx, id, &worker, Timestamp::now()).await.unwrap_or(true);
                    let _ = tx.commit().await;
                    if !alive {
                        return;
                    }
                }
            })
        };
        let started = std::time::Instant::now();
        let outcome = tokio::select! {
            outcome = self.execute(&job, worker) => Some(outcome),
            () = stopped(stop) => None,
        };
        beat.abort();
        let Some(outcome) = outcome else {
            let mut tx = self.store.write().await?;
            let handed = jobs::hand_back(&mut tx, job.id, worker, Timestamp::now()).await?;
            tx.commit().await?;
            if handed {
                tracing::info!(job = %job.id, kind = %job.kind, "handed a running job back: this node is stopping");
            }
            return Ok(None);
        };
        self.counters.job_ran(started.elapsed().as_secs_f64(), outcome.is_err());
        let now = Timestamp::now();
        let mut tx = self.store.write().await?;
        let recorded = match &outcome {
            Ok(()) => jobs::complete(&mut tx, job.id, worker, now).await?,
            Err(f) => {
                let retry = (!f.permanent && job.attempts < job.max_attempts)
                    .then(|| Timestamp::from_unix(now.unix_seconds() + i64::from(retry_delay(job.attempts))))
                    .flatten();
                let recorded = jobs::fail(&mut tx, job.id, worker, &f.message, retry, now).await?;
                if recorded && retry.is_none() {
                    self.on_gave_up(&mut tx, &job, &f.message).await?;
                }
                recorded
            }
        };
        tx.commit().await?;
        if let Err(f) = &outcome {
            tracing::warn!(job = %job.id, kind = %job.kind, attempt = job.attempts, error = %f.message, "job failed");
        }
        Ok(Some(JobRun { job, outcome, recorded }))
    }

    async fn execute(&self, job: &Job, worker: &str) -> std::result::Result<(), JobFailure> {
        match job.kind {
            JobKind::ProcessVersion => crate::media::process_version(self, job, worker).await,
            JobKind::RenderRendition => crate::media::render_rendition(self, job).await,
            JobKind::CompareVersions => crate::compare::compare_versions(self, job).await,
            JobKind::AuditCheckpoint => match self.checkpoint_if_moved().await {
                Ok(_) => Ok(()),
                // A server without a key has nothing to sign: not a failure to retry.
                Err(e) if e.code() == ErrorCode::AuditKeyMissing => Ok(()),
                Err(e) => Err(e.into()),
            },
            JobKind::SignInFailures => self.record_sign_in_failures().await.map(|_| ()).map_err(Into::into),
            JobKind::CollectGarbage => crate::blobs::gc::run_job(self, job).await,
            JobKind::ApplyRetention => crate::retention::run_job(self, job).await,
            JobKind::RightsWarnings => {
                let sent = self.send_rights_warnings().await?;
                tracing::info!(sent, "rights warnings");
                Ok(())
            }
            JobKind::SweepReminders => self.sweep_reminders().await.map(|_| ()).map_err(Into::into),
            JobKind::DeliverNotifications => {
                let sweep = job.payload.get("digests").and_then(serde_json::Value::as_bool) != Some(false);
                let run = if sweep { self.deliver_notifications().await } else { self.deliver_new().await };
                run.map(|_| ()).map_err(Into::into)
            }
            JobKind::ExpireSessions => {
                let mut tx = self.store.write().await?;
                users::delete_expired_sessions(&mut tx, self.now()).await?;
                vellum_store::governed_links::delete_expired(&mut tx, self.now()).await?;
                users::delete_expired_tokens(&mut tx, self.now()).await?;
                vellum_store::single_sign_on::delete_expired_logins(&mut tx, self.now()).await?;
                // Housekeeping runs every minute; a week of its record is enough.
                jobs::delete_done_before(&mut tx, SYSTEM_QUEUE, self.now().plus_secs(-7 * 24 * 3600)).await?;
                tx.commit().await?;
                Ok(())
            }
        }
    }

    /// A job that will not be retried leaves its mark where users look.
    async fn on_gave_up(&self, tx: &mut vellum_store::Tx, job: &Job, message: &str) -> Result<()> {
        match job.kind {
            JobKind::ProcessVersion => crate::media::mark_failed(tx, job, message).await?,
            JobKind::CompareVersions => crate::compare::mark_failed(tx, job, message, self.now()).await?,
            _ => {}
        }
        Ok(())
    }

    /// A workspace's jobs (owners and admins), newest first, optionally in one state.
    pub async fn jobs(&self, actor: &Actor, ws: &str, state: Option<&str>, page: &PageRequest) -> Result<Page<Job>> {
        let state = state
            .filter(|s| !s.is_empty())
            .map(|s| {
                JobState::parse(s).ok_or_else(|| {
                    Error::new(
                        ErrorCode::InvalidState,
                        format!("'{s}' is not a job state; use queued, running, done or failed"),
                    )
                })
            })
            .transpose()?;
        let mut c = self.store.conn().await?;
        let access = access::workspace(&mut c, &actor.user, ws).await?;
        access.require(Capability::Administer)?;
        let list = jobs::list(&mut c, access.workspace.id, state, page.cursor_id()?, page.fetch()).await?;
        Ok(Page::from_fetched(list, page, |j| j.id.to_string()))
    }

    /// Sends a failed job back to the queue (admins of its workspace; server admins for
    /// server-wide jobs).
    pub async fn retry_job(&self, actor: &Actor, id: Id) -> Result<Job> {
        let mut tx = self.store.write().await?;
        let job = jobs::get(&mut tx, id).await?.ok_or_else(|| Error::not_found("job"))?;
        match job.workspace_id {
            Some(ws) => {
                let access = access::workspace_by_id(&mut tx, &actor.user, ws).await.map_err(|e| e.hidden_as("job"))?;
                access.require(Capability::Administer)?;
            }
            None if actor.user.is_admin => {}
            None => return Err(Error::not_found("job")),
        }
        if !jobs::retry(&mut tx, id, Timestamp::now()).await? {
            return Err(Error::new(ErrorCode::JobNotFailed, format!("the job is {}, not failed", job.state.as_str())));
        }
        match job.kind {
            JobKind::ProcessVersion => crate::media::mark_pending(&mut tx, &job).await?,
            JobKind::CompareVersions => crate::compare::mark_pending(&mut tx, &job).await?,
            _ => {}
        }
        record(
            &mut tx,
            &actor.origin,
            Some(&actor.user),
            NewAuditEvent {
                workspace_id: job.workspace_id,
                object_id: Some(id.to_string()),
                before: Some(json!({"state": job.state, "last_error": job.last_error})),
                after: Some(json!({"state": "queued"})),
                ..NewAuditEvent::new(AuditAction::JobRetry, "job")
            },
        )
        .await?;
        let job = jobs::get(&mut tx, id).await?.ok_or_else(|| Error::not_found("job"))?;
        tx.commit().await?;
        self.wake.notify_waiters();
        Ok(job)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(retry_delay(1), 10);
        assert_eq!(retry_delay(2), 40);
        assert_eq!(retry_delay(3), 160);
        assert_eq!(retry_delay(9), 3600);
        assert_eq!(retry_delay(100), 3600);
    }
}
