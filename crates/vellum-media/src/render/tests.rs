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

/// A detailed 3000×2000 picture as a camera-quality JPEG (q90, 4:2:0): a zone plate (rings of
/// every frequency up to the pixel level) with per-pixel noise in every channel, which a decode
/// scaled too close to the output size turns into false patterns.
fn detailed_jpeg() -> Vec<u8> {
    let (w, h) = (3000usize, 2000usize);
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut noise = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 56) as f64 - 128.0
    };
    let r_max = ((w * w + h * h) as f64).sqrt() / 2.0;
    let mut pixels = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        for x in 0..w {
            let (dx, dy) = (x as f64 - w as f64 / 2.0, y as f64 - h as f64 / 2.0);
            // Local frequency r / (2 r_max) cycles a pixel: 0 at the centre, 0.5 at the corners.
            let zone = (std::f64::consts::PI * (dx * dx + dy * dy) / (2.0 * r_max)).cos();
            for tint in [1.0, 0.6, -0.8] {
                pixels.push((128.0 + 100.0 * tint * zone + 0.2 * noise()).clamp(0.0, 255.0) as u8);
            }
        }
    }
    let image = turbojpeg::Image {
        pixels: pixels.as_slice(),
        width: w,
        pitch: w * 3,
        height: h,
        format: turbojpeg::PixelFormat::RGB,
    };
    let mut c = turbojpeg::Compressor::new().unwrap();
    c.set_quality(90).unwrap();
    c.set_subsamp(turbojpeg::Subsamp::Sub2x2).unwrap();
    c.compress_to_vec(image).unwrap()
}

/// PSNR in dB over all samples of two images of the same size.
fn psnr(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len());
    let sum: u64 = a.iter().zip(b).map(|(&x, &y)| u64::from(x.abs_diff(y)).pow(2)).sum();
    10.0 * (255.0 * 255.0 * a.len() as f64 / sum.max(1) as f64).log10()
}

#[test]
fn thumbnails_of_detailed_jpegs_stay_close_to_a_lanczos_reference() {
    use fast_image_resize::images::{Image, ImageRef};
    use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};

    let jpeg = detailed_jpeg();
    // Before encoding (PNG), so the resampling is judged alone and not through JPEG's loss.
    let spec = RenditionSpec { format: Format::Png, ..RenditionSpec::thumbnail() };
    let thumb =
        image::load_from_memory(&render_image(&jpeg, &spec, PixelLimits::default()).unwrap()).unwrap().to_rgb8();
    assert_eq!(thumb.dimensions(), (400, 267));
    // The reference: the whole image decoded and resized with Lanczos3 in one step.
    let full = turbojpeg::decompress(&jpeg, turbojpeg::PixelFormat::RGB).unwrap();
    let src = ImageRef::new(full.width as u32, full.height as u32, &full.pixels, PixelType::U8x3).unwrap();
    let mut reference = Image::new(400, 267, PixelType::U8x3);
    let lanczos = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    Resizer::new().resize(&src, &mut reference, &lanczos).unwrap();
    let db = psnr(thumb.as_raw(), reference.buffer());
    // Decoded at 1/4 (750×500, 1.9× the output) this gave 38.5 dB; at 1/2 (3.75×), 51.
    assert!(db > 45.0, "{db:.2} dB against the Lanczos3 reference");
}
