#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use image::ImageEncoder;

/// A gradient with a dark square in the top-left quarter, encoded as PNG.
fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        if x < w / 4 && y < h / 4 {
            image::Rgb([10, 10, 10])
        } else {
            image::Rgb([(x * 255 / w) as u8, (y * 255 / h) as u8, 128])
        }
    });
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(img.as_raw(), w, h, image::ExtendedColorType::Rgb8)
        .unwrap();
    out
}

fn size_of(bytes: &[u8]) -> (u64, u64) {
    header::dimensions(bytes).unwrap()
}

#[test]
fn contain_and_cover() {
    let src = png(600, 300);
    let spec = RenditionSpec { width: 200, height: 200, ..RenditionSpec::thumbnail() };
    let out = render_image(&src, &spec, PixelLimits::default()).unwrap();
    assert_eq!(sniff(&out), MediaType::Jpeg);
    assert_eq!(size_of(&out), (200, 100));
    let cover = RenditionSpec { fit: Fit::Cover, format: Format::Png, ..spec.clone() };
    let out = render_image(&src, &cover, PixelLimits::default()).unwrap();
    assert_eq!(sniff(&out), MediaType::Png);
    assert_eq!(size_of(&out), (200, 200));
    let webp = RenditionSpec { format: Format::Webp, ..spec };
    assert_eq!(size_of(&render_image(&src, &webp, PixelLimits::default()).unwrap()), (200, 100));
}

#[test]
fn a_smaller_source_is_never_enlarged_and_the_label_says_so() {
    let og = RenditionSpec { width: 1200, height: 630, fit: Fit::Cover, ..RenditionSpec::preview() };
    assert_eq!(og.output_size(1000, 750, 1), (1000, 525));
    let out = render_image(&png(1000, 750), &og, PixelLimits::default()).unwrap();
    assert_eq!(size_of(&out), (1000, 525), "what output_size said");
    assert_eq!(og.output_size(4000, 3000, 1), (1200, 630));
    // Turned a quarter by EXIF: the displayed shape counts.
    assert_eq!(og.output_size(750, 1000, 6), (1000, 525));
    let contain = RenditionSpec { width: 600, height: RenditionSpec::MAX_SIDE, fit: Fit::Contain, ..og };
    assert_eq!(contain.output_size(400, 300, 1), (400, 300));
    assert_eq!(contain.output_size(1200, 800, 1), (600, 400));
}

#[test]
fn refuses_over_limit_and_bad_specs() {
    let src = png(600, 300);
    let tight = PixelLimits { max_pixels: 1000, ..PixelLimits::default() };
    assert!(matches!(
        render_image(&src, &RenditionSpec::thumbnail(), tight),
        Err(RenderError::TooLarge { width: 600, height: 300 })
    ));
    let zero = RenditionSpec { width: 0, ..RenditionSpec::thumbnail() };
    assert!(matches!(render_image(&src, &zero, PixelLimits::default()), Err(RenderError::InvalidSpec(_))));
    let focal = RenditionSpec { focal: Some((1.5, 0.0)), ..RenditionSpec::thumbnail() };
    assert!(matches!(render_image(&src, &focal, PixelLimits::default()), Err(RenderError::InvalidSpec(_))));
    assert!(matches!(
        render_image(b"%PDF-1.4", &RenditionSpec::thumbnail(), PixelLimits::default()),
        Err(RenderError::Unsupported("pdf"))
    ));
}

#[test]
fn perceptual_hash_is_stable_across_sizes() {
    let big = perceptual_hash(&png(800, 600), PixelLimits::default()).unwrap();
    let small = perceptual_hash(&png(200, 150), PixelLimits::default()).unwrap();
    assert!(hamming(big, small) <= 6, "{big:064b} vs {small:064b}");
    let other = image::RgbImage::from_fn(800, 600, |x, _| image::Rgb([255 - (x * 255 / 800) as u8, 0, 0]));
    let mut bytes = Vec::new();
    image::codecs::png::PngEncoder::new(&mut bytes)
        .write_image(other.as_raw(), 800, 600, image::ExtendedColorType::Rgb8)
        .unwrap();
    let different = perceptual_hash(&bytes, PixelLimits::default()).unwrap();
    assert!(hamming(big, different) > 16, "{big:064b} vs {different:064b}");
    assert_eq!(hamming(0, u64::MAX), 64);
}

#[test]
fn spec_serde_shape() {
    let json = serde_json::to_value(RenditionSpec::thumbnail()).unwrap();
    assert_eq!(json["fit"], "contain");
    assert_eq!(json["format"], "jpeg");
    let back: RenditionSpec =
        serde_json::from_str(r#"{"width":10,"height":20,"fit":"cover","format":"webp","quality":70}"#).unwrap();
    assert_eq!(back.focal, None);
    assert_eq!(back.fit, Fit::Cover);
}
