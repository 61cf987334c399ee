//! The stories in a real browser: each starts the `vellum` binary on a fresh data folder and
//! runs a script of `tests/browser/` (Playwright-core driving Debian's headless Chromium)
//! against it: the review story (`review.mjs`) and the proofing story (`proof.mjs`). Without Chromium or the npm packages the test is skipped, except in CI.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::Duration,
};

const CHROMIUM: &str = "/usr/bin/chromium";
const SCRIPT_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/browser");
const ADMIN_EMAIL: &str = "admin@example.com";
const ADMIN_PASSWORD: &str = "browser-admin-password-1";

/// Kills the server however the test ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn missing_prerequisite() -> Option<String> {
    if !Path::new(CHROMIUM).exists() {
        return Some(format!("{CHROMIUM} is not installed (apt install chromium)"));
    }
    if !Path::new(SCRIPT_DIR).join("node_modules/playwright-core").exists() {
        return Some("tests/browser/node_modules is missing (run: npm ci --prefix tests/browser)".into());
    }
    if Command::new("node").arg("--version").output().is_err() {
        return Some("node is not installed".into());
    }
    None
}

#[test]
fn a_creator_uploads_and_two_approvers_approve_in_the_browser() {
    story("review.mjs");
}

#[test]
fn reviewers_mark_up_images_pages_and_frames_and_compare_versions_in_the_browser() {
    story("proof.mjs");
}

#[test]
fn a_brief_is_refused_field_by_field_submitted_on_the_board_and_approved_in_the_browser() {
    story("brief.mjs");
}

#[test]
fn a_member_searches_from_the_header_picks_a_facet_and_opens_a_result_in_the_browser() {
    story("search.mjs");
}

/// Runs one story script against a fresh `vellum serve`.
fn story(script: &str) {
    if let Some(why) = missing_prerequisite() {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("the browser test cannot run in CI: {why}");
        }
        eprintln!("skipping the browser test: {why}");
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_vellum"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(data.path())
        .env("VELLUM_ADMIN_EMAIL", ADMIN_EMAIL)
        .env("VELLUM_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .stdout(Stdio::piped())
        .spawn()
        .expect("start vellum serve");
    let stdout = child.stdout.take().unwrap();
    let server = Server(child);

    // Read stdout on a thread (and keep draining it) so a silent server cannot hang the test.
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(addr) = line.strip_prefix("Vellum listening on ") {
                let _ = tx.send(addr.trim().to_string());
            }
        }
    });
    let url = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("vellum serve printed no 'Vellum listening on' line within 60 s");

    let out = Command::new("node")
        .arg(Path::new(SCRIPT_DIR).join(script))
        .args([&url, ADMIN_EMAIL, ADMIN_PASSWORD])
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    drop(server);
    assert!(out.status.success(), "the browser story failed ({}):\n{stdout}\n{stderr}", out.status);
}
