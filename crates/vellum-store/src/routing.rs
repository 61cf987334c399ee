//! Each workspace's routing rules, every saved version kept as a numbered revision so any
//! change can be read back and compared with the one before.

use sqlx::{any::AnyRow, AnyConnection, Row};
use vellum_domain::{routing::RuleSetSpec, Id, Timestamp};

use crate::{row, Result};

/// One saved revision of a rule set.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSetRevision {
    pub revision: u64,
    pub rules: RuleSetSpec,
    pub created_at: Timestamp,
    pub created_by: Id,
}

fn decode(r: &AnyRow) -> Result<RuleSetRevision> {
    Ok(RuleSetRevision {
        revision: u64::try_from(r.try_get::<i64, _>("revision")?).unwrap_or(0),
        rules: row::json(r, "rules")?,
        created_at: row::ts(r, "created_at")?,
        created_by: row::id(r, "created_by")?,
    })
}

const COLS: &str = "revision, rules, created_at, created_by";

/// The rules in force: the newest revision (None until rules are first saved).
pub async fn latest(c: &mut AnyConnection, ws: Id) -> Result<Option<RuleSetRevision>> {
    let sql = format!("SELECT {COLS} FROM routing_rule_sets WHERE workspace_id = $1 ORDER BY revision DESC LIMIT 1");
    sqlx::query(&sql).bind(ws.to_string()).fetch_optional(c).await?.as_ref().map(decode).transpose()
}

/// One revision.
pub async fn revision(c: &mut AnyConnection, ws: Id, revision: u64) -> Result<Option<RuleSetRevision>> {
    let sql = format!("SELECT {COLS} FROM routing_rule_sets WHERE workspace_id = $1 AND revision = $2");
    let n = i64::try_from(revision).unwrap_or(i64::MAX);
    sqlx::query(&sql).bind(ws.to_string()).bind(n).fetch_optional(c).await?.as_ref().map(decode).transpose()
}

/// Saves the next revision; returns its number.
pub async fn put(c: &mut AnyConnection, ws: Id, rules: &RuleSetSpec, now: Timestamp, by: Id) -> Result<u64> {
    let r = sqlx::query(
        "INSERT INTO routing_rule_sets (workspace_id, revision, rules, created_at, created_by) \
         SELECT $1, COALESCE(MAX(revision), 0) + 1, $2, $3, $4 FROM routing_rule_sets WHERE workspace_id = $1 \
         RETURNING revision",
    )
    .bind(ws.to_string())
    .bind(row::to_json(rules)?)
    .bind(now.to_string())
    .bind(by.to_string())
    .fetch_one(c)
    .await?;
    Ok(u64::try_from(r.try_get::<i64, _>("revision")?).unwrap_or(0))
}
