//! Fixture makers for the integration tests: images from the `image` crate and libjpeg-turbo,
//! files tagged by exiftool, PDFs from Ghostscript; and the oracle helpers.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::Command;

use image::{DynamicImage, ImageFormat};
use serde_json::Value;
use vellum_media::MediaType;

/// Debian package that provides each external tool the tests use.
const PACKAGES: &[(&str, &str)] = &[
    ("exiftool", "libimage-exiftool-perl"),
    ("vips", "libvips-tools"),
    ("ffmpeg", "ffmpeg"),
    ("ffprobe", "ffmpeg"),
    ("gs", "ghostscript"),
    ("pdfinfo", "poppler-utils"),
    ("pdftotext", "poppler-utils"),
    ("soffice", "libreoffice-writer-nogui"),
];

/// Whether `name` is installed. Missing: fails under CI=true, otherwise skips with a note.
pub fn tool_available(name: &str) -> bool {
    if ["/usr/bin", "/bin", "/usr/local/bin"].iter().any(|d| Path::new(d).join(name).is_file()) {
        return true;
    }
    let package = PACKAGES.iter().find(|(t, _)| *t == name).map_or(name, |(_, p)| p);
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{name} is required by the vellum-media tests in CI: apt-get install {package}");
    }
    eprintln!("skipped: {name} is not installed (apt-get install {package})");
    false
}

/// A 640×480 picture: a dark square in the top-left quarter, bright elsewhere with gradients.
pub fn pattern(w: u32, h: u32) -> image::RgbImage {
    image::RgbImage::from_fn(w, h, |x, y| {
        if x < w / 4 && y < h / 4 {
            image::Rgb([10, 10, 10])
        } else {
            image::Rgb([230, (y * 255 / h) as u8, (x * 255 / w) as u8])
        }
    })
}

pub fn encode_jpeg(rgb: &[u8], w: u32, h: u32, quality: i32) -> Vec<u8> {
    let image = turbojpeg::Image {
        pixels: rgb,
        width: w as usize,
        pitch: w as usize * 3,
        height: h as usize,
        format: turbojpeg::PixelFormat::RGB,
    };
    turbojpeg::compress(image, quality, turbojpeg::Subsamp::Sub2x2).unwrap().to_vec()
}

pub fn jpeg_with_marker(w: u32, h: u32, quality: i32) -> Vec<u8> {
    encode_jpeg(pattern(w, h).as_raw(), w, h, quality)
}

fn write(img: DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// The same 640×480 picture as JPEG, 16-bit PNG, GIF, WebP and TIFF.
pub fn sample_images(_dir: &Path) -> Vec<(&'static str, Vec<u8>, MediaType)> {
    let rgb = pattern(640, 480);
    let rgb16 = DynamicImage::ImageRgb8(rgb.clone()).to_rgb16();
    vec![
        ("jpeg", jpeg_with_marker(640, 480, 90), MediaType::Jpeg),
        ("png16", write(DynamicImage::ImageRgb16(rgb16), ImageFormat::Png), MediaType::Png),
        (
            "gif",
            write(DynamicImage::ImageRgba8(DynamicImage::ImageRgb8(rgb.clone()).to_rgba8()), ImageFormat::Gif),
            MediaType::Gif,
        ),
        ("webp", write(DynamicImage::ImageRgb8(rgb.clone()), ImageFormat::WebP), MediaType::Webp),
        ("tiff", write(DynamicImage::ImageRgb8(rgb), ImageFormat::Tiff), MediaType::Tiff),
    ]
}

pub fn encode_png_rgba(img: &image::RgbaImage) -> Vec<u8> {
    write(DynamicImage::ImageRgba8(img.clone()), ImageFormat::Png)
}

/// Decoded JPEG pixels for spot checks.
pub struct Rgb {
    pub width: usize,
    pub data: Vec<u8>,
}

impl Rgb {
    pub fn pixel(&self, x: usize, y: usize) -> [u8; 3] {
        let at = (y * self.width + x) * 3;
        [self.data[at], self.data[at + 1], self.data[at + 2]]
    }
}

pub fn decode_rgb(jpeg: &[u8]) -> Rgb {
    let img = turbojpeg::decompress(jpeg, turbojpeg::PixelFormat::RGB).unwrap();
    Rgb { width: img.width, data: img.pixels }
}

pub fn run_ok_args(program: &str, args: &[&OsStr]) {
    let out = Command::new(program).args(args).output().unwrap();
    assert!(out.status.success(), "{program} failed: {}", String::from_utf8_lossy(&out.stderr));
}

pub fn run_ok(program: &str, args: &[&str], file: &Path) {
    let mut all: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    all.push(file.as_os_str());
    run_ok_args(program, &all);
}

/// Orientation 6 plus camera, GPS, IPTC and XMP tags, written by exiftool.
pub fn tag_photo(path: &Path) {
    run_ok(
        "exiftool",
        &[
            "-q",
            "-overwrite_original",
            "-Orientation#=6",
            "-Make=Canon",
            "-Model=Canon EOS R5",
            "-DateTimeOriginal=2024:05:06 07:08:09",
            "-ExposureTime=1/250",
            "-FNumber=2.8",
            "-ISO=200",
            "-FocalLength=50",
            "-LensModel=RF50mm F1.8 STM",
            "-GPSLatitude=33.8688",
            "-GPSLatitudeRef=S",
            "-GPSLongitude=151.2093",
            "-GPSLongitudeRef=E",
            "-GPSAltitude=58.5",
            "-GPSAltitudeRef=0",
            "-IPTC:By-line=Jane Doe",
            "-IPTC:Keywords=beach",
            "-IPTC:Keywords=summer",
            "-IPTC:CopyrightNotice=(c) ACME Corp",
            "-IPTC:Credit=ACME Photo",
            "-IPTC:Caption-Abstract=Sunset at the beach",
            "-IPTC:ObjectName=Sunset",
            "-XMP-dc:Creator=Jane Doe",
            "-XMP-dc:Rights=(c) 2024 ACME Corp",
            "-XMP-dc:Description=Sunset at the beach",
            "-XMP-dc:Subject=beach",
            "-XMP-dc:Subject=summer",
            "-XMP-photoshop:Credit=ACME Photo",
            "-XMP-xmpRights:UsageTerms=Web only",
        ],
        path,
    );
}

/// `exiftool -json <flags> file`, first (only) object.
pub fn exiftool_json(path: &Path, flags: &[&str]) -> Value {
    let out = Command::new("exiftool").arg("-json").args(flags).arg(path).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v[0].clone()
}

/// Same value, allowing exiftool's habits: a one-item list printed as a scalar, numbers to 1e-9.
pub fn assert_same(ours: &Value, theirs: &Value, label: &str) {
    let theirs_list = match theirs {
        Value::Array(a) => a.clone(),
        other => vec![other.clone()],
    };
    let ours_list = match ours {
        Value::Array(a) => a.clone(),
        other => vec![other.clone()],
    };
    assert_eq!(ours_list.len(), theirs_list.len(), "{label}: {ours} vs exiftool {theirs}");
    for (a, b) in ours_list.iter().zip(&theirs_list) {
        match (a.as_f64(), b.as_f64()) {
            (Some(x), Some(y)) => assert!((x - y).abs() <= 1e-9 * y.abs().max(1.0), "{label}: {a} vs exiftool {b}"),
            _ => assert_eq!(a, b, "{label}"),
        }
    }
}

/// A PNG whose IHDR declares `w`×`h` with one tiny IDAT: a decompression bomb's header.
pub fn png_bomb(w: u32, h: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    chunk(&mut out, b"IEND", &[]);
    out
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = 0xFFFF_FFFFu32;
    for &b in kind.iter().chain(data) {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    out.extend_from_slice(&(!crc).to_be_bytes());
}

/// A 3-page A4 PDF with a title and author, written by Ghostscript from PostScript.
pub fn make_pdf(dir: &Path) -> PathBuf {
    let ps = dir.join("doc.ps");
    let pdf = dir.join("doc.pdf");
    std::fs::write(
        &ps,
        "%!PS\n[ /Title (Quarterly Report) /Author (Ana Ruiz) /DOCINFO pdfmark\n\
         /Helvetica findfont 24 scalefont setfont\n\
         72 720 moveto (Page one) show showpage\n\
         72 720 moveto (Page two) show showpage\n\
         72 720 moveto (Page three) show showpage\n",
    )
    .unwrap();
    let mut output = std::ffi::OsString::from("-sOutputFile=");
    output.push(&pdf);
    run_ok_args(
        "gs",
        &[
            OsStr::new("-q"),
            OsStr::new("-dSAFER"),
            OsStr::new("-dBATCH"),
            OsStr::new("-dNOPAUSE"),
            OsStr::new("-sDEVICE=pdfwrite"),
            OsStr::new("-dDEVICEWIDTHPOINTS=595"),
            OsStr::new("-dDEVICEHEIGHTPOINTS=842"),
            OsStr::new("-dFIXEDMEDIA"),
            &output,
            ps.as_os_str(),
        ],
    );
    pdf
}
