//! Content sniffing: what a file really is, decided from its first bytes and never from its name.
//!
//! Magic numbers at offset 0 win over anything found later, so a polyglot is classified by the
//! format whose signature comes first (a file starting with `%PDF` is a PDF whatever it embeds).

pub use vellum_domain::media::MediaType;

/// Classifies `head`, the first 64 KiB (or less) of a file.
pub fn sniff(head: &[u8]) -> MediaType {
    if let Some(t) = magic_at_start(head) {
        return t;
    }
    // Readers accept a PDF header anywhere in the first KiB; only after every offset-0 magic failed.
    if find(&head[..head.len().min(1024)], b"%PDF-").is_some() {
        return MediaType::Pdf;
    }
    text_kind(head)
}

fn magic_at_start(h: &[u8]) -> Option<MediaType> {
    let t = if h.starts_with(&[0xFF, 0xD8, 0xFF]) {
        MediaType::Jpeg
    } else if h.starts_with(b"\x89PNG\r\n\x1a\n") {
        MediaType::Png
    } else if h.starts_with(b"GIF87a") || h.starts_with(b"GIF89a") {
        MediaType::Gif
    } else if h.starts_with(b"II*\0") || h.starts_with(b"MM\0*") || h.starts_with(b"II+\0") || h.starts_with(b"MM\0+") {
        MediaType::Tiff
    } else if h.starts_with(b"8BPS") {
        MediaType::Psd
    } else if h.starts_with(b"%PDF-") {
        MediaType::Pdf
    } else if h.starts_with(b"%!PS") || h.starts_with(&[0xC5, 0xD0, 0xD3, 0xC6]) {
        MediaType::PostScript
    } else if h.starts_with(b"RIFF") && h.len() >= 12 {
        match &h[8..12] {
            b"WEBP" => MediaType::Webp,
            b"AVI " => MediaType::Avi,
            b"WAVE" => MediaType::Wav,
            _ => return None,
        }
    } else if h.get(4..8) == Some(b"ftyp") {
        return iso_bmff(h);
    } else if matches!(h.get(4..8), Some(b"moov" | b"mdat" | b"wide" | b"pnot" | b"skip")) {
        MediaType::QuickTime
    } else if h.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        if find(&h[..h.len().min(4096)], b"webm").is_some() {
            MediaType::Webm
        } else {
            MediaType::Matroska
        }
    } else if h.starts_with(b"OggS") {
        MediaType::Ogg
    } else if h.starts_with(b"fLaC") {
        MediaType::Flac
    } else if h.starts_with(b"ID3") {
        return Some(after_id3(h));
    } else if let Some(t) = mpeg_audio_frame(h) {
        t
    } else if h.starts_with(b"PK\x03\x04") {
        zip_kind(h)
    } else if h.starts_with(b"PK\x05\x06") {
        MediaType::Zip
    } else if h.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        MediaType::LegacyOffice
    } else {
        return None;
    };
    Some(t)
}

/// ISO base media (`ftyp` box): HEIF stills, MP4, QuickTime, M4A.
fn iso_bmff(h: &[u8]) -> Option<MediaType> {
    let size = h.get(0..4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize).unwrap_or(0);
    let end = size.clamp(16, 4096).min(h.len());
    let major = h.get(8..12)?;
    let brands: Vec<&[u8]> = std::iter::once(major).chain(h.get(16..end).unwrap_or(&[]).chunks_exact(4)).collect();
    let has = |list: &[&[u8]]| brands.iter().any(|b| list.contains(b));
    Some(if has(&[b"avif", b"avis"]) {
        // AVIF is not a type we handle yet.
        MediaType::Unknown
    } else if has(&[b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"]) {
        MediaType::Heic
    } else if major == b"qt  " {
        MediaType::QuickTime
    } else if matches!(major, b"M4A " | b"M4B " | b"M4P ") {
        MediaType::Aac
    } else {
        MediaType::Mp4
    })
}

/// After an ID3v2 tag comes the first audio frame: MPEG layer III or ADTS AAC.
fn after_id3(h: &[u8]) -> MediaType {
    let size = match h.get(6..10) {
        Some(s) => s.iter().fold(0usize, |acc, b| (acc << 7) | usize::from(b & 0x7F)),
        None => return MediaType::Mp3,
    };
    h.get(10 + size..).and_then(mpeg_audio_frame).unwrap_or(MediaType::Mp3)
}

/// An MPEG audio frame sync (11 bits set); layer bits 00 mean ADTS AAC.
fn mpeg_audio_frame(h: &[u8]) -> Option<MediaType> {
    let (a, b) = (*h.first()?, *h.get(1)?);
    if a != 0xFF || b & 0xE0 != 0xE0 {
        return None;
    }
    let layer = (b >> 1) & 0b11;
    if layer == 0 {
        // ADTS needs all 12 sync bits.
        return (b & 0xF0 == 0xF0).then_some(MediaType::Aac);
    }
    let version = (b >> 3) & 0b11;
    (version != 0b01).then_some(MediaType::Mp3)
}

/// Walks the first local file headers looking for the OOXML / ODF marker entries.
fn zip_kind(h: &[u8]) -> MediaType {
    if zip_entry_names(h).iter().any(|n| is_office_marker(n)) {
        MediaType::OfficeDocument
    } else {
        MediaType::Zip
    }
}

fn is_office_marker(name: &[u8]) -> bool {
    name == b"[Content_Types].xml" || name == b"mimetype"
}

/// Names of the local file headers found in `h`, following sizes when known and otherwise
/// scanning for the next signature (entries written with a data descriptor have size 0).
fn zip_entry_names(h: &[u8]) -> Vec<&[u8]> {
    let mut names = Vec::new();
    let mut pos = 0usize;
    while names.len() < 64 {
        let Some(hdr) = h.get(pos..pos + 30) else { break };
        if &hdr[0..4] != b"PK\x03\x04" {
            match find(&h[pos..], b"PK\x03\x04") {
                Some(off) => {
                    pos += off;
                    continue;
                }
                None => break,
            }
        }
        let flags = u16::from_le_bytes([hdr[6], hdr[7]]);
        let csize = u32::from_le_bytes([hdr[18], hdr[19], hdr[20], hdr[21]]) as usize;
        let name_len = usize::from(u16::from_le_bytes([hdr[26], hdr[27]]));
        let extra_len = usize::from(u16::from_le_bytes([hdr[28], hdr[29]]));
        let Some(name) = h.get(pos + 30..pos + 30 + name_len) else { break };
        names.push(name);
        let data = pos + 30 + name_len + extra_len;
        pos = if flags & 0x08 != 0 || csize == 0 { data.max(pos + 4) } else { data.saturating_add(csize) };
    }
    names
}

/// The precise MIME type of a zip-based office document (docx, xlsx, pptx, odt, ods, odp), when
/// `head` shows it.
pub fn office_mime(head: &[u8]) -> Option<&'static str> {
    let names = zip_entry_names(head);
    if names.first() == Some(&&b"mimetype"[..]) {
        let rest = head.get(38..)?;
        for (marker, mime) in [
            (&b"opendocument.text"[..], "application/vnd.oasis.opendocument.text"),
            (b"opendocument.spreadsheet", "application/vnd.oasis.opendocument.spreadsheet"),
            (b"opendocument.presentation", "application/vnd.oasis.opendocument.presentation"),
        ] {
            if find(&rest[..rest.len().min(128)], marker).is_some() {
                return Some(mime);
            }
        }
    }
    let prefixed = |p: &[u8]| names.iter().any(|n| n.starts_with(p));
    if prefixed(b"word/") {
        Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    } else if prefixed(b"xl/") {
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    } else if prefixed(b"ppt/") {
        Some("application/vnd.openxmlformats-officedocument.presentationml.presentation")
    } else {
        None
    }
}

/// Text-like content: SVG, HTML, plain text, or Unknown for binary.
fn text_kind(h: &[u8]) -> MediaType {
    if h.is_empty() {
        return MediaType::Unknown;
    }
    if h.starts_with(&[0xFF, 0xFE]) || h.starts_with(&[0xFE, 0xFF]) {
        return MediaType::Text;
    }
    let body = h.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(h);
    if !looks_textual(body) {
        return MediaType::Unknown;
    }
    let window = &body[..body.len().min(4096)];
    let lower: Vec<u8> = window.to_ascii_lowercase();
    let start = lower.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(lower.len());
    let trimmed = &lower[start..];
    const HTML: [&[u8]; 9] =
        [b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<iframe", b"<title", b"<style", b"<div"];
    if HTML.iter().any(|p| trimmed.starts_with(p)) {
        return MediaType::Html;
    }
    if trimmed.starts_with(b"<") && find(trimmed, b"<svg").is_some() && find(trimmed, b"<html").is_none() {
        return MediaType::Svg;
    }
    MediaType::Text
}

/// No NUL bytes and valid UTF-8 (a character cut at the end of the window is fine), or
/// nearly all printable single-byte text.
fn looks_textual(h: &[u8]) -> bool {
    if h.contains(&0) {
        return false;
    }
    match std::str::from_utf8(h) {
        Ok(_) => true,
        Err(e) if e.error_len().is_none() => true,
        Err(_) => {
            let control = h.iter().filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C)).count();
            control * 100 <= h.len()
        }
    }
}

/// First offset of `needle` in `hay`.
pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests;
