//! Rights and archive of an asset, and the distribution gate every file route passes: the
//! caller, the version, the rights window (computed from today's date), the archive, the
//! download policy and grants decide, and a refusal of a signed-in member is audited.

use serde_json::json;
use vellum_domain::{
    audit::AuditAction,
    distribution::{decide, Caller, Facts, Policy, Route},
    fields::FieldError,
    ical::{Date, When},
    rights::{status_of, Rights, RightsStatus, DEFAULT_WARNING_DAYS},
    role::Capability,
    ErrorCode, Id, Timestamp,
};
use vellum_store::{
    model::{Asset, NewAuditEvent, User},
    reviews, rights, Conn,
};

use crate::{access, record, Actor, Core, Error, Result};

pub use vellum_domain::distribution::Route as FileRoute;

/// An asset's rights as the API shows them, with where they stand today.
#[derive(Debug, Clone)]
pub struct RightsView {
    pub rights: Option<Rights>,
    pub status: RightsStatus,
    pub archived_at: Option<Timestamp>,
}

/// A file the gate let through.
#[derive(Debug, Clone)]
pub struct Download {
    pub asset: Asset,
    pub version: vellum_store::model::Version,
    /// The grant that allowed it (its downloads are counted).
    pub grant: Option<Id>,
}

/// Today's date, as the clock has it in UTC.
fn today(now: Timestamp) -> Date {
    When::At(now).day().unwrap_or(Date::MIN)
}

pub(crate) async fn view_of(c: &mut Conn, asset: Id, now: Timestamp) -> Result<RightsView> {
    let r = rights::get(&mut *c, asset).await?;
    let status = status_of(r.as_ref(), today(now), DEFAULT_WARNING_DAYS);
    Ok(RightsView { rights: r, status, archived_at: rights::archived_at(c, asset).await? })
}

/// Whether the user takes part in a review of this version (approver or collaborator).
async fn reviews_version(c: &mut Conn, user: Id, asset: Id, version: u32) -> Result<bool> {
    for r in reviews::for_asset(&mut *c, asset).await? {
        if r.version != version {
            continue;
        }
        if r.plan.iter().any(|p| p.approvers.contains(&user))
            || reviews::collaborators(&mut *c, r.id).await?.contains(&user)
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// What is true of a version for the gate, whoever asks: approved, rights, archive, purge (a
/// caller the version is visible to, under an open policy; members' checks adjust the rest).
pub(crate) async fn facts_of(c: &mut Conn, asset: &Asset, version: u32, now: Timestamp) -> Result<Facts> {
    let rv = view_of(&mut *c, asset.id, now).await?;
    let purged =
        vellum_store::assets::version(&mut *c, asset.id, version).await?.is_some_and(|v| v.purged_at.is_some());
    Ok(Facts {
        visible: true,
        approved: asset.approved_version == Some(version),
        rights: rv.status,
        archived: rv.archived_at.is_some(),
        purged,
        policy: Policy::Open,
        granted: false,
    })
}

/// What the gate says of a signed-in member's request (nothing recorded), with the grant that
/// would allow it.
async fn judge(
    core: &Core,
    actor: &Actor,
    asset: &Asset,
    version: u32,
    route: Route,
) -> Result<(std::result::Result<(), ErrorCode>, Option<Id>)> {
    let mut c = core.store.conn().await?;
    let access = access::workspace_by_id(&mut c, &actor.user, asset.workspace_id).await?;
    // A review's participant and any other member are told the same about previews, so the
    // reviews are only looked through for files (previews are on every library page).
    let caller = if access.role.can(Capability::Upload) {
        Caller::Editor
    } else if route != Route::Rendition && reviews_version(&mut c, actor.user.id, asset.id, version).await? {
        Caller::Reviewer
    } else {
        Caller::Member
    };
    let now = core.now();
    let (policy, granted, grant) = if caller == Caller::Member && route != Route::Rendition {
        let applied = crate::downloads::applied(&mut c, asset).await?;
        let (granted, grant) = crate::downloads::granted(&mut c, actor.user.id, asset, version, &applied, now).await?;
        (applied.policy, granted, grant)
    } else {
        (Policy::Open, false, None)
    };
    let facts = Facts {
        visible: access::may_see_version(&access, asset, version),
        policy,
        granted,
        ..facts_of(&mut c, asset, version, now).await?
    };
    Ok((decide(caller, route, facts), grant))
}

/// The gate for a signed-in member: allowed, or the exact refusal (audited).
pub(crate) async fn gate_member(
    core: &Core,
    actor: &Actor,
    asset: &Asset,
    version: u32,
    route: Route,
) -> Result<Option<Id>> {
    match judge(core, actor, asset, version, route).await? {
        (Ok(()), grant) => Ok(grant),
        (Err(ErrorCode::NotFound), _) => Err(Error::not_found("version")),
        (Err(code), _) => {
            let message = refusal(code);
            refused(core, actor, asset, version, route, code).await?;
            Err(Error::new(code, message))
        }
    }
}

/// The gate for a review's guest (a participant, for the version under review); refusals are
/// the link's uniform not-found.
pub(crate) async fn gate_guest(core: &Core, asset: &Asset, version: u32) -> Result<()> {
    let mut c = core.store.conn().await?;
    let facts = facts_of(&mut c, asset, version, core.now()).await?;
    decide(Caller::Reviewer, Route::Rendition, facts).map_err(|_| Error::not_found("guest link"))
}

fn refusal(code: ErrorCode) -> String {
    match code {
        ErrorCode::RightsExpired => {
            "this asset's rights window has closed or a required release has lapsed: fix its rights to distribute it"
                .into()
        }
        ErrorCode::Archived => "this asset is archived: bring it back from the archive to distribute it".into(),
        ErrorCode::DownloadRequestRequired => {
            "this asset's download policy asks you to request the download first".into()
        }
        ErrorCode::DownloadBlocked => {
            "this asset's download policy allows downloads only to those who may edit it".into()
        }
        other => other.description().into(),
    }
}

async fn refused(core: &Core, actor: &Actor, asset: &Asset, version: u32, route: Route, code: ErrorCode) -> Result<()> {
    let mut tx = core.store.write().await?;
    let route = match route {
        Route::Original => "file",
        Route::Stamped => "download",
        Route::Rendition => "rendition",
    };
    let event = NewAuditEvent {
        workspace_id: Some(asset.workspace_id),
        object_id: Some(asset.id.to_string()),
        version: Some(version),
        after: Some(json!({"code": code.as_str(), "route": route})),
        ..NewAuditEvent::new(AuditAction::DistributionRefused, "asset")
    };
    record(&mut tx, &actor.origin, Some(&actor.user), event).await?;
    tx.commit().await?;
    Ok(())
}

fn invalid(problems: Vec<(String, String)>) -> Error {
    let fields: Vec<FieldError> = problems.into_iter().map(|(key, message)| FieldError { key, message }).collect();
    let message = fields.iter().map(|f| format!("{}: {}", f.key, f.message)).collect::<Vec<_>>().join("; ");
    Error::Fields { code: ErrorCode::InvalidRights, message, fields }
}

async fn editable(tx: &mut vellum_store::Tx, user: &User, id: Id) -> Result<Asset> {
    let (asset, access) = access::asset_for_update(&mut *tx, user, id).await?;
    access.require(Capability::Upload)?;
    Ok(asset)
}

impl Core {
    /// An asset's rights and archive state (anyone who sees the asset).
    pub async fn asset_rights(&self, asset: Id) -> Result<RightsView> {
        let mut c = self.store.conn().await?;
        view_of(&mut c, asset, self.now()).await
    }

    /// Replaces an asset's rights (anyone who may edit it); audited with what they were.
    pub async fn put_rights(&self, actor: &Actor, id: Id, r: Rights) -> Result<RightsView> {
        let problems = r.problems();
        if !problems.is_empty() {
            return Err(invalid(problems));
        }
        let mut tx = self.store.write().await?;
        let asset = editable(&mut tx, &actor.user, id).await?;
        let before = rights::get(&mut tx, asset.id).await?;
        rights::put(&mut tx, asset.id, &r, self.now()).await?;
        let event = NewAuditEvent {
            workspace_id: Some(asset.workspace_id),
            object_id: Some(asset.id.to_string()),
            before: Some(json!(before)),
            after: Some(json!(r)),
            ..NewAuditEvent::new(AuditAction::AssetRights, "asset")
        };
        record(&mut tx, &actor.origin, Some(&actor.user), event).await?;
        let v = view_of(&mut tx, asset.id, self.now()).await?;
        tx.commit().await?;
        Ok(v)
    }

    /// Archives an asset (out of the library and every distribution) or brings it back.
    pub async fn set_archived(&self, actor: &Actor, id: Id, archived: bool) -> Result<RightsView> {
        let mut tx = self.store.write().await?;
        let asset = editable(&mut tx, &actor.user, id).await?;
        let was = rights::archived_at(&mut tx, asset.id).await?;
        if was.is_some() != archived {
            let at = archived.then(|| self.now());
            rights::set_archived(&mut tx, asset.id, at).await?;
            let action = if archived { AuditAction::AssetArchive } else { AuditAction::AssetUnarchive };
            let event = NewAuditEvent {
                workspace_id: Some(asset.workspace_id),
                object_id: Some(asset.id.to_string()),
                before: Some(json!({"archived_at": was})),
                after: Some(json!({"archived_at": at})),
                ..NewAuditEvent::new(action, "asset")
            };
            record(&mut tx, &actor.origin, Some(&actor.user), event).await?;
        }
        let v = view_of(&mut tx, asset.id, self.now()).await?;
        tx.commit().await?;
        Ok(v)
    }

    /// A version's file for a signed-in member, through the distribution gate.
    pub async fn version_for_download(&self, actor: &Actor, asset: Id, number: u32, route: Route) -> Result<Download> {
        let (a, _) = self.asset(actor, asset).await?;
        let v = self.version(actor, asset, number).await?;
        let grant = gate_member(self, actor, &a, number, route).await?;
        Ok(Download { asset: a, version: v, grant })
    }

    /// Whether the actor may take the stamped download of a version now (nothing recorded): the
    /// page offers the download, or a request, or says why not.
    pub async fn download_verdict(
        &self,
        actor: &Actor,
        asset: &Asset,
        version: u32,
    ) -> Result<Option<(ErrorCode, String)>> {
        Ok(match judge(self, actor, asset, version, Route::Stamped).await?.0 {
            Ok(()) => None,
            Err(code) => Some((code, refusal(code))),
        })
    }

    /// Counts a download that started against the grant that allowed it.
    pub async fn count_download(&self, d: &Download) -> Result<()> {
        match d.grant {
            Some(g) => crate::downloads::count(self, g).await,
            None => Ok(()),
        }
    }

    /// Sends the rights warnings due today (each once): to the asset's owner and the
    /// workspace's rights managers, through the notification system.
    pub async fn send_rights_warnings(&self) -> Result<usize> {
        let now = self.now();
        let day = today(now);
        let mut c = self.store.conn().await?;
        let live = rights::all_live(&mut c).await?;
        drop(c);
        let mut sent = 0;
        for (asset_id, r) in live {
            // Most assets owe nothing today: only those that do take the write lock.
            let mut c = self.store.conn().await?;
            let Some(asset) = vellum_store::assets::get(&mut c, asset_id).await? else { continue };
            let Some(ws) = vellum_store::workspaces::by_id(&mut c, asset.workspace_id).await? else { continue };
            let due = r.warnings(day, &ws.rights_warning_days);
            if due.is_empty() {
                continue;
            }
            let mut told = vec![asset.created_by];
            if let Some(g) = ws.rights_managers {
                if let Some(group) = vellum_store::workspaces::group(&mut c, g).await? {
                    told.extend(group.members.into_iter().filter(|m| *m != asset.created_by));
                }
            }
            drop(c);
            let mut tx = self.store.write().await?;
            for w in due {
                let ends_on = w.ends_on.to_string();
                // Every threshold already passed is marked, so a later run sends no older one.
                let mut fresh = false;
                for t in ws.rights_warning_days.iter().filter(|t| **t >= w.days_before) {
                    fresh |= rights::warned(&mut tx, asset.id, &ends_on, *t, now).await? && *t == w.days_before;
                }
                if !fresh {
                    continue;
                }
                let notice = vellum_store::events::NewEvent {
                    workspace_id: Some(asset.workspace_id),
                    kind: vellum_domain::event::EventKind::RightsExpiring,
                    object_type: "asset".into(),
                    object_id: asset.id,
                    actor_id: None,
                    data: json!({"asset_id": asset.id, "ends_on": ends_on, "what": w.what, "days_left": w.days_left,
                        "days_before": w.days_before}),
                    recipients: told.clone(),
                };
                crate::events::publish(&mut tx, notice, now).await?;
                sent += 1;
            }
            tx.commit().await?;
        }
        Ok(sent)
    }
}

/// The hourly look for rights warnings due (each is sent once, so the hour does not matter).
pub fn warnings_job(at: Timestamp) -> vellum_store::jobs::NewJob {
    vellum_store::jobs::NewJob {
        queue: crate::jobs::SYSTEM_QUEUE.into(),
        kind: vellum_store::jobs::JobKind::RightsWarnings,
        payload: json!({}),
        unique_key: format!("rights_warnings:{at}"),
        workspace_id: None,
        max_attempts: 3,
        run_at: at,
    }
}
