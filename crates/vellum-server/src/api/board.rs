//! The kanban board: columns of briefs and assets derived from their state, and drags that
//! perform the one real transition behind them (or `409 invalid_transition` with the reason).

use axum::{
    extract::{Path, State},
    Json,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use vellum_core::board::{BoardFilter, Card, Due};
use vellum_domain::{
    board::{CardType, Column},
    ErrorCode, Timestamp,
};

use crate::{
    auth::Authed,
    error::{ApiError, ApiResult},
    extract::{AppJson, AppQuery},
    AppState,
};

/// When a card's next step is due.
#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum DueFilter {
    /// Within the next seven days.
    ThisWeek,
    Overdue,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BoardQuery {
    /// One campaign's cards (its id).
    #[param(value_type = Option<Uuid>)]
    campaign: Option<String>,
    /// Cards of this channel.
    #[param(min_length = 1, max_length = 64)]
    channel: Option<String>,
    /// Cards this member acts on next.
    #[param(value_type = Option<Uuid>)]
    assignee: Option<String>,
    #[param(inline, value_type = Option<DueFilter>)]
    due: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CardItem {
    #[serde(rename = "type")]
    card_type: CardType,
    id: Uuid,
    title: String,
    /// When the next step is due (an open review's earliest deadline).
    due_at: Option<Timestamp>,
    /// Who acts next: a pending approver in review, else the author.
    assignee_id: Option<Uuid>,
    campaign_id: Option<Uuid>,
}

impl From<Card> for CardItem {
    fn from(c: Card) -> Self {
        CardItem {
            card_type: c.card_type,
            id: c.id,
            title: c.title,
            due_at: c.due_at,
            assignee_id: c.assignee_id,
            campaign_id: c.campaign_id,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ColumnItem {
    key: Column,
    cards: Vec<CardItem>,
    /// Cards in the column (at most 200 are listed).
    total: usize,
}

#[derive(Serialize, ToSchema)]
pub struct Board {
    columns: Vec<ColumnItem>,
}

fn id_param(v: Option<&str>, what: &str) -> Result<Option<Uuid>, ApiError> {
    v.map(|s| {
        vellum_domain::id::parse_id(s)
            .ok_or_else(|| ApiError::new(ErrorCode::InvalidQuery, format!("{what}: '{s}' is not an id")))
    })
    .transpose()
}

/// The board of a workspace, or of one campaign.
#[utoipa::path(get, path = "/workspaces/{ws}/board", tag = "board", operation_id = "get_board",
    params(("ws" = String, Path, description = "Workspace id or slug"), BoardQuery),
    responses((status = 200, description = "Every column, in order", body = Board)))]
pub async fn get(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
    AppQuery(q): AppQuery<BoardQuery>,
) -> ApiResult<Json<Board>> {
    let due = match q.due.as_deref() {
        None => None,
        Some("this_week") => Some(Due::ThisWeek),
        Some("overdue") => Some(Due::Overdue),
        Some(other) => {
            return Err(ApiError::new(ErrorCode::InvalidQuery, format!("due: '{other}' is not this_week or overdue")))
        }
    };
    if q.channel.as_deref().is_some_and(|c| c.is_empty() || c.len() > 64) {
        return Err(ApiError::new(ErrorCode::InvalidQuery, "channel: 1–64 characters"));
    }
    let filter = BoardFilter {
        campaign: id_param(q.campaign.as_deref(), "campaign")?,
        channel: q.channel,
        assignee: id_param(q.assignee.as_deref(), "assignee")?,
        due,
    };
    let columns = s.core.board(&a.actor, &ws, &filter).await?;
    Ok(Json(Board {
        columns: columns
            .into_iter()
            .map(|c| ColumnItem { key: c.column, total: c.total, cards: c.cards.into_iter().map(Into::into).collect() })
            .collect(),
    }))
}

/// A drag of a card to a column.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveBody {
    #[serde(rename = "type")]
    card_type: CardType,
    id: Uuid,
    to: Column,
}

#[derive(Serialize, ToSchema)]
pub struct MoveResult {
    #[serde(rename = "type")]
    card_type: CardType,
    id: Uuid,
    from: Column,
    to: Column,
    /// The review the move started.
    review_id: Uuid,
}

/// Performs the transition a drag stands for: submitting a brief (to `brief_in_approval`) or
/// starting an asset's review (to `in_review`, routed by the rules); any other move is
/// `409 invalid_transition` with the reason.
#[utoipa::path(post, path = "/board/move", tag = "board", operation_id = "move_card", request_body = MoveBody,
    responses((status = 200, description = "Moved", body = MoveResult)))]
pub async fn r#move(
    State(s): State<AppState>,
    a: Authed,
    AppJson(b): AppJson<MoveBody>,
) -> ApiResult<Json<MoveResult>> {
    let m = s.core.board_move(&a.actor, b.card_type, b.id, b.to).await?;
    Ok(Json(MoveResult { card_type: m.card_type, id: m.id, from: m.from, to: m.to, review_id: m.review_id }))
}
