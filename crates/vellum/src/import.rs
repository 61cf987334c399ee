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
    Actor, Core, Limits,
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

async fn import_one(core: &Core, actor: &Actor, ws: &str, path: &Path) -> Result<ImportOutcome, String> {
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
    let blob = writer.finish().await.map_err(|e| e.to_string())?;
    let filename = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let fields = UploadFields {
        kind: Some(kind_for(path).to_string()),
        note: Some(format!("Imported from {}", path.display())),
        filename,
        ..Default::default()
    };
    core.import_asset(actor, ws, fields, blob).await.map_err(|e| e.to_string())
}

/// Counts of what an import did.
#[derive(Debug, Default, Clone, Copy)]
pub struct ImportReport {
    pub created: usize,
    pub duplicates: usize,
    pub failed: usize,
    pub bytes: u64,
}

/// Imports every file under `dir`, printing one line per duplicate or failure.
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
    let limit = Arc::new(Semaphore::new(jobs.max(1)));
    let mut set = JoinSet::new();
    for (path, size) in files {
        let (core, actor, ws, limit, bar) = (core.clone(), actor.clone(), ws.to_string(), limit.clone(), bar.clone());
        set.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let outcome = import_one(&core, &actor, &ws, &path).await;
            bar.inc(size);
            (path, size, outcome)
        });
    }
    let mut report = ImportReport::default();
    while let Some(done) = set.join_next().await {
        let (path, size, outcome) = done.map_err(|e| e.to_string())?;
        match outcome {
            Ok(ImportOutcome::Created(_)) => {
                report.created += 1;
                report.bytes += size;
            }
            Ok(ImportOutcome::Duplicate { asset_id, version }) => {
                report.duplicates += 1;
                bar.println(format!("skipped {}: same content as asset {asset_id} v{version}", path.display()));
            }
            Err(e) => {
                report.failed += 1;
                bar.println(format!("failed  {}: {e}", path.display()));
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
