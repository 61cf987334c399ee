//! The local-folder blob store: `blobs/ab/<sha256>`, with writes staged in this process's own
//! folder under `tmp/` (see `staging`).

use std::{
    fs::File,
    io::Write,
    path::{Path, PathBuf},
    sync::Arc,
    time::{Duration, SystemTime},
};

use async_trait::async_trait;
use futures_util::stream::{self, BoxStream, StreamExt};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use crate::{
    staging::{Staging, DEFAULT_MAX_STAGING},
    BlobEntry, BlobKey, BlobRead, BlobStore, BlobWriter, Error, PendingBlob, Result, StaleWrite, StoredBlob,
};

/// Writes are buffered to this size and then hashed and written on a blocking thread.
const CHUNK: usize = 1 << 20;

#[derive(Debug, Clone)]
pub struct LocalBlobStore {
    root: PathBuf,
    staging: Arc<Staging>,
}

impl LocalBlobStore {
    /// Opens (creating if needed) a store under `root` whose writes take at most
    /// `DEFAULT_MAX_STAGING`.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self> {
        Self::open_with(root, DEFAULT_MAX_STAGING)
    }

    /// Opens (creating if needed) a store under `root` with its own staging folder, promising
    /// that no write stays staged longer than `max_staging` (the longest upload allowed).
    /// Nothing another process staged is touched here: `sweep_staging` removes only what is
    /// abandoned.
    pub fn open_with(root: impl Into<PathBuf>, max_staging: Duration) -> Result<Self> {
        let root = root.into();
        std::fs::create_dir_all(root.join("blobs"))?;
        let staging = Staging::create(&root.join("tmp"), max_staging)?;
        Ok(LocalBlobStore { root, staging: Arc::new(staging) })
    }

    fn path_of(&self, key: &BlobKey) -> PathBuf {
        let k = key.as_str();
        self.root.join("blobs").join(&k[..2]).join(k)
    }
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Flushes the whole file system holding `path` (what `sync -f` does): one call makes every
/// staged write durable, far cheaper than an fsync per file.
#[cfg(unix)]
fn sync_filesystem(path: &Path) -> std::io::Result<()> {
    let dir = File::open(path)?;
    rustix::fs::syncfs(&dir).map_err(std::io::Error::from)
}

#[cfg(not(unix))]
fn sync_filesystem(path: &Path) -> std::io::Result<()> {
    sync_dir(path)
}

fn join<T>(r: std::result::Result<std::io::Result<T>, tokio::task::JoinError>) -> Result<T> {
    r.map_err(|e| Error::Io(std::io::Error::other(e)))?.map_err(Error::Io)
}

/// Marks stored bytes as just offered again (equal content is stored once), so garbage
/// collection, which measures age from the last write, leaves them alone while the new
/// upload commits its row. Best effort: the commit's own presence check is what guarantees
/// no row ever points at missing bytes.
fn touch(path: &Path) {
    if let Ok(f) = File::options().write(true).open(path) {
        let _ = f.set_modified(SystemTime::now());
    }
}

fn entry_of(key: BlobKey, meta: &std::fs::Metadata) -> BlobEntry {
    BlobEntry { key, size: meta.len(), modified: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH) }
}

/// The fan-out folders (`blobs/ab`), in order.
fn fan_out(blobs: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut dirs = Vec::new();
    for e in std::fs::read_dir(blobs)? {
        let e = e?;
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name.len() == 2 && e.file_type()?.is_dir() {
            dirs.push(e.path());
        }
    }
    dirs.sort();
    Ok(dirs)
}

/// The blobs in one fan-out folder; anything not named like a blob is not one.
fn blobs_in(dir: &Path) -> std::io::Result<Vec<BlobEntry>> {
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e),
    };
    for e in entries {
        let e = e?;
        let Ok(key) = BlobKey::parse(&e.file_name().to_string_lossy()) else { continue };
        // Removed between the listing and now: no longer a blob.
        let Ok(meta) = e.metadata() else { continue };
        if meta.is_file() {
            out.push(entry_of(key, &meta));
        }
    }
    Ok(out)
}

/// Where a listing is: the fan-out folders still to read and the entries of the current one.
struct Walk {
    blobs: PathBuf,
    dirs: Option<std::vec::IntoIter<PathBuf>>,
    batch: std::vec::IntoIter<BlobEntry>,
}

#[async_trait]
impl BlobStore for LocalBlobStore {
    async fn begin(&self) -> Result<Box<dyn BlobWriter>> {
        let tmp = self.staging.dir().join(uuid::Uuid::now_v7().to_string());
        let (path, staging) = (tmp.clone(), self.staging.clone());
        let file = join(
            tokio::task::spawn_blocking(move || match File::create_new(&path) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    // Another process's sweep took our folder while it stood empty.
                    staging.restore()?;
                    File::create_new(&path)
                }
                other => other,
            })
            .await,
        )?;
        Ok(Box::new(LocalWriter {
            store: self.clone(),
            tmp,
            state: Some((file, Sha256::new())),
            buf: Vec::with_capacity(CHUNK),
            written: 0,
        }))
    }

    async fn open(&self, key: &BlobKey, range: Option<(u64, u64)>) -> Result<BlobRead> {
        let mut f = match tokio::fs::File::open(self.path_of(key)).await {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Error::NotFound(key.as_str().into())),
            Err(e) => return Err(e.into()),
        };
        match range {
            None => Ok(Box::pin(f)),
            Some((offset, len)) => {
                f.seek(std::io::SeekFrom::Start(offset)).await?;
                Ok(Box::pin(f.take(len)))
            }
        }
    }

    async fn size(&self, key: &BlobKey) -> Result<Option<u64>> {
        match tokio::fs::metadata(self.path_of(key)).await {
            Ok(m) => Ok(Some(m.len())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    async fn commit_pending(&self, mut pending: Vec<PendingBlob>) -> Result<Vec<StoredBlob>> {
        if pending.is_empty() {
            return Ok(Vec::new());
        }
        let store = self.clone();
        join(
            tokio::task::spawn_blocking(move || {
                // Bytes first: nothing gets its final name before its content is on disk.
                sync_filesystem(&store.root)?;
                let mut out = Vec::with_capacity(pending.len());
                for p in &mut pending {
                    let dest = store.path_of(&p.key);
                    let staged = std::mem::take(&mut p.staged);
                    if dest.exists() {
                        std::fs::remove_file(&staged)?;
                        touch(&dest);
                    } else {
                        if let Some(dir) = dest.parent() {
                            std::fs::create_dir_all(dir)?;
                        }
                        std::fs::rename(&staged, &dest)?;
                    }
                    out.push(StoredBlob { key: p.key.clone(), size: p.size });
                }
                // Then the names.
                sync_filesystem(&store.root)?;
                Ok(out)
            })
            .await,
        )
    }

    fn list(&self) -> BoxStream<'static, Result<BlobEntry>> {
        let walk = Walk { blobs: self.root.join("blobs"), dirs: None, batch: Vec::new().into_iter() };
        // One fan-out folder at a time, each read on a blocking thread.
        stream::try_unfold(walk, |mut w| async move {
            loop {
                if let Some(e) = w.batch.next() {
                    return Ok(Some((e, w)));
                }
                let dirs = match w.dirs.as_mut() {
                    Some(d) => d,
                    None => {
                        let blobs = w.blobs.clone();
                        w.dirs.insert(join(tokio::task::spawn_blocking(move || fan_out(&blobs)).await)?.into_iter())
                    }
                };
                let Some(dir) = dirs.next() else { return Ok(None) };
                w.batch = join(tokio::task::spawn_blocking(move || blobs_in(&dir)).await)?.into_iter();
            }
        })
        .boxed()
    }

    async fn stat(&self, key: &BlobKey) -> Result<Option<BlobEntry>> {
        match tokio::fs::metadata(self.path_of(key)).await {
            Ok(m) => Ok(Some(entry_of(key.clone(), &m))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    async fn remove(&self, key: &BlobKey) -> Result<bool> {
        // Not made durable: if a crash brings the name back, it is an orphan again and the
        // next collection takes it.
        match tokio::fs::remove_file(self.path_of(key)).await {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    async fn sweep_staging(&self, dry_run: bool) -> Result<Vec<StaleWrite>> {
        let staging = self.staging.clone();
        join(tokio::task::spawn_blocking(move || staging.sweep(dry_run)).await)
    }

    async fn verify(&self, key: &BlobKey) -> Result<bool> {
        let path = self.path_of(key);
        let want = key.as_str().to_string();
        join(
            tokio::task::spawn_blocking(move || {
                let mut f = File::open(path)?;
                let mut h = Sha256::new();
                std::io::copy(&mut f, &mut h)?;
                Ok(hex::encode(h.finalize()) == want)
            })
            .await,
        )
    }
}

struct LocalWriter {
    store: LocalBlobStore,
    tmp: PathBuf,
    /// Taken while a blocking write runs; None after a failed write.
    state: Option<(File, Sha256)>,
    buf: Vec<u8>,
    written: u64,
}

impl LocalWriter {
    async fn flush_buf(&mut self) -> Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let (mut file, mut hasher) =
            self.state.take().ok_or_else(|| Error::Io(std::io::Error::other("blob writer used after an error")))?;
        let buf = std::mem::take(&mut self.buf);
        let (file, hasher, mut buf) = join(
            tokio::task::spawn_blocking(move || {
                hasher.update(&buf);
                file.write_all(&buf)?;
                Ok((file, hasher, buf))
            })
            .await,
        )?;
        buf.clear();
        self.buf = buf;
        self.state = Some((file, hasher));
        Ok(())
    }
}

#[async_trait]
impl BlobWriter for LocalWriter {
    async fn write(&mut self, mut chunk: &[u8]) -> Result<()> {
        self.written += chunk.len() as u64;
        while !chunk.is_empty() {
            let room = CHUNK - self.buf.len();
            let take = room.min(chunk.len());
            self.buf.extend_from_slice(&chunk[..take]);
            chunk = &chunk[take..];
            if self.buf.len() == CHUNK {
                self.flush_buf().await?;
            }
        }
        Ok(())
    }

    fn written(&self) -> u64 {
        self.written
    }

    async fn finish_pending(mut self: Box<Self>) -> Result<PendingBlob> {
        let (file, key) = self.complete().await?;
        drop(file);
        let staged = std::mem::take(&mut self.tmp);
        Ok(PendingBlob { key, size: self.written, staged })
    }

    async fn finish(mut self: Box<Self>) -> Result<StoredBlob> {
        let (file, key) = self.complete().await?;
        let dest = self.store.path_of(&key);
        let tmp = self.tmp.clone();
        let size = self.written;
        join(
            tokio::task::spawn_blocking(move || {
                if dest.exists() {
                    // Equal content is already stored (and was made durable when it was).
                    drop(file);
                    std::fs::remove_file(&tmp)?;
                    touch(&dest);
                    return Ok(());
                }
                file.sync_all()?;
                drop(file);
                let dir = dest.parent().ok_or_else(|| std::io::Error::other("blob path has no folder"))?;
                let fresh_dir = !dir.exists();
                std::fs::create_dir_all(dir)?;
                std::fs::rename(&tmp, &dest)?;
                sync_dir(dir)?;
                if fresh_dir {
                    if let Some(parent) = dir.parent() {
                        sync_dir(parent)?;
                    }
                }
                Ok(())
            })
            .await,
        )?;
        // The temp file is gone (renamed or removed): nothing for Drop to clean.
        self.tmp = PathBuf::new();
        Ok(StoredBlob { key, size })
    }

    fn append_file(&mut self, file: &mut File, buf: &mut [u8], max: u64) -> Result<u64> {
        use std::io::Read;
        // Taken for the duration: after an error the writer is unusable and Drop cleans up.
        let (mut out, mut hasher) =
            self.state.take().ok_or_else(|| Error::Io(std::io::Error::other("blob writer used after an error")))?;
        // What `write` buffered comes first.
        hasher.update(&self.buf);
        out.write_all(&self.buf)?;
        self.buf.clear();
        let mut appended = 0;
        loop {
            let n = match file.read(buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            };
            if self.written + n as u64 > max {
                return Err(crate::too_large(max));
            }
            // Hashed and written on this thread while the chunk is still in cache: no copy
            // into `self.buf` and no hand-off per chunk.
            hasher.update(&buf[..n]);
            out.write_all(&buf[..n])?;
            self.written += n as u64;
            appended += n as u64;
        }
        self.state = Some((out, hasher));
        Ok(appended)
    }
}

impl LocalWriter {
    /// Flushes the buffer and names the content; the file stays staged.
    async fn complete(&mut self) -> Result<(File, BlobKey)> {
        self.flush_buf().await?;
        let (file, hasher) =
            self.state.take().ok_or_else(|| Error::Io(std::io::Error::other("blob writer used after an error")))?;
        Ok((file, BlobKey(hex::encode(hasher.finalize()))))
    }
}

impl Drop for LocalWriter {
    fn drop(&mut self) {
        if !self.tmp.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests;
