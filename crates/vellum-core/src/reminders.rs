//! The reminder sweep: for every review in progress, records the reminders and escalations
//! its active stages have come due for — each under a unique key, so a second node, a
//! restart or a retried job never records (or, later, sends) the same one twice.

use serde_json::json;
use vellum_domain::{
    audit::AuditAction,
    event::EventKind,
    id::new_id,
    reminders::{escalates, next_chase, reminders_due, EscalateTo},
    review::{Review, ReviewEventKind, ReviewStatus, StageStatus},
    Id, Timestamp,
};
use vellum_store::{
    jobs::{JobKind, NewJob},
    model::{NewAuditEvent, ReviewRecord},
    reviews::{self, ReviewEvent},
    workspaces, Tx,
};

use crate::{record, Core, Result};

/// How often the sweep runs.
pub const SWEEP_SECS: i64 = 15;

/// What one sweep recorded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    pub reminders: usize,
    pub escalations: usize,
}

/// The sweep job for the 15-second slot starting at `at` (one per slot, whatever the nodes).
pub fn sweep_job(at: Timestamp) -> NewJob {
    let slot = at.unix_seconds().div_euclid(SWEEP_SECS);
    NewJob {
        queue: crate::jobs::SYSTEM_QUEUE.into(),
        kind: JobKind::SweepReminders,
        payload: json!({}),
        unique_key: format!("sweep_reminders:{slot}"),
        workspace_id: None,
        max_attempts: 3,
        run_at: at,
    }
}

fn event(
    review: Id,
    kind: ReviewEventKind,
    stage: &str,
    user: Id,
    detail: serde_json::Value,
    at: Timestamp,
) -> ReviewEvent {
    ReviewEvent {
        id: new_id(),
        review_id: review,
        kind,
        stage: stage.to_string(),
        user_id: user,
        detail: Some(detail),
        at,
    }
}

/// Who keeps the sweep index up to date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheduler {
    /// The sweep, which has just recorded everything due by now.
    Sweep,
    /// Any other change (a start, a decision): something already due stays due until the
    /// sweep records it, so a decision a second after a deadline cannot cancel the escalation
    /// of the approvers still pending.
    Change,
}

/// Keeps the sweep index: when this review's next reminder or escalation comes due, over its
/// active stages that still wait on someone.
pub(crate) async fn schedule_next(
    tx: &mut Tx,
    r: &ReviewRecord,
    review: &Review,
    now: Timestamp,
    by: Scheduler,
) -> Result<()> {
    let calendar = crate::calendar::of_review(r.calendar.as_ref());
    let next = (0..review.plans.len())
        .filter(|&i| review.stages[i].status == StageStatus::Active)
        .filter(|&i| r.plan[i].approvers.iter().any(|u| review.decision_of(i, *u).is_none()))
        .filter_map(|i| {
            let plan = &r.plan[i];
            let started = review.stages[i].activated_at?;
            let due = review.due_at(i, &calendar)?;
            next_chase(started, due, plan.reminders.as_ref(), plan.escalation.as_ref(), now)
        })
        .min();
    let next = if review.status == ReviewStatus::InProgress { next } else { None };
    if by == Scheduler::Change {
        return Ok(reviews::set_next_chase_keeping_due(tx, r.id, next, now).await?);
    }
    Ok(reviews::set_next_chase(tx, r.id, next).await?)
}

impl Core {
    /// Records every reminder and escalation due by now, each once.
    pub async fn sweep_reminders(&self) -> Result<Swept> {
        let now = self.now();
        // The index says which reviews have something due: every 15 seconds, reading (or
        // locking) the others would only hold up the writers for nothing.
        let chased = reviews::due_to_chase(&mut *self.store.conn().await?, now).await?;
        let mut total = Swept::default();
        for id in chased {
            // One review that cannot be swept must not hold up every one after it.
            let s = match self.sweep_review(id, now).await {
                Ok(s) => s,
                Err(e) => {
                    tracing::error!(review = %id, error = %e, "could not sweep a review's reminders");
                    continue;
                }
            };
            self.counters.swept(s.reminders, s.escalations);
            total.reminders += s.reminders;
            total.escalations += s.escalations;
        }
        Ok(total)
    }

    async fn sweep_review(&self, id: Id, now: Timestamp) -> Result<Swept> {
        let mut swept = Swept::default();
        let mut tx = self.store.write().await?;
        let Some(mut r) = reviews::get(&mut tx, id, true).await? else { return Ok(swept) };
        if r.status != ReviewStatus::InProgress {
            return Ok(swept);
        }
        let review = crate::reviews::replay(&mut tx, &r).await?;
        let calendar = crate::calendar::of_review(r.calendar.as_ref());
        let members = workspaces::members(&mut tx, r.workspace_id).await?;
        // Someone added by an escalation was told by it: the earlier reminders are not theirs.
        let escalated_to: Vec<(String, Id)> = reviews::events(&mut tx, id)
            .await?
            .into_iter()
            .filter(|e| e.kind == ReviewEventKind::Escalation)
            .map(|e| (e.stage, e.user_id))
            .collect();
        let mut plan_changed = false;
        let mut audit = Vec::new();
        for (i, plan) in review.plans.iter().enumerate() {
            let state = &review.stages[i];
            let (Some(started), Some(due)) = (state.activated_at, review.due_at(i, &calendar)) else { continue };
            if state.status != StageStatus::Active {
                continue;
            }
            let pending: Vec<Id> =
                plan.approvers.iter().copied().filter(|u| review.decision_of(i, *u).is_none()).collect();
            let schedule =
                plan.reminders.as_ref().map(|spec| reminders_due(started, due, spec, now)).unwrap_or_default();
            // Only the newest due reminder is told (after an outage or a reassignment, the older
            // ones are recorded without telling anyone again and again).
            let newest = schedule.last().map(|r| r.index);
            for reminder in &schedule {
                for &u in pending.iter().filter(|u| !escalated_to.contains(&(plan.name.clone(), **u))) {
                    let key = format!("remind:{id}:{i}:{u}:{}", reminder.index);
                    let detail = json!({"index": reminder.index, "due_at": due});
                    let e = event(id, ReviewEventKind::Reminder, &plan.name, u, detail, now);
                    if reviews::insert_event(&mut tx, &e, Some(&key)).await? {
                        swept.reminders += 1;
                        audit.push((
                            AuditAction::ReviewRemind,
                            json!({"stage": plan.name, "user_id": u, "index": reminder.index}),
                        ));
                        if Some(reminder.index) != newest {
                            continue;
                        }
                        let extra = json!({"stage": plan.name, "user_id": u, "index": reminder.index, "due_at": due});
                        let told = vec![u];
                        crate::events::publish(
                            &mut tx,
                            crate::events::review_event(&r, EventKind::ReviewReminder, None, extra, told),
                            now,
                        )
                        .await?;
                    }
                }
            }
            let Some(esc) = plan.escalation else { continue };
            if pending.is_empty() || !escalates(&esc, due, schedule.len() as u32, now) {
                continue;
            }
            let targets: Vec<Id> = match esc.to {
                EscalateTo::Supervisor => {
                    let mut t: Vec<Id> = pending
                        .iter()
                        .filter_map(|u| members.iter().find(|m| m.user_id == *u).and_then(|m| m.supervisor_id))
                        .collect();
                    t.dedup();
                    t
                }
                EscalateTo::User(u) => vec![u],
                EscalateTo::Group(g) => workspaces::groups(&mut tx, r.workspace_id)
                    .await?
                    .into_iter()
                    .find(|x| x.id == g)
                    .map(|x| x.members)
                    .unwrap_or_default(),
            };
            for t in targets {
                let key = format!("escalate:{id}:{i}:{t}");
                let detail = json!({"late": pending, "due_at": due, "added_as_approver": esc.add_as_approver});
                let e = event(id, ReviewEventKind::Escalation, &plan.name, t, detail, now);
                if !reviews::insert_event(&mut tx, &e, Some(&key)).await? {
                    continue;
                }
                swept.escalations += 1;
                let may_approve = members.iter().any(|m| m.user_id == t && m.role.may_approve());
                let added = esc.add_as_approver && may_approve && !r.plan[i].approvers.contains(&t);
                if added {
                    r.plan[i].approvers.push(t);
                    plan_changed = true;
                }
                let extra =
                    json!({"stage": plan.name, "to": t, "late": pending, "due_at": due, "added_as_approver": added});
                let e = crate::events::review_event(&r, EventKind::ReviewEscalated, None, extra, vec![t]);
                crate::events::publish(&mut tx, e, now).await?;
                audit.push((
                    AuditAction::ReviewEscalate,
                    json!({"stage": plan.name, "to": t, "late": pending, "added_as_approver": added}),
                ));
            }
        }
        if plan_changed {
            reviews::set_plan(&mut tx, id, &r.plan).await?;
        }
        schedule_next(&mut tx, &r, &review, now, Scheduler::Sweep).await?;
        for (action, after) in audit {
            let e = NewAuditEvent {
                workspace_id: Some(r.workspace_id),
                object_id: Some(id.to_string()),
                asset_id: r.subject.asset_id(),
                version: Some(r.version),
                after: Some(after),
                ..NewAuditEvent::new(action, "review")
            };
            record(&mut tx, &crate::Origin::default(), None, e).await?;
        }
        tx.commit().await?;
        Ok(swept)
    }
}
