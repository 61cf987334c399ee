//! Campaigns of a workspace and their milestones.

use sqlx::{any::AnyRow, AnyConnection};
use vellum_domain::{campaign::MilestoneKind, fields::Money, Id, Timestamp};

use crate::{row, Result};

#[derive(Debug, Clone)]
pub struct Campaign {
    pub id: Id,
    pub workspace_id: Id,
    pub name: String,
    pub code: String,
    pub objective: Option<String>,
    pub channels: Vec<String>,
    /// `YYYY-MM-DD`.
    pub starts_on: String,
    pub ends_on: String,
    pub budget: Option<Money>,
    pub colour: Option<String>,
    pub owner_id: Id,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct Milestone {
    pub id: Id,
    pub campaign_id: Id,
    pub name: String,
    pub kind: MilestoneKind,
    /// `YYYY-MM-DD`.
    pub due_on: String,
    pub channel: Option<String>,
    pub buffer_business_days: u32,
    pub depends_on: Vec<Id>,
    pub assignee_id: Option<Id>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

const CAMPAIGN_COLS: &str = "id, workspace_id, name, code, objective, channels, starts_on, ends_on, budget, colour, \
                             owner_id, created_at, updated_at";
const MILESTONE_COLS: &str = "id, campaign_id, name, kind, due_on, channel, buffer_business_days, depends_on, \
                              assignee_id, created_at, updated_at";

fn campaign(r: &AnyRow) -> Result<Campaign> {
    Ok(Campaign {
        id: row::id(r, "id")?,
        workspace_id: row::id(r, "workspace_id")?,
        name: row::text(r, "name")?,
        code: row::text(r, "code")?,
        objective: row::opt_text(r, "objective")?,
        channels: row::json(r, "channels")?,
        starts_on: row::text(r, "starts_on")?,
        ends_on: row::text(r, "ends_on")?,
        budget: row::opt_text(r, "budget")?
            .map(|s| serde_json::from_str(&s).map_err(|e| crate::Error::Corrupt(format!("budget: {e}"))))
            .transpose()?,
        colour: row::opt_text(r, "colour")?,
        owner_id: row::id(r, "owner_id")?,
        created_at: row::ts(r, "created_at")?,
        updated_at: row::ts(r, "updated_at")?,
    })
}

pub(crate) fn decode_milestone(r: &AnyRow) -> Result<Milestone> {
    Ok(Milestone {
        id: row::id(r, "id")?,
        campaign_id: row::id(r, "campaign_id")?,
        name: row::text(r, "name")?,
        kind: row::parsed(r, "kind", MilestoneKind::parse)?,
        due_on: row::text(r, "due_on")?,
        channel: row::opt_text(r, "channel")?,
        buffer_business_days: row::uint(r, "buffer_business_days")?,
        depends_on: row::json(r, "depends_on")?,
        assignee_id: row::opt_id(r, "assignee_id")?,
        created_at: row::ts(r, "created_at")?,
        updated_at: row::ts(r, "updated_at")?,
    })
}

/// Inserts or replaces a campaign (by id).
pub async fn save(c: &mut AnyConnection, k: &Campaign) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO campaigns ({CAMPAIGN_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, code = excluded.code, objective = excluded.objective, \
         channels = excluded.channels, starts_on = excluded.starts_on, ends_on = excluded.ends_on, \
         budget = excluded.budget, colour = excluded.colour, owner_id = excluded.owner_id, \
         updated_at = excluded.updated_at"
    ))
    .bind(k.id.to_string())
    .bind(k.workspace_id.to_string())
    .bind(&k.name)
    .bind(&k.code)
    .bind(k.objective.as_deref())
    .bind(row::to_json(&k.channels)?)
    .bind(&k.starts_on)
    .bind(&k.ends_on)
    .bind(k.budget.as_ref().map(row::to_json).transpose()?)
    .bind(k.colour.as_deref())
    .bind(k.owner_id.to_string())
    .bind(k.created_at.to_string())
    .bind(k.updated_at.to_string())
    .execute(c)
    .await?;
    Ok(())
}

pub async fn get(c: &mut AnyConnection, id: Id) -> Result<Option<Campaign>> {
    let r = sqlx::query(&format!("SELECT {CAMPAIGN_COLS} FROM campaigns WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(c)
        .await?;
    r.as_ref().map(campaign).transpose()
}

/// A workspace's campaigns, by start date.
pub async fn of_workspace(c: &mut AnyConnection, ws: Id) -> Result<Vec<Campaign>> {
    let rows =
        sqlx::query(&format!("SELECT {CAMPAIGN_COLS} FROM campaigns WHERE workspace_id = $1 ORDER BY starts_on, id"))
            .bind(ws.to_string())
            .fetch_all(c)
            .await?;
    rows.iter().map(campaign).collect()
}

/// Inserts or replaces a milestone (by id).
pub async fn save_milestone(c: &mut AnyConnection, m: &Milestone) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO milestones ({MILESTONE_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, due_on = excluded.due_on, \
         channel = excluded.channel, buffer_business_days = excluded.buffer_business_days, \
         depends_on = excluded.depends_on, assignee_id = excluded.assignee_id, updated_at = excluded.updated_at"
    ))
    .bind(m.id.to_string())
    .bind(m.campaign_id.to_string())
    .bind(&m.name)
    .bind(m.kind.as_str())
    .bind(&m.due_on)
    .bind(m.channel.as_deref())
    .bind(i64::from(m.buffer_business_days))
    .bind(row::to_json(&m.depends_on)?)
    .bind(m.assignee_id.map(|a| a.to_string()))
    .bind(m.created_at.to_string())
    .bind(m.updated_at.to_string())
    .execute(c)
    .await?;
    Ok(())
}

pub async fn milestone_by_id(c: &mut AnyConnection, id: Id) -> Result<Option<Milestone>> {
    let r = sqlx::query(&format!("SELECT {MILESTONE_COLS} FROM milestones WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(c)
        .await?;
    r.as_ref().map(decode_milestone).transpose()
}

/// A campaign's milestones, by due date.
pub async fn milestones(c: &mut AnyConnection, campaign: Id) -> Result<Vec<Milestone>> {
    let rows =
        sqlx::query(&format!("SELECT {MILESTONE_COLS} FROM milestones WHERE campaign_id = $1 ORDER BY due_on, id"))
            .bind(campaign.to_string())
            .fetch_all(c)
            .await?;
    rows.iter().map(decode_milestone).collect()
}
