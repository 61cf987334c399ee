//! Creating and listing workspaces (tenants).

use serde::Serialize;
use serde_json::json;
use vellum_domain::audit::AuditAction;
use vellum_domain::ErrorCode;
use vellum_domain::{
    id::new_id,
    role::Role,
    validate::{Name, Slug},
};
use vellum_store::{
    model::{NewAuditEvent, Workspace},
    workspaces,
};

use crate::{access, access::Access, record, Actor, Core, Error, Result};

/// The largest first-frame number a workspace may display.
pub const MAX_FRAME_OFFSET: u32 = 1_000_000;

/// An edit of a workspace: its name, and whether GPS positions in files are kept.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkspacePatch {
    pub name: Option<String>,
    pub keep_gps: Option<bool>,
    /// The number a video's first frame is shown as (display only; the API counts from 0).
    pub frame_offset: Option<u32>,
    /// Some(None) clears the rights managers' group.
    pub rights_managers: Option<Option<vellum_domain::Id>>,
    pub rights_warning_days: Option<Vec<u32>>,
    /// The main language; search stems words in it (a change rebuilds the index).
    pub search_language: Option<vellum_domain::search_language::SearchLanguage>,
}

/// A workspace as its member sees it.
#[derive(Debug, Clone, Serialize)]
pub struct WorkspaceView {
    #[serde(flatten)]
    pub workspace: Workspace,
    pub role: Role,
}

impl Core {
    /// Creates a workspace; its creator becomes its owner.
    pub async fn create_workspace(&self, actor: &Actor, name: &str, slug: &str) -> Result<WorkspaceView> {
        let name = Name::parse("the workspace name", name)?;
        let slug = Slug::parse(slug)?;
        let now = self.now();
        let ws = Workspace {
            id: new_id(),
            name: name.into_inner(),
            slug: slug.into_inner(),
            created_at: now,
            keep_gps: false,
            frame_offset: 0,
            rights_managers: None,
            rights_warning_days: vellum_domain::rights::DEFAULT_WARNINGS.to_vec(),
            search_language: Default::default(),
        };
        let mut tx = self.store.write().await?;
        workspaces::insert(&mut tx, &ws).await.map_err(|e| match e {
            vellum_store::Error::Conflict(_) => {
                Error::new(ErrorCode::SlugTaken, format!("the slug '{}' is already used by another workspace", ws.slug))
            }
            e => e.into(),
        })?;
        workspaces::set_role(&mut tx, ws.id, actor.user.id, Role::Owner, now).await?;
        record(
            &mut tx,
            &actor.origin,
            Some(&actor.user),
            NewAuditEvent {
                workspace_id: Some(ws.id),
                object_id: Some(ws.id.to_string()),
                after: Some(json!({"name": ws.name, "slug": ws.slug, "owner": actor.user.id})),
                ..NewAuditEvent::new(AuditAction::WorkspaceCreate, "workspace")
            },
        )
        .await?;
        tx.commit().await?;
        Ok(WorkspaceView { workspace: ws, role: Role::Owner })
    }

    /// Renames a workspace or changes its settings (owners and admins).
    pub async fn update_workspace(&self, actor: &Actor, ws: &str, patch: WorkspacePatch) -> Result<WorkspaceView> {
        let name = patch.name.as_deref().map(|n| Name::parse("the workspace name", n)).transpose()?;
        let mut tx = self.store.write().await?;
        let access = access::workspace(&mut tx, &actor.user, ws).await?;
        access.require(vellum_domain::role::Capability::Administer)?;
        let mut w = access.workspace.clone();
        let settings = |w: &Workspace| {
            json!({"name": w.name, "keep_gps": w.keep_gps, "frame_offset": w.frame_offset,
                "rights_managers": w.rights_managers, "rights_warning_days": w.rights_warning_days,
                "search_language": w.search_language})
        };
        let before = settings(&w);
        if let Some(n) = name {
            w.name = n.into_inner();
        }
        if let Some(k) = patch.keep_gps {
            w.keep_gps = k;
        }
        if let Some(o) = patch.frame_offset {
            if o > MAX_FRAME_OFFSET {
                return Err(Error::new(
                    ErrorCode::InvalidSetting,
                    format!("frame_offset is at most {MAX_FRAME_OFFSET} (VFX teams commonly use 1001)"),
                ));
            }
            w.frame_offset = o;
        }
        if let Some(g) = patch.rights_managers {
            if let Some(id) = g {
                if workspaces::group(&mut tx, id).await?.is_none_or(|x| x.workspace_id != w.id) {
                    return Err(Error::new(
                        ErrorCode::InvalidSetting,
                        "rights_managers must be a group of this workspace",
                    ));
                }
            }
            w.rights_managers = g;
        }
        if let Some(mut days) = patch.rights_warning_days {
            days.sort_unstable_by(|a, b| b.cmp(a));
            days.dedup();
            if days.len() > 5 || days.iter().any(|d| *d == 0 || *d > 365) {
                return Err(Error::new(
                    ErrorCode::InvalidSetting,
                    "rights_warning_days is up to 5 numbers of days from 1 to 365 (e.g. [30, 7])",
                ));
            }
            w.rights_warning_days = days;
        }
        if let Some(l) = patch.search_language {
            w.search_language = l;
        }
        workspaces::update(&mut tx, &w).await?;
        record(
            &mut tx,
            &actor.origin,
            Some(&actor.user),
            NewAuditEvent {
                workspace_id: Some(w.id),
                object_id: Some(w.id.to_string()),
                before: Some(before),
                after: Some(settings(&w)),
                ..NewAuditEvent::new(AuditAction::WorkspaceUpdate, "workspace")
            },
        )
        .await?;
        tx.commit().await?;
        Ok(WorkspaceView { workspace: w, role: access.role })
    }

    /// The workspaces the actor belongs to.
    pub async fn my_workspaces(&self, actor: &Actor) -> Result<Vec<WorkspaceView>> {
        let list = crate::access::workspaces_of(&mut *self.store.conn().await?, &actor.user).await?;
        Ok(list.into_iter().map(|(workspace, role)| WorkspaceView { workspace, role }).collect())
    }

    /// The actor's access to a workspace named by id or slug (404 if not a member).
    pub async fn workspace(&self, actor: &Actor, reference: &str) -> Result<Access> {
        access::workspace(&mut *self.store.conn().await?, &actor.user, reference).await
    }
}
