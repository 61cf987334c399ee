//! Previews and extracted metadata: the preview figure and media table of an asset page
//! (which follows a version still processing without a reload), and library thumbnails.

use maud::{html, Markup};
use serde_json::Value;
use vellum_core::model::{Asset, Processing, Version};

fn rendition_url(a: &Asset, number: u32, name: &str) -> String {
    format!("/api/v1/assets/{}/versions/{number}/renditions/{name}", a.id)
}

/// A library thumbnail of the version the viewer may see (hidden by the script if none exists).
pub fn thumb(a: &Asset) -> Markup {
    html! {
        img.thumb src=(rendition_url(a, a.current_version, "thumbnail")) alt="" loading="lazy" width="200" height="150";
    }
}

/// The preview of `v`, or where its processing stands.
pub fn preview(a: &Asset, v: &Version) -> Markup {
    let poll = format!("/api/v1/assets/{}/versions/{}", a.id, v.number);
    let src = rendition_url(a, v.number, "preview");
    html! {
        figure.preview data-poll=[(v.processing == Processing::Pending).then_some(&poll)] data-src=(src) {
            @match v.processing {
                Processing::Done => {
                    img src=(src) alt={ "Preview of version " (v.number) };
                    figcaption.muted.status { "Version " (v.number) }
                }
                Processing::Pending => {
                    figcaption.status role="status" { "Processing version " (v.number) "…" }
                }
                Processing::Failed => {
                    figcaption.status.error role="status" {
                        "Processing failed: " (v.processing_reason.as_deref().unwrap_or("unknown reason"))
                    }
                }
            }
        }
    }
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().filter_map(text).collect();
            (!parts.is_empty()).then(|| parts.join(", "))
        }
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Object(_) => None,
    }
}

/// The rows worth showing from a version's extracted metadata, in a fixed order.
pub fn media_rows(media: &Value) -> Vec<(&'static str, String)> {
    let mut rows = Vec::new();
    let mut put = |label: &'static str, value: Option<String>| {
        if let Some(v) = value {
            rows.push((label, v));
        }
    };
    put("Type", text(&media["mime"]));
    if let (Some(w), Some(h)) = (media["width"].as_u64(), media["height"].as_u64()) {
        put("Dimensions", Some(format!("{w} × {h} px")));
    }
    put("Colour", text(&media["color_profile"]));
    put("Pages", text(&media["page_count"]));
    put("Title", text(&media["title"]));
    put("Author", text(&media["author"]));
    put("Duration", media["duration_seconds"].as_f64().map(|d| format!("{d:.2} s")));
    put("Frame rate", text(&media["frame_rate"]));
    put("Codec", text(&media["codec"]));
    put(
        "Audio",
        text(&media["audio_codec"]).map(|c| match media["audio_channels"].as_u64() {
            Some(n) => format!("{c}, {n} channels"),
            None => c,
        }),
    );
    put(
        "Camera",
        [text(&media["exif"]["Make"]), text(&media["exif"]["Model"])]
            .into_iter()
            .flatten()
            .reduce(|a, b| format!("{a} {b}")),
    );
    put("Captured", text(&media["exif"]["DateTimeOriginal"]));
    put("Creator", text(&media["xmp"]["dc:creator"]).or_else(|| text(&media["iptc"]["By-line"])));
    put("Copyright", text(&media["xmp"]["dc:rights"]).or_else(|| text(&media["iptc"]["CopyrightNotice"])));
    put("Credit", text(&media["xmp"]["photoshop:Credit"]).or_else(|| text(&media["iptc"]["Credit"])));
    put("Usage terms", text(&media["xmp"]["xmpRights:UsageTerms"]));
    put("Keywords", text(&media["xmp"]["dc:subject"]).or_else(|| text(&media["iptc"]["Keywords"])));
    put("Description", text(&media["xmp"]["dc:description"]).or_else(|| text(&media["iptc"]["Caption-Abstract"])));
    if let (Some(lat), Some(lon)) = (media["gps"]["latitude"].as_f64(), media["gps"]["longitude"].as_f64()) {
        put("GPS", Some(format!("{lat:.5}, {lon:.5}")));
    }
    rows
}

/// The extracted-metadata table of a processed version.
pub fn media_table(v: &Version) -> Markup {
    let rows = v.media.as_ref().map(media_rows).unwrap_or_default();
    html! {
        @if !rows.is_empty() {
            table.meta.media {
                caption.muted { "From the file of version " (v.number) }
                tbody { @for (k, val) in &rows { tr { th scope="row" { (k) } td { (val) } } } }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn media_rows_pick_and_format_what_matters() {
        let rows = media_rows(&json!({
            "mime": "image/jpeg", "width": 6000, "height": 4000,
            "exif": {"Make": "Canon", "Model": "EOS R5", "DateTimeOriginal": "2026:03:01 10:00:00"},
            "xmp": {"dc:creator": ["Ann Lee"], "dc:subject": ["spring", "sale"]},
            "iptc": {"CopyrightNotice": "© Acme"},
            "frame_rate": null
        }));
        let get = |k: &str| rows.iter().find(|(l, _)| *l == k).map(|(_, v)| v.as_str());
        assert_eq!(get("Dimensions"), Some("6000 × 4000 px"));
        assert_eq!(get("Camera"), Some("Canon EOS R5"));
        assert_eq!(get("Creator"), Some("Ann Lee"));
        assert_eq!(get("Keywords"), Some("spring, sale"));
        assert_eq!(get("Copyright"), Some("© Acme"));
        assert_eq!(get("Frame rate"), None);
    }
}
