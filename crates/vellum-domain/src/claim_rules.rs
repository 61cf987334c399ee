//! The rules that turn an identity's claims (an OpenID Connect ID token's, or a directory's
//! groups through SCIM) into workspace memberships: `{when: {claim, equals|contains|domain},
//! workspace, role}`. Pure: parsing refuses what could never match, and the answer for a set of
//! claims is one role per workspace — the most powerful any matching rule grants.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{role::Role, DomainError, ErrorCode};

/// The most rules a server keeps.
pub const MAX_RULES: usize = 200;

/// What a rule tests of one claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = ClaimTest))]
#[serde(deny_unknown_fields)]
pub struct When {
    /// The claim's name (`email`, `groups`, `hd`…; `directory_group` for SCIM groups).
    pub claim: String,
    /// The claim is this string (or a list holding it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<String>,
    /// The claim is a list holding this string (as `groups` is).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<String>,
    /// The claim is an email address at this domain (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
}

/// One rule: when the claim matches, a membership with this role in this workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ClaimRule {
    pub when: When,
    /// A workspace id or slug (resolved by the caller).
    pub workspace: String,
    pub role: Role,
}

fn invalid(i: usize, why: &str) -> DomainError {
    DomainError::invalid(ErrorCode::InvalidClaimRule, format!("rule {}: {why}", i + 1))
}

/// Checks rules as an admin wrote them: each names a claim, exactly one test and a workspace.
pub fn check(rules: &[ClaimRule]) -> Result<(), DomainError> {
    if rules.len() > MAX_RULES {
        return Err(DomainError::invalid(ErrorCode::InvalidClaimRule, format!("at most {MAX_RULES} rules")));
    }
    for (i, r) in rules.iter().enumerate() {
        let w = &r.when;
        if w.claim.trim().is_empty() || w.claim.len() > 100 {
            return Err(invalid(i, "when.claim names the claim to test (1 to 100 characters)"));
        }
        let tests = [&w.equals, &w.contains, &w.domain].iter().filter(|t| t.is_some()).count();
        if tests != 1 {
            return Err(invalid(i, "when takes exactly one of equals, contains or domain"));
        }
        if [&w.equals, &w.contains, &w.domain].iter().any(|t| t.as_deref().is_some_and(|v| v.trim().is_empty())) {
            return Err(invalid(i, "the value tested must not be empty"));
        }
        if w.domain.as_deref().is_some_and(|d| d.contains('@') || !d.contains('.')) {
            return Err(invalid(i, "domain is a domain name such as example.com, without @"));
        }
        if r.workspace.trim().is_empty() {
            return Err(invalid(i, "workspace names a workspace by id or slug"));
        }
        if r.role == Role::Owner {
            return Err(invalid(i, "rules grant roles up to admin; owners are named by hand"));
        }
    }
    Ok(())
}

/// Whether one test holds for the claims.
pub fn matches(when: &When, claims: &serde_json::Map<String, Value>) -> bool {
    let Some(value) = claims.get(&when.claim) else { return false };
    let strings: Vec<&str> = match value {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if let Some(e) = &when.equals {
        return strings.contains(&e.as_str());
    }
    if let Some(c) = &when.contains {
        return value.is_array() && strings.contains(&c.as_str());
    }
    if let Some(d) = &when.domain {
        return strings.iter().any(|s| {
            s.rsplit_once('@').is_some_and(|(local, host)| !local.is_empty() && host.eq_ignore_ascii_case(d.trim()))
        });
    }
    false
}

/// The role per workspace (as the rules name it) the claims earn: the most powerful of the
/// matching rules' roles for each.
pub fn memberships(rules: &[ClaimRule], claims: &serde_json::Map<String, Value>) -> BTreeMap<String, Role> {
    let mut out: BTreeMap<String, Role> = BTreeMap::new();
    for r in rules.iter().filter(|r| matches(&r.when, claims)) {
        let power = |role: Role| Role::ALL.iter().position(|x| *x == role).unwrap_or(usize::MAX);
        out.entry(r.workspace.clone())
            .and_modify(|have| {
                if power(r.role) < power(*have) {
                    *have = r.role;
                }
            })
            .or_insert(r.role);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rules(v: Value) -> Vec<ClaimRule> {
        serde_json::from_value(v).unwrap()
    }

    fn claims(v: Value) -> serde_json::Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn the_strongest_matching_rule_wins_per_workspace() {
        let r = rules(json!([
            {"when": {"claim": "email", "domain": "bank.example"}, "workspace": "brand", "role": "viewer"},
            {"when": {"claim": "groups", "contains": "marketing"}, "workspace": "brand", "role": "creator"},
            {"when": {"claim": "groups", "contains": "legal"}, "workspace": "legal", "role": "reviewer"},
            {"when": {"claim": "department", "equals": "Retail"}, "workspace": "retail", "role": "manager"}
        ]));
        check(&r).unwrap();
        let c =
            claims(json!({"email": "Ann@BANK.example", "groups": ["marketing", "all-staff"], "department": "Retail"}));
        let m = memberships(&r, &c);
        assert_eq!(m.get("brand"), Some(&Role::Creator));
        assert_eq!(m.get("retail"), Some(&Role::Manager));
        assert!(!m.contains_key("legal"));
        let outsider = claims(json!({"email": "eve@evil.example", "groups": "marketing"}));
        assert!(memberships(&r, &outsider).is_empty(), "contains needs a list; the domain must match");
    }

    #[test]
    fn domains_match_whole_hosts_only() {
        let w = When { claim: "email".into(), equals: None, contains: None, domain: Some("bank.example".into()) };
        assert!(matches(&w, &claims(json!({"email": "a@bank.example"}))));
        assert!(!matches(&w, &claims(json!({"email": "a@notbank.example"}))));
        assert!(!matches(&w, &claims(json!({"email": "a@bank.example.evil"}))));
        assert!(!matches(&w, &claims(json!({"email": "@bank.example"}))));
        assert!(!matches(&w, &claims(json!({"mail": "a@bank.example"}))));
    }

    #[test]
    fn rules_that_could_never_work_are_refused() {
        for bad in [
            json!([{"when": {"claim": "groups"}, "workspace": "w", "role": "viewer"}]),
            json!([{"when": {"claim": "groups", "contains": "a", "equals": "b"}, "workspace": "w", "role": "viewer"}]),
            json!([{"when": {"claim": "", "equals": "b"}, "workspace": "w", "role": "viewer"}]),
            json!([{"when": {"claim": "email", "domain": "@x.com"}, "workspace": "w", "role": "viewer"}]),
            json!([{"when": {"claim": "email", "domain": "x.com"}, "workspace": " ", "role": "viewer"}]),
            json!([{"when": {"claim": "email", "domain": "x.com"}, "workspace": "w", "role": "owner"}]),
        ] {
            assert_eq!(check(&rules(bad.clone())).unwrap_err().code(), ErrorCode::InvalidClaimRule, "{bad}");
        }
        assert!(serde_json::from_value::<Vec<ClaimRule>>(
            json!([{"when": {"claim": "x", "like": "y"}, "workspace": "w", "role": "viewer"}])
        )
        .is_err());
    }
}
