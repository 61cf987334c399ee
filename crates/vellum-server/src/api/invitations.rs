//! Invitations to a workspace: sent by owners and admins, accepted through the emailed link.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use vellum_core::invitations::{Accepted, InvitationView};
use vellum_domain::{role::Role, Timestamp};

use crate::{
    api::views::ErrorBody,
    auth::Authed,
    error::ApiResult,
    extract::{AppJson, RequestOrigin},
    AppState,
};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInvitation {
    #[schema(min_length = 3, max_length = 254)]
    email: String,
    /// `owner`, `admin`, `manager`, `creator`, `reviewer`, `collaborator`, `external` or `viewer`.
    #[schema(min_length = 1, max_length = 32)]
    role: String,
}

#[derive(Serialize, ToSchema)]
pub struct InvitationItem {
    id: Uuid,
    workspace_id: Uuid,
    email: String,
    #[schema(value_type = String)]
    role: Role,
    expires_at: Timestamp,
    accepted_at: Option<Timestamp>,
    /// Whether the link went out by email.
    emailed: bool,
    /// The link (a path of this server), only when the server sends no email.
    link: Option<String>,
}

impl From<InvitationView> for InvitationItem {
    fn from(i: InvitationView) -> Self {
        InvitationItem {
            id: i.id,
            workspace_id: i.workspace_id,
            email: i.email,
            role: i.role,
            expires_at: i.expires_at,
            accepted_at: i.accepted_at,
            emailed: i.emailed,
            link: i.link,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct InvitationList {
    invitations: Vec<InvitationItem>,
}

/// Invites someone by email with a role; they get a one-time sign-up link valid for 7 days.
#[utoipa::path(post, path = "/workspaces/{ws}/invitations", tag = "workspaces", operation_id = "invite",
    params(("ws" = String, Path, description = "Workspace id or slug")), request_body = NewInvitation,
    responses((status = 201, description = "Invited", body = InvitationItem)))]
pub async fn create(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
    AppJson(b): AppJson<NewInvitation>,
) -> ApiResult<(StatusCode, Json<InvitationItem>)> {
    Ok((StatusCode::CREATED, Json(s.core.invite(&a.actor, &ws, &b.email, &b.role).await?.into())))
}

/// A workspace's invitations, newest first.
#[utoipa::path(get, path = "/workspaces/{ws}/invitations", tag = "workspaces", operation_id = "list_invitations",
    params(("ws" = String, Path, description = "Workspace id or slug")),
    responses((status = 200, description = "The invitations", body = InvitationList)))]
pub async fn list(State(s): State<AppState>, a: Authed, Path(ws): Path<String>) -> ApiResult<Json<InvitationList>> {
    let invitations = s.core.invitations(&a.actor, &ws).await?.into_iter().map(Into::into).collect();
    Ok(Json(InvitationList { invitations }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptBody {
    /// The secret from the invitation link.
    #[schema(min_length = 1, max_length = 128)]
    token: String,
    /// Your name, for a new account.
    #[schema(max_length = 200)]
    name: Option<String>,
    /// A new password (new account), or your account's password (existing account).
    #[schema(min_length = 1, max_length = 1024)]
    password: String,
}

#[derive(Serialize, ToSchema)]
pub struct AcceptedView {
    user_id: Uuid,
    workspace_id: Uuid,
    workspace_slug: String,
    #[schema(value_type = String)]
    role: Role,
    new_account: bool,
}

impl From<Accepted> for AcceptedView {
    fn from(a: Accepted) -> Self {
        AcceptedView {
            user_id: a.user_id,
            workspace_id: a.workspace_id,
            workspace_slug: a.workspace_slug,
            role: a.role,
            new_account: a.new_account,
        }
    }
}

/// Accepts an invitation: makes the account (or joins with an existing one) and the
/// membership. Once, before the link expires.
#[utoipa::path(post, path = "/invitations/accept", tag = "workspaces", operation_id = "accept_invitation",
    request_body = AcceptBody, security(()),
    responses((status = 200, description = "Joined", body = AcceptedView),
        (status = 404, description = "No such invitation, or it was used or has expired", body = ErrorBody)))]
pub async fn accept(
    State(s): State<AppState>,
    RequestOrigin(origin): RequestOrigin,
    AppJson(b): AppJson<AcceptBody>,
) -> ApiResult<Json<AcceptedView>> {
    let (accepted, _) = s.core.accept_invitation(&origin, &b.token, b.name.as_deref(), &b.password).await?;
    Ok(Json(accepted.into()))
}
