//! Collaborators of a review: members invited to comment on it and be told about it, who
//! never decide and never hold up a stage. Those who may start reviews invite them.

use serde_json::json;
use vellum_domain::{audit::AuditAction, role::Capability, ErrorCode, Id};
use vellum_store::{model::NewAuditEvent, reviews, workspaces};

use crate::{access, record, reviews::ReviewView, Actor, Core, Error, Result};

impl Core {
    /// Invites (`on`) or takes off a collaborator of a review.
    pub async fn set_collaborator(&self, actor: &Actor, review_id: Id, user: Id, on: bool) -> Result<ReviewView> {
        let mut tx = self.store.write().await?;
        let r = reviews::get(&mut tx, review_id, false).await?.ok_or_else(|| Error::not_found("review"))?;
        let access =
            access::workspace_by_id(&mut tx, &actor.user, r.workspace_id).await.map_err(|e| e.hidden_as("review"))?;
        if !access.sees_work_in_progress() {
            return Err(Error::not_found("review"));
        }
        access.require(Capability::StartReview)?;
        let role = workspaces::role_of(&mut tx, r.workspace_id, user).await?;
        let now = self.now();
        let (changed, action) = if on {
            if !role.is_some_and(|r| r != vellum_domain::role::Role::Viewer) {
                return Err(Error::new(
                    ErrorCode::InvalidMember,
                    "a collaborator must be a member of this workspace (not a viewer)",
                ));
            }
            (
                reviews::add_collaborator(&mut tx, review_id, user, actor.user.id, now).await?,
                AuditAction::ReviewCollaboratorAdd,
            )
        } else {
            (reviews::remove_collaborator(&mut tx, review_id, user).await?, AuditAction::ReviewCollaboratorRemove)
        };
        if changed {
            let event = NewAuditEvent {
                workspace_id: Some(r.workspace_id),
                object_id: Some(review_id.to_string()),
                asset_id: r.subject.asset_id(),
                version: Some(r.version),
                after: Some(json!({"collaborator": user, "invited": on})),
                ..NewAuditEvent::new(action, "review")
            };
            record(&mut tx, &actor.origin, Some(&actor.user), event).await?;
        }
        let v = crate::reviews::view(&mut tx, &r).await?;
        tx.commit().await?;
        Ok(v)
    }
}
