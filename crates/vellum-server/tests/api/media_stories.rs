//! Media processing through the public API: uploads enqueue a job in the same transaction,
//! a worker stepped by hand processes it, renditions answer 202 / 200 / 404 as they should,
//! hostile files fail with a reason, and admins can see and retry failed jobs.

use std::process::Command;

use axum::http::{header, StatusCode};
use serde_json::json;
use vellum_core::jobs::MEDIA_QUEUE;

use crate::{harness::TestApp, on_both};

/// A real JPEG made by ffmpeg (the test does not share code with the decoder under test).
pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("test.jpg");
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-f", "lavfi", "-i", &format!("testsrc=size={width}x{height}"), "-frames:v", "1", "-y"])
        .arg(&out)
        .status();
    match status {
        Ok(s) if s.success() => std::fs::read(out).unwrap(),
        _ if vellum_store::testing::in_ci() => panic!("ffmpeg is required in CI to make test images"),
        _ => Vec::new(),
    }
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for b in bytes {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A tiny, valid-looking PNG whose header declares `w`×`h` pixels.
pub fn png_declaring(w: u32, h: u32) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    png.extend_from_slice(&13u32.to_be_bytes());
    png.extend_from_slice(&ihdr);
    png.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    png.extend_from_slice(&[0, 0, 0, 0]);
    png.extend_from_slice(b"IEND");
    png.extend_from_slice(&crc32(b"IEND").to_be_bytes());
    png
}

/// One step of the media worker (notifications of the same uploads wait in their own queue).
async fn step(app: &TestApp) -> Option<vellum_core::jobs::JobRun> {
    app.core.run_one_job("test-worker", &[MEDIA_QUEUE]).await.unwrap()
}

async fn setup(app: &TestApp, slug: &str) -> String {
    let (uid, creator) = app.user(&format!("Maker{slug}")).await;
    app.workspace(slug, &[(&uid, "creator")]).await;
    creator
}

async fn images_are_probed_and_rendered_by_a_stepped_worker(app: &TestApp) {
    let creator = setup(app, "img").await;
    let photo = jpeg(640, 480);
    if photo.is_empty() {
        eprintln!("skipping: ffmpeg is not installed");
        return;
    }
    let r =
        app.upload("/api/v1/workspaces/img/assets", &creator, &[("kind", "visual")], Some(("photo.jpg", &photo))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json());
    let id = r.json()["id"].as_str().unwrap().to_string();
    let v = app.get(&format!("/api/v1/assets/{id}/versions/1"), &creator).await.json();
    assert_eq!(v["processing"], "pending");

    let early = app.get(&format!("/api/v1/assets/{id}/versions/1/renditions/thumbnail"), &creator).await;
    assert_eq!(early.status, StatusCode::ACCEPTED);
    assert!(early.headers.contains_key(header::RETRY_AFTER));

    let run = step(app).await.expect("the upload enqueued a job");
    assert!(run.outcome.is_ok(), "{:?}", run.outcome);
    assert_eq!(run.job.kind.as_str(), "process_version");
    assert!(step(app).await.is_none(), "one job per version");

    let v = app.get(&format!("/api/v1/assets/{id}/versions/1"), &creator).await.json();
    assert_eq!(v["processing"], "done", "{v}");
    assert_eq!((v["media"]["width"].as_u64(), v["media"]["height"].as_u64()), (Some(640), Some(480)));
    assert_eq!(v["media"]["mime"], "image/jpeg");
    assert!(v["media"]["phash"].is_string());

    let thumb = app.get(&format!("/api/v1/assets/{id}/versions/1/renditions/thumbnail"), &creator).await;
    assert_eq!(thumb.status, StatusCode::OK);
    assert_eq!(thumb.headers[header::CONTENT_TYPE], "image/jpeg");
    let (w, h) = vellum_media::header::dimensions(&thumb.body).unwrap();
    assert_eq!((w, h), (400, 300), "fits 400 px, keeps the aspect ratio");
    let preview = app.get(&format!("/api/v1/assets/{id}/versions/1/renditions/preview"), &creator).await;
    assert_eq!(vellum_media::header::dimensions(&preview.body), Some((640, 480)), "never upscaled");
    let missing = app.get(&format!("/api/v1/assets/{id}/versions/1/renditions/poster"), &creator).await;
    assert_eq!((missing.status, missing.code().as_str()), (StatusCode::NOT_FOUND, "rendition_not_available"));

    let jobs = app.get("/api/v1/workspaces/img/jobs?state=done", &app.admin).await.json();
    assert_eq!(jobs["jobs"].as_array().unwrap().len(), 1);
    assert_eq!(app.get("/api/v1/workspaces/img/jobs", &creator).await.status, StatusCode::FORBIDDEN);
}

async fn pixel_bombs_are_refused_before_anything_is_stored(app: &TestApp) {
    let creator = setup(app, "bomb").await;
    let bomb = png_declaring(100_000, 100_000);
    let r =
        app.upload("/api/v1/workspaces/bomb/assets", &creator, &[("kind", "visual")], Some(("bomb.png", &bomb))).await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "image_too_large"), "{:?}", r.json());
    let wide = png_declaring(60_000, 10);
    let r =
        app.upload("/api/v1/workspaces/bomb/assets", &creator, &[("kind", "visual")], Some(("wide.png", &wide))).await;
    assert_eq!(r.code(), "image_too_large");
    let list = app.get("/api/v1/workspaces/bomb/assets", &creator).await.json();
    assert_eq!(list["assets"], json!([]));
    assert!(step(app).await.is_none(), "no job was queued");
}

async fn corrupt_files_fail_with_a_reason_and_can_be_retried(app: &TestApp) {
    let creator = setup(app, "bad").await;
    let photo = jpeg(320, 240);
    if photo.is_empty() {
        eprintln!("skipping: ffmpeg is not installed");
        return;
    }
    let broken = &photo[..photo.len() / 3];
    let r = app
        .upload("/api/v1/workspaces/bad/assets", &creator, &[("kind", "visual")], Some(("broken.jpg", broken)))
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let id = r.json()["id"].as_str().unwrap().to_string();
    let run = step(app).await.unwrap();
    assert!(run.outcome.is_err());
    let v = app.get(&format!("/api/v1/assets/{id}/versions/1"), &creator).await.json();
    assert_eq!(v["processing"], "failed");
    assert!(v["processing_reason"].as_str().unwrap().contains("could not be decoded"), "{v}");
    let thumb = app.get(&format!("/api/v1/assets/{id}/versions/1/renditions/thumbnail"), &creator).await;
    assert_eq!((thumb.status, thumb.code().as_str()), (StatusCode::NOT_FOUND, "rendition_not_available"));

    let failed = app.get("/api/v1/workspaces/bad/jobs?state=failed", &app.admin).await.json();
    let job = failed["jobs"][0].clone();
    assert!(job["last_error"].as_str().unwrap().contains("could not be decoded"));
    let retried =
        app.post(&format!("/api/v1/jobs/{}/retry", job["id"].as_str().unwrap()), Some(&app.admin), json!({})).await;
    assert_eq!(retried.status, StatusCode::OK, "{:?}", retried.json());
    assert_eq!(retried.json()["state"], "queued");
    assert_eq!(app.get(&format!("/api/v1/assets/{id}/versions/1"), &creator).await.json()["processing"], "pending");
    let again =
        app.post(&format!("/api/v1/jobs/{}/retry", job["id"].as_str().unwrap()), Some(&app.admin), json!({})).await;
    assert_eq!((again.status, again.code().as_str()), (StatusCode::CONFLICT, "job_not_failed"));
    assert!(step(app).await.unwrap().outcome.is_err());
    let bad_state = app.get("/api/v1/workspaces/bad/jobs?state=stuck", &app.admin).await;
    assert_eq!(bad_state.code(), "invalid_state");
}

async fn other_files_are_processed_without_renditions(app: &TestApp) {
    let creator = setup(app, "txt").await;
    let r = app
        .upload(
            "/api/v1/workspaces/txt/assets",
            &creator,
            &[("kind", "written")],
            Some(("copy.txt", b"Spring sale: 20% off")),
        )
        .await;
    let id = r.json()["id"].as_str().unwrap().to_string();
    assert!(step(app).await.unwrap().outcome.is_ok());
    let v = app.get(&format!("/api/v1/assets/{id}/versions/1"), &creator).await.json();
    assert_eq!(v["processing"], "done");
    let thumb = app.get(&format!("/api/v1/assets/{id}/versions/1/renditions/thumbnail"), &creator).await;
    assert_eq!(thumb.code(), "rendition_not_available");
}

async fn a_lost_claim_completes_exactly_once(app: &TestApp) {
    use vellum_domain::Timestamp;
    use vellum_store::jobs;
    let creator = setup(app, "once").await;
    let photo = jpeg(200, 100);
    if photo.is_empty() {
        return;
    }
    app.upload("/api/v1/workspaces/once/assets", &creator, &[("kind", "visual")], Some(("p.jpg", &photo))).await;
    // A worker claims the job and dies without a word.
    let mut tx = app.core.store.write().await.unwrap();
    let dead = jobs::claim(&mut tx, "media", "dead-worker", Timestamp::now()).await.unwrap().unwrap();
    tx.commit().await.unwrap();
    assert!(step(app).await.is_none(), "a claimed job is not handed out twice");
    // Its heartbeat goes stale; the sweep puts the job back and another worker finishes it.
    let later = Timestamp::from_unix(Timestamp::now().unix_seconds() + 3600).unwrap();
    let mut tx = app.core.store.write().await.unwrap();
    assert_eq!(jobs::requeue_stale(&mut tx, later, Timestamp::now()).await.unwrap(), 1);
    tx.commit().await.unwrap();
    let run = step(app).await.unwrap();
    assert!(run.outcome.is_ok() && run.recorded);
    assert_eq!(run.job.attempts, 2);
    // The dead worker wakes up: its result is refused.
    let mut tx = app.core.store.write().await.unwrap();
    assert!(!jobs::complete(&mut tx, dead.id, "dead-worker", Timestamp::now()).await.unwrap());
    tx.commit().await.unwrap();
    let done = app.get("/api/v1/workspaces/once/jobs?state=done", &app.admin).await.json();
    assert_eq!(done["jobs"].as_array().unwrap().len(), 1);
}

async fn presets_are_made_on_first_request_and_follow_the_focal_point(app: &TestApp) {
    let creator = setup(app, "pre").await;
    let photo = jpeg(2400, 1200);
    if photo.is_empty() {
        return;
    }
    let r =
        app.upload("/api/v1/workspaces/pre/assets", &creator, &[("kind", "visual")], Some(("wide.jpg", &photo))).await;
    let id = r.json()["id"].as_str().unwrap().to_string();
    let url = |name: &str| format!("/api/v1/assets/{id}/versions/1/renditions/{name}");
    // Before processing, a preset is pending like everything else.
    assert_eq!(app.get(&url("instagram_square"), &creator).await.status, StatusCode::ACCEPTED);
    assert!(step(app).await.unwrap().outcome.is_ok());

    let builtin = app.get("/api/v1/workspaces/pre/presets/instagram_square", &creator).await.json();
    assert_eq!(
        (builtin["width"].as_u64(), builtin["height"].as_u64(), builtin["built_in"].as_bool()),
        (Some(1080), Some(1080), Some(true))
    );
    let first = app.get(&url("instagram_square"), &creator).await;
    assert_eq!(first.status, StatusCode::ACCEPTED, "made on first request");
    assert_eq!(app.get(&url("instagram_square"), &creator).await.status, StatusCode::ACCEPTED, "queued once");
    let run = step(app).await.unwrap();
    assert_eq!(run.job.kind.as_str(), "render_rendition");
    assert!(run.outcome.is_ok(), "{:?}", run.outcome);
    assert!(step(app).await.is_none(), "asking twice did not queue the work twice");
    let square = app.get(&url("instagram_square"), &creator).await;
    assert_eq!(square.status, StatusCode::OK);
    assert_eq!(vellum_media::header::dimensions(&square.body), Some((1080, 1080)));

    // A workspace preset of its own, as PNG.
    let put = app
        .put(
            "/api/v1/workspaces/pre/presets/web_banner",
            &app.admin,
            json!({"width": 600, "height": 200, "fit": "cover", "format": "png", "quality": 90}),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{:?}", put.json());
    assert_eq!(put.json()["built_in"], false);
    assert_eq!(app.get(&url("web_banner"), &creator).await.status, StatusCode::ACCEPTED);
    step(app).await.unwrap();
    let banner = app.get(&url("web_banner"), &creator).await;
    assert_eq!(banner.headers[header::CONTENT_TYPE], "image/png");
    assert_eq!(vellum_media::header::dimensions(&banner.body), Some((600, 200)));
    let list = app.get("/api/v1/workspaces/pre/presets", &creator).await.json();
    let names: Vec<&str> = list["presets"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"web_banner") && names.contains(&"og_image") && names.contains(&"email_hero"));

    // Moving the focal point makes a new crop that keeps the subject.
    let focal =
        app.put(&format!("/api/v1/assets/{id}/versions/1/focal-point"), &creator, json!({"x": 0.05, "y": 0.5})).await;
    assert_eq!(focal.status, StatusCode::OK, "{:?}", focal.json());
    assert_eq!(focal.json()["focal_point"], json!({"x": 0.05, "y": 0.5}));
    assert_eq!(app.get(&url("instagram_square"), &creator).await.status, StatusCode::ACCEPTED);
    step(app).await.unwrap();
    let moved = app.get(&url("instagram_square"), &creator).await;
    assert_eq!(moved.status, StatusCode::OK);
    assert_ne!(moved.headers[header::ETAG], square.headers[header::ETAG], "a different crop");

    // Bad input and roles.
    let reserved = app
        .put("/api/v1/workspaces/pre/presets/thumbnail", &app.admin, json!({"width": 10, "height": 10, "fit": "cover"}))
        .await;
    assert_eq!((reserved.status, reserved.code().as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_preset"));
    let huge =
        app.put("/api/v1/workspaces/pre/presets/huge", &app.admin, json!({"width": 100000, "fit": "cover"})).await;
    assert_eq!(huge.code(), "invalid_preset");
    let fit = app.put("/api/v1/workspaces/pre/presets/odd", &app.admin, json!({"width": 10, "fit": "stretch"})).await;
    assert_eq!(fit.status, StatusCode::UNPROCESSABLE_ENTITY);
    let creator_put =
        app.put("/api/v1/workspaces/pre/presets/mine", &creator, json!({"width": 10, "fit": "cover"})).await;
    assert_eq!(creator_put.status, StatusCode::FORBIDDEN);
    let outside =
        app.put(&format!("/api/v1/assets/{id}/versions/1/focal-point"), &creator, json!({"x": 1.5, "y": 0.5})).await;
    assert_eq!(outside.code(), "invalid_focal_point");
    let unknown = app.get(&url("billboard"), &creator).await;
    assert_eq!((unknown.status, unknown.code().as_str()), (StatusCode::NOT_FOUND, "rendition_not_available"));
    let (_, stranger) = app.user("Stranger").await;
    assert_eq!(app.get(&url("instagram_square"), &stranger).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/api/v1/workspaces/pre/presets/og_image", &stranger).await.status, StatusCode::NOT_FOUND);

    // Presets are made from images only.
    let t = app
        .upload("/api/v1/workspaces/pre/assets", &creator, &[("kind", "written")], Some(("copy.txt", b"words")))
        .await;
    let tid = t.json()["id"].as_str().unwrap().to_string();
    step(app).await.unwrap();
    let text = app.get(&format!("/api/v1/assets/{tid}/versions/1/renditions/og_image"), &creator).await;
    assert_eq!(text.code(), "rendition_not_available");
}

on_both!(
    presets_are_made_on_first_request_and_follow_the_focal_point,
    images_are_probed_and_rendered_by_a_stepped_worker,
    pixel_bombs_are_refused_before_anything_is_stored,
    corrupt_files_fail_with_a_reason_and_can_be_retried,
    other_files_are_processed_without_renditions,
    a_lost_claim_completes_exactly_once,
);
