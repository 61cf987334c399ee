//! "My work": everything waiting on the signed-in person across workspaces — the decisions
//! they owe, soonest due first — and, where they manage, the bottlenecks: pending approvals
//! by approver and by stage with how long they have waited.

use serde::Serialize;
use vellum_domain::{event::EventKind, role::Capability, Id, Timestamp};
use vellum_store::{reviews, workspaces};

use crate::{inbox::Waiting, Actor, Core, Result};

/// Pending approvals gathered under one approver or one stage of one workspace.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bottleneck {
    pub workspace_id: Id,
    pub workspace_slug: String,
    /// The approver's id (by approver) or None (by stage).
    pub user_id: Option<Id>,
    /// The approver's or the stage's name.
    pub name: String,
    pub pending: usize,
    /// When the longest-waiting of them started waiting.
    pub oldest_since: Option<Timestamp>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MyWork {
    pub decisions: Vec<Waiting>,
    /// Unread mentions of you, newest first.
    pub mentions: Vec<crate::notifications::NotificationView>,
    pub by_approver: Vec<Bottleneck>,
    pub by_stage: Vec<Bottleneck>,
}

/// Adds one pending approval to its group.
fn count(groups: &mut Vec<Bottleneck>, key: Bottleneck, since: Option<Timestamp>) {
    match groups
        .iter_mut()
        .find(|g| g.workspace_id == key.workspace_id && g.user_id == key.user_id && g.name == key.name)
    {
        Some(g) => {
            g.pending += 1;
            g.oldest_since = match (g.oldest_since, since) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        None => groups.push(Bottleneck { pending: 1, oldest_since: since, ..key }),
    }
}

impl Core {
    pub async fn my_work(&self, actor: &Actor) -> Result<MyWork> {
        let decisions = self.waiting_for(actor).await?;
        let mut c = self.store.conn().await?;
        let mentions = vellum_store::notifications::unread_of_kind(
            &mut c,
            actor.user.id,
            actor.user.token_workspace,
            EventKind::Mention,
            100,
        )
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
        let (mut by_approver, mut by_stage) = (Vec::new(), Vec::new());
        for (ws, role) in crate::access::workspaces_of(&mut c, &actor.user).await? {
            if !role.can(Capability::ReadAudit) {
                continue;
            }
            let members = workspaces::members(&mut c, ws.id).await?;
            for r in reviews::in_progress_in(&mut c, ws.id).await? {
                let review = crate::reviews::replay(&mut c, &r).await?;
                for (i, plan) in review.plans.iter().enumerate() {
                    if review.stages[i].status != vellum_domain::review::StageStatus::Active {
                        continue;
                    }
                    let since = review.stages[i].activated_at;
                    for &u in plan.approvers.iter().filter(|u| review.decision_of(i, **u).is_none()) {
                        let name =
                            members.iter().find(|m| m.user_id == u).map_or_else(|| u.to_string(), |m| m.name.clone());
                        let base = Bottleneck {
                            workspace_id: ws.id,
                            workspace_slug: ws.slug.clone(),
                            user_id: Some(u),
                            name,
                            pending: 0,
                            oldest_since: None,
                        };
                        count(&mut by_approver, base.clone(), since);
                        count(&mut by_stage, Bottleneck { user_id: None, name: plan.name.clone(), ..base }, since);
                    }
                }
            }
        }
        // The longest waits first.
        for list in [&mut by_approver, &mut by_stage] {
            list.sort_by_key(|b| (b.oldest_since.is_none(), b.oldest_since, std::cmp::Reverse(b.pending)));
        }
        Ok(MyWork { decisions, mentions, by_approver, by_stage })
    }
}
