//! ICC profile reading: the human description (`desc` tag, v2 `desc` or v4 `mluc`) and the
//! profile's colour space.

fn be32(b: &[u8], at: usize) -> Option<usize> {
    b.get(at..at + 4).map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]) as usize)
}

/// The profile description, e.g. "sRGB IEC61966-2.1" or "U.S. Web Coated (SWOP) v2".
pub(super) fn description(p: &[u8]) -> Option<String> {
    let count = be32(p, 128)?.min(1024);
    let tag = (0..count).find_map(|i| {
        let at = 132 + i * 12;
        (p.get(at..at + 4)? == b"desc").then(|| Some((be32(p, at + 4)?, be32(p, at + 8)?))).flatten()
    })?;
    let body = p.get(tag.0..tag.0.checked_add(tag.1)?)?;
    let text = match body.get(0..4)? {
        b"desc" => {
            let len = be32(body, 8)?;
            let ascii = body.get(12..12usize.checked_add(len)?)?;
            String::from_utf8_lossy(ascii).into_owned()
        }
        b"mluc" => {
            let records = be32(body, 8)?;
            let size = be32(body, 12)?;
            // Prefer English; otherwise the first record.
            let pick =
                (0..records.min(64)).find(|i| body.get(16 + i * size..16 + i * size + 2) == Some(b"en")).unwrap_or(0);
            let rec = 16 + pick * size;
            let (len, off) = (be32(body, rec + 4)?, be32(body, rec + 8)?);
            let utf16: Vec<u16> = body
                .get(off..off.checked_add(len)?)?
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16_lossy(&utf16)
        }
        _ => return None,
    };
    let text = text.trim_end_matches('\0').trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// The profile's data colour space (a model: an RGB profile need not be sRGB).
pub(super) fn colour_space(p: &[u8]) -> Option<&'static str> {
    match p.get(16..20)? {
        b"RGB " => Some("RGB"),
        b"CMYK" => Some("CMYK"),
        b"GRAY" => Some("Gray"),
        b"Lab " => Some("Lab"),
        _ => None,
    }
}
