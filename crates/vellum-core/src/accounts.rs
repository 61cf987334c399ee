//! Account lifecycle: disabling and enabling users, changing and resetting passwords, and API
//! tokens (listed, revoked, optionally expiring). Every change is audited on the server chain.

use serde::Serialize;
use serde_json::json;
use vellum_domain::audit::AuditAction;
use vellum_domain::ErrorCode;
use vellum_domain::{validate::check_password, Id, Timestamp};
use vellum_store::{
    model::{NewAuditEvent, User},
    users, Tx,
};

use crate::{
    auth::{hash_password, verify_password},
    record,
    secret::{random_token, token_hash},
    Actor, Core, Error, Result,
};

/// How long a password-reset link works.
pub const RESET_HOURS: u32 = 24;

/// A one-time link that lets a user choose a new password.
#[derive(Debug, Clone, Serialize)]
pub struct ResetLink {
    /// The path to open (prefix it with the server's address); holds the one-time secret.
    pub link: String,
    pub expires_at: Timestamp,
}

fn user_event(action: AuditAction, user: Id, after: serde_json::Value) -> NewAuditEvent {
    NewAuditEvent { object_id: Some(user.to_string()), after: Some(after), ..NewAuditEvent::new(action, "user") }
}

/// Refuses (403) anyone but a server admin; `what` completes "only server admins may …".
pub(crate) fn admins_only(actor: &Actor, what: &str) -> Result<()> {
    if actor.user.is_admin {
        Ok(())
    } else {
        Err(Error::forbidden(format!("only server admins may {what}")))
    }
}

async fn user_for_admin(tx: &mut Tx, id: Id) -> Result<User> {
    users::by_id(tx, id).await?.ok_or_else(|| Error::not_found("user"))
}

impl Core {
    /// Disables an account (server admins): its sessions end and its tokens are revoked at
    /// once, and it cannot sign in until enabled. Not oneself, and not the last active admin.
    pub async fn disable_user(&self, actor: &Actor, id: Id) -> Result<User> {
        admins_only(actor, "disable users")?;
        if id == actor.user.id {
            return Err(Error::new(ErrorCode::CannotDisableSelf, "you cannot disable your own account"));
        }
        let mut tx = self.store.write().await?;
        let mut user = user_for_admin(&mut tx, id).await?;
        if user.disabled_at.is_some() {
            return Ok(user);
        }
        if user.is_admin && users::count_active_admins(&mut tx).await? <= 1 {
            return Err(Error::new(ErrorCode::LastAdmin, "the server must keep at least one active admin"));
        }
        let now = self.now();
        users::set_disabled(&mut tx, id, Some(now)).await?;
        let sessions = users::delete_sessions_of(&mut tx, id, None).await?;
        let tokens = users::delete_tokens_of(&mut tx, id).await?;
        let event =
            user_event(AuditAction::UserDisable, id, json!({"sessions_ended": sessions, "tokens_revoked": tokens}));
        record(&mut tx, &actor.origin, Some(&actor.user), event).await?;
        tx.commit().await?;
        user.disabled_at = Some(now);
        Ok(user)
    }

    /// Enables a disabled account again (server admins). Its old tokens stay revoked.
    pub async fn enable_user(&self, actor: &Actor, id: Id) -> Result<User> {
        admins_only(actor, "enable users")?;
        let mut tx = self.store.write().await?;
        let mut user = user_for_admin(&mut tx, id).await?;
        if user.disabled_at.is_none() {
            return Ok(user);
        }
        users::set_disabled(&mut tx, id, None).await?;
        record(&mut tx, &actor.origin, Some(&actor.user), user_event(AuditAction::UserEnable, id, json!({}))).await?;
        tx.commit().await?;
        user.disabled_at = None;
        Ok(user)
    }

    /// Changes the actor's own password after checking the current one. Every other browser
    /// session of theirs ends (`keep` is the hashed session to keep, when signed in by cookie).
    pub async fn change_password(&self, actor: &Actor, current: &str, new: &str, keep: Option<&str>) -> Result<()> {
        if !verify_password(current, &actor.user.password_hash).await {
            return Err(Error::new(ErrorCode::WrongPassword, "the current password is wrong"));
        }
        check_password(new, &[&actor.user.email, &actor.user.name])?;
        let hash = hash_password(new).await?;
        let mut tx = self.store.write().await?;
        users::set_password_hash(&mut tx, actor.user.id, &hash).await?;
        let ended = users::delete_sessions_of(&mut tx, actor.user.id, keep).await?;
        let event = user_event(AuditAction::UserPasswordChange, actor.user.id, json!({"other_sessions_ended": ended}));
        record(&mut tx, &actor.origin, Some(&actor.user), event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Makes a one-time password-reset link for a user (server admins), valid for a day; not
    /// while the server signs people in through single sign-on only.
    pub async fn password_reset_link(&self, actor: &Actor, id: Id) -> Result<ResetLink> {
        admins_only(actor, "make password-reset links")?;
        let token = random_token("reset_")?;
        let now = self.now();
        let expires_at = now.plus_hours(RESET_HOURS);
        let mut tx = self.store.write().await?;
        self.require_passwords_allowed(&mut tx).await?;
        let user = user_for_admin(&mut tx, id).await?;
        users::insert_password_reset(&mut tx, &token_hash(&token), user.id, actor.user.id, now, expires_at).await?;
        let event = user_event(AuditAction::UserPasswordResetLink, user.id, json!({"expires_at": expires_at}));
        record(&mut tx, &actor.origin, Some(&actor.user), event).await?;
        tx.commit().await?;
        Ok(ResetLink { link: format!("/reset-password?token={token}"), expires_at })
    }

    /// Whether a reset link can still be used.
    pub async fn reset_link_open(&self, token: &str) -> Result<bool> {
        Ok(users::password_reset_open(&mut *self.store.conn().await?, &token_hash(token), self.now()).await?)
    }

    /// Sets a new password through a reset link (once, before it expires); every session of
    /// the user ends. A link made before passwords were turned off no longer works.
    pub async fn reset_password(&self, origin: &crate::Origin, token: &str, new: &str) -> Result<()> {
        let gone = || Error::not_found("password-reset link (it may have been used or have expired)");
        let pending = {
            let mut c = self.store.conn().await?;
            self.require_passwords_allowed(&mut c).await?;
            if !users::password_reset_open(&mut c, &token_hash(token), self.now()).await? {
                return Err(gone());
            }
            users::password_reset_user(&mut c, &token_hash(token)).await?.ok_or_else(gone)?
        };
        let user = users::by_id(&mut *self.store.conn().await?, pending).await?.ok_or_else(gone)?;
        check_password(new, &[&user.email, &user.name])?;
        let hash = hash_password(new).await?;
        let mut tx = self.store.write().await?;
        let id = users::take_password_reset(&mut tx, &token_hash(token), self.now()).await?.ok_or_else(gone)?;
        users::set_password_hash(&mut tx, id, &hash).await?;
        let ended = users::delete_sessions_of(&mut tx, id, None).await?;
        record(
            &mut tx,
            origin,
            Some(&user),
            user_event(AuditAction::UserPasswordReset, id, json!({"sessions_ended": ended})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
