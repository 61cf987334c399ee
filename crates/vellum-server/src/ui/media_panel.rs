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

const VIDEO: [&str; 5] = ["mp4", "quicktime", "webm", "matroska", "avi"];
const AUDIO: [&str; 5] = ["mp3", "wav", "aac", "ogg", "flac"];

fn media_type(v: &Version) -> &str {
    v.media.as_ref().and_then(|m| m["media_type"].as_str()).unwrap_or("")
}

/// The preview of `v` (page `page` of a document, the proxy of a video), or where its
/// processing stands.
pub fn preview(a: &Asset, v: &Version, page: u32) -> Markup {
    let poll = format!("/api/v1/assets/{}/versions/{}", a.id, v.number);
    let src = rendition_url(a, v.number, "preview");
    let kind = media_type(v);
    let pages = v.media.as_ref().and_then(|m| m["page_count"].as_u64()).unwrap_or(0) as u32;
    let page = page.clamp(1, pages.max(1));
    html! {
        figure.preview data-poll=[(v.processing == Processing::Pending).then_some(&poll)] data-src=(src) {
            @match v.processing {
                Processing::Done if VIDEO.contains(&kind) => {
                    video controls preload="metadata" poster=(rendition_url(a, v.number, "poster"))
                        src=(rendition_url(a, v.number, "proxy")) { "Your browser cannot play this video." }
                    img.filmstrip src=(rendition_url(a, v.number, "filmstrip")) alt="Filmstrip";
                    figcaption.muted.status { "Version " (v.number) }
                }
                Processing::Done if AUDIO.contains(&kind) => {
                    img src=(rendition_url(a, v.number, "waveform")) alt={ "Waveform of version " (v.number) };
                    audio controls preload="none" src={ "/api/v1/assets/" (a.id) "/versions/" (v.number) "/file" } {}
                    figcaption.muted.status { "Version " (v.number) }
                }
                Processing::Done if pages > 1 => {
                    img src={ "/api/v1/assets/" (a.id) "/versions/" (v.number) "/pages/" (page) } alt={ "Page " (page) " of version " (v.number) };
                    nav.pages aria-label="Pages" {
                        @if page > 1 { a href={ "?page=" (page - 1) } rel="prev" { "‹ Previous" } }
                        span { "Page " (page) " of " (pages) }
                        @if page < pages { a href={ "?page=" (page + 1) } rel="next" { "Next ›" } }
                    }
                }
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

/// Links to the channel presets of an image version, and look-alikes found in the workspace.
pub fn extras(a: &Asset, v: &Version, presets: &[vellum_core::presets::PresetView]) -> Markup {
    let is_image = ["jpeg", "png", "gif", "webp", "tiff"].contains(&media_type(v));
    let near = v.media.as_ref().and_then(|m| m["near_duplicates"].as_array().cloned()).unwrap_or_default();
    html! {
        @if !near.is_empty() {
            p.notice.info {
                "This looks like "
                @for (i, n) in near.iter().enumerate() {
                    @if i > 0 { ", " }
                    @let id = n["asset_id"].as_str().unwrap_or("");
                    a href={ "/a/" (id) } { "asset …" (id.get(id.len().saturating_sub(6)..).unwrap_or(id)) " v" (n["version"]) }
                }
                "."
            }
        }
        @if is_image && v.processing == Processing::Done && !presets.is_empty() {
            details.presets {
                summary { "Channel crops" }
                ul {
                    @for p in presets {
                        li {
                            a href=(rendition_url(a, v.number, &p.name)) download { (p.name.replace('_', " ")) }
                            " " span.muted { (p.width) " × " @if p.height >= 16_384 { "auto" } @else { (p.height) } " " (format!("{:?}", p.fit).to_lowercase()) }
                        }
                    }
                }
            }
        }
    }
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
