//! The kanban board of a workspace (or one campaign): briefs and assets as cards in the column
//! their real state puts them, with who acts next and by when, filtered by campaign, channel,
//! assignee and due date; and the one kind of drag that is a real transition — submitting a
//! brief, starting a review — everything else refused with the reason.

use std::collections::{HashMap, HashSet};

use vellum_domain::{
    board::{asset_column, brief_column, transition, CardType, Column, Move},
    review::ReviewSubject,
    ErrorCode, Id, Timestamp,
};
use vellum_store::{campaigns, planning, Conn};

use crate::{access, Actor, Core, Error, Result};

/// The most cards a column shows (its `total` counts them all).
pub const COLUMN_MAX: usize = 200;

#[derive(Debug, Clone)]
pub struct Card {
    pub card_type: CardType,
    pub id: Id,
    pub title: String,
    pub column: Column,
    /// When the next step is due (an open review's earliest stage deadline).
    pub due_at: Option<Timestamp>,
    /// Who acts next: a pending approver while in review, else its author.
    pub assignee_id: Option<Id>,
    pub campaign_id: Option<Id>,
    pub channels: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct BoardColumn {
    pub column: Column,
    pub cards: Vec<Card>,
    /// Cards in the column before the cap.
    pub total: usize,
}

/// What a due-date filter keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Due from now until seven days from now.
    ThisWeek,
    /// Due before now.
    Overdue,
}

#[derive(Debug, Clone, Default)]
pub struct BoardFilter {
    pub campaign: Option<Id>,
    pub channel: Option<String>,
    pub assignee: Option<Id>,
    pub due: Option<Due>,
}

impl BoardFilter {
    fn keeps(&self, c: &Card, now: Timestamp) -> bool {
        let due_ok = match self.due {
            None => true,
            Some(Due::Overdue) => c.due_at.is_some_and(|d| d < now),
            Some(Due::ThisWeek) => c.due_at.is_some_and(|d| d >= now && d <= now.plus_hours(24 * 7)),
        };
        due_ok
            && self.channel.as_ref().is_none_or(|ch| c.channels.contains(ch))
            && self.assignee.is_none_or(|a| c.assignee_id == Some(a))
    }
}

/// Who acts next on an open review and by when.
struct Open {
    due_at: Option<Timestamp>,
    assignee: Option<Id>,
}

/// Who acts next on the open reviews of these subjects (the others are not replayed).
async fn open_reviews(c: &mut Conn, ws: Id, shown: &HashSet<ReviewSubject>) -> Result<HashMap<ReviewSubject, Open>> {
    let mut out = HashMap::new();
    for open in crate::reviews::open_in(&mut *c, ws, |r| shown.contains(&r.subject)).await? {
        let (r, review, calendar) = (open.record, open.review, open.calendar);
        let active: Vec<usize> = (0..review.plans.len())
            .filter(|&i| review.stages[i].status == vellum_domain::review::StageStatus::Active)
            .collect();
        let due_at = active.iter().filter_map(|&i| review.due_at(i, &calendar)).min();
        let assignee = active
            .iter()
            .find_map(|&i| review.plans[i].approvers.iter().copied().find(|&u| review.decision_of(i, u).is_none()));
        out.insert(r.subject, Open { due_at, assignee });
    }
    Ok(out)
}

/// Every card of the workspace (or campaign) the member may see, unfiltered.
pub(crate) async fn cards(
    c: &mut Conn,
    access: &access::Access,
    campaign: Option<Id>,
    now: Timestamp,
) -> Result<Vec<Card>> {
    let ws = access.workspace.id;
    let wip = access.sees_work_in_progress();
    let channels_of: HashMap<Id, Vec<String>> =
        campaigns::of_workspace(&mut *c, ws).await?.into_iter().map(|k| (k.id, k.channels)).collect();
    let briefs = if wip { planning::brief_cards(&mut *c, ws, campaign).await? } else { Vec::new() };
    // Viewers see approved work only, as in the library.
    let assets: Vec<_> = planning::asset_cards(&mut *c, ws, campaign)
        .await?
        .into_iter()
        .filter(|a| wip || a.approved_version.is_some())
        .collect();
    let shown: HashSet<ReviewSubject> = briefs
        .iter()
        .map(|b| ReviewSubject::Brief(b.id))
        .chain(assets.iter().map(|a| ReviewSubject::Asset(a.id)))
        .collect();
    let open = if wip { open_reviews(&mut *c, ws, &shown).await? } else { HashMap::new() };
    let mut out = Vec::with_capacity(shown.len());
    for b in briefs {
        let next = open.get(&ReviewSubject::Brief(b.id));
        out.push(Card {
            card_type: CardType::Brief,
            id: b.id,
            title: b.title,
            column: brief_column(b.status),
            due_at: next.and_then(|o| o.due_at),
            assignee_id: next.and_then(|o| o.assignee).or(Some(b.created_by)),
            channels: b.campaign_id.and_then(|k| channels_of.get(&k).cloned()).unwrap_or_default(),
            campaign_id: b.campaign_id,
        });
    }
    for a in assets {
        let next = open.get(&ReviewSubject::Asset(a.id));
        let window = (a.metadata.distribution_start, a.metadata.distribution_end);
        out.push(Card {
            card_type: CardType::Asset,
            id: a.id,
            title: a.title,
            column: asset_column(a.status, window, now),
            due_at: next.and_then(|o| o.due_at),
            assignee_id: next.and_then(|o| o.assignee).or(Some(a.created_by)),
            campaign_id: a.campaign_id,
            channels: a.metadata.channels,
        });
    }
    Ok(out)
}

/// Cards grouped into every column, in board order, each capped.
pub fn columns(cards: Vec<Card>) -> Vec<BoardColumn> {
    let mut out: Vec<BoardColumn> =
        Column::ALL.into_iter().map(|column| BoardColumn { column, cards: Vec::new(), total: 0 }).collect();
    for card in cards {
        if let Some(col) = out.iter_mut().find(|c| c.column == card.column) {
            col.total += 1;
            if col.cards.len() < COLUMN_MAX {
                col.cards.push(card);
            }
        }
    }
    out
}

/// Where a drag ended: the card in its new column.
#[derive(Debug, Clone)]
pub struct Moved {
    pub card_type: CardType,
    pub id: Id,
    pub from: Column,
    pub to: Column,
    /// The review the move started.
    pub review_id: Id,
}

impl Core {
    /// The board: every column with its cards.
    pub async fn board(&self, actor: &Actor, ws: &str, filter: &BoardFilter) -> Result<Vec<BoardColumn>> {
        let mut c = self.store.conn().await?;
        let access = access::workspace(&mut c, &actor.user, ws).await?;
        if let Some(k) = filter.campaign {
            campaigns::get(&mut c, k)
                .await?
                .filter(|k| k.workspace_id == access.workspace.id)
                .ok_or_else(|| Error::not_found("campaign"))?;
        }
        let now = self.now();
        let all = cards(&mut c, &access, filter.campaign, now).await?;
        Ok(columns(all.into_iter().filter(|card| filter.keeps(card, now)).collect()))
    }

    /// A drag to another column: the transition behind it, or `409 invalid_transition` with
    /// the reason.
    pub async fn board_move(&self, actor: &Actor, card: CardType, id: Id, to: Column) -> Result<Moved> {
        let from = {
            let mut c = self.store.conn().await?;
            match card {
                CardType::Brief => brief_column(crate::briefs::brief(&mut c, &actor.user, id).await?.0.status),
                CardType::Asset => {
                    let (a, _) = access::asset(&mut c, &actor.user, id).await?;
                    asset_column(a.status, (a.metadata.distribution_start, a.metadata.distribution_end), self.now())
                }
            }
        };
        let action = transition(card, from, to).map_err(|why| Error::new(ErrorCode::InvalidTransition, why))?;
        // The action checks the state again in its own transaction: a card that moved since
        // it was read is refused there, not moved twice.
        let review_id = match action {
            Move::SubmitBrief => self.submit_brief(actor, id, None).await?.1.id,
            Move::StartReview => self.start_review(actor, id, None).await?.id,
        };
        Ok(Moved { card_type: card, id, from, to, review_id })
    }
}
