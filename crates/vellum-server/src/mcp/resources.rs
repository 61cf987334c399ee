//! Rendition resources: `vellum://assets/{asset_id}/versions/{version}/renditions/{name}`, read
//! through the same gate as the API's rendition route, so an agent can look at what it talks
//! about (pictures as images, watermarked for outsiders as the UI shows them).

use base64::Engine;
use rmcp::{
    model::{ReadResourceResult, ResourceContents, ResourceTemplate},
    ErrorData,
};
use tokio::io::AsyncReadExt;
use vellum_core::{media::RenditionAnswer, Actor};
use vellum_domain::id::parse_id;

use crate::AppState;

const PREFIX: &str = "vellum://assets/";

/// The most bytes one resource read answers (a preview or thumbnail, not a master file).
const MAX_BYTES: u64 = 20 * 1024 * 1024;

pub fn templates() -> Vec<ResourceTemplate> {
    vec![ResourceTemplate::new(format!("{PREFIX}{{asset_id}}/versions/{{version}}/renditions/{{name}}"), "rendition")
        .with_title("A rendition of an asset version")
        .with_description(
            "A rendition of a version you may see: thumbnail, preview, poster, page-1… (get_asset lists them). \
             Pictures come as images.",
        )]
}

/// Reads `(asset, version, name)` out of a rendition URI.
fn parse(uri: &str) -> Option<(vellum_domain::Id, u32, String)> {
    let rest = uri.strip_prefix(PREFIX)?;
    let mut parts = rest.split('/');
    let asset = parse_id(parts.next()?)?;
    if parts.next()? != "versions" {
        return None;
    }
    let version = parts.next()?.parse().ok().filter(|v| *v >= 1)?;
    if parts.next()? != "renditions" {
        return None;
    }
    let name = parts.next()?.to_string();
    let plain = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    (parts.next().is_none() && plain).then_some((asset, version, name))
}

fn refused(e: impl Into<crate::error::ApiError>) -> ErrorData {
    let e = e.into();
    ErrorData::resource_not_found(format!("{}: {}", e.code.as_str(), e.message), None)
}

pub async fn read(s: &AppState, actor: &Actor, uri: &str) -> Result<ReadResourceResult, ErrorData> {
    let (asset, version, name) = parse(uri).ok_or_else(|| {
        ErrorData::invalid_params(
            format!(
                "'{uri}' is not a rendition URI; use {PREFIX}{{asset_id}}/versions/{{version}}/renditions/{{name}}"
            ),
            None,
        )
    })?;
    let (bytes, content_type) = match s.core.rendition(actor, asset, version, &name).await.map_err(refused)? {
        RenditionAnswer::Pending => {
            return Err(ErrorData::resource_not_found(
                "rendition_not_available: it is being made; try again shortly",
                None,
            ))
        }
        RenditionAnswer::Marked(m) => (m.bytes.to_vec(), "image/jpeg".to_string()),
        RenditionAnswer::Ready(r) => {
            if r.size > MAX_BYTES {
                return Err(ErrorData::invalid_params("the rendition is too large to read as a resource", None));
            }
            let mut reader = s.core.open_blob(&r.sha256, None).await.map_err(refused)?;
            let mut bytes = Vec::with_capacity(r.size as usize);
            reader
                .read_to_end(&mut bytes)
                .await
                .map_err(|e| ErrorData::internal_error(format!("the rendition could not be read: {e}"), None))?;
            (bytes, r.content_type)
        }
    };
    let blob = base64::engine::general_purpose::STANDARD.encode(bytes);
    Ok(ReadResourceResult::new(vec![ResourceContents::blob(blob, uri).with_mime_type(content_type)]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_rendition_uris_are_read() {
        let id = "0192f0c4-7b1e-7c1a-9a3e-1234567890ab";
        let ok = parse(&format!("vellum://assets/{id}/versions/2/renditions/preview")).unwrap();
        assert_eq!((ok.1, ok.2.as_str()), (2, "preview"));
        for bad in [
            format!("vellum://assets/{id}/versions/0/renditions/preview"),
            format!("vellum://assets/{id}/versions/2/renditions/../../etc"),
            format!("vellum://assets/{id}/versions/2/renditions/preview/more"),
            "vellum://assets/not-an-id/versions/2/renditions/preview".to_string(),
            format!("file://assets/{id}/versions/2/renditions/preview"),
        ] {
            assert!(parse(&bad).is_none(), "{bad}");
        }
    }
}
