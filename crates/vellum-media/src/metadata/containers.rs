//! Finding the metadata blocks (EXIF, XMP, IPTC, ICC) inside each image container, without
//! decoding pixels: JPEG segments, PNG/WebP chunks, TIFF tags, PSD image resources.

use std::borrow::Cow;
use std::io::Cursor;

use image::ImageDecoder;

use crate::header::tiff::Tiff;
use crate::sniff::{find, MediaType};

/// Raw metadata payloads of one file.
#[derive(Default)]
pub(super) struct Blocks<'a> {
    /// A TIFF structure ("II*\0…"/"MM\0*…") holding IFD0 and the EXIF/GPS IFDs.
    pub exif: Option<Cow<'a, [u8]>>,
    pub xmp: Option<Cow<'a, [u8]>>,
    /// IPTC IIM records (0x1C …).
    pub iptc: Option<Cow<'a, [u8]>>,
    pub icc: Option<Vec<u8>>,
    /// Colour model from the pixel layout ("RGB", "CMYK", "Gray", "Lab"), for files whose ICC
    /// profile does not say.
    pub colour: Option<&'static str>,
    /// Bits per channel (per sample), as the header declares.
    pub bit_depth: Option<u32>,
}

pub(super) fn blocks(bytes: &[u8], t: MediaType) -> Blocks<'_> {
    let mut b = match t {
        MediaType::Jpeg => jpeg(bytes),
        MediaType::Png => png(bytes),
        MediaType::Webp => webp(bytes),
        MediaType::Tiff => tiff(bytes),
        MediaType::Psd => psd(bytes),
        // GIF palettes hold 8-bit RGB entries.
        MediaType::Gif => Blocks { colour: Some("RGB"), bit_depth: Some(8), ..Blocks::default() },
        MediaType::Heic => Blocks::default(),
        _ => return Blocks::default(),
    };
    if b.xmp.is_none() && matches!(t, MediaType::Gif | MediaType::Heic | MediaType::Png) {
        b.xmp = scan_xmp(bytes).map(Cow::Borrowed);
    }
    // No default colour: a file without a profile is not "sRGB" just because most are.
    b
}

/// Only the EXIF block (cheaper: no ICC assembly, no decoders for PNG/WebP).
pub(super) fn blocks_exif_only(bytes: &[u8], t: MediaType) -> Option<Cow<'_, [u8]>> {
    match t {
        MediaType::Jpeg => jpeg(bytes).exif,
        MediaType::Tiff => Some(Cow::Borrowed(bytes)),
        MediaType::Png | MediaType::Webp | MediaType::Psd => blocks(bytes, t).exif,
        _ => None,
    }
}

const XMP_JPEG: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
const ICC_JPEG: &[u8] = b"ICC_PROFILE\0";
const PHOTOSHOP_JPEG: &[u8] = b"Photoshop 3.0\0";

fn jpeg(b: &[u8]) -> Blocks<'_> {
    let mut out = Blocks::default();
    let mut icc_chunks: Vec<(u8, &[u8])> = Vec::new();
    let mut adobe = false;
    let mut components = None;
    let mut precision = None;
    let mut pos = 2usize;
    while let Some(&byte) = b.get(pos) {
        if byte != 0xFF {
            pos += 1;
            continue;
        }
        let Some(&marker) = b.get(pos + 1) else { break };
        if marker == 0xFF {
            pos += 1;
            continue;
        }
        pos += 2;
        if matches!(marker, 0x01 | 0xD0..=0xD7) {
            continue;
        }
        if matches!(marker, 0xD9 | 0xDA) {
            break;
        }
        let Some(len) = b.get(pos..pos + 2).map(|s| usize::from(u16::from_be_bytes([s[0], s[1]]))) else { break };
        let Some(body) = b.get(pos + 2..pos + len.max(2)) else { break };
        match marker {
            0xE1 if body.starts_with(b"Exif\0\0") && out.exif.is_none() => out.exif = Some(Cow::Borrowed(&body[6..])),
            0xE1 if body.starts_with(XMP_JPEG) => out.xmp = Some(Cow::Borrowed(&body[XMP_JPEG.len()..])),
            0xE2 if body.starts_with(ICC_JPEG) && body.len() > ICC_JPEG.len() + 2 => {
                icc_chunks.push((body[ICC_JPEG.len()], &body[ICC_JPEG.len() + 2..]));
            }
            0xED if body.starts_with(PHOTOSHOP_JPEG) => {
                if let Some(iptc) = photoshop_resource(&body[PHOTOSHOP_JPEG.len()..], 0x0404) {
                    out.iptc = Some(Cow::Borrowed(iptc));
                }
            }
            0xEE if body.starts_with(b"Adobe") => adobe = true,
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                precision = body.first().copied();
                components = body.get(5).copied();
            }
            _ => {}
        }
        pos += len;
    }
    if !icc_chunks.is_empty() {
        icc_chunks.sort_by_key(|(seq, _)| *seq);
        out.icc = Some(icc_chunks.into_iter().flat_map(|(_, d)| d.iter().copied()).collect());
    }
    out.colour = match components {
        Some(1) => Some("Gray"),
        // YCbCr (or plain RGB with an Adobe marker) decodes to RGB.
        Some(3) => Some("RGB"),
        Some(4) if adobe => Some("CMYK"), // Adobe APP14: stored inverted, as Photoshop writes it
        Some(4) => Some("CMYK"),
        _ => None,
    };
    out.bit_depth = precision.filter(|p| *p > 0).map(u32::from);
    out
}

/// Walks Photoshop image resources ("8BIM" id, padded Pascal name, size, padded data).
pub(super) fn photoshop_resource(mut b: &[u8], wanted: u16) -> Option<&[u8]> {
    while b.len() >= 12 && &b[0..4] == b"8BIM" {
        let id = u16::from_be_bytes([b[4], b[5]]);
        let name_len = usize::from(b[6]);
        let name_total = (1 + name_len + 1) & !1; // length byte + name, padded to even
        let size_at = 6 + name_total;
        let size = b.get(size_at..size_at + 4).map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]) as usize)?;
        let data = b.get(size_at + 4..(size_at + 4).checked_add(size)?)?;
        if id == wanted {
            return Some(data);
        }
        b = b.get(size_at + 4 + ((size + 1) & !1)..)?;
    }
    None
}

fn png(b: &[u8]) -> Blocks<'_> {
    let mut out = Blocks::default();
    if let Ok(mut d) = image::codecs::png::PngDecoder::new(Cursor::new(b)) {
        out.icc = d.icc_profile().ok().flatten();
        out.exif = d.exif_metadata().ok().flatten().map(strip_exif_prefix).map(Cow::Owned);
        out.xmp = d.xmp_metadata().ok().flatten().map(Cow::Owned);
        out.iptc = d.iptc_metadata().ok().flatten().map(Cow::Owned);
    }
    // IHDR colour type: 0 gray, 4 gray + alpha, 2 RGB, 6 RGBA, 3 palette.
    out.colour = match b.get(25) {
        Some(0 | 4) => Some("Gray"),
        Some(2 | 3 | 6) => Some("RGB"),
        _ => None,
    };
    // The IHDR bit depth; a palette's entries are 8-bit whatever the index size.
    out.bit_depth = match (b.get(24), b.get(25)) {
        (Some(_), Some(3)) => Some(8),
        (Some(&d), Some(_)) if d > 0 => Some(u32::from(d)),
        _ => None,
    };
    out
}

/// WebP chunks: ICCP, EXIF and XMP anywhere in the RIFF structure.
fn webp(b: &[u8]) -> Blocks<'_> {
    // WebP is always 8-bit RGB (with or without alpha).
    let mut out = Blocks { colour: Some("RGB"), bit_depth: Some(8), ..Blocks::default() };
    let mut pos = 12usize;
    while let (Some(kind), Some(size)) =
        (b.get(pos..pos + 4), b.get(pos + 4..pos + 8).map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]) as usize))
    {
        let Some(body) = pos.checked_add(8 + size).and_then(|end| b.get(pos + 8..end)) else { break };
        match kind {
            b"ICCP" => out.icc = Some(body.to_vec()),
            b"EXIF" => out.exif = Some(Cow::Owned(strip_exif_prefix(body.to_vec()))),
            b"XMP " => out.xmp = Some(Cow::Borrowed(body)),
            _ => {}
        }
        pos += 8 + size + (size & 1);
    }
    out
}

/// Some writers keep JPEG's "Exif\0\0" prefix in PNG/WebP EXIF chunks.
fn strip_exif_prefix(mut v: Vec<u8>) -> Vec<u8> {
    if v.starts_with(b"Exif\0\0") {
        v.drain(..6);
    }
    v
}

fn tiff(b: &[u8]) -> Blocks<'_> {
    let mut out = Blocks { exif: Some(Cow::Borrowed(b)), ..Default::default() };
    let Some(t) = Tiff::parse(b) else { return out };
    out.xmp = t.find(700).and_then(|e| t.bytes(&e)).map(Cow::Borrowed);
    out.iptc = t.find(33723).and_then(|e| t.bytes(&e)).map(Cow::Borrowed);
    out.icc = t.find(34675).and_then(|e| t.bytes(&e)).map(<[u8]>::to_vec);
    out.colour = match t.find(262).and_then(|e| t.uint(&e)) {
        Some(0 | 1) => Some("Gray"),
        Some(2 | 3 | 6) => Some("RGB"),
        Some(5) => Some("CMYK"),
        Some(8..=10) => Some("Lab"),
        _ => None,
    };
    // BitsPerSample holds one value per channel; they are equal in practice.
    out.bit_depth = t.find(258).and_then(|e| t.first_uint(&e)).and_then(|d| u32::try_from(d).ok()).filter(|d| *d > 0);
    out
}

fn psd(b: &[u8]) -> Blocks<'_> {
    // Colour mode: 1 gray, 2 indexed, 3 RGB, 4 CMYK, 9 Lab; depth per channel at 22.
    let colour = match b.get(24..26) {
        Some([0, 1]) => Some("Gray"),
        Some([0, 2 | 3]) => Some("RGB"),
        Some([0, 4]) => Some("CMYK"),
        Some([0, 9]) => Some("Lab"),
        _ => None,
    };
    let bit_depth = b.get(22..24).map(|d| u32::from(u16::from_be_bytes([d[0], d[1]]))).filter(|d| *d > 0);
    let mut out = Blocks { colour, bit_depth, ..Default::default() };
    let be32 = |at: usize| b.get(at..at + 4).map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]) as usize);
    let Some(mode_len) = be32(26) else { return out };
    let res_at = 30 + mode_len;
    let Some(res_len) = be32(res_at) else { return out };
    let Some(res) = b.get(res_at + 4..(res_at + 4).saturating_add(res_len).min(b.len())) else { return out };
    out.iptc = photoshop_resource(res, 0x0404).map(Cow::Borrowed);
    out.icc = photoshop_resource(res, 0x040F).map(<[u8]>::to_vec);
    out.exif = photoshop_resource(res, 0x0422).map(Cow::Borrowed);
    out.xmp = photoshop_resource(res, 0x0424).map(Cow::Borrowed);
    out
}

/// The first `<x:xmpmeta …>…</x:xmpmeta>` packet anywhere in the bytes.
pub(super) fn scan_xmp(b: &[u8]) -> Option<&[u8]> {
    let start = find(b, b"<x:xmpmeta")?;
    let end_tag = b"</x:xmpmeta>";
    let len = find(&b[start..], end_tag)?;
    Some(&b[start..start + len + end_tag.len()])
}
