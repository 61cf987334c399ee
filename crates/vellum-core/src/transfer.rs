//! Copying a whole installation — every row and every blob — from one store into another and
//! proving the copy: row counts, every blob's hash and every audit chain checked on the
//! target. `vellum migrate-store`, `backup` and `restore` are this one copy between different
//! stores. A copy that stopped half way is finished by running it again: rows and blobs the
//! target already holds are skipped.

use std::collections::BTreeMap;

use vellum_blob::{BlobKey, BlobStore, PendingBlob};
use vellum_domain::{
    audit::{AuditAction, AuditKey, PublicKey},
    ErrorCode,
};
use vellum_store::{copy, model::NewAuditEvent, Store};

use crate::{audit::VerifyOptions, Error, Origin, Result};

/// Marks a target whose copy has begun but not been verified, so that running the command
/// again resumes into it; any other database that is not empty is refused.
const IN_PROGRESS: &str = "transfer.in_progress";

/// One side of a copy.
pub struct Side<'a> {
    pub store: &'a Store,
    pub blobs: &'a dyn BlobStore,
}

/// What a copy did and found.
#[derive(Debug, Default)]
pub struct Report {
    /// Rows per table on the source (the snapshot copied), equal on the target.
    pub rows: BTreeMap<String, u64>,
    /// Rows written by this run (fewer than `rows` when it resumed an earlier one).
    pub rows_copied: u64,
    /// Blobs the rows point at, by name, with their sizes; each is on the target and hashes
    /// to its name.
    pub blobs: BTreeMap<String, u64>,
    /// Blobs written by this run, and their bytes.
    pub blobs_copied: u64,
    pub bytes_copied: u64,
    /// Audit chains verified on the target.
    pub chains: usize,
    pub events: u64,
}

impl Report {
    pub fn total_rows(&self) -> u64 {
        self.rows.values().sum()
    }
}

/// Copies everything from `from` into `to` (whose schema must already be current), then
/// verifies the target: the audit chains against the signatures of `public`, and each event's
/// tag too when the secret `key` is at hand. `progress` hears one line per step.
pub async fn copy_all(
    from: Side<'_>,
    to: Side<'_>,
    public: PublicKey,
    key: Option<&AuditKey>,
    progress: &dyn Fn(&str),
) -> Result<Report> {
    let source_tables = {
        let mut c = from.store.conn().await?;
        copy::tables(&mut c, from.store.backend()).await?
    };
    let target_tables = {
        let mut c = to.store.conn().await?;
        copy::tables(&mut c, to.store.backend()).await?
    };
    copy::same_schema(&source_tables, &target_tables)
        .map_err(|e| Error::new(ErrorCode::InvalidBody, format!("source and target differ: {e}")))?;
    claim_target(to.store, &target_tables).await?;

    let mut report = Report::default();
    // One snapshot for every table and the list of blobs, so the copy is of one moment even
    // while the source is written (a backup of a running server).
    let mut snap = from.store.snapshot().await?;
    for table in &source_tables {
        let rows = copy::count(&mut snap, table).await?;
        let copied = copy::copy_table(&mut snap, to.store, table).await?;
        if copied > 0 {
            progress(&format!("{}: {copied} of {rows} rows copied", table.name));
        }
        report.rows.insert(table.name.clone(), rows);
        report.rows_copied += copied;
    }
    let mut keys = vellum_store::blobs::referenced(&mut snap)
        .await?
        .iter()
        .map(|k| BlobKey::parse(k).map_err(|e| Error::new(ErrorCode::Internal, e.to_string())))
        .collect::<Result<Vec<_>>>()?;
    keys.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    drop(snap);

    progress(&format!("copying {} blobs", keys.len()));
    let mut pending = Vec::new();
    for key in &keys {
        let (size, copied) = copy_blob(from.blobs, to.blobs, key).await?;
        report.blobs.insert(key.as_str().to_string(), size);
        if let Some(blob) = copied {
            report.blobs_copied += 1;
            report.bytes_copied += size;
            pending.push(blob);
        }
        // Made durable in batches: one flush for many blobs instead of one each.
        if pending.len() == BLOBS_PER_FLUSH {
            to.blobs.commit_pending(std::mem::take(&mut pending)).await.map_err(blob_error)?;
        }
    }
    to.blobs.commit_pending(pending).await.map_err(blob_error)?;

    progress("verifying the target");
    verify_counts(to.store, &target_tables, &report.rows).await?;
    for key in &keys {
        if !to.blobs.verify(key).await.map_err(blob_error)? {
            return Err(Error::new(
                ErrorCode::Internal,
                format!("blob {} on the target does not match its hash", key.as_str()),
            ));
        }
    }
    let options = VerifyOptions { public_key: public, key, extra: Vec::new() };
    let audit = crate::audit::verify_all(to.store, &options).await?;
    if !audit.ok() {
        let broken: Vec<String> = audit
            .chains
            .iter()
            .filter(|c| !c.ok)
            .map(|c| format!("{}: {}", c.chain, c.reason.as_deref().unwrap_or("broken")))
            .chain(audit.checkpoint_problems.iter().cloned())
            .collect();
        return Err(Error::new(
            ErrorCode::Internal,
            format!("the audit record does not verify on the target: {}", broken.join("; ")),
        ));
    }
    report.chains = audit.chains.len();
    report.events = audit.chains.iter().map(|c| c.events).sum();
    release_target(to.store).await?;
    Ok(report)
}

/// Refuses a target that holds data of its own; marks it as the copy's (or finds it marked by
/// an earlier run of the same copy, which then resumes).
async fn claim_target(to: &Store, tables: &[copy::Table]) -> Result<()> {
    let mut tx = to.write().await?;
    if vellum_store::users::setting(&mut tx, IN_PROGRESS).await?.is_none() {
        for table in tables {
            if copy::count(&mut tx, table).await? > 0 {
                return Err(Error::new(
                    ErrorCode::InvalidBody,
                    format!(
                        "the target already holds data (table {} is not empty); copy only into a new, empty database \
                         and blob store",
                        table.name
                    ),
                ));
            }
        }
        vellum_store::users::set_setting(&mut tx, IN_PROGRESS, "1").await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn release_target(to: &Store) -> Result<()> {
    let mut tx = to.write().await?;
    vellum_store::users::delete_setting(&mut tx, IN_PROGRESS).await?;
    tx.commit().await?;
    Ok(())
}

/// Every table holds as many rows as the source's snapshot (the marker row aside).
async fn verify_counts(to: &Store, tables: &[copy::Table], expected: &BTreeMap<String, u64>) -> Result<()> {
    let mut c = to.conn().await?;
    for table in tables {
        let mut found = copy::count(&mut c, table).await?;
        if table.name == "settings" {
            found = found.saturating_sub(1);
        }
        let want = expected.get(&table.name).copied().unwrap_or(0);
        if found != want {
            return Err(Error::new(
                ErrorCode::Internal,
                format!("table {} holds {found} rows on the target, the source {want}", table.name),
            ));
        }
    }
    Ok(())
}

/// Blobs copied between two flushes of the target.
const BLOBS_PER_FLUSH: usize = 256;

/// Copies one blob unless the target has it; its size, and the copy, pending until the
/// caller commits it (None when the target had it).
async fn copy_blob(from: &dyn BlobStore, to: &dyn BlobStore, key: &BlobKey) -> Result<(u64, Option<PendingBlob>)> {
    use tokio::io::AsyncReadExt;
    if let Some(size) = to.size(key).await.map_err(blob_error)? {
        return Ok((size, None));
    }
    let mut reader = from.open(key, None).await.map_err(|e| match e {
        vellum_blob::Error::NotFound(_) => Error::new(
            ErrorCode::Internal,
            format!("blob {} is named by the database but missing from the source's blob store", key.as_str()),
        ),
        e => blob_error(e),
    })?;
    let mut writer = to.begin().await.map_err(blob_error)?;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = reader.read(&mut buf).await.map_err(|e| blob_error(e.into()))?;
        if n == 0 {
            break;
        }
        writer.write(&buf[..n]).await.map_err(blob_error)?;
    }
    let pending = writer.finish_pending().await.map_err(blob_error)?;
    if pending.key != *key {
        return Err(Error::new(
            ErrorCode::Internal,
            format!("blob {} on the source holds other bytes (they hash to {})", key.as_str(), pending.key.as_str()),
        ));
    }
    Ok((pending.size, Some(pending)))
}

fn blob_error(e: vellum_blob::Error) -> Error {
    Error::new(ErrorCode::Internal, format!("blob storage: {e}"))
}

/// Refuses a key other than the one a store's audit record is signed with (any key passes
/// for a store that never had one).
pub async fn check_signed_by(store: &Store, key: &AuditKey) -> Result<()> {
    match recorded_public_key(store).await? {
        Some(recorded) if recorded != key.public() => Err(Error::new(
            ErrorCode::AuditKeyMismatch,
            format!(
                "the audit record is signed by key {}, but the key at hand is {}: use the server's own key \
                 (VELLUM_AUDIT_KEY or <data>/audit/signing.key)",
                recorded.to_hex(),
                key.public().to_hex()
            ),
        )),
        _ => Ok(()),
    }
}

/// The audit public key a store's events are signed with (None before a server first ran).
async fn recorded_public_key(store: &Store) -> Result<Option<PublicKey>> {
    let mut c = store.conn().await?;
    let Some(hex) = vellum_store::users::setting(&mut c, crate::audit::PUBLIC_KEY_SETTING).await? else {
        return Ok(None);
    };
    PublicKey::from_hex(&hex)
        .map(Some)
        .map_err(|e| Error::new(ErrorCode::Internal, format!("the recorded audit public key: {e}")))
}

/// Notes the move in the target's server chain (never a workspace's): where from, and what
/// was copied and verified.
pub async fn record_move(to: &Store, key: std::sync::Arc<AuditKey>, from: &str, report: &Report) -> Result<()> {
    let store = to.clone().with_audit_key(key);
    let mut tx = store.write().await?;
    let after = serde_json::json!({
        "from": from,
        "rows": report.total_rows(),
        "blobs": report.blobs.len(),
        "audit_chains": report.chains,
        "audit_events": report.events,
    });
    let event = NewAuditEvent { after: Some(after), ..NewAuditEvent::new(AuditAction::StoreMigrate, "server") };
    crate::record(&mut tx, &Origin::default(), None, event).await?;
    tx.commit().await?;
    Ok(())
}
