//! Publishing to the event record: each use case that changes something people or systems
//! should hear about records an event in its own transaction, and queues the job that
//! dispatches it (see `notify`).

use serde_json::json;
use vellum_domain::{
    event::EventKind,
    review::{Review, StageStatus},
    Id, Timestamp,
};
use vellum_store::{
    events::{self, NewEvent},
    jobs::{self, JobKind, NewJob},
    model::ReviewRecord,
    Tx,
};

use crate::Result;

/// The job that dispatches recorded events and sends what is due: one per transaction that
/// records events (keyed by its first event, so no two writers ever contend for one job row),
/// plus one per sweep slot for retries and digests.
pub fn dispatch_job(key: String) -> NewJob {
    NewJob {
        queue: crate::jobs::SYSTEM_QUEUE.into(),
        kind: JobKind::DeliverNotifications,
        // Digests come due by the clock, not by events: only the sweep looks for them.
        payload: json!({"digests": false}),
        unique_key: key,
        workspace_id: None,
        max_attempts: 5,
        // The queue claims by the server's own time, not the domain's.
        run_at: Timestamp::now(),
    }
}

/// Records an event and queues its dispatch.
pub(crate) async fn publish(tx: &mut Tx, event: NewEvent, at: Timestamp) -> Result<Id> {
    let id = events::insert(tx, &event, at).await?;
    queue_senders(tx, &format!("notify:{id}")).await?;
    Ok(id)
}

/// Records many events of one transaction (an import) with one dispatch job.
pub(crate) async fn publish_many(tx: &mut Tx, list: Vec<NewEvent>, at: Timestamp) -> Result<()> {
    let mut first = None;
    for e in &list {
        let id = events::insert(tx, e, at).await?;
        first.get_or_insert(id);
    }
    match first {
        Some(id) => queue_senders(tx, &format!("notify:{id}")).await,
        None => Ok(()),
    }
}

/// Queues a dispatch job under `key` (also for an email queued without an event: an
/// invitation, a reset).
pub(crate) async fn queue_senders(tx: &mut Tx, key: &str) -> Result<()> {
    jobs::enqueue(tx, &dispatch_job(key.to_string()), Timestamp::now()).await?;
    Ok(())
}

/// The people who owe a decision on an active stage, once each, without `except`.
pub(crate) fn waiting_on(review: &Review, except: Option<Id>) -> Vec<Id> {
    let mut out = Vec::new();
    for (i, plan) in review.plans.iter().enumerate() {
        if review.stages[i].status != StageStatus::Active {
            continue;
        }
        for &u in &plan.approvers {
            if review.decision_of(i, u).is_none() && Some(u) != except && !out.contains(&u) {
                out.push(u);
            }
        }
    }
    out
}

/// An event about a review, with the ids every payload carries.
pub(crate) fn review_event(
    r: &ReviewRecord,
    kind: EventKind,
    actor: Option<Id>,
    extra: serde_json::Value,
    recipients: Vec<Id>,
) -> NewEvent {
    let mut data = json!({
        "workspace_id": r.workspace_id, "review_id": r.id, "asset_id": r.subject.asset_id(),
        "brief_id": r.subject.brief_id(), "subject": r.subject, "version": r.version,
    });
    if let (Some(d), Some(e)) = (data.as_object_mut(), extra.as_object()) {
        d.extend(e.clone());
    }
    NewEvent {
        workspace_id: Some(r.workspace_id),
        kind,
        object_type: "review".into(),
        object_id: r.id,
        actor_id: actor,
        data,
        recipients,
    }
}

/// `review.started`: told to those whose decision the review now waits for.
pub(crate) async fn review_started(
    tx: &mut Tx,
    r: &ReviewRecord,
    review: &Review,
    by: Id,
    at: Timestamp,
) -> Result<()> {
    let waiting = waiting_on(review, None);
    let e = review_event(r, EventKind::ReviewStarted, Some(by), json!({"waiting_on": waiting}), waiting.clone());
    publish(tx, e, at).await.map(|_| ())
}

/// The events of one decision: the decision itself (told to who started the review), each
/// stage it completed (told to them and to the next stage's approvers), and the review's end
/// (told to them and the asset's owner).
pub(crate) async fn decision_made(
    tx: &mut Tx,
    r: &ReviewRecord,
    before: &[StageStatus],
    review: &Review,
    decided: (Id, &str),
    asset_owner: Id,
    at: Timestamp,
) -> Result<()> {
    let (by, verdict) = decided;
    let starter: Vec<Id> = Some(r.started_by).filter(|s| *s != by).into_iter().collect();
    let e = review_event(r, EventKind::ReviewDecision, Some(by), json!({"decision": verdict}), starter.clone());
    publish(tx, e, at).await?;
    let waiting = waiting_on(review, None);
    for (i, plan) in review.plans.iter().enumerate() {
        let was_active = before.get(i) == Some(&StageStatus::Active);
        let done = !matches!(review.stages[i].status, StageStatus::Active | StageStatus::Pending);
        if !(was_active && done) {
            continue;
        }
        let newly: Vec<Id> = waiting.iter().copied().filter(|u| *u != by).collect();
        let mut told = starter.clone();
        for u in &newly {
            if !told.contains(u) {
                told.push(*u);
            }
        }
        let extra = json!({"stage": plan.name, "status": review.stages[i].status, "waiting_on": newly});
        publish(tx, review_event(r, EventKind::StageCompleted, Some(by), extra, told), at).await?;
    }
    if review.status != vellum_domain::review::ReviewStatus::InProgress {
        let mut told = starter;
        if asset_owner != by && !told.contains(&asset_owner) {
            told.push(asset_owner);
        }
        let extra = json!({"status": review.status});
        publish(tx, review_event(r, EventKind::ReviewCompleted, Some(by), extra, told), at).await?;
    }
    Ok(())
}

/// `version.created`: told to the asset's owner when someone else added it.
pub(crate) async fn version_created(
    tx: &mut Tx,
    asset: &vellum_store::model::Asset,
    version: u32,
    by: Id,
    at: Timestamp,
) -> Result<()> {
    publish(tx, version_event(asset, version, by), at).await.map(|_| ())
}

/// The `version.created` event of one version.
pub(crate) fn version_event(asset: &vellum_store::model::Asset, version: u32, by: Id) -> NewEvent {
    let told: Vec<Id> = Some(asset.created_by).filter(|o| *o != by).into_iter().collect();
    NewEvent {
        workspace_id: Some(asset.workspace_id),
        kind: EventKind::VersionCreated,
        object_type: "asset".into(),
        object_id: asset.id,
        actor_id: Some(by),
        data: json!({"workspace_id": asset.workspace_id, "asset_id": asset.id, "version": version}),
        recipients: told,
    }
}
