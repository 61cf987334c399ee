//! `vellum import`: one asset per file, titles from file names, duplicates by content skipped
//! and reported, and a re-run after an interruption duplicates nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::{collections::HashSet, process::Command, time::Duration};

use serde_json::json;
use support::{admin_token, json_request, vellum, Server};

fn assets(addr: &str, token: &str) -> Vec<serde_json::Value> {
    let r = json_request(addr, "GET", "/api/v1/workspaces/library/assets?limit=1000", token, json!(null)).unwrap();
    r.json()["assets"].as_array().unwrap().clone()
}

#[test]
fn import_skips_duplicates_and_resumes_after_a_kill() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let tree = dir.path().join("tree");
    for i in 0..240 {
        let sub = tree.join(format!("batch-{}", i % 6));
        std::fs::create_dir_all(&sub).unwrap();
        let bytes: Vec<u8> = (0..60_000u32).map(|b| (b.wrapping_mul(2654435761) ^ i) as u8).collect();
        std::fs::write(sub.join(format!("photo {i:03}.jpg")), bytes).unwrap();
    }
    std::fs::write(tree.join("brief.pdf"), b"%PDF-1.4 brief").unwrap();
    std::fs::write(tree.join("batch-0").join("copy of brief.pdf"), b"%PDF-1.4 brief").unwrap();
    std::fs::write(tree.join(".DS_Store"), b"hidden").unwrap();

    let server = Server::start(&data, &[]);
    let token = admin_token(&server.addr);
    let ws =
        json_request(&server.addr, "POST", "/api/v1/workspaces", &token, json!({"name": "Library", "slug": "library"}))
            .unwrap();
    assert_eq!(ws.status, 201);
    server.kill_9();

    // Interrupt a first import part-way.
    let data_arg = data.to_str().unwrap();
    let tree_arg = tree.to_str().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_vellum"))
        .args(["import", tree_arg, "--workspace", "library", "--data", data_arg])
        .env("VELLUM_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(400));
    child.kill().unwrap();
    child.wait().unwrap();

    let (code, out) = vellum(&["import", tree_arg, "--workspace", "library", "--data", data_arg]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("skipped"), "{out}");
    let (code, again) = vellum(&["import", tree_arg, "--workspace", "library", "--data", data_arg]);
    assert_eq!(code, 0, "{again}");
    assert!(again.contains("imported 0 files"), "a third run imports nothing: {again}");
    assert!(again.contains("skipped 242 duplicates"), "{again}");
    assert!(again.contains("same content as asset"), "duplicates are named: {again}");

    let server = Server::start(&data, &[]);
    let list = assets(&server.addr, &token);
    assert_eq!(list.len(), 241, "240 photos and one brief: the copy and the hidden file are not assets");
    let titles: HashSet<&str> = list.iter().map(|a| a["title"].as_str().unwrap()).collect();
    assert!(titles.contains("photo 007"));
    assert!(titles.contains("brief") ^ titles.contains("copy of brief"));
    let brief = list.iter().find(|a| a["title"] == "brief" || a["title"] == "copy of brief").unwrap();
    assert_eq!(brief["kind"], "written");
    let audit =
        json_request(&server.addr, "GET", "/api/v1/workspaces/library/audit/verify", &token, json!(null)).unwrap();
    assert_eq!(audit.json()["ok"], true);
    let unknown = vellum(&["import", tree_arg, "--workspace", "nope", "--data", data_arg]);
    assert_ne!(unknown.0, 0);
}
