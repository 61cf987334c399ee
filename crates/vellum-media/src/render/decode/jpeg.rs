//! JPEG through libjpeg-turbo with DCT-domain downscaling: decoded straight at n/8 size, so
//! a large baseline photo never exists at full size. CMYK is converted through its embedded
//! profile when it has one.

use turbojpeg::{Colorspace, Decompressor, PixelFormat, ScalingFactor};

use super::Decoded;
use crate::header::PixelLimits;
use crate::render::reduce::CEILING;
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

/// The smallest of 1/8, 2/8 … 8/8 that is at least `ratio`, or the largest below it that fits
/// within the memory ceiling of a reduced copy (4 bytes a pixel covers CMYK).
fn scaling_for(ratio: f64, w: u32, h: u32) -> ScalingFactor {
    let fits = |n: usize| (u64::from(w) * n as u64 / 8) * (u64::from(h) * n as u64 / 8) * 4 <= CEILING;
    let n = (1..=8).find(|&n| n as f64 / 8.0 >= ratio - 1e-9).unwrap_or(8);
    let n = (1..=n).rev().find(|&n| fits(n)).unwrap_or(1);
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
    fn scaling_picks_the_smallest_sufficient_eighth() {
        let photo = |ratio| scaling_for(ratio, 6000, 4000);
        assert_eq!(photo(0.05), ScalingFactor::new(1, 8));
        assert_eq!(photo(0.125), ScalingFactor::new(1, 8));
        assert_eq!(photo(0.2), ScalingFactor::new(2, 8));
        assert_eq!(photo(0.34), ScalingFactor::new(3, 8));
        assert_eq!(photo(0.9), ScalingFactor::ONE);
        assert_eq!(photo(3.0), ScalingFactor::ONE);
        // A rendition nearly as large as a 196 MP photo is decoded at 4/8 (147 MB), not whole.
        assert_eq!(scaling_for(0.9, 14_000, 14_000), ScalingFactor::new(4, 8));
    }
}
