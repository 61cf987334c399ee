//! The asset status, derived from its latest review and never typed in.

use serde::Serialize;

use crate::review::ReviewStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AssetStatus {
    Draft,
    InReview,
    ChangesRequested,
    Rejected,
    Approved,
}

impl AssetStatus {
    pub const ALL: [AssetStatus; 5] = [
        AssetStatus::Draft,
        AssetStatus::InReview,
        AssetStatus::ChangesRequested,
        AssetStatus::Rejected,
        AssetStatus::Approved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AssetStatus::Draft => "draft",
            AssetStatus::InReview => "in_review",
            AssetStatus::ChangesRequested => "changes_requested",
            AssetStatus::Rejected => "rejected",
            AssetStatus::Approved => "approved",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        AssetStatus::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// The status of an asset whose current version is `current`, given its latest review
/// (the version it ran on and where it stands).
///
/// An approval only makes the asset `approved` while the approved version is still the
/// current one; a newer, unreviewed upload is a `draft` again (the approved version stays
/// available to consumers). A rejection stands until someone starts a new review.
pub fn derive_status(current: u32, latest_review: Option<(u32, ReviewStatus)>) -> AssetStatus {
    match latest_review {
        None => AssetStatus::Draft,
        Some((_, ReviewStatus::InProgress)) => AssetStatus::InReview,
        Some((_, ReviewStatus::ChangesRequested)) => AssetStatus::ChangesRequested,
        Some((_, ReviewStatus::Rejected)) => AssetStatus::Rejected,
        Some((v, ReviewStatus::Approved)) if v == current => AssetStatus::Approved,
        Some((_, ReviewStatus::Approved | ReviewStatus::Superseded)) => AssetStatus::Draft,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_follows_the_latest_review() {
        assert_eq!(derive_status(1, None), AssetStatus::Draft);
        assert_eq!(derive_status(1, Some((1, ReviewStatus::InProgress))), AssetStatus::InReview);
        assert_eq!(derive_status(1, Some((1, ReviewStatus::ChangesRequested))), AssetStatus::ChangesRequested);
        assert_eq!(derive_status(2, Some((1, ReviewStatus::Rejected))), AssetStatus::Rejected);
        assert_eq!(derive_status(1, Some((1, ReviewStatus::Approved))), AssetStatus::Approved);
        assert_eq!(derive_status(2, Some((1, ReviewStatus::Approved))), AssetStatus::Draft);
        assert_eq!(derive_status(2, Some((1, ReviewStatus::Superseded))), AssetStatus::Draft);
    }
}
