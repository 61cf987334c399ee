//! Users, password hashing and the first-run setup.

use argon2::{
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use serde_json::json;
use vellum_domain::audit::AuditAction;
use vellum_domain::ErrorCode;
use vellum_domain::{
    id::new_id,
    validate::{check_password, Email, Name},
    Timestamp,
};
use vellum_store::{
    model::{NewAuditEvent, User},
    users, Tx,
};

use crate::{
    record,
    secret::{random_token, token_hash},
    Actor, Core, Error, Origin, Result,
};

const SETUP_TOKEN: &str = "setup_token_hash";

fn internal(e: impl std::fmt::Display) -> Error {
    Error::new(ErrorCode::Internal, e.to_string())
}

/// Hashes a password with argon2id on a blocking thread (it is deliberately slow).
pub async fn hash_password(password: &str) -> Result<String> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        getrandom::getrandom(&mut salt).map_err(internal)?;
        let salt = SaltString::encode_b64(&salt).map_err(internal)?;
        Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(internal)
    })
    .await
    .map_err(internal)?
}

pub(crate) async fn verify_password(password: &str, hash: &str) -> bool {
    let (password, hash) = (password.to_string(), hash.to_string());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
    })
    .await
    .unwrap_or(false)
}

/// A hash to verify against when the email is unknown, so timing does not reveal accounts.
pub(crate) const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3Gx4XcqSbyHnquaJFZPkSqxJyqZ4hUOQI9HbEn3ZuY0";

/// A user to create, checked and with the password already hashed.
pub(crate) struct NewUser {
    user: User,
}

impl NewUser {
    pub(crate) async fn check(email: &str, name: &str, password: &str, is_admin: bool, now: Timestamp) -> Result<Self> {
        let email = Email::parse(email)?;
        let name = Name::parse("the name", name)?;
        check_password(password, &[email.as_str(), name.as_str()])?;
        Ok(NewUser {
            user: User {
                id: new_id(),
                email: email.into_inner(),
                name: name.into_inner(),
                is_admin,
                created_at: now,
                disabled_at: None,
                password_hash: hash_password(password).await?,
                token_workspace: None,
                kind: Default::default(),
            },
        })
    }

    /// Inserts the user and records it, inside the caller's transaction.
    async fn insert(self, tx: &mut Tx, origin: &Origin, by: Option<&User>) -> Result<User> {
        self.insert_noting(tx, origin, by, None).await
    }

    /// Inserts a user who signed up through an invitation; they are the actor of their own
    /// creation, and the record names the invitation.
    pub(crate) async fn insert_invited(
        self,
        tx: &mut Tx,
        origin: &Origin,
        invitation: vellum_domain::Id,
    ) -> Result<User> {
        let me = self.user.clone();
        self.insert_noting(tx, origin, Some(&me), Some(invitation)).await
    }

    async fn insert_noting(
        self,
        tx: &mut Tx,
        origin: &Origin,
        by: Option<&User>,
        invitation: Option<vellum_domain::Id>,
    ) -> Result<User> {
        let user = self.user;
        users::insert(tx, &user).await.map_err(|e| match e {
            vellum_store::Error::Conflict(_) => {
                Error::new(ErrorCode::EmailTaken, format!("a user with the email {} already exists", user.email))
            }
            e => e.into(),
        })?;
        record(
            tx,
            origin,
            by,
            NewAuditEvent {
                object_id: Some(user.id.to_string()),
                after: Some(match invitation {
                    None => json!({"email": user.email, "name": user.name, "is_admin": user.is_admin}),
                    Some(i) => {
                        json!({"email": user.email, "name": user.name, "is_admin": user.is_admin, "invitation": i})
                    }
                }),
                ..NewAuditEvent::new(AuditAction::UserCreate, "user")
            },
        )
        .await?;
        Ok(user)
    }
}

impl Core {
    /// Creates a user; `by` is the server admin doing it.
    pub async fn create_user(
        &self,
        by: &Actor,
        email: &str,
        name: &str,
        password: &str,
        is_admin: bool,
    ) -> Result<User> {
        if !by.user.is_admin {
            return Err(Error::forbidden("only server admins may create users"));
        }
        let new = NewUser::check(email, name, password, is_admin, self.now()).await?;
        let mut tx = self.store.write().await?;
        let user = new.insert(&mut tx, &by.origin, Some(&by.user)).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Creates the first admin when the server has no users yet; otherwise does nothing.
    pub async fn bootstrap_admin(&self, email: &str, password: &str) -> Result<Option<User>> {
        if users::count(&mut *self.store.conn().await?).await? > 0 {
            return Ok(None);
        }
        let new = NewUser::check(email, "Administrator", password, true, self.now()).await?;
        let mut tx = self.store.write().await?;
        // Counted again under a lock: two nodes starting together make one admin.
        users::lock_for_bootstrap(&mut tx).await?;
        if users::count(&mut tx).await? > 0 {
            return Ok(None);
        }
        let user = new.insert(&mut tx, &Origin::default(), None).await?;
        tx.commit().await?;
        Ok(Some(user))
    }

    /// With no users, makes a one-time setup secret (stored hashed) and returns it.
    pub async fn setup_token(&self) -> Result<Option<String>> {
        let mut tx = self.store.write().await?;
        if users::count(&mut tx).await? > 0 {
            return Ok(None);
        }
        let token = random_token("setup_")?;
        users::set_setting(&mut tx, SETUP_TOKEN, &token_hash(&token)).await?;
        tx.commit().await?;
        Ok(Some(token))
    }

    /// Whether first-run setup is still open.
    pub async fn needs_setup(&self) -> Result<bool> {
        Ok(users::count(&mut *self.store.conn().await?).await? == 0)
    }

    /// Completes first-run setup with the one-time secret: creates the first admin. Of several
    /// simultaneous attempts exactly one succeeds: the secret is taken (deleted only while it
    /// is still there) in the transaction that creates the admin.
    pub async fn complete_setup(&self, token: &str, email: &str, name: &str, password: &str) -> Result<User> {
        let new = NewUser::check(email, name, password, true, self.now()).await?;
        let mut tx = self.store.write().await?;
        users::lock_for_bootstrap(&mut tx).await?;
        if !users::take_setting(&mut tx, SETUP_TOKEN, &token_hash(token)).await? || users::count(&mut tx).await? > 0 {
            return Err(Error::not_found("setup link"));
        }
        let user = new.insert(&mut tx, &Origin::default(), None).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// The user a command-line tool acts as: the named user, or else the first owner of the
    /// workspace. The operator running the CLI already holds the database.
    pub async fn cli_actor(&self, email: Option<&str>, workspace: &str) -> Result<Actor> {
        let mut c = self.store.conn().await?;
        let user = match email {
            Some(e) => {
                users::by_email(&mut c, &e.trim().to_lowercase()).await?.ok_or_else(|| Error::not_found("user"))?
            }
            None => {
                let ws = vellum_store::workspaces::by_reference(&mut c, workspace)
                    .await?
                    .ok_or_else(|| Error::not_found("workspace"))?;
                let members = vellum_store::workspaces::members(&mut c, ws.id).await?;
                let owner = members
                    .into_iter()
                    .find(|m| m.role == vellum_domain::role::Role::Owner)
                    .ok_or_else(|| Error::not_found("workspace owner"))?;
                users::by_id(&mut c, owner.user_id).await?.ok_or_else(|| Error::not_found("user"))?
            }
        };
        Ok(Actor { user, origin: Origin { request_id: Some(format!("cli-{}", new_id())), ..Origin::default() } })
    }

    /// Every user (server admins only; for choosing members).
    pub async fn users(&self, actor: &Actor) -> Result<Vec<User>> {
        if !actor.user.is_admin {
            return Err(Error::forbidden("only server admins may list all users"));
        }
        Ok(users::list(&mut *self.store.conn().await?).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_dummy_hash_is_a_real_argon2_hash() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
        let h = hash_password("correct horse battery").await.unwrap();
        assert!(verify_password("correct horse battery", &h).await);
        assert!(!verify_password("wrong", &h).await);
    }
}
