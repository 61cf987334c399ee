//! Invitations to join a workspace: a one-time link (stored as its hash) sent to an email
//! address, accepted once before it expires.

use sqlx::{any::AnyRow, AnyConnection};
use vellum_domain::{role::Role, Id, Timestamp};

use crate::{row, Result};

#[derive(Debug, Clone)]
pub struct Invitation {
    pub id: Id,
    pub workspace_id: Id,
    pub email: String,
    pub role: Role,
    pub invited_by: Id,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub accepted_at: Option<Timestamp>,
}

const COLS: &str = "id, workspace_id, email, role, invited_by, created_at, expires_at, accepted_at";

fn decode(r: &AnyRow) -> Result<Invitation> {
    Ok(Invitation {
        id: row::id(r, "id")?,
        workspace_id: row::id(r, "workspace_id")?,
        email: row::text(r, "email")?,
        role: row::parsed(r, "role", |s| Role::parse(s).ok())?,
        invited_by: row::id(r, "invited_by")?,
        created_at: row::ts(r, "created_at")?,
        expires_at: row::ts(r, "expires_at")?,
        accepted_at: row::opt_ts(r, "accepted_at")?,
    })
}

pub async fn insert(c: &mut AnyConnection, i: &Invitation, token_hash: &str) -> Result<()> {
    sqlx::query(&format!("INSERT INTO invitations ({COLS}, token_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"))
        .bind(i.id.to_string())
        .bind(i.workspace_id.to_string())
        .bind(&i.email)
        .bind(i.role.as_str())
        .bind(i.invited_by.to_string())
        .bind(i.created_at.to_string())
        .bind(i.expires_at.to_string())
        .bind(i.accepted_at.map(|t| t.to_string()))
        .bind(token_hash)
        .execute(c)
        .await?;
    Ok(())
}

/// The invitation a link's token opens, accepted or not.
pub async fn by_token(c: &mut AnyConnection, token_hash: &str) -> Result<Option<Invitation>> {
    sqlx::query(&format!("SELECT {COLS} FROM invitations WHERE token_hash = $1"))
        .bind(token_hash)
        .fetch_optional(c)
        .await?
        .as_ref()
        .map(decode)
        .transpose()
}

/// Marks an invitation accepted by `user` if it is still open; false when it was not.
pub async fn accept(c: &mut AnyConnection, id: Id, user: Id, now: Timestamp) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE invitations SET accepted_at = $1, accepted_by = $2 WHERE id = $3 AND accepted_at IS NULL AND expires_at > $1",
    )
    .bind(now.to_string())
    .bind(user.to_string())
    .bind(id.to_string())
    .execute(c)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// A workspace's invitations, newest first.
pub async fn of_workspace(c: &mut AnyConnection, ws: Id) -> Result<Vec<Invitation>> {
    sqlx::query(&format!("SELECT {COLS} FROM invitations WHERE workspace_id = $1 ORDER BY created_at DESC LIMIT 200"))
        .bind(ws.to_string())
        .fetch_all(c)
        .await?
        .iter()
        .map(decode)
        .collect()
}
