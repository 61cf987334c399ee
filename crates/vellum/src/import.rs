//! `vellum import DIR --workspace SLUG`: one asset per file, title from the file name,
//! duplicates by content skipped and reported; safe to run again after an interruption.

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
    sync::Arc,
    time::Instant,
};

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use tokio::{io::AsyncReadExt, sync::Semaphore, task::JoinSet};
use vellum_core::{
    assets::{ImportOutcome, UploadFields},
    Actor, Core, Limits, PendingBlob,
};

use crate::config::StorageArgs;

#[derive(Args)]
pub struct ImportArgs {
    /// The folder to import.
    pub dir: PathBuf,
    /// The workspace (slug or id) to import into.
    #[arg(long)]
    pub workspace: String,
    /// Act as this user (default: the workspace's first owner).
    #[arg(long = "as")]
    pub as_user: Option<String>,
    /// Files imported at once (blob writes overlap their fsyncs).
    #[arg(long, default_value_t = 4)]
    pub jobs: usize,
    #[command(flatten)]
    pub storage: StorageArgs,
}

/// The kind an imported file gets from its extension.
pub fn kind_for(path: &Path) -> &'static str {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).unwrap_or_default();
    match ext.as_str() {
        "mp4" | "mov" | "m4v" | "webm" | "avi" | "mkv" => "video",
        "pdf" | "doc" | "docx" | "txt" | "md" | "rtf" | "odt" => "written",
        "psd" | "ai" | "eps" | "indd" | "sketch" | "fig" | "xd" | "afdesign" => "design_source",
        _ => "visual",
    }
}

/// Every regular, non-hidden file below `dir`, in a stable order; links are not followed.
pub fn walk(dir: &Path) -> std::io::Result<Vec<(PathBuf, u64)>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&d)?.collect::<Result<_, _>>()?;
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            if e.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let t = e.file_type()?;
            if t.is_dir() {
                stack.push(e.path());
            } else if t.is_file() {
                out.push((e.path(), e.metadata()?.len()));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Streams one file into a pending blob (hashed, not yet durable).
async fn stage(core: &Core, path: &Path) -> Result<PendingBlob, String> {
    let mut file = tokio::fs::File::open(path).await.map_err(|e| e.to_string())?;
    let mut writer = core.begin_blob().await.map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).await.map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        if writer.written() + n as u64 > core.limits.max_upload_bytes {
            return Err(format!("larger than the upload limit of {} bytes", core.limits.max_upload_bytes));
        }
        writer.write(&buf[..n]).await.map_err(|e| e.to_string())?;
    }
    writer.finish_pending().await.map_err(|e| e.to_string())
}

fn fields_for(path: &Path) -> UploadFields {
    UploadFields {
        kind: Some(kind_for(path).to_string()),
        note: Some(format!("Imported from {}", path.display())),
        filename: path.file_name().map(|n| n.to_string_lossy().into_owned()),
        ..Default::default()
    }
}

/// Files per transaction, and bytes per flush: one durable flush and one commit per batch
/// instead of one fsync and one commit per file.
const BATCH_FILES: usize = 64;
const BATCH_BYTES: u64 = 256 << 20;

fn batches(files: Vec<(PathBuf, u64)>) -> Vec<Vec<(PathBuf, u64)>> {
    let mut out: Vec<Vec<(PathBuf, u64)>> = Vec::new();
    let mut bytes = 0;
    for f in files {
        match out.last_mut() {
            Some(b) if b.len() < BATCH_FILES && bytes + f.1 <= BATCH_BYTES => {
                bytes += f.1;
                b.push(f);
            }
            _ => {
                bytes = f.1;
                out.push(vec![f]);
            }
        }
    }
    out
}

/// Stages a batch's files `jobs` at a time, makes them durable with one flush, then records
/// them in one transaction. Returns each file's outcome.
async fn import_batch(
    core: &Core,
    actor: &Actor,
    ws: &str,
    batch: Vec<(PathBuf, u64)>,
    jobs: usize,
    bar: &ProgressBar,
) -> Result<Vec<(PathBuf, u64, Result<ImportOutcome, String>)>, String> {
    let limit = Arc::new(Semaphore::new(jobs.max(1)));
    let mut set = JoinSet::new();
    for (i, (path, size)) in batch.iter().cloned().enumerate() {
        let (core, limit, bar) = (core.clone(), limit.clone(), bar.clone());
        set.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let staged = stage(&core, &path).await;
            bar.inc(size);
            (i, staged)
        });
    }
    let mut staged: Vec<Option<Result<PendingBlob, String>>> = (0..batch.len()).map(|_| None).collect();
    while let Some(done) = set.join_next().await {
        let (i, r) = done.map_err(|e| e.to_string())?;
        staged[i] = Some(r);
    }
    let mut pending = Vec::new();
    let mut results: Vec<Option<Result<ImportOutcome, String>>> = (0..batch.len()).map(|_| None).collect();
    let mut order = Vec::new();
    for (i, s) in staged.into_iter().enumerate() {
        match s {
            Some(Ok(p)) => {
                pending.push(p);
                order.push(i);
            }
            Some(Err(e)) => results[i] = Some(Err(e)),
            None => results[i] = Some(Err("not read".into())),
        }
    }
    let stored = core.commit_blobs(pending).await.map_err(|e| e.to_string())?;
    let items = order.iter().zip(stored).map(|(&i, blob)| (fields_for(&batch[i].0), blob)).collect();
    let outcomes = core.import_assets(actor, ws, items).await.map_err(|e| e.to_string())?;
    for (&i, outcome) in order.iter().zip(outcomes) {
        results[i] = Some(outcome.map_err(|e| e.to_string()));
    }
    Ok(batch
        .into_iter()
        .zip(results)
        .map(|((path, size), r)| (path, size, r.unwrap_or_else(|| Err("not imported".into()))))
        .collect())
}

/// Counts of what an import did.
#[derive(Debug, Default, Clone, Copy)]
pub struct ImportReport {
    pub created: usize,
    pub duplicates: usize,
    pub failed: usize,
    pub bytes: u64,
}

/// Imports every file under `dir`; with `progress`, shows a bar and one line per duplicate
/// or failure.
pub async fn import_tree(
    core: &Core,
    actor: &Actor,
    ws: &str,
    dir: &Path,
    jobs: usize,
    progress: bool,
) -> Result<ImportReport, String> {
    let files = walk(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let total: u64 = files.iter().map(|(_, n)| n).sum();
    let bar = if progress { ProgressBar::new(total) } else { ProgressBar::hidden() };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut report = ImportReport::default();
    for batch in batches(files) {
        for (path, size, outcome) in import_batch(core, actor, ws, batch, jobs, &bar).await? {
            match outcome {
                Ok(ImportOutcome::Created(_)) => {
                    report.created += 1;
                    report.bytes += size;
                }
                Ok(ImportOutcome::Duplicate { asset_id, version }) => {
                    report.duplicates += 1;
                    if progress {
                        bar.suspend(|| {
                            println!("skipped {}: same content as asset {asset_id} v{version}", path.display())
                        });
                    }
                }
                Err(e) => {
                    report.failed += 1;
                    if progress {
                        bar.suspend(|| println!("failed  {}: {e}", path.display()));
                    }
                }
            }
        }
    }
    bar.finish_and_clear();
    Ok(report)
}

pub async fn run(args: ImportArgs) -> Result<ExitCode, String> {
    let core = args.storage.open_core(Limits::default()).await?;
    let actor = core.cli_actor(args.as_user.as_deref(), &args.workspace).await.map_err(|e| e.to_string())?;
    let started = Instant::now();
    let r = import_tree(&core, &actor, &args.workspace, &args.dir, args.jobs, true).await?;
    println!(
        "imported {} files ({} bytes), skipped {} duplicates, {} failed, in {:.1}s",
        r.created,
        r.bytes,
        r.duplicates,
        r.failed,
        started.elapsed().as_secs_f64()
    );
    core.store.close().await;
    Ok(if r.failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
