//! Applying an EXIF orientation (1–8) to a pixel buffer, after resizing so it is cheap.

use super::geometry::transposes;
use super::Pixels;

/// Returns the buffer as displayed: `p` is in stored orientation.
pub(crate) fn apply(p: Pixels, orientation: u16) -> Pixels {
    if !(2..=8).contains(&orientation) {
        return p;
    }
    let c = usize::from(p.channels);
    let (sw, sh) = (p.width as usize, p.height as usize);
    let (ow, oh) = if transposes(orientation) { (sh, sw) } else { (sw, sh) };
    let mut out = vec![0u8; ow * oh * c];
    for y in 0..oh {
        for x in 0..ow {
            let (sx, sy) = match orientation {
                2 => (ow - 1 - x, y),
                3 => (ow - 1 - x, oh - 1 - y),
                4 => (x, oh - 1 - y),
                5 => (y, x),
                6 => (y, ow - 1 - x),
                7 => (oh - 1 - y, ow - 1 - x),
                _ => (oh - 1 - y, x),
            };
            let from = (sy * sw + sx) * c;
            let to = (y * ow + x) * c;
            out[to..to + c].copy_from_slice(&p.data[from..from + c]);
        }
    }
    Pixels { width: ow as u32, height: oh as u32, channels: p.channels, data: out }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 3×2 gray image with distinct values, rotated by every orientation.
    #[test]
    fn orientations() {
        // Stored:  1 2 3
        //          4 5 6
        let p = || Pixels { width: 3, height: 2, channels: 1, data: vec![1, 2, 3, 4, 5, 6] };
        let cases: [(u16, (u32, u32), &[u8]); 8] = [
            (1, (3, 2), &[1, 2, 3, 4, 5, 6]),
            (2, (3, 2), &[3, 2, 1, 6, 5, 4]),
            (3, (3, 2), &[6, 5, 4, 3, 2, 1]),
            (4, (3, 2), &[4, 5, 6, 1, 2, 3]),
            (5, (2, 3), &[1, 4, 2, 5, 3, 6]),
            (6, (2, 3), &[4, 1, 5, 2, 6, 3]),
            (7, (2, 3), &[6, 3, 5, 2, 4, 1]),
            (8, (2, 3), &[3, 6, 2, 5, 1, 4]),
        ];
        for (o, dims, expected) in cases {
            let r = apply(p(), o);
            assert_eq!((r.width, r.height), dims, "orientation {o}");
            assert_eq!(r.data, expected, "orientation {o}");
        }
    }
}
