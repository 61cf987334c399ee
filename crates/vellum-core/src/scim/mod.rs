//! SCIM 2.0 provisioning (RFC 7643/7644): a directory creates, changes and deactivates
//! accounts and keeps groups, authenticated by the server's one SCIM token (stored hashed).
//! Deactivating an account ends its sessions and tokens at once; group changes make rule-granted
//! memberships and linked workspace groups follow. Resources are rendered here as SCIM JSON
//! because a PATCH is applied to that form.

pub mod groups;
pub mod users;

use serde_json::json;
use vellum_domain::{audit::AuditAction, ErrorCode};
use vellum_store::{model::NewAuditEvent, users as user_rows};

use crate::{
    accounts::admins_only,
    record,
    secret::{random_token, same, token_hash},
    Actor, Core, Error, Origin, Result,
};

const TOKEN_SETTING: &str = "scim_token_hash";

/// A directory calling with the SCIM token.
#[derive(Debug, Clone)]
pub struct Directory {
    pub origin: Origin,
}

fn conflict(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::Conflict, message)
}

impl Core {
    /// Makes the server's SCIM token, replacing any earlier one (server admins); shown once.
    pub async fn new_scim_token(&self, actor: &Actor) -> Result<String> {
        admins_only(actor, "make the SCIM token")?;
        let token = random_token("vscim_")?;
        let mut tx = self.store.write().await?;
        let replaced = user_rows::setting(&mut tx, TOKEN_SETTING).await?.is_some();
        user_rows::set_setting(&mut tx, TOKEN_SETTING, &token_hash(&token)).await?;
        let event = NewAuditEvent {
            after: Some(json!({"replaced": replaced})),
            ..NewAuditEvent::new(AuditAction::ScimTokenCreate, "settings")
        };
        record(&mut tx, &actor.origin, Some(&actor.user), event).await?;
        tx.commit().await?;
        Ok(token)
    }

    /// The directory behind a bearer token, if it is the SCIM token.
    pub async fn directory(&self, bearer: Option<&str>, origin: Origin) -> Result<Directory> {
        let refused =
            || Error::new(ErrorCode::Unauthenticated, "SCIM requests need the server's SCIM token as a bearer token");
        let bearer = bearer.filter(|b| !b.is_empty()).ok_or_else(refused)?;
        let stored = user_rows::setting(&mut *self.store.conn().await?, TOKEN_SETTING).await?.ok_or_else(refused)?;
        if !same(&token_hash(bearer), &stored) {
            return Err(refused());
        }
        Ok(Directory { origin })
    }
}
