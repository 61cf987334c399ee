#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;

use image::{DynamicImage, ImageFormat};

use super::*;
use crate::metadata::extract_image;

fn exiftool() -> bool {
    let ok = Command::new("exiftool").arg("-ver").output().is_ok_and(|o| o.status.success());
    assert!(ok || std::env::var("CI").as_deref() != Ok("true"), "exiftool is required in CI");
    ok
}

/// Noise, so the pixel data is most of the file.
fn noisy(w: u32, h: u32) -> DynamicImage {
    DynamicImage::ImageRgb8(image::RgbImage::from_fn(w, h, |x, y| {
        let v = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)).to_le_bytes();
        image::Rgb([v[0], v[1], v[2]])
    }))
}

fn write(path: &Path, img: &DynamicImage, format: ImageFormat) {
    if format == ImageFormat::Jpeg {
        let rgb = img.to_rgb8();
        let (w, h) = (rgb.width() as usize, rgb.height() as usize);
        let image = turbojpeg::Image {
            pixels: rgb.as_raw().as_slice(),
            width: w,
            pitch: w * 3,
            height: h,
            format: turbojpeg::PixelFormat::RGB,
        };
        std::fs::write(path, turbojpeg::compress(image, 95, turbojpeg::Subsamp::None).unwrap().as_ref()).unwrap();
    } else {
        img.save_with_format(path, format).unwrap();
    }
}

/// Camera, orientation, GPS, XMP and a colour profile, written by exiftool.
fn tag(path: &Path, icc: &Path) {
    let out = Command::new("exiftool")
        .args(["-q", "-overwrite_original", "-Make=Nikon", "-Model=Z 8", "-Orientation#=6"])
        .args(["-GPSLatitude=33.8688", "-GPSLatitudeRef=S", "-GPSLongitude=151.2093", "-GPSLongitudeRef=E"])
        .args(["-XMP-dc:Creator=Bob", "-XMP-dc:Rights=CC-BY"])
        .arg(format!("-ICC_Profile<={}", icc.display()))
        .arg(path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Display P3 from lcms, as a profile file exiftool can embed.
fn profile(dir: &Path) -> std::path::PathBuf {
    let p = dir.join("p3.icc");
    let d65 = lcms2::CIExyY { x: 0.3127, y: 0.3290, Y: 1.0 };
    let primaries = lcms2::CIExyYTRIPLE {
        Red: lcms2::CIExyY { x: 0.680, y: 0.320, Y: 1.0 },
        Green: lcms2::CIExyY { x: 0.265, y: 0.690, Y: 1.0 },
        Blue: lcms2::CIExyY { x: 0.150, y: 0.060, Y: 1.0 },
    };
    let curve = lcms2::ToneCurve::new(2.2);
    let mut icc = lcms2::Profile::new_rgb(&d65, &primaries, &[&curve, &curve, &curve]).unwrap();
    let mut desc = lcms2::MLU::new(1);
    desc.set_text("Display P3 (test)", lcms2::Locale::none());
    icc.remove_tag(lcms2::TagSignature::ProfileDescriptionTag);
    icc.write_tag(lcms2::TagSignature::ProfileDescriptionTag, lcms2::Tag::MLU(&desc));
    std::fs::write(&p, icc.icc().unwrap()).unwrap();
    p
}

#[test]
fn compact_views_give_the_same_metadata_as_whole_files() {
    if !exiftool() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let icc = profile(dir.path());
    let img = noisy(400, 300);
    for (name, format, kind) in [
        ("a.jpg", ImageFormat::Jpeg, MediaType::Jpeg),
        ("a.png", ImageFormat::Png, MediaType::Png),
        ("a.tif", ImageFormat::Tiff, MediaType::Tiff),
        ("a.webp", ImageFormat::WebP, MediaType::Webp),
    ] {
        let path = dir.path().join(name);
        write(&path, &img, format);
        tag(&path, &icc);
        let whole = std::fs::read(&path).unwrap();
        let f = File::open(&path).unwrap();
        let view = compact(f, whole.len() as u64, kind).unwrap();
        assert!(view.len() * 4 < whole.len(), "{name}: a view of {} of {} bytes", view.len(), whole.len());
        let (ours, full) = (extract_image(&view, kind), extract_image(&whole, kind));
        assert_eq!(ours, full, "{name}");
        assert_eq!(ours.orientation, Some(6), "{name}");
        assert_eq!(ours.color_profile.as_deref(), Some("Display P3 (test)"), "{name}");
        assert!(ours.gps.is_some() && ours.xmp.is_some(), "{name}: {ours:?}");
        assert_eq!((ours.width, ours.height), (Some(400), Some(300)), "{name}");
    }
}

#[test]
fn a_tiff_whose_ifd_follows_the_pixels_is_copied_small() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("late.tif");
    write(&path, &noisy(300, 200), ImageFormat::Tiff);
    let whole = std::fs::read(&path).unwrap();
    let ifd = u32::from_le_bytes([whole[4], whole[5], whole[6], whole[7]]) as usize;
    assert!(ifd > 100_000, "the image crate writes the IFD after the pixels (at {ifd})");
    let copy = super::super::tiff_copy::relocate(&mut File::open(&path).unwrap()).unwrap().unwrap();
    assert!(copy.len() < 2_000, "{} bytes", copy.len());
    assert_eq!(crate::header::dimensions(&copy), Some((300, 200)));
    assert_eq!(extract_image(&copy, MediaType::Tiff), extract_image(&whole, MediaType::Tiff));
}

#[test]
fn psd_and_broken_files_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.psd");
    let mut psd = b"8BPS\0\x01\0\0\0\0\0\0\0\x03\0\0\0\x02\0\0\0\x02\0\x08\0\x03".to_vec();
    psd.extend_from_slice(&0u32.to_be_bytes());
    psd.extend_from_slice(&4u32.to_be_bytes());
    psd.extend_from_slice(b"8BIM");
    psd.extend_from_slice(&[0; 100_000]);
    std::fs::write(&path, &psd).unwrap();
    let view = compact(File::open(&path).unwrap(), psd.len() as u64, MediaType::Psd).unwrap();
    assert_eq!(view, psd[..38], "header, empty colour mode data and the 4 resource bytes");
    for junk in [&b""[..], b"\xFF\xD8\xFF", b"\x89PNG\r\n\x1a\n\0\0", b"RIFF\0\0\0\0WEBPVP8 ", b"II*\0\xFF\xFF\xFF\x7F"]
    {
        std::fs::write(&path, junk).unwrap();
        for kind in [MediaType::Jpeg, MediaType::Png, MediaType::Webp, MediaType::Tiff, MediaType::Psd] {
            let _ = compact(File::open(&path).unwrap(), junk.len() as u64, kind);
        }
    }
}
