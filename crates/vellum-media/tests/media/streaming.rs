//! The decoders that read a row, strip, tile or frame at a time give the pixels the `image`
//! crate gives decoding the same file whole: every colour type and layout, rendered both at
//! full size and reduced while read. WebP over the in-process size is scaled by libwebp first;
//! formats held whole have their own pixel limits.

use std::path::Path;

use image::{DynamicImage, ImageFormat};
use vellum_media::{
    check, dimensions, header::PixelLimits, render_file, render_image, Fit, Format, RenderError, RenditionSpec,
};

use super::support::{decode_rgb, pattern, run_ok_args, tool_available};

fn encode(img: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// A 640×480 picture with alpha: opaque on the left, fading to transparent on the right.
fn with_alpha() -> image::RgbaImage {
    let rgb = pattern(640, 480);
    image::RgbaImage::from_fn(640, 480, |x, y| {
        let p = rgb.get_pixel(x, y).0;
        image::Rgba([p[0], p[1], p[2], (255 - x * 255 / 640) as u8])
    })
}

/// `bytes` through `vips copy` to `name` (its suffix and options choose the format).
fn via_vips(dir: &Path, bytes: &[u8], name: &str) -> Vec<u8> {
    let src = dir.join("vips-in.png");
    std::fs::write(&src, bytes).unwrap();
    let out = dir.join(name);
    run_ok_args("vips", &["copy".as_ref(), src.as_os_str(), out.as_os_str()]);
    let file = name.split('[').next().unwrap();
    std::fs::read(dir.join(file)).unwrap()
}

/// RGBA pixels of `bytes` rendered as a PNG inside `side`×`side`.
fn rendered(bytes: &[u8], side: u32) -> image::RgbaImage {
    let spec =
        RenditionSpec { width: side, height: side, fit: Fit::Contain, format: Format::Png, quality: 90, focal: None };
    let png = render_image(bytes, &spec, PixelLimits::default()).unwrap();
    image::load_from_memory(&png).unwrap().to_rgba8()
}

/// Renders `bytes` and, as the reference, the `image` crate's whole decode of it re-encoded as
/// plain PNG; both at full size and at 64 px (reduced while read), then compares.
fn assert_matches_whole_decode(name: &str, bytes: &[u8]) {
    let whole = image::load_from_memory(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    let reference = if whole.color().has_alpha() {
        encode(&DynamicImage::ImageRgba8(whole.to_rgba8()), ImageFormat::Png)
    } else {
        encode(&DynamicImage::ImageRgb8(whole.to_rgb8()), ImageFormat::Png)
    };
    for side in [1024, 64] {
        let (ours, theirs) = (rendered(bytes, side), rendered(&reference, side));
        assert_eq!(ours.dimensions(), theirs.dimensions(), "{name} at {side}");
        let worst = ours.as_raw().iter().zip(theirs.as_raw()).map(|(a, b)| a.abs_diff(*b)).max().unwrap();
        assert!(worst <= 2, "{name} at {side}: differs by {worst}");
    }
}

#[test]
fn png_of_every_colour_type_matches_a_whole_decode() {
    let rgb = DynamicImage::ImageRgb8(pattern(640, 480));
    let rgba = DynamicImage::ImageRgba8(with_alpha());
    assert_matches_whole_decode("png rgb8", &encode(&rgb, ImageFormat::Png));
    assert_matches_whole_decode("png rgba8", &encode(&rgba, ImageFormat::Png));
    assert_matches_whole_decode("png rgb16", &encode(&DynamicImage::ImageRgb16(rgb.to_rgb16()), ImageFormat::Png));
    assert_matches_whole_decode("png rgba16", &encode(&DynamicImage::ImageRgba16(rgba.to_rgba16()), ImageFormat::Png));
    assert_matches_whole_decode("png gray", &encode(&DynamicImage::ImageLuma8(rgb.to_luma8()), ImageFormat::Png));
    assert_matches_whole_decode(
        "png gray+alpha",
        &encode(&DynamicImage::ImageLumaA8(rgba.to_luma_alpha8()), ImageFormat::Png),
    );
    if tool_available("vips") {
        let dir = tempfile::tempdir().unwrap();
        let png = encode(&rgba, ImageFormat::Png);
        assert_matches_whole_decode("png adam7", &via_vips(dir.path(), &png, "adam7.png[interlace]"));
        assert_matches_whole_decode("png palette", &via_vips(dir.path(), &png, "palette.png[palette]"));
    }
}

#[test]
fn tiff_strips_tiles_and_depths_match_a_whole_decode() {
    let rgb = DynamicImage::ImageRgb8(pattern(640, 480));
    let rgba = DynamicImage::ImageRgba8(with_alpha());
    assert_matches_whole_decode("tiff rgb8", &encode(&rgb, ImageFormat::Tiff));
    assert_matches_whole_decode("tiff rgba8", &encode(&rgba, ImageFormat::Tiff));
    assert_matches_whole_decode("tiff rgb16", &encode(&DynamicImage::ImageRgb16(rgb.to_rgb16()), ImageFormat::Tiff));
    assert_matches_whole_decode("tiff gray", &encode(&DynamicImage::ImageLuma8(rgb.to_luma8()), ImageFormat::Tiff));
    if tool_available("vips") {
        let dir = tempfile::tempdir().unwrap();
        let png = encode(&rgb, ImageFormat::Png);
        let tiled = via_vips(dir.path(), &png, "tiled.tif[tile,tile-width=64,tile-height=48,compression=deflate]");
        assert_matches_whole_decode("tiff tiled", &tiled);
        assert_matches_whole_decode("tiff lzw", &via_vips(dir.path(), &png, "lzw.tif[compression=lzw]"));
        let gray = encode(&DynamicImage::ImageLuma8(rgb.to_luma8()), ImageFormat::Png);
        assert_matches_whole_decode("tiff 1-bit", &via_vips(dir.path(), &gray, "bilevel.tif[bitdepth=1]"));
    }
}

#[test]
fn cmyk_tiff_keeps_its_colour() {
    if !tool_available("vips") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let red = DynamicImage::ImageRgb8(image::RgbImage::from_pixel(200, 100, image::Rgb([220, 20, 20])));
    std::fs::write(dir.path().join("red.png"), encode(&red, ImageFormat::Png)).unwrap();
    let (src, out) = (dir.path().join("red.png"), dir.path().join("cmyk.tif"));
    run_ok_args("vips", &["colourspace".as_ref(), src.as_os_str(), out.as_os_str(), "cmyk".as_ref()]);
    let thumb =
        render_image(&std::fs::read(&out).unwrap(), &RenditionSpec::thumbnail(), PixelLimits::default()).unwrap();
    let px = decode_rgb(&thumb).pixel(100, 50);
    assert!(px[0] > 150 && px[1] < 110 && px[2] < 110, "still red after CMYK: {px:?}");
}

#[test]
fn gif_frames_interlaced_or_offset_match_a_whole_decode() {
    let rgb = DynamicImage::ImageRgb8(pattern(640, 480));
    assert_matches_whole_decode("gif", &encode(&DynamicImage::ImageRgba8(rgb.to_rgba8()), ImageFormat::Gif));
    // A 30×20 frame at (10, 5) on a 64×48 screen, with a transparent colour.
    let mut gif = Vec::new();
    {
        let palette = [0, 0, 0, 200, 30, 40, 10, 220, 90];
        let mut e = gif::Encoder::new(&mut gif, 64, 48, &palette).unwrap();
        let buffer: Vec<u8> = (0..600).map(|i| (i % 3) as u8).collect();
        let frame = gif::Frame {
            left: 10,
            top: 5,
            width: 30,
            height: 20,
            transparent: Some(0),
            buffer: buffer.into(),
            ..gif::Frame::default()
        };
        e.write_frame(&frame).unwrap();
    }
    assert_matches_whole_decode("gif offset frame", &gif);
    if tool_available("vips") {
        let dir = tempfile::tempdir().unwrap();
        let png = encode(&rgb, ImageFormat::Png);
        assert_matches_whole_decode("gif interlaced", &via_vips(dir.path(), &png, "interlaced.gif[interlace]"));
    }
}

#[tokio::test]
async fn large_webp_is_scaled_by_libwebp_before_decoding() {
    if !tool_available("vips") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // 20 MP: over what is decoded whole in process.
    let big = DynamicImage::ImageRgb8(pattern(5000, 4000));
    let webp = via_vips(dir.path(), &encode(&big, ImageFormat::Png), "big.webp[Q=80]");
    assert!(matches!(
        render_image(&webp, &RenditionSpec::preview(), PixelLimits::default()),
        Err(RenderError::Unsupported(_))
    ));
    let src = dir.path().join("source");
    std::fs::write(&src, &webp).unwrap();
    let preview = render_file(&src, dir.path(), &RenditionSpec::preview(), PixelLimits::default()).await.unwrap();
    assert_eq!(dimensions(&preview), Some((2048, 1638)));
    let rgb = decode_rgb(&preview);
    assert!(rgb.pixel(100, 100)[0] < 60, "dark quarter top-left: {:?}", rgb.pixel(100, 100));
    assert!(rgb.pixel(1900, 1500)[0] > 150, "{:?}", rgb.pixel(1900, 1500));
}

#[tokio::test]
async fn formats_held_whole_have_their_own_pixel_limits() {
    let dir = tempfile::tempdir().unwrap();
    let tight = PixelLimits {
        max_lossless_webp_pixels: 100_000,
        max_progressive_jpeg_pixels: 100_000,
        ..PixelLimits::default()
    };
    // The image crate writes lossless WebP: 307,200 pixels are over the lossless limit.
    let lossless = encode(&DynamicImage::ImageRgb8(pattern(640, 480)), ImageFormat::WebP);
    assert_eq!(check(&lossless, tight), Err((640, 480)));
    assert_eq!(check(&lossless, PixelLimits::default()), Ok(()));
    let src = dir.path().join("source");
    std::fs::write(&src, &lossless).unwrap();
    let refused = render_file(&src, dir.path(), &RenditionSpec::thumbnail(), tight).await;
    assert!(matches!(refused, Err(RenderError::TooLarge { width: 640, height: 480 })), "{refused:?}");
    if tool_available("vips") {
        let png = encode(&DynamicImage::ImageRgb8(pattern(640, 480)), ImageFormat::Png);
        let lossy = via_vips(dir.path(), &png, "lossy.webp[Q=80]");
        assert_eq!(check(&lossy, tight), Ok(()), "lossy WebP is scaled while decoded");
        let progressive = via_vips(dir.path(), &png, "progressive.jpg[interlace]");
        assert_eq!(check(&progressive, tight), Err((640, 480)));
        assert!(matches!(
            render_image(&progressive, &RenditionSpec::thumbnail(), tight),
            Err(RenderError::TooLarge { .. })
        ));
        let baseline = via_vips(dir.path(), &png, "baseline.jpg");
        assert_eq!(check(&baseline, tight), Ok(()));
    }
}
