//! Proposals: changes an agent asked for, waiting for a person to accept or reject them.

use serde_json::{Map, Value};
use sqlx::{any::AnyRow, AnyConnection};
use vellum_domain::{
    proposal::{ProposalKind, ProposalStatus},
    Id, Timestamp,
};

use crate::{dialect, row, Result};

/// A stored proposal.
#[derive(Debug, Clone)]
pub struct Proposal {
    pub id: Id,
    pub workspace_id: Id,
    pub kind: ProposalKind,
    /// `asset` or `workspace` (a new brief).
    pub target_type: String,
    pub target_id: Id,
    /// The asset version it was made against.
    pub version: Option<u32>,
    pub change: Value,
    /// The values the changed fields had when it was made.
    pub before: Option<Map<String, Value>>,
    pub rationale: String,
    pub token_id: Option<Id>,
    pub created_by: Id,
    pub created_at: Timestamp,
    pub status: ProposalStatus,
    pub decided_by: Option<Id>,
    pub decided_at: Option<Timestamp>,
    pub reason: Option<String>,
    /// What accepting it made: a review's or a brief's id.
    pub result_id: Option<Id>,
}

const COLS: &str = "id, workspace_id, kind, target_type, target_id, version, change_json, before_json, rationale, \
                    token_id, created_by, created_at, status, decided_by, decided_at, reason, result_id";

fn decode(r: &AnyRow) -> Result<Proposal> {
    Ok(Proposal {
        id: row::id(r, "id")?,
        workspace_id: row::id(r, "workspace_id")?,
        kind: row::parsed(r, "kind", ProposalKind::parse)?,
        target_type: row::text(r, "target_type")?,
        target_id: row::id(r, "target_id")?,
        version: row::opt_uint(r, "version")?,
        change: row::json(r, "change_json")?,
        before: row::opt_text(r, "before_json")?
            .map(|t| serde_json::from_str(&t))
            .transpose()
            .map_err(|e| crate::Error::Corrupt(format!("a proposal's before_json is not a JSON object: {e}")))?,
        rationale: row::text(r, "rationale")?,
        token_id: row::opt_id(r, "token_id")?,
        created_by: row::id(r, "created_by")?,
        created_at: row::ts(r, "created_at")?,
        status: row::parsed(r, "status", |s| ProposalStatus::parse(s).ok())?,
        decided_by: row::opt_id(r, "decided_by")?,
        decided_at: row::opt_ts(r, "decided_at")?,
        reason: row::opt_text(r, "reason")?,
        result_id: row::opt_id(r, "result_id")?,
    })
}

pub async fn insert(c: &mut AnyConnection, p: &Proposal) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO proposals ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
    ))
    .bind(p.id.to_string())
    .bind(p.workspace_id.to_string())
    .bind(p.kind.as_str())
    .bind(&p.target_type)
    .bind(p.target_id.to_string())
    .bind(p.version.map(i64::from))
    .bind(row::to_json(&p.change)?)
    .bind(p.before.as_ref().map(row::to_json).transpose()?)
    .bind(&p.rationale)
    .bind(p.token_id.map(|t| t.to_string()))
    .bind(p.created_by.to_string())
    .bind(p.created_at.to_string())
    .bind(p.status.as_str())
    .bind(p.decided_by.map(|t| t.to_string()))
    .bind(p.decided_at.map(|t| t.to_string()))
    .bind(p.reason.clone())
    .bind(p.result_id.map(|t| t.to_string()))
    .execute(c)
    .await?;
    Ok(())
}

/// One proposal; `lock` holds its row on PostgreSQL until the transaction ends, so two people
/// deciding at once decide it once.
pub async fn get(c: &mut AnyConnection, id: Id, lock: bool) -> Result<Option<Proposal>> {
    let lock = if lock { dialect::of(c).for_update() } else { "" };
    let sql = format!("SELECT {COLS} FROM proposals WHERE id = $1{lock}");
    sqlx::query(&sql).bind(id.to_string()).fetch_optional(c).await?.as_ref().map(decode).transpose()
}

/// A workspace's proposals, newest first, of one status or all, after the cursor `before`.
pub async fn list(
    c: &mut AnyConnection,
    workspace: Id,
    status: Option<ProposalStatus>,
    before: Option<Id>,
    limit: u32,
) -> Result<Vec<Proposal>> {
    let mut sql = format!("SELECT {COLS} FROM proposals WHERE workspace_id = $1");
    let mut binds = vec![workspace.to_string()];
    if let Some(s) = status {
        binds.push(s.as_str().to_string());
        sql.push_str(&format!(" AND status = ${}", binds.len()));
    }
    if let Some(b) = before {
        binds.push(b.to_string());
        sql.push_str(&format!(" AND id < ${}", binds.len()));
    }
    sql.push_str(&format!(" ORDER BY id DESC LIMIT ${}", binds.len() + 1));
    let mut q = sqlx::query(&sql);
    for b in &binds {
        q = q.bind(b.clone());
    }
    q.bind(i64::from(limit)).fetch_all(c).await?.iter().map(decode).collect()
}

/// Records a decision on a pending proposal; false if it was no longer pending.
pub async fn decide(c: &mut AnyConnection, p: &Proposal) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE proposals SET status = $1, decided_by = $2, decided_at = $3, reason = $4, result_id = $5 \
         WHERE id = $6 AND status = 'pending'",
    )
    .bind(p.status.as_str())
    .bind(p.decided_by.map(|t| t.to_string()))
    .bind(p.decided_at.map(|t| t.to_string()))
    .bind(p.reason.clone())
    .bind(p.result_id.map(|t| t.to_string()))
    .bind(p.id.to_string())
    .execute(c)
    .await?;
    Ok(done.rows_affected() > 0)
}
