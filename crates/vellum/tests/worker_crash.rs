//! A worker killed with SIGKILL in the middle of a job: after the claim goes stale another
//! worker takes the job over and it completes exactly once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    time::Duration,
};

use serde_json::json;
use support::{admin_token, json_request, upload, Server};

fn worker(data: &std::path::Path) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vellum"))
        .args(["worker", "--workers", "1", "--stale-after-secs", "1", "--data"])
        .arg(data)
        .env("VELLUM_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert!(lines.next().unwrap().unwrap().contains("worker running"));
    std::thread::spawn(move || for _ in lines {});
    child
}

fn big_jpeg(dir: &std::path::Path) -> Option<Vec<u8>> {
    let out = dir.join("big.jpg");
    let ok = Command::new("ffmpeg")
        .args(["-v", "error", "-f", "lavfi", "-i", "testsrc2=size=6000x4000", "-frames:v", "1", "-y"])
        .arg(&out)
        .status()
        .is_ok_and(|s| s.success());
    ok.then(|| std::fs::read(out).unwrap())
}

#[test]
fn a_killed_worker_s_job_completes_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let Some(photo) = big_jpeg(dir.path()) else {
        assert!(std::env::var("CI").is_err(), "ffmpeg is required in CI");
        eprintln!("skipping: ffmpeg is not installed");
        return;
    };
    let server = Server::start(&data, &["--workers", "0"]);
    let token = admin_token(&server.addr);
    json_request(&server.addr, "POST", "/api/v1/workspaces", &token, json!({"name": "W", "slug": "wk"})).unwrap();
    let r =
        upload(&server.addr, "/api/v1/workspaces/wk/assets", &token, &[("kind", "visual")], "big.jpg", &photo).unwrap();
    assert_eq!(r.status, 201, "{:?}", r.json());
    let id = r.json()["id"].as_str().unwrap().to_string();

    // The first worker starts on the 24 MP image and is killed before it can finish.
    let mut first = worker(&data);
    std::thread::sleep(Duration::from_millis(300));
    first.kill().unwrap();
    first.wait().unwrap();
    let jobs = json_request(&server.addr, "GET", "/api/v1/workspaces/wk/jobs", &token, json!(null)).unwrap().json();
    assert_eq!(jobs["jobs"][0]["state"], "running", "killed mid-job: {jobs}");

    // Past the stale limit, a new worker takes the job over.
    std::thread::sleep(Duration::from_millis(1500));
    let mut second = worker(&data);
    let mut done = None;
    for _ in 0..240 {
        let jobs = json_request(&server.addr, "GET", "/api/v1/workspaces/wk/jobs", &token, json!(null)).unwrap().json();
        if jobs["jobs"][0]["state"] == "done" {
            done = Some(jobs);
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    second.kill().unwrap();
    second.wait().unwrap();
    let jobs = done.expect("the job completed after the takeover");
    assert_eq!(jobs["jobs"].as_array().unwrap().len(), 1, "one job, never duplicated");
    assert_eq!(jobs["jobs"][0]["attempts"], 2);
    let v = json_request(&server.addr, "GET", &format!("/api/v1/assets/{id}/versions/1"), &token, json!(null))
        .unwrap()
        .json();
    assert_eq!(v["processing"], "done");
    assert_eq!(v["media"]["width"], 6000);
    let thumb = json_request(
        &server.addr,
        "GET",
        &format!("/api/v1/assets/{id}/versions/1/renditions/thumbnail"),
        &token,
        json!(null),
    )
    .unwrap();
    assert_eq!(thumb.status, 200);
}
