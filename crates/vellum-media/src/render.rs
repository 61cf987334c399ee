//! Image renditions (thumbnails, previews, presets) and perceptual hashes, in process.
//!
//! Pipeline: sniff → refuse over-limit headers without decoding → decode at no more than the
//! size needed, about twice the output where memory allows (JPEG scaled in the DCT domain; PNG,
//! TIFF, GIF and PSD box-reduced while read a row at a time; large WebP scaled by libwebp in a
//! sandboxed `vips`) → resize the crop with Lanczos3 (in stored orientation) → apply EXIF
//! orientation to the small result → encode. Output is 8-bit
//! sRGB without an embedded profile. Memory stays within a job's goal for every accepted size.

pub(crate) mod colour;
pub(crate) mod decode;
mod encode;
mod file;
mod geometry;
pub(crate) mod input;
mod orient;
pub(crate) mod reduce;
mod resize;

use std::borrow::Cow;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::header::{self, PixelLimits};
use crate::metadata;
use crate::sniff::{sniff, MediaType};
pub use file::render_file;
use geometry::{plan, Request};
use input::Input;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fit {
    /// Fill the box exactly, cropping around the focal point.
    Cover,
    /// Fit inside the box, keeping the whole image.
    Contain,
}

impl Fit {
    pub fn as_str(self) -> &'static str {
        match self {
            Fit::Cover => "cover",
            Fit::Contain => "contain",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Jpeg,
    Png,
    /// Lossless WebP (the pure-Rust encoder has no lossy mode); `quality` is ignored.
    Webp,
}

/// One rendition: box size, fit, output format and quality, optional focal point.
///
/// A source smaller than the box is never enlarged (nor letterboxed): `Cover` crops it to the
/// box's shape at the source's own resolution, `Contain` keeps it whole at its own size. So an
/// `og_image` (1200×630) of a 1,000 px wide photo is 1000×525; [`RenditionSpec::output_size`]
/// says which size comes out, for labels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RenditionSpec {
    pub width: u32,
    pub height: u32,
    pub fit: Fit,
    pub format: Format,
    /// JPEG quality 1–100.
    pub quality: u8,
    /// Focal point for `Cover`, as fractions (x, y) of the displayed image; centre by default.
    #[serde(default)]
    pub focal: Option<(f32, f32)>,
}

impl RenditionSpec {
    /// Largest side allowed in a spec.
    pub const MAX_SIDE: u32 = 16_384;

    /// 400×400 contain, JPEG q80.
    pub fn thumbnail() -> Self {
        Self { width: 400, height: 400, fit: Fit::Contain, format: Format::Jpeg, quality: 80, focal: None }
    }

    /// The size this rendition of a `width`×`height` source (stored before EXIF `orientation`)
    /// comes out at, as displayed: the box, or smaller when the source is smaller.
    pub fn output_size(&self, width: u32, height: u32, orientation: u16) -> (u32, u32) {
        let request = Request::Fit { width: self.width, height: self.height, fit: self.fit, focal: (0.5, 0.5) };
        let p = plan(width, height, orientation, request);
        (p.out_w, p.out_h)
    }

    /// 2048×2048 contain, JPEG q85.
    pub fn preview() -> Self {
        Self { width: 2048, height: 2048, fit: Fit::Contain, format: Format::Jpeg, quality: 85, focal: None }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("image declares {width}×{height} pixels, over the limit")]
    TooLarge { width: u64, height: u64 },
    #[error("cannot render {0} in process")]
    Unsupported(&'static str),
    #[error("invalid rendition: {0}")]
    InvalidSpec(String),
    #[error("undecodable image: {0}")]
    Decode(String),
    #[error("resize failed: {0}")]
    Resize(String),
    #[error("encode failed: {0}")]
    Encode(String),
    #[error(transparent)]
    Tool(#[from] crate::tool::ToolError),
}

/// Decoded 8-bit pixels, RGB (3 channels) or RGBA (4), rows packed.
#[derive(Debug, Clone)]
pub(crate) struct Pixels {
    pub width: u32,
    pub height: u32,
    pub channels: u8,
    pub data: Vec<u8>,
}

/// Renders `bytes` (JPEG, PNG incl. 16-bit, GIF first frame, TIFF, PSD composite, WebP up to
/// 16 MP) to `spec`. Over-limit images are refused from their header, before any decoding.
/// Files are better given to [`render_file`], which never holds them whole.
pub fn render_image(bytes: &[u8], spec: &RenditionSpec, limits: PixelLimits) -> Result<Vec<u8>, RenderError> {
    render(Input::Bytes(bytes), None, spec, limits)
}

/// Renders `input` to `spec`; `scaled` is a smaller copy of its pixels made by a tool, decoded
/// in its place (the original still gives size, orientation and colour profile).
fn render(
    input: Input<'_>,
    scaled: Option<&Path>,
    spec: &RenditionSpec,
    limits: PixelLimits,
) -> Result<Vec<u8>, RenderError> {
    if !(1..=RenditionSpec::MAX_SIDE).contains(&spec.width) || !(1..=RenditionSpec::MAX_SIDE).contains(&spec.height) {
        return Err(RenderError::InvalidSpec(format!("size {}×{}", spec.width, spec.height)));
    }
    let focal = spec.focal.map_or((0.5, 0.5), |(x, y)| (f64::from(x), f64::from(y)));
    if !(0.0..=1.0).contains(&focal.0) || !(0.0..=1.0).contains(&focal.1) {
        return Err(RenderError::InvalidSpec("focal point outside 0..1".into()));
    }
    let request = Request::Fit { width: spec.width, height: spec.height, fit: spec.fit, focal };
    let pixels = pixels_for(input, scaled, request, limits)?;
    let pixels = if spec.format == Format::Jpeg && pixels.channels == 4 {
        Pixels { channels: 3, data: encode::flatten_on_white(&pixels.data), ..pixels }
    } else {
        pixels
    };
    encode::encode(&pixels, spec.format, spec.quality)
}

/// 64-bit difference hash: the image (as displayed) shrunk to 9×8 gray, one bit per
/// horizontally adjacent pair, set when the left pixel is brighter.
pub fn perceptual_hash(bytes: &[u8], limits: PixelLimits) -> Result<u64, RenderError> {
    let p = pixels_for(Input::Bytes(bytes), None, Request::Stretch { width: 9, height: 8 }, limits)?;
    let c = usize::from(p.channels);
    let luma: Vec<u32> = p
        .data
        .chunks_exact(c)
        .map(|px| {
            let (r, g, b) = (u32::from(px[0]), u32::from(px[1]), u32::from(px[2]));
            let y = (299 * r + 587 * g + 114 * b) / 1000;
            // Transparent areas hash as white, as they would display on a page.
            if c == 4 {
                let a = u32::from(px[3]);
                (y * a + 255 * (255 - a)) / 255
            } else {
                y
            }
        })
        .collect();
    let mut hash = 0u64;
    for row in luma.chunks_exact(9) {
        for pair in row.windows(2) {
            hash = (hash << 1) | u64::from(pair[0] > pair[1]);
        }
    }
    Ok(hash)
}

/// Number of differing bits between two perceptual hashes (0 = same picture).
pub fn hamming(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

/// The oriented output pixels for `request`.
fn pixels_for(
    input: Input<'_>,
    scaled: Option<&Path>,
    request: Request,
    limits: PixelLimits,
) -> Result<Pixels, RenderError> {
    let media_type = sniff(&input.head()?);
    // Size, orientation and profile: from the bytes, or from a bounded view of a file.
    let meta: Cow<'_, [u8]> = match input {
        Input::Bytes(b) => Cow::Borrowed(b),
        Input::File(p) => Cow::Owned(metadata::file_view(p, media_type).map_err(input::io)?),
    };
    if let Err((width, height)) = header::check(&meta, limits) {
        return Err(RenderError::TooLarge { width, height });
    }
    let orientation = metadata::orientation(&meta, media_type);
    let icc = metadata::icc_profile(&meta, media_type);
    let declared = header::dimensions(&meta);
    drop(meta);
    let min_ratio = |w: u32, h: u32| plan(w, h, orientation, request).ratio().min(1.0);
    let mut decoded = match (scaled, declared) {
        (Some(copy), Some((w, h))) => {
            let (w, h) = (u32::try_from(w).unwrap_or(u32::MAX), u32::try_from(h).unwrap_or(u32::MAX));
            // The copy stands for the full-size image, like a DCT-scaled JPEG decode.
            let ratio = |cw: u32, _: u32| (min_ratio(w, h) * f64::from(w) / f64::from(cw.max(1))).min(1.0);
            let copy = decode::decode(Input::File(copy), MediaType::Png, &ratio, None, limits)?;
            decode::Decoded { full_w: w, full_h: h, ..copy }
        }
        _ => decode::decode(input, media_type, &min_ratio, icc.as_deref(), limits)?,
    };
    if let (Some(icc), false) = (&icc, decoded.converted) {
        colour::rgb_to_srgb(&mut decoded.pixels.data, decoded.pixels.channels, icc);
    }
    let p = plan(decoded.full_w, decoded.full_h, orientation, request);
    let sx = f64::from(decoded.pixels.width) / f64::from(decoded.full_w.max(1));
    let sy = f64::from(decoded.pixels.height) / f64::from(decoded.full_h.max(1));
    let crop = (p.crop.0 * sx, p.crop.1 * sy, p.crop.2 * sx, p.crop.3 * sy);
    let resized = resize::resize(&decoded.pixels, crop, p.src_out_w, p.src_out_h)?;
    Ok(orient::apply(resized, orientation))
}

/// The picture as displayed, fitted inside `side`×`side`, or stretched to exactly `size`: the
/// working raster of a visual comparison.
pub(crate) fn working_pixels(
    input: Input<'_>,
    side: u32,
    size: Option<(u32, u32)>,
    limits: PixelLimits,
) -> Result<Pixels, RenderError> {
    let request = match size {
        Some((width, height)) => Request::Stretch { width, height },
        None => Request::Fit { width: side, height: side, fit: Fit::Contain, focal: (0.5, 0.5) },
    };
    pixels_for(input, None, request, limits)
}

pub(crate) fn encode_png(p: &Pixels) -> Result<Vec<u8>, RenderError> {
    encode::encode(p, Format::Png, 0)
}

pub(crate) use encode::flatten_on_white;

/// Whether `render_image` can handle this type in process.
pub fn can_render(media_type: MediaType) -> bool {
    matches!(
        media_type,
        MediaType::Jpeg | MediaType::Png | MediaType::Gif | MediaType::Webp | MediaType::Tiff | MediaType::Psd
    )
}

#[cfg(test)]
mod tests;
