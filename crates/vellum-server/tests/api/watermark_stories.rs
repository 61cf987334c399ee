//! Watermarked previews: an external member's thumbnail and preview are marked for them (and
//! differ from the clean ones members see), a share link with the watermark on marks its
//! preview, non-pictures are withheld from outsiders, and the text is a workspace setting.

use axum::http::{Method, StatusCode};
use serde_json::json;
use vellum_domain::Timestamp;

use crate::{
    harness::{Auth, TestApp},
    media_files::process,
    media_stories::jpeg,
    on_both,
    review_stories::{start_review, team},
};

fn pixels(jpeg: &[u8]) -> Vec<u8> {
    turbojpeg::decompress(jpeg, turbojpeg::PixelFormat::RGB).unwrap().pixels
}

fn mean_difference(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| f64::from(x.abs_diff(*y))).sum::<f64>() / a.len() as f64
}

async fn outsiders_see_watermarked_previews_only(app: &TestApp) {
    app.clock.set(Timestamp::parse("2026-12-02T09:00:00Z").unwrap());
    let t = team(app, "mark", json!("any")).await;
    let (ext, ext_token) = app.user("Agency").await;
    let added =
        app.put(&format!("/api/v1/workspaces/mark/members/{ext}"), &app.admin, json!({"role": "external"})).await;
    assert!(added.status.is_success(), "{:?}", added.json());
    let up = app
        .upload(
            "/api/v1/workspaces/mark/assets",
            &t.creator,
            &[("kind", "visual")],
            Some(("hero.jpg", &jpeg(800, 600))),
        )
        .await;
    assert_eq!(up.status, StatusCode::CREATED);
    let id = up.json()["id"].as_str().unwrap().to_string();
    process(app).await;
    let r = start_review(app, &id, &t.creator, &t.workflow).await;
    for who in [&t.brand.1, &t.legal1.1] {
        app.decide(r["id"].as_str().unwrap(), who, 1, "approve", None).await;
    }

    // The text is the workspace's setting (admins); bad text is refused.
    let put = |body: serde_json::Value| {
        app.send(Method::PUT, "/api/v1/workspaces/mark/watermark", Auth::Bearer(&app.admin), Some(body))
    };
    assert_eq!(put(json!({"text": "two\nlines"})).await.code(), "invalid_watermark");
    let set = put(json!({"text": "ACME · CONFIDENTIAL"})).await;
    assert_eq!((set.status, set.json()["text"].as_str()), (StatusCode::OK, Some("ACME · CONFIDENTIAL")));
    assert_eq!(app.get("/api/v1/workspaces/mark/watermark", &t.creator).await.json()["text"], "ACME · CONFIDENTIAL");
    let by_creator = app
        .send(Method::PUT, "/api/v1/workspaces/mark/watermark", Auth::Bearer(&t.creator), Some(json!({"text": "x"})))
        .await;
    assert_eq!(by_creator.status, StatusCode::FORBIDDEN);

    for name in ["thumbnail", "preview"] {
        let path = format!("/api/v1/assets/{id}/versions/1/renditions/{name}");
        let clean = app.get(&path, &t.viewer).await;
        let marked = app.get(&path, &ext_token).await;
        assert_eq!((clean.status, marked.status), (StatusCode::OK, StatusCode::OK), "{name}: {:?}", marked.json());
        assert_eq!(marked.headers["content-type"], "image/jpeg");
        assert!(marked.headers["cache-control"].to_str().unwrap().starts_with("private"));
        assert_ne!(clean.headers["etag"], marked.headers["etag"], "{name}: never the clean rendition");
        let diff = mean_difference(&pixels(&clean.body), &pixels(&marked.body));
        assert!(diff > 2.0, "{name}: the mark is visible ({diff})");
        // Kept for a while: the same viewer gets the same picture.
        assert_eq!(app.get(&path, &ext_token).await.body, marked.body);
    }
    // Members see the clean picture; a member's and an outsider's marks differ by viewer.
    let (ext2, ext2_token) = app.user("Printer").await;
    app.put(&format!("/api/v1/workspaces/mark/members/{ext2}"), &app.admin, json!({"role": "external"})).await;
    let path = format!("/api/v1/assets/{id}/versions/1/renditions/preview");
    assert_ne!(app.get(&path, &ext_token).await.body, app.get(&path, &ext2_token).await.body);

    // A share link with the watermark on marks its preview; one with it off does not.
    let link = |watermark: bool| {
        let path = format!("/api/v1/assets/{id}/share-links");
        let body = json!({"version": "approved", "expires_at": "2026-12-09T09:00:00Z", "allow_download": false,
            "watermark": watermark, "recipient_email": "client@brand.example"});
        let who = t.creator.clone();
        async move {
            let r = app.post(&path, Some(&who), body).await;
            assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json());
            r.json()["token"].as_str().unwrap().to_string()
        }
    };
    let get = |p: String| app.raw(axum::http::Request::get(p).body(axum::body::Body::empty()).unwrap());
    let plain = get(format!("/s/{}/preview", link(false).await)).await;
    let marked = get(format!("/s/{}/preview", link(true).await)).await;
    assert_eq!((plain.status, marked.status), (StatusCode::OK, StatusCode::OK));
    assert!(mean_difference(&pixels(&plain.body), &pixels(&marked.body)) > 2.0);
    assert_eq!(marked.headers["referrer-policy"], "no-referrer");
}

on_both!(outsiders_see_watermarked_previews_only);
