//! A worker killed with SIGKILL in the middle of a job: after the claim goes stale another
//! worker takes the job over and it completes exactly once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::process::{Command, Stdio};

use serde_json::json;
use support::{
    admin_token, await_line, json_request, start_worker, upload, wait_for, wait_until, KillOnDrop, Server, PATIENCE,
};
use vellum_domain::Timestamp;

/// Seconds of silence after which a running job's claim is taken back (the workers' flag).
const STALE_AFTER_SECS: i64 = 1;

fn worker(data: &std::path::Path) -> KillOnDrop {
    start_worker(data, &["--workers", "1", "--stale-after-secs", &STALE_AFTER_SECS.to_string()], &[])
}

/// The workspace's only job, as the API shows it.
fn the_job(addr: &str, token: &str) -> serde_json::Value {
    let jobs = json_request(addr, "GET", "/api/v1/workspaces/wk/jobs", token, json!(null)).unwrap().json();
    assert_eq!(jobs["jobs"].as_array().map(Vec::len), Some(1), "one job, never duplicated: {jobs}");
    jobs["jobs"][0].clone()
}

/// Whether a sweep now would take the job's claim back: the same rule as the workers'
/// (a heartbeat older than whole seconds now minus the limit).
fn claim_is_stale(job: &serde_json::Value) -> bool {
    let heartbeat = job["heartbeat_at"].as_str().and_then(Timestamp::parse).expect("a running job has a heartbeat");
    let now = Timestamp::now().unix_seconds();
    Timestamp::from_unix(now - STALE_AFTER_SECS).is_some_and(|limit| heartbeat < limit)
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

/// A server without workers and one queued job that takes long (a 24 MP image to process);
/// the server, a token and the asset's id. None (skipped) without ffmpeg, outside CI.
fn big_job(dir: &std::path::Path, data: &std::path::Path) -> Option<(Server, String, String)> {
    let Some(photo) = big_jpeg(dir) else {
        assert!(std::env::var("CI").is_err(), "ffmpeg is required in CI");
        eprintln!("skipping: ffmpeg is not installed");
        return None;
    };
    let server = Server::start(data, &["--workers", "0"]);
    let token = admin_token(&server.addr);
    json_request(&server.addr, "POST", "/api/v1/workspaces", &token, json!({"name": "W", "slug": "wk"})).unwrap();
    let r =
        upload(&server.addr, "/api/v1/workspaces/wk/assets", &token, &[("kind", "visual")], "big.jpg", &photo).unwrap();
    assert_eq!(r.status, 201, "{:?}", r.json());
    let id = r.json()["id"].as_str().unwrap().to_string();
    Some((server, token, id))
}

#[test]
fn a_killed_worker_s_job_completes_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let Some((server, token, id)) = big_job(dir.path(), &data) else { return };

    // The first worker claims the job for the 24 MP image and is killed as soon as it has
    // (long before it can finish).
    let mut first = worker(&data);
    wait_until("the first worker to claim the job", PATIENCE, || the_job(&server.addr, &token)["state"] == "running");
    first.kill_9();
    let job = the_job(&server.addr, &token);
    assert_eq!(job["state"], "running", "killed mid-job: {job}");

    // Once the claim is stale, a new worker's first sweep takes the job over.
    wait_until("the killed worker's claim to go stale", PATIENCE, || claim_is_stale(&the_job(&server.addr, &token)));
    let mut second = worker(&data);
    let job = wait_for("the job to complete after the takeover", PATIENCE, || {
        let job = the_job(&server.addr, &token);
        (job["state"] == "done").then_some(job)
    });
    second.kill_9();
    assert_eq!(job["attempts"], 2);
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

/// A worker told to stop (SIGTERM) in the middle of a job hands it back at once: queued
/// again, the interrupted attempt not counted, and the next worker runs it without waiting
/// for a claim to go stale.
#[test]
fn a_stopping_worker_hands_its_job_back() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let Some((server, token, _)) = big_job(dir.path(), &data) else { return };

    let mut first = worker(&data);
    wait_until("the first worker to claim the job", PATIENCE, || the_job(&server.addr, &token)["state"] == "running");
    let term = Command::new("kill").args(["-TERM", &first.0.id().to_string()]).status().unwrap();
    assert!(term.success());
    let exit = first.0.wait().unwrap();
    assert!(exit.success(), "a graceful stop exits 0: {exit:?}");
    let job = the_job(&server.addr, &token);
    assert_eq!(job["state"], "queued", "handed back, not left running for a sweep: {job}");
    assert_eq!(job["attempts"], 0, "the interrupted attempt does not count: {job}");
    assert!(job["claimed_by"].is_null(), "no claim left to go stale: {job}");

    let mut second = worker(&data);
    let job = wait_for("the job to complete on the next worker", PATIENCE, || {
        let job = the_job(&server.addr, &token);
        (job["state"] == "done").then_some(job)
    });
    second.kill_9();
    assert_eq!(job["attempts"], 1);
}

/// `vellum worker --metrics-listen` serves the node's figures (no HTTP families: a worker
/// answers no requests).
#[test]
fn a_worker_serves_its_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_vellum"))
        .args(["worker", "--workers", "1", "--metrics-listen", "127.0.0.1:0", "--data"])
        .arg(dir.path())
        .env("VELLUM_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let addr = await_line(&mut child, PATIENCE, |line| {
        line.strip_prefix("Vellum worker metrics on http://")
            .and_then(|a| a.strip_suffix("/metrics"))
            .map(str::to_string)
    });
    let _worker = KillOnDrop(child);
    let reply = support::request(&addr, "GET", "/metrics", &[], b"").unwrap();
    assert_eq!(reply.status, 200);
    let text = String::from_utf8(reply.body).unwrap();
    for family in [
        "# TYPE vellum_jobs_queued gauge",
        "# TYPE vellum_job_duration_seconds histogram",
        "# TYPE vellum_job_failures_total counter",
        "# TYPE vellum_upload_bytes_total counter",
        "# TYPE vellum_reminders_sent_total counter",
        "# TYPE vellum_escalations_total counter",
        "# TYPE vellum_db_pool_connections gauge",
    ] {
        assert!(text.contains(family), "{family}: {text}");
    }
    assert!(!text.contains("vellum_http_requests_total"), "{text}");
}
