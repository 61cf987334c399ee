//! Stored bytes and their rows: a refused upload leaves no file behind, garbage collection
//! (the scheduled job, stepped by hand) reclaims only old files no row points at, and the
//! removal of a refused upload's file never strands an upload of the same bytes.

use std::{
    path::Path,
    time::{Duration, SystemTime},
};

use axum::{
    body::Body,
    http::{header, Method, Request, StatusCode},
};
use vellum_blob::BlobKey;
use vellum_core::{
    assets::UploadFields,
    blobs::gc::{GcOptions, DEFAULT_GRACE},
    Origin,
};

use crate::{harness::TestApp, media_stories::png_declaring, on_both};

const BOUNDARY: &str = "blobstoriesboundary";

/// A multipart body from raw parts: `(name, filename, bytes)`.
fn form(parts: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, filename, bytes) in parts {
        let disposition = match filename {
            Some(f) => format!("form-data; name=\"{name}\"; filename=\"{f}\""),
            None => format!("form-data; name=\"{name}\""),
        };
        body.extend_from_slice(format!("--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n").as_bytes());
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// The body without its closing boundary and the end of its last part.
fn cut_short(mut body: Vec<u8>) -> Vec<u8> {
    body.truncate(body.len() - format!("\r\n--{BOUNDARY}--\r\n").len());
    body
}

async fn post_form(app: &TestApp, path: &str, token: &str, body: Vec<u8>) -> crate::harness::Reply {
    let req = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(Body::from(body))
        .unwrap();
    app.raw(req).await
}

/// Sets a file's modification time `ago` into the past, as if written then.
fn age(path: &Path, ago: Duration) {
    std::fs::File::options().write(true).open(path).unwrap().set_modified(SystemTime::now() - ago).unwrap();
}

fn blob_path(app: &TestApp, sha: &str) -> std::path::PathBuf {
    app.data_dir().join("blobs").join(&sha[..2]).join(sha)
}

/// Finding 13: twelve refused uploads, each of whose file was stored before the refusal,
/// leave no file behind; content a row already uses stays.
async fn rejected_uploads_leave_no_orphan_blobs(app: &TestApp) {
    let (uid, creator) = app.user("Rita").await;
    app.workspace("rej", &[(&uid, "creator")]).await;
    let kept = app.new_asset("rej", &creator, "Kept", b"content a version uses").await;
    let kept_id = kept["id"].as_str().unwrap().to_string();
    let assets = "/api/v1/workspaces/rej/assets";
    let versions = format!("/api/v1/assets/{kept_id}/versions");
    let file = |n: u32| format!("refused file {n}").into_bytes();
    let long_note = "n".repeat(70 * 1024);
    let (f1, f2, f3, f4, f5, f6, f7, f8, f9) =
        (file(1), file(2), file(3), file(4), file(5), file(6), file(7), file(8), file(9));
    let (bomb, wide) = (png_declaring(100_000, 100_000), png_declaring(60_000, 10));
    let cases: Vec<(&str, String, Vec<u8>, StatusCode, &str)> = vec![
        (
            "unknown kind",
            assets.into(),
            form(&[("kind", None, b"poster"), ("file", Some("a.png"), &f1)]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_kind",
        ),
        (
            "no kind",
            assets.into(),
            form(&[("file", Some("a.png"), &f2)]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_kind",
        ),
        (
            "bad metadata",
            assets.into(),
            form(&[("kind", None, b"visual"), ("metadata", None, b"{not json"), ("file", Some("a.png"), &f3)]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_metadata",
        ),
        (
            "empty note",
            versions.clone(),
            form(&[("note", None, b""), ("file", Some("b.png"), &f4)]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_note",
        ),
        (
            "two file parts",
            assets.into(),
            form(&[("kind", None, b"visual"), ("file", Some("a.png"), &f5), ("file", Some("b.png"), b"second")]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "too_many_files",
        ),
        (
            "pixel bomb",
            assets.into(),
            form(&[("kind", None, b"visual"), ("file", Some("bomb.png"), &bomb)]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "image_too_large",
        ),
        (
            "pixel bomb as a version",
            versions.clone(),
            form(&[("note", None, b"bigger"), ("file", Some("wide.png"), &wide)]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "image_too_large",
        ),
        (
            "a field too long after the file",
            assets.into(),
            form(&[("kind", None, b"visual"), ("file", Some("a.png"), &f6), ("note", None, long_note.as_bytes())]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "field_too_long",
        ),
        (
            "a field not UTF-8 after the file",
            assets.into(),
            form(&[("file", Some("a.png"), &f7), ("title", None, b"\xff\xfe")]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            "a title with a control character",
            assets.into(),
            form(&[("kind", None, b"visual"), ("title", None, b"a\x07b"), ("file", Some("a.png"), &f8)]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_name",
        ),
        (
            "a body cut short after the file",
            assets.into(),
            cut_short(form(&[("kind", None, b"visual"), ("file", Some("a.png"), &f9), ("note", None, b"never ends")])),
            StatusCode::BAD_REQUEST,
            "malformed_multipart",
        ),
        (
            "content a version already uses",
            assets.into(),
            form(&[("kind", None, b"poster"), ("file", Some("a.png"), b"content a version uses")]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_kind",
        ),
        (
            "a part the API does not know",
            assets.into(),
            form(&[
                ("kind", None, b"visual"),
                ("file", Some("a.png"), b"an unknown part follows"),
                ("colour", None, b"red"),
            ]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
    ];
    assert_eq!(cases.len(), 13);
    for (what, path, body, status, code) in cases {
        let r = post_form(app, &path, &creator, body).await;
        assert_eq!(r.status, status, "{what}: {:?}", r.json());
        assert_eq!(r.code(), code, "{what}");
        let (files, rows) = app.blob_files_and_rows().await;
        assert_eq!(files, rows, "{what}: a blob file without a row, or a row without its file");
        assert!(app.staged_files().is_empty(), "{what}: a staged write was left behind");
    }
    let v1 = app.get(&format!("/api/v1/assets/{kept_id}/versions/1/file"), &creator).await;
    assert_eq!(v1.body, b"content a version uses", "the refusal kept bytes a version uses");

    // Blank fields are empty form inputs: the defaults, not errors.
    let blank = form(&[
        ("kind", None, b"visual"),
        ("title", None, b"  "),
        ("note", None, b""),
        ("folder", None, b" "),
        ("file", Some("spring-hero.png"), b"blank fields"),
    ]);
    let r = post_form(app, assets, &creator, blank).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json());
    assert_eq!((r.json()["title"].as_str(), r.json()["folder"].as_str()), (Some("spring-hero"), None));
    let v = app.get(&format!("/api/v1/assets/{}/versions/1", r.json()["id"].as_str().unwrap()), &creator).await;
    assert_eq!(v.json()["note"], "First version");
}

/// The nightly collection, stepped by hand: old orphans and abandoned staged writes go;
/// referenced blobs, young orphans and writes in flight stay.
async fn scheduled_gc_reclaims_only_old_orphans(app: &TestApp) {
    let (uid, creator) = app.user("Gus").await;
    app.workspace("gc", &[(&uid, "creator")]).await;
    let a = app.new_asset("gc", &creator, "Referenced", b"bytes a version points at").await;
    let id = a["id"].as_str().unwrap();
    let v = app.get(&format!("/api/v1/assets/{id}/versions/1"), &creator).await.json();
    let referenced = v["sha256"].as_str().unwrap().to_string();
    let three_days = Duration::from_secs(3 * 24 * 3600);
    age(&blob_path(app, &referenced), three_days);

    // Orphans planted the way a crash leaves them: bytes stored, no row committed.
    let plant = |content: &'static [u8]| async move {
        let mut w = app.core.begin_blob().await.unwrap();
        w.write(content).await.unwrap();
        let sha = w.finish().await.unwrap().key.as_str().to_string();
        (blob_path(app, &sha), sha)
    };
    let (old_orphan, _) = plant(b"left by a crash three days ago").await;
    age(&old_orphan, three_days);
    let (young_orphan, young_sha) = plant(b"stored a moment ago, row not yet committed").await;
    let tmp = app.data_dir().join("tmp");
    let crashed = tmp.join("999999-1000");
    std::fs::create_dir_all(&crashed).unwrap();
    std::fs::write(crashed.join("max-staging-secs"), "3600").unwrap();
    std::fs::write(crashed.join("0190-abandoned"), b"half an upload").unwrap();
    age(&crashed.join("0190-abandoned"), Duration::from_secs(2 * 3600));
    // A live process's staging folder, and a write in it that has been quiet for as long
    // (quiet is not abandoned: this process allows its uploads twelve hours).
    let busy = tmp.join("999998-1000");
    std::fs::create_dir_all(&busy).unwrap();
    std::fs::write(busy.join("max-staging-secs"), "43200").unwrap();
    std::fs::write(busy.join("0190-in-flight"), b"an upload in flight elsewhere").unwrap();
    age(&busy.join("0190-in-flight"), Duration::from_secs(2 * 3600));

    let schedule = vellum_core::worker::schedules().into_iter().find(|s| s.name == "collect_garbage").unwrap();
    assert!(schedule.cron.next_after(vellum_domain::Timestamp::now()).is_some(), "it is scheduled");
    assert!(app.core.enqueue(&(schedule.job)(vellum_domain::Timestamp::now())).await.unwrap());
    let mut collected = false;
    while let Some(run) = app.core.run_one_job("test-worker", &vellum_core::jobs::QUEUES).await.unwrap() {
        if run.job.kind.as_str() == "collect_garbage" {
            assert!(run.outcome.is_ok(), "{:?}", run.outcome);
            collected = true;
        }
    }
    assert!(collected, "the scheduled collection ran");
    assert!(!old_orphan.exists(), "an old orphan is reclaimed");
    assert!(young_orphan.exists(), "a young one waits for its grace period");
    assert!(app.core.blobs.verify(&BlobKey::parse(&referenced).unwrap()).await.unwrap(), "referenced bytes stay");
    assert!(!crashed.join("0190-abandoned").exists(), "an abandoned staged write is reclaimed");
    assert!(busy.join("0190-in-flight").exists(), "a write in flight elsewhere is not");

    // A dry run lists without removing; a zero grace period then takes the young orphan.
    let now = GcOptions { grace: Duration::ZERO, dry_run: true };
    let listed = app.core.collect_garbage(&now).await.unwrap();
    assert_eq!(listed.orphans.iter().map(|o| o.key.as_str()).collect::<Vec<_>>(), [young_sha.as_str()]);
    assert!(listed.missing.is_empty() && young_orphan.exists());
    let done = app.core.collect_garbage(&GcOptions { dry_run: false, ..now }).await.unwrap();
    assert_eq!((done.orphans.len(), young_orphan.exists()), (1, false));
    assert_eq!(GcOptions::default().grace, DEFAULT_GRACE);
    std::fs::remove_dir_all(&busy).unwrap();
}

/// Removal and recording of the same bytes, in both orders and concurrently: a committed row
/// never loses its bytes, and an upload whose bytes were removed under it fails cleanly.
async fn removing_a_refused_uploads_blob_never_strands_another(app: &TestApp) {
    let (uid, creator) = app.user("Rae").await;
    app.workspace("race", &[(&uid, "creator")]).await;
    let actor = app.core.token_actor(&creator, Origin::default()).await.unwrap().unwrap();
    let store = |bytes: &'static [u8]| async move {
        let mut w = app.core.begin_blob().await.unwrap();
        w.write(bytes).await.unwrap();
        w.finish().await.unwrap()
    };
    let fields = || UploadFields { kind: Some("visual".into()), ..Default::default() };

    // Removal first (a refused upload of the same bytes won the claim): the other upload's
    // commit finds its bytes gone and says so; no row points at nothing.
    let blob = store(b"same bytes, removal first").await;
    app.core.discard_blob(&blob).await;
    let e = app.core.create_asset(&actor, "race", fields(), blob.clone()).await.unwrap_err();
    assert_eq!(e.code(), "upload_raced");
    assert_eq!(app.core.blobs.size(&blob.key).await.unwrap(), None);

    // Commit first: the refused upload's removal finds the row and keeps the bytes.
    let blob = store(b"same bytes, commit first").await;
    app.core.create_asset(&actor, "race", fields(), blob.clone()).await.unwrap();
    app.core.discard_blob(&blob).await;
    assert!(app.core.blobs.verify(&blob.key).await.unwrap());

    // Concurrently, over HTTP: each pair uploads equal bytes, one refused, one accepted.
    let mut pairs = Vec::new();
    let creator = creator.as_str();
    for i in 0..12 {
        let content = format!("pair {i}").into_bytes();
        let refused = form(&[("kind", None, b"poster"), ("file", Some("a.png"), &content)]);
        let accepted = form(&[("kind", None, b"visual"), ("file", Some("a.png"), &content)]);
        pairs.push(async move {
            let path = "/api/v1/workspaces/race/assets";
            tokio::join!(post_form(app, path, creator, refused), post_form(app, path, creator, accepted))
        });
    }
    for (refused, accepted) in futures_util::future::join_all(pairs).await {
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            accepted.status == StatusCode::CREATED
                || (accepted.status == StatusCode::CONFLICT && accepted.code() == "upload_raced"),
            "{:?}",
            accepted.json()
        );
    }
    // `check_invariants` then proves every version's bytes are there and nothing is orphaned.
}

on_both!(
    rejected_uploads_leave_no_orphan_blobs,
    scheduled_gc_reclaims_only_old_orphans,
    removing_a_refused_uploads_blob_never_strands_another
);
