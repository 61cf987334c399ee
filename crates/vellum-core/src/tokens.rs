//! API tokens: made with a scope, an optional workspace and an optional expiry; listed and
//! revoked by their holder or a server admin; and the caller a presented token stands for.

use std::time::Duration;

use serde::Serialize;
use serde_json::json;
use vellum_domain::{audit::AuditAction, id::new_id, scope::Scope, validate::Name, ErrorCode, Id, Timestamp};
use vellum_store::{
    model::{ApiToken, NewAuditEvent, User},
    users, Tx,
};

use crate::{
    access, record,
    secret::{random_token, token_hash},
    Actor, Core, Error, Origin, Result,
};

/// How often a token's last use is written down: a busy client must not write on every request.
const TOUCH_EVERY: Duration = Duration::from_secs(60);

/// The token a request came through, as far as permissions and the audit trail care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenUse {
    pub id: Id,
    pub scope: Scope,
}

/// A new API token: the secret is shown once.
#[derive(Debug, Clone, Serialize)]
pub struct NewToken {
    #[serde(flatten)]
    pub token: ApiToken,
    pub secret: String,
}

/// What a caller asks a new token to be.
#[derive(Debug, Clone, Default)]
pub struct TokenRequest<'a> {
    pub name: &'a str,
    /// None: the caller's own scope (everything, for a signed-in person).
    pub scope: Option<Scope>,
    /// A workspace id or slug the token is kept to.
    pub workspace: Option<&'a str>,
    pub expires_at: Option<Timestamp>,
}

impl Actor {
    /// What this caller may do at most: a token's scope, or everything for a session.
    pub fn scope(&self) -> Scope {
        self.origin.token.map_or(Scope::Admin, |t| t.scope)
    }

    /// Refuses (403 `insufficient_scope`) what the caller's token does not cover.
    pub fn require_scope(&self, needed: Scope) -> Result<()> {
        if self.scope().covers(needed) {
            return Ok(());
        }
        Err(Error::new(
            ErrorCode::InsufficientScope,
            format!("this token's scope ({}) does not cover this; it needs a token with scope {needed}", self.scope()),
        ))
    }
}

impl Core {
    /// Makes an API token for the actor; the secret is returned once and stored hashed. A token
    /// can only make tokens within its own scope and workspace.
    pub async fn create_token(&self, actor: &Actor, req: TokenRequest<'_>) -> Result<NewToken> {
        let name = Name::parse("the token name", req.name)?;
        let now = self.now();
        if req.expires_at.is_some_and(|t| t <= now) {
            return Err(Error::new(ErrorCode::InvalidExpiry, "expires_at must be in the future"));
        }
        let scope = req.scope.unwrap_or(actor.scope());
        if !actor.scope().covers(scope) {
            return Err(Error::new(
                ErrorCode::InsufficientScope,
                format!("a token with scope {} cannot make a token with scope {scope}", actor.scope()),
            ));
        }
        let mut tx = self.store.write().await?;
        let workspace_id = match req.workspace {
            Some(w) => Some(access::workspace(&mut tx, &actor.user, w).await?.workspace.id),
            None => actor.user.token_workspace,
        };
        let (token, secret) =
            issue(&mut tx, actor.user.id, name.into_inner(), scope, workspace_id, now, req.expires_at).await?;
        record(
            &mut tx,
            &actor.origin,
            Some(&actor.user),
            NewAuditEvent {
                object_id: Some(token.id.to_string()),
                after: Some(json!({
                    "name": token.name,
                    "scope": token.scope,
                    "workspace_id": token.workspace_id,
                    "expires_at": token.expires_at,
                })),
                ..NewAuditEvent::new(AuditAction::TokenCreate, "token")
            },
        )
        .await?;
        tx.commit().await?;
        Ok(NewToken { token, secret })
    }

    /// The actor's API tokens, newest first (never their secrets).
    pub async fn tokens(&self, actor: &Actor) -> Result<Vec<ApiToken>> {
        Ok(users::tokens_of(&mut *self.store.conn().await?, actor.user.id).await?)
    }

    /// Every API token of the server, newest first (server admins only).
    pub async fn all_tokens(&self, actor: &Actor) -> Result<Vec<ApiToken>> {
        crate::accounts::admins_only(actor, "list every token")?;
        Ok(users::all_tokens(&mut *self.store.conn().await?).await?)
    }

    /// Revokes a token: the actor's own, or anyone's for a server admin. Another user's token is
    /// not found for everyone else.
    pub async fn revoke_token(&self, actor: &Actor, id: Id) -> Result<()> {
        let mut tx = self.store.write().await?;
        let token = users::token_by_id(&mut tx, id)
            .await?
            .filter(|t| t.user_id == actor.user.id || actor.user.is_admin)
            .ok_or_else(|| Error::not_found("token"))?;
        users::delete_token(&mut tx, id).await?;
        record(
            &mut tx,
            &actor.origin,
            Some(&actor.user),
            NewAuditEvent {
                object_id: Some(id.to_string()),
                before: Some(json!({"name": token.name, "user_id": token.user_id, "scope": token.scope})),
                ..NewAuditEvent::new(AuditAction::TokenRevoke, "token")
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The caller a presented API token stands for, if it is unexpired and its user active: the
    /// user kept to the token's workspace, with the token in the origin so every change it makes
    /// is recorded with it. Notes the token's last use (at most once a minute).
    pub async fn token_actor(&self, secret: &str, origin: Origin) -> Result<Option<Actor>> {
        let now = self.now();
        let found = users::user_by_token(&mut *self.store.conn().await?, &token_hash(secret), now).await?;
        let Some((user, token)) = found else { return Ok(None) };
        let stale =
            token.last_used_at.is_none_or(|t| t.unix_seconds() + TOUCH_EVERY.as_secs() as i64 <= now.unix_seconds());
        if stale {
            let mut tx = self.store.write().await?;
            users::touch_token(&mut tx, token.id, now, origin.ip.as_deref(), TOUCH_EVERY).await?;
            tx.commit().await?;
        }
        Ok(Some(through(user, &token, origin)))
    }
}

/// The caller acting through a token: the user kept to the token's workspace, and the token in
/// the origin, so every change it makes is recorded with it.
pub(crate) fn through(mut user: User, token: &ApiToken, mut origin: Origin) -> Actor {
    user.token_workspace = token.workspace_id;
    origin.token = Some(TokenUse { id: token.id, scope: token.scope });
    Actor { user, origin }
}

/// Makes and stores a token (its secret stored only as a hash); answers the row and the secret.
pub(crate) async fn issue(
    tx: &mut Tx,
    user_id: Id,
    name: String,
    scope: Scope,
    workspace_id: Option<Id>,
    now: Timestamp,
    expires_at: Option<Timestamp>,
) -> Result<(ApiToken, String)> {
    let secret = random_token("vlm_")?;
    let token = ApiToken {
        id: new_id(),
        user_id,
        name,
        scope,
        workspace_id,
        created_at: now,
        expires_at,
        last_used_at: None,
        last_ip: None,
    };
    users::insert_token(&mut *tx, &token, &token_hash(&secret)).await?;
    Ok((token, secret))
}
