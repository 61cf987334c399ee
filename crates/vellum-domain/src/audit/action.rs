//! The actions the audit trail records: one closed list, so a use case cannot misspell one
//! and every reader (the audit page's words, filters) knows them all. The chain stores the
//! code text, so events from before an action existed still verify and still read.

/// What an audit event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    /// An asset was uploaded.
    AssetCreate,
    /// The whole installation was copied into this store (`vellum migrate-store`).
    StoreMigrate,
    /// An asset's details were edited.
    AssetUpdate,
    /// A version was added.
    VersionCreate,
    /// An earlier version was restored as the newest.
    VersionRestore,
    /// A version's file was downloaded (events recorded before `distribution.download`).
    VersionDownload,
    /// A version's focal point was set.
    VersionFocalPoint,
    /// The media pipeline read a version's file (metadata, text, hashes): search reindexes it.
    VersionProcessed,
    /// A channel preset was saved.
    PresetPut,
    /// The workspace's custom-field schema was saved.
    MetadataSchemaPut,
    /// A new revision of the routing rules was saved.
    RoutingPut,
    /// The business calendar was saved.
    CalendarPut,
    /// A member was invited to a review as a collaborator.
    ReviewCollaboratorAdd,
    /// A collaborator was taken off a review.
    ReviewCollaboratorRemove,
    /// A campaign was created.
    CampaignCreate,
    /// A campaign was changed.
    CampaignUpdate,
    /// A milestone was added to a campaign.
    MilestoneCreate,
    /// A milestone was changed (moved, re-planned).
    MilestoneUpdate,
    /// A workspace's glossary was replaced.
    GlossaryPut,
    /// A workspace's naming convention was set.
    NamingPut,
    BriefTemplateCreate,
    BriefTemplateUpdate,
    BriefCreate,
    BriefUpdate,
    BriefSubmit,
    IcalFeedCreate,
    IcalFeedRevoke,
    AssetRights,
    AssetArchive,
    AssetUnarchive,
    /// An asset's files were purged (by a retention policy or its deletion); rows and audit stay.
    AssetPurge,
    DistributionRefused,
    /// A file left through a download route (`…/file` or the stamped `…/download`).
    DistributionDownload,
    /// A legal hold was lifted (with a reason).
    LegalHoldLift,
    /// A legal hold was placed.
    LegalHoldCreate,
    /// A workspace's retention policies were saved.
    RetentionPut,
    /// A workspace's watermark text was set.
    WatermarkPut,
    DownloadPolicyPut,
    DownloadRequestCreate,
    DownloadRequestGrant,
    DownloadRequestDeny,
    GrantRevoke,
    PublicLinkCreate,
    PublicLinkRevoke,
    DistributionPublicLink,
    ShareLinkCreate,
    ShareLinkRevoke,
    DistributionShareLink,
    /// A guest reviewer was invited to a review by a personal link.
    ReviewGuestInvite,
    /// A guest reviewer's link was revoked.
    ReviewGuestRevoke,
    /// A comment was written.
    CommentCreate,
    /// A comment's text was changed by its author.
    CommentEdit,
    /// A comment was resolved.
    CommentResolve,
    /// A resolved comment was opened again.
    CommentReopen,
    /// A comment was withdrawn by its author.
    CommentRetract,
    /// A webhook was registered.
    WebhookCreate,
    /// A webhook was deleted.
    WebhookDelete,
    /// A webhook's signing secret was replaced.
    WebhookRotateSecret,
    /// Someone was invited to a workspace.
    InvitationCreate,
    /// An invitation was accepted.
    InvitationAccept,
    /// Someone asked for a password-reset email.
    PasswordResetRequest,
    /// A member set an out-of-office period with a delegate.
    OutOfOfficeSet,
    /// A member ended their out-of-office period.
    OutOfOfficeEnd,
    /// A review started.
    ReviewStart,
    /// A reviewer decided.
    ReviewDecide,
    /// A review was superseded by a newer version.
    ReviewSupersede,
    /// A pending approver of a stage was replaced by another member.
    ReviewReassign,
    /// A pending approver was reminded of a stage.
    ReviewRemind,
    /// A late stage was escalated.
    ReviewEscalate,
    /// A failed job was sent back to the queue.
    JobRetry,
    /// A member's role was set.
    MemberSetRole,
    /// A member was removed.
    MemberRemove,
    /// A group was created.
    GroupCreate,
    /// A group was changed.
    GroupUpdate,
    /// A group was deleted.
    GroupDelete,
    /// A workflow was created.
    WorkflowCreate,
    /// A workflow was changed.
    WorkflowUpdate,
    /// A workspace was created.
    WorkspaceCreate,
    /// A workspace was changed.
    WorkspaceUpdate,
    /// An account was created.
    UserCreate,
    /// An account was disabled.
    UserDisable,
    /// An account was enabled again.
    UserEnable,
    /// A password was changed.
    UserPasswordChange,
    /// A password was reset.
    UserPasswordReset,
    /// A password reset link was made.
    UserPasswordResetLink,
    /// An API token was created.
    TokenCreate,
    /// An API token was revoked.
    TokenRevoke,
    /// Someone signed in.
    SessionCreate,
    /// Someone signed out.
    SessionDelete,
    /// Someone signed out everywhere.
    SessionDeleteAll,
    /// Sign-ins failed.
    SessionFailed,
    /// An agent proposed a change (through an API token).
    ProposalCreate,
    /// A person accepted a proposal (the change itself is its own event, naming the token).
    ProposalAccept,
    /// A person rejected a proposal.
    ProposalReject,
    /// A server admin registered an OAuth client (and its service account).
    OauthClientCreate,
    /// A server admin revoked an OAuth client.
    OauthClientRevoke,
    /// Someone turned on an authenticator (second factor).
    SecondFactorEnable,
    /// Someone turned off their authenticator.
    SecondFactorDisable,
    /// A server admin changed the sign-in policy (whether a second factor is required).
    SignInPolicyPut,
    /// The single sign-on settings were changed.
    SsoPut,
    /// The SCIM token was made (or replaced).
    ScimTokenCreate,
    /// The directory created or changed a User.
    DirectoryUserPut,
    /// The directory removed a User.
    DirectoryUserDelete,
    /// The directory created or changed a Group.
    DirectoryGroupPut,
    /// The directory removed a Group.
    DirectoryGroupDelete,
}

impl AuditAction {
    /// Every action, in the order the audit page offers them.
    pub const ALL: [AuditAction; 105] = [
        AuditAction::AssetCreate,
        AuditAction::AssetUpdate,
        AuditAction::VersionCreate,
        AuditAction::VersionRestore,
        AuditAction::VersionDownload,
        AuditAction::VersionFocalPoint,
        AuditAction::VersionProcessed,
        AuditAction::PresetPut,
        AuditAction::MetadataSchemaPut,
        AuditAction::RoutingPut,
        AuditAction::CalendarPut,
        AuditAction::ReviewCollaboratorAdd,
        AuditAction::ReviewCollaboratorRemove,
        AuditAction::ReviewGuestInvite,
        AuditAction::CampaignCreate,
        AuditAction::CampaignUpdate,
        AuditAction::MilestoneCreate,
        AuditAction::MilestoneUpdate,
        AuditAction::GlossaryPut,
        AuditAction::NamingPut,
        AuditAction::BriefTemplateCreate,
        AuditAction::BriefTemplateUpdate,
        AuditAction::BriefCreate,
        AuditAction::BriefUpdate,
        AuditAction::BriefSubmit,
        AuditAction::IcalFeedCreate,
        AuditAction::IcalFeedRevoke,
        AuditAction::AssetRights,
        AuditAction::AssetArchive,
        AuditAction::AssetUnarchive,
        AuditAction::AssetPurge,
        AuditAction::DistributionRefused,
        AuditAction::DistributionDownload,
        AuditAction::LegalHoldLift,
        AuditAction::LegalHoldCreate,
        AuditAction::RetentionPut,
        AuditAction::WatermarkPut,
        AuditAction::DownloadPolicyPut,
        AuditAction::DownloadRequestCreate,
        AuditAction::DownloadRequestGrant,
        AuditAction::DownloadRequestDeny,
        AuditAction::GrantRevoke,
        AuditAction::PublicLinkCreate,
        AuditAction::PublicLinkRevoke,
        AuditAction::DistributionPublicLink,
        AuditAction::ShareLinkCreate,
        AuditAction::ShareLinkRevoke,
        AuditAction::DistributionShareLink,
        AuditAction::ReviewGuestRevoke,
        AuditAction::CommentCreate,
        AuditAction::CommentEdit,
        AuditAction::CommentResolve,
        AuditAction::CommentReopen,
        AuditAction::CommentRetract,
        AuditAction::WebhookCreate,
        AuditAction::WebhookDelete,
        AuditAction::WebhookRotateSecret,
        AuditAction::InvitationCreate,
        AuditAction::InvitationAccept,
        AuditAction::PasswordResetRequest,
        AuditAction::OutOfOfficeSet,
        AuditAction::OutOfOfficeEnd,
        AuditAction::ReviewStart,
        AuditAction::ReviewDecide,
        AuditAction::ReviewSupersede,
        AuditAction::ReviewReassign,
        AuditAction::ReviewRemind,
        AuditAction::ReviewEscalate,
        AuditAction::JobRetry,
        AuditAction::MemberSetRole,
        AuditAction::MemberRemove,
        AuditAction::GroupCreate,
        AuditAction::GroupUpdate,
        AuditAction::GroupDelete,
        AuditAction::WorkflowCreate,
        AuditAction::WorkflowUpdate,
        AuditAction::WorkspaceCreate,
        AuditAction::WorkspaceUpdate,
        AuditAction::UserCreate,
        AuditAction::UserDisable,
        AuditAction::UserEnable,
        AuditAction::UserPasswordChange,
        AuditAction::UserPasswordReset,
        AuditAction::UserPasswordResetLink,
        AuditAction::TokenCreate,
        AuditAction::TokenRevoke,
        AuditAction::SessionCreate,
        AuditAction::SessionDelete,
        AuditAction::SessionDeleteAll,
        AuditAction::SessionFailed,
        AuditAction::ProposalCreate,
        AuditAction::ProposalAccept,
        AuditAction::ProposalReject,
        AuditAction::OauthClientCreate,
        AuditAction::OauthClientRevoke,
        AuditAction::SecondFactorEnable,
        AuditAction::SecondFactorDisable,
        AuditAction::SignInPolicyPut,
        AuditAction::SsoPut,
        AuditAction::ScimTokenCreate,
        AuditAction::DirectoryUserPut,
        AuditAction::DirectoryUserDelete,
        AuditAction::DirectoryGroupPut,
        AuditAction::DirectoryGroupDelete,
        AuditAction::StoreMigrate,
    ];

    /// The code stored in the chain (`review.decide`).
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::AssetCreate => "asset.create",
            AuditAction::StoreMigrate => "store.migrate",
            AuditAction::AssetUpdate => "asset.update",
            AuditAction::VersionCreate => "version.create",
            AuditAction::VersionRestore => "version.restore",
            AuditAction::VersionDownload => "version.download",
            AuditAction::VersionFocalPoint => "version.focal_point",
            AuditAction::VersionProcessed => "version.processed",
            AuditAction::PresetPut => "preset.put",
            AuditAction::MetadataSchemaPut => "metadata_schema.put",
            AuditAction::RoutingPut => "routing.put",
            AuditAction::CalendarPut => "calendar.put",
            AuditAction::ReviewCollaboratorAdd => "review.collaborator_add",
            AuditAction::ReviewCollaboratorRemove => "review.collaborator_remove",
            AuditAction::ReviewGuestInvite => "review.guest_invite",
            AuditAction::CampaignCreate => "campaign.create",
            AuditAction::CampaignUpdate => "campaign.update",
            AuditAction::MilestoneCreate => "milestone.create",
            AuditAction::MilestoneUpdate => "milestone.update",
            AuditAction::GlossaryPut => "glossary.put",
            AuditAction::NamingPut => "naming.put",
            AuditAction::BriefTemplateCreate => "brief_template.create",
            AuditAction::BriefTemplateUpdate => "brief_template.update",
            AuditAction::BriefCreate => "brief.create",
            AuditAction::BriefUpdate => "brief.update",
            AuditAction::BriefSubmit => "brief.submit",
            AuditAction::IcalFeedCreate => "ical_feed.create",
            AuditAction::IcalFeedRevoke => "ical_feed.revoke",
            AuditAction::AssetRights => "asset.rights",
            AuditAction::AssetArchive => "asset.archive",
            AuditAction::AssetUnarchive => "asset.unarchive",
            AuditAction::LegalHoldLift => "legal_hold.lift",
            AuditAction::LegalHoldCreate => "legal_hold.create",
            AuditAction::RetentionPut => "retention.put",
            AuditAction::WatermarkPut => "watermark.put",
            AuditAction::AssetPurge => "asset.purge",
            AuditAction::DistributionRefused => "distribution.refused",
            AuditAction::DistributionDownload => "distribution.download",
            AuditAction::DownloadPolicyPut => "download_policy.put",
            AuditAction::DownloadRequestCreate => "download_request.create",
            AuditAction::DownloadRequestGrant => "download_request.grant",
            AuditAction::DownloadRequestDeny => "download_request.deny",
            AuditAction::GrantRevoke => "grant.revoke",
            AuditAction::PublicLinkCreate => "public_link.create",
            AuditAction::PublicLinkRevoke => "public_link.revoke",
            AuditAction::DistributionPublicLink => "distribution.public_link",
            AuditAction::ShareLinkCreate => "share_link.create",
            AuditAction::ShareLinkRevoke => "share_link.revoke",
            AuditAction::DistributionShareLink => "distribution.share_link",
            AuditAction::ReviewGuestRevoke => "review.guest_revoke",
            AuditAction::CommentCreate => "comment.create",
            AuditAction::CommentEdit => "comment.edit",
            AuditAction::CommentResolve => "comment.resolve",
            AuditAction::CommentReopen => "comment.reopen",
            AuditAction::CommentRetract => "comment.retract",
            AuditAction::WebhookCreate => "webhook.create",
            AuditAction::WebhookDelete => "webhook.delete",
            AuditAction::WebhookRotateSecret => "webhook.rotate_secret",
            AuditAction::InvitationCreate => "invitation.create",
            AuditAction::InvitationAccept => "invitation.accept",
            AuditAction::PasswordResetRequest => "user.password_reset_request",
            AuditAction::OutOfOfficeSet => "member.out_of_office",
            AuditAction::OutOfOfficeEnd => "member.back_in_office",
            AuditAction::ReviewStart => "review.start",
            AuditAction::ReviewDecide => "review.decide",
            AuditAction::ReviewSupersede => "review.supersede",
            AuditAction::ReviewReassign => "review.reassign",
            AuditAction::ReviewRemind => "review.remind",
            AuditAction::ReviewEscalate => "review.escalate",
            AuditAction::JobRetry => "job.retry",
            AuditAction::MemberSetRole => "member.set_role",
            AuditAction::MemberRemove => "member.remove",
            AuditAction::GroupCreate => "group.create",
            AuditAction::GroupUpdate => "group.update",
            AuditAction::GroupDelete => "group.delete",
            AuditAction::WorkflowCreate => "workflow.create",
            AuditAction::WorkflowUpdate => "workflow.update",
            AuditAction::WorkspaceCreate => "workspace.create",
            AuditAction::WorkspaceUpdate => "workspace.update",
            AuditAction::UserCreate => "user.create",
            AuditAction::UserDisable => "user.disable",
            AuditAction::UserEnable => "user.enable",
            AuditAction::UserPasswordChange => "user.password_change",
            AuditAction::UserPasswordReset => "user.password_reset",
            AuditAction::UserPasswordResetLink => "user.password_reset_link",
            AuditAction::TokenCreate => "token.create",
            AuditAction::TokenRevoke => "token.revoke",
            AuditAction::SessionCreate => "session.create",
            AuditAction::SessionDelete => "session.delete",
            AuditAction::SessionDeleteAll => "session.delete_all",
            AuditAction::SessionFailed => "session.failed",
            AuditAction::ProposalCreate => "proposal.create",
            AuditAction::ProposalAccept => "proposal.accept",
            AuditAction::ProposalReject => "proposal.reject",
            AuditAction::OauthClientCreate => "oauth_client.create",
            AuditAction::OauthClientRevoke => "oauth_client.revoke",
            AuditAction::SecondFactorEnable => "user.second_factor_enable",
            AuditAction::SecondFactorDisable => "user.second_factor_disable",
            AuditAction::SignInPolicyPut => "settings.sign_in_policy",
            AuditAction::SsoPut => "settings.sso",
            AuditAction::ScimTokenCreate => "settings.scim_token",
            AuditAction::DirectoryUserPut => "directory.user_put",
            AuditAction::DirectoryUserDelete => "directory.user_delete",
            AuditAction::DirectoryGroupPut => "directory.group_put",
            AuditAction::DirectoryGroupDelete => "directory.group_delete",
        }
    }

    pub fn parse(code: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.as_str() == code)
    }
}

impl std::fmt::Display for AuditAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::AuditAction;

    #[test]
    fn codes_are_unique_and_read_back() {
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::parse(a.as_str()), Some(a));
            assert!(a.as_str().contains('.'), "{a} is object.verb");
        }
        let mut codes: Vec<_> = AuditAction::ALL.iter().map(|a| a.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), AuditAction::ALL.len());
        assert_eq!(AuditAction::parse("asset.delete"), None);
    }
}
