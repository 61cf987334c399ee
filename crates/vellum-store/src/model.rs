//! The records the store reads and writes. They serialise with the public API's field names.

use serde::Serialize;
use vellum_domain::{
    folder::Folder,
    metadata::AssetMetadata,
    review::{ReviewStatus, StagePlan},
    role::Role,
    status::AssetStatus,
    validate::AssetKind,
    workflow::StageSpec,
    Id, Timestamp,
};

#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: Id,
    pub email: String,
    pub name: String,
    pub is_admin: bool,
    pub created_at: Timestamp,
    /// When a server admin disabled the account (None: active).
    pub disabled_at: Option<Timestamp>,
    #[serde(skip)]
    pub password_hash: String,
    /// The one workspace the user may reach while acting through a token restricted to it.
    /// Set per request, never stored: every access check sees it because it travels with the
    /// user, and every other workspace then answers as it would to an outsider.
    #[serde(skip)]
    pub token_workspace: Option<Id>,
    /// A person, or an OAuth client's service account.
    pub kind: UserKind,
}

impl User {
    /// A new person's account without a password (they sign in through single sign-on, or
    /// set one later).
    pub fn person(email: &str, name: &str, now: Timestamp) -> User {
        User {
            id: vellum_domain::id::new_id(),
            email: email.to_string(),
            name: name.to_string(),
            is_admin: false,
            created_at: now,
            disabled_at: None,
            password_hash: String::new(),
            token_workspace: None,
            kind: UserKind::Person,
        }
    }
}

/// Who an account is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UserKind {
    /// Signs in with a password (or, later, single sign-on).
    #[default]
    Person,
    /// An OAuth client's identity: no password, no pages, only short-lived tokens.
    Service,
}

impl UserKind {
    pub fn as_str(self) -> &'static str {
        match self {
            UserKind::Person => "person",
            UserKind::Service => "service",
        }
    }

    pub fn parse(s: &str) -> Option<UserKind> {
        [UserKind::Person, UserKind::Service].into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Workspace {
    pub id: Id,
    pub name: String,
    pub slug: String,
    pub created_at: Timestamp,
    /// Keep GPS positions found in uploaded files (off: they are dropped from metadata).
    pub keep_gps: bool,
    /// The number the first frame of a video is shown as (e.g. 1001); display only.
    pub frame_offset: u32,
    /// The group whose members manage rights: told of expiries, decide download requests.
    pub rights_managers: Option<Id>,
    /// Days before a rights window or required release ends that warnings go out.
    pub rights_warning_days: Vec<u32>,
    /// The main language: search stems words in it.
    pub search_language: vellum_domain::search_language::SearchLanguage,
}

#[derive(Debug, Clone, Serialize)]
pub struct Member {
    pub user_id: Id,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub since: Timestamp,
    /// Who reminders escalate to when this member lets a deadline pass.
    pub supervisor_id: Option<Id>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub id: Id,
    pub workspace_id: Id,
    pub name: String,
    pub members: Vec<Id>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Serialize)]
pub struct Asset {
    pub id: Id,
    pub workspace_id: Id,
    pub title: String,
    pub kind: AssetKind,
    pub metadata: AssetMetadata,
    /// Where the asset sits in the workspace's folder tree (None: at the top).
    pub folder: Option<Folder>,
    pub status: AssetStatus,
    pub current_version: u32,
    pub approved_version: Option<u32>,
    pub created_by: Id,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Serialize)]
pub struct Version {
    pub asset_id: Id,
    pub number: u32,
    pub size: u64,
    pub content_type: String,
    pub sha256: String,
    pub filename: String,
    pub note: String,
    pub restored_from: Option<u32>,
    pub created_by: Id,
    pub created_at: Timestamp,
    /// Whether previews and metadata are ready.
    pub processing: Processing,
    /// Why processing failed, in words a person can act on.
    pub processing_reason: Option<String>,
    /// Metadata extracted from the file (dimensions, EXIF, IPTC, XMP, pages, duration…).
    pub media: Option<vellum_domain::media::VersionMedia>,
    /// Where the subject is, so crops keep it.
    pub focal_point: Option<FocalPoint>,
    /// When its file was purged (retention or deletion); the row and its record stay.
    pub purged_at: Option<Timestamp>,
}

/// A point in an image as fractions of its width and height (0..1 from the top left).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
pub struct FocalPoint {
    pub x: f64,
    pub y: f64,
}

/// Where a version's media processing stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Processing {
    Pending,
    Done,
    Failed,
}

impl Processing {
    pub fn as_str(self) -> &'static str {
        match self {
            Processing::Pending => "pending",
            Processing::Done => "done",
            Processing::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Processing::Pending, Processing::Done, Processing::Failed].into_iter().find(|p| p.as_str() == s)
    }
}

/// A derived file of a version (thumbnail, preview, page, preset), stored as a blob.
#[derive(Debug, Clone, Serialize)]
pub struct Rendition {
    pub asset_id: Id,
    pub version: u32,
    pub name: String,
    pub spec: serde_json::Value,
    pub sha256: String,
    pub size: u64,
    pub content_type: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Serialize)]
pub struct Workflow {
    pub id: Id,
    pub workspace_id: Id,
    pub name: String,
    pub revision: u32,
    pub stages: Vec<StageSpec>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReviewRecord {
    pub id: Id,
    pub workspace_id: Id,
    /// The asset version or brief revision decided on (`version` is its number).
    pub subject: vellum_domain::review::ReviewSubject,
    pub version: u32,
    pub workflow_id: Id,
    pub workflow_revision: u32,
    pub plan: Vec<StagePlan>,
    pub status: ReviewStatus,
    pub started_by: Id,
    pub created_at: Timestamp,
    pub closed_at: Option<Timestamp>,
    /// The rule that chose the workflow, with its explanation (None: a workflow was named).
    pub routing: Option<vellum_domain::routing::ReviewRouting>,
    /// The workspace's calendar when the review started: business-time deadlines count on it,
    /// so a later change of calendar never moves them (None: the default calendar).
    pub calendar: Option<vellum_domain::calendar::CalendarSpec>,
}

/// An API token as its owner sees it (never the secret).
#[derive(Debug, Clone, Serialize)]
pub struct ApiToken {
    pub id: Id,
    pub user_id: Id,
    pub name: String,
    pub scope: vellum_domain::scope::Scope,
    /// The one workspace the token reaches (None: every workspace of its user).
    pub workspace_id: Option<Id>,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    pub last_used_at: Option<Timestamp>,
    pub last_ip: Option<String>,
}

/// An audit event to append; the store numbers and chains it.
#[derive(Debug, Clone)]
pub struct NewAuditEvent {
    pub workspace_id: Option<Id>,
    pub actor_id: Option<Id>,
    pub action: vellum_domain::audit::AuditAction,
    pub object_type: String,
    pub object_id: Option<String>,
    pub version: Option<u32>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    /// The asset the event belongs to (set for assets, versions, reviews and decisions).
    pub asset_id: Option<Id>,
    /// The API token the actor acted through.
    pub token_id: Option<Id>,
}

impl NewAuditEvent {
    /// An event of `action` on an object of `object_type`, with nothing else set yet.
    pub fn new(action: vellum_domain::audit::AuditAction, object_type: impl Into<String>) -> Self {
        NewAuditEvent {
            workspace_id: None,
            actor_id: None,
            action,
            object_type: object_type.into(),
            object_id: None,
            version: None,
            before: None,
            after: None,
            ip: None,
            request_id: None,
            asset_id: None,
            token_id: None,
        }
    }
}

/// An audit event as stored and exported: its chained fields and the links of the chain.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEvent {
    pub chain: String,
    #[serde(flatten)]
    pub fields: vellum_domain::audit::AuditFields,
    pub prev_hash: String,
    pub hash: String,
    /// The keyed tag of `hash` (see `vellum_domain::audit::key`).
    pub tag: Option<String>,
}
