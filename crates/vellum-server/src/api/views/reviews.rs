//! Workflows and reviews as the API shows them.

use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;
use vellum_core::{model, reviews};
use vellum_domain::{
    review::{ReviewStatus, ReviewSubject, StageStatus, Verdict},
    workflow::{Rule, StageSpec, StartMode},
    Timestamp,
};

use super::{page, RuleTraceView};

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkflowView {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub name: String,
    /// Each save makes a new revision; reviews keep the one they started with.
    pub revision: u32,
    pub stages: Vec<StageSpec>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl From<model::Workflow> for WorkflowView {
    fn from(w: model::Workflow) -> Self {
        WorkflowView {
            id: w.id,
            workspace_id: w.workspace_id,
            name: w.name,
            revision: w.revision,
            stages: w.stages,
            created_at: w.created_at,
            updated_at: w.updated_at,
        }
    }
}

page!(WorkflowPage, "workflows", WorkflowView);

#[derive(Debug, Serialize, ToSchema)]
pub struct ApproverView {
    pub user_id: Uuid,
    pub name: Option<String>,
    pub decision: Option<Verdict>,
    pub reason: Option<String>,
    pub decided_at: Option<Timestamp>,
    /// The version the decision named.
    pub version: Option<u32>,
    /// Removed from the workspace or no longer allowed to approve since the review started.
    pub lost_access: bool,
    /// When a delegate decided: the absent approver whose place this is (`user_id` is then
    /// the delegate).
    pub on_behalf_of: Option<Uuid>,
    /// The open comments the decision cites.
    pub comment_ids: Vec<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StageView {
    pub name: String,
    pub status: StageStatus,
    pub rule: Rule,
    pub start: StartMode,
    pub activated_at: Option<Timestamp>,
    pub due_at: Option<Timestamp>,
    pub approvers: Vec<ApproverView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewView {
    pub id: Uuid,
    /// What the review decides on: an asset version or a brief revision.
    pub subject: SubjectView,
    /// The asset under review (null when the subject is a brief).
    pub asset_id: Option<Uuid>,
    /// The brief under review (null when the subject is an asset).
    pub brief_id: Option<Uuid>,
    pub workspace_id: Uuid,
    /// The one version (or brief revision) this review decides on.
    pub version: u32,
    pub status: ReviewStatus,
    pub workflow_id: Uuid,
    pub workflow_revision: u32,
    pub started_by: Uuid,
    pub created_at: Timestamp,
    pub closed_at: Option<Timestamp>,
    pub stages: Vec<StageView>,
    /// Why this chain: the routing rule that chose it and the explanation of the evaluation;
    /// null when the review named its workflow.
    pub routing: Option<ReviewRoutingView>,
    /// Reminders, escalations and reassignments, oldest first.
    pub events: Vec<ReviewEventView>,
    /// Members invited to comment: they are told and may comment, but never decide.
    pub collaborators: Vec<Uuid>,
}

/// Something that happened to a review besides decisions.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewEventView {
    pub kind: vellum_domain::review::ReviewEventKind,
    /// The stage's name.
    pub stage: String,
    /// Who it concerns: the approver reminded, the escalation target, the new approver.
    pub user_id: Uuid,
    pub at: Timestamp,
    /// For a reassignment: whom the new approver replaced.
    pub from_user: Option<Uuid>,
    /// For a reassignment: why.
    pub reason: Option<String>,
}

impl From<vellum_core::reviews::StoredReviewEvent> for ReviewEventView {
    fn from(e: vellum_core::reviews::StoredReviewEvent) -> Self {
        let detail = e.detail.unwrap_or_default();
        ReviewEventView {
            kind: e.kind,
            stage: e.stage,
            user_id: e.user_id,
            at: e.at,
            from_user: detail["from_user"].as_str().and_then(vellum_domain::id::parse_id),
            reason: detail["reason"].as_str().map(str::to_string),
        }
    }
}

/// The rule that chose a review's chain, and why.
/// What a review is of.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SubjectType {
    Asset,
    Brief,
}

/// `{type: "asset", id, version}` or `{type: "brief", id, revision}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubjectView {
    #[serde(rename = "type")]
    pub subject_type: SubjectType,
    pub id: Uuid,
    /// The asset version (asset reviews only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    /// The brief revision (brief reviews only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<u32>,
}

impl SubjectView {
    pub fn of(s: ReviewSubject, number: u32) -> Self {
        match s {
            ReviewSubject::Asset(id) => {
                SubjectView { subject_type: SubjectType::Asset, id, version: Some(number), revision: None }
            }
            ReviewSubject::Brief(id) => {
                SubjectView { subject_type: SubjectType::Brief, id, version: None, revision: Some(number) }
            }
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewRoutingView {
    /// The rule's name.
    pub rule: String,
    /// The revision of the rule set it belongs to.
    pub rules_revision: u64,
    pub explanation: Vec<RuleTraceView>,
}

impl From<reviews::ReviewView> for ReviewView {
    fn from(r: reviews::ReviewView) -> Self {
        ReviewView {
            id: r.id,
            subject: SubjectView::of(r.subject, r.version),
            asset_id: r.subject.asset_id(),
            brief_id: r.subject.brief_id(),
            workspace_id: r.workspace_id,
            version: r.version,
            status: r.status,
            workflow_id: r.workflow_id,
            workflow_revision: r.workflow_revision,
            started_by: r.started_by,
            created_at: r.created_at,
            closed_at: r.closed_at,
            events: r.events.into_iter().map(ReviewEventView::from).collect(),
            collaborators: r.collaborators,
            routing: r.routing.map(|x| ReviewRoutingView {
                rule: x.rule,
                rules_revision: x.revision,
                explanation: x.explanation.into_iter().map(RuleTraceView::from).collect(),
            }),
            stages: r
                .stages
                .into_iter()
                .map(|s| StageView {
                    name: s.name,
                    status: s.status,
                    rule: s.rule,
                    start: s.start,
                    activated_at: s.activated_at,
                    due_at: s.due_at,
                    approvers: s
                        .approvers
                        .into_iter()
                        .map(|a| ApproverView {
                            user_id: a.user_id,
                            name: a.name,
                            decision: a.decision,
                            reason: a.reason,
                            decided_at: a.decided_at,
                            version: a.version,
                            lost_access: a.lost_access,
                            on_behalf_of: a.on_behalf_of,
                            comment_ids: a.comment_ids,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

page!(ReviewPage, "reviews", ReviewView);
