//! "My work": what waits on the signed-in person, and for managers the bottlenecks.

use axum::{extract::State, Json};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;
use vellum_core::{inbox::Waiting, my_work::Bottleneck};
use vellum_domain::Timestamp;

use crate::{auth::Authed, error::ApiResult, AppState};

/// A decision you owe.
#[derive(Serialize, ToSchema)]
pub struct WaitingView {
    review_id: Uuid,
    /// The asset to decide on (null for a brief's approval).
    asset_id: Option<Uuid>,
    /// The brief to decide on (null for an asset's review).
    brief_id: Option<Uuid>,
    /// The asset's or brief's title.
    asset_title: String,
    version: u32,
    workspace_name: String,
    workspace_slug: String,
    /// The stages waiting for you.
    stages: Vec<String>,
    since: Option<Timestamp>,
    /// The soonest deadline of those stages.
    due_at: Option<Timestamp>,
    /// Past its deadline.
    overdue: bool,
}

/// Pending approvals under one approver or one stage.
#[derive(Serialize, ToSchema)]
pub struct BottleneckView {
    workspace_id: Uuid,
    workspace_slug: String,
    /// The approver (by approver); null by stage.
    user_id: Option<Uuid>,
    /// The approver's or the stage's name.
    name: String,
    pending: u32,
    oldest_since: Option<Timestamp>,
}

#[derive(Serialize, ToSchema)]
pub struct BottlenecksView {
    by_approver: Vec<BottleneckView>,
    by_stage: Vec<BottleneckView>,
}

#[derive(Serialize, ToSchema)]
pub struct MyWorkView {
    /// Overdue first, then by deadline, then by how long they have waited.
    decisions: Vec<WaitingView>,
    /// Unread mentions of you, newest first (also in your inbox).
    mentions: Vec<super::notifications::NotificationItem>,
    /// In the workspaces you manage: who and which stages hold approvals up, longest first.
    bottlenecks: BottlenecksView,
}

fn bottleneck(b: Bottleneck) -> BottleneckView {
    BottleneckView {
        workspace_id: b.workspace_id,
        workspace_slug: b.workspace_slug,
        user_id: b.user_id,
        name: b.name,
        pending: u32::try_from(b.pending).unwrap_or(u32::MAX),
        oldest_since: b.oldest_since,
    }
}

/// Everything waiting on you across workspaces, and where you manage, the bottlenecks.
#[utoipa::path(get, path = "/me/work", tag = "session", operation_id = "my_work",
    responses((status = 200, description = "Your work", body = MyWorkView)))]
pub async fn get(State(s): State<AppState>, a: Authed) -> ApiResult<Json<MyWorkView>> {
    Ok(Json(view(&s, &a.actor).await?))
}

/// The actor's work as the API shows it (the MCP tool `list_my_work` answers the same).
pub(crate) async fn view(s: &AppState, actor: &vellum_core::Actor) -> ApiResult<MyWorkView> {
    let work = s.core.my_work(actor).await?;
    let now = s.core.now();
    let waiting = |w: Waiting| WaitingView {
        overdue: w.due_at.is_some_and(|d| d < now),
        review_id: w.review_id,
        asset_id: w.subject.asset_id(),
        brief_id: w.subject.brief_id(),
        asset_title: w.title,
        version: w.version,
        workspace_name: w.workspace_name,
        workspace_slug: w.workspace_slug,
        stages: w.stages,
        since: w.since,
        due_at: w.due_at,
    };
    Ok(MyWorkView {
        decisions: work.decisions.into_iter().map(waiting).collect(),
        mentions: work.mentions.into_iter().map(Into::into).collect(),
        bottlenecks: BottlenecksView {
            by_approver: work.by_approver.into_iter().map(bottleneck).collect(),
            by_stage: work.by_stage.into_iter().map(bottleneck).collect(),
        },
    })
}
