//! The life of stored bytes around the rows that point at them. Bytes are stored before their
//! row; when the row never commits (a rejected or failed upload) they are removed again, and
//! `gc` reclaims what a crash or an abandoned request left behind.
//!
//! Removal never loses bytes a committed row points at. Two uploads of equal content share
//! one file, so "this upload failed" is not enough to delete it: another upload may be about
//! to commit a row for the same file. Removal therefore claims the blob's row inside a write
//! transaction (`vellum_store::blobs::claim_unreferenced`) and deletes the file only while
//! holding that claim; every transaction that records a row first writes the same `blobs`
//! key, so it waits for the claim, and then checks the file is still there (`record`) before
//! it commits. Whichever goes second sees the other: a removal after a commit finds the row
//! and keeps the file; a commit after a removal finds the file gone and fails cleanly
//! ("send it again") instead of committing a row without bytes.

pub mod gc;

use std::time::SystemTime;
use vellum_domain::ErrorCode;

use vellum_blob::{BlobKey, BlobStore};
use vellum_domain::Timestamp;
use vellum_store::Tx;

use crate::{Core, Error, Result, StoredBlob};

/// What became of a blob offered for removal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    Removed,
    /// A committed row points at it.
    Referenced,
    /// Written (or offered again) after the given time.
    Young,
    /// Already gone.
    Absent,
}

/// Records a blob's row inside a use case's transaction, then checks its bytes are still
/// there. The row comes first: it makes a concurrent removal wait or, if one already ran,
/// the check below sees the file gone and the transaction fails instead of committing a row
/// without bytes.
pub(crate) async fn record(tx: &mut Tx, blobs: &dyn BlobStore, sha256: &str, size: u64, now: Timestamp) -> Result<()> {
    vellum_store::assets::insert_blob(&mut *tx, sha256, size, now).await?;
    if blobs.size(&BlobKey::parse(sha256)?).await?.is_none() {
        return Err(vanished());
    }
    Ok(())
}

/// `record` for many blobs at once: one multi-row insert, then each file's presence.
pub(crate) async fn record_many(
    tx: &mut Tx,
    blobs: &dyn BlobStore,
    list: &[(&str, u64)],
    now: Timestamp,
) -> Result<()> {
    vellum_store::assets::insert_blobs(&mut *tx, list, now).await?;
    for (sha256, _) in list {
        if blobs.size(&BlobKey::parse(sha256)?).await?.is_none() {
            return Err(vanished());
        }
    }
    Ok(())
}

/// The answer for an upload whose stored bytes were removed before its row could commit.
pub(crate) fn vanished() -> Error {
    Error::new(
        ErrorCode::UploadRaced,
        "the file was removed while this change was being saved (an upload of the same file failed at that moment); \
         send it again",
    )
}

/// An upload's stored blob before its row commits. `keep` it once the row is committed;
/// `discard` it when the upload is refused. Dropped without either (a request abandoned
/// midway), it is discarded in the background.
pub struct LooseBlob {
    core: Core,
    blob: StoredBlob,
    armed: bool,
}

impl LooseBlob {
    /// A row points at the blob now, or the caller takes over its fate.
    pub fn keep(mut self) -> StoredBlob {
        self.armed = false;
        self.blob.clone()
    }

    /// Removes the blob unless a row points at it, and waits until that is done.
    pub async fn discard(mut self) {
        self.armed = false;
        self.core.discard_blob(&self.blob).await;
    }

    /// Keeps the blob if the use case succeeded, discards it if it failed.
    pub async fn settle<T>(self, outcome: Result<T>) -> Result<T> {
        match outcome {
            Ok(v) => {
                self.keep();
                Ok(v)
            }
            Err(e) => {
                self.discard().await;
                Err(e)
            }
        }
    }
}

impl Drop for LooseBlob {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        // Without a runtime (the process is ending) garbage collection reclaims it later.
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            let (core, blob) = (self.core.clone(), self.blob.clone());
            rt.spawn(async move { core.discard_blob(&blob).await });
        }
    }
}

impl Core {
    /// Watches over an upload's stored blob until its row commits (see `LooseBlob`).
    pub fn loose_blob(&self, blob: StoredBlob) -> LooseBlob {
        LooseBlob { core: self.clone(), blob, armed: true }
    }

    /// Removes a failed upload's blob unless a row points at it. Never fails the caller: what
    /// cannot be removed now is an orphan the next garbage collection takes.
    pub async fn discard_blob(&self, blob: &StoredBlob) {
        if let Err(e) = self.remove_unreferenced(&blob.key, None).await {
            tracing::warn!(blob = blob.key.as_str(), error = %e, "could not remove a failed upload's blob; gc will");
        }
    }

    /// Removes a blob's bytes if no row points at them and (with `written_before`) they were
    /// last written before then, holding the claim described in the module header.
    pub(crate) async fn remove_unreferenced(
        &self,
        key: &BlobKey,
        written_before: Option<SystemTime>,
    ) -> Result<Removal> {
        let mut tx = self.store.write().await?;
        if !vellum_store::blobs::claim_unreferenced(&mut tx, key.as_str(), Timestamp::now()).await? {
            return Ok(Removal::Referenced);
        }
        // Dropping `tx` on the early returns rolls the claim back.
        match self.blobs.stat(key).await? {
            None => return Ok(Removal::Absent),
            Some(e) if written_before.is_some_and(|t| e.modified > t) => return Ok(Removal::Young),
            Some(_) => {}
        }
        self.blobs.remove(key).await?;
        vellum_store::blobs::release_claim(&mut tx, key.as_str()).await?;
        tx.commit().await?;
        Ok(Removal::Removed)
    }
}
