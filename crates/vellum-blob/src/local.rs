//! The local-folder blob store: `blobs/ab/<sha256>` with writes staged in `tmp/`.

use std::{
    fs::File,
    io::Write,
    path::{Path, PathBuf},
};

use async_trait::async_trait;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use crate::{BlobKey, BlobRead, BlobStore, BlobWriter, Error, PendingBlob, Result, StoredBlob};

/// Writes are buffered to this size and then hashed and written on a blocking thread.
const CHUNK: usize = 1 << 20;

#[derive(Debug, Clone)]
pub struct LocalBlobStore {
    root: PathBuf,
}

impl LocalBlobStore {
    /// Opens (creating if needed) a store under `root`, clearing writes a crash left behind.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self> {
        let root = root.into();
        std::fs::create_dir_all(root.join("blobs"))?;
        let tmp = root.join("tmp");
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp)?;
        }
        std::fs::create_dir_all(&tmp)?;
        Ok(LocalBlobStore { root })
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

#[async_trait]
impl BlobStore for LocalBlobStore {
    async fn begin(&self) -> Result<Box<dyn BlobWriter>> {
        let tmp = self.root.join("tmp").join(uuid::Uuid::now_v7().to_string());
        let path = tmp.clone();
        let file = join(tokio::task::spawn_blocking(move || File::create_new(&path)).await)?;
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
mod tests {
    use super::*;

    async fn put(store: &LocalBlobStore, parts: &[&[u8]]) -> StoredBlob {
        let mut w = store.begin().await.unwrap();
        for p in parts {
            w.write(p).await.unwrap();
        }
        w.finish().await.unwrap()
    }

    async fn read_all(store: &LocalBlobStore, key: &BlobKey, range: Option<(u64, u64)>) -> Vec<u8> {
        let mut r = store.open(key, range).await.unwrap();
        let mut v = Vec::new();
        r.read_to_end(&mut v).await.unwrap();
        v
    }

    #[tokio::test]
    async fn bytes_come_back_exactly_under_their_hash() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalBlobStore::open(dir.path()).unwrap();
        let big: Vec<u8> = (0..(3 * CHUNK + 17)).map(|i| (i % 251) as u8).collect();
        let b = put(&store, &[&big[..10], &big[10..]]).await;
        assert_eq!(b.size, big.len() as u64);
        assert_eq!(b.key.as_str(), hex::encode(Sha256::digest(&big)));
        assert_eq!(read_all(&store, &b.key, None).await, big);
        assert_eq!(read_all(&store, &b.key, Some((5, 10))).await, big[5..15].to_vec());
        assert!(store.verify(&b.key).await.unwrap());
        assert_eq!(store.size(&b.key).await.unwrap(), Some(big.len() as u64));
    }

    #[tokio::test]
    async fn equal_content_is_stored_once_and_temp_files_do_not_linger() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalBlobStore::open(dir.path()).unwrap();
        let a = put(&store, &[b"hello"]).await;
        let b = put(&store, &[b"hel", b"lo"]).await;
        assert_eq!(a, b);
        let abandoned = {
            let mut w = store.begin().await.unwrap();
            w.write(b"half").await.unwrap();
            w
        };
        drop(abandoned);
        assert_eq!(std::fs::read_dir(dir.path().join("tmp")).unwrap().count(), 0);
    }

    #[tokio::test]
    async fn pending_blobs_appear_only_when_committed() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalBlobStore::open(dir.path()).unwrap();
        let mut pending = Vec::new();
        for content in [&b"one"[..], b"two", b"one"] {
            let mut w = store.begin().await.unwrap();
            w.write(content).await.unwrap();
            pending.push(w.finish_pending().await.unwrap());
        }
        let key = pending[0].key.clone();
        assert_eq!(store.size(&key).await.unwrap(), None, "not visible before commit");
        let dropped = pending.pop().unwrap();
        drop(dropped);
        let stored = store.commit_pending(pending).await.unwrap();
        assert_eq!(stored.len(), 2);
        assert_eq!(read_all(&store, &key, None).await, b"one");
        assert_eq!(std::fs::read_dir(dir.path().join("tmp")).unwrap().count(), 0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn appending_a_file_hashes_the_same_bytes_as_writing_them() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalBlobStore::open(dir.path()).unwrap();
        let bytes: Vec<u8> = (0..(2 * CHUNK + 999)).map(|i| (i % 241) as u8).collect();
        let source = dir.path().join("source");
        std::fs::write(&source, &bytes).unwrap();
        let written = put(&store, &[&bytes]).await;
        let (store2, source2) = (store.clone(), source.clone());
        let appended = tokio::task::spawn_blocking(move || {
            let rt = tokio::runtime::Handle::current();
            let mut file = File::open(&source2).unwrap();
            let mut head = [0u8; 100];
            std::io::Read::read_exact(&mut file, &mut head).unwrap();
            let mut w = rt.block_on(store2.begin()).unwrap();
            rt.block_on(w.write(&head)).unwrap();
            let n = w.append_file(&mut file, &mut vec![0u8; 4096], u64::MAX).unwrap();
            assert_eq!(n, bytes.len() as u64 - 100);
            rt.block_on(w.finish_pending()).unwrap()
        })
        .await
        .unwrap();
        assert_eq!((appended.key.clone(), appended.size), (written.key, written.size));
        let too_small = tokio::task::spawn_blocking(move || {
            let rt = tokio::runtime::Handle::current();
            let mut w = rt.block_on(store.begin()).unwrap();
            w.append_file(&mut File::open(&source).unwrap(), &mut vec![0u8; 4096], 1000).map(|_| ())
        })
        .await
        .unwrap();
        assert!(matches!(too_small, Err(Error::Io(e)) if e.kind() == std::io::ErrorKind::FileTooLarge));
    }

    #[tokio::test]
    async fn missing_blobs_and_bad_keys_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalBlobStore::open(dir.path()).unwrap();
        let key = BlobKey::parse(&"a".repeat(64)).unwrap();
        assert!(matches!(store.open(&key, None).await, Err(Error::NotFound(_))));
        assert!(BlobKey::parse("../../etc/passwd").is_err());
        assert!(BlobKey::parse(&"A".repeat(64)).is_err());
    }
}
