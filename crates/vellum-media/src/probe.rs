//! Probing files with external tools: `ffprobe` for video and audio, `pdfinfo` and `pdftotext`
//! for PDF. Every run goes through [`crate::tool`] with a timeout and a memory limit.

use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::metadata::MediaInfo;
use crate::sniff::MediaType;
use crate::tool::{run, Tool, ToolError};

/// Bytes of extracted PDF text kept in [`MediaInfo::text`].
pub const TEXT_EXCERPT_MAX: usize = 64 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error(transparent)]
    Tool(#[from] ToolError),
    #[error("unreadable probe output: {0}")]
    Parse(String),
}

/// Duration, exact frame rate, codecs, size and audio layout of a video (or audio) file, from
/// `ffprobe`. `dir` is the job's own folder, used as the working directory.
pub async fn probe_video(path: &Path, dir: &Path) -> Result<MediaInfo, ProbeError> {
    // The `file:` prefix stops ffprobe reading a name as a protocol or option ("concat:", "-i").
    let mut input = OsString::from("file:");
    input.push(path.as_os_str());
    let tool = Tool::new("ffprobe", dir)
        .args(["-v", "error", "-print_format", "json", "-show_format", "-show_streams"])
        .args(["-protocol_whitelist", "file"])
        .arg(input)
        .timeout(Duration::from_secs(60))
        .memory_limit(Some(2 << 30));
    let out = run(&tool).await?;
    let json: Value = serde_json::from_slice(&out.stdout).map_err(|e| ProbeError::Parse(e.to_string()))?;
    Ok(parse_ffprobe(&json))
}

/// Turns `ffprobe -print_format json -show_format -show_streams` output into [`MediaInfo`].
pub fn parse_ffprobe(json: &Value) -> MediaInfo {
    let streams = json.get("streams").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    let kind = |s: &&Value, k: &str| s.get("codec_type").and_then(Value::as_str) == Some(k);
    let is_cover_art =
        |s: &&Value| s.get("disposition").and_then(|d| d.get("attached_pic")).and_then(Value::as_i64) == Some(1);
    let video = streams.iter().find(|s| kind(s, "video") && !is_cover_art(s));
    let audio = streams.iter().find(|s| kind(s, "audio"));

    let duration_seconds = json
        .get("format")
        .and_then(|f| num(f.get("duration")))
        .or_else(|| video.or(audio).and_then(|s| num(s.get("duration"))));
    let mut info = MediaInfo { duration_seconds, ..Default::default() };
    if let Some(v) = video {
        info.codec = string(v.get("codec_name"));
        info.width = v.get("width").and_then(Value::as_u64);
        info.height = v.get("height").and_then(Value::as_u64);
        info.frame_rate = frame_rate(string(v.get("r_frame_rate")), string(v.get("avg_frame_rate")));
        info.frame_count = string(v.get("nb_frames")).and_then(|n| n.parse().ok());
        info.bit_depth = bit_depth(v);
    }
    // The start timecode: the video stream's tag, a timecode track's, or the container's.
    let tag = |s: &Value| s.get("tags").and_then(|t| t.get("timecode")).and_then(Value::as_str).map(str::to_owned);
    info.start_timecode = video
        .and_then(&tag)
        .or_else(|| streams.iter().find(|s| kind(s, "data")).and_then(&tag))
        .or_else(|| json.get("format").and_then(tag))
        .filter(|t| t.len() <= 16);
    if let Some(a) = audio {
        info.audio_codec = string(a.get("codec_name"));
        info.audio_channels = a.get("channels").and_then(Value::as_u64).and_then(|c| u32::try_from(c).ok());
        if video.is_none() {
            info.bit_depth = bit_depth(a);
        }
    }
    info
}

/// The nominal rate (`r_frame_rate`, exact, e.g. "30000/1001") when the average agrees with it;
/// otherwise the average, as variable-rate phone clips report a meaningless nominal rate.
fn frame_rate(nominal: Option<String>, average: Option<String>) -> Option<String> {
    let value = |r: &Option<String>| r.as_deref().and_then(rational).filter(|v| *v > 0.0);
    match (value(&nominal), value(&average)) {
        (Some(n), Some(a)) if ((n - a) / n).abs() > 0.005 => average,
        (Some(_), _) => nominal,
        (None, Some(_)) => average,
        (None, None) => None,
    }
}

fn rational(s: &str) -> Option<f64> {
    let (n, d) = s.split_once('/').unwrap_or((s, "1"));
    let (n, d): (f64, f64) = (n.trim().parse().ok()?, d.trim().parse().ok()?);
    (d != 0.0).then(|| n / d)
}

fn bit_depth(stream: &Value) -> Option<u32> {
    let declared = ["bits_per_raw_sample", "bits_per_sample"]
        .iter()
        .filter_map(|k| num(stream.get(*k)))
        .find(|b| *b > 0.0)
        .map(|b| b as u32);
    declared.or_else(|| {
        // yuv420p10le → 10; plain 8-bit formats carry no number after "p".
        let fmt = stream.get("pix_fmt")?.as_str()?;
        let digits: String = fmt.rsplit('p').next()?.chars().take_while(char::is_ascii_digit).collect::<String>();
        match digits.parse::<u32>() {
            Ok(b) if (9..=16).contains(&b) => Some(b),
            _ if fmt.starts_with("yuv") || fmt.starts_with("nv12") || fmt.starts_with("rgb") => Some(8),
            _ => None,
        }
    })
}

fn string(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(str::to_owned).filter(|s| !s.is_empty())
}

/// ffprobe writes numbers as strings ("1.001000"); accept both.
fn num(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Page count, title and author from `pdfinfo`, and a text excerpt of the first 20 pages from
/// `pdftotext` (at most [`TEXT_EXCERPT_MAX`] bytes; absent when the PDF has no text layer or
/// text extraction fails).
pub async fn probe_pdf(path: &Path, dir: &Path) -> Result<MediaInfo, ProbeError> {
    let file = safe_path(path);
    let info = Tool::new("pdfinfo", dir).args(["-enc", "UTF-8"]).arg(&file).timeout(Duration::from_secs(30));
    let out = run(&info).await?;
    let mut media = parse_pdfinfo(&String::from_utf8_lossy(&out.stdout));
    if media.page_count.is_none() {
        return Err(ProbeError::Parse("pdfinfo reported no page count".into()));
    }
    media.text = pdf_text(path, dir, 20, TEXT_EXCERPT_MAX).await.ok().flatten();
    Ok(media)
}

/// The text of a PDF's first `pages` pages (`pdftotext`), at most `max_bytes`; `None` when it
/// has no text layer.
pub async fn pdf_text(path: &Path, dir: &Path, pages: u32, max_bytes: usize) -> Result<Option<String>, ProbeError> {
    let text = Tool::new("pdftotext", dir)
        .args(["-l", &pages.to_string(), "-enc", "UTF-8"])
        .arg(safe_path(path))
        .arg("-")
        .timeout(Duration::from_secs(60))
        .stdout_cap(max_bytes + 4);
    let out = run(&text).await?;
    Ok(excerpt(&out.stdout, max_bytes))
}

/// Parses `pdfinfo` lines ("Title:          Quarterly report").
pub fn parse_pdfinfo(out: &str) -> MediaInfo {
    let mut info =
        MediaInfo { media_type: Some(MediaType::Pdf), mime: Some("application/pdf".into()), ..Default::default() };
    for line in out.lines() {
        let Some((key, value)) = line.split_once(':') else { continue };
        let value = value.trim();
        match key {
            "Pages" => info.page_count = value.parse().ok(),
            "Title" if !value.is_empty() => info.title = Some(value.to_owned()),
            "Author" if !value.is_empty() => info.author = Some(value.to_owned()),
            "Page size" if info.width.is_none() => {
                // "595.276 x 841.89 pts (A4)": the first page, in PostScript points.
                let mut nums = value.split_whitespace().filter_map(|t| t.parse::<f64>().ok());
                if let (Some(w), Some(h)) = (nums.next(), nums.next()) {
                    info.width = Some(w.round() as u64);
                    info.height = Some(h.round() as u64);
                }
            }
            _ => {}
        }
    }
    info
}

/// At most `max` bytes, cut on a character boundary; `None` when blank.
fn excerpt(raw: &[u8], max: usize) -> Option<String> {
    let text = String::from_utf8_lossy(raw);
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let cut = text[..end].trim();
    (!cut.is_empty()).then(|| cut.to_owned())
}

/// A path that cannot be mistaken for an option.
fn safe_path(path: &Path) -> OsString {
    if path.is_absolute() {
        path.as_os_str().to_owned()
    } else {
        Path::new(".").join(path).into_os_string()
    }
}

#[cfg(test)]
mod tests;
