//! A version's extracted metadata as a person reads it: exposure as `1/250 s`, capture dates
//! as dates, the camera without its make twice, the size as the photo is shown, IPTC and XMP
//! keywords together, and the colour profile only when the file has one.

use serde_json::{Map, Value};
use vellum_domain::media::{MediaInfo, MediaType};

/// A value as text; empty strings, nulls and objects are nothing to show.
fn text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(s) => Some(s.trim().to_string()),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().filter_map(text).collect();
            (!parts.is_empty()).then(|| parts.join(", "))
        }
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Object(_) => None,
    }
}

/// The strings of a value that may be one string or a list of them.
fn list(v: &Value) -> Vec<String> {
    match v {
        Value::Array(items) => items.iter().filter_map(text).collect(),
        other => text(other).into_iter().collect(),
    }
}

/// A number without trailing zeros: `2.80` → `2.8`, `35.0` → `35`.
fn trim_number(f: f64, decimals: usize) -> String {
    let s = format!("{f:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// An exposure time in seconds as photographers write it: `1/250 s`, `0.3 s`, `2 s`.
pub fn exposure(seconds: f64) -> Option<String> {
    if !seconds.is_finite() || seconds <= 0.0 {
        return None;
    }
    if seconds < 0.25 {
        // Shutter speeds are reciprocals; 0.004 is 1/250 and 0.0166… is 1/60.
        return Some(format!("1/{} s", (1.0 / seconds).round()));
    }
    Some(format!("{} s", trim_number(seconds, 1)))
}

/// An EXIF date (`2024:05:17 14:32:10`, with an optional `+02:00` offset) as `2024-05-17 14:32`
/// and the offset; text in another shape is shown as it is.
pub fn capture_date(raw: &str, offset: Option<&str>) -> String {
    let b = raw.as_bytes();
    let shaped = b.len() >= 16
        && b[4] == b':'
        && b[7] == b':'
        && b[10] == b' '
        && b[13] == b':'
        && raw.get(..16).is_some_and(|s| s.chars().filter(char::is_ascii_digit).count() == 12);
    if !shaped || raw.starts_with("0000") {
        return raw.to_string();
    }
    let (date, time) = (&raw[..10], &raw[11..16]);
    let when = format!("{} {time}", date.replace(':', "-"));
    match offset.map(str::trim).filter(|o| !o.is_empty()) {
        Some(o) => format!("{when} (UTC{o})"),
        None => when,
    }
}

/// Make and model without saying the make twice: "Canon" + "Canon EOS R5" → "Canon EOS R5",
/// "NIKON CORPORATION" + "NIKON D850" → "NIKON D850", "Apple" + "iPhone 13" → "Apple iPhone 13".
pub fn camera(make: Option<&str>, model: Option<&str>) -> Option<String> {
    let (make, model) = (make.map(str::trim).filter(|s| !s.is_empty()), model.map(str::trim).filter(|s| !s.is_empty()));
    match (make, model) {
        (Some(make), Some(model)) => {
            let brand = make.split_whitespace().next().unwrap_or(make).to_lowercase();
            if model.to_lowercase().starts_with(&brand) {
                Some(model.to_string())
            } else {
                Some(format!("{make} {model}"))
            }
        }
        (one, other) => one.or(other).map(str::to_string),
    }
}

/// The size as the image is shown: EXIF orientations 5–8 turn it a quarter.
pub fn oriented_size(width: u64, height: u64, orientation: Option<u64>) -> (u64, u64) {
    match orientation {
        Some(5..=8) => (height, width),
        _ => (width, height),
    }
}

/// Keywords from every source, in order, each once (ignoring case).
pub fn keywords(sources: &[&Value]) -> Option<String> {
    let mut seen: Vec<String> = Vec::new();
    for k in sources.iter().flat_map(|v| list(v)) {
        if !seen.iter().any(|s| s.eq_ignore_ascii_case(&k)) {
            seen.push(k);
        }
    }
    (!seen.is_empty()).then(|| seen.join(", "))
}

/// The colour model and the embedded profile, saying so when there is none. Versions
/// processed before the colour model was recorded only have `color_profile`, shown as it is.
pub fn colour(space: Option<&str>, profile: Option<&str>) -> Option<String> {
    match (space, profile) {
        (Some(s), Some(p)) => Some(format!("{s}, profile “{p}”")),
        (Some(s), None) => Some(format!("{s}, no embedded profile")),
        (None, Some(p)) => Some(p.to_string()),
        (None, None) => None,
    }
}

/// `30000/1001` → `29.97 fps`, `25/1` → `25 fps`.
pub fn frame_rate(rational: &str) -> Option<String> {
    let (n, d) = rational.split_once('/').unwrap_or((rational, "1"));
    let (n, d): (f64, f64) = (n.trim().parse().ok()?, d.trim().parse().ok()?);
    (d > 0.0 && n > 0.0).then(|| format!("{} fps", trim_number(n / d, 2)))
}

/// Seconds as `42.5 s` under a minute, else `m:ss` or `h:mm:ss`.
pub fn duration(seconds: f64) -> Option<String> {
    if !seconds.is_finite() || seconds < 0.0 {
        return None;
    }
    if seconds < 60.0 {
        return Some(format!("{} s", trim_number(seconds, 1)));
    }
    let total = seconds.round() as u64;
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    Some(if h > 0 { format!("{h}:{m:02}:{s:02}") } else { format!("{m}:{s:02}") })
}

/// One field of an EXIF, IPTC or XMP map (absent maps read as null).
fn field<'a>(map: Option<&'a Map<String, Value>>, key: &str) -> &'a Value {
    map.and_then(|m| m.get(key)).unwrap_or(&Value::Null)
}

fn some_text(s: &Option<String>) -> Option<String> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

/// The rows worth showing from a version's extracted metadata, in a fixed order.
pub fn media_rows(media: &MediaInfo) -> Vec<(&'static str, String)> {
    let mut rows = Vec::new();
    let mut put = |label: &'static str, value: Option<String>| {
        if let Some(v) = value {
            rows.push((label, v));
        }
    };
    let exif = |k: &str| field(media.exif.as_ref(), k);
    let xmp = |k: &str| field(media.xmp.as_ref(), k);
    let iptc = |k: &str| field(media.iptc.as_ref(), k);
    put("Type", some_text(&media.mime));
    if let (Some(w), Some(h)) = (media.width, media.height) {
        let (w, h) = oriented_size(w, h, media.orientation.map(u64::from));
        put("Dimensions", Some(format!("{w} × {h} px")));
    }
    put("Colour", colour(media.color_space.as_deref(), media.color_profile.as_deref()));
    let sound_only = media.media_type.is_some_and(MediaType::is_audio);
    put(
        "Bit depth",
        media.bit_depth.map(
            |b| {
                if sound_only {
                    format!("{b} bits per sample")
                } else {
                    format!("{b} bits per channel")
                }
            },
        ),
    );
    put("Pages", media.page_count.map(|p| p.to_string()));
    put("Title", some_text(&media.title));
    put("Author", some_text(&media.author));
    put("Duration", media.duration_seconds.and_then(duration));
    put("Frame rate", media.frame_rate.as_deref().and_then(frame_rate));
    put("Codec", some_text(&media.codec));
    put(
        "Audio",
        some_text(&media.audio_codec).map(|c| match media.audio_channels {
            Some(1) => format!("{c}, mono"),
            Some(2) => format!("{c}, stereo"),
            Some(n) => format!("{c}, {n} channels"),
            None => c,
        }),
    );
    put("Camera", camera(exif("Make").as_str(), exif("Model").as_str()));
    put("Lens", text(exif("LensModel")));
    let settings: Vec<String> = [
        exif("ExposureTime").as_f64().and_then(exposure),
        exif("FNumber").as_f64().filter(|f| *f > 0.0).map(|f| format!("f/{}", trim_number(f, 1))),
        exif("ISO").as_u64().map(|i| format!("ISO {i}")),
        exif("FocalLength").as_f64().filter(|f| *f > 0.0).map(|f| format!("{} mm", trim_number(f, 1))),
    ]
    .into_iter()
    .flatten()
    .collect();
    put("Exposure", (!settings.is_empty()).then(|| settings.join(" · ")));
    put("Captured", exif("DateTimeOriginal").as_str().map(|d| capture_date(d, exif("OffsetTimeOriginal").as_str())));
    put("Creator", text(xmp("dc:creator")).or_else(|| text(iptc("By-line"))).or_else(|| text(exif("Artist"))));
    put(
        "Copyright",
        text(xmp("dc:rights")).or_else(|| text(iptc("CopyrightNotice"))).or_else(|| text(exif("Copyright"))),
    );
    put("Credit", text(xmp("photoshop:Credit")).or_else(|| text(iptc("Credit"))));
    put("Usage terms", text(xmp("xmpRights:UsageTerms")));
    put("Keywords", keywords(&[xmp("dc:subject"), iptc("Keywords")]));
    put("Description", text(xmp("dc:description")).or_else(|| text(iptc("Caption-Abstract"))));
    if let Some(gps) = media.gps {
        put("GPS", Some(format!("{:.5}, {:.5}", gps.latitude, gps.longitude)));
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn exposure_reads_like_a_camera() {
        assert_eq!(exposure(0.004).as_deref(), Some("1/250 s"));
        assert_eq!(exposure(1.0 / 60.0).as_deref(), Some("1/60 s"));
        assert_eq!(exposure(0.3).as_deref(), Some("0.3 s"));
        assert_eq!(exposure(2.0).as_deref(), Some("2 s"));
        assert_eq!(exposure(0.0), None);
    }

    #[test]
    fn dates_cameras_and_sizes() {
        assert_eq!(capture_date("2024:05:17 14:32:10", None), "2024-05-17 14:32");
        assert_eq!(capture_date("2024:05:17 14:32:10", Some("+02:00")), "2024-05-17 14:32 (UTC+02:00)");
        assert_eq!(capture_date("0000:00:00 00:00:00", None), "0000:00:00 00:00:00");
        assert_eq!(capture_date("yesterday", None), "yesterday");
        assert_eq!(camera(Some("Canon"), Some("Canon EOS R5")).as_deref(), Some("Canon EOS R5"));
        assert_eq!(camera(Some("NIKON CORPORATION"), Some("NIKON D850")).as_deref(), Some("NIKON D850"));
        assert_eq!(camera(Some("Apple"), Some("iPhone 13")).as_deref(), Some("Apple iPhone 13"));
        assert_eq!(camera(None, Some("X100V")).as_deref(), Some("X100V"));
        assert_eq!(oriented_size(6000, 4000, Some(6)), (4000, 6000));
        assert_eq!(oriented_size(6000, 4000, Some(3)), (6000, 4000));
        assert_eq!(frame_rate("30000/1001").as_deref(), Some("29.97 fps"));
        assert_eq!(frame_rate("25/1").as_deref(), Some("25 fps"));
        assert_eq!(duration(42.51).as_deref(), Some("42.5 s"));
        assert_eq!(duration(3725.0).as_deref(), Some("1:02:05"));
    }

    #[test]
    fn colour_and_keywords_are_honest_and_merged() {
        assert_eq!(colour(Some("RGB"), None).as_deref(), Some("RGB, no embedded profile"));
        assert_eq!(colour(Some("RGB"), Some("Display P3")).as_deref(), Some("RGB, profile “Display P3”"));
        assert_eq!(
            keywords(&[&json!(["spring", "Sale"]), &json!(["sale", "banner"])]).as_deref(),
            Some("spring, Sale, banner")
        );
        assert_eq!(keywords(&[&json!(null), &json!("solo")]).as_deref(), Some("solo"));
    }

    #[test]
    fn media_rows_pick_and_format_what_matters() {
        let rows = media_rows(
            &serde_json::from_value(json!({
                "mime": "image/jpeg", "width": 6000, "height": 4000, "orientation": 6,
                "color_space": "RGB", "color_profile": null, "bit_depth": 8,
                "exif": {"Make": "Canon", "Model": "Canon EOS R5", "DateTimeOriginal": "2024:05:17 14:32:10",
                         "ExposureTime": 0.004, "FNumber": 2.8, "ISO": 100, "FocalLength": 35.0},
                "xmp": {"dc:creator": ["Ann Lee"], "dc:subject": ["spring", "sale"]},
                "iptc": {"CopyrightNotice": "© Acme", "Keywords": ["sale", "banner"]},
                "frame_rate": null
            }))
            .unwrap(),
        );
        let get = |k: &str| rows.iter().find(|(l, _)| *l == k).map(|(_, v)| v.as_str());
        assert_eq!(get("Dimensions"), Some("4000 × 6000 px"));
        assert_eq!(get("Colour"), Some("RGB, no embedded profile"));
        assert_eq!(get("Bit depth"), Some("8 bits per channel"));
        assert_eq!(get("Camera"), Some("Canon EOS R5"));
        assert_eq!(get("Exposure"), Some("1/250 s · f/2.8 · ISO 100 · 35 mm"));
        assert_eq!(get("Captured"), Some("2024-05-17 14:32"));
        assert_eq!(get("Creator"), Some("Ann Lee"));
        assert_eq!(get("Keywords"), Some("spring, sale, banner"));
        assert_eq!(get("Copyright"), Some("© Acme"));
        assert_eq!(get("Frame rate"), None);
    }
}
