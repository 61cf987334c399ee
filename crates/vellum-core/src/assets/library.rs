//! The library: listing a workspace's assets by filters and pages, opening one, and editing
//! its details.

use serde::Deserialize;
use serde_json::json;
use vellum_domain::audit::AuditAction;
use vellum_domain::ErrorCode;
use vellum_domain::{
    folder::Folder,
    metadata::AssetMetadata,
    page::{Page, PageRequest},
    role::Capability,
    status::AssetStatus,
    validate::{AssetKind, Name},
    Id, Timestamp,
};
use vellum_store::{
    assets::{self, AssetFilter},
    model::{Asset, NewAuditEvent},
};

use super::as_seen_by;

use crate::{access, access::Access, record, Actor, Core, Error, Result};
use vellum_store::Tx;

/// An edit of an asset's details.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssetPatch {
    pub title: Option<String>,
    pub metadata: Option<serde_json::Value>,
}

/// The most assets one bulk edit may change.
pub const MAX_BULK: usize = 500;

/// Applies a bulk `set` to metadata: each top-level field given replaces the asset's, and
/// `custom` is merged key by key (a null value removes the key).
pub fn merged(current: &AssetMetadata, set: &serde_json::Map<String, serde_json::Value>) -> serde_json::Value {
    let mut out = serde_json::to_value(current).unwrap_or_default();
    let Some(obj) = out.as_object_mut() else { return out };
    for (k, v) in set {
        if k == "custom" {
            let custom = obj.entry("custom").or_insert_with(|| json!({}));
            if let (Some(c), Some(given)) = (custom.as_object_mut(), v.as_object()) {
                for (ck, cv) in given {
                    if cv.is_null() {
                        c.remove(ck);
                    } else {
                        c.insert(ck.clone(), cv.clone());
                    }
                }
                continue;
            }
        }
        obj.insert(k.clone(), v.clone());
    }
    out
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

impl Core {
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

    /// Sets metadata on many assets of a workspace at once (uploaders): all or nothing, each
    /// result checked like a single edit, one audit event per asset.
    pub async fn bulk_metadata(
        &self,
        actor: &Actor,
        ws: &str,
        ids: &[Id],
        set: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Vec<Asset>> {
        if ids.is_empty() || ids.len() > MAX_BULK {
            return Err(Error::new(ErrorCode::InvalidBody, format!("asset_ids must list 1–{MAX_BULK} assets")));
        }
        let mut tx = self.store.write().await?;
        let access = access::workspace(&mut tx, &actor.user, ws).await?;
        access.require(Capability::Upload)?;
        let now = self.now();
        let mut changed = Vec::with_capacity(ids.len());
        for (i, &id) in ids.iter().enumerate() {
            if ids[..i].contains(&id) {
                continue;
            }
            let (mut asset, _) = access::asset_for_update(&mut tx, &actor.user, id).await?;
            if asset.workspace_id != access.workspace.id {
                return Err(Error::not_found("asset"));
            }
            let before = json!({"metadata": asset.metadata});
            let metadata = AssetMetadata::from_json(merged(&asset.metadata, set))
                .map_err(|e| Error::new(e.code(), format!("'{}': {e}", asset.title)))?;
            crate::metadata_schema::check_custom(&mut tx, asset.workspace_id, asset.kind, &metadata, true)
                .await
                .map_err(|e| match e {
                    Error::Fields { code, message, fields } => {
                        Error::Fields { code, message: format!("'{}': {message}", asset.title), fields }
                    }
                    other => other,
                })?;
            asset.metadata = metadata;
            asset.updated_at = now;
            assets::update_details(&mut tx, &asset).await?;
            record(
                &mut tx,
                &actor.origin,
                Some(&actor.user),
                NewAuditEvent {
                    workspace_id: Some(asset.workspace_id),
                    object_id: Some(asset.id.to_string()),
                    before: Some(before),
                    after: Some(json!({"metadata": asset.metadata, "bulk": true})),
                    ..NewAuditEvent::new(AuditAction::AssetUpdate, "asset")
                },
            )
            .await?;
            changed.push(asset);
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// Edits title and metadata (uploaders only); the audit event keeps before and after.
    pub async fn update_asset(&self, actor: &Actor, id: Id, patch: AssetPatch) -> Result<Asset> {
        let mut tx = self.store.write().await?;
        let asset = self.update_asset_in(&mut tx, actor, id, patch).await?;
        tx.commit().await?;
        Ok(asset)
    }

    /// `update_asset` inside the caller's transaction (accepting a proposal applies it so).
    pub(crate) async fn update_asset_in(&self, tx: &mut Tx, actor: &Actor, id: Id, patch: AssetPatch) -> Result<Asset> {
        let title = patch.title.as_deref().map(|t| Name::parse("the title", t)).transpose()?;
        let metadata = patch.metadata.map(AssetMetadata::from_json).transpose()?;
        let (mut asset, access) = access::asset_for_update(&mut *tx, &actor.user, id).await?;
        access.require(Capability::Upload)?;
        let before = json!({"title": asset.title, "metadata": asset.metadata});
        if let Some(t) = title {
            asset.title = t.into_inner();
        }
        if let Some(m) = metadata {
            crate::metadata_schema::check_custom(&mut *tx, asset.workspace_id, asset.kind, &m, true).await?;
            asset.metadata = m;
        }
        asset.updated_at = Timestamp::now();
        assets::update_details(&mut *tx, &asset).await?;
        record(
            &mut *tx,
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
        Ok(asset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bulk_set_replaces_fields_and_merges_custom_values() {
        let current =
            AssetMetadata::from_json(json!({"language": "en", "channels": ["web"], "custom": {"a": 1, "b": 2}}))
                .unwrap();
        let set = json!({"channels": ["social"], "custom": {"b": null, "c": "x"}});
        let out = merged(&current, set.as_object().unwrap());
        let m = AssetMetadata::from_json(out).unwrap();
        assert_eq!(m.language.as_deref(), Some("en"));
        assert_eq!(m.channels, vec!["social"]);
        assert_eq!(serde_json::Value::Object(m.custom), json!({"a": 1, "c": "x"}));
    }
}
