//! `vellum reindex`: rebuilds the search index of one workspace or all of them from the
//! database, beside a running server, which keeps serving the old index until the new one
//! takes its place.

use std::process::ExitCode;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use vellum_core::Limits;

use crate::config::StorageArgs;

#[derive(Args)]
pub struct ReindexArgs {
    /// Only this workspace (its slug); all of them otherwise.
    #[arg(long)]
    workspace: Option<String>,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
    #[command(flatten)]
    storage: StorageArgs,
}

pub async fn run(args: ReindexArgs) -> Result<ExitCode, String> {
    let core = args
        .storage
        .open_core(Limits::default(), true)
        .await?
        .with_search(&args.storage.index_dir())
        .map_err(|e| format!("cannot open the search index in {}: {e}", args.storage.index_dir().display()))?;
    let mut c = core.store.conn().await.map_err(|e| e.to_string())?;
    let workspaces = match &args.workspace {
        Some(slug) => match vellum_store::workspaces::by_slug(&mut c, slug).await.map_err(|e| e.to_string())? {
            Some(w) => vec![(w.id, w.slug)],
            None => return Err(format!("no workspace has the slug '{slug}'")),
        },
        None => {
            let mut all = Vec::new();
            for (id, _) in vellum_store::search::workspaces(&mut c).await.map_err(|e| e.to_string())? {
                if let Some(w) = vellum_store::workspaces::by_id(&mut c, id).await.map_err(|e| e.to_string())? {
                    all.push((w.id, w.slug));
                }
            }
            all
        }
    };
    drop(c);
    for (id, slug) in workspaces {
        let bar = if args.quiet { ProgressBar::hidden() } else { ProgressBar::new(0) };
        bar.set_style(
            ProgressStyle::with_template("{msg:20} {bar:40} {pos}/{len} assets {per_sec} eta {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_message(slug.clone());
        let started = std::time::Instant::now();
        let written = core
            .rebuild_index(id, &|done, total| {
                bar.set_length(total);
                bar.set_position(done);
            })
            .await
            .map_err(|e| format!("cannot rebuild the index of {slug}: {e}"))?;
        bar.finish_and_clear();
        println!("{slug}: {written} documents in {:.1} s", started.elapsed().as_secs_f64());
    }
    core.store.close().await;
    Ok(ExitCode::SUCCESS)
}
