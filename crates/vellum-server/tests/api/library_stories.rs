//! Library stories: uploads with metadata, versions, downloads, restore, edits, filters.

use axum::{
    body::Body,
    http::{header, Method, Request, StatusCode},
};
use oracle::hex_sha256;
use serde_json::json;

use crate::{harness::TestApp, on_both};

mod oracle {
    /// The SHA-256 of bytes, computed by the system's `sha256sum` so the test does not share
    /// code with the server's hashing.
    pub fn hex_sha256(bytes: &[u8]) -> String {
        use std::io::Write;
        let mut child = std::process::Command::new("sha256sum")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(bytes).unwrap();
        let out = child.wait_with_output().unwrap();
        String::from_utf8(out.stdout).unwrap().split_whitespace().next().unwrap().to_string()
    }
}

async fn upload_versions_download_and_restore(app: &TestApp) {
    let (creator_id, creator) = app.user("Cara").await;
    app.workspace("lib", &[(&creator_id, "creator")]).await;
    let bytes: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 256) as u8).collect();
    let r = app
        .upload(
            "/api/v1/workspaces/lib/assets",
            &creator,
            &[
                ("title", "Autumn campaign key visual"),
                ("kind", "campaign_ready"),
                ("note", "First cut"),
                ("metadata", r#"{"language":"en","locale":"en-gb","channels":["social","email"],"distribution_start":"2026-09-01T00:00:00Z","distribution_end":"2026-11-30T00:00:00Z","custom":{"campaign":"autumn","budget_code":42}}"#),
            ],
            Some(("key-visual.jpg", &bytes)),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json());
    let a = r.json();
    let id = a["id"].as_str().unwrap().to_string();
    assert_eq!(a["kind"], "campaign_ready");
    assert_eq!(a["metadata"]["locale"], "en-GB");
    assert_eq!(a["metadata"]["channels"], json!(["social", "email"]));
    assert_eq!(a["metadata"]["custom"]["budget_code"], 42);
    assert_eq!(a["current_version"], 1);

    let v = app.get(&format!("/api/v1/assets/{id}/versions/1"), &creator).await.json();
    assert_eq!(v["sha256"], hex_sha256(&bytes));
    assert_eq!(v["size"], bytes.len());
    assert_eq!(v["content_type"], "image/jpeg");
    assert_eq!(v["note"], "First cut");
    assert_eq!(v["created_by"], creator_id);
    assert!(v["created_at"].is_string());

    // Exact bytes, ETag = hash, conditional and ranged requests.
    let file = app.get(&format!("/api/v1/assets/{id}/versions/1/file"), &creator).await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.body, bytes);
    let etag = file.headers[header::ETAG].to_str().unwrap().to_string();
    assert_eq!(etag, format!("\"{}\"", hex_sha256(&bytes)));
    assert!(file.headers[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("attachment"));
    let get_with = |h: (&'static str, String)| {
        Request::builder()
            .uri(format!("/api/v1/assets/{id}/versions/1/file"))
            .header(header::AUTHORIZATION, format!("Bearer {creator}"))
            .header(h.0, h.1)
            .body(Body::empty())
            .unwrap()
    };
    let not_modified = app.raw(get_with(("if-none-match", etag.clone()))).await;
    assert_eq!(not_modified.status, StatusCode::NOT_MODIFIED);
    let part = app.raw(get_with(("range", "bytes=1000-1999".into()))).await;
    assert_eq!(part.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.body, bytes[1000..2000]);
    assert_eq!(part.headers[header::CONTENT_RANGE], format!("bytes 1000-1999/{}", bytes.len()));
    let tail = app.raw(get_with(("range", "bytes=-10".into()))).await;
    assert_eq!(tail.body, bytes[bytes.len() - 10..]);
    let bad = app.raw(get_with(("range", format!("bytes={}-", bytes.len())))).await;
    assert_eq!(bad.status, StatusCode::RANGE_NOT_SATISFIABLE);

    // New versions; identical content is stored once.
    let v2 = app.new_version(&id, &creator, "Brighter sky", b"second").await.json();
    assert_eq!(v2["number"], 2);
    let v3 = app.new_version(&id, &creator, "Back to the first cut", &bytes).await.json();
    assert_eq!(v3["sha256"], v["sha256"]);
    let mut c = app.core.store.conn().await.unwrap();
    let blobs = vellum_store::assets::all_blobs(&mut c).await.unwrap();
    assert_eq!(blobs.len(), 2, "three versions, two distinct contents");
    drop(c);

    // Restore makes a new version with old content; history is untouched.
    let restored = app
        .post(
            &format!("/api/v1/assets/{id}/versions/2/restore"),
            Some(&creator),
            json!({"note": "client preferred it"}),
        )
        .await;
    assert_eq!(restored.status, StatusCode::CREATED, "{:?}", restored.json());
    let r4 = restored.json();
    assert_eq!((r4["number"].as_u64(), r4["restored_from"].as_u64()), (Some(4), Some(2)));
    assert_eq!(r4["sha256"], v2["sha256"]);
    assert!(r4["note"].as_str().unwrap().contains("client preferred it"));
    let list = app.get(&format!("/api/v1/assets/{id}/versions"), &creator).await.json();
    let numbers: Vec<u64> =
        list["versions"].as_array().unwrap().iter().map(|v| v["number"].as_u64().unwrap()).collect();
    assert_eq!(numbers, [4, 3, 2, 1]);
    let f2 = app.get(&format!("/api/v1/assets/{id}/versions/4/file"), &creator).await;
    assert_eq!(f2.body, b"second");
    let no_body = app
        .send(
            Method::POST,
            &format!("/api/v1/assets/{id}/versions/1/restore"),
            crate::harness::Auth::Bearer(&creator),
            None,
        )
        .await;
    assert_eq!(no_body.status, StatusCode::CREATED);
    let null_body = app.post(&format!("/api/v1/assets/{id}/versions/1/restore"), Some(&creator), json!(null)).await;
    assert_eq!(null_body.status, StatusCode::CREATED, "a null body is no body");
    assert_eq!(null_body.json()["note"], "Restored version 1");
    let long = json!({"note": "x".repeat(3901)});
    let r = app.post(&format!("/api/v1/assets/{id}/versions/1/restore"), Some(&creator), long).await;
    assert_eq!((r.status, r.code()), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_note".to_string()));
    assert_eq!(
        app.post(&format!("/api/v1/assets/{id}/versions/99/restore"), Some(&creator), json!({})).await.status,
        StatusCode::NOT_FOUND
    );
}

async fn edit_metadata_is_audited_with_before_and_after(app: &TestApp) {
    let (uid, creator) = app.user("Eddie").await;
    app.workspace("meta", &[(&uid, "creator")]).await;
    let a = app.new_asset("meta", &creator, "Old title", b"x").await;
    let id = a["id"].as_str().unwrap();
    let r = app
        .send(
            Method::PATCH,
            &format!("/api/v1/assets/{id}"),
            crate::harness::Auth::Bearer(&creator),
            Some(json!({"title": "New title", "metadata": {"locale": "fr-FR"}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json());
    assert_eq!(r.json()["title"], "New title");
    let bad = app
        .send(
            Method::PATCH,
            &format!("/api/v1/assets/{id}"),
            crate::harness::Auth::Bearer(&creator),
            Some(json!({"metadata": {"locale": "french"}})),
        )
        .await;
    assert_eq!((bad.status, bad.code().as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_metadata"));
    let events =
        app.get(&format!("/api/v1/workspaces/meta/audit?object_type=asset&object_id={id}"), &app.admin).await.json();
    let update = events["events"].as_array().unwrap().iter().find(|e| e["action"] == "asset.update").unwrap().clone();
    // before and after are JSON objects, not JSON encoded in a string.
    assert_eq!(update["before"]["title"], "Old title", "{update}");
    assert_eq!(update["after"]["title"], "New title", "{update}");
    assert_eq!(update["actor_id"], uid);
    assert!(update["request_id"].is_string());

    let csv = app.get("/api/v1/workspaces/meta/audit?format=csv", &app.admin).await;
    assert_eq!(csv.status, StatusCode::OK);
    let text = String::from_utf8(csv.body).unwrap();
    assert!(text.starts_with("seq,id,at,actor_id,action"));
    assert!(text.contains("\"asset.update\""));
    let bad_format = app.get("/api/v1/workspaces/meta/audit?format=xml", &app.admin).await;
    assert_eq!(bad_format.code(), "invalid_format");
    // Creators may not read the audit trail.
    assert_eq!(app.get("/api/v1/workspaces/meta/audit", &creator).await.status, StatusCode::FORBIDDEN);
}

async fn library_filters_by_status_and_kind(app: &TestApp) {
    let (uid, creator) = app.user("Fil").await;
    app.workspace("filt", &[(&uid, "creator")]).await;
    app.new_asset("filt", &creator, "One", b"1").await;
    let r = app
        .upload(
            "/api/v1/workspaces/filt/assets",
            &creator,
            &[("title", "Clip"), ("kind", "video")],
            Some(("c.mp4", b"2")),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let all = app.get("/api/v1/workspaces/filt/assets", &creator).await.json();
    assert_eq!(all["assets"].as_array().unwrap().len(), 2);
    let videos = app.get("/api/v1/workspaces/filt/assets?kind=video", &creator).await.json();
    assert_eq!(videos["assets"].as_array().unwrap().len(), 1);
    assert_eq!(videos["assets"][0]["title"], "Clip");
    let drafts = app.get("/api/v1/workspaces/filt/assets?status=draft", &creator).await.json();
    assert_eq!(drafts["assets"].as_array().unwrap().len(), 2);
    let approved = app.get("/api/v1/workspaces/filt/assets?status=approved", &creator).await.json();
    assert_eq!(approved["assets"], json!([]));
    let bad = app.get("/api/v1/workspaces/filt/assets?status=done", &creator).await;
    assert_eq!(bad.code(), "invalid_status");
    let bad = app.get("/api/v1/workspaces/filt/assets?kind=photo", &creator).await;
    assert_eq!(bad.code(), "invalid_kind");
}

/// The titles a listing returns, sorted.
async fn listed_titles(app: &TestApp, token: &str, path: String) -> Vec<String> {
    let mut t: Vec<String> = app.get(&path, token).await.json()["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap().to_string())
        .collect();
    t.sort();
    t
}

/// Uploads may file an asset in a folder; the library filters by folder, matching it and
/// every folder below it by whole segments; a malformed folder is refused with a reason.
async fn library_filters_by_folder(app: &TestApp) {
    let (uid, creator) = app.user("Fold").await;
    app.workspace("fold", &[(&uid, "creator")]).await;
    for (title, folder, bytes) in [
        ("Top", "", b"t" as &[u8]),
        ("Spring", "campaigns/spring", b"s"),
        ("Hero", "campaigns/spring/hero", b"h"),
        ("Springtime", "campaigns/springtime", b"x"),
    ] {
        let r = app
            .upload(
                "/api/v1/workspaces/fold/assets",
                &creator,
                &[("title", title), ("kind", "visual"), ("folder", folder)],
                Some(("a.jpg", bytes)),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json());
        let expected = if folder.is_empty() { json!(null) } else { json!(folder) };
        assert_eq!(r.json()["folder"], expected, "{title}");
    }
    let titles = |q: &str| listed_titles(app, &creator, format!("/api/v1/workspaces/fold/assets{q}"));
    assert_eq!(titles("?folder=campaigns/spring").await, ["Hero", "Spring"]);
    assert_eq!(titles("?folder=campaigns%2Fspring%2Fhero").await, ["Hero"]);
    assert_eq!(titles("?folder=campaigns").await, ["Hero", "Spring", "Springtime"]);
    assert_eq!(titles("?folder=").await.len(), 4, "an empty folder filters nothing");
    assert!(titles("?folder=nowhere").await.is_empty());
    for bad in ["/campaigns", "campaigns/", "a/../b", "a//b"] {
        let r = app.get(&format!("/api/v1/workspaces/fold/assets?folder={bad}"), &creator).await;
        assert_eq!((r.status, r.code().as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_folder"), "{bad}");
    }
    let r = app
        .upload(
            "/api/v1/workspaces/fold/assets",
            &creator,
            &[("kind", "visual"), ("folder", "../outside")],
            Some(("b.jpg", b"b")),
        )
        .await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_folder"));
    assert_eq!(titles("").await.len(), 4, "the refused upload made nothing");
}

on_both!(
    upload_versions_download_and_restore,
    edit_metadata_is_audited_with_before_and_after,
    library_filters_by_status_and_kind,
    library_filters_by_folder
);
