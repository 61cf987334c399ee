//! `vellum migrate-store`: moves an installation between the embedded default (SQLite in a
//! data folder) and PostgreSQL, either way, with the same ids, audit events and head hashes;
//! the target is verified, and the move is noted in its server chain.

use std::{path::PathBuf, process::ExitCode, sync::Arc};

use clap::Args;
use vellum_blob::DEFAULT_MAX_STAGING;
use vellum_core::{
    audit::keeper,
    transfer::{self, Side},
};
use vellum_domain::audit::AuditKey;
use vellum_store::Store;

use crate::config::BlobArgs;

#[derive(Args)]
pub struct MigrateStoreArgs {
    /// The data folder moved from: its SQLite database (unless --from-database-url), its blobs
    /// and its audit key.
    #[arg(long)]
    from_data: Option<PathBuf>,
    /// The database moved from (postgres://… or sqlite://…).
    #[arg(long)]
    from_database_url: Option<String>,
    /// The data folder moved to: its SQLite database (unless --to-database-url) and its blobs
    /// (default: the blobs stay in --from-data).
    #[arg(long)]
    to_data: Option<PathBuf>,
    /// The database moved to, new and empty (postgres://… or sqlite://…).
    #[arg(long)]
    to_database_url: Option<String>,
    /// The blob store moved from, when not --from-data's folder (s3://bucket/prefix).
    #[arg(long)]
    from_blob_url: Option<String>,
    /// The blob store moved to, when not the target's data folder (s3://bucket/prefix).
    #[arg(long)]
    to_blob_url: Option<String>,
    /// S3: the bucket in the path rather than the host name (Garage, MinIO).
    #[arg(long = "s3-path-style", env = "VELLUM_S3_PATH_STYLE")]
    s3_path_style: bool,
    /// The audit key (64 hex digits) when --from-data holds none.
    #[arg(long = "audit-key", env = "VELLUM_AUDIT_KEY", hide_env_values = true, hide = true)]
    audit_key: Option<String>,
}

impl std::fmt::Debug for MigrateStoreArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MigrateStoreArgs")
            .field("from_data", &self.from_data)
            .field("from_database_url", &self.from_database_url.as_deref().map(vellum_store::redact))
            .field("to_data", &self.to_data)
            .field("to_database_url", &self.to_database_url.as_deref().map(vellum_store::redact))
            .field("from_blob_url", &self.from_blob_url)
            .field("to_blob_url", &self.to_blob_url)
            .finish()
    }
}

/// A database URL: the one given, or the SQLite file of a data folder.
fn database_url(url: &Option<String>, data: &Option<PathBuf>, side: &str) -> Result<String, String> {
    match (url, data) {
        (Some(url), _) => Ok(url.clone()),
        (None, Some(data)) => Ok(crate::config::sqlite_url(data)),
        (None, None) => Err(format!("name the {side}: --{side}-data DIR or --{side}-database-url URL")),
    }
}

pub async fn run(args: MigrateStoreArgs) -> Result<ExitCode, String> {
    let from_url = database_url(&args.from_database_url, &args.from_data, "from")?;
    let to_url = database_url(&args.to_database_url, &args.to_data, "to")?;
    if from_url == to_url {
        return Err("the source and the target are the same database".into());
    }
    let from_blobs_dir = args
        .from_data
        .clone()
        .ok_or("--from-data DIR is needed: it holds the blobs (and the audit key) of the store moved from")?;
    if args.from_database_url.is_none() && !from_blobs_dir.join("vellum.db").is_file() {
        return Err(format!(
            "{} holds no vellum.db: is it the data folder `vellum serve` uses?",
            from_blobs_dir.display()
        ));
    }
    let to_blobs_dir = args.to_data.clone().unwrap_or_else(|| from_blobs_dir.clone());
    let key = keeper::existing_key(&from_blobs_dir, args.audit_key.as_deref()).map_err(|e| e.to_string())?;
    let key = key.ok_or_else(|| {
        format!(
            "no audit key in {} and VELLUM_AUDIT_KEY is not set: the move signs a note in the server chain with it",
            keeper::audit_dir(&from_blobs_dir).display()
        )
    })?;

    let from = Store::connect_current(&from_url)
        .await
        .map_err(|e| format!("cannot open the source {}: {e}", vellum_store::redact(&from_url)))?;
    transfer::check_signed_by(&from, &key).await.map_err(|e| e.to_string())?;
    if let Some(dir) = &args.to_data {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let to = Store::connect(&to_url)
        .await
        .map_err(|e| format!("cannot open the target {}: {e}", vellum_store::redact(&to_url)))?;
    let blobs = |url: &Option<String>| BlobArgs {
        blob_url: url.clone(),
        s3_path_style: args.s3_path_style,
        s3_part_size_mib: vellum_blob::DEFAULT_PART_SIZE >> 20,
    };
    let from_blobs = blobs(&args.from_blob_url).open(&from_blobs_dir, DEFAULT_MAX_STAGING).await?;
    let to_blobs = blobs(&args.to_blob_url).open(&to_blobs_dir, DEFAULT_MAX_STAGING).await?;

    let progress = |line: &str| eprintln!("migrate-store: {line}");
    let report = transfer::copy_all(
        Side { store: &from, blobs: from_blobs.as_ref() },
        Side { store: &to, blobs: to_blobs.as_ref() },
        key.public(),
        Some(&key),
        &progress,
    )
    .await
    .map_err(|e| format!("{e}; run the same command again to resume"))?;
    let key = Arc::new(key);
    transfer::record_move(&to, key.clone(), &vellum_store::redact(&from_url), &report)
        .await
        .map_err(|e| e.to_string())?;
    from.close().await;
    to.close().await;
    if let Some(dir) = &args.to_data {
        carry_audit_folder(&from_blobs_dir, dir, &key)?;
    }
    println!(
        "moved {} rows in {} tables and {} blobs ({} copied now, {} bytes) from {} to {}; {} audit chains \
         ({} events) verify on the target",
        report.total_rows(),
        report.rows.len(),
        report.blobs.len(),
        report.blobs_copied,
        report.bytes_copied,
        vellum_store::redact(&from_url),
        vellum_store::redact(&to_url),
        report.chains,
        report.events
    );
    if args.to_data.is_none() {
        println!(
            "every node of the target needs this server's audit key: copy {} to each node's <data>/audit/ or set \
             VELLUM_AUDIT_KEY",
            keeper::audit_dir(&from_blobs_dir).join(keeper::KEY_FILE).display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Gives the target's data folder the same audit key and checkpoint log.
fn carry_audit_folder(from: &std::path::Path, to: &std::path::Path, key: &AuditKey) -> Result<(), String> {
    if from == to {
        return Ok(());
    }
    let held = keeper::install_key(to, key).map_err(|e| e.to_string())?;
    if held.public() != key.public() {
        return Err(format!(
            "{} already holds another audit key: the moved record is signed by {}",
            keeper::audit_dir(to).display(),
            key.public().to_hex()
        ));
    }
    let log = keeper::audit_dir(from).join(keeper::LOG_FILE);
    if log.is_file() {
        let target = keeper::audit_dir(to).join(keeper::LOG_FILE);
        std::fs::copy(&log, &target).map_err(|e| format!("cannot copy {}: {e}", log.display()))?;
    }
    Ok(())
}
