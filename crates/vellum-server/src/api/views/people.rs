//! Users, sessions, tokens, workspaces, members and groups as the API shows them.

use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;
use vellum_core::{accounts, model, tokens, workspaces};
use vellum_domain::{role::Role, scope::Scope, search_language::SearchLanguage, Timestamp};

use super::page;

#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub is_admin: bool,
    pub created_at: Timestamp,
    /// When a server admin disabled the account; null while it is active.
    pub disabled_at: Option<Timestamp>,
    /// `person`, or `service` for an OAuth client's account.
    #[schema(example = "person")]
    pub kind: String,
}

impl From<model::User> for UserView {
    fn from(u: model::User) -> Self {
        UserView {
            id: u.id,
            email: u.email,
            name: u.name,
            is_admin: u.is_admin,
            created_at: u.created_at,
            disabled_at: u.disabled_at,
            kind: u.kind.as_str().to_string(),
        }
    }
}

page!(UserPage, "users", UserView);

/// A new sign-in: the user, and the CSRF token cookie-authenticated writes must send as
/// `X-CSRF-Token`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionCreated {
    pub user: UserView,
    pub csrf_token: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    pub user: UserView,
    pub workspaces: Vec<WorkspaceView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    pub id: Uuid,
    /// Whose token it is (it acts as this user, never beyond their rights).
    pub user_id: Uuid,
    pub name: String,
    /// The scope the token was made with: one of `read` ⊂ `comment` ⊂ `propose` ⊂ `write` ⊂
    /// `admin`, each including the ones before it.
    pub scopes: Vec<Scope>,
    /// The one workspace the token reaches; null: every workspace of its user.
    pub workspace_id: Option<Uuid>,
    pub created_at: Timestamp,
    /// Null: never used (or not since the last minute it was noted).
    pub last_used_at: Option<Timestamp>,
    /// The address of that last use.
    pub last_ip: Option<String>,
    /// Null: never expires.
    pub expires_at: Option<Timestamp>,
}

impl From<model::ApiToken> for TokenView {
    fn from(t: model::ApiToken) -> Self {
        TokenView {
            id: t.id,
            user_id: t.user_id,
            name: t.name,
            scopes: vec![t.scope],
            workspace_id: t.workspace_id,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            last_ip: t.last_ip,
            expires_at: t.expires_at,
        }
    }
}

page!(TokenPage, "tokens", TokenView);

/// A new token: the secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenCreated {
    pub id: Uuid,
    pub name: String,
    /// The scope asked for (or the caller's own when none was).
    pub scopes: Vec<Scope>,
    pub workspace_id: Option<Uuid>,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    /// Send as `Authorization: Bearer <token>`. It is stored only as a hash.
    pub token: String,
}

impl From<tokens::NewToken> for TokenCreated {
    fn from(t: tokens::NewToken) -> Self {
        TokenCreated {
            id: t.token.id,
            name: t.token.name,
            scopes: vec![t.token.scope],
            workspace_id: t.token.workspace_id,
            created_at: t.token.created_at,
            expires_at: t.token.expires_at,
            token: t.secret,
        }
    }
}

/// A one-time password-reset link.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResetLinkView {
    /// A path on this server holding the one-time secret.
    pub link: String,
    pub expires_at: Timestamp,
}

impl From<accounts::ResetLink> for ResetLinkView {
    fn from(l: accounts::ResetLink) -> Self {
        ResetLinkView { link: l.link, expires_at: l.expires_at }
    }
}

/// A workspace, with the caller's role in it.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkspaceView {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub created_at: Timestamp,
    /// Whether GPS positions found in uploaded files are kept.
    pub keep_gps: bool,
    /// The number a video's first frame is shown as (display only).
    pub frame_offset: u32,
    /// The group whose members manage rights.
    pub rights_managers: Option<Uuid>,
    /// Days before a rights window or release ends that warnings go out.
    pub rights_warning_days: Vec<u32>,
    /// The main language: search stems words in it (ISO 639-1).
    pub search_language: SearchLanguage,
    pub role: Role,
}

impl From<workspaces::WorkspaceView> for WorkspaceView {
    fn from(w: workspaces::WorkspaceView) -> Self {
        let ws = w.workspace;
        WorkspaceView {
            id: ws.id,
            name: ws.name,
            slug: ws.slug,
            created_at: ws.created_at,
            keep_gps: ws.keep_gps,
            frame_offset: ws.frame_offset,
            rights_managers: ws.rights_managers,
            rights_warning_days: ws.rights_warning_days,
            search_language: ws.search_language,
            role: w.role,
        }
    }
}

page!(WorkspacePage, "workspaces", WorkspaceView);

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberView {
    pub user_id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub since: Timestamp,
    /// Who escalations go to when this member lets a deadline pass.
    pub supervisor_id: Option<Uuid>,
}

impl From<model::Member> for MemberView {
    fn from(m: model::Member) -> Self {
        MemberView {
            user_id: m.user_id,
            email: m.email,
            name: m.name,
            role: m.role,
            since: m.since,
            supervisor_id: m.supervisor_id,
        }
    }
}

page!(MemberPage, "members", MemberView);

#[derive(Debug, Serialize, ToSchema)]
pub struct GroupView {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub name: String,
    pub members: Vec<Uuid>,
    pub created_at: Timestamp,
}

impl From<model::Group> for GroupView {
    fn from(g: model::Group) -> Self {
        GroupView { id: g.id, workspace_id: g.workspace_id, name: g.name, members: g.members, created_at: g.created_at }
    }
}

page!(GroupPage, "groups", GroupView);
