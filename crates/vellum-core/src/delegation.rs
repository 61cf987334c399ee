//! Out of office and delegation: a member names a delegate for a period in one workspace;
//! while it runs the delegate may decide in their place (`on_behalf_of`), never twice on one
//! stage and never in another workspace.

use serde_json::json;
use vellum_domain::{audit::AuditAction, review::Review, DomainError, ErrorCode, Id, Timestamp};
use vellum_store::{
    model::{NewAuditEvent, ReviewRecord},
    out_of_office, workspaces, Tx,
};

use crate::{access, record, Actor, Core, Error, Result};

pub use vellum_store::out_of_office::OutOfOffice;

/// An out-of-office period as asked for.
pub struct AwayRequest<'a> {
    pub workspace: &'a str,
    pub from: Timestamp,
    pub until: Timestamp,
    pub delegate: Id,
}

/// Whether `delegate` would decide twice on a stage by deciding for `absentee`: they approve
/// one of the absentee's open stages themselves, or already decided there for someone.
fn would_decide_twice(review: &Review, delegate: Id, absentee: Id) -> bool {
    review.open_stages_for(absentee).into_iter().any(|i| {
        review.plans[i].approvers.contains(&delegate)
            || review.decisions.iter().any(|d| d.stage == i && d.decided_by == Some(delegate))
    })
}

/// Whose decision the actor records: their own, or the one absentee they cover here and now
/// (named by `on_behalf_of`, or found when the actor approves nothing open themselves).
pub(crate) async fn acting_for(
    tx: &mut Tx,
    actor: Id,
    r: &ReviewRecord,
    review: &Review,
    on_behalf_of: Option<Id>,
    now: Timestamp,
) -> Result<Id> {
    let own = match on_behalf_of {
        Some(u) => u == actor,
        None => !review.open_stages_for(actor).is_empty(),
    };
    if own {
        return Ok(actor);
    }
    let covered = out_of_office::covered_by(&mut *tx, actor, r.workspace_id, now).await?;
    let absentee =
        match on_behalf_of {
            Some(u) if covered.contains(&u) => u,
            // Outside the period, or not the actor's absentee: they approve nothing here.
            Some(_) => return Err(DomainError::NotAnApprover.into()),
            None => {
                let waiting: Vec<Id> = covered.into_iter().filter(|u| !review.open_stages_for(*u).is_empty()).collect();
                match waiting.as_slice() {
                    [] => return Ok(actor),
                    [one] => *one,
                    _ => return Err(Error::new(
                        ErrorCode::OnBehalfOfRequired,
                        "you stand in for several absent approvers here: name the one you decide for in on_behalf_of",
                    )),
                }
            }
        };
    if would_decide_twice(review, actor, absentee) {
        return Err(DomainError::AlreadyDecided.into());
    }
    Ok(absentee)
}

impl Core {
    /// Sets the actor's out-of-office period in a workspace, with the member who decides in
    /// their place meanwhile.
    pub async fn set_out_of_office(&self, actor: &Actor, away: AwayRequest<'_>) -> Result<OutOfOffice> {
        let invalid = |m: &str| Error::new(ErrorCode::InvalidOutOfOffice, m);
        if away.until <= away.from {
            return Err(invalid("the period must end after it starts"));
        }
        if away.until <= self.now() {
            return Err(invalid("the period has already ended"));
        }
        if away.delegate == actor.user.id {
            return Err(invalid("name someone else as your delegate"));
        }
        let mut tx = self.store.write().await?;
        let access = access::workspace(&mut tx, &actor.user, away.workspace).await?;
        let may =
            workspaces::role_of(&mut tx, access.workspace.id, away.delegate).await?.is_some_and(|r| r.may_approve());
        if !may {
            return Err(invalid("the delegate must be a member of this workspace who may approve"));
        }
        let o = OutOfOffice {
            user_id: actor.user.id,
            workspace_id: access.workspace.id,
            from: away.from,
            until: away.until,
            delegate_id: away.delegate,
        };
        out_of_office::put(&mut tx, &o).await?;
        record(
            &mut tx,
            &actor.origin,
            Some(&actor.user),
            NewAuditEvent {
                workspace_id: Some(o.workspace_id),
                object_id: Some(actor.user.id.to_string()),
                after: Some(json!({"from": o.from, "until": o.until, "delegate_id": o.delegate_id})),
                ..NewAuditEvent::new(AuditAction::OutOfOfficeSet, "member")
            },
        )
        .await?;
        tx.commit().await?;
        Ok(o)
    }

    /// Ends the actor's periods: in one workspace, or everywhere.
    pub async fn end_out_of_office(&self, actor: &Actor, workspace: Option<&str>) -> Result<()> {
        let mut tx = self.store.write().await?;
        let ws = match workspace {
            Some(w) => Some(access::workspace(&mut tx, &actor.user, w).await?.workspace.id),
            None => None,
        };
        let periods: Vec<OutOfOffice> = out_of_office::of_user(&mut tx, actor.user.id)
            .await?
            .into_iter()
            .filter(|o| ws.is_none_or(|w| o.workspace_id == w))
            .collect();
        out_of_office::end(&mut tx, actor.user.id, ws).await?;
        for o in periods {
            record(
                &mut tx,
                &actor.origin,
                Some(&actor.user),
                NewAuditEvent {
                    workspace_id: Some(o.workspace_id),
                    object_id: Some(actor.user.id.to_string()),
                    before: Some(json!({"from": o.from, "until": o.until, "delegate_id": o.delegate_id})),
                    ..NewAuditEvent::new(AuditAction::OutOfOfficeEnd, "member")
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The actor's periods, every workspace.
    pub async fn out_of_office(&self, actor: &Actor) -> Result<Vec<OutOfOffice>> {
        Ok(out_of_office::of_user(&mut *self.store.conn().await?, actor.user.id).await?)
    }
}
