//! Encoding the final pixels: JPEG through libjpeg-turbo (alpha flattened on white), PNG and
//! lossless WebP through the `image` crate.

use image::{ExtendedColorType, ImageEncoder};
use turbojpeg::{Compressor, PixelFormat, Subsamp};

use super::{Format, Pixels, RenderError};

pub(crate) fn encode(p: &Pixels, format: Format, quality: u8) -> Result<Vec<u8>, RenderError> {
    match format {
        Format::Jpeg => jpeg(p, quality),
        Format::Png => {
            let mut out = Vec::new();
            let enc = image::codecs::png::PngEncoder::new(&mut out);
            enc.write_image(&p.data, p.width, p.height, colour(p)).map_err(encode_err)?;
            Ok(out)
        }
        Format::Webp => {
            let mut out = Vec::new();
            let enc = image::codecs::webp::WebPEncoder::new_lossless(&mut out);
            enc.write_image(&p.data, p.width, p.height, colour(p)).map_err(encode_err)?;
            Ok(out)
        }
    }
}

fn colour(p: &Pixels) -> ExtendedColorType {
    if p.channels == 4 {
        ExtendedColorType::Rgba8
    } else {
        ExtendedColorType::Rgb8
    }
}

fn jpeg(p: &Pixels, quality: u8) -> Result<Vec<u8>, RenderError> {
    let rgb;
    let data = if p.channels == 4 {
        rgb = flatten_on_white(&p.data);
        &rgb
    } else {
        &p.data
    };
    let (width, height) = (p.width as usize, p.height as usize);
    let image = turbojpeg::Image { pixels: data.as_slice(), width, pitch: width * 3, height, format: PixelFormat::RGB };
    let mut c = Compressor::new().map_err(encode_err)?;
    c.set_quality(i32::from(quality.clamp(1, 100))).map_err(encode_err)?;
    c.set_subsamp(Subsamp::Sub2x2).map_err(encode_err)?;
    c.set_optimize(true).map_err(encode_err)?;
    c.compress_to_vec(image).map_err(encode_err)
}

/// Composites RGBA over white.
pub(crate) fn flatten_on_white(rgba: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(rgba.len() / 4 * 3);
    for px in rgba.chunks_exact(4) {
        let a = u16::from(px[3]);
        for &v in &px[..3] {
            out.push(((u16::from(v) * a + 255 * (255 - a) + 127) / 255) as u8);
        }
    }
    out
}

fn encode_err(e: impl std::fmt::Display) -> RenderError {
    RenderError::Encode(e.to_string())
}
