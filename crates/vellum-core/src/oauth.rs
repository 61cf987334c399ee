//! OAuth 2.0 clients for servers (a CMS, an email platform): a server admin registers one with a
//! scope, a workspace and a role; it acts as a service account of its own (a user of kind
//! `service`, a member of that workspace with that role) and trades its credentials for
//! short-lived access tokens with the client-credentials grant.

use serde_json::json;
use vellum_domain::{audit::AuditAction, id::new_id, role::Role, scope::Scope, validate::Name, ErrorCode, Id};
pub use vellum_store::oauth_clients::OAuthClient;
use vellum_store::{
    model::{NewAuditEvent, User, UserKind},
    oauth_clients, users, workspaces,
};

use crate::{
    accounts::admins_only,
    record,
    secret::{random_token, same, token_hash},
    Actor, Core, Error, Result,
};

/// How long an access token from the token endpoint works.
pub const ACCESS_TOKEN_SECS: i64 = 3600;

/// A newly registered client: its secret is shown once.
#[derive(Debug, Clone)]
pub struct NewClient {
    pub client: OAuthClient,
    pub secret: String,
    pub role: Role,
}

/// An access token issued to a client.
#[derive(Debug, Clone)]
pub struct AccessToken {
    pub token: String,
    pub expires_in: i64,
    pub scope: Scope,
}

/// The one refusal for a wrong client id or secret, so neither is confirmed to a guesser.
fn invalid_client() -> Error {
    Error::new(ErrorCode::Unauthenticated, "the client id or secret is wrong, or the client was revoked")
}

impl Core {
    /// Registers an OAuth client acting in `workspace` (id or slug) with `role`, its tokens
    /// limited to `scope`.
    pub async fn create_oauth_client(
        &self,
        actor: &Actor,
        name: &str,
        scope: Scope,
        workspace: &str,
        role: Role,
    ) -> Result<NewClient> {
        admins_only(actor, "manage OAuth clients")?;
        let name = Name::parse("the client name", name)?.into_inner();
        let now = self.now();
        let mut tx = self.store.write().await?;
        let ws = workspaces::by_reference(&mut tx, workspace).await?.ok_or_else(|| Error::not_found("workspace"))?;
        let id = new_id();
        let account = User {
            id: new_id(),
            email: format!("{}@clients.invalid", id.simple()),
            name: format!("{name} (service)"),
            is_admin: false,
            created_at: now,
            disabled_at: None,
            // No password: nobody signs in as a service account.
            password_hash: String::new(),
            token_workspace: None,
            kind: UserKind::Service,
        };
        users::insert(&mut tx, &account).await?;
        workspaces::set_role(&mut tx, ws.id, account.id, role, now).await?;
        let secret = random_token("vcs_")?;
        let client = OAuthClient {
            id,
            name,
            user_id: account.id,
            scope,
            workspace_id: ws.id,
            created_by: actor.user.id,
            created_at: now,
            revoked_at: None,
        };
        oauth_clients::insert(&mut tx, &client, &token_hash(&secret)).await?;
        record(
            &mut tx,
            &actor.origin,
            Some(&actor.user),
            NewAuditEvent {
                object_id: Some(client.id.to_string()),
                after: Some(json!({"name": client.name, "scope": scope, "workspace_id": ws.id, "role": role,
                    "service_user_id": account.id})),
                ..NewAuditEvent::new(AuditAction::OauthClientCreate, "oauth_client")
            },
        )
        .await?;
        tx.commit().await?;
        Ok(NewClient { client, secret, role })
    }

    /// Every OAuth client, with its service account's role (server admins only).
    pub async fn oauth_clients(&self, actor: &Actor) -> Result<Vec<(OAuthClient, Option<Role>)>> {
        admins_only(actor, "manage OAuth clients")?;
        let mut c = self.store.conn().await?;
        let mut out = Vec::new();
        for k in oauth_clients::list(&mut c).await? {
            let role = workspaces::role_of(&mut c, k.workspace_id, k.user_id).await?;
            out.push((k, role));
        }
        Ok(out)
    }

    /// Revokes a client: its service account is disabled and its tokens end at once.
    pub async fn revoke_oauth_client(&self, actor: &Actor, id: Id) -> Result<()> {
        admins_only(actor, "manage OAuth clients")?;
        let now = self.now();
        let mut tx = self.store.write().await?;
        let (client, _) =
            oauth_clients::with_secret(&mut tx, id).await?.ok_or_else(|| Error::not_found("OAuth client"))?;
        if !oauth_clients::revoke(&mut tx, id, now).await? {
            return Err(Error::not_found("OAuth client"));
        }
        users::set_disabled(&mut tx, client.user_id, Some(now)).await?;
        let tokens = users::delete_tokens_of(&mut tx, client.user_id).await?;
        record(
            &mut tx,
            &actor.origin,
            Some(&actor.user),
            NewAuditEvent {
                object_id: Some(id.to_string()),
                after: Some(json!({"tokens_revoked": tokens})),
                ..NewAuditEvent::new(AuditAction::OauthClientRevoke, "oauth_client")
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The client-credentials grant: a short-lived access token for a live client whose secret
    /// matches (compared in constant time), with the client's scope or a narrower one asked for
    /// (`scope`, space-separated as OAuth writes it), kept to the client's workspace.
    pub async fn client_credentials(&self, client_id: &str, secret: &str, scope: Option<&str>) -> Result<AccessToken> {
        let id = vellum_domain::id::parse_id(client_id.trim()).ok_or_else(invalid_client)?;
        let mut tx = self.store.write().await?;
        let (client, hash) = oauth_clients::with_secret(&mut tx, id).await?.ok_or_else(invalid_client)?;
        if !same(&token_hash(secret), &hash) || client.revoked_at.is_some() {
            return Err(invalid_client());
        }
        let account = users::by_id(&mut tx, client.user_id).await?.filter(|u| u.disabled_at.is_none());
        let account = account.ok_or_else(invalid_client)?;
        let granted = match scope.map(str::split_whitespace) {
            Some(asked) => {
                let asked: Vec<&str> = asked.collect();
                let wanted = Scope::from_list(&asked)?;
                if !client.scope.covers(wanted) {
                    return Err(Error::new(
                        ErrorCode::InvalidScope,
                        format!("this client may ask for at most scope {}", client.scope),
                    ));
                }
                wanted
            }
            None => client.scope,
        };
        let now = self.now();
        let expires = Some(now.plus_secs(ACCESS_TOKEN_SECS));
        let name = format!("OAuth: {}", client.name);
        let (_, token) =
            crate::tokens::issue(&mut tx, account.id, name, granted, Some(client.workspace_id), now, expires).await?;
        tx.commit().await?;
        Ok(AccessToken { token, expires_in: ACCESS_TOKEN_SECS, scope: granted })
    }
}
