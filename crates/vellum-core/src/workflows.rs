//! Workflow templates: create, revise (each edit is a new revision) and read.

use serde_json::json;
use vellum_domain::audit::AuditAction;
use vellum_domain::ErrorCode;
use vellum_domain::{
    id::new_id,
    role::Capability,
    workflow::{ApproverRef, WorkflowSpec},
    Id,
};
use vellum_store::{
    model::{NewAuditEvent, Workflow},
    workflows, workspaces, Tx,
};

use crate::{access::Access, record, Actor, Core, Error, Result};
use vellum_domain::reminders::EscalateTo;

/// Approvers must be members who may approve, and groups must belong to the workspace.
async fn check_approvers(tx: &mut Tx, access: &Access, spec: &WorkflowSpec) -> Result<()> {
    let groups = workspaces::groups(&mut *tx, access.workspace.id).await?;
    for stage in &spec.stages {
        // An escalation target is checked like an approver: it may be added as one.
        let target = stage.escalation.and_then(|e| match e.to {
            EscalateTo::Supervisor => None,
            EscalateTo::User(u) => Some(ApproverRef::User(u)),
            EscalateTo::Group(g) => Some(ApproverRef::Group(g)),
        });
        for a in stage.approvers.iter().chain(target.as_ref()) {
            match *a {
                ApproverRef::User(u) => match workspaces::role_of(&mut *tx, access.workspace.id, u).await? {
                    Some(role) if role.may_approve() => {}
                    Some(_) => {
                        return Err(Error::new(
                            ErrorCode::InvalidApprover,
                            format!("stage '{}': user {u} is a viewer and cannot approve", stage.name),
                        ))
                    }
                    None => {
                        return Err(Error::new(
                            ErrorCode::InvalidApprover,
                            format!("stage '{}': user {u} is not a member of this workspace", stage.name),
                        ))
                    }
                },
                ApproverRef::Group(g) => {
                    if !groups.iter().any(|x| x.id == g) {
                        return Err(Error::new(
                            ErrorCode::InvalidApprover,
                            format!("stage '{}': group {g} does not exist in this workspace", stage.name),
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

impl Core {
    pub async fn create_workflow(&self, actor: &Actor, ws: &str, spec: WorkflowSpec) -> Result<Workflow> {
        let spec = spec.validate()?;
        let mut tx = self.store.write().await?;
        let access = crate::access::workspace(&mut tx, &actor.user, ws).await?;
        access.require(Capability::Administer)?;
        check_approvers(&mut tx, &access, &spec).await?;
        let now = self.now();
        let wf = Workflow {
            id: new_id(),
            workspace_id: access.workspace.id,
            name: spec.name,
            revision: 1,
            stages: spec.stages,
            created_at: now,
            updated_at: now,
        };
        workflows::insert(&mut tx, &wf, actor.user.id).await?;
        record(
            &mut tx,
            &actor.origin,
            Some(&actor.user),
            NewAuditEvent {
                workspace_id: Some(wf.workspace_id),
                object_id: Some(wf.id.to_string()),
                version: Some(1),
                after: Some(json!({"name": wf.name, "stages": wf.stages})),
                ..NewAuditEvent::new(AuditAction::WorkflowCreate, "workflow")
            },
        )
        .await?;
        tx.commit().await?;
        Ok(wf)
    }

    /// Saves an edit as the next revision; reviews in flight keep the revision they started with.
    pub async fn update_workflow(&self, actor: &Actor, id: Id, spec: WorkflowSpec) -> Result<Workflow> {
        let spec = spec.validate()?;
        let mut tx = self.store.write().await?;
        let mut wf = workflows::get(&mut tx, id, true).await?.ok_or_else(|| Error::not_found("workflow"))?;
        let access = crate::access::workspace_by_id(&mut tx, &actor.user, wf.workspace_id)
            .await
            .map_err(|e| e.hidden_as("workflow"))?;
        access.require(Capability::Administer)?;
        check_approvers(&mut tx, &access, &spec).await?;
        let before = json!({"name": wf.name, "stages": wf.stages, "revision": wf.revision});
        wf.name = spec.name;
        wf.stages = spec.stages;
        wf.revision += 1;
        wf.updated_at = self.now();
        workflows::insert_next_revision(&mut tx, &wf, actor.user.id).await?;
        record(
            &mut tx,
            &actor.origin,
            Some(&actor.user),
            NewAuditEvent {
                workspace_id: Some(wf.workspace_id),
                object_id: Some(wf.id.to_string()),
                version: Some(wf.revision),
                before: Some(before),
                after: Some(json!({"name": wf.name, "stages": wf.stages, "revision": wf.revision})),
                ..NewAuditEvent::new(AuditAction::WorkflowUpdate, "workflow")
            },
        )
        .await?;
        tx.commit().await?;
        Ok(wf)
    }

    pub async fn workflow(&self, actor: &Actor, id: Id) -> Result<Workflow> {
        let mut c = self.store.conn().await?;
        let wf = workflows::get(&mut c, id, false).await?.ok_or_else(|| Error::not_found("workflow"))?;
        let access = crate::access::workspace_by_id(&mut c, &actor.user, wf.workspace_id)
            .await
            .map_err(|e| e.hidden_as("workflow"))?;
        access.require(Capability::SeeWorkInProgress).map_err(|e| e.hidden_as("workflow"))?;
        Ok(wf)
    }

    pub async fn workflows(&self, actor: &Actor, ws: &str) -> Result<Vec<Workflow>> {
        let mut c = self.store.conn().await?;
        let access = crate::access::workspace(&mut c, &actor.user, ws).await?;
        access.require(Capability::SeeWorkInProgress)?;
        Ok(workflows::list(&mut c, access.workspace.id).await?)
    }
}
