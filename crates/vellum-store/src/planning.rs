//! What the board and the calendar read in one go per workspace (assets as cards, every
//! milestone), and the calendar feeds members subscribe to (only a hash of each token kept).

use sqlx::{any::AnyRow, AnyConnection};
use vellum_domain::{metadata::AssetMetadata, status::AssetStatus, Id, Timestamp};

use crate::{campaigns::Milestone, row, Result};

/// An asset as a card: what its column, filters and calendar entries need.
#[derive(Debug, Clone)]
pub struct AssetCard {
    pub id: Id,
    pub title: String,
    pub status: AssetStatus,
    pub approved_version: Option<u32>,
    pub metadata: AssetMetadata,
    pub campaign_id: Option<Id>,
    pub created_by: Id,
    pub updated_at: Timestamp,
}

/// A workspace's assets as cards (of one campaign, when named), most recently changed first.
pub async fn asset_cards(c: &mut AnyConnection, ws: Id, campaign: Option<Id>) -> Result<Vec<AssetCard>> {
    let rows = sqlx::query(
        "SELECT id, title, status, approved_version, metadata, campaign_id, created_by, updated_at FROM assets \
         WHERE workspace_id = $1 AND ($2 = '' OR campaign_id = $2) ORDER BY updated_at DESC, id DESC",
    )
    .bind(ws.to_string())
    .bind(campaign.map(|k| k.to_string()).unwrap_or_default())
    .fetch_all(c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(AssetCard {
                id: row::id(r, "id")?,
                title: row::text(r, "title")?,
                status: row::parsed(r, "status", AssetStatus::parse)?,
                approved_version: row::opt_uint(r, "approved_version")?,
                metadata: row::json(r, "metadata")?,
                campaign_id: row::opt_id(r, "campaign_id")?,
                created_by: row::id(r, "created_by")?,
                updated_at: row::ts(r, "updated_at")?,
            })
        })
        .collect()
}

/// A brief as a card: no answers, only what its column and filters need.
#[derive(Debug, Clone)]
pub struct BriefCard {
    pub id: Id,
    pub title: String,
    pub status: vellum_domain::brief::BriefStatus,
    pub campaign_id: Option<Id>,
    pub created_by: Id,
}

/// A workspace's briefs as cards (of one campaign, when named), newest first.
pub async fn brief_cards(c: &mut AnyConnection, ws: Id, campaign: Option<Id>) -> Result<Vec<BriefCard>> {
    let rows = sqlx::query(
        "SELECT id, title, status, campaign_id, created_by FROM briefs \
         WHERE workspace_id = $1 AND ($2 = '' OR campaign_id = $2) ORDER BY created_at DESC, id DESC",
    )
    .bind(ws.to_string())
    .bind(campaign.map(|k| k.to_string()).unwrap_or_default())
    .fetch_all(c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(BriefCard {
                id: row::id(r, "id")?,
                title: row::text(r, "title")?,
                status: row::parsed(r, "status", vellum_domain::brief::BriefStatus::parse)?,
                campaign_id: row::opt_id(r, "campaign_id")?,
                created_by: row::id(r, "created_by")?,
            })
        })
        .collect()
}

/// Every milestone of a workspace's campaigns (or of one), by due date.
pub async fn milestones_in(c: &mut AnyConnection, ws: Id, campaign: Option<Id>) -> Result<Vec<Milestone>> {
    let rows = sqlx::query(
        "SELECT m.id, m.campaign_id, m.name, m.kind, m.due_on, m.channel, m.buffer_business_days, m.depends_on, \
         m.assignee_id, m.created_at, m.updated_at FROM milestones m JOIN campaigns k ON k.id = m.campaign_id \
         WHERE k.workspace_id = $1 AND ($2 = '' OR m.campaign_id = $2) ORDER BY m.due_on, m.id",
    )
    .bind(ws.to_string())
    .bind(campaign.map(|k| k.to_string()).unwrap_or_default())
    .fetch_all(c)
    .await?;
    rows.iter().map(crate::campaigns::decode_milestone).collect()
}

/// Whom a calendar feed shows: its owner's work, or one campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedScope {
    Me,
    Campaign,
}

impl FeedScope {
    pub fn as_str(self) -> &'static str {
        match self {
            FeedScope::Me => "me",
            FeedScope::Campaign => "campaign",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [FeedScope::Me, FeedScope::Campaign].into_iter().find(|f| f.as_str() == s)
    }
}

#[derive(Debug, Clone)]
pub struct Feed {
    pub id: Id,
    pub user_id: Id,
    pub scope: FeedScope,
    pub campaign_id: Option<Id>,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

const FEED_COLS: &str = "id, user_id, scope, campaign_id, created_at, revoked_at";

fn feed(r: &AnyRow) -> Result<Feed> {
    Ok(Feed {
        id: row::id(r, "id")?,
        user_id: row::id(r, "user_id")?,
        scope: row::parsed(r, "scope", FeedScope::parse)?,
        campaign_id: row::opt_id(r, "campaign_id")?,
        created_at: row::ts(r, "created_at")?,
        revoked_at: row::opt_ts(r, "revoked_at")?,
    })
}

pub async fn insert_feed(c: &mut AnyConnection, f: &Feed, token_hash: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO ical_feeds (id, user_id, scope, campaign_id, token_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(f.id.to_string())
    .bind(f.user_id.to_string())
    .bind(f.scope.as_str())
    .bind(f.campaign_id.map(|k| k.to_string()))
    .bind(token_hash.to_string())
    .bind(f.created_at.to_string())
    .execute(c)
    .await?;
    Ok(())
}

/// A user's feeds that still work, oldest first.
pub async fn feeds_of(c: &mut AnyConnection, user: Id) -> Result<Vec<Feed>> {
    let sql =
        format!("SELECT {FEED_COLS} FROM ical_feeds WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at, id");
    sqlx::query(&sql).bind(user.to_string()).fetch_all(c).await?.iter().map(feed).collect()
}

pub async fn feed_by_id(c: &mut AnyConnection, id: Id) -> Result<Option<Feed>> {
    let sql = format!("SELECT {FEED_COLS} FROM ical_feeds WHERE id = $1");
    sqlx::query(&sql).bind(id.to_string()).fetch_optional(c).await?.as_ref().map(feed).transpose()
}

/// The feed a token opens (the lookup is by the token's hash, never the token).
pub async fn feed_by_token(c: &mut AnyConnection, token_hash: &str) -> Result<Option<Feed>> {
    let sql = format!("SELECT {FEED_COLS} FROM ical_feeds WHERE token_hash = $1");
    sqlx::query(&sql).bind(token_hash.to_string()).fetch_optional(c).await?.as_ref().map(feed).transpose()
}

pub async fn revoke_feed(c: &mut AnyConnection, id: Id, at: Timestamp) -> Result<()> {
    sqlx::query("UPDATE ical_feeds SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(at.to_string())
        .bind(id.to_string())
        .execute(c)
        .await?;
    Ok(())
}
