//! Stamped downloads read back by exiftool (the independent oracle): the XMP fields are there,
//! and EXIF, IPTC, pixels and pages are what the original had.

use std::ffi::OsStr;
use std::path::Path;

use serde_json::Value;
use vellum_media::stamp::{plan, write, FileSource, Record};

use crate::support::*;

fn record() -> Record {
    Record {
        asset_id: "0190f5d2-0000-7000-8000-00000000abcd".into(),
        version: 4,
        original_sha256: "cd".repeat(32),
        rights: Some("Licensed from Acme Photo (rights-managed)".into()),
        usage_terms: Some("Web and print in AU & NZ until 2027".into()),
        web_statement: Some("https://dam.example.com/p/tok/original.jpg".into()),
        licensor: Some("Acme Photo".into()),
        licence_start: Some("2026-01-01".into()),
        licence_end: Some("2027-12-31".into()),
        approved_at: Some("2026-11-30T10:00:00Z".into()),
        approvers: vec!["Legal: Ana Silva".into(), "Brand: Bo Berg, Cy Diaz".into()],
        audit_event: Some("workspace-chain#42".into()),
        ..Record::default()
    }
}

/// Stamps `original` into `out` (as a server would stream it).
fn stamp(original: &Path, content_type: &str, out: &Path) {
    let mut src = FileSource::open(original).unwrap();
    let p = plan(content_type, &mut src, &record()).unwrap();
    let mut f = std::fs::File::create(out).unwrap();
    write(&p, &mut src, &mut f).unwrap();
    assert_eq!(std::fs::metadata(out).unwrap().len(), p.size());
}

fn assert_stamp(meta: &Value, label: &str) {
    assert_eq!(meta["XMP-vellum:AssetId"], "0190f5d2-0000-7000-8000-00000000abcd", "{label}: {meta}");
    assert_eq!(meta["XMP-vellum:Version"], 4, "{label}");
    assert_eq!(meta["XMP-vellum:OriginalSha256"], "cd".repeat(32), "{label}");
    // exiftool shows any date in its own form.
    assert_eq!(meta["XMP-vellum:ApprovedAt"], "2026:11:30 10:00:00Z", "{label}");
    assert_eq!(
        meta["XMP-vellum:Approvers"],
        serde_json::json!(["Legal: Ana Silva", "Brand: Bo Berg, Cy Diaz"]),
        "{label}"
    );
    assert_eq!(meta["XMP-vellum:AuditEvent"], "workspace-chain#42", "{label}");
    assert_eq!(meta["XMP-dc:Rights"], "Licensed from Acme Photo (rights-managed)", "{label}");
    assert_eq!(meta["XMP-xmpRights:UsageTerms"], "Web and print in AU & NZ until 2027", "{label}");
    assert_eq!(meta["XMP-xmpRights:WebStatement"], "https://dam.example.com/p/tok/original.jpg", "{label}");
    assert_eq!(meta["XMP-plus:LicensorName"], "Acme Photo", "{label}");
}

/// Every tag of a group, without the file-system ones that differ between two files.
fn group(meta: &Value, prefix: &str) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = meta
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| k.starts_with(prefix))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn a_stamped_jpeg_keeps_exif_iptc_and_pixels() {
    if !tool_available("exiftool") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let original = dir.path().join("photo.jpg");
    std::fs::write(&original, jpeg_with_marker(640, 480, 90)).unwrap();
    tag_photo(&original);
    let before = std::fs::read(&original).unwrap();
    let out = dir.path().join("stamped.jpg");
    stamp(&original, "image/jpeg", &out);
    assert_eq!(std::fs::read(&original).unwrap(), before, "the original is never changed");

    let theirs = exiftool_json(&out, &["-n", "-G1"]);
    assert_stamp(&theirs, "jpeg");
    let was = exiftool_json(&original, &["-n", "-G1"]);
    for g in ["IFD0:", "ExifIFD:", "GPS:", "IPTC:"] {
        assert_eq!(group(&theirs, g), group(&was, g), "{g} unchanged");
        assert!(!group(&was, g).is_empty(), "{g} was there to keep");
    }
    // What the file's own XMP said, and the stamp did not set, stays.
    assert_eq!(theirs["XMP-dc:Creator"], "Jane Doe");
    assert_eq!(decode_rgb(&std::fs::read(&out).unwrap()).data, decode_rgb(&before).data);
}

#[test]
fn stamped_png_and_tiff_carry_the_packet_and_the_same_pixels() {
    if !tool_available("exiftool") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let img = image::DynamicImage::ImageRgb8(pattern(64, 48));
    for (name, format, mime) in
        [("a.png", image::ImageFormat::Png, "image/png"), ("a.tif", image::ImageFormat::Tiff, "image/tiff")]
    {
        let original = dir.path().join(name);
        img.save_with_format(&original, format).unwrap();
        let out = dir.path().join(format!("stamped-{name}"));
        stamp(&original, mime, &out);
        assert_stamp(&exiftool_json(&out, &["-n", "-G1"]), name);
        let a = image::open(&original).unwrap().to_rgb8();
        let b = image::open(&out).unwrap().to_rgb8();
        assert_eq!(a.as_raw(), b.as_raw(), "{name}: pixels");
    }
}

#[test]
fn a_stamped_pdf_keeps_its_pages_and_reads_back() {
    if !tool_available("exiftool") || !tool_available("gs") || !tool_available("pdfinfo") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let original = make_pdf(dir.path());
    let out = dir.path().join("stamped.pdf");
    stamp(&original, "application/pdf", &out);
    assert_stamp(&exiftool_json(&out, &["-n", "-G1"]), "pdf");
    let info = std::process::Command::new("pdfinfo").arg(&out).output().unwrap();
    assert!(info.status.success(), "{}", String::from_utf8_lossy(&info.stderr));
    let text = String::from_utf8_lossy(&info.stdout);
    assert!(text.lines().any(|l| l.starts_with("Pages:") && l.ends_with(" 3")), "{text}");
    assert!(text.contains("Quarterly Report"), "the document info is kept: {text}");
    assert!(std::fs::read(&out).unwrap().starts_with(&std::fs::read(&original).unwrap()), "an incremental update");
}

#[test]
fn a_stamped_mp4_still_probes() {
    if !tool_available("exiftool") || !tool_available("ffmpeg") || !tool_available("ffprobe") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("clip.mp4");
    run_ok_args(
        "ffmpeg",
        &["-v", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25", "-t", "1", "-c:v", "mpeg4"]
            .map(OsStr::new)
            .into_iter()
            .chain([clip.as_os_str()])
            .collect::<Vec<_>>(),
    );
    let out = dir.path().join("stamped.mp4");
    stamp(&clip, "video/mp4", &out);
    assert_stamp(&exiftool_json(&out, &["-n", "-G1"]), "mp4");
    let probe = std::process::Command::new("ffprobe")
        .args(["-v", "error", "-count_frames", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&probe.stdout).trim(), "25");
}
