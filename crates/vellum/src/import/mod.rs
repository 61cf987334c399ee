//! `vellum import DIR --workspace SLUG`: one asset per file, title from the file name, folder
//! and version note from its path inside DIR; duplicates by content skipped and named by the
//! asset holding them; hidden, system, empty, linked, special, too large and unreadable files
//! skipped, counted by reason and listed. Safe to run again after an interruption, and a
//! re-run skips unread the files whose size and modification time are what it imported.

mod pipeline;
mod skip;
mod walk;

use std::{collections::HashMap, path::Path, path::PathBuf, process::ExitCode, time::Instant, time::SystemTime};

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use vellum_core::{assets::ImportOutcome, Actor, Core, ErrorKind, Limits};

use crate::config::StorageArgs;
use skip::{NotImported, Skip, SkipCounts};
use walk::walk;

#[derive(Args)]
pub struct ImportArgs {
    /// The folder to import. Its sub-folders become the assets' library folders.
    pub dir: PathBuf,
    /// The workspace (slug or id) to import into.
    #[arg(long)]
    pub workspace: String,
    /// Act as this user (default: the workspace's first owner).
    #[arg(long = "as")]
    pub as_user: Option<String>,
    /// Files read and hashed at once (default: two per core).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Print only failures and the summary: no progress bar, no list of skipped files.
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub storage: StorageArgs,
}

/// Two files read and hashed per core: a stager also waits (creating its staged file through
/// the runtime, reading from a slow disk), and another one covers the wait. Measured on 2
/// cores and tmpfs, 1 GiB: 2 stagers took 0.92-1.64 s, 4 took 0.93-1.00 s.
pub fn default_jobs() -> usize {
    2 * std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// Counts of what an import did.
#[derive(Debug, Default, Clone, Copy)]
pub struct ImportReport {
    pub created: usize,
    /// Files not imported because the workspace holds their content, including `unchanged`.
    pub duplicates: usize,
    /// Duplicates known without reading them: the import index has their size and time.
    pub unchanged: usize,
    /// Files (and folders) passed over, by reason.
    pub skipped: SkipCounts,
    pub failed: usize,
    pub bytes: u64,
}

impl ImportReport {
    /// Whether every file became an asset, was a duplicate, or was skipped for what it is.
    /// A file that could not be read or was refused was meant to be imported: the command
    /// ends with a failure code for it.
    pub fn complete(&self) -> bool {
        self.failed == 0 && self.skipped.get(Skip::Unreadable) == 0
    }
}

/// What an import prints as it goes; each level prints what the ones before it do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Show {
    /// Nothing (benchmarks).
    Nothing,
    /// One line per file that failed or could not be read (`--quiet`).
    Failures,
    /// A progress bar and one line per skipped, duplicate or failed file.
    Everything,
}

/// The folder as the import index names it: absolute, links resolved, UTF-8.
fn index_root(dir: &Path) -> Option<String> {
    std::fs::canonicalize(dir).ok()?.to_str().map(str::to_string)
}

/// Imports every file under `dir`, printing as `show` says.
pub async fn import_tree(
    core: &Core,
    actor: &Actor,
    ws: &str,
    dir: &Path,
    jobs: usize,
    show: Show,
) -> Result<ImportReport, String> {
    let walked = SystemTime::now();
    let found = walk(dir, core.limits.max_upload_bytes)
        .map_err(|e| format!("cannot read the folder {}: {e}", dir.display()))?;
    let mut report = ImportReport::default();
    for s in &found.skipped {
        report.skipped.add(s.reason.skip);
        if show >= s.reason.shown_from() {
            println!("skipped {}: {}", s.path, s.reason.detail);
        }
    }
    let root = index_root(dir);
    let known: HashMap<String, _> = match &root {
        Some(root) => core
            .imported_files(actor, ws, root)
            .await
            .map_err(|e| e.to_string())?
            .into_iter()
            .map(|f| (f.path.clone(), f))
            .collect(),
        None => HashMap::new(),
    };
    let (unchanged, todo): (Vec<_>, Vec<_>) = found.files.into_iter().partition(|f| {
        let seen = f.rel.as_ref().and_then(|r| known.get(r));
        seen.is_some_and(|k| k.size == f.size && Some(k.mtime_ns) == f.mtime_ns)
    });
    report.unchanged = unchanged.len();
    report.duplicates = unchanged.len();

    let total: u64 = todo.iter().map(|f| f.size).sum();
    let bar = if show == Show::Everything { ProgressBar::new(total) } else { ProgressBar::hidden() };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let say = |from: Show, line: String| {
        if show >= from {
            bar.suspend(|| println!("{line}"));
        }
    };
    let plan = pipeline::Plan { core, actor, ws, root, walked, jobs };
    pipeline::import_files(plan, todo, &bar, |file, outcome| match outcome {
        Ok(ImportOutcome::Created(_)) => {
            report.created += 1;
            report.bytes += file.size;
        }
        Ok(ImportOutcome::Duplicate { title, version, .. }) => {
            report.duplicates += 1;
            say(Show::Everything, format!("skipped {}: same content as \"{title}\" (version {version})", file.shown));
        }
        Err(NotImported::Skipped(reason)) => {
            report.skipped.add(reason.skip);
            say(reason.shown_from(), format!("skipped {}: {}", file.shown, reason.detail));
        }
        Err(NotImported::Failed(e)) => {
            report.failed += 1;
            say(Show::Failures, format!("failed  {}: {e}", file.shown));
        }
    })
    .await?;
    bar.finish_and_clear();
    Ok(report)
}

pub async fn run(args: ImportArgs) -> Result<ExitCode, String> {
    // Before anything is opened: an import never starts a data folder or database of its own.
    args.storage.require_existing_data()?;
    let core = args.storage.open_core(Limits::default(), true).await?;
    let actor = core.cli_actor(args.as_user.as_deref(), &args.workspace).await.map_err(|e| match e.kind() {
        ErrorKind::NotFound => format!(
            "{e} in {}: check --workspace{}, and that --data (and --database-url) name your server's data",
            args.storage.describe(),
            if args.as_user.is_some() { " and --as" } else { "" },
        ),
        _ => e.to_string(),
    })?;
    let started = Instant::now();
    let jobs = args.jobs.unwrap_or_else(default_jobs);
    let show = if args.quiet { Show::Failures } else { Show::Everything };
    let r = import_tree(&core, &actor, &args.workspace, &args.dir, jobs, show).await?;
    println!(
        "imported {} files ({} bytes), skipped {} duplicates ({} unchanged since imported), {} failed, in {:.1}s",
        r.created,
        r.bytes,
        r.duplicates,
        r.unchanged,
        r.failed,
        started.elapsed().as_secs_f64()
    );
    if r.skipped.total() > 0 {
        println!("skipped {} others: {}", r.skipped.total(), r.skipped.describe());
    }
    core.store.close().await;
    Ok(if r.complete() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
