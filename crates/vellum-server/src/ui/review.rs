//! The review panel of the asset page: the signed-in approver's decision form, the form to
//! start a review, and every review with its stages and decisions.

use maud::{html, Markup};
use vellum_core::{
    model::{Asset, Workflow},
    reviews::{ReviewView, StageView},
};
use vellum_domain::{
    review::{ReviewStatus, StageStatus},
    status::AssetStatus,
    workflow::{Rule, StartMode},
    Id,
};

use super::page::{badge, csrf_field, when};

/// What the panel needs from the asset page.
pub struct Panel<'a> {
    pub asset: &'a Asset,
    /// Newest first.
    pub reviews: &'a [ReviewView],
    pub workflows: &'a [Workflow],
    pub me: Id,
    pub csrf: &'a str,
    pub can_start: bool,
    /// What the approver chose and typed in a submission that was refused, shown again.
    pub draft: Option<&'a DecisionDraft>,
}

/// A decision form as it was submitted.
#[derive(Debug, Clone, Default)]
pub struct DecisionDraft {
    pub decision: String,
    pub reason: String,
}

/// The decisions in the order the form offers them, with the words on their buttons.
pub const CHOICES: [(&str, &str); 4] = [
    ("approve", "Approve"),
    ("approve_with_changes", "Approve with changes"),
    ("changes_requested", "Request changes"),
    ("reject", "Reject"),
];

/// The words on the button of a decision code, so messages never show the code itself.
pub fn choice_label(code: &str) -> Option<&'static str> {
    CHOICES.iter().find(|(c, _)| *c == code).map(|(_, label)| *label)
}

pub fn rule_text(rule: Rule) -> String {
    match rule {
        Rule::All => "every approver".into(),
        Rule::Any => "any one approver".into(),
        Rule::Quorum(1) => "at least 1 approver".into(),
        Rule::Quorum(n) => format!("at least {n} approvers"),
    }
}

pub fn start_text(start: StartMode) -> &'static str {
    match start {
        StartMode::AfterPrevious => "after the previous stage",
        StartMode::WithPrevious => "together with the previous stage",
    }
}

/// Whether `me` is an approver who still has to decide in an active stage.
fn awaits(review: &ReviewView, me: Id) -> bool {
    review.status == ReviewStatus::InProgress
        && review.stages.iter().any(|s| {
            s.status == StageStatus::Active && s.approvers.iter().any(|a| a.user_id == me && a.decision.is_none())
        })
}

impl Panel<'_> {
    pub fn render(&self) -> Markup {
        let open = self.reviews.iter().find(|r| r.status == ReviewStatus::InProgress);
        html! {
            @if let Some(r) = open.filter(|r| awaits(r, self.me)) { (self.decision_form(r)) }
            // An approved current version needs no new review; a new version restarts one.
            @if open.is_none() && self.can_start && self.asset.status != AssetStatus::Approved { (self.start_form()) }
            @if self.reviews.is_empty() {
                p.empty {
                    @if self.can_start && !self.workflows.is_empty() { "No review yet. Choose a workflow above to send this version to its approvers." }
                    @else if self.can_start { "No review yet." }
                    @else { "No review yet. A creator or manager can start one." }
                }
            }
            @for r in self.reviews { (self.review(r)) }
        }
    }

    fn decision_form(&self, r: &ReviewView) -> Markup {
        // Nothing is chosen in advance: a reviewer who only types a reason must not approve
        // by default. A refused submission comes back with its choice and reason intact.
        let chosen = self.draft.map_or("", |d| d.decision.as_str());
        let reason = self.draft.map_or("", |d| d.reason.as_str());
        html! {
            form.card.decide method="post" action={ "/a/" (self.asset.id) "/reviews/" (r.id) "/decision" } {
                (csrf_field(self.csrf))
                input type="hidden" name="version" value=(r.version);
                fieldset {
                    legend { "Your decision on version " (r.version) }
                    @for (value, label) in CHOICES {
                        div.choice {
                            input type="radio" name="decision" id={ "d-" (value) } value=(value) required checked[chosen == value];
                            label for={ "d-" (value) } { (label) }
                        }
                    }
                }
                label for="d-reason" { "Reason" }
                textarea #d-reason name="reason" rows="3" maxlength="4000" aria-describedby="d-reason-hint" { (reason) }
                p.hint #d-reason-hint { "Required for “Request changes” and “Reject”." }
                button.primary type="submit" { "Submit decision" }
            }
        }
    }

    fn start_form(&self) -> Markup {
        html! {
            @if self.workflows.is_empty() {
                p.hint { "There is no workflow in this workspace yet, so no review can start. An admin creates one under Workflows." }
            } @else {
                form.card.start method="post" action={ "/a/" (self.asset.id) "/reviews" } {
                    (csrf_field(self.csrf))
                    label for="start-wf" { "Start a review of version " (self.asset.current_version) " with" }
                    select #start-wf name="workflow_id" required {
                        @for w in self.workflows {
                            option value=(w.id) { (w.name) " (revision " (w.revision) ")" }
                        }
                    }
                    button.primary type="submit" { "Start review" }
                }
            }
        }
    }

    fn review(&self, r: &ReviewView) -> Markup {
        let workflow = self.workflows.iter().find(|w| w.id == r.workflow_id).map(|w| w.name.as_str());
        html! {
            article.review id={ "review-" (r.id) } {
                header {
                    h3 { "Version " (r.version) }
                    (badge(r.status.as_str()))
                }
                p.muted {
                    @if let Some(name) = workflow { (name) } @else { "Workflow" }
                    " · revision " (r.workflow_revision) " · started " (when(r.created_at))
                    @if let Some(c) = r.closed_at { " · closed " (when(c)) }
                }
                ol.stages {
                    @for s in &r.stages { li { (stage(s)) } }
                }
            }
        }
    }
}

fn stage(s: &StageView) -> Markup {
    html! {
        div.stage-head {
            strong { (s.name) }
            " " (badge(s.status.as_str()))
        }
        p.muted {
            "Needs " (rule_text(s.rule)) "; starts " (start_text(s.start))
            @if let Some(d) = s.due_at { " · due " (when(d)) }
        }
        div.scroll { table.approvers.stack {
            thead { tr { th scope="col" { "Approver" } th scope="col" { "Decision" } th scope="col" { "Reason" } th scope="col" { "When" } } }
            tbody {
                @for a in &s.approvers {
                    tr {
                        td.title-cell {
                            @if let Some(n) = &a.name { (n) } @else { code { (a.user_id) } }
                            @if a.lost_access { " " small.muted { "(no longer has access)" } }
                        }
                        td data-label="Decision" { @if let Some(d) = a.decision { (badge(d.as_str())) } @else { span.muted { "waiting" } } }
                        td data-label="Reason" { @if let Some(r) = &a.reason { (r) } @else { span.muted { "—" } } }
                        td data-label="When" { @if let Some(t) = a.decided_at { (when(t)) } }
                    }
                }
            }
        } }
    }
}
