//! Members, roles and groups of a workspace.

use serde_json::json;
use vellum_domain::audit::AuditAction;
use vellum_domain::workflow::StageSpec;
use vellum_domain::ErrorCode;
use vellum_domain::{
    id::new_id,
    role::{Capability, Role},
    validate::Name,
    Id,
};
use vellum_store::{
    model::{Group, Member, NewAuditEvent},
    reviews, users, workflows, workspaces,
};

use crate::{record, Actor, Core, Error, Result};

/// What a membership change does to the member's supervisor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Supervisor {
    Keep,
    /// Set to this member, or cleared.
    Set(Option<Id>),
}

impl Core {
    /// Sets a user's role in a workspace, adding them if needed (owners and admins only).
    /// Only an owner may make or unmake owners, and the last owner cannot be demoted.
    pub async fn set_member_role(&self, actor: &Actor, ws: &str, user_id: Id, role: &str) -> Result<Member> {
        self.set_member(actor, ws, user_id, role, Supervisor::Keep).await
    }

    /// Adds a member or changes their role, and sets their supervisor as asked (a member of
    /// the same workspace, not themselves).
    pub async fn set_member(
        &self,
        actor: &Actor,
        ws: &str,
        user_id: Id,
        role: &str,
        supervisor: Supervisor,
    ) -> Result<Member> {
        let role = Role::parse(role)?;
        let mut tx = self.store.write().await?;
        let access = crate::access::workspace(&mut tx, &actor.user, ws).await?;
        access.require(Capability::Administer)?;
        let user = users::by_id(&mut tx, user_id).await?.ok_or_else(|| Error::not_found("user"))?;
        let before = workspaces::role_of(&mut tx, access.workspace.id, user_id).await?;
        let touches_owner = role == Role::Owner || before == Some(Role::Owner);
        if touches_owner && access.role != Role::Owner {
            return Err(Error::forbidden("only an owner may make or change an owner"));
        }
        if before == Some(Role::Owner)
            && role != Role::Owner
            && workspaces::count_role(&mut tx, access.workspace.id, Role::Owner).await? <= 1
        {
            return Err(Error::new(ErrorCode::LastOwner, "a workspace must keep at least one owner"));
        }
        let now = self.now();
        let supervisor_before = workspaces::members(&mut tx, access.workspace.id)
            .await?
            .into_iter()
            .find(|m| m.user_id == user_id)
            .and_then(|m| m.supervisor_id);
        let supervisor_id = match supervisor {
            Supervisor::Keep => supervisor_before,
            Supervisor::Set(s) => s,
        };
        if let Some(s) = supervisor_id.filter(|_| !matches!(supervisor, Supervisor::Keep)) {
            if s == user_id || workspaces::role_of(&mut tx, access.workspace.id, s).await?.is_none() {
                return Err(Error::new(
                    ErrorCode::InvalidSupervisor,
                    "the supervisor must be another member of this workspace",
                ));
            }
        }
        workspaces::set_role(&mut tx, access.workspace.id, user_id, role, now).await?;
        workspaces::set_supervisor(&mut tx, access.workspace.id, user_id, supervisor_id).await?;
        record(
            &mut tx,
            &actor.origin,
            Some(&actor.user),
            NewAuditEvent {
                workspace_id: Some(access.workspace.id),
                object_id: Some(user_id.to_string()),
                before: before.map(|r| json!({"role": r, "supervisor_id": supervisor_before})),
                after: Some(json!({"role": role, "supervisor_id": supervisor_id})),
                ..NewAuditEvent::new(AuditAction::MemberSetRole, "member")
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Member { user_id, email: user.email, name: user.name, role, since: now, supervisor_id })
    }

    /// The members of a workspace (any member may see who else is in it).
    pub async fn members(&self, actor: &Actor, ws: &str) -> Result<Vec<Member>> {
        let mut c = self.store.conn().await?;
        let access = crate::access::workspace(&mut c, &actor.user, ws).await?;
        access.require(Capability::SeeWorkInProgress)?;
        Ok(workspaces::members(&mut c, access.workspace.id).await?)
    }

    /// Creates a group of members (owners and admins only).
    pub async fn create_group(&self, actor: &Actor, ws: &str, name: &str, members: &[Id]) -> Result<Group> {
        let name = Name::parse("the group name", name)?;
        let mut tx = self.store.write().await?;
        let access = crate::access::workspace(&mut tx, &actor.user, ws).await?;
        access.require(Capability::Administer)?;
        let mut distinct: Vec<Id> = Vec::new();
        for m in members {
            if workspaces::role_of(&mut tx, access.workspace.id, *m).await?.is_none() {
                return Err(Error::new(
                    ErrorCode::InvalidMember,
                    format!("user {m} is not a member of this workspace"),
                ));
            }
            if !distinct.contains(m) {
                distinct.push(*m);
            }
        }
        let group = Group {
            id: new_id(),
            workspace_id: access.workspace.id,
            name: name.into_inner(),
            members: distinct,
            created_at: self.now(),
        };
        workspaces::insert_group(&mut tx, &group).await.map_err(|e| match e {
            vellum_store::Error::Conflict(_) => {
                Error::new(ErrorCode::GroupNameTaken, format!("a group named '{}' already exists", group.name))
            }
            e => e.into(),
        })?;
        record(
            &mut tx,
            &actor.origin,
            Some(&actor.user),
            NewAuditEvent {
                workspace_id: Some(access.workspace.id),
                object_id: Some(group.id.to_string()),
                after: Some(json!({"name": group.name, "members": group.members})),
                ..NewAuditEvent::new(AuditAction::GroupCreate, "group")
            },
        )
        .await?;
        tx.commit().await?;
        Ok(group)
    }

    pub async fn groups(&self, actor: &Actor, ws: &str) -> Result<Vec<Group>> {
        let mut c = self.store.conn().await?;
        let access = crate::access::workspace(&mut c, &actor.user, ws).await?;
        access.require(Capability::SeeWorkInProgress)?;
        Ok(workspaces::groups(&mut c, access.workspace.id).await?)
    }

    /// Takes a member out of a workspace and its groups (owners and admins; only an owner may
    /// remove an owner, and never the last one). Their decisions stay on record; open reviews
    /// show them as having lost access.
    pub async fn remove_member(&self, actor: &Actor, ws: &str, user_id: Id) -> Result<()> {
        let mut tx = self.store.write().await?;
        let access = crate::access::workspace(&mut tx, &actor.user, ws).await?;
        access.require(Capability::Administer)?;
        let Some(role) = workspaces::role_of(&mut tx, access.workspace.id, user_id).await? else {
            return Err(Error::not_found("member"));
        };
        if role == Role::Owner {
            if access.role != Role::Owner {
                return Err(Error::forbidden("only an owner may remove an owner"));
            }
            if workspaces::count_role(&mut tx, access.workspace.id, Role::Owner).await? <= 1 {
                return Err(Error::new(ErrorCode::LastOwner, "a workspace must keep at least one owner"));
            }
        }
        workspaces::remove_member(&mut tx, access.workspace.id, user_id).await?;
        record(
            &mut tx,
            &actor.origin,
            Some(&actor.user),
            NewAuditEvent {
                workspace_id: Some(access.workspace.id),
                object_id: Some(user_id.to_string()),
                before: Some(json!({"role": role})),
                ..NewAuditEvent::new(AuditAction::MemberRemove, "member")
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Renames a group and adds or removes members (owners and admins of its workspace).
    pub async fn update_group(&self, actor: &Actor, id: Id, patch: GroupPatch) -> Result<Group> {
        let mut tx = self.store.write().await?;
        let (before, access) = group_for_admin(&mut tx, actor, id).await?;
        if let Some(name) = &patch.name {
            let name = Name::parse("the group name", name)?;
            if name.as_str() != before.name {
                workspaces::rename_group(&mut tx, id, name.as_str()).await.map_err(|e| match e {
                    vellum_store::Error::Conflict(_) => Error::new(
                        ErrorCode::GroupNameTaken,
                        format!("a group named '{}' already exists", name.as_str()),
                    ),
                    e => e.into(),
                })?;
            }
        }
        for u in &patch.add {
            if workspaces::role_of(&mut tx, access.workspace.id, *u).await?.is_none() {
                return Err(Error::new(
                    ErrorCode::InvalidMember,
                    format!("user {u} is not a member of this workspace"),
                ));
            }
            workspaces::add_group_member(&mut tx, id, *u).await?;
        }
        for u in &patch.remove {
            workspaces::remove_group_member(&mut tx, id, *u).await?;
        }
        let after = workspaces::group(&mut tx, id).await?.ok_or_else(|| Error::not_found("group"))?;
        record(
            &mut tx,
            &actor.origin,
            Some(&actor.user),
            NewAuditEvent {
                workspace_id: Some(access.workspace.id),
                object_id: Some(id.to_string()),
                before: Some(json!({"name": before.name, "members": before.members})),
                after: Some(json!({"name": after.name, "members": after.members})),
                ..NewAuditEvent::new(AuditAction::GroupUpdate, "group")
            },
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Deletes a group that no workflow names any more (in its current revision, or in one an
    /// open review would restart with).
    pub async fn delete_group(&self, actor: &Actor, id: Id) -> Result<()> {
        let mut tx = self.store.write().await?;
        let (group, access) = group_for_admin(&mut tx, actor, id).await?;
        let ws = access.workspace.id;
        let mut users_of = Vec::new();
        for wf in workflows::list(&mut tx, ws).await? {
            if names_group(&wf.stages, id) {
                users_of.push(format!("workflow '{}'", wf.name));
            }
        }
        for (wf, revision) in reviews::restartable_revisions(&mut tx, ws).await? {
            let stages = workflows::revision_stages(&mut tx, wf, revision).await?.unwrap_or_default();
            if names_group(&stages, id) {
                let name = workflows::get(&mut tx, wf, false).await?.map(|w| w.name).unwrap_or_default();
                users_of.push(format!("workflow '{name}' (revision {revision}, used by an open review)"));
            }
        }
        if let Some(rules) = vellum_store::routing::latest(&mut tx, ws).await? {
            users_of.extend(rules.rules.naming_group(id).into_iter().map(|r| format!("routing rule '{r}'")));
        }
        if vellum_store::downloads::policies(&mut tx, ws).await?.is_some_and(|p| p.names_group(id)) {
            users_of.push("the download policies".into());
        }
        if access.workspace.rights_managers == Some(id) {
            users_of.push("the workspace's rights_managers setting".into());
        }
        if !users_of.is_empty() {
            users_of.dedup();
            return Err(Error::new(
                ErrorCode::GroupInUse,
                format!("the group '{}' is named by {}; change them first", group.name, users_of.join(", ")),
            ));
        }
        // Collections shared with it stay with their owners.
        vellum_store::collections::unshare_group(&mut tx, id).await?;
        workspaces::delete_group(&mut tx, id).await?;
        record(
            &mut tx,
            &actor.origin,
            Some(&actor.user),
            NewAuditEvent {
                workspace_id: Some(ws),
                object_id: Some(id.to_string()),
                before: Some(json!({"name": group.name, "members": group.members})),
                ..NewAuditEvent::new(AuditAction::GroupDelete, "group")
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A change to a group: a new name, members to add and members to remove.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupPatch {
    pub name: Option<String>,
    #[serde(default)]
    pub add: Vec<Id>,
    #[serde(default)]
    pub remove: Vec<Id>,
}

fn names_group(stages: &[StageSpec], group: Id) -> bool {
    stages.iter().any(|s| s.names_group(group))
}

/// A group the actor administers; another workspace's group is not found.
async fn group_for_admin(tx: &mut vellum_store::Tx, actor: &Actor, id: Id) -> Result<(Group, crate::access::Access)> {
    let group = workspaces::group(&mut *tx, id).await?.ok_or_else(|| Error::not_found("group"))?;
    let access = crate::access::workspace_by_id(&mut *tx, &actor.user, group.workspace_id)
        .await
        .map_err(|e| e.hidden_as("group"))?;
    access.require(Capability::Administer)?;
    Ok((group, access))
}
