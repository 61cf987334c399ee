//! Visible watermarks for previews shown to outsiders: lines of text (the workspace's mark,
//! who is looking, the date) tiled across the whole picture on a slant, light with a dark
//! edge so they read on any background. Output is always a JPEG.

pub use ab_glyph::FontArc;
use ab_glyph::{point, Font, PxScale, ScaleFont};

use crate::render::RenderError;

/// Fonts tried when none is configured: common Debian packages.
pub const FONT_CANDIDATES: [&str; 4] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
];

/// Loads the font at `path`, or the first of [`FONT_CANDIDATES`] found.
pub fn load_font(path: Option<&std::path::Path>) -> Result<FontArc, String> {
    let paths: Vec<std::path::PathBuf> = match path {
        Some(p) => vec![p.to_path_buf()],
        None => FONT_CANDIDATES.iter().map(std::path::PathBuf::from).collect(),
    };
    for p in &paths {
        if let Ok(bytes) = std::fs::read(p) {
            return FontArc::try_from_vec(bytes).map_err(|e| format!("{}: not a usable font ({e})", p.display()));
        }
    }
    Err(format!(
        "no font for watermarks: install fonts-dejavu-core or set VELLUM_WATERMARK_FONT (looked for {})",
        paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    ))
}

/// The text block as coverage (0–255), one byte per pixel.
struct Mask {
    data: Vec<u8>,
    width: usize,
    height: usize,
}

fn mask(font: &FontArc, lines: &[String], px: f32) -> Mask {
    let scale = PxScale::from(px);
    let scaled = font.as_scaled(scale);
    let line_height = (scaled.ascent() - scaled.descent() + scaled.line_gap()).ceil().max(1.0);
    let widths: Vec<f32> =
        lines.iter().map(|l| l.chars().map(|c| scaled.h_advance(font.glyph_id(c))).sum::<f32>()).collect();
    let width = widths.iter().copied().fold(1.0, f32::max).ceil() as usize + 2;
    let height = (line_height * lines.len().max(1) as f32).ceil() as usize + 2;
    let mut data = vec![0u8; width * height];
    for (i, line) in lines.iter().enumerate() {
        let baseline = 1.0 + scaled.ascent() + line_height * i as f32;
        let mut x = 1.0;
        let mut prev = None;
        for c in line.chars() {
            let id = font.glyph_id(c);
            if let Some(p) = prev {
                x += scaled.kern(p, id);
            }
            let glyph = id.with_scale_and_position(scale, point(x, baseline));
            x += scaled.h_advance(id);
            prev = Some(id);
            let Some(outlined) = font.outline_glyph(glyph) else { continue };
            let b = outlined.px_bounds();
            outlined.draw(|gx, gy, cover| {
                let (px, py) = (b.min.x as i64 + i64::from(gx), b.min.y as i64 + i64::from(gy));
                if px >= 0 && py >= 0 && (px as usize) < width && (py as usize) < height {
                    let cell = &mut data[py as usize * width + px as usize];
                    *cell = (*cell).max((cover.clamp(0.0, 1.0) * 255.0) as u8);
                }
            });
        }
    }
    Mask { data, width, height }
}

impl Mask {
    /// Coverage at a point of the repeating tile (text block plus a gap), 0 in the gap.
    fn at(&self, u: i64, v: i64, tile_w: i64, tile_h: i64) -> u8 {
        let row = v.div_euclid(tile_h);
        // Every other row shifted by half a tile, so the pattern has no clear columns.
        let u = u + if row % 2 == 0 { 0 } else { tile_w / 2 };
        let (x, y) = (u.rem_euclid(tile_w), v.rem_euclid(tile_h));
        if (x as usize) < self.width && (y as usize) < self.height {
            self.data[y as usize * self.width + x as usize]
        } else {
            0
        }
    }
}

/// Lays the lines over an RGB picture, in place.
pub fn apply(rgb: &mut [u8], width: usize, height: usize, font: &FontArc, lines: &[String]) {
    let px = (width.min(height) as f32 / 24.0).clamp(11.0, 64.0);
    let m = mask(font, lines, px);
    let tile_w = (m.width as f32 * 1.35) as i64 + 8;
    let tile_h = (m.height as f32 * 2.2) as i64 + 8;
    // 30 degrees up to the right.
    let (sin, cos) = (0.5f32, 0.866_025_4f32);
    for y in 0..height {
        for x in 0..width {
            let (fx, fy) = (x as f32, y as f32);
            let u = (fx * cos - fy * sin).round() as i64;
            let v = (fx * sin + fy * cos).round() as i64;
            let fill = u32::from(m.at(u, v, tile_w, tile_h));
            let edge = u32::from(m.at(u - 2, v - 2, tile_w, tile_h)).max(u32::from(m.at(u + 2, v + 2, tile_w, tile_h)));
            if fill == 0 && edge == 0 {
                continue;
            }
            let i = (y * width + x) * 3;
            for c in &mut rgb[i..i + 3] {
                let v = u32::from(*c);
                // A dark edge at 35 %, then the light fill at 45 % over it.
                let v = v * (255 * 100 - edge * 35) / (255 * 100);
                let v = (v * (255 * 100 - fill * 45) + 255 * fill * 45) / (255 * 100);
                *c = v.min(255) as u8;
            }
        }
    }
}

/// A watermarked JPEG of a JPEG, PNG, GIF or WebP picture.
pub fn watermark(bytes: &[u8], font: &FontArc, lines: &[String], quality: u8) -> Result<Vec<u8>, RenderError> {
    let (mut rgb, width, height) = if bytes.starts_with(&[0xFF, 0xD8]) {
        let img = turbojpeg::decompress(bytes, turbojpeg::PixelFormat::RGB)
            .map_err(|e| RenderError::Decode(e.to_string()))?;
        let (w, h) = (img.width, img.height);
        let mut out = Vec::with_capacity(w * h * 3);
        for row in img.pixels.chunks(img.pitch).take(h) {
            out.extend_from_slice(&row[..w * 3]);
        }
        (out, w, h)
    } else {
        let img = image::load_from_memory(bytes).map_err(|e| RenderError::Decode(e.to_string()))?;
        let rgba = img.to_rgba8();
        let (w, h) = (rgba.width() as usize, rgba.height() as usize);
        (crate::render::flatten_on_white(rgba.as_raw()), w, h)
    };
    if width.saturating_mul(height) > 64 << 20 {
        return Err(RenderError::TooLarge { width: width as u64, height: height as u64 });
    }
    apply(&mut rgb, width, height, font, lines);
    let image = turbojpeg::Image {
        pixels: rgb.as_slice(),
        width,
        pitch: width * 3,
        height,
        format: turbojpeg::PixelFormat::RGB,
    };
    let enc = |e: turbojpeg::Error| RenderError::Encode(e.to_string());
    let mut c = turbojpeg::Compressor::new().map_err(enc)?;
    c.set_quality(i32::from(quality.clamp(1, 100))).map_err(enc)?;
    c.set_subsamp(turbojpeg::Subsamp::Sub2x2).map_err(enc)?;
    c.compress_to_vec(image).map_err(enc)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn font() -> Option<FontArc> {
        match load_font(None) {
            Ok(f) => Some(f),
            Err(e) if std::env::var("CI").as_deref() == Ok("true") => panic!("{e}"),
            Err(e) => {
                eprintln!("skipped: {e}");
                None
            }
        }
    }

    #[test]
    fn the_mark_covers_the_whole_picture_and_keeps_it_visible() {
        let Some(font) = font() else { return };
        let (w, h) = (400, 300);
        let mut rgb = vec![40u8; w * h * 3];
        apply(&mut rgb, w, h, &font, &["ACME · CONFIDENTIAL".into(), "kim@agency.example · 2026-12-03".into()]);
        let changed = rgb.chunks(3).filter(|p| p[0] != 40).count();
        let share = changed as f64 / (w * h) as f64;
        assert!(share > 0.05 && share < 0.6, "{share}: the mark shows but does not hide the picture");
        // Every quarter of the picture carries some of it.
        for (qx, qy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
            let any = (0..h / 2).any(|y| (0..w / 2).any(|x| rgb[((qy * h / 2 + y) * w + qx * w / 2 + x) * 3] != 40));
            assert!(any, "quarter {qx},{qy} unmarked");
        }
    }

    #[test]
    fn a_jpeg_comes_back_marked_at_the_same_size() {
        let Some(font) = font() else { return };
        let (w, h) = (320usize, 240usize);
        let px: Vec<u8> = (0..w * h * 3).map(|i| (i % 251) as u8).collect();
        let image = turbojpeg::Image {
            pixels: px.as_slice(),
            width: w,
            pitch: w * 3,
            height: h,
            format: turbojpeg::PixelFormat::RGB,
        };
        let clean = turbojpeg::compress(image, 90, turbojpeg::Subsamp::Sub2x2).unwrap().to_vec();
        let marked = watermark(&clean, &font, &["Vellum".into()], 85).unwrap();
        let a = turbojpeg::decompress(&clean, turbojpeg::PixelFormat::RGB).unwrap();
        let b = turbojpeg::decompress(&marked, turbojpeg::PixelFormat::RGB).unwrap();
        assert_eq!((a.width, a.height), (b.width, b.height));
        assert_ne!(a.pixels, b.pixels);
        assert!(load_font(Some(std::path::Path::new("/nonexistent.ttf"))).is_err());
    }
}
