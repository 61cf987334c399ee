//! The import pipeline: several tasks read, hash and stage files at once (two per core), while
//! one committer makes whatever is staged durable with one flush and records it in one
//! transaction. Hashing the next files overlaps the flushes and commits of the last ones, and
//! the slower the flushes, the larger the batches grow.

use std::{
    io::Read,
    path::Path,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::SystemTime,
};

use indicatif::ProgressBar;
use tokio::{
    runtime::Handle,
    sync::{mpsc, OwnedSemaphorePermit, Semaphore},
    task::JoinSet,
};
use vellum_blob::Error as BlobError;
use vellum_core::{
    assets::{ImportItem, ImportOutcome, ImportSource, UploadFields},
    media::UPLOAD_HEAD_BYTES,
    Actor, Core, PendingBlob,
};

use super::{
    skip::{NotImported, Reason},
    walk::{kind_for, SourceFile},
};

/// At most this many files, or bytes, per flush and transaction: bounds what an interruption
/// throws away and how long the database's writer lock is held.
const BATCH_FILES: usize = 512;
const BATCH_BYTES: u64 = 512 << 20;
/// Staged but not yet committed bytes, in MiB: the stagers wait when the committer falls this
/// far behind.
const STAGED_MIB: u32 = 1024;

/// What the pipeline is given.
pub struct Plan<'a> {
    pub core: &'a Core,
    pub actor: &'a Actor,
    pub ws: &'a str,
    /// The imported folder as the import index names it (None: record nothing).
    pub root: Option<String>,
    /// When the folder was walked: what was changed just before is not recorded.
    pub walked: SystemTime,
    pub jobs: usize,
}

/// A file read into a pending blob, with whether its size and time may be recorded for it.
struct Staged {
    index: usize,
    /// The pending blob and the file's first bytes.
    blob: Result<(PendingBlob, Vec<u8>), NotImported>,
    vouched: bool,
    budget: OwnedSemaphorePermit,
}

/// Reads from `file` until `buf` is full or the file ends; returns how much it read.
fn fill(file: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Streams one file into a pending blob (hashed, not yet durable), keeping its first bytes
/// for the upload check so the committer need not read them back. Runs on a blocking thread:
/// the head goes through the writer's buffer, the rest is read, hashed and written chunk by
/// chunk on this thread (`append_file`), with `buf` reused from file to file.
///
/// A file found empty, too large or locked on reading (changed since the walk) is skipped as
/// the walk would have skipped it; the head is read before anything is staged, so an empty
/// file leaves nothing behind.
fn stage(rt: &Handle, core: &Core, path: &Path, buf: &mut [u8]) -> Result<(PendingBlob, Vec<u8>), NotImported> {
    let max = core.limits.max_upload_bytes;
    let failed = |e: &dyn std::fmt::Display| NotImported::Failed(e.to_string());
    let mut file = std::fs::File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::PermissionDenied => NotImported::Skipped(Reason::unreadable(&e)),
        _ => failed(&e),
    })?;
    let n = fill(&mut file, &mut buf[..UPLOAD_HEAD_BYTES]).map_err(|e| failed(&e))?;
    if n == 0 {
        return Err(NotImported::Skipped(Reason::empty()));
    }
    if n as u64 > max {
        return Err(NotImported::Skipped(Reason::too_large(max)));
    }
    let head = buf[..n].to_vec();
    let mut writer = rt.block_on(core.begin_blob()).map_err(|e| failed(&e))?;
    rt.block_on(writer.write(&head)).map_err(|e| failed(&e))?;
    // Also for a short file (whose next read finds the end): it writes the buffered head here,
    // where finishing would hand that to another thread.
    writer.append_file(&mut file, buf, max).map_err(|e| match e {
        BlobError::Io(e) if e.kind() == std::io::ErrorKind::FileTooLarge => {
            NotImported::Skipped(Reason::too_large(max))
        }
        e => failed(&e),
    })?;
    let blob = rt.block_on(writer.finish_pending()).map_err(|e| failed(&e))?;
    Ok((blob, head))
}

/// The fields of the asset a file becomes: kind from its extension, folder and version note
/// from its path relative to the imported folder. Relative, so the note stays true wherever
/// the folder is mounted next and does not publish the importer's own folder layout.
fn fields_for(file: &SourceFile) -> UploadFields {
    UploadFields {
        kind: Some(kind_for(&file.path).to_string()),
        note: Some(format!("Imported from {}", file.shown)),
        filename: file.path.file_name().map(|n| n.to_string_lossy().into_owned()),
        // Validated by the core with every other field: a folder it refuses fails that file.
        folder: file.shown.rsplit_once('/').map(|(folder, _)| folder.to_string()),
        ..Default::default()
    }
}

fn mib(bytes: u64) -> u32 {
    u32::try_from(bytes.div_ceil(1 << 20)).unwrap_or(u32::MAX).clamp(1, STAGED_MIB)
}

/// Bytes read, hashed and written at a time: small enough to stay in a core's cache between
/// the three, and at least the upload check's head.
const READ_CHUNK: usize = 256 << 10;
const _: () = assert!(READ_CHUNK >= UPLOAD_HEAD_BYTES);

/// Starts `jobs` stagers over `files`, each a blocking thread that takes the next file until
/// none are left; their results arrive on the returned channel in the order they finish.
fn start_stagers(
    plan: &Plan<'_>,
    files: &Arc<Vec<SourceFile>>,
    bar: &ProgressBar,
) -> (JoinSet<()>, mpsc::Receiver<Staged>) {
    let (tx, rx) = mpsc::channel(BATCH_FILES);
    let next = Arc::new(AtomicUsize::new(0));
    let budget = Arc::new(Semaphore::new(STAGED_MIB as usize));
    let mut set = JoinSet::new();
    for _ in 0..plan.jobs.max(1) {
        let (core, files, next, budget, tx, bar) =
            (plan.core.clone(), files.clone(), next.clone(), budget.clone(), tx.clone(), bar.clone());
        let (walked, rt) = (plan.walked, Handle::current());
        set.spawn_blocking(move || {
            let mut buf = vec![0u8; READ_CHUNK];
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(file) = files.get(index) else { return };
                let Ok(permit) = rt.block_on(budget.clone().acquire_many_owned(mib(file.size))) else { return };
                let blob = stage(&rt, &core, &file.path, &mut buf);
                // Checked after reading: a file that changed meanwhile is read again next time.
                let vouched = blob.is_ok() && file.settled(walked) && file.unchanged_on_disk();
                bar.inc(file.size);
                if tx.blocking_send(Staged { index, blob, vouched, budget: permit }).is_err() {
                    return;
                }
            }
        });
    }
    (set, rx)
}

/// Waits for at least one staged file, then takes whatever else is ready, up to a batch.
async fn next_batch(rx: &mut mpsc::Receiver<Staged>) -> Option<Vec<Staged>> {
    let first = rx.recv().await?;
    let mut bytes = first.blob.as_ref().map_or(0, |(b, _)| b.size);
    let mut batch = vec![first];
    while batch.len() < BATCH_FILES && bytes < BATCH_BYTES {
        match rx.try_recv() {
            Ok(s) => {
                bytes += s.blob.as_ref().map_or(0, |(b, _)| b.size);
                batch.push(s);
            }
            Err(_) => break,
        }
    }
    // Walk order within a batch, so reports read in a stable order.
    batch.sort_by_key(|s| s.index);
    Some(batch)
}

/// Imports `files`, calling `report` once per file with what became of it.
pub async fn import_files(
    plan: Plan<'_>,
    files: Vec<SourceFile>,
    bar: &ProgressBar,
    mut report: impl FnMut(&SourceFile, Result<ImportOutcome, NotImported>),
) -> Result<(), String> {
    let files = Arc::new(files);
    // Dropping the set (on an error below) stops the stagers; their staged files go with them.
    let (_stagers, mut rx) = start_stagers(&plan, &files, bar);
    while let Some(batch) = next_batch(&mut rx).await {
        let mut pending = Vec::new();
        let mut order = Vec::new();
        // The batch's share of the staging budget is given back once it is committed.
        let mut held = Vec::with_capacity(batch.len());
        for Staged { index, blob, vouched, budget } in batch {
            held.push(budget);
            match blob {
                Ok((p, head)) => {
                    pending.push(p);
                    order.push((index, vouched, head));
                }
                Err(e) => report(&files[index], Err(e)),
            }
        }
        let stored = plan.core.commit_blobs(pending).await.map_err(|e| e.to_string())?;
        let mut indexes = Vec::with_capacity(order.len());
        let items = order
            .into_iter()
            .zip(stored)
            .map(|((index, vouched, head), blob)| {
                indexes.push(index);
                let file = &files[index];
                let source = match (&plan.root, &file.rel, file.mtime_ns, vouched) {
                    (Some(root), Some(rel), Some(mtime_ns), true) => {
                        Some(ImportSource { root: root.clone(), path: rel.clone(), size: file.size, mtime_ns })
                    }
                    _ => None,
                };
                ImportItem { fields: fields_for(file), blob, head: Some(head), source }
            })
            .collect();
        let outcomes = plan.core.import_assets(plan.actor, plan.ws, items).await.map_err(|e| e.to_string())?;
        for (index, outcome) in indexes.into_iter().zip(outcomes) {
            report(&files[index], outcome.map_err(|e| NotImported::Failed(e.to_string())));
        }
        drop(held);
    }
    Ok(())
}
