//! `vellum retention run` against a real server's data: the dry run lists what is due and
//! why and changes nothing; the run purges it, keeps the record, and the audit still verifies.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::json;
use support::{admin_token, json_request, upload, vellum, Server};

#[test]
fn the_dry_run_lists_and_the_run_purges() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let server = Server::start(dir.path(), &[]);
    let token = admin_token(&server.addr);
    let w = json_request(&server.addr, "POST", "/api/v1/workspaces", &token, json!({"name": "Keep", "slug": "keep"}))
        .unwrap();
    assert_eq!(w.status, 201, "{:?}", w.json());
    let a = upload(
        &server.addr,
        "/api/v1/workspaces/keep/assets",
        &token,
        &[("title", "Old flyer"), ("kind", "visual")],
        "f.txt",
        b"old flyer",
    )
    .unwrap();
    assert_eq!(a.status, 201);
    let id = a.json()["id"].as_str().unwrap().to_string();
    let policies = json!({"policies": [{"keep_years": 0, "after": "archive"}]});
    assert_eq!(
        json_request(&server.addr, "PUT", "/api/v1/workspaces/keep/retention", &token, policies).unwrap().status,
        200
    );
    assert_eq!(
        json_request(&server.addr, "POST", &format!("/api/v1/assets/{id}/archive"), &token, json!({})).unwrap().status,
        200
    );
    drop(server);

    let (code, out) = vellum(&["retention", "run", "--data", d, "--dry-run"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&format!("would purge {id} \"Old flyer\" versions [1]")), "{out}");
    assert!(out.contains("1 assets would purge, 0 held, 0 files removed"), "{out}");
    let (code, out) = vellum(&["retention", "run", "--data", d]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&format!("purged {id}")) && out.contains("1 files removed"), "{out}");
    let (code, out) = vellum(&["retention", "run", "--data", d, "--dry-run"]);
    assert!(code == 0 && out.contains("0 assets would purge"), "nothing left: {out}");
    let (code, out) = vellum(&["audit", "verify", "--data", d]);
    assert_eq!(code, 0, "{out}");
}
