//! Renditions only external tools can make, each run in the job's own folder through
//! `tool::run` (no shell, cleared environment, timeout, memory limit, no network): PDF pages
//! (pdftoppm), office documents to PDF (LibreOffice), video posters, filmstrips and H.264/AAC
//! proxies and audio waveforms (ffmpeg, file protocol only), HEIC (heif-convert), SVG
//! (rsvg-convert), EPS/AI (Ghostscript with -dSAFER) and large WebP scaled by libwebp (vips).

mod office;

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use crate::tool::{run, Tool, ToolError};
pub use office::{office_convert, office_to_pdf};

const GIB: u64 = 1 << 30;

/// Files a tool wrote into `dir` whose names start with `prefix`, sorted.
fn outputs(dir: &Path, prefix: &str) -> Result<Vec<PathBuf>, ToolError> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(prefix)))
        .collect();
    files.sort();
    Ok(files)
}

fn expect_file(path: PathBuf, program: &str) -> Result<PathBuf, ToolError> {
    if path.is_file() {
        Ok(path)
    } else {
        Err(ToolError::Failed { program: program.into(), status: Some(0), stderr_tail: "it wrote no output".into() })
    }
}

fn ffmpeg(dir: &Path, src: &Path) -> Tool {
    // Only local files: no http, no concat lists pointing elsewhere, no devices.
    Tool::new("ffmpeg", dir)
        .args(["-nostdin", "-hide_banner", "-v", "error", "-protocol_whitelist", "file,pipe", "-i"])
        .arg(src.as_os_str())
        .memory_limit(Some(4 * GIB))
}

/// Pages `first..=last` of a PDF as JPEGs whose longer side is `max_side` (`page-NN.jpg`).
pub async fn pdf_pages(
    pdf: &Path,
    dir: &Path,
    first: u32,
    last: u32,
    max_side: u32,
) -> Result<Vec<PathBuf>, ToolError> {
    let out = dir.join("page");
    let tool = Tool::new("pdftoppm", dir)
        .args(["-jpeg", "-jpegopt", "quality=85", "-scale-to"])
        .arg(max_side.to_string())
        .args(["-f", &first.to_string(), "-l", &last.to_string()])
        .arg(pdf.as_os_str())
        .arg(out.as_os_str())
        .timeout(Duration::from_secs(120));
    run(&tool).await?;
    let pages = outputs(dir, "page-")?;
    if pages.is_empty() {
        return Err(ToolError::Failed { program: "pdftoppm".into(), status: Some(0), stderr_tail: "no pages".into() });
    }
    Ok(pages)
}

/// One frame at `at` seconds, scaled to fit `max_side`.
pub async fn video_poster(src: &Path, dir: &Path, at: f64, max_side: u32) -> Result<PathBuf, ToolError> {
    let out = dir.join("poster.jpg");
    let scale = format!("scale='min({max_side},iw)':'min({max_side},ih)':force_original_aspect_ratio=decrease");
    let tool = Tool::new("ffmpeg", dir)
        .args(["-nostdin", "-hide_banner", "-v", "error", "-protocol_whitelist", "file,pipe", "-ss"])
        .arg(format!("{at:.3}"))
        .arg("-i")
        .arg(src.as_os_str())
        .args(["-frames:v", "1", "-vf", &scale, "-q:v", "3", "-y"])
        .arg(out.as_os_str())
        .memory_limit(Some(4 * GIB))
        .timeout(Duration::from_secs(60));
    run(&tool).await?;
    expect_file(out, "ffmpeg")
}

/// `frames` frames spread over the clip, side by side in one sprite (each 160 px wide).
pub async fn video_filmstrip(src: &Path, dir: &Path, duration: f64, frames: u32) -> Result<PathBuf, ToolError> {
    let out = dir.join("filmstrip.jpg");
    let rate = f64::from(frames) / duration.max(0.1);
    let filter = format!("fps={rate:.6},scale=160:-2,tile={frames}x1");
    let tool = ffmpeg(dir, src)
        .args(["-an", "-vf", &filter, "-frames:v", "1", "-q:v", "4", "-y"])
        .arg(out.as_os_str())
        .timeout(Duration::from_secs(180));
    run(&tool).await?;
    expect_file(out, "ffmpeg")
}

/// A web-playable H.264/AAC MP4 (at most 1280 px wide), frame timing kept exactly as the source.
pub async fn video_proxy(src: &Path, dir: &Path, has_audio: bool) -> Result<PathBuf, ToolError> {
    let out = dir.join("proxy.mp4");
    let mut tool = ffmpeg(dir, src)
        .args(["-map", "0:v:0", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p"])
        .args(["-vf", "scale='min(1280,iw)':-2", "-fps_mode", "passthrough"]);
    tool = if has_audio { tool.args(["-map", "0:a:0?", "-c:a", "aac", "-b:a", "128k"]) } else { tool.arg("-an") };
    let tool = tool.args(["-movflags", "+faststart", "-y"]).arg(out.as_os_str()).timeout(Duration::from_secs(1800));
    run(&tool).await?;
    expect_file(out, "ffmpeg")
}

/// The waveform of an audio track as a PNG.
pub async fn audio_waveform(src: &Path, dir: &Path) -> Result<PathBuf, ToolError> {
    let out = dir.join("waveform.png");
    let tool = ffmpeg(dir, src)
        .args([
            "-filter_complex",
            "aformat=channel_layouts=mono,showwavespic=s=1200x240:colors=0x2b59c3",
            "-frames:v",
            "1",
            "-y",
        ])
        .arg(out.as_os_str())
        .timeout(Duration::from_secs(300));
    run(&tool).await?;
    expect_file(out, "ffmpeg")
}

/// A HEIC/HEIF photo as JPEG (the primary image).
pub async fn heic_to_jpeg(src: &Path, dir: &Path) -> Result<PathBuf, ToolError> {
    let out = dir.join("heic.jpg");
    let tool = Tool::new("heif-convert", dir).args(["-q", "92"]).arg(src.as_os_str()).arg(out.as_os_str());
    run(&tool).await?;
    // heif-convert names extra images out-1.jpg…; the primary is `out`.
    expect_file(out, "heif-convert")
}

/// A WebP decoded by libwebp straight at `scale` (0–1] of its size, as a PNG in `dir`. libwebp
/// scales lossy pictures row by row while decoding, so a 200 MP photo needs no full-size copy;
/// lossless ones it holds whole, which their lower pixel limit accounts for.
pub async fn webp_scaled(src: &Path, dir: &Path, scale: f64) -> Result<PathBuf, ToolError> {
    let out = dir.join("webp-scaled.png");
    let tool = Tool::new("vips", dir)
        // One worker thread: the work is one sequential decode, and fewer threads map less.
        .args(["--vips-concurrency=1", "webpload"])
        .arg(src.as_os_str())
        .arg(format!("{}[compression=1]", out.display()))
        .args(["--scale", &format!("{:.6}", scale.clamp(1e-4, 1.0)), "--access", "sequential"])
        // Address space, not memory: libvips reserves far more than it touches.
        .memory_limit(Some(2 * GIB))
        .timeout(Duration::from_secs(120));
    run(&tool).await?;
    expect_file(out, "vips")
}

/// An SVG rasterised to PNG at most `max_side` wide; librsvg loads no remote resources.
pub async fn svg_to_png(src: &Path, dir: &Path, max_side: u32) -> Result<PathBuf, ToolError> {
    let out = dir.join("svg.png");
    let tool = Tool::new("rsvg-convert", dir)
        .args(["--keep-aspect-ratio", "--width"])
        .arg(max_side.to_string())
        .args(["--background-color", "white", "--output"])
        .arg(out.as_os_str())
        .arg(src.as_os_str())
        .timeout(Duration::from_secs(60));
    run(&tool).await?;
    expect_file(out, "rsvg-convert")
}

/// The first page of an EPS or PostScript-based AI file as PNG, with Ghostscript's file
/// access locked down (-dSAFER).
pub async fn postscript_to_png(src: &Path, dir: &Path) -> Result<PathBuf, ToolError> {
    let out = dir.join("eps.png");
    let tool = Tool::new("gs", dir)
        .args(["-dSAFER", "-dBATCH", "-dNOPAUSE", "-dQUIET", "-dEPSCrop", "-sDEVICE=png16m", "-r150"])
        .args(["-dFirstPage=1", "-dLastPage=1"])
        .arg(format!("-sOutputFile={}", out.display()))
        .arg(src.as_os_str())
        .timeout(Duration::from_secs(120));
    run(&tool).await?;
    expect_file(out, "gs")
}
