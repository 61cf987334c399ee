//! Out-of-office periods: while one runs, a named delegate may decide in the member's place
//! in that workspace.

use sqlx::{any::AnyRow, AnyConnection};
use vellum_domain::{Id, Timestamp};

use crate::{row, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutOfOffice {
    pub user_id: Id,
    pub workspace_id: Id,
    pub from: Timestamp,
    pub until: Timestamp,
    pub delegate_id: Id,
}

fn decode(r: &AnyRow) -> Result<OutOfOffice> {
    Ok(OutOfOffice {
        user_id: row::id(r, "user_id")?,
        workspace_id: row::id(r, "workspace_id")?,
        from: row::ts(r, "from_at")?,
        until: row::ts(r, "until_at")?,
        delegate_id: row::id(r, "delegate_id")?,
    })
}

const COLS: &str = "user_id, workspace_id, from_at, until_at, delegate_id";

/// Sets (or replaces) a member's period in one workspace.
pub async fn put(c: &mut AnyConnection, o: &OutOfOffice) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO out_of_office ({COLS}) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, workspace_id) \
         DO UPDATE SET from_at = excluded.from_at, until_at = excluded.until_at, delegate_id = excluded.delegate_id"
    ))
    .bind(o.user_id.to_string())
    .bind(o.workspace_id.to_string())
    .bind(o.from.to_string())
    .bind(o.until.to_string())
    .bind(o.delegate_id.to_string())
    .execute(c)
    .await?;
    Ok(())
}

/// Ends a member's periods (in one workspace, or all); returns how many ended.
pub async fn end(c: &mut AnyConnection, user: Id, ws: Option<Id>) -> Result<u64> {
    let done = match ws {
        Some(ws) => {
            sqlx::query("DELETE FROM out_of_office WHERE user_id = $1 AND workspace_id = $2")
                .bind(user.to_string())
                .bind(ws.to_string())
                .execute(c)
                .await?
        }
        None => sqlx::query("DELETE FROM out_of_office WHERE user_id = $1").bind(user.to_string()).execute(c).await?,
    };
    Ok(done.rows_affected())
}

/// A member's periods, every workspace.
pub async fn of_user(c: &mut AnyConnection, user: Id) -> Result<Vec<OutOfOffice>> {
    let sql = format!("SELECT {COLS} FROM out_of_office WHERE user_id = $1 ORDER BY from_at");
    sqlx::query(&sql).bind(user.to_string()).fetch_all(c).await?.iter().map(decode).collect()
}

/// The members `delegate` covers in a workspace at `now`.
pub async fn covered_by(c: &mut AnyConnection, delegate: Id, ws: Id, now: Timestamp) -> Result<Vec<Id>> {
    let sql = format!(
        "SELECT {COLS} FROM out_of_office WHERE delegate_id = $1 AND workspace_id = $2 AND from_at <= $3 AND until_at > $3"
    );
    let rows =
        sqlx::query(&sql).bind(delegate.to_string()).bind(ws.to_string()).bind(now.to_string()).fetch_all(c).await?;
    rows.iter().map(|r| row::id(r, "user_id")).collect()
}
