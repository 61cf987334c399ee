//! `vellum backup --to DIR`, `vellum backup verify DIR` and `vellum restore --from DIR`.
//!
//! A backup folder holds `database.sqlite` (every row, copied from one snapshot of the source,
//! SQLite or PostgreSQL), `blobs/` (named by content, so a second backup into the same folder
//! copies only new ones), `audit/` (the signing key unless `--without-audit-key`, and the
//! checkpoint log) and `manifest.json`, written last, with every file's hash. Restoring is the
//! same verified copy as `migrate-store`, from the backup into an empty store.

use std::{
    collections::BTreeMap,
    io::Read,
    path::{Path, PathBuf},
    process::ExitCode,
};

use clap::{Args, Subcommand};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use vellum_blob::{open_shelf, BlobKey, Shelf};
use vellum_core::{
    audit::keeper,
    transfer::{self, Side},
};
use vellum_domain::audit::{AuditKey, PublicKey};
use vellum_store::Store;

use crate::config::{sqlite_file_url, StorageArgs};

const MANIFEST: &str = "manifest.json";
const DATABASE: &str = "database.sqlite";
const FORMAT: &str = "vellum-backup/1";
/// The files beside the blobs, besides the manifest.
const FILES: [&str; 3] = [DATABASE, "audit/signing.key", "audit/checkpoints.log"];

/// The backup place a `--to`/`--from` names: a folder, or s3://bucket/prefix.
async fn open(place: &str, s3_path_style: bool) -> Result<Box<dyn Shelf>, String> {
    let options = vellum_blob::OpenOptions { path_style: s3_path_style, ..vellum_blob::OpenOptions::default() };
    open_shelf(place, &options).await.map_err(|e| format!("cannot open the backup {place}: {e}"))
}

/// A local folder for files on their way to or from the shelf: beside a local backup (same
/// disk, no surprise about space), in the system's temporary folder for S3.
fn staging_folder(place: &str) -> Result<tempfile::TempDir, String> {
    let near = if place.starts_with("s3://") { std::env::temp_dir() } else { PathBuf::from(place) };
    tempfile::Builder::new()
        .prefix(".vellum-backup-")
        .tempdir_in(&near)
        .map_err(|e| format!("cannot make a staging folder in {}: {e}", near.display()))
}

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct BackupArgs {
    #[command(subcommand)]
    command: Option<BackupCommand>,
    /// The backup folder (made if missing), or s3://bucket/prefix; blobs already there are not
    /// copied again.
    #[arg(long, required = true)]
    to: Option<String>,
    /// Leave the audit signing key out (a restore then needs VELLUM_AUDIT_KEY). With it, the
    /// backup is as sensitive as the data folder.
    #[arg(long)]
    without_audit_key: bool,
    #[command(flatten)]
    storage: StorageArgs,
}

#[derive(Subcommand)]
enum BackupCommand {
    /// Check a backup without restoring it: every file and blob against the manifest; exits 2
    /// and names each one that does not match.
    Verify {
        /// The backup folder, or s3://bucket/prefix.
        dir: String,
        /// S3: the bucket in the path rather than the host name (Garage, MinIO).
        #[arg(long = "s3-path-style", env = "VELLUM_S3_PATH_STYLE")]
        s3_path_style: bool,
    },
}

#[derive(Args)]
pub struct RestoreArgs {
    /// The backup folder, or s3://bucket/prefix.
    #[arg(long)]
    from: String,
    /// Where to restore: an empty data folder (and --database-url for an empty PostgreSQL).
    #[command(flatten)]
    storage: StorageArgs,
}

/// What `manifest.json` says about a backup.
#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    format: String,
    created_at: String,
    vellum_version: String,
    schema_version: i64,
    /// The database backed up, password hidden.
    source: String,
    audit_public_key: String,
    audit_key_included: bool,
    /// Path inside the backup → its SHA-256 and size.
    files: BTreeMap<String, FileEntry>,
    rows: BTreeMap<String, u64>,
    /// Every blob the rows point at (its name is its SHA-256) with its size.
    blobs: BTreeMap<String, u64>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
struct FileEntry {
    sha256: String,
    size: u64,
}

pub async fn backup(args: BackupArgs) -> Result<ExitCode, String> {
    if let Some(BackupCommand::Verify { dir, s3_path_style }) = args.command {
        return verify(&dir, s3_path_style).await;
    }
    let dir = args.to.ok_or("--to DIR names the backup folder")?;
    let storage = args.storage;
    storage.require_existing_data()?;
    let key = keeper::existing_key(&storage.data, storage.audit_key.as_deref())
        .map_err(|e| e.to_string())?
        .ok_or_else(|| {
            format!("no audit key in {} and VELLUM_AUDIT_KEY is not set", keeper::audit_dir(&storage.data).display())
        })?;
    let source = storage.open_store_unmigrated().await?;
    transfer::check_signed_by(&source, &key).await.map_err(|e| e.to_string())?;
    let public = key.public();
    refuse_inside_data(&dir, &storage.data)?;
    let shelf = open(&dir, storage.blobs.s3_path_style).await?;
    let source_blobs = storage.open_blobs(&vellum_core::Limits::default()).await?;
    let target_blobs = shelf.blobs();

    // Everything but the blobs is made in a local staging folder and put on the shelf when
    // complete, the manifest last: until then the last good backup stays whole.
    let staging = staging_folder(&dir)?;
    let partial = staging.path().join(DATABASE);
    let target = Store::connect_alone(&sqlite_file_url(&partial))
        .await
        .map_err(|e| format!("cannot create {}: {e}", partial.display()))?;
    let from = Side { store: &source, blobs: source_blobs.as_ref() };
    let to = Side { store: &target, blobs: target_blobs.as_ref() };
    let report = copy("backup", from, to, public, &key).await?;
    source.close().await;
    target.settle().await.map_err(|e| format!("cannot settle {}: {e}", partial.display()))?;
    target.close().await;
    let file = std::fs::File::open(&partial).map_err(|e| e.to_string())?;
    file.sync_all().map_err(|e| format!("cannot flush {}: {e}", partial.display()))?;

    // The audit folder: the key unless left out (a key from an earlier backup is removed
    // too, so the flag means what it says), and the checkpoint log.
    if !args.without_audit_key {
        keeper::install_key(staging.path(), &key).map_err(|e| e.to_string())?;
    }
    let log = keeper::audit_dir(&storage.data).join(keeper::LOG_FILE);
    if log.is_file() {
        let audit = keeper::audit_dir(staging.path());
        std::fs::create_dir_all(&audit).map_err(|e| format!("cannot create {}: {e}", audit.display()))?;
        std::fs::copy(&log, audit.join(keeper::LOG_FILE)).map_err(|e| format!("cannot copy {}: {e}", log.display()))?;
    }
    let mut files = BTreeMap::new();
    for name in FILES {
        let path = staging.path().join(name);
        if path.is_file() {
            files.insert(name.to_string(), hash_file(&path)?);
            shelf.put(name, &path).await.map_err(|e| format!("cannot write {name} to {dir}: {e}"))?;
        } else {
            shelf.remove(name).await.map_err(|e| format!("cannot remove {name} from {dir}: {e}"))?;
        }
    }
    let manifest = Manifest {
        format: FORMAT.into(),
        created_at: vellum_domain::Timestamp::now().to_string(),
        vellum_version: env!("CARGO_PKG_VERSION").into(),
        schema_version: vellum_store::schema::MIGRATIONS.last().map_or(0, |m| m.version),
        source: storage.describe(),
        audit_public_key: public.to_hex(),
        audit_key_included: !args.without_audit_key,
        files,
        rows: report.rows.clone(),
        blobs: report.blobs.clone(),
    };
    let manifest_path = staging.path().join(MANIFEST);
    std::fs::write(&manifest_path, serde_json::to_vec_pretty(&manifest).map_err(|e| e.to_string())?)
        .map_err(|e| format!("cannot write {}: {e}", manifest_path.display()))?;
    shelf.put(MANIFEST, &manifest_path).await.map_err(|e| format!("cannot write the manifest to {dir}: {e}"))?;
    println!(
        "backed up {} rows in {} tables and {} blobs ({} new, {} bytes) to {}; {} audit chains ({} events) verify; \
         audit key {}",
        report.total_rows(),
        report.rows.len(),
        report.blobs.len(),
        report.blobs_copied,
        report.bytes_copied,
        dir,
        report.chains,
        report.events,
        if args.without_audit_key { "left out (a restore needs VELLUM_AUDIT_KEY)" } else { "included" }
    );
    Ok(ExitCode::SUCCESS)
}

/// A backup inside the data folder would share its blobs and overwrite its audit files: it is
/// no copy at all.
fn refuse_inside_data(place: &str, data: &Path) -> Result<(), String> {
    if place.starts_with("s3://") {
        return Ok(());
    }
    let to = PathBuf::from(place.strip_prefix("file://").unwrap_or(place));
    let canonical = |p: &Path| {
        // A folder not made yet: its nearest existing parent decides.
        p.ancestors().find_map(|a| a.canonicalize().ok().map(|c| c.join(p.strip_prefix(a).unwrap_or(Path::new("")))))
    };
    match (canonical(&to), data.canonicalize().ok()) {
        (Some(to), Some(data)) if to.starts_with(&data) => Err(format!(
            "{place} is inside the data folder {}: back up to another folder (another disk, ideally)",
            data.display()
        )),
        _ => Ok(()),
    }
}

/// The verified copy both directions make, reporting progress under `what`.
async fn copy(
    what: &str,
    from: Side<'_>,
    to: Side<'_>,
    public: PublicKey,
    key: &AuditKey,
) -> Result<transfer::Report, String> {
    let progress = |line: &str| eprintln!("{what}: {line}");
    transfer::copy_all(from, to, public, Some(key), &progress)
        .await
        .map_err(|e| format!("{e}; run the same command again to resume"))
}

/// Opens a backup's database without changing a byte of it: read-only and immutable.
async fn open_database_read(file: &Path) -> Result<Store, String> {
    let url = format!("sqlite://{}?mode=ro&immutable=1", file.display());
    Store::open_read_only(&url).await.map_err(|e| format!("cannot read {}: {e}", file.display()))
}

fn hash_file(path: &Path) -> Result<FileEntry, String> {
    let mut f = std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0;
    loop {
        let n = f.read(&mut buf).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        size += n as u64;
    }
    Ok(FileEntry { sha256: hex::encode(h.finalize()), size })
}

/// A backup's files, fetched to a local folder, with its manifest and what does not match it.
struct Fetched {
    files: tempfile::TempDir,
    manifest: Manifest,
    problems: Vec<String>,
}

/// Reads a backup's manifest and files and checks every file and blob against the manifest:
/// each blob's size, and with `rehash` its bytes too (a restore leaves that to the copy, which
/// hashes every blob it reads and refuses one that does not match).
async fn fetch(place: &str, shelf: &dyn Shelf, rehash: bool) -> Result<Fetched, String> {
    let files = staging_folder(place)?;
    let path = files.path().join(MANIFEST);
    if !shelf.get(MANIFEST, &path).await.map_err(|e| format!("cannot read {place}: {e}"))? {
        return Err(format!("{place} is not a finished Vellum backup: it has no {MANIFEST}"));
    }
    let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let manifest: Manifest =
        serde_json::from_slice(&bytes).map_err(|e| format!("{place}: not a Vellum backup manifest: {e}"))?;
    if manifest.format != FORMAT {
        return Err(format!("{place}: format {} is not {FORMAT}", manifest.format));
    }
    let mut problems = Vec::new();
    if !manifest.files.contains_key(DATABASE) {
        problems.push(format!("{DATABASE}: not in the manifest"));
    }
    for (name, want) in &manifest.files {
        let local = files.path().join(name);
        if let Some(dir) = local.parent() {
            std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        }
        if !shelf.get(name, &local).await.map_err(|e| format!("cannot read {name}: {e}"))? {
            problems.push(format!("{name}: missing"));
            continue;
        }
        let found = hash_file(&local)?;
        if found != *want {
            problems
                .push(format!("{name}: does not match the manifest (sha256 {}, {} bytes)", found.sha256, found.size));
        }
    }
    let blobs = shelf.blobs();
    for (sha, size) in &manifest.blobs {
        let key = BlobKey::parse(sha).map_err(|e| format!("manifest: {e}"))?;
        let name = format!("blobs/{}/{sha}", &sha[..2]);
        match blobs.size(&key).await.map_err(|e| e.to_string())? {
            None => problems.push(format!("{name}: missing")),
            Some(found) if found != *size => problems.push(format!("{name}: {found} bytes, the manifest says {size}")),
            Some(_) if rehash => {
                if !blobs.verify(&key).await.map_err(|e| e.to_string())? {
                    problems.push(format!("{name}: its bytes no longer hash to its name"));
                }
            }
            Some(_) => {}
        }
    }
    Ok(Fetched { files, manifest, problems })
}

async fn verify(place: &str, s3_path_style: bool) -> Result<ExitCode, String> {
    let shelf = open(place, s3_path_style).await?;
    let Fetched { manifest, problems, .. } = fetch(place, shelf.as_ref(), true).await?;
    for p in &problems {
        println!("MISMATCH {p}");
    }
    if !problems.is_empty() {
        println!("{place}: {} problem(s); this backup cannot be trusted", problems.len());
        return Ok(ExitCode::from(2));
    }
    println!(
        "ok {place}: backup of {} at {} ({} files, {} blobs, {} rows; audit key {})",
        manifest.source,
        manifest.created_at,
        manifest.files.len(),
        manifest.blobs.len(),
        manifest.rows.values().sum::<u64>(),
        if manifest.audit_key_included { "included" } else { "not included" }
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn restore(args: RestoreArgs) -> Result<ExitCode, String> {
    let place = args.from.as_str();
    let storage = args.storage;
    let shelf = open(place, storage.blobs.s3_path_style).await?;
    let Fetched { files, manifest, problems } = fetch(place, shelf.as_ref(), false).await?;
    if let Some(first) = problems.first() {
        return Err(format!(
            "{place}: {first} ({} problem(s) in all; `vellum backup verify {place}` lists them); nothing was restored",
            problems.len(),
        ));
    }
    let public = PublicKey::from_hex(&manifest.audit_public_key).map_err(|e| format!("manifest: {e}"))?;
    // The key given, else the one the backup holds.
    let key = keeper::existing_key(files.path(), storage.audit_key.as_deref()).map_err(|e| e.to_string())?;
    let key = match (key, manifest.audit_key_included) {
        (Some(key), _) => key,
        (None, true) => return Err("the backup's audit key is missing".into()),
        (None, false) => {
            return Err(format!(
                "this backup was made without the audit key: set VELLUM_AUDIT_KEY to the server's key ({})",
                public.to_hex()
            ))
        }
    };
    if key.public() != public {
        return Err(format!(
            "the audit key given is {}, but the backed-up record is signed by {}",
            key.public().to_hex(),
            public.to_hex()
        ));
    }
    std::fs::create_dir_all(&storage.data)
        .map_err(|e| format!("cannot create the data folder {}: {e}", storage.data.display()))?;
    let held = keeper::install_key(&storage.data, &key).map_err(|e| e.to_string())?;
    if held.public() != key.public() {
        return Err(format!(
            "{} already holds another audit key; restore into an empty data folder",
            keeper::audit_dir(&storage.data).display()
        ));
    }
    let source = open_database_read(&files.path().join(DATABASE)).await?;
    let source_blobs = shelf.blobs();
    let target = storage.open_store().await?;
    let target_blobs = storage.open_blobs(&vellum_core::Limits::default()).await?;
    let from = Side { store: &source, blobs: source_blobs.as_ref() };
    let to = Side { store: &target, blobs: target_blobs.as_ref() };
    let report = copy("restore", from, to, public, &key).await?;
    source.close().await;
    target.close().await;
    let log = keeper::audit_dir(files.path()).join(keeper::LOG_FILE);
    let restored_log = keeper::audit_dir(&storage.data).join(keeper::LOG_FILE);
    if log.is_file() && !restored_log.exists() {
        std::fs::copy(&log, &restored_log).map_err(|e| format!("cannot copy {}: {e}", log.display()))?;
    }
    println!(
        "restored {} rows in {} tables and {} blobs from {} (made {}) into {}; {} audit chains ({} events) verify",
        report.total_rows(),
        report.rows.len(),
        report.blobs.len(),
        place,
        manifest.created_at,
        storage.describe(),
        report.chains,
        report.events
    );
    Ok(ExitCode::SUCCESS)
}
