//! Guest reviewers: people without an account invited to comment on one review through a
//! personal, expiring, revocable link (only the link's hash is stored).

use sqlx::{any::AnyRow, AnyConnection};
use vellum_domain::{Id, Timestamp};

use crate::{row, Result};

#[derive(Debug, Clone)]
pub struct Guest {
    pub id: Id,
    pub review_id: Id,
    /// The account-less user their comments are written as (disabled: it can never sign in).
    pub user_id: Id,
    pub email: String,
    pub expires_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
    pub created_by: Id,
    pub created_at: Timestamp,
}

const COLS: &str = "id, review_id, user_id, email, expires_at, revoked_at, created_by, created_at";

fn decode(r: &AnyRow) -> Result<Guest> {
    Ok(Guest {
        id: row::id(r, "id")?,
        review_id: row::id(r, "review_id")?,
        user_id: row::id(r, "user_id")?,
        email: row::text(r, "email")?,
        expires_at: row::ts(r, "expires_at")?,
        revoked_at: row::opt_ts(r, "revoked_at")?,
        created_by: row::id(r, "created_by")?,
        created_at: row::ts(r, "created_at")?,
    })
}

pub async fn insert(c: &mut AnyConnection, g: &Guest, token_hash: &str) -> Result<()> {
    sqlx::query(&format!("INSERT INTO review_guests ({COLS}, token_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"))
        .bind(g.id.to_string())
        .bind(g.review_id.to_string())
        .bind(g.user_id.to_string())
        .bind(&g.email)
        .bind(g.expires_at.to_string())
        .bind(g.revoked_at.map(|t| t.to_string()))
        .bind(g.created_by.to_string())
        .bind(g.created_at.to_string())
        .bind(token_hash)
        .execute(c)
        .await?;
    Ok(())
}

/// The guest a link's hash belongs to, whatever its state.
pub async fn by_token(c: &mut AnyConnection, token_hash: &str) -> Result<Option<Guest>> {
    sqlx::query(&format!("SELECT {COLS} FROM review_guests WHERE token_hash = $1"))
        .bind(token_hash)
        .fetch_optional(c)
        .await?
        .as_ref()
        .map(decode)
        .transpose()
}

pub async fn get(c: &mut AnyConnection, id: Id) -> Result<Option<Guest>> {
    sqlx::query(&format!("SELECT {COLS} FROM review_guests WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(c)
        .await?
        .as_ref()
        .map(decode)
        .transpose()
}

pub async fn of_review(c: &mut AnyConnection, review: Id) -> Result<Vec<Guest>> {
    sqlx::query(&format!("SELECT {COLS} FROM review_guests WHERE review_id = $1 ORDER BY id"))
        .bind(review.to_string())
        .fetch_all(c)
        .await?
        .iter()
        .map(decode)
        .collect()
}

/// Revokes a guest's link; false when it was already revoked.
pub async fn revoke(c: &mut AnyConnection, id: Id, at: Timestamp) -> Result<bool> {
    let done = sqlx::query("UPDATE review_guests SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
        .bind(id.to_string())
        .bind(at.to_string())
        .execute(c)
        .await?;
    Ok(done.rows_affected() == 1)
}
