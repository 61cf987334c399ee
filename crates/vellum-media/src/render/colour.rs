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
    if colour_space(icc) != Some(b"CMYK") {
        return None;
    }
    let src = Profile::new_icc(icc).ok()?;
    let dst = Profile::new_srgb();
    // Photoshop writes inverted CMYK (0 = full ink), which is lcms' "reversed" CMYK layout.
    let format = if inverted { PixelFormat::CMYK_8_REV } else { PixelFormat::CMYK_8 };
    let t = Transform::<[u8; 4], [u8; 3]>::new(&src, format, &dst, PixelFormat::RGB_8, Intent::RelativeColorimetric)
        .ok()?;
    let (input, _) = cmyk.as_chunks::<4>();
    let mut out = vec![[0u8; 3]; input.len()];
    t.transform_pixels(input, &mut out);
    Some(out.into_iter().flatten().collect())
}
