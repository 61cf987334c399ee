//! Routing rules, their revisions and explanations as the API shows them.

use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;
use vellum_core::routing::{Explained, RuleChange, RulesRevision};
use vellum_domain::{
    condition::TestTrace,
    routing::{AddApprover, RuleSpec, RuleTrace},
    workflow::{ApproverRef, StageSpec},
    Timestamp,
};

/// One test as evaluated.
#[derive(Debug, Serialize, ToSchema)]
pub struct TestTraceView {
    pub field: String,
    #[schema(example = "gte")]
    pub op: String,
    /// The value the rule compares with.
    pub value: serde_json::Value,
    /// The asset's value (null: it has none).
    pub actual: serde_json::Value,
    pub result: bool,
}

/// One rule as evaluated, with the tests it ran (`all` and `any` stop at the deciding test).
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleTraceView {
    pub rule: String,
    pub result: bool,
    pub conditions: Vec<TestTraceView>,
}

impl From<TestTrace> for TestTraceView {
    fn from(t: TestTrace) -> Self {
        TestTraceView {
            field: t.field,
            op: t.op.as_str().to_string(),
            value: t.value,
            actual: t.actual,
            result: t.result,
        }
    }
}

impl From<RuleTrace> for RuleTraceView {
    fn from(t: RuleTrace) -> Self {
        RuleTraceView { rule: t.rule, result: t.result, conditions: t.conditions.into_iter().map(Into::into).collect() }
    }
}

/// An approver a rule adds to one stage.
#[derive(Debug, Serialize, ToSchema)]
pub struct AddApproverView {
    pub stage: String,
    pub approver: ApproverRef,
}

/// One routing rule.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleView {
    pub name: String,
    /// `{field, op, value}`, or `{all: […]}`, `{any: […]}`, `{not: …}`.
    #[schema(value_type = Object)]
    pub when: serde_json::Value,
    pub workflow_id: Uuid,
    pub add_stages: Vec<StageSpec>,
    pub add_approvers: Vec<AddApproverView>,
}

impl From<RuleSpec> for RuleView {
    fn from(r: RuleSpec) -> Self {
        RuleView {
            name: r.name,
            when: r.when,
            workflow_id: r.workflow_id,
            add_stages: r.add_stages,
            add_approvers: r
                .add_approvers
                .into_iter()
                .map(|AddApprover { stage, approver }| AddApproverView { stage, approver })
                .collect(),
        }
    }
}

/// The rules in force, in the order they are tried.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoutingView {
    /// Each save makes a new revision (0: never saved).
    pub revision: u64,
    pub rules: Vec<RuleView>,
    pub created_at: Option<Timestamp>,
    pub created_by: Option<Uuid>,
}

impl From<RulesRevision> for RoutingView {
    fn from(r: RulesRevision) -> Self {
        RoutingView {
            revision: r.revision,
            rules: r.rules.rules.into_iter().map(RuleView::from).collect(),
            created_at: r.created_at,
            created_by: r.created_by,
        }
    }
}

/// How one rule changed from the revision before.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleChangeView {
    pub rule: String,
    #[schema(example = "changed")]
    pub change: String,
}

/// A saved revision and what it changed.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoutingRevisionView {
    #[serde(flatten)]
    pub rules: RoutingView,
    /// Against the revision before: rules `added`, `removed`, `changed` or `moved`.
    pub changes: Vec<RuleChangeView>,
}

impl From<(RulesRevision, Vec<(String, RuleChange)>)> for RoutingRevisionView {
    fn from((r, changes): (RulesRevision, Vec<(String, RuleChange)>)) -> Self {
        RoutingRevisionView {
            rules: r.into(),
            changes: changes
                .into_iter()
                .map(|(rule, c)| RuleChangeView { rule, change: c.as_str().to_string() })
                .collect(),
        }
    }
}

/// The rule that matched.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchedView {
    pub index: u32,
    pub name: String,
}

/// What the rules would do, without starting anything.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExplainView {
    /// Null when no rule matches (starting a review without a workflow is then `422 no_route`).
    pub matched: Option<MatchedView>,
    pub workflow_id: Option<Uuid>,
    /// The chain the review would run: the workflow's stages with what the rule adds.
    pub stages: Vec<StageSpec>,
    pub explanation: Vec<RuleTraceView>,
}

impl From<Explained> for ExplainView {
    fn from(e: Explained) -> Self {
        ExplainView {
            matched: e
                .routing
                .matched
                .map(|m| MatchedView { index: u32::try_from(m.index).unwrap_or(u32::MAX), name: m.name }),
            workflow_id: e.routing.workflow_id,
            stages: e.stages,
            explanation: e.routing.explanation.into_iter().map(Into::into).collect(),
        }
    }
}
