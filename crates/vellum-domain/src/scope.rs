//! What an API token may do: five scopes, each including the ones before it, and which scope a
//! request needs. A scope only narrows what the token's user may do; it never widens it.

use serde::{Deserialize, Serialize};

use crate::{DomainError, ErrorCode};

/// A token's scope, from least to most: `read` ⊂ `comment` ⊂ `propose` ⊂ `write` ⊂ `admin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = TokenScope))]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Look: search, open, download what the user may see, ask for a download.
    Read,
    /// Also write comments and mark notifications read: the user's own words.
    Comment,
    /// Also propose changes that a person accepts or rejects.
    Propose,
    /// Also change the record: upload, edit, decide, start reviews, accept proposals.
    Write,
    /// Also administer: members, groups, webhooks, tokens, the server.
    Admin,
}

impl Scope {
    pub const ALL: [Scope; 5] = [Scope::Read, Scope::Comment, Scope::Propose, Scope::Write, Scope::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Comment => "comment",
            Scope::Propose => "propose",
            Scope::Write => "write",
            Scope::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Result<Scope, DomainError> {
        Scope::ALL.into_iter().find(|c| c.as_str() == s).ok_or_else(|| {
            DomainError::invalid(
                ErrorCode::InvalidScope,
                format!("'{s}' is not a scope; use one of read, comment, propose, write, admin"),
            )
        })
    }

    /// The one scope a list asks for: the widest named (each includes the ones before it).
    /// An empty list is refused rather than read as "everything".
    pub fn from_list<S: AsRef<str>>(list: &[S]) -> Result<Scope, DomainError> {
        let mut widest = None;
        for s in list {
            widest = widest.max(Some(Scope::parse(s.as_ref())?));
        }
        widest.ok_or_else(|| DomainError::invalid(ErrorCode::InvalidScope, "scopes must name at least one scope"))
    }

    /// Whether a token with this scope may do what `needed` asks.
    pub fn covers(self, needed: Scope) -> bool {
        self >= needed
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The scope an API request needs, from whether its method is safe (GET, HEAD) and its route
/// template (`/api/v1/comments/{id}`, not the concrete path, so ids never change the answer).
pub fn required(safe: bool, route: &str) -> Scope {
    let path = route.strip_prefix("/api/v1").unwrap_or(route);
    let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
    let workspace_part = |part: &str| {
        path.strip_prefix("/workspaces/{ws}/").is_some_and(|rest| rest == part || rest.starts_with(&format!("{part}/")))
    };
    // Server administration and the account's own credentials, read or written.
    if under("/admin") || under("/users") {
        return Scope::Admin;
    }
    if safe {
        return Scope::Read;
    }
    if under("/tokens")
        || under("/sessions")
        || path == "/me/password"
        || path == "/me/totp"
        || path.starts_with("/me/totp/")
        || path == "/workspaces"
        || ["members", "invitations", "groups", "webhooks"].into_iter().any(workspace_part)
        || under("/groups")
        || under("/webhooks")
    {
        return Scope::Admin;
    }
    // Asking is not changing: a download request and an explanation of routing.
    if path == "/assets/{id}/download-requests" || path == "/workspaces/{ws}/routing/explain" {
        return Scope::Read;
    }
    if path.ends_with("/comments") || under("/comments") || under("/notifications") {
        return Scope::Comment;
    }
    Scope::Write
}

/// Whether a request is about the whole server rather than one workspace (administration, the
/// user list, making a workspace): a token kept to one workspace may not make it.
pub fn server_wide(safe: bool, route: &str) -> bool {
    let path = route.strip_prefix("/api/v1").unwrap_or(route);
    let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
    under("/admin") || under("/users") || (!safe && path == "/workspaces")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_nest() {
        assert!(Scope::Admin.covers(Scope::Write) && Scope::Write.covers(Scope::Propose));
        assert!(Scope::Propose.covers(Scope::Comment) && Scope::Comment.covers(Scope::Read));
        assert!(!Scope::Read.covers(Scope::Comment) && !Scope::Propose.covers(Scope::Write));
        for s in Scope::ALL {
            assert_eq!(Scope::parse(s.as_str()).unwrap(), s);
        }
        assert_eq!(Scope::parse("delete").unwrap_err().code(), ErrorCode::InvalidScope);
    }

    #[test]
    fn a_list_asks_for_its_widest_scope() {
        assert_eq!(Scope::from_list(&["read"]).unwrap(), Scope::Read);
        assert_eq!(Scope::from_list(&["read", "propose", "comment"]).unwrap(), Scope::Propose);
        assert_eq!(Scope::from_list::<&str>(&[]).unwrap_err().code(), ErrorCode::InvalidScope);
        assert_eq!(Scope::from_list(&["read", "root"]).unwrap_err().code(), ErrorCode::InvalidScope);
    }

    #[test]
    fn reads_need_read_and_writes_need_write() {
        assert_eq!(required(true, "/api/v1/assets/{id}"), Scope::Read);
        assert_eq!(required(true, "/api/v1/workspaces/{ws}/search"), Scope::Read);
        assert_eq!(required(false, "/api/v1/assets/{id}"), Scope::Write);
        assert_eq!(required(false, "/api/v1/reviews/{id}/decisions"), Scope::Write);
        assert_eq!(required(false, "/api/v1/workspaces/{ws}/assets"), Scope::Write);
        assert_eq!(required(false, "/api/v1/proposals/{id}/accept"), Scope::Write);
    }

    #[test]
    fn comments_and_requests_need_less() {
        assert_eq!(required(false, "/api/v1/assets/{id}/versions/{n}/comments"), Scope::Comment);
        assert_eq!(required(false, "/api/v1/comments/{id}/resolve"), Scope::Comment);
        assert_eq!(required(false, "/api/v1/notifications/read-all"), Scope::Comment);
        assert_eq!(required(false, "/api/v1/assets/{id}/download-requests"), Scope::Read);
        assert_eq!(required(false, "/api/v1/workspaces/{ws}/routing/explain"), Scope::Read);
    }

    #[test]
    fn administration_needs_admin_even_to_read() {
        assert_eq!(required(true, "/api/v1/admin/tokens"), Scope::Admin);
        assert_eq!(required(true, "/api/v1/users"), Scope::Admin);
        assert_eq!(required(false, "/api/v1/users/{id}/disable"), Scope::Admin);
        assert_eq!(required(false, "/api/v1/tokens"), Scope::Admin);
        assert_eq!(required(false, "/api/v1/tokens/{id}"), Scope::Admin);
        assert_eq!(required(false, "/api/v1/workspaces/{ws}/members/{user_id}"), Scope::Admin);
        assert_eq!(required(false, "/api/v1/workspaces/{ws}/webhooks"), Scope::Admin);
        assert_eq!(required(false, "/api/v1/workspaces"), Scope::Admin);
        assert_eq!(required(true, "/api/v1/tokens"), Scope::Read);
        assert_eq!(required(true, "/api/v1/workspaces/{ws}/members"), Scope::Read);
    }

    #[test]
    fn server_wide_requests_are_named() {
        assert!(server_wide(true, "/api/v1/admin/tokens") && server_wide(false, "/api/v1/users/{id}/disable"));
        assert!(server_wide(false, "/api/v1/workspaces") && !server_wide(true, "/api/v1/workspaces"));
        assert!(!server_wide(false, "/api/v1/workspaces/{ws}/assets") && !server_wide(true, "/api/v1/assets/{id}"));
    }
}
