//! Reviews (one run of a workflow revision on one version) and the decisions recorded in them.

use sqlx::{any::AnyRow, AnyConnection};
use vellum_domain::{
    review::{DecisionRecord, ReviewStatus, ReviewSubject, Verdict},
    Id, Timestamp,
};

use crate::{dialect, model::ReviewRecord, row, Result};

const COLS: &str =
    "id, workspace_id, asset_id, version, workflow_id, workflow_revision, plan, status, started_by, created_at, closed_at, routing, calendar, brief_id";

fn decode(r: &AnyRow) -> Result<ReviewRecord> {
    Ok(ReviewRecord {
        id: row::id(r, "id")?,
        workspace_id: row::id(r, "workspace_id")?,
        subject: match (row::opt_id(r, "asset_id")?, row::opt_id(r, "brief_id")?) {
            (Some(a), None) => ReviewSubject::Asset(a),
            (None, Some(b)) => ReviewSubject::Brief(b),
            _ => return Err(crate::Error::Corrupt("a review names neither one asset nor one brief".into())),
        },
        version: row::uint(r, "version")?,
        workflow_id: row::id(r, "workflow_id")?,
        workflow_revision: row::uint(r, "workflow_revision")?,
        plan: row::json(r, "plan")?,
        status: row::parsed(r, "status", ReviewStatus::parse)?,
        started_by: row::id(r, "started_by")?,
        created_at: row::ts(r, "created_at")?,
        closed_at: row::opt_ts(r, "closed_at")?,
        routing: row::opt_text(r, "routing")?
            .map(|t| serde_json::from_str(&t).map_err(|e| crate::Error::Corrupt(format!("routing: {e}"))))
            .transpose()?,
        calendar: row::opt_text(r, "calendar")?
            .map(|t| serde_json::from_str(&t).map_err(|e| crate::Error::Corrupt(format!("calendar: {e}"))))
            .transpose()?,
    })
}

pub async fn insert(c: &mut AnyConnection, r: &ReviewRecord) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO reviews ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
    ))
    .bind(r.id.to_string())
    .bind(r.workspace_id.to_string())
    .bind(r.subject.asset_id().map(|a| a.to_string()))
    .bind(i64::from(r.version))
    .bind(r.workflow_id.to_string())
    .bind(i64::from(r.workflow_revision))
    .bind(row::to_json(&r.plan)?)
    .bind(r.status.as_str())
    .bind(r.started_by.to_string())
    .bind(r.created_at.to_string())
    .bind(r.closed_at.map(|t| t.to_string()))
    .bind(r.routing.as_ref().map(row::to_json).transpose()?)
    .bind(r.calendar.as_ref().map(row::to_json).transpose()?)
    .bind(r.subject.brief_id().map(|b| b.to_string()))
    .execute(c)
    .await?;
    Ok(())
}

/// A review, locked on PostgreSQL when `for_update` (decisions on one review take turns).
pub async fn get(c: &mut AnyConnection, id: Id, for_update: bool) -> Result<Option<ReviewRecord>> {
    let lock = if for_update { dialect::of(c).for_update() } else { "" };
    let sql = format!("SELECT {COLS} FROM reviews WHERE id = $1{lock}");
    sqlx::query(&sql).bind(id.to_string()).fetch_optional(c).await?.as_ref().map(decode).transpose()
}

/// Reviews of an asset, newest first.
pub async fn for_asset(c: &mut AnyConnection, asset: Id) -> Result<Vec<ReviewRecord>> {
    let sql = format!("SELECT {COLS} FROM reviews WHERE asset_id = $1 ORDER BY created_at DESC, id DESC");
    sqlx::query(&sql).bind(asset.to_string()).fetch_all(c).await?.iter().map(decode).collect()
}

/// Reviews of a brief, newest first.
pub async fn for_brief(c: &mut AnyConnection, brief: Id) -> Result<Vec<ReviewRecord>> {
    let sql = format!("SELECT {COLS} FROM reviews WHERE brief_id = $1 ORDER BY created_at DESC, id DESC");
    sqlx::query(&sql).bind(brief.to_string()).fetch_all(c).await?.iter().map(decode).collect()
}

pub async fn latest_for_brief(c: &mut AnyConnection, brief: Id) -> Result<Option<ReviewRecord>> {
    let sql = format!("SELECT {COLS} FROM reviews WHERE brief_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1");
    sqlx::query(&sql).bind(brief.to_string()).fetch_optional(c).await?.as_ref().map(decode).transpose()
}

pub async fn latest_for_asset(c: &mut AnyConnection, asset: Id) -> Result<Option<ReviewRecord>> {
    let sql = format!("SELECT {COLS} FROM reviews WHERE asset_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1");
    sqlx::query(&sql).bind(asset.to_string()).fetch_optional(c).await?.as_ref().map(decode).transpose()
}

pub async fn set_status(
    c: &mut AnyConnection,
    id: Id,
    status: ReviewStatus,
    closed_at: Option<Timestamp>,
) -> Result<()> {
    sqlx::query("UPDATE reviews SET status = $1, closed_at = $2 WHERE id = $3")
        .bind(status.as_str())
        .bind(closed_at.map(|t| t.to_string()))
        .bind(id.to_string())
        .execute(c)
        .await?;
    Ok(())
}

pub async fn insert_decision(c: &mut AnyConnection, review: Id, d: &DecisionRecord) -> Result<()> {
    sqlx::query(
        "INSERT INTO decisions (id, review_id, stage, user_id, version, verdict, reason, decided_at, decided_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(vellum_domain::id::new_id().to_string())
    .bind(review.to_string())
    .bind(d.stage as i64)
    .bind(d.user_id.to_string())
    .bind(i64::from(d.version))
    .bind(d.verdict.as_str())
    .bind(d.reason.clone())
    .bind(d.decided_at.to_string())
    .bind(d.decided_by.map(|u| u.to_string()))
    .execute(c)
    .await?;
    Ok(())
}

/// A review's decisions in the order they were recorded.
pub async fn decisions(c: &mut AnyConnection, review: Id) -> Result<Vec<DecisionRecord>> {
    sqlx::query(
        "SELECT stage, user_id, version, verdict, reason, decided_at, decided_by FROM decisions WHERE review_id = $1 ORDER BY decided_at, id",
    )
    .bind(review.to_string())
    .fetch_all(c)
    .await?
    .iter()
    .map(decision)
    .collect()
}

fn decision(r: &AnyRow) -> Result<DecisionRecord> {
    Ok(DecisionRecord {
        stage: row::int(r, "stage")? as usize,
        user_id: row::id(r, "user_id")?,
        version: row::uint(r, "version")?,
        verdict: row::parsed(r, "verdict", |s| Verdict::parse(s).ok())?,
        reason: row::opt_text(r, "reason")?,
        decided_at: row::ts(r, "decided_at")?,
        decided_by: row::opt_id(r, "decided_by")?,
    })
}

/// The decisions of every review in progress in a workspace, by review, in one query (what
/// the board and the calendar replay).
pub async fn open_decisions_in(
    c: &mut AnyConnection,
    ws: Id,
) -> Result<std::collections::HashMap<Id, Vec<DecisionRecord>>> {
    let rows = sqlx::query(
        "SELECT d.review_id, d.stage, d.user_id, d.version, d.verdict, d.reason, d.decided_at, d.decided_by \
         FROM decisions d JOIN reviews r ON r.id = d.review_id \
         WHERE r.workspace_id = $1 AND r.status = 'in_progress' ORDER BY d.decided_at, d.id",
    )
    .bind(ws.to_string())
    .fetch_all(c)
    .await?;
    let mut out: std::collections::HashMap<Id, Vec<DecisionRecord>> = std::collections::HashMap::new();
    for r in &rows {
        out.entry(row::id(r, "review_id")?).or_default().push(decision(r)?);
    }
    Ok(out)
}

/// The workflow revisions a new version could restart (those of each asset's latest review
/// when that review is still open or asked for changes).
pub async fn restartable_revisions(c: &mut AnyConnection, ws: Id) -> Result<Vec<(Id, u32)>> {
    let sql = format!(
        "SELECT DISTINCT workflow_id, workflow_revision FROM reviews WHERE workspace_id = $1 AND status IN ('{}', '{}')",
        ReviewStatus::InProgress.as_str(),
        ReviewStatus::ChangesRequested.as_str()
    );
    sqlx::query(&sql)
        .bind(ws.to_string())
        .fetch_all(c)
        .await?
        .iter()
        .map(|r| Ok((row::id(r, "workflow_id")?, row::uint(r, "workflow_revision")?)))
        .collect()
}

/// Open reviews whose frozen plan names `user`, in the workspaces `user` belongs to, oldest
/// first. The plan is text in both databases, so the id match is a cheap first sieve; the
/// caller replays each review to see which stage waits for whom.
pub async fn open_naming(c: &mut AnyConnection, user: Id) -> Result<Vec<ReviewRecord>> {
    let sql = format!(
        "SELECT {COLS} FROM reviews WHERE status = $1 AND plan LIKE $2 \
         AND workspace_id IN (SELECT workspace_id FROM memberships WHERE user_id = $3) ORDER BY created_at, id"
    );
    sqlx::query(&sql)
        .bind(ReviewStatus::InProgress.as_str())
        .bind(format!("%{user}%"))
        .bind(user.to_string())
        .fetch_all(c)
        .await?
        .iter()
        .map(decode)
        .collect()
}

/// A review event as stored.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReviewEvent {
    pub id: Id,
    pub review_id: Id,
    pub kind: vellum_domain::review::ReviewEventKind,
    pub stage: String,
    /// Who it concerns: the approver reminded, the escalation target, the new approver.
    pub user_id: Id,
    pub detail: Option<serde_json::Value>,
    pub at: Timestamp,
}

/// Records an event; with a `unique_key`, recording the same one twice is a no-op (returns
/// false), so a retried or repeated sweep never reminds anyone twice.
pub async fn insert_event(c: &mut AnyConnection, e: &ReviewEvent, unique_key: Option<&str>) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO review_events (id, review_id, kind, stage, user_id, detail, at, unique_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (unique_key) DO NOTHING",
    )
    .bind(e.id.to_string())
    .bind(e.review_id.to_string())
    .bind(e.kind.as_str())
    .bind(&e.stage)
    .bind(e.user_id.to_string())
    .bind(e.detail.as_ref().map(row::to_json).transpose()?)
    .bind(e.at.to_string())
    .bind(unique_key)
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A review's events, oldest first.
pub async fn events(c: &mut AnyConnection, review: Id) -> Result<Vec<ReviewEvent>> {
    sqlx::query(
        "SELECT id, review_id, kind, stage, user_id, detail, at FROM review_events WHERE review_id = $1 ORDER BY at, id",
    )
    .bind(review.to_string())
    .fetch_all(c)
    .await?
    .iter()
    .map(|r| {
        Ok(ReviewEvent {
            id: row::id(r, "id")?,
            review_id: row::id(r, "review_id")?,
            kind: row::parsed(r, "kind", vellum_domain::review::ReviewEventKind::parse)?,
            stage: row::text(r, "stage")?,
            user_id: row::id(r, "user_id")?,
            detail: row::opt_text(r, "detail")?
                .map(|t| serde_json::from_str(&t).map_err(|e| crate::Error::Corrupt(format!("detail: {e}"))))
                .transpose()?,
            at: row::ts(r, "at")?,
        })
    })
    .collect()
}

/// Replaces a review's resolved plan (a reassignment).
pub async fn set_plan(c: &mut AnyConnection, id: Id, plan: &[vellum_domain::review::StagePlan]) -> Result<()> {
    sqlx::query("UPDATE reviews SET plan = $1 WHERE id = $2")
        .bind(row::to_json(&plan)?)
        .bind(id.to_string())
        .execute(c)
        .await?;
    Ok(())
}

/// The reviews still in progress, oldest first (what the reminder sweep walks).
pub async fn in_progress(c: &mut AnyConnection) -> Result<Vec<ReviewRecord>> {
    let sql = format!("SELECT {COLS} FROM reviews WHERE status = $1 ORDER BY created_at, id");
    sqlx::query(&sql).bind(ReviewStatus::InProgress.as_str()).fetch_all(c).await?.iter().map(decode).collect()
}

/// Sets when a review next has a reminder or escalation due (None: never again).
pub async fn set_next_chase(c: &mut AnyConnection, id: Id, at: Option<Timestamp>) -> Result<()> {
    sqlx::query("UPDATE reviews SET next_chase_at = $1 WHERE id = $2")
        .bind(at.map(|t| t.to_string()))
        .bind(id.to_string())
        .execute(c)
        .await?;
    Ok(())
}

/// Sets the next chase time, unless the stored one is already due at `now` (the sweep has yet
/// to record it).
pub async fn set_next_chase_keeping_due(
    c: &mut AnyConnection,
    id: Id,
    at: Option<Timestamp>,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "UPDATE reviews SET next_chase_at = CASE WHEN next_chase_at IS NOT NULL AND next_chase_at <= $1 \
         THEN next_chase_at ELSE $2 END WHERE id = $3",
    )
    .bind(now.to_string())
    .bind(at.map(|t| t.to_string()))
    .bind(id.to_string())
    .execute(c)
    .await?;
    Ok(())
}

/// The reviews in progress with a reminder or escalation due by `now`, from the index.
pub async fn due_to_chase(c: &mut AnyConnection, now: Timestamp) -> Result<Vec<Id>> {
    // The status is written out, not bound: only then may the partial index serve the query.
    sqlx::query(
        "SELECT id FROM reviews WHERE status = 'in_progress' AND next_chase_at <= $1 ORDER BY next_chase_at, id",
    )
    .bind(now.to_string())
    .fetch_all(c)
    .await?
    .iter()
    .map(|r| row::id(r, "id"))
    .collect()
}

/// How many reviews `due_to_chase` would return: the floor a sweep's read is measured against.
pub async fn count_due_to_chase(c: &mut AnyConnection, now: Timestamp) -> Result<i64> {
    let r = sqlx::query("SELECT COUNT(*) AS n FROM reviews WHERE status = 'in_progress' AND next_chase_at <= $1")
        .bind(now.to_string())
        .fetch_one(c)
        .await?;
    row::int(&r, "n")
}

/// Records the comments one approver's decision on a stage cites.
pub async fn cite_comments(c: &mut AnyConnection, review: Id, stage: usize, user: Id, comments: &[Id]) -> Result<()> {
    for comment in comments {
        sqlx::query(
            "INSERT INTO decision_comments (review_id, stage, user_id, comment_id) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (review_id, stage, user_id, comment_id) DO NOTHING",
        )
        .bind(review.to_string())
        .bind(i64::try_from(stage).unwrap_or(i64::MAX))
        .bind(user.to_string())
        .bind(comment.to_string())
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

/// The comments cited by a review's decisions: (stage, approver, comment).
pub async fn cited_comments(c: &mut AnyConnection, review: Id) -> Result<Vec<(usize, Id, Id)>> {
    sqlx::query("SELECT stage, user_id, comment_id FROM decision_comments WHERE review_id = $1 ORDER BY comment_id")
        .bind(review.to_string())
        .fetch_all(c)
        .await?
        .iter()
        .map(|r| {
            let stage = usize::try_from(row::int(r, "stage")?).unwrap_or(usize::MAX);
            Ok((stage, row::id(r, "user_id")?, row::id(r, "comment_id")?))
        })
        .collect()
}

/// Invites a member to a review as a collaborator; false when they already were one.
pub async fn add_collaborator(c: &mut AnyConnection, review: Id, user: Id, by: Id, at: Timestamp) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO review_collaborators (review_id, user_id, added_by, added_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (review_id, user_id) DO NOTHING",
    )
    .bind(review.to_string())
    .bind(user.to_string())
    .bind(by.to_string())
    .bind(at.to_string())
    .execute(c)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Takes a collaborator off a review; false when they were not one.
pub async fn remove_collaborator(c: &mut AnyConnection, review: Id, user: Id) -> Result<bool> {
    let done = sqlx::query("DELETE FROM review_collaborators WHERE review_id = $1 AND user_id = $2")
        .bind(review.to_string())
        .bind(user.to_string())
        .execute(c)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// A review's collaborators, in the order they were invited.
pub async fn collaborators(c: &mut AnyConnection, review: Id) -> Result<Vec<Id>> {
    sqlx::query("SELECT user_id FROM review_collaborators WHERE review_id = $1 ORDER BY added_at, user_id")
        .bind(review.to_string())
        .fetch_all(c)
        .await?
        .iter()
        .map(|r| row::id(r, "user_id"))
        .collect()
}

/// Whether a user collaborates on any review of an asset.
pub async fn collaborates_on_asset(c: &mut AnyConnection, asset: Id, user: Id) -> Result<bool> {
    let r = sqlx::query(
        "SELECT COUNT(*) AS n FROM review_collaborators k JOIN reviews r ON r.id = k.review_id \
         WHERE r.asset_id = $1 AND k.user_id = $2",
    )
    .bind(asset.to_string())
    .bind(user.to_string())
    .fetch_one(c)
    .await?;
    Ok(row::int(&r, "n")? > 0)
}

/// A workspace's reviews in progress.
pub async fn in_progress_in(c: &mut AnyConnection, ws: Id) -> Result<Vec<ReviewRecord>> {
    let sql = format!("SELECT {COLS} FROM reviews WHERE workspace_id = $1 AND status = $2 ORDER BY created_at, id");
    sqlx::query(&sql)
        .bind(ws.to_string())
        .bind(ReviewStatus::InProgress.as_str())
        .fetch_all(c)
        .await?
        .iter()
        .map(decode)
        .collect()
}
