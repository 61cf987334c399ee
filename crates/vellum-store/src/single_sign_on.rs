//! Single sign-on's rows: sign-ins waiting for the identity provider's answer, and the
//! provider accounts linked to Vellum accounts.

use sqlx::AnyConnection;
use vellum_domain::{Id, Timestamp};

use crate::{row, Result};

/// A sign-in sent to the provider: what the callback must match and send back.
#[derive(Debug, Clone)]
pub struct PendingLogin {
    pub state_hash: String,
    pub nonce: String,
    pub code_verifier: String,
    /// Where to go after signing in (a checked local path).
    pub next_path: Option<String>,
    pub expires_at: Timestamp,
}

pub async fn insert_login(c: &mut AnyConnection, l: &PendingLogin) -> Result<()> {
    sqlx::query(
        "INSERT INTO oidc_logins (state_hash, nonce, code_verifier, next_path, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&l.state_hash)
    .bind(&l.nonce)
    .bind(&l.code_verifier)
    .bind(&l.next_path)
    .bind(l.expires_at.to_string())
    .execute(c)
    .await?;
    Ok(())
}

/// Takes a pending sign-in by its state: it is removed whatever happens next, so an answer
/// can be used once (of two racing, one gets it). Expired ones are not returned.
pub async fn take_login(c: &mut AnyConnection, state_hash: &str, now: Timestamp) -> Result<Option<PendingLogin>> {
    let found = sqlx::query(
        "SELECT state_hash, nonce, code_verifier, next_path, expires_at FROM oidc_logins WHERE state_hash = $1",
    )
    .bind(state_hash)
    .fetch_optional(&mut *c)
    .await?;
    let Some(r) = found else { return Ok(None) };
    let login = PendingLogin {
        state_hash: row::text(&r, "state_hash")?,
        nonce: row::text(&r, "nonce")?,
        code_verifier: row::text(&r, "code_verifier")?,
        next_path: row::opt_text(&r, "next_path")?,
        expires_at: row::ts(&r, "expires_at")?,
    };
    let gone = sqlx::query("DELETE FROM oidc_logins WHERE state_hash = $1").bind(state_hash).execute(c).await?;
    Ok((gone.rows_affected() == 1 && login.expires_at > now).then_some(login))
}

/// Removes sign-ins whose time ran out; returns how many.
pub async fn delete_expired_logins(c: &mut AnyConnection, now: Timestamp) -> Result<u64> {
    let done = sqlx::query("DELETE FROM oidc_logins WHERE expires_at <= $1").bind(now.to_string()).execute(c).await?;
    Ok(done.rows_affected())
}

/// The Vellum account an issuer's subject is linked to.
pub async fn linked_user(c: &mut AnyConnection, issuer: &str, subject: &str) -> Result<Option<Id>> {
    sqlx::query("SELECT user_id FROM external_identities WHERE issuer = $1 AND subject = $2")
        .bind(issuer)
        .bind(subject)
        .fetch_optional(c)
        .await?
        .map(|r| row::id(&r, "user_id"))
        .transpose()
}

pub async fn link(c: &mut AnyConnection, issuer: &str, subject: &str, user: Id, now: Timestamp) -> Result<()> {
    sqlx::query("INSERT INTO external_identities (issuer, subject, user_id, created_at) VALUES ($1, $2, $3, $4)")
        .bind(issuer)
        .bind(subject)
        .bind(user.to_string())
        .bind(now.to_string())
        .execute(c)
        .await?;
    Ok(())
}

/// Whether the session began through single sign-on.
pub async fn session_via_sso(c: &mut AnyConnection, token_hash: &str) -> Result<bool> {
    let r =
        sqlx::query("SELECT via_sso FROM sessions WHERE token_hash = $1").bind(token_hash).fetch_optional(c).await?;
    Ok(r.map(|r| row::int(&r, "via_sso")).transpose()?.is_some_and(|v| v != 0))
}

/// Keeps the claims of an identity's latest sign-in (JSON), for rules applied between sign-ins.
pub async fn set_claims(c: &mut AnyConnection, issuer: &str, subject: &str, claims: &str) -> Result<()> {
    sqlx::query("UPDATE external_identities SET claims = $1 WHERE issuer = $2 AND subject = $3")
        .bind(claims)
        .bind(issuer)
        .bind(subject)
        .execute(c)
        .await?;
    Ok(())
}

/// The claims of a user's latest single sign-on (JSON), if any.
pub async fn last_claims(c: &mut AnyConnection, user: Id) -> Result<Option<String>> {
    let r = sqlx::query(
        "SELECT claims FROM external_identities WHERE user_id = $1 AND claims IS NOT NULL ORDER BY created_at DESC LIMIT 1",
    )
    .bind(user.to_string())
    .fetch_optional(c)
    .await?;
    Ok(r.map(|r| row::opt_text(&r, "claims")).transpose()?.flatten())
}
