//! `vellum retention run`: applies every workspace's retention policies now (the hourly job
//! does the same), or with `--dry-run` lists what they would purge and why. Held assets are
//! named and kept.

use std::process::ExitCode;

use clap::Subcommand;
use vellum_core::Limits;

use crate::config::StorageArgs;

#[derive(Subcommand)]
pub enum RetentionCommand {
    /// Purge the files the policies say are due (rows and audit stay).
    Run {
        #[command(flatten)]
        storage: StorageArgs,
        /// List what would be purged, purging nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

pub async fn run(command: RetentionCommand) -> Result<ExitCode, String> {
    let RetentionCommand::Run { storage, dry_run } = command;
    let core = storage.open_core(Limits::default(), true).await?;
    let report = core.run_retention(dry_run).await.map_err(|e| e.to_string());
    core.store.close().await;
    let report = report?;
    let verb = if dry_run { "would purge" } else { "purged" };
    for c in &report.purged {
        println!(
            "{verb} {} \"{}\" versions {:?}: policy #{} ({} years after {:?} on {}), due {}",
            c.asset_id, c.title, c.versions, c.due.policy, c.keep_years, c.due.after, c.due.since, c.due.due_at
        );
    }
    for c in &report.held {
        let holds: Vec<&str> = c.held_by.iter().map(|(_, n)| n.as_str()).collect();
        println!("held  {} \"{}\": kept by {}", c.asset_id, c.title, holds.join(", "));
    }
    println!(
        "{} assets {verb}, {} held, {} files removed",
        report.purged.len(),
        report.held.len(),
        report.blobs_removed
    );
    Ok(ExitCode::SUCCESS)
}
