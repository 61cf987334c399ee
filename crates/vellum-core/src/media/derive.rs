//! What a version's file yields, by type: its metadata and the renditions made from it.
//! Images are decoded in process from the staged file, a piece at a time (large WebP are first
//! scaled by a tool); everything else goes through the external tools of
//! `vellum_media::external`, in the job's own folder.

use std::path::{Path, PathBuf};

use serde_json::json;
use vellum_media::{
    external, header::PixelLimits, metadata, metadata::MediaInfo, probe, render, render::RenditionSpec, MediaType,
};

use crate::jobs::JobFailure;

/// At most this many PDF pages get a rendition of their own.
pub const MAX_PAGES: u32 = 100;

/// The bytes of one rendition: in memory, or a file a tool wrote (video proxies are large).
pub enum Data {
    Bytes(Vec<u8>),
    File(PathBuf),
}

pub struct Output {
    pub name: String,
    pub spec: serde_json::Value,
    pub content_type: &'static str,
    pub data: Data,
}

pub struct Derived {
    pub info: MediaInfo,
    pub outputs: Vec<Output>,
    pub phash: Option<u64>,
    /// One perceptual hash per page of a document.
    pub page_hashes: Vec<u64>,
}

fn bad(what: &str) -> impl Fn(String) -> JobFailure + '_ {
    move |e| JobFailure::permanent(format!("the {what} could not be read: {e}"))
}

fn tool_failure(e: vellum_media::ToolError) -> JobFailure {
    JobFailure::permanent(match e {
        vellum_media::ToolError::NotInstalled(t) => format!("{t} is not installed on this server"),
        other => other.to_string(),
    })
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, JobFailure> + Send + 'static,
) -> Result<T, JobFailure> {
    tokio::task::spawn_blocking(f).await.map_err(|e| JobFailure::transient(e.to_string()))?
}

/// Preview, thumbnail and perceptual hash of a still image file in the job folder `dir`. Only
/// the preview decodes the original (read piece by piece, never whole); the thumbnail and the
/// hash are made from the preview, which is far cheaper than decoding a large original three
/// times.
async fn stills(src: &Path, dir: &Path, limits: PixelLimits) -> Result<(Vec<Output>, Option<u64>), JobFailure> {
    let (preview_spec, thumb_spec) = (RenditionSpec::preview(), RenditionSpec::thumbnail());
    let preview = render::render_file(src, dir, &preview_spec, limits).await.map_err(decode_failed)?;
    let thumb = thumb_spec.clone();
    let (thumbnail, preview, phash) = blocking(move || {
        let thumbnail = render::render_image(&preview, &thumb, limits).map_err(decode_failed)?;
        let phash = render::perceptual_hash(&thumbnail, limits).ok();
        Ok((thumbnail, preview, phash))
    })
    .await?;
    let output = |name: &str, spec: &RenditionSpec, data: Vec<u8>| Output {
        name: name.into(),
        spec: serde_json::to_value(spec).unwrap_or_default(),
        content_type: "image/jpeg",
        data: Data::Bytes(data),
    };
    Ok((vec![output("thumbnail", &thumb_spec, thumbnail), output("preview", &preview_spec, preview)], phash))
}

/// Why an image could not be rendered, for the uploader: a missing or failing tool, or the file.
pub(super) fn decode_failed(e: render::RenderError) -> JobFailure {
    match e {
        render::RenderError::Tool(t) => tool_failure(t),
        other => JobFailure::permanent(format!("the image could not be decoded: {other}")),
    }
}

/// Metadata of an image file, from a bounded view of it.
async fn image_info(path: &Path) -> Result<MediaInfo, JobFailure> {
    let path = path.to_path_buf();
    blocking(move || {
        use std::io::Read;
        let io = |e: std::io::Error| JobFailure::transient(e.to_string());
        let mut head = Vec::new();
        std::fs::File::open(&path).map_err(io)?.take(64 * 1024).read_to_end(&mut head).map_err(io)?;
        metadata::extract_file(&path, vellum_media::sniff(&head)).map_err(io)
    })
    .await
}

async fn stills_of_file(
    path: PathBuf,
    dir: &Path,
    limits: PixelLimits,
) -> Result<(Vec<Output>, Option<u64>, MediaInfo), JobFailure> {
    let info = image_info(&path).await?;
    let (outputs, phash) = stills(&path, dir, limits).await?;
    Ok((outputs, phash, info))
}

fn file_output(name: &str, spec: serde_json::Value, content_type: &'static str, path: PathBuf) -> Output {
    Output { name: name.into(), spec, content_type, data: Data::File(path) }
}

/// Derives metadata and renditions for a file of type `kind` staged at `src` in `dir`.
pub async fn derive(kind: MediaType, src: &Path, dir: &Path, limits: PixelLimits) -> Result<Derived, JobFailure> {
    match kind {
        MediaType::Jpeg | MediaType::Png | MediaType::Gif | MediaType::Webp | MediaType::Tiff | MediaType::Psd => {
            let (outputs, phash, info) = stills_of_file(src.to_path_buf(), dir, limits).await?;
            Ok(Derived { info, outputs, phash, page_hashes: Vec::new() })
        }
        MediaType::Pdf => pdf(src, dir, limits).await,
        MediaType::OfficeDocument | MediaType::LegacyOffice => {
            let pdf_path = external::office_to_pdf(src, dir).await.map_err(tool_failure)?;
            let mut d = pdf(&pdf_path, dir, limits).await?;
            d.outputs.push(file_output("pdf", json!({"from": "office"}), "application/pdf", pdf_path));
            Ok(d)
        }
        MediaType::Mp4 | MediaType::QuickTime | MediaType::Webm | MediaType::Matroska | MediaType::Avi => {
            video(src, dir, limits).await
        }
        MediaType::Mp3 | MediaType::Wav | MediaType::Aac | MediaType::Ogg | MediaType::Flac => {
            let info = probe::probe_video(src, dir).await.map_err(|e| bad("audio file")(e.to_string()))?;
            let wave = external::audio_waveform(src, dir).await.map_err(tool_failure)?;
            let (mut outputs, _, _) = stills_of_file(wave.clone(), dir, limits).await?;
            outputs.push(file_output("waveform", json!({"width": 1200, "height": 240}), "image/png", wave));
            Ok(Derived { info, outputs, phash: None, page_hashes: Vec::new() })
        }
        MediaType::Heic => {
            let jpeg = external::heic_to_jpeg(src, dir).await.map_err(tool_failure)?;
            converted(src, kind, jpeg, dir, limits).await
        }
        MediaType::Svg => {
            let png = external::svg_to_png(src, dir, 2048).await.map_err(tool_failure)?;
            let (outputs, phash, raster) = stills_of_file(png, dir, limits).await?;
            // An SVG has no pixel size of its own; report the rasterised one.
            let info = MediaInfo { width: raster.width, height: raster.height, ..MediaInfo::default() };
            Ok(Derived { info, outputs, phash, page_hashes: Vec::new() })
        }
        MediaType::PostScript => {
            let png = external::postscript_to_png(src, dir).await.map_err(tool_failure)?;
            let (outputs, phash, raster) = stills_of_file(png, dir, limits).await?;
            let info = MediaInfo { width: raster.width, height: raster.height, ..MediaInfo::default() };
            Ok(Derived { info, outputs, phash, page_hashes: Vec::new() })
        }
        _ => Ok(Derived { info: MediaInfo::default(), outputs: Vec::new(), phash: None, page_hashes: Vec::new() }),
    }
}

/// A photo converted to JPEG by a tool: metadata from the original, pixels from the copy.
async fn converted(
    original: &Path,
    kind: MediaType,
    jpeg: PathBuf,
    dir: &Path,
    limits: PixelLimits,
) -> Result<Derived, JobFailure> {
    let (outputs, phash, raster) = stills_of_file(jpeg, dir, limits).await?;
    let original = original.to_path_buf();
    let mut info =
        blocking(move || metadata::extract_file(&original, kind).map_err(|e| JobFailure::transient(e.to_string())))
            .await?;
    info.width = info.width.or(raster.width);
    info.height = info.height.or(raster.height);
    Ok(Derived { info, outputs, phash, page_hashes: Vec::new() })
}

async fn pdf(src: &Path, dir: &Path, limits: PixelLimits) -> Result<Derived, JobFailure> {
    let info = probe::probe_pdf(src, dir).await.map_err(|e| bad("PDF")(e.to_string()))?;
    let pages = info.page_count.unwrap_or(1).clamp(1, MAX_PAGES);
    let files = external::pdf_pages(src, dir, 1, pages, 2048).await.map_err(tool_failure)?;
    let first = files.first().cloned().ok_or_else(|| JobFailure::permanent("the PDF has no pages"))?;
    let (mut outputs, phash, _) = stills_of_file(first, dir, limits).await?;
    let paths = files.clone();
    let page_hashes = blocking(move || {
        Ok(paths
            .iter()
            .filter_map(|p| std::fs::read(p).ok())
            .filter_map(|b| render::perceptual_hash(&b, limits).ok())
            .collect::<Vec<u64>>())
    })
    .await?;
    for (i, f) in files.into_iter().enumerate() {
        let k = i + 1;
        outputs.push(file_output(&format!("page-{k}"), json!({"page": k, "max_side": 2048}), "image/jpeg", f));
    }
    Ok(Derived { info, outputs, phash, page_hashes })
}

async fn video(src: &Path, dir: &Path, limits: PixelLimits) -> Result<Derived, JobFailure> {
    let info = probe::probe_video(src, dir).await.map_err(|e| bad("video")(e.to_string()))?;
    let duration = info.duration_seconds.unwrap_or(0.0);
    let mut outputs = Vec::new();
    let mut phash = None;
    if info.codec.is_some() && info.width.is_some() {
        let poster = external::video_poster(src, dir, (duration / 2.0).min(1.0), 2048).await.map_err(tool_failure)?;
        let (stills, hash, _) = stills_of_file(poster.clone(), dir, limits).await?;
        outputs.extend(stills);
        phash = hash;
        outputs.push(file_output("poster", json!({"at": (duration / 2.0).min(1.0)}), "image/jpeg", poster));
        let strip = external::video_filmstrip(src, dir, duration, 10).await.map_err(tool_failure)?;
        outputs.push(file_output("filmstrip", json!({"frames": 10, "width": 160}), "image/jpeg", strip));
        let proxy = external::video_proxy(src, dir, info.audio_codec.is_some()).await.map_err(tool_failure)?;
        outputs.push(file_output(
            "proxy",
            json!({"codec": "h264", "audio": "aac", "max_width": 1280}),
            "video/mp4",
            proxy,
        ));
    }
    Ok(Derived { info, outputs, phash, page_hashes: Vec::new() })
}
