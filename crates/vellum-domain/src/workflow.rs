//! Workflow templates: ordered stages with approvers, a completion rule and a start mode.

use crate::ErrorCode;
use serde::{Deserialize, Serialize};

use crate::{
    reminders::{EscalationSpec, ReminderSpec},
    validate::Name,
    DomainError, Id,
};

/// Who approves a stage: one user, or every member of a group (resolved when a review starts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ApproverRef {
    User(Id),
    Group(Id),
}

/// `{"user": id}` or `{"group": id}`.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for ApproverRef {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        crate::openapi::word_or_id(&[], &["user", "group"])
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for ApproverRef {}

/// When a stage is complete: every approver, any one approver, or at least `n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    All,
    Any,
    Quorum(u32),
}

/// `"all"`, `"any"` or `{"quorum": n}` with n ≥ 1.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Rule {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        crate::openapi::word_or_count(&["all", "any"], "quorum", u32::MAX)
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Rule {}

/// Whether a stage waits for the stage before it or runs beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StartMode {
    #[default]
    AfterPrevious,
    WithPrevious,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StageSpec {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::name))]
    pub name: String,
    /// Distinct users and groups.
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 100))]
    pub approvers: Vec<ApproverRef>,
    pub rule: Rule,
    #[serde(default)]
    pub start: StartMode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 8760))]
    pub due_in_hours: Option<u32>,
    /// Working hours on the workspace's calendar (at most one `due_in_*` per stage).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 2000))]
    pub due_in_business_hours: Option<u32>,
    /// Working days on the workspace's calendar: due at the close of the n-th one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 250))]
    pub due_in_business_days: Option<u32>,
    /// Wall-clock minutes, whatever the calendar says (urgent work).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 525600))]
    pub due_in_minutes: Option<u32>,
    /// When pending approvers are reminded (needs a deadline).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reminders: Option<ReminderSpec>,
    /// Who is told, and perhaps added as an approver, when the stage runs late (needs a
    /// deadline).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalation: Option<EscalationSpec>,
}

/// When a stage is due after it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deadline {
    Hours(u32),
    BusinessHours(u32),
    BusinessDays(u32),
    Minutes(u32),
}

/// The deadline of a stage from its four optional fields (the first set, in this order).
pub fn deadline(
    hours: Option<u32>,
    business_hours: Option<u32>,
    business_days: Option<u32>,
    minutes: Option<u32>,
) -> Option<Deadline> {
    hours
        .map(Deadline::Hours)
        .or(business_hours.map(Deadline::BusinessHours))
        .or(business_days.map(Deadline::BusinessDays))
        .or(minutes.map(Deadline::Minutes))
}

impl StageSpec {
    /// Whether the stage names `group`, as an approver or as whom it escalates to.
    pub fn names_group(&self, group: Id) -> bool {
        self.approvers.contains(&ApproverRef::Group(group))
            || self.escalation.is_some_and(|e| e.to == crate::reminders::EscalateTo::Group(group))
    }

    pub fn deadline(&self) -> Option<Deadline> {
        deadline(self.due_in_hours, self.due_in_business_hours, self.due_in_business_days, self.due_in_minutes)
    }
}

/// A workflow as submitted: a name and its stages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WorkflowSpec {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::name))]
    pub name: String,
    /// Stage names are unique within a workflow; the first stage cannot start `with_previous`.
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 20))]
    pub stages: Vec<StageSpec>,
}

pub const MAX_STAGES: usize = 20;
pub const MAX_APPROVERS: usize = 100;

fn invalid(message: impl Into<String>) -> DomainError {
    DomainError::invalid(ErrorCode::InvalidWorkflow, message)
}

impl WorkflowSpec {
    /// Checks the shape of a workflow; approvers' membership is checked by the caller,
    /// who can see the workspace.
    pub fn validate(mut self) -> Result<Self, DomainError> {
        self.name = Name::parse("the workflow name", &self.name)?.into_inner();
        if self.stages.is_empty() || self.stages.len() > MAX_STAGES {
            return Err(invalid(format!("a workflow needs 1–{MAX_STAGES} stages")));
        }
        for (i, stage) in self.stages.iter_mut().enumerate() {
            let n = i + 1;
            stage.name = Name::parse(&format!("the name of stage {n}"), &stage.name)?.into_inner();
            if stage.approvers.is_empty() || stage.approvers.len() > MAX_APPROVERS {
                return Err(invalid(format!("stage '{}' needs 1–{MAX_APPROVERS} approvers", stage.name)));
            }
            let mut seen = Vec::with_capacity(stage.approvers.len());
            for a in &stage.approvers {
                if seen.contains(a) {
                    return Err(invalid(format!("stage '{}' names the same approver twice", stage.name)));
                }
                seen.push(*a);
            }
            if let Rule::Quorum(q) = stage.rule {
                let only_users = stage.approvers.iter().all(|a| matches!(a, ApproverRef::User(_)));
                if q == 0 || (only_users && q as usize > stage.approvers.len()) {
                    return Err(invalid(format!(
                        "stage '{}': a quorum must be between 1 and the number of approvers ({})",
                        stage.name,
                        stage.approvers.len()
                    )));
                }
            }
            if i == 0 && stage.start == StartMode::WithPrevious {
                return Err(invalid("the first stage cannot start 'with_previous': there is no stage before it"));
            }
            let limits = [
                ("due_in_hours", stage.due_in_hours, 8760),
                ("due_in_business_hours", stage.due_in_business_hours, 2000),
                ("due_in_business_days", stage.due_in_business_days, 250),
                ("due_in_minutes", stage.due_in_minutes, 525_600),
            ];
            let mut set = 0;
            for (field, value, max) in limits {
                if let Some(v) = value {
                    set += 1;
                    if !(1..=max).contains(&v) {
                        return Err(invalid(format!("stage '{}': {field} must be 1–{max}", stage.name)));
                    }
                }
            }
            if (stage.reminders.is_some() || stage.escalation.is_some()) && set == 0 {
                return Err(invalid(format!("stage '{}': reminders and escalation need a deadline", stage.name)));
            }
            if let Some(p) = stage.reminders.as_ref().and_then(ReminderSpec::problem) {
                return Err(invalid(format!("stage '{}': {p}", stage.name)));
            }
            if let Some(p) = stage.escalation.as_ref().and_then(EscalationSpec::problem) {
                return Err(invalid(format!("stage '{}': {p}", stage.name)));
            }
            if set > 1 {
                return Err(invalid(format!(
                    "stage '{}': give one deadline (due_in_hours, due_in_business_hours, due_in_business_days or due_in_minutes)",
                    stage.name
                )));
            }
        }
        let mut names: Vec<&str> = self.stages.iter().map(|s| s.name.as_str()).collect();
        names.sort_unstable();
        if names.windows(2).any(|w| w[0] == w[1]) {
            return Err(invalid("stage names must be unique within a workflow"));
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(v: serde_json::Value) -> Result<WorkflowSpec, DomainError> {
        serde_json::from_value::<WorkflowSpec>(v).map_err(|e| invalid(e.to_string()))?.validate()
    }

    const U1: &str = "01900000-0000-7000-8000-000000000001";
    const U2: &str = "01900000-0000-7000-8000-000000000002";

    #[test]
    fn wire_format_matches_the_api() {
        let w = spec(json!({"name": "Legal", "stages": [
            {"name": "Brand", "approvers": [{"user": U1}], "rule": "all"},
            {"name": "Legal", "approvers": [{"user": U1}, {"group": U2}], "rule": {"quorum": 2}, "start": "with_previous", "due_in_hours": 48}
        ]}))
        .unwrap();
        assert_eq!(w.stages[1].rule, Rule::Quorum(2));
        assert_eq!(w.stages[1].start, StartMode::WithPrevious);
        assert_eq!(w.stages[0].start, StartMode::AfterPrevious);
    }

    #[test]
    fn broken_workflows_are_refused() {
        let cases = [
            json!({"name": "x", "stages": []}),
            json!({"name": "x", "stages": [{"name": "a", "approvers": [], "rule": "all"}]}),
            json!({"name": "x", "stages": [{"name": "a", "approvers": [{"user": U1}], "rule": {"quorum": 2}}]}),
            json!({"name": "x", "stages": [{"name": "a", "approvers": [{"user": U1}], "rule": {"quorum": 0}}]}),
            json!({"name": "x", "stages": [{"name": "a", "approvers": [{"user": U1}], "rule": "all", "start": "with_previous"}]}),
            json!({"name": "x", "stages": [{"name": "a", "approvers": [{"user": U1}, {"user": U1}], "rule": "all"}]}),
            json!({"name": "x", "stages": [{"name": "a", "approvers": [{"user": U1}], "rule": "all"}, {"name": "a", "approvers": [{"user": U1}], "rule": "all"}]}),
            json!({"name": "x", "stages": [{"name": "a", "approvers": [{"user": U1}], "rule": "all", "due_in_hours": 0}]}),
            json!({"name": "x", "stages": [{"name": "a", "approvers": [{"user": U1}], "rule": "all", "due_in_business_days": 251}]}),
            json!({"name": "x", "stages": [{"name": "a", "approvers": [{"user": U1}], "rule": "all", "due_in_hours": 4, "due_in_minutes": 30}]}),
            json!({"name": " ", "stages": [{"name": "a", "approvers": [{"user": U1}], "rule": "all"}]}),
        ];
        for c in cases {
            assert!(spec(c.clone()).is_err(), "{c}");
        }
    }
}
