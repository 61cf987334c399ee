//! Memory: the largest image accepted — a 196-megapixel PNG, as in the report of a 571 KB file
//! declaring 14,000 × 14,000 — is processed as a worker does (metadata, preview from the file,
//! thumbnail and hash from the preview) in a child process of its own, whose peak resident
//! memory (VmHWM, read by the child at the end) must stay under the 512 MiB goal.

use std::path::Path;
use std::process::Command;

use vellum_media::{
    dimensions, metadata, perceptual_hash, render, render_image, MediaType, PixelLimits, RenditionSpec,
};

/// Names the file the child process renders; the child test does nothing without it.
const CHILD: &str = "VELLUM_MEMORY_CHILD";
const GOAL_KIB: u64 = 512 * 1024;

/// A `w`×`h` RGB PNG written a row at a time: a dark top-left quarter, a gradient elsewhere.
fn write_png(path: &Path, w: u32, h: u32) {
    let file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut encoder = png::Encoder::new(file, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fastest);
    // Equal rows filter to zeros, which compress to almost nothing, quickly.
    encoder.set_filter(png::Filter::Up);
    let mut writer = encoder.write_header().unwrap();
    let mut stream = writer.stream_writer().unwrap();
    let row = |dark: bool| -> Vec<u8> {
        (0..w).flat_map(|x| if dark && x < w / 4 { [10, 10, 10] } else { [230, (x * 255 / w) as u8, 128] }).collect()
    };
    let (top, rest) = (row(true), row(false));
    for y in 0..h {
        std::io::Write::write_all(&mut stream, if y < h / 4 { &top } else { &rest }).unwrap();
    }
    stream.finish().unwrap();
}

fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap()
}

#[test]
fn a_196_megapixel_png_is_processed_in_under_512_mib() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("source");
    write_png(&path, 14_000, 14_000);
    let head = std::fs::read(&path).unwrap()[..64].to_vec();
    assert_eq!(vellum_media::check(&head, PixelLimits::default()), Ok(()), "accepted at upload");

    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "large::worker_child", "--include-ignored", "--nocapture", "--test-threads=1"])
        .env(CHILD, &path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let report = stdout.lines().find_map(|l| Some(l.split_once("worker:")?.1)).unwrap_or_else(|| panic!("{stdout}"));
    let field = |name: &str| -> u64 {
        report.split_whitespace().find_map(|f| f.strip_prefix(name)?.parse().ok()).unwrap_or_else(|| panic!("{report}"))
    };
    assert_eq!((field("width="), field("height=")), (14_000, 14_000), "{report}");
    assert_eq!((field("preview_w="), field("preview_h=")), (2048, 2048), "{report}");
    assert!(field("peak_kib=") < GOAL_KIB, "worker peak {} MiB is over the goal: {report}", field("peak_kib=") / 1024);
}

/// The worker's part, run by the test above in a child process.
#[test]
#[ignore = "run by a_196_megapixel_png_is_processed_in_under_512_mib in a process of its own"]
fn worker_child() {
    let Some(path) = std::env::var_os(CHILD) else { return };
    let path = Path::new(&path);
    let dir = path.parent().unwrap();
    let limits = PixelLimits::default();
    let info = metadata::extract_file(path, MediaType::Png).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let preview = runtime.block_on(render::render_file(path, dir, &RenditionSpec::preview(), limits)).unwrap();
    let thumbnail = render_image(&preview, &RenditionSpec::thumbnail(), limits).unwrap();
    perceptual_hash(&thumbnail, limits).unwrap();
    let (pw, ph) = dimensions(&preview).unwrap();
    // The dark quarter is still top-left.
    let rgb = super::support::decode_rgb(&preview);
    assert!(rgb.pixel(100, 100)[0] < 60 && rgb.pixel(2000, 2000)[0] > 150);
    println!(
        "worker: width={} height={} preview_w={pw} preview_h={ph} peak_kib={}",
        info.width.unwrap(),
        info.height.unwrap(),
        peak_kib()
    );
}
