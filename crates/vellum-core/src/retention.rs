//! Retention, legal holds and purging: which assets' files are due to go under the workspace's
//! policies (and the dry run that says why), the hourly job and `vellum retention run` that
//! purge them, deleting an asset (archive now and purge), and the holds that stop all of it.
//!
//! A purge keeps every row and the whole audit trail: the version gets `purged_at`, `purges`
//! records what went under which policy, and the bytes are removed only when no version that
//! is kept still uses them (blobs are shared by content).

use serde_json::json;
use vellum_domain::{
    audit::AuditAction,
    condition::Subject,
    id::new_id,
    retention::{Due, Life, Retention, RetentionSpec},
    role::Capability,
    ErrorCode, Id, Timestamp,
};
use vellum_store::{
    assets,
    jobs::{Job, JobKind, NewJob},
    metadata_schemas,
    model::{Asset, NewAuditEvent},
    retention::{self as store, Purge},
    rights, Conn,
};

pub use vellum_store::retention::LegalHold;

use crate::{access, jobs::JobFailure, record, setting_event, Actor, Core, Error, Origin, Result};

/// An asset whose files the policies say are due, and whether a hold keeps them.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub asset_id: Id,
    pub workspace_id: Id,
    pub title: String,
    /// Versions whose files are still kept.
    pub versions: Vec<u32>,
    pub due: Due,
    pub keep_years: u32,
    /// Live holds that keep it (name each).
    pub held_by: Vec<(Id, String)>,
}

/// What a retention run found and did.
#[derive(Debug, Clone, Default)]
pub struct RetentionReport {
    pub purged: Vec<Candidate>,
    pub held: Vec<Candidate>,
    /// Files removed from the blob store (shared content stays while a kept version uses it).
    pub blobs_removed: usize,
}

/// The hourly retention run.
pub fn job(at: Timestamp) -> NewJob {
    NewJob {
        queue: crate::jobs::SYSTEM_QUEUE.into(),
        kind: JobKind::ApplyRetention,
        payload: json!({}),
        unique_key: format!("apply_retention:{at}"),
        workspace_id: None,
        max_attempts: 3,
        run_at: at,
    }
}

pub(crate) async fn run_job(core: &Core, _job: &Job) -> std::result::Result<(), JobFailure> {
    let r = core.run_retention(false).await?;
    tracing::info!(purged = r.purged.len(), held = r.held.len(), blobs = r.blobs_removed, "applied retention");
    Ok(())
}

fn invalid(path: String, message: String) -> Error {
    Error::AtPath { code: ErrorCode::InvalidRetention, message, path }
}

async fn retention_of(c: &mut Conn, ws: Id) -> Result<Option<Retention>> {
    let Some(spec) = store::spec(&mut *c, ws).await? else { return Ok(None) };
    let schema = metadata_schemas::get(&mut *c, ws).await?.0;
    // A field removed from the schema since the policies were saved: judged as written.
    Ok(Retention::parse(spec, &schema).ok())
}

/// Assets of the workspace whose files are due now under its policies.
async fn candidates(c: &mut Conn, ws: Id, now: Timestamp) -> Result<Vec<Candidate>> {
    let Some(retention) = retention_of(&mut *c, ws).await? else { return Ok(Vec::new()) };
    let last = store::last_distributed(&mut *c, ws).await?;
    let mut out = Vec::new();
    for id in store::with_kept_files(&mut *c, ws).await? {
        let Some(asset) = assets::get(&mut *c, id).await? else { continue };
        let life = Life {
            created_at: asset.created_at,
            archived_at: rights::archived_at(&mut *c, id).await?,
            last_distributed_at: last.get(&id).copied(),
        };
        let subject = Subject::asset(asset.kind, &asset.title, &asset.metadata);
        let Some(due) = retention.due(&subject, life).filter(|d| d.due_at <= now) else { continue };
        let versions = assets::versions(&mut *c, id)
            .await?
            .into_iter()
            .filter(|v| v.purged_at.is_none())
            .map(|v| v.number)
            .collect();
        out.push(Candidate {
            asset_id: id,
            workspace_id: ws,
            title: asset.title.clone(),
            versions,
            keep_years: retention.spec.policies[due.policy].keep_years,
            due,
            held_by: store::holding(&mut *c, id).await?,
        });
    }
    Ok(out)
}

fn hold_error(held_by: &[(Id, String)]) -> Error {
    let names: Vec<&str> = held_by.iter().map(|(_, n)| n.as_str()).collect();
    Error::new(
        ErrorCode::UnderLegalHold,
        format!("a legal hold covers this asset ({}): lift it first, with a reason", names.join(", ")),
    )
}

impl Core {
    /// Marks an asset's kept versions purged (archiving it if it is not), in one transaction
    /// with its audit event; then removes the bytes nothing kept still uses.
    async fn purge_asset(
        &self,
        origin: &Origin,
        by: Option<&vellum_store::model::User>,
        asset: &Asset,
        reason: serde_json::Value,
    ) -> Result<usize> {
        let now = self.now();
        let mut tx = self.store.write().await?;
        let held = store::holding(&mut tx, asset.id).await?;
        if !held.is_empty() {
            return Err(hold_error(&held));
        }
        let mut hashes = Vec::new();
        let mut purged = Vec::new();
        for v in assets::versions(&mut tx, asset.id).await?.into_iter().filter(|v| v.purged_at.is_none()) {
            let p = Purge {
                id: new_id(),
                workspace_id: asset.workspace_id,
                asset_id: asset.id,
                version: v.number,
                sha256: v.sha256.clone(),
                purged_at: now,
                reason: reason.clone(),
            };
            hashes.extend(store::purge_version(&mut tx, &p).await?);
            purged.push(json!({"version": v.number, "sha256": v.sha256, "size": v.size}));
        }
        let was_archived = rights::archived_at(&mut tx, asset.id).await?;
        if was_archived.is_none() {
            rights::set_archived(&mut tx, asset.id, Some(now)).await?;
        }
        let event = NewAuditEvent {
            workspace_id: Some(asset.workspace_id),
            object_id: Some(asset.id.to_string()),
            after: Some(json!({"versions": purged, "reason": reason, "archived_at": was_archived.unwrap_or(now)})),
            ..NewAuditEvent::new(AuditAction::AssetPurge, "asset")
        };
        record(&mut tx, origin, by, event).await?;
        tx.commit().await?;
        hashes.sort();
        hashes.dedup();
        let mut removed = 0;
        for sha in hashes {
            match self.remove_purged(&sha).await {
                Ok(true) => removed += 1,
                Ok(false) => {}
                // The mark is rolled back with the claim; the bytes stay for a later run.
                Err(e) => tracing::warn!(blob = %sha, error = %e, "a purged file could not be removed yet"),
            }
        }
        Ok(removed)
    }

    /// Removes bytes whose last kept user was purged, under the claim on their row.
    async fn remove_purged(&self, sha256: &str) -> Result<bool> {
        let key = vellum_blob::BlobKey::parse(sha256)?;
        let mut tx = self.store.write().await?;
        if !vellum_store::blobs::claim_purged(&mut tx, sha256, self.now()).await? {
            return Ok(false);
        }
        if self.blobs.size(&key).await?.is_some() {
            self.blobs.remove(&key).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Applies every workspace's policies (or, in a dry run, lists what they would purge).
    pub async fn run_retention(&self, dry_run: bool) -> Result<RetentionReport> {
        let now = self.now();
        let mut c = self.store.conn().await?;
        let mut found = Vec::new();
        for ws in store::workspaces_with_policies(&mut c).await? {
            found.extend(candidates(&mut c, ws, now).await?);
        }
        drop(c);
        let mut report = RetentionReport::default();
        for cand in found {
            if !cand.held_by.is_empty() {
                report.held.push(cand);
                continue;
            }
            if !dry_run {
                let mut c = self.store.conn().await?;
                let Some(asset) = assets::get(&mut c, cand.asset_id).await? else { continue };
                drop(c);
                let reason = json!({"by": "retention", "policy": cand.due.policy, "after": cand.due.after,
                    "since": cand.due.since, "keep_years": cand.keep_years, "due_at": cand.due.due_at});
                match self.purge_asset(&Origin::default(), None, &asset, reason).await {
                    Ok(n) => report.blobs_removed += n,
                    // Held since the list was read: kept.
                    Err(e) if e.code() == ErrorCode::UnderLegalHold => {
                        report.held.push(cand);
                        continue;
                    }
                    Err(e) => return Err(e),
                }
            }
            report.purged.push(cand);
        }
        Ok(report)
    }

    /// The workspace's retention policies (owners and admins).
    pub async fn retention(&self, actor: &Actor, ws: &str) -> Result<RetentionSpec> {
        let mut c = self.store.conn().await?;
        let access = access::workspace(&mut c, &actor.user, ws).await?;
        access.require(Capability::Administer)?;
        Ok(store::spec(&mut c, access.workspace.id).await?.unwrap_or_default())
    }

    /// Replaces the policies (owners and admins), checked whole; audited with what they were.
    pub async fn put_retention(&self, actor: &Actor, ws: &str, spec: RetentionSpec) -> Result<RetentionSpec> {
        let mut tx = self.store.write().await?;
        let access = access::workspace(&mut tx, &actor.user, ws).await?;
        access.require(Capability::Administer)?;
        let ws = access.workspace.id;
        let schema = metadata_schemas::get(&mut tx, ws).await?.0;
        Retention::parse(spec.clone(), &schema).map_err(|e| invalid(e.path, e.message))?;
        let before = store::spec(&mut tx, ws).await?;
        store::put_spec(&mut tx, ws, &spec, self.now(), actor.user.id).await?;
        let event = setting_event(AuditAction::RetentionPut, "workspace", ws, before.map(|b| json!(b)), json!(spec));
        record(&mut tx, &actor.origin, Some(&actor.user), event).await?;
        tx.commit().await?;
        Ok(spec)
    }

    /// The dry run: what the policies would purge now and why, held assets included and named.
    pub async fn retention_preview(&self, actor: &Actor, ws: &str) -> Result<Vec<Candidate>> {
        let mut c = self.store.conn().await?;
        let access = access::workspace(&mut c, &actor.user, ws).await?;
        access.require(Capability::Administer)?;
        candidates(&mut c, access.workspace.id, self.now()).await
    }

    /// Deletes an asset (owners and admins): archived now and its files purged; its rows and
    /// audit trail stay. A held asset cannot be deleted.
    pub async fn delete_asset(&self, actor: &Actor, id: Id) -> Result<()> {
        let mut c = self.store.conn().await?;
        let (asset, access) = access::asset(&mut c, &actor.user, id).await?;
        access.require(Capability::Administer)?;
        drop(c);
        let reason = json!({"by": "deletion", "deleted_by": actor.user.id});
        self.purge_asset(&actor.origin, Some(&actor.user), &asset, reason).await?;
        Ok(())
    }

    /// Places a legal hold on assets and/or a campaign (owners and admins).
    pub async fn create_legal_hold(
        &self,
        actor: &Actor,
        ws: &str,
        name: &str,
        reason: &str,
        asset_ids: Vec<Id>,
        campaign_id: Option<Id>,
    ) -> Result<LegalHold> {
        let bad = |m: &str| Error::new(ErrorCode::InvalidLegalHold, m.to_string());
        let (name, reason) = (name.trim(), reason.trim());
        if name.is_empty() || name.chars().count() > 200 {
            return Err(bad("a hold needs a name of 1 to 200 characters"));
        }
        if reason.is_empty() || reason.chars().count() > 4000 {
            return Err(bad("a hold needs a reason of 1 to 4,000 characters"));
        }
        if asset_ids.is_empty() && campaign_id.is_none() {
            return Err(bad("name the assets (asset_ids) or the campaign (campaign_id) the hold covers"));
        }
        if asset_ids.len() > 10_000 {
            return Err(bad("a hold names at most 10,000 assets; hold their campaign instead"));
        }
        let mut tx = self.store.write().await?;
        let access = access::workspace(&mut tx, &actor.user, ws).await?;
        access.require(Capability::Administer)?;
        let ws = access.workspace.id;
        for a in &asset_ids {
            if assets::get(&mut tx, *a).await?.is_none_or(|x| x.workspace_id != ws) {
                return Err(bad(&format!("{a} is not an asset of this workspace")));
            }
        }
        if let Some(cid) = campaign_id {
            if vellum_store::campaigns::get(&mut tx, cid).await?.is_none_or(|x| x.workspace_id != ws) {
                return Err(bad(&format!("{cid} is not a campaign of this workspace")));
            }
        }
        let hold = LegalHold {
            id: new_id(),
            workspace_id: ws,
            name: name.to_string(),
            reason: reason.to_string(),
            asset_ids,
            campaign_id,
            created_by: actor.user.id,
            created_at: self.now(),
            lifted_at: None,
            lifted_by: None,
            lift_reason: None,
        };
        store::insert_hold(&mut tx, &hold).await?;
        let event = NewAuditEvent {
            workspace_id: Some(ws),
            object_id: Some(hold.id.to_string()),
            after: Some(json!({"name": hold.name, "reason": hold.reason, "asset_ids": hold.asset_ids,
                "campaign_id": hold.campaign_id})),
            ..NewAuditEvent::new(AuditAction::LegalHoldCreate, "legal_hold")
        };
        record(&mut tx, &actor.origin, Some(&actor.user), event).await?;
        tx.commit().await?;
        Ok(hold)
    }

    /// The workspace's holds, newest first (owners and admins).
    pub async fn legal_holds(&self, actor: &Actor, ws: &str) -> Result<Vec<LegalHold>> {
        let mut c = self.store.conn().await?;
        let access = access::workspace(&mut c, &actor.user, ws).await?;
        access.require(Capability::Administer)?;
        Ok(store::holds(&mut c, access.workspace.id).await?)
    }

    /// Lifts a hold (owners and admins); a reason is required and recorded.
    pub async fn lift_legal_hold(&self, actor: &Actor, id: Id, reason: &str) -> Result<LegalHold> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 4000 {
            return Err(Error::new(ErrorCode::ReasonRequired, "lifting a hold needs a reason (1 to 4,000 characters)"));
        }
        let mut tx = self.store.write().await?;
        let hold = store::hold(&mut tx, id).await?.ok_or_else(|| Error::not_found("legal hold"))?;
        let access = access::workspace_by_id(&mut tx, &actor.user, hold.workspace_id)
            .await
            .map_err(|e| e.hidden_as("legal hold"))?;
        access.require(Capability::Administer)?;
        if hold.lifted_at.is_some() {
            return Err(Error::new(ErrorCode::Conflict, "this hold was already lifted"));
        }
        let now = self.now();
        store::lift(&mut tx, id, now, actor.user.id, reason).await?;
        let event = NewAuditEvent {
            workspace_id: Some(hold.workspace_id),
            object_id: Some(id.to_string()),
            before: Some(json!({"name": hold.name, "asset_ids": hold.asset_ids, "campaign_id": hold.campaign_id})),
            after: Some(json!({"reason": reason, "lifted_at": now})),
            ..NewAuditEvent::new(AuditAction::LegalHoldLift, "legal_hold")
        };
        record(&mut tx, &actor.origin, Some(&actor.user), event).await?;
        tx.commit().await?;
        Ok(LegalHold { lifted_at: Some(now), lifted_by: Some(actor.user.id), lift_reason: Some(reason.into()), ..hold })
    }

    /// The live holds covering an asset (anyone who sees the asset).
    pub async fn holds_on(&self, asset: Id) -> Result<Vec<(Id, String)>> {
        let mut c = self.store.conn().await?;
        Ok(store::holding(&mut c, asset).await?)
    }
}
