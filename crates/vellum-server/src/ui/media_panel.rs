//! Previews and extracted metadata: the preview figure and media table of an asset page
//! (which follows a version still processing without a reload), and library thumbnails.

use maud::{html, Markup};
use vellum_core::model::{Asset, Processing, Version};
use vellum_domain::media::MediaType;

fn rendition_url(a: &Asset, number: u32, name: &str) -> String {
    format!("/api/v1/assets/{}/versions/{number}/renditions/{name}", a.id)
}

/// A library thumbnail of the version the viewer may see (hidden by the script if none exists).
pub fn thumb(a: &Asset) -> Markup {
    html! {
        img.thumb src=(rendition_url(a, a.current_version, "thumbnail")) alt="" loading="lazy" width="200" height="150";
    }
}

fn media_type(v: &Version) -> MediaType {
    v.media.as_ref().and_then(|m| m.info.media_type).unwrap_or(MediaType::Unknown)
}

/// The preview of `v` (page `page` of a document, the proxy of a video), or where its
/// processing stands.
pub fn preview(a: &Asset, v: &Version, page: u32) -> Markup {
    let poll = format!("/api/v1/assets/{}/versions/{}", a.id, v.number);
    let src = rendition_url(a, v.number, "preview");
    let kind = media_type(v);
    let pages = v.media.as_ref().and_then(|m| m.info.page_count).unwrap_or(0);
    let page = page.clamp(1, pages.max(1));
    html! {
        figure.preview data-poll=[(v.processing == Processing::Pending).then_some(&poll)] data-src=(src) {
            @match v.processing {
                Processing::Done if kind.is_video() => {
                    video controls preload="metadata" poster=(rendition_url(a, v.number, "poster"))
                        src=(rendition_url(a, v.number, "proxy")) { "Your browser cannot play this video." }
                    img.filmstrip src=(rendition_url(a, v.number, "filmstrip")) alt="Filmstrip";
                    figcaption.muted.status { "Version " (v.number) }
                }
                Processing::Done if kind.is_audio() => {
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
    let is_image = vellum_core::media::presets_apply(media_type(v));
    let near = v.media.as_ref().map(|m| m.near_duplicates.as_slice()).unwrap_or_default();
    html! {
        @if !near.is_empty() {
            p.notice.info {
                "This looks like "
                @for (i, n) in near.iter().enumerate() {
                    @if i > 0 { ", " }
                    @let id = n.asset_id.to_string();
                    a href={ "/a/" (id) } { "asset …" (id.get(id.len().saturating_sub(6)..).unwrap_or(&id)) " v" (n.version) }
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
                            " " span.muted { (preset_size(p, v)) }
                        }
                    }
                }
            }
        }
    }
}

/// What a preset makes of this version: the real size, and why it is smaller than the preset's
/// box when the file is smaller (presets never enlarge).
fn preset_size(p: &vellum_core::presets::PresetView, v: &Version) -> String {
    let auto = p.height >= vellum_media::render::RenditionSpec::MAX_SIDE;
    let height = if auto { "auto".to_string() } else { p.height.to_string() };
    let fit = p.fit.as_str();
    match v.media.as_ref().and_then(|m| p.output_size(&m.info)) {
        Some(o) if o.limited_by_source => format!(
            "{} × {} px, {fit} — the file is smaller than {} × {height}, so it is not enlarged",
            o.width, o.height, p.width
        ),
        Some(o) => format!("{} × {} px, {fit}", o.width, o.height),
        None => format!("{} × {height} px, {fit}", p.width),
    }
}

/// The extracted-metadata table of a processed version.
pub fn media_table(v: &Version) -> Markup {
    let rows = v.media.as_ref().map(|m| super::media_text::media_rows(&m.info)).unwrap_or_default();
    html! {
        @if !rows.is_empty() {
            table.meta.media {
                caption.muted { "From the file of version " (v.number) }
                tbody { @for (k, val) in &rows { tr { th scope="row" { (k) } td { (val) } } } }
            }
        }
    }
}
