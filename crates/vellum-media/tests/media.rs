//! End-to-end checks on real files the tests make themselves: renditions of every decodable
//! format, metadata compared with exiftool as the oracle, pixel bombs and corrupt files,
//! ffprobe and poppler probing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

#[path = "media/large.rs"]
mod large;
#[path = "media/office.rs"]
mod office;
#[path = "media/stamp.rs"]
mod stamp;
#[path = "media/streaming.rs"]
mod streaming;

use serde_json::Value;
use support::*;
use vellum_media::{
    dimensions, extract_image, perceptual_hash, probe_pdf, probe_video, render_image, sniff, strip_gps, Fit, Format,
    MediaType, PixelLimits, RenderError, RenditionSpec,
};

#[test]
fn every_decodable_format_renders_a_thumbnail() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes, media_type) in sample_images(dir.path()) {
        assert_eq!(sniff(&bytes), media_type, "{name}");
        let info = extract_image(&bytes, media_type);
        assert_eq!((info.width, info.height), (Some(640), Some(480)), "{name}");
        assert_eq!(info.mime.as_deref(), Some(media_type.mime()), "{name}");

        let thumb = render_image(&bytes, &RenditionSpec::thumbnail(), PixelLimits::default()).unwrap();
        assert_eq!(sniff(&thumb), MediaType::Jpeg, "{name}");
        assert_eq!(dimensions(&thumb), Some((400, 300)), "{name}");
        // The dark square of the top-left quarter survives every pipeline.
        let rgb = decode_rgb(&thumb);
        assert!(rgb.pixel(20, 20)[0] < 60, "{name}: {:?}", rgb.pixel(20, 20));
        assert!(rgb.pixel(380, 280)[0] > 150, "{name}: {:?}", rgb.pixel(380, 280));

        let cover = RenditionSpec {
            width: 120,
            height: 120,
            fit: Fit::Cover,
            format: Format::Png,
            ..RenditionSpec::thumbnail()
        };
        let out = render_image(&bytes, &cover, PixelLimits::default()).unwrap();
        assert_eq!(dimensions(&out), Some((120, 120)), "{name}");
    }
}

#[test]
fn alpha_is_flattened_on_white_for_jpeg_and_kept_for_png() {
    let img = image::RgbaImage::from_fn(100, 100, |x, _| image::Rgba([0, 0, 0, if x < 50 { 0 } else { 255 }]));
    let png = encode_png_rgba(&img);
    let jpeg = render_image(&png, &RenditionSpec::thumbnail(), PixelLimits::default()).unwrap();
    let rgb = decode_rgb(&jpeg);
    assert!(rgb.pixel(10, 50)[0] > 240, "transparent → white: {:?}", rgb.pixel(10, 50));
    assert!(rgb.pixel(90, 50)[0] < 15, "opaque black stays black: {:?}", rgb.pixel(90, 50));
    let spec = RenditionSpec { format: Format::Png, ..RenditionSpec::thumbnail() };
    let out = render_image(&png, &spec, PixelLimits::default()).unwrap();
    let back = image::load_from_memory(&out).unwrap();
    assert!(back.color().has_alpha());
}

#[test]
fn rotated_photo_metadata_matches_exiftool_and_renders_upright() {
    if !tool_available("exiftool") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("photo.jpg");
    std::fs::write(&path, jpeg_with_marker(640, 480, 90)).unwrap();
    tag_photo(&path);
    let bytes = std::fs::read(&path).unwrap();
    let oracle = exiftool_json(&path, &["-n", "-G1"]);

    let info = extract_image(&bytes, MediaType::Jpeg);
    assert_eq!(info.orientation, Some(6));
    assert_eq!(info.width, oracle["File:ImageWidth"].as_u64());
    assert_eq!(info.height, oracle["File:ImageHeight"].as_u64());
    let exif = info.exif.clone().unwrap();
    for (ours, theirs) in [
        ("Make", "IFD0:Make"),
        ("Model", "IFD0:Model"),
        ("Orientation", "IFD0:Orientation"),
        ("DateTimeOriginal", "ExifIFD:DateTimeOriginal"),
        ("ExposureTime", "ExifIFD:ExposureTime"),
        ("FNumber", "ExifIFD:FNumber"),
        ("ISO", "ExifIFD:ISO"),
        ("FocalLength", "ExifIFD:FocalLength"),
        ("LensModel", "ExifIFD:LensModel"),
    ] {
        assert_same(&exif[ours], &oracle[theirs], ours);
    }
    // Dates as exiftool prints them without -n too.
    let plain = exiftool_json(&path, &["-G1"]);
    assert_eq!(exif["DateTimeOriginal"], plain["ExifIFD:DateTimeOriginal"]);

    let gps = info.gps.unwrap();
    assert!((gps.latitude - oracle["Composite:GPSLatitude"].as_f64().unwrap()).abs() < 1e-6);
    assert!((gps.longitude - oracle["Composite:GPSLongitude"].as_f64().unwrap()).abs() < 1e-6);
    assert!((gps.altitude.unwrap() - oracle["Composite:GPSAltitude"].as_f64().unwrap()).abs() < 1e-6);
    assert!(gps.latitude < 0.0, "southern latitude is negative");

    let iptc = info.iptc.clone().unwrap();
    for key in ["By-line", "CopyrightNotice", "Credit", "Caption-Abstract", "ObjectName", "Keywords"] {
        assert_same(&iptc[key], &oracle[format!("IPTC:{key}").as_str()], key);
    }
    assert!(iptc["Keywords"].is_array());
    let xmp = info.xmp.clone().unwrap();
    for (ours, theirs) in [
        ("dc:creator", "XMP-dc:Creator"),
        ("dc:rights", "XMP-dc:Rights"),
        ("dc:description", "XMP-dc:Description"),
        ("dc:subject", "XMP-dc:Subject"),
        ("photoshop:Credit", "XMP-photoshop:Credit"),
        ("xmpRights:UsageTerms", "XMP-xmpRights:UsageTerms"),
    ] {
        assert_same(&xmp[ours], &oracle[theirs], ours);
    }
    assert!(xmp["dc:creator"].is_array() && xmp["dc:subject"].is_array());

    let mut stripped = info.clone();
    strip_gps(&mut stripped);
    assert!(stripped.gps.is_none());
    assert_eq!(stripped.exif, info.exif);

    // Stored 640×480 with Orientation 6 displays as 480×640: the thumbnail is 300×400, and the
    // dark square of the stored top-left corner shows at the top-right.
    let thumb = render_image(&bytes, &RenditionSpec::thumbnail(), PixelLimits::default()).unwrap();
    assert_eq!(dimensions(&thumb), Some((300, 400)));
    let rgb = decode_rgb(&thumb);
    assert!(rgb.pixel(280, 20)[0] < 60, "top-right dark: {:?}", rgb.pixel(280, 20));
    assert!(rgb.pixel(20, 20)[0] > 100, "top-left bright: {:?}", rgb.pixel(20, 20));
}

#[test]
fn tiff_tags_match_exiftool() {
    if !tool_available("exiftool") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let images = sample_images(dir.path());
    let (_, tiff, _) = images.iter().find(|(n, _, _)| *n == "tiff").unwrap();
    let path = dir.path().join("tagged.tif");
    std::fs::write(&path, tiff).unwrap();
    run_ok(
        "exiftool",
        &["-q", "-overwrite_original", "-Make=Nikon", "-Model=Z 8", "-XMP-dc:Creator=Bob", "-XMP-dc:Rights=CC-BY"],
        &path,
    );
    let info = extract_image(&std::fs::read(&path).unwrap(), MediaType::Tiff);
    let oracle = exiftool_json(&path, &["-n", "-G1"]);
    let exif = info.exif.unwrap();
    assert_same(&exif["Make"], &oracle["IFD0:Make"], "Make");
    assert_same(&exif["Model"], &oracle["IFD0:Model"], "Model");
    let xmp = info.xmp.unwrap();
    assert_same(&xmp["dc:creator"], &oracle["XMP-dc:Creator"], "dc:creator");
    assert_same(&xmp["dc:rights"], &oracle["XMP-dc:Rights"], "dc:rights");
    assert_eq!(info.width, Some(640));
}

#[test]
fn cmyk_jpeg_is_converted_and_reported() {
    if !tool_available("vips") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let rgb_path = dir.path().join("red.jpg");
    let red = image::RgbImage::from_pixel(200, 100, image::Rgb([220, 20, 20]));
    std::fs::write(&rgb_path, encode_jpeg(red.as_raw(), 200, 100, 95)).unwrap();
    let cmyk_path = dir.path().join("cmyk.jpg");
    run_ok_args("vips", &["colourspace".as_ref(), rgb_path.as_os_str(), cmyk_path.as_os_str(), "cmyk".as_ref()]);
    let bytes = std::fs::read(&cmyk_path).unwrap();

    let info = extract_image(&bytes, MediaType::Jpeg);
    if tool_available("exiftool") {
        let oracle = exiftool_json(&cmyk_path, &["-G1"]);
        assert_eq!(oracle["File:ColorComponents"], 4);
        assert_eq!(
            info.color_profile.as_ref().map(|s| Value::from(s.as_str())),
            Some(oracle["ICC_Profile:ProfileDescription"].clone())
        );
    }
    let out = render_image(&bytes, &RenditionSpec::thumbnail(), PixelLimits::default()).unwrap();
    assert_eq!(dimensions(&out), Some((200, 100)));
    let px = decode_rgb(&out).pixel(100, 50);
    assert!(px[0] > 150 && px[1] < 110 && px[2] < 110, "still red after CMYK: {px:?}");
}

#[test]
fn corrupt_and_hostile_images_fail_cleanly() {
    let full = jpeg_with_marker(640, 480, 90);
    let truncated = &full[..full.len() / 2];
    assert!(matches!(
        render_image(truncated, &RenditionSpec::thumbnail(), PixelLimits::default()),
        Err(RenderError::Decode(_))
    ));
    let mut garbled = full.clone();
    for b in garbled.iter_mut().skip(600).step_by(7) {
        *b = 0xFF;
    }
    let _ = render_image(&garbled, &RenditionSpec::thumbnail(), PixelLimits::default());
    for cut in [0, 3, 20, 200] {
        let _ = render_image(&full[..cut], &RenditionSpec::thumbnail(), PixelLimits::default());
        let _ = extract_image(&full[..cut], MediaType::Jpeg);
    }

    // A 100k × 100k PNG in a few dozen bytes is refused from its header: its one IDAT holds no
    // pixels, so had a decoder started it would have failed with a decode error instead.
    let bomb = png_bomb(100_000, 100_000);
    assert!(bomb.len() < 100);
    let err = render_image(&bomb, &RenditionSpec::preview(), PixelLimits::default()).unwrap_err();
    assert!(matches!(err, RenderError::TooLarge { width: 100_000, height: 100_000 }), "{err}");
    assert!(matches!(perceptual_hash(&bomb, PixelLimits::default()), Err(RenderError::TooLarge { .. })));
    let small = render_image(&png_bomb(100, 100), &RenditionSpec::thumbnail(), PixelLimits::default());
    assert!(matches!(small, Err(RenderError::Decode(_))), "{small:?}");
    // Within the side limit but over the pixel budget; and the same via a JPEG header.
    assert!(matches!(
        render_image(&png_bomb(20_000, 20_000), &RenditionSpec::thumbnail(), PixelLimits::default()),
        Err(RenderError::TooLarge { .. })
    ));
    let tight = PixelLimits { max_pixels: 10_000, ..PixelLimits::default() };
    assert!(matches!(render_image(&full, &RenditionSpec::thumbnail(), tight), Err(RenderError::TooLarge { .. })));
}

#[test]
fn perceptual_hash_survives_recompression_and_resizing() {
    let a = jpeg_with_marker(640, 480, 90);
    let smaller =
        render_image(&a, &RenditionSpec { quality: 40, ..RenditionSpec::thumbnail() }, PixelLimits::default()).unwrap();
    let ha = perceptual_hash(&a, PixelLimits::default()).unwrap();
    let hb = perceptual_hash(&smaller, PixelLimits::default()).unwrap();
    assert!(vellum_media::hamming(ha, hb) <= 4, "{ha:064b} / {hb:064b}");
}

#[tokio::test]
async fn ntsc_clip_probes_with_an_exact_frame_rate() {
    if !tool_available("ffmpeg") || !tool_available("ffprobe") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("clip.mp4");
    run_ok_args(
        "ffmpeg",
        &[
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x240:rate=30000/1001",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:sample_rate=48000",
            "-t",
            "1",
            "-c:v",
            "mpeg4",
            "-c:a",
            "aac",
            "-ac",
            "2",
        ]
        .map(std::ffi::OsStr::new)
        .into_iter()
        .chain([clip.as_os_str()])
        .collect::<Vec<_>>(),
    );
    let head = std::fs::read(&clip).unwrap();
    assert_eq!(sniff(&head[..head.len().min(65536)]), MediaType::Mp4);
    let info = probe_video(&clip, dir.path()).await.unwrap();
    assert_eq!(info.frame_rate.as_deref(), Some("30000/1001"));
    assert_eq!((info.width, info.height), (Some(320), Some(240)));
    assert_eq!(info.codec.as_deref(), Some("mpeg4"));
    assert_eq!(info.audio_codec.as_deref(), Some("aac"));
    assert_eq!(info.audio_channels, Some(2));
    let duration = info.duration_seconds.unwrap();
    assert!((0.9..1.2).contains(&duration), "{duration}");

    // A file that is not media fails with the tool's error, not a panic.
    let junk = dir.path().join("junk.mp4");
    std::fs::write(&junk, b"not a video").unwrap();
    assert!(probe_video(&junk, dir.path()).await.is_err());
}

#[tokio::test]
async fn three_page_pdf_probes_pages_title_and_text() {
    if !tool_available("gs") || !tool_available("pdfinfo") || !tool_available("pdftotext") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pdf = make_pdf(dir.path());
    let head = std::fs::read(&pdf).unwrap();
    assert_eq!(sniff(&head[..head.len().min(65536)]), MediaType::Pdf);
    let info = probe_pdf(&pdf, dir.path()).await.unwrap();
    assert_eq!(info.page_count, Some(3));
    assert_eq!(info.title.as_deref(), Some("Quarterly Report"));
    assert_eq!(info.author.as_deref(), Some("Ana Ruiz"));
    let text = info.text.unwrap();
    assert!(text.contains("Page one") && text.contains("Page three"), "{text}");
    assert_eq!((info.width, info.height), (Some(595), Some(842)));
}
