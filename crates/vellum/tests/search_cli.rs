//! The search index as derived state, with real processes: a kill -9 between a commit and its
//! indexing loses nothing, `vellum reindex` runs beside a serving server that switches to the
//! new index, and an unreadable index is rebuilt on start.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::json;
use support::{admin_token, json_request, upload, vellum, wait_until, Server, PATIENCE};

fn total(addr: &str, token: &str, q: &str) -> Option<u64> {
    let r = json_request(addr, "GET", &format!("/api/v1/workspaces/found/search?q={q}"), token, json!(null))?;
    (r.status == 200).then(|| r.json()["total"].as_u64()).flatten()
}

fn caught_up(addr: &str, token: &str) -> bool {
    json_request(addr, "GET", "/api/v1/workspaces/found/search/status", token, json!(null))
        .is_some_and(|r| r.status == 200 && r.json()["lag_ms"] == 0)
}

#[test]
fn the_index_survives_kill_9_reindex_and_corruption() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_arg = data.to_str().unwrap();

    // Indexing paused: the asset is committed, its document not written, when the server dies.
    let server = Server::start(&data, &["--index-interval-ms", "0"]);
    let token = admin_token(&server.addr);
    let w = json_request(&server.addr, "POST", "/api/v1/workspaces", &token, json!({"name": "Found", "slug": "found"}));
    assert_eq!(w.unwrap().status, 201);
    let r = upload(
        &server.addr,
        "/api/v1/workspaces/found/assets",
        &token,
        &[("title", "Ocelot sunrise"), ("kind", "visual")],
        "o.png",
        b"ocelot",
    );
    assert_eq!(r.unwrap().status, 201);
    assert_eq!(total(&server.addr, &token, "ocelot"), Some(0));
    assert!(!caught_up(&server.addr, &token));
    server.kill_9();

    let server = Server::start(&data, &[]);
    let token = admin_token(&server.addr);
    wait_until("the indexer catches up", PATIENCE, || caught_up(&server.addr, &token));
    assert_eq!(total(&server.addr, &token, "ocelot"), Some(1));

    // A rebuild beside the running server: it keeps answering, then serves the new index.
    for i in 0..20 {
        let r = upload(
            &server.addr,
            "/api/v1/workspaces/found/assets",
            &token,
            &[("title", &format!("Heron {i}")), ("kind", "visual")],
            "h.png",
            format!("heron {i}").as_bytes(),
        );
        assert_eq!(r.unwrap().status, 201);
    }
    wait_until("the indexer catches up", PATIENCE, || caught_up(&server.addr, &token));
    let (code, out) = vellum(&["reindex", "--workspace", "found", "--quiet", "--data", data_arg]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("found: 21 documents"), "{out}");
    assert_eq!(total(&server.addr, &token, "heron"), Some(20));
    let r = upload(
        &server.addr,
        "/api/v1/workspaces/found/assets",
        &token,
        &[("title", "Heron late"), ("kind", "visual")],
        "l.png",
        b"late heron",
    );
    assert_eq!(r.unwrap().status, 201);
    wait_until("the new index takes changes", PATIENCE, || total(&server.addr, &token, "heron") == Some(21));
    server.kill_9();

    // An unreadable index is rebuilt on start.
    let ws_dir = std::fs::read_dir(data.join("index")).unwrap().next().unwrap().unwrap().path();
    let current = std::fs::read_to_string(ws_dir.join("CURRENT")).unwrap();
    std::fs::write(ws_dir.join(format!("g{}", current.trim())).join("meta.json"), b"{ not json").unwrap();
    let server = Server::start(&data, &[]);
    let token = admin_token(&server.addr);
    wait_until("the rebuilt index answers", PATIENCE, || total(&server.addr, &token, "heron") == Some(21));
    assert_eq!(total(&server.addr, &token, "ocelot"), Some(1));
}
