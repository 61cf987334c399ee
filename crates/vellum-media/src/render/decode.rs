//! Decoding to 8-bit RGB/RGBA at no more than the size a rendition needs. JPEG is scaled in
//! the DCT domain; PNG, TIFF, GIF and PSD are read a row (strip, tile) at a time and
//! box-reduced as they arrive; WebP goes through the `image` crate whole, which callers keep to
//! small files (large ones are shrunk by libwebp first, see `render::file`).

mod gif;
mod jpeg;
mod png;
mod tiff;

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, ImageReader, Limits};

use super::input::Input;
use super::reduce::{self, Order, Reducer};
use super::{Pixels, RenderError};
use crate::header::PixelLimits;
use crate::sniff::MediaType;

/// The most pixels decoded whole in process (about 4.5 bytes each for lossy WebP, 7 lossless).
pub(crate) const IN_PROCESS_WHOLE: u64 = 16_000_000;

/// A decoded image and the full-resolution size it came from.
pub(crate) struct Decoded {
    pub pixels: Pixels,
    pub full_w: u32,
    pub full_h: u32,
    /// The pixels are already sRGB through the embedded profile (CMYK JPEGs).
    pub converted: bool,
}

/// Decodes `input` to at least `min_ratio(full_w, full_h)` of its full size on both axes.
pub(crate) fn decode(
    input: Input<'_>,
    media_type: MediaType,
    min_ratio: &dyn Fn(u32, u32) -> f64,
    icc: Option<&[u8]>,
    limits: PixelLimits,
) -> Result<Decoded, RenderError> {
    match media_type {
        MediaType::Jpeg => jpeg::decode(&input.bytes()?, min_ratio, icc, limits),
        MediaType::Png => png::decode(input.reader()?, min_ratio, limits),
        MediaType::Gif => gif::decode(input.reader()?, min_ratio, limits),
        MediaType::Tiff => tiff::decode(input.reader()?, min_ratio, icc, limits),
        MediaType::Psd => crate::psd::decode(input, min_ratio, icc, limits),
        MediaType::Webp => whole(&input.bytes()?, ImageFormat::WebP, limits),
        other => Err(RenderError::Unsupported(other.as_str())),
    }
}

/// The reducer for a `w`×`h` image, after checking it against the limits.
pub(crate) fn reducer(
    w: u32,
    h: u32,
    alpha: bool,
    min_ratio: &dyn Fn(u32, u32) -> f64,
    order: Order,
    limits: PixelLimits,
) -> Result<Reducer, RenderError> {
    if !limits.allows(u64::from(w), u64::from(h)) {
        return Err(RenderError::TooLarge { width: u64::from(w), height: u64::from(h) });
    }
    let channels = if alpha { 4 } else { 3 };
    let k = reduce::factor(w, h, channels, min_ratio(w, h), order);
    Reducer::new(w, h, channels, k, order)
}

/// The whole image through the `image` crate, with allocation limits; only for images up to
/// [`IN_PROCESS_WHOLE`] pixels.
fn whole(bytes: &[u8], format: ImageFormat, limits: PixelLimits) -> Result<Decoded, RenderError> {
    if let Some((w, h)) = crate::header::dimensions(bytes) {
        if w.saturating_mul(h) > IN_PROCESS_WHOLE {
            return Err(RenderError::Unsupported("WebP images this large in memory (they are scaled from a file)"));
        }
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut l = Limits::default();
    l.max_image_width = Some(u32::try_from(limits.max_side).unwrap_or(u32::MAX));
    l.max_image_height = Some(u32::try_from(limits.max_side).unwrap_or(u32::MAX));
    // 16-bit RGBA at the pixel limit, plus conversion headroom.
    l.max_alloc = Some(limits.max_pixels.saturating_mul(8).saturating_add(64 << 20));
    reader.limits(l);
    let img = reader.decode().map_err(|e| RenderError::Decode(e.to_string()))?;
    let (w, h) = (img.width(), img.height());
    if !limits.allows_image(bytes, u64::from(w), u64::from(h)) {
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
