//! Download policies, requests and grants: owners, admins and managers set a workspace's
//! policies; a member held by `request` asks with a purpose; the asset's owner, the
//! workspace's managers or the rule's approvers grant (with an expiry and an optional number
//! of downloads) or deny (with a reason); grants are listed and revocable. Every step is
//! audited in its transaction, and the gate consults the live grants at each download.

use serde_json::json;
use vellum_domain::{
    audit::AuditAction,
    condition::Subject,
    download_policy::{Applied, Policies, PolicySpec, MAX_RULES},
    event::EventKind,
    id::new_id,
    role::Capability,
    workflow::ApproverRef,
    ErrorCode, Id, Timestamp,
};
use vellum_store::{
    downloads,
    events::NewEvent,
    metadata_schemas,
    model::{Asset, NewAuditEvent, User},
    workspaces, Conn,
};

use crate::{access, record, setting_event, Actor, Core, Error, Result};

pub use vellum_store::downloads::{Grant, Request};

const PURPOSE_MAX: usize = 2000;

/// The policies of a workspace, checked (the default `open` when none were set).
async fn policies_of(c: &mut Conn, ws: Id) -> Result<Policies> {
    let spec = downloads::policies(&mut *c, ws).await?.unwrap_or_default();
    let schema = metadata_schemas::get(&mut *c, ws).await?.0;
    match Policies::parse(spec, &schema) {
        Ok(p) => Ok(p),
        // A field removed from the schema since the rules were saved: the rules are
        // unreadable, so the strictest reading a member can still act on applies.
        Err(_) => {
            let strict = PolicySpec { default: vellum_domain::download_policy::PolicyName::Request, rules: Vec::new() };
            Policies::parse(strict, &schema).map_err(|e| Error::new(ErrorCode::InvalidDownloadPolicy, e.message))
        }
    }
}

/// What applies to an asset.
pub(crate) async fn applied(c: &mut Conn, asset: &Asset) -> Result<Applied> {
    let p = policies_of(&mut *c, asset.workspace_id).await?;
    Ok(p.apply(&Subject::asset(asset.kind, &asset.title, &asset.metadata)))
}

/// Whether the user needs no request under `applied` (a pre-approved group), or holds a live
/// grant for this version: the grant to count a download against, if any.
pub(crate) async fn granted(
    c: &mut Conn,
    user: Id,
    asset: &Asset,
    version: u32,
    applied: &Applied,
    now: Timestamp,
) -> Result<(bool, Option<Id>)> {
    if !applied.preapproved_groups.is_empty() {
        let groups = workspaces::groups(&mut *c, asset.workspace_id).await?;
        if groups.iter().any(|g| applied.preapproved_groups.contains(&g.id) && g.members.contains(&user)) {
            return Ok((true, None));
        }
    }
    let live = downloads::grants_on(&mut *c, user, asset.id).await?.into_iter().find(|g| {
        g.expires_at > now && g.version.is_none_or(|v| v == version) && g.max_downloads.is_none_or(|m| g.downloads < m)
    });
    Ok((live.is_some(), live.map(|g| g.id)))
}

/// Counts one download against a grant.
pub(crate) async fn count(core: &Core, grant: Id) -> Result<()> {
    let mut tx = core.store.write().await?;
    downloads::count_download(&mut tx, grant).await?;
    tx.commit().await?;
    Ok(())
}

/// Whether the user decides requests on this asset: its owner, the workspace's planners, or
/// an approver the policy names.
async fn decides(c: &mut Conn, user: &User, asset: &Asset, role_plans: bool) -> Result<bool> {
    Ok(role_plans || deciders(&mut *c, asset).await?.contains(&user.id))
}

/// Who decides an asset's download requests (besides the workspace's managers): its owner,
/// the policy's approvers, and the workspace's rights managers.
pub(crate) async fn deciders(c: &mut Conn, asset: &Asset) -> Result<Vec<Id>> {
    let a = applied(&mut *c, asset).await?;
    let groups = workspaces::groups(&mut *c, asset.workspace_id).await?;
    let managers = workspaces::by_id(&mut *c, asset.workspace_id).await?.and_then(|w| w.rights_managers);
    let mut out = vec![asset.created_by];
    let mut add = |ids: &[Id]| {
        for id in ids {
            if !out.contains(id) {
                out.push(*id);
            }
        }
    };
    for r in &a.approvers {
        match r {
            ApproverRef::User(u) => add(&[*u]),
            ApproverRef::Group(g) => add(groups.iter().find(|x| x.id == *g).map_or(&[][..], |x| &x.members)),
        }
    }
    if let Some(m) = managers {
        add(groups.iter().find(|x| x.id == m).map_or(&[][..], |x| &x.members));
    }
    Ok(out)
}

fn request_notice(r: &Request, kind: EventKind, actor: Id, recipients: Vec<Id>) -> NewEvent {
    NewEvent {
        workspace_id: Some(r.workspace_id),
        kind,
        object_type: "download_request".into(),
        object_id: r.id,
        actor_id: Some(actor),
        data: json!({"asset_id": r.asset_id, "request_id": r.id, "version": r.version, "status": r.status}),
        recipients,
    }
}

fn request_event(r: &Request, action: AuditAction, after: serde_json::Value) -> NewAuditEvent {
    NewAuditEvent {
        workspace_id: Some(r.workspace_id),
        object_id: Some(r.id.to_string()),
        asset_id: Some(r.asset_id),
        version: r.version,
        after: Some(after),
        ..NewAuditEvent::new(action, "download_request")
    }
}

impl Core {
    pub async fn download_policies(&self, actor: &Actor, ws: &str) -> Result<PolicySpec> {
        let mut c = self.store.conn().await?;
        let access = access::workspace(&mut c, &actor.user, ws).await?;
        access.require(Capability::SeeWorkInProgress)?;
        Ok(downloads::policies(&mut c, access.workspace.id).await?.unwrap_or_default())
    }

    /// Replaces the policies (owners, admins, managers), checked whole.
    pub async fn put_download_policies(&self, actor: &Actor, ws: &str, spec: PolicySpec) -> Result<PolicySpec> {
        let mut tx = self.store.write().await?;
        let access = access::workspace(&mut tx, &actor.user, ws).await?;
        access.require(Capability::PlanCampaigns)?;
        let ws = access.workspace.id;
        let bad =
            |path: String, message: String| Error::AtPath { code: ErrorCode::InvalidDownloadPolicy, message, path };
        if spec.rules.len() > MAX_RULES {
            return Err(bad("/rules".into(), format!("at most {MAX_RULES} rules")));
        }
        let schema = metadata_schemas::get(&mut tx, ws).await?.0;
        Policies::parse(spec.clone(), &schema).map_err(|e| bad(e.path, e.message))?;
        let groups = workspaces::groups(&mut tx, ws).await?;
        let members = workspaces::members(&mut tx, ws).await?;
        for (i, r) in spec.rules.iter().enumerate() {
            for (j, g) in r.preapproved_groups.iter().enumerate() {
                if !groups.iter().any(|x| x.id == *g) {
                    return Err(bad(
                        format!("/rules/{i}/preapproved_groups/{j}"),
                        "no group of this workspace has this id".into(),
                    ));
                }
            }
            for (j, a) in r.approvers.iter().enumerate() {
                let known = match a {
                    ApproverRef::User(u) => members.iter().any(|m| m.user_id == *u),
                    ApproverRef::Group(g) => groups.iter().any(|x| x.id == *g),
                };
                if !known {
                    return Err(bad(
                        format!("/rules/{i}/approvers/{j}"),
                        "not a member or group of this workspace".into(),
                    ));
                }
            }
        }
        let before = downloads::policies(&mut tx, ws).await?;
        downloads::put_policies(&mut tx, ws, &spec, self.now()).await?;
        let event =
            setting_event(AuditAction::DownloadPolicyPut, "download_policies", ws, Some(json!(before)), json!(spec));
        record(&mut tx, &actor.origin, Some(&actor.user), event).await?;
        tx.commit().await?;
        Ok(spec)
    }

    /// Asks for a download of a version or rendition, with a purpose.
    pub async fn request_download(
        &self,
        actor: &Actor,
        asset: Id,
        version: Option<u32>,
        rendition: Option<String>,
        purpose: &str,
    ) -> Result<Request> {
        let purpose = purpose.trim();
        if purpose.is_empty()
            || purpose.chars().count() > PURPOSE_MAX
            || purpose.chars().any(|c| c.is_control() && c != '\n')
        {
            return Err(Error::new(
                ErrorCode::InvalidDownloadRequest,
                format!("say what the file is for in 1–{PURPOSE_MAX} characters"),
            ));
        }
        if rendition.as_deref().is_some_and(|r| r.is_empty() || r.len() > 64) {
            return Err(Error::new(ErrorCode::InvalidDownloadRequest, "a rendition is named by 1–64 characters"));
        }
        let mut tx = self.store.write().await?;
        let (a, access) = access::asset_for_update(&mut tx, &actor.user, asset).await?;
        if let Some(n) = version {
            if n == 0 || n > a.current_version || !access::may_see_version(&access, &a, n) {
                return Err(Error::new(
                    ErrorCode::InvalidDownloadRequest,
                    format!("this asset has no version {n} you may see"),
                ));
            }
        }
        let r = Request {
            id: new_id(),
            workspace_id: a.workspace_id,
            asset_id: a.id,
            version,
            rendition,
            purpose: purpose.to_string(),
            requester_id: actor.user.id,
            status: "pending".into(),
            created_at: self.now(),
            decided_at: None,
            decided_by: None,
            reason: None,
        };
        downloads::insert_request(&mut tx, &r).await?;
        let event = request_event(
            &r,
            AuditAction::DownloadRequestCreate,
            json!({"purpose": r.purpose, "rendition": r.rendition}),
        );
        record(&mut tx, &actor.origin, Some(&actor.user), event).await?;
        let told: Vec<Id> = deciders(&mut tx, &a).await?.into_iter().filter(|u| *u != actor.user.id).collect();
        let notice = request_notice(&r, EventKind::DownloadRequested, actor.user.id, told);
        crate::events::publish(&mut tx, notice, self.now()).await?;
        tx.commit().await?;
        Ok(r)
    }

    /// A workspace's requests: all of them for owners, admins and managers; for anyone else
    /// their own and those they decide (as an asset's owner, a rights manager or a policy's
    /// approver).
    pub async fn download_requests(&self, actor: &Actor, ws: &str, status: Option<&str>) -> Result<Vec<Request>> {
        let mut c = self.store.conn().await?;
        let access = access::workspace(&mut c, &actor.user, ws).await?;
        let all = downloads::requests(&mut c, access.workspace.id, status, None).await?;
        if access.role.can(Capability::PlanCampaigns) {
            return Ok(all);
        }
        // Many requests share an asset: who decides is worked out once per asset.
        let mut decides_on: std::collections::HashMap<Id, bool> = std::collections::HashMap::new();
        let mut out = Vec::new();
        for r in all {
            let decided_here = match decides_on.get(&r.asset_id) {
                Some(d) => *d,
                None => {
                    let d = match vellum_store::assets::get(&mut c, r.asset_id).await? {
                        Some(a) => deciders(&mut c, &a).await?.contains(&actor.user.id),
                        None => false,
                    };
                    decides_on.insert(r.asset_id, d);
                    d
                }
            };
            if r.requester_id == actor.user.id || decided_here {
                out.push(r);
            }
        }
        Ok(out)
    }

    /// Decides a pending request: a grant (`Some((expires_at, max_downloads))`) or a denial
    /// with a reason.
    pub async fn decide_download(
        &self,
        actor: &Actor,
        id: Id,
        grant: Option<(Timestamp, Option<u32>)>,
        reason: Option<&str>,
    ) -> Result<(Request, Option<Grant>)> {
        let now = self.now();
        let mut tx = self.store.write().await?;
        let found =
            downloads::get_request(&mut tx, id, true).await?.ok_or_else(|| Error::not_found("download request"))?;
        let (asset, access) =
            access::asset(&mut tx, &actor.user, found.asset_id).await.map_err(|e| e.hidden_as("download request"))?;
        let may = decides(&mut tx, &actor.user, &asset, access.role.can(Capability::PlanCampaigns)).await?;
        if !may {
            return Err(Error::forbidden(
                "only the asset's owner, the workspace's managers or the policy's approvers decide download requests",
            ));
        }
        if found.status != "pending" {
            return Err(Error::new(ErrorCode::AlreadyDecided, format!("this request was already {}", found.status)));
        }
        let mut r = found;
        r.decided_at = Some(now);
        r.decided_by = Some(actor.user.id);
        let (made, event) = match grant {
            Some((expires_at, max)) => {
                if expires_at <= now || max == Some(0) {
                    return Err(Error::new(
                        ErrorCode::InvalidGrant,
                        "a grant expires in the future and allows at least one download",
                    ));
                }
                r.status = "granted".into();
                let g = Grant {
                    id: new_id(),
                    request_id: r.id,
                    workspace_id: r.workspace_id,
                    asset_id: r.asset_id,
                    version: r.version,
                    user_id: r.requester_id,
                    expires_at,
                    max_downloads: max,
                    downloads: 0,
                    created_by: actor.user.id,
                    created_at: now,
                    revoked_at: None,
                };
                downloads::insert_grant(&mut tx, &g).await?;
                let turnaround = now.unix_seconds() - r.created_at.unix_seconds();
                let after = json!({"grant_id": g.id, "expires_at": expires_at, "max_downloads": max, "turnaround_secs": turnaround});
                (Some(g), request_event(&r, AuditAction::DownloadRequestGrant, after))
            }
            None => {
                let reason = reason.map(str::trim).filter(|r| !r.is_empty()).ok_or_else(|| {
                    Error::new(ErrorCode::ReasonRequired, "say why the download is denied: the requester reads it")
                })?;
                r.status = "denied".into();
                r.reason = Some(reason.to_string());
                let turnaround = now.unix_seconds() - r.created_at.unix_seconds();
                (
                    None,
                    request_event(
                        &r,
                        AuditAction::DownloadRequestDeny,
                        json!({"reason": reason, "turnaround_secs": turnaround}),
                    ),
                )
            }
        };
        downloads::decide_request(&mut tx, &r).await?;
        record(&mut tx, &actor.origin, Some(&actor.user), event).await?;
        let notice = request_notice(&r, EventKind::DownloadDecided, actor.user.id, vec![r.requester_id]);
        crate::events::publish(&mut tx, notice, now).await?;
        tx.commit().await?;
        Ok((r, made))
    }

    /// The actor's grants, newest first.
    pub async fn my_grants(&self, actor: &Actor) -> Result<Vec<Grant>> {
        let mut c = self.store.conn().await?;
        Ok(downloads::grants_of(&mut c, actor.user.id).await?)
    }

    /// Revokes a grant (its holder, or whoever may decide on the asset).
    pub async fn revoke_grant(&self, actor: &Actor, id: Id) -> Result<()> {
        let mut tx = self.store.write().await?;
        let g = downloads::get_grant(&mut tx, id).await?.ok_or_else(|| Error::not_found("grant"))?;
        let (asset, access) =
            access::asset(&mut tx, &actor.user, g.asset_id).await.map_err(|e| e.hidden_as("grant"))?;
        let may = g.user_id == actor.user.id
            || decides(&mut tx, &actor.user, &asset, access.role.can(Capability::PlanCampaigns)).await?;
        if !may {
            return Err(Error::not_found("grant"));
        }
        if g.revoked_at.is_none() {
            downloads::revoke_grant(&mut tx, g.id, self.now()).await?;
            let event = NewAuditEvent {
                workspace_id: Some(g.workspace_id),
                object_id: Some(g.id.to_string()),
                asset_id: Some(g.asset_id),
                after: Some(json!({"revoked": true, "request_id": g.request_id})),
                ..NewAuditEvent::new(AuditAction::GrantRevoke, "grant")
            };
            record(&mut tx, &actor.origin, Some(&actor.user), event).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
