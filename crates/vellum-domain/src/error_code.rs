//! The one table of error codes: every error the API can answer has a stable snake_case code,
//! an HTTP status and a one-line description. Clients branch on the code; the status and the
//! OpenAPI document and `docs/errors.md` come from this table and nowhere else.

macro_rules! error_codes {
    ($($variant:ident = $code:literal, $status:literal, $description:literal;)*) => {
        /// A stable error code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ErrorCode {
            $($variant),*
        }

        impl ErrorCode {
            /// Every code, in table order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            /// The code clients see.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code),*
                }
            }

            /// The HTTP status it is answered with.
            pub fn status(self) -> u16 {
                match self {
                    $(ErrorCode::$variant => $status),*
                }
            }

            /// What it means, in one line.
            pub fn description(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $description),*
                }
            }
        }
    };
}

error_codes! {
    MalformedJson = "malformed_json", 400, "The body is not valid JSON.";
    MalformedMultipart = "malformed_multipart", 400, "The body is not readable multipart/form-data.";
    InvalidQuery = "invalid_query", 400, "A query-string parameter could not be read.";
    Unauthenticated = "unauthenticated", 401, "The request carries no valid session or token.";
    InvalidScimFilter = "invalid_scim_filter", 400, "A SCIM filter is not `attribute eq \"value\"` on an attribute this server filters on.";
    InvalidScimPatch = "invalid_scim_patch", 400, "A SCIM PATCH operation is not add, replace or remove with a path this server follows.";
    InvalidScimResource = "invalid_scim_resource", 400, "A SCIM resource lacks a required attribute or has an invalid value.";
    InvalidOidcState = "invalid_oidc_state", 400, "The sign-in answer matches no sign-in started in this browser, or was already used: start again.";
    InvalidIdToken = "invalid_id_token", 401, "The identity provider's ID token failed verification (signature, issuer, audience, nonce or expiry).";
    InvalidCredentials = "invalid_credentials", 401, "The email or password is wrong.";
    SecondFactorRequired = "second_factor_required", 401, "The account has an authenticator: send its current code (or a recovery code) as totp_code.";
    InvalidSecondFactor = "invalid_second_factor", 401, "The authenticator or recovery code is wrong, expired or already used.";
    Forbidden = "forbidden", 403, "Your role does not allow this in this workspace.";
    CsrfFailed = "csrf_failed", 403, "A cookie-authenticated write lacks the session's CSRF token.";
    InsufficientScope = "insufficient_scope", 403, "The API token's scope does not cover this request.";
    SecondFactorEnrolmentRequired = "second_factor_enrolment_required", 403, "The server requires a second factor: enrol an authenticator (POST /api/v1/me/totp) before anything else.";
    PasswordSignInDisabled = "password_sign_in_disabled", 403, "This server signs people in through single sign-on only (GET /auth/oidc/login).";
    SsoEmailRequired = "sso_email_required", 403, "The identity provider gave no verified email address, which a Vellum account needs.";
    AccountDisabled = "account_disabled", 403, "The account is disabled.";
    NotAnApprover = "not_an_approver", 403, "You approve no active stage of this review.";
    NotFound = "not_found", 404, "It does not exist, or you may not see it.";
    RenditionNotAvailable = "rendition_not_available", 404, "This rendition cannot exist for this version.";
    SsoNotConfigured = "sso_not_configured", 404, "Single sign-on is not configured on this server (--oidc-issuer, or PUT /api/v1/admin/sso).";
    MethodNotAllowed = "method_not_allowed", 405, "The path exists but not with this method.";
    UploadTimeout = "upload_timeout", 408, "The upload took longer than the server allows.";
    Conflict = "conflict", 409, "It clashes with something that already exists.";
    ProposalDecided = "proposal_decided", 409, "The proposal was already accepted or rejected.";
    ProposalStale = "proposal_stale", 409, "What the proposal changes moved on since it was made (another version, or edited fields).";
    EmailTaken = "email_taken", 409, "A user with this email already exists.";
    SlugTaken = "slug_taken", 409, "Another workspace uses this slug.";
    GroupNameTaken = "group_name_taken", 409, "The workspace has a group with this name.";
    GroupInUse = "group_in_use", 409, "A workflow still names the group.";
    LastOwner = "last_owner", 409, "A workspace must keep at least one owner.";
    LastAdmin = "last_admin", 409, "The server must keep at least one active admin.";
    CannotDisableSelf = "cannot_disable_self", 409, "You cannot disable your own account.";
    ReviewInProgress = "review_in_progress", 409, "The asset is already in review.";
    ReviewClosed = "review_closed", 409, "The review is closed; no more decisions can be recorded.";
    AlreadyDecided = "already_decided", 409, "You have already decided on every stage you approve.";
    VersionMismatch = "version_mismatch", 409, "The version named is not the version under review.";
    JobNotFailed = "job_not_failed", 409, "Only a failed job can be retried.";
    UploadRaced = "upload_raced", 409, "The file was removed while the change was saved; send it again.";
    AuditKeyMissing = "audit_key_missing", 409, "The server has no audit key to sign checkpoints with.";
    NotAcceptable = "not_acceptable", 406, "The Accept header names no type this route answers with (the MCP endpoint needs application/json and text/event-stream).";
    PayloadTooLarge = "payload_too_large", 413, "The body is larger than this route accepts.";
    UnsupportedMediaType = "unsupported_media_type", 415, "The body's Content-Type is not what this route takes.";
    RangeNotSatisfiable = "range_not_satisfiable", 416, "The requested byte range is outside the file.";
    InvalidBody = "invalid_body", 422, "The body is JSON but not of the expected shape.";
    InvalidCursor = "invalid_cursor", 422, "The cursor is not one this list gave out.";
    InvalidLimit = "invalid_limit", 422, "The limit is outside the allowed range.";
    WeakPassword = "weak_password", 422, "The password is too short or too easy to guess.";
    InvalidPassword = "invalid_password", 422, "The password is too long.";
    WrongPassword = "wrong_password", 422, "The current password is wrong.";
    InvalidEmail = "invalid_email", 422, "That is not an email address.";
    InvalidName = "invalid_name", 422, "A name is empty or too long.";
    InvalidSlug = "invalid_slug", 422, "A slug must be 2–64 lower-case letters, digits and dashes.";
    InvalidNote = "invalid_note", 422, "A change note is required and at most 4,000 characters.";
    InvalidRole = "invalid_role", 422, "That is not a role.";
    InvalidKind = "invalid_kind", 422, "That is not an asset kind.";
    InvalidMetadata = "invalid_metadata", 422, "A metadata field is invalid (see fields).";
    InvalidFolder = "invalid_folder", 422, "A folder must be a relative path of plain segments.";
    InvalidDecision = "invalid_decision", 422, "That is not a decision.";
    ReasonRequired = "reason_required", 422, "This decision needs a reason.";
    InvalidReason = "invalid_reason", 422, "A reason is at most 4,000 characters.";
    InvalidWorkflow = "invalid_workflow", 422, "The workflow's stages are not valid.";
    InvalidRouting = "invalid_routing", 422, "A routing rule is not valid (see path).";
    InvalidSsoSettings = "invalid_sso_settings", 422, "The single sign-on settings are not valid (issuer, client id, or passwords off without an issuer).";
    InvalidClaimRule = "invalid_claim_rule", 422, "A claim-to-role rule names no claim, more or fewer than one test, or no workspace.";
    InvalidCalendar = "invalid_calendar", 422, "The business calendar is not valid (see fields).";
    InvalidReassignment = "invalid_reassignment", 422, "The approver cannot be reassigned as asked.";
    InvalidOutOfOffice = "invalid_out_of_office", 422, "The out-of-office period or its delegate is not valid.";
    OnBehalfOfRequired = "on_behalf_of_required", 422, "You stand in for several approvers: name one in on_behalf_of.";
    InvalidSupervisor = "invalid_supervisor", 422, "The supervisor must be another member of the workspace.";
    NoRoute = "no_route", 422, "No routing rule matches the asset; name a workflow instead.";
    InvalidPreferences = "invalid_preferences", 422, "A notification preference is not valid.";
    InvalidWebhook = "invalid_webhook", 422, "The webhook's URL or event kinds are not valid.";
    WebhookTargetForbidden = "webhook_target_forbidden", 422, "The webhook's address is private, loopback or otherwise not allowed.";
    InvalidInvitation = "invalid_invitation", 422, "The invitation cannot be accepted as asked.";
    MailNotConfigured = "mail_not_configured", 422, "The server has no SMTP server configured (--smtp-url), so it cannot send email.";
    InvalidCampaign = "invalid_campaign", 422, "A campaign field is not valid (see fields).";
    InvalidMilestone = "invalid_milestone", 422, "A milestone field or dependency is not valid (see fields).";
    InvalidGlossary = "invalid_glossary", 422, "A glossary term or definition is not valid (see fields).";
    InvalidNaming = "invalid_naming", 422, "The naming pattern is not valid.";
    InvalidBriefTemplate = "invalid_brief_template", 422, "A brief template is not valid (see fields).";
    InvalidBrief = "invalid_brief", 422, "A brief's fields are missing or not valid (see fields, one error per field).";
    BriefNotApproved = "brief_not_approved", 409, "Work can only be linked to an approved brief.";
    InvalidTransition = "invalid_transition", 409, "The card cannot move there: no real transition leads from its state to that column.";
    NamingMismatch = "naming_mismatch", 422, "The file name does not follow the workspace's naming convention (see expected).";
    InvalidFeed = "invalid_feed", 422, "A calendar feed needs a scope of me or campaign (with a campaign of yours).";
    InvalidDownloadPolicy = "invalid_download_policy", 422, "A download policy rule is not valid (see path).";
    InvalidDownloadRequest = "invalid_download_request", 422, "A download request needs a purpose and a version or rendition of the asset.";
    InvalidGrant = "invalid_grant", 422, "A grant must expire in the future and allow at least one download.";
    InvalidShareLink = "invalid_share_link", 422, "A share link needs a future expiry, a password of 8–200 characters if any, and a valid recipient email.";
    InvalidRights = "invalid_rights", 422, "An asset's rights are not valid (see fields).";
    RightsExpired = "rights_expired", 410, "The asset's rights window has closed or a required release has lapsed: it cannot be distributed.";
    Archived = "archived", 410, "The asset is archived: it cannot be distributed.";
    DownloadRequestRequired = "download_request_required", 403, "This asset's download policy asks for a request to be granted first.";
    DownloadBlocked = "download_blocked", 403, "This asset's download policy allows downloads only to members who may edit it.";
    NotApproved = "not_approved", 422, "Only an approved version can be shared.";
    VersionPurged = "version_purged", 410, "This version's file was purged under a retention policy or with its asset; its record stays.";
    UnderLegalHold = "under_legal_hold", 409, "A legal hold covers this asset: it cannot be purged or deleted until the hold is lifted.";
    InvalidRetention = "invalid_retention", 422, "The retention policies are not valid (the path names the place).";
    InvalidLegalHold = "invalid_legal_hold", 422, "A legal hold needs a name, a reason and the assets or campaign it covers.";
    WatermarkRequired = "watermark_required", 403, "Outsiders see watermarked pictures only, and this rendition is not a picture.";
    WatermarkUnavailable = "watermark_unavailable", 503, "Watermarked previews cannot be made on this server (no font); nothing clean is shown instead.";
    InvalidWatermark = "invalid_watermark", 422, "A watermark's text is 1 to 100 characters on one line.";
    InvalidSetting = "invalid_setting", 422, "A workspace setting is outside its range.";
    NotComparable = "not_comparable", 422, "These two versions cannot be compared (their types differ, have no comparison, or could not be processed).";
    InvalidAnchor = "invalid_anchor", 422, "A comment's anchor is outside the version (page, coordinates or frames).";
    UnknownMention = "unknown_mention", 422, "A mentioned address is not a member who can see the asset.";
    InvalidComment = "invalid_comment", 422, "A comment's text is empty or too long, or its thread is elsewhere.";
    InvalidApprover = "invalid_approver", 422, "An approver is not a member who may approve.";
    InvalidCron = "invalid_cron", 422, "That is not a five-field cron expression.";
    InvalidStatus = "invalid_status", 422, "That is not an asset status.";
    InvalidState = "invalid_state", 422, "That is not a job state.";
    InvalidFormat = "invalid_format", 422, "That is not an export format.";
    InvalidFocalPoint = "invalid_focal_point", 422, "A focal point needs x and y between 0 and 1.";
    InvalidPreset = "invalid_preset", 422, "The channel preset is not valid.";
    InvalidExpiry = "invalid_expiry", 422, "An expiry must be in the future.";
    InvalidProposal = "invalid_proposal", 422, "A proposal lacks its rationale or names a change that cannot be made.";
    InvalidScope = "invalid_scope", 422, "A token scope must be one of read, comment, propose, write, admin, within the caller's own.";
    InvalidAssetId = "invalid_asset_id", 422, "That is not an asset id.";
    InvalidDate = "invalid_date", 422, "That is not a date like 2026-05-01.";
    InvalidMember = "invalid_member", 422, "That user is not a member of this workspace.";
    ImageTooLarge = "image_too_large", 422, "The image declares more pixels than the server decodes.";
    MissingFile = "missing_file", 422, "The upload has no file part.";
    TooManyFiles = "too_many_files", 422, "The upload has more than one file part.";
    FieldTooLong = "field_too_long", 422, "A form field is longer than allowed.";
    InvalidAuditKey = "invalid_audit_key", 422, "The audit key is not 64 hex digits.";
    AuditKeyMismatch = "audit_key_mismatch", 422, "The audit key is not the one this database's trail is signed with.";
    InvalidBundle = "invalid_bundle", 422, "The file is not an audit bundle.";
    TooManyAttempts = "too_many_attempts", 429, "Too many failed sign-ins; wait for Retry-After.";
    RateLimited = "rate_limited", 429, "Too many requests from this address or for this link; wait for Retry-After.";
    // The one code with two statuses: a search that parses badly is well-formed input with a
    // fault in it (422, with `position`), unlike a parameter that cannot be read at all (400).
    SearchQuery = "invalid_query", 422, "The search cannot be read; `position` counts the characters before the fault.";
    IdentityProviderError = "identity_provider_error", 502, "The identity provider could not be reached, or refused the sign-in.";
    IndexRebuilding = "index_rebuilding", 503, "The search index is being rebuilt; try again in a minute.";
    Internal = "internal", 500, "Something failed on the server; the change was not made.";
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl serde::Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The table as Markdown (`docs/errors.md` is this, checked by a test).
pub fn markdown_table() -> String {
    let mut out = String::from(
        "# Error codes\n\nEvery error the API answers is `{\"error\": {\"code\", \"message\"}}`, with any \
         detail inside `error` (`fields: [{key, message}]`, `path`, `position`, `details`). Clients branch \
         on `code`; this table is generated from the code (`vellum-domain/src/error_code.rs`).\n\n\
         | code | status | meaning |\n|---|---|---|\n",
    );
    for c in ErrorCode::ALL {
        out.push_str(&format!("| `{}` | {} | {} |\n", c.as_str(), c.status(), c.description()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case_with_error_statuses() {
        let mut seen = std::collections::HashSet::new();
        for c in ErrorCode::ALL {
            assert!(seen.insert(c.as_str()) || *c == ErrorCode::SearchQuery, "{c} twice");
            assert!(c.as_str().bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{c}");
            assert!((400..600).contains(&c.status()), "{c}");
            assert!(!c.description().is_empty());
        }
    }

    /// `VELLUM_BLESS=1 cargo test -p vellum-domain` rewrites the file from the table.
    #[test]
    fn the_published_table_is_the_code_table() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/errors.md");
        if std::env::var("VELLUM_BLESS").is_ok_and(|v| v == "1") {
            std::fs::write(path, markdown_table()).unwrap();
        }
        let published = std::fs::read_to_string(path).unwrap_or_default();
        assert_eq!(
            published,
            markdown_table(),
            "docs/errors.md is stale: run VELLUM_BLESS=1 cargo test -p vellum-domain"
        );
    }
}
