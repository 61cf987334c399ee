//! Users, sessions, API tokens and server settings.

use sqlx::{any::AnyRow, AnyConnection};
use vellum_domain::{Id, Timestamp};

use crate::{model::User, row, Result};

fn user(r: &AnyRow) -> Result<User> {
    Ok(User {
        id: row::id(r, "id")?,
        email: row::text(r, "email")?,
        name: row::text(r, "name")?,
        is_admin: row::int(r, "is_admin")? != 0,
        created_at: row::ts(r, "created_at")?,
        password_hash: row::text(r, "password_hash")?,
    })
}

const USER_COLS: &str = "u.id, u.email, u.name, u.is_admin, u.created_at, u.password_hash";

pub async fn insert(c: &mut AnyConnection, u: &User) -> Result<()> {
    sqlx::query(
        "INSERT INTO users (id, email, name, password_hash, is_admin, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(u.id.to_string())
    .bind(&u.email)
    .bind(&u.name)
    .bind(&u.password_hash)
    .bind(i64::from(u.is_admin))
    .bind(u.created_at.to_string())
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
}

pub async fn insert_session(
    c: &mut AnyConnection,
    token_hash: &str,
    user_id: Id,
    csrf: &str,
    now: Timestamp,
    expires: Timestamp,
) -> Result<()> {
    sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(token_hash)
        .bind(user_id.to_string())
        .bind(csrf)
        .bind(now.to_string())
        .bind(expires.to_string())
        .execute(c)
        .await?;
    Ok(())
}

pub async fn session(c: &mut AnyConnection, token_hash: &str, now: Timestamp) -> Result<Option<SessionUser>> {
    let sql = format!(
        "SELECT {USER_COLS}, s.csrf FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2"
    );
    let r = sqlx::query(&sql).bind(token_hash).bind(now.to_string()).fetch_optional(c).await?;
    r.map(|r| Ok(SessionUser { user: user(&r)?, csrf: row::text(&r, "csrf")? })).transpose()
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

pub async fn insert_token(
    c: &mut AnyConnection,
    id: Id,
    user_id: Id,
    name: &str,
    token_hash: &str,
    now: Timestamp,
) -> Result<()> {
    sqlx::query("INSERT INTO api_tokens (id, user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(id.to_string())
        .bind(user_id.to_string())
        .bind(name)
        .bind(token_hash)
        .bind(now.to_string())
        .execute(c)
        .await?;
    Ok(())
}

pub async fn user_by_token(c: &mut AnyConnection, token_hash: &str) -> Result<Option<User>> {
    let sql = format!("SELECT {USER_COLS} FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1");
    sqlx::query(&sql).bind(token_hash).fetch_optional(c).await?.as_ref().map(user).transpose()
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
