//! Users, sessions, API tokens and server settings.

use sqlx::{any::AnyRow, AnyConnection};
use vellum_domain::{Id, Timestamp};

use crate::{
    model::{ApiToken, User, UserKind},
    row, Result,
};

pub(crate) fn user(r: &AnyRow) -> Result<User> {
    Ok(User {
        id: row::id(r, "id")?,
        email: row::text(r, "email")?,
        name: row::text(r, "name")?,
        is_admin: row::int(r, "is_admin")? != 0,
        created_at: row::ts(r, "created_at")?,
        disabled_at: row::opt_ts(r, "disabled_at")?,
        password_hash: row::text(r, "password_hash")?,
        token_workspace: None,
        kind: row::parsed(r, "kind", UserKind::parse)?,
    })
}

pub(crate) const USER_COLS: &str =
    "u.id, u.email, u.name, u.is_admin, u.created_at, u.disabled_at, u.password_hash, u.kind";

pub async fn insert(c: &mut AnyConnection, u: &User) -> Result<()> {
    sqlx::query(
        "INSERT INTO users (id, email, name, password_hash, is_admin, created_at, kind) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(u.id.to_string())
    .bind(&u.email)
    .bind(&u.name)
    .bind(&u.password_hash)
    .bind(i64::from(u.is_admin))
    .bind(u.created_at.to_string())
    .bind(u.kind.as_str())
    .execute(c)
    .await?;
    Ok(())
}

pub async fn count(c: &mut AnyConnection) -> Result<i64> {
    let r = sqlx::query("SELECT COUNT(*) AS n FROM users").fetch_one(c).await?;
    row::int(&r, "n")
}

pub async fn by_email(c: &mut AnyConnection, email: &str) -> Result<Option<User>> {
    let sql = format!("SELECT {USER_COLS} FROM users u WHERE u.email = $1");
    sqlx::query(&sql).bind(email).fetch_optional(c).await?.as_ref().map(user).transpose()
}

pub async fn by_id(c: &mut AnyConnection, id: Id) -> Result<Option<User>> {
    let sql = format!("SELECT {USER_COLS} FROM users u WHERE u.id = $1");
    sqlx::query(&sql).bind(id.to_string()).fetch_optional(c).await?.as_ref().map(user).transpose()
}

pub async fn list(c: &mut AnyConnection) -> Result<Vec<User>> {
    let sql = format!("SELECT {USER_COLS} FROM users u ORDER BY u.email");
    sqlx::query(&sql).fetch_all(c).await?.iter().map(user).collect()
}

/// A signed-in session: the user and the CSRF secret of their forms.
pub struct SessionUser {
    pub user: User,
    pub csrf: String,
    /// It may only enrol a second factor (the server requires one the account lacks).
    pub must_enrol: bool,
}

/// A session to store: the cookie's hash and what it carries.
#[derive(Debug, Clone)]
pub struct NewSessionRow<'a> {
    pub token_hash: &'a str,
    pub user_id: Id,
    pub csrf: &'a str,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub must_enrol: bool,
    /// Begun through single sign-on.
    pub via_sso: bool,
}

pub async fn insert_session(c: &mut AnyConnection, s: &NewSessionRow<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at, must_enrol, via_sso) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(s.token_hash)
    .bind(s.user_id.to_string())
    .bind(s.csrf)
    .bind(s.created_at.to_string())
    .bind(s.expires_at.to_string())
    .bind(i64::from(s.must_enrol))
    .bind(i64::from(s.via_sso))
    .execute(c)
    .await?;
    Ok(())
}

pub async fn session(c: &mut AnyConnection, token_hash: &str, now: Timestamp) -> Result<Option<SessionUser>> {
    let sql = format!(
        "SELECT {USER_COLS}, s.csrf, s.must_enrol FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL"
    );
    let r = sqlx::query(&sql).bind(token_hash).bind(now.to_string()).fetch_optional(c).await?;
    r.map(|r| {
        Ok(SessionUser { user: user(&r)?, csrf: row::text(&r, "csrf")?, must_enrol: row::int(&r, "must_enrol")? != 0 })
    })
    .transpose()
}

pub async fn delete_session(c: &mut AnyConnection, token_hash: &str) -> Result<bool> {
    let done = sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(c).await?;
    Ok(done.rows_affected() > 0)
}

/// Removes sessions that have expired; returns how many.
pub async fn delete_expired_sessions(c: &mut AnyConnection, now: Timestamp) -> Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now.to_string()).execute(c).await?;
    Ok(done.rows_affected())
}

pub async fn insert_token(c: &mut AnyConnection, token: &ApiToken, token_hash: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO api_tokens (id, user_id, name, token_hash, created_at, expires_at, scope, workspace_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(token.id.to_string())
    .bind(token.user_id.to_string())
    .bind(&token.name)
    .bind(token_hash)
    .bind(token.created_at.to_string())
    .bind(token.expires_at.map(|t| t.to_string()))
    .bind(token.scope.as_str())
    .bind(token.workspace_id.map(|w| w.to_string()))
    .execute(c)
    .await?;
    Ok(())
}

/// A token's columns, named apart from a user's so one query can read both.
const TOKEN_COLS: &str = "t.id AS t_id, t.user_id AS t_user_id, t.name AS t_name, t.scope AS t_scope, \
     t.workspace_id AS t_workspace_id, t.created_at AS t_created_at, t.expires_at AS t_expires_at, \
     t.last_used_at AS t_last_used_at, t.last_ip AS t_last_ip";

fn token(r: &AnyRow) -> Result<ApiToken> {
    Ok(ApiToken {
        id: row::id(r, "t_id")?,
        user_id: row::id(r, "t_user_id")?,
        name: row::text(r, "t_name")?,
        scope: row::parsed(r, "t_scope", |s| vellum_domain::scope::Scope::parse(s).ok())?,
        workspace_id: row::opt_id(r, "t_workspace_id")?,
        created_at: row::ts(r, "t_created_at")?,
        expires_at: row::opt_ts(r, "t_expires_at")?,
        last_used_at: row::opt_ts(r, "t_last_used_at")?,
        last_ip: row::opt_text(r, "t_last_ip")?,
    })
}

/// The active user behind an unexpired token, with the token (one query: every API request
/// asks it).
pub async fn user_by_token(
    c: &mut AnyConnection,
    token_hash: &str,
    now: Timestamp,
) -> Result<Option<(User, ApiToken)>> {
    let sql = format!(
        "SELECT {USER_COLS}, {TOKEN_COLS} FROM api_tokens t JOIN users u ON u.id = t.user_id \
         WHERE t.token_hash = $1 AND (t.expires_at IS NULL OR t.expires_at > $2) AND u.disabled_at IS NULL"
    );
    let r = sqlx::query(&sql).bind(token_hash).bind(now.to_string()).fetch_optional(c).await?;
    r.map(|r| Ok((user(&r)?, token(&r)?))).transpose()
}

/// Notes a token's use, at most once per `every` so a busy client does not write on every
/// request; returns whether it wrote.
pub async fn touch_token(
    c: &mut AnyConnection,
    id: Id,
    now: Timestamp,
    ip: Option<&str>,
    every: std::time::Duration,
) -> Result<bool> {
    let stale = now.plus_secs(-i64::try_from(every.as_secs()).unwrap_or(i64::MAX));
    let done = sqlx::query(
        "UPDATE api_tokens SET last_used_at = $1, last_ip = $2 WHERE id = $3 AND (last_used_at IS NULL OR last_used_at < $4)",
    )
    .bind(now.to_string())
    .bind(ip)
    .bind(id.to_string())
    .bind(stale.to_string())
    .execute(c)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// A user's tokens, newest first.
pub async fn tokens_of(c: &mut AnyConnection, user_id: Id) -> Result<Vec<ApiToken>> {
    let sql =
        format!("SELECT {TOKEN_COLS} FROM api_tokens t WHERE t.user_id = $1 ORDER BY t.created_at DESC, t.id DESC");
    sqlx::query(&sql).bind(user_id.to_string()).fetch_all(c).await?.iter().map(token).collect()
}

/// Every token of the server, newest first (for server admins).
pub async fn all_tokens(c: &mut AnyConnection) -> Result<Vec<ApiToken>> {
    let sql = format!("SELECT {TOKEN_COLS} FROM api_tokens t ORDER BY t.created_at DESC, t.id DESC");
    sqlx::query(&sql).fetch_all(c).await?.iter().map(token).collect()
}

/// One token by id, whoever holds it.
pub async fn token_by_id(c: &mut AnyConnection, id: Id) -> Result<Option<ApiToken>> {
    let sql = format!("SELECT {TOKEN_COLS} FROM api_tokens t WHERE t.id = $1");
    sqlx::query(&sql).bind(id.to_string()).fetch_optional(c).await?.as_ref().map(token).transpose()
}

/// Deletes one token; false if there is no such token.
pub async fn delete_token(c: &mut AnyConnection, id: Id) -> Result<bool> {
    let done = sqlx::query("DELETE FROM api_tokens WHERE id = $1").bind(id.to_string()).execute(c).await?;
    Ok(done.rows_affected() > 0)
}

/// Deletes every token of a user; returns how many.
pub async fn delete_tokens_of(c: &mut AnyConnection, user_id: Id) -> Result<u64> {
    let done = sqlx::query("DELETE FROM api_tokens WHERE user_id = $1").bind(user_id.to_string()).execute(c).await?;
    Ok(done.rows_affected())
}

/// Ends every session of a user but `keep` (a session's token hash); returns how many.
pub async fn delete_sessions_of(c: &mut AnyConnection, user_id: Id, keep: Option<&str>) -> Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user_id.to_string())
        .bind(keep.unwrap_or(""))
        .execute(c)
        .await?;
    Ok(done.rows_affected())
}

/// The user a session belongs to (valid or not), for auditing its end.
pub async fn session_owner(c: &mut AnyConnection, token_hash: &str) -> Result<Option<Id>> {
    let r =
        sqlx::query("SELECT user_id FROM sessions WHERE token_hash = $1").bind(token_hash).fetch_optional(c).await?;
    r.map(|r| row::id(&r, "user_id")).transpose()
}

pub async fn set_disabled(c: &mut AnyConnection, id: Id, at: Option<Timestamp>) -> Result<()> {
    sqlx::query("UPDATE users SET disabled_at = $1 WHERE id = $2")
        .bind(at.map(|t| t.to_string()))
        .bind(id.to_string())
        .execute(c)
        .await?;
    Ok(())
}

pub async fn set_password_hash(c: &mut AnyConnection, id: Id, hash: &str) -> Result<()> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2").bind(hash).bind(id.to_string()).execute(c).await?;
    Ok(())
}

/// Server admins whose accounts are active.
pub async fn count_active_admins(c: &mut AnyConnection) -> Result<i64> {
    let r =
        sqlx::query("SELECT COUNT(*) AS n FROM users WHERE is_admin <> 0 AND disabled_at IS NULL").fetch_one(c).await?;
    row::int(&r, "n")
}

pub async fn insert_password_reset(
    c: &mut AnyConnection,
    token_hash: &str,
    user_id: Id,
    by: Id,
    now: Timestamp,
    expires: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO password_resets (token_hash, user_id, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash)
    .bind(user_id.to_string())
    .bind(by.to_string())
    .bind(now.to_string())
    .bind(expires.to_string())
    .execute(c)
    .await?;
    Ok(())
}

/// Uses a reset link once: the user it was made for, if it is unused and unexpired (and now
/// used). The conditional update makes two simultaneous uses impossible.
pub async fn take_password_reset(c: &mut AnyConnection, token_hash: &str, now: Timestamp) -> Result<Option<Id>> {
    let r = sqlx::query(
        "UPDATE password_resets SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING user_id",
    )
    .bind(now.to_string())
    .bind(token_hash)
    .fetch_optional(c)
    .await?;
    r.map(|r| row::id(&r, "user_id")).transpose()
}

/// The user a reset link was made for.
pub async fn password_reset_user(c: &mut AnyConnection, token_hash: &str) -> Result<Option<Id>> {
    let r = sqlx::query("SELECT user_id FROM password_resets WHERE token_hash = $1")
        .bind(token_hash)
        .fetch_optional(c)
        .await?;
    r.map(|r| row::id(&r, "user_id")).transpose()
}

/// Whether a reset link can still be used (for showing its form).
pub async fn password_reset_open(c: &mut AnyConnection, token_hash: &str, now: Timestamp) -> Result<bool> {
    let r = sqlx::query(
        "SELECT 1 AS one FROM password_resets WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(token_hash)
    .bind(now.to_string())
    .fetch_optional(c)
    .await?;
    Ok(r.is_some())
}

/// Removes a setting only if it still has `value`; true if this call removed it (of several
/// racing callers, exactly one wins).
pub async fn take_setting(c: &mut AnyConnection, key: &str, value: &str) -> Result<bool> {
    let done =
        sqlx::query("DELETE FROM settings WHERE key = $1 AND value = $2").bind(key).bind(value).execute(c).await?;
    Ok(done.rows_affected() == 1)
}

pub async fn setting(c: &mut AnyConnection, key: &str) -> Result<Option<String>> {
    let r = sqlx::query("SELECT value FROM settings WHERE key = $1").bind(key).fetch_optional(c).await?;
    r.map(|r| row::text(&r, "value")).transpose()
}

pub async fn set_setting(c: &mut AnyConnection, key: &str, value: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(c)
    .await?;
    Ok(())
}

pub async fn delete_setting(c: &mut AnyConnection, key: &str) -> Result<()> {
    sqlx::query("DELETE FROM settings WHERE key = $1").bind(key).execute(c).await?;
    Ok(())
}

/// Holds the lock that serialises creating the first admin until the transaction ends
/// (PostgreSQL; SQLite's writers are serial already).
pub async fn lock_for_bootstrap(c: &mut AnyConnection) -> Result<()> {
    if let Some(statement) = crate::dialect::of(c).transaction_lock(crate::dialect::LOCK_BOOTSTRAP) {
        sqlx::query(&statement).execute(c).await?;
    }
    Ok(())
}

/// Removes tokens that expired before `now` (short-lived OAuth access tokens pile up otherwise);
/// returns how many.
pub async fn delete_expired_tokens(c: &mut AnyConnection, now: Timestamp) -> Result<u64> {
    let done = sqlx::query("DELETE FROM api_tokens WHERE expires_at IS NOT NULL AND expires_at <= $1")
        .bind(now.to_string())
        .execute(c)
        .await?;
    Ok(done.rows_affected())
}

/// Lets a user's sessions do everything again (they enrolled the second factor).
pub async fn clear_must_enrol(c: &mut AnyConnection, user_id: Id) -> Result<()> {
    sqlx::query("UPDATE sessions SET must_enrol = 0 WHERE user_id = $1").bind(user_id.to_string()).execute(c).await?;
    Ok(())
}

/// Changes an account's address and name (as its directory says).
pub async fn set_identity(c: &mut AnyConnection, id: Id, email: &str, name: &str) -> Result<()> {
    sqlx::query("UPDATE users SET email = $1, name = $2 WHERE id = $3")
        .bind(email)
        .bind(name)
        .bind(id.to_string())
        .execute(c)
        .await?;
    Ok(())
}
