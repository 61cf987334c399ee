//! JPEG through libjpeg-turbo with DCT-domain downscaling: decoded straight at 1/8, 1/4 or 1/2
//! size when that is still twice the rendition, so a large photo rarely exists at full size and
//! the final Lanczos3 resize still has real pixels to filter. CMYK is converted through its
//! embedded profile when it has one.

use turbojpeg::{Colorspace, Decompressor, PixelFormat, ScalingFactor};

use super::Decoded;
use crate::header::PixelLimits;
use crate::render::reduce::{BUDGET, CEILING};
use crate::render::{Pixels, RenderError};

pub(crate) fn decode(
    bytes: &[u8],
    min_ratio: &dyn Fn(u32, u32) -> f64,
    icc: Option<&[u8]>,
    limits: PixelLimits,
) -> Result<Decoded, RenderError> {
    let mut d = Decompressor::new().map_err(jpeg_err)?;
    let header = d.read_header(bytes).map_err(jpeg_err)?;
    let (full_w, full_h) = (header.width as u64, header.height as u64);
    if !limits.allows_image(bytes, full_w, full_h) {
        return Err(RenderError::TooLarge { width: full_w, height: full_h });
    }
    let (full_w, full_h) = (full_w as u32, full_h as u32);
    let ratio = min_ratio(full_w, full_h);
    let factor = if header.is_lossless { ScalingFactor::ONE } else { scaling_for(ratio, full_w, full_h) };
    d.set_scaling_factor(factor).map_err(jpeg_err)?;
    let scaled = header.scaled(factor);
    let cmyk = matches!(header.colorspace, Colorspace::CMYK | Colorspace::YCCK);
    let format = if cmyk { PixelFormat::CMYK } else { PixelFormat::RGB };
    let pitch = scaled.width * format.size();
    let mut data = vec![0u8; pitch * scaled.height];
    let image =
        turbojpeg::Image { pixels: data.as_mut_slice(), width: scaled.width, pitch, height: scaled.height, format };
    d.decompress(bytes, image).map_err(jpeg_err)?;
    let mut converted = false;
    if cmyk {
        let inverted = adobe_inverted(bytes);
        data = match icc.and_then(|p| crate::render::colour::cmyk_to_srgb(&data, p, inverted)) {
            Some(rgb) => {
                converted = true;
                rgb
            }
            // No usable profile: a plain conversion is the best guess.
            None => crate::render::colour::cmyk_to_rgb(&data, inverted),
        };
    }
    let pixels = Pixels { width: scaled.width as u32, height: scaled.height as u32, channels: 3, data };
    Ok(Decoded { pixels, full_w, full_h, converted })
}

/// DCT scales to decode at, in eighths. A scaled decode is a per-block low-pass (1/8 keeps only
/// each block's mean: an 8×8 box filter) that aliases; the Lanczos3 resize after it undoes that
/// only with at least twice the output to work from, the margin vips leaves too. 400 px
/// thumbnails of 24 MP photos decoded at 1/8 (1.9× the output) measured 2.3 dB PSNR below
/// vips's before encoding, at 1/4 one dB above. The other eighths (3/8, 5/8 …) have no SIMD
/// code in libjpeg-turbo: 6/8 measured slower than a whole decode, which is also exact.
const EIGHTHS: [usize; 4] = [1, 2, 4, 8];

/// The smallest scale at least twice `ratio` while the copy fits the budget, else the smallest
/// at least `ratio`; never over the memory ceiling of a reduced copy (4 bytes a pixel covers
/// CMYK), even if that means a copy smaller than the output.
fn scaling_for(ratio: f64, w: u32, h: u32) -> ScalingFactor {
    let bytes = |n: usize| (u64::from(w) * n as u64 / 8) * (u64::from(h) * n as u64 / 8) * 4;
    let at_least = |r: f64| EIGHTHS.into_iter().find(|&n| n as f64 / 8.0 >= r - 1e-9).unwrap_or(8);
    let fits_output = at_least(ratio);
    let mut n = at_least(2.0 * ratio);
    while n > fits_output && bytes(n) > BUDGET {
        n /= 2;
    }
    while n > 1 && bytes(n) > CEILING {
        n /= 2;
    }
    ScalingFactor::new(n, 8)
}

/// Whether an Adobe APP14 segment precedes the scan.
fn adobe_inverted(b: &[u8]) -> bool {
    let mut pos = 2usize;
    while let (Some(&0xFF), Some(&marker)) = (b.get(pos), b.get(pos + 1)) {
        if matches!(marker, 0xDA | 0xD9) {
            return false;
        }
        if marker == 0xEE && b.get(pos + 4..pos + 9) == Some(b"Adobe") {
            return true;
        }
        let Some(len) = b.get(pos + 2..pos + 4).map(|s| usize::from(u16::from_be_bytes([s[0], s[1]]))) else {
            return false;
        };
        pos += 2 + len;
    }
    false
}

fn jpeg_err(e: turbojpeg::Error) -> RenderError {
    RenderError::Decode(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaling_leaves_a_factor_of_two_for_the_resize() {
        let photo = |ratio| scaling_for(ratio, 6000, 4000);
        assert_eq!(photo(0.05), ScalingFactor::new(1, 8));
        // A 400 px thumbnail of a 24 MP photo: 1500×1000, not 750×500.
        assert_eq!(photo(400.0 / 6000.0), ScalingFactor::new(2, 8));
        assert_eq!(photo(0.125), ScalingFactor::new(2, 8));
        assert_eq!(photo(0.2), ScalingFactor::new(4, 8));
        // A 2048 px preview: whole (72 MB of RGB), not 3/8.
        assert_eq!(photo(2048.0 / 6000.0), ScalingFactor::ONE);
        assert_eq!(photo(0.9), ScalingFactor::ONE);
        assert_eq!(photo(3.0), ScalingFactor::ONE);
        // Twice the output would be over the budget: only as large as it, a 2048 px preview of
        // 192 MP at 1/4 (4000×3000) rather than 1/2 (192 MB).
        assert_eq!(scaling_for(2048.0 / 16_000.0, 16_000, 12_000), ScalingFactor::new(2, 8));
        // A rendition nearly as large as a 196 MP photo is decoded at 4/8 (196 MB), not whole.
        assert_eq!(scaling_for(0.9, 14_000, 14_000), ScalingFactor::new(4, 8));
        assert_eq!(scaling_for(0.3, 14_000, 14_000), ScalingFactor::new(4, 8));
    }
}
