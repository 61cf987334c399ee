//! Brief templates (each change a new revision, kept whole), briefs (with every submitted
//! revision kept), and the assets linked to a brief.

use serde_json::{Map, Value};
use sqlx::{any::AnyRow, AnyConnection};
use vellum_domain::{
    brief::{BriefStatus, TemplateSpec},
    status::AssetStatus,
    Id, Timestamp,
};

use crate::{dialect, row, Result};

/// A template at its latest revision.
#[derive(Debug, Clone)]
pub struct Template {
    pub id: Id,
    pub workspace_id: Id,
    pub revision: u32,
    pub spec: TemplateSpec,
    pub created_by: Id,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// When a brief reached each step towards market.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timeline {
    pub submitted_at: Option<Timestamp>,
    pub approved_at: Option<Timestamp>,
    pub first_asset_at: Option<Timestamp>,
    pub done_at: Option<Timestamp>,
}

#[derive(Debug, Clone)]
pub struct Brief {
    pub id: Id,
    pub workspace_id: Id,
    pub template_id: Id,
    pub template_revision: u32,
    pub campaign_id: Option<Id>,
    pub revision: u32,
    pub title: String,
    pub fields: Map<String, Value>,
    pub reference_asset_ids: Vec<Id>,
    pub status: BriefStatus,
    pub created_by: Id,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub timeline: Timeline,
}

/// An asset linked to a brief, as the brief's deliverables see it.
#[derive(Debug, Clone)]
pub struct Linked {
    pub asset_id: Id,
    pub deliverable: Option<String>,
    pub status: AssetStatus,
    pub approved_version: Option<u32>,
    pub created_at: Timestamp,
}

fn template(r: &AnyRow) -> Result<Template> {
    Ok(Template {
        id: row::id(r, "id")?,
        workspace_id: row::id(r, "workspace_id")?,
        revision: row::uint(r, "revision")?,
        spec: row::json(r, "spec")?,
        created_by: row::id(r, "created_by")?,
        created_at: row::ts(r, "created_at")?,
        updated_at: row::ts(r, "updated_at")?,
    })
}

const TEMPLATE_SQL: &str = "SELECT t.id, t.workspace_id, t.revision, r.spec, t.created_by, t.created_at, t.updated_at \
     FROM brief_templates t JOIN brief_template_revisions r ON r.template_id = t.id AND r.revision = t.revision";

pub async fn insert_template(c: &mut AnyConnection, t: &Template) -> Result<()> {
    sqlx::query(
        "INSERT INTO brief_templates (id, workspace_id, revision, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(t.id.to_string())
    .bind(t.workspace_id.to_string())
    .bind(i64::from(t.revision))
    .bind(t.created_by.to_string())
    .bind(t.created_at.to_string())
    .bind(t.updated_at.to_string())
    .execute(&mut *c)
    .await?;
    insert_template_revision(c, t.id, t.revision, &t.spec, t.created_by, t.created_at).await
}

/// Records a new revision and makes it the template's latest.
pub async fn revise_template(c: &mut AnyConnection, t: &Template) -> Result<()> {
    insert_template_revision(&mut *c, t.id, t.revision, &t.spec, t.created_by, t.updated_at).await?;
    sqlx::query("UPDATE brief_templates SET revision = $1, updated_at = $2 WHERE id = $3")
        .bind(i64::from(t.revision))
        .bind(t.updated_at.to_string())
        .bind(t.id.to_string())
        .execute(c)
        .await?;
    Ok(())
}

async fn insert_template_revision(
    c: &mut AnyConnection,
    id: Id,
    revision: u32,
    spec: &TemplateSpec,
    by: Id,
    at: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO brief_template_revisions (template_id, revision, spec, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id.to_string())
    .bind(i64::from(revision))
    .bind(row::to_json(spec)?)
    .bind(by.to_string())
    .bind(at.to_string())
    .execute(c)
    .await?;
    Ok(())
}

pub async fn get_template(c: &mut AnyConnection, id: Id, for_update: bool) -> Result<Option<Template>> {
    let lock = if for_update { dialect::of(c).for_update() } else { "" };
    let sql = format!("{TEMPLATE_SQL} WHERE t.id = $1{lock}");
    sqlx::query(&sql).bind(id.to_string()).fetch_optional(c).await?.as_ref().map(template).transpose()
}

/// One revision of a template, as it was written.
pub async fn template_revision(c: &mut AnyConnection, id: Id, revision: u32) -> Result<Option<TemplateSpec>> {
    let r = sqlx::query("SELECT spec FROM brief_template_revisions WHERE template_id = $1 AND revision = $2")
        .bind(id.to_string())
        .bind(i64::from(revision))
        .fetch_optional(c)
        .await?;
    r.as_ref().map(|r| row::json(r, "spec")).transpose()
}

pub async fn templates(c: &mut AnyConnection, workspace: Id) -> Result<Vec<Template>> {
    let sql = format!("{TEMPLATE_SQL} WHERE t.workspace_id = $1 ORDER BY t.created_at, t.id");
    sqlx::query(&sql).bind(workspace.to_string()).fetch_all(c).await?.iter().map(template).collect()
}

const BRIEF_COLS: &str = "id, workspace_id, template_id, template_revision, campaign_id, revision, title, fields, \
     reference_asset_ids, status, created_by, created_at, updated_at, submitted_at, approved_at, first_asset_at, done_at";

fn brief(r: &AnyRow) -> Result<Brief> {
    Ok(Brief {
        id: row::id(r, "id")?,
        workspace_id: row::id(r, "workspace_id")?,
        template_id: row::id(r, "template_id")?,
        template_revision: row::uint(r, "template_revision")?,
        campaign_id: row::opt_id(r, "campaign_id")?,
        revision: row::uint(r, "revision")?,
        title: row::text(r, "title")?,
        fields: row::json(r, "fields")?,
        reference_asset_ids: row::json(r, "reference_asset_ids")?,
        status: row::parsed(r, "status", BriefStatus::parse)?,
        created_by: row::id(r, "created_by")?,
        created_at: row::ts(r, "created_at")?,
        updated_at: row::ts(r, "updated_at")?,
        timeline: Timeline {
            submitted_at: row::opt_ts(r, "submitted_at")?,
            approved_at: row::opt_ts(r, "approved_at")?,
            first_asset_at: row::opt_ts(r, "first_asset_at")?,
            done_at: row::opt_ts(r, "done_at")?,
        },
    })
}

pub async fn insert(c: &mut AnyConnection, b: &Brief) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO briefs ({BRIEF_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
    ))
    .bind(b.id.to_string())
    .bind(b.workspace_id.to_string())
    .bind(b.template_id.to_string())
    .bind(i64::from(b.template_revision))
    .bind(b.campaign_id.map(|i| i.to_string()))
    .bind(i64::from(b.revision))
    .bind(b.title.clone())
    .bind(row::to_json(&b.fields)?)
    .bind(row::to_json(&b.reference_asset_ids)?)
    .bind(b.status.as_str())
    .bind(b.created_by.to_string())
    .bind(b.created_at.to_string())
    .bind(b.updated_at.to_string())
    .bind(b.timeline.submitted_at.map(|t| t.to_string()))
    .bind(b.timeline.approved_at.map(|t| t.to_string()))
    .bind(b.timeline.first_asset_at.map(|t| t.to_string()))
    .bind(b.timeline.done_at.map(|t| t.to_string()))
    .execute(c)
    .await?;
    Ok(())
}

/// Saves everything about a brief that can change.
pub async fn update(c: &mut AnyConnection, b: &Brief) -> Result<()> {
    sqlx::query(
        "UPDATE briefs SET campaign_id = $1, revision = $2, title = $3, fields = $4, reference_asset_ids = $5, \
         status = $6, updated_at = $7, submitted_at = $8, approved_at = $9, first_asset_at = $10, done_at = $11 \
         WHERE id = $12",
    )
    .bind(b.campaign_id.map(|i| i.to_string()))
    .bind(i64::from(b.revision))
    .bind(b.title.clone())
    .bind(row::to_json(&b.fields)?)
    .bind(row::to_json(&b.reference_asset_ids)?)
    .bind(b.status.as_str())
    .bind(b.updated_at.to_string())
    .bind(b.timeline.submitted_at.map(|t| t.to_string()))
    .bind(b.timeline.approved_at.map(|t| t.to_string()))
    .bind(b.timeline.first_asset_at.map(|t| t.to_string()))
    .bind(b.timeline.done_at.map(|t| t.to_string()))
    .bind(b.id.to_string())
    .execute(c)
    .await?;
    Ok(())
}

/// Keeps a revision as it was submitted (it never changes afterwards).
pub async fn insert_revision(c: &mut AnyConnection, b: &Brief, by: Id, at: Timestamp) -> Result<()> {
    sqlx::query(
        "INSERT INTO brief_revisions (brief_id, revision, title, fields, reference_asset_ids, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(b.id.to_string())
    .bind(i64::from(b.revision))
    .bind(b.title.clone())
    .bind(row::to_json(&b.fields)?)
    .bind(row::to_json(&b.reference_asset_ids)?)
    .bind(by.to_string())
    .bind(at.to_string())
    .execute(c)
    .await?;
    Ok(())
}

/// Whether a revision of the brief was kept as submitted.
pub async fn revision_kept(c: &mut AnyConnection, id: Id, revision: u32) -> Result<bool> {
    let r = sqlx::query("SELECT COUNT(*) AS n FROM brief_revisions WHERE brief_id = $1 AND revision = $2")
        .bind(id.to_string())
        .bind(i64::from(revision))
        .fetch_one(c)
        .await?;
    Ok(row::int(&r, "n")? > 0)
}

pub async fn get(c: &mut AnyConnection, id: Id, for_update: bool) -> Result<Option<Brief>> {
    let lock = if for_update { dialect::of(c).for_update() } else { "" };
    let sql = format!("SELECT {BRIEF_COLS} FROM briefs WHERE id = $1{lock}");
    sqlx::query(&sql).bind(id.to_string()).fetch_optional(c).await?.as_ref().map(brief).transpose()
}

/// A workspace's briefs, newest first, narrowed by status and campaign.
pub async fn list(
    c: &mut AnyConnection,
    workspace: Id,
    status: Option<BriefStatus>,
    campaign: Option<Id>,
    limit: u32,
) -> Result<Vec<Brief>> {
    let sql = format!(
        "SELECT {BRIEF_COLS} FROM briefs WHERE workspace_id = $1 AND ($2 = '' OR status = $2) \
         AND ($3 = '' OR campaign_id = $3) ORDER BY created_at DESC, id DESC LIMIT {limit}"
    );
    sqlx::query(&sql)
        .bind(workspace.to_string())
        .bind(status.map_or("", BriefStatus::as_str))
        .bind(campaign.map(|c| c.to_string()).unwrap_or_default())
        .fetch_all(c)
        .await?
        .iter()
        .map(brief)
        .collect()
}

/// The assets linked to a brief, oldest first.
pub async fn linked(c: &mut AnyConnection, brief: Id) -> Result<Vec<Linked>> {
    let rows = sqlx::query(
        "SELECT id, deliverable, status, approved_version, created_at FROM assets WHERE brief_id = $1 \
         ORDER BY created_at, id",
    )
    .bind(brief.to_string())
    .fetch_all(c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Linked {
                asset_id: row::id(r, "id")?,
                deliverable: row::opt_text(r, "deliverable")?,
                status: row::parsed(r, "status", AssetStatus::parse)?,
                approved_version: row::opt_uint(r, "approved_version")?,
                created_at: row::ts(r, "created_at")?,
            })
        })
        .collect()
}

/// Files an asset under a brief (and its deliverable) and a campaign.
pub async fn link_asset(
    c: &mut AnyConnection,
    asset: Id,
    brief: Option<Id>,
    deliverable: Option<&str>,
    campaign: Option<Id>,
) -> Result<()> {
    sqlx::query("UPDATE assets SET brief_id = $1, deliverable = $2, campaign_id = $3 WHERE id = $4")
        .bind(brief.map(|b| b.to_string()))
        .bind(deliverable.map(str::to_string))
        .bind(campaign.map(|c| c.to_string()))
        .bind(asset.to_string())
        .execute(c)
        .await?;
    Ok(())
}

/// The brief, deliverable and campaign an asset is filed under.
pub async fn asset_link(c: &mut AnyConnection, asset: Id) -> Result<(Option<Id>, Option<String>, Option<Id>)> {
    let r = sqlx::query("SELECT brief_id, deliverable, campaign_id FROM assets WHERE id = $1")
        .bind(asset.to_string())
        .fetch_optional(c)
        .await?;
    match r {
        Some(r) => {
            Ok((row::opt_id(&r, "brief_id")?, row::opt_text(&r, "deliverable")?, row::opt_id(&r, "campaign_id")?))
        }
        None => Ok((None, None, None)),
    }
}
