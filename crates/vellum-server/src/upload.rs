//! Streaming multipart uploads into the blob store, within the size and time limits, never
//! holding a whole file in memory; a refused form leaves no bytes behind.

use std::time::Duration;
use vellum_domain::ErrorCode;

use axum::{
    extract::{multipart::Field, Multipart},
    http::{header, HeaderMap},
};
use vellum_core::{assets::UploadFields, blobs::LooseBlob, Core, StoredBlob};

use crate::error::ApiError;

/// Room for the form fields and multipart framing around the file itself.
const ENVELOPE: u64 = 1 << 20;
const MAX_TEXT_FIELD: usize = 64 * 1024;

/// Refuses a request whose declared length is over the limit before reading any of it.
pub fn check_declared_length(headers: &HeaderMap, limit: u64) -> Result<(), ApiError> {
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    match declared {
        Some(n) if n > limit.saturating_add(ENVELOPE) => Err(ApiError::too_large(limit)),
        _ => Ok(()),
    }
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    ApiError::new(ErrorCode::MalformedMultipart, format!("the multipart body could not be read: {}", e.body_text()))
}

async fn text(mut field: Field<'_>) -> Result<String, ApiError> {
    let mut buf = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        if buf.len() + chunk.len() > MAX_TEXT_FIELD {
            return Err(ApiError::new(ErrorCode::FieldTooLong, "a form field is longer than 64 KiB"));
        }
        buf.extend_from_slice(&chunk);
    }
    String::from_utf8(buf).map_err(|_| ApiError::new(ErrorCode::InvalidBody, "form fields must be UTF-8 text"))
}

/// Reads the form: text fields into `UploadFields`, the `file` part streamed to a new blob.
///
/// With `expect_csrf` (HTML forms), the first part must be a `csrf` field holding that
/// secret; it is checked before any file byte is read.
pub async fn receive(
    core: &Core,
    form: Multipart,
    expect_csrf: Option<&str>,
) -> Result<(UploadFields, StoredBlob), ApiError> {
    receive_keeping(core, form, expect_csrf, &[]).await.map(|(fields, blob, _)| (fields, blob))
}

/// Like `receive`, and also returns the text parts named in `keep` (an HTML form's own
/// fields, such as its separate metadata inputs), in the order they came.
///
/// The whole form must arrive within `Limits::max_upload_secs`: other processes sharing the
/// data folder rely on that bound to tell an abandoned staged write from one in flight.
pub async fn receive_keeping(
    core: &Core,
    form: Multipart,
    expect_csrf: Option<&str>,
    keep: &[&str],
) -> Result<(UploadFields, StoredBlob, Vec<(String, String)>), ApiError> {
    let secs = core.limits.max_upload_secs;
    tokio::time::timeout(Duration::from_secs(secs), read_form(core, form, expect_csrf, keep)).await.unwrap_or_else(
        |_| {
            Err(ApiError::new(
                ErrorCode::UploadTimeout,
                format!("the upload took longer than this server allows ({secs} s); try again on a faster connection"),
            ))
        },
    )
}

async fn read_form(
    core: &Core,
    mut form: Multipart,
    expect_csrf: Option<&str>,
    keep: &[&str],
) -> Result<(UploadFields, StoredBlob, Vec<(String, String)>), ApiError> {
    let mut kept = Vec::new();
    let mut fields = UploadFields::default();
    let mut blob = None;
    let read = read_parts(core, &mut form, expect_csrf, keep, &mut fields, &mut blob, &mut kept).await;
    match (read, blob) {
        (Ok(()), Some(blob)) => Ok((fields, blob.keep(), kept)),
        (Ok(()), None) => {
            Err(ApiError::new(ErrorCode::MissingFile, "the form has no part named 'file' with the file to upload"))
        }
        // The file arrived but the form around it was refused: its bytes go again.
        (Err(e), Some(blob)) => {
            blob.discard().await;
            Err(e)
        }
        (Err(e), None) => Err(e),
    }
}

/// Reads every part; the file lands in `blob` as soon as it is stored, so the caller can
/// remove it if a later part is refused.
async fn read_parts(
    core: &Core,
    form: &mut Multipart,
    expect_csrf: Option<&str>,
    keep: &[&str],
    fields: &mut UploadFields,
    blob: &mut Option<LooseBlob>,
    kept: &mut Vec<(String, String)>,
) -> Result<(), ApiError> {
    let limit = core.limits.max_upload_bytes;
    if let Some(expected) = expect_csrf {
        let first = form.next_field().await.map_err(multipart_error)?;
        let ok = match first {
            Some(f) if f.name() == Some("csrf") => crate::auth::same_secret(&text(f).await?, expected),
            _ => false,
        };
        if !ok {
            return Err(ApiError::new(
                ErrorCode::CsrfFailed,
                "the form expired or did not come from this site; reload the page and try again",
            ));
        }
    }
    while let Some(mut field) = form.next_field().await.map_err(multipart_error)? {
        match field.name().unwrap_or("") {
            "file" => {
                if blob.is_some() {
                    return Err(ApiError::new(ErrorCode::TooManyFiles, "send exactly one part named 'file'"));
                }
                fields.filename = field.file_name().map(str::to_string);
                fields.content_type = field.content_type().map(str::to_string);
                let mut writer = core.begin_blob().await?;
                while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                    if writer.written() + chunk.len() as u64 > limit {
                        return Err(ApiError::too_large(limit));
                    }
                    writer.write(&chunk).await.map_err(vellum_core::Error::from)?;
                }
                let stored = writer.finish().await.map_err(vellum_core::Error::from)?;
                *blob = Some(core.loose_blob(stored));
            }
            "title" => fields.title = Some(text(field).await?),
            "kind" => fields.kind = Some(text(field).await?),
            "metadata" => fields.metadata = Some(text(field).await?),
            "note" => fields.note = Some(text(field).await?),
            "folder" => fields.folder = Some(text(field).await?),
            "brief_id" => fields.brief_id = Some(text(field).await?),
            "deliverable" => fields.deliverable = Some(text(field).await?),
            "campaign_id" => fields.campaign_id = Some(text(field).await?),
            name if keep.contains(&name) && kept.len() < 64 => {
                let name = name.to_string();
                kept.push((name, text(field).await?));
            }
            // A page's form carries buttons and inputs of its own: ignored. An API client
            // (no CSRF token: it uses a bearer token) named a part we do not know: refused,
            // as unknown JSON fields are.
            _ if expect_csrf.is_some() => drop(text(field).await),
            other => {
                return Err(ApiError::new(
                    ErrorCode::InvalidBody,
                    format!("unknown part '{other}': send file, title, kind, metadata, note, folder, brief_id, deliverable and campaign_id"),
                )
                .with("path", serde_json::json!(other)))
            }
        }
    }
    Ok(())
}
