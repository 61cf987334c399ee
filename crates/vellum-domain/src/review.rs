//! The review state machine: one run of a workflow revision on one version of an asset.
//!
//! A review's state is never stored as such: it is replayed from its plan and the decisions
//! recorded so far, so the database holds only facts and the rules live here.

use crate::ErrorCode;
use serde::{Deserialize, Serialize};

use crate::{
    calendar::Calendar,
    workflow::{ApproverRef, Rule, StageSpec, StartMode},
    DomainError, Id, Timestamp,
};

/// Something that happened to a review besides decisions: reminders, escalations and
/// reassignments, listed with the review (`events`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReviewEventKind {
    Reminder,
    Escalation,
    Reassignment,
}

impl ReviewEventKind {
    pub const ALL: [ReviewEventKind; 3] =
        [ReviewEventKind::Reminder, ReviewEventKind::Escalation, ReviewEventKind::Reassignment];

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewEventKind::Reminder => "reminder",
            ReviewEventKind::Escalation => "escalation",
            ReviewEventKind::Reassignment => "reassignment",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A stage with its approvers resolved to users, frozen when the review starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StagePlan {
    pub name: String,
    pub approvers: Vec<Id>,
    pub rule: Rule,
    pub start: StartMode,
    #[serde(default)]
    pub due_in_hours: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_in_business_hours: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_in_business_days: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_in_minutes: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reminders: Option<crate::reminders::ReminderSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalation: Option<crate::reminders::EscalationSpec>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Approve,
    ApproveWithChanges,
    ChangesRequested,
    Reject,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StageStatus {
    Pending,
    Active,
    Approved,
    ChangesRequested,
    Rejected,
    Skipped,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    InProgress,
    Approved,
    ChangesRequested,
    Rejected,
    Superseded,
}

/// What a review decides on: one version of an asset, or one revision of a brief.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum ReviewSubject {
    Asset(Id),
    Brief(Id),
}

impl ReviewSubject {
    pub fn asset_id(self) -> Option<Id> {
        match self {
            ReviewSubject::Asset(id) => Some(id),
            ReviewSubject::Brief(_) => None,
        }
    }

    pub fn brief_id(self) -> Option<Id> {
        match self {
            ReviewSubject::Brief(id) => Some(id),
            ReviewSubject::Asset(_) => None,
        }
    }

    pub fn id(self) -> Id {
        match self {
            ReviewSubject::Asset(id) | ReviewSubject::Brief(id) => id,
        }
    }

    /// `asset` or `brief`, as the API and webhooks name it.
    pub fn type_str(self) -> &'static str {
        match self {
            ReviewSubject::Asset(_) => "asset",
            ReviewSubject::Brief(_) => "brief",
        }
    }
}

/// One approver's decision on one stage, bound to the version they looked at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionRecord {
    pub stage: usize,
    pub user_id: Id,
    pub version: u32,
    pub verdict: Verdict,
    pub reason: Option<String>,
    pub decided_at: Timestamp,
    /// A delegate who decided in `user_id`'s place (out of office); None when they decided
    /// themselves.
    pub decided_by: Option<Id>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StageState {
    pub status: StageStatus,
    pub activated_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    pub version: u32,
    pub plans: Vec<StagePlan>,
    pub stages: Vec<StageState>,
    pub status: ReviewStatus,
    pub decisions: Vec<DecisionRecord>,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Approve => "approve",
            Verdict::ApproveWithChanges => "approve_with_changes",
            Verdict::ChangesRequested => "changes_requested",
            Verdict::Reject => "reject",
        }
    }

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        [Verdict::Approve, Verdict::ApproveWithChanges, Verdict::ChangesRequested, Verdict::Reject]
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| {
                DomainError::invalid(
                    ErrorCode::InvalidDecision,
                    format!("'{s}' is not a decision; use approve, approve_with_changes, changes_requested or reject"),
                )
            })
    }

    fn approves(self) -> bool {
        matches!(self, Verdict::Approve | Verdict::ApproveWithChanges)
    }

    fn needs_reason(self) -> bool {
        matches!(self, Verdict::ChangesRequested | Verdict::Reject)
    }
}

impl ReviewStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::InProgress => "in_progress",
            ReviewStatus::Approved => "approved",
            ReviewStatus::ChangesRequested => "changes_requested",
            ReviewStatus::Rejected => "rejected",
            ReviewStatus::Superseded => "superseded",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            ReviewStatus::InProgress,
            ReviewStatus::Approved,
            ReviewStatus::ChangesRequested,
            ReviewStatus::Rejected,
            ReviewStatus::Superseded,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

impl StageStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            StageStatus::Pending => "pending",
            StageStatus::Active => "active",
            StageStatus::Approved => "approved",
            StageStatus::ChangesRequested => "changes_requested",
            StageStatus::Rejected => "rejected",
            StageStatus::Skipped => "skipped",
        }
    }
}

/// Resolves a workflow revision's stages to users. `group_members` answers for a group of
/// the same workspace (None if there is no such group). Duplicates collapse to one approver.
pub fn resolve_plan(
    stages: &[StageSpec],
    group_members: impl Fn(Id) -> Option<Vec<Id>>,
) -> Result<Vec<StagePlan>, DomainError> {
    stages
        .iter()
        .map(|s| {
            let mut approvers: Vec<Id> = Vec::new();
            for a in &s.approvers {
                let users = match *a {
                    ApproverRef::User(u) => vec![u],
                    ApproverRef::Group(g) => group_members(g).ok_or_else(|| {
                        DomainError::invalid(
                            ErrorCode::InvalidWorkflow,
                            format!("stage '{}' names a group that no longer exists", s.name),
                        )
                    })?,
                };
                for u in users {
                    if !approvers.contains(&u) {
                        approvers.push(u);
                    }
                }
            }
            let needed = match s.rule {
                Rule::All | Rule::Any => 1,
                Rule::Quorum(q) => q as usize,
            };
            if approvers.len() < needed.max(1) {
                return Err(DomainError::invalid(
                    ErrorCode::InvalidWorkflow,
                    format!(
                        "stage '{}' has {} approver(s) but needs at least {}; add members to its groups",
                        s.name,
                        approvers.len(),
                        needed.max(1)
                    ),
                ));
            }
            Ok(StagePlan {
                name: s.name.clone(),
                approvers,
                rule: s.rule,
                start: s.start,
                due_in_hours: s.due_in_hours,
                due_in_business_hours: s.due_in_business_hours,
                due_in_business_days: s.due_in_business_days,
                due_in_minutes: s.due_in_minutes,
                reminders: s.reminders.clone(),
                escalation: s.escalation,
            })
        })
        .collect()
}

/// The step of each stage: stages that start `with_previous` share their predecessor's step.
fn steps(plans: &[StagePlan]) -> Vec<usize> {
    let mut step = 0;
    plans
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if i > 0 && p.start == StartMode::AfterPrevious {
                step += 1;
            }
            step
        })
        .collect()
}

impl Review {
    /// Starts a review of `version`: the first step's stages become active.
    pub fn start(version: u32, plans: Vec<StagePlan>, at: Timestamp) -> Result<Review, DomainError> {
        if plans.is_empty() {
            return Err(DomainError::invalid(ErrorCode::InvalidWorkflow, "a review needs at least one stage"));
        }
        let stages = plans.iter().map(|_| StageState { status: StageStatus::Pending, activated_at: None }).collect();
        let mut review = Review { version, plans, stages, status: ReviewStatus::InProgress, decisions: Vec::new() };
        review.activate_step(0, at);
        Ok(review)
    }

    /// Rebuilds a review from its plan and its recorded decisions.
    pub fn replay(
        version: u32,
        plans: Vec<StagePlan>,
        started_at: Timestamp,
        decisions: Vec<DecisionRecord>,
        superseded: bool,
    ) -> Result<Review, DomainError> {
        let mut review = Review::start(version, plans, started_at)?;
        for d in decisions {
            review.record(d);
        }
        if superseded {
            review.supersede();
        }
        Ok(review)
    }

    fn activate_step(&mut self, step: usize, at: Timestamp) -> bool {
        let mut any = false;
        for (i, s) in steps(&self.plans).into_iter().enumerate() {
            if s == step {
                self.stages[i] = StageState { status: StageStatus::Active, activated_at: Some(at) };
                any = true;
            }
        }
        any
    }

    /// When a stage is due, if it has a deadline and has started: business time counts on
    /// `calendar` (the one the review started under).
    pub fn due_at(&self, stage: usize, calendar: &Calendar) -> Option<Timestamp> {
        let p = self.plans.get(stage)?;
        let deadline = crate::workflow::deadline(
            p.due_in_hours,
            p.due_in_business_hours,
            p.due_in_business_days,
            p.due_in_minutes,
        )?;
        calendar.deadline(self.stages.get(stage)?.activated_at?, deadline)
    }

    /// The decision `user` recorded on `stage`, if any.
    pub fn decision_of(&self, stage: usize, user: Id) -> Option<&DecisionRecord> {
        self.decisions.iter().find(|d| d.stage == stage && d.user_id == user)
    }

    /// Active stages where `user` is an approver and has not decided yet.
    pub fn open_stages_for(&self, user: Id) -> Vec<usize> {
        (0..self.plans.len())
            .filter(|&i| {
                self.stages[i].status == StageStatus::Active
                    && self.plans[i].approvers.contains(&user)
                    && self.decision_of(i, user).is_none()
            })
            .collect()
    }

    /// Records `user`'s decision on `version`. It applies to every active stage where the
    /// user is an approver and has not decided yet; the records to persist are returned.
    pub fn decide(
        &mut self,
        user: Id,
        version: u32,
        verdict: Verdict,
        reason: Option<&str>,
        at: Timestamp,
    ) -> Result<Vec<DecisionRecord>, DomainError> {
        if self.status != ReviewStatus::InProgress {
            return Err(DomainError::ReviewClosed { status: self.status.as_str() });
        }
        if version != self.version {
            return Err(DomainError::VersionMismatch { given: version, expected: self.version });
        }
        let approving_active = (0..self.plans.len())
            .any(|i| self.stages[i].status == StageStatus::Active && self.plans[i].approvers.contains(&user));
        if !approving_active {
            // A second click after one's own decision closed the stage is "already decided",
            // not a claim that one was never an approver.
            if self.decisions.iter().any(|d| d.user_id == user) {
                return Err(DomainError::AlreadyDecided);
            }
            return Err(DomainError::NotAnApprover);
        }
        let open = self.open_stages_for(user);
        if open.is_empty() {
            return Err(DomainError::AlreadyDecided);
        }
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if verdict.needs_reason() && reason.is_none() {
            return Err(DomainError::ReasonRequired { decision: verdict.as_str() });
        }
        if reason.is_some_and(|r| r.chars().count() > 4000) {
            return Err(DomainError::invalid(ErrorCode::InvalidReason, "a reason must be at most 4000 characters"));
        }
        let records: Vec<DecisionRecord> = open
            .into_iter()
            .map(|stage| DecisionRecord {
                stage,
                user_id: user,
                version,
                verdict,
                reason: reason.map(str::to_string),
                decided_at: at,
                decided_by: None,
            })
            .collect();
        for r in &records {
            self.record(r.clone());
        }
        Ok(records)
    }

    /// Applies one already-validated decision and moves the stages and review on.
    fn record(&mut self, d: DecisionRecord) {
        let (stage, verdict, at) = (d.stage, d.verdict, d.decided_at);
        if self.status != ReviewStatus::InProgress
            || self.stages.get(stage).map(|s| s.status) != Some(StageStatus::Active)
        {
            return;
        }
        self.decisions.push(d);
        match verdict {
            Verdict::ChangesRequested => {
                self.close(stage, StageStatus::ChangesRequested, ReviewStatus::ChangesRequested)
            }
            Verdict::Reject => self.close(stage, StageStatus::Rejected, ReviewStatus::Rejected),
            Verdict::Approve | Verdict::ApproveWithChanges => {
                if self.rule_met(stage) {
                    self.stages[stage].status = StageStatus::Approved;
                    self.advance(stage, at);
                }
            }
        }
    }

    fn rule_met(&self, stage: usize) -> bool {
        let plan = &self.plans[stage];
        let approvals = self
            .decisions
            .iter()
            .filter(|d| d.stage == stage && d.verdict.approves() && plan.approvers.contains(&d.user_id))
            .count();
        match plan.rule {
            Rule::All => approvals >= plan.approvers.len(),
            Rule::Any => approvals >= 1,
            Rule::Quorum(n) => approvals >= n as usize,
        }
    }

    /// After a stage approves: when its whole step has, the next step starts or the review ends.
    fn advance(&mut self, stage: usize, at: Timestamp) {
        let steps = steps(&self.plans);
        let step = steps[stage];
        let step_done = steps
            .iter()
            .enumerate()
            .filter(|(_, s)| **s == step)
            .all(|(i, _)| self.stages[i].status == StageStatus::Approved);
        if step_done && !self.activate_step(step + 1, at) {
            self.status = ReviewStatus::Approved;
        }
    }

    /// A veto: the stage takes `stage_status`, the review ends, what never ran is skipped.
    fn close(&mut self, stage: usize, stage_status: StageStatus, review_status: ReviewStatus) {
        self.stages[stage].status = stage_status;
        self.status = review_status;
        self.skip_open();
    }

    fn skip_open(&mut self) {
        for s in &mut self.stages {
            if matches!(s.status, StageStatus::Pending | StageStatus::Active) {
                s.status = StageStatus::Skipped;
            }
        }
    }

    /// A newer version arrived while this review was open: it ends without counting for it.
    /// Returns false if the review was already closed.
    pub fn supersede(&mut self) -> bool {
        if self.status != ReviewStatus::InProgress {
            return false;
        }
        self.status = ReviewStatus::Superseded;
        self.skip_open();
        true
    }
}

/// Whether uploading a new version should start a fresh review with the same workflow revision:
/// yes while a review is open (it is superseded) and after changes were requested; never after a
/// rejection or an approval.
pub fn restarts_on_new_version(status: ReviewStatus) -> bool {
    matches!(status, ReviewStatus::InProgress | ReviewStatus::ChangesRequested)
}

#[cfg(test)]
mod tests;
