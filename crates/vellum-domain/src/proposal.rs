//! Proposals: a change an agent (through an API token) asks for, which a person with the role
//! the change needs accepts or rejects. Pure rules: what kinds there are, who may decide, and
//! whether the record still is what the proposal was made against.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{DomainError, ErrorCode, Id};

/// What a proposal would change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProposalKind {
    /// Set some of an asset's metadata fields.
    MetadataChange,
    /// Start a review of an asset's current version.
    ReviewStart,
    /// Create a draft brief.
    Brief,
}

impl ProposalKind {
    pub const ALL: [ProposalKind; 3] = [ProposalKind::MetadataChange, ProposalKind::ReviewStart, ProposalKind::Brief];

    pub fn as_str(self) -> &'static str {
        match self {
            ProposalKind::MetadataChange => "metadata_change",
            ProposalKind::ReviewStart => "review_start",
            ProposalKind::Brief => "brief",
        }
    }

    pub fn parse(s: &str) -> Option<ProposalKind> {
        ProposalKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Where a proposal stands. Only a pending one can be decided, once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProposalStatus {
    Pending,
    Accepted,
    Rejected,
}

impl ProposalStatus {
    pub const ALL: [ProposalStatus; 3] = [ProposalStatus::Pending, ProposalStatus::Accepted, ProposalStatus::Rejected];

    pub fn as_str(self) -> &'static str {
        match self {
            ProposalStatus::Pending => "pending",
            ProposalStatus::Accepted => "accepted",
            ProposalStatus::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Result<ProposalStatus, DomainError> {
        ProposalStatus::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| {
            DomainError::invalid(
                ErrorCode::InvalidQuery,
                format!("'{s}' is not a proposal status; use pending, accepted or rejected"),
            )
        })
    }
}

/// The longest rationale an agent may give.
pub const MAX_RATIONALE: usize = 4000;

/// Checks an agent's rationale: said, and not a novel.
pub fn check_rationale(rationale: &str) -> Result<String, DomainError> {
    let r = rationale.trim();
    if r.is_empty() {
        return Err(DomainError::invalid(
            ErrorCode::InvalidProposal,
            "a proposal needs a rationale: say why the change is right, for the person who decides",
        ));
    }
    if r.chars().count() > MAX_RATIONALE {
        return Err(DomainError::invalid(
            ErrorCode::InvalidProposal,
            format!("the rationale is longer than {MAX_RATIONALE} characters"),
        ));
    }
    Ok(r.to_string())
}

/// Refuses a decision by the token that made the proposal (an agent cannot approve itself) or
/// on a proposal already decided.
pub fn check_decidable(
    status: ProposalStatus,
    made_with: Option<Id>,
    deciding_with: Option<Id>,
) -> Result<(), DomainError> {
    if status != ProposalStatus::Pending {
        return Err(DomainError::invalid(
            ErrorCode::ProposalDecided,
            format!("the proposal was already {}; it can be decided once", status.as_str()),
        ));
    }
    if made_with.is_some() && made_with == deciding_with {
        return Err(DomainError::invalid(
            ErrorCode::Forbidden,
            "the token that made a proposal cannot decide it; a person accepts or rejects it in Vellum",
        ));
    }
    Ok(())
}

/// The values `fields` had in `metadata` (a missing field as null): what a metadata change was
/// proposed against, to compare with the record when it is accepted.
pub fn values_of(metadata: &Value, fields: &Map<String, Value>) -> Map<String, Value> {
    fields
        .keys()
        .map(|k| {
            let current = if k == "custom" {
                // Custom fields are merged key by key, so only the keys proposed count.
                let proposed = fields.get("custom").and_then(Value::as_object);
                let now = metadata.get("custom").and_then(Value::as_object);
                Value::Object(
                    proposed
                        .map(|p| {
                            p.keys()
                                .map(|c| (c.clone(), now.and_then(|n| n.get(c)).cloned().unwrap_or(Value::Null)))
                                .collect()
                        })
                        .unwrap_or_default(),
                )
            } else {
                metadata.get(k).cloned().unwrap_or(Value::Null)
            };
            (k.clone(), current)
        })
        .collect()
}

/// Refuses to apply a change to something that moved on since it was proposed: another version,
/// or other values in the fields it changes. Nothing is applied silently to what no one saw.
pub fn check_unchanged(
    proposed_version: u32,
    current_version: u32,
    before: Option<&Map<String, Value>>,
    now: Option<&Map<String, Value>>,
) -> Result<(), DomainError> {
    if proposed_version != current_version {
        return Err(DomainError::invalid(
            ErrorCode::ProposalStale,
            format!(
                "the proposal was made against version {proposed_version}, and the asset is now at version \
                 {current_version}; reject it and ask for a new one"
            ),
        ));
    }
    if before != now {
        return Err(DomainError::invalid(
            ErrorCode::ProposalStale,
            "the fields the proposal changes were edited since it was made; reject it and ask for a new one",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn id(n: u128) -> Id {
        Id::from_u128(n)
    }

    #[test]
    fn only_a_pending_proposal_is_decided_and_never_by_its_own_token() {
        assert!(check_decidable(ProposalStatus::Pending, Some(id(1)), None).is_ok());
        assert!(check_decidable(ProposalStatus::Pending, Some(id(1)), Some(id(2))).is_ok());
        assert_eq!(
            check_decidable(ProposalStatus::Pending, Some(id(1)), Some(id(1))).unwrap_err().code(),
            ErrorCode::Forbidden
        );
        assert_eq!(
            check_decidable(ProposalStatus::Accepted, None, None).unwrap_err().code(),
            ErrorCode::ProposalDecided
        );
        assert_eq!(
            check_decidable(ProposalStatus::Rejected, None, None).unwrap_err().code(),
            ErrorCode::ProposalDecided
        );
    }

    #[test]
    fn a_change_applies_only_to_what_it_was_made_against() {
        let meta = json!({"language": "en", "channels": ["web"], "custom": {"market": "DE", "sku": "1"}});
        let set = json!({"language": "de", "custom": {"market": "AT"}});
        let before = values_of(&meta, set.as_object().unwrap());
        assert_eq!(Value::Object(before.clone()), json!({"language": "en", "custom": {"market": "DE"}}));
        assert!(check_unchanged(2, 2, Some(&before), Some(&before)).is_ok());
        assert_eq!(check_unchanged(2, 3, Some(&before), Some(&before)).unwrap_err().code(), ErrorCode::ProposalStale);
        // An unrelated custom key changing does not matter; the proposed one does.
        let other = json!({"language": "en", "channels": ["web"], "custom": {"market": "DE", "sku": "2"}});
        let after_other = values_of(&other, set.as_object().unwrap());
        assert!(check_unchanged(2, 2, Some(&before), Some(&after_other)).is_ok());
        let edited = json!({"language": "fr", "custom": {"market": "DE"}});
        let after_edit = values_of(&edited, set.as_object().unwrap());
        assert_eq!(
            check_unchanged(2, 2, Some(&before), Some(&after_edit)).unwrap_err().code(),
            ErrorCode::ProposalStale
        );
    }

    #[test]
    fn a_rationale_is_required_and_bounded() {
        assert_eq!(check_rationale("  Market launch needs German copy ").unwrap(), "Market launch needs German copy");
        assert_eq!(check_rationale("  ").unwrap_err().code(), ErrorCode::InvalidProposal);
        assert_eq!(check_rationale(&"x".repeat(MAX_RATIONALE + 1)).unwrap_err().code(), ErrorCode::InvalidProposal);
        for k in ProposalKind::ALL {
            assert_eq!(ProposalKind::parse(k.as_str()), Some(k));
        }
        assert!(ProposalStatus::parse("maybe").is_err());
    }
}
