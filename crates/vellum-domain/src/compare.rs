//! The difference between two versions of an asset: what kind of comparison applies to a pair
//! of file types, the per-page result, and whether a comment's region changed.

use serde::{Deserialize, Serialize};

use crate::comment::Anchor;
use crate::media::MediaType;

/// How two versions are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CompareKind {
    /// Still images: one picture, one entry in `pages`.
    Image,
    /// PDF and office documents: page by page, and their text word by word.
    Pages,
    /// Written copy: word by word.
    Text,
    /// Video: the poster frames, as pictures.
    Video,
}

impl CompareKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CompareKind::Image => "image",
            CompareKind::Pages => "pages",
            CompareKind::Text => "text",
            CompareKind::Video => "video",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [CompareKind::Image, CompareKind::Pages, CompareKind::Text, CompareKind::Video]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    /// The comparison for one file type, if it has one.
    pub fn of(t: MediaType) -> Option<Self> {
        use MediaType as M;
        match t {
            M::Jpeg | M::Png | M::Gif | M::Webp | M::Tiff | M::Psd | M::Heic | M::Svg | M::PostScript => {
                Some(CompareKind::Image)
            }
            M::Pdf | M::OfficeDocument | M::LegacyOffice => Some(CompareKind::Pages),
            M::Text => Some(CompareKind::Text),
            M::Mp4 | M::QuickTime | M::Webm | M::Matroska | M::Avi => Some(CompareKind::Video),
            _ => None,
        }
    }

    /// The comparison for two file types: both must compare the same way.
    pub fn of_pair(a: MediaType, b: MediaType) -> Option<Self> {
        let (ka, kb) = (Self::of(a)?, Self::of(b)?);
        (ka == kb).then_some(ka)
    }
}

/// Where a comparison stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffState {
    Pending,
    Done,
    Failed,
}

impl DiffState {
    pub fn as_str(self) -> &'static str {
        match self {
            DiffState::Pending => "pending",
            DiffState::Done => "done",
            DiffState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [DiffState::Pending, DiffState::Done, DiffState::Failed].into_iter().find(|k| k.as_str() == s)
    }
}

/// A changed area, normalised to 0..1 of the displayed picture.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Region {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Region {
    /// The whole picture (a page that exists on one side only).
    pub const WHOLE: Region = Region { x: 0.0, y: 0.0, w: 1.0, h: 1.0 };

    /// Whether the two areas overlap (touching edges count, so a point pin on a changed area does).
    pub fn meets(&self, other: &Region) -> bool {
        self.x <= other.x + other.w
            && other.x <= self.x + self.w
            && self.y <= other.y + other.h
            && other.y <= self.y + self.h
    }
}

/// Whether a page is on both sides of a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    Both,
    /// On `a` only: the page was removed.
    Removed,
    /// On `b` only: the page was added.
    Added,
}

/// One page (or the one picture) of a comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PageDiff {
    /// 1-based.
    pub page: u32,
    pub presence: Presence,
    /// Share of the page's pixels that changed, 0..1 (1 for an added or removed page).
    pub changed_fraction: f64,
    /// Boxes around the changed areas; empty when nothing changed.
    pub regions: Vec<Region>,
}

impl PageDiff {
    /// A page on one side only: everything on it changed.
    pub fn one_sided(page: u32, presence: Presence) -> Self {
        PageDiff { page, presence, changed_fraction: 1.0, regions: vec![Region::WHOLE] }
    }
}

/// Whether the area a comment points at changed, given the pages of a comparison: its shape's
/// box (or its whole page, for a page anchor) against the changed regions of its page. None when
/// the anchor names no area (a whole-version or frame-only comment).
pub fn region_changed(anchor: &Anchor, pages: &[PageDiff]) -> Option<bool> {
    let area = match anchor.bounds() {
        Some([x, y, w, h]) => Region { x, y, w, h },
        None if anchor.page.is_some() => Region::WHOLE,
        None => return None,
    };
    if anchor.frame.is_some() && anchor.page.is_none() && anchor.shape.is_none() {
        return None;
    }
    let page = anchor.page.unwrap_or(1);
    Some(pages.iter().filter(|p| p.page == page).any(|p| p.regions.iter().any(|r| r.meets(&area))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::comment::{Shape, ShapeType};

    fn rect(page: Option<u32>, a: [f64; 2], b: [f64; 2]) -> Anchor {
        Anchor { page, shape: Some(Shape { shape_type: ShapeType::Rect, points: vec![a, b] }), ..Anchor::default() }
    }

    fn pages(regions: Vec<(u32, Region)>) -> Vec<PageDiff> {
        regions
            .into_iter()
            .map(|(page, r)| PageDiff { page, presence: Presence::Both, changed_fraction: 0.1, regions: vec![r] })
            .collect()
    }

    #[test]
    fn a_region_changed_when_a_changed_box_meets_it() {
        let changed = pages(vec![(1, Region { x: 0.1, y: 0.1, w: 0.2, h: 0.2 })]);
        assert_eq!(region_changed(&rect(None, [0.15, 0.15], [0.5, 0.5]), &changed), Some(true));
        assert_eq!(region_changed(&rect(None, [0.6, 0.6], [0.9, 0.9]), &changed), Some(false));
    }

    #[test]
    fn regions_are_matched_on_their_page() {
        let changed = pages(vec![(3, Region { x: 0.0, y: 0.0, w: 0.5, h: 0.5 })]);
        assert_eq!(region_changed(&rect(Some(3), [0.1, 0.1], [0.2, 0.2]), &changed), Some(true));
        assert_eq!(region_changed(&rect(Some(2), [0.1, 0.1], [0.2, 0.2]), &changed), Some(false));
        let page_only = Anchor { page: Some(3), ..Anchor::default() };
        assert_eq!(region_changed(&page_only, &changed), Some(true));
    }

    #[test]
    fn anchors_without_an_area_have_no_answer() {
        assert_eq!(region_changed(&Anchor::default(), &[]), None);
        assert_eq!(region_changed(&Anchor { frame: Some(10), ..Anchor::default() }, &[]), None);
    }

    #[test]
    fn kinds_pair_up_by_how_they_compare() {
        assert_eq!(CompareKind::of_pair(MediaType::Jpeg, MediaType::Png), Some(CompareKind::Image));
        assert_eq!(CompareKind::of_pair(MediaType::Pdf, MediaType::OfficeDocument), Some(CompareKind::Pages));
        assert_eq!(CompareKind::of_pair(MediaType::Pdf, MediaType::Jpeg), None);
        assert_eq!(CompareKind::of_pair(MediaType::Mp3, MediaType::Mp3), None);
    }
}
