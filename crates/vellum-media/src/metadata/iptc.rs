//! IPTC IIM (the "legacy" IPTC block in JPEG APP13 / TIFF / PSD): record 2 datasets under
//! exiftool's names.

use serde_json::{Map, Value};

/// Record 2 dataset numbers and exiftool names. Keywords and SupplementalCategories are
/// always arrays; other repeatable datasets become arrays only when repeated.
const DATASETS: &[(u8, &str)] = &[
    (5, "ObjectName"),
    (7, "EditStatus"),
    (10, "Urgency"),
    (15, "Category"),
    (20, "SupplementalCategories"),
    (25, "Keywords"),
    (40, "SpecialInstructions"),
    (55, "DateCreated"),
    (60, "TimeCreated"),
    (80, "By-line"),
    (85, "By-lineTitle"),
    (90, "City"),
    (92, "Sub-location"),
    (95, "Province-State"),
    (100, "Country-PrimaryLocationCode"),
    (101, "Country-PrimaryLocationName"),
    (103, "OriginalTransmissionReference"),
    (105, "Headline"),
    (110, "Credit"),
    (115, "Source"),
    (116, "CopyrightNotice"),
    (118, "Contact"),
    (120, "Caption-Abstract"),
    (122, "Writer-Editor"),
];

const ALWAYS_LIST: &[&str] = &["Keywords", "SupplementalCategories"];

pub(super) fn parse(b: &[u8]) -> Map<String, Value> {
    let mut out = Map::new();
    let mut pos = 0usize;
    while let Some(h) = b.get(pos..pos + 5) {
        let (marker, record, dataset) = (h[0], h[1], h[2]);
        if marker != 0x1C {
            break;
        }
        let mut len = usize::from(u16::from_be_bytes([h[3], h[4]]));
        let mut start = pos + 5;
        if len & 0x8000 != 0 {
            // Extended dataset: the low bits give how many bytes hold the length.
            let n = len & 0x7FFF;
            let Some(size) = b.get(start..start + n) else { break };
            len = size.iter().fold(0usize, |acc, x| acc.saturating_mul(256).saturating_add(usize::from(*x)));
            start += n;
        }
        let Some(data) = b.get(start..start.saturating_add(len)) else { break };
        pos = start + len;
        if record != 2 {
            continue;
        }
        let Some((_, name)) = DATASETS.iter().find(|(n, _)| *n == dataset) else { continue };
        let text = decode(data);
        let text = text.trim_end_matches('\0').trim();
        if text.is_empty() {
            continue;
        }
        add(&mut out, name, text);
    }
    out
}

fn add(out: &mut Map<String, Value>, name: &str, text: &str) {
    let value = Value::String(text.to_owned());
    match out.get_mut(name) {
        Some(Value::Array(list)) => list.push(value),
        Some(existing) => {
            let first = existing.take();
            *existing = Value::Array(vec![first, value]);
        }
        None if ALWAYS_LIST.contains(&name) => {
            out.insert(name.to_owned(), Value::Array(vec![value]));
        }
        None => {
            out.insert(name.to_owned(), value);
        }
    }
}

/// UTF-8 when valid (exiftool and most modern writers), else Latin-1.
fn decode(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(s) => s.to_owned(),
        Err(_) => b.iter().map(|&c| char::from(c)).collect(),
    }
}
