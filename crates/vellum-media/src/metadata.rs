//! Descriptive metadata of a file as one flat record ([`MediaInfo`]), and its extraction from
//! image bytes in pure Rust: EXIF (with GPS), IPTC IIM, XMP, the ICC profile's description and
//! the colour space.

mod containers;
mod exif_data;
mod icc;
mod iptc;
mod tiff_copy;
mod view;
mod xmp;

use crate::header;
use crate::sniff::MediaType;
pub use vellum_domain::media::{Gps, MediaInfo};
pub use view::file_view;

/// Metadata of an image held in memory: size, orientation, colour, EXIF, GPS, IPTC and XMP.
/// Never fails: what cannot be read is left out.
pub fn extract_image(bytes: &[u8], media_type: MediaType) -> MediaInfo {
    let blocks = containers::blocks(bytes, media_type);
    let (w, h) = header::dimensions(bytes).unzip();
    let exif = blocks.exif.as_deref().and_then(exif_data::parse).or_else(|| {
        // HEIF keeps EXIF in an item; the exif crate knows how to find it.
        (media_type == MediaType::Heic).then(|| exif_data::parse_container(bytes)).flatten()
    });
    // A profile without a readable name is still a profile, and is reported as one.
    let icc_name =
        blocks.icc.as_deref().map(|p| icc::description(p).unwrap_or_else(|| "unnamed ICC profile".to_owned()));
    let colour = blocks.icc.as_deref().and_then(icc::colour_space).or(blocks.colour);
    let (exif_map, gps, orientation) = match exif {
        Some(e) => (Some(e.fields).filter(|m| !m.is_empty()), e.gps, e.orientation),
        None => (None, None, None),
    };
    MediaInfo {
        media_type: Some(media_type),
        mime: Some(media_type.mime().to_owned()),
        width: w,
        height: h,
        orientation,
        color_profile: icc_name,
        color_space: colour.map(str::to_owned),
        bit_depth: blocks.bit_depth,
        exif: exif_map,
        gps,
        iptc: blocks.iptc.as_deref().map(iptc::parse).filter(|m| !m.is_empty()),
        xmp: blocks.xmp.as_deref().and_then(xmp::parse).filter(|m| !m.is_empty()),
        ..Default::default()
    }
}

/// Metadata of an image file, read from its bounded [`file_view`] (never the whole of a large
/// file). What cannot be read is left out.
pub fn extract_file(path: &std::path::Path, media_type: MediaType) -> std::io::Result<MediaInfo> {
    Ok(extract_image(&file_view(path, media_type)?, media_type))
}

/// The EXIF orientation (1–8) of an image, 1 when absent or unreadable.
pub fn orientation(bytes: &[u8], media_type: MediaType) -> u16 {
    let blocks = containers::blocks_exif_only(bytes, media_type);
    blocks.as_deref().and_then(exif_data::orientation).filter(|o| (1..=8).contains(o)).unwrap_or(1)
}

/// Removes every location: the GPS record, GPS* EXIF fields and exif:GPS* XMP properties.
/// The embedded ICC profile of an image, if it carries one (for colour conversion).
pub(crate) fn icc_profile(bytes: &[u8], media_type: MediaType) -> Option<Vec<u8>> {
    containers::blocks(bytes, media_type).icc
}

pub fn strip_gps(info: &mut MediaInfo) {
    info.gps = None;
    if let Some(exif) = info.exif.as_mut() {
        exif.retain(|k, _| !k.starts_with("GPS"));
    }
    if let Some(xmp) = info.xmp.as_mut() {
        xmp.retain(|k, _| !k.starts_with("exif:GPS") && !k.starts_with("Iptc4xmpExt:LocationCreated"));
    }
}

#[cfg(test)]
mod tests;
