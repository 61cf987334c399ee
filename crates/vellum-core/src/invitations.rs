//! Self-service by email: invitations to a workspace (a one-time sign-up link; accepting
//! makes the member), and password-reset links anyone may ask for — answered the same
//! whether or not the account exists, and throttled.

use serde::Serialize;
use serde_json::json;
use vellum_domain::{
    audit::AuditAction,
    id::new_id,
    role::{Capability, Role},
    throttle::Policy,
    validate::{Email, Name},
    ErrorCode, Id, Timestamp,
};
use vellum_store::{
    emails::{self, NewEmail},
    invitations::{self, Invitation},
    model::{NewAuditEvent, User},
    users, workspaces,
};

use crate::{
    access,
    auth::NewUser,
    record,
    secret::{random_token, token_hash},
    Actor, Core, Error, Origin, Result,
};

/// How long an invitation link works.
pub const INVITATION_DAYS: i64 = 7;

/// An invitation as the inviting admin sees it.
#[derive(Debug, Clone, Serialize)]
pub struct InvitationView {
    pub id: Id,
    pub workspace_id: Id,
    pub email: String,
    pub role: Role,
    pub expires_at: Timestamp,
    pub accepted_at: Option<Timestamp>,
    /// Whether the link went out by email.
    pub emailed: bool,
    /// The link itself, only when the server sends no email (the admin passes it on).
    pub link: Option<String>,
}

fn view(i: &Invitation, emailed: bool, link: Option<String>) -> InvitationView {
    InvitationView {
        id: i.id,
        workspace_id: i.workspace_id,
        email: i.email.clone(),
        role: i.role,
        expires_at: i.expires_at,
        accepted_at: i.accepted_at,
        emailed,
        link,
    }
}

/// What accepting an invitation made.
#[derive(Debug, Clone, Serialize)]
pub struct Accepted {
    pub user_id: Id,
    pub workspace_id: Id,
    pub workspace_slug: String,
    pub role: Role,
    /// Whether a new account was created (else an existing one joined).
    pub new_account: bool,
}

/// Who accepts an invitation: someone with an account, or a new one to make.
enum Joining {
    Existing(User),
    New(NewUser),
}

/// One key per address asking and one per email asked for.
const RESET_ADDRESS: Policy = Policy { free: 10, max_delay_secs: 60 * 60, forget_after_secs: 60 * 60 };
const RESET_EMAIL: Policy = Policy { free: 3, max_delay_secs: 60 * 60, forget_after_secs: 60 * 60 };

pub(crate) fn link_email(
    core: &Core,
    to: &str,
    key: String,
    subject: String,
    lead: &str,
    url: &str,
    (expires, once): (Timestamp, bool),
) -> NewEmail {
    use vellum_domain::mail::escape_html;
    let works = if once { "works once" } else { "works" };
    let text =
        format!("{lead}\n\n{url}\n\nThe link {works}, until {expires}.\n\n--\nVellum at {}\n", core.notify.public_url);
    let html = format!(
        "<!doctype html><html><body style=\"font-family:sans-serif\"><p>{}</p><p><a href=\"{u}\">{u}</a></p><p>The \
         link {works}, until {expires}.</p></body></html>",
        escape_html(lead),
        u = escape_html(url),
    );
    NewEmail { unique_key: key, user_id: None, to: to.to_string(), subject, text, html }
}

impl Core {
    /// Invites an email address to a workspace with a role (owners and admins; only an owner
    /// invites an owner). The link is emailed, or returned when the server sends no email.
    pub async fn invite(&self, actor: &Actor, ws: &str, email: &str, role: &str) -> Result<InvitationView> {
        let email = Email::parse(email)?.into_inner();
        let role = Role::parse(role)?;
        let token = random_token("inv_")?;
        let now = self.now();
        let mut tx = self.store.write().await?;
        let access = access::workspace(&mut tx, &actor.user, ws).await?;
        access.require(Capability::Administer)?;
        if role == Role::Owner && access.role != Role::Owner {
            return Err(Error::forbidden("only an owner may invite an owner"));
        }
        if let Some(u) = users::by_email(&mut tx, &email).await? {
            if workspaces::role_of(&mut tx, access.workspace.id, u.id).await?.is_some() {
                return Err(Error::new(ErrorCode::Conflict, format!("{email} is already a member of this workspace")));
            }
        }
        let inv = Invitation {
            id: new_id(),
            workspace_id: access.workspace.id,
            email: email.clone(),
            role,
            invited_by: actor.user.id,
            created_at: now,
            expires_at: now.plus_secs(INVITATION_DAYS * 24 * 3600),
            accepted_at: None,
        };
        invitations::insert(&mut tx, &inv, &token_hash(&token)).await?;
        let path = format!("/invitations/{token}");
        let emailed = self.notify.smtp.is_some();
        if emailed {
            let url = format!("{}{path}", self.notify.public_url);
            let lead = format!(
                "{} invited you to the workspace {} on Vellum as {}. Open this link to join:",
                actor.user.name,
                access.workspace.name,
                role.as_str()
            );
            let subject = format!("You are invited to {} on Vellum", access.workspace.name);
            let mail = link_email(
                self,
                &email,
                format!("invitation:{}", inv.id),
                subject,
                &lead,
                &url,
                (inv.expires_at, true),
            );
            emails::enqueue(&mut tx, &mail, now).await?;
            crate::events::queue_senders(&mut tx, &format!("notify:invitation:{}", inv.id)).await?;
        }
        record(
            &mut tx,
            &actor.origin,
            Some(&actor.user),
            NewAuditEvent {
                workspace_id: Some(access.workspace.id),
                object_id: Some(inv.id.to_string()),
                after: Some(json!({"email": email, "role": role, "expires_at": inv.expires_at})),
                ..NewAuditEvent::new(AuditAction::InvitationCreate, "invitation")
            },
        )
        .await?;
        tx.commit().await?;
        self.wake.notify_waiters();
        Ok(view(&inv, emailed, (!emailed).then_some(path)))
    }

    /// A workspace's invitations (owners and admins), newest first.
    pub async fn invitations(&self, actor: &Actor, ws: &str) -> Result<Vec<InvitationView>> {
        let mut c = self.store.conn().await?;
        let access = access::workspace(&mut c, &actor.user, ws).await?;
        access.require(Capability::Administer)?;
        Ok(invitations::of_workspace(&mut c, access.workspace.id).await?.iter().map(|i| view(i, true, None)).collect())
    }

    /// The open invitation a link's token names (for the sign-up page): its email, role and
    /// workspace name, and whether the email already has an account.
    pub async fn open_invitation(&self, token: &str) -> Result<(Invitation, String, bool)> {
        let mut c = self.store.conn().await?;
        let gone = || Error::not_found("invitation (it may have been used or have expired)");
        let inv = invitations::by_token(&mut c, &token_hash(token)).await?.ok_or_else(gone)?;
        if inv.accepted_at.is_some() || inv.expires_at <= self.now() {
            return Err(gone());
        }
        let ws = workspaces::by_id(&mut c, inv.workspace_id).await?.ok_or_else(gone)?;
        let has_account = users::by_email(&mut c, &inv.email).await?.is_some();
        Ok((inv, ws.name, has_account))
    }

    /// Accepts an invitation: a new account is made with `name` and `password`, or an
    /// existing one (its password proves it) joins. Once, before it expires.
    pub async fn accept_invitation(
        &self,
        origin: &Origin,
        token: &str,
        name: Option<&str>,
        password: &str,
    ) -> Result<(Accepted, User)> {
        let (inv, _, has_account) = self.open_invitation(token).await?;
        let now = self.now();
        let joining = if has_account {
            // The sign-in check, throttle and all: an invitation link is no way around it.
            let user = self
                .check_credentials(origin, &inv.email, password, crate::second_factor::SecondStep::NotAsked)
                .await
                .map_err(|e| match e.code() {
                    ErrorCode::InvalidCredentials => Error::new(
                        ErrorCode::InvalidCredentials,
                        format!("{} already has an account: enter its password to join", inv.email),
                    ),
                    _ => e,
                })?;
            Joining::Existing(user)
        } else {
            let name = Name::parse("the name", name.unwrap_or(""))
                .map_err(|_| Error::new(ErrorCode::InvalidInvitation, "give your name to make the account"))?;
            Joining::New(NewUser::check(&inv.email, name.as_str(), password, false, now).await?)
        };
        let new_account = matches!(joining, Joining::New(_));
        let mut tx = self.store.write().await?;
        let user = match joining {
            Joining::New(n) => n.insert_invited(&mut tx, origin, inv.id).await?,
            Joining::Existing(u) => u,
        };
        // The account first (the invitation names who accepted it); a used or expired
        // invitation rolls it all back.
        if !invitations::accept(&mut tx, inv.id, user.id, now).await? {
            return Err(Error::not_found("invitation (it may have been used or have expired)"));
        }
        // Someone already a member (added meanwhile) keeps the role they have.
        let role = match workspaces::role_of(&mut tx, inv.workspace_id, user.id).await? {
            Some(r) => r,
            None => {
                workspaces::set_role(&mut tx, inv.workspace_id, user.id, inv.role, now).await?;
                inv.role
            }
        };
        record(
            &mut tx,
            origin,
            Some(&user),
            NewAuditEvent {
                workspace_id: Some(inv.workspace_id),
                object_id: Some(inv.id.to_string()),
                after: Some(json!({"user_id": user.id, "email": inv.email, "role": role, "new_account": new_account})),
                ..NewAuditEvent::new(AuditAction::InvitationAccept, "invitation")
            },
        )
        .await?;
        let ws = workspaces::by_id(&mut tx, inv.workspace_id).await?.ok_or_else(|| Error::not_found("workspace"))?;
        tx.commit().await?;
        let accepted = Accepted { user_id: user.id, workspace_id: ws.id, workspace_slug: ws.slug, role, new_account };
        Ok((accepted, user))
    }

    /// Emails a password-reset link when `email` has an active account. The answer is the same
    /// either way; asking too often for one email or from one address is refused for a while.
    pub async fn request_password_reset(&self, origin: &Origin, email: &str) -> Result<()> {
        // Only the form of the address is checked: whether an account has it stays unsaid.
        let email = Email::parse(email)?.into_inner().to_lowercase();
        let now = self.now();
        let keys = [
            (format!("reset-address:{}", origin.ip.as_deref().unwrap_or("unknown")), RESET_ADDRESS),
            (format!("reset-email:{email}"), RESET_EMAIL),
        ];
        let mut tx = self.store.write().await?;
        crate::attempts::check(&mut tx, &keys, now).await?;
        crate::attempts::failed(&mut tx, &keys, now).await?;
        let user = users::by_email(&mut tx, &email).await?.filter(|u| u.disabled_at.is_none());
        if let (Some(user), Some(_)) = (user, &self.notify.smtp) {
            let token = random_token("reset_")?;
            let expires = now.plus_hours(crate::accounts::RESET_HOURS);
            users::insert_password_reset(&mut tx, &token_hash(&token), user.id, user.id, now, expires).await?;
            let url = format!("{}/reset-password?token={token}", self.notify.public_url);
            let lead =
                "Someone (hopefully you) asked to reset your Vellum password. Open this link to choose a new one; \
                        if it was not you, ignore this email and nothing changes:";
            let key = format!("reset:{}", token_hash(&token));
            let mail =
                link_email(self, &user.email, key, "Reset your Vellum password".into(), lead, &url, (expires, true));
            emails::enqueue(&mut tx, &mail, now).await?;
            crate::events::queue_senders(&mut tx, &format!("notify:{}", mail.unique_key)).await?;
            record(
                &mut tx,
                origin,
                None,
                NewAuditEvent {
                    object_id: Some(user.id.to_string()),
                    after: Some(json!({"expires_at": expires})),
                    ..NewAuditEvent::new(AuditAction::PasswordResetRequest, "user")
                },
            )
            .await?;
        }
        tx.commit().await?;
        self.wake.notify_waiters();
        Ok(())
    }
}
