//! The media pipeline's use of the job system: probe a new version, extract its metadata,
//! render its built-in renditions, and serve renditions to those who may see the version.

pub(crate) mod derive;

use std::path::Path;
use vellum_domain::ErrorCode;

use serde_json::json;
use tokio::io::AsyncWriteExt;
use vellum_blob::BlobKey;
use vellum_domain::{
    audit::AuditAction,
    id::parse_id,
    media::{MediaType, NearDuplicate, VersionMedia},
    Id, Timestamp,
};
use vellum_media::{
    header, metadata,
    render::{self, RenditionSpec},
    sniff,
};
use vellum_store::{
    assets,
    jobs::Job,
    model::{Asset, NewAuditEvent, Processing, Rendition, Version},
    Tx,
};

use crate::{jobs::JobFailure, Actor, Core, Error, Result, StoredBlob};

/// How much of a file is read to recognise it and check its declared size.
const HEAD: usize = 64 * 1024;
/// How many leading bytes `Core::check_upload_head` wants (the whole file if it is shorter).
pub const UPLOAD_HEAD_BYTES: usize = HEAD;

/// The renditions the processing job makes (for the types that have them); with `page-N`, the
/// one list of names that channel presets may not take, since they would never be served.
pub const BUILT_IN_RENDITIONS: [&str; 7] = ["thumbnail", "preview", "poster", "filmstrip", "proxy", "waveform", "pdf"];

/// Whether `name` is a rendition the processing job makes: one of [`BUILT_IN_RENDITIONS`] or
/// a document page (`page-N`).
pub fn built_in(name: &str) -> bool {
    BUILT_IN_RENDITIONS.contains(&name) || name.strip_prefix("page-").is_some_and(|k| k.parse::<u32>().is_ok())
}

/// Whether channel presets can be rendered from a version of this type (decodable images).
pub fn presets_apply(kind: MediaType) -> bool {
    matches!(kind, MediaType::Jpeg | MediaType::Png | MediaType::Gif | MediaType::Webp | MediaType::Tiff)
}

/// The job that renders one named rendition of a version with `spec`; the key carries the spec,
/// so asking again for the same output never queues the work twice.
fn render_job(workspace: Id, v: &Version, name: &str, spec: &serde_json::Value) -> vellum_store::jobs::NewJob {
    use sha2::Digest;
    let hash = hex::encode(sha2::Sha256::digest(spec.to_string().as_bytes()));
    vellum_store::jobs::NewJob {
        queue: crate::jobs::MEDIA_QUEUE.into(),
        kind: vellum_store::jobs::JobKind::RenderRendition,
        payload: json!({"asset_id": v.asset_id, "version": v.number, "name": name, "spec": spec}),
        unique_key: format!("render:{}:{}:{name}:{}", v.asset_id, v.number, &hash[..16]),
        workspace_id: Some(workspace),
        max_attempts: 3,
        run_at: Timestamp::now(),
    }
}

/// Renders one preset rendition (the `render_rendition` job).
pub(crate) async fn render_rendition(core: &Core, job: &Job) -> std::result::Result<(), JobFailure> {
    let (asset_id, number) = payload(job)?;
    let name =
        job.payload["name"].as_str().ok_or_else(|| JobFailure::permanent("the job names no rendition"))?.to_string();
    let spec: RenditionSpec = serde_json::from_value(job.payload["spec"].clone())
        .map_err(|e| JobFailure::permanent(format!("the job's spec is not valid: {e}")))?;
    let version = {
        let mut c = core.store.conn().await?;
        assets::version(&mut c, asset_id, number)
            .await?
            .ok_or_else(|| JobFailure::permanent("the version no longer exists"))?
    };
    let key = BlobKey::parse(&version.sha256).map_err(|e| JobFailure::permanent(e.to_string()))?;
    let dir = tempfile::Builder::new()
        .prefix("vellum-job-")
        .tempdir()
        .map_err(|e| JobFailure::transient(format!("no job folder: {e}")))?;
    let path = stage(core, &key, dir.path()).await?;
    let out = render::render_file(&path, dir.path(), &spec, core.limits.pixels).await.map_err(derive::decode_failed)?;
    let r = store_rendition(core, &version, &name, &spec, out).await?;
    let mut tx = core.store.write().await?;
    crate::blobs::record(&mut tx, core.blobs.as_ref(), &r.sha256, r.size, r.created_at).await?;
    assets::insert_rendition(&mut tx, &r).await?;
    tx.commit().await?;
    Ok(())
}

fn mime_of(format: render::Format) -> &'static str {
    match format {
        render::Format::Jpeg => "image/jpeg",
        render::Format::Png => "image/png",
        render::Format::Webp => "image/webp",
    }
}

fn payload(job: &Job) -> std::result::Result<(Id, u32), JobFailure> {
    let asset = job.payload["asset_id"].as_str().and_then(parse_id);
    let version = job.payload["version"].as_u64().and_then(|v| u32::try_from(v).ok());
    asset.zip(version).ok_or_else(|| JobFailure::permanent("the job's payload names no asset version"))
}

async fn read_head(core: &Core, key: &BlobKey) -> Result<Vec<u8>> {
    use tokio::io::AsyncReadExt;
    let mut r = core.blobs.open(key, Some((0, HEAD as u64))).await?;
    let mut head = Vec::with_capacity(HEAD);
    r.read_to_end(&mut head).await.map_err(|e| Error::new(ErrorCode::Internal, e.to_string()))?;
    Ok(head)
}

/// Copies a version's bytes into the job's own folder (tools only ever see that folder).
async fn stage(core: &Core, key: &BlobKey, dir: &Path) -> std::result::Result<std::path::PathBuf, JobFailure> {
    let path = dir.join("source");
    stage_to(core, key, &path).await?;
    Ok(path)
}

/// Copies a blob to `path` in a job's folder.
pub(crate) async fn stage_to(core: &Core, key: &BlobKey, path: &Path) -> std::result::Result<(), JobFailure> {
    let mut r = core.blobs.open(key, None).await.map_err(|e| JobFailure::transient(e.to_string()))?;
    let mut f = tokio::fs::File::create(&path).await.map_err(|e| JobFailure::transient(e.to_string()))?;
    tokio::io::copy(&mut r, &mut f).await.map_err(|e| JobFailure::transient(e.to_string()))?;
    f.flush().await.map_err(|e| JobFailure::transient(e.to_string()))?;
    Ok(())
}

async fn store_rendition(
    core: &Core,
    version: &Version,
    name: &str,
    spec: &RenditionSpec,
    bytes: Vec<u8>,
) -> Result<Rendition> {
    let output = derive::Output {
        name: name.to_string(),
        spec: serde_json::to_value(spec).unwrap_or_default(),
        content_type: mime_of(spec.format),
        data: derive::Data::Bytes(bytes),
    };
    store_output(core, version, output).await
}

/// Writes a rendition's bytes to the blob store (streaming files a tool wrote).
async fn store_output(core: &Core, version: &Version, o: derive::Output) -> Result<Rendition> {
    let mut w = core.blobs.begin().await?;
    match o.data {
        derive::Data::Bytes(b) => w.write(&b).await?,
        derive::Data::File(path) => {
            use tokio::io::AsyncReadExt;
            let io = |e: std::io::Error| Error::new(ErrorCode::Internal, e.to_string());
            let mut f = tokio::fs::File::open(&path).await.map_err(io)?;
            let mut buf = vec![0u8; 1 << 20];
            loop {
                let n = f.read(&mut buf).await.map_err(io)?;
                if n == 0 {
                    break;
                }
                w.write(&buf[..n]).await?;
            }
        }
    }
    let blob = w.finish().await?;
    Ok(Rendition {
        asset_id: version.asset_id,
        version: version.number,
        name: o.name,
        spec: o.spec,
        sha256: blob.key.as_str().to_string(),
        size: blob.size,
        content_type: o.content_type.to_string(),
        created_at: Timestamp::now(),
    })
}

/// Probes and renders one version. Hostile or corrupt files fail permanently with a reason
/// the uploader can read; infrastructure trouble is retried.
pub(crate) async fn process_version(core: &Core, job: &Job, _worker: &str) -> std::result::Result<(), JobFailure> {
    let (asset_id, number) = payload(job)?;
    let (version, keep_gps, workspace) = {
        let mut c = core.store.conn().await?;
        let v = assets::version(&mut c, asset_id, number).await?;
        let v = v.ok_or_else(|| JobFailure::permanent("the version no longer exists"))?;
        let asset = assets::get(&mut c, asset_id).await?;
        let ws = match asset {
            Some(a) => vellum_store::workspaces::by_id(&mut c, a.workspace_id).await?,
            None => None,
        };
        (v, ws.as_ref().is_some_and(|w| w.keep_gps), ws.map(|w| w.id))
    };
    let key = BlobKey::parse(&version.sha256).map_err(|e| JobFailure::permanent(e.to_string()))?;
    let head = read_head(core, &key).await?;
    let kind = sniff::sniff(&head);
    let limits = core.limits.pixels;
    let dir = tempfile::Builder::new()
        .prefix("vellum-job-")
        .tempdir()
        .map_err(|e| JobFailure::transient(format!("no job folder: {e}")))?;

    if let Err((w, h)) = header::check(&head, limits) {
        return Err(JobFailure::permanent(format!("the image declares {w}×{h} pixels, over this server's limit")));
    }
    let path = stage(core, &key, dir.path()).await?;
    let derive::Derived { mut info, outputs, phash, page_hashes } =
        derive::derive(kind, &path, dir.path(), limits).await?;
    let mut renditions = Vec::with_capacity(outputs.len());
    for o in outputs {
        renditions.push(store_output(core, &version, o).await?);
    }
    info.media_type = Some(kind);
    info.mime = Some(kind.mime().to_string());
    if !keep_gps {
        metadata::strip_gps(&mut info);
    }
    let near_duplicates = match (phash, workspace) {
        (Some(hash), Some(ws)) => near_duplicates(core, ws, asset_id, hash).await?,
        _ => Vec::new(),
    };
    let media = VersionMedia {
        info,
        phash: phash.map(|h| format!("{h:016x}")),
        page_phashes: page_hashes.iter().map(|h| format!("{h:016x}")).collect(),
        near_duplicates,
    };
    let mut tx = core.store.write().await?;
    for r in &renditions {
        crate::blobs::record(&mut tx, core.blobs.as_ref(), &r.sha256, r.size, r.created_at).await?;
        assets::insert_rendition(&mut tx, r).await?;
    }
    assets::set_processing(&mut tx, asset_id, number, Processing::Done, None, Some(&media)).await?;
    if let Some(ws) = workspace {
        let processed = Version { processing: Processing::Done, media: Some(media), ..version };
        crate::compare::queue_for_processed(&mut tx, ws, &processed, core.now()).await?;
        // Into the workspace's record: what was read from the file is searchable now.
        let event = NewAuditEvent {
            workspace_id: Some(ws),
            object_id: Some(asset_id.to_string()),
            version: Some(number),
            ..NewAuditEvent::new(AuditAction::VersionProcessed, "asset")
        };
        crate::record(&mut tx, &crate::Origin::default(), None, event).await?;
    }
    tx.commit().await?;
    core.wake.notify_waiters();
    Ok(())
}

/// Perceptual hashes this close (bits of 64) look like the same picture.
const NEAR: u32 = 10;

/// Other assets of the workspace whose processed versions look like this one, closest first.
async fn near_duplicates(core: &Core, ws: Id, asset: Id, hash: u64) -> Result<Vec<NearDuplicate>> {
    let mut c = core.store.conn().await?;
    let mut near: Vec<(u32, Id, u32)> = assets::phashes(&mut c, ws, asset)
        .await?
        .into_iter()
        .map(|(a, v, h)| (render::hamming(hash, h), a, v))
        .filter(|(d, ..)| *d <= NEAR)
        .collect();
    near.sort();
    Ok(near
        .into_iter()
        .take(5)
        .map(|(distance, asset_id, version)| NearDuplicate { asset_id, version, distance })
        .collect())
}

pub(crate) async fn mark_failed(tx: &mut Tx, job: &Job, reason: &str) -> Result<()> {
    if let Ok((asset, version)) = payload(job) {
        assets::set_processing(tx, asset, version, Processing::Failed, Some(reason), None).await?;
    }
    Ok(())
}

pub(crate) async fn mark_pending(tx: &mut Tx, job: &Job) -> Result<()> {
    if let Ok((asset, version)) = payload(job) {
        assets::set_processing(tx, asset, version, Processing::Pending, None, None).await?;
    }
    Ok(())
}

/// Where a rendition stands for someone asking for it.
pub enum RenditionAnswer {
    Ready(Rendition),
    /// A picture watermarked for the viewer (outsiders never get the clean one).
    Marked(crate::watermarks::Marked),
    /// Not generated yet; ask again shortly.
    Pending,
}

impl Core {
    /// Refuses an upload whose header declares an image over the pixel limits, before any row
    /// points at it.
    pub async fn check_upload(&self, blob: &StoredBlob) -> Result<()> {
        let head = read_head(self, &blob.key).await.map_err(|e| match e {
            Error::Blob(vellum_blob::Error::NotFound(_)) => crate::blobs::vanished(),
            other => other,
        })?;
        self.check_upload_head(&head)
    }

    /// `check_upload` on the file's first `UPLOAD_HEAD_BYTES` (or all of a shorter file),
    /// for a caller that has them in hand and need not read the blob again (imports).
    pub fn check_upload_head(&self, head: &[u8]) -> Result<()> {
        match header::check(head, self.limits.pixels) {
            Ok(()) => Ok(()),
            Err((w, h)) => Err(Error::new(
                ErrorCode::ImageTooLarge,
                format!(
                    "the image declares {w}×{h} pixels; this server accepts at most {} pixels of this kind of image \
                     and {} pixels a side",
                    self.limits.pixels.max_pixels_for(header::holding(head)),
                    self.limits.pixels.max_side
                ),
            )),
        }
    }

    /// A rendition of a version the actor may see: a built-in one made by the processing
    /// job, or a workspace preset made on first request.
    pub async fn rendition(&self, actor: &Actor, asset: Id, number: u32, name: &str) -> Result<RenditionAnswer> {
        let (a, access) = self.asset(actor, asset).await?;
        let answer = self.clean_rendition(actor, &a, number, name).await?;
        match answer {
            RenditionAnswer::Ready(r) if access.role == vellum_domain::role::Role::External => {
                Ok(RenditionAnswer::Marked(self.watermarked(a.workspace_id, &r, &actor.user.email).await?))
            }
            other => Ok(other),
        }
    }

    /// The renditions made so far for a version the actor may see: name and content type.
    pub async fn rendition_names(&self, actor: &Actor, asset: Id, number: u32) -> Result<Vec<(String, String)>> {
        self.version(actor, asset, number).await?;
        Ok(vellum_store::assets::rendition_names(&mut *self.store.conn().await?, asset, number).await?)
    }

    pub(crate) async fn clean_rendition(
        &self,
        actor: &Actor,
        a: &Asset,
        number: u32,
        name: &str,
    ) -> Result<RenditionAnswer> {
        let asset = a.id;
        let a = a.clone();
        let version = self.version(actor, asset, number).await?;
        crate::rights::gate_member(self, actor, &a, number, crate::rights::FileRoute::Rendition).await?;
        let mut c = self.store.conn().await?;
        let unavailable = |why: String| Error::new(ErrorCode::RenditionNotAvailable, why);
        if !built_in(name) {
            let Some((mut spec, _)) = crate::presets::resolve(&mut c, a.workspace_id, name).await? else {
                return Err(unavailable(format!("there is no rendition or preset named '{name}'")));
            };
            spec.focal = version.focal_point.map(|f| (f.x as f32, f.y as f32));
            drop(c);
            return self.preset_rendition(&a, &version, name, spec).await;
        }
        if let Some(r) = assets::rendition(&mut c, asset, number, name).await? {
            return Ok(RenditionAnswer::Ready(r));
        }
        match version.processing {
            Processing::Pending => Ok(RenditionAnswer::Pending),
            Processing::Failed => Err(unavailable(format!(
                "processing this version failed: {}",
                version.processing_reason.as_deref().unwrap_or("unknown reason")
            ))),
            Processing::Done => Err(unavailable(format!("a {name} cannot be made for {}", version.content_type))),
        }
    }

    async fn preset_rendition(
        &self,
        a: &Asset,
        v: &Version,
        name: &str,
        spec: RenditionSpec,
    ) -> Result<RenditionAnswer> {
        let unavailable = |why: String| Error::new(ErrorCode::RenditionNotAvailable, why);
        match v.processing {
            Processing::Pending => return Ok(RenditionAnswer::Pending),
            Processing::Failed => {
                return Err(unavailable(format!(
                    "processing this version failed: {}",
                    v.processing_reason.as_deref().unwrap_or("unknown reason")
                )))
            }
            Processing::Done => {}
        }
        let kind = v.media.as_ref().and_then(|m| m.info.media_type);
        if !kind.is_some_and(presets_apply) {
            return Err(unavailable(format!("presets are made from images; this version is {}", v.content_type)));
        }
        let wanted = serde_json::to_value(&spec).unwrap_or_default();
        let mut c = self.store.conn().await?;
        if let Some(r) = assets::rendition(&mut c, v.asset_id, v.number, name).await? {
            if r.spec == wanted {
                return Ok(RenditionAnswer::Ready(r));
            }
        }
        let job = render_job(a.workspace_id, v, name, &wanted);
        if let Some(existing) = vellum_store::jobs::by_key(&mut c, &job.unique_key).await? {
            if existing.state == vellum_store::jobs::JobState::Failed {
                return Err(unavailable(format!(
                    "making this rendition failed: {}",
                    existing.last_error.as_deref().unwrap_or("unknown reason")
                )));
            }
        }
        drop(c);
        let mut tx = self.store.write().await?;
        vellum_store::jobs::enqueue_again(&mut tx, &job, Timestamp::now()).await?;
        tx.commit().await?;
        self.wake.notify_waiters();
        Ok(RenditionAnswer::Pending)
    }
}
