//! Decoding to 8-bit RGB/RGBA: JPEG through libjpeg-turbo with DCT-domain downscaling (decode
//! straight at n/8 size), everything else through the `image` crate with allocation limits.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, ImageReader, Limits};
use turbojpeg::{Colorspace, Decompressor, PixelFormat, ScalingFactor};

use super::{Pixels, RenderError};
use crate::header::PixelLimits;
use crate::sniff::MediaType;

/// A decoded image and the full-resolution size it came from.
pub(crate) struct Decoded {
    pub pixels: Pixels,
    pub full_w: u32,
    pub full_h: u32,
    /// The pixels are already sRGB through the embedded profile (CMYK JPEGs).
    pub converted: bool,
}

/// Decodes `bytes`; for JPEG at the smallest DCT scale that keeps at least `min_ratio` of the
/// full size on both axes.
pub(crate) fn decode(
    bytes: &[u8],
    media_type: MediaType,
    min_ratio: impl Fn(u32, u32) -> f64,
    icc: Option<&[u8]>,
    limits: PixelLimits,
) -> Result<Decoded, RenderError> {
    match media_type {
        MediaType::Jpeg => jpeg(bytes, min_ratio, icc, limits),
        MediaType::Png => generic(bytes, ImageFormat::Png, limits),
        MediaType::Gif => generic(bytes, ImageFormat::Gif, limits),
        MediaType::Webp => generic(bytes, ImageFormat::WebP, limits),
        MediaType::Tiff => generic(bytes, ImageFormat::Tiff, limits),
        other => Err(RenderError::Unsupported(other.as_str())),
    }
}

fn jpeg(
    bytes: &[u8],
    min_ratio: impl Fn(u32, u32) -> f64,
    icc: Option<&[u8]>,
    limits: PixelLimits,
) -> Result<Decoded, RenderError> {
    let mut d = Decompressor::new().map_err(jpeg_err)?;
    let header = d.read_header(bytes).map_err(jpeg_err)?;
    let (full_w, full_h) = (header.width as u64, header.height as u64);
    if !limits.allows(full_w, full_h) {
        return Err(RenderError::TooLarge { width: full_w, height: full_h });
    }
    let (full_w, full_h) = (full_w as u32, full_h as u32);
    let ratio = min_ratio(full_w, full_h);
    let factor = if header.is_lossless { ScalingFactor::ONE } else { scaling_for(ratio) };
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
        data = match icc.and_then(|p| super::colour::cmyk_to_srgb(&data, p, inverted)) {
            Some(rgb) => {
                converted = true;
                rgb
            }
            // No usable profile: a plain conversion is the best guess.
            None => cmyk_to_rgb(&data, inverted),
        };
    }
    let pixels = Pixels { width: scaled.width as u32, height: scaled.height as u32, channels: 3, data };
    Ok(Decoded { pixels, full_w, full_h, converted })
}

/// The smallest of 1/8, 2/8 … 8/8 that is at least `ratio`.
fn scaling_for(ratio: f64) -> ScalingFactor {
    (1..=8)
        .map(|n| ScalingFactor::new(n, 8))
        .find(|f| f.num() as f64 / f.denom() as f64 >= ratio - 1e-9)
        .unwrap_or(ScalingFactor::ONE)
}

/// libjpeg hands CMYK through unchanged. Adobe (APP14) files store it inverted, as Photoshop
/// writes it; others store plain ink amounts. A naive conversion without the ICC profile.
fn cmyk_to_rgb(cmyk: &[u8], inverted: bool) -> Vec<u8> {
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

fn generic(bytes: &[u8], format: ImageFormat, limits: PixelLimits) -> Result<Decoded, RenderError> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut l = Limits::default();
    l.max_image_width = Some(u32::try_from(limits.max_side).unwrap_or(u32::MAX));
    l.max_image_height = Some(u32::try_from(limits.max_side).unwrap_or(u32::MAX));
    // 16-bit RGBA at the pixel limit, plus conversion headroom.
    l.max_alloc = Some(limits.max_pixels.saturating_mul(8).saturating_add(64 << 20));
    reader.limits(l);
    let img = reader.decode().map_err(|e| RenderError::Decode(e.to_string()))?;
    let (w, h) = (img.width(), img.height());
    if !limits.allows(u64::from(w), u64::from(h)) {
        return Err(RenderError::TooLarge { width: u64::from(w), height: u64::from(h) });
    }
    let pixels = if img.color().has_alpha() {
        Pixels { width: w, height: h, channels: 4, data: to_rgba8(img) }
    } else {
        Pixels { width: w, height: h, channels: 3, data: to_rgb8(img) }
    };
    Ok(Decoded { pixels, full_w: w, full_h: h, converted: false })
}

fn to_rgb8(img: DynamicImage) -> Vec<u8> {
    match img {
        DynamicImage::ImageRgb8(b) => b.into_raw(),
        other => other.to_rgb8().into_raw(),
    }
}

fn to_rgba8(img: DynamicImage) -> Vec<u8> {
    match img {
        DynamicImage::ImageRgba8(b) => b.into_raw(),
        other => other.to_rgba8().into_raw(),
    }
}

fn jpeg_err(e: turbojpeg::Error) -> RenderError {
    RenderError::Decode(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaling_picks_the_smallest_sufficient_eighth() {
        assert_eq!(scaling_for(0.05), ScalingFactor::new(1, 8));
        assert_eq!(scaling_for(0.125), ScalingFactor::new(1, 8));
        assert_eq!(scaling_for(0.2), ScalingFactor::new(2, 8));
        assert_eq!(scaling_for(0.34), ScalingFactor::new(3, 8));
        assert_eq!(scaling_for(0.9), ScalingFactor::ONE);
        assert_eq!(scaling_for(3.0), ScalingFactor::ONE);
    }

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
