//! Routing rules: an ordered list that picks the workflow for an asset (and may add stages or
//! approvers to it), checked as a whole when saved and explained on every evaluation.
//!
//! The first rule whose condition holds wins; the explanation lists every rule tried, each
//! with the tests it evaluated and their actual values, so "why did this go through legal?"
//! always has an answer.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{
    condition::{Condition, ConditionError, Subject, TestTrace},
    fields::MetadataSchema,
    validate::Name,
    workflow::{ApproverRef, StageSpec, WorkflowSpec, MAX_APPROVERS},
    Id,
};

/// The most rules a workspace may keep.
pub const MAX_RULES: usize = 1000;

/// An approver a rule adds to one stage of the chosen workflow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddApprover {
    /// The stage's name (of the workflow or of the rule's `add_stages`).
    pub stage: String,
    pub approver: ApproverRef,
}

/// One rule as the API shows and accepts it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub name: String,
    /// The condition (see [`crate::condition`]).
    pub when: Value,
    pub workflow_id: Id,
    /// Stages appended after the workflow's own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub add_stages: Vec<StageSpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub add_approvers: Vec<AddApprover>,
}

impl RuleSetSpec {
    /// The names of the rules that name `group` (in a stage they add or as an approver).
    pub fn naming_group(&self, group: Id) -> Vec<String> {
        self.rules
            .iter()
            .filter(|r| {
                r.add_stages.iter().any(|s| s.names_group(group))
                    || r.add_approvers.iter().any(|a| a.approver == ApproverRef::Group(group))
            })
            .map(|r| r.name.clone())
            .collect()
    }
}

/// A workspace's rules, in the order they are tried.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSetSpec {
    pub rules: Vec<RuleSpec>,
}

/// A checked rule set, ready to route.
#[derive(Debug, Clone)]
pub struct RuleSet {
    rules: Vec<(RuleSpec, Condition)>,
}

/// What the workspace knows that a rule set is checked against.
pub struct Context<'a> {
    pub schema: &'a MetadataSchema,
    /// The stages of a workflow of this workspace (None: no such workflow).
    pub workflow: &'a dyn Fn(Id) -> Option<Vec<StageSpec>>,
    /// Whether a user or group may approve here (a member, a group of the workspace).
    pub approver_ok: &'a dyn Fn(&ApproverRef) -> bool,
}

fn err<T>(path: String, message: impl Into<String>) -> Result<T, ConditionError> {
    Err(ConditionError { path, message: message.into() })
}

/// One rule as evaluated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleTrace {
    pub rule: String,
    pub result: bool,
    pub conditions: Vec<TestTrace>,
}

/// Why a review runs the chain it runs: the rule that chose it, from which revision of the
/// rule set, and the explanation of the evaluation, kept with the review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewRouting {
    pub rule: String,
    pub revision: u64,
    pub explanation: Vec<RuleTrace>,
    /// The chain the rule made (its workflow's stages with what it added), which a review
    /// restarted by a new version runs again.
    #[serde(default)]
    pub stages: Vec<StageSpec>,
}

/// The rule that matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Matched {
    pub index: usize,
    pub name: String,
}

/// The outcome of routing one asset.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Routing {
    pub matched: Option<Matched>,
    pub workflow_id: Option<Id>,
    pub explanation: Vec<RuleTrace>,
}

impl RuleSet {
    /// Checks every rule: a unique name, a condition over known fields of the right types, a
    /// workflow of this workspace, and stages or approvers that make a valid chain with it.
    /// The first problem is reported with its path (`/rules/2/when/all/0/value`).
    pub fn parse(spec: RuleSetSpec, cx: &Context) -> Result<RuleSet, ConditionError> {
        if spec.rules.len() > MAX_RULES {
            return err("/rules".into(), format!("at most {MAX_RULES} rules"));
        }
        let mut rules: Vec<(RuleSpec, Condition)> = Vec::with_capacity(spec.rules.len());
        for (i, mut rule) in spec.rules.into_iter().enumerate() {
            let at = format!("/rules/{i}");
            rule.name = Name::parse("the rule's name", &rule.name)
                .map_err(|e| ConditionError { path: format!("{at}/name"), message: e.to_string() })?
                .into_inner();
            if rules.iter().any(|(r, _)| r.name == rule.name) {
                return err(format!("{at}/name"), format!("two rules are named '{}'", rule.name));
            }
            let when = Condition::parse(&rule.when, &format!("{at}/when"), cx.schema)?;
            let Some(stages) = (cx.workflow)(rule.workflow_id) else {
                return err(format!("{at}/workflow_id"), "no workflow of this workspace has this id");
            };
            let chain = apply(&stages, &rule);
            for (j, add) in rule.add_approvers.iter().enumerate() {
                if !chain.iter().any(|s| s.name == add.stage) {
                    return err(
                        format!("{at}/add_approvers/{j}/stage"),
                        format!("the chain has no stage '{}'", add.stage),
                    );
                }
            }
            for (j, s) in rule.add_stages.iter().enumerate() {
                if let Some(k) = s.approvers.iter().position(|a| !(cx.approver_ok)(a)) {
                    return err(
                        format!("{at}/add_stages/{j}/approvers/{k}"),
                        "not a member or group of this workspace",
                    );
                }
            }
            for (j, add) in rule.add_approvers.iter().enumerate() {
                if !(cx.approver_ok)(&add.approver) {
                    return err(format!("{at}/add_approvers/{j}/approver"), "not a member or group of this workspace");
                }
            }
            WorkflowSpec { name: rule.name.clone(), stages: chain }
                .validate()
                .map_err(|e| ConditionError { path: format!("{at}/add_stages"), message: e.to_string() })?;
            rules.push((rule, when));
        }
        Ok(RuleSet { rules })
    }

    pub fn rules(&self) -> impl Iterator<Item = &RuleSpec> {
        self.rules.iter().map(|(r, _)| r)
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Tries the rules in order; the first whose condition holds picks the workflow.
    pub fn route(&self, s: &Subject) -> Routing {
        let mut explanation = Vec::new();
        for (index, (rule, when)) in self.rules.iter().enumerate() {
            let mut conditions = Vec::new();
            let result = when.evaluate(s, &mut conditions);
            explanation.push(RuleTrace { rule: rule.name.clone(), result, conditions });
            if result {
                return Routing {
                    matched: Some(Matched { index, name: rule.name.clone() }),
                    workflow_id: Some(rule.workflow_id),
                    explanation,
                };
            }
        }
        Routing { matched: None, workflow_id: None, explanation }
    }

    /// The rule a routing matched.
    pub fn rule(&self, m: &Matched) -> Option<&RuleSpec> {
        self.rules.get(m.index).map(|(r, _)| r)
    }
}

/// The chain a rule makes of its workflow's stages: its own stages appended, its approvers
/// added to their stages (an approver already there is not added twice).
pub fn apply(stages: &[StageSpec], rule: &RuleSpec) -> Vec<StageSpec> {
    let mut chain: Vec<StageSpec> = stages.iter().chain(&rule.add_stages).cloned().collect();
    for add in &rule.add_approvers {
        if let Some(stage) = chain.iter_mut().find(|s| s.name == add.stage) {
            if !stage.approvers.contains(&add.approver) && stage.approvers.len() < MAX_APPROVERS {
                stage.approvers.push(add.approver);
            }
        }
    }
    chain
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{fields::MetadataSchema, metadata::AssetMetadata, validate::AssetKind, workflow::Rule};
    use serde_json::json;

    const ONE: &str = "01900000-0000-7000-8000-00000000000a";
    const FOUR: &str = "01900000-0000-7000-8000-00000000000b";
    const LEGAL: &str = "01900000-0000-7000-8000-000000000001";
    const OUTSIDER: &str = "01900000-0000-7000-8000-000000000009";

    fn stage(name: &str) -> StageSpec {
        StageSpec {
            name: name.into(),
            approvers: vec![ApproverRef::User(crate::id::parse_id(LEGAL).unwrap())],
            rule: Rule::All,
            start: Default::default(),
            due_in_hours: None,
            due_in_business_hours: None,
            due_in_business_days: None,
            due_in_minutes: None,
            reminders: None,
            escalation: None,
        }
    }

    fn schema() -> MetadataSchema {
        serde_json::from_value::<MetadataSchema>(json!({"fields": [
            {"key": "risk", "label": "Risk", "type": "enum", "values": ["low", "high"]},
            {"key": "budget", "label": "Budget", "type": "money"}
        ]}))
        .unwrap()
    }

    fn parse(rules: Value) -> Result<RuleSet, ConditionError> {
        let spec: RuleSetSpec = serde_json::from_value(json!({ "rules": rules })).unwrap();
        let s = schema();
        let workflow = |id: Id| match id.to_string().as_str() {
            ONE => Some(vec![stage("Brand")]),
            FOUR => Some(vec![stage("Brand"), stage("Legal"), stage("Compliance"), stage("Marketing")]),
            _ => None,
        };
        let approver_ok = |a: &ApproverRef| *a != ApproverRef::User(crate::id::parse_id(OUTSIDER).unwrap());
        RuleSet::parse(spec, &Context { schema: &s, workflow: &workflow, approver_ok: &approver_ok })
    }

    fn rules() -> Value {
        json!([
            {"name": "Regulated big spend", "workflow_id": FOUR, "when": {"all": [
                {"field": "metadata.custom.risk", "op": "eq", "value": "high"},
                {"field": "metadata.custom.budget", "op": "gte", "value": {"amount": 5_000_000, "currency": "AUD"}}
            ]}},
            {"name": "Social", "workflow_id": ONE, "when": {"field": "metadata.channels", "op": "contains", "value": "social"},
             "add_approvers": [{"stage": "Brand", "approver": {"user": LEGAL}}]}
        ])
    }

    #[test]
    fn the_first_matching_rule_picks_the_chain_and_says_why() {
        let set = parse(rules()).unwrap();
        let ad = AssetMetadata::from_json(
            json!({"custom": {"risk": "high", "budget": {"amount": 9_000_000, "currency": "AUD"}}}),
        )
        .unwrap();
        let r = set.route(&Subject::asset(AssetKind::Visual, "Ad", &ad));
        assert_eq!(r.matched, Some(Matched { index: 0, name: "Regulated big spend".into() }));
        assert_eq!(r.workflow_id.unwrap().to_string(), FOUR);
        assert_eq!(r.explanation.len(), 1);
        assert_eq!(r.explanation[0].conditions.len(), 2);

        let post = AssetMetadata::from_json(json!({"channels": ["social"], "custom": {"risk": "low"}})).unwrap();
        let r = set.route(&Subject::asset(AssetKind::Visual, "Post", &post));
        assert_eq!(r.matched.as_ref().unwrap().name, "Social");
        let results: Vec<bool> = r.explanation.iter().map(|t| t.result).collect();
        assert_eq!(results, [false, true]);
        assert_eq!(r.explanation[0].conditions[0].actual, json!("low"));

        let other = AssetMetadata::default();
        let r = set.route(&Subject::asset(AssetKind::Video, "Clip", &other));
        assert_eq!((r.matched, r.workflow_id, r.explanation.len()), (None, None, 2));
    }

    #[test]
    fn a_rule_adds_stages_and_approvers_to_its_workflow() {
        let set = parse(json!([{"name": "Extra", "workflow_id": ONE, "when": {"field": "kind", "op": "exists"},
            "add_stages": [{"name": "Legal", "approvers": [{"user": LEGAL}], "rule": "all"}],
            "add_approvers": [{"stage": "Legal", "approver": {"user": FOUR}}]}]))
        .unwrap();
        let rule = set.rules().next().unwrap();
        let chain = apply(&[stage("Brand")], rule);
        let names: Vec<&str> = chain.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["Brand", "Legal"]);
        assert_eq!(chain[1].approvers.len(), 2);
    }

    #[test]
    fn a_faulty_rule_set_names_the_node() {
        let unknown_workflow = "01900000-0000-7000-8000-0000000000ff";
        let cases = [
            (
                json!([{"name": "A", "workflow_id": ONE, "when": {"field": "colour", "op": "eq", "value": 1}}]),
                "/rules/0/when/field",
            ),
            (
                json!([{"name": "A", "workflow_id": unknown_workflow, "when": {"field": "kind", "op": "exists"}}]),
                "/rules/0/workflow_id",
            ),
            (
                json!([{"name": "A", "workflow_id": ONE, "when": {"field": "kind", "op": "exists"}},
                    {"name": "A", "workflow_id": ONE, "when": {"field": "kind", "op": "exists"}}]),
                "/rules/1/name",
            ),
            (json!([{"name": " ", "workflow_id": ONE, "when": {"field": "kind", "op": "exists"}}]), "/rules/0/name"),
            (
                json!([{"name": "A", "workflow_id": ONE, "when": {"field": "kind", "op": "exists"},
                     "add_approvers": [{"stage": "Nope", "approver": {"user": LEGAL}}]}]),
                "/rules/0/add_approvers/0/stage",
            ),
            (
                json!([{"name": "A", "workflow_id": ONE, "when": {"field": "kind", "op": "exists"},
                     "add_approvers": [{"stage": "Brand", "approver": {"user": OUTSIDER}}]}]),
                "/rules/0/add_approvers/0/approver",
            ),
            (
                json!([{"name": "A", "workflow_id": ONE, "when": {"field": "kind", "op": "exists"},
                     "add_stages": [{"name": "Brand", "approvers": [{"user": LEGAL}], "rule": "all"}]}]),
                "/rules/0/add_stages",
            ),
        ];
        for (rules, path) in cases {
            assert_eq!(parse(rules.clone()).unwrap_err().path, path, "{rules}");
        }
    }
}
