//! Resampling a crop of a decoded image to the output size with `fast_image_resize`
//! (SIMD convolution; alpha is premultiplied during the resize so edges do not darken).

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};

use super::{Pixels, RenderError};

/// Resizes the rectangle `crop` (left, top, width, height in `src` pixels) to `w`×`h`.
pub(crate) fn resize(src: &Pixels, crop: (f64, f64, f64, f64), w: u32, h: u32) -> Result<Pixels, RenderError> {
    let pixel_type = if src.channels == 4 { PixelType::U8x4 } else { PixelType::U8x3 };
    let view = ImageRef::new(src.width, src.height, &src.data, pixel_type).map_err(resize_err)?;
    let mut dst = Image::new(w, h, pixel_type);
    let (left, top, cw, ch) = clamp(crop, src.width, src.height);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3)).crop(left, top, cw, ch);
    Resizer::new().resize(&view, &mut dst, &options).map_err(resize_err)?;
    Ok(Pixels { width: w, height: h, channels: src.channels, data: dst.into_vec() })
}

/// Keeps the crop inside the image despite rounding in the DCT-scaled size.
fn clamp(c: (f64, f64, f64, f64), w: u32, h: u32) -> (f64, f64, f64, f64) {
    let (w, h) = (f64::from(w), f64::from(h));
    let left = c.0.clamp(0.0, (w - 1.0).max(0.0));
    let top = c.1.clamp(0.0, (h - 1.0).max(0.0));
    (left, top, c.2.clamp(1.0, w - left), c.3.clamp(1.0, h - top))
}

fn resize_err(e: impl std::fmt::Display) -> RenderError {
    RenderError::Resize(e.to_string())
}
