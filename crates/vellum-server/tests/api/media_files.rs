//! Media of every kind a marketing team sends, made by the tests with real tools, through
//! processing and out as renditions: PDFs and their pages, office documents, video with its
//! poster, filmstrip and proxy (exact frame rate), audio waveforms, HEIC, SVG and EPS.

use std::{path::Path, process::Command};

use axum::{
    body::Body,
    http::{header, Method, Request, StatusCode},
};

use serde_json::json;

use crate::{harness::TestApp, on_both};

pub(crate) fn tool(name: &str) -> bool {
    let found =
        Command::new("sh").args(["-c", &format!("command -v {name}")]).output().is_ok_and(|o| o.status.success());
    if !found && vellum_store::testing::in_ci() {
        panic!("{name} is required in CI");
    }
    if !found {
        eprintln!("skipping: {name} is not installed");
    }
    found
}

pub(crate) fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
}

pub(crate) fn pdf(dir: &Path, pages: usize) -> Vec<u8> {
    let mut ps = String::from("%!PS\n/Helvetica findfont 48 scalefont setfont\n");
    for k in 1..=pages {
        ps.push_str(&format!("72 400 moveto (Page {k}) show showpage\n"));
    }
    std::fs::write(dir.join("doc.ps"), ps).unwrap();
    run(Command::new("gs")
        .args(["-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pdfwrite", "-sPAPERSIZE=a4"])
        .arg(format!("-sOutputFile={}", dir.join("doc.pdf").display()))
        .arg(dir.join("doc.ps")));
    std::fs::read(dir.join("doc.pdf")).unwrap()
}

fn ffmpeg(dir: &Path, args: &[&str], out: &str) -> Vec<u8> {
    run(Command::new("ffmpeg").args(["-v", "error"]).args(args).arg("-y").arg(dir.join(out)));
    std::fs::read(dir.join(out)).unwrap()
}

pub(crate) async fn upload(app: &TestApp, token: &str, kind: &str, name: &str, bytes: &[u8]) -> String {
    let r = app.upload("/api/v1/workspaces/files/assets", token, &[("kind", kind)], Some((name, bytes))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json());
    r.json()["id"].as_str().unwrap().to_string()
}

pub(crate) async fn process(app: &TestApp) {
    while let Some(run) = app.core.run_one_job("test-worker", &vellum_core::jobs::QUEUES).await.unwrap() {
        assert!(run.outcome.is_ok(), "{}: {:?}", run.job.kind, run.outcome);
    }
}

async fn version(app: &TestApp, token: &str, id: &str) -> serde_json::Value {
    app.get(&format!("/api/v1/assets/{id}/versions/1"), token).await.json()
}

async fn ok(app: &TestApp, token: &str, path: &str, content_type: &str) -> Vec<u8> {
    let r = app.get(path, token).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {:?}", r.json());
    assert_eq!(r.headers[header::CONTENT_TYPE], content_type, "{path}");
    r.body
}

async fn setup(app: &TestApp) -> String {
    let (uid, token) = app.user("Mia").await;
    app.workspace("files", &[(&uid, "creator")]).await;
    token
}

async fn pdfs_get_a_page_each(app: &TestApp) {
    if !tool("gs") || !tool("pdftoppm") {
        return;
    }
    let token = setup(app).await;
    let dir = tempfile::tempdir().unwrap();
    let id = upload(app, &token, "written", "leaflet.pdf", &pdf(dir.path(), 3)).await;
    assert_eq!(app.get(&format!("/api/v1/assets/{id}/versions/1/pages/1"), &token).await.status, StatusCode::ACCEPTED);
    process(app).await;
    let v = version(app, &token, &id).await;
    assert_eq!((v["processing"].as_str(), v["media"]["page_count"].as_u64()), (Some("done"), Some(3)), "{v}");
    let hashes = v["media"]["page_phashes"].as_array().unwrap();
    assert_eq!(hashes.len(), 3, "a perceptual hash per page");
    let bits = |h: &serde_json::Value| u64::from_str_radix(h.as_str().unwrap(), 16).unwrap();
    assert!((bits(&v["media"]["phash"]) ^ bits(&hashes[0])).count_ones() <= 4, "page 1 looks like the document");
    for k in 1..=3 {
        let page = ok(app, &token, &format!("/api/v1/assets/{id}/versions/1/pages/{k}"), "image/jpeg").await;
        let (w, h) = vellum_media::header::dimensions(&page).unwrap();
        assert_eq!(w.max(h), 2048, "page {k}");
        assert!(h > w, "A4 is portrait");
    }
    let past = app.get(&format!("/api/v1/assets/{id}/versions/1/pages/4"), &token).await;
    assert_eq!((past.status, past.code().as_str()), (StatusCode::NOT_FOUND, "rendition_not_available"));
    ok(app, &token, &format!("/api/v1/assets/{id}/versions/1/renditions/thumbnail"), "image/jpeg").await;
}

async fn video_gets_poster_filmstrip_and_an_exact_rate_proxy(app: &TestApp) {
    if !tool("ffmpeg") || !tool("ffprobe") {
        return;
    }
    let token = setup(app).await;
    let dir = tempfile::tempdir().unwrap();
    let clip = ffmpeg(
        dir.path(),
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x240:rate=30000/1001",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:sample_rate=48000",
            "-t",
            "2",
            "-c:v",
            "mpeg4",
            "-q:v",
            "5",
            "-c:a",
            "aac",
            "-shortest",
        ],
        "clip.mov",
    );
    let id = upload(app, &token, "video", "clip.mov", &clip).await;
    process(app).await;
    let v = version(app, &token, &id).await;
    assert_eq!(v["media"]["frame_rate"], "30000/1001", "{v}");
    assert_eq!(v["media"]["codec"], "mpeg4");
    assert_eq!(v["media"]["audio_channels"], 1);
    assert!((v["media"]["duration_seconds"].as_f64().unwrap() - 2.0).abs() < 0.1);
    let poster = ok(app, &token, &format!("/api/v1/assets/{id}/versions/1/renditions/poster"), "image/jpeg").await;
    assert_eq!(vellum_media::header::dimensions(&poster), Some((320, 240)));
    let strip = ok(app, &token, &format!("/api/v1/assets/{id}/versions/1/renditions/filmstrip"), "image/jpeg").await;
    assert_eq!(vellum_media::header::dimensions(&strip), Some((1600, 120)), "ten 160 px frames");
    let proxy = ok(app, &token, &format!("/api/v1/assets/{id}/versions/1/renditions/proxy"), "video/mp4").await;
    std::fs::write(dir.path().join("proxy.mp4"), &proxy).unwrap();
    let probe = Command::new("ffprobe")
        .args(["-v", "error", "-show_entries", "stream=codec_name,r_frame_rate", "-of", "csv=p=0"])
        .arg(dir.path().join("proxy.mp4"))
        .output()
        .unwrap();
    let streams = String::from_utf8_lossy(&probe.stdout).to_string();
    assert!(streams.contains("h264,30000/1001"), "{streams}");
    assert!(streams.contains("aac"), "{streams}");
    // Players seek with ranges.
    let part = app
        .raw(
            Request::builder()
                .method(Method::GET)
                .uri(format!("/api/v1/assets/{id}/versions/1/renditions/proxy"))
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::RANGE, "bytes=0-99")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(part.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.body, proxy[..100]);
}

async fn audio_gets_a_waveform(app: &TestApp) {
    if !tool("ffmpeg") {
        return;
    }
    let token = setup(app).await;
    let dir = tempfile::tempdir().unwrap();
    let tone = ffmpeg(
        dir.path(),
        &["-f", "lavfi", "-i", "sine=frequency=220:sample_rate=44100", "-t", "1", "-ac", "2"],
        "tone.wav",
    );
    let id = upload(app, &token, "video", "tone.wav", &tone).await;
    process(app).await;
    let v = version(app, &token, &id).await;
    assert_eq!(v["media"]["audio_channels"], 2, "{v}");
    let wave = ok(app, &token, &format!("/api/v1/assets/{id}/versions/1/renditions/waveform"), "image/png").await;
    assert_eq!(vellum_media::header::dimensions(&wave), Some((1200, 240)));
    let poster = app.get(&format!("/api/v1/assets/{id}/versions/1/renditions/poster"), &token).await;
    assert_eq!(poster.code(), "rendition_not_available");
}

async fn svg_and_eps_are_rasterised_safely(app: &TestApp) {
    if !tool("rsvg-convert") || !tool("gs") {
        return;
    }
    let token = setup(app).await;
    let svg = br##"<svg xmlns="http://www.w3.org/2000/svg" width="300" height="150"><rect width="300" height="150" fill="#c33"/><image href="file:///etc/passwd"/><script>alert(1)</script></svg>"##;
    let id = upload(app, &token, "visual", "logo.svg", svg).await;
    let eps = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 200 100\n0 0 1 setrgbcolor 0 0 200 100 rectfill showpage\n%%EOF\n";
    let eid = upload(app, &token, "design_source", "mark.eps", eps).await;
    process(app).await;
    let thumb = ok(app, &token, &format!("/api/v1/assets/{id}/versions/1/renditions/thumbnail"), "image/jpeg").await;
    assert_eq!(vellum_media::header::dimensions(&thumb), Some((400, 200)));
    let file = app.get(&format!("/api/v1/assets/{id}/versions/1/file"), &token).await;
    assert!(
        file.headers[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("attachment"),
        "SVG is never inline"
    );
    assert!(file.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap().contains("sandbox"));
    ok(app, &token, &format!("/api/v1/assets/{eid}/versions/1/renditions/thumbnail"), "image/jpeg").await;
    assert_eq!(version(app, &token, &eid).await["processing"], "done");
}

async fn heic_photos_are_converted(app: &TestApp) {
    if !tool("heif-enc") || !tool("heif-convert") || !tool("ffmpeg") {
        return;
    }
    let token = setup(app).await;
    let dir = tempfile::tempdir().unwrap();
    ffmpeg(dir.path(), &["-f", "lavfi", "-i", "testsrc=size=640x480", "-frames:v", "1"], "src.jpg");
    run(Command::new("heif-enc").arg(dir.path().join("src.jpg")).arg("-o").arg(dir.path().join("photo.heic")));
    let heic = std::fs::read(dir.path().join("photo.heic")).unwrap();
    let id = upload(app, &token, "visual", "photo.heic", &heic).await;
    process(app).await;
    let v = version(app, &token, &id).await;
    assert_eq!((v["media"]["width"].as_u64(), v["media"]["height"].as_u64()), (Some(640), Some(480)), "{v}");
    ok(app, &token, &format!("/api/v1/assets/{id}/versions/1/renditions/preview"), "image/jpeg").await;
}

async fn office_documents_become_pdf_pages(app: &TestApp) {
    if !tool("soffice") {
        return;
    }
    let token = setup(app).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("brief.html"), "<h1>Spring brief</h1><p>Audience: savers.</p>").unwrap();
    // Made the way workers convert (one LibreOffice at a time on this host, retried on a
    // crash): two LibreOffices starting at once on fresh profiles is what once failed CI here.
    let made = vellum_media::external::office_convert(
        &dir.path().join("brief.html"),
        dir.path(),
        "docx:MS Word 2007 XML",
        "docx",
    )
    .await
    .unwrap();
    let docx = std::fs::read(made).unwrap();
    let id = upload(app, &token, "written", "brief.docx", &docx).await;
    process(app).await;
    let v = version(app, &token, &id).await;
    assert_eq!((v["processing"].as_str(), v["media"]["page_count"].as_u64()), (Some("done"), Some(1)), "{v}");
    ok(app, &token, &format!("/api/v1/assets/{id}/versions/1/pages/1"), "image/jpeg").await;
    let pdf = app.get(&format!("/api/v1/assets/{id}/versions/1/renditions/pdf"), &token).await;
    assert_eq!(pdf.headers[header::CONTENT_TYPE], "application/pdf");
    assert!(pdf.headers[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("attachment"));
    assert!(pdf.body.starts_with(b"%PDF"));
}

async fn look_alikes_are_reported_and_gps_is_kept_only_when_allowed(app: &TestApp) {
    if !tool("ffmpeg") || !tool("exiftool") {
        return;
    }
    let token = setup(app).await;
    let dir = tempfile::tempdir().unwrap();
    let a = ffmpeg(dir.path(), &["-f", "lavfi", "-i", "testsrc=size=800x600", "-frames:v", "1", "-q:v", "2"], "a.jpg");
    let b = ffmpeg(dir.path(), &["-f", "lavfi", "-i", "testsrc=size=800x600", "-frames:v", "1", "-q:v", "12"], "b.jpg");
    assert_ne!(a, b);
    run(Command::new("exiftool")
        .args([
            "-q",
            "-overwrite_original",
            "-GPSLatitude=51.5",
            "-GPSLatitudeRef=N",
            "-GPSLongitude=0.12",
            "-GPSLongitudeRef=W",
        ])
        .arg(dir.path().join("b.jpg")));
    let b = std::fs::read(dir.path().join("b.jpg")).unwrap();
    let first = upload(app, &token, "visual", "a.jpg", &a).await;
    process(app).await;
    let second = upload(app, &token, "visual", "b.jpg", &b).await;
    process(app).await;
    let v = version(app, &token, &second).await;
    let near = v["media"]["near_duplicates"].as_array().unwrap();
    assert_eq!(near[0]["asset_id"], first, "{v}");
    assert_eq!(near[0]["version"], 1);
    assert!(v["media"]["gps"].is_null(), "GPS is dropped unless the workspace keeps it: {v}");

    let denied = app
        .send(
            Method::PATCH,
            "/api/v1/workspaces/files",
            crate::harness::Auth::Bearer(&token),
            Some(serde_json::json!({"keep_gps": true})),
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    let on = app
        .send(
            Method::PATCH,
            "/api/v1/workspaces/files",
            crate::harness::Auth::Bearer(&app.admin),
            Some(serde_json::json!({"keep_gps": true})),
        )
        .await;
    assert_eq!(on.json()["keep_gps"], true, "{:?}", on.json());
    let mut c = ffmpeg(dir.path(), &["-f", "lavfi", "-i", "testsrc2=size=640x480", "-frames:v", "1"], "c.jpg");
    run(Command::new("exiftool")
        .args([
            "-q",
            "-overwrite_original",
            "-GPSLatitude=48.85",
            "-GPSLatitudeRef=N",
            "-GPSLongitude=2.35",
            "-GPSLongitudeRef=E",
        ])
        .arg(dir.path().join("c.jpg")));
    c = std::fs::read(dir.path().join("c.jpg")).unwrap_or(c);
    let third = upload(app, &token, "visual", "c.jpg", &c).await;
    process(app).await;
    let v = version(app, &token, &third).await;
    assert!((v["media"]["gps"]["latitude"].as_f64().unwrap() - 48.85).abs() < 1e-6, "{v}");
    assert!(v["media"]["near_duplicates"].as_array().unwrap().is_empty(), "a different picture: {v}");
}

/// A minimal Photoshop file: 3 RGB channels, raw composite of one colour.
fn psd(width: u32, height: u32, rgb: [u8; 3]) -> Vec<u8> {
    let mut b = b"8BPS".to_vec();
    b.extend_from_slice(&1u16.to_be_bytes());
    b.extend_from_slice(&[0; 6]);
    b.extend_from_slice(&3u16.to_be_bytes());
    b.extend_from_slice(&height.to_be_bytes());
    b.extend_from_slice(&width.to_be_bytes());
    b.extend_from_slice(&8u16.to_be_bytes());
    b.extend_from_slice(&3u16.to_be_bytes());
    b.extend_from_slice(&[0; 12]);
    b.extend_from_slice(&0u16.to_be_bytes());
    for c in rgb {
        b.extend(std::iter::repeat_n(c, (width * height) as usize));
    }
    b
}

async fn photoshop_files_are_flattened(app: &TestApp) {
    let token = setup(app).await;
    let id = upload(app, &token, "design_source", "layout.psd", &psd(300, 200, [30, 120, 200])).await;
    process(app).await;
    let v = version(app, &token, &id).await;
    assert_eq!((v["media"]["width"].as_u64(), v["media"]["height"].as_u64()), (Some(300), Some(200)), "{v}");
    let thumb = ok(app, &token, &format!("/api/v1/assets/{id}/versions/1/renditions/thumbnail"), "image/jpeg").await;
    assert_eq!(vellum_media::header::dimensions(&thumb), Some((300, 200)));
    let mut bomb = psd(1, 1, [0, 0, 0]);
    bomb[14..22].copy_from_slice(&[0, 1, 0x86, 0xa0, 0, 1, 0x86, 0xa0]);
    let r = app
        .upload("/api/v1/workspaces/files/assets", &token, &[("kind", "design_source")], Some(("bomb.psd", &bomb)))
        .await;
    assert_eq!(r.code(), "image_too_large");
}

/// Comments on page 3 of a PDF and on a frame range of a 29.97 fps clip whose timecode starts
/// at 01:00:00;00: anchors are checked against what processing found, and the JSON carries the
/// drop-frame timecode of the frames.
async fn comments_point_at_pages_and_frames(app: &TestApp) {
    if !tool("gs") || !tool("ffmpeg") || !tool("ffprobe") {
        return;
    }
    let token = setup(app).await;
    let dir = tempfile::tempdir().unwrap();
    let doc = upload(app, &token, "written", "leaflet.pdf", &pdf(dir.path(), 4)).await;
    let args = [
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=64x48:rate=30000/1001",
        "-t",
        "62",
        "-c:v",
        "mpeg4",
        "-q:v",
        "10",
        "-timecode",
        "01:00:00;00",
    ];
    let clip = upload(app, &token, "video", "spot.mov", &ffmpeg(dir.path(), &args, "spot.mov")).await;
    process(app).await;

    let on_doc = format!("/api/v1/assets/{doc}/versions/1/comments");
    let page3 = json!({"body": "Typo in the second paragraph", "anchor": {"page": 3,
        "shape": {"type": "ellipse", "points": [[0.2, 0.3], [0.5, 0.4]]}}});
    let made = app.post(&on_doc, Some(&token), page3).await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.json());
    assert_eq!(made.json()["anchor"]["page"], 3);
    let past = app.post(&on_doc, Some(&token), json!({"body": "x", "anchor": {"page": 5}})).await;
    assert_eq!(past.code(), "invalid_anchor");
    let listed = app.get(&format!("{on_doc}?page=3"), &token).await.json();
    assert_eq!(listed["comments"].as_array().unwrap().len(), 1);

    let v = version(app, &token, &clip).await;
    assert_eq!(v["media"]["start_timecode"], "01:00:00;00", "{v}");
    let on_clip = format!("/api/v1/assets/{clip}/versions/1/comments");
    let range = json!({"body": "Flash frame", "anchor": {"frame": 1800, "frame_end": 1830,
        "shape": {"type": "point", "points": [[0.5, 0.5]]}}});
    let made = app.post(&on_clip, Some(&token), range).await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.json());
    assert_eq!(made.json()["timecode"], "01:01:00;02");
    assert_eq!(made.json()["timecode_end"], "01:01:01;02");
    let beyond = app.post(&on_clip, Some(&token), json!({"body": "x", "anchor": {"frame": 100_000}})).await;
    assert_eq!(beyond.code(), "invalid_anchor");
    let on_page = app.post(&on_clip, Some(&token), json!({"body": "x", "anchor": {"page": 1}})).await;
    assert_eq!(on_page.code(), "invalid_anchor");
}

on_both!(
    comments_point_at_pages_and_frames,
    photoshop_files_are_flattened,
    look_alikes_are_reported_and_gps_is_kept_only_when_allowed,
    office_documents_become_pdf_pages,
    pdfs_get_a_page_each,
    video_gets_poster_filmstrip_and_an_exact_rate_proxy,
    audio_gets_a_waveform,
    svg_and_eps_are_rasterised_safely,
    heic_photos_are_converted,
);
