//! Download policies of a workspace: a default (`open`, `request`, `blocked`) and rules on an
//! asset's fields, in the routing condition language, each with the groups pre-approved for
//! it and who decides its requests. The first rule that matches an asset decides.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{
    condition::{Condition, ConditionError, Subject},
    distribution::Policy,
    fields::MetadataSchema,
    workflow::ApproverRef,
    Id,
};

/// A policy's name as the API writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PolicyName {
    #[default]
    Open,
    Request,
    Blocked,
}

impl PolicyName {
    pub fn policy(self) -> Policy {
        match self {
            PolicyName::Open => Policy::Open,
            PolicyName::Request => Policy::Request,
            PolicyName::Blocked => Policy::Blocked,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PolicyRule {
    /// A condition on the asset, as in routing rules.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub when: Value,
    pub policy: PolicyName,
    /// Groups whose members download without a request.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub preapproved_groups: Vec<Id>,
    /// Who decides requests under this rule (besides the asset's owner and the workspace's
    /// managers).
    #[serde(default)]
    pub approvers: Vec<ApproverRef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PolicySpec {
    #[serde(default)]
    pub default: PolicyName,
    #[serde(default)]
    pub rules: Vec<PolicyRule>,
}

impl PolicySpec {
    /// Whether a rule pre-approves `group` or has it decide requests.
    pub fn names_group(&self, group: Id) -> bool {
        self.rules
            .iter()
            .any(|r| r.preapproved_groups.contains(&group) || r.approvers.contains(&ApproverRef::Group(group)))
    }
}

/// The most rules a workspace keeps.
pub const MAX_RULES: usize = 100;

/// A spec with its conditions checked against the workspace's fields.
#[derive(Debug, Clone)]
pub struct Policies {
    pub spec: PolicySpec,
    conditions: Vec<Condition>,
}

/// What applies to one asset.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    pub policy: Policy,
    pub preapproved_groups: Vec<Id>,
    pub approvers: Vec<ApproverRef>,
}

impl Policies {
    /// Checks every rule's condition; the error names the place (`/rules/2/when/field`).
    pub fn parse(spec: PolicySpec, schema: &MetadataSchema) -> Result<Policies, ConditionError> {
        let mut conditions = Vec::new();
        for (i, r) in spec.rules.iter().enumerate() {
            conditions.push(Condition::parse(&r.when, &format!("/rules/{i}/when"), schema)?);
        }
        Ok(Policies { spec, conditions })
    }

    /// The first rule that matches the asset, else the default.
    pub fn apply(&self, s: &Subject) -> Applied {
        for (rule, cond) in self.spec.rules.iter().zip(&self.conditions) {
            if cond.evaluate(s, &mut Vec::new()) {
                return Applied {
                    policy: rule.policy.policy(),
                    preapproved_groups: rule.preapproved_groups.clone(),
                    approvers: rule.approvers.clone(),
                };
            }
        }
        Applied { policy: self.spec.default.policy(), preapproved_groups: Vec::new(), approvers: Vec::new() }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::{metadata::AssetMetadata, validate::AssetKind};

    #[test]
    fn the_first_matching_rule_decides_else_the_default() {
        let schema: MetadataSchema = serde_json::from_value(json!({"fields": [
            {"key": "talent", "label": "Talent", "type": "boolean"}
        ]}))
        .unwrap();
        let group = crate::id::new_id();
        let spec: PolicySpec = serde_json::from_value(json!({"default": "open", "rules": [
            {"when": {"field": "metadata.custom.talent", "op": "eq", "value": true}, "policy": "request", "preapproved_groups": [group]},
            {"when": {"field": "kind", "op": "eq", "value": "video"}, "policy": "blocked"}
        ]}))
        .unwrap();
        let p = Policies::parse(spec, &schema).unwrap();
        let talent = AssetMetadata::from_json(json!({"custom": {"talent": true}})).unwrap();
        let plain = AssetMetadata::default();
        let a = p.apply(&Subject::asset(AssetKind::Video, "x", &talent));
        assert_eq!((a.policy, a.preapproved_groups), (Policy::Request, vec![group]));
        assert_eq!(p.apply(&Subject::asset(AssetKind::Video, "x", &plain)).policy, Policy::Blocked);
        assert_eq!(p.apply(&Subject::asset(AssetKind::Visual, "x", &plain)).policy, Policy::Open);
        let wrong: PolicySpec = serde_json::from_value(
            json!({"rules": [{"when": {"field": "nope", "op": "eq", "value": 1}, "policy": "open"}]}),
        )
        .unwrap();
        assert!(Policies::parse(wrong, &schema).unwrap_err().path.starts_with("/rules/0/when"));
    }
}
