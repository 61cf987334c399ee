//! Rendition geometry: the output size, the crop rectangle (in source pixels, before EXIF
//! orientation) and how orientation maps between the two spaces. Pure arithmetic, no pixels.

use super::Fit;

/// What the caller asked for, in displayed (oriented) space.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Request {
    Fit {
        width: u32,
        height: u32,
        fit: Fit,
        focal: (f64, f64),
    },
    /// Exactly this size, aspect ratio ignored (perceptual hashing).
    Stretch {
        width: u32,
        height: u32,
    },
}

/// Where to read and what to produce.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Plan {
    /// Final output size, oriented as displayed.
    pub out_w: u32,
    pub out_h: u32,
    /// Crop rectangle in full-resolution source pixels: left, top, width, height.
    pub crop: (f64, f64, f64, f64),
    /// Output size in source orientation (swapped when the orientation transposes).
    pub src_out_w: u32,
    pub src_out_h: u32,
}

impl Plan {
    /// Linear scale from the crop to the output (≤ 1 except for tiny images stretched up).
    pub fn ratio(&self) -> f64 {
        (f64::from(self.src_out_w) / self.crop.2).max(f64::from(self.src_out_h) / self.crop.3)
    }
}

/// Orientations 5–8 swap width and height.
pub(crate) fn transposes(orientation: u16) -> bool {
    (5..=8).contains(&orientation)
}

pub(crate) fn plan(src_w: u32, src_h: u32, orientation: u16, req: Request) -> Plan {
    let (ow, oh) = if transposes(orientation) { (src_h, src_w) } else { (src_w, src_h) };
    let (ow, oh) = (f64::from(ow.max(1)), f64::from(oh.max(1)));
    let px = |v: f64| (v.round() as u32).max(1);
    let (out_w, out_h, rect) = match req {
        Request::Stretch { width, height } => (width.max(1), height.max(1), (0.0, 0.0, ow, oh)),
        Request::Fit { width, height, fit: Fit::Contain, .. } => {
            let s = (f64::from(width) / ow).min(f64::from(height) / oh).min(1.0);
            (px(ow * s).min(width.max(1)), px(oh * s).min(height.max(1)), (0.0, 0.0, ow, oh))
        }
        Request::Fit { width, height, fit: Fit::Cover, focal } => {
            let (tw, th) = (f64::from(width.max(1)), f64::from(height.max(1)));
            // Never upscale: a small source gives a smaller output of the requested aspect.
            let k = (ow / tw).min(oh / th).min(1.0);
            let (out_w, out_h) = (px(tw * k), px(th * k));
            let scale = (f64::from(out_w) / ow).max(f64::from(out_h) / oh);
            let (cw, ch) = ((f64::from(out_w) / scale).min(ow), (f64::from(out_h) / scale).min(oh));
            let fx = focal.0.clamp(0.0, 1.0) * ow;
            let fy = focal.1.clamp(0.0, 1.0) * oh;
            let left = (fx - cw / 2.0).clamp(0.0, ow - cw);
            let top = (fy - ch / 2.0).clamp(0.0, oh - ch);
            (out_w, out_h, (left, top, cw, ch))
        }
    };
    let crop = to_source(rect, orientation, ow, oh);
    let (src_out_w, src_out_h) = if transposes(orientation) { (out_h, out_w) } else { (out_w, out_h) };
    Plan { out_w, out_h, crop, src_out_w, src_out_h }
}

/// Maps a rectangle from oriented space (size `ow`×`oh`) back to source space.
fn to_source(r: (f64, f64, f64, f64), orientation: u16, ow: f64, oh: f64) -> (f64, f64, f64, f64) {
    let (x0, y0, x1, y1) = (r.0, r.1, r.0 + r.2, r.1 + r.3);
    let a = point_to_source(x0, y0, orientation, ow, oh);
    let b = point_to_source(x1, y1, orientation, ow, oh);
    let (left, top) = (a.0.min(b.0), a.1.min(b.1));
    (left, top, (a.0 - b.0).abs(), (a.1 - b.1).abs())
}

/// Inverse of the EXIF orientation transform for a continuous point.
fn point_to_source(x: f64, y: f64, orientation: u16, ow: f64, oh: f64) -> (f64, f64) {
    match orientation {
        2 => (ow - x, y),
        3 => (ow - x, oh - y),
        4 => (x, oh - y),
        5 => (y, x),
        6 => (y, ow - x),
        7 => (oh - y, ow - x),
        8 => (oh - y, x),
        _ => (x, y),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fit(width: u32, height: u32, fit: Fit) -> Request {
        Request::Fit { width, height, fit, focal: (0.5, 0.5) }
    }

    #[test]
    fn contain_keeps_aspect_and_never_upscales() {
        let p = plan(6000, 4000, 1, fit(400, 400, Fit::Contain));
        assert_eq!((p.out_w, p.out_h), (400, 267));
        assert_eq!(p.crop, (0.0, 0.0, 6000.0, 4000.0));
        let small = plan(300, 200, 1, fit(400, 400, Fit::Contain));
        assert_eq!((small.out_w, small.out_h), (300, 200));
    }

    #[test]
    fn rotated_sources_swap_dimensions() {
        let p = plan(6000, 4000, 6, fit(400, 400, Fit::Contain));
        assert_eq!((p.out_w, p.out_h), (267, 400));
        assert_eq!((p.src_out_w, p.src_out_h), (400, 267));
        assert_eq!(p.crop, (0.0, 0.0, 6000.0, 4000.0));
    }

    #[test]
    fn cover_crops_around_the_focal_point() {
        let p = plan(6000, 4000, 1, fit(400, 400, Fit::Cover));
        assert_eq!((p.out_w, p.out_h), (400, 400));
        assert_eq!(p.crop, (1000.0, 0.0, 4000.0, 4000.0));
        let left = plan(6000, 4000, 1, Request::Fit { width: 400, height: 400, fit: Fit::Cover, focal: (0.0, 0.5) });
        assert_eq!(left.crop, (0.0, 0.0, 4000.0, 4000.0));
        // Focal point at the displayed top of a 90° CW image = the left side of the stored pixels.
        let rot = plan(6000, 4000, 6, Request::Fit { width: 400, height: 400, fit: Fit::Cover, focal: (0.5, 0.0) });
        assert_eq!((rot.out_w, rot.out_h), (400, 400));
        assert_eq!(rot.crop, (0.0, 0.0, 4000.0, 4000.0));
        let small = plan(300, 200, 1, fit(400, 400, Fit::Cover));
        assert_eq!((small.out_w, small.out_h), (200, 200));
        assert_eq!(small.crop, (50.0, 0.0, 200.0, 200.0));
    }

    #[test]
    fn every_orientation_maps_corners_inside_the_source() {
        for o in 1..=8 {
            let p = plan(300, 200, o, Request::Fit { width: 50, height: 50, fit: Fit::Cover, focal: (0.2, 0.9) });
            let (l, t, w, h) = p.crop;
            assert!(l >= 0.0 && t >= 0.0 && l + w <= 300.0 + 1e-9 && t + h <= 200.0 + 1e-9, "{o}: {:?}", p.crop);
            assert!((w - h).abs() < 1e-9, "{o}: square crop expected, got {:?}", p.crop);
        }
    }
}
