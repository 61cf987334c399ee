//! The stories in a real browser: each starts the `vellum` binary on a fresh data folder and
//! runs a script of `tests/browser/` (Playwright-core driving Debian's headless Chromium)
//! against it: the review, proofing, brief and search stories, and single sign-on (`sso.mjs`)
//! against a real local OpenID Connect provider (`oidc_provider.mjs`, npm `oidc-provider`).
//! Without Chromium or the npm packages the test is skipped, except in CI.
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
    if ["playwright-core", "oidc-provider"].iter().any(|m| !Path::new(SCRIPT_DIR).join("node_modules").join(m).exists())
    {
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

#[test]
fn a_person_signs_in_through_the_identity_provider_in_the_browser() {
    if skipped() {
        return;
    }
    let provider = IdentityProvider::start();
    let (_server, url, _data) = start_vellum(
        &["--oidc-issuer", &provider.issuer, "--oidc-client-id", SSO_CLIENT],
        &[("VELLUM_OIDC_CLIENT_SECRET", SSO_SECRET)],
    );
    run_script("sso.mjs", &[&url, ADMIN_EMAIL, ADMIN_PASSWORD, &provider.issuer, SSO_CLIENT, SSO_SECRET]);
}

const SSO_CLIENT: &str = "vellum-browser";
const SSO_SECRET: &str = "sso-client-secret-for-the-story";

/// The local OpenID Connect provider (`tests/browser/oidc_provider.mjs`), killed however the
/// test ends.
struct IdentityProvider {
    child: Child,
    issuer: String,
}

impl IdentityProvider {
    fn start() -> IdentityProvider {
        let mut child = Command::new("node")
            .arg(Path::new(SCRIPT_DIR).join("oidc_provider.mjs"))
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the OpenID Connect provider");
        let stdout = child.stdout.take().unwrap();
        let issuer = first_line_after(stdout, "issuer ");
        IdentityProvider { child, issuer }
    }
}

impl Drop for IdentityProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether the browser prerequisites are missing (a failure in CI).
fn skipped() -> bool {
    let Some(why) = missing_prerequisite() else { return false };
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("the browser test cannot run in CI: {why}");
    }
    eprintln!("skipping the browser test: {why}");
    true
}

/// Reads a child's stdout on a thread (and keeps draining it, so a chatty child cannot block)
/// until a line starts with `prefix`; returns the rest of that line.
fn first_line_after(stdout: std::process::ChildStdout, prefix: &'static str) -> String {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(rest) = line.strip_prefix(prefix) {
                let _ = tx.send(rest.trim().to_string());
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(60)).unwrap_or_else(|_| panic!("no '{prefix}' line within 60 s"))
}

/// Starts `vellum serve` on a fresh data folder with the first admin; returns it and its URL.
fn start_vellum(args: &[&str], env: &[(&str, &str)]) -> (Server, String, tempfile::TempDir) {
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_vellum"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(data.path())
        .args(args)
        .env("VELLUM_ADMIN_EMAIL", ADMIN_EMAIL)
        .env("VELLUM_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start vellum serve");
    let stdout = child.stdout.take().unwrap();
    let server = Server(child);
    let url = first_line_after(stdout, "Vellum listening on ");
    (server, url, data)
}

/// Runs a story script; fails the test with its output when it fails.
fn run_script(script: &str, args: &[&str]) {
    let out = Command::new("node").arg(Path::new(SCRIPT_DIR).join(script)).args(args).output().expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(out.status.success(), "the browser story failed ({}):\n{stdout}\n{stderr}", out.status);
}

/// Runs one story script against a fresh `vellum serve`.
fn story(script: &str) {
    if skipped() {
        return;
    }
    let (server, url, _data) = start_vellum(&[], &[]);
    run_script(script, &[&url, ADMIN_EMAIL, ADMIN_PASSWORD]);
    drop(server);
}
