//! Renditions of a file in the job's folder, never held whole: decoders read it piece by
//! piece, and a WebP too large to decode in process is first scaled down by libwebp (which
//! decodes straight at a reduced size, row by row) through a sandboxed `vips`.

use std::path::{Path, PathBuf};

use super::geometry::{plan, Request};
use super::input::{io, Input};
use super::{decode, reduce, render, RenderError, RenditionSpec};
use crate::header::{self, PixelLimits};
use crate::sniff::{sniff, MediaType};
use crate::{external, metadata};

/// Renders the image file `src` (inside the job folder `dir`) to `spec`. Decoding runs on the
/// blocking pool; for a large WebP a scaled copy is made in `dir` first.
pub async fn render_file(
    src: &Path,
    dir: &Path,
    spec: &RenditionSpec,
    limits: PixelLimits,
) -> Result<Vec<u8>, RenderError> {
    let scaled = match webp_scale(src, spec, limits).await? {
        Some(scale) => Some(external::webp_scaled(src, dir, scale).await?),
        None => None,
    };
    let (src, spec) = (src.to_path_buf(), spec.clone());
    tokio::task::spawn_blocking(move || render(Input::File(&src), scaled.as_deref(), &spec, limits))
        .await
        .map_err(|e| RenderError::Decode(format!("the decoder stopped: {e}")))?
}

/// For a WebP over the in-process size, the scale libwebp should decode it at: the rendition's
/// own size, as its rescaler averages whole areas (a smaller copy also keeps the tool's memory
/// down). None for everything else.
async fn webp_scale(src: &Path, spec: &RenditionSpec, limits: PixelLimits) -> Result<Option<f64>, RenderError> {
    let src: PathBuf = src.to_path_buf();
    let spec = spec.clone();
    let found = tokio::task::spawn_blocking(move || -> Result<Option<f64>, RenderError> {
        let head = Input::File(&src).head()?;
        if sniff(&head) != MediaType::Webp {
            return Ok(None);
        }
        let view = metadata::file_view(&src, MediaType::Webp).map_err(io)?;
        let Some((w, h)) = header::dimensions(&view) else { return Ok(None) };
        if w.saturating_mul(h) <= decode::IN_PROCESS_WHOLE {
            return Ok(None);
        }
        if let Err((width, height)) = header::check(&view, limits) {
            return Err(RenderError::TooLarge { width, height });
        }
        let orientation = metadata::orientation(&view, MediaType::Webp);
        let focal = spec.focal.map_or((0.5, 0.5), |(x, y)| (f64::from(x), f64::from(y)));
        let request = Request::Fit { width: spec.width, height: spec.height, fit: spec.fit, focal };
        let ratio = plan(w as u32, h as u32, orientation, request).ratio();
        // The copy keeps within the ceiling of a reduced copy (RGBA), however large the rendition.
        let ceiling = (reduce::CEILING as f64 / (w as f64 * h as f64 * 4.0)).sqrt();
        Ok(Some(ratio.min(ceiling).min(1.0)))
    })
    .await
    .map_err(|e| RenderError::Decode(format!("the decoder stopped: {e}")))??;
    Ok(found)
}
