//! Garbage collection: removes stored blobs no row points at once they are older than a
//! grace period, and staged writes whose writer is gone. Run by `vellum gc` and by a nightly
//! scheduled job.
//!
//! The grace period is measured from the file's last write (a blob offered again as equal
//! content counts as written then), so bytes an upload stored a moment ago and is about to
//! point a row at are never candidates; each removal is still made under the claim described
//! in `blobs`, so a row committed meanwhile wins.

use std::{
    collections::HashSet,
    time::{Duration, SystemTime},
};

use futures_util::StreamExt;
use serde_json::json;
use vellum_blob::{BlobEntry, StaleWrite};
use vellum_domain::Timestamp;
use vellum_store::jobs::{Job, NewJob};

use super::Removal;
use crate::{jobs::JobFailure, Core, Result};

/// How old an unreferenced blob must be before it is removed, unless told otherwise.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(24 * 3600);

/// What one collection should do.
#[derive(Debug, Clone, Copy)]
pub struct GcOptions {
    pub grace: Duration,
    /// Only list what would be removed.
    pub dry_run: bool,
}

impl Default for GcOptions {
    fn default() -> Self {
        GcOptions { grace: DEFAULT_GRACE, dry_run: false }
    }
}

/// What one collection found and did.
#[derive(Debug, Clone, Default)]
pub struct GcReport {
    /// Blobs no row points at, older than the grace period: removed (or, in a dry run, to be).
    pub orphans: Vec<BlobEntry>,
    /// Blobs no row points at yet, younger than the grace period: left for a later run.
    pub young: usize,
    /// Blobs rows point at.
    pub referenced: usize,
    /// Candidates that gained a row or were written again before they could be removed.
    pub spared: usize,
    /// Content hashes rows point at whose bytes the store does not have. Never expected;
    /// reported so an operator can restore them from a backup.
    pub missing: Vec<String>,
    /// Staged writes whose writer is gone: removed (or, in a dry run, to be).
    pub staging: Vec<StaleWrite>,
}

impl GcReport {
    /// Bytes the orphans and abandoned staged writes take.
    pub fn bytes(&self) -> u64 {
        self.orphans.iter().map(|o| o.size).chain(self.staging.iter().map(|s| s.size)).sum()
    }
}

/// The scheduled collection, with the default grace period.
pub fn job(at: Timestamp) -> NewJob {
    NewJob {
        queue: crate::jobs::SYSTEM_QUEUE.into(),
        kind: vellum_store::jobs::JobKind::CollectGarbage,
        payload: json!({"grace_secs": DEFAULT_GRACE.as_secs()}),
        unique_key: format!("collect_garbage:{at}"),
        workspace_id: None,
        max_attempts: 3,
        run_at: at,
    }
}

/// Runs the `collect_garbage` job.
pub(crate) async fn run_job(core: &Core, job: &Job) -> std::result::Result<(), JobFailure> {
    let grace = job.payload["grace_secs"].as_u64().map_or(DEFAULT_GRACE, Duration::from_secs);
    let report = core.collect_garbage(&GcOptions { grace, dry_run: false }).await?;
    tracing::info!(
        orphans = report.orphans.len(),
        staged = report.staging.len(),
        bytes = report.bytes(),
        "collected unreferenced blobs"
    );
    if let Some(first) = report.missing.first() {
        tracing::error!(count = report.missing.len(), first = %first, "rows point at blobs whose bytes are missing");
    }
    Ok(())
}

impl Core {
    /// Removes (or lists) unreferenced blobs older than `grace` and abandoned staged writes.
    pub async fn collect_garbage(&self, opts: &GcOptions) -> Result<GcReport> {
        // Rows first, then files: a row committed after this query points at a file written
        // before it commits, which is then too young to be a candidate.
        let mut unseen: HashSet<String> = {
            let mut c = self.store.conn().await?;
            vellum_store::blobs::referenced(&mut c).await?
        };
        let mut report = GcReport { staging: self.blobs.sweep_staging(opts.dry_run).await?, ..Default::default() };
        let cutoff = SystemTime::now().checked_sub(opts.grace).unwrap_or(SystemTime::UNIX_EPOCH);
        let mut candidates = Vec::new();
        let mut listing = self.blobs.list();
        while let Some(entry) = listing.next().await {
            let entry = entry?;
            if unseen.remove(entry.key.as_str()) {
                report.referenced += 1;
            } else if entry.modified > cutoff {
                report.young += 1;
            } else {
                candidates.push(entry);
            }
        }
        report.missing = unseen.into_iter().collect();
        report.missing.sort();
        for entry in candidates {
            if opts.dry_run {
                report.orphans.push(entry);
                continue;
            }
            match self.remove_unreferenced(&entry.key, Some(cutoff)).await? {
                Removal::Removed => report.orphans.push(entry),
                Removal::Referenced | Removal::Young => report.spared += 1,
                Removal::Absent => {}
            }
        }
        Ok(report)
    }
}
