//! Serving stored bytes (a version's exact file, or a rendition): ETag is the content hash,
//! single Range requests, and user files never rendered inline from our origin.

use axum::{
    body::Body,
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use tokio_util::io::ReaderStream;
use vellum_core::{model::Version, Core};
use vellum_domain::ErrorCode;

use crate::error::{ApiError, ApiResult};

/// A byte range `(offset, len)` asked for by a `Range` header, against a file of `size` bytes.
#[derive(Debug, PartialEq, Eq)]
pub enum RangeAsk {
    Whole,
    Part(u64, u64),
    Unsatisfiable,
}

/// Parses a single `bytes=` range; anything else (several ranges, other units) gets the whole file.
pub fn parse_range(value: Option<&str>, size: u64) -> RangeAsk {
    let Some(spec) = value.and_then(|v| v.trim().strip_prefix("bytes=")) else {
        return RangeAsk::Whole;
    };
    if spec.contains(',') {
        return RangeAsk::Whole;
    }
    let Some((start, end)) = spec.split_once('-') else {
        return RangeAsk::Unsatisfiable;
    };
    let (start, end) = (start.trim(), end.trim());
    let parsed = if start.is_empty() {
        // The last N bytes.
        end.parse::<u64>().ok().filter(|n| *n > 0).map(|n| (size.saturating_sub(n), size.saturating_sub(1)))
    } else {
        start.parse::<u64>().ok().and_then(|s| {
            let e = if end.is_empty() { Some(size.saturating_sub(1)) } else { end.parse::<u64>().ok() };
            e.map(|e| (s, e.min(size.saturating_sub(1))))
        })
    };
    match parsed {
        Some((s, e)) if size > 0 && s <= e && s < size => RangeAsk::Part(s, e - s + 1),
        _ => RangeAsk::Unsatisfiable,
    }
}

/// What is being served: the content hash names the bytes.
pub struct Stored<'a> {
    pub sha256: &'a str,
    pub size: u64,
    pub content_type: &'a str,
    /// Some(name): a download (`attachment`); None: shown inline (only for renditions we made).
    pub filename: Option<&'a str>,
    pub modified: vellum_domain::Timestamp,
}

fn content_disposition(filename: Option<&str>) -> HeaderValue {
    let Some(name) = filename else { return HeaderValue::from_static("inline") };
    let ascii: String = name.chars().map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '_' }).collect();
    HeaderValue::from_str(&format!("attachment; filename=\"{}\"", ascii.replace(['"', '\\'], "_")))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

/// Whether a request for a version's file will send its bytes from the start — what the audit
/// trail counts as a download. Revalidations (304), refusals (416) and the later ranges a
/// player or resuming client asks for are not counted again.
pub fn starts_a_download(headers: &HeaderMap, version: &Version) -> bool {
    let tag = format!("\"{}\"", version.sha256);
    let revalidation = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    if revalidation {
        return false;
    }
    match parse_range(headers.get(header::RANGE).and_then(|v| v.to_str().ok()), version.size) {
        RangeAsk::Whole => true,
        RangeAsk::Part(offset, _) => offset == 0,
        RangeAsk::Unsatisfiable => false,
    }
}

/// Answers a download of `version` as a file called `name` (the naming convention's, or as
/// uploaded), honouring If-None-Match and Range.
pub async fn serve_named(core: &Core, version: &Version, name: &str, headers: &HeaderMap) -> ApiResult<Response> {
    let stored = Stored {
        sha256: &version.sha256,
        size: version.size,
        content_type: &version.content_type,
        filename: Some(name),
        modified: version.created_at,
    };
    serve_stored(core, &stored, headers).await
}

/// Answers with a picture watermarked for the viewer (a JPEG kept in memory a short while):
/// never stored, never shared between viewers, so caches may keep it only privately.
pub fn serve_marked(m: &vellum_core::watermarks::Marked, headers: &HeaderMap) -> Response {
    let tag = format!("\"{}\"", m.sha256);
    let h = |s: &str| HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static(""));
    let mut out = HeaderMap::new();
    out.insert(header::ETAG, h(&tag));
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=600"));
    out.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("inline"));
    out.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    out.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox; default-src 'none'"));
    out.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg"));
    out.insert(header::LAST_MODIFIED, h(&m.created_at.http_date()));
    let not_modified = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    if not_modified {
        return (StatusCode::NOT_MODIFIED, out).into_response();
    }
    out.insert(header::CONTENT_LENGTH, h(&m.bytes.len().to_string()));
    (StatusCode::OK, out, Body::from(m.bytes.clone())).into_response()
}

/// Answers with a stamped copy, streamed piece by piece (no Range: the copy is made per
/// request, and its hash is known before the first byte).
pub async fn serve_stamped(core: &Core, stamped: &vellum_core::stamping::Stamped, name: &str) -> ApiResult<Response> {
    let v = &stamped.download.version;
    let h = |s: &str| HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static(""));
    let mut out = HeaderMap::new();
    out.insert(header::ETAG, h(&format!("\"{}\"", stamped.sha256)));
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    out.insert(header::CONTENT_DISPOSITION, content_disposition(Some(name)));
    out.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    out.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox; default-src 'none'"));
    out.insert(header::CONTENT_TYPE, h(&v.content_type));
    out.insert(header::CONTENT_LENGTH, h(&stamped.size.to_string()));
    out.insert("x-vellum-original-sha256", h(&v.sha256));
    let reader = core.open_plan(&v.sha256, &stamped.plan).await?;
    Ok((StatusCode::OK, out, Body::from_stream(ReaderStream::with_capacity(reader, 256 * 1024))).into_response())
}

/// Answers a request for stored bytes, honouring If-None-Match and Range.
pub async fn serve_stored(core: &Core, stored: &Stored<'_>, headers: &HeaderMap) -> ApiResult<Response> {
    let tag = format!("\"{}\"", stored.sha256);
    let mut out = HeaderMap::new();
    let h = |s: &str| HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static(""));
    out.insert(header::ETAG, h(&tag));
    out.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=31536000, immutable"));
    out.insert(header::CONTENT_DISPOSITION, content_disposition(stored.filename));
    out.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    out.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox; default-src 'none'"));
    out.insert(header::CONTENT_TYPE, h(stored.content_type));
    out.insert(header::LAST_MODIFIED, h(&stored.modified.http_date()));

    let not_modified = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    if not_modified {
        return Ok((StatusCode::NOT_MODIFIED, out).into_response());
    }
    let size = stored.size;
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    // A Range with a stale If-Range validator gets the whole new representation.
    let if_range_ok = headers.get(header::IF_RANGE).and_then(|v| v.to_str().ok()).is_none_or(|v| v.trim() == tag);
    let ask = if if_range_ok { parse_range(range, size) } else { RangeAsk::Whole };
    match ask {
        RangeAsk::Unsatisfiable => {
            out.insert(header::CONTENT_RANGE, h(&format!("bytes */{size}")));
            let body = ApiError::new(ErrorCode::RangeNotSatisfiable, format!("the file is {size} bytes long"));
            Ok((out, body).into_response())
        }
        RangeAsk::Whole => {
            let reader = core.open_blob(stored.sha256, None).await?;
            out.insert(header::CONTENT_LENGTH, h(&size.to_string()));
            Ok((StatusCode::OK, out, Body::from_stream(ReaderStream::with_capacity(reader, 256 * 1024)))
                .into_response())
        }
        RangeAsk::Part(offset, len) => {
            let reader = core.open_blob(stored.sha256, Some((offset, len))).await?;
            out.insert(header::CONTENT_LENGTH, h(&len.to_string()));
            out.insert(header::CONTENT_RANGE, h(&format!("bytes {offset}-{}/{size}", offset + len - 1)));
            Ok((StatusCode::PARTIAL_CONTENT, out, Body::from_stream(ReaderStream::with_capacity(reader, 256 * 1024)))
                .into_response())
        }
    }
}

/// What every answer to the public (no session) carries: no referrer leaks, no indexing.
pub fn public_answer(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert("x-robots-tag", HeaderValue::from_static("noindex, nofollow"));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_follow_rfc_9110() {
        assert_eq!(parse_range(None, 100), RangeAsk::Whole);
        assert_eq!(parse_range(Some("bytes=0-9"), 100), RangeAsk::Part(0, 10));
        assert_eq!(parse_range(Some("bytes=90-"), 100), RangeAsk::Part(90, 10));
        assert_eq!(parse_range(Some("bytes=-5"), 100), RangeAsk::Part(95, 5));
        assert_eq!(parse_range(Some("bytes=50-1000"), 100), RangeAsk::Part(50, 50));
        assert_eq!(parse_range(Some("bytes=100-"), 100), RangeAsk::Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=9-3"), 100), RangeAsk::Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=0-1,5-6"), 100), RangeAsk::Whole);
        assert_eq!(parse_range(Some("items=0-1"), 100), RangeAsk::Whole);
        assert_eq!(parse_range(Some("bytes=0-0"), 0), RangeAsk::Unsatisfiable);
    }
}
