//! Versions: a new version of an asset, restoring an earlier one, reading them (with
//! look-alikes trimmed to what the caller may see), and recording downloads.

use vellum_blob::{BlobKey, BlobRead};
use vellum_domain::audit::AuditAction;
use vellum_domain::ErrorCode;
use vellum_domain::{
    role::Capability,
    validate::{ChangeNote, RESTORE_NOTE_MAX_CHARS},
    Id, Timestamp,
};
use vellum_store::{
    assets::{self},
    model::{NewAuditEvent, Processing, Version},
};

use super::{clean_filename, content_type_for, store_state, version_json, UploadFields};

use crate::{access, access::Access, record, Actor, Core, Error, Result, StoredBlob};

impl Core {
    /// Checks, before any bytes are read, that the actor may add a version to this asset.
    pub async fn version_upload_access(&self, actor: &Actor, asset: Id) -> Result<Access> {
        let (_, access) = access::asset(&mut *self.store.conn().await?, &actor.user, asset).await?;
        access.require(Capability::Upload)?;
        Ok(access)
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
        let size = blob.size;
        let made = loose.settle(self.insert_version(actor, asset, fields, blob).await).await?;
        self.counters.uploaded(size);
        Ok(made)
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
            purged_at: None,
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
        crate::events::version_created(&mut tx, &asset, version.number, actor.user.id, now).await?;
        tx.commit().await?;
        self.wake.notify_waiters();
        Ok(version)
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

    /// Opens stored bytes by content hash, all of them or `len` bytes from `offset`. Callers
    /// have checked that the hash belongs to something the actor may see.
    pub async fn open_blob(&self, sha256: &str, range: Option<(u64, u64)>) -> Result<BlobRead> {
        Ok(self.blobs.open(&BlobKey::parse(sha256)?, range).await?)
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
