//! Previews and extracted metadata: the preview figure and media table of an asset page
//! (which follows a version still processing without a reload), and library thumbnails.

use maud::{html, Markup};
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
    let rows = v.media.as_ref().map(super::media_text::media_rows).unwrap_or_default();
    html! {
        @if !rows.is_empty() {
            table.meta.media {
                caption.muted { "From the file of version " (v.number) }
                tbody { @for (k, val) in &rows { tr { th scope="row" { (k) } td { (val) } } } }
            }
        }
    }
}
