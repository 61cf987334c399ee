//! Comments on a version: where they point (the whole version, a page, a region drawn on the
//! rendered image, a video frame or frame range), their states, their text and the members
//! they mention.

use serde::{Deserialize, Serialize};

use crate::{DomainError, ErrorCode};

/// The longest comment, in characters.
pub const MAX_BODY_CHARS: usize = 10_000;
/// The most points a freehand path may have.
pub const MAX_POINTS: usize = 2_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ShapeType {
    Point,
    Rect,
    Arrow,
    Ellipse,
    Path,
}

/// A mark on the rendered image, in coordinates of 0..1 of its width and height.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Shape {
    #[serde(rename = "type")]
    pub shape_type: ShapeType,
    /// `point` one point; `rect` and `ellipse` two opposite corners; `arrow` tail and head;
    /// `path` two or more points.
    pub points: Vec<[f64; 2]>,
}

/// Where a comment points; all parts optional (nothing: the whole version).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Anchor {
    /// 1-based page of a PDF or office document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    /// Frame number from 0 at the file's first frame.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame: Option<u64>,
    /// The last frame of a range (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame_end: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shape: Option<Shape>,
}

/// What the version offers to point at.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pointable {
    /// Pages of a paged document (None: not paged).
    pub pages: Option<u32>,
    /// Frames of a video (None: not a video; Some(None)-like unknown length is `frames: None`
    /// with `video: true`).
    pub video: bool,
    pub frames: Option<u64>,
    /// Whether the version renders to an image one can draw on (image, page, video frame).
    pub drawable: bool,
}

fn invalid(message: impl Into<String>) -> DomainError {
    DomainError::invalid(ErrorCode::InvalidAnchor, message)
}

impl Anchor {
    /// Checks the anchor against the version: the page exists, frames are within the clip and
    /// in order, a shape has the right number of points, all inside 0..1.
    pub fn check(&self, on: Pointable) -> Result<(), DomainError> {
        if let Some(p) = self.page {
            match on.pages {
                None => return Err(invalid("this version has no pages to point at")),
                Some(n) if p == 0 || p > n => {
                    return Err(invalid(format!("page {p} does not exist (pages run from 1 to {n})")))
                }
                Some(_) => {}
            }
        }
        if self.frame_end.is_some() && self.frame.is_none() {
            return Err(invalid("frame_end needs frame, the range's first frame"));
        }
        if let Some(f) = self.frame {
            if !on.video {
                return Err(invalid("only a video has frames to point at"));
            }
            let end = self.frame_end.unwrap_or(f);
            if end < f {
                return Err(invalid(format!("frame_end {end} comes before frame {f}")));
            }
            if let Some(n) = on.frames {
                if end >= n {
                    return Err(invalid(format!(
                        "frame {end} is past the clip's last frame ({})",
                        n.saturating_sub(1)
                    )));
                }
            }
        }
        if let Some(shape) = &self.shape {
            if !on.drawable {
                return Err(invalid("this version has no image to draw on"));
            }
            let n = shape.points.len();
            let ok = match shape.shape_type {
                ShapeType::Point => n == 1,
                ShapeType::Rect | ShapeType::Arrow | ShapeType::Ellipse => n == 2,
                ShapeType::Path => (2..=MAX_POINTS).contains(&n),
            };
            if !ok {
                return Err(invalid(
                    format!(
                        "a {:?} takes {} points, not {n}",
                        shape.shape_type,
                        match shape.shape_type {
                            ShapeType::Point => "1".to_string(),
                            ShapeType::Path => format!("2 to {MAX_POINTS}"),
                            _ => "2".to_string(),
                        }
                    )
                    .to_lowercase(),
                ));
            }
            if let Some([x, y]) =
                shape.points.iter().find(|[x, y]| !(0.0..=1.0).contains(x) || !(0.0..=1.0).contains(y))
            {
                return Err(invalid(format!("the point ({x}, {y}) is outside the image: coordinates run from 0 to 1")));
            }
        }
        Ok(())
    }

    /// The box a shape covers (x, y, w, h in 0..1), for comparing regions between versions.
    pub fn bounds(&self) -> Option<[f64; 4]> {
        let s = self.shape.as_ref()?;
        let xs = s.points.iter().map(|p| p[0]);
        let ys = s.points.iter().map(|p| p[1]);
        let (x0, x1) = xs.clone().fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)));
        let (y0, y1) = ys.fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)));
        (x0 <= x1 && y0 <= y1).then_some([x0, y0, x1 - x0, y1 - y0])
    }
}

/// Where a comment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CommentStatus {
    Open,
    Resolved,
    /// The author withdrew it: its text is hidden, the record kept.
    Retracted,
}

impl CommentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CommentStatus::Open => "open",
            CommentStatus::Resolved => "resolved",
            CommentStatus::Retracted => "retracted",
        }
    }

    pub fn parse(s: &str) -> Option<CommentStatus> {
        [CommentStatus::Open, CommentStatus::Resolved, CommentStatus::Retracted].into_iter().find(|c| c.as_str() == s)
    }
}

/// A comment's text, checked: not blank, at most `MAX_BODY_CHARS`.
pub fn check_body(body: &str) -> Result<String, DomainError> {
    let trimmed = body.trim();
    if trimmed.is_empty() {
        return Err(DomainError::invalid(ErrorCode::InvalidComment, "a comment needs some text"));
    }
    if trimmed.chars().count() > MAX_BODY_CHARS {
        return Err(DomainError::invalid(
            ErrorCode::InvalidComment,
            format!("a comment is at most {MAX_BODY_CHARS} characters"),
        ));
    }
    Ok(trimmed.to_string())
}

/// The addresses mentioned as `@name@example.com`, lower-cased, each once, in order.
pub fn mentioned_emails(body: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, _) in body.match_indices('@') {
        // A mention starts at an `@` that does not continue a word (so the `@` inside an
        // address is not one).
        let before = body[..i].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '+' | '@')) {
            continue;
        }
        let rest = &body[i + 1..];
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '+' | '@')))
            .unwrap_or(rest.len());
        let candidate = rest[..end].trim_end_matches(['.', '-']);
        if let Some((local, domain)) = candidate.split_once('@') {
            if !local.is_empty() && domain.contains('.') && !domain.contains('@') {
                let email = candidate.to_lowercase();
                if !out.contains(&email) {
                    out.push(email);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(t: ShapeType, points: &[[f64; 2]]) -> Anchor {
        Anchor { shape: Some(Shape { shape_type: t, points: points.to_vec() }), ..Anchor::default() }
    }

    const IMAGE: Pointable = Pointable { pages: None, video: false, frames: None, drawable: true };
    const PDF: Pointable = Pointable { pages: Some(5), video: false, frames: None, drawable: true };
    const CLIP: Pointable = Pointable { pages: None, video: true, frames: Some(300), drawable: true };

    #[test]
    fn anchors_must_fit_the_version() {
        assert!(Anchor::default().check(IMAGE).is_ok());
        assert!(shape(ShapeType::Rect, &[[0.1, 0.1], [0.4, 0.5]]).check(IMAGE).is_ok());
        assert!(shape(ShapeType::Point, &[[1.0, 0.0]]).check(IMAGE).is_ok());
        assert!(shape(ShapeType::Path, &[[0.1, 0.1], [0.2, 0.2], [0.3, 0.1]]).check(IMAGE).is_ok());
        for bad in [
            shape(ShapeType::Rect, &[[0.1, 0.1]]),
            shape(ShapeType::Point, &[[0.1, 0.1], [0.2, 0.2]]),
            shape(ShapeType::Path, &[[0.1, 0.1]]),
            shape(ShapeType::Arrow, &[[0.1, 0.1], [1.2, 0.2]]),
            shape(ShapeType::Ellipse, &[[-0.1, 0.1], [0.2, 0.2]]),
            shape(ShapeType::Point, &[[f64::NAN, 0.1]]),
            Anchor { page: Some(1), ..Anchor::default() },
            Anchor { frame: Some(1), ..Anchor::default() },
        ] {
            let e = bad.check(IMAGE).unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidAnchor, "{bad:?}");
        }
        assert!(Anchor { page: Some(3), ..Anchor::default() }.check(PDF).is_ok());
        for p in [0, 6] {
            assert!(Anchor { page: Some(p), ..Anchor::default() }.check(PDF).is_err());
        }
        assert!(Anchor { frame: Some(10), frame_end: Some(299), ..Anchor::default() }.check(CLIP).is_ok());
        for (f, e) in [(Some(10), Some(300)), (Some(20), Some(10)), (None, Some(5)), (Some(300), None)] {
            assert!(Anchor { frame: f, frame_end: e, ..Anchor::default() }.check(CLIP).is_err(), "{f:?} {e:?}");
        }
        let unknown_length = Pointable { frames: None, ..CLIP };
        assert!(Anchor { frame: Some(1_000_000), ..Anchor::default() }.check(unknown_length).is_ok());
    }

    #[test]
    fn mentions_are_addresses_after_a_free_at() {
        let body = "Thanks @Ana@Example.com, and @bo.b+x@ex-ample.org. Mail me at me@x.com; @nobody, @ana@example.com";
        assert_eq!(mentioned_emails(body), ["ana@example.com", "bo.b+x@ex-ample.org"]);
        assert!(mentioned_emails("no mentions here").is_empty());
    }

    #[test]
    fn bodies_are_trimmed_and_bounded() {
        assert_eq!(check_body("  hi \n").unwrap(), "hi");
        assert_eq!(check_body("   ").unwrap_err().code(), ErrorCode::InvalidComment);
        assert!(check_body(&"x".repeat(MAX_BODY_CHARS + 1)).is_err());
        let r = shape(ShapeType::Rect, &[[0.4, 0.5], [0.1, 0.1]]).bounds().unwrap();
        assert!((r[0] - 0.1).abs() < 1e-9 && (r[2] - 0.3).abs() < 1e-9);
    }
}
