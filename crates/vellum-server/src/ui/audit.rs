//! A workspace's audit trail for people: whether the hash chain verifies, filters by actor,
//! action, object and date, one page of events newest first with names and a change list, and
//! links to the full JSON and CSV exports.

use axum::{
    extract::{Path, Query, State},
    response::IntoResponse,
};
use maud::{html, Markup};
use serde::Deserialize;
use vellum_core::audit::{AuditEventView, AuditPage, AuditSearch, Verification};
use vellum_domain::audit::AuditAction;
use vellum_domain::id::parse_id;

use super::{
    audit_changes::{changes, Names},
    layout::{page, Chrome, Section},
    page::{enc, when, Page, UiError, UiResult},
    session::Signed,
};
use crate::{error::ApiError, AppState};

/// Events per page.
const PAGE: u32 = 50;
/// Changes shown at once per event; the rest fold away.
const SHOWN_CHANGES: usize = 8;

/// The page's query: the filters and a cursor.
#[derive(Deserialize, Default, Clone)]
pub struct AuditParams {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    object: String,
    #[serde(default)]
    object_id: String,
    #[serde(default)]
    asset: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    before: Option<i64>,
    after: Option<i64>,
}

impl AuditParams {
    /// The filters as a query string (without the cursor), for links that keep them.
    fn query(&self) -> String {
        [
            ("actor", &self.actor),
            ("action", &self.action),
            ("object", &self.object),
            ("object_id", &self.object_id),
            ("asset", &self.asset),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", enc(v)))
        .collect::<Vec<_>>()
        .join("&")
    }

    fn filtered(&self) -> bool {
        !self.query().is_empty()
    }

    fn search(&self) -> Result<AuditSearch, UiError> {
        let asset_id = match self.asset.as_str() {
            "" => None,
            a => Some(parse_id(a).ok_or_else(|| UiError::invalid("The asset in this address is not an asset id."))?),
        };
        let some = |s: &String| Some(s.clone()).filter(|s| !s.is_empty());
        Ok(AuditSearch {
            actor: some(&self.actor),
            action: some(&self.action),
            object_type: some(&self.object),
            object_id: some(&self.object_id),
            asset_id,
            from: some(&self.from),
            to: some(&self.to),
            before_seq: self.before,
            after_seq: self.after,
            limit: PAGE,
        })
    }
}

/// What an action code did, in words; codes this version does not know read as their parts.
pub fn action_words(action: &str) -> String {
    match AuditAction::parse(action) {
        Some(a) => words(a).to_string(),
        None => action.replace(['.', '_'], " "),
    }
}

/// Every action has words: a new action does not compile until it reads well.
fn words(a: AuditAction) -> &'static str {
    match a {
        AuditAction::AssetCreate => "Uploaded an asset",
        AuditAction::AssetUpdate => "Edited an asset's details",
        AuditAction::VersionCreate => "Added a version",
        AuditAction::VersionRestore => "Restored a version",
        AuditAction::VersionDownload => "Downloaded a version",
        AuditAction::DistributionDownload => "Downloaded a file",
        AuditAction::AssetPurge => "Purged an asset's files",
        AuditAction::RetentionPut => "Changed the retention policies",
        AuditAction::WatermarkPut => "Changed the watermark",
        AuditAction::LegalHoldCreate => "Placed a legal hold",
        AuditAction::LegalHoldLift => "Lifted a legal hold",
        AuditAction::VersionFocalPoint => "Set a focal point",
        AuditAction::VersionProcessed => "Processed a version's file",
        AuditAction::PresetPut => "Saved a channel preset",
        AuditAction::MetadataSchemaPut => "Changed the custom fields",
        AuditAction::RoutingPut => "Changed the routing rules",
        AuditAction::CalendarPut => "Changed the business calendar",
        AuditAction::OutOfOfficeSet => "Set an out-of-office period",
        AuditAction::OutOfOfficeEnd => "Ended an out-of-office period",
        AuditAction::ReviewStart => "Started a review",
        AuditAction::ReviewDecide => "Decided in a review",
        AuditAction::ReviewSupersede => "Superseded a review",
        AuditAction::ReviewReassign => "Reassigned an approver",
        AuditAction::ReviewCollaboratorAdd => "Invited a collaborator to a review",
        AuditAction::ReviewCollaboratorRemove => "Took a collaborator off a review",
        AuditAction::ReviewGuestInvite => "Invited a guest reviewer",
        AuditAction::CampaignCreate => "Created a campaign",
        AuditAction::CampaignUpdate => "Changed a campaign",
        AuditAction::MilestoneCreate => "Added a milestone",
        AuditAction::MilestoneUpdate => "Changed a milestone",
        AuditAction::GlossaryPut => "Changed the glossary",
        AuditAction::NamingPut => "Set the naming convention",
        AuditAction::BriefTemplateCreate => "Created a brief template",
        AuditAction::BriefTemplateUpdate => "Revised a brief template",
        AuditAction::BriefCreate => "Wrote a brief",
        AuditAction::BriefUpdate => "Changed a brief",
        AuditAction::BriefSubmit => "Submitted a brief for approval",
        AuditAction::IcalFeedCreate => "Created a calendar feed",
        AuditAction::IcalFeedRevoke => "Revoked a calendar feed",
        AuditAction::AssetRights => "Set the rights",
        AuditAction::AssetArchive => "Archived",
        AuditAction::AssetUnarchive => "Brought back from the archive",
        AuditAction::DistributionRefused => "Was refused a file",
        AuditAction::DownloadPolicyPut => "Set the download policies",
        AuditAction::DownloadRequestCreate => "Requested a download",
        AuditAction::DownloadRequestGrant => "Granted a download",
        AuditAction::DownloadRequestDeny => "Denied a download",
        AuditAction::GrantRevoke => "Revoked a download grant",
        AuditAction::PublicLinkCreate => "Made an always-current link",
        AuditAction::PublicLinkRevoke => "Revoked an always-current link",
        AuditAction::DistributionPublicLink => "Served through an always-current link",
        AuditAction::ShareLinkCreate => "Shared a link",
        AuditAction::ShareLinkRevoke => "Revoked a share link",
        AuditAction::DistributionShareLink => "Served through a share link",
        AuditAction::ReviewGuestRevoke => "Revoked a guest reviewer's link",
        AuditAction::CommentCreate => "Commented",
        AuditAction::CommentEdit => "Edited a comment",
        AuditAction::CommentResolve => "Resolved a comment",
        AuditAction::CommentReopen => "Reopened a comment",
        AuditAction::CommentRetract => "Retracted a comment",
        AuditAction::WebhookCreate => "Registered a webhook",
        AuditAction::WebhookDelete => "Deleted a webhook",
        AuditAction::WebhookRotateSecret => "Replaced a webhook's secret",
        AuditAction::InvitationCreate => "Invited someone",
        AuditAction::InvitationAccept => "Accepted an invitation",
        AuditAction::PasswordResetRequest => "Asked for a password-reset email",
        AuditAction::ReviewRemind => "Reminded an approver",
        AuditAction::ReviewEscalate => "Escalated a late stage",
        AuditAction::JobRetry => "Retried a job",
        AuditAction::MemberSetRole => "Set a member's role",
        AuditAction::MemberRemove => "Removed a member",
        AuditAction::GroupCreate => "Created a group",
        AuditAction::GroupUpdate => "Changed a group",
        AuditAction::GroupDelete => "Deleted a group",
        AuditAction::WorkflowCreate => "Created a workflow",
        AuditAction::WorkflowUpdate => "Changed a workflow",
        AuditAction::WorkspaceCreate => "Created the workspace",
        AuditAction::WorkspaceUpdate => "Changed the workspace",
        AuditAction::UserCreate => "Created an account",
        AuditAction::UserDisable => "Disabled an account",
        AuditAction::UserEnable => "Enabled an account",
        AuditAction::UserPasswordChange => "Changed a password",
        AuditAction::UserPasswordReset => "Reset a password",
        AuditAction::UserPasswordResetLink => "Made a password reset link",
        AuditAction::TokenCreate => "Created an API token",
        AuditAction::TokenRevoke => "Revoked an API token",
        AuditAction::ProposalCreate => "Proposed a change (agent)",
        AuditAction::ProposalAccept => "Accepted a proposal",
        AuditAction::ProposalReject => "Rejected a proposal",
        AuditAction::OauthClientCreate => "Registered an OAuth client",
        AuditAction::OauthClientRevoke => "Revoked an OAuth client",
        AuditAction::SecondFactorEnable => "Turned on an authenticator",
        AuditAction::SecondFactorDisable => "Turned off an authenticator",
        AuditAction::SignInPolicyPut => "Changed the sign-in policy",
        AuditAction::SsoPut => "Changed the single sign-on settings",
        AuditAction::ScimTokenCreate => "Made the SCIM token",
        AuditAction::DirectoryUserPut => "The directory provisioned a user",
        AuditAction::DirectoryUserDelete => "The directory removed a user",
        AuditAction::DirectoryGroupPut => "The directory changed a group",
        AuditAction::DirectoryGroupDelete => "The directory removed a group",
        AuditAction::SessionCreate => "Signed in",
        AuditAction::SessionDelete => "Signed out",
        AuditAction::SessionDeleteAll => "Signed out everywhere",
        AuditAction::SessionFailed => "Failed to sign in",
        AuditAction::StoreMigrate => "Moved to another store",
    }
}

fn verification(v: &Verification) -> Markup {
    html! {
        @if v.ok {
            p.notice.info #chain role="status" {
                "The chain verifies: " (v.events) " events"
                @if let Some(h) = &v.head { ", head " code title=(h) { (h.chars().take(16).collect::<String>()) "…" } }
                @if let Some(c) = &v.checkpoint { ", signed up to event " (c.seq) " at " (when(&c.at)) }
                "."
            }
        } @else {
            p.notice.error #chain role="alert" {
                "The chain does NOT verify"
                @if let Some(seq) = v.first_bad_seq { " from event " (seq) }
                @if let Some(m) = &v.missing { ": events " (m.from) " to " (m.to) " are missing" }
                @if let Some(r) = &v.reason { ": " (r) }
                "."
            }
        }
    }
}

fn actor(e: &AuditEventView, names: &Names) -> Markup {
    html! {
        @match &e.actor_id {
            None => span.muted { "the server" },
            Some(id) => @match names.get(id) {
                Some(n) => span title=(id) { (n) },
                None => span.muted title=(id) { "a former user" },
            },
        }
    }
}

/// The object in words, linked where it has a page, with a link to its own history.
fn object(e: &AuditEventView, names: &Names, base: &str) -> Markup {
    let id = e.object_id.as_deref().unwrap_or("");
    let asset = e.asset_id.as_deref().and_then(|a| names.get(a).map(|n| (a, n)));
    html! {
        @match (e.object_type.as_str(), asset) {
            ("asset", Some((a, title))) => { "asset " a href={ "/a/" (a) } { (title) } }
            ("review", Some((a, title))) => { "review of " a href={ "/a/" (a) } { (title) } }
            (_, Some((a, title))) => { (e.object_type.replace('_', " ")) " of " a href={ "/a/" (a) } { (title) } }
            (kind, None) => {
                (kind.replace('_', " "))
                @if let Some(n) = names.get(id) { " " strong { (n) } }
            }
        }
        @if let Some(a) = &e.asset_id {
            " " a.history href={ (base) "?asset=" (a) } title="Only the events about this asset" { "history" }
        } @else if !id.is_empty() {
            " " a.history href={ (base) "?object=" (enc(&e.object_type)) "&object_id=" (enc(id)) } title="Only the events about this object" { "history" }
        }
    }
}

fn change_list(e: &AuditEventView, names: &Names) -> Markup {
    let list = changes(e.before.as_ref(), e.after.as_ref(), names);
    let row = |c: &super::audit_changes::Change| {
        html! {
            li {
                span.field { (c.field) } ": "
                @match (&c.before, &c.after) {
                    (Some(b), Some(a)) => { del { (b) } " → " ins { (a) } }
                    (None, Some(a)) => ins { (a) },
                    (Some(b), None) => { del { (b) } " " span.muted { "(removed)" } }
                    (None, None) => {}
                }
            }
        }
    };
    html! {
        @if !list.is_empty() {
            ul.changes {
                @for c in list.iter().take(SHOWN_CHANGES) { (row(c)) }
            }
            @if list.len() > SHOWN_CHANGES {
                details.more-changes {
                    summary { (list.len() - SHOWN_CHANGES) " more" }
                    ul.changes { @for c in list.iter().skip(SHOWN_CHANGES) { (row(c)) } }
                }
            }
        }
    }
}

fn filters(base: &str, q: &AuditParams, p: &AuditPage, chrome_members: &[(String, String)]) -> Markup {
    html! {
        form.filters.audit-filters method="get" action=(base) {
            div {
                label for="af-actor" { "Who" }
                select #af-actor name="actor" {
                    option value="" { "Anyone" }
                    @for (id, name) in chrome_members {
                        option value=(id) selected[q.actor == *id] { (name) }
                    }
                    option value="system" selected[q.actor == "system"] { "The server" }
                }
            }
            div {
                label for="af-action" { "What" }
                select #af-action name="action" {
                    option value="" { "Any action" }
                    @for a in &p.actions {
                        option value=(a) selected[q.action == *a] { (action_words(a)) }
                    }
                }
            }
            div {
                label for="af-object" { "About" }
                select #af-object name="object" {
                    option value="" { "Anything" }
                    @for o in &p.object_types {
                        option value=(o) selected[q.object == *o] { (o.replace('_', " ")) }
                    }
                }
            }
            div {
                label for="af-from" { "From" }
                input #af-from type="date" name="from" value=(q.from);
            }
            div {
                label for="af-to" { "To" }
                input #af-to type="date" name="to" value=(q.to);
            }
            @if !q.asset.is_empty() { input type="hidden" name="asset" value=(q.asset); }
            @if !q.object_id.is_empty() { input type="hidden" name="object_id" value=(q.object_id); }
            div.filter-actions {
                button type="submit" { "Filter" }
                @if q.filtered() { " " a href=(base) { "Clear filters" } }
            }
        }
        @if !q.asset.is_empty() || !q.object_id.is_empty() {
            @let about = if q.asset.is_empty() { q.object_id.as_str() } else { q.asset.as_str() };
            p.hint {
                "Only the events about "
                @if let Some(n) = p.names.get(about) { strong { (n) } } @else { "one " (if q.asset.is_empty() { q.object.replace('_', " ") } else { "asset".into() }) }
                ". " a href=(base) { "Show every event" }
            }
        }
    }
}

fn pager(base: &str, q: &AuditParams, p: &AuditPage) -> Markup {
    let filters = q.query();
    let link = |cursor: &str, seq: i64| {
        if filters.is_empty() {
            format!("{base}?{cursor}={seq}")
        } else {
            format!("{base}?{filters}&{cursor}={seq}")
        }
    };
    html! {
        @if p.newer.is_some() || p.older.is_some() {
            nav.pager aria-label="Audit pages" {
                @if let Some(seq) = p.newer { a href=(link("after", seq)) rel="prev" { "‹ Newer" } }
                @if let Some(seq) = p.older { a href=(link("before", seq)) rel="next" { "Older ›" } }
            }
        }
    }
}

/// `GET /w/{ws}/audit`.
pub async fn show(
    State(s): State<AppState>,
    who: Signed,
    Path(ws): Path<String>,
    Query(q): Query<AuditParams>,
) -> UiResult {
    let chrome = Chrome::load(&s, &who, Some(&ws), Section::Audit).await?;
    let Some(current) = &chrome.current else {
        return Err(ApiError::not_found("workspace").into());
    };
    let found = s.core.audit_page(&who.actor, &ws, &q.search()?).await?;
    let verified = s.core.verify_audit(&who.actor, &ws).await?;
    let mut members: Vec<(String, String)> =
        s.core.members(&who.actor, &ws).await?.into_iter().map(|m| (m.user_id.to_string(), m.name)).collect();
    members.sort_by_key(|m| m.1.to_lowercase());
    let base = format!("/w/{}/audit", current.workspace.slug);
    let export = format!("/api/v1/workspaces/{}/audit", current.workspace.id);
    let names = &found.names;
    let body = html! {
        div.titlebar {
            h1 { "Audit trail" }
            p.exports { "Export everything: " a href={ (export) "?format=json" } { "JSON" } " · " a href={ (export) "?format=csv" } download { "CSV" } }
        }
        (verification(&verified))
        (filters(&base, &q, &found, &members))
        @if found.events.is_empty() {
            p.empty {
                @if q.filtered() { "No event matches these filters. " a href=(base) { "Clear the filters" } " to see every event." }
                @else { "Nothing has happened in this workspace yet. Uploads, reviews, decisions and changes to members and workflows will be listed here." }
            }
        } @else {
            table.audit.stack {
                thead { tr {
                    th scope="col" { "When (UTC)" } th scope="col" { "Who" } th scope="col" { "What" }
                    th scope="col" { "About" } th scope="col" { "Changes" }
                } }
                tbody {
                    @for e in &found.events {
                        tr id={ "e" (e.seq) } {
                            td data-label="When" { (when(&e.at)) br; span.muted.seq { "#" (e.seq) } }
                            td data-label="Who" { (actor(e, names)) }
                            td data-label="What" { span title=(e.action) { (action_words(&e.action)) }
                                @if let Some(v) = e.version { " " span.muted { "(version " (v) ")" } } }
                            td data-label="About" { (object(e, names, &base)) }
                            td data-label="Changes" { (change_list(e, names)) }
                        }
                    }
                }
            }
        }
        (pager(&base, &q, &found))
    };
    Ok(Page::ok(page("Audit", Some(&chrome), None, body)).into_response())
}
