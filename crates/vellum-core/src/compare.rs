//! Comparing two versions of an asset: asked for through the API (queued once per pair,
//! answered from the stored result), computed in the media queue from the versions' previews
//! and page renditions (decoded with the rendition limits) and their extracted text, and queued
//! by itself when a version finishes processing, against its predecessor and every earlier
//! version with open threads, so carried comments learn whether their region changed.

use std::path::Path;

use serde::Serialize;
use serde_json::json;
use vellum_blob::BlobKey;
use vellum_domain::{
    compare::{CompareKind, DiffState, PageDiff, Presence},
    id::parse_id,
    media::MediaType,
    text_diff::{self, TextDiff},
    ErrorCode, Id, Timestamp,
};
use vellum_store::{
    assets, comments,
    diffs::{self, VersionDiff},
    jobs::{Job, JobKind, NewJob},
    model::{Processing, Version},
    Conn, Tx,
};

use crate::{access, jobs::JobFailure, media::derive::MAX_PAGES, Actor, Core, Error, Result};

/// Written copy is compared on at most this much of each version's text.
const MAX_TEXT: u64 = 256 * 1024;
/// A document's text is compared on at most this much (word diff memory stays bounded by its
/// edit limit whatever the length).
const MAX_DOCUMENT_TEXT: usize = 1024 * 1024;

/// A finished comparison as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct CompareView {
    pub a: u32,
    pub b: u32,
    pub kind: CompareKind,
    pub pages: Vec<PageDiff>,
    pub text: Option<TextDiff>,
    pub computed_at: Option<Timestamp>,
}

/// Where a comparison stands for someone asking for it.
pub enum CompareAnswer {
    Ready(CompareView),
    /// Being computed (or waiting for a version's processing); ask again shortly.
    Pending,
}

/// Where a heat-map stands.
pub enum HeatmapAnswer {
    Ready { sha256: String, size: u64, created_at: Timestamp },
    Pending,
}

fn not_comparable(why: impl Into<String>) -> Error {
    Error::new(ErrorCode::NotComparable, why)
}

fn media_type(v: &Version) -> Option<MediaType> {
    v.media.as_ref().and_then(|m| m.info.media_type)
}

/// The job that computes one comparison.
fn compare_job(workspace: Id, asset: Id, a: u32, b: u32) -> NewJob {
    NewJob {
        queue: crate::jobs::MEDIA_QUEUE.into(),
        kind: JobKind::CompareVersions,
        payload: json!({"asset_id": asset, "a": a, "b": b}),
        unique_key: format!("compare:{asset}:{a}:{b}"),
        workspace_id: Some(workspace),
        max_attempts: 3,
        run_at: Timestamp::now(),
    }
}

/// Records and queues the comparison of `a` with `b` when both are processed and comparable;
/// nothing when it is already recorded. Inside the caller's transaction.
pub(crate) async fn queue(tx: &mut Tx, workspace: Id, va: &Version, vb: &Version, now: Timestamp) -> Result<bool> {
    if va.processing != Processing::Done || vb.processing != Processing::Done {
        return Ok(false);
    }
    let Some(kind) = media_type(va).zip(media_type(vb)).and_then(|(x, y)| CompareKind::of_pair(x, y)) else {
        return Ok(false);
    };
    if !diffs::insert_pending(tx, workspace, va.asset_id, (va.number, vb.number), kind, now).await? {
        return Ok(false);
    }
    vellum_store::jobs::enqueue(tx, &compare_job(workspace, va.asset_id, va.number, vb.number), now).await?;
    Ok(true)
}

/// The comparisons a newly processed version `v` (as the caller just saved it) should have: against its predecessor, from it
/// to a successor processed first, and against every earlier version with threads still open.
pub(crate) async fn queue_for_processed(tx: &mut Tx, workspace: Id, v: &Version, now: Timestamp) -> Result<()> {
    let all = assets::versions(&mut *tx, v.asset_id).await?;
    let by_number = |n: u32| all.iter().find(|x| x.number == n);
    if let Some(prev) = v.number.checked_sub(1).and_then(by_number) {
        queue(tx, workspace, prev, v, now).await?;
    }
    if let Some(next) = by_number(v.number + 1) {
        queue(tx, workspace, v, next, now).await?;
    }
    let mut origins: Vec<u32> = comments::of_version(&mut *tx, v.asset_id, v.number)
        .await?
        .into_iter()
        .filter(|c| c.origin_version + 1 < v.number && c.anchor.is_some())
        .map(|c| c.origin_version)
        .collect();
    origins.sort_unstable();
    origins.dedup();
    for o in origins {
        if let Some(origin) = by_number(o) {
            queue(tx, workspace, origin, v, now).await?;
        }
    }
    Ok(())
}

fn view(d: VersionDiff) -> CompareView {
    CompareView { a: d.a, b: d.b, kind: d.kind, pages: d.pages, text: d.text, computed_at: d.computed_at }
}

impl Core {
    /// Both versions, which the actor must be able to see (404 otherwise).
    async fn pair(&self, c: &mut Conn, actor: &Actor, asset: Id, a: u32, b: u32) -> Result<(Id, Version, Version)> {
        let (found, access) = access::asset(&mut *c, &actor.user, asset).await?;
        let mut out = Vec::with_capacity(2);
        for n in [a, b] {
            if !access::may_see_version(&access, &found, n) {
                return Err(Error::not_found("version"));
            }
            out.push(assets::version(&mut *c, asset, n).await?.ok_or_else(|| Error::not_found("version"))?);
        }
        let vb = out.pop().ok_or_else(|| Error::not_found("version"))?;
        let va = out.pop().ok_or_else(|| Error::not_found("version"))?;
        Ok((found.workspace_id, va, vb))
    }

    /// The difference between versions `a` and `b` of an asset: ready, or queued and pending.
    pub async fn compare(&self, actor: &Actor, asset: Id, a: u32, b: u32) -> Result<CompareAnswer> {
        let mut c = self.store.conn().await?;
        let (workspace, va, vb) = self.pair(&mut c, actor, asset, a, b).await?;
        for v in [&va, &vb] {
            if v.processing == Processing::Failed {
                return Err(not_comparable(format!(
                    "version {} could not be processed, so it has no preview",
                    v.number
                )));
            }
            if let Some(t) = media_type(v).filter(|t| CompareKind::of(*t).is_none()) {
                return Err(not_comparable(format!("version {} is {}, which has no comparison", v.number, t.mime())));
            }
        }
        if let (Some(ta), Some(tb)) = (media_type(&va), media_type(&vb)) {
            if CompareKind::of_pair(ta, tb).is_none() {
                return Err(not_comparable(format!(
                    "version {a} is {} and version {b} is {}: only versions compared the same way can be",
                    ta.mime(),
                    tb.mime()
                )));
            }
        }
        match diffs::get(&mut c, asset, a, b).await? {
            Some(d) if d.state == DiffState::Done => return Ok(CompareAnswer::Ready(view(d))),
            Some(d) if d.state == DiffState::Failed => {
                return Err(not_comparable(format!(
                    "comparing the versions failed: {}",
                    d.error.as_deref().unwrap_or("unknown reason")
                )))
            }
            Some(_) => return Ok(CompareAnswer::Pending),
            None => {}
        }
        drop(c);
        let mut tx = self.store.write().await?;
        let queued = queue(&mut tx, workspace, &va, &vb, self.now()).await?;
        tx.commit().await?;
        if queued {
            self.wake.notify_waiters();
        }
        Ok(CompareAnswer::Pending)
    }

    /// The heat-map of page `page` (1 for an image) of a finished comparison.
    pub async fn compare_heatmap(&self, actor: &Actor, asset: Id, a: u32, b: u32, page: u32) -> Result<HeatmapAnswer> {
        let (whole, _) = self.asset(actor, asset).await?;
        for n in [a, b] {
            crate::rights::gate_member(self, actor, &whole, n, crate::rights::FileRoute::Rendition).await?;
        }
        match self.compare(actor, asset, a, b).await? {
            CompareAnswer::Pending => Ok(HeatmapAnswer::Pending),
            CompareAnswer::Ready(d) => {
                let unavailable = || {
                    Error::new(
                        ErrorCode::NotFound,
                        format!("page {page} has no heat-map: it is on one version only, or beyond the compared pages"),
                    )
                };
                if !d.pages.iter().any(|p| p.page == page && p.presence == Presence::Both) {
                    return Err(unavailable());
                }
                let mut c = self.store.conn().await?;
                let sha256 = diffs::heatmap(&mut c, asset, (a, b), page).await?.ok_or_else(unavailable)?;
                let size = self.blobs.size(&BlobKey::parse(&sha256)?).await?.ok_or_else(crate::blobs::vanished)?;
                Ok(HeatmapAnswer::Ready { sha256, size, created_at: d.computed_at.unwrap_or_else(|| self.now()) })
            }
        }
    }
}

fn payload(job: &Job) -> std::result::Result<(Id, u32, u32), JobFailure> {
    let n = |k: &str| job.payload[k].as_u64().and_then(|v| u32::try_from(v).ok());
    match (job.payload["asset_id"].as_str().and_then(parse_id), n("a"), n("b")) {
        (Some(asset), Some(a), Some(b)) => Ok((asset, a, b)),
        _ => Err(JobFailure::permanent("the job's payload names no pair of versions")),
    }
}

/// Copies a stored rendition into the job folder.
async fn stage_rendition(core: &Core, v: &Version, name: &str, to: &Path) -> std::result::Result<bool, JobFailure> {
    let r = {
        let mut c = core.store.conn().await?;
        assets::rendition(&mut c, v.asset_id, v.number, name).await?
    };
    let Some(r) = r else { return Ok(false) };
    let key = BlobKey::parse(&r.sha256).map_err(|e| JobFailure::permanent(e.to_string()))?;
    crate::media::stage_to(core, &key, to).await?;
    Ok(true)
}

/// One compared picture: its entry and its heat-map.
async fn picture(
    core: &Core,
    (va, vb): (&Version, &Version),
    name: &str,
    page: u32,
    dir: &Path,
) -> std::result::Result<(PageDiff, Option<Vec<u8>>), JobFailure> {
    let (pa, pb) = (dir.join(format!("a-{page}")), dir.join(format!("b-{page}")));
    let (has_a, has_b) = (stage_rendition(core, va, name, &pa).await?, stage_rendition(core, vb, name, &pb).await?);
    match (has_a, has_b) {
        (true, true) => {}
        (true, false) => return Ok((PageDiff::one_sided(page, Presence::Removed), None)),
        (false, true) => return Ok((PageDiff::one_sided(page, Presence::Added), None)),
        (false, false) => return Err(JobFailure::permanent(format!("neither version has a {name} to compare"))),
    }
    let limits = core.limits.pixels;
    let d = tokio::task::spawn_blocking(move || vellum_media::diff_files(&pa, &pb, limits))
        .await
        .map_err(|e| JobFailure::transient(e.to_string()))?
        .map_err(|e| JobFailure::permanent(format!("the previews could not be compared: {e}")))?;
    let entry = PageDiff { page, presence: Presence::Both, changed_fraction: d.changed_fraction, regions: d.regions };
    Ok((entry, Some(d.heatmap)))
}

/// The first `MAX_TEXT` bytes of a version's file, as text.
async fn file_text(core: &Core, v: &Version) -> std::result::Result<String, JobFailure> {
    use tokio::io::AsyncReadExt;
    let key = BlobKey::parse(&v.sha256).map_err(|e| JobFailure::permanent(e.to_string()))?;
    let mut r = core.blobs.open(&key, Some((0, MAX_TEXT))).await.map_err(|e| JobFailure::transient(e.to_string()))?;
    let mut bytes = Vec::new();
    r.read_to_end(&mut bytes).await.map_err(|e| JobFailure::transient(e.to_string()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The text of a document version, from its PDF (the file itself, or the PDF an office file was
/// converted to) in its own folder of the job: every compared page, not only the excerpt kept
/// for search. Falls back to that excerpt when the text cannot be extracted again.
async fn document_text(core: &Core, v: &Version, dir: &Path) -> std::result::Result<Option<String>, JobFailure> {
    let excerpt = v.media.as_ref().and_then(|m| m.info.text.clone());
    std::fs::create_dir_all(dir).map_err(|e| JobFailure::transient(e.to_string()))?;
    let pdf = dir.join("document.pdf");
    let staged = if media_type(v) == Some(MediaType::Pdf) {
        let key = BlobKey::parse(&v.sha256).map_err(|e| JobFailure::permanent(e.to_string()))?;
        crate::media::stage_to(core, &key, &pdf).await?;
        true
    } else {
        stage_rendition(core, v, "pdf", &pdf).await?
    };
    if !staged {
        return Ok(excerpt);
    }
    match vellum_media::probe::pdf_text(&pdf, dir, MAX_PAGES, MAX_DOCUMENT_TEXT).await {
        Ok(text) => Ok(text),
        Err(e) => {
            tracing::warn!(asset = %v.asset_id, version = v.number, error = %e, "text extraction for compare failed");
            Ok(excerpt)
        }
    }
}

/// Computes one comparison (the `compare_versions` job).
pub(crate) async fn compare_versions(core: &Core, job: &Job) -> std::result::Result<(), JobFailure> {
    let (asset, a, b) = payload(job)?;
    let (va, vb, row) = {
        let mut c = core.store.conn().await?;
        let gone = || JobFailure::permanent("the version no longer exists");
        let va = assets::version(&mut c, asset, a).await?.ok_or_else(gone)?;
        let vb = assets::version(&mut c, asset, b).await?.ok_or_else(gone)?;
        let row =
            diffs::get(&mut c, asset, a, b).await?.ok_or_else(|| JobFailure::permanent("nothing asked for this"))?;
        (va, vb, row)
    };
    if row.state == DiffState::Done {
        return Ok(());
    }
    let dir = tempfile::Builder::new()
        .prefix("vellum-job-")
        .tempdir()
        .map_err(|e| JobFailure::transient(format!("no job folder: {e}")))?;
    let mut pages = Vec::new();
    let mut heatmaps = Vec::new();
    let text = match row.kind {
        CompareKind::Image | CompareKind::Video => {
            let (entry, heat) = picture(core, (&va, &vb), "preview", 1, dir.path()).await?;
            pages.push(entry);
            heatmaps.extend(heat.map(|h| (1, h)));
            None
        }
        CompareKind::Pages => {
            let count = |v: &Version| v.media.as_ref().and_then(|m| m.info.page_count).unwrap_or(1).min(MAX_PAGES);
            for k in 1..=count(&va).max(count(&vb)) {
                let (entry, heat) = picture(core, (&va, &vb), &format!("page-{k}"), k, dir.path()).await?;
                pages.push(entry);
                heatmaps.extend(heat.map(|h| (k, h)));
            }
            let ta = document_text(core, &va, &dir.path().join("text-a")).await?;
            let tb = document_text(core, &vb, &dir.path().join("text-b")).await?;
            match (ta, tb) {
                (None, None) => None,
                (ta, tb) => Some(
                    tokio::task::spawn_blocking(move || {
                        text_diff::diff(ta.as_deref().unwrap_or(""), tb.as_deref().unwrap_or(""))
                    })
                    .await
                    .map_err(|e| JobFailure::transient(e.to_string()))?,
                ),
            }
        }
        CompareKind::Text => {
            let (ta, tb) = (file_text(core, &va).await?, file_text(core, &vb).await?);
            Some(
                tokio::task::spawn_blocking(move || text_diff::diff(&ta, &tb))
                    .await
                    .map_err(|e| JobFailure::transient(e.to_string()))?,
            )
        }
    };
    let mut stored = Vec::with_capacity(heatmaps.len());
    for (page, png) in heatmaps {
        stored.push((page, write_blob(core, &png).await?));
    }
    let now = core.now();
    let mut tx = core.store.write().await?;
    for (_, blob) in &stored {
        crate::blobs::record(&mut tx, core.blobs.as_ref(), blob.key.as_str(), blob.size, now).await?;
    }
    let keys: Vec<(u32, String)> = stored.iter().map(|(p, b)| (*p, b.key.as_str().to_string())).collect();
    let done = VersionDiff { pages, text, ..row };
    diffs::finish(&mut tx, &done, &keys, now).await?;
    tx.commit().await?;
    Ok(())
}

async fn write_blob(core: &Core, bytes: &[u8]) -> Result<vellum_blob::StoredBlob> {
    let mut w = core.blobs.begin().await?;
    w.write(bytes).await?;
    Ok(w.finish().await?)
}

/// A comparison that will not be retried says why, for those who asked.
pub(crate) async fn mark_failed(tx: &mut Tx, job: &Job, reason: &str, now: Timestamp) -> Result<()> {
    if let Ok((asset, a, b)) = payload(job) {
        diffs::fail(tx, asset, (a, b), reason, now).await?;
    }
    Ok(())
}

/// A failed comparison retried by an admin is pending again.
pub(crate) async fn mark_pending(tx: &mut Tx, job: &Job) -> Result<()> {
    if let Ok((asset, a, b)) = payload(job) {
        diffs::reset(tx, asset, (a, b)).await?;
    }
    Ok(())
}
