//! `vellum gc`: removes stored blobs no row points at once older than a grace period, and
//! staged writes whose writer is gone; `--dry-run` lists them instead. Safe beside running
//! servers and workers on the same data: see vellum-core's `blobs` for why.

use std::{process::ExitCode, time::Duration};

use clap::Args;
use vellum_core::{
    blobs::gc::{GcOptions, DEFAULT_GRACE},
    Core, Limits,
};

use crate::config::StorageArgs;

#[derive(Args)]
pub struct GcArgs {
    #[command(flatten)]
    pub storage: StorageArgs,
    /// Keep unreferenced blobs written more recently than this: `90m`, `24h`, `7d`, or seconds.
    #[arg(long, value_parser = parse_duration, default_value = "24h")]
    pub grace: Duration,
    /// List what would be removed, removing nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Reads `90`, `90s`, `15m`, `24h` or `7d`.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let n: u64 = number.parse().map_err(|_| format!("'{text}' is not a duration like 90m, 24h or 7d"))?;
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("'{unit}' is not a unit; use s, m, h or d")),
    };
    Ok(Duration::from_secs(n.saturating_mul(scale)))
}

/// Exits 2 when rows point at blobs whose bytes are missing (nothing gc does causes that,
/// but it is the one place that looks at every file, so it tells).
pub async fn run(args: GcArgs) -> Result<ExitCode, String> {
    let limits = Limits::default();
    let store = args.storage.open_store().await?;
    // Not `open_core`: that sweeps staged writes on opening, which a dry run must not do.
    let blobs = args.storage.open_blobs(&limits).await?;
    let core = Core::new(store, blobs, limits);
    let opts = GcOptions { grace: args.grace, dry_run: args.dry_run };
    let report = core.collect_garbage(&opts).await.map_err(|e| e.to_string());
    core.store.close().await;
    let report = report?;
    let verb = if args.dry_run { "would remove" } else { "removed" };
    for o in &report.orphans {
        println!("{verb} blob {} ({} bytes)", o.key.as_str(), o.size);
    }
    for s in &report.staging {
        println!("{verb} staged write {} ({} bytes)", s.name, s.size);
    }
    for m in &report.missing {
        println!("MISSING blob {m}: a row points at it but the store has no bytes for it");
    }
    println!(
        "{verb} {} unreferenced blobs and {} abandoned staged writes ({} bytes); kept {} referenced blobs \
         and {} younger than {} s{}",
        report.orphans.len(),
        report.staging.len(),
        report.bytes(),
        report.referenced,
        report.young + report.spared,
        args.grace.as_secs(),
        if args.grace == DEFAULT_GRACE { " (the default grace period)" } else { "" },
    );
    Ok(if report.missing.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(2) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_people_write_them() {
        assert_eq!(parse_duration("24h"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_duration("90m"), Ok(Duration::from_secs(5_400)));
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(604_800)));
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("45"), Ok(Duration::from_secs(45)));
        assert!(parse_duration("1w").is_err());
        assert!(parse_duration("h").is_err());
    }
}
