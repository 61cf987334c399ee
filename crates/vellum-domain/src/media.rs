//! What a stored file is and what was read from it: the media type decided by sniffing, the
//! descriptive metadata extracted by the media pipeline, and a version's whole media record
//! (that metadata plus perceptual hashes and look-alikes) as the store keeps it.
//!
//! Names that versions stored before these were types still read: earlier releases wrote some
//! media types in their Rust spelling (`quicktime`), kept here as aliases.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::id::Id;

/// What a file really is, from its first bytes (never from the name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaType {
    Jpeg,
    Png,
    Gif,
    Webp,
    Tiff,
    Heic,
    Svg,
    Psd,
    Pdf,
    /// EPS and PostScript-based (non-PDF) Illustrator files.
    #[serde(alias = "postscript")]
    PostScript,
    Mp4,
    #[serde(alias = "quicktime")]
    QuickTime,
    Webm,
    Matroska,
    Avi,
    Mp3,
    Wav,
    /// Raw ADTS AAC and MPEG-4 audio (`.m4a`).
    Aac,
    Ogg,
    Flac,
    /// Zip-based office documents: docx/xlsx/pptx (OOXML) and odt/ods/odp (ODF).
    #[serde(alias = "officedocument")]
    OfficeDocument,
    /// OLE2 compound files: .doc/.xls/.ppt.
    #[serde(alias = "legacyoffice")]
    LegacyOffice,
    Html,
    Text,
    Zip,
    Unknown,
}

impl MediaType {
    /// The canonical MIME type.
    pub fn mime(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Gif => "image/gif",
            Self::Webp => "image/webp",
            Self::Tiff => "image/tiff",
            Self::Heic => "image/heic",
            Self::Svg => "image/svg+xml",
            Self::Psd => "image/vnd.adobe.photoshop",
            Self::Pdf => "application/pdf",
            Self::PostScript => "application/postscript",
            Self::Mp4 => "video/mp4",
            Self::QuickTime => "video/quicktime",
            Self::Webm => "video/webm",
            Self::Matroska => "video/x-matroska",
            Self::Avi => "video/x-msvideo",
            Self::Mp3 => "audio/mpeg",
            Self::Wav => "audio/wav",
            Self::Aac => "audio/aac",
            Self::Ogg => "audio/ogg",
            Self::Flac => "audio/flac",
            // The precise type needs the entry names: see [`office_mime`].
            Self::OfficeDocument => "application/octet-stream",
            Self::LegacyOffice => "application/x-ole-storage",
            Self::Html => "text/html",
            Self::Text => "text/plain",
            Self::Zip => "application/zip",
            Self::Unknown => "application/octet-stream",
        }
    }

    /// The snake_case name, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Jpeg => "jpeg",
            Self::Png => "png",
            Self::Gif => "gif",
            Self::Webp => "webp",
            Self::Tiff => "tiff",
            Self::Heic => "heic",
            Self::Svg => "svg",
            Self::Psd => "psd",
            Self::Pdf => "pdf",
            Self::PostScript => "post_script",
            Self::Mp4 => "mp4",
            Self::QuickTime => "quick_time",
            Self::Webm => "webm",
            Self::Matroska => "matroska",
            Self::Avi => "avi",
            Self::Mp3 => "mp3",
            Self::Wav => "wav",
            Self::Aac => "aac",
            Self::Ogg => "ogg",
            Self::Flac => "flac",
            Self::OfficeDocument => "office_document",
            Self::LegacyOffice => "legacy_office",
            Self::Html => "html",
            Self::Text => "text",
            Self::Zip => "zip",
            Self::Unknown => "unknown",
        }
    }

    pub fn is_image(self) -> bool {
        matches!(
            self,
            Self::Jpeg | Self::Png | Self::Gif | Self::Webp | Self::Tiff | Self::Heic | Self::Svg | Self::Psd
        )
    }

    pub fn is_video(self) -> bool {
        matches!(self, Self::Mp4 | Self::QuickTime | Self::Webm | Self::Matroska | Self::Avi)
    }

    pub fn is_audio(self) -> bool {
        matches!(self, Self::Mp3 | Self::Wav | Self::Aac | Self::Ogg | Self::Flac)
    }
}

/// What we know about a file; every field is optional because each kind of file fills a subset.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MediaInfo {
    pub media_type: Option<MediaType>,
    pub mime: Option<String>,
    /// Stored pixel size (before EXIF orientation), or points for a PDF's first page.
    pub width: Option<u64>,
    pub height: Option<u64>,
    /// EXIF orientation 1–8.
    pub orientation: Option<u16>,
    /// The embedded ICC profile's description; None when the file embeds no profile (viewers
    /// then usually assume sRGB, but the file does not say so).
    pub color_profile: Option<String>,
    /// The colour model ("RGB", "CMYK", "Gray", "Lab"), from the ICC profile or else the
    /// pixel layout.
    pub color_space: Option<String>,
    /// EXIF fields under exiftool's tag names; numbers as exiftool's `-n` prints them.
    pub exif: Option<Map<String, Value>>,
    pub gps: Option<Gps>,
    /// IPTC IIM datasets under exiftool's names (`By-line`, `Keywords`, …).
    pub iptc: Option<Map<String, Value>>,
    /// XMP properties as `prefix:name` (`dc:creator`, `photoshop:Credit`, …).
    pub xmp: Option<Map<String, Value>>,
    pub page_count: Option<u32>,
    pub title: Option<String>,
    pub author: Option<String>,
    /// Text excerpt (PDF), at most 64 KiB.
    pub text: Option<String>,
    pub duration_seconds: Option<f64>,
    /// Exact rational frame rate, e.g. "30000/1001".
    pub frame_rate: Option<String>,
    /// The timecode of the first frame as the file states it (`01:00:00;00`; `;` means
    /// drop-frame).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_timecode: Option<String>,
    /// Frames in the video stream, when the file says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame_count: Option<u64>,
    pub codec: Option<String>,
    pub audio_codec: Option<String>,
    pub audio_channels: Option<u32>,
    /// Bits per channel (or per audio sample).
    pub bit_depth: Option<u32>,
}

/// A position in decimal degrees (south and west negative) and metres (below sea level negative).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Gps {
    pub latitude: f64,
    pub longitude: f64,
    pub altitude: Option<f64>,
}

/// Another asset's version that looks like this one (perceptual hashes `distance` bits of 64
/// apart).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NearDuplicate {
    pub asset_id: Id,
    pub version: u32,
    pub distance: u32,
}

/// What processing learned about a version: the file's metadata, its perceptual hashes and the
/// look-alikes found in the workspace at the time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VersionMedia {
    #[serde(flatten)]
    pub info: MediaInfo,
    /// The first page's (or the image's) 64-bit perceptual hash, as 16 hex digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phash: Option<String>,
    /// One hash per page of a document, in page order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub page_phashes: Vec<String>,
    /// Closest first, at most five; empty when none was found.
    #[serde(default)]
    pub near_duplicates: Vec<NearDuplicate>,
}

impl VersionMedia {
    /// The perceptual hash as a number, when there is a readable one.
    pub fn phash_bits(&self) -> Option<u64> {
        self.phash.as_deref().and_then(|h| u64::from_str_radix(h, 16).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_read_in_both_spellings_and_write_one() {
        for t in [MediaType::QuickTime, MediaType::PostScript, MediaType::OfficeDocument, MediaType::Jpeg] {
            assert_eq!(serde_json::to_value(t).unwrap(), Value::from(t.as_str()));
            let old = format!("\"{}\"", format!("{t:?}").to_lowercase());
            assert_eq!(serde_json::from_str::<MediaType>(&old).unwrap(), t, "{old}");
        }
    }

    #[test]
    fn a_stored_record_reads_back_whole() {
        let stored = serde_json::json!({
            "media_type": "quicktime", "mime": "video/quicktime", "width": 1920, "height": 1080,
            "phash": "00ff00ff00ff00ff",
            "near_duplicates": [{"asset_id": "0190b6b2-0000-7000-8000-000000000001", "version": 2, "distance": 3}],
        });
        let media: VersionMedia = serde_json::from_value(stored).unwrap();
        assert_eq!(media.info.media_type, Some(MediaType::QuickTime));
        assert_eq!(media.phash_bits(), Some(0x00ff_00ff_00ff_00ff));
        assert_eq!(media.near_duplicates[0].version, 2);
        assert!(media.page_phashes.is_empty());
        let again: VersionMedia = serde_json::from_value(serde_json::to_value(&media).unwrap()).unwrap();
        assert_eq!(again, media);
    }
}
