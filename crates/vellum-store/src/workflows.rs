//! Workflow templates and their immutable revisions.

use sqlx::{any::AnyRow, AnyConnection};
use vellum_domain::{workflow::StageSpec, Id};

use crate::{dialect, model::Workflow, row, Result};

const COLS: &str = "w.id, w.workspace_id, r.name, w.revision, r.stages, w.created_at, w.updated_at";

fn decode(r: &AnyRow) -> Result<Workflow> {
    Ok(Workflow {
        id: row::id(r, "id")?,
        workspace_id: row::id(r, "workspace_id")?,
        name: row::text(r, "name")?,
        revision: row::uint(r, "revision")?,
        stages: row::json(r, "stages")?,
        created_at: row::ts(r, "created_at")?,
        updated_at: row::ts(r, "updated_at")?,
    })
}

async fn insert_revision(c: &mut AnyConnection, w: &Workflow, by: Id) -> Result<()> {
    sqlx::query(
        "INSERT INTO workflow_revisions (workflow_id, revision, name, stages, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(w.id.to_string())
    .bind(i64::from(w.revision))
    .bind(&w.name)
    .bind(row::to_json(&w.stages)?)
    .bind(by.to_string())
    .bind(w.updated_at.to_string())
    .execute(c)
    .await?;
    Ok(())
}

pub async fn insert(c: &mut AnyConnection, w: &Workflow, by: Id) -> Result<()> {
    sqlx::query("INSERT INTO workflows (id, workspace_id, name, revision, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(w.id.to_string())
        .bind(w.workspace_id.to_string())
        .bind(&w.name)
        .bind(i64::from(w.revision))
        .bind(w.created_at.to_string())
        .bind(w.updated_at.to_string())
        .execute(&mut *c)
        .await?;
    insert_revision(c, w, by).await
}

/// Stores `w` as its next revision (the caller has bumped `w.revision`).
pub async fn insert_next_revision(c: &mut AnyConnection, w: &Workflow, by: Id) -> Result<()> {
    sqlx::query("UPDATE workflows SET name = $1, revision = $2, updated_at = $3 WHERE id = $4")
        .bind(&w.name)
        .bind(i64::from(w.revision))
        .bind(w.updated_at.to_string())
        .bind(w.id.to_string())
        .execute(&mut *c)
        .await?;
    insert_revision(c, w, by).await
}

/// The latest revision of a workflow (locked on PostgreSQL when `for_update`).
pub async fn get(c: &mut AnyConnection, id: Id, for_update: bool) -> Result<Option<Workflow>> {
    let lock = if for_update { dialect::of(c).for_update() } else { "" };
    let sql = format!(
        "SELECT {COLS} FROM workflows w JOIN workflow_revisions r ON r.workflow_id = w.id AND r.revision = w.revision WHERE w.id = $1{lock}"
    );
    sqlx::query(&sql).bind(id.to_string()).fetch_optional(c).await?.as_ref().map(decode).transpose()
}

/// The stages of one exact revision.
pub async fn revision_stages(c: &mut AnyConnection, id: Id, revision: u32) -> Result<Option<Vec<StageSpec>>> {
    let r = sqlx::query("SELECT stages FROM workflow_revisions WHERE workflow_id = $1 AND revision = $2")
        .bind(id.to_string())
        .bind(i64::from(revision))
        .fetch_optional(c)
        .await?;
    r.map(|r| row::json(&r, "stages")).transpose()
}

pub async fn list(c: &mut AnyConnection, ws: Id) -> Result<Vec<Workflow>> {
    let sql = format!(
        "SELECT {COLS} FROM workflows w JOIN workflow_revisions r ON r.workflow_id = w.id AND r.revision = w.revision \
         WHERE w.workspace_id = $1 ORDER BY r.name"
    );
    sqlx::query(&sql).bind(ws.to_string()).fetch_all(c).await?.iter().map(decode).collect()
}
