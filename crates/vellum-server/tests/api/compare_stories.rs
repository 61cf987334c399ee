//! Comparing versions through the public API: a new version's difference from its predecessor
//! is computed in the background (202 until then), images get boxes around what changed and a
//! heat-map, PDFs are compared page by page and word by word, carried comments learn whether
//! their region changed, and other workspaces see nothing.

use std::{path::Path, process::Command};

use axum::http::{header, Method, StatusCode};
use serde_json::{json, Value};

use crate::{
    harness::{Auth, TestApp},
    media_files::{process, run, tool, upload},
    on_both,
};

/// A JPEG made by ffmpeg: a test card, with a solid box painted at `(x, y, w, h)` if given.
fn card(dir: &Path, name: &str, patch: Option<(u32, u32, u32, u32)>) -> Vec<u8> {
    let out = dir.join(name);
    let mut cmd = Command::new("ffmpeg");
    cmd.args(["-v", "error", "-f", "lavfi", "-i", "testsrc=size=800x600", "-frames:v", "1"]);
    if let Some((x, y, w, h)) = patch {
        cmd.args(["-vf", &format!("drawbox=x={x}:y={y}:w={w}:h={h}:color=0x2040c0:t=fill")]);
    }
    run(cmd.args(["-q:v", "3", "-y"]).arg(&out));
    std::fs::read(out).unwrap()
}

/// A PDF with one line of text per page.
fn leaflet(dir: &Path, name: &str, lines: &[&str]) -> Vec<u8> {
    let mut ps = String::from("%!PS\n/Helvetica findfont 20 scalefont setfont\n");
    for line in lines {
        ps.push_str(&format!("72 600 moveto ({line}) show showpage\n"));
    }
    let src = dir.join(format!("{name}.ps"));
    std::fs::write(&src, ps).unwrap();
    let out = dir.join(name);
    run(Command::new("gs")
        .args(["-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pdfwrite", "-sPAPERSIZE=a4"])
        .arg(format!("-sOutputFile={}", out.display()))
        .arg(&src));
    std::fs::read(out).unwrap()
}

async fn setup(app: &TestApp) -> String {
    let (uid, token) = app.user("Mia").await;
    app.workspace("files", &[(&uid, "creator")]).await;
    token
}

async fn add_version(app: &TestApp, token: &str, asset: &str, name: &str, bytes: &[u8]) {
    let r = app.upload(&format!("/api/v1/assets/{asset}/versions"), token, &[("note", "v")], Some((name, bytes))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json());
}

async fn comparison(app: &TestApp, token: &str, asset: &str, a: u32, b: u32) -> Value {
    let r = app.get(&format!("/api/v1/assets/{asset}/compare?a={a}&b={b}"), token).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json());
    r.json()
}

fn inside(r: &Value, x: f64, y: f64, w: f64, h: f64, slack: f64) -> bool {
    let f = |k: &str| r[k].as_f64().unwrap();
    f("x") <= x + slack && f("y") <= y + slack && f("x") + f("w") >= x + w - slack && f("y") + f("h") >= y + h - slack
}

async fn images_are_compared_with_boxes_and_a_heatmap(app: &TestApp) {
    if !tool("ffmpeg") {
        return;
    }
    let token = setup(app).await;
    let dir = tempfile::tempdir().unwrap();
    let asset = upload(app, &token, "visual", "card.jpg", &card(dir.path(), "1.jpg", None)).await;
    // Two notes on the first version: one where the change will be, one elsewhere.
    let comments = format!("/api/v1/assets/{asset}/versions/1/comments");
    let on_change = json!({"body": "Make this box blue", "anchor": {"shape": {"type": "rect",
        "points": [[0.3, 0.3], [0.4, 0.4]]}}});
    let elsewhere = json!({"body": "Keep this corner", "anchor": {"shape": {"type": "point", "points": [[0.9, 0.9]]}}});
    let changed_id = app.post(&comments, Some(&token), on_change).await.json()["id"].clone();
    let kept_id = app.post(&comments, Some(&token), elsewhere).await.json()["id"].clone();
    add_version(app, &token, &asset, "2.jpg", &card(dir.path(), "2.jpg", Some((200, 150, 160, 120)))).await;

    // Not processed yet: asked for, it is pending.
    let early = app.get(&format!("/api/v1/assets/{asset}/compare?a=1&b=2"), &token).await;
    assert_eq!(early.status, StatusCode::ACCEPTED, "{:?}", early.json());
    assert_eq!(early.headers[header::RETRY_AFTER], "2");
    process(app).await;

    let d = comparison(app, &token, &asset, 1, 2).await;
    assert_eq!(d["kind"], "image", "{d}");
    assert_eq!(d["text"], Value::Null);
    let pages = d["pages"].as_array().unwrap();
    assert_eq!(pages.len(), 1);
    assert_eq!(pages[0]["page"], 1);
    let regions = pages[0]["regions"].as_array().unwrap();
    assert_eq!(regions.len(), 1, "{d}");
    assert!(inside(&regions[0], 0.25, 0.25, 0.2, 0.2, 0.005), "{d}");
    let share = pages[0]["changed_fraction"].as_f64().unwrap();
    assert!(share > 0.02 && share < 0.06, "{share}");

    let heat = app.get(&format!("/api/v1/assets/{asset}/compare/heatmap?a=1&b=2&page=1"), &token).await;
    assert_eq!(heat.status, StatusCode::OK);
    assert_eq!(heat.headers[header::CONTENT_TYPE], "image/png");
    assert!(heat.body.starts_with(b"\x89PNG"));

    // The carried comments say whether their area changed.
    let listed = app.get(&format!("/api/v1/assets/{asset}/versions/2/comments"), &token).await.json();
    let of = |id: &Value| listed["comments"].as_array().unwrap().iter().find(|c| c["id"] == *id).unwrap().clone();
    assert_eq!(of(&changed_id)["region_changed"], true, "{listed}");
    assert_eq!(of(&kept_id)["region_changed"], false, "{listed}");
    assert_eq!(of(&kept_id)["origin_version"], 1);
    // On their own version nothing is compared.
    let own = app.get(&comments, &token).await.json();
    assert!(own["comments"].as_array().unwrap().iter().all(|c| c["region_changed"].is_null()), "{own}");

    // The same picture compared with itself: nothing changed.
    let same = {
        let _ = app.get(&format!("/api/v1/assets/{asset}/compare?a=2&b=2"), &token).await;
        process(app).await;
        comparison(app, &token, &asset, 2, 2).await
    };
    assert_eq!(same["pages"][0]["regions"], json!([]));

    // A note written later on an old version is compared with the newest too.
    let dir2 = dir.path().join("later");
    std::fs::create_dir_all(&dir2).unwrap();
    let later = upload(app, &token, "visual", "later.jpg", &card(&dir2, "1.jpg", None)).await;
    add_version(app, &token, &later, "later.jpg", &card(&dir2, "2.jpg", None)).await;
    add_version(app, &token, &later, "later.jpg", &card(&dir2, "3.jpg", Some((40, 40, 100, 100)))).await;
    process(app).await;
    let on_first =
        json!({"body": "Logo corner", "anchor": {"shape": {"type": "rect", "points": [[0.05, 0.05], [0.15, 0.15]]}}});
    let made = app.post(&format!("/api/v1/assets/{later}/versions/1/comments"), Some(&token), on_first).await;
    assert_eq!(made.status, StatusCode::CREATED);
    process(app).await;
    let listed = app.get(&format!("/api/v1/assets/{later}/versions/3/comments"), &token).await.json();
    assert_eq!(listed["comments"][0]["region_changed"], true, "{listed}");

    // Another workspace sees none of it; a version that does not exist is 404.
    let (other, other_token) = app.user("Zed").await;
    app.workspace("elsewhere", &[(&other, "owner")]).await;
    for path in [
        format!("/api/v1/assets/{asset}/compare?a=1&b=2"),
        format!("/api/v1/assets/{asset}/compare/heatmap?a=1&b=2&page=1"),
    ] {
        assert_eq!(app.get(&path, &other_token).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(app.get(&format!("/api/v1/assets/{asset}/compare?a=1&b=9"), &token).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/api/v1/assets/{asset}/compare?a=0&b=1"), &token).await.code(), "invalid_query");
}

async fn pdfs_are_compared_page_by_page_and_word_by_word(app: &TestApp) {
    if !tool("gs") || !tool("pdftotext") {
        return;
    }
    let token = setup(app).await;
    let dir = tempfile::tempdir().unwrap();
    let first =
        ["Spring savings for every home", "Rates from 4.5 percent for new customers this spring.", "Terms apply"];
    let second = [
        "Spring savings for every home",
        "Rates from 3.9 percent for new customers this spring.",
        "Terms apply",
        "Visit a branch near you",
    ];
    let asset = upload(app, &token, "written", "leaflet.pdf", &leaflet(dir.path(), "1.pdf", &first)).await;
    add_version(app, &token, &asset, "leaflet.pdf", &leaflet(dir.path(), "2.pdf", &second)).await;
    process(app).await;

    let d = comparison(app, &token, &asset, 1, 2).await;
    assert_eq!(d["kind"], "pages", "{d}");
    let pages = d["pages"].as_array().unwrap();
    assert_eq!(pages.len(), 4, "{d}");
    assert_eq!(pages[0]["regions"], json!([]), "page 1 did not change: {d}");
    assert_eq!(pages[0]["presence"], "both");
    assert_eq!(pages[1]["regions"].as_array().unwrap().len(), 1, "{d}");
    assert_eq!(pages[2]["regions"], json!([]));
    assert_eq!(pages[3]["presence"], "added");
    assert_eq!(pages[3]["changed_fraction"], 1.0);

    let text = &d["text"];
    let ops = text["ops"].as_array().unwrap();
    let runs = |op: &str| -> Vec<String> {
        ops.iter().filter(|o| o["op"] == op).map(|o| o["text"].as_str().unwrap().trim().to_string()).collect()
    };
    let (deleted, inserted) = (runs("del"), runs("ins"));
    assert!(deleted.iter().any(|t| t == "4.5"), "{text}");
    assert!(inserted.iter().any(|t| t.contains("3.9")), "{text}");
    assert!(inserted.iter().any(|t| t.contains("branch")), "{text}");
    assert_eq!(text["deletions"], 1, "{text}");

    let heat = app.get(&format!("/api/v1/assets/{asset}/compare/heatmap?a=1&b=2&page=2"), &token).await;
    assert_eq!(heat.status, StatusCode::OK);
    let added = app.get(&format!("/api/v1/assets/{asset}/compare/heatmap?a=1&b=2&page=4"), &token).await;
    assert_eq!(added.status, StatusCode::NOT_FOUND);

    // A picture and a PDF are not compared.
    add_version(app, &token, &asset, "3.jpg", &crate::media_stories::jpeg(64, 48)).await;
    process(app).await;
    let mixed = app.get(&format!("/api/v1/assets/{asset}/compare?a=2&b=3"), &token).await;
    assert_eq!(mixed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(mixed.code(), "not_comparable");
}

async fn written_copy_is_compared_word_by_word(app: &TestApp) {
    let token = setup(app).await;
    let first = b"Our spring offer saves you money on every order.\n";
    let second = b"Our summer offer saves you more money on every order.\n";
    let asset = upload(app, &token, "written", "copy.txt", first).await;
    add_version(app, &token, &asset, "copy.txt", second).await;
    process(app).await;
    let d = comparison(app, &token, &asset, 1, 2).await;
    assert_eq!(d["kind"], "text", "{d}");
    assert_eq!(d["pages"], json!([]));
    let ops = d["text"]["ops"].as_array().unwrap();
    let has = |op: &str, text: &str| ops.iter().any(|o| o["op"] == op && o["text"].as_str().unwrap().contains(text));
    assert!(has("del", "spring") && has("ins", "summer") && has("ins", "more"), "{d}");
    assert_eq!(d["text"]["insertions"], 2, "{d}");
    assert_eq!(d["text"]["deletions"], 1, "{d}");
}

/// A workspace numbers video frames for display from its own first frame number.
async fn the_frame_offset_is_a_workspace_setting(app: &TestApp) {
    let token = setup(app).await;
    let patch = |who: &str, body: Value| {
        let who = who.to_string();
        async move { app.send(Method::PATCH, "/api/v1/workspaces/files", Auth::Bearer(&who), Some(body)).await }
    };
    let r = patch(&token, json!({"frame_offset": 1001})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "creators do not change settings");
    let r = patch(&app.admin, json!({"frame_offset": 1001})).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json());
    assert_eq!(app.get("/api/v1/workspaces/files", &token).await.json()["frame_offset"], 1001);
    let r = patch(&app.admin, json!({"frame_offset": 2_000_000})).await;
    assert_eq!(r.code(), "invalid_setting");
}

on_both!(
    images_are_compared_with_boxes_and_a_heatmap,
    pdfs_are_compared_page_by_page_and_word_by_word,
    written_copy_is_compared_word_by_word,
    the_frame_offset_is_a_workspace_setting
);
