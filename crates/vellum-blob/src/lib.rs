//! Content-addressed blob storage. Bytes are named by their SHA-256, appear under that name
//! only whole (a local folder: temp file → fsync → rename → fsync folder; S3: one put, or a
//! multipart upload copied into place) and are never changed. Nothing outside this crate
//! knows where or how bytes live: `open` takes a blob URL.

mod local;
mod s3;
mod shelf;
mod staging;
pub mod testing;

use std::{pin::Pin, time::SystemTime};

use async_trait::async_trait;
use futures_util::stream::BoxStream;
use tokio::io::AsyncRead;

pub use local::LocalBlobStore;
pub use s3::{S3BlobStore, S3Config, DEFAULT_PART_SIZE, MIN_PART_SIZE};
pub use shelf::{open_shelf, Shelf};
pub use staging::DEFAULT_MAX_STAGING;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("blob {0} not found")]
    NotFound(String),
    #[error("'{0}' is not a blob key")]
    BadKey(String),
    #[error("blob storage I/O: {0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How to open a store from its URL (what the URL itself does not say).
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// S3: the bucket in the path rather than the host name (Garage, MinIO).
    pub path_style: bool,
    /// S3: the size of each part of a multipart upload (memory held per upload).
    pub part_size: usize,
    /// The longest a write may take; writes staged longer are abandoned.
    pub max_staging: std::time::Duration,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions { path_style: false, part_size: DEFAULT_PART_SIZE, max_staging: DEFAULT_MAX_STAGING }
    }
}

/// The S3 store an `s3://` URL names (the rest from the `AWS_*` variables), checked to answer.
async fn s3_store(url: &str, options: &OpenOptions) -> Result<S3BlobStore> {
    let config = S3Config {
        path_style: options.path_style,
        part_size: options.part_size,
        max_staging: options.max_staging,
        ..S3Config::from_url(url, |name| std::env::var(name).ok())?
    };
    let store = S3BlobStore::open(&config)?;
    store.check().await?;
    Ok(store)
}

/// Opens the store a blob URL names and checks that it answers: `s3://bucket[/prefix]`
/// (endpoint, region and credentials from the standard `AWS_*` variables), or a local folder
/// as `file:///path` or a plain path.
pub async fn open_url(url: &str, options: &OpenOptions) -> Result<std::sync::Arc<dyn BlobStore>> {
    if url.starts_with("s3://") {
        return Ok(std::sync::Arc::new(s3_store(url, options).await?));
    }
    let path = url.strip_prefix("file://").unwrap_or(url);
    if path.is_empty() || url.contains("://") && !url.starts_with("file://") {
        return Err(Error::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("'{url}' is not a blob store address: use s3://bucket/prefix or a folder"),
        )));
    }
    Ok(std::sync::Arc::new(LocalBlobStore::open_with(path, options.max_staging)?))
}

/// A blob's name: the lower-case hex SHA-256 of its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BlobKey(String);

impl BlobKey {
    /// Accepts only 64 lower-case hex digits, so a key can never name a path.
    pub fn parse(s: &str) -> Result<Self> {
        if s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            Ok(BlobKey(s.to_string()))
        } else {
            Err(Error::BadKey(s.chars().take(80).collect()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a finished write produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlob {
    pub key: BlobKey,
    pub size: u64,
}

pub type BlobRead = Pin<Box<dyn AsyncRead + Send>>;

/// A stored blob as a listing sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobEntry {
    pub key: BlobKey,
    pub size: u64,
    /// When its bytes were stored, or last offered again as equal content; garbage collection
    /// measures a blob's age from here.
    pub modified: SystemTime,
}

/// A staged write whose writer is gone: it has not been touched for longer than any write
/// may take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleWrite {
    /// Where it is, for people reading a report.
    pub name: String,
    pub size: u64,
    pub modified: SystemTime,
}

/// A blob whose bytes are written but not yet durable or visible; `commit_pending` makes a
/// batch of them durable at once (one flush instead of one per blob). Dropped uncommitted,
/// its bytes are discarded.
#[derive(Debug)]
pub struct PendingBlob {
    pub key: BlobKey,
    pub size: u64,
    staged: std::path::PathBuf,
}

impl Drop for PendingBlob {
    fn drop(&mut self) {
        if !self.staged.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.staged);
        }
    }
}

/// Where blobs live. Implementations must make `finish` durable before it returns.
#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// Starts writing a new blob; its key is known only when it is finished.
    async fn begin(&self) -> Result<Box<dyn BlobWriter>>;
    /// Reads `len` bytes from `offset` (all of it when `range` is None).
    async fn open(&self, key: &BlobKey, range: Option<(u64, u64)>) -> Result<BlobRead>;
    /// The size of a stored blob, or None if it is absent.
    async fn size(&self, key: &BlobKey) -> Result<Option<u64>>;
    /// Re-reads a blob and checks its bytes still hash to its key.
    async fn verify(&self, key: &BlobKey) -> Result<bool>;
    /// Makes a batch of pending blobs durable and visible, in one flush.
    async fn commit_pending(&self, pending: Vec<PendingBlob>) -> Result<Vec<StoredBlob>>;
    /// Every stored blob, in no particular order; a stream, so a large store is never held
    /// in memory at once.
    fn list(&self) -> BoxStream<'static, Result<BlobEntry>>;
    /// One stored blob's entry, or None if it is absent.
    async fn stat(&self, key: &BlobKey) -> Result<Option<BlobEntry>>;
    /// Removes a stored blob; returns whether it was there. The store does not know rows:
    /// callers make sure none points at the blob (vellum-core's `blobs` module does).
    async fn remove(&self, key: &BlobKey) -> Result<bool>;
    /// Removes staged writes whose writer is gone (with `dry_run`, only names them). A write
    /// still in progress, in this process or another one sharing the store, is never touched.
    async fn sweep_staging(&self, dry_run: bool) -> Result<Vec<StaleWrite>>;
}

/// An unfinished blob. Dropping it without `finish` discards what was written.
#[async_trait]
pub trait BlobWriter: Send {
    async fn write(&mut self, chunk: &[u8]) -> Result<()>;
    /// Bytes written so far.
    fn written(&self) -> u64;
    /// Makes the blob durable under its content hash (once: equal content is stored once).
    async fn finish(self: Box<Self>) -> Result<StoredBlob>;
    /// Completes the bytes but leaves making them durable to `BlobStore::commit_pending`.
    async fn finish_pending(self: Box<Self>) -> Result<PendingBlob>;
    /// Appends what is left of `file` (from its position), reading through `buf`, and returns
    /// how many bytes that was; a blob that would grow past `max` bytes fails with
    /// `FileTooLarge`. It blocks: call it from a blocking thread, never from async code. This
    /// default hands each chunk to `write`; a store on local disk hashes and writes each chunk
    /// on the calling thread while it is still in the CPU's cache (imports).
    fn append_file(&mut self, file: &mut std::fs::File, buf: &mut [u8], max: u64) -> Result<u64> {
        use std::io::Read;
        let rt = tokio::runtime::Handle::current();
        let mut appended = 0;
        loop {
            let n = match file.read(buf) {
                Ok(0) => return Ok(appended),
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            };
            if self.written() + n as u64 > max {
                return Err(too_large(max));
            }
            rt.block_on(self.write(&buf[..n]))?;
            appended += n as u64;
        }
    }
}

/// The error `append_file` gives for a blob over its limit.
fn too_large(max: u64) -> Error {
    Error::Io(std::io::Error::new(std::io::ErrorKind::FileTooLarge, format!("larger than {max} bytes")))
}
