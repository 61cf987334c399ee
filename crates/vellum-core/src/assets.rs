//! Assets and their versions: upload, new version, restore, edit, list and download.

mod import;

use serde::Deserialize;
use serde_json::json;
use vellum_blob::{BlobKey, BlobRead};
use vellum_domain::audit::AuditAction;
use vellum_domain::ErrorCode;
use vellum_domain::{
    folder::Folder,
    id::new_id,
    metadata::AssetMetadata,
    page::{Page, PageRequest},
    role::Capability,
    status::{derive_status, AssetStatus},
    validate::{AssetKind, ChangeNote, Name, RESTORE_NOTE_MAX_CHARS},
    Id, Timestamp,
};
use vellum_store::{
    assets::{self, AssetFilter},
    model::{Asset, NewAuditEvent, Processing, Version},
    reviews, Tx,
};

pub use import::{ImportItem, ImportOutcome, ImportSource};

use crate::{access, access::Access, record, Actor, Core, Error, Result, StoredBlob};

/// The form fields that come with an uploaded file.
#[derive(Debug, Clone, Default)]
pub struct UploadFields {
    pub title: Option<String>,
    pub kind: Option<String>,
    pub metadata: Option<String>,
    pub note: Option<String>,
    /// The name the file had on the uploader's machine.
    pub filename: Option<String>,
    /// The media type the client declared.
    pub content_type: Option<String>,
    /// The library folder to file the new asset in (`a/b`); empty means none.
    pub folder: Option<String>,
}

/// An edit of an asset's details.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssetPatch {
    pub title: Option<String>,
    pub metadata: Option<serde_json::Value>,
}

/// A library query.
#[derive(Debug, Clone, Default)]
pub struct LibraryQuery {
    pub status: Option<String>,
    pub kind: Option<String>,
    /// Only assets that have an approved version (whatever a newer version is doing).
    pub approved: Option<bool>,
    /// Only assets in this folder or below it (`a` matches `a` and `a/b`); empty means all.
    pub folder: Option<String>,
    pub page: PageRequest,
}

/// Keeps only the last path segment, without control characters, so a client-given name can
/// never act as a path.
pub fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base.chars().filter(|c| !c.is_control() && *c != '"').take(255).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_string();
    if cleaned.is_empty() {
        "file".to_string()
    } else {
        cleaned
    }
}

/// The declared media type if it looks like one, else a guess from the file's extension.
/// (Issue #3 replaces this with detection from content.)
pub fn content_type_for(declared: Option<&str>, filename: &str) -> String {
    let declared = declared.map(|d| d.trim().to_ascii_lowercase());
    if let Some(d) = declared.filter(|d| {
        d != "application/octet-stream"
            && d.len() <= 127
            && d.split_once('/').is_some_and(|(a, b)| !a.is_empty() && !b.is_empty())
            && d.chars().all(|c| c.is_ascii_alphanumeric() || "/.+-_=; ".contains(c))
    }) {
        return d;
    }
    let ext = filename.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "tif" | "tiff" => "image/tiff",
        "svg" => "image/svg+xml",
        "heic" => "image/heic",
        "pdf" => "application/pdf",
        "psd" => "image/vnd.adobe.photoshop",
        "ai" | "eps" => "application/postscript",
        "mp4" => "video/mp4",
        "mov" => "video/quicktime",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        "wav" => "audio/wav",
        "txt" => "text/plain",
        "md" => "text/markdown",
        "html" | "htm" => "text/html",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
    .to_string()
}

fn title_from(filename: &str) -> String {
    match filename.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem.to_string(),
        _ => filename.to_string(),
    }
}

/// What a viewer sees of an asset: only its approved version.
fn as_seen_by(access: &Access, mut asset: Asset) -> Asset {
    if !access.sees_work_in_progress() {
        if let Some(v) = asset.approved_version {
            asset.current_version = v;
            asset.status = AssetStatus::Approved;
        }
    }
    asset
}

/// Recomputes the derived status from the latest review and stores the asset's state.
pub(crate) async fn store_state(tx: &mut Tx, asset: &mut Asset) -> Result<()> {
    let latest = reviews::latest_for_asset(&mut *tx, asset.id).await?;
    store_state_from(tx, asset, latest.map(|r| (r.version, r.status))).await
}

/// Stores the asset's state given its latest review (version, status), already known.
pub(crate) async fn store_state_from(
    tx: &mut Tx,
    asset: &mut Asset,
    latest: Option<(u32, vellum_domain::review::ReviewStatus)>,
) -> Result<()> {
    asset.status = derive_status(asset.current_version, latest);
    asset.updated_at = Timestamp::now();
    assets::update_state(tx, asset).await?;
    Ok(())
}

fn version_json(v: &Version) -> serde_json::Value {
    json!({"number": v.number, "sha256": v.sha256, "size": v.size, "filename": v.filename,
           "content_type": v.content_type, "note": v.note, "restored_from": v.restored_from})
}

/// A validated upload, ready to become an asset with its first version.
struct NewAsset {
    title: Name,
    kind: AssetKind,
    metadata: AssetMetadata,
    folder: Option<Folder>,
    note: ChangeNote,
    filename: String,
    content_type: String,
    blob: StoredBlob,
}

/// A form field as given, if it says anything: a blank one is an empty form input and means
/// the default (control characters are not blank: they are refused where they are read).
fn given(field: &Option<String>) -> Option<&str> {
    field.as_deref().filter(|t| !t.trim().is_empty() || t.chars().any(char::is_control))
}

impl NewAsset {
    fn from_upload(fields: UploadFields, blob: StoredBlob) -> Result<Self> {
        let filename = clean_filename(fields.filename.as_deref().unwrap_or("file"));
        let title = Name::parse("the title", given(&fields.title).unwrap_or(&title_from(&filename)))?;
        let kind = match fields.kind.as_deref() {
            Some(k) => AssetKind::parse(k.trim())?,
            None => {
                return Err(Error::new(
                    ErrorCode::InvalidKind,
                    "choose a kind: visual, video, written, design_source or campaign_ready",
                ))
            }
        };
        Ok(NewAsset {
            title,
            kind,
            metadata: AssetMetadata::from_json_text(fields.metadata.as_deref().unwrap_or(""))?,
            folder: fields.folder.as_deref().map(Folder::parse_optional).transpose()?.flatten(),
            note: ChangeNote::parse(given(&fields.note).unwrap_or("First version"))?,
            content_type: content_type_for(fields.content_type.as_deref(), &filename),
            filename,
            blob,
        })
    }
}

/// The rows a new asset starts as: the asset and its first version.
fn first_rows(actor: &Actor, access: &Access, new: NewAsset, now: Timestamp) -> (Asset, Version) {
    let asset = Asset {
        id: new_id(),
        workspace_id: access.workspace.id,
        title: new.title.into_inner(),
        kind: new.kind,
        metadata: new.metadata,
        folder: new.folder,
        status: AssetStatus::Draft,
        current_version: 1,
        approved_version: None,
        created_by: actor.user.id,
        created_at: now,
        updated_at: now,
    };
    let version = Version {
        asset_id: asset.id,
        number: 1,
        size: new.blob.size,
        content_type: new.content_type,
        sha256: new.blob.key.as_str().to_string(),
        filename: new.filename,
        note: new.note.into_inner(),
        restored_from: None,
        created_by: actor.user.id,
        created_at: now,
        processing: Processing::Pending,
        processing_reason: None,
        media: None,
        focal_point: None,
    };
    (asset, version)
}

/// Writes new assets with their first versions, blob rows and processing jobs: a few
/// statements for the whole list, not a few per asset. The blob rows come first and their
/// bytes are checked after (see `crate::blobs::record_many`).
async fn insert_first_rows(core: &Core, tx: &mut Tx, ws: Id, list: &[(Asset, Version)], now: Timestamp) -> Result<()> {
    let blobs: Vec<(&str, u64)> = list.iter().map(|(_, v)| (v.sha256.as_str(), v.size)).collect();
    crate::blobs::record_many(tx, core.blobs.as_ref(), &blobs, now).await?;
    let created: Vec<Asset> = list.iter().map(|(a, _)| a.clone()).collect();
    assets::insert_many(&mut *tx, &created).await?;
    let versions: Vec<Version> = list.iter().map(|(_, v)| v.clone()).collect();
    assets::insert_versions(&mut *tx, ws, &versions).await?;
    let jobs: Vec<_> = list.iter().map(|(a, _)| crate::jobs::process_version(ws, a.id, 1)).collect();
    vellum_store::jobs::enqueue_many(&mut *tx, &jobs, now).await?;
    Ok(())
}

/// Records each new asset's creation in the audit log; the last writes of the transaction.
async fn audit_created(tx: &mut Tx, actor: &Actor, list: &[(Asset, Version)]) -> Result<()> {
    let events = list
        .iter()
        .map(|(asset, version)| NewAuditEvent {
            workspace_id: Some(asset.workspace_id),
            object_id: Some(asset.id.to_string()),
            version: Some(1),
            after: Some(json!({
                "title": asset.title, "kind": asset.kind, "metadata": asset.metadata, "folder": asset.folder,
                "version": version_json(version),
            })),
            ..NewAuditEvent::new(AuditAction::AssetCreate, "asset")
        })
        .collect();
    crate::record_many(tx, &actor.origin, Some(&actor.user), events).await
}

impl Core {
    /// Checks, before any bytes are read, that the actor may upload into this workspace.
    pub async fn upload_access(&self, actor: &Actor, ws: &str) -> Result<Access> {
        let access = self.workspace(actor, ws).await?;
        access.require(Capability::Upload)?;
        Ok(access)
    }

    /// Checks, before any bytes are read, that the actor may add a version to this asset.
    pub async fn version_upload_access(&self, actor: &Actor, asset: Id) -> Result<Access> {
        let (_, access) = access::asset(&mut *self.store.conn().await?, &actor.user, asset).await?;
        access.require(Capability::Upload)?;
        Ok(access)
    }

    /// Creates an asset with its first version from a blob already made durable. If that
    /// fails, the blob is removed again unless a row points at it.
    pub async fn create_asset(&self, actor: &Actor, ws: &str, fields: UploadFields, blob: StoredBlob) -> Result<Asset> {
        let loose = self.loose_blob(blob.clone());
        loose.settle(self.insert_asset(actor, ws, fields, blob).await).await
    }

    async fn insert_asset(&self, actor: &Actor, ws: &str, fields: UploadFields, blob: StoredBlob) -> Result<Asset> {
        let new = NewAsset::from_upload(fields, blob)?;
        self.check_upload(&new.blob).await?;
        let mut tx = self.store.write().await?;
        let access = access::workspace(&mut tx, &actor.user, ws).await?;
        access.require(Capability::Upload)?;
        let rows = [first_rows(actor, &access, new, Timestamp::now())];
        let now = rows[0].0.created_at;
        insert_first_rows(self, &mut tx, access.workspace.id, &rows, now).await?;
        audit_created(&mut tx, actor, &rows).await?;
        tx.commit().await?;
        self.wake.notify_waiters();
        let [(asset, _)] = rows;
        Ok(asset)
    }

    /// Adds a version from a blob already made durable. An open review is superseded and,
    /// like one that asked for changes, restarted on the new version. If that fails, the blob
    /// is removed again unless a row points at it.
    pub async fn add_version(
        &self,
        actor: &Actor,
        asset: Id,
        fields: UploadFields,
        blob: StoredBlob,
    ) -> Result<Version> {
        let loose = self.loose_blob(blob.clone());
        loose.settle(self.insert_version(actor, asset, fields, blob).await).await
    }

    async fn insert_version(
        &self,
        actor: &Actor,
        asset: Id,
        fields: UploadFields,
        blob: StoredBlob,
    ) -> Result<Version> {
        let filename = clean_filename(fields.filename.as_deref().unwrap_or("file"));
        let note = ChangeNote::parse(fields.note.as_deref().unwrap_or(""))?;
        let content_type = content_type_for(fields.content_type.as_deref(), &filename);
        self.check_upload(&blob).await?;
        self.append_version(actor, asset, note, filename, content_type, blob, None).await
    }

    /// Restores an old version by making a new version with its content; history stays as it was.
    pub async fn restore_version(&self, actor: &Actor, asset: Id, number: u32, note: Option<&str>) -> Result<Version> {
        let old = {
            let mut c = self.store.conn().await?;
            let (a, access) = access::asset(&mut c, &actor.user, asset).await?;
            if !access::may_see_version(&access, &a, number) {
                return Err(Error::not_found("version"));
            }
            assets::version(&mut c, asset, number).await?.ok_or_else(|| Error::not_found("version"))?
        };
        if note.is_some_and(|n| n.chars().count() > RESTORE_NOTE_MAX_CHARS || n.chars().any(char::is_control)) {
            return Err(Error::new(
                ErrorCode::InvalidNote,
                format!(
                    "the restore note must be at most {RESTORE_NOTE_MAX_CHARS} characters, without control characters"
                ),
            ));
        }
        let note = match note.map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) => ChangeNote::parse(&format!("Restored version {number}: {n}"))?,
            None => ChangeNote::parse(&format!("Restored version {number}"))?,
        };
        let key = BlobKey::parse(&old.sha256)?;
        let blob = StoredBlob { key, size: old.size };
        self.append_version(actor, asset, note, old.filename, old.content_type, blob, Some(number)).await
    }

    #[allow(clippy::too_many_arguments)]
    async fn append_version(
        &self,
        actor: &Actor,
        asset_id: Id,
        note: ChangeNote,
        filename: String,
        content_type: String,
        blob: StoredBlob,
        restored_from: Option<u32>,
    ) -> Result<Version> {
        self.retrying("add_version", || {
            self.append_version_once(
                actor,
                asset_id,
                note.clone(),
                filename.clone(),
                content_type.clone(),
                blob.clone(),
                restored_from,
            )
        })
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn append_version_once(
        &self,
        actor: &Actor,
        asset_id: Id,
        note: ChangeNote,
        filename: String,
        content_type: String,
        blob: StoredBlob,
        restored_from: Option<u32>,
    ) -> Result<Version> {
        let mut tx = self.store.write().await?;
        let (mut asset, access) = access::asset_for_update(&mut tx, &actor.user, asset_id).await?;
        access.require(Capability::Upload)?;
        let now = Timestamp::now();
        let version = Version {
            asset_id,
            number: asset.current_version + 1,
            size: blob.size,
            content_type,
            sha256: blob.key.as_str().to_string(),
            filename,
            note: note.into_inner(),
            restored_from,
            created_by: actor.user.id,
            created_at: now,
            processing: Processing::Pending,
            processing_reason: None,
            media: None,
            focal_point: None,
        };
        crate::blobs::record(&mut tx, self.blobs.as_ref(), &version.sha256, blob.size, now).await?;
        assets::insert_version(&mut tx, asset.workspace_id, &version).await?;
        let job = crate::jobs::process_version(asset.workspace_id, asset.id, version.number);
        vellum_store::jobs::enqueue(&mut tx, &job, now).await?;
        asset.current_version = version.number;
        let review_events =
            crate::reviews::restart_on_new_version(&mut tx, &actor.user, &asset, version.number, now).await?;
        store_state(&mut tx, &mut asset).await?;
        let action = if restored_from.is_some() { AuditAction::VersionRestore } else { AuditAction::VersionCreate };
        record(
            &mut tx,
            &actor.origin,
            Some(&actor.user),
            NewAuditEvent {
                workspace_id: Some(asset.workspace_id),
                object_id: Some(asset.id.to_string()),
                version: Some(version.number),
                after: Some(version_json(&version)),
                ..NewAuditEvent::new(action, "asset")
            },
        )
        .await?;
        for e in review_events {
            record(&mut tx, &actor.origin, Some(&actor.user), e).await?;
        }
        tx.commit().await?;
        self.wake.notify_waiters();
        Ok(version)
    }

    /// The assets of a workspace the actor may see, newest first.
    pub async fn library(&self, actor: &Actor, ws: &str, q: &LibraryQuery) -> Result<Page<Asset>> {
        let mut c = self.store.conn().await?;
        let access = access::workspace(&mut c, &actor.user, ws).await?;
        let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
            Some(s) => Some(AssetStatus::parse(s).ok_or_else(|| {
                Error::new(
                    ErrorCode::InvalidStatus,
                    format!("'{s}' is not a status; use draft, in_review, changes_requested, rejected or approved"),
                )
            })?),
            None => None,
        };
        let kind = q.kind.as_deref().filter(|k| !k.is_empty()).map(AssetKind::parse).transpose()?;
        let folder = q.folder.as_deref().map(Folder::parse_optional).transpose()?.flatten();
        let viewer = !access.sees_work_in_progress();
        let filter = AssetFilter {
            // Viewers see every listed asset as approved, so other statuses match nothing.
            status: if viewer { None } else { status },
            kind,
            folder,
            approved_only: viewer || q.approved == Some(true),
            never_approved: q.approved == Some(false),
            before: q.page.cursor_id()?,
            limit: q.page.fetch(),
        };
        // A viewer sees only approved assets: asking for anything else finds nothing.
        if viewer && (status.is_some_and(|s| s != AssetStatus::Approved) || q.approved == Some(false)) {
            return Ok(Page { items: Vec::new(), next_cursor: None });
        }
        let list = assets::list(&mut c, access.workspace.id, &filter).await?;
        let page = Page::from_fetched(list, &q.page, |a| a.id.to_string());
        Ok(page.map(|a| as_seen_by(&access, a)))
    }

    /// One asset, as the actor may see it.
    pub async fn asset(&self, actor: &Actor, id: Id) -> Result<(Asset, Access)> {
        let (asset, access) = access::asset(&mut *self.store.conn().await?, &actor.user, id).await?;
        Ok((as_seen_by(&access, asset), access))
    }

    /// Edits title and metadata (uploaders only); the audit event keeps before and after.
    pub async fn update_asset(&self, actor: &Actor, id: Id, patch: AssetPatch) -> Result<Asset> {
        let title = patch.title.as_deref().map(|t| Name::parse("the title", t)).transpose()?;
        let metadata = patch.metadata.map(AssetMetadata::from_json).transpose()?;
        let mut tx = self.store.write().await?;
        let (mut asset, access) = access::asset_for_update(&mut tx, &actor.user, id).await?;
        access.require(Capability::Upload)?;
        let before = json!({"title": asset.title, "metadata": asset.metadata});
        if let Some(t) = title {
            asset.title = t.into_inner();
        }
        if let Some(m) = metadata {
            asset.metadata = m;
        }
        asset.updated_at = Timestamp::now();
        assets::update_details(&mut tx, &asset).await?;
        record(
            &mut tx,
            &actor.origin,
            Some(&actor.user),
            NewAuditEvent {
                workspace_id: Some(asset.workspace_id),
                object_id: Some(asset.id.to_string()),
                before: Some(before),
                after: Some(json!({"title": asset.title, "metadata": asset.metadata})),
                ..NewAuditEvent::new(AuditAction::AssetUpdate, "asset")
            },
        )
        .await?;
        tx.commit().await?;
        Ok(asset)
    }

    /// The versions the actor may see, newest first.
    pub async fn versions(&self, actor: &Actor, asset: Id) -> Result<Vec<Version>> {
        let mut c = self.store.conn().await?;
        let (a, access) = access::asset(&mut c, &actor.user, asset).await?;
        let all = assets::versions(&mut c, asset).await?;
        let mut seen: Vec<Version> =
            all.into_iter().filter(|v| access::may_see_version(&access, &a, v.number)).collect();
        for v in &mut seen {
            hide_unseen_look_alikes(&mut c, &access, v).await?;
        }
        Ok(seen)
    }

    /// One version the actor may see.
    pub async fn version(&self, actor: &Actor, asset: Id, number: u32) -> Result<Version> {
        let mut c = self.store.conn().await?;
        let (a, access) = access::asset(&mut c, &actor.user, asset).await?;
        if !access::may_see_version(&access, &a, number) {
            return Err(Error::not_found("version"));
        }
        let mut v = assets::version(&mut c, asset, number).await?.ok_or_else(|| Error::not_found("version"))?;
        hide_unseen_look_alikes(&mut c, &access, &mut v).await?;
        Ok(v)
    }

    /// Records that the actor downloaded a version's file (the original, not a rendition).
    pub async fn record_download(&self, actor: &Actor, v: &Version) -> Result<()> {
        let mut tx = self.store.write().await?;
        let asset = assets::get(&mut tx, v.asset_id).await?.ok_or_else(|| Error::not_found("asset"))?;
        record(
            &mut tx,
            &actor.origin,
            Some(&actor.user),
            NewAuditEvent {
                workspace_id: Some(asset.workspace_id),
                object_id: Some(asset.id.to_string()),
                version: Some(v.number),
                after: Some(json!({"sha256": v.sha256, "size": v.size, "filename": v.filename})),
                ..NewAuditEvent::new(AuditAction::VersionDownload, "asset")
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Opens stored bytes by content hash, all of them or `len` bytes from `offset`. Callers
    /// have checked that the hash belongs to something the actor may see.
    pub async fn open_blob(&self, sha256: &str, range: Option<(u64, u64)>) -> Result<BlobRead> {
        Ok(self.blobs.open(&BlobKey::parse(sha256)?, range).await?)
    }

    /// Makes a batch of pending blobs durable with one flush (imports).
    pub async fn commit_blobs(&self, pending: Vec<vellum_blob::PendingBlob>) -> Result<Vec<StoredBlob>> {
        Ok(self.blobs.commit_pending(pending).await?)
    }

    /// Starts writing an upload's bytes to the blob store.
    pub async fn begin_blob(&self) -> Result<Box<dyn crate::BlobWriter>> {
        Ok(self.blobs.begin().await?)
    }
}

/// Look-alikes found when a version was processed name other assets; a caller who sees only
/// approved work (a viewer) is shown only those whose named version is the approved one, so
/// the list never reveals a draft's existence.
async fn hide_unseen_look_alikes(c: &mut vellum_store::Conn, access: &access::Access, v: &mut Version) -> Result<()> {
    if access.sees_work_in_progress() {
        return Ok(());
    }
    let Some(media) = v.media.as_mut() else {
        return Ok(());
    };
    let mut kept = Vec::with_capacity(media.near_duplicates.len());
    for near in media.near_duplicates.drain(..) {
        let approved = assets::get(&mut *c, near.asset_id).await?.and_then(|a| a.approved_version);
        if approved == Some(near.version) {
            kept.push(near);
        }
    }
    media.near_duplicates = kept;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_file_names_never_become_paths() {
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(clean_filename("C:\\Users\\ann\\logo.png"), "logo.png");
        assert_eq!(clean_filename(".."), "file");
        assert_eq!(clean_filename("a\u{0}b\".png"), "ab.png");
    }

    #[test]
    fn content_types_come_from_the_client_or_the_extension() {
        assert_eq!(content_type_for(Some("image/png"), "x.bin"), "image/png");
        assert_eq!(content_type_for(Some("application/octet-stream"), "x.pdf"), "application/pdf");
        assert_eq!(content_type_for(Some("text/html\r\nX-Evil: 1"), "x.jpg"), "image/jpeg");
        assert_eq!(content_type_for(None, "x.unknown"), "application/octet-stream");
    }
}
