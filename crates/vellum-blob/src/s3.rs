//! The S3-compatible blob store (AWS S3, Garage, MinIO, Ceph…): `<prefix>/blobs/ab/<sha256>`.
//!
//! A write is hashed while it streams. One smaller than a part is held in memory and put
//! under its content address in one request once its hash is known. A larger one goes out as
//! a multipart upload to a staging key (`<prefix>/staging/<id>`), two parts in flight while a
//! third fills (memory: three parts); once complete and hashed it is copied to its content address and the staged object
//! removed. Either way an object appears under a content address only whole. Every multipart
//! upload is announced first by a marker (`<prefix>/uploads/<id>`: the upload's key, id and
//! start), so the sweeper can abort the parts of one whose process died.

use std::{
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use async_trait::async_trait;
use futures_util::{stream::BoxStream, StreamExt, TryStreamExt};
use object_store::{
    aws::{AmazonS3, AmazonS3Builder},
    multipart::{MultipartStore, PartId},
    path::Path,
    GetOptions, GetRange, ObjectStore, ObjectStoreExt, PutPayload,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{
    staging::DEFAULT_MAX_STAGING, BlobEntry, BlobKey, BlobRead, BlobStore, BlobWriter, Error, PendingBlob, Result,
    StaleWrite, StoredBlob,
};

/// The part size when none is configured, and the smallest S3 accepts (but for the last).
pub const DEFAULT_PART_SIZE: usize = 8 << 20;
pub const MIN_PART_SIZE: usize = 5 << 20;

/// Where the store is and how to reach it.
#[derive(Clone)]
pub struct S3Config {
    pub bucket: String,
    /// Folder inside the bucket ("" for its root), without leading or trailing slash.
    pub prefix: String,
    /// The service's address (`AWS_ENDPOINT_URL`); None for AWS itself.
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Bucket in the path (`host/bucket/key`) instead of the host name: Garage, MinIO.
    pub path_style: bool,
    pub part_size: usize,
    /// The longest a write may take; staged writes and uploads older than this are abandoned.
    pub max_staging: Duration,
}

impl std::fmt::Debug for S3Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Config")
            .field("bucket", &self.bucket)
            .field("prefix", &self.prefix)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"***")
            .field("path_style", &self.path_style)
            .field("part_size", &self.part_size)
            .finish()
    }
}

impl S3Config {
    /// Reads `s3://bucket[/prefix]`, the endpoint, region and credentials from the standard
    /// `AWS_ENDPOINT_URL`, `AWS_REGION`, `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`
    /// (looked up through `env`, so tests need not touch the process environment).
    pub fn from_url(url: &str, env: impl Fn(&str) -> Option<String>) -> Result<S3Config> {
        let rest = url.strip_prefix("s3://").ok_or_else(|| config(format!("'{url}' is not an s3:// address")))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let valid_bucket = (3..=63).contains(&bucket.len())
            && bucket.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
        if !valid_bucket {
            return Err(config(format!("'{bucket}' is not a bucket name (3 to 63 of a-z, 0-9, '-' and '.')")));
        }
        let prefix = prefix.trim_matches('/');
        if prefix.split('/').any(|s| s.is_empty() && !prefix.is_empty() || s == "." || s == "..") {
            return Err(config(format!("'{prefix}' is not a folder inside the bucket")));
        }
        let need = |name: &str| {
            env(name).filter(|v| !v.is_empty()).ok_or_else(|| config(format!("{name} is not set (needed for {url})")))
        };
        Ok(S3Config {
            bucket: bucket.to_string(),
            prefix: prefix.to_string(),
            endpoint: env("AWS_ENDPOINT_URL").filter(|v| !v.is_empty()),
            region: env("AWS_REGION").or_else(|| env("AWS_DEFAULT_REGION")).unwrap_or_else(|| "us-east-1".into()),
            access_key_id: need("AWS_ACCESS_KEY_ID")?,
            secret_access_key: need("AWS_SECRET_ACCESS_KEY")?,
            path_style: false,
            part_size: DEFAULT_PART_SIZE,
            max_staging: DEFAULT_MAX_STAGING,
        })
    }
}

fn config(message: String) -> Error {
    Error::Io(std::io::Error::new(std::io::ErrorKind::InvalidInput, message))
}

fn s3(e: object_store::Error) -> Error {
    match e {
        object_store::Error::NotFound { path, .. } => Error::NotFound(path),
        e => Error::Io(std::io::Error::other(e)),
    }
}

/// What an upload marker holds.
#[derive(Serialize, Deserialize)]
struct Marker {
    key: String,
    upload_id: String,
    started: u64,
}

#[derive(Debug, Clone)]
pub struct S3BlobStore {
    client: Arc<AmazonS3>,
    prefix: String,
    part_size: usize,
    max_staging: Duration,
}

impl S3BlobStore {
    /// A store on the bucket `config` names. Nothing is sent until it is used: `check` tries
    /// the credentials.
    pub fn open(config: &S3Config) -> Result<S3BlobStore> {
        if config.part_size < MIN_PART_SIZE {
            return Err(self::config(format!(
                "the part size {} is below S3's smallest, {MIN_PART_SIZE} bytes",
                config.part_size
            )));
        }
        // reqwest's TLS takes the process's rustls provider: ring, as everywhere in Vellum.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut b = AmazonS3Builder::new()
            .with_bucket_name(&config.bucket)
            .with_region(&config.region)
            .with_access_key_id(&config.access_key_id)
            .with_secret_access_key(&config.secret_access_key)
            .with_virtual_hosted_style_request(!config.path_style);
        if let Some(endpoint) = &config.endpoint {
            b = b.with_endpoint(endpoint).with_allow_http(endpoint.starts_with("http://"));
        }
        let client = b.build().map_err(s3)?;
        Ok(S3BlobStore {
            client: Arc::new(client),
            prefix: config.prefix.clone(),
            part_size: config.part_size,
            max_staging: config.max_staging,
        })
    }

    /// Lists one key, proving the bucket answers to these credentials.
    pub async fn check(&self) -> Result<()> {
        let mut listing = self.client.list(Some(&self.path("blobs")));
        match listing.next().await {
            None | Some(Ok(_)) => Ok(()),
            Some(Err(e)) => Err(s3(e)),
        }
    }

    fn path(&self, rest: &str) -> Path {
        if self.prefix.is_empty() {
            Path::from(rest)
        } else {
            Path::from(format!("{}/{rest}", self.prefix))
        }
    }

    fn path_of(&self, key: &BlobKey) -> Path {
        let k = key.as_str();
        self.path(&format!("blobs/{}/{k}", &k[..2]))
    }

    /// Stores a local file as `<prefix>/<name>` (a multipart upload: whole or not at all).
    pub(crate) async fn put_file(&self, name: &str, from: &std::path::Path) -> Result<()> {
        use tokio::io::AsyncReadExt;
        let mut file = tokio::fs::File::open(from).await?;
        let upload = self.client.put_multipart(&self.path(name)).await.map_err(s3)?;
        let mut w = object_store::WriteMultipart::new_with_chunk_size(upload, self.part_size);
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = file.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            if let Err(e) = w.wait_for_capacity(PARTS_IN_FLIGHT).await {
                let _ = w.abort().await;
                return Err(s3(e));
            }
            w.write(&buf[..n]);
        }
        w.finish().await.map_err(s3)?;
        Ok(())
    }

    /// Copies `<prefix>/<name>` to a local file; false when there is none.
    pub(crate) async fn get_file(&self, name: &str, to: &std::path::Path) -> Result<bool> {
        use tokio::io::AsyncWriteExt;
        let got = match self.client.get(&self.path(name)).await {
            Ok(g) => g,
            Err(object_store::Error::NotFound { .. }) => return Ok(false),
            Err(e) => return Err(s3(e)),
        };
        let mut out = tokio::fs::File::create(to).await?;
        let mut stream = got.into_stream();
        while let Some(chunk) = stream.try_next().await.map_err(s3)? {
            out.write_all(&chunk).await?;
        }
        out.sync_all().await?;
        Ok(true)
    }

    pub(crate) async fn remove_file(&self, name: &str) -> Result<()> {
        delete_quietly(&self.client, &self.path(name)).await
    }

    /// Aborts an upload and removes what it staged; false when there was nothing left.
    async fn abandon(&self, marker_path: &Path, marker: &Marker) -> Result<()> {
        let staged = Path::from(marker.key.as_str());
        match self.client.abort_multipart(&staged, &marker.upload_id.clone()).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => tracing::debug!(error = %e, "aborting an abandoned upload"),
        }
        delete_quietly(&self.client, &staged).await?;
        delete_quietly(&self.client, marker_path).await
    }
}

async fn delete_quietly(client: &AmazonS3, path: &Path) -> Result<()> {
    match client.delete(path).await {
        Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
        Err(e) => Err(s3(e)),
    }
}

fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn entry_of(key: BlobKey, meta: &object_store::ObjectMeta) -> BlobEntry {
    BlobEntry { key, size: meta.size, modified: SystemTime::from(meta.last_modified) }
}

#[async_trait]
impl BlobStore for S3BlobStore {
    async fn begin(&self) -> Result<Box<dyn BlobWriter>> {
        Ok(Box::new(S3Writer { store: self.clone(), hasher: Sha256::new(), buf: Vec::new(), written: 0, upload: None }))
    }

    async fn open(&self, key: &BlobKey, range: Option<(u64, u64)>) -> Result<BlobRead> {
        let range = match range {
            Some((_, 0)) => {
                // A zero-length range is an error to S3; the blob must still exist.
                self.client.head(&self.path_of(key)).await.map_err(s3)?;
                return Ok(Box::pin(tokio::io::empty()));
            }
            Some((offset, len)) => Some(GetRange::Bounded(offset..offset.saturating_add(len))),
            None => None,
        };
        let options = GetOptions { range, ..GetOptions::default() };
        let got = match self.client.get_opts(&self.path_of(key), options).await {
            Ok(g) => g,
            Err(object_store::Error::NotFound { .. }) => return Err(Error::NotFound(key.as_str().into())),
            Err(e) => return Err(s3(e)),
        };
        let stream = got.into_stream().map_err(std::io::Error::other);
        Ok(Box::pin(tokio_util::io::StreamReader::new(stream)))
    }

    async fn size(&self, key: &BlobKey) -> Result<Option<u64>> {
        Ok(self.stat(key).await?.map(|e| e.size))
    }

    async fn verify(&self, key: &BlobKey) -> Result<bool> {
        let got = self.client.get(&self.path_of(key)).await.map_err(s3)?;
        let mut stream = got.into_stream();
        let mut h = Sha256::new();
        while let Some(chunk) = stream.try_next().await.map_err(s3)? {
            h.update(&chunk);
        }
        Ok(hex::encode(h.finalize()) == key.as_str())
    }

    /// Each write was made durable and visible by `finish_pending` (an S3 write is durable
    /// when it returns; there is no flush to share), so there is nothing left to do.
    async fn commit_pending(&self, pending: Vec<PendingBlob>) -> Result<Vec<StoredBlob>> {
        Ok(pending.iter().map(|p| StoredBlob { key: p.key.clone(), size: p.size }).collect())
    }

    fn list(&self) -> BoxStream<'static, Result<BlobEntry>> {
        self.client
            .list(Some(&self.path("blobs")))
            .filter_map(|item| async move {
                match item {
                    Ok(meta) => {
                        let name = meta.location.filename().unwrap_or_default().to_string();
                        BlobKey::parse(&name).ok().map(|key| Ok(entry_of(key, &meta)))
                    }
                    Err(e) => Some(Err(s3(e))),
                }
            })
            .boxed()
    }

    async fn stat(&self, key: &BlobKey) -> Result<Option<BlobEntry>> {
        match self.client.head(&self.path_of(key)).await {
            Ok(meta) => Ok(Some(entry_of(key.clone(), &meta))),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(s3(e)),
        }
    }

    async fn remove(&self, key: &BlobKey) -> Result<bool> {
        if self.stat(key).await?.is_none() {
            return Ok(false);
        }
        delete_quietly(&self.client, &self.path_of(key)).await?;
        Ok(true)
    }

    async fn sweep_staging(&self, dry_run: bool) -> Result<Vec<StaleWrite>> {
        let cutoff = now_secs().saturating_sub(self.max_staging.as_secs());
        let mut stale = Vec::new();
        let markers: Vec<object_store::ObjectMeta> =
            self.client.list(Some(&self.path("uploads"))).try_collect().await.map_err(s3)?;
        for meta in markers {
            let bytes = match self.client.get(&meta.location).await {
                Ok(g) => g.bytes().await.map_err(s3)?,
                Err(object_store::Error::NotFound { .. }) => continue,
                Err(e) => return Err(s3(e)),
            };
            let Ok(marker) = serde_json::from_slice::<Marker>(&bytes) else { continue };
            if marker.started > cutoff {
                continue;
            }
            stale.push(StaleWrite {
                name: format!("{} (multipart upload {})", marker.key, marker.upload_id),
                size: 0,
                modified: UNIX_EPOCH + Duration::from_secs(marker.started),
            });
            if !dry_run {
                self.abandon(&meta.location, &marker).await?;
            }
        }
        // A staged object whose copy to its address never happened (the process died between).
        let staged: Vec<object_store::ObjectMeta> =
            self.client.list(Some(&self.path("staging"))).try_collect().await.map_err(s3)?;
        for meta in staged {
            let modified = SystemTime::from(meta.last_modified);
            if modified.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) > cutoff {
                continue;
            }
            stale.push(StaleWrite { name: meta.location.to_string(), size: meta.size, modified });
            if !dry_run {
                delete_quietly(&self.client, &meta.location).await?;
            }
        }
        Ok(stale)
    }
}

/// Parts sent at once while the next one fills: the upload keeps the network busy while the
/// hash runs, and holds at most this many parts plus the one filling in memory.
const PARTS_IN_FLIGHT: usize = 2;

/// A multipart upload under way.
struct Upload {
    staged: Path,
    marker: Path,
    id: String,
    /// Parts sent so far, numbered from 0.
    sent: usize,
    in_flight: tokio::task::JoinSet<Result<(usize, PartId)>>,
    parts: Vec<(usize, PartId)>,
}

impl Upload {
    /// Waits for the oldest part in flight (any, in fact: they are sorted at the end).
    async fn land_one(&mut self) -> Result<()> {
        if let Some(done) = self.in_flight.join_next().await {
            let part = done.map_err(|e| Error::Io(std::io::Error::other(e)))??;
            self.parts.push(part);
        }
        Ok(())
    }

    /// Every part, in order, once all have landed.
    async fn land_all(&mut self) -> Result<Vec<PartId>> {
        while !self.in_flight.is_empty() {
            self.land_one().await?;
        }
        self.parts.sort_by_key(|(i, _)| *i);
        Ok(std::mem::take(&mut self.parts).into_iter().map(|(_, p)| p).collect())
    }
}

struct S3Writer {
    store: S3BlobStore,
    hasher: Sha256,
    /// Bytes not yet sent: at most one part.
    buf: Vec<u8>,
    written: u64,
    upload: Option<Upload>,
}

impl S3Writer {
    /// Sends the buffer as the next part, starting the upload (and its marker) on the first.
    async fn send_part(&mut self) -> Result<()> {
        if self.upload.is_none() {
            let name = uuid::Uuid::now_v7().to_string();
            let staged = self.store.path(&format!("staging/{name}"));
            let marker = self.store.path(&format!("uploads/{name}"));
            let id = self.store.client.create_multipart(&staged).await.map_err(s3)?;
            let note = Marker { key: staged.to_string(), upload_id: id.clone(), started: now_secs() };
            let body = serde_json::to_vec(&note).map_err(|e| Error::Io(std::io::Error::other(e)))?;
            if let Err(e) = self.store.client.put(&marker, PutPayload::from(body)).await {
                let _ = self.store.client.abort_multipart(&staged, &id).await;
                return Err(s3(e));
            }
            self.upload =
                Some(Upload { staged, marker, id, sent: 0, in_flight: tokio::task::JoinSet::new(), parts: Vec::new() });
        }
        let Some(upload) = self.upload.as_mut() else { return Ok(()) };
        while upload.in_flight.len() >= PARTS_IN_FLIGHT {
            upload.land_one().await?;
        }
        let part = PutPayload::from(std::mem::take(&mut self.buf));
        let (client, path, id, index) =
            (self.store.client.clone(), upload.staged.clone(), upload.id.clone(), upload.sent);
        upload.in_flight.spawn(async move { Ok((index, client.put_part(&path, &id, index, part).await.map_err(s3)?)) });
        upload.sent += 1;
        Ok(())
    }

    /// Puts the whole content under its address; returns its key.
    async fn complete(&mut self) -> Result<BlobKey> {
        let key = BlobKey(hex::encode(std::mem::take(&mut self.hasher).finalize()));
        let dest = self.store.path_of(&key);
        match self.upload.take() {
            None => {
                let body = std::mem::take(&mut self.buf);
                self.store.client.put(&dest, PutPayload::from(body)).await.map_err(s3)?;
            }
            Some(mut upload) => {
                if !self.buf.is_empty() {
                    // Put back so a failure below still aborts it in Drop.
                    self.upload = Some(upload);
                    self.send_part().await?;
                    upload = self.upload.take().ok_or_else(|| Error::Io(std::io::Error::other("upload lost")))?;
                }
                let client = self.store.client.clone();
                let parts = match upload.land_all().await {
                    Ok(parts) => parts,
                    Err(e) => {
                        self.upload = Some(upload);
                        return Err(e);
                    }
                };
                if let Err(e) = client.complete_multipart(&upload.staged, &upload.id, parts).await {
                    self.upload = Some(upload);
                    return Err(s3(e));
                }
                // Copied whole to its address (re-copying equal content also renews its age
                // for garbage collection), then the staging left behind is removed.
                let copied = client.copy(&upload.staged, &dest).await.map_err(s3);
                delete_quietly(&client, &upload.staged).await?;
                delete_quietly(&client, &upload.marker).await?;
                copied?;
            }
        }
        Ok(key)
    }
}

#[async_trait]
impl BlobWriter for S3Writer {
    async fn write(&mut self, mut chunk: &[u8]) -> Result<()> {
        self.hasher.update(chunk);
        self.written += chunk.len() as u64;
        while !chunk.is_empty() {
            let room = self.store.part_size - self.buf.len();
            let take = room.min(chunk.len());
            if self.buf.capacity() == 0 {
                self.buf.reserve(self.store.part_size.min(chunk.len().max(64 << 10)));
            }
            self.buf.extend_from_slice(&chunk[..take]);
            chunk = &chunk[take..];
            if self.buf.len() == self.store.part_size {
                self.send_part().await?;
            }
        }
        Ok(())
    }

    fn written(&self) -> u64 {
        self.written
    }

    async fn finish(mut self: Box<Self>) -> Result<StoredBlob> {
        let key = self.complete().await?;
        Ok(StoredBlob { key, size: self.written })
    }

    async fn finish_pending(mut self: Box<Self>) -> Result<PendingBlob> {
        let key = self.complete().await?;
        Ok(PendingBlob { key, size: self.written, staged: std::path::PathBuf::new() })
    }
}

impl Drop for S3Writer {
    /// An unfinished upload is aborted in the background; if the process dies first, the
    /// sweeper finds it by its marker.
    fn drop(&mut self) {
        let Some(upload) = self.upload.take() else { return };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        let store = self.store.clone();
        runtime.spawn(async move {
            let marker = Marker { key: upload.staged.to_string(), upload_id: upload.id.clone(), started: 0 };
            if let Err(e) = store.abandon(&upload.marker, &marker).await {
                tracing::warn!(error = %e, "could not abort an interrupted upload; the sweeper will");
            }
        });
    }
}
