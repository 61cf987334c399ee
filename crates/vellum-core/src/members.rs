//! Members, roles and groups of a workspace.

use serde_json::json;
use vellum_domain::{
    id::new_id,
    role::{Capability, Role},
    validate::Name,
    Id, Timestamp,
};
use vellum_store::{
    model::{Group, Member, NewAuditEvent},
    users, workspaces,
};

use crate::{record, Actor, Core, Error, Result};

impl Core {
    /// Sets a user's role in a workspace, adding them if needed (owners and admins only).
    /// Only an owner may make or unmake owners, and the last owner cannot be demoted.
    pub async fn set_member_role(&self, actor: &Actor, ws: &str, user_id: Id, role: &str) -> Result<Member> {
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
            return Err(Error::conflict("last_owner", "a workspace must keep at least one owner"));
        }
        let now = Timestamp::now();
        workspaces::set_role(&mut tx, access.workspace.id, user_id, role, now).await?;
        record(
            &mut tx,
            &actor.origin,
            Some(&actor.user),
            NewAuditEvent {
                workspace_id: Some(access.workspace.id),
                action: "member.set_role".into(),
                object_type: "member".into(),
                object_id: Some(user_id.to_string()),
                before: before.map(|r| json!({"role": r})),
                after: Some(json!({"role": role})),
                ..Default::default()
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Member { user_id, email: user.email, name: user.name, role, since: now })
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
                return Err(Error::invalid("invalid_member", format!("user {m} is not a member of this workspace")));
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
            created_at: Timestamp::now(),
        };
        workspaces::insert_group(&mut tx, &group).await.map_err(|e| match e {
            vellum_store::Error::Conflict(_) => {
                Error::conflict("group_name_taken", format!("a group named '{}' already exists", group.name))
            }
            e => e.into(),
        })?;
        record(
            &mut tx,
            &actor.origin,
            Some(&actor.user),
            NewAuditEvent {
                workspace_id: Some(access.workspace.id),
                action: "group.create".into(),
                object_type: "group".into(),
                object_id: Some(group.id.to_string()),
                after: Some(json!({"name": group.name, "members": group.members})),
                ..Default::default()
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
}
