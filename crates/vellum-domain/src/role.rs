//! Workspace roles and what each may do. One table, so every route asks the same question.

use crate::ErrorCode;
use serde::{Deserialize, Serialize};

use crate::DomainError;

/// A member's role in one workspace, from most to least powerful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Owner,
    Admin,
    Manager,
    Creator,
    Reviewer,
    Collaborator,
    External,
    Viewer,
}

/// Something a member may try to do in a workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// See drafts and every version, not only approved ones.
    SeeWorkInProgress,
    /// Upload assets and versions, edit metadata, restore versions.
    Upload,
    /// Start a review of an asset.
    StartReview,
    /// Manage members, groups and workflows.
    Administer,
    /// Read the workspace's audit trail.
    ReadAudit,
    /// Create and change campaigns and their milestones.
    PlanCampaigns,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Owner,
        Role::Admin,
        Role::Manager,
        Role::Creator,
        Role::Reviewer,
        Role::Collaborator,
        Role::External,
        Role::Viewer,
    ];

    pub fn parse(s: &str) -> Result<Role, DomainError> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| {
            DomainError::invalid(ErrorCode::InvalidRole,
                format!(
                    "'{s}' is not a role; use one of owner, admin, manager, creator, reviewer, collaborator, external, viewer"
                ),
            )
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Creator => "creator",
            Role::Reviewer => "reviewer",
            Role::Collaborator => "collaborator",
            Role::External => "external",
            Role::Viewer => "viewer",
        }
    }

    /// Whether this role grants the capability. Deciding on a review is not here: it
    /// depends on being a named approver, not on the role.
    pub fn can(self, cap: Capability) -> bool {
        use Capability::*;
        use Role::*;
        match cap {
            SeeWorkInProgress => self != Viewer,
            Upload => matches!(self, Owner | Admin | Manager | Creator),
            StartReview => matches!(self, Owner | Admin | Manager | Creator),
            Administer => matches!(self, Owner | Admin),
            ReadAudit => matches!(self, Owner | Admin | Manager),
            PlanCampaigns => matches!(self, Owner | Admin | Manager),
        }
    }

    /// Whether a member with this role may be named as an approver.
    pub fn may_approve(self) -> bool {
        self != Role::Viewer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_round_trips_every_role() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Ok(r));
        }
        assert_eq!(Role::parse("boss").unwrap_err().code(), "invalid_role");
    }

    #[test]
    fn viewers_only_see_and_creators_do_not_administer() {
        assert!(!Role::Viewer.can(Capability::Upload));
        assert!(!Role::Viewer.can(Capability::SeeWorkInProgress));
        assert!(Role::Creator.can(Capability::Upload));
        assert!(!Role::Creator.can(Capability::Administer));
        assert!(!Role::Reviewer.can(Capability::Upload));
        assert!(Role::Admin.can(Capability::Administer));
        assert!(!Role::Manager.can(Capability::Administer));
    }
}
