//! What an operator watches: the node's figures for `/metrics` (job queues, database
//! connections, search lag) and whether it is ready to serve (database reachable, blob store
//! reachable, schema current). Nothing here names a workspace or a user.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use vellum_blob::BlobKey;
use vellum_domain::metrics::{escape, family, single, Histogram};

use crate::search::SearchMetrics;
use crate::{Core, Result};

/// What this process has done since it started, counted where it happens.
#[derive(Debug, Default)]
pub struct Counters {
    upload_bytes: AtomicU64,
    job_failures: AtomicU64,
    reminders: AtomicU64,
    escalations: AtomicU64,
    job_durations: Mutex<Histogram>,
}

impl Counters {
    pub(crate) fn uploaded(&self, bytes: u64) {
        self.upload_bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    pub(crate) fn job_ran(&self, secs: f64, failed: bool) {
        if failed {
            self.job_failures.fetch_add(1, Ordering::Relaxed);
        }
        if let Ok(mut h) = self.job_durations.lock() {
            h.observe(secs);
        }
    }

    pub(crate) fn swept(&self, reminders: usize, escalations: usize) {
        self.reminders.fetch_add(reminders as u64, Ordering::Relaxed);
        self.escalations.fetch_add(escalations as u64, Ordering::Relaxed);
    }
}

/// One job queue's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueFigures {
    pub queue: String,
    /// Jobs waiting to run (due or not yet).
    pub queued: u64,
    /// How long the oldest due job has waited, in seconds (0 when none is due).
    pub oldest_age_secs: f64,
}

/// The node's figures at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    pub queues: Vec<QueueFigures>,
    /// Database connections: open and idle.
    pub connections: (u32, usize),
    pub search: SearchMetrics,
}

/// What readiness checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Readiness {
    pub database: bool,
    pub blobs: bool,
    pub schema_current: bool,
}

impl Readiness {
    pub fn ready(self) -> bool {
        self.database && self.blobs && self.schema_current
    }
}

impl Figures {
    /// The node's families in the Prometheus text format (the HTTP ones are the server's).
    pub fn write(&self, counters: &Counters, out: &mut String) {
        let count = |c: &AtomicU64| c.load(Ordering::Relaxed) as f64;
        single(out, "vellum_upload_bytes_total", "Bytes of files uploaded.", "counter", count(&counters.upload_bytes));
        if let Ok(h) = counters.job_durations.lock() {
            h.write(out, "vellum_job_duration_seconds", "Time a job took to run, failed or not.");
        }
        single(out, "vellum_job_failures_total", "Job runs that failed.", "counter", count(&counters.job_failures));
        single(
            out,
            "vellum_reminders_sent_total",
            "Review reminders recorded for late approvers.",
            "counter",
            count(&counters.reminders),
        );
        single(out, "vellum_escalations_total", "Review escalations.", "counter", count(&counters.escalations));
        family(out, "vellum_jobs_queued", "Jobs waiting to run, by queue.", "gauge");
        for q in &self.queues {
            let _ = writeln!(out, "vellum_jobs_queued{{queue=\"{}\"}} {}", escape(&q.queue), q.queued);
        }
        family(out, "vellum_job_oldest_age_seconds", "How long the oldest due job of a queue has waited.", "gauge");
        for q in &self.queues {
            let _ =
                writeln!(out, "vellum_job_oldest_age_seconds{{queue=\"{}\"}} {}", escape(&q.queue), q.oldest_age_secs);
        }
        let (open, idle) = self.connections;
        family(out, "vellum_db_pool_connections", "Database connections of this node's pool, by state.", "gauge");
        let _ = writeln!(out, "vellum_db_pool_connections{{state=\"idle\"}} {idle}");
        let _ =
            writeln!(out, "vellum_db_pool_connections{{state=\"in_use\"}} {}", (open as usize).saturating_sub(idle));
        single(
            out,
            "vellum_search_lag_seconds",
            "How long the oldest change not yet searchable has waited, over every workspace.",
            "gauge",
            self.search.lag_ms as f64 / 1000.0,
        );
        single(
            out,
            "vellum_search_rebuilding",
            "Workspace search indexes being rebuilt.",
            "gauge",
            self.search.rebuilding as f64,
        );
    }
}

impl Core {
    /// This node's families in the Prometheus text format, read now.
    pub async fn metrics_text(&self) -> Result<String> {
        let mut out = String::new();
        self.figures().await?.write(&self.counters, &mut out);
        Ok(out)
    }

    pub async fn figures(&self) -> Result<Figures> {
        let now = self.now();
        let rows = vellum_store::jobs::queue_figures(&mut *self.store.conn().await?, now).await?;
        let queues = rows
            .into_iter()
            .map(|(queue, queued, oldest)| QueueFigures {
                queue,
                queued,
                oldest_age_secs: oldest.map_or(0.0, |at| ((now.unix_micros() - at.unix_micros()).max(0)) as f64 / 1e6),
            })
            .collect();
        Ok(Figures { queues, connections: self.store.pool_connections(), search: self.search_metrics().await? })
    }

    /// Checks the database (a query answers), the blob store (a lookup answers, found or not)
    /// and the schema (no migration missing); never fails, it says what is wrong.
    pub async fn readiness(&self) -> Readiness {
        let schema = self.store.schema_current().await;
        let database = schema.is_ok();
        let schema_current = schema.unwrap_or(false);
        let blobs = match BlobKey::parse(&"0".repeat(64)) {
            Ok(probe) => self.blobs.size(&probe).await.is_ok(),
            Err(_) => false,
        };
        Readiness { database, blobs, schema_current }
    }
}
