//! Reassigning a pending approver of an active stage to another member (owners and admins):
//! the review's plan changes in place, the change is listed with the review and audited.

use serde_json::json;
use vellum_domain::{
    audit::AuditAction,
    event::EventKind,
    id::new_id,
    review::{ReviewEventKind, ReviewStatus, StageStatus},
    role::Capability,
    validate::ChangeNote,
    ErrorCode, Id,
};
use vellum_store::{
    model::NewAuditEvent,
    reviews::{self, ReviewEvent},
    workspaces,
};

use crate::{access, record, reviews::ReviewView, Actor, Core, Error, Result};

/// Who hands over to whom, on which stage, and why.
pub struct Reassignment<'a> {
    pub stage: &'a str,
    pub from: Id,
    pub to: Id,
    pub reason: &'a str,
}

fn refused(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidReassignment, message)
}

impl Core {
    /// Replaces `from`, a pending approver of the active stage named `stage`, with `to`, a
    /// member who may approve and is not already an approver of that stage.
    pub async fn reassign(&self, actor: &Actor, review_id: Id, r: Reassignment<'_>) -> Result<ReviewView> {
        let reason = ChangeNote::parse(r.reason)
            .map_err(|_| refused("a reason is required: say why the approver changes"))?
            .into_inner();
        let mut tx = self.store.write().await?;
        let record_ = reviews::get(&mut tx, review_id, true).await?.ok_or_else(|| Error::not_found("review"))?;
        let access = access::workspace_by_id(&mut tx, &actor.user, record_.workspace_id)
            .await
            .map_err(|e| e.hidden_as("review"))?;
        if !access.sees_work_in_progress() {
            return Err(Error::not_found("review"));
        }
        access.require(Capability::Administer)?;
        if record_.status != ReviewStatus::InProgress {
            return Err(refused(format!(
                "this review is {}; only a review in progress changes hands",
                record_.status.as_str()
            )));
        }
        let review = crate::reviews::replay(&mut tx, &record_).await?;
        let Some(i) = review.plans.iter().position(|p| p.name == r.stage) else {
            return Err(refused(format!("this review has no stage '{}'", r.stage)));
        };
        if review.stages[i].status != StageStatus::Active {
            return Err(refused(format!("stage '{}' is not active", r.stage)));
        }
        if !review.plans[i].approvers.contains(&r.from) || review.decision_of(i, r.from).is_some() {
            return Err(refused(format!("that user is not a pending approver of stage '{}'", r.stage)));
        }
        if review.plans[i].approvers.contains(&r.to) {
            return Err(refused(format!("the new approver already approves stage '{}'", r.stage)));
        }
        let may_approve =
            workspaces::role_of(&mut tx, record_.workspace_id, r.to).await?.is_some_and(|role| role.may_approve());
        if !may_approve {
            return Err(refused("the new approver must be a member of this workspace who may approve"));
        }
        let mut plan = record_.plan.clone();
        if let Some(slot) = plan[i].approvers.iter_mut().find(|u| **u == r.from) {
            *slot = r.to;
        }
        reviews::set_plan(&mut tx, review_id, &plan).await?;
        let now = self.now();
        let event = ReviewEvent {
            id: new_id(),
            review_id,
            kind: ReviewEventKind::Reassignment,
            stage: r.stage.to_string(),
            user_id: r.to,
            detail: Some(json!({"from_user": r.from, "reason": reason, "by": actor.user.id})),
            at: now,
        };
        reviews::insert_event(&mut tx, &event, None).await?;
        let extra = json!({"stage": r.stage, "from_user": r.from, "to_user": r.to});
        let told = vec![r.to];
        let e = crate::events::review_event(&record_, EventKind::ReviewReassigned, Some(actor.user.id), extra, told);
        crate::events::publish(&mut tx, e, now).await?;
        record(
            &mut tx,
            &actor.origin,
            Some(&actor.user),
            NewAuditEvent {
                workspace_id: Some(record_.workspace_id),
                object_id: Some(review_id.to_string()),
                asset_id: record_.subject.asset_id(),
                version: Some(record_.version),
                before: Some(json!({"stage": r.stage, "approver": r.from})),
                after: Some(json!({"stage": r.stage, "approver": r.to, "reason": reason})),
                ..NewAuditEvent::new(AuditAction::ReviewReassign, "review")
            },
        )
        .await?;
        let updated = reviews::get(&mut tx, review_id, false).await?.ok_or_else(|| Error::not_found("review"))?;
        let v = crate::reviews::view(&mut tx, &updated).await?;
        tx.commit().await?;
        Ok(v)
    }
}
