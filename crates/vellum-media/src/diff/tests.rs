#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::render::{render_image, Fit, Format, RenditionSpec};
use image::ImageEncoder;

/// A busy photo-like picture (waves plus fine grain, which JPEG cannot keep exactly), with an
/// optional solid rectangle `(x, y, w, h)` painted over it.
fn picture(w: u32, h: u32, patch: Option<(u32, u32, u32, u32)>) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        if let Some((px, py, pw, ph)) = patch {
            if (px..px + pw).contains(&x) && (py..py + ph).contains(&y) {
                return image::Rgb([20, 60, 200]);
            }
        }
        let grain = ((x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)) % 41) as f32 - 20.0;
        let wave = 60.0 * ((x as f32 / 23.0).sin() * (y as f32 / 17.0).cos());
        let v = |base: f32| (base + wave + grain).clamp(0.0, 255.0) as u8;
        image::Rgb([v(140.0), v(120.0 + x as f32 * 40.0 / w as f32), v(100.0)])
    });
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(img.as_raw(), w, h, image::ExtendedColorType::Rgb8)
        .unwrap();
    out
}

fn jpeg(png: &[u8], w: u32, h: u32, quality: u8) -> Vec<u8> {
    let spec = RenditionSpec { width: w, height: h, fit: Fit::Contain, format: Format::Jpeg, quality, focal: None };
    render_image(png, &spec, PixelLimits::default()).unwrap()
}

#[test]
fn one_changed_rectangle_is_one_box_around_it() {
    let (w, h) = (1600, 1200);
    let rect = (400, 300, 320, 240);
    let before = jpeg(&picture(w, h, None), w, h, 90);
    let after = jpeg(&picture(w, h, Some(rect)), w, h, 90);
    let d = diff_images(&before, &after, PixelLimits::default()).unwrap();
    assert_eq!(d.regions.len(), 1, "{:?}", d.regions);
    let r = d.regions[0];
    let (x, y, rw, rh) = (0.25, 0.25, 0.2, 0.2);
    // The box covers the rectangle and overshoots it by at most one cell on each side.
    let cell = f64::from(CELL) / f64::from(WORK_SIDE) + 1e-9;
    assert!(r.x <= x + 1e-9 && r.x >= x - cell, "{r:?}");
    assert!(r.y <= y + 1e-9 && r.y >= y - cell * 1.4, "{r:?}");
    assert!(r.x + r.w >= x + rw - 1e-9 && r.x + r.w <= x + rw + cell, "{r:?}");
    assert!(r.y + r.h >= y + rh - 1e-9 && r.y + r.h <= y + rh + cell * 1.4, "{r:?}");
    // 4% of the picture changed.
    assert!((d.changed_fraction - 0.04).abs() < 0.01, "{}", d.changed_fraction);
    assert_eq!(crate::sniff(&d.heatmap), crate::MediaType::Png);
}

#[test]
fn re_encoding_at_another_quality_is_no_change() {
    let (w, h) = (1600, 1200);
    let source = picture(w, h, None);
    let d = diff_images(&jpeg(&source, w, h, 95), &jpeg(&source, w, h, 55), PixelLimits::default()).unwrap();
    assert!(d.regions.is_empty(), "{:?}", d.regions);
    assert!(d.changed_fraction < 0.001, "{}", d.changed_fraction);
}

#[test]
fn a_smaller_export_of_the_same_picture_is_no_change() {
    let source = picture(1600, 1200, None);
    let d = diff_images(&jpeg(&source, 1600, 1200, 90), &jpeg(&source, 800, 600, 80), PixelLimits::default()).unwrap();
    assert!(d.regions.is_empty(), "{:?}", d.regions);
}

#[test]
fn a_smaller_export_with_a_change_still_finds_it() {
    let rect = (1200, 100, 200, 200);
    let before = jpeg(&picture(1600, 1200, None), 1600, 1200, 90);
    let after = jpeg(&picture(1600, 1200, Some(rect)), 800, 600, 80);
    let d = diff_images(&before, &after, PixelLimits::default()).unwrap();
    assert_eq!(d.regions.len(), 1, "{:?}", d.regions);
    assert!(d.regions[0].meets(&Region { x: 0.75, y: 1.0 / 12.0, w: 0.125, h: 1.0 / 6.0 }));
}

#[test]
fn two_distant_changes_are_two_boxes() {
    let before = picture(800, 800, None);
    let after = picture(800, 800, Some((40, 40, 80, 80)));
    let d1 = diff_images(&before, &after, PixelLimits::default()).unwrap();
    assert_eq!(d1.regions.len(), 1);
    let after_both = {
        let a = image::load_from_memory(&after).unwrap().to_rgb8();
        let b = image::load_from_memory(&picture(800, 800, Some((600, 600, 100, 100)))).unwrap().to_rgb8();
        let merged =
            image::RgbImage::from_fn(800, 800, |x, y| if x >= 400 { *b.get_pixel(x, y) } else { *a.get_pixel(x, y) });
        let mut out = Vec::new();
        image::codecs::png::PngEncoder::new(&mut out)
            .write_image(merged.as_raw(), 800, 800, image::ExtendedColorType::Rgb8)
            .unwrap();
        out
    };
    let d2 = diff_images(&before, &after_both, PixelLimits::default()).unwrap();
    assert_eq!(d2.regions.len(), 2, "{:?}", d2.regions);
}

#[test]
fn identical_images_have_no_change() {
    let p = picture(300, 200, None);
    let d = diff_images(&p, &p, PixelLimits::default()).unwrap();
    assert!(d.regions.is_empty());
    assert_eq!(d.changed_fraction, 0.0);
}
