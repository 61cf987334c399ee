//! Who may see and do what: every use case starts here. What a caller may not see is
//! reported as not found, never as forbidden.

use vellum_domain::{
    id::parse_id,
    role::{Capability, Role},
    Id,
};
use vellum_store::{
    assets,
    model::{Asset, User, Workspace},
    workspaces,
};

use vellum_store::{Conn, Tx};

use crate::{Error, Result};

/// A member's standing in one workspace.
#[derive(Debug, Clone)]
pub struct Access {
    pub workspace: Workspace,
    pub role: Role,
}

impl Access {
    /// Refuses (403) when the role lacks the capability; the caller can already see the object.
    pub fn require(&self, cap: Capability) -> Result<()> {
        if self.role.can(cap) {
            return Ok(());
        }
        let what = match cap {
            Capability::SeeWorkInProgress => "see work in progress",
            Capability::Upload => "upload or change assets",
            Capability::StartReview => "start reviews",
            Capability::Administer => "manage members, groups and workflows",
            Capability::ReadAudit => "read the audit trail",
            Capability::PlanCampaigns => "plan campaigns and their milestones",
        };
        Err(Error::forbidden(format!("your role ({}) may not {what} in this workspace", self.role.as_str())))
    }

    pub fn sees_work_in_progress(&self) -> bool {
        self.role.can(Capability::SeeWorkInProgress)
    }
}

/// Finds a workspace by id or slug that `user` belongs to (and, through a token kept to one
/// workspace, only that one).
pub async fn workspace(c: &mut Conn, user: &User, reference: &str) -> Result<Access> {
    let (workspace, role) = workspaces::with_role(c, parse_id(reference), reference, user.id)
        .await?
        .filter(|(w, _)| within_reach(user, w.id))
        .ok_or_else(|| Error::not_found("workspace"))?;
    Ok(Access { workspace, role })
}

/// Whether `user` may reach this workspace at all in this request (a token kept to another
/// workspace may not).
pub fn within_reach(user: &User, workspace: Id) -> bool {
    user.token_workspace.is_none_or(|only| only == workspace)
}

/// The workspaces `user` belongs to and may reach in this request, with their role in each.
pub async fn workspaces_of(c: &mut Conn, user: &User) -> Result<Vec<(Workspace, Role)>> {
    let mut list = workspaces::list_for_user(c, user.id).await?;
    list.retain(|(w, _)| within_reach(user, w.id));
    Ok(list)
}

/// The access a user has to the workspace with this id.
pub async fn workspace_by_id(c: &mut Conn, user: &User, id: Id) -> Result<Access> {
    workspace(c, user, &id.to_string()).await
}

/// An asset `user` may see, with their access to its workspace. Viewers see only assets that
/// have an approved version.
pub async fn asset(c: &mut Conn, user: &User, id: Id) -> Result<(Asset, Access)> {
    let asset = assets::get(&mut *c, id).await?.ok_or_else(|| Error::not_found("asset"))?;
    let access = workspace_by_id(c, user, asset.workspace_id).await.map_err(|e| e.hidden_as("asset"))?;
    if !access.sees_work_in_progress() && asset.approved_version.is_none() {
        return Err(Error::not_found("asset"));
    }
    Ok((asset, access))
}

/// Like `asset`, but locks the row on PostgreSQL for a read-modify-write.
pub async fn asset_for_update(tx: &mut Tx, user: &User, id: Id) -> Result<(Asset, Access)> {
    let asset = assets::get_for_update(&mut *tx, id).await?.ok_or_else(|| Error::not_found("asset"))?;
    let access = workspace_by_id(&mut *tx, user, asset.workspace_id).await.map_err(|e| e.hidden_as("asset"))?;
    if !access.sees_work_in_progress() && asset.approved_version.is_none() {
        return Err(Error::not_found("asset"));
    }
    Ok((asset, access))
}

/// Whether a version number is one the caller may see: viewers only the approved one.
pub fn may_see_version(access: &Access, asset: &Asset, number: u32) -> bool {
    access.sees_work_in_progress() || asset.approved_version == Some(number)
}
