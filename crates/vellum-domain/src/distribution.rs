//! The distribution gate: the one decision every way a file leaves Vellum goes through —
//! who asks (an editor, another member, a review's participant, a share link, a public link),
//! for what (the exact original, the stamped download, a rendition), and what is true of the
//! version (approved, archived, rights expired, the download policy and any grant).

use crate::{rights::RightsStatus, ErrorCode};

/// Who asks for the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    /// A member who may edit the asset (creators and up): they need the file for their work.
    Editor,
    /// Any other member (reviewers, collaborators, externals, viewers).
    Member,
    /// An approver, collaborator or guest of a review, for the version under review.
    Reviewer,
    /// Someone holding a share link.
    ShareLink,
    /// Anyone, through an always-current public link.
    PublicLink,
}

/// What is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// The exact stored bytes (`…/file`).
    Original,
    /// The copy stamped with rights and approval (`…/download`).
    Stamped,
    /// A preview, thumbnail, page or proxy.
    Rendition,
}

/// A workspace's rule for downloads of an asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    Open,
    /// A request must be granted first (or the member's group is pre-approved).
    Request,
    /// Only members who may edit the asset.
    Blocked,
}

/// What is true of the version asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    /// The caller may see this version at all (viewers: only the approved one).
    pub visible: bool,
    /// It is the asset's approved version.
    pub approved: bool,
    pub rights: RightsStatus,
    pub archived: bool,
    /// The version's file was purged: nothing of it is left to send.
    pub purged: bool,
    pub policy: Policy,
    /// The caller holds a live grant, or belongs to a pre-approved group.
    pub granted: bool,
}

/// Allowed, or the exact error.
pub fn decide(caller: Caller, route: Route, f: Facts) -> Result<(), ErrorCode> {
    let links = matches!(caller, Caller::ShareLink | Caller::PublicLink);
    if !f.visible {
        return Err(ErrorCode::NotFound);
    }
    if f.purged {
        return Err(if caller == Caller::ShareLink { ErrorCode::NotFound } else { ErrorCode::VersionPurged });
    }
    if f.archived || f.rights == RightsStatus::Expired {
        // Editors still fetch the exact original and its previews to fix the asset; nobody
        // else gets anything, and a share link simply stops existing.
        if caller == Caller::Editor && route != Route::Stamped {
            return Ok(());
        }
        return Err(match caller {
            Caller::ShareLink => ErrorCode::NotFound,
            _ if f.archived => ErrorCode::Archived,
            _ => ErrorCode::RightsExpired,
        });
    }
    if links && !f.approved {
        return Err(match caller {
            Caller::ShareLink => ErrorCode::NotFound,
            _ => ErrorCode::NotApproved,
        });
    }
    match caller {
        Caller::Editor | Caller::Reviewer | Caller::ShareLink | Caller::PublicLink => Ok(()),
        // Previews show what the member may already see; the policy governs taking files away.
        Caller::Member if route == Route::Rendition => Ok(()),
        Caller::Member => match f.policy {
            Policy::Open => Ok(()),
            Policy::Request if f.granted => Ok(()),
            Policy::Request => Err(ErrorCode::DownloadRequestRequired),
            Policy::Blocked => Err(ErrorCode::DownloadBlocked),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPEN: Facts = Facts {
        visible: true,
        approved: true,
        rights: RightsStatus::Ok,
        archived: false,
        purged: false,
        policy: Policy::Open,
        granted: false,
    };

    const CALLERS: [Caller; 5] =
        [Caller::Editor, Caller::Member, Caller::Reviewer, Caller::ShareLink, Caller::PublicLink];
    const ROUTES: [Route; 3] = [Route::Original, Route::Stamped, Route::Rendition];

    #[test]
    fn the_decision_table() {
        use Caller::*;
        use ErrorCode as E;
        let expired = Facts { rights: RightsStatus::Expired, ..OPEN };
        let archived = Facts { archived: true, ..OPEN };
        let draft = Facts { approved: false, ..OPEN };
        let request = Facts { policy: Policy::Request, ..OPEN };
        let granted = Facts { granted: true, ..request };
        let blocked = Facts { policy: Policy::Blocked, ..OPEN };
        let purged = Facts { purged: true, ..OPEN };
        let rows: [(Caller, Route, Facts, Result<(), E>); 23] = [
            (Editor, Route::Original, purged, Err(E::VersionPurged)),
            (ShareLink, Route::Rendition, purged, Err(E::NotFound)),
            (PublicLink, Route::Original, purged, Err(E::VersionPurged)),
            (Editor, Route::Original, expired, Ok(())),
            (Editor, Route::Stamped, expired, Err(E::RightsExpired)),
            (Editor, Route::Rendition, archived, Ok(())),
            (Editor, Route::Stamped, archived, Err(E::Archived)),
            (Member, Route::Original, expired, Err(E::RightsExpired)),
            (Member, Route::Rendition, archived, Err(E::Archived)),
            (ShareLink, Route::Original, expired, Err(E::NotFound)),
            (ShareLink, Route::Rendition, archived, Err(E::NotFound)),
            (PublicLink, Route::Original, expired, Err(E::RightsExpired)),
            (PublicLink, Route::Original, archived, Err(E::Archived)),
            (ShareLink, Route::Original, draft, Err(E::NotFound)),
            (PublicLink, Route::Original, draft, Err(E::NotApproved)),
            (Member, Route::Original, request, Err(E::DownloadRequestRequired)),
            (Member, Route::Stamped, granted, Ok(())),
            (Member, Route::Rendition, request, Ok(())),
            (Member, Route::Original, blocked, Err(E::DownloadBlocked)),
            (Editor, Route::Original, blocked, Ok(())),
            (Reviewer, Route::Original, Facts { approved: false, ..blocked }, Ok(())),
            (Member, Route::Original, Facts { visible: false, ..OPEN }, Err(E::NotFound)),
            (Member, Route::Original, OPEN, Ok(())),
        ];
        for (caller, route, facts, expected) in rows {
            assert_eq!(decide(caller, route, facts), expected, "{caller:?} {route:?} {facts:?}");
        }
    }

    /// The gate may skip working out whether a member reviews the version when only a preview
    /// is asked for: the answer is the same either way.
    #[test]
    fn reviewers_and_members_are_told_the_same_about_previews() {
        for (visible, approved, archived, granted) in [
            (true, true, false, false),
            (false, true, false, true),
            (true, false, true, false),
            (true, true, true, true),
        ] {
            for rights in [RightsStatus::Ok, RightsStatus::Expiring, RightsStatus::Expired] {
                for policy in [Policy::Open, Policy::Request, Policy::Blocked] {
                    let f = Facts { visible, approved, rights, archived, purged: false, policy, granted };
                    assert_eq!(
                        decide(Caller::Reviewer, Route::Rendition, f),
                        decide(Caller::Member, Route::Rendition, f)
                    );
                }
            }
        }
    }

    /// Every combination: nothing with expired rights or archive reaches anyone but an editor
    /// fetching the original or a preview to fix it.
    #[test]
    fn nothing_of_a_purged_version_distributes() {
        for caller in CALLERS {
            for route in ROUTES {
                for policy in [Policy::Open, Policy::Request, Policy::Blocked] {
                    let f = Facts { purged: true, policy, granted: true, ..OPEN };
                    assert!(decide(caller, route, f).is_err(), "{caller:?} {route:?} {f:?}");
                }
            }
        }
    }

    #[test]
    fn no_combination_with_expired_rights_or_archive_distributes() {
        for caller in CALLERS {
            for route in ROUTES {
                for (archived, rights) in
                    [(true, RightsStatus::Ok), (false, RightsStatus::Expired), (true, RightsStatus::Expired)]
                {
                    for policy in [Policy::Open, Policy::Request, Policy::Blocked] {
                        for (approved, granted) in [(true, true), (true, false), (false, true), (false, false)] {
                            let f = Facts { visible: true, approved, rights, archived, purged: false, policy, granted };
                            let allowed = decide(caller, route, f).is_ok();
                            let fixing = caller == Caller::Editor && route != Route::Stamped;
                            assert_eq!(allowed, fixing, "{caller:?} {route:?} {f:?}");
                        }
                    }
                }
            }
        }
    }
}
