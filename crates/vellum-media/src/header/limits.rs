//! Pixel limits per format. Most images are decoded piece by piece into a reduced copy, so
//! their limit is the general one; a few have only decoders that hold the whole image (or all
//! of its coefficients) at once, and get a lower limit that keeps a job within its memory goal.

use super::le32;
use crate::sniff::{sniff, MediaType};

/// Limits on the declared size of an image we are willing to decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PixelLimits {
    pub max_pixels: u64,
    pub max_side: u64,
    /// HEIC/HEIF: `heif-convert` decodes the whole picture (about 4.5 bytes a pixel).
    pub max_heic_pixels: u64,
    /// Lossless and animated WebP: libwebp keeps the whole picture (about 5.3 bytes a pixel).
    pub max_lossless_webp_pixels: u64,
    /// Progressive JPEG with three full-resolution components (4:4:4): libjpeg keeps every DCT
    /// coefficient until the last scan, 2 bytes each. Fewer coefficients a pixel (4:2:0
    /// chroma, grayscale) allow proportionally more pixels, more (CMYK) fewer. Lossless JPEG,
    /// which cannot be decoded at a reduced size, counts the same.
    pub max_progressive_jpeg_pixels: u64,
}

impl Default for PixelLimits {
    fn default() -> Self {
        Self {
            max_pixels: 200_000_000,
            max_side: 50_000,
            max_heic_pixels: 80_000_000,
            max_lossless_webp_pixels: 64_000_000,
            max_progressive_jpeg_pixels: 64_000_000,
        }
    }
}

/// What decoding an image holds in memory at once, which decides its pixel limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holding {
    /// Read piece by piece into a reduced copy: baseline JPEG, PNG, TIFF, GIF, PSD, lossy WebP.
    Reduced,
    /// Every DCT coefficient of a progressive JPEG (or every pixel of a lossless one); `sixths`
    /// is coefficients a pixel × 6 (18 at 4:4:4, 9 at 4:2:0, 6 for grayscale, 24 for CMYK).
    ProgressiveJpeg { sixths: u64 },
    /// The whole picture of a lossless or animated WebP (or one whose kind lies past the head).
    WholeWebp,
    /// The whole picture of a HEIC/HEIF photo.
    Heic,
}

impl PixelLimits {
    /// Whether `(w, h)` fits the general limits.
    pub fn allows(&self, w: u64, h: u64) -> bool {
        w <= self.max_side && h <= self.max_side && w.saturating_mul(h) <= self.max_pixels
    }

    /// The most pixels an image decoded this way may have.
    pub fn max_pixels_for(&self, holding: Holding) -> u64 {
        let limit = match holding {
            Holding::Reduced => self.max_pixels,
            Holding::ProgressiveJpeg { sixths } => self.max_progressive_jpeg_pixels.saturating_mul(18) / sixths.max(1),
            Holding::WholeWebp => self.max_lossless_webp_pixels,
            Holding::Heic => self.max_heic_pixels,
        };
        limit.min(self.max_pixels)
    }

    /// Whether an image whose file starts with `head` and declares `(w, h)` fits.
    pub fn allows_image(&self, head: &[u8], w: u64, h: u64) -> bool {
        self.allows(w, h) && w.saturating_mul(h) <= self.max_pixels_for(holding(head))
    }
}

/// How an image whose file starts with `head` is decoded (`head` may be the whole file).
pub fn holding(head: &[u8]) -> Holding {
    match sniff(&head[..head.len().min(64 * 1024)]) {
        MediaType::Jpeg => {
            progressive_jpeg(head).map_or(Holding::Reduced, |sixths| Holding::ProgressiveJpeg { sixths })
        }
        MediaType::Webp if !lossy_webp(head) => Holding::WholeWebp,
        MediaType::Heic => Holding::Heic,
        _ => Holding::Reduced,
    }
}

/// For a progressive (SOF2, SOF6, SOF10, SOF14) or lossless (SOF3, SOF7, SOF11, SOF15) JPEG,
/// its coefficients a pixel × 6 from the components' sampling factors. `None` for baseline
/// JPEGs or when the frame header is not in `b`.
fn progressive_jpeg(b: &[u8]) -> Option<u64> {
    let (marker, pos) = super::jpeg_frame(b)?;
    if !matches!(marker, 0xC2 | 0xC3 | 0xC6 | 0xC7 | 0xCA | 0xCB | 0xCE | 0xCF) {
        return None;
    }
    let n = usize::from(*b.get(pos + 7)?);
    let sampling: Vec<(u64, u64)> = (0..n)
        .map(|i| b.get(pos + 9 + 3 * i).map(|s| (u64::from(s >> 4).max(1), u64::from(s & 15).max(1))))
        .collect::<Option<_>>()?;
    let h_max = sampling.iter().map(|s| s.0).max()?;
    let v_max = sampling.iter().map(|s| s.1).max()?;
    let units: u64 = sampling.iter().map(|(h, v)| h * v).sum();
    Some((units * 6).div_ceil(h_max * v_max))
}

/// Whether a WebP's picture is a single lossy (VP8) frame, found within `b`.
fn lossy_webp(b: &[u8]) -> bool {
    let mut pos = 12;
    while let (Some(kind), Some(size)) = (b.get(pos..pos + 4), le32(b, pos + 4)) {
        match kind {
            b"VP8 " => return true,
            b"VP8L" | b"ANIM" | b"ANMF" => return false,
            // The VP8X flags announce an animation before its frames.
            b"VP8X" if b.get(pos + 8).is_some_and(|f| f & 0x02 != 0) => return false,
            _ => {}
        }
        let Some(next) = usize::try_from(size).ok().and_then(|s| pos.checked_add(8 + s + (s & 1))) else {
            return false;
        };
        pos = next;
    }
    false
}
