//! The kanban board: which column a brief or an asset stands in, derived from its real state,
//! and which drags between columns are real transitions (everything else is refused with the
//! reason, because a card only moves when its state does).

use serde::{Deserialize, Serialize};

use crate::{brief::BriefStatus, status::AssetStatus, Timestamp};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Column {
    BriefDraft,
    BriefInApproval,
    InProduction,
    InReview,
    ChangesRequested,
    Approved,
    Published,
    Archived,
}

impl Column {
    pub const ALL: [Column; 8] = [
        Column::BriefDraft,
        Column::BriefInApproval,
        Column::InProduction,
        Column::InReview,
        Column::ChangesRequested,
        Column::Approved,
        Column::Published,
        Column::Archived,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Column::BriefDraft => "brief_draft",
            Column::BriefInApproval => "brief_in_approval",
            Column::InProduction => "in_production",
            Column::InReview => "in_review",
            Column::ChangesRequested => "changes_requested",
            Column::Approved => "approved",
            Column::Published => "published",
            Column::Archived => "archived",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Column::BriefDraft => "Brief draft",
            Column::BriefInApproval => "Brief in approval",
            Column::InProduction => "In production",
            Column::InReview => "In review",
            Column::ChangesRequested => "Changes requested",
            Column::Approved => "Approved",
            Column::Published => "Published",
            Column::Archived => "Archived",
        }
    }
}

/// What a card is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CardType {
    Brief,
    Asset,
}

impl CardType {
    pub fn as_str(self) -> &'static str {
        match self {
            CardType::Brief => "brief",
            CardType::Asset => "asset",
        }
    }
}

/// A brief's column: drafts and briefs sent back wait with the requester; an approved brief is
/// work in production until every deliverable is approved; a rejected brief is archived.
pub fn brief_column(status: BriefStatus) -> Column {
    match status {
        BriefStatus::Draft => Column::BriefDraft,
        BriefStatus::InApproval => Column::BriefInApproval,
        BriefStatus::ChangesRequested => Column::ChangesRequested,
        BriefStatus::Approved => Column::InProduction,
        BriefStatus::Done => Column::Approved,
        BriefStatus::Rejected => Column::Archived,
    }
}

/// An asset's column. An approved asset is published once its distribution window has opened,
/// and archived once it has closed (or when it was rejected).
pub fn asset_column(
    status: AssetStatus,
    distribution: (Option<Timestamp>, Option<Timestamp>),
    now: Timestamp,
) -> Column {
    match status {
        AssetStatus::Draft => Column::InProduction,
        AssetStatus::InReview => Column::InReview,
        AssetStatus::ChangesRequested => Column::ChangesRequested,
        AssetStatus::Rejected => Column::Archived,
        AssetStatus::Approved => match distribution {
            (_, Some(end)) if end <= now => Column::Archived,
            (Some(start), _) if start <= now => Column::Published,
            _ => Column::Approved,
        },
    }
}

/// The real action behind a drag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    SubmitBrief,
    StartReview,
}

/// Which action moves a card from `from` to `to`, or why none does.
pub fn transition(card: CardType, from: Column, to: Column) -> Result<Move, String> {
    let verb = |c: Column| c.label().to_lowercase();
    match (card, from, to) {
        (_, f, t) if f == t => Err(format!("the card is already in {}", verb(t))),
        (CardType::Brief, Column::BriefDraft | Column::ChangesRequested, Column::BriefInApproval) => {
            Ok(Move::SubmitBrief)
        }
        (CardType::Asset, Column::InProduction | Column::ChangesRequested, Column::InReview) => Ok(Move::StartReview),
        (CardType::Brief, _, Column::BriefInApproval) => {
            Err(format!("only a draft brief or one sent back can be submitted; this one is {}", verb(from)))
        }
        (CardType::Asset, _, Column::InReview) => Err(format!(
            "only an asset in production or with changes requested can go to review; this one is {}",
            verb(from)
        )),
        (CardType::Brief, _, _) => Err(format!(
            "a brief moves to {} by itself when its state changes (its approvers decide); the one move you can make is submitting it",
            verb(to)
        )),
        (CardType::Asset, _, _) => Err(format!(
            "an asset moves to {} by itself when its state changes (its reviewers decide); the one move you can make is starting its review",
            verb(to)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    #[test]
    fn briefs_stand_where_their_status_puts_them() {
        let expect = [
            (BriefStatus::Draft, "brief_draft"),
            (BriefStatus::InApproval, "brief_in_approval"),
            (BriefStatus::ChangesRequested, "changes_requested"),
            (BriefStatus::Approved, "in_production"),
            (BriefStatus::Done, "approved"),
            (BriefStatus::Rejected, "archived"),
        ];
        for (status, column) in expect {
            assert_eq!(brief_column(status).as_str(), column, "{status:?}");
        }
    }

    #[test]
    fn approved_assets_are_published_inside_their_window_and_archived_after_it() {
        let now = ts("2026-06-10T00:00:00Z");
        let (before, after) = (Some(ts("2026-06-01T00:00:00Z")), Some(ts("2026-07-01T00:00:00Z")));
        assert_eq!(asset_column(AssetStatus::Approved, (None, None), now), Column::Approved);
        assert_eq!(asset_column(AssetStatus::Approved, (after, None), now), Column::Approved);
        assert_eq!(asset_column(AssetStatus::Approved, (before, after), now), Column::Published);
        assert_eq!(asset_column(AssetStatus::Approved, (None, before), now), Column::Archived);
        assert_eq!(asset_column(AssetStatus::Draft, (before, None), now), Column::InProduction);
        assert_eq!(asset_column(AssetStatus::InReview, (None, None), now), Column::InReview);
        assert_eq!(asset_column(AssetStatus::Rejected, (None, None), now), Column::Archived);
    }

    #[test]
    fn only_submitting_a_brief_and_starting_a_review_are_moves() {
        use CardType::*;
        assert_eq!(transition(Brief, Column::BriefDraft, Column::BriefInApproval), Ok(Move::SubmitBrief));
        assert_eq!(transition(Brief, Column::ChangesRequested, Column::BriefInApproval), Ok(Move::SubmitBrief));
        assert_eq!(transition(Asset, Column::InProduction, Column::InReview), Ok(Move::StartReview));
        assert_eq!(transition(Asset, Column::ChangesRequested, Column::InReview), Ok(Move::StartReview));
        for (card, from, to) in [
            (Brief, Column::BriefInApproval, Column::InProduction),
            (Brief, Column::InProduction, Column::BriefInApproval),
            (Asset, Column::InReview, Column::Approved),
            (Asset, Column::Approved, Column::InReview),
            (Asset, Column::InProduction, Column::InProduction),
            (Asset, Column::InProduction, Column::BriefInApproval),
        ] {
            let why = transition(card, from, to).unwrap_err();
            assert!(!why.is_empty(), "{card:?} {from:?} → {to:?}");
        }
    }
}
