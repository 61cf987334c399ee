//! Campaigns and milestones: plan them (owners, admins, managers), read them (every member),
//! and see which buffers a milestone's date breaks — by a dry run before saving.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use vellum_core::campaigns::{Campaign, CampaignInput, Milestone, MilestoneChange, MilestoneInput};
use vellum_domain::{
    campaign::{BufferConflict, MilestoneKind},
    fields::Money,
    Timestamp,
};

use crate::{
    auth::Authed,
    error::ApiResult,
    extract::{path_id, AppJson, AppQuery},
    AppState,
};

/// An amount in a currency's minor units (cents).
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    #[schema(minimum = 0)]
    amount: i64,
    /// ISO 4217, `AUD`.
    #[schema(pattern = "^[A-Z]{3}$")]
    currency: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCampaign {
    #[schema(min_length = 1, max_length = 200)]
    name: String,
    /// 2–32 capitals, digits, `_` or `-` (`SPRING26`); unique in the workspace.
    #[schema(pattern = "^[A-Z0-9][A-Z0-9_-]{1,31}$")]
    code: String,
    #[schema(max_length = 4000)]
    objective: Option<String>,
    #[schema(max_items = 30)]
    channels: Vec<String>,
    /// `YYYY-MM-DD`.
    #[schema(format = Date)]
    starts_on: String,
    /// `YYYY-MM-DD`, not before `starts_on`.
    #[schema(format = Date)]
    ends_on: String,
    budget: Option<Budget>,
    /// `#rrggbb`.
    #[schema(pattern = "^#[0-9a-fA-F]{6}$")]
    colour: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignPatch {
    #[schema(min_length = 1, max_length = 200)]
    name: Option<String>,
    #[schema(pattern = "^[A-Z0-9][A-Z0-9_-]{1,31}$")]
    code: Option<String>,
    #[schema(max_length = 4000)]
    objective: Option<String>,
    #[schema(max_items = 30)]
    channels: Option<Vec<String>>,
    #[schema(format = Date)]
    starts_on: Option<String>,
    #[schema(format = Date)]
    ends_on: Option<String>,
    budget: Option<Budget>,
    #[schema(pattern = "^#[0-9a-fA-F]{6}$")]
    colour: Option<String>,
}

/// A campaign.
#[derive(Serialize, ToSchema)]
pub struct CampaignItem {
    id: Uuid,
    workspace_id: Uuid,
    name: String,
    code: String,
    objective: Option<String>,
    channels: Vec<String>,
    starts_on: String,
    ends_on: String,
    budget: Option<Budget>,
    colour: Option<String>,
    owner_id: Uuid,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl From<Campaign> for CampaignItem {
    fn from(k: Campaign) -> Self {
        CampaignItem {
            id: k.id,
            workspace_id: k.workspace_id,
            name: k.name,
            code: k.code,
            objective: k.objective,
            channels: k.channels,
            starts_on: k.starts_on,
            ends_on: k.ends_on,
            budget: k.budget.map(|b| Budget { amount: b.amount, currency: b.currency }),
            colour: k.colour,
            owner_id: k.owner_id,
            created_at: k.created_at,
            updated_at: k.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CampaignList {
    campaigns: Vec<CampaignItem>,
}

fn money(b: Option<Budget>) -> Option<Money> {
    b.map(|b| Money { amount: b.amount, currency: b.currency })
}

/// Creates a campaign (owners, admins, managers).
#[utoipa::path(post, path = "/workspaces/{ws}/campaigns", tag = "campaigns", operation_id = "create_campaign",
    params(("ws" = String, Path, description = "Workspace id or slug")), request_body = NewCampaign,
    responses((status = 201, description = "Created", body = CampaignItem)))]
pub async fn create(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
    AppJson(b): AppJson<NewCampaign>,
) -> ApiResult<(StatusCode, Json<CampaignItem>)> {
    let input = CampaignInput {
        name: Some(b.name),
        code: Some(b.code),
        objective: b.objective,
        channels: Some(b.channels),
        starts_on: Some(b.starts_on),
        ends_on: Some(b.ends_on),
        budget: money(b.budget),
        colour: b.colour,
    };
    Ok((StatusCode::CREATED, Json(s.core.create_campaign(&a.actor, &ws, input).await?.into())))
}

/// The workspace's campaigns, by start date.
#[utoipa::path(get, path = "/workspaces/{ws}/campaigns", tag = "campaigns", operation_id = "list_campaigns",
    params(("ws" = String, Path, description = "Workspace id or slug")),
    responses((status = 200, description = "The campaigns", body = CampaignList)))]
pub async fn list(State(s): State<AppState>, a: Authed, Path(ws): Path<String>) -> ApiResult<Json<CampaignList>> {
    let campaigns = s.core.campaigns(&a.actor, &ws).await?;
    Ok(Json(CampaignList { campaigns: campaigns.into_iter().map(Into::into).collect() }))
}

/// When one brief of the campaign reached each step towards market.
#[derive(Serialize, ToSchema)]
pub struct BriefToMarket {
    brief_id: Uuid,
    title: String,
    submitted_at: Option<Timestamp>,
    approved_at: Option<Timestamp>,
    first_asset_at: Option<Timestamp>,
    /// When every deliverable had approved work.
    done_at: Option<Timestamp>,
}

/// A campaign with its briefs' time-to-market facts.
#[derive(Serialize, ToSchema)]
pub struct CampaignDetail {
    #[serde(flatten)]
    campaign: CampaignItem,
    /// Its briefs, newest first (empty for members who do not see work in progress).
    time_to_market: Vec<BriefToMarket>,
}

/// One campaign, with its briefs' time to market.
#[utoipa::path(get, path = "/campaigns/{id}", tag = "campaigns", operation_id = "get_campaign",
    params(("id" = Uuid, Path, description = "The campaign")),
    responses((status = 200, description = "The campaign", body = CampaignDetail)))]
pub async fn get(State(s): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<Json<CampaignDetail>> {
    let k = s.core.campaign(&a.actor, path_id(&id, "campaign")?).await?;
    let briefs = s.core.briefs(&a.actor, &k.workspace_id.to_string(), None, Some(k.id)).await?;
    let time_to_market = briefs
        .into_iter()
        .map(|v| BriefToMarket {
            brief_id: v.brief.id,
            title: v.brief.title,
            submitted_at: v.brief.timeline.submitted_at,
            approved_at: v.brief.timeline.approved_at,
            first_asset_at: v.brief.timeline.first_asset_at,
            done_at: v.brief.timeline.done_at,
        })
        .collect();
    Ok(Json(CampaignDetail { campaign: k.into(), time_to_market }))
}

/// Changes a campaign (owners, admins, managers).
#[utoipa::path(patch, path = "/campaigns/{id}", tag = "campaigns", operation_id = "update_campaign",
    params(("id" = Uuid, Path, description = "The campaign")), request_body = CampaignPatch,
    responses((status = 200, description = "Changed", body = CampaignItem)))]
pub async fn patch(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    AppJson(b): AppJson<CampaignPatch>,
) -> ApiResult<Json<CampaignItem>> {
    let input = CampaignInput {
        name: b.name,
        code: b.code,
        objective: b.objective,
        channels: b.channels,
        starts_on: b.starts_on,
        ends_on: b.ends_on,
        budget: money(b.budget),
        colour: b.colour,
    };
    Ok(Json(s.core.update_campaign(&a.actor, path_id(&id, "campaign")?, input).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMilestone {
    #[schema(min_length = 1, max_length = 200)]
    name: String,
    kind: MilestoneKind,
    /// `YYYY-MM-DD`.
    #[schema(format = Date)]
    due_on: String,
    #[schema(min_length = 1, max_length = 64)]
    channel: Option<String>,
    /// Business days this milestone leaves before those that depend on it.
    #[schema(minimum = 0, maximum = 250)]
    buffer_business_days: Option<u32>,
    /// Milestones of the same campaign this one follows.
    #[schema(max_items = 50)]
    depends_on: Option<Vec<Uuid>>,
    assignee_id: Option<Uuid>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MilestonePatch {
    #[schema(min_length = 1, max_length = 200)]
    name: Option<String>,
    kind: Option<MilestoneKind>,
    #[schema(format = Date)]
    due_on: Option<String>,
    #[schema(min_length = 1, max_length = 64)]
    channel: Option<String>,
    #[schema(minimum = 0, maximum = 250)]
    buffer_business_days: Option<u32>,
    #[schema(max_items = 50)]
    depends_on: Option<Vec<Uuid>>,
    assignee_id: Option<Uuid>,
}

/// A milestone.
#[derive(Serialize, ToSchema)]
pub struct MilestoneItem {
    id: Uuid,
    campaign_id: Uuid,
    name: String,
    kind: MilestoneKind,
    due_on: String,
    channel: Option<String>,
    buffer_business_days: u32,
    depends_on: Vec<Uuid>,
    assignee_id: Option<Uuid>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl From<Milestone> for MilestoneItem {
    fn from(m: Milestone) -> Self {
        MilestoneItem {
            id: m.id,
            campaign_id: m.campaign_id,
            name: m.name,
            kind: m.kind,
            due_on: m.due_on,
            channel: m.channel,
            buffer_business_days: m.buffer_business_days,
            depends_on: m.depends_on,
            assignee_id: m.assignee_id,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// A milestone after a change, with the buffers the change breaks.
#[derive(Serialize, ToSchema)]
pub struct MilestoneChanged {
    milestone: MilestoneItem,
    /// Dependencies left short of their buffer (`buffer_days_left` < 0).
    conflicts: Vec<BufferConflict>,
    /// False for a dry run.
    saved: bool,
}

impl From<MilestoneChange> for MilestoneChanged {
    fn from(c: MilestoneChange) -> Self {
        MilestoneChanged { milestone: c.milestone.into(), conflicts: c.conflicts, saved: c.saved }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MilestoneList {
    milestones: Vec<MilestoneItem>,
    /// Every dependency of the plan left short of its buffer.
    conflicts: Vec<BufferConflict>,
}

fn milestone_input(
    name: Option<String>,
    kind: Option<MilestoneKind>,
    due_on: Option<String>,
    channel: Option<String>,
    buffer_business_days: Option<u32>,
    depends_on: Option<Vec<Uuid>>,
    assignee_id: Option<Uuid>,
) -> MilestoneInput {
    MilestoneInput {
        name,
        kind: kind.map(|k| k.as_str().to_string()),
        due_on,
        channel,
        buffer_business_days,
        depends_on,
        assignee_id,
    }
}

/// Adds a milestone; the answer lists the buffers its date breaks.
#[utoipa::path(post, path = "/campaigns/{id}/milestones", tag = "campaigns", operation_id = "create_milestone",
    params(("id" = Uuid, Path, description = "The campaign")), request_body = NewMilestone,
    responses((status = 201, description = "Added", body = MilestoneChanged)))]
pub async fn add_milestone(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    AppJson(b): AppJson<NewMilestone>,
) -> ApiResult<(StatusCode, Json<MilestoneChanged>)> {
    let input = milestone_input(
        Some(b.name),
        Some(b.kind),
        Some(b.due_on),
        b.channel,
        b.buffer_business_days,
        b.depends_on,
        b.assignee_id,
    );
    let made = s.core.add_milestone(&a.actor, path_id(&id, "campaign")?, input).await?;
    Ok((StatusCode::CREATED, Json(made.into())))
}

/// A campaign's milestones by due date, with every broken buffer.
#[utoipa::path(get, path = "/campaigns/{id}/milestones", tag = "campaigns", operation_id = "list_milestones",
    params(("id" = Uuid, Path, description = "The campaign")),
    responses((status = 200, description = "The milestones", body = MilestoneList)))]
pub async fn milestones(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<MilestoneList>> {
    let (list, conflicts) = s.core.milestones(&a.actor, path_id(&id, "campaign")?).await?;
    Ok(Json(MilestoneList { milestones: list.into_iter().map(Into::into).collect(), conflicts }))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DryRun {
    /// Only say which buffers the change would break; save nothing.
    dry_run: Option<bool>,
}

/// Changes a milestone. `?dry_run=true` saves nothing and lists the buffers the change would
/// break; without it the change is saved (even when it breaks some) and they are listed.
#[utoipa::path(patch, path = "/milestones/{id}", tag = "campaigns", operation_id = "update_milestone",
    params(("id" = Uuid, Path, description = "The milestone"), DryRun), request_body = MilestonePatch,
    responses((status = 200, description = "Changed, or what the change would do", body = MilestoneChanged)))]
pub async fn patch_milestone(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    AppQuery(q): AppQuery<DryRun>,
    AppJson(b): AppJson<MilestonePatch>,
) -> ApiResult<Json<MilestoneChanged>> {
    let input =
        milestone_input(b.name, b.kind, b.due_on, b.channel, b.buffer_business_days, b.depends_on, b.assignee_id);
    let changed =
        s.core.update_milestone(&a.actor, path_id(&id, "milestone")?, input, q.dry_run.unwrap_or(false)).await?;
    Ok(Json(changed.into()))
}
