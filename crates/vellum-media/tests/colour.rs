//! Colour management against real profiles: vips writes a Display P3 JPEG and a CMYK JPEG of
//! pure sRGB green with their ICC profiles embedded; our renditions must come back to sRGB
//! green, which they would not if the profile were ignored.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

use vellum_media::{render_image, Format, PixelLimits, RenditionSpec};

fn vips_available() -> bool {
    let ok = Command::new("vips").arg("--version").output().is_ok_and(|o| o.status.success());
    if !ok && std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("vips (libvips-tools) is required in CI");
    }
    ok
}

fn centre_pixel(png: &[u8]) -> [u8; 3] {
    let img = image::load_from_memory(png).unwrap().to_rgb8();
    img.get_pixel(img.width() / 2, img.height() / 2).0
}

fn render(path: &std::path::Path) -> [u8; 3] {
    let bytes = std::fs::read(path).unwrap();
    let spec = RenditionSpec { format: Format::Png, ..RenditionSpec::thumbnail() };
    centre_pixel(&render_image(&bytes, &spec, PixelLimits::default()).unwrap())
}

#[test]
fn embedded_profiles_are_converted_to_srgb() {
    if !vips_available() {
        eprintln!("skipping: vips is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let green = dir.path().join("green.png");
    image::RgbImage::from_pixel(64, 64, image::Rgb([0, 255, 0])).save(&green).unwrap();
    for (profile, out) in [("p3", "p3.jpg"), ("cmyk", "cmyk.jpg")] {
        let status = Command::new("vips")
            .arg("icc_transform")
            .arg(&green)
            .arg(dir.path().join(out))
            .arg(profile)
            .status()
            .unwrap();
        assert!(status.success(), "vips icc_transform {profile}");
    }
    let p3 = render(&dir.path().join("p3.jpg"));
    assert!(p3[0] < 40 && p3[1] > 230 && p3[2] < 40, "Display P3 back to sRGB green, got {p3:?}");
    // A proofing CMYK profile cannot hold pure green; vips' own round trip is the oracle.
    let cmyk = render(&dir.path().join("cmyk.jpg"));
    let lab = dir.path().join("lab.v");
    let back = dir.path().join("back.png");
    let run = |args: &[&std::ffi::OsStr]| assert!(Command::new("vips").args(args).status().unwrap().success());
    run(&["icc_import".as_ref(), dir.path().join("cmyk.jpg").as_os_str(), lab.as_os_str(), "--embedded".as_ref()]);
    run(&["colourspace".as_ref(), lab.as_os_str(), back.as_os_str(), "srgb".as_ref()]);
    let oracle = centre_pixel(&std::fs::read(&back).unwrap());
    for c in 0..3 {
        assert!(cmyk[c].abs_diff(oracle[c]) <= 16, "CMYK through its profile: ours {cmyk:?}, vips {oracle:?}");
    }
}
