//! Users, passwords, sessions, API tokens and the first-run setup.

use argon2::{
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use serde_json::json;
use vellum_domain::{
    id::new_id,
    validate::{check_password, Email, Name},
    Timestamp,
};
use vellum_store::{
    model::{NewAuditEvent, User},
    users,
};

use crate::{
    record,
    secret::{random_token, same, token_hash},
    Actor, Core, Error, ErrorKind, Origin, Result,
};

const SETUP_TOKEN: &str = "setup_token_hash";

/// A new sign-in: the cookie value (shown once) and the CSRF secret for its forms.
pub struct NewSession {
    pub token: String,
    pub csrf: String,
    pub user: User,
}

/// A session found by its cookie.
pub struct Session {
    pub user: User,
    pub csrf: String,
}

fn internal(e: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Internal, "internal", e.to_string())
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

async fn verify_password(password: &str, hash: &str) -> bool {
    let (password, hash) = (password.to_string(), hash.to_string());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
    })
    .await
    .unwrap_or(false)
}

/// A hash to verify against when the email is unknown, so timing does not reveal accounts.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3Gx4XcqSbyHnquaJFZPkSqxJyqZ4hUOQI9HbEn3ZuY0";

impl Core {
    /// Creates a user; `by` is the server admin doing it (None during first-run setup).
    pub async fn create_user(
        &self,
        by: Option<&Actor>,
        email: &str,
        name: &str,
        password: &str,
        is_admin: bool,
    ) -> Result<User> {
        if let Some(a) = by {
            if !a.user.is_admin {
                return Err(Error::forbidden("only server admins may create users"));
            }
        }
        let email = Email::parse(email)?;
        let name = Name::parse("the name", name)?;
        check_password(password)?;
        let user = User {
            id: new_id(),
            email: email.into_inner(),
            name: name.into_inner(),
            is_admin,
            created_at: Timestamp::now(),
            password_hash: hash_password(password).await?,
        };
        let mut tx = self.store.write().await?;
        users::insert(&mut tx, &user).await.map_err(|e| match e {
            vellum_store::Error::Conflict(_) => {
                Error::conflict("email_taken", format!("a user with the email {} already exists", user.email))
            }
            e => e.into(),
        })?;
        let origin = by.map(|a| a.origin.clone()).unwrap_or_default();
        record(
            &mut tx,
            &origin,
            by.map(|a| &a.user),
            NewAuditEvent {
                action: "user.create".into(),
                object_type: "user".into(),
                object_id: Some(user.id.to_string()),
                after: Some(json!({"email": user.email, "name": user.name, "is_admin": is_admin})),
                ..Default::default()
            },
        )
        .await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Creates the first admin when the server has no users yet; otherwise does nothing.
    pub async fn bootstrap_admin(&self, email: &str, password: &str) -> Result<Option<User>> {
        if users::count(&mut *self.store.conn().await?).await? > 0 {
            return Ok(None);
        }
        self.create_user(None, email, "Administrator", password, true).await.map(Some)
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

    /// Completes first-run setup with the one-time secret: creates the first admin.
    pub async fn complete_setup(&self, token: &str, email: &str, name: &str, password: &str) -> Result<User> {
        let stored = users::setting(&mut *self.store.conn().await?, SETUP_TOKEN).await?;
        let valid = stored.is_some_and(|h| same(&h, &token_hash(token)));
        if !valid || !self.needs_setup().await? {
            return Err(Error::not_found("setup link"));
        }
        let user = self.create_user(None, email, name, password, true).await?;
        users::delete_setting(&mut *self.store.conn().await?, SETUP_TOKEN).await?;
        Ok(user)
    }

    /// Signs in with email and password. Failures are audited and say nothing about which
    /// part was wrong.
    pub async fn sign_in(&self, origin: &Origin, email: &str, password: &str) -> Result<NewSession> {
        let normalised = email.trim().to_lowercase();
        let user = users::by_email(&mut *self.store.conn().await?, &normalised).await?;
        let ok = match &user {
            Some(u) => verify_password(password, &u.password_hash).await,
            None => {
                verify_password(password, DUMMY_HASH).await;
                false
            }
        };
        let mut tx = self.store.write().await?;
        let Some(user) = user.filter(|_| ok) else {
            record(
                &mut tx,
                origin,
                None,
                NewAuditEvent {
                    action: "session.failed".into(),
                    object_type: "session".into(),
                    after: Some(json!({"email": normalised.chars().take(254).collect::<String>()})),
                    ..Default::default()
                },
            )
            .await?;
            tx.commit().await?;
            return Err(Error::new(
                ErrorKind::Unauthenticated,
                "invalid_credentials",
                "the email or password is wrong",
            ));
        };
        let token = random_token("vls_")?;
        let csrf = random_token("")?;
        let now = Timestamp::now();
        users::insert_session(
            &mut tx,
            &token_hash(&token),
            user.id,
            &csrf,
            now,
            now.plus_hours(self.limits.session_hours),
        )
        .await?;
        record(
            &mut tx,
            origin,
            Some(&user),
            NewAuditEvent { action: "session.create".into(), object_type: "session".into(), ..Default::default() },
        )
        .await?;
        tx.commit().await?;
        Ok(NewSession { token, csrf, user })
    }

    pub async fn sign_out(&self, token: &str) -> Result<()> {
        let mut tx = self.store.write().await?;
        users::delete_session(&mut tx, &token_hash(token)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The user behind a session cookie, if it is valid and unexpired.
    pub async fn session(&self, token: &str) -> Result<Option<Session>> {
        let s = users::session(&mut *self.store.conn().await?, &token_hash(token), Timestamp::now()).await?;
        Ok(s.map(|s| Session { user: s.user, csrf: s.csrf }))
    }

    /// The user behind an API token.
    pub async fn token_user(&self, token: &str) -> Result<Option<User>> {
        Ok(users::user_by_token(&mut *self.store.conn().await?, &token_hash(token)).await?)
    }

    /// Makes an API token for the actor; the token is returned once and stored hashed.
    pub async fn create_token(&self, actor: &Actor, name: &str) -> Result<(vellum_domain::Id, String)> {
        let name = Name::parse("the token name", name)?;
        let token = random_token("vlm_")?;
        let id = new_id();
        let mut tx = self.store.write().await?;
        users::insert_token(&mut tx, id, actor.user.id, name.as_str(), &token_hash(&token), Timestamp::now()).await?;
        record(
            &mut tx,
            &actor.origin,
            Some(&actor.user),
            NewAuditEvent {
                action: "token.create".into(),
                object_type: "token".into(),
                object_id: Some(id.to_string()),
                after: Some(json!({"name": name.as_str()})),
                ..Default::default()
            },
        )
        .await?;
        tx.commit().await?;
        Ok((id, token))
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
                let ws = match vellum_domain::id::parse_id(workspace) {
                    Some(id) => vellum_store::workspaces::by_id(&mut c, id).await?,
                    None => vellum_store::workspaces::by_slug(&mut c, workspace).await?,
                }
                .ok_or_else(|| Error::not_found("workspace"))?;
                let members = vellum_store::workspaces::members(&mut c, ws.id).await?;
                let owner = members
                    .into_iter()
                    .find(|m| m.role == vellum_domain::role::Role::Owner)
                    .ok_or_else(|| Error::not_found("workspace owner"))?;
                users::by_id(&mut c, owner.user_id).await?.ok_or_else(|| Error::not_found("user"))?
            }
        };
        Ok(Actor { user, origin: Origin { ip: None, request_id: Some(format!("cli-{}", new_id())) } })
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
