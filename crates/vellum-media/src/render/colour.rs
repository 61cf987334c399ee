//! Colour management: pixels described by an embedded ICC profile (Adobe RGB, Display P3, a
//! printer's CMYK…) are converted to sRGB with Little CMS, so previews look the way the
//! designer saw them (relative colorimetric, as proofing tools and libvips do). Files without
//! a profile are taken to be sRGB already.

use lcms2::{Intent, PixelFormat, Profile, Transform};

/// The ICC header's colour space signature.
fn colour_space(icc: &[u8]) -> Option<&[u8]> {
    icc.get(16..20)
}

/// An sRGB profile needs no conversion; recognised by its description to save the work.
fn is_srgb(icc: &[u8]) -> bool {
    let window = &icc[..icc.len().min(4096)];
    window.windows(4).any(|w| w == b"sRGB") && colour_space(icc) == Some(b"RGB ")
}

/// Converts packed RGB or RGBA pixels in place from `icc`'s space to sRGB. Returns false
/// (and leaves the pixels) when the profile is not an RGB profile lcms can use.
pub(crate) fn rgb_to_srgb(data: &mut [u8], channels: u8, icc: &[u8]) -> bool {
    if colour_space(icc) != Some(b"RGB ") || is_srgb(icc) {
        return false;
    }
    let Ok(src) = Profile::new_icc(icc) else { return false };
    let dst = Profile::new_srgb();
    match channels {
        3 => {
            let Ok(t) = Transform::<[u8; 3], [u8; 3]>::new(
                &src,
                PixelFormat::RGB_8,
                &dst,
                PixelFormat::RGB_8,
                Intent::RelativeColorimetric,
            ) else {
                return false;
            };
            let (px, _) = data.as_chunks_mut::<3>();
            t.transform_in_place(px);
            true
        }
        4 => {
            let Ok(t) = Transform::<[u8; 4], [u8; 4]>::new(
                &src,
                PixelFormat::RGBA_8,
                &dst,
                PixelFormat::RGBA_8,
                Intent::RelativeColorimetric,
            ) else {
                return false;
            };
            let (px, _) = data.as_chunks_mut::<4>();
            t.transform_in_place(px);
            true
        }
        _ => false,
    }
}

/// CMYK pixels (as libjpeg hands them over; `inverted` for Adobe files) to sRGB through the
/// embedded CMYK profile. None when there is no usable CMYK profile.
pub(crate) fn cmyk_to_srgb(cmyk: &[u8], icc: &[u8], inverted: bool) -> Option<Vec<u8>> {
    let t = CmykToSrgb::new(icc, inverted)?;
    let mut out = Vec::new();
    t.convert(cmyk, &mut out);
    Some(out)
}

/// A CMYK → sRGB transform made once and applied to many rows.
pub(crate) struct CmykToSrgb(Transform<[u8; 4], [u8; 3]>);

impl CmykToSrgb {
    /// None when `icc` is not a CMYK profile Little CMS can use.
    pub fn new(icc: &[u8], inverted: bool) -> Option<Self> {
        if colour_space(icc) != Some(b"CMYK") {
            return None;
        }
        let src = Profile::new_icc(icc).ok()?;
        let dst = Profile::new_srgb();
        // Photoshop writes inverted CMYK (0 = full ink), which is lcms' "reversed" CMYK layout.
        let format = if inverted { PixelFormat::CMYK_8_REV } else { PixelFormat::CMYK_8 };
        let t = Transform::new(&src, format, &dst, PixelFormat::RGB_8, Intent::RelativeColorimetric).ok()?;
        Some(Self(t))
    }

    /// Replaces `out` with the RGB of `cmyk`.
    pub fn convert(&self, cmyk: &[u8], out: &mut Vec<u8>) {
        let (input, _) = cmyk.as_chunks::<4>();
        out.clear();
        out.resize(input.len() * 3, 0);
        let (rgb, _) = out.as_chunks_mut::<3>();
        self.0.transform_pixels(input, rgb);
    }
}

/// CMYK without a usable profile: a naive conversion. Adobe (APP14) JPEGs store it
/// inverted, as Photoshop writes it; others (and TIFF) store plain ink amounts.
pub(crate) fn cmyk_to_rgb(cmyk: &[u8], inverted: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(cmyk.len() / 4 * 3);
    for px in cmyk.chunks_exact(4) {
        let ink = |i: usize| u16::from(if inverted { px[i] } else { 255 - px[i] });
        let k = ink(3);
        for i in 0..3 {
            out.push(((ink(i) * k + 127) / 255) as u8);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmyk_conversion() {
        // Adobe-inverted: 255 means no ink → white; plain: 0 means no ink → white.
        assert_eq!(cmyk_to_rgb(&[255, 255, 255, 255], true), [255, 255, 255]);
        assert_eq!(cmyk_to_rgb(&[0, 0, 0, 0], false), [255, 255, 255]);
        // Full magenta + yellow ink → red.
        assert_eq!(cmyk_to_rgb(&[255, 0, 0, 255], true), [255, 0, 0]);
        assert_eq!(cmyk_to_rgb(&[0, 255, 255, 0], false), [255, 0, 0]);
    }
}
