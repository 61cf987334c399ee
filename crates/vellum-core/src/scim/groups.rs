//! SCIM Groups: the directory's groups, server-wide. Members are provisioned Users; every
//! change lets the members' rule-granted memberships (the `directory_group` claim) and the
//! workspace groups linked to the group follow. Server admins list them and link workspace
//! groups to them.

use std::collections::BTreeSet;

use serde_json::{json, Value};
use vellum_domain::{
    audit::AuditAction,
    id::new_id,
    role::Capability,
    scim::{self, DirectoryGroup, Paging},
    Id, Timestamp,
};
use vellum_store::{
    directory::{self, DirectoryGroupRow},
    model::NewAuditEvent,
    users, workspaces, Tx,
};

use super::{conflict, Directory};
use crate::{
    accounts::admins_only,
    claim_memberships::{self, Source},
    record,
    sso::settings_in,
    Actor, Core, Error, Origin, Result,
};

fn render(g: &DirectoryGroupRow, base: &str) -> Value {
    let members: Vec<Value> = g
        .members
        .iter()
        .map(|(id, name)| json!({"value": id, "display": name, "$ref": format!("{base}/Users/{id}")}))
        .collect();
    let mut v = json!({
        "schemas": [scim::GROUP_SCHEMA],
        "id": g.id,
        "displayName": g.display_name,
        "members": members,
        "meta": {
            "resourceType": "Group",
            "created": g.created_at,
            "lastModified": g.updated_at,
            "location": format!("{base}/Groups/{}", g.id),
        },
    });
    if let Some(x) = &g.external_id {
        v["externalId"] = json!(x);
    }
    v
}

fn not_found() -> Error {
    Error::not_found("group")
}

/// Lets each of `people` follow the rules again (their directory groups changed).
async fn follow_all(tx: &mut Tx, origin: &Origin, people: &BTreeSet<Id>, now: Timestamp) -> Result<()> {
    let rules = settings_in(&mut *tx).await?.claim_rules;
    for id in people {
        if let Some(user) = users::by_id(&mut *tx, *id).await? {
            claim_memberships::follow(tx, origin, &user, &rules, Source::Directory, now).await?;
        }
    }
    directory::sync_linked_groups(&mut *tx).await?;
    Ok(())
}

impl Core {
    /// Creates a Group.
    pub async fn scim_create_group(&self, dir: &Directory, body: &Value) -> Result<Value> {
        let want = scim::read_group(body)?;
        self.put_group(dir, None, want).await
    }

    /// One Group.
    pub async fn scim_group(&self, _dir: &Directory, id: Id) -> Result<Value> {
        let g = directory::group(&mut *self.store.conn().await?, id).await?.ok_or_else(not_found)?;
        Ok(render(&g, &self.scim_base()))
    }

    /// A page of Groups, optionally filtered by `displayName eq`; `members` left out when
    /// asked (`excludedAttributes=members`, as directories do for large groups).
    pub async fn scim_groups(
        &self,
        _dir: &Directory,
        filter: Option<&str>,
        paging: Paging,
        without_members: bool,
    ) -> Result<Value> {
        let filter =
            filter.filter(|f| !f.trim().is_empty()).map(|f| scim::read_filter(f, &["displayName"])).transpose()?;
        let mut c = self.store.conn().await?;
        let (rows, total) =
            directory::groups(&mut c, filter.as_ref().map(|f| f.value.as_str()), paging.offset, paging.count).await?;
        let base = self.scim_base();
        let resources = rows
            .iter()
            .map(|g| {
                let mut v = render(g, &base);
                if without_members {
                    if let Some(o) = v.as_object_mut() {
                        o.remove("members");
                    }
                }
                v
            })
            .collect();
        Ok(scim::list(resources, total, paging))
    }

    /// Replaces a Group (PUT).
    pub async fn scim_replace_group(&self, dir: &Directory, id: Id, body: &Value) -> Result<Value> {
        let want = scim::read_group(body)?;
        self.put_group(dir, Some(id), want).await
    }

    /// Applies PATCH operations to a Group.
    pub async fn scim_patch_group(&self, dir: &Directory, id: Id, body: &Value) -> Result<Value> {
        let mut current = self.scim_group(dir, id).await?;
        scim::apply_patch(&mut current, body)?;
        let want = scim::read_group(&current)?;
        self.put_group(dir, Some(id), want).await
    }

    async fn put_group(&self, dir: &Directory, id: Option<Id>, want: DirectoryGroup) -> Result<Value> {
        let now = self.now();
        let mut tx = self.store.write().await?;
        let before = match id {
            Some(id) => Some(directory::group(&mut tx, id).await?.ok_or_else(not_found)?),
            None => None,
        };
        let (same_name, _) = directory::groups(&mut tx, Some(&want.display_name), 0, 1).await?;
        if same_name.iter().any(|g| Some(g.id) != id) {
            return Err(conflict(format!("a Group named {} exists", want.display_name)));
        }
        let mut members = Vec::with_capacity(want.members.len());
        for m in &want.members {
            let found = match m.parse::<Id>() {
                Ok(uid) => directory::user(&mut tx, uid).await?.map(|_| uid),
                Err(_) => None,
            };
            members.push(found.ok_or_else(|| {
                Error::new(
                    vellum_domain::ErrorCode::InvalidScimResource,
                    format!("member {m} is not a User of this directory"),
                )
            })?);
        }
        let id = id.unwrap_or_else(new_id);
        directory::put_group(&mut tx, id, &want.display_name, want.external_id.as_deref(), now).await?;
        directory::set_members(&mut tx, id, &members).await?;
        let old: BTreeSet<Id> =
            before.as_ref().map(|g| g.members.iter().map(|(m, _)| *m).collect()).unwrap_or_default();
        let event = NewAuditEvent {
            object_id: Some(id.to_string()),
            before: before.as_ref().map(|g| json!({"display_name": g.display_name, "members": old})),
            after: Some(json!({"display_name": want.display_name, "members": members})),
            ..NewAuditEvent::new(AuditAction::DirectoryGroupPut, "directory_group")
        };
        record(&mut tx, &dir.origin, None, event).await?;
        let touched: BTreeSet<Id> = old.into_iter().chain(members.iter().copied()).collect();
        follow_all(&mut tx, &dir.origin, &touched, now).await?;
        let g = directory::group(&mut tx, id).await?.ok_or_else(not_found)?;
        tx.commit().await?;
        Ok(render(&g, &self.scim_base()))
    }

    /// Deletes a Group: its members' rule-granted memberships follow, linked workspace groups
    /// are unlinked (and keep their members).
    pub async fn scim_delete_group(&self, dir: &Directory, id: Id) -> Result<()> {
        let now = self.now();
        let mut tx = self.store.write().await?;
        let g = directory::group(&mut tx, id).await?.ok_or_else(not_found)?;
        directory::delete_group(&mut tx, id).await?;
        let event = NewAuditEvent {
            object_id: Some(id.to_string()),
            before: Some(json!({"display_name": g.display_name})),
            ..NewAuditEvent::new(AuditAction::DirectoryGroupDelete, "directory_group")
        };
        record(&mut tx, &dir.origin, None, event).await?;
        let touched: BTreeSet<Id> = g.members.iter().map(|(m, _)| *m).collect();
        follow_all(&mut tx, &dir.origin, &touched, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every directory group with its members (server admins).
    pub async fn directory_groups(&self, actor: &Actor) -> Result<Vec<DirectoryGroupRow>> {
        admins_only(actor, "list the directory groups")?;
        let (rows, _) = directory::groups(&mut *self.store.conn().await?, None, 0, 10_000).await?;
        Ok(rows)
    }

    /// Links a workspace group to a directory group (None: unlinks it), so its members follow
    /// the directory: the directory group's members who belong to the workspace (workspace
    /// admins).
    pub async fn link_directory_group(&self, actor: &Actor, group: Id, directory_group: Option<Id>) -> Result<()> {
        let mut tx = self.store.write().await?;
        let g = workspaces::group(&mut tx, group).await?.ok_or_else(|| Error::not_found("group"))?;
        let access = crate::access::workspace(&mut tx, &actor.user, &g.workspace_id.to_string()).await?;
        access.require(Capability::Administer)?;
        if let Some(d) = directory_group {
            directory::group(&mut tx, d).await?.ok_or_else(|| Error::not_found("directory group"))?;
        }
        let before = directory::linked_group(&mut tx, group).await?;
        directory::link_group(&mut tx, group, directory_group).await?;
        let event = NewAuditEvent {
            workspace_id: Some(g.workspace_id),
            object_id: Some(group.to_string()),
            before: Some(json!({"directory_group_id": before})),
            after: Some(json!({"directory_group_id": directory_group})),
            ..NewAuditEvent::new(AuditAction::GroupUpdate, "group")
        };
        record(&mut tx, &actor.origin, Some(&actor.user), event).await?;
        directory::sync_linked_groups(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }
}
