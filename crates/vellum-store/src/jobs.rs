//! The durable job queue: enqueue inside the transaction that needs the work, claim with
//! `FOR UPDATE SKIP LOCKED` (PostgreSQL) or under the single writer (SQLite), heartbeat,
//! retry with backoff, and re-queue claims whose worker went silent.

use sqlx::{any::AnyRow, AnyConnection};
use vellum_domain::{id::new_id, Id, Timestamp};

use crate::{dialect, row, values, Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Queued,
    Running,
    Done,
    Failed,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [JobState::Queued, JobState::Running, JobState::Done, JobState::Failed].into_iter().find(|j| j.as_str() == s)
    }
}

/// What a job does; the worker dispatches on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// Probe a new version and render its built-in previews.
    ProcessVersion,
    /// Render one preset rendition on demand.
    RenderRendition,
    /// Sign a checkpoint of the audit chains that moved.
    AuditCheckpoint,
    /// Record the failed sign-ins whose window ended.
    SignInFailures,
    /// Remove stored files no row points at.
    CollectGarbage,
    /// Delete expired sessions and old housekeeping jobs.
    ExpireSessions,
    /// Record the reminders and escalations that came due.
    SweepReminders,
    /// Dispatch recorded events to inboxes, email and webhooks; send what is due.
    DeliverNotifications,
    /// Compute the visual and text difference of two versions of an asset.
    CompareVersions,
    /// Purge the files retention policies say are due.
    ApplyRetention,
    /// Tell owners and rights managers of rights about to end.
    RightsWarnings,
}

impl JobKind {
    pub const ALL: [JobKind; 11] = [
        JobKind::ProcessVersion,
        JobKind::RenderRendition,
        JobKind::AuditCheckpoint,
        JobKind::SignInFailures,
        JobKind::CollectGarbage,
        JobKind::ExpireSessions,
        JobKind::SweepReminders,
        JobKind::DeliverNotifications,
        JobKind::CompareVersions,
        JobKind::ApplyRetention,
        JobKind::RightsWarnings,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::ProcessVersion => "process_version",
            JobKind::RenderRendition => "render_rendition",
            JobKind::AuditCheckpoint => "audit_checkpoint",
            JobKind::SignInFailures => "sign_in_failures",
            JobKind::CollectGarbage => "collect_garbage",
            JobKind::ExpireSessions => "expire_sessions",
            JobKind::SweepReminders => "sweep_reminders",
            JobKind::DeliverNotifications => "deliver_notifications",
            JobKind::CompareVersions => "compare_versions",
            JobKind::ApplyRetention => "apply_retention",
            JobKind::RightsWarnings => "rights_warnings",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        JobKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl std::fmt::Display for JobKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A job to enqueue. `unique_key` makes enqueueing idempotent: the same work is never queued twice.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub queue: String,
    pub kind: JobKind,
    pub payload: serde_json::Value,
    pub unique_key: String,
    pub workspace_id: Option<Id>,
    pub max_attempts: u32,
    pub run_at: Timestamp,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Job {
    pub id: Id,
    pub queue: String,
    pub kind: JobKind,
    pub payload: serde_json::Value,
    pub unique_key: String,
    pub workspace_id: Option<Id>,
    pub state: JobState,
    pub attempts: u32,
    pub max_attempts: u32,
    pub run_at: Timestamp,
    pub claimed_by: Option<String>,
    pub heartbeat_at: Option<Timestamp>,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub finished_at: Option<Timestamp>,
}

const COLS: &str = "id, queue, kind, payload, unique_key, workspace_id, state, attempts, max_attempts, run_at, \
                    claimed_by, heartbeat_at, last_error, created_at, updated_at, finished_at";

fn decode(r: &AnyRow) -> Result<Job> {
    let workspace_id = row::opt_text(r, "workspace_id")?
        .map(|s| vellum_domain::id::parse_id(&s).ok_or_else(|| Error::Corrupt(format!("job workspace '{s}'"))))
        .transpose()?;
    Ok(Job {
        id: row::id(r, "id")?,
        queue: row::text(r, "queue")?,
        kind: row::parsed(r, "kind", JobKind::parse)?,
        payload: row::json(r, "payload")?,
        unique_key: row::text(r, "unique_key")?,
        workspace_id,
        state: row::parsed(r, "state", JobState::parse)?,
        attempts: row::uint(r, "attempts")?,
        max_attempts: row::uint(r, "max_attempts")?,
        run_at: row::ts(r, "run_at")?,
        claimed_by: row::opt_text(r, "claimed_by")?,
        heartbeat_at: row::opt_ts(r, "heartbeat_at")?,
        last_error: row::opt_text(r, "last_error")?,
        created_at: row::ts(r, "created_at")?,
        updated_at: row::ts(r, "updated_at")?,
        finished_at: row::opt_ts(r, "finished_at")?,
    })
}

/// Inserts a job; `on_conflict` says what a job with the same unique key means.
async fn insert(c: &mut AnyConnection, j: &NewJob, now: Timestamp, on_conflict: &str) -> Result<u64> {
    insert_many(c, std::slice::from_ref(j), now, on_conflict).await
}

/// Inserts jobs, many rows per statement; returns how many rows it wrote.
async fn insert_many(c: &mut AnyConnection, list: &[NewJob], now: Timestamp, on_conflict: &str) -> Result<u64> {
    // A key twice in one statement is refused by PostgreSQL: the first one stands.
    let mut seen = std::collections::HashSet::new();
    let list: Vec<&NewJob> = list.iter().filter(|j| seen.insert(j.unique_key.as_str())).collect();
    let mut added = 0;
    for chunk in list.chunks(values::rows_per_statement(10)) {
        let rows = values::numbered("(?, ?, ?, ?, ?, ?, 'queued', 0, ?, ?, NULL, NULL, NULL, ?, ?, NULL)", chunk.len());
        let sql = format!("INSERT INTO jobs ({COLS}) VALUES {rows} ON CONFLICT (unique_key) {on_conflict}");
        let mut q = sqlx::query(&sql);
        for j in chunk {
            q = q
                .bind(new_id().to_string())
                .bind(&j.queue)
                .bind(j.kind.as_str())
                .bind(row::to_json(&j.payload)?)
                .bind(&j.unique_key)
                .bind(j.workspace_id.map(|w| w.to_string()))
                .bind(i64::from(j.max_attempts))
                .bind(j.run_at.to_string())
                .bind(now.to_string())
                .bind(now.to_string());
        }
        added += q.execute(&mut *c).await?.rows_affected();
    }
    Ok(added)
}

/// Enqueues jobs unless one with the same unique key exists, many per statement (imports).
/// Returns how many were added.
pub async fn enqueue_many(c: &mut AnyConnection, list: &[NewJob], now: Timestamp) -> Result<u64> {
    let n = insert_many(c, list, now, "DO NOTHING").await?;
    if n > 0 {
        tell_workers(c).await?;
    }
    Ok(n)
}

/// Enqueues a job unless one with the same unique key exists. Returns whether it was added.
pub async fn enqueue(c: &mut AnyConnection, j: &NewJob, now: Timestamp) -> Result<bool> {
    let added = insert(c, j, now, "DO NOTHING").await? > 0;
    if added {
        tell_workers(c).await?;
    }
    Ok(added)
}

/// The PostgreSQL channel a new job is announced on.
pub const JOBS_CHANNEL: &str = "vellum_jobs";

/// Wakes idle workers on every node when the transaction commits (PostgreSQL delivers a
/// NOTIFY only then, and drops it on rollback); on SQLite, one process's workers are woken
/// in memory and others poll.
async fn tell_workers(c: &mut AnyConnection) -> Result<()> {
    if dialect::of(c) == crate::Backend::Postgres {
        sqlx::query("SELECT pg_notify($1, '')").bind(JOBS_CHANNEL).execute(c).await?;
    }
    Ok(())
}

/// Enqueues a job, or queues a finished job with the same key to run again (a rendition
/// whose spec changed back). A failed job stays failed until an admin retries it.
pub async fn enqueue_again(c: &mut AnyConnection, j: &NewJob, now: Timestamp) -> Result<()> {
    let again = "DO UPDATE SET state = 'queued', attempts = 0, run_at = excluded.run_at, claimed_by = NULL, \
                 finished_at = NULL, updated_at = excluded.updated_at WHERE jobs.state = 'done'";
    if insert(c, j, now, again).await? > 0 {
        tell_workers(c).await?;
    }
    Ok(())
}

/// Claims the next due job of `queue` for `worker`, counting the attempt.
pub async fn claim(c: &mut AnyConnection, queue: &str, worker: &str, now: Timestamp) -> Result<Option<Job>> {
    let skip = dialect::of(c).skip_locked();
    let sql = format!(
        "UPDATE jobs SET state = 'running', claimed_by = $1, heartbeat_at = $2, attempts = attempts + 1, updated_at = $2 \
         WHERE id = (SELECT id FROM jobs WHERE queue = $3 AND state = 'queued' AND run_at <= $2 ORDER BY run_at, id LIMIT 1{skip}) \
         RETURNING {COLS}"
    );
    sqlx::query(&sql)
        .bind(worker)
        .bind(now.to_string())
        .bind(queue)
        .fetch_optional(c)
        .await?
        .as_ref()
        .map(decode)
        .transpose()
}

/// Records that `worker` is still on the job; false if the claim was lost.
pub async fn heartbeat(c: &mut AnyConnection, id: Id, worker: &str, now: Timestamp) -> Result<bool> {
    let done = sqlx::query("UPDATE jobs SET heartbeat_at = $1 WHERE id = $2 AND claimed_by = $3 AND state = 'running'")
        .bind(now.to_string())
        .bind(id.to_string())
        .bind(worker)
        .execute(c)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Marks the job done if `worker` still holds it; false means another worker took it over,
/// and this worker's result must be discarded.
pub async fn complete(c: &mut AnyConnection, id: Id, worker: &str, now: Timestamp) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE jobs SET state = 'done', finished_at = $1, updated_at = $1, last_error = NULL \
         WHERE id = $2 AND claimed_by = $3 AND state = 'running'",
    )
    .bind(now.to_string())
    .bind(id.to_string())
    .bind(worker)
    .execute(c)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Hands a running job back to the queue as it was claimed, because its node is shutting
/// down: due at once for any other worker, the interrupted attempt not counted. False if
/// `worker` no longer held it.
pub async fn hand_back(c: &mut AnyConnection, id: Id, worker: &str, now: Timestamp) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE jobs SET state = 'queued', claimed_by = NULL, run_at = $1, updated_at = $1, \
         attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END \
         WHERE id = $2 AND claimed_by = $3 AND state = 'running'",
    )
    .bind(now.to_string())
    .bind(id.to_string())
    .bind(worker)
    .execute(&mut *c)
    .await?;
    let handed = done.rows_affected() > 0;
    if handed {
        tell_workers(c).await?;
    }
    Ok(handed)
}

/// Records a failed attempt: back to the queue at `retry_at`, or failed for good when None.
pub async fn fail(
    c: &mut AnyConnection,
    id: Id,
    worker: &str,
    error: &str,
    retry_at: Option<Timestamp>,
    now: Timestamp,
) -> Result<bool> {
    let error: String = error.chars().take(4000).collect();
    let done =
        match retry_at {
            Some(at) => sqlx::query(
                "UPDATE jobs SET state = 'queued', run_at = $1, claimed_by = NULL, last_error = $2, updated_at = $3 \
                 WHERE id = $4 AND claimed_by = $5 AND state = 'running'",
            )
            .bind(at.to_string())
            .bind(&error)
            .bind(now.to_string())
            .bind(id.to_string())
            .bind(worker)
            .execute(c)
            .await?,
            None => {
                sqlx::query(
                    "UPDATE jobs SET state = 'failed', finished_at = $1, last_error = $2, updated_at = $1 \
                 WHERE id = $3 AND claimed_by = $4 AND state = 'running'",
                )
                .bind(now.to_string())
                .bind(&error)
                .bind(id.to_string())
                .bind(worker)
                .execute(c)
                .await?
            }
        };
    Ok(done.rows_affected() > 0)
}

/// Deletes finished jobs of `queue` older than `before` (the scheduler's housekeeping runs
/// every minute; its record need not be kept for ever). Returns how many.
pub async fn delete_done_before(c: &mut AnyConnection, queue: &str, before: Timestamp) -> Result<u64> {
    let done = sqlx::query("DELETE FROM jobs WHERE queue = $1 AND state = 'done' AND finished_at < $2")
        .bind(queue)
        .bind(before.to_string())
        .execute(c)
        .await?;
    Ok(done.rows_affected())
}

/// Puts back running jobs whose heartbeat is older than `stale_before` (their worker died).
pub async fn requeue_stale(c: &mut AnyConnection, stale_before: Timestamp, now: Timestamp) -> Result<u64> {
    let done = sqlx::query(
        "UPDATE jobs SET state = 'queued', claimed_by = NULL, run_at = $1, updated_at = $1, \
         last_error = 'the worker stopped responding; re-queued' WHERE state = 'running' AND heartbeat_at < $2",
    )
    .bind(now.to_string())
    .bind(stale_before.to_string())
    .execute(c)
    .await?;
    Ok(done.rows_affected())
}

pub async fn get(c: &mut AnyConnection, id: Id) -> Result<Option<Job>> {
    sqlx::query(&format!("SELECT {COLS} FROM jobs WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(c)
        .await?
        .as_ref()
        .map(decode)
        .transpose()
}

pub async fn by_key(c: &mut AnyConnection, unique_key: &str) -> Result<Option<Job>> {
    sqlx::query(&format!("SELECT {COLS} FROM jobs WHERE unique_key = $1"))
        .bind(unique_key)
        .fetch_optional(c)
        .await?
        .as_ref()
        .map(decode)
        .transpose()
}

/// A workspace's jobs, newest first, optionally in one state.
/// A workspace's jobs, newest first (by id: UUIDv7), optionally in one state and only those
/// older than `before` (the page cursor).
pub async fn list(
    c: &mut AnyConnection,
    workspace: Id,
    state: Option<JobState>,
    before: Option<Id>,
    limit: u32,
) -> Result<Vec<Job>> {
    let mut sql = format!("SELECT {COLS} FROM jobs WHERE workspace_id = $1");
    let mut binds = Vec::new();
    if let Some(s) = state {
        binds.push(s.as_str().to_string());
        sql.push_str(&format!(" AND state = ${}", binds.len() + 1));
    }
    if let Some(b) = before {
        binds.push(b.to_string());
        sql.push_str(&format!(" AND id < ${}", binds.len() + 1));
    }
    sql.push_str(&format!(" ORDER BY id DESC LIMIT {}", limit.clamp(1, 1001)));
    let mut q = sqlx::query(&sql).bind(workspace.to_string());
    for b in binds {
        q = q.bind(b);
    }
    q.fetch_all(c).await?.iter().map(decode).collect()
}

/// Sends a failed job back to the queue with a fresh set of attempts.
pub async fn retry(c: &mut AnyConnection, id: Id, now: Timestamp) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE jobs SET state = 'queued', attempts = 0, run_at = $1, claimed_by = NULL, finished_at = NULL, updated_at = $1 \
         WHERE id = $2 AND state = 'failed'",
    )
    .bind(now.to_string())
    .bind(id.to_string())
    .execute(c)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Per queue: jobs waiting to run, and when the oldest of those already due became due.
pub async fn queue_figures(c: &mut AnyConnection, now: Timestamp) -> Result<Vec<(String, u64, Option<Timestamp>)>> {
    let rows = sqlx::query(
        "SELECT queue, COUNT(*) AS n, MIN(CASE WHEN run_at <= $1 THEN run_at END) AS oldest \
         FROM jobs WHERE state = 'queued' GROUP BY queue ORDER BY queue",
    )
    .bind(now.to_string())
    .fetch_all(c)
    .await?;
    rows.iter()
        .map(|r| Ok((row::text(r, "queue")?, u64::try_from(row::int(r, "n")?).unwrap_or(0), row::opt_ts(r, "oldest")?)))
        .collect()
}
