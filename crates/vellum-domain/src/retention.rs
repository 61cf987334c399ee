//! Retention: how long an asset's files are kept once it stops being used, and when they are
//! due to be purged. Policies are tried in order and the first whose condition matches the
//! asset decides: keep for `keep_years` after its last distribution (or, never distributed,
//! after it was created) or after it was archived. A legal hold overrides every policy; the
//! caller checks holds, this module only says what the policies alone would do.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{
    condition::{Condition, ConditionError, Subject},
    fields::MetadataSchema,
    Timestamp,
};

/// The most policies a workspace keeps.
pub const MAX_POLICIES: usize = 100;
/// The longest retention a policy may ask for.
pub const MAX_YEARS: u32 = 100;

/// What the retention period counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum After {
    /// The last time a file of the asset left Vellum (or its creation, if it never did).
    LastDistribution,
    /// The asset's archiving; assets not archived are kept.
    Archive,
}

/// One policy as the API shows and accepts it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RetentionPolicy {
    /// A condition on the asset, as in routing rules (absent: every asset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub when: Option<Value>,
    /// Whole years to keep (0: purge as soon as the period starts).
    pub keep_years: u32,
    pub after: After,
}

/// A workspace's policies, in the order they are tried.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RetentionSpec {
    #[serde(default)]
    pub policies: Vec<RetentionPolicy>,
}

/// Policies with their conditions checked.
#[derive(Debug, Clone)]
pub struct Retention {
    pub spec: RetentionSpec,
    conditions: Vec<Option<Condition>>,
}

/// What is known of an asset when its retention is judged.
#[derive(Debug, Clone, Copy)]
pub struct Life {
    pub created_at: Timestamp,
    pub archived_at: Option<Timestamp>,
    pub last_distributed_at: Option<Timestamp>,
}

/// When an asset's files are due to be purged, and under which policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    /// Index of the policy that decided.
    pub policy: usize,
    pub after: After,
    /// Where the period started.
    pub since: Timestamp,
    pub due_at: Timestamp,
}

/// `at` plus whole calendar years (29 February moves to 28 February).
pub fn plus_years(at: Timestamp, years: u32) -> Timestamp {
    let Ok(z) = jiff::Timestamp::from_second(at.unix_seconds()) else { return at };
    let z = z.to_zoned(jiff::tz::TimeZone::UTC);
    let later = z.checked_add(jiff::Span::new().years(i64::from(years))).unwrap_or(z);
    Timestamp::from_unix(later.timestamp().as_second()).unwrap_or(at)
}

impl Retention {
    /// Checks every policy; the error names the place (`/policies/2/when/field`).
    pub fn parse(spec: RetentionSpec, schema: &MetadataSchema) -> Result<Retention, ConditionError> {
        if spec.policies.len() > MAX_POLICIES {
            return Err(ConditionError {
                path: "/policies".into(),
                message: format!("at most {MAX_POLICIES} policies"),
            });
        }
        let mut conditions = Vec::new();
        for (i, p) in spec.policies.iter().enumerate() {
            if p.keep_years > MAX_YEARS {
                return Err(ConditionError {
                    path: format!("/policies/{i}/keep_years"),
                    message: format!("at most {MAX_YEARS} years"),
                });
            }
            conditions.push(match &p.when {
                Some(w) => Some(Condition::parse(w, &format!("/policies/{i}/when"), schema)?),
                None => None,
            });
        }
        Ok(Retention { spec, conditions })
    }

    /// The policy that governs the asset, if any matches.
    pub fn policy_for(&self, s: &Subject) -> Option<usize> {
        self.conditions.iter().position(|c| c.as_ref().is_none_or(|c| c.evaluate(s, &mut Vec::new())))
    }

    /// When the asset's files are due for purging (None: kept, no policy or not archived).
    pub fn due(&self, s: &Subject, life: Life) -> Option<Due> {
        let i = self.policy_for(s)?;
        let p = &self.spec.policies[i];
        let since = match p.after {
            After::Archive => life.archived_at?,
            After::LastDistribution => life.last_distributed_at.unwrap_or(life.created_at).max(life.created_at),
        };
        Some(Due { policy: i, after: p.after, since, due_at: plus_years(since, p.keep_years) })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::{metadata::AssetMetadata, validate::AssetKind};

    fn at(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    fn retention(policies: Value) -> Retention {
        let schema: MetadataSchema =
            serde_json::from_value(json!({"fields": [{"key": "regulated", "label": "Regulated", "type": "boolean"}]}))
                .unwrap();
        Retention::parse(serde_json::from_value(json!({"policies": policies})).unwrap(), &schema).unwrap()
    }

    #[test]
    fn the_first_matching_policy_decides_from_its_start() {
        let r = retention(json!([
            {"when": {"field": "metadata.custom.regulated", "op": "eq", "value": true}, "keep_years": 7, "after": "archive"},
            {"keep_years": 2, "after": "last_distribution"}
        ]));
        let regulated = AssetMetadata::from_json(json!({"custom": {"regulated": true}})).unwrap();
        let plain = AssetMetadata::default();
        let life = Life {
            created_at: at("2020-01-10T00:00:00Z"),
            archived_at: Some(at("2021-03-01T12:00:00Z")),
            last_distributed_at: Some(at("2022-05-05T00:00:00Z")),
        };
        let d = r.due(&Subject::asset(AssetKind::Visual, "x", &regulated), life).unwrap();
        assert_eq!((d.policy, d.after, d.due_at), (0, After::Archive, at("2028-03-01T12:00:00Z")));
        let d = r.due(&Subject::asset(AssetKind::Visual, "x", &plain), life).unwrap();
        assert_eq!((d.policy, d.since, d.due_at), (1, at("2022-05-05T00:00:00Z"), at("2024-05-05T00:00:00Z")));
        // Never distributed: counted from its creation.
        let quiet = Life { last_distributed_at: None, ..life };
        assert_eq!(r.due(&Subject::asset(AssetKind::Visual, "x", &plain), quiet).unwrap().since, life.created_at);
        // Not archived: an archive policy keeps it.
        let live = Life { archived_at: None, ..life };
        assert_eq!(r.due(&Subject::asset(AssetKind::Visual, "x", &regulated), live), None);
    }

    #[test]
    fn no_policy_keeps_everything_and_bad_policies_are_named() {
        assert_eq!(
            retention(json!([])).due(
                &Subject::asset(AssetKind::Visual, "x", &AssetMetadata::default()),
                Life { created_at: at("2020-01-01T00:00:00Z"), archived_at: None, last_distributed_at: None }
            ),
            None
        );
        let schema = MetadataSchema::default();
        let bad: RetentionSpec =
            serde_json::from_value(json!({"policies": [{"keep_years": 101, "after": "archive"}]})).unwrap();
        assert_eq!(Retention::parse(bad, &schema).unwrap_err().path, "/policies/0/keep_years");
        let bad: RetentionSpec = serde_json::from_value(
            json!({"policies": [{"when": {"field": "nope", "op": "eq", "value": 1}, "keep_years": 1, "after": "archive"}]}),
        )
        .unwrap();
        assert!(Retention::parse(bad, &schema).unwrap_err().path.starts_with("/policies/0/when"));
    }

    #[test]
    fn years_are_calendar_years() {
        assert_eq!(plus_years(at("2024-02-29T10:00:00Z"), 1), at("2025-02-28T10:00:00Z"));
        assert_eq!(plus_years(at("2024-02-29T10:00:00Z"), 0), at("2024-02-29T10:00:00Z"));
    }
}
