//! TOTP second factors and their one-time recovery codes.

use sqlx::AnyConnection;
use vellum_domain::{Id, Timestamp};

use crate::{row, Result};

/// A user's authenticator: pending until a first code confirms it.
#[derive(Debug, Clone)]
pub struct SecondFactor {
    /// Base32, as the authenticator app was given it.
    pub secret: String,
    pub created_at: Timestamp,
    pub confirmed_at: Option<Timestamp>,
    /// The last step whose code was accepted.
    pub last_step: Option<i64>,
}

pub async fn get(c: &mut AnyConnection, user: Id) -> Result<Option<SecondFactor>> {
    let r = sqlx::query("SELECT secret, created_at, confirmed_at, last_step FROM second_factors WHERE user_id = $1")
        .bind(user.to_string())
        .fetch_optional(c)
        .await?;
    r.map(|r| {
        Ok(SecondFactor {
            secret: row::text(&r, "secret")?,
            created_at: row::ts(&r, "created_at")?,
            confirmed_at: row::opt_ts(&r, "confirmed_at")?,
            last_step: row::opt_int(&r, "last_step")?,
        })
    })
    .transpose()
}

/// Starts (or restarts) an enrolment with a new secret, replacing an unconfirmed one.
pub async fn put_pending(c: &mut AnyConnection, user: Id, secret: &str, now: Timestamp) -> Result<()> {
    sqlx::query("DELETE FROM second_factors WHERE user_id = $1 AND confirmed_at IS NULL")
        .bind(user.to_string())
        .execute(&mut *c)
        .await?;
    sqlx::query("INSERT INTO second_factors (user_id, secret, created_at) VALUES ($1, $2, $3)")
        .bind(user.to_string())
        .bind(secret)
        .bind(now.to_string())
        .execute(c)
        .await?;
    Ok(())
}

/// Takes a step as used (and confirms a pending factor); false if that step or a later one was
/// used already — two sign-ins racing with one code, one wins.
pub async fn take_step(c: &mut AnyConnection, user: Id, step: i64, now: Timestamp) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE second_factors SET last_step = $1, confirmed_at = COALESCE(confirmed_at, $2) \
         WHERE user_id = $3 AND (last_step IS NULL OR last_step < $1)",
    )
    .bind(step)
    .bind(now.to_string())
    .bind(user.to_string())
    .execute(c)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Removes a user's factor and recovery codes.
pub async fn delete(c: &mut AnyConnection, user: Id) -> Result<()> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user.to_string()).execute(&mut *c).await?;
    sqlx::query("DELETE FROM second_factors WHERE user_id = $1").bind(user.to_string()).execute(c).await?;
    Ok(())
}

/// Replaces a user's recovery codes with these hashes.
pub async fn put_recovery_codes(c: &mut AnyConnection, user: Id, hashes: &[String]) -> Result<()> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user.to_string()).execute(&mut *c).await?;
    for h in hashes {
        sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
            .bind(user.to_string())
            .bind(h)
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}

/// Uses an unused recovery code; false if there is none with this hash.
pub async fn use_recovery_code(c: &mut AnyConnection, user: Id, hash: &str, now: Timestamp) -> Result<bool> {
    let done =
        sqlx::query("UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL")
            .bind(now.to_string())
            .bind(user.to_string())
            .bind(hash)
            .execute(c)
            .await?;
    Ok(done.rows_affected() > 0)
}

/// How many unused recovery codes a user has.
pub async fn recovery_codes_left(c: &mut AnyConnection, user: Id) -> Result<i64> {
    let r = sqlx::query("SELECT COUNT(*) AS n FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
        .bind(user.to_string())
        .fetch_one(c)
        .await?;
    row::int(&r, "n")
}
