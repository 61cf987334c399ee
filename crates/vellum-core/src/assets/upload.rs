//! Uploading: a file and its form fields become a new asset with its first version (alone
//! or in an import's batch), and the blob store's side of receiving the bytes.

use serde_json::json;
use vellum_domain::audit::AuditAction;
use vellum_domain::ErrorCode;
use vellum_domain::{
    folder::Folder,
    id::new_id,
    metadata::AssetMetadata,
    role::Capability,
    status::AssetStatus,
    validate::{AssetKind, ChangeNote, Name},
    Id, Timestamp,
};
use vellum_store::{
    assets::{self},
    model::{Asset, NewAuditEvent, Processing, Version},
    Tx,
};

use super::version_json;

use crate::{access, access::Access, Actor, Core, Error, Result, StoredBlob};

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
    /// The approved brief the asset is work for, and which of its deliverables.
    pub brief_id: Option<String>,
    pub deliverable: Option<String>,
    /// The campaign it belongs to (follows from the brief when only that is named).
    pub campaign_id: Option<String>,
}

/// Reads the brief, deliverable and campaign an upload names (blank: none).
fn work_link(fields: &UploadFields) -> Result<crate::briefs::WorkLink> {
    let id = |key: &'static str, v: &Option<String>| -> Result<Option<Id>> {
        match given(v) {
            None => Ok(None),
            Some(s) => vellum_domain::id::parse_id(s.trim()).map(Some).ok_or_else(|| Error::Fields {
                code: ErrorCode::InvalidBrief,
                message: format!("{key}: '{s}' is not an id"),
                fields: vec![vellum_domain::fields::FieldError { key: key.into(), message: "not an id".into() }],
            }),
        }
    };
    Ok(crate::briefs::WorkLink {
        brief_id: id("brief_id", &fields.brief_id)?,
        deliverable: given(&fields.deliverable).map(|d| d.trim().to_string()),
        campaign_id: id("campaign_id", &fields.campaign_id)?,
    })
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

/// A validated upload, ready to become an asset with its first version.
pub(super) struct NewAsset {
    title: Name,
    kind: AssetKind,
    metadata: AssetMetadata,
    folder: Option<Folder>,
    note: ChangeNote,
    filename: String,
    content_type: String,
    pub(super) blob: StoredBlob,
}

/// A form field as given, if it says anything: a blank one is an empty form input and means
/// the default (control characters are not blank: they are refused where they are read).
fn given(field: &Option<String>) -> Option<&str> {
    field.as_deref().filter(|t| !t.trim().is_empty() || t.chars().any(char::is_control))
}

impl NewAsset {
    pub(super) fn from_upload(fields: UploadFields, blob: StoredBlob) -> Result<Self> {
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
pub(super) fn first_rows(actor: &Actor, access: &Access, new: NewAsset, now: Timestamp) -> (Asset, Version) {
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
        purged_at: None,
    };
    (asset, version)
}

/// Writes new assets with their first versions, blob rows and processing jobs: a few
/// statements for the whole list, not a few per asset. The blob rows come first and their
/// bytes are checked after (see `crate::blobs::record_many`).
pub(super) async fn insert_first_rows(
    core: &Core,
    tx: &mut Tx,
    ws: Id,
    list: &[(Asset, Version)],
    now: Timestamp,
) -> Result<()> {
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
pub(super) async fn audit_created(tx: &mut Tx, actor: &Actor, list: &[(Asset, Version)]) -> Result<()> {
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
    crate::record_many(tx, &actor.origin, Some(&actor.user), events).await?;
    let events = list.iter().map(|(asset, _)| crate::events::version_event(asset, 1, actor.user.id)).collect();
    let at = list.first().map_or_else(vellum_domain::Timestamp::now, |(_, v)| v.created_at);
    crate::events::publish_many(tx, events, at).await
}

impl Core {
    /// Checks, before any bytes are read, that the actor may upload into this workspace.
    pub async fn upload_access(&self, actor: &Actor, ws: &str) -> Result<Access> {
        let access = self.workspace(actor, ws).await?;
        access.require(Capability::Upload)?;
        Ok(access)
    }

    /// Creates an asset with its first version from a blob already made durable. If that
    /// fails, the blob is removed again unless a row points at it.
    pub async fn create_asset(&self, actor: &Actor, ws: &str, fields: UploadFields, blob: StoredBlob) -> Result<Asset> {
        let loose = self.loose_blob(blob.clone());
        let size = blob.size;
        let made = loose.settle(self.insert_asset(actor, ws, fields, blob).await).await?;
        self.counters.uploaded(size);
        Ok(made)
    }

    async fn insert_asset(&self, actor: &Actor, ws: &str, fields: UploadFields, blob: StoredBlob) -> Result<Asset> {
        let link = work_link(&fields)?;
        let new = NewAsset::from_upload(fields, blob)?;
        self.check_upload(&new.blob).await?;
        let mut tx = self.store.write().await?;
        let access = access::workspace(&mut tx, &actor.user, ws).await?;
        access.require(Capability::Upload)?;
        crate::metadata_schema::check_custom(&mut tx, access.workspace.id, new.kind, &new.metadata, true).await?;
        let link = crate::briefs::check_link(&mut tx, &actor.user, access.workspace.id, link).await?;
        let rows = [first_rows(actor, &access, new, Timestamp::now())];
        let now = rows[0].0.created_at;
        let facts = crate::naming::FileFacts {
            asset: &rows[0].0,
            version: 1,
            campaign_id: link.campaign_id,
            deliverable: link.deliverable.as_deref(),
            uploader: &actor.user.name,
            at: now,
        };
        if let Some(n) = crate::naming::check(&mut tx, &facts, &rows[0].1.filename).await? {
            if n.required && !n.matched {
                return Err(Error::Detail {
                    code: ErrorCode::NamingMismatch,
                    message: format!(
                        "'{}' does not follow this workspace's naming convention: name it {}",
                        rows[0].1.filename, n.expected
                    ),
                    key: "expected",
                    value: n.expected,
                });
            }
        }
        insert_first_rows(self, &mut tx, access.workspace.id, &rows, now).await?;
        crate::briefs::link_new_asset(&mut tx, rows[0].0.id, &link, now).await?;
        audit_created(&mut tx, actor, &rows).await?;
        tx.commit().await?;
        self.wake.notify_waiters();
        let [(asset, _)] = rows;
        Ok(asset)
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
