//! Reviews: start one on an asset's current version, record decisions, and restart on a new
//! version. The state is replayed from the frozen plan and the recorded decisions.

use serde::Serialize;
use serde_json::json;
use vellum_domain::audit::AuditAction;
use vellum_domain::ErrorCode;
use vellum_domain::{
    id::new_id,
    review::{resolve_plan, restarts_on_new_version, Review, ReviewStatus, ReviewSubject, StageStatus, Verdict},
    role::Capability,
    routing::ReviewRouting,
    workflow::{Rule, StageSpec, StartMode},
    Id, Timestamp,
};
use vellum_store::{
    model::{Asset, NewAuditEvent, ReviewRecord, User},
    reviews, workflows, workspaces, Conn, Tx,
};

use crate::{
    access,
    assets::{store_state, store_state_from},
    record, Actor, Core, Error, Result,
};

/// One approver's place in a stage.
#[derive(Debug, Clone, Serialize)]
pub struct ApproverView {
    pub user_id: Id,
    pub name: Option<String>,
    pub decision: Option<Verdict>,
    pub reason: Option<String>,
    pub decided_at: Option<Timestamp>,
    /// The version the decision named.
    pub version: Option<u32>,
    /// Removed from the workspace or demoted to a role that may not approve since the review
    /// started: their place stays in the plan, but they can no longer decide.
    pub lost_access: bool,
    /// When a delegate decided in this approver's place: the absent approver (`user_id` is
    /// then the delegate).
    pub on_behalf_of: Option<Id>,
    /// The open comments the decision cites.
    pub comment_ids: Vec<Id>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StageView {
    pub name: String,
    pub status: StageStatus,
    pub rule: Rule,
    pub start: StartMode,
    pub activated_at: Option<Timestamp>,
    pub due_at: Option<Timestamp>,
    pub approvers: Vec<ApproverView>,
}

pub use vellum_store::reviews::ReviewEvent as StoredReviewEvent;

/// A review as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewView {
    pub id: Id,
    /// The asset version or brief revision under review (`version` is its number).
    pub subject: ReviewSubject,
    pub workspace_id: Id,
    pub version: u32,
    pub status: ReviewStatus,
    pub workflow_id: Id,
    pub workflow_revision: u32,
    pub started_by: Id,
    pub created_at: Timestamp,
    pub closed_at: Option<Timestamp>,
    pub stages: Vec<StageView>,
    /// Why the chain was chosen, when routing rules chose it.
    pub routing: Option<ReviewRouting>,
    /// Reminders, escalations and reassignments, oldest first.
    pub events: Vec<reviews::ReviewEvent>,
    /// Members invited to comment (they never decide and never hold up a stage).
    pub collaborators: Vec<Id>,
}

pub(crate) async fn replay(c: &mut Conn, r: &ReviewRecord) -> Result<Review> {
    let decisions = reviews::decisions(c, r.id).await?;
    Ok(Review::replay(r.version, r.plan.clone(), r.created_at, decisions, r.status == ReviewStatus::Superseded)?)
}

pub(crate) async fn view(c: &mut Conn, r: &ReviewRecord) -> Result<ReviewView> {
    let review = replay(&mut *c, r).await?;
    view_of(c, r, &review).await
}

/// A review in progress, replayed, with the calendar its deadlines count on.
pub(crate) struct Replayed {
    pub record: ReviewRecord,
    pub review: Review,
    pub calendar: vellum_domain::calendar::Calendar,
}

/// A workspace's reviews in progress that `keep` accepts, replayed (their decisions read in
/// one query): what the board and the calendar show of them.
pub(crate) async fn open_in(c: &mut Conn, ws: Id, keep: impl Fn(&ReviewRecord) -> bool) -> Result<Vec<Replayed>> {
    let mut decided = reviews::open_decisions_in(&mut *c, ws).await?;
    let mut out = Vec::new();
    for record in reviews::in_progress_in(&mut *c, ws).await?.into_iter().filter(|r| keep(r)) {
        let decisions = decided.remove(&record.id).unwrap_or_default();
        let review = Review::replay(record.version, record.plan.clone(), record.created_at, decisions, false)?;
        let calendar = crate::calendar::of_review(record.calendar.as_ref());
        out.push(Replayed { record, review, calendar });
    }
    Ok(out)
}

/// The view of a review whose state is already replayed.
async fn view_of(c: &mut Conn, r: &ReviewRecord, review: &Review) -> Result<ReviewView> {
    let members = workspaces::members(&mut *c, r.workspace_id).await?;
    let member = |u: Id| members.iter().find(|m| m.user_id == u);
    let name_of = |u: Id| member(u).map(|m| m.name.clone());
    let calendar = crate::calendar::of_review(r.calendar.as_ref());
    let cited = reviews::cited_comments(&mut *c, r.id).await?;
    let stages = review
        .plans
        .iter()
        .enumerate()
        .map(|(i, p)| StageView {
            name: p.name.clone(),
            status: review.stages[i].status,
            rule: p.rule,
            start: p.start,
            activated_at: review.stages[i].activated_at,
            due_at: review.due_at(i, &calendar),
            approvers: p
                .approvers
                .iter()
                .map(|&u| {
                    let d = review.decision_of(i, u);
                    let by = d.and_then(|d| d.decided_by).unwrap_or(u);
                    ApproverView {
                        user_id: by,
                        name: name_of(by),
                        on_behalf_of: (by != u).then_some(u),
                        comment_ids: cited
                            .iter()
                            .filter(|(st, who, _)| *st == i && *who == u)
                            .map(|(_, _, c)| *c)
                            .collect(),
                        decision: d.map(|d| d.verdict),
                        reason: d.and_then(|d| d.reason.clone()),
                        decided_at: d.map(|d| d.decided_at),
                        version: d.map(|d| d.version),
                        lost_access: !member(u).is_some_and(|m| m.role.may_approve()),
                    }
                })
                .collect(),
        })
        .collect();
    Ok(ReviewView {
        id: r.id,
        subject: r.subject,
        workspace_id: r.workspace_id,
        version: r.version,
        status: review.status,
        workflow_id: r.workflow_id,
        workflow_revision: r.workflow_revision,
        started_by: r.started_by,
        created_at: r.created_at,
        closed_at: r.closed_at,
        stages,
        routing: r.routing.clone(),
        events: reviews::events(&mut *c, r.id).await?,
        collaborators: reviews::collaborators(&mut *c, r.id).await?,
    })
}

/// The workflow revision a review follows.
pub(crate) struct Revision<'a> {
    pub workflow_id: Id,
    pub revision: u32,
    pub stages: &'a [StageSpec],
    /// Set when routing rules chose the chain (whose stages are then `stages`).
    pub routing: Option<ReviewRouting>,
}

/// Resolves a revision's approvers and creates the review row (no audit: the caller records).
pub(crate) async fn open_review(
    tx: &mut Tx,
    by: &User,
    (workspace_id, subject): (Id, ReviewSubject),
    version: u32,
    wf: Revision<'_>,
    now: Timestamp,
) -> Result<ReviewRecord> {
    let Revision { workflow_id, revision, stages, routing } = wf;
    let groups = workspaces::groups(&mut *tx, workspace_id).await?;
    let mut plan = resolve_plan(stages, |g| groups.iter().find(|x| x.id == g).map(|x| x.members.clone()))?;
    // Members removed or demoted to viewer since the workflow was saved cannot approve.
    let members = workspaces::members(&mut *tx, workspace_id).await?;
    for p in &mut plan {
        p.approvers.retain(|u| members.iter().any(|m| m.user_id == *u && m.role.may_approve()));
    }
    let review = Review::start(version, plan.clone(), now)?;
    if review.plans.iter().any(|p| p.approvers.is_empty()) {
        return Err(Error::new(
            ErrorCode::InvalidWorkflow,
            "a stage of this workflow has no approver who is still a member",
        ));
    }
    let record = ReviewRecord {
        id: new_id(),
        workspace_id,
        subject,
        version,
        workflow_id,
        workflow_revision: revision,
        plan,
        status: ReviewStatus::InProgress,
        started_by: by.id,
        created_at: now,
        closed_at: None,
        routing,
        calendar: vellum_store::calendars::get(&mut *tx, workspace_id).await?,
    };
    reviews::insert(tx, &record).await?;
    crate::reminders::schedule_next(tx, &record, &review, now, crate::reminders::Scheduler::Change).await?;
    crate::events::review_started(tx, &record, &review, by.id, now).await?;
    Ok(record)
}

/// A workflow of this workspace (any other is not found).
pub(crate) async fn workflow_of(tx: &mut Tx, id: Id, ws: Id) -> Result<vellum_store::model::Workflow> {
    let wf = workflows::get(&mut *tx, id, false).await?;
    wf.filter(|w| w.workspace_id == ws).ok_or_else(|| Error::not_found("workflow"))
}

pub(crate) fn review_event(r: &ReviewRecord, action: AuditAction, after: serde_json::Value) -> NewAuditEvent {
    NewAuditEvent {
        workspace_id: Some(r.workspace_id),
        object_id: Some(r.id.to_string()),
        asset_id: r.subject.asset_id(),
        version: Some(r.version),
        after: Some(after),
        ..NewAuditEvent::new(action, "review")
    }
}

/// A new version arrived: supersede an open review and, where the rules say so, start a fresh
/// one with the same workflow revision. Returns the audit events to record.
pub(crate) async fn restart_on_new_version(
    tx: &mut Tx,
    by: &User,
    asset: &Asset,
    version: u32,
    now: Timestamp,
) -> Result<Vec<NewAuditEvent>> {
    let latest = reviews::latest_for_asset(&mut *tx, asset.id).await?;
    restart(tx, by, (asset.workspace_id, ReviewSubject::Asset(asset.id)), latest, version, now).await
}

/// A subject changed (a new asset version, a new brief revision): supersede its open review
/// and, where the rules say so, start a fresh one on the new number with the same workflow
/// revision. Returns the audit events to record.
pub(crate) async fn restart(
    tx: &mut Tx,
    by: &User,
    subject: (Id, ReviewSubject),
    latest: Option<ReviewRecord>,
    version: u32,
    now: Timestamp,
) -> Result<Vec<NewAuditEvent>> {
    let Some(latest) = latest else {
        return Ok(Vec::new());
    };
    if !restarts_on_new_version(latest.status) {
        return Ok(Vec::new());
    }
    let mut events = Vec::new();
    if latest.status == ReviewStatus::InProgress {
        reviews::set_status(&mut *tx, latest.id, ReviewStatus::Superseded, Some(now)).await?;
        events.push(review_event(
            &latest,
            AuditAction::ReviewSupersede,
            json!({"status": "superseded", "by_version": version}),
        ));
    }
    // A routed chain runs again as it was chosen; a named workflow runs its revision again.
    let stages = match &latest.routing {
        Some(r) => r.stages.clone(),
        None => workflows::revision_stages(&mut *tx, latest.workflow_id, latest.workflow_revision)
            .await?
            .ok_or_else(|| Error::not_found("workflow revision"))?,
    };
    let wf = Revision {
        workflow_id: latest.workflow_id,
        revision: latest.workflow_revision,
        stages: &stages,
        routing: latest.routing.clone(),
    };
    let fresh = open_review(tx, by, subject, version, wf, now).await?;
    events.push(review_event(
        &fresh,
        AuditAction::ReviewStart,
        json!({"workflow_id": fresh.workflow_id, "workflow_revision": fresh.workflow_revision, "restarted_from": latest.id}),
    ));
    Ok(events)
}

impl Core {
    /// Starts a review of the asset's current version with a workflow's latest revision.
    pub async fn start_review(&self, actor: &Actor, asset_id: Id, workflow_id: Option<Id>) -> Result<ReviewView> {
        let mut tx = self.store.write().await?;
        let v = self.start_review_in(&mut tx, actor, asset_id, workflow_id).await?;
        tx.commit().await?;
        Ok(v)
    }

    /// `start_review` inside the caller's transaction (accepting a proposal starts one so).
    pub(crate) async fn start_review_in(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        asset_id: Id,
        workflow_id: Option<Id>,
    ) -> Result<ReviewView> {
        let (mut asset, access) = access::asset_for_update(&mut *tx, &actor.user, asset_id).await?;
        access.require(Capability::StartReview)?;
        // A named workflow must be this workspace's before anything else is said about it.
        let named = match workflow_id {
            Some(id) => Some(workflow_of(&mut *tx, id, asset.workspace_id).await?),
            None => None,
        };
        if let Some(open) = reviews::latest_for_asset(&mut *tx, asset.id).await? {
            if open.status == ReviewStatus::InProgress {
                return Err(Error::new(
                    ErrorCode::ReviewInProgress,
                    format!(
                        "version {} is already in review ({}); upload a new version to restart it",
                        open.version, open.id
                    ),
                ));
            }
        }
        // Without a named workflow, the workspace's routing rules choose the chain.
        let (wf, routing) = match named {
            Some(wf) => (wf, None),
            None => {
                let (id, routing) = crate::routing::route(&mut *tx, &asset).await?;
                (workflow_of(&mut *tx, id, asset.workspace_id).await?, Some(routing))
            }
        };
        let stages = routing.as_ref().map_or_else(|| wf.stages.clone(), |r| r.stages.clone());
        let rule = routing.as_ref().map(|r| json!({"rule": r.rule, "rules_revision": r.revision}));
        let revision = Revision { workflow_id: wf.id, revision: wf.revision, stages: &stages, routing };
        let subject = (asset.workspace_id, ReviewSubject::Asset(asset.id));
        let r = open_review(&mut *tx, &actor.user, subject, asset.current_version, revision, self.now()).await?;
        store_state(&mut *tx, &mut asset).await?;
        let event = review_event(
            &r,
            AuditAction::ReviewStart,
            json!({"workflow_id": wf.id, "workflow_revision": wf.revision, "routing": rule}),
        );
        record(&mut *tx, &actor.origin, Some(&actor.user), event).await?;
        let v = view(&mut *tx, &r).await?;
        Ok(v)
    }

    /// Records the actor's decision on the version they name.
    pub async fn decide(
        &self,
        actor: &Actor,
        review_id: Id,
        version: u32,
        decision: &str,
        reason: Option<&str>,
    ) -> Result<ReviewView> {
        self.decide_for(actor, review_id, version, decision, reason, None, &[]).await
    }

    /// Records a decision, in the actor's own name or — as an out-of-office member's delegate —
    /// in theirs (`on_behalf_of`; see [`crate::delegation`]), citing open comments of the asset.
    #[allow(clippy::too_many_arguments)]
    pub async fn decide_for(
        &self,
        actor: &Actor,
        review_id: Id,
        version: u32,
        decision: &str,
        reason: Option<&str>,
        on_behalf_of: Option<Id>,
        comment_ids: &[Id],
    ) -> Result<ReviewView> {
        self.retrying("decide", || {
            self.decide_once(actor, review_id, version, decision, reason, on_behalf_of, comment_ids)
        })
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn decide_once(
        &self,
        actor: &Actor,
        review_id: Id,
        version: u32,
        decision: &str,
        reason: Option<&str>,
        on_behalf_of: Option<Id>,
        comment_ids: &[Id],
    ) -> Result<ReviewView> {
        let verdict = Verdict::parse(decision)?;
        let mut tx = self.store.write().await?;
        let found = reviews::get(&mut tx, review_id, false).await?.ok_or_else(|| Error::not_found("review"))?;
        // Locks in one order everywhere — the subject's row first, then the review — so a
        // decision and a new version of the same asset never wait on each other in a circle.
        let mut subject = match found.subject {
            ReviewSubject::Asset(id) => {
                let (asset, access) =
                    access::asset_for_update(&mut tx, &actor.user, id).await.map_err(|e| e.hidden_as("review"))?;
                Locked::Asset(Box::new(asset), access)
            }
            ReviewSubject::Brief(id) => {
                let (brief, access) = crate::briefs::brief_for_update(&mut tx, &actor.user, id)
                    .await
                    .map_err(|e| e.hidden_as("review"))?;
                Locked::Brief(Box::new(brief), access)
            }
        };
        // Membership and role as they are now, inside this transaction: an approver removed or
        // demoted since the review started cannot decide (and may not even see the review).
        let access = subject.access();
        if !access.sees_work_in_progress() || !access.role.may_approve() {
            return Err(Error::not_found("review"));
        }
        let record_ = reviews::get(&mut tx, review_id, true).await?.ok_or_else(|| Error::not_found("review"))?;
        let mut review = replay(&mut tx, &record_).await?;
        let was = review.status;
        let now = self.now();
        let acting =
            crate::delegation::acting_for(&mut tx, actor.user.id, &record_, &review, on_behalf_of, now).await?;
        let before: Vec<StageStatus> = review.stages.iter().map(|s| s.status).collect();
        let mut decided = review.decide(acting, version, verdict, reason, now)?;
        if acting != actor.user.id {
            for d in decided.iter_mut() {
                d.decided_by = Some(actor.user.id);
            }
            for d in review.decisions.iter_mut().filter(|d| d.user_id == acting && d.decided_at == now) {
                d.decided_by = Some(actor.user.id);
            }
        }
        for id in comment_ids {
            let cited = vellum_store::comments::get(&mut tx, *id).await?;
            let open = cited.is_some_and(|c| {
                Some(c.asset_id) == record_.subject.asset_id()
                    && c.status == vellum_domain::comment::CommentStatus::Open
            });
            if !open {
                return Err(Error::new(
                    ErrorCode::InvalidComment,
                    format!("comment {id} is not an open comment of this asset, so the decision cannot cite it"),
                ));
            }
        }
        for d in &decided {
            reviews::insert_decision(&mut tx, review_id, d).await.map_err(|e| match e {
                vellum_store::Error::Conflict(_) => Error::Domain(vellum_domain::DomainError::AlreadyDecided),
                e => e.into(),
            })?;
            reviews::cite_comments(&mut tx, review_id, d.stage, acting, comment_ids).await?;
        }
        let mut after = json!({
            "decision": verdict, "reason": decided.first().and_then(|d| d.reason.clone()),
            "on_behalf_of": (acting != actor.user.id).then_some(acting),
            "stages": decided.iter().map(|d| review.plans[d.stage].name.as_str()).collect::<Vec<_>>(),
            "review_status": review.status,
        });
        let owner = match &mut subject {
            Locked::Asset(asset, _) => {
                if review.status != was {
                    reviews::set_status(&mut tx, review_id, review.status, Some(now)).await?;
                    if review.status == ReviewStatus::Approved {
                        asset.approved_version = Some(record_.version);
                    }
                    // An open review is always its asset's latest, so the status follows from it.
                    store_state_from(&mut tx, asset, Some((record_.version, review.status))).await?;
                    crate::briefs::asset_changed(&mut tx, asset.id, asset.status, now).await?;
                }
                after["asset_id"] = json!(asset.id);
                after["approved_version"] = json!(asset.approved_version);
                asset.created_by
            }
            Locked::Brief(brief, _) => {
                if review.status != was {
                    reviews::set_status(&mut tx, review_id, review.status, Some(now)).await?;
                    crate::briefs::review_closed(&mut tx, brief, review.status, now).await?;
                }
                after["brief_id"] = json!(brief.id);
                after["brief_status"] = json!(brief.status);
                brief.created_by
            }
        };
        let event = NewAuditEvent {
            workspace_id: Some(record_.workspace_id),
            object_id: Some(review_id.to_string()),
            asset_id: record_.subject.asset_id(),
            version: Some(version),
            before: Some(json!({"review_status": was})),
            after: Some(after),
            ..NewAuditEvent::new(AuditAction::ReviewDecide, "review")
        };
        record(&mut tx, &actor.origin, Some(&actor.user), event).await?;
        crate::reminders::schedule_next(&mut tx, &record_, &review, now, crate::reminders::Scheduler::Change).await?;
        let decided_by = (actor.user.id, verdict.as_str());
        crate::events::decision_made(&mut tx, &record_, &before, &review, decided_by, owner, now).await?;
        let mut updated = record_;
        updated.status = review.status;
        if review.status != was {
            updated.closed_at = Some(now);
        }
        let v = view_of(&mut tx, &updated, &review).await?;
        tx.commit().await?;
        Ok(v)
    }

    /// A review the actor may see (members who see work in progress).
    pub async fn review(&self, actor: &Actor, id: Id) -> Result<ReviewView> {
        let mut c = self.store.conn().await?;
        let r = reviews::get(&mut c, id, false).await?.ok_or_else(|| Error::not_found("review"))?;
        let access = subject_access(&mut c, &actor.user, r.subject).await.map_err(|e| e.hidden_as("review"))?;
        if !access.sees_work_in_progress() {
            return Err(Error::not_found("review"));
        }
        view(&mut c, &r).await
    }

    /// Every review of an asset, newest first.
    pub async fn reviews_of(&self, actor: &Actor, asset: Id) -> Result<Vec<ReviewView>> {
        let mut c = self.store.conn().await?;
        let (_, access) = access::asset(&mut c, &actor.user, asset).await?;
        if !access.sees_work_in_progress() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for r in reviews::for_asset(&mut c, asset).await? {
            out.push(view(&mut c, &r).await?);
        }
        Ok(out)
    }
}

/// The row a decision locked: the asset, or the brief, with the decider's access to it.
enum Locked {
    Asset(Box<Asset>, access::Access),
    Brief(Box<vellum_store::briefs::Brief>, access::Access),
}

impl Locked {
    fn access(&self) -> &access::Access {
        match self {
            Locked::Asset(_, a) | Locked::Brief(_, a) => a,
        }
    }
}

/// The user's access to what a review decides on (not found when they may not see it).
pub(crate) async fn subject_access(c: &mut Conn, user: &User, subject: ReviewSubject) -> Result<access::Access> {
    match subject {
        ReviewSubject::Asset(id) => Ok(access::asset(c, user, id).await?.1),
        ReviewSubject::Brief(id) => Ok(crate::briefs::brief(c, user, id).await?.1),
    }
}
