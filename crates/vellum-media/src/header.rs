//! Declared pixel dimensions read from image headers without decoding, and the pixel-bomb
//! check every decoder runs first.

mod limits;
pub(crate) mod tiff;

pub use limits::{holding, Holding, PixelLimits};

/// Declared pixel size of an image from its header: JPEG (SOFn), PNG (IHDR), GIF, WebP
/// (VP8/VP8L/VP8X), TIFF (first IFD), PSD, BMP and HEIC (largest `ispe` box).
/// `None` when the header is not recognised or lies beyond `head`.
pub fn dimensions(head: &[u8]) -> Option<(u64, u64)> {
    let dims = if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        if head.get(12..16)? != b"IHDR" {
            return None;
        }
        (u64::from(be32(head, 16)?), u64::from(be32(head, 20)?))
    } else if head.starts_with(b"GIF8") {
        (u64::from(le16(head, 6)?), u64::from(le16(head, 8)?))
    } else if head.starts_with(&[0xFF, 0xD8]) {
        jpeg(head)?
    } else if head.starts_with(b"RIFF") && head.get(8..12) == Some(b"WEBP") {
        webp(head)?
    } else if head.starts_with(b"II*\0") || head.starts_with(b"MM\0*") {
        let t = tiff::Tiff::parse(head)?;
        (t.uint(&t.find(256)?)?, t.uint(&t.find(257)?)?)
    } else if head.starts_with(b"8BPS") {
        (u64::from(be32(head, 18)?), u64::from(be32(head, 14)?))
    } else if head.starts_with(b"BM") {
        bmp(head)?
    } else if head.get(4..8) == Some(b"ftyp") {
        heif(head)?
    } else {
        return None;
    };
    (dims.0 > 0 && dims.1 > 0).then_some(dims)
}

/// `Err((w, h))` when the header declares more than the limits allow for its format.
/// Unknown/unparseable => `Ok(())`.
pub fn check(head: &[u8], limits: PixelLimits) -> Result<(), (u64, u64)> {
    match dimensions(head) {
        Some((w, h)) if !limits.allows_image(head, w, h) => Err((w, h)),
        _ => Ok(()),
    }
}

pub(crate) fn be16(b: &[u8], at: usize) -> Option<u16> {
    b.get(at..at + 2).map(|s| u16::from_be_bytes([s[0], s[1]]))
}

pub(crate) fn le16(b: &[u8], at: usize) -> Option<u16> {
    b.get(at..at + 2).map(|s| u16::from_le_bytes([s[0], s[1]]))
}

pub(crate) fn be32(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4).map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

pub(crate) fn le32(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4).map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// Walks JPEG marker segments up to the first frame header (SOFn): its marker and the
/// position of its length field. None when the scan or the end comes first, or `b` ends.
pub(crate) fn jpeg_frame(b: &[u8]) -> Option<(u8, usize)> {
    let mut pos = 2;
    loop {
        while *b.get(pos)? != 0xFF {
            pos += 1; // tolerate garbage between segments, as libjpeg does
        }
        while *b.get(pos)? == 0xFF {
            pos += 1;
        }
        let marker = *b.get(pos)?;
        pos += 1;
        if matches!(marker, 0x01 | 0xD0..=0xD7) {
            continue;
        }
        if matches!(marker, 0xD9 | 0xDA) {
            return None;
        }
        if matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            return Some((marker, pos));
        }
        pos += usize::from(be16(b, pos)?);
    }
}

/// A JPEG's declared size, from its frame header.
fn jpeg(b: &[u8]) -> Option<(u64, u64)> {
    let (_, pos) = jpeg_frame(b)?;
    let h = be16(b, pos + 3)?;
    let w = be16(b, pos + 5)?;
    Some((u64::from(w), u64::from(h)))
}

fn webp(b: &[u8]) -> Option<(u64, u64)> {
    match b.get(12..16)? {
        b"VP8 " => {
            if b.get(23..26)? != [0x9D, 0x01, 0x2A] {
                return None;
            }
            Some((u64::from(le16(b, 26)? & 0x3FFF), u64::from(le16(b, 28)? & 0x3FFF)))
        }
        b"VP8L" => {
            if *b.get(20)? != 0x2F {
                return None;
            }
            let bits = le32(b, 21)?;
            Some((u64::from(bits & 0x3FFF) + 1, u64::from((bits >> 14) & 0x3FFF) + 1))
        }
        b"VP8X" => {
            let w = u32::from_le_bytes([*b.get(24)?, *b.get(25)?, *b.get(26)?, 0]);
            let h = u32::from_le_bytes([*b.get(27)?, *b.get(28)?, *b.get(29)?, 0]);
            Some((u64::from(w) + 1, u64::from(h) + 1))
        }
        _ => None,
    }
}

fn bmp(b: &[u8]) -> Option<(u64, u64)> {
    let dib = le32(b, 14)?;
    if dib == 12 {
        return Some((u64::from(le16(b, 18)?), u64::from(le16(b, 20)?)));
    }
    let w = le32(b, 18)? as i32;
    let h = le32(b, 22)? as i32;
    Some((u64::from(w.unsigned_abs()), u64::from(h.unsigned_abs())))
}

/// HEIF: `meta` → `iprp` → `ipco` → `ispe`. The largest declared extent is taken, which is the
/// full image (tiles and thumbnails are smaller), as the pixel-bomb check needs.
fn heif(b: &[u8]) -> Option<(u64, u64)> {
    let meta = child_box(b, b"meta")?;
    let meta = meta.get(4..)?; // full box: version + flags
    let ipco = child_box(child_box(meta, b"iprp")?, b"ipco")?;
    boxes(ipco)
        .filter(|(kind, _)| kind == b"ispe")
        .filter_map(|(_, body)| Some((u64::from(be32(body, 4)?), u64::from(be32(body, 8)?))))
        .max_by_key(|(w, h)| w.saturating_mul(*h))
}

fn child_box<'a>(b: &'a [u8], kind: &[u8; 4]) -> Option<&'a [u8]> {
    boxes(b).find(|(k, _)| k == kind).map(|(_, body)| body)
}

/// Iterates ISO-BMFF boxes (type, body) in `b`, stopping at the first malformed one.
fn boxes(b: &[u8]) -> impl Iterator<Item = ([u8; 4], &[u8])> {
    let mut pos = 0usize;
    std::iter::from_fn(move || {
        let size = be32(b, pos)? as usize;
        let kind: [u8; 4] = b.get(pos + 4..pos + 8)?.try_into().ok()?;
        let (header, size) = match size {
            0 => (8, b.len() - pos),
            1 => {
                let hi = u64::from(be32(b, pos + 8)?);
                let lo = u64::from(be32(b, pos + 12)?);
                (16, usize::try_from((hi << 32) | lo).ok()?)
            }
            s => (8, s),
        };
        if size < header {
            return None;
        }
        let body = b.get(pos + header..pos.checked_add(size)?.min(b.len()))?;
        pos = pos.checked_add(size)?;
        Some((kind, body))
    })
}

#[cfg(test)]
mod tests;
